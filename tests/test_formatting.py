"""The one formatter: numbers to the measure's precision, dates as months or days, blanks for missing, codes in words."""

from __future__ import annotations

import csv
import datetime as dt
import io
import math

import pandas as pd
import polars as pl
import pytest

from golden_thread.domain import formatting as fmt
from golden_thread.domain.csv_export import safe_csv


@pytest.mark.parametrize(
    "value, decimals, expected",
    [
        (0.15753, 2, "0.16"),
        (0.1575, 2, "0.16"),
        (1234.56, 1, "1,234.6"),
        (12345.0, 0, "12,345"),
        (250.0, None, "250"),  # a whole number is written whole, never "250.0"
        (7.4, None, "7.4"),
        (0.3333333, None, "0.33"),
        (-0.001, 1, "0.0"),  # rounded to nothing: zero, not minus zero
        (-1.25, 1, "-1.2"),
    ],
)
def test_a_number_is_written_to_its_precision_with_thousands_separated(value, decimals, expected):
    assert fmt.format_number(value, decimals) == expected


@pytest.mark.parametrize("missing", [None, float("nan"), pd.NA, pd.NaT, math.inf])
def test_a_missing_number_is_a_dash_in_a_sentence_and_blank_in_a_table(missing):
    assert fmt.format_number(missing, 2) == "—"
    assert fmt.format_number(missing, 2, missing="") == ""
    assert fmt.format_value(missing, 1, "%", missing="") == ""


def test_counts_and_percentages():
    assert fmt.format_count(250.0) == "250"
    assert fmt.format_count(1234) == "1,234"
    assert fmt.format_percent(82.14, 1) == "82.1%"
    assert fmt.format_percent(0.8214, 0, share=True) == "82%"
    assert fmt.format_value(11.023, 1, "%") == "11.0%"
    assert fmt.format_value(393.8, 1, "£k") == "£393.8k"
    assert fmt.format_value(0.15753, 2, "per 1,000 bed days") == "0.16 per 1,000 bed days"


def test_palette_still_offers_the_formatters_it_used_to_hold():
    from golden_thread.domain.palette import format_number, format_value

    assert format_number is fmt.format_number and format_value is fmt.format_value


def test_dates_are_months_for_monthly_periods_and_days_for_events():
    november = dt.date(2026, 11, 1)
    assert fmt.format_month(november) == "Nov 2026"
    assert fmt.format_day(dt.date(2026, 11, 23)) == "23 Nov 2026"
    assert fmt.format_day(dt.datetime(2026, 11, 1, 0, 0)) == "1 Nov 2026"  # never "2026-11-01 00:00:00"
    assert fmt.format_moment(dt.datetime(2026, 11, 23, 14, 5)) == "23 Nov 2026, 14:05"
    assert fmt.format_moment(pd.Timestamp("2026-11-23 09:30")) == "23 Nov 2026, 09:30"
    assert fmt.format_period(november, "monthly") == "Nov 2026"
    assert fmt.format_period(dt.date(2026, 11, 2), "weekly") == "2 Nov 2026"
    assert fmt.format_month("2026-11-01") == "Nov 2026"
    for missing in (None, pd.NaT, float("nan")):
        assert fmt.format_day(missing) == fmt.format_month(missing) == fmt.format_moment(missing) == ""


@pytest.mark.parametrize(
    "value, field, expected",
    [
        ("orphan_project", "rule", "Orphan project"),
        ("pdsa_without_prediction", "rule", "PDSA without prediction"),
        ("decrease", "improvement_direction", "lower is better"),
        ("mdc", "rules", "Making Data Count (SPC rules)"),
        ("p_prime", "chart_type", "p′ (Laney)"),
        ("team_member", "role", "Improvement team member"),
        ("error", "severity", "Error"),
        ("info", "severity", "For information"),
        ("change_idea", "entity_type", "change idea"),
        ("special_cause_concern", "point_type", "Special cause: concern"),
        ("on_hold", "status", "on hold"),
        (None, "status", ""),
    ],
)
def test_stored_codes_are_said_in_words(value, field, expected):
    assert fmt.code_words(value, field) == expected


def test_column_names_become_headings_and_headings_stay_as_they_are():
    assert fmt.column_words("before_numerator") == "Before numerator"
    assert fmt.column_words("ucl") == "Upper limit"
    assert fmt.column_words("entity_id") == "Record number"
    assert fmt.column_words("Reduce inpatient falls") == "Reduce inpatient falls"  # an aim's title, as typed


def test_a_csv_starts_with_the_utf8_mark_and_carries_words():
    frame = pl.DataFrame(
        {
            "rule": ["orphan_project", "measure_gone_quiet"],
            "severity": ["error", "warning"],
            "period_start": [dt.date(2026, 11, 1), None],
            "occurred_at": [dt.datetime(2026, 11, 23, 14, 5), dt.datetime(2026, 11, 1)],
            "count": [250.0, 3.0],
            "share": [0.1575, None],
            "active": [True, False],
            "mark": ["● primary", "○ also"],
        }
    )
    data = safe_csv(frame).encode("utf-8")
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["Rule", "Severity", "Period", "When", "Count", "Share", "Active", "Mark"]
    assert rows[1] == [
        "Orphan project",
        "Error",
        "1 Nov 2026",
        "23 Nov 2026, 14:05",
        "250",
        "0.1575",
        "Yes",
        "● primary",
    ]
    assert rows[2] == ["Measure gone quiet", "Warning", "", "1 Nov 2026, 00:00", "3", "", "No", "○ also"]
    # Excel reads the mark and then the marks as they were written.
    assert "●" in data.decode("utf-8-sig") and "â" not in data.decode("utf-8-sig")


def test_a_csv_rounds_the_numbers_it_is_told_to_round():
    frame = pl.DataFrame({"cl": [0.157531, 1.0], "n": [1.5, 2.25]})
    rows = list(csv.reader(io.StringIO(safe_csv(frame, {"cl": 2}).removeprefix("\ufeff"))))
    assert rows == [["Centre line", "N"], ["0.16", "1.5"], ["1.0", "2.25"]]
