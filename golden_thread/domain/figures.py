"""One set of rules for figures and dates, whichever door they come in by.

The data-entry form (``observations.check_observation``, which ``Store.save_observation`` runs before it
writes), the CSV/Excel import of one measure's data (``observation_import.plan_import``) and the import of a
whole organisation (``storage.transfer.import_organisation``) all call the functions here. A figure one door
refuses, every door refuses, with the same reason in the same words, before anything is written.

Pure and vectorised: ``check_figures`` and ``check_period_starts`` take a polars frame of observations, one
row per period, joined to their measure's columns, and return one problem per offending row (the first rule
it breaks, in the order below), with its line and its reason in words.

Which measures count things (decided here, from the chart a measure is drawn on)
--------------------------------------------------------------------------------
- **p, p′** (a proportion): the numerator and the denominator are both counts of patients, cases or events:
  whole numbers, the denominator above 0, and the numerator no more than the denominator.
- **u, u′** (a rate): the numerator is a count of events: a whole number, 0 or more. The denominator is an
  exposure (occupied bed days, admissions, 1,000 bed days): it may be fractional, and must be above 0.
- **c** (a count): the value is a count: a whole number, 0 or more.
- **run, XmR**: a value may be any finite number (a length of stay, a spend, a score, a change that may be
  negative). Their numerator and denominator, when a measure has them, are not assumed to be counts (minutes
  over patients is a fine average): the numerator is 0 or more, the denominator above 0.
- **Percentages and proportions, on any chart**: a measure whose unit is a percentage ("%", "percent",
  "per cent", "percentage") or a "proportion" cannot be charted outside 0–100% (0–1 for a proportion).
  The figure checked is the one the chart draws: the value, or the numerator over the denominator, times
  the measure's multiplier (a value of 4.8 with multiplier 1 is 4.8%; 12 of 40 with multiplier 100 is 30%).
  A numerator and denominator with such a unit are a proportion, so the numerator cannot be more than the
  denominator, whatever the chart.
- **The shape of a row** (as the form asks for it): a measure drawn from a numerator over a denominator (a
  p, p′, u or u′ chart, or any measure with a denominator definition) takes both and no single value; any
  other measure takes a value, or a numerator and a denominator; a numerator never comes without its
  denominator.

Dates
-----
ISO dates (2026-03-01) are always read. Day/month/year (01/03/2026, also with dots or dashes) is read when
the organisation's locale writes the day first (``DAY_FIRST_LOCALES``; every organisation here is British,
so ``DEFAULT_LOCALE`` is 'en-GB'). Month/day/year is never guessed: in a day-first locale 10/31/2026 is
refused (there is no month 31), and in any other locale only ISO dates are read. A two-digit year, a date
that does not exist (2026-13-01, 31/02/2026), a time of day or any other text is refused with what to write.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import polars as pl

from golden_thread.spc.options import PROPORTION_CHARTS, RATIO_CHARTS

# -- dates ---------------------------------------------------------------------------------------------------

DEFAULT_LOCALE = "en-GB"
# Locales whose people write dates day first (01/03/2026 is 1 March). Any other locale reads ISO dates only.
DAY_FIRST_LOCALES = frozenset(
    {"en-GB", "en-IE", "en-AU", "en-NZ", "en-ZA", "en-IN", "cy-GB", "gd-GB", "ga-IE", "fr-FR", "de-DE", "es-ES"}
)
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})", re.ASCII)
_ISO_WITH_TIME = re.compile(r"\d{4}-\d{1,2}-\d{1,2}[ T]\d{1,2}:\d{2}.*", re.ASCII)
_DAY_FIRST = re.compile(r"(\d{1,2})([/.-])(\d{1,2})\2(\d{4})", re.ASCII)
_SHORT_YEAR = re.compile(r"\d{1,2}([/.-])\d{1,2}\1\d{2}", re.ASCII)
_LONGEST_SHOWN = 40


def day_first(locale: str) -> bool:
    """Whether ``locale`` (e.g. 'en-GB', 'en_GB') writes dates day first; unknown locales are not guessed."""
    return locale.replace("_", "-") in DAY_FIRST_LOCALES


def date_formats(locale: str = DEFAULT_LOCALE) -> str:
    """The ways of writing a date this locale reads, for a message: 'YYYY-MM-DD (2026-10-01) or ...'."""
    if day_first(locale):
        return "YYYY-MM-DD (2026-10-01) or day/month/year (01/10/2026)"
    return "YYYY-MM-DD (2026-10-01)"


def shown(raw: Any) -> str:
    """A cell as a message quotes it: its repr, cut short when long."""
    text = repr(raw)
    return text if len(text) <= _LONGEST_SHOWN else text[: _LONGEST_SHOWN - 1] + "…"


def read_date(raw: Any, locale: str = DEFAULT_LOCALE) -> tuple[dt.date | None, str | None]:
    """One date: (the date, None), or (None, why it is not one: 'is not a date: there is no month 13').

    A blank or missing cell is (None, None): whether a date is required is the caller's rule. A date or
    datetime object is taken as its day. Text is read by the rules in the module docstring."""
    if raw is None or (isinstance(raw, str) and raw.strip() == ""):
        return None, None
    if isinstance(raw, dt.datetime):
        return raw.date(), None
    if isinstance(raw, dt.date):
        return raw, None
    if not isinstance(raw, str):
        return None, "is not a date"
    text = raw.strip()
    if match := _ISO.fullmatch(text):
        year, month, day = (int(part) for part in match.groups())
        return _real_date(year, month, day, "")
    if match := _DAY_FIRST.fullmatch(text):
        day, month, year = int(match[1]), int(match[3]), int(match[4])
        if not day_first(locale):
            return None, (
                f"is not a date this organisation reads: its locale ({locale}) does not say whether "
                f"{match[1]}{match[2]}{match[3]} is day/month or month/day"
            )
        if month > 12 and 1 <= day <= 12 and _exists(year, day, month):
            swapped = dt.date(year, day, month)
            return None, (
                f"is not a date read day/month/year (there is no month {month}); month/day/year is never "
                f"guessed: if you meant {swapped.day} {swapped:%B %Y}, write {swapped:%d/%m/%Y} or {swapped:%Y-%m-%d}"
            )
        return _real_date(year, month, day, " (read as day/month/year)")
    if _SHORT_YEAR.fullmatch(text):
        return None, "is not a date: its year has two digits, and a century is never guessed"
    if _ISO_WITH_TIME.fullmatch(text):
        return None, "is not a date: it has a time of day"
    return None, "is not a date"


def _exists(year: int, month: int, day: int) -> bool:
    try:
        dt.date(year, month, day)
    except ValueError:
        return False
    return True


def _real_date(year: int, month: int, day: int, read_as: str) -> tuple[dt.date | None, str | None]:
    if year < 1:
        return None, f"is not a date: there is no year {year}"
    if not 1 <= month <= 12:
        return None, f"is not a date: there is no month {month}{read_as}"
    if not _exists(year, month, day):
        return None, f"is not a date: {dt.date(year, month, 1):%B %Y} has no day {day}{read_as}"
    return dt.date(year, month, day), None


def date_problem(label: str, raw: Any, why: str, locale: str = DEFAULT_LOCALE) -> str:
    """The sentence for a date that could not be read: "Period '2026-13-01' is not a date: ...; write it as ...".
    A reason that already says what to write is not followed by the formats."""
    if ", write " in why:
        return f"{label} {shown(raw)} {why}."
    return f"{label} {shown(raw)} {why}; write it as {date_formats(locale)}."


def read_dates(texts: pl.Series, locale: str = DEFAULT_LOCALE) -> pl.DataFrame:
    """``read_date`` over a column of text: a frame of ``date`` and ``why`` (null where the cell is a date or
    blank), one row per cell. Each distinct text is read once."""
    distinct = texts.cast(pl.Utf8).drop_nulls().unique().to_list()
    read = [read_date(text, locale) for text in distinct]
    return pl.DataFrame(
        {
            "date": texts.cast(pl.Utf8).replace_strict(
                distinct, [day for day, _ in read], default=None, return_dtype=pl.Date
            ),
            "why": texts.cast(pl.Utf8).replace_strict(
                distinct, [why for _, why in read], default=None, return_dtype=pl.Utf8
            ),
        }
    )


# -- figures -------------------------------------------------------------------------------------------------

# The measure's columns the rules read; a frame without one reads it as empty (a multiplier as 1).
MEASURE_COLUMNS = {
    "chart_type": pl.Utf8,
    "unit": pl.Utf8,
    "multiplier": pl.Float64,
    "numerator_definition": pl.Utf8,
    "denominator_definition": pl.Utf8,
    "frequency": pl.Utf8,
}
FIGURE_COLUMNS = {"value": pl.Float64, "numerator": pl.Float64, "denominator": pl.Float64}
COUNTED_RATIOS = PROPORTION_CHARTS  # both numerator and denominator count things
COUNTED_NUMERATORS = RATIO_CHARTS  # the numerator counts events (p, p′, u, u′)
COUNTED_VALUES = frozenset({"c"})
_PERCENT_UNIT = r"(?i)%|^\s*per\s?cent(age)?\b"
_PROPORTION_UNIT = r"(?i)^\s*proportion\s*$"
_TOLERANCE = 1e-9  # a figure 100% to within rounding (1/3 of 3, times 100) is 100%


@dataclass(frozen=True)
class FigureProblem:
    """One refused row: its line (in the file, or 1 for a form) and the reason in words."""

    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


def _prepared(rows: pl.DataFrame) -> pl.DataFrame:
    kinds = {**MEASURE_COLUMNS, **FIGURE_COLUMNS}
    rows = rows.with_columns(
        pl.lit(None, dtype=kind).alias(name) for name, kind in kinds.items() if name not in rows.columns
    )
    return rows.with_columns(
        *(pl.col(name).cast(kind) for name, kind in kinds.items() if name != "multiplier"),
        pl.col("multiplier").cast(pl.Float64).fill_null(1.0),
    )


# Facts of a row the rules share.
_VALUE, _NUM, _DEN = pl.col("value"), pl.col("numerator"), pl.col("denominator")
_HAS_VALUE, _HAS_NUM, _HAS_DEN = _VALUE.is_not_null(), _NUM.is_not_null(), _DEN.is_not_null()
_CHART = pl.col("chart_type")
_RATIO_MEASURE = _CHART.is_in(list(RATIO_CHARTS)) | pl.col("denominator_definition").is_not_null()
_PERCENT = pl.col("unit").str.contains(_PERCENT_UNIT).fill_null(False)
_PROPORTION_UNIT_EXPR = pl.col("unit").str.contains(_PROPORTION_UNIT).fill_null(False)
_A_PROPORTION = _CHART.is_in(list(PROPORTION_CHARTS)) | (
    _HAS_NUM & _HAS_DEN & ~_HAS_VALUE & (_PERCENT | _PROPORTION_UNIT_EXPR)
)
# The figure the chart draws: a ratio chart draws numerator over denominator, any other the value if there is
# one (services.measure_series.chart_inputs), times the multiplier.
_DRAWN = pl.when(_CHART.is_in(list(RATIO_CHARTS)) | ~_HAS_VALUE).then(_NUM / _DEN).otherwise(_VALUE) * pl.col(
    "multiplier"
)
_COUNT = pl.coalesce(_VALUE, _NUM)  # what a c chart counts


def _fractional(column: pl.Expr) -> pl.Expr:
    return column.is_not_null() & (column != column.floor())


def value_on_a_ratio_measure() -> pl.Expr:
    return _RATIO_MEASURE & _HAS_VALUE


def ratio_incomplete() -> pl.Expr:
    return _RATIO_MEASURE & (~_HAS_NUM | ~_HAS_DEN)


def numerator_without_denominator() -> pl.Expr:
    return ~_RATIO_MEASURE & (_HAS_NUM != _HAS_DEN)


def no_value() -> pl.Expr:
    return ~_RATIO_MEASURE & ~_HAS_VALUE & ~_HAS_NUM


def negative_numerator() -> pl.Expr:
    return _NUM < 0


def denominator_not_above_zero() -> pl.Expr:
    return _DEN <= 0


def numerator_above_denominator() -> pl.Expr:
    return _A_PROPORTION & (_NUM > _DEN)


def fractional_numerator() -> pl.Expr:
    return _CHART.is_in(list(COUNTED_NUMERATORS)) & _fractional(_NUM)


def fractional_denominator() -> pl.Expr:
    return _CHART.is_in(list(COUNTED_RATIOS)) & _fractional(_DEN)


def negative_count() -> pl.Expr:
    return _CHART.is_in(list(COUNTED_VALUES)) & (_COUNT < 0)


def fractional_count() -> pl.Expr:
    return _CHART.is_in(list(COUNTED_VALUES)) & _fractional(_COUNT)


def percentage_out_of_range() -> pl.Expr:
    return _PERCENT & ((_DRAWN < 0) | (_DRAWN > 100 * (1 + _TOLERANCE)))


def proportion_out_of_range() -> pl.Expr:
    return _PROPORTION_UNIT_EXPR & ((_DRAWN < 0) | (_DRAWN > 1 + _TOLERANCE))


def number(x: float) -> str:
    """A figure as a message shows it: 130, 30.5, 0.125, 1e+300."""
    if x == int(x) and abs(x) < 1e15:
        return str(int(x))
    return f"{x:.10g}"


def _definition(text: str | None) -> str:
    if not text or not text.strip():
        return ""
    text = text.strip()
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        text = text[0].lower() + text[1:]
    return f" ({text})"


def _of(row: dict) -> str:
    return f"{number(row['numerator'])} of {number(row['denominator'])}"


def _counted(row: dict) -> float:
    return row["value"] if row["value"] is not None else row["numerator"]


def _value_on_a_ratio_measure(row: dict) -> str:
    return "This measure is a numerator over a denominator: enter a numerator and a denominator, not a single value."


def _numerator_above_denominator(row: dict) -> str:
    return (
        f"{_of(row)} — the numerator{_definition(row['numerator_definition'])} cannot be more than the "
        f"denominator{_definition(row['denominator_definition'])}: a proportion cannot be above 100%."
    )


def _fractional_numerator(row: dict) -> str:
    if row["chart_type"] in COUNTED_RATIOS:
        return (
            f"{_of(row)} — the numerator{_definition(row['numerator_definition'])} counts patients, cases or "
            "events, so it must be a whole number."
        )
    return (
        f"{number(row['numerator'])} over {number(row['denominator'])} — the numerator"
        f"{_definition(row['numerator_definition'])} counts events, so it must be a whole number."
    )


def _fractional_denominator(row: dict) -> str:
    return (
        f"{_of(row)} — the denominator{_definition(row['denominator_definition'])} counts patients, cases or "
        "events, so it must be a whole number."
    )


def _negative_count(row: dict) -> str:
    return f"{'Value' if row['value'] is not None else 'Numerator'} cannot be negative ({number(_counted(row))})."


def _out_of_range(row: dict, top: float, name: str, sign: str) -> str:
    ratio = row["chart_type"] in RATIO_CHARTS or row["value"] is None
    drawn = (row["numerator"] / row["denominator"] if ratio else row["value"]) * row["multiplier"]
    figure = _of(row) if ratio else f"Value {number(row['value'])}"
    if ratio or row["multiplier"] != 1:
        figure += f" is {number(round(drawn, 6))}{sign},"
    side = f"below 0{sign}" if drawn < 0 else f"above {number(top)}{sign}"
    return f"{figure} {side} — a {name} runs from 0 to {number(top)}{sign}."


# (rule, its reason): the rules in the order they are tried; a row's first broken rule is its problem.
RULES: tuple[tuple[Callable[[], pl.Expr], Callable[[dict], str]], ...] = (
    (value_on_a_ratio_measure, _value_on_a_ratio_measure),
    (ratio_incomplete, lambda row: "Enter both a numerator and a denominator."),
    (numerator_without_denominator, lambda row: "A numerator needs its denominator: enter both, or only a value."),
    (no_value, lambda row: "Enter a value."),
    (negative_numerator, lambda row: f"Numerator cannot be negative ({number(row['numerator'])})."),
    (denominator_not_above_zero, lambda row: f"Denominator must be greater than 0 ({number(row['denominator'])})."),
    (numerator_above_denominator, _numerator_above_denominator),
    (fractional_numerator, _fractional_numerator),
    (fractional_denominator, _fractional_denominator),
    (negative_count, _negative_count),
    (fractional_count, lambda row: f"A count must be a whole number, not {number(_counted(row))}."),
    (percentage_out_of_range, lambda row: _out_of_range(row, 100, "percentage", "%")),
    (proportion_out_of_range, lambda row: _out_of_range(row, 1, "proportion", "")),
)


def check_figures(rows: pl.DataFrame) -> list[FigureProblem]:
    """Every row whose figures break a rule, with the first rule it breaks, ordered by line.

    ``rows``: ``line``, ``value``, ``numerator``, ``denominator`` (numbers or null) and the measure's
    ``chart_type``, ``unit``, ``multiplier``, ``numerator_definition`` and ``denominator_definition`` (a
    missing column reads as empty). Numbers must already be read (and finite); this judges what they mean."""
    if rows.height == 0:
        return []
    rows = _prepared(rows)
    broken = rows.with_columns(
        pl.coalesce(
            [
                pl.when(rule().fill_null(False)).then(pl.lit(index, dtype=pl.Int32))
                for index, (rule, _) in enumerate(RULES)
            ]
        ).alias("_rule")
    ).filter(pl.col("_rule").is_not_null())
    return [
        FigureProblem(int(row["line"]), RULES[row["_rule"]][1](row))
        for row in broken.sort("line", maintain_order=True).iter_rows(named=True)
    ]


# -- periods -------------------------------------------------------------------------------------------------


def check_period_starts(rows: pl.DataFrame, today: dt.date | None = None) -> list[FigureProblem]:
    """Every row whose ``period_start`` (a date) does not start a period of its measure's ``frequency``:
    a monthly period starts on the 1st, a weekly one on a Monday. With ``today``, a period that has not ended
    yet (the one containing today, or a later one) is refused too. Rows without a date are left alone."""
    if rows.height == 0:
        return []
    rows = _prepared(rows)
    period = pl.col("period_start")
    monthly, weekly = pl.col("frequency") == "monthly", pl.col("frequency") == "weekly"
    checks = [
        (monthly & (period.dt.day() != 1)).alias("_month"),
        (weekly & (period.dt.weekday() != 1)).alias("_week"),
    ]
    if today is not None:
        this_month = today.replace(day=1)
        this_week = today - dt.timedelta(days=today.weekday())
        checks.append(((monthly & (period >= this_month)) | (weekly & (period >= this_week))).alias("_open"))
    else:
        checks.append(pl.lit(False).alias("_open"))
    flagged = (
        rows.with_columns(c.fill_null(False) for c in checks)
        .filter(pl.col("_month") | pl.col("_week") | pl.col("_open"))
        .sort("line", maintain_order=True)
    )
    problems = []
    for row in flagged.iter_rows(named=True):
        day: dt.date = row["period_start"]
        if row["_month"]:
            reason = (
                f"{day:%d %B %Y} is not the start of a month; monthly periods start on the 1st "
                f"(e.g. {day.replace(day=1):%Y-%m-%d})."
            )
        elif row["_week"]:
            monday = day - dt.timedelta(days=day.weekday())
            reason = f"{day:%d %B %Y} is a {day:%A}; weekly periods start on a Monday (e.g. {monday:%Y-%m-%d})."
        else:
            reason = f"The period starting {day:%d %B %Y} has not ended yet; enter data once it is complete."
        problems.append(FigureProblem(int(row["line"]), reason))
    return problems


def check_observation_rows(
    observations: pl.DataFrame, measures: pl.DataFrame, *, first_line: int = 2, skip_lines: frozenset[int] = frozenset()
) -> list[FigureProblem]:
    """The period and figure rules over whole tables, as an organisation import holds them: each observation
    row (line ``first_line`` for the first) beside its measure's row. Rows whose measure is not there, and
    the lines in ``skip_lines`` (already refused for a cell that could not be read), are left to other checks."""
    if "measure_id" not in observations.columns or "id" not in measures.columns or observations.height == 0:
        return []
    beside = [name for name in MEASURE_COLUMNS if name in measures.columns]
    rows = (
        observations.with_row_index("line", offset=first_line)
        .with_columns(pl.col("line").cast(pl.Int64))
        .filter(~pl.col("line").is_in(list(skip_lines)))
        .join(
            measures.select(pl.col("id").alias("measure_id"), *beside).unique("measure_id", keep="first"),
            on="measure_id",
            how="inner",
        )
    )
    problems = check_figures(rows)
    if "period_start" in rows.columns:
        problems += check_period_starts(rows.filter(pl.col("period_start").is_not_null()))
    return sorted(problems, key=lambda problem: problem.line)
