"""Importing observations from CSV and Excel: all or nothing, idempotent, changes listed first."""

from __future__ import annotations

import datetime as dt
import io

import polars as pl
import pytest

from golden_thread.domain.observation_import import (
    ObservationFileError,
    plan_import,
    read_observation_file,
    template_csv,
)
from golden_thread.storage.store import Store

TODAY = dt.date(2026, 11, 23)


def _value_measure(store: Store) -> dict:
    return store.measure(store.measures().filter(pl.col("chart_type") == "xmr")["id"][0])


def _ratio_measure(store: Store) -> dict:
    return store.measure(store.measures().filter(pl.col("chart_type") == "p")["id"][0])


def _plan(store: Store, measure: dict, content: bytes, name: str = "data.csv"):
    return plan_import(measure, read_observation_file(content, name), store.observations([measure["id"]]), TODAY)


def test_a_good_file_is_previewed_then_committed_once_and_a_reimport_changes_nothing(demo):
    measure = _ratio_measure(demo)
    stored = demo.observations([measure["id"]])
    first = stored["period_start"].min()
    periods = [dt.date(first.year - 1, m, 1) for m in range(1, 4)]
    content = (
        "period_start,numerator,denominator\n" + "".join(f"{p},{10 + i},40\n" for i, p in enumerate(periods))
    ).encode()
    plan = _plan(demo, measure, content)
    assert plan.ok and plan.new.height == 3 and plan.changed.height == 0
    assert demo.observations([measure["id"]]).height == stored.height  # planning writes nothing
    assert demo.commit_import(plan, username="lead", filename="data.csv") == {
        "added": 3,
        "corrected": 0,
        "unchanged": 0,
    }
    assert demo.observations([measure["id"]]).height == stored.height + 3
    again = _plan(demo, measure, content)
    assert again.nothing_to_do and again.unchanged == 3


def test_a_file_that_changes_stored_values_lists_the_changes_before_committing(demo):
    measure = _value_measure(demo)
    stored = demo.observations([measure["id"]])
    period, old = stored["period_start"][-1], stored["value"][-1]
    plan = _plan(demo, measure, f"period_start,value\n{period},{old + 1}\n".encode())
    assert plan.new.height == 0 and plan.changed.height == 1
    change = plan.changed.row(0, named=True)
    assert change["before_value"] == old and change["value"] == old + 1
    demo.commit_import(plan, username="lead", filename="fix.csv")
    assert demo.observations([measure["id"]])["value"][-1] == old + 1
    assert demo.audit_log()["action"].to_list() == ["import"]


def test_a_mixed_file_names_every_bad_row_and_writes_nothing(demo):
    measure = _ratio_measure(demo)
    before = demo.observations([measure["id"]])
    content = (
        b"period_start,numerator,denominator\n2019-01-01,5,40\n2019-02-01,abc,40\n"
        b"2019-03-15,5,40\n2019-04-01,50,40\n2019-01-01,6,40\n"
    )
    plan = _plan(demo, measure, content)
    assert not plan.ok
    lines = {line: reason for line, reason in plan.problems}
    assert "'abc' is not a number" in lines[3]
    assert "not the start of a month" in lines[4]
    assert "50 of 40 — the numerator (eligible cases meeting the standard) cannot be more than" in lines[5]
    assert "appears twice in the file" in lines[6]
    with pytest.raises(ValueError, match="nothing was imported"):
        demo.commit_import(plan, username="lead", filename="mixed.csv")
    assert demo.observations([measure["id"]]).equals(before)


def test_the_import_refuses_what_the_form_refuses_with_file_line_and_reason_and_changes_nothing(demo):
    """The bug: the form refused 130 of 120, but the same figures imported from a file were charted at 108%."""
    from golden_thread.domain.observations import ProposedObservation, check_observation
    from golden_thread.errors import Refused

    measure = _ratio_measure(demo)
    before, audit_before = demo.observations([measure["id"]]), demo.audit_log()
    content = b"period_start,numerator,denominator\n2019-01-01,30,40\n2019-02-01,130,120\n2019-03-01,30.5,40\n"
    plan = plan_import(
        measure, read_observation_file(content, "ward.csv"), before, TODAY, filename="ward.csv", locale="en-GB"
    )
    assert not plan.ok and [line for line, _ in plan.problems] == [3, 4]
    assert plan.messages == [
        "ward.csv line 3: 130 of 120 — the numerator (eligible cases meeting the standard) cannot be more than "
        "the denominator (all eligible cases): a proportion cannot be above 100%.",
        "ward.csv line 4: 30.5 of 40 — the numerator (eligible cases meeting the standard) counts patients, "
        "cases or events, so it must be a whole number.",
    ]
    for (_, reason), (numerator, denominator) in zip(plan.problems, ((130, 120), ("30.5", 40)), strict=True):
        _, form = check_observation(
            ProposedObservation("2019-01-01", numerator=numerator, denominator=denominator), measure, TODAY
        )
        assert form == [reason]  # the same rule, in the same words, whichever door
    with pytest.raises(Refused, match="nothing was imported"):
        demo.commit_import(plan, username="lead", filename="ward.csv")
    assert demo.observations([measure["id"]]).equals(before)
    assert demo.audit_log().equals(audit_before)


