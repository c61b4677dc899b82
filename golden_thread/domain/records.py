"""The records of the thread a person creates and edits in the app, each described once: its fields, who may change
it and the rules a proposed version must pass (DOMAIN Decisions 1-3, §§2-4).

The editor screens draw their forms from these descriptions, the services check a proposal with ``check_record``
before the store writes it, and the store writes only the columns named here. A new editable record is one entry
in ``RECORDS``; a new field is one ``Field``.

A proposal arrives as typed (text, numbers, dates or None); ``check_record`` returns the row to store and every
problem, in words that say what to fix. A record with problems is never written.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Literal

from golden_thread.domain.enumerations import (
    ACTION_STATUSES,
    CHART_TYPES,
    DIRECTIONS,
    FREQUENCIES,
    MEASURE_TYPES,
    OBJECTIVE_CATEGORIES,
    PROJECT_STATUSES,
    RISK_LEVELS,
    RULE_SETS,
)

TITLE_LIMIT = 200
TEXT_LIMIT = 2000

Kind = Literal["text", "long_text", "number", "whole", "date", "choice", "unit"]


@dataclass(frozen=True)
class Field:
    name: str  # the column
    label: str
    kind: Kind = "text"
    required: bool = False
    choices: tuple[str, ...] = ()
    help: str = ""
    limit: int = TITLE_LIMIT
    low: float | None = None  # the smallest number allowed
    high: float | None = None


@dataclass(frozen=True)
class RecordKind:
    table: str
    noun: str  # in a sentence: "strategic objective"
    action: str  # the access action a write needs (access.ACTIONS)
    title: str  # the column that names a record
    fields: tuple[Field, ...]
    rules: Callable[[dict, dict | None, dt.date], list[str]] = field(default=lambda row, before, today: [])
    # No two active records of the kind in one organisation share a title (``check_record``'s ``active_titles``).
    unique_title: bool = False

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)


def words(value: str) -> str:
    """A stored word as a person reads it: 'on_hold' -> 'on hold', 'p_prime' -> "p′"."""
    return {"p_prime": "p′ (Laney)", "u_prime": "u′ (Laney)", "xmr": "XmR (I chart)"}.get(
        value, value.replace("_", " ")
    )


# Choices whose stored word means little to someone who is not an analyst, said in full wherever they are shown.
CHOICE_WORDS = {
    "chart_type": {"run": "run chart", "p": "p (a proportion)", "u": "u (a rate)", "c": "c (a count)"},
    "rules": {"mdc": "Making Data Count (SPC rules)", "anhoej": "Anhøj (run chart rules)"},
    "improvement_direction": {"increase": "higher is better", "decrease": "lower is better", "neutral": "neither"},
    "risk_level": {"low": "low risk", "medium": "medium risk", "high": "high risk"},
}


def choice_words(field_name: str, value: str | None) -> str:
    """A stored choice as a person reads it: ('rules', 'mdc') -> 'Making Data Count (SPC rules)'."""
    if value is None:
        return "—"
    return CHOICE_WORDS.get(field_name, {}).get(value) or words(value)


# -- the rules of each record, beyond its fields --------------------------------------------------------------------


def _aim_rules(row: dict, before: dict | None, today: dt.date) -> list[str]:
    """A system-level aim is SMART (DOMAIN §2.2): what, how much (baseline and target), by when, for whom."""
    problems = []
    if before is None and row.get("target_date") is not None and row["target_date"] <= today:
        problems.append(
            f"The target date {row['target_date']:%d %B %Y} has passed: a new aim needs a date still ahead of you."
        )
    if row.get("baseline_value") is not None and row.get("baseline_value") == row.get("target_value"):
        problems.append("The target equals the baseline: say how much better the aim will make things.")
    if row.get("baseline_value") is not None and not row.get("baseline_period"):
        problems.append("Say which period the baseline describes (for example “Apr 2025 to Mar 2026”).")
    return problems


def _project_rules(row: dict, before: dict | None, today: dt.date) -> list[str]:
    problems = []
    start, end = row.get("start_date"), row.get("end_date")
    if start and end and end < start:
        problems.append(f"The project ends ({end:%d %B %Y}) before it starts ({start:%d %B %Y}).")
    if row.get("status") in ("completed", "closed") and end is None:
        problems.append("Give the date the project finished: a completed or closed project has an end date.")
    if start and start > today + dt.timedelta(days=366):
        problems.append("The start date is more than a year away; check the year.")
    return problems


RATE_CHARTS = ("p", "p_prime", "u", "u_prime")  # charts of a numerator over a denominator


def _measure_rules(row: dict, before: dict | None, today: dt.date) -> list[str]:
    problems = []
    chart = row.get("chart_type")
    if chart in RATE_CHARTS:
        for name, words_ in (("numerator_definition", "numerator"), ("denominator_definition", "denominator")):
            if not row.get(name):
                problems.append(
                    f"A {words(chart)} chart plots a numerator over a denominator: define the {words_} "
                    "(what is counted, from where)."
                )
    return problems


def _focus_action_rules(row: dict, before: dict | None, today: dt.date) -> list[str]:
    """A done action says what was learned (the huddle reads it back); a new action is due from today on."""
    problems = []
    if row.get("status") == "done" and not row.get("learning"):
        problems.append("Say what was learned before closing the action: the next huddle reads it back.")
    if before is None and row.get("due_date") is not None and row["due_date"] < today:
        problems.append(f"The due date {row['due_date']:%d %B %Y} has passed: a new action is due today or later.")
    return problems


UNIT_KINDS = ("division", "team")  # the units within a trust; a trust or network is set up once, at the top

RECORDS: dict[str, RecordKind] = {
    kind.table: kind
    for kind in (
        RecordKind(
            "organisation",
            "organisation unit",
            "manage_organisation",
            "name",
            (
                Field("name", "Name", required=True, help="As people say it: “Ward 7 (Elderly Care)”."),
                Field("kind", "Kind", "choice", required=True, choices=UNIT_KINDS),
            ),
        ),
        RecordKind(
            "strategic_objective",
            "strategic objective",
            "edit_thread",
            "title",
            (
                Field("title", "Objective", required=True, help="What the organisation means to achieve."),
                Field("category", "Category", "choice", required=True, choices=OBJECTIVE_CATEGORIES),
                Field("description", "Description", "long_text", limit=TEXT_LIMIT),
            ),
        ),
        RecordKind(
            "aim",
            "system-level aim",
            "edit_thread",
            "title",
            (
                Field("title", "Aim (short title)", required=True, help="For example “Reduce inpatient falls”."),
                Field(
                    "statement",
                    "Aim statement",
                    "long_text",
                    required=True,
                    limit=1000,
                    help="What, how much, by when, for whom: “Reduce falls with harm from 0.55 to 0.30 per 1,000 "
                    "bed days by 31 March 2027 across adult wards”.",
                ),
                Field("population", "For whom", required=True),
                Field("location", "Where"),
                Field("baseline_value", "Baseline", "number", required=True, help="Where the measure stands now."),
                Field("baseline_period", "Baseline period", required=True),
                Field("target_value", "Target", "number", required=True),
                Field("target_date", "Target date", "date", required=True),
                Field("responsible_leader", "Responsible leader", required=True),
                Field("adopted_on", "Adopted on", "date"),
            ),
            _aim_rules,
            unique_title=True,  # the board, the thread and the Alignment page name an aim by its title
        ),
        RecordKind(
            "project",
            "improvement project",
            "edit_project",
            "title",
            (
                Field("title", "Project", required=True),
                Field("team_id", "Team", "whole", required=True),
                Field("lead", "Project lead", required=True),
                Field("sponsor", "Sponsor"),
                Field("status", "Status", "choice", required=True, choices=PROJECT_STATUSES),
                Field("start_date", "Start date", "date", required=True),
                Field("end_date", "End date", "date"),
                Field(
                    "local_aim",
                    "Project aim",
                    "long_text",
                    limit=1000,
                    help="The team's own SMART aim: what, how much, by when, for whom.",
                ),
            ),
            _project_rules,
        ),
        RecordKind(
            "measure",
            "measure",
            "edit_project",
            "name",
            (
                Field("name", "Measure", required=True),
                Field("measure_type", "Type", "choice", required=True, choices=MEASURE_TYPES),
                Field(
                    "definition",
                    "Operational definition",
                    "long_text",
                    required=True,
                    limit=TEXT_LIMIT,
                    help="Exactly what is measured, so that two people would count the same.",
                ),
                Field("numerator_definition", "Numerator", "long_text", limit=TEXT_LIMIT),
                Field("denominator_definition", "Denominator", "long_text", limit=TEXT_LIMIT),
                Field("inclusions", "Inclusions", "long_text", limit=TEXT_LIMIT),
                Field("exclusions", "Exclusions", "long_text", limit=TEXT_LIMIT),
                Field("data_source", "Data source", required=True),
                Field("owner", "Data owner", required=True),
                Field("unit", "Unit", help="As the chart labels it: %, days, per 1,000 bed days…", limit=40),
                Field("frequency", "Frequency", "choice", required=True, choices=FREQUENCIES),
                Field("chart_type", "Chart", "choice", required=True, choices=CHART_TYPES),
                Field("rules", "Rules", "choice", required=True, choices=RULE_SETS),
                Field("improvement_direction", "Better is", "choice", required=True, choices=DIRECTIONS),
                Field("target_value", "Target", "number"),
                Field(
                    "multiplier",
                    "Multiplier",
                    "number",
                    required=True,
                    low=1e-9,
                    help="100 for a percentage, 1,000 for a rate per 1,000.",
                ),
                Field("decimal_places", "Decimal places", "whole", required=True, low=0, high=6),
                Field(
                    "expected_lag_days",
                    "Days until a period's data is due",
                    "whole",
                    required=True,
                    low=0,
                    high=366,
                ),
            ),
            _measure_rules,
        ),
        # A team's focus board and what is on it (DOMAIN §4.5, issue 17); huddles are written whole by
        # ``services.focus_boards.record_huddle``.
        RecordKind(
            "focus_board",
            "focus board",
            "run_huddles",
            "name",
            (
                Field("name", "Board name", required=True, help="As the team says it: “Ward 7 focus board”."),
                Field(
                    "purpose",
                    "Purpose at the top",
                    "long_text",
                    limit=500,
                    help="The organisation's purpose the board starts from, in the team's words.",
                ),
                Field("huddle_rhythm", "When the huddle meets", help="For example “Tuesdays 10:30 at the board”."),
                Field("huddle_minutes", "Huddle length (minutes)", "whole", required=True, low=5, high=120),
            ),
        ),
        RecordKind(
            "focus_objective",
            "focus-board objective",
            "run_huddles",
            "title",
            (
                Field("title", "Objective", required=True, help="What the team means to improve, in its words."),
                Field("category", "Category", "choice", required=True, choices=OBJECTIVE_CATEGORIES),
                Field("problem", "The problem we are working on", "long_text", limit=TEXT_LIMIT),
                Field("focus", "Where we are focusing", "long_text", limit=TEXT_LIMIT),
                Field("measure_id", "How we measure it", "whole", help="The measure whose chart shows progress."),
                Field("strategic_objective_id", "Serves the strategic objective", "whole"),
                Field("aim_id", "Serves the system-level aim", "whole"),
            ),
        ),
        RecordKind(
            "focus_action",
            "action",
            "run_huddles",
            "title",
            (
                Field("title", "Action", required=True, help="What will be done, in a line."),
                Field("owner", "Responsible", required=True, limit=120),
                Field("due_date", "Due", "date", required=True),
                Field("status", "Status", "choice", required=True, choices=ACTION_STATUSES),
                Field("risk_level", "Risk", "choice", required=True, choices=RISK_LEVELS),
                Field("notes", "Notes", "long_text", limit=TEXT_LIMIT),
                Field("focus_objective_id", "For the objective", "whole"),
                Field("project_id", "Serves the project", "whole"),
                Field("pdsa_cycle_id", "Serves the PDSA cycle", "whole"),
                Field("learning", "What we learned", "long_text", limit=TEXT_LIMIT),
                Field("done_on", "Done on", "date"),
            ),
            _focus_action_rules,
        ),
    )
}


def check_record(
    table: str,
    proposed: dict,
    *,
    today: dt.date,
    before: dict | None = None,
    active_titles: Iterable[str] = (),
) -> tuple[dict, list[str]]:
    """(the row to store, every problem) for a proposed new record (``before`` None) or an edit of ``before``.

    Only the columns the record kind names are kept; blank text becomes None; numbers and dates are checked for
    their type and range. The kind's own rules then judge the row as a whole. ``active_titles``: the titles of the
    organisation's other active records of the kind, which a kind with ``unique_title`` may not repeat."""
    kind = RECORDS[table]
    row: dict = {}
    problems: list[str] = []
    for f in kind.fields:
        value = proposed.get(f.name, before.get(f.name) if before else None)
        value, problem = _field_value(f, value)
        row[f.name] = value
        if problem:
            problems.append(problem)
    if not problems:
        problems += kind.rules(row, before, today)
        if kind.unique_title and (before or {}).get("status", "active") == "active":
            problems += _title_taken(kind, row.get(kind.title), active_titles)
    return row, problems


