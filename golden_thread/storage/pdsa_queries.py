"""The store's PDSA-cycle queries and writes: a part of Store (mixed in), using its _query and _transaction.

A cycle is run in four stages (``domain.pdsa``): it is logged with its plan (``log_pdsa_cycle``), then its Do, Study
and Act are recorded, and its plan edited, one stage at a time (``record_pdsa_stage``). Every write is checked by
the domain's rules inside its transaction, refuses a save made against a cycle someone has changed since it was
opened, and lands with its audit record (before and after) or not at all.

SQL here follows store.py's rules: parameters, never formatted values (the only names formatted in are the
columns of ``domain.pdsa.STAGE_FIELDS``); polars frames out; writes guarded (``@guarded``) and audited in the same
transaction as the change.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from golden_thread.domain.access import guarded
from golden_thread.domain.pdsa import STAGE_FIELDS, ProposedCycle, check_cycle, check_stage, progress_column
from golden_thread.domain.pdsa import ramp_problems as _ramp_problems
from golden_thread.errors import Refused
from golden_thread.storage.shared_sql import PROJECT_AIM

# Every (project, driver, aim) a project's links reach, through change ideas and drivers: the same reading as
# Store.pdsa_cycles_for_measure, so a cycle is listed on exactly the measures whose charts mark it.
_LINK_TARGETS = """
    SELECT pl.project_id, coalesce(pl.driver_id, cid.driver_id) AS driver_id, coalesce(pl.aim_id, dd.aim_id) AS aim_id
    FROM project_link pl
    LEFT JOIN change_idea_driver cid ON cid.change_idea_id = pl.change_idea_id
    LEFT JOIN driver d ON d.id = coalesce(pl.driver_id, cid.driver_id)
    LEFT JOIN driver_diagram_version v ON v.id = d.version_id
    LEFT JOIN driver_diagram dd ON dd.id = v.diagram_id
