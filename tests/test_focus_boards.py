"""Focus boards and huddles below the screen (issue 17): a huddle is kept whole or not at all, a done action keeps
what was learned, a team keeps only its own board, the roll-up and the alignment checks follow every write, and the
records travel through export and import."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from golden_thread.cli import main
from golden_thread.domain.audit import Names, audit_trail
from golden_thread.errors import PermissionRefused, Refused, StaleEdit
from golden_thread.services import focus_boards as service
from golden_thread.services.checks import check_thread
from golden_thread.services.editing import save_record
from golden_thread.storage.store import Store
from tests.conftest import DEMO_TODAY

WARD_7, WARD_9 = 5, 6  # the demo "team" user belongs to Ward 7


def _board(db: Store, unit_id: int) -> int:
    """The unit's focus board: the demo's, or a new one."""
    boards = db.focus_boards().filter(pl.col("unit_id") == unit_id)
    if boards.height:
        return boards["id"][0]
    return save_record(
        db,
        "focus_board",
        {"name": f"Board {unit_id}", "huddle_minutes": 15},
        username="lead",
        today=DEMO_TODAY,
        placed={"unit_id": unit_id},
    )


def _action(db: Store, board_id: int, title: str = "Order bed sensors", due: dt.date | None = None) -> int:
    return service.save_action(
        db,
        {
            "title": title,
            "owner": "Sister Okafor",
            "due_date": due or DEMO_TODAY,
            "status": "on_track",
            "risk_level": "medium",
        },
        username="team",
        today=DEMO_TODAY,
        board_id=board_id,
    )


def _counts(db: Store) -> tuple[int, ...]:
    return tuple(db.table(t).height for t in ("huddle", "huddle_action_review", "focus_action", "audit_log"))


MEETING = {"held_on": DEMO_TODAY, "attendees": "Sister Okafor, Dr Patel", "ran_to_time": True, "went_well": "Short"}


def test_a_huddle_keeps_its_reviews_and_new_actions_together(demo):
    board = _board(demo, WARD_7)
    action_id = _action(demo, board)
    action = demo.record("focus_action", action_id)
    huddle_id = service.record_huddle(
        demo,
        board,
        MEETING,
        [
            {
                "action_id": action_id,
                "status": "done",
                "learning": "Sensors cut night falls",
                "opened": service.action_opened(action),
            }
        ],
        [
            {
                "title": "Teach night staff the sensors",
                "owner": "HCA Lewis",
                "due_date": DEMO_TODAY + dt.timedelta(days=7),
                "risk_level": "low",
            }
        ],
        username="team",
        today=DEMO_TODAY,
    )
    done = demo.record("focus_action", action_id)
    assert (done["status"], done["learning"], done["done_on"]) == ("done", "Sensors cut night falls", DEMO_TODAY)
    raised = demo.focus_actions([board]).filter(pl.col("raised_at_huddle_id") == huddle_id)
    assert raised.select("title", "status", "raised_on").rows() == [
        ("Teach night staff the sensors", "not_started", DEMO_TODAY)
    ]
    review = demo.huddle_reviews([board]).filter(pl.col("huddle_id") == huddle_id)
    assert review.select("action", "status").rows() == [("Order bed sensors", "done")]
    trail = audit_trail(demo.audit_log(), Names(demo.audit_names(), demo.measures()))["change"].to_list()
    assert any(
        line.startswith(
            "Ward 7 team member (demo) went through the action “Order bed sensors” at a huddle; Status: on track → done"
        )
        and "What we learned: blank → “Sensors cut night falls”" in line
        for line in trail
    ), trail[:5]


@pytest.mark.parametrize(
    "meeting, review, problem",
    [
        ({**MEETING, "attendees": " "}, {}, "Say who was there"),
        ({**MEETING, "ran_to_time": False}, {}, "The huddle overran: say why"),
        ({**MEETING, "held_on": DEMO_TODAY + dt.timedelta(days=2)}, {}, "still to come"),
        (MEETING, {"status": "done", "learning": ""}, "say what was learned"),
    ],
)
def test_a_huddle_with_a_problem_writes_nothing_and_says_what_to_fix(demo, meeting, review, problem):
    board = _board(demo, WARD_7)
    action_id = _action(demo, board)
    before = _counts(demo)
    reviews = [{"action_id": action_id, "status": "on_track", **review}]
    new = [{"title": "Should not be kept", "owner": "Sam", "due_date": DEMO_TODAY, "risk_level": "low"}]
    with pytest.raises(Refused) as refused:
        service.record_huddle(demo, board, meeting, reviews, new, username="team", today=DEMO_TODAY)
    assert any(problem in p for p in refused.value.problems), refused.value.problems
    assert _counts(demo) == before
    assert demo.record("focus_action", action_id)["status"] == "on_track"


def test_a_second_huddle_on_the_same_day_and_a_stale_review_are_refused(demo):
    board = _board(demo, WARD_7)
    action_id = _action(demo, board)
    opened = service.action_opened(demo.record("focus_action", action_id))
    day = DEMO_TODAY - dt.timedelta(days=1)
    service.record_huddle(demo, board, {**MEETING, "held_on": day}, [], [], username="team", today=DEMO_TODAY)
    with pytest.raises(Refused, match="already recorded"):
        service.record_huddle(demo, board, {**MEETING, "held_on": day}, [], [], username="team", today=DEMO_TODAY)
    # A colleague moves the action on while the huddle screen is open: the huddle's review is refused, whole.
    service.save_action(
        demo, {"status": "at_risk"}, username="lead", today=DEMO_TODAY, action_id=action_id, opened=opened
    )
    before = _counts(demo)
    with pytest.raises(StaleEdit):
        service.record_huddle(
            demo,
            board,
            MEETING,
            [{"action_id": action_id, "status": "on_track", "opened": opened}],
            [],
            username="team",
            today=DEMO_TODAY,
        )
    assert _counts(demo) == before


def test_closing_an_action_asks_what_was_learned(demo):
    board = _board(demo, WARD_7)
    action_id = _action(demo, board)
    opened = service.action_opened(demo.record("focus_action", action_id))
    with pytest.raises(Refused, match="Say what was learned"):
        service.close_action(demo, action_id, "  ", username="team", today=DEMO_TODAY, opened=opened)
    assert demo.record("focus_action", action_id)["status"] == "on_track"
    service.close_action(demo, action_id, "Ask pharmacy first", username="team", today=DEMO_TODAY, opened=opened)
    assert demo.record("focus_action", action_id)["learning"] == "Ask pharmacy first"


def test_a_team_keeps_only_its_own_board_and_a_board_member_reads(demo):
    other = _board(demo, WARD_9)
    with pytest.raises(PermissionRefused, match="only for your own team; this belongs to another team"):
        _action(demo, other)
    own = _board(demo, WARD_7)
    with pytest.raises(PermissionRefused, match="Board viewers cannot keep a focus board"):
        service.record_huddle(demo, own, MEETING, [], [], username="board", today=DEMO_TODAY)


def test_the_roll_up_and_the_alignment_checks_follow_each_write(demo):
    board = _board(demo, WARD_7)
    objective = save_record(
        demo,
        "focus_objective",
        {"title": "Fewer agency shifts", "category": "Financial"},
        username="team",
        today=DEMO_TODAY,
        placed={"board_id": board},
    )
    flagged = check_thread(demo, DEMO_TODAY).filter(pl.col("rule") == "unlinked_focus_objective")
    assert objective in flagged["entity_id"].to_list()
    before = service.roll_up_view(demo, DEMO_TODAY).filter(pl.col("board_id") == board).row(0, named=True)
    action_id = _action(demo, board, due=DEMO_TODAY + dt.timedelta(days=1))
    service.record_huddle(
        demo,
        board,
        {**MEETING, "ran_to_time": False, "why_not_to_time": "Bed meeting ran over"},
        [],
        [],
        username="team",
        today=DEMO_TODAY,
    )
    save_record(
        demo,
        "focus_objective",
        {"strategic_objective_id": 3},
        username="team",
        today=DEMO_TODAY,
        record_id=objective,
        opened=None,
    )
    after = service.roll_up_view(demo, DEMO_TODAY).filter(pl.col("board_id") == board).row(0, named=True)
    assert after["open_actions"] == before["open_actions"] + 1
    assert after["unlinked"] == before["unlinked"] - 1  # the objective added unlinked is linked now
    assert after["last_huddle"] == DEMO_TODAY
    assert after["ran_to_time"] < (before["ran_to_time"] if before["ran_to_time"] is not None else 1.01)
    flagged = check_thread(demo, DEMO_TODAY).filter(pl.col("rule") == "unlinked_focus_objective")
    assert objective not in flagged["entity_id"].to_list()
    # an action past its due date stands out
    overdue = service.focus_board_view(demo, board, DEMO_TODAY + dt.timedelta(days=5)).actions
    assert overdue.filter(pl.col("id") == action_id).select("overdue", "days_overdue").row(0) == (True, 4)


@pytest.mark.slow
def test_focus_boards_travel_through_export_and_import(demo, tmp_path: Path):
    board = _board(demo, WARD_7)
    _action(demo, board)
    service.record_huddle(demo, board, MEETING, [], [], username="team", today=DEMO_TODAY)
    path = demo.path
    counts = {t: demo.table(t).height for t in ("focus_board", "focus_action", "huddle")}
    demo.close()
    assert main(["export", str(tmp_path / "out"), "--db", str(path)]) == 0
    assert main(["import", str(tmp_path / "out"), "--db", str(tmp_path / "copy.duckdb")]) == 0
    copy = Store(tmp_path / "copy.duckdb")
    try:
        assert {t: copy.table(t).height for t in counts} == counts
        assert copy.table("huddle").filter(pl.col("held_on") == DEMO_TODAY)["attendees"].to_list() == [
            MEETING["attendees"]
        ]
    finally:
        copy.close()


def test_records_a_focus_board_points_at_stay_editable(demo):
    """A cycle, a measure, a team and an action that a board's records point at can still be edited (DuckDB refuses
    to update a row another table's foreign key names, so the focus tables hold their links as plain columns)."""
    cycle = demo._query("SELECT pdsa_cycle_id FROM focus_action WHERE pdsa_cycle_id IS NOT NULL LIMIT 1").item()
    demo.record_pdsa_stage(cycle, "do", {"do_notes": "Ran on nights"}, username="lead", today=DEMO_TODAY, opened=None)
    measure = demo._query("SELECT measure_id FROM focus_objective WHERE measure_id IS NOT NULL LIMIT 1").item()
    demo.update_record("measure", measure, {"name": "Renamed measure"}, username="lead", opened=None)
    save_record(demo, "organisation", {"name": "Ward Seven"}, username="admin", today=DEMO_TODAY, record_id=WARD_7)
    reviewed = demo._query("SELECT action_id FROM huddle_action_review LIMIT 1").item()
    service.save_action(demo, {"notes": "Chased"}, username="lead", today=DEMO_TODAY, action_id=reviewed)
    assert demo.pdsa_cycle(cycle)["do_notes"] == "Ran on nights"
    assert demo.record("focus_action", reviewed)["notes"] == "Chased"
