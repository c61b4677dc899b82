"""Managing a chart's phases and excluded points: recorded with who and why, reflected in the chart at once."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from golden_thread.errors import Refused
from golden_thread.services.measure_series import measure_charts
from golden_thread.storage.store import Store


def _los(store: Store) -> int:
    return store.measures().filter(pl.col("name").str.starts_with("Average length of stay"))["id"][0]


def test_accepting_a_suggested_phase_changes_the_centre_line(demo):
    measure_id = _los(demo)
    points, summaries = measure_charts(demo, [measure_id])
    suggestion = summaries["suggested_phase_start"][0]
    assert suggestion is not None, "the demo's length-of-stay trend should suggest a new phase"
    before = points.filter(pl.col("x") >= suggestion)["cl"].unique().to_list()
    demo.add_phase(measure_id, suggestion, "Criteria-led discharge adopted", username="lead")
    after_points, _ = measure_charts(demo, [measure_id])
    after = after_points.filter(pl.col("x") >= suggestion)
    assert after["phase"].unique().to_list() == [2]
    assert after["cl"].unique().to_list() != before
    assert demo.audit_log()["reason"].to_list() == ["Criteria-led discharge adopted"]


def test_a_phase_needs_a_reason_and_a_period_with_data(demo):
    measure_id = _los(demo)
    with pytest.raises(Refused, match="Give a reason"):
        demo.add_phase(measure_id, dt.date(2026, 1, 1), "  ", username="lead")
    with pytest.raises(Refused, match="no data for the period starting 01 January 2030"):
        demo.add_phase(measure_id, dt.date(2030, 1, 1), "Future", username="lead")
    assert demo.chart_phases([measure_id]).height == 0 and demo.audit_log().height == 0


def test_removing_a_phase_restores_one_centre_line_and_keeps_the_history(demo):
    measure_id = _los(demo)
    period = demo.observations([measure_id])["period_start"][12]
    demo.add_phase(measure_id, period, "New discharge policy", username="lead")
    demo.remove_phase(measure_id, period, "Policy was never implemented", username="lead")
    points, _ = measure_charts(demo, [measure_id])
    assert points["phase"].unique().to_list() == [1]
    log = demo.audit_log()
    assert log["action"].to_list() == ["add", "remove"] and "New discharge policy" in log["before_json"][1]


def test_an_excluded_point_leaves_the_centre_but_stays_on_the_chart(demo):
    measure_id = _los(demo)
    observations = demo.observations([measure_id])
    period = observations["period_start"][3]
    points, _ = measure_charts(demo, [measure_id])
    demo.exclude_point(measure_id, period, "Data migration error", username="lead")
    after, _ = measure_charts(demo, [measure_id])
    assert after.filter(pl.col("x") == period)["include"].to_list() == [False]
    assert after.height == points.height
    assert after["cl"][0] != points["cl"][0]
    with pytest.raises(Refused) as twice:  # the same point again: said in a sentence, nothing added
        demo.exclude_point(measure_id, period, "Entered twice", username="lead")
    assert str(twice.value) == f"There is already an excluded point at {period:%d %B %Y} (Data migration error)."