"""


def _cycle_team(self, cycle_id, *args, **kwargs):
    """The team that owns a cycle (its project's), for the write guard; an unknown cycle is refused by name."""
    team = self.pdsa_cycle_team(cycle_id)
    if team is None:
        raise Refused(f"There is no PDSA cycle {cycle_id}: someone may have removed it. Nothing was changed.")
    return team


def _CYCLE(self, cycle_id, *args, **kwargs):  # noqa: N802 - read as the name of the record a write changes
    return ("pdsa_cycle", cycle_id)


class PdsaQueries:
    """Mixed into Store: a project's PDSA cycles, read and written."""

    def projects_for_measure(self, measure_id: int) -> pl.DataFrame:
        """The projects whose cycles a measure's chart shows (id, title, team_id), for logging a cycle there."""
        return self._query(
            f"""
            WITH project_aim AS ({PROJECT_AIM}), m AS (SELECT * FROM measure WHERE id = ?),
            -- A union of joins, not one condition of ORs: PostgreSQL runs an OR of subqueries once per project.
            watched AS (
                SELECT project_id FROM m
                UNION SELECT pl.project_id FROM project_link pl JOIN m ON pl.driver_id = m.driver_id
                UNION SELECT pa.project_id FROM project_aim pa JOIN m ON pa.aim_id = m.aim_id
            )
            SELECT p.id, p.title, p.team_id FROM project p JOIN watched w ON w.project_id = p.id
            WHERE p.status IN ('planning', 'active', 'on_hold')
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

    # -- reads ------------------------------------------------------------------------------------------

    def pdsa_projects(self) -> pl.DataFrame:
        """Every project with its PDSA work: id, title, team_id, team, status, cycles, last_start, open_cycles (not
        yet decided). Open projects first, then by title."""
        return self._query(
            """
            SELECT p.id, p.title, p.team_id, t.name AS team, p.status,
                   count(c.id) AS cycles, max(c.start_date) AS last_start,
                   count(c.id) FILTER (WHERE c.act_decision IS NULL) AS open_cycles
            FROM project p JOIN organisation t ON t.id = p.team_id
            LEFT JOIN pdsa_cycle c ON c.project_id = p.id
            GROUP BY p.id, p.title, p.team_id, t.name, p.status
            ORDER BY p.status NOT IN ('planning', 'active', 'on_hold'), p.title, p.id
            """
        )

    def pdsa_cycles(self, project_id: int) -> pl.DataFrame:
        """A project's cycles in order (by number, then start): the plan's fields, the Do, Study and Act, the ramp
        link (builds_on_id, builds_on_number, builds_on_title), the change idea's title and ``stage`` (planned,
        doing, studied or acted: the last stage its record holds)."""
        return self._query(
            """
            SELECT c.id, c.project_id, c.cycle_number, c.title, c.change_idea_id, ci.title AS change_idea, c.purpose,
                   c.objective, c.questions, c.prediction, c.plan, c.start_date, c.end_date, c.do_notes,
                   c.study_notes, c.act_decision, c.act_notes, c.builds_on_id, b.cycle_number AS builds_on_number,
                   b.title AS builds_on_title
            FROM pdsa_cycle c
            LEFT JOIN change_idea ci ON ci.id = c.change_idea_id
            LEFT JOIN pdsa_cycle b ON b.id = c.builds_on_id
            WHERE c.project_id = ?
            ORDER BY c.cycle_number NULLS LAST, c.start_date, c.id
            """,
            [project_id],
        ).with_columns(progress_column())

    def pdsa_cycle(self, cycle_id: int) -> dict | None:
        """One cycle (every column of pdsa_cycle) with project, team_id, team, change_idea, builds_on_number,
        builds_on_title, built_on_by (the ids of the cycles that build on it) and stage; None when it is not
        there (or not in this store's organisation)."""
        frame = self._query(
            """
            SELECT c.*, p.title AS project, p.team_id, t.name AS team, ci.title AS change_idea,
                   b.cycle_number AS builds_on_number, b.title AS builds_on_title,
                   (SELECT list(n.id ORDER BY n.start_date, n.id) FROM pdsa_cycle n WHERE n.builds_on_id = c.id)
                       AS built_on_by
            FROM pdsa_cycle c JOIN project p ON p.id = c.project_id JOIN organisation t ON t.id = p.team_id
            LEFT JOIN change_idea ci ON ci.id = c.change_idea_id
            LEFT JOIN pdsa_cycle b ON b.id = c.builds_on_id
            WHERE c.id = ?
            """,
            [cycle_id],
        )
        if frame.height == 0:
            return None
        row = frame.with_columns(progress_column()).row(0, named=True)
        row["built_on_by"] = row["built_on_by"] or []
        return row

    def pdsa_cycle_team(self, cycle_id: int) -> int | None:
        """The team that owns a cycle: its project's."""
        frame = self._query(
            "SELECT p.team_id FROM pdsa_cycle c JOIN project p ON p.id = c.project_id WHERE c.id = ?", [cycle_id]
        )
        return frame.item() if frame.height else None

    def cycle_measures(self, cycle_id: int) -> pl.DataFrame:
        """The measures whose charts show a cycle (id, name, measure_type, status, attached_to: project, driver or
        aim): its project's own, and those of every driver and aim the project's links reach."""
        return self._query(
            f"""
            WITH c AS (SELECT project_id FROM pdsa_cycle WHERE id = ?),
            link_targets AS ({_LINK_TARGETS}),
            reached AS (SELECT lt.driver_id, lt.aim_id FROM link_targets lt JOIN c ON lt.project_id = c.project_id),
            -- A union of joins, not one condition of ORs: PostgreSQL runs an OR of subqueries once per measure.
            shown_ids AS (
                SELECT m.id FROM measure m JOIN c ON m.project_id = c.project_id
                UNION SELECT m.id FROM measure m JOIN reached r ON m.driver_id = r.driver_id
                UNION SELECT m.id FROM measure m JOIN reached r ON m.aim_id = r.aim_id
            ),
            shown AS (
                SELECT m.id, m.name, m.measure_type, m.status,
                       CASE WHEN m.project_id IS NOT NULL THEN 'project'
                            WHEN m.driver_id IS NOT NULL THEN 'driver' ELSE 'aim' END AS attached_to
                FROM measure m JOIN shown_ids s ON s.id = m.id
            )
            -- Ordered outside the union, which PostgreSQL orders only by what it selects.
            SELECT * FROM shown
            ORDER BY status <> 'active', CASE attached_to WHEN 'project' THEN 0 WHEN 'driver' THEN 1 ELSE 2 END,
                     name, id
            """,
            [cycle_id],
        )

    # -- writes ------------------------------------------------------------------------------------------

    def _check_change_idea(self, project_id: int, change_idea_id: int | None) -> None:
        """A cycle tests a change idea of its own project's driver diagram (an active one), never another's."""
        if change_idea_id is None:
            return
        if change_idea_id not in set(self.change_ideas_for_project(project_id)["id"].to_list()):
            raise Refused(
                f"Change idea {change_idea_id} is not one this project can test: choose one of the change ideas of "
                "its driver diagram, or none. Nothing was saved."
            )

    @staticmethod
    def _check_ramp(cursor, project_id: int, cycle_id: int | None, start: dt.date | None, builds_on: int) -> None:
        """The cycle a cycle builds on is an earlier one of the same project, and the ramp has no loop."""
        rows = cursor.execute(
            "SELECT id, cycle_number, start_date, builds_on_id FROM pdsa_cycle WHERE project_id = ?", [project_id]
        ).fetchall()
        cycles = {r[0]: {"id": r[0], "cycle_number": r[1], "start_date": r[2], "builds_on_id": r[3]} for r in rows}
        problems = _ramp_problems(
            cycle_id, start, cycles.get(builds_on), {k: v["builds_on_id"] for k, v in cycles.items()}
        )
        if problems:
            raise Refused(problems)

    @guarded(
        "log_pdsa",
        team_of=lambda self, project_id, *a, **k: self.project_team(project_id),
        record=lambda self, project_id, *a, **k: ("project", project_id),
    )
    def log_pdsa_cycle(self, project_id: int, proposed: ProposedCycle, *, username: str, today: dt.date) -> int:
        """Add a PDSA cycle to a project (numbered after its last one); returns its id. It builds on the cycle the
        proposal names (``builds_on_id``: an earlier cycle of the same project), or on none."""
        row, problems = check_cycle(proposed, today)
        if problems:
            raise Refused(problems)
        self._check_change_idea(project_id, row["change_idea_id"])
        with self._transaction() as cursor:
            if cursor.execute("SELECT 1 FROM project WHERE id = ?", [project_id]).fetchone() is None:
                raise Refused(f"There is no project {project_id}.")
            if row["builds_on_id"] is not None:
                self._check_ramp(cursor, project_id, None, row["start_date"], row["builds_on_id"])
            cycle_id, number = cursor.execute(
                "SELECT (SELECT coalesce(max(id), 0) + 1 FROM pdsa_cycle), coalesce(max(cycle_number), 0) + 1 "
                "FROM pdsa_cycle WHERE project_id = ?",
                [project_id],
            ).fetchone()
            columns = [name for name in row if name != "title"]
            cursor.execute(
                f"INSERT INTO pdsa_cycle (id, project_id, cycle_number, title, {', '.join(columns)}) "
                f"VALUES (?, ?, ?, ?, {', '.join('?' for _ in columns)})",
                [cycle_id, project_id, number, row["title"], *(row[name] for name in columns)],
            )
            self._audit(cursor, username, "add", "pdsa_cycle", str(cycle_id), None, {**row, "cycle_number": number})
        return cycle_id

    @guarded("log_pdsa", team_of=_cycle_team, record=_CYCLE)
    def record_pdsa_stage(
        self, cycle_id: int, stage: str, changes: dict, *, username: str, today: dt.date, opened: dict | None
    ) -> str:
        """Record one stage of a cycle: ``stage`` is plan, do, study or act and ``changes`` that stage's fields as
        typed (``domain.pdsa.STAGE_FIELDS``). Returns 'saved', or 'unchanged' when they are what is stored.

        ``opened`` holds the fields the person saw when they opened the cycle: if someone has changed any of them
        since, the save is refused (``StaleEdit``, naming who changed what) rather than overwrite their work
        unseen; ``None`` skips that comparison (a command-line write has no form open). Every refusal leaves the
        cycle and the audit trail as they were."""
        with self._transaction() as cursor:
            stored = self._refuse_if_changed(cursor, "pdsa_cycle", cycle_id, opened, "PDSA cycle")
            changed, problems = check_stage(stage, stored, changes, today)
            if problems:
                raise Refused(problems)
            if not changed:
                return "unchanged"
            project_id = stored["project_id"]
            if "change_idea_id" in changed:
                self._check_change_idea(project_id, changed["change_idea_id"])
            builds_on = changed.get("builds_on_id", stored["builds_on_id"])
            if builds_on is not None and ({"builds_on_id", "start_date"} & changed.keys()):
                self._check_ramp(
                    cursor, project_id, cycle_id, changed.get("start_date", stored["start_date"]), builds_on
                )
            names = [name for name in STAGE_FIELDS[stage] if name in changed]  # the domain's columns, no others
            cursor.execute(
                f"UPDATE pdsa_cycle SET {', '.join(f'{name} = ?' for name in names)} WHERE id = ?",
                [*(changed[name] for name in names), cycle_id],
            )
            before = {name: stored[name] for name in names}
            self._audit(cursor, username, stage, "pdsa_cycle", str(cycle_id), before, {n: changed[n] for n in names})
        return "saved"
