"""One set of rules for figures and dates: each rule at, and one past, its edge; the demo's own data pass."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from golden_thread.domain.figures import (
    DEFAULT_LOCALE,
    FigureProblem,
    check_figures,
    check_observation_rows,
    check_period_starts,
    date_problem,
    day_first,
    read_date,
    read_dates,
)

TODAY = dt.date(2026, 11, 23)
P = {
    "chart_type": "p",
    "unit": "%",
    "multiplier": 100.0,
    "numerator_definition": "Patients who had a lying and standing blood pressure",
    "denominator_definition": "Adult inpatients aged 65 or over",
}
U = {"chart_type": "u", "unit": "per 1,000 bed days", "multiplier": 1000.0, "denominator_definition": "Bed days"}
C = {"chart_type": "c", "unit": "readmissions", "multiplier": 1.0}
XMR_DAYS = {"chart_type": "xmr", "unit": "days", "multiplier": 1.0}
XMR_PERCENT = {"chart_type": "xmr", "unit": "%", "multiplier": 1.0}
RUN_RATIO = {"chart_type": "run", "unit": "%", "multiplier": 100.0, "denominator_definition": "All eligible cases"}
RUN_SCORE = {"chart_type": "run", "unit": "score", "multiplier": 1.0}


def _one(measure: dict, value=None, numerator=None, denominator=None) -> list[str]:
    rows = pl.DataFrame(
        [{"line": 7, "value": value, "numerator": numerator, "denominator": denominator, **measure}],
        schema_overrides={"value": pl.Float64, "numerator": pl.Float64, "denominator": pl.Float64},
    )
    return [str(problem) for problem in check_figures(rows)]


@pytest.mark.parametrize(
    ("measure", "figures", "reason"),
    [
        (
            P,
            dict(numerator=130, denominator=120),
            "line 7: 130 of 120 — the numerator (patients who had a lying and standing blood pressure) cannot be "
            "more than the denominator (adult inpatients aged 65 or over): a proportion cannot be above 100%.",
        ),
        (
            P,
            dict(numerator=30.5, denominator=40),
            "line 7: 30.5 of 40 — the numerator (patients who had a lying and standing blood pressure) counts "
            "patients, cases or events, so it must be a whole number.",
        ),
        (
            P,
            dict(numerator=30, denominator=40.5),
            "line 7: 30 of 40.5 — the denominator (adult inpatients aged 65 or over) counts patients, cases or "
            "events, so it must be a whole number.",
        ),
        (P, dict(numerator=3, denominator=0), "line 7: Denominator must be greater than 0 (0)."),
        (P, dict(numerator=-1, denominator=4), "line 7: Numerator cannot be negative (-1)."),
        (P, dict(value=0.5), "line 7: This measure is a numerator over a denominator"),
        (P, dict(numerator=3), "line 7: Enter both a numerator and a denominator."),
        (
            U,
            dict(numerator=2.5, denominator=6000),
            "line 7: 2.5 over 6000 — the numerator counts events, so it must be a whole number.",
        ),
        (U, dict(numerator=2, denominator=-5), "line 7: Denominator must be greater than 0 (-5)."),
        (C, dict(value=2.5), "line 7: A count must be a whole number, not 2.5."),
        (C, dict(value=-3), "line 7: Value cannot be negative (-3)."),
        (XMR_DAYS, dict(), "line 7: Enter a value."),
        (XMR_DAYS, dict(value=4, numerator=3), "line 7: A numerator needs its denominator"),
        (XMR_PERCENT, dict(value=100.5), "line 7: Value 100.5 above 100% — a percentage runs from 0 to 100%."),
        (XMR_PERCENT, dict(value=-0.1), "line 7: Value -0.1 below 0% — a percentage runs from 0 to 100%."),
        (RUN_RATIO, dict(numerator=11, denominator=10), "line 7: 11 of 10 — the numerator cannot be more than"),
        (
            {**XMR_PERCENT, "multiplier": 100.0},
            dict(value=1.2),
            "line 7: Value 1.2 is 120%, above 100% — a percentage runs from 0 to 100%.",
        ),
        (
            {"chart_type": "xmr", "unit": "proportion", "multiplier": 1.0},
            dict(value=1.5),
            "line 7: Value 1.5 above 1 — a proportion runs from 0 to 1.",
        ),
    ],
)
def test_a_figure_outside_what_the_measure_can_hold_is_refused_with_its_reason(measure, figures, reason):
    problems = _one(measure, **figures)
    assert len(problems) == 1 and problems[0].startswith(reason), problems


@pytest.mark.parametrize(
    ("measure", "figures"),
    [
        (P, dict(numerator=120, denominator=120)),  # exactly 100%
        (P, dict(numerator=0, denominator=1)),
        (P, dict(numerator=30.0, denominator=40.0)),  # whole numbers written as decimals
        (U, dict(numerator=3, denominator=6.25)),  # an exposure may be fractional (6.25 thousand bed days)
        (U, dict(numerator=0, denominator=0.5)),
        (C, dict(value=0)),
        (XMR_DAYS, dict(value=-2.75)),  # an XmR value may be negative
        (RUN_SCORE, dict(value=-1.5)),  # and so may a run chart's value
        (XMR_DAYS, dict(numerator=95.5, denominator=12)),  # minutes over patients: not counts
        (XMR_PERCENT, dict(value=100)),
        (XMR_PERCENT, dict(value=0)),
        (RUN_RATIO, dict(numerator=10, denominator=10)),
        (RUN_RATIO, dict(numerator=1, denominator=3)),
    ],
)
def test_a_figure_the_measure_can_hold_passes(measure, figures):
    assert _one(measure, **figures) == []


def test_one_problem_per_offending_row_in_line_order_whatever_the_order_of_the_frame():
    rows = pl.DataFrame(
        {
            "line": [9, 2, 5, 3],
            "value": [None, None, None, None],
            "numerator": [30.5, 130.0, 5.0, -1.0],
            "denominator": [40.0, 120.0, 10.0, 0.0],
        }
    ).with_columns(pl.lit(v).alias(k) for k, v in P.items())
    problems = check_figures(rows)
    assert [p.line for p in problems] == [2, 3, 9]
    assert problems[1].reason == "Numerator cannot be negative (-1)."  # the first rule it breaks, only
    assert check_figures(rows.clear()) == []


def test_a_frame_without_the_measures_optional_columns_reads_them_as_empty():
    rows = pl.DataFrame({"line": [2], "value": [150.0], "chart_type": ["xmr"]})
    assert check_figures(rows) == []  # no unit, so no range
    assert check_figures(rows.with_columns(unit=pl.lit("%"))) == [
        FigureProblem(2, "Value 150 above 100% — a percentage runs from 0 to 100%.")
    ]


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2026-03-01", dt.date(2026, 3, 1)),
        (" 2026-3-1 ", dt.date(2026, 3, 1)),
        ("01/03/2026", dt.date(2026, 3, 1)),  # day first: 1 March
        ("1/3/2026", dt.date(2026, 3, 1)),
        ("01.03.2026", dt.date(2026, 3, 1)),
        ("01-03-2026", dt.date(2026, 3, 1)),
        ("31/01/2026", dt.date(2026, 1, 31)),
        ("29/02/2024", dt.date(2024, 2, 29)),
        (dt.date(2026, 3, 1), dt.date(2026, 3, 1)),
        (dt.datetime(2026, 3, 1, 0, 0), dt.date(2026, 3, 1)),
    ],
)
def test_iso_and_day_first_dates_are_read_in_a_day_first_locale(text, day):
    assert DEFAULT_LOCALE == "en-GB" and day_first(DEFAULT_LOCALE)
    assert read_date(text) == (day, None)


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("2026-13-01", "is not a date: there is no month 13"),
        ("2026-02-29", "is not a date: February 2026 has no day 29"),
        ("31/02/2026", "is not a date: February 2026 has no day 31 (read as day/month/year)"),
        ("13/13/2026", "is not a date: there is no month 13 (read as day/month/year)"),
        (
            "10/31/2026",
            "is not a date read day/month/year (there is no month 31); month/day/year is never guessed: "
            "if you meant 31 October 2026, write 31/10/2026 or 2026-10-31",
        ),
        ("01/03/26", "is not a date: its year has two digits, and a century is never guessed"),
        ("2026-03-01T00:00:00", "is not a date: it has a time of day"),
        ("٢٠٢٦-٠٣-٠١", "is not a date"),  # digits of another script are not read as these
        ("0000-01-01", "is not a date: there is no year 0"),
        ("20260301", "is not a date"),
        ("2026/03/01", "is not a date"),
        ("March 2026", "is not a date"),
        (3.5, "is not a date"),
    ],
)
def test_an_impossible_or_ambiguous_date_is_refused_with_what_is_wrong(text, why):
    assert read_date(text) == (None, why)


def test_month_first_is_never_guessed_and_other_locales_read_iso_only():
    assert read_date("01/03/2026", "en-US")[0] is None
    assert "does not say whether 01/03 is day/month or month/day" in read_date("01/03/2026", "en-US")[1]
    assert read_date("2026-03-01", "en-US") == (dt.date(2026, 3, 1), None)
    assert read_date("01/03/2026", "en_GB") == (dt.date(2026, 3, 1), None)
    assert date_problem("Period", "31/02/2026", read_date("31/02/2026")[1]) == (
        "Period '31/02/2026' is not a date: February 2026 has no day 31 (read as day/month/year); "
        "write it as YYYY-MM-DD (2026-10-01) or day/month/year (01/10/2026)."
    )
    assert date_problem("Period", "x", "is not a date", "en-US").endswith("write it as YYYY-MM-DD (2026-10-01).")
    assert date_problem("Period", "x" * 500, "is not a date").startswith("Period 'xxxxxxxx")
    assert len(date_problem("Period", "x" * 500, "is not a date")) < 150


def test_blank_dates_are_left_to_the_caller_and_a_column_is_read_like_its_cells():
    assert read_date("  ") == (None, None) and read_date(None) == (None, None)
    column = pl.Series(["2026-03-01", "31/02/2026", None, "01/03/2026", ""])
    read = read_dates(column)
    assert read["date"].to_list() == [dt.date(2026, 3, 1), None, None, dt.date(2026, 3, 1), None]
    assert read["why"].to_list() == [None, read_date("31/02/2026")[1], None, None, None]


def test_a_period_must_start_its_month_or_week_and_have_ended():
    rows = pl.DataFrame(
        {
            "line": [2, 3, 4, 5, 6, 7],
            "period_start": [
                dt.date(2026, 10, 1),
                dt.date(2026, 10, 2),
                dt.date(2026, 11, 16),
                dt.date(2026, 11, 11),
                dt.date(2026, 11, 1),
                dt.date(2026, 11, 23),
            ],
            "frequency": ["monthly", "monthly", "weekly", "weekly", "monthly", "weekly"],
        }
    )
    assert [str(p) for p in check_period_starts(rows, TODAY)] == [
        "line 3: 02 October 2026 is not the start of a month; monthly periods start on the 1st (e.g. 2026-10-01).",
        "line 5: 11 November 2026 is a Wednesday; weekly periods start on a Monday (e.g. 2026-11-09).",
        "line 6: The period starting 01 November 2026 has not ended yet; enter data once it is complete.",
        "line 7: The period starting 23 November 2026 has not ended yet; enter data once it is complete.",
    ]
    assert [p.line for p in check_period_starts(rows)] == [3, 5]  # without today, only the starts


def test_the_demo_organisations_own_figures_all_pass():
    """The rules must fit real data: every observation the demo trust, the demo network and the synthetic large
    trust hold passes them (else the rules, not the demo, are wrong)."""
    from golden_thread.seed.loading import demo_frames
    from golden_thread.seed.synthetic import build_large_trust

    demo = demo_frames(TODAY, network=True)
    assert demo["observation"].height > 2000
    assert check_observation_rows(demo["observation"], demo["measure"]) == []
    large = build_large_trust(TODAY, aims=3, drivers=12, projects=60, pdsa_cycles=50, measures=300, months=24)
    assert set(large["measure"]["chart_type"]) == {"run", "xmr", "p", "p_prime", "u", "u_prime", "c"}
    assert check_observation_rows(large["observation"], large["measure"]) == []


def test_observation_rows_are_judged_beside_their_measure_by_line():
    measures = pl.DataFrame(
        [{"id": 1, "frequency": "monthly", **P}, {"id": 2, "frequency": "monthly", **C}],
        schema_overrides={"multiplier": pl.Float64},
    )
    observations = pl.DataFrame(
        {
            "measure_id": [1, 1, 2, 1, 99],
            "period_start": [dt.date(2026, 1, 1), dt.date(2026, 2, 1), dt.date(2026, 1, 1), None, dt.date(2026, 1, 5)],
            "value": [None, None, 2.5, None, 1.0],
            "numerator": [130.0, 3.0, None, 31.5, None],
            "denominator": [120.0, 4.0, None, 40.0, None],
        }
    )
    problems = check_observation_rows(observations, measures)
    assert [(p.line, p.reason.split(" —")[0]) for p in problems] == [
        (2, "130 of 120"),
        (4, "A count must be a whole number, not 2.5."),
        (5, "31.5 of 40"),
    ]  # line 6's measure is not there: the rehearsal insert names it
    assert check_observation_rows(observations, measures, skip_lines=frozenset({2, 4})) == problems[2:]


def test_the_store_refuses_a_plan_that_breaks_the_rules_however_it_was_built(demo):
    """A plan that did not come through the import's checks (or whose measure was redefined since) is checked again
    where it is written: 130 of 120 on a p chart is refused and nothing lands."""
    from golden_thread.domain.observation_import import ImportPlan
    from golden_thread.errors import Refused

    measure = demo.table("measure").filter(pl.col("chart_type") == "p").row(0, named=True)
    before = demo.observations([measure["id"]]).height
    row = {
        "measure_id": [measure["id"]],
        "period_start": [dt.date(2030, 1, 1)],
        "value": [None],
        "numerator": [130.0],
        "denominator": [120.0],
        "note": [None],
    }
    empty = pl.DataFrame(row).clear()
    plan = ImportPlan(measure_id=measure["id"], new=pl.DataFrame(row), changed=empty, unchanged=0)
    with pytest.raises(Refused, match="cannot be more than the denominator"):
        demo.commit_import(plan, username="lead", filename="forged.csv")
    assert demo.observations([measure["id"]]).height == before
