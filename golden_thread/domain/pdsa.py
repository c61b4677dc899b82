"""A PDSA cycle as a team runs it (DOMAIN §1.2–1.5): its plan, what was done, what was learned and the decision,
each stage checked with every problem named in words the team can act on.

The four stages and what each holds:

- **Plan**: the title (what is tested, where), the change idea tested, the purpose, the objective, the questions,
  the *prediction* (the answers the team expects, and why), the plan (who, what, when, where, what data), the dates
  and the cycle it builds on (a ramp: each test building on the last).
- **Do**: what happened: was the test carried out as planned, what was observed, what went wrong.
- **Study**: what was learned, comparing what happened with the prediction.
- **Act**: the decision, adopt, adapt or abandon (§1.4), and what the next cycle will test.

How far a cycle has got (its progress: planned, doing, studied, acted) is read from what its record holds, never
hand-set. Pure: no SQL, no Streamlit. The store calls these checks inside a write's transaction, so a form, a test
and the command line all meet the same rules.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, Literal

import polars as pl

from golden_thread.domain.enumerations import ACT_DECISIONS, PDSA_PURPOSES

TITLE_LIMIT = 200
TEXT_LIMIT = 4000
# A start date further ahead than this is almost always a mistyped year.
FURTHEST_START = dt.timedelta(days=366)

Stage = Literal["plan", "do", "study", "act"]
STAGES: tuple[str, ...] = ("plan", "do", "study", "act")
# The fields of the pdsa_cycle table each stage records (the store updates these columns and no others).
STAGE_FIELDS: dict[str, tuple[str, ...]] = {
    "plan": (
        "title",
        "change_idea_id",
        "purpose",
        "objective",
        "questions",
        "prediction",
        "plan",
        "start_date",
        "end_date",
        "builds_on_id",
    ),
    "do": ("do_notes",),
    "study": ("study_notes",),
    "act": ("act_decision", "act_notes"),
}
STAGE_TITLES = {"plan": "Plan", "do": "Do", "study": "Study", "act": "Act"}
# How far a cycle has got, from what its record holds: the last stage recorded.
PROGRESS: tuple[str, ...] = ("planned", "doing", "studied", "acted")
PROGRESS_WORDS = {
    "planned": "Planned: the plan is written; nothing is recorded of what happened yet.",
    "doing": "Doing: what happened is recorded; the Study is next.",
    "studied": "Studied: what was learned is recorded; the decision is next.",
    "acted": "Acted: the decision is made.",
}
PURPOSE_WORDS = {
    "collect_information": "Collect information",
    "develop_change": "Develop a change",
    "test_change": "Test a change",
    "implement_change": "Implement a change",
}
# The Act decision in the words of the worksheets (DOMAIN §1.4).
DECISION_WORDS = {
    "adopt": "Adopt: implement the change on a larger scale, with a plan to sustain it",
    "adapt": "Adapt: improve the change and test it again",
    "abandon": "Abandon: discard this change idea and try a different one",
}
TEXT_FIELDS = ("objective", "questions", "prediction", "plan", "do_notes", "study_notes", "act_notes")
FIELD_WORDS = {
    "objective": "objective",
    "questions": "questions",
    "prediction": "prediction",
    "plan": "plan",
    "do_notes": "record of what happened (Do)",
    "study_notes": "record of what was learned (Study)",
    "act_notes": "note of what comes next (Act)",
}

NEEDS_PREDICTION = (
    "Write a prediction: what do you expect to happen, and why? A prediction is what the team learns against: "
    "without one, the Study has nothing to compare what happened with."
)
NEEDS_DO_NOTES = (
    "Write what happened: was the test carried out as planned, what did you observe, what went wrong or surprised you?"
)
NEEDS_STUDY_NOTES = "Write what you learned: compare what happened with the prediction."
DO_BEFORE_STUDY = "Record what happened (Do) before the Study: the Study compares what happened with the prediction."
STUDY_BEFORE_ACT = "Record what you learned (Study) before deciding to adopt, adapt or abandon."
NEEDS_DECISION = "Choose the decision: adopt, adapt or abandon."
ADAPT_NEEDS_NEXT = "Say what the next cycle will change and test: adapting a change means testing it again."
PREDICTION_IS_FIXED = (
    "The prediction cannot change once the Study is recorded: the Study compared what happened with it, and a "
    "prediction rewritten afterwards is hindsight. Put what you would predict now in the next cycle's plan."
)


@dataclass(frozen=True)
class ProposedCycle:
    """A new PDSA cycle as typed into a form (text and dates as given). Usually only the plan; a cycle logged
    after the event may carry its Do, Study and Act too, and they are checked in the same way."""

    title: str
    start_date: dt.date | None
    end_date: dt.date | None = None
    change_idea_id: int | None = None
    purpose: str | None = "test_change"
    prediction: str = ""
    plan: str = ""
    study_notes: str = ""
    act_decision: str | None = None
    objective: str = ""
    questions: str = ""
    builds_on_id: int | None = None
    do_notes: str = ""
    act_notes: str = ""


def _text(value: Any) -> str | None:
    """Typed text as stored: surrounding space removed, blank as None."""
    if value is None:
        return None
    return str(value).strip() or None


def _date(value: Any, words: str, problems: list[str]) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    problems.append(f"The {words} “{value}” is not a date; choose it from the calendar.")
    return None


def _whole(value: Any, words: str, problems: list[str]) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        try:
            return int(str(value))
        except ValueError:
            problems.append(f"The {words} “{value}” is not a record number.")
            return None
    return value


def _normalised(changes: Mapping[str, Any], problems: list[str]) -> dict[str, Any]:
    """Each field as the table stores it: text stripped (blank as None), dates as dates, ids as whole numbers."""
    row: dict[str, Any] = {}
    for name, value in changes.items():
        if name in TEXT_FIELDS or name == "title":
            row[name] = _text(value)
        elif name in ("start_date", "end_date"):
            row[name] = _date(value, name.replace("_", " "), problems)
        elif name in ("change_idea_id", "builds_on_id"):
            row[name] = _whole(value, "change idea" if name == "change_idea_id" else "earlier cycle", problems)
        else:  # purpose, act_decision: closed words, checked below
            row[name] = _text(value)
    return row


def _plan_problems(row: Mapping[str, Any], today: dt.date) -> list[str]:
    """The plan's own rules: a title, a start, dates in order, a purpose from the list."""
    problems = []
    title = row.get("title")
    if not title:
        problems.append("Give the cycle a title: what is being tested, where.")
    elif len(title) > TITLE_LIMIT:
        problems.append(f"Keep the title under {TITLE_LIMIT} characters; put the detail in the plan.")
    start, end = row.get("start_date"), row.get("end_date")
    if start is None:
        problems.append("Enter the date the cycle starts.")
    elif start > today + FURTHEST_START:
        problems.append("The start date is more than a year away; check the year.")
    if start and end and end < start:
        problems.append(f"The cycle ends ({end:%d %B %Y}) before it starts ({start:%d %B %Y}).")
    purpose = row.get("purpose")
    if purpose is not None and purpose not in PDSA_PURPOSES:
        problems.append(f"Purpose must be one of: {', '.join(p.replace('_', ' ') for p in PDSA_PURPOSES)}.")
    return problems


