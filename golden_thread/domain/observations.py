"""Checking a period's value before it is stored: every problem in words a team can act on.

Pure functions: a proposed observation and the measure it belongs to in, a list of problems out. The
store calls these before writing, so the same rules hold for a form, a table edit and an import. Reading
the cells (a number, a date, a note) happens here; what the figures and the period may be (numerator no
more than denominator, whole counts, percentages within 0–100, a period that starts and has ended) is
decided once, in ``figures``, which the CSV/Excel and organisation imports call too.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from typing import Any

import polars as pl

from golden_thread.domain.figures import (
    DEFAULT_LOCALE,
    MEASURE_COLUMNS,
    check_figures,
    check_period_starts,
    date_formats,
    date_problem,
    read_date,
)
from golden_thread.spc.options import RATIO_CHARTS


@dataclass(frozen=True)
class ProposedObservation:
    period_start: Any
    value: Any = None
    numerator: Any = None
    denominator: Any = None
    note: str | None = None


def _as_number(raw: Any, label: str, problems: list[str]) -> float | None:
    if raw is None or (isinstance(raw, str) and raw.strip() == ""):
        return None
    if isinstance(raw, bool):
        problems.append(f"{label} must be a number, not {raw!r}.")
        return None
    text = str(raw).strip() if isinstance(raw, str) else None
    if text is not None and "," in text and not _THOUSANDS.fullmatch(text):
        # '1,5' is one and a half to half of Europe and fifteen to the rest: never guess.
        problems.append(
            f"{label} {raw!r} is ambiguous: use a full stop for decimals (1.5) and no commas, "
            "or commas only between thousands (1,500)."
        )
        return None
    try:
        number = float(text.replace(",", "")) if text is not None else float(raw)
    except (TypeError, ValueError, OverflowError):
        problems.append(f"{label} {raw!r} is not a number.")
        return None
    if not math.isfinite(number):
        problems.append(f"{label} {raw!r} is not a finite number.")
        return None
    return number


_THOUSANDS = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?")


def _as_period(raw: Any, locale: str, problems: list[str]) -> dt.date | None:
    day, why = read_date(raw, locale)
    if why is not None:
        problems.append(date_problem("Period", raw, why, locale))
    elif day is None:
        problems.append(f"Enter the period's first day; write it as {date_formats(locale)}.")
    return day


def uses_denominator(measure: dict[str, Any]) -> bool:
    """Whether a measure's data are a numerator over a denominator (P/U charts, or a proportion on a run chart)."""
    return measure["chart_type"] in RATIO_CHARTS or measure.get("denominator_definition") is not None


def current_period(frequency: str, today: dt.date) -> dt.date:
    """The period that contains ``today`` (it has not ended, so no data for it yet)."""
    if frequency == "weekly":
        return today - dt.timedelta(days=today.weekday())
    return today.replace(day=1)


@dataclass(frozen=True)
class ReadEntry:
    """One proposed observation's cells, read: ``row`` holds what could be read (None where a cell could not),
    ``problems`` what could not, and ``figures_read`` whether every number was read, so that the figure rules
    (``figures.check_figures``) can judge them."""

    row: dict[str, Any]
    problems: list[str]
    figures_read: bool


def read_entry(proposed: ProposedObservation, measure: dict[str, Any], *, locale: str = DEFAULT_LOCALE) -> ReadEntry:
    """Read a proposed observation's period, numbers and note; the rules on what they may be come after."""
    problems: list[str] = []
    period = _as_period(proposed.period_start, locale, problems)
    read_before = len(problems)
    value = _as_number(proposed.value, "Value", problems)
    numerator = _as_number(proposed.numerator, "Numerator", problems)
    denominator = _as_number(proposed.denominator, "Denominator", problems)
    figures_read = len(problems) == read_before
    note = str(proposed.note).strip() or None if proposed.note is not None else None
    if note is not None and len(note) > 2000:
        problems.append("The note is longer than 2,000 characters; shorten it.")
    row = {
        "measure_id": measure["id"],
        "period_start": period,
        "value": value,
        "numerator": numerator,
        "denominator": denominator,
        "note": note,
    }
    return ReadEntry(row, problems, figures_read)


def figure_frame(rows: list[dict[str, Any]], measure: dict[str, Any]) -> pl.DataFrame:
    """Read rows (each with its ``line``) of one measure, beside the measure's columns the figure rules read."""
    return pl.DataFrame(
        [{key: row[key] for key in ("line", "period_start", "value", "numerator", "denominator")} for row in rows],
        schema={
            "line": pl.Int64,
            "period_start": pl.Date,
            "value": pl.Float64,
            "numerator": pl.Float64,
            "denominator": pl.Float64,
        },
    ).with_columns(pl.lit(measure.get(name), dtype=kind).alias(name) for name, kind in MEASURE_COLUMNS.items())


def check_observation(
    proposed: ProposedObservation, measure: dict[str, Any], today: dt.date, *, locale: str = DEFAULT_LOCALE
) -> tuple[dict[str, Any] | None, list[str]]:
    """Validate one observation for ``measure``; returns (clean row, []) or (None, problems).

    Dates are read as ``figures.read_date`` reads them for ``locale`` (ISO, or day/month/year where the day
    comes first); the period and the figures must pass ``figures.check_period_starts`` and
    ``figures.check_figures``, the same rules the imports apply."""
    entry = read_entry(proposed, measure, locale=locale)
    problems = list(entry.problems)
    frame = figure_frame([{**entry.row, "line": 1}], measure)
    if entry.row["period_start"] is not None:
        problems += [problem.reason for problem in check_period_starts(frame, today)]
    if entry.figures_read:
        problems += [problem.reason for problem in check_figures(frame)]
    if problems:
        return None, problems
    return entry.row, []


def periods_open_for_entry(frequency: str, existing: list[dt.date], today: dt.date, back: int = 6) -> list[dt.date]:
    """Complete periods without data, newest first: the last ``back`` periods plus any gap since the last entry."""
    step = (
        (lambda d: d - dt.timedelta(days=7))
        if frequency == "weekly"
        else (lambda d: (d - dt.timedelta(days=1)).replace(day=1))
    )
    period = step(current_period(frequency, today))
    taken = set(existing)
    last = max(existing) if existing else None
    open_periods = []
    for count in range(520):
        if count >= back and (last is None or period <= last):
            break
        if period not in taken:
            open_periods.append(period)
        period = step(period)
    return open_periods
