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
            "60 of 50 — the numerator (eligible cases meeting the standard) cannot be more than the denominator",
        ),
        (
            "p",
            ProposedObservation("2026-10-01", numerator="30.5", denominator=40),
            "30.5 of 40 — the numerator (eligible cases meeting the standard) counts patients, cases or events, "
            "so it must be a whole number.",
        ),
        ("u", ProposedObservation("2026-10-01", numerator=2.5, denominator=6000), "the numerator counts events"),
        ("p", ProposedObservation("2026-10-01", numerator=6, denominator=0), "Denominator must be greater than 0"),
        ("xmr", ProposedObservation("2026-10-15", value=7), "15 October 2026 is not the start of a month"),
        ("xmr", ProposedObservation("2026-11-01", value=7), "has not ended yet"),
        ("xmr", ProposedObservation("2027-02-01", value=7), "has not ended yet"),
        ("xmr", ProposedObservation("2026-13-01", value=7), "Period '2026-13-01' is not a date: there is no month 13"),
        ("xmr", ProposedObservation("31/02/2026", value=7), "February 2026 has no day 31 (read as day/month/year)"),
        ("xmr", ProposedObservation("10/31/2026", value=7), "month/day/year is never guessed"),
        ("xmr", ProposedObservation("", value=7), "Enter the period's first day"),
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
    with pytest.raises(Refused, match="Not saved: .* entered .* while you were typing"):
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


def test_the_form_reads_day_first_dates_and_never_guesses_month_first():
    from golden_thread.domain.observations import check_observation

    measure = {"id": 1, "chart_type": "xmr", "frequency": "monthly", "unit": "days", "multiplier": 1.0}
    row, problems = check_observation(ProposedObservation("01/10/2026", value=7), measure, TODAY)
    assert problems == [] and row["period_start"] == dt.date(2026, 10, 1)
    row, problems = check_observation(ProposedObservation("01/10/2026", value=7), measure, TODAY, locale="en-US")
    assert row is None and "does not say whether 01/10 is day/month or month/day" in problems[0]
    assert problems[0].endswith("write it as YYYY-MM-DD (2026-10-01).")


def test_a_percentage_value_outside_0_to_100_is_refused_and_the_demo_sickness_rate_passes(demo):
    measure = demo.measures().filter(pl.col("unit") == "%", pl.col("chart_type") == "xmr").row(0, named=True)
    assert measure["name"] == "Sickness absence (%)"
    for value, message in ((130, "Value 130 above 100%"), (-0.5, "Value -0.5 below 0%")):
        with pytest.raises(Refused) as refused:
            demo.save_observation(
                measure["id"], ProposedObservation("2014-01-01", value=value), username="lead", today=TODAY
            )
        assert refused.value.problems == [f"{message} — a percentage runs from 0 to 100%."]
    assert demo.audit_log().height == 0
    assert (
        demo.save_observation(measure["id"], ProposedObservation("01/01/2014", value=4.8), username="lead", today=TODAY)
        == "added"
    )
