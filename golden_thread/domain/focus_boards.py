"""Focus boards and huddles, as a ward runs them (DOMAIN §4.5, issue 17): the words, the rules a huddle's record must
pass, and the sums the roll-up shows. Pure: frames and dicts in, frames, rows and sentences out.

A focus board's four columns are the trust's four strategic categories; each objective shows its measure (current
against target, judged from the measure's data) and the strategic objective or aim it serves. Its actions carry an
owner, a due date, a status and a risk; a huddle walks them in order, last meeting's actions first, and ends on a
reflection on the meeting itself.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from golden_thread.domain.enumerations import ACTION_STATUSES
from golden_thread.domain.records import TEXT_LIMIT

# What each column of the board is for, in the organisation's words (the focus-board template's own headings).
CATEGORY_MEANINGS: dict[str, dict[str, str]] = {
    "health": {
        "Quality": "Improving safety and experience",
        "Efficiency": "Enhancing productivity and meeting demand",
        "Financial": "Value and sustainability",
        "People": "Working and enabling our people",
    },
    "education": {
        "Quality": "Improving learning and wellbeing",
        "Efficiency": "Making the most of teaching time",
        "Financial": "Value and sustainability",
        "People": "Supporting and developing our staff",
    },
}
ACTION_STATUS_WORDS = {"not_started": "Not started", "on_track": "On track", "at_risk": "At risk", "done": "Done"}
RISK_WORDS = {"low": "Low", "medium": "Medium", "high": "High"}
OPEN_STATUSES = tuple(status for status in ACTION_STATUSES if status != "done")

# The huddle's record: the meeting, then the reflection on it (the template's foot), in the order a huddle asks.
HUDDLE_FIELDS = (
    "held_on",
    "attendees",
    "decisions",
    "ran_to_time",
    "why_not_to_time",
    "went_well",
    "learned",
    "not_working",
    "changes_to_make",
)
REFLECTION_QUESTIONS = {
    "ran_to_time": "Did the huddle run to time?",
    "why_not_to_time": "If not, why not?",
    "went_well": "What went well?",
    "learned": "What did we learn?",
    "not_working": "What on the board is not working?",
    "changes_to_make": "What changes do we need to make?",
}
# The steps of huddle mode, in the order the meeting walks them.
HUDDLE_STEPS = ("Last meeting's actions", "Our measures", "New actions", "How did the huddle go?")


def category_meaning(category: str, vocabulary: str = "health") -> str:
    return CATEGORY_MEANINGS.get(vocabulary, CATEGORY_MEANINGS["health"]).get(category, "")


def check_huddle(huddle: dict, reviews: list[dict], *, today: dt.date) -> tuple[dict, list[dict], list[str]]:
    """(the huddle row to keep, the reviews to keep, every problem) for a huddle as recorded.

    A huddle is held today or earlier, names who was there and says whether it ran to time (and why not, if not);
    each action it went through gets a status, and an action it closes says what was learned."""
    problems: list[str] = []
    row = {name: _text(huddle.get(name)) for name in HUDDLE_FIELDS}
    row["ran_to_time"] = huddle.get("ran_to_time")
    held_on = huddle.get("held_on")
    if not isinstance(held_on, dt.date):
        problems.append("Give the date the huddle was held.")
    elif held_on > today:
        problems.append(f"The huddle's date {held_on:%d %B %Y} is still to come: record a huddle once it is held.")
    row["held_on"] = held_on
    if not row["attendees"]:
        problems.append("Say who was there (names or roles): the record of a huddle names its people.")
    if row["ran_to_time"] is None:
        problems.append("Say whether the huddle ran to time.")
    elif row["ran_to_time"] is False and not row["why_not_to_time"]:
        problems.append("The huddle overran: say why, so the next one can run to time.")
    problems += [
        f"Keep “{REFLECTION_QUESTIONS.get(name, name.replace('_', ' '))}” under {TEXT_LIMIT:,} characters."
        for name in HUDDLE_FIELDS
        if isinstance(row[name], str) and len(row[name]) > TEXT_LIMIT
    ]
    kept = []
    for review in reviews:
        status = review.get("status")
        title = review.get("title") or f"action {review.get('action_id')}"
        if status not in ACTION_STATUSES:
            problems.append(f"Choose a status for “{title}”.")
            continue
        learning = _text(review.get("learning"))
        if status == "done" and not learning:
            problems.append(f"“{title}” is done: say what was learned, so the team keeps it.")
        kept.append(
            {
                "action_id": review["action_id"],
                "status": status,
                "feedback": _text(review.get("feedback")),
                "learning": learning,
                "done_on": held_on if status == "done" else None,
                "opened": review.get("opened"),
            }
        )
    return row, kept, problems


def _text(value):
    if isinstance(value, str):
        return value.strip() or None
    return value


def with_action_flags(actions: pl.DataFrame, today: dt.date) -> pl.DataFrame:
    """Actions with ``overdue`` (open and past its due date), ``days_overdue`` and ``status_words``."""
    open_ = pl.col("status") != "done"
    return actions.with_columns(
        overdue=open_ & (pl.col("due_date") < today),
        days_overdue=pl.when(open_ & (pl.col("due_date") < today))
        .then((pl.lit(today) - pl.col("due_date")).dt.total_days())
        .otherwise(0),
        status_words=pl.col("status").replace_strict(ACTION_STATUS_WORDS, default=pl.col("status")),
    )


def with_standing(objectives: pl.DataFrame, summaries: pl.DataFrame) -> pl.DataFrame:
    """Objectives with their measure's standing from its chart's summary: latest_value, latest_x, target,
    direction, variation_icon, assurance_icon, unit, decimal_places and ``on_target`` (the latest point meets the
    target in the measure's better direction; None without a target or data)."""
    wanted = ("latest_value", "latest_x", "variation_icon", "assurance_icon", "summary")
    measure_columns = ["target_value", "improvement_direction", "unit", "decimal_places", "chart_type"]
    if summaries.height == 0 or "id" not in summaries.columns:
        summaries = pl.DataFrame(schema={"id": pl.Int64})
    present = [c for c in (*wanted, *measure_columns) if c in summaries.columns]
    joined = objectives.join(
        summaries.select(pl.col("id").cast(pl.Int64).alias("measure_id"), *present),
        on="measure_id",
        how="left",
    )
    for name in (*wanted, *measure_columns):
        if name not in joined.columns:
            joined = joined.with_columns(pl.lit(None).alias(name))
    value, target = pl.col("latest_value"), pl.col("target_value")
    meets = (
        pl.when(value.is_null() | target.is_null())
        .then(None)
        .when(pl.col("improvement_direction") == "decrease")
        .then(value <= target)
        .when(pl.col("improvement_direction") == "increase")
        .then(value >= target)
        .otherwise(None)
    )
    return joined.with_columns(on_target=meets)


def roll_up(
    boards: pl.DataFrame,
    objectives: pl.DataFrame,
    actions: pl.DataFrame,
    huddles: pl.DataFrame,
    *,
    today: dt.date,
    months: int = 3,
) -> pl.DataFrame:
    """One row per focus board, side by side: objectives (active), on_target, unlinked (serve no strategic
    objective or aim), open_actions, overdue_actions, huddles_per_month (over the last ``months`` whole months and
    this one so far), ran_to_time (the share of those huddles that did, None without any), last_huddle."""
    since = _months_back(today, months)
    active = objectives.filter(pl.col("status") == "active") if objectives.height else objectives
    per_objective = (
        active.group_by("board_id").agg(
            objectives=pl.len(),
            on_target=pl.col("on_target").fill_null(False).sum(),
            unlinked=(~pl.col("linked")).sum(),
        )
        if active.height
        else pl.DataFrame(schema={"board_id": pl.Int64, "objectives": pl.UInt32, "on_target": pl.UInt32})
    )
    flagged = with_action_flags(actions, today) if actions.height else actions
    per_action = (
        flagged.group_by("board_id").agg(
            open_actions=(pl.col("status") != "done").sum(), overdue_actions=pl.col("overdue").sum()
        )
        if flagged.height
        else pl.DataFrame(schema={"board_id": pl.Int64})
    )
    recent = huddles.filter(pl.col("held_on") >= since) if huddles.height else huddles
    span = _months_between(since, today)
    per_huddle = (
        recent.group_by("board_id").agg(
            huddles_per_month=pl.len() / span, ran_to_time=pl.col("ran_to_time").cast(pl.Float64).mean()
        )
        if recent.height
        else pl.DataFrame(schema={"board_id": pl.Int64})
    )
    last = (
        huddles.group_by("board_id").agg(last_huddle=pl.col("held_on").max())
        if huddles.height
        else pl.DataFrame(schema={"board_id": pl.Int64, "last_huddle": pl.Date})
    )
    frame = boards.select(pl.col("id").cast(pl.Int64).alias("board_id"), "unit", "parent", "unit_kind", "name")
    for part in (per_objective, per_action, per_huddle, last):
        frame = frame.join(part.with_columns(pl.col("board_id").cast(pl.Int64)), on="board_id", how="left")
    counts = ("objectives", "on_target", "unlinked", "open_actions", "overdue_actions", "huddles_per_month")
    return frame.with_columns(
        [pl.col(c).fill_null(0) if c in frame.columns else pl.lit(0).alias(c) for c in counts]
        + ([] if "ran_to_time" in frame.columns else [pl.lit(None, dtype=pl.Float64).alias("ran_to_time")])
    )


def _months_back(today: dt.date, months: int) -> dt.date:
    month = today.year * 12 + today.month - 1 - months
    return dt.date(month // 12, month % 12 + 1, 1)


def _months_between(since: dt.date, today: dt.date) -> float:
    """Whole months from ``since`` to the start of today's month, plus this month's share so far."""
    whole = (today.year * 12 + today.month) - (since.year * 12 + since.month)
    return whole + today.day / 31


def open_actions_at(actions: pl.DataFrame, huddle_day: dt.date | None) -> pl.DataFrame:
    """The actions a huddle opens on: those still open, and those closed since the last huddle (so the team hears
    what was learned); the oldest due first."""
    if actions.height == 0:
        return actions
    closed_since = (pl.col("status") == "done") & (
        pl.col("done_on") >= huddle_day if huddle_day is not None else pl.lit(False)
    )
    return actions.filter((pl.col("status") != "done") | closed_since).sort("due_date", "id")


def roll_up_by_division(boards: pl.DataFrame) -> pl.DataFrame:
    """``roll_up``'s boards summed per division (a board of a division counts as its own): division, boards,
    objectives, on_target, unlinked, open_actions, overdue_actions, huddles_per_month (per board), ran_to_time (the
    boards' mean share)."""
    division = pl.when(pl.col("unit_kind") == "division").then(pl.col("unit")).otherwise(pl.col("parent"))
    return (
        boards.with_columns(division=division.fill_null("No division"))
        .group_by("division")
        .agg(
            boards=pl.len(),
            objectives=pl.col("objectives").sum(),
            on_target=pl.col("on_target").sum(),
            unlinked=pl.col("unlinked").sum(),
            open_actions=pl.col("open_actions").sum(),
            overdue_actions=pl.col("overdue_actions").sum(),
            huddles_per_month=pl.col("huddles_per_month").mean(),
            ran_to_time=pl.col("ran_to_time").mean(),
        )
        .sort("division")
    )
