"""The store's focus-board queries and the huddle's write: a part of Store (mixed in), using its _query and
_transaction.

A focus board's objectives and actions are records of ``domain.records`` and are created and edited by
``RecordQueries`` like any other; what is particular to a board is read here, and a huddle is written here whole:
the meeting, the review of each action it went through (and the status that review left the action in) and the
actions it raised land together, each audited, or none of it does.

SQL here follows store.py's rules: parameters, never formatted values; polars frames out; the write guarded
(``@guarded``) and audited in its own transaction.
"""

from __future__ import annotations

import polars as pl

from golden_thread.domain.access import guarded
from golden_thread.errors import Refused
from golden_thread.storage.record_queries import _checked

_BOARDS = """
    SELECT b.id, b.unit_id, u.name AS unit, u.kind AS unit_kind, u.parent_id, parent.name AS parent,
           b.name, b.purpose, b.huddle_rhythm, b.huddle_minutes, b.status
    FROM focus_board b JOIN organisation u ON u.id = b.unit_id LEFT JOIN organisation parent ON parent.id = u.parent_id
"""


def _board_unit(self, board_id, *args, **kwargs):
    """The unit whose board it is, for the write guard; an unknown board is refused by name."""
    unit = self.focus_board_unit("focus_board", board_id, {})
    if unit is None:
        raise Refused(f"There is no focus board {board_id}: someone may have removed it. Nothing was changed.")
    return unit


