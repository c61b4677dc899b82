"""Numbers, dates and stored codes as people read them: the one formatter behind every table, chart tooltip, CSV file
and the board pack.

- A measure's number is written to the measure's own precision (``decimal_places``) with thousands separated:
  "1,234.6", "0.16 per 1,000 bed days", "82.1%". A whole count never ends in ".0": "250".
- A date is a month for a monthly period ("Nov 2026"), a day for an event or a weekly period ("23 Nov 2026"),
  and a moment with its time for something that happened ("23 Nov 2026, 14:05"). Never "2026-11-01 00:00:00".
- A missing value is blank in a table or a file, and an em dash in a sentence or on the board. Never "None",
  "null", "nan" or "NaT".
- A stored code is said in words: a check's title from the checks registry ("Orphan project"), a choice in the
  forms' words (``records.CHOICE_WORDS``: "lower is better"), a role's title, an icon's words.

Pure: no Streamlit, no SQL. ``palette`` re-exports ``format_number`` and ``format_value`` for older imports.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable

import polars as pl

from golden_thread.domain.access import ROLE_TITLES
from golden_thread.domain.checks import RULES, rule_title
from golden_thread.domain.records import CHOICE_WORDS, words

BLANK = ""  # a missing value in a table cell or a file
DASH = "—"  # a missing value in a sentence, a metric or on the board


def is_missing(value: object) -> bool:
    """None, a float NaN, or pandas' NaT/NA: a value that is not there."""
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    try:
        return bool(value != value)  # NaN-like values (pandas' NaT) are not equal to themselves
    except TypeError:  # pandas' NA will not even say whether it equals itself
        return True
    except ValueError:
        return False


# -- numbers ---------------------------------------------------------------------------------------------------------


def format_number(value: float | None, decimals: int | None = None, *, missing: str = DASH) -> str:
    """A number to ``decimals`` places with thousands separated: (1234.56, 1) -> '1,234.6'. Without a precision
    a whole number is written whole ('250') and any other to at most two places ('0.16', '7.4')."""
    if is_missing(value):
        return missing
    value = float(value)
    if not math.isfinite(value):
        return missing
    if decimals is None:
        text = f"{value:,.0f}" if value == int(value) else f"{value:,.2f}".rstrip("0").rstrip(".")
    else:
        text = f"{value:,.{int(decimals)}f}"
    return text[1:] if _zero(text) else text


def _zero(text: str) -> bool:
    """'-0.0' and its kind: a tiny negative rounded to nothing reads as zero, not minus zero."""
    return text.startswith("-") and not re.search(r"[1-9]", text)


def format_count(value: float | None, *, missing: str = DASH) -> str:
    """A whole count: 1234.0 -> '1,234'."""
    if is_missing(value):
        return missing
    return f"{round(float(value)):,}"


def format_percent(value: float | None, decimals: int | None = 0, *, share: bool = False, missing: str = DASH) -> str:
    """A percentage to ``decimals`` places: (82.14, 1) -> '82.1%'; with ``share`` the value is a fraction of one:
    (0.8214, 0, share=True) -> '82%'."""
    if is_missing(value):
        return missing
    number = float(value) * (100 if share else 1)
    return f"{format_number(number, 0 if decimals is None else decimals)}%"


def format_value(value: float | None, decimals: int | None, unit: str | None, *, missing: str = DASH) -> str:
    """A value as the board reads it: '11.0%', '£393.8k', '0.16 per 1,000 bed days'; ``missing`` when missing."""
    number = format_number(value, decimals, missing="")
    if not number:
        return missing
    unit = (unit or "").strip()
    if not unit:
        return number
    if unit == "%":
        return f"{number}%"
    if unit.startswith("£"):
        return f"£{number}{unit[1:]}"
    return f"{number} {unit}"


# -- dates -----------------------------------------------------------------------------------------------------------