def _decision_problems(row: Mapping[str, Any]) -> list[str]:
    decision = row.get("act_decision")
    if decision is not None and decision not in ACT_DECISIONS:
        return [f"The Act decision is adopt, adapt or abandon, not “{decision}”."]
    return []


def _order_problems(row: Mapping[str, Any], today: dt.date, stages: set[str]) -> list[str]:
    """The stages in their order, for the stages in ``stages`` (the ones being recorded): nothing is done before
    the cycle starts, a Study needs something done and a decision needs a Study."""
    problems = []
    start = row.get("start_date")
    if stages & {"plan", "do"} and row.get("do_notes") and start and start > today:
        problems.append(
            f"The cycle starts on {start:%d %B %Y}, after today: record what happened once it has begun, "
            "or correct the start date in the plan."
        )
    if "study" in stages and row.get("study_notes") and not row.get("do_notes"):
        problems.append(DO_BEFORE_STUDY)
    if "act" in stages and row.get("act_decision") and not row.get("study_notes"):
        problems.append(STUDY_BEFORE_ACT)
    return problems


def _length_problems(row: Mapping[str, Any]) -> list[str]:
    return [
        f"The {FIELD_WORDS[name]} is longer than {TEXT_LIMIT} characters; shorten it."
        for name in TEXT_FIELDS
        if len(row.get(name) or "") > TEXT_LIMIT
    ]


