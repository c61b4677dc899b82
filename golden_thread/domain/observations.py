"""Checking a period's value before it is stored: every problem in words a team can act on.

Pure functions: a proposed observation and the measure it belongs to in, a list of problems out. The
store calls these before writing, so the same rules hold for a form, a table edit and an import.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from typing import Any

from golden_thread.spc.options import PROPORTION_CHARTS, RATIO_CHARTS


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


def _as_period(raw: Any, problems: list[str]) -> dt.date | None:
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    try:
        return dt.date.fromisoformat(str(raw).strip())
    except ValueError:
        problems.append(f"Period {raw!r} is not a date; use YYYY-MM-DD, e.g. 2026-10-01.")
        return None


def uses_denominator(measure: dict[str, Any]) -> bool:
    """Whether a measure's data are a numerator over a denominator (P/U charts, or a proportion on a run chart)."""
    return measure["chart_type"] in RATIO_CHARTS or measure.get("denominator_definition") is not None


def current_period(frequency: str, today: dt.date) -> dt.date:
    """The period that contains ``today`` (it has not ended, so no data for it yet)."""
    if frequency == "weekly":
        return today - dt.timedelta(days=today.weekday())
    return today.replace(day=1)


def check_observation(
    proposed: ProposedObservation, measure: dict[str, Any], today: dt.date
) -> tuple[dict[str, Any] | None, list[str]]:
    """Validate one observation for ``measure``; returns (clean row, []) or (None, problems)."""
    problems: list[str] = []
    period = _as_period(proposed.period_start, problems)
    value = _as_number(proposed.value, "Value", problems)
    numerator = _as_number(proposed.numerator, "Numerator", problems)
    denominator = _as_number(proposed.denominator, "Denominator", problems)
    chart = measure["chart_type"]

    if period is not None:
        if measure["frequency"] == "monthly" and period.day != 1:
            problems.append(
                f"{period:%d %B %Y} is not the start of a month; monthly periods start on the 1st "
                f"(e.g. {period.replace(day=1):%Y-%m-%d})."
            )
        if measure["frequency"] == "weekly" and period.weekday() != 0:
            monday = period - dt.timedelta(days=period.weekday())
            problems.append(
                f"{period:%d %B %Y} is a {period:%A}; weekly periods start on a Monday (e.g. {monday:%Y-%m-%d})."
            )
        if period >= current_period(measure["frequency"], today):
            problems.append(f"The period starting {period:%d %B %Y} has not ended yet; enter data once it is complete.")

    if uses_denominator(measure):
        if value is not None:
            problems.append(
                "This measure is a numerator over a denominator: enter a numerator and a denominator, "
                "not a single value."
            )
        if numerator is None or denominator is None:
            if not any("Numerator" in p or "Denominator" in p for p in problems):
                problems.append("Enter both a numerator and a denominator.")
    elif value is None and (numerator is None or denominator is None):
        if not any(p.startswith("Value") for p in problems):
            problems.append("Enter a value.")
    for label, number in (("Value", value), ("Numerator", numerator)):
        if number is not None and number < 0 and (chart != "xmr" or label == "Numerator"):
            problems.append(f"{label} cannot be negative ({number:g}).")
    if denominator is not None and denominator <= 0:
        problems.append(f"Denominator must be greater than 0 ({denominator:g}).")
    if (
        numerator is not None
        and denominator is not None
        and denominator > 0
        and numerator > denominator
        and chart in PROPORTION_CHARTS
    ):
        problems.append(
            f"Numerator ({numerator:g}) is above the denominator ({denominator:g}); a proportion cannot exceed 100%."
        )
    if chart == "c" and value is not None and value != int(value):
        problems.append(f"A count must be a whole number, not {value:g}.")
    note = str(proposed.note).strip() or None if proposed.note is not None else None
    if note is not None and len(note) > 2000:
        problems.append("The note is longer than 2,000 characters; shorten it.")
    if problems:
        return None, problems
    return {
        "measure_id": measure["id"],
        "period_start": period,
        "value": value,
        "numerator": numerator,
        "denominator": denominator,
        "note": note,
    }, []


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