def test_a_count_measure_refuses_fractions_and_a_rate_takes_a_fractional_exposure(demo):
    count = demo.measure(demo.measures().filter(pl.col("chart_type") == "c")["id"][0])
    plan = _plan(demo, count, b"period_start,value\n2018-01-01,3\n2018-02-01,2.5\n2018-03-01,-1\n")
    assert plan.problems == [
        (3, "A count must be a whole number, not 2.5."),
        (4, "Value cannot be negative (-1)."),
    ]
    rate = demo.measure(demo.measures().filter(pl.col("chart_type") == "u")["id"][0])
    plan = _plan(demo, rate, b"period_start,numerator,denominator\n2018-01-01,3,5210.5\n2018-02-01,2.5,5000\n")
    assert plan.problems == [(3, "2.5 over 5000 — the numerator counts events, so it must be a whole number.")]


def test_day_first_dates_are_read_and_impossible_or_month_first_dates_are_named(demo):
    measure = _value_measure(demo)
    good = _plan(demo, measure, b"period_start,value\n01/01/2018,7\n01.02.2018,8\n2018-03-01,9\n")
    assert good.ok and good.new["period_start"].to_list() == [dt.date(2018, m, 1) for m in (1, 2, 3)]
    bad = _plan(
        demo, measure, b"period_start,value\n2018-13-01,7\n31/02/2018,8\n01/31/2018,9\n01/01/18,9\n15/01/2018,9\n"
    )
    assert bad.problems == [
        (
            2,
            "Period '2018-13-01' is not a date: there is no month 13; write it as YYYY-MM-DD (2026-10-01) or "
            "day/month/year (01/10/2026).",
        ),
        (
            3,
            "Period '31/02/2018' is not a date: February 2018 has no day 31 (read as day/month/year); write it "
            "as YYYY-MM-DD (2026-10-01) or day/month/year (01/10/2026).",
        ),
        (
            4,
            "Period '01/31/2018' is not a date read day/month/year (there is no month 31); month/day/year is "
            "never guessed: if you meant 31 January 2018, write 31/01/2018 or 2018-01-31.",
        ),
        (
            5,
            "Period '01/01/18' is not a date: its year has two digits, and a century is never guessed; write "
            "it as YYYY-MM-DD (2026-10-01) or day/month/year (01/10/2026).",
        ),
        (6, "15 January 2018 is not the start of a month; monthly periods start on the 1st (e.g. 2018-01-01)."),
    ]
    us = plan_import(
        measure,
        read_observation_file(b"period_start,value\n01/02/2018,7\n", "us.csv"),
        demo.observations([measure["id"]]),
        TODAY,
        locale="en-US",
    )
    assert [line for line, _ in us.problems] == [2] and "month/day" in us.problems[0][1]


def test_excel_files_are_read_like_csv(demo, tmp_path):
    measure = _value_measure(demo)
    buffer = io.BytesIO()
    pl.DataFrame({"period_start": ["2018-01-01", "2018-02-01"], "value": ["7.5", "8"]}).write_excel(buffer)
    plan = _plan(demo, measure, buffer.getvalue(), "data.xlsx")
    assert plan.ok and plan.new["value"].to_list() == [7.5, 8.0]
    bad = io.BytesIO()
    pl.DataFrame({"period_start": ["2018-01-01"], "value": ["=SUM(A1:A9)"]}).write_excel(bad)
    plan = _plan(demo, measure, bad.getvalue(), "bad.xlsx")
    assert plan.problems == [(2, "Value '=SUM(A1:A9)' is not a number.")]


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"", "x.csv", "is empty"),
        (b"nhs_number,period_start,value\n123,2020-01-01,4\n", "x.csv", "look like patient identifiers (nhs_number)"),
        (b"period_start,value,colour\n2020-01-01,4,red\n", "x.csv", "unknown column(s) colour"),
        (b"month,value\n2020-01-01,4\n", "x.csv", "unknown column(s) month"),
        (b"period_start,value\n", "x.csv", "has a header but no rows"),
        ("period_start,value\n2020-01-01,\xe9\n".encode("latin-1"), "x.csv", "not UTF-8"),
        (b"anything", "x.pdf", "upload a .csv or .xlsx file"),
    ],
)
def test_unreadable_files_are_refused_with_a_reason(content, name, message):
    with pytest.raises(ObservationFileError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_observation_file(content, name)


@pytest.mark.slow
def test_a_hundred_thousand_row_file_with_one_bad_row_writes_nothing(demo):
    measure = _value_measure(demo)
    before = demo.observations([measure["id"]]).height
    weeks = pl.date_range(dt.date(1, 1, 1), dt.date(9000, 1, 1), "1mo", eager=True).head(100_000)
    values = pl.Series([f"{i % 50}.5" for i in range(weeks.len())])
    values = values.scatter(76_543, "oops")
    content = pl.DataFrame({"period_start": weeks.dt.to_string("%Y-%m-%d"), "value": values}).write_csv().encode()
    rows = read_observation_file(content, "big.csv")
    assert rows.height == 100_000
    plan = plan_import(measure, rows, demo.observations([measure["id"]]), dt.date(9999, 1, 1))
    assert [line for line, _ in plan.problems] == [76_545]
    with pytest.raises(ValueError):
        demo.commit_import(plan, username="lead", filename="big.csv")
    assert demo.observations([measure["id"]]).height == before


def test_the_template_matches_what_the_measure_takes(demo):
    assert template_csv(_ratio_measure(demo)).startswith("\ufeffPeriod start,Numerator,Denominator,Note\n")
    assert template_csv(_value_measure(demo)).startswith("\ufeffPeriod start,Value,Note\n")
    # Its headings in words read back as the columns they name.
    rows = read_observation_file(template_csv(_value_measure(demo)).encode(), "template.csv")
    assert rows.row(0, named=True) | {"line": 2} == {
        "line": 2,
        "period_start": "2026-01-01",
        "value": "7.5",
        "numerator": None,
        "denominator": None,
        "note": "example row: replace me",
    }