def check_cycle(proposed: ProposedCycle, today: dt.date) -> tuple[dict, list[str]]:
    """(row for the pdsa_cycle table, problems) for a new cycle. A cycle with problems is never saved.

    A new cycle needs a title, a start date and a prediction; any Do, Study and Act it carries (a cycle logged after
    the event) must come in their order."""
    problems: list[str] = []
    row = _normalised({f.name: getattr(proposed, f.name) for f in fields(proposed)}, problems)
    problems += _plan_problems(row, today)
    if not row["prediction"]:
        problems.append(NEEDS_PREDICTION)
    problems += _decision_problems(row)
    problems += _order_problems(row, today, {"plan", "do", "study", "act"})
    if row["act_decision"] == "adapt" and not row["act_notes"]:
        problems.append(ADAPT_NEEDS_NEXT)
    problems += _length_problems(row)
    return row, problems


def check_stage(
    stage: str, stored: Mapping[str, Any], changes: Mapping[str, Any], today: dt.date
) -> tuple[dict, list[str]]:
    """(the fields that change, problems) for recording one stage of a stored cycle: ``changes`` holds the stage's
    fields as typed (``STAGE_FIELDS[stage]``), ``stored`` the cycle as it is. Nothing is saved when there are problems.

    - Plan: the title, start date and dates in order as for a new cycle. The prediction is needed until the cycle is
      studied, and once the Study is recorded it stays as it was: the Study was written against it. (A prediction
      missing from a studied cycle may still be added: the one the team made at the time, from its worksheet.)
    - Do: what happened, once the cycle has started.
    - Study: what was learned, once something is recorded as done.
    - Act: adopt, adapt or abandon, once the Study is recorded; adapting says what the next cycle will test.
    """
    if stage not in STAGE_FIELDS:
        return {}, [f"There is no PDSA stage “{stage}”: the stages are plan, do, study and act."]
    problems: list[str] = []
    unknown = [name for name in changes if name not in STAGE_FIELDS[stage]]
    if unknown:
        problems.append(
            f"The {STAGE_TITLES[stage]} stage records {', '.join(STAGE_FIELDS[stage])}; not {', '.join(unknown)}."
        )
        return {}, problems
    typed = _normalised(changes, problems)
    row = {**stored, **typed}
    if stage == "plan":
        problems += _plan_problems(row, today)
        studied = bool(_text(stored.get("study_notes")))
        predicted = _text(stored.get("prediction"))
        if studied and predicted and row.get("prediction") != predicted:
            problems.append(PREDICTION_IS_FIXED)
        elif not row.get("prediction") and not studied:
            problems.append(NEEDS_PREDICTION)
        if row.get("builds_on_id") is not None and row.get("builds_on_id") == stored.get("id"):
            problems.append("A cycle cannot build on itself: choose an earlier cycle of the ramp, or none.")
    elif stage == "do" and not row.get("do_notes"):
        problems.append(NEEDS_DO_NOTES)
    elif stage == "study" and not row.get("study_notes"):
        problems.append(NEEDS_STUDY_NOTES)
    elif stage == "act":
        if not row.get("act_decision"):
            problems.append(NEEDS_DECISION)
        problems += _decision_problems(row)
        if row.get("act_decision") == "adapt" and not row.get("act_notes"):
            problems.append(ADAPT_NEEDS_NEXT)
    problems += _order_problems(row, today, {stage})
    problems += _length_problems(typed)
    changed = {name: value for name, value in typed.items() if _differs(value, stored.get(name))}
    return changed, problems


def _differs(new: Any, old: Any) -> bool:
    if isinstance(old, str) or isinstance(new, str):
        return (new or "").strip() != (old or "").strip()
    return new != old


def ramp_problems(
    cycle_id: int | None, start_date: dt.date | None, builds_on: Mapping[str, Any] | None, ramp: Mapping[int, int]
) -> list[str]:
    """Problems with a cycle building on ``builds_on`` (the earlier cycle's row, None when it is not one of the
    project's cycles). ``ramp`` maps each of the project's cycles to the one it builds on, to find a loop."""
    if builds_on is None:
        return ["That earlier cycle is not one of this project's cycles: a ramp builds on the same project's tests."]
    problems = []
    if builds_on["start_date"] and start_date and builds_on["start_date"] > start_date:
        problems.append(
            f"Cycle {builds_on.get('cycle_number') or builds_on['id']} starts on {builds_on['start_date']:%d %B %Y}, "
            f"after this one ({start_date:%d %B %Y}): a cycle builds on an earlier one."
        )
    seen, step = set(), builds_on["id"]
    while step is not None and step not in seen and cycle_id is not None:
        if step == cycle_id:
            problems.append(
                "That cycle already builds on this one: a ramp runs one way. Choose an earlier cycle, or none."
            )
            break
        seen.add(step)
        step = ramp.get(step)
    return problems


