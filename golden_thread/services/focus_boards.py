"""Focus boards and huddles (issue 17): a team's board as its huddle reads it, the huddle kept whole, and the roll-up
a division, the trust and the quality committee read.

Reads go through the organisation's store (its scope); the objectives' standing comes from their measures' charts
(the same engine call as the board's, passed in when a screen has it cached), never a typed number. Writes check
first (``domain.records``, ``domain.focus_boards``), then the store authorises, writes and audits in one
transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from golden_thread.domain.focus_boards import check_huddle, open_actions_at, roll_up, with_action_flags, with_standing
from golden_thread.domain.records import check_record
from golden_thread.errors import Refused
from golden_thread.services.editing import opened_values, save_record
from golden_thread.services.measure_series import measure_charts
from golden_thread.storage.store import Store


@dataclass(frozen=True)
class FocusBoardView:
    board: dict
    objectives: pl.DataFrame  # active objectives with their measure's standing (``with_standing``) and link
    actions: pl.DataFrame  # every action with ``overdue``, ``days_overdue`` and ``status_words``
    huddles: pl.DataFrame  # newest first
    points: pl.DataFrame  # the chart points of the objectives' measures (for their sparklines)
    opening: pl.DataFrame  # what the next huddle opens on: open actions, and those closed since the last huddle
    last_reviews: pl.DataFrame  # what the last huddle said of each action it went through

    @property
    def last_huddle(self) -> dict | None:
        return self.huddles.row(0, named=True) if self.huddles.height else None


def focus_boards(db: Store) -> pl.DataFrame:
    return db.focus_boards()


def board_for(db: Store, username: str) -> int | None:
    """The focus board a person opens first: the board of the team (or division) their account belongs to. Someone
    who belongs to the whole trust (a board member, the quality committee) opens the roll-up instead (None)."""
    user = db.user(username)
    home = user.get("organisation_id") if user else None
    boards = db.focus_boards().filter((pl.col("status") == "active") & (pl.col("unit_id") == home))
    return boards["id"][0] if boards.height else None


def board_of_objective(db: Store, objective_id: int) -> int | None:
    record = db.record("focus_objective", objective_id)
    return record["board_id"] if record else None


def focus_board_view(
    db: Store, board_id: int, today: dt.date, charts: tuple[pl.DataFrame, pl.DataFrame] | None = None
) -> FocusBoardView | None:
    """A board as its huddle reads it; None when it is not in this organisation. ``charts``: (points, summaries)
    of the organisation's measures, when the caller has them (the app caches them per data version)."""
    boards = db.focus_boards().filter(pl.col("id") == board_id)
    if boards.height == 0:
        return None
    objectives = db.focus_objectives([board_id]).filter(pl.col("status") == "active")
    measure_ids = [m for m in objectives["measure_id"].to_list() if m is not None]
    points, summaries = charts if charts is not None else measure_charts(db, measure_ids)
    if points.height:
        points = points.filter(pl.col("series").is_in(measure_ids))
    actions = with_action_flags(db.focus_actions([board_id]), today)
    huddles = db.huddles([board_id])
    last_day = huddles["held_on"][0] if huddles.height else None
    reviews = db.huddle_reviews([board_id])
    last_reviews = reviews.filter(pl.col("huddle_id") == huddles["id"][0]) if huddles.height else reviews.clear()
    return FocusBoardView(
        board=boards.row(0, named=True),
        objectives=with_standing(objectives, summaries),
        actions=actions,
        huddles=huddles,
        points=points,
        opening=open_actions_at(actions, last_day),
        last_reviews=last_reviews,
    )


def roll_up_view(
    db: Store, today: dt.date, charts: tuple[pl.DataFrame, pl.DataFrame] | None = None, months: int = 3
) -> pl.DataFrame:
    """Every active focus board of the organisation side by side (``domain.focus_boards.roll_up``)."""
    boards = db.focus_boards().filter(pl.col("status") == "active")
    ids = boards["id"].to_list()
    objectives = db.focus_objectives(ids)
    measure_ids = [m for m in objectives["measure_id"].to_list() if m is not None]
    _, summaries = charts if charts is not None else measure_charts(db, measure_ids)
    return roll_up(
        boards,
        with_standing(objectives, summaries),
        db.focus_actions(ids),
        db.huddles(ids),
        today=today,
        months=months,
    )


def save_action(
    db: Store,
    proposed: dict,
    *,
    username: str,
    today: dt.date,
    board_id: int | None = None,
    action_id: int | None = None,
    opened: dict | None = None,
) -> int:
    """Add an action to a board (``board_id``) or edit one (``action_id``, with the values the form ``opened``
    with). Marking it done asks what was learned, and dates it today."""
    proposed = dict(proposed)
    if proposed.get("status") == "done":
        proposed.setdefault("done_on", today)
        proposed["done_on"] = proposed["done_on"] or today
    elif "status" in proposed:
        proposed["done_on"] = None
    placed = None
    if action_id is None:
        if board_id is None:
            raise Refused("Choose the focus board the action goes on.")
        placed = {"board_id": board_id, "raised_on": today}
    return save_record(
        db,
        "focus_action",
        proposed,
        username=username,
        today=today,
        record_id=action_id,
        opened=opened,
        placed=placed,
    )


def close_action(
    db: Store, action_id: int, learning: str, *, username: str, today: dt.date, opened: dict | None
) -> None:
    """Mark an action done with what was learned (refused without it)."""
    save_action(
        db,
        {"status": "done", "learning": learning, "done_on": today},
        username=username,
        today=today,
        action_id=action_id,
        opened=opened,
    )


def record_huddle(
    db: Store,
    board_id: int,
    huddle: dict,
    reviews: list[dict],
    new_actions: list[dict],
    *,
    username: str,
    today: dt.date,
) -> int:
    """Keep a huddle whole: the meeting and its reflection, each action it went through and the actions it raised.
    Every problem is reported at once and nothing is kept until all are fixed."""
    row, kept, problems = check_huddle(huddle, reviews, today=today)
    checked_actions = []
    for number, action in enumerate(new_actions, start=1):
        action_row, action_problems = check_record("focus_action", {"status": "not_started", **action}, today=today)
        label = action.get("title") or f"new action {number}"
        problems += [f"“{label}”: {problem}" for problem in action_problems]
        checked_actions.append({**action_row, "raised_on": row["held_on"] or today})
    if problems:
        raise Refused(problems)
    return db.record_huddle(board_id, row, kept, checked_actions, username=username)


def action_opened(action: dict) -> dict | None:
    """The values of an action a form or the huddle showed, which a later save is checked against."""
    return opened_values(action, "focus_action")