def _same_title(title: str) -> str:
    return " ".join(title.split()).casefold()


def _title_taken(kind: RecordKind, title: str | None, active_titles: Iterable[str]) -> list[str]:
    """A title another active record of the kind has already (ignoring case and spacing), in words."""
    if title is None or _same_title(title) not in {_same_title(t) for t in active_titles if t}:
        return []
    return [
        f"Another active {kind.noun} is already called “{title}”: give this one a title people can tell apart "
        f"(the board and the Alignment page name each {kind.noun} by its title)."
    ]


def _field_value(f: Field, value) -> tuple[object, str | None]:
    if isinstance(value, str):
        value = value.strip() or None
    if value is None:
        return None, (f"Fill in “{f.label}”." if f.required else None)
    if f.kind in ("text", "long_text", "unit", "choice"):
        value = str(value)
        if f.kind == "choice" and value not in f.choices:
            return value, f"“{f.label}” must be one of: {', '.join(words(c) for c in f.choices)}; not “{value}”."
        if len(value) > f.limit:
            return value, f"Keep “{f.label}” under {f.limit:,} characters (it has {len(value):,})."
        return value, None
    if f.kind == "date":
        if isinstance(value, dt.datetime):
            value = value.date()
        if not isinstance(value, dt.date):
            try:
                value = dt.date.fromisoformat(str(value))
            except ValueError:
                return None, f"“{f.label}” must be a date such as 2027-03-31; “{value}” is not one."
        return value, None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None, f"“{f.label}” must be a number; “{value}” is not one."
    if not math.isfinite(number):
        return None, f"“{f.label}” must be a finite number."
    if f.kind == "whole":
        if number != int(number):
            return None, f"“{f.label}” must be a whole number; {number:g} is not."
        number = int(number)
    if f.low is not None and number < f.low:
        return number, f"“{f.label}” must be at least {f.low:g}." if f.low > 1e-6 else f"“{f.label}” must be above 0."
    if f.high is not None and number > f.high:
        return number, f"“{f.label}” must be at most {f.high:g}."
    return number, None


def changed_fields(before: dict, row: dict) -> dict[str, tuple[object, object]]:
    """The fields an edit changes: name -> (before, after)."""
    return {name: (before.get(name), value) for name, value in row.items() if before.get(name) != value}