class FocusQueries:
    """Mixed into Store: focus boards, their objectives, actions and huddles."""

    def focus_board_unit(self, table: str, record_id: int | None, row: dict) -> int | None:
        """The team or division that owns a focus board, objective or action (the one in ``row`` when new)."""
        if table == "focus_board":
            if record_id is None:
                return row.get("unit_id")
            frame = self._query("SELECT unit_id FROM focus_board WHERE id = ?", [record_id])
        elif record_id is None:
            frame = self._query("SELECT unit_id FROM focus_board WHERE id = ?", [row.get("board_id")])
        else:
            frame = self._query(
                f'SELECT b.unit_id FROM "{table}" r JOIN focus_board b ON b.id = r.board_id WHERE r.id = ?',
                [record_id],
            )
        return frame.item() if frame.height else None

    def focus_boards(self) -> pl.DataFrame:
        """Every focus board of the organisation: id, unit_id, unit, unit_kind, parent_id, parent (the division a
        team sits in), name, purpose, huddle_rhythm, huddle_minutes, status; divisions first, then by unit name."""
        return self._query(f"{_BOARDS} ORDER BY u.kind = 'team', u.name, b.id")

    def focus_objectives(self, board_ids: list[int] | None = None) -> pl.DataFrame:
        """Focus-board objectives with what they point at: every column of focus_objective, with
        strategic_objective (its title), aim (title), measure (name) and linked (serves an active objective or
        aim)."""
        return self._query(
            """
            SELECT o.*, so.title AS strategic_objective, a.title AS aim, m.name AS measure,
                   (so.status = 'active' OR a.status = 'active') IS TRUE AS linked
            FROM focus_objective o
            LEFT JOIN strategic_objective so ON so.id = o.strategic_objective_id
            LEFT JOIN aim a ON a.id = o.aim_id
            LEFT JOIN measure m ON m.id = o.measure_id
            WHERE CAST($boards AS INTEGER[]) IS NULL OR list_contains($boards, o.board_id)
            ORDER BY o.board_id, o.category, o.id
            """,
            {"boards": board_ids},
        )

    def focus_actions(self, board_ids: list[int] | None = None) -> pl.DataFrame:
        """Actions with what they serve: every column of focus_action, with objective (the focus-board
        objective's title), project (title) and pdsa_cycle ("Cycle 3: …"); by due date."""
        return self._query(
            """
            SELECT a.*, o.title AS objective, p.title AS project,
                   coalesce('Cycle ' || c.cycle_number || ': ', '') || c.title AS pdsa_cycle
            FROM focus_action a
            LEFT JOIN focus_objective o ON o.id = a.focus_objective_id
            LEFT JOIN project p ON p.id = a.project_id
            LEFT JOIN pdsa_cycle c ON c.id = a.pdsa_cycle_id
            WHERE CAST($boards AS INTEGER[]) IS NULL OR list_contains($boards, a.board_id)
            ORDER BY a.board_id, a.due_date, a.id
            """,
            {"boards": board_ids},
        )

    def huddles(self, board_ids: list[int] | None = None) -> pl.DataFrame:
        """Huddles held, newest first: every column of huddle, with recorder (the display name of who recorded
        it) and actions_reviewed."""
        return self._query(
            """
            SELECT h.*, coalesce(u.display_name, h.recorded_by) AS recorder,
                   (SELECT count(*) FROM huddle_action_review r WHERE r.huddle_id = h.id) AS actions_reviewed
            FROM huddle h LEFT JOIN main.app_user u ON u.username = h.recorded_by
            WHERE CAST($boards AS INTEGER[]) IS NULL OR list_contains($boards, h.board_id)
            ORDER BY h.board_id, h.held_on DESC, h.id DESC
            """,
            {"boards": board_ids},
        )

    def huddle_reviews(self, board_ids: list[int] | None = None) -> pl.DataFrame:
        """Each action a huddle went through: huddle_id, held_on, board_id, action_id, action (title), status (as
        the huddle left it), feedback."""
        return self._query(
            """
            SELECT r.huddle_id, h.held_on, h.board_id, r.action_id, a.title AS action, r.status, r.feedback
            FROM huddle_action_review r JOIN huddle h ON h.id = r.huddle_id JOIN focus_action a ON a.id = r.action_id
            WHERE CAST($boards AS INTEGER[]) IS NULL OR list_contains($boards, h.board_id)
            ORDER BY h.held_on DESC, r.action_id
            """,
            {"boards": board_ids},
        )

    @guarded("run_huddles", team_of=_board_unit, record=lambda self, board_id, *a, **k: ("focus_board", board_id))
    def record_huddle(
        self,
        board_id: int,
        huddle: dict,
        reviews: list[dict],
        new_actions: list[dict],
        *,
        username: str,
    ) -> int:
        """Keep one huddle: the meeting (``huddle``: held_on, attendees, decisions, ran_to_time and the
        reflection's fields), each action it reviewed (``reviews``: action_id, status, feedback, learning,
        done_on, and ``opened``, the action as the huddle screen showed it, so a colleague's change since is
        never overwritten) and the actions it raised (``new_actions``: rows checked by ``check_record``). Returns
        the huddle's id. Rows arrive checked by ``services.focus_boards``."""
        for review in reviews:
            self.require_in_scope("focus_action", review["action_id"])
        on_board = set(self.focus_actions([board_id])["id"].to_list())
        strangers = [r["action_id"] for r in reviews if r["action_id"] not in on_board]
        if strangers:
            raise Refused(f"Action(s) {strangers} are not on this focus board. Nothing was saved.")
        with self._transaction() as cursor:
            taken = cursor.execute(
                "SELECT count(*) FROM huddle WHERE board_id = ? AND held_on = ?", [board_id, huddle["held_on"]]
            ).fetchone()[0]
            if taken:
                raise Refused(
                    f"A huddle on {huddle['held_on']:%d %B %Y} is already recorded for this board: open it from the "
                    "list of huddles instead. Nothing was saved."
                )
            huddle_id = cursor.execute("SELECT coalesce(max(id), 0) + 1 FROM huddle").fetchone()[0]
            row = {"id": huddle_id, "board_id": board_id, **huddle, "recorded_by": username}
            cursor.execute(
                f"INSERT INTO huddle ({', '.join(_checked('huddle', list(row), self))}) VALUES ({', '.join('?' for _ in row)})",
                list(row.values()),
            )
            self._audit(cursor, username, "add", "huddle", str(huddle_id), None, {**huddle})
            for review in reviews:
                self._review_action(cursor, huddle_id, review, username)
            for action in new_actions:
                action_id = cursor.execute("SELECT coalesce(max(id), 0) + 1 FROM focus_action").fetchone()[0]
                action_row = {"id": action_id, "board_id": board_id, **action, "raised_at_huddle_id": huddle_id}
                cursor.execute(
                    f"INSERT INTO focus_action ({', '.join(_checked('focus_action', list(action_row), self))}) VALUES ({', '.join('?' for _ in action_row)})",
                    list(action_row.values()),
                )
                self._audit(cursor, username, "add", "focus_action", str(action_id), None, action)
        return huddle_id

    def _review_action(self, cursor, huddle_id: int, review: dict, username: str) -> None:
        """One action gone through at a huddle: its review kept, and its status (with what was learned, when the
        huddle closes it) moved on, refused if someone changed the action since the huddle screen opened."""
        action_id = review["action_id"]
        before = self._refuse_if_changed(cursor, "focus_action", action_id, review.get("opened"), "action")
        cursor.execute(
            "INSERT INTO huddle_action_review (huddle_id, action_id, status, feedback) VALUES (?, ?, ?, ?)",
            [huddle_id, action_id, review["status"], review.get("feedback")],
        )
        changes = {"status": review["status"]}
        if review["status"] == "done":
            changes |= {"learning": review.get("learning"), "done_on": review.get("done_on")}
        changes = {name: value for name, value in changes.items() if before.get(name) != value}
        if changes:
            cursor.execute(
                f"UPDATE focus_action SET {', '.join(f'{name} = ?' for name in changes)} WHERE id = ?",
                [*changes.values(), action_id],
            )
        self._audit(
            cursor,
            username,
            "review",
            "focus_action",
            str(action_id),
            {name: before.get(name) for name in changes},
            {**changes, "feedback": review.get("feedback"), "huddle": huddle_id},
        )
