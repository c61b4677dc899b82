"""The store's PDSA-cycle queries and writes: a part of Store (mixed in), using its _query and _transaction.

SQL here follows store.py's rules: parameters, never formatted values; polars frames out; writes guarded
(``@guarded``) and audited in the same transaction as the change.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from golden_thread.domain.access import guarded
from golden_thread.errors import Refused
from golden_thread.storage.shared_sql import PROJECT_AIM


class PdsaQueries:
    """Mixed into Store: a project's PDSA cycles, read and written."""

    def projects_for_measure(self, measure_id: int) -> pl.DataFrame:
        """The projects whose cycles a measure's chart shows (id, title, team_id), for logging a cycle there."""
        return self._query(
            f"""
            WITH project_aim AS ({PROJECT_AIM}), m AS (SELECT * FROM measure WHERE id = ?)
            SELECT DISTINCT p.id, p.title, p.team_id FROM project p, m
            WHERE p.status IN ('planning', 'active', 'on_hold') AND (p.id = m.project_id
               OR p.id IN (SELECT pl.project_id FROM project_link pl WHERE pl.driver_id = m.driver_id)
               OR p.id IN (SELECT pa.project_id FROM project_aim pa WHERE pa.aim_id = m.aim_id))
            ORDER BY p.title
            """,
            [measure_id],
        )

    def change_ideas_for_project(self, project_id: int) -> pl.DataFrame:
        """Active change ideas a project's cycles can test: those it links to, then the rest of its diagram."""
        return self._query(
            """
            SELECT DISTINCT ci.id, ci.title FROM change_idea ci
            JOIN driver_diagram_version v ON v.id = ci.version_id AND v.status = 'active'
            WHERE ci.id IN (SELECT change_idea_id FROM project_link WHERE project_id = ?)
               OR ci.version_id IN (SELECT d.version_id FROM project_link pl JOIN driver d ON d.id = pl.driver_id
                                    WHERE pl.project_id = ?)
            ORDER BY ci.title
            """,
            [project_id, project_id],
        )

    @guarded(
        "log_pdsa",
        team_of=lambda self, project_id, *a, **k: self.project_team(project_id),
        record=lambda self, project_id, *a, **k: ("project", project_id),
    )
    def log_pdsa_cycle(self, project_id: int, proposed, *, username: str, today: dt.date) -> int:
        """Add a PDSA cycle to a project (numbered after its last one); returns its id."""
        from golden_thread.domain.pdsa import check_cycle

        row, problems = check_cycle(proposed, today)
        if problems:
            raise Refused(problems)
        with self._transaction() as cursor:
            if cursor.execute("SELECT 1 FROM project WHERE id = ?", [project_id]).fetchone() is None:
                raise Refused(f"There is no project {project_id}.")
            cycle_id, number, previous = cursor.execute(
                "SELECT (SELECT coalesce(max(id), 0) + 1 FROM pdsa_cycle), coalesce(max(cycle_number), 0) + 1, "
                "max_by(id, start_date) FROM pdsa_cycle WHERE project_id = ?",
                [project_id],
            ).fetchone()
            cursor.execute(
                "INSERT INTO pdsa_cycle (id, project_id, change_idea_id, builds_on_id, cycle_number, title, purpose, "
                "prediction, plan, study_notes, act_decision, start_date, end_date) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    cycle_id,
                    project_id,
                    row["change_idea_id"],
                    previous,
                    number,
                    row["title"],
                    row["purpose"],
                    row["prediction"],
                    row["plan"],
                    row["study_notes"],
                    row["act_decision"],
                    row["start_date"],
                    row["end_date"],
                ],
            )
            self._audit(cursor, username, "add", "pdsa_cycle", str(cycle_id), None, row)
        return cycle_id