def _as_date(value: object) -> dt.date | dt.datetime | None:
    if is_missing(value):
        return None
    if hasattr(value, "to_pydatetime"):  # a pandas Timestamp
        value = value.to_pydatetime()
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            return None
    return value if isinstance(value, dt.date) else None


def format_day(value: object, *, missing: str = BLANK) -> str:
    """An event's day: '23 Nov 2026'."""
    day = _as_date(value)
    return missing if day is None else f"{day.day} {day:%b %Y}"


def format_month(value: object, *, missing: str = BLANK) -> str:
    """A monthly period: 'Nov 2026'."""
    day = _as_date(value)
    return missing if day is None else f"{day:%b %Y}"


def format_moment(value: object, *, missing: str = BLANK) -> str:
    """When something happened: '23 Nov 2026, 14:05' (a date alone is its day)."""
    moment = _as_date(value)
    if moment is None:
        return missing
    if not isinstance(moment, dt.datetime):
        return format_day(moment)
    return f"{moment.day} {moment:%b %Y, %H:%M}"


def format_period(value: object, frequency: str | None = "monthly", *, missing: str = BLANK) -> str:
    """A measure's period by its frequency: a month ('Nov 2026'), or a week by the day it starts ('2 Nov 2026')."""
    return format_day(value, missing=missing) if frequency == "weekly" else format_month(value, missing=missing)


DATE_STYLES: dict[str, Callable[..., str]] = {"day": format_day, "month": format_month, "moment": format_moment}


# -- codes -----------------------------------------------------------------------------------------------------------

SEVERITY_WORDS = {"error": "Error", "warning": "Warning", "info": "For information"}
ACTION_WORDS = {
    "add": "added",
    "edit": "changed",
    "change": "changed",
    "correct": "corrected",
    "import": "imported",
    "link": "linked",
    "unlink": "unlinked",
    "primary_link": "set the primary link of",
    "move_link": "moved the primary link of",
    "retire": "retired",
    "restore": "brought back",
    "reinstate": "brought back",
    "remove": "removed",
    "publish": "published",
    "new_version": "published a new version of",
    "membership": "changed the membership of",
}
# The records an audit trail or a check names, in a sentence's words.
RECORD_WORDS = {
    "organisation": "organisation unit",
    "strategic_objective": "strategic objective",
    "objective": "strategic objective",
    "aim": "system-level aim",
    "driver_diagram": "driver diagram",
    "driver": "driver",
    "change_idea": "change idea",
    "project": "project",
    "pdsa_cycle": "PDSA cycle",
    "measure": "measure",
    "observation": "measure data",
    "chart_phase": "chart phase",
    "point_exclusion": "excluded point",
    "annotation": "chart note",
    "app_user": "account",
    "board_snapshot": "board report",
    "network_membership": "network membership",
    "leadership_framework": "leadership framework",
    "leadership_assessment": "leadership assessment",
    "member": "network member",
    "focus_board": "focus board",
    "focus_objective": "focus-board objective",
    "focus_action": "action",
    "huddle": "huddle",
}


def icon_name(icon: str | None) -> str:
    """A Making Data Count icon's words ('special_cause_concern' -> 'Special cause: concern'); blank for none."""
    if is_missing(icon):
        return BLANK
    from golden_thread.domain.palette import icon_words  # palette imports this module: read it when first asked

    return icon_words(icon).label


def code_words(value: object, field: str | None = None) -> str:
    """A stored code as a person reads it: ('rule', 'orphan_project') -> 'Orphan project', ('improvement_direction',
    'decrease') -> 'lower is better', ('role', 'team_member') -> 'Improvement team member', 'on_hold' -> 'on hold'."""
    if is_missing(value):
        return BLANK
    text = str(value)
    column = (field or "").lower()
    if column in ("rule", "flag") and text in RULES:
        return rule_title(text)
    if column == "severity":
        return SEVERITY_WORDS.get(text, words(text))
    if column == "role":
        return ROLE_TITLES.get(text, words(text))
    if column in ("entity_type", "entity", "record_type", "what"):
        return RECORD_WORDS.get(text, words(text))
    if column in ("point_type", "variation", "assurance", "variation_icon", "assurance_icon"):
        return icon_name(text)
    if column == "action":
        return ACTION_WORDS.get(text, words(text))
    if column in CHOICE_WORDS:
        return CHOICE_WORDS[column].get(text) or words(text)
    return words(text)


