"""Signal-to-test attribution lists the cycles that started in the months before each signal."""

from __future__ import annotations

import datetime as dt

import polars as pl

from golden_thread.domain.attribution import MONTHS_BEFORE_SIGNAL, cycles_before_signals, signal_starts
from golden_thread.services.measure_series import measure_charts
from golden_thread.spc.engine import analyse_series
from golden_thread.spc.options import SpcOptions
from golden_thread.storage.store import Store


def test_a_shift_lists_the_cycles_that_started_in_the_three_months_before_it():
    months = [dt.date(2025 + m // 12, m % 12 + 1, 1) for m in range(24)]
    ys = [20, 22, 19, 21, 20, 23, 19, 21, 22, 20, 21, 20, 16, 15, 16, 14, 15, 16, 15, 14, 16, 15, 14, 15]
    points = analyse_series(months, ys, SpcOptions(rules="mdc", improvement_direction="decrease"))
    # Twelve points above the mean (a concern for a decrease measure), then twelve below (an improvement).
    signals = signal_starts(points)
    assert signals["signal_start"].to_list() == [dt.date(2025, 1, 1), dt.date(2026, 1, 1)]
    assert signals["point_type"].to_list() == ["special_cause_concern", "special_cause_improvement"]
    cycles = pl.DataFrame(
        {
            "title": ["Huddle test", "Too early", "Leaflet", "After"],
            "change_idea": ["Huddle", "Old idea", "Leaflet", "Late"],
            "project": ["P"] * 4,
            "start_date": [dt.date(2025, 11, 3), dt.date(2025, 6, 1), dt.date(2025, 12, 15), dt.date(2026, 2, 1)],
            "act_decision": ["adopt", "abandon", "adapt", None],
        }
    )
    found = cycles_before_signals(points, cycles)
    assert found["title"].to_list() == ["Huddle test", "Leaflet"]
    assert (found["point_type"] == "special_cause_improvement").all()


def test_the_demo_falls_signal_is_preceded_by_falls_tests(demo_db):
    store = Store(demo_db)
    points, _ = measure_charts(store, [1])
    found = cycles_before_signals(points, store.pdsa_cycles_for_measure(1))
    store.close()
    assert found.height > 0
    gap = (found["signal_start"] - found["start_date"]).dt.total_days()
    assert (gap >= 0).all() and (gap <= 31 * MONTHS_BEFORE_SIGNAL).all()
    assert found["change_idea"].drop_nulls().len() > 0