def progress(cycle: Mapping[str, Any]) -> str:
    """How far a cycle has got, from what its record holds: planned, doing, studied or acted."""
    if _text(cycle.get("act_decision")):
        return "acted"
    if _text(cycle.get("study_notes")):
        return "studied"
    if _text(cycle.get("do_notes")):
        return "doing"
    return "planned"


def progress_column() -> pl.Expr:
    """``progress`` over a frame of cycles (act_decision, study_notes, do_notes), as the column ``stage``."""

    def given(name: str) -> pl.Expr:
        return pl.col(name).cast(pl.Utf8).str.strip_chars().fill_null("") != ""

    return (
        pl.when(given("act_decision"))
        .then(pl.lit("acted"))
        .when(given("study_notes"))
        .then(pl.lit("studied"))
        .when(given("do_notes"))
        .then(pl.lit("doing"))
        .otherwise(pl.lit("planned"))
        .alias("stage")
    )


def normalised_title(title: str | None) -> str:
    """A title as compared for duplicates: case, punctuation and spacing ignored."""
    return re.sub(r"[\W_]+", " ", (title or "").casefold()).strip()


def possible_duplicates(proposed: ProposedCycle, existing: pl.DataFrame) -> pl.DataFrame:
    """The project's cycles (``existing``: id, title, change_idea_id, start_date, end_date, and act_decision if
    known) that look like the same test as ``proposed``, with ``why`` in words: the same title (case, punctuation
    and spacing ignored), or the same change idea at overlapping dates. A cycle without an end date runs on until
    its decision is recorded; a decided one without an end date lasted its start day.

    Pointed out before saving; the person may still save (two tests can share an idea and a week)."""
    if existing.height == 0:
        return existing.with_columns(pl.lit(None, dtype=pl.Utf8).alias("why"))
    start = proposed.start_date
    end = proposed.end_date or dt.date.max
    decided = pl.col("act_decision").is_not_null() if "act_decision" in existing.columns else pl.lit(False)
    their_end = pl.coalesce(
        pl.col("end_date"), pl.when(decided).then(pl.col("start_date")).otherwise(pl.lit(dt.date.max))
    )
    same_title = pl.col("title").map_elements(normalised_title, return_dtype=pl.Utf8) == normalised_title(
        proposed.title
    )
    if proposed.change_idea_id is None or start is None:
        same_idea = pl.lit(False)
    else:
        same_idea = (
            (pl.col("change_idea_id") == proposed.change_idea_id) & (pl.col("start_date") <= end) & (their_end >= start)
        ).fill_null(False)
    return (
        existing.with_columns(
            pl.when(same_title)
            .then(pl.lit("the same title"))
            .when(same_idea)
            .then(pl.lit("the same change idea, tested at the same time"))
            .otherwise(None)
            .alias("why")
        )
        .filter(pl.col("why").is_not_null())
        .sort("start_date", "id")
    )


def next_cycle_title(title: str, number: int | None) -> str:
    """A title for the cycle that builds on cycle ``number``: 'cycle 3' becomes 'cycle 4', else the number is added."""
    following = (number or 0) + 1
    renumbered, count = re.subn(r"\bcycle\s+\d+\b", f"cycle {following}", title, count=1, flags=re.IGNORECASE)
    return renumbered if count else f"{title} (cycle {following})"


def next_cycle(cycle: Mapping[str, Any], today: dt.date) -> ProposedCycle:
    """The next cycle of a ramp, prefilled from ``cycle`` (DOMAIN §1.5: a new cycle in a ramp copies its details from
    the previous one): the same change idea, purpose, objective, questions and plan, built on ``cycle``, starting
    today or after ``cycle`` ends. The prediction is left for the team to write afresh."""
    ends = cycle.get("end_date") or cycle.get("start_date")
    start = max(today, ends + dt.timedelta(days=1)) if ends and ends >= today else today
    return ProposedCycle(
        title=next_cycle_title(cycle.get("title") or "", cycle.get("cycle_number")),
        start_date=start,
        change_idea_id=cycle.get("change_idea_id"),
        purpose=cycle.get("purpose") or "test_change",
        objective=cycle.get("objective") or "",
        questions=cycle.get("questions") or "",
        plan=cycle.get("plan") or "",
        builds_on_id=cycle.get("id"),
    )
