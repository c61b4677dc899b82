"""Entering a period's data: specific refusals, nothing half-written, corrections audited."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from golden_thread.domain.observations import ProposedObservation
from golden_thread.errors import Refused
from golden_thread.storage.store import Store

TODAY = dt.date(2026, 11, 23)


def _measure(store: Store, chart: str | None, frequency: str = "monthly") -> dict:
    measures = store.measures().filter(pl.col("frequency") == frequency)
    if chart is not None:
        measures = measures.filter(pl.col("chart_type") == chart)
    return measures.row(0, named=True)


@pytest.mark.parametrize(
    ("chart", "proposed", "message"),
    [
        ("xmr", ProposedObservation("2026-10-01", value="abc"), "Value 'abc' is not a number."),
        ("c", ProposedObservation("2026-10-01", value="-3"), "Value cannot be negative (-3)."),
        (
            "p",
            ProposedObservation("2026-10-01", numerator=60, denominator=50),
            "Numerator (60) is above the denominator (50)",
        ),
        ("p", ProposedObservation("2026-10-01", numerator=6, denominator=0), "Denominator must be greater than 0"),
        ("xmr", ProposedObservation("2026-10-15", value=7), "15 October 2026 is not the start of a month"),
        ("xmr", ProposedObservation("2026-11-01", value=7), "has not ended yet"),
        ("xmr", ProposedObservation("2027-02-01", value=7), "has not ended yet"),
        ("xmr", ProposedObservation("01/10/2026", value=7), "is not a date; use YYYY-MM-DD"),
        ("p", ProposedObservation("2026-10-01", value=0.5), "enter a numerator and a denominator, not a single value"),
        ("c", ProposedObservation("2026-10-01", value=2.5), "A count must be a whole number"),
        ("xmr", ProposedObservation("2026-10-01"), "Enter a value."),
    ],
)
def test_invalid_input_is_refused_with_a_specific_message_and_nothing_changes(demo, chart, proposed, message):
    measure = _measure(demo, chart)
    before = demo.observations([measure["id"]])
    with pytest.raises(Refused) as refused:
        demo.save_observation(measure["id"], proposed, username="lead", today=TODAY)
    assert any(message in problem for problem in refused.value.problems), refused.value.problems
    assert demo.observations([measure["id"]]).equals(before)
    assert demo.audit_log().height == 0


def test_a_weekly_period_must_start_on_a_monday(demo):
    measure = _measure(demo, None, "weekly")
    with pytest.raises(Refused, match="is a Wednesday; weekly periods start on a Monday"):
        demo.save_observation(
            measure["id"],
            ProposedObservation("2026-11-11", value=3, numerator=3, denominator=5),
            username="lead",
            today=TODAY,
        )


def test_a_duplicate_period_is_refused_and_a_correction_is_recorded_with_before_and_after(demo):
    measure = _measure(demo, "xmr")
    latest = demo.observations([measure["id"]]).row(-1, named=True)
    period = latest["period_start"]
    with pytest.raises(Refused, match="already has data for the period"):
        demo.save_observation(measure["id"], ProposedObservation(period, value=1.0), username="lead", today=TODAY)
    outcome = demo.save_observation(
        measure["id"],
        ProposedObservation(period, value="12.5", note="Late returns"),
        username="lead",
        today=TODAY,
        correcting=True,
    )
    assert outcome == "corrected"
    saved = demo.observations([measure["id"]]).filter(pl.col("period_start") == period).row(0, named=True)
    assert saved["value"] == 12.5 and saved["note"] == "Late returns" and saved["entered_by"] == "lead"
    audit = demo.audit_log().row(0, named=True)
    assert (
        audit["action"] == "correct" and f"{latest['value']}" in audit["before_json"] and "12.5" in audit["after_json"]
    )
    again = demo.save_observation(
        measure["id"],
        ProposedObservation(period, value=12.5, note="Late returns"),
        username="lead",
        today=TODAY,
        correcting=True,
    )
    assert again == "unchanged" and demo.audit_log().height == 1


def test_a_valid_new_period_is_saved_once_and_appears_in_the_chart(demo):
    from golden_thread.services.measure_series import measure_charts

    measure = _measure(demo, "p")
    quiet_until = demo.observations([measure["id"]])["period_start"].max()
    new_period = dt.date(2026, 11, 1)
    assert quiet_until < new_period
    outcome = demo.save_observation(
        measure["id"],
        ProposedObservation("2026-11-01", numerator=40, denominator=50),
        username="lead",
        today=dt.date(2026, 12, 2),
    )
    assert outcome == "added"
    points, _ = measure_charts(demo, [measure["id"]])
    last = points.row(-1, named=True)
    assert last["x"] == new_period and abs(last["value"] - 0.8 * measure["multiplier"]) < 1e-9