# The columns whose cells are stored codes, named as the store and the services name them.
CODE_COLUMNS = frozenset(
    {
        "rule",
        "severity",
        "entity_type",
        "role",
        "point_type",
        "variation",
        "assurance",
        "variation_icon",
        "assurance_icon",
        "action",
        "status",
        "kind",
        "measure_type",
        "frequency",
        "act_decision",
        "purpose",
        "stage",
        "level",
        "strength",
        *CHOICE_WORDS,
    }
)
_CODE_HEADER = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")
HEADER_WORDS = {
    "cl": "Centre line",
    "lcl": "Lower limit",
    "ucl": "Upper limit",
    "entity_type": "What",
    "entity_id": "Record number",
    "entity_key": "Record",
    "period_start": "Period",
    "pdsa": "PDSA",
    "id": "Number",
    "occurred_at": "When",
    "username": "Who",
    "before_json": "Before",
    "after_json": "After",
    "message": "Why it matters",
}


def column_words(name: str) -> str:
    """A column's code name as a heading: 'charted_value' -> 'Charted value', 'ucl' -> 'Upper limit'; a heading
    already in words ('Aim statement', an aim's title) is left as it is."""
    if name in HEADER_WORDS:
        return HEADER_WORDS[name]
    if not _CODE_HEADER.fullmatch(name):
        return name
    text = name.replace("_", " ")
    text = re.sub(r"\bid\b", "number", text)
    text = re.sub(r"\bpdsa\b", "PDSA", text)
    return text[:1].upper() + text[1:]


def readable_frame(frame: pl.DataFrame, decimals: dict[str, int] | None = None) -> pl.DataFrame:
    """A frame as a file should carry it: headings in words, codes in words (``CODE_COLUMNS``), yes/no for
    true/false, dates as days (midnight dropped) and moments with their time, whole numbers without '.0', and the
    numbers of ``decimals`` (column -> places) rounded to them. Numbers stay numbers, so a spreadsheet can sum them."""
    decimals = decimals or {}
    columns = []
    for name, dtype in frame.schema.items():
        column = pl.col(name)
        if name in CODE_COLUMNS and dtype in (pl.Utf8, pl.Categorical):
            column = column.cast(pl.Utf8).map_elements(lambda v, f=name: code_words(v, f), return_dtype=pl.Utf8)
        elif dtype == pl.Boolean:
            column = pl.when(column).then(pl.lit("Yes")).when(column.not_()).then(pl.lit("No")).otherwise(None)
        elif dtype == pl.Date:
            column = column.map_elements(format_day, return_dtype=pl.Utf8)
        elif isinstance(dtype, pl.Datetime):
            column = column.map_elements(format_moment, return_dtype=pl.Utf8)
        elif dtype.is_float() and name in decimals:
            column = column.round(decimals[name])
            if decimals[name] == 0:
                column = column.cast(pl.Int64)
        elif dtype.is_float() and _whole(frame[name]):
            column = column.cast(pl.Int64)
        columns.append(column.alias(column_words(name)))
    return frame.select(columns)


def _whole(series: pl.Series) -> bool:
    values = series.drop_nulls().drop_nans()
    return values.len() > 0 and bool((values == values.round(0)).all()) and bool((values.abs() < 2**53).all())


__all__ = [
    "BLANK",
    "CODE_COLUMNS",
    "DASH",
    "DATE_STYLES",
    "code_words",
    "column_words",
    "format_count",
    "format_day",
    "format_moment",
    "format_month",
    "format_number",
    "format_percent",
    "format_period",
    "format_value",
    "icon_name",
    "is_missing",
    "readable_frame",
]
