"""The store's writes of the thread's records (objectives, aims, projects, measures): a part of Store (mixed in).

SQL here follows store.py's rules: parameters, never formatted values; polars frames out. Column names come only
from ``domain.records.RECORDS`` (the record kinds the editors know). Every write is authorised for the person and
held to the organisation (as ``access.guarded`` does, with the action the record kind names), refuses a save made
against a record someone has changed since it was opened (``Store._refuse_if_changed``), and is audited with its
before and after in the same transaction: it lands whole or not at all.

The rows arrive checked by ``domain.records.check_record`` (the services call it); the database's constraints
stay the last word.
"""

from __future__ import annotations

import polars as pl

from golden_thread.domain.access import guarded
from golden_thread.domain.enumerations import VOCABULARIES
from golden_thread.domain.records import RECORDS, changed_fields
from golden_thread.errors import PermissionRefused, Refused

LINK_KINDS = ("aim", "driver", "change_idea")
PARENT_OF = {
    "organisation": "parent_id",
    "strategic_objective": "organisation_id",
    "aim": "objective_id",
    "project": "team_id",
    "focus_board": "unit_id",
    "focus_objective": "board_id",
    "focus_action": "board_id",
}
# The records a focus-board objective or action may point at, each of which must be in the organisation.
FOCUS_REFERENCES = {
    "measure_id": "measure",
    "strategic_objective_id": "strategic_objective",
    "aim_id": "aim",
    "focus_objective_id": "focus_objective",
    "project_id": "project",
    "pdsa_cycle_id": "pdsa_cycle",
}
FOCUS_TABLES = ("focus_board", "focus_objective", "focus_action")
MEASURE_PARENTS = ("aim_id", "driver_id", "project_id")


def _action_of(self, table: str, *args, **kwargs) -> str:
    """The access action a write of this record kind needs."""
    return RECORDS[table].action


# A change to a project's links: its team's people (and leads and administrators) make it.
_PROJECT_WRITE = guarded(
    "edit_project",
    team_of=lambda self, project_id, *a, **k: self.project_team(project_id),
    record=lambda self, project_id, *a, **k: ("project", project_id),
)


class RecordQueries:
    """Mixed into Store: the thread's records created, edited and retired, and projects' links into the thread."""

    # -- reads ------------------------------------------------------------------------------------------

    def record(self, table: str, record_id: int) -> dict | None:
        """One record of an editable kind, as stored (None when it is not in this organisation)."""
        kind = RECORDS[table]
        frame = self._query(f'SELECT * FROM "{kind.table}" WHERE id = ?', [record_id])
        return frame.row(0, named=True) if frame.height else None

    def records(self, table: str) -> pl.DataFrame:
        """Every record of a kind in this organisation (id, its name as ``label``, status), newest last."""
        kind = RECORDS[table]
        status = "" if "status" in self.columns(table) else ", 'active' AS status"  # units have no life cycle
        return self._query(f'SELECT *, "{kind.title}" AS label{status} FROM "{kind.table}" ORDER BY id')

    def teams(self) -> pl.DataFrame:
        """The organisation's units a project can belong to (id, name, kind, parent name), top first."""
        return self._query(
            "SELECT o.id, o.name, o.kind, p.name AS parent FROM organisation o "
            "LEFT JOIN organisation p ON p.id = o.parent_id ORDER BY o.parent_id NULLS FIRST, o.name"
        )

    def project_links(self, project_id: int) -> pl.DataFrame:
        """A project's links into the thread: kind, target_id, is_primary, label, and whether the target is in a
        retired diagram version or a retired aim (``retired``)."""
        return self._query(
            """
            SELECT CASE WHEN pl.aim_id IS NOT NULL THEN 'aim' WHEN pl.driver_id IS NOT NULL THEN 'driver'
                        ELSE 'change_idea' END AS kind,
                   coalesce(pl.aim_id, pl.driver_id, pl.change_idea_id) AS target_id, pl.is_primary,
                   coalesce('Aim: ' || a.title, d.level || ' driver: ' || d.title, 'Change idea: ' || ci.title) AS label,
                   -- retired: the aim it serves (directly or through its diagram) or the diagram version it is in
                   coalesce(a.status = 'retired', dv.status = 'retired', cv.status = 'retired', false)
                       OR coalesce(da.status = 'retired', false) AS retired
            FROM project_link pl
            LEFT JOIN aim a ON a.id = pl.aim_id
            LEFT JOIN driver d ON d.id = pl.driver_id LEFT JOIN driver_diagram_version dv ON dv.id = d.version_id
            LEFT JOIN change_idea ci ON ci.id = pl.change_idea_id
            LEFT JOIN driver_diagram_version cv ON cv.id = ci.version_id
            LEFT JOIN driver_diagram dd ON dd.id = coalesce(dv.diagram_id, cv.diagram_id)
            LEFT JOIN aim da ON da.id = dd.aim_id
            WHERE pl.project_id = ? ORDER BY pl.is_primary DESC, label
            """,
            [project_id],
        )

    def attach_points(self) -> pl.DataFrame:
        """Where a measure can hang: each active aim, each driver of an active diagram version and each open project
        (column, target_id, label)."""
        return self._query(
            """
            SELECT 'aim_id' AS "column", id AS target_id, 'Aim: ' || title AS label FROM aim WHERE status = 'active'
            UNION ALL
            SELECT 'driver_id', d.id, a.title || ' › ' || d.level || ' driver: ' || d.title FROM driver d
            JOIN driver_diagram_version v ON v.id = d.version_id AND v.status = 'active'
            JOIN driver_diagram dd ON dd.id = v.diagram_id JOIN aim a ON a.id = dd.aim_id
            UNION ALL
            SELECT 'project_id', id, 'Project: ' || title FROM project WHERE status NOT IN ('completed', 'closed')
            ORDER BY "column", label
            """
        )

    @guarded("manage_organisation")
    def create_organisation(self, name: str, kind: str, *, username: str, vocabulary: str = "health") -> int:
        """Set up a new trust or network at the top of the database (its units are added with ``create_record``).
        Only an administrator of the whole database (one who belongs to no organisation) may."""
        name = (name or "").strip()
        problems = []
        if not name or len(name) > 200:
            problems.append("Give the organisation its name, as its people say it (1 to 200 characters).")
        if kind not in ("trust", "network"):
            problems.append(f"An organisation at the top is a trust or a network, not “{kind}”.")
        if vocabulary not in VOCABULARIES:
            problems.append(f"The vocabulary is one of {', '.join(VOCABULARIES)}, not “{vocabulary}”.")
        if problems:
            raise Refused(problems)
        if self.user(username)["organisation_id"] is not None:
            raise PermissionRefused(
                "Only an administrator of the whole database sets up a new organisation. Nothing was changed."
            )
        with self._transaction() as cursor:
            taken = cursor.execute(
                "SELECT 1 FROM organisation WHERE parent_id IS NULL AND lower(name) = lower(?)", [name]
            ).fetchone()
            if taken:
                raise Refused(f"There is already an organisation called “{name}”.")
            organisation_id = cursor.execute("SELECT coalesce(max(id), 0) + 1 FROM organisation").fetchone()[0]
            cursor.execute(
                "INSERT INTO organisation (id, name, kind, vocabulary) VALUES (?, ?, ?, ?)",
                [organisation_id, name, kind, vocabulary],
            )
            row = {"name": name, "kind": kind, "vocabulary": vocabulary}
            self._audit(cursor, username, "add", "organisation", str(organisation_id), None, row)
        return organisation_id

    def thread_progress(self) -> dict[str, int]:
        """How far the organisation has built its thread, for the guided start: counts of active objectives, aims,
        aims with an outcome measure, driver diagrams, projects, project measures and project measures with data."""
        row = self._query(
            """
            SELECT (SELECT count(*) FROM strategic_objective WHERE status = 'active') AS objectives,
                   (SELECT count(*) FROM aim WHERE status = 'active') AS aims,
                   (SELECT count(*) FROM aim a WHERE a.status = 'active' AND EXISTS (
                        SELECT 1 FROM measure m WHERE m.aim_id = a.id AND m.measure_type = 'outcome')) AS measured_aims,
                   (SELECT count(*) FROM driver_diagram) AS diagrams,
                   (SELECT count(*) FROM project) AS projects,
                   (SELECT count(*) FROM measure WHERE project_id IS NOT NULL) AS project_measures
            """
        ).row(0, named=True)
        return {k: int(v) for k, v in row.items()}

    def flag_places(self, entity_ids: list[int] | None = None) -> pl.DataFrame:
        """Where each record a flag can name sits, for the screens that mend it: entity_type, entity_id, the team
        that owns it (projects, their cycles and measures), and a driver's diagram and node key. ``entity_ids``:
        only records with these ids (of any type), for a page that lists a few flags of a large trust."""
        return self._query(
            """
            SELECT * FROM (
                SELECT 'project' AS entity_type, id AS entity_id, team_id, NULL::INTEGER AS diagram_id,
                       NULL::VARCHAR AS node_key FROM project
                UNION ALL
                SELECT 'pdsa_cycle', c.id, p.team_id, NULL, NULL FROM pdsa_cycle c JOIN project p ON p.id = c.project_id
                UNION ALL
                SELECT 'measure', m.id, coalesce(p.team_id, mm.member_id), NULL, NULL FROM measure m
                LEFT JOIN project p ON p.id = m.project_id LEFT JOIN member_measure mm ON mm.measure_id = m.id
                UNION ALL
                SELECT 'driver', d.id, NULL, v.diagram_id, d.node_key FROM driver d
                JOIN driver_diagram_version v ON v.id = d.version_id
                UNION ALL
                SELECT 'focus_objective', o.id, b.unit_id, NULL, NULL FROM focus_objective o
                JOIN focus_board b ON b.id = o.board_id
            ) places WHERE CAST($ids AS INTEGER[]) IS NULL OR list_contains($ids, entity_id)
            ORDER BY entity_type, entity_id
            """,
            {"ids": entity_ids},
        )

    # -- who may write --------------------------------------------------------------------------------------

    def _require_parents(self, username: str, table: str, row: dict, record_id: int | None) -> None:
        """Beyond the guard: every record a new or moved record hangs from is in the organisation, a project moved
        to another team moves only to a team the person acts for, and a network aim stays the hub's."""
        if table == "measure" and any(column in row for column in MEASURE_PARENTS):
            self._require_placed(table, row)
        for parent_table, parent_id in self._parents_of(table, row):
            self.require_in_scope(parent_table, parent_id)
        if table == "project" and record_id is not None and row.get("team_id") is not None:
            self.authorise(username, RECORDS[table].action, row["team_id"])
        if table == "aim" and record_id is not None and self._network_of_aim(record_id) is not None:
            raise PermissionRefused(
                "This is a network aim: its hub changes it on the Network page. Nothing was changed."
            )

    def _team_of_record(self, table: str, row: dict, record_id: int | None) -> int | None:
        if table == "project":
            return self.project_team(record_id) if record_id is not None else row.get("team_id")
        if table == "measure":
            if record_id is not None:
                return self.measure_team(record_id)
            return self.project_team(row["project_id"]) if row.get("project_id") is not None else None
        if table in FOCUS_TABLES:  # the team (or division) whose board it is
            return self.focus_board_unit(table, record_id if record_id is not None else None, row)
        return None

    @staticmethod
    def _parents_of(table: str, row: dict) -> list[tuple[str, int]]:
        """The records a new or moved record hangs from (each must be in the organisation)."""
        parent_table = {
            "parent_id": "organisation",
            "organisation_id": "organisation",
            "objective_id": "strategic_objective",
            "team_id": "organisation",
            "unit_id": "organisation",
            "board_id": "focus_board",
        }
        parents = []
        column = PARENT_OF.get(table)
        if column and row.get(column) is not None:
            parents.append((parent_table[column], row[column]))
        if table == "measure":
            parents += [(c.removesuffix("_id"), row[c]) for c in MEASURE_PARENTS if row.get(c) is not None]
        if table in FOCUS_TABLES:
            parents += [(target, row[c]) for c, target in FOCUS_REFERENCES.items() if row.get(c) is not None]
        return parents

    # -- writes ---------------------------------------------------------------------------------------------

    @guarded(
        _action_of,
        team_of=lambda self, table, row, *a, **k: self._team_of_record(table, row, None),
        record=lambda self, table, row, *a, **k: next(iter(self._parents_of(table, row)), None),
    )
    def create_record(
        self, table: str, row: dict, *, username: str, link: tuple[str, int] | None = None, reason: str | None = None
    ) -> int:
        """Add a checked record (``row`` from ``check_record`` plus the column that places it: organisation_id,
        objective_id, team_id, or one of a measure's aim_id/driver_id/project_id); returns its id. A project may
        arrive with its primary ``link`` (kind, target id), written in the same transaction."""
        kind = RECORDS[table]
        self._require_placed(table, row)
        self._require_parents(username, table, row, None)
        if link is not None:
            self._require_link_target(*link)
        with self._transaction() as cursor:
            record_id = cursor.execute(f'SELECT coalesce(max(id), 0) + 1 FROM "{kind.table}"').fetchone()[0]
            columns = ["id", *row]
            cursor.execute(
                f'INSERT INTO "{kind.table}" ({", ".join(_checked(kind.table, columns, self))}) '
                f"VALUES ({', '.join('?' for _ in columns)})",
                [record_id, *row.values()],
            )
            after = dict(row)
            if link is not None:
                link_kind, target_id = link
                cursor.execute(
                    f"INSERT INTO project_link (project_id, is_primary, {link_kind}_id) VALUES (?, true, ?)",
                    [record_id, target_id],
                )
                after["primary_link"] = {link_kind: target_id}
            self._audit(cursor, username, "add", kind.table, str(record_id), None, after, reason)
        return record_id

    @guarded(
        _action_of,
        team_of=lambda self, table, record_id, row, *a, **k: self._team_of_record(table, row, record_id),
        record=lambda self, table, record_id, *a, **k: (table, record_id),
    )
    def update_record(
        self,
        table: str,
        record_id: int,
        row: dict,
        *,
        username: str,
        opened: dict | None,
        reason: str | None = None,
        action: str = "edit",
    ) -> dict:
        """Save an edit of a record: only the fields that changed are written and audited (before and after).
        ``opened`` holds the values the person saw when they opened the editor; if someone has changed any of them
        since, the save is refused (``StaleEdit``) and nothing is written. Returns the changed fields."""
        kind = RECORDS[table]
        self._require_parents(username, table, row, record_id)
        with self._transaction() as cursor:
            before = self._refuse_if_changed(cursor, kind.table, record_id, opened, kind.noun)
            changes = changed_fields(before, row)
            if not changes:
                return {}
            columns = _checked(kind.table, list(changes), self)
            cursor.execute(
                f'UPDATE "{kind.table}" SET {", ".join(f"{c} = ?" for c in columns)} WHERE id = ?',
                [row[c] for c in columns] + [record_id],
            )
            self._audit(
                cursor,
                username,
                action,
                kind.table,
                str(record_id),
                {c: before_value for c, (before_value, _) in changes.items()},
                {c: after_value for c, (_, after_value) in changes.items()},
                reason,
            )
        return changes

    def set_status(
        self, table: str, record_id: int, status: str, *, username: str, reason: str, opened: dict | None = None
    ) -> None:
        """Retire (or bring back) an objective, aim or measure, with its reason; nothing is deleted. A retired measure
        keeps its data and is no longer expected to report; an objective with active aims cannot be retired."""
        kind = RECORDS[table]
        if table == "project" or status not in ("active", "retired"):
            raise Refused(f"A {kind.noun} is active or retired, not “{status}”.")
        reason = (reason or "").strip()
        if status == "retired" and not reason:
            raise Refused(f"Say why the {kind.noun} is retired: the committee and the audit trail read it.")
        if table == "strategic_objective" and status == "retired":
            active = self._query(
                "SELECT title FROM aim WHERE objective_id = ? AND status = 'active' ORDER BY title", [record_id]
            )
            if active.height:
                raise Refused(
                    f"Retire or move its active aims first: {', '.join(active['title'])}. Nothing was changed."
                )
        self.update_record(
            table,
            record_id,
            {"status": status},
            username=username,
            opened=opened,
            reason=reason or None,
            action="retire" if status == "retired" else "reinstate",
        )

    @guarded("edit_thread", record=lambda self, aim, *a, **k: ("strategic_objective", aim.get("objective_id")))
    def create_aim(self, aim: dict, outcome: dict, *, username: str) -> tuple[int, int]:
        """A new system-level aim with its outcome measure, in one transaction (a SMART aim is measurable from its
        first day). Returns (aim id, measure id)."""
        self._require_placed("aim", aim)
        with self._transaction() as cursor:
            aim_id = cursor.execute("SELECT coalesce(max(id), 0) + 1 FROM aim").fetchone()[0]
            measure_id = cursor.execute("SELECT coalesce(max(id), 0) + 1 FROM measure").fetchone()[0]
            measure = {**outcome, "aim_id": aim_id, "measure_type": "outcome"}
            for table, record_id, row in (("aim", aim_id, aim), ("measure", measure_id, measure)):
                columns = _checked(table, ["id", *row], self)
                cursor.execute(
                    f'INSERT INTO "{table}" ({", ".join(columns)}) VALUES ({", ".join("?" for _ in columns)})',
                    [record_id, *row.values()],
                )
                self._audit(cursor, username, "add", table, str(record_id), None, row)
        return aim_id, measure_id

    def _require_placed(self, table: str, row: dict) -> None:
        if table == "measure":
            placed = [c for c in MEASURE_PARENTS if row.get(c) is not None]
            if len(placed) != 1:
                raise Refused("Attach the measure to one aim, one driver or one project.")
        elif row.get(PARENT_OF[table]) is None:
            where = {
                "organisation": "the division or trust it belongs to",
                "strategic_objective": "an organisation",
                "aim": "a strategic objective",
                "project": "a team",
                "focus_board": "the team or division whose board it is",
                "focus_objective": "the focus board it sits on",
                "focus_action": "the focus board it sits on",
            }
            raise Refused(f"Choose {where[table]} for the new {RECORDS[table].noun}.")

    # -- a project's links into the thread ----------------------------------------------------------------

    def _require_link_target(self, kind: str, target_id: int) -> None:
        if kind not in LINK_KINDS:
            raise Refused(f"A project links to an aim, a driver or a change idea, not to “{kind}”.")
        targets = self.link_targets()
        if targets.filter((pl.col("kind") == kind) & (pl.col("target_id") == target_id)).height == 0:
            raise Refused(
                f"There is no active {kind.replace('_', ' ')} {target_id} to link to; "
                "choose one from the current driver diagram."
            )

    def _project_title(self, project_id: int) -> str:
        title = self._query("SELECT title FROM project WHERE id = ?", [project_id])
        if title.height == 0:
            raise Refused(f"There is no project {project_id}.")
        return title.item()

    @_PROJECT_WRITE
    def link_project(self, project_id: int, kind: str, target_id: int, *, username: str, reason: str = "") -> str:
        """Link a project into the thread: its primary link when it has none, else 'also contributes to'.
        Returns 'primary' or 'also'. Refuses unknown projects and targets outside the active diagrams."""
        if kind not in LINK_KINDS:
            raise Refused(f"A project links to an aim, a driver or a change idea, not to “{kind}”.")
        title = self._project_title(project_id)
        self._require_link_target(kind, target_id)
        with self._transaction() as cursor:
            if cursor.execute(
                f"SELECT 1 FROM project_link WHERE project_id = ? AND {kind}_id = ?", [project_id, target_id]
            ).fetchone():
                raise Refused(f"“{title}” is already linked there.")
            has_primary = cursor.execute(
                "SELECT count(*) FROM project_link WHERE project_id = ? AND is_primary", [project_id]
            ).fetchone()[0]
            cursor.execute(
                f"INSERT INTO project_link (project_id, is_primary, {kind}_id) VALUES (?, ?, ?)",
                [project_id, not has_primary, target_id],
            )
            link = "also" if has_primary else "primary"
            self._audit(
                cursor,
                username,
                "link",
                "project",
                str(project_id),
                None,
                {"link": link, kind: target_id},
                reason or None,
            )
        return link

    @_PROJECT_WRITE
    def unlink_project(self, project_id: int, kind: str, target_id: int, *, username: str, reason: str = "") -> None:
        """Remove one of a project's links. Removing the primary link promotes the first remaining one (a project's
        tree position must come from somewhere); removing the last link leaves the project an orphan, which the
        checks then flag, so the reason is required."""
        if kind not in LINK_KINDS:
            raise Refused(f"A project links to an aim, a driver or a change idea, not to “{kind}”.")
        title = self._project_title(project_id)
        reason = (reason or "").strip()
        with self._transaction() as cursor:
            found = cursor.execute(
                f"SELECT is_primary FROM project_link WHERE project_id = ? AND {kind}_id = ?", [project_id, target_id]
            ).fetchone()
            if found is None:
                raise Refused(f"“{title}” has no such link to remove.")
            remaining = cursor.execute(
                "SELECT count(*) FROM project_link WHERE project_id = ?", [project_id]
            ).fetchone()[0]
            if remaining == 1 and not reason:
                raise Refused(
                    f"This is the last link of “{title}”: without it the project serves no aim. "
                    "Give a reason, or link it elsewhere first."
                )
            cursor.execute(f"DELETE FROM project_link WHERE project_id = ? AND {kind}_id = ?", [project_id, target_id])
            promoted = None
            if found[0] and remaining > 1:
                promoted = cursor.execute(
                    "SELECT coalesce(aim_id, driver_id, change_idea_id) FROM project_link WHERE project_id = ? "
                    "ORDER BY change_idea_id NULLS LAST, driver_id NULLS LAST LIMIT 1",
                    [project_id],
                ).fetchone()[0]
                cursor.execute(
                    "UPDATE project_link SET is_primary = true WHERE project_id = ? "
                    "AND coalesce(aim_id, driver_id, change_idea_id) = ? AND NOT is_primary",
                    [project_id, promoted],
                )
            self._audit(
                cursor,
                username,
                "unlink",
                "project",
                str(project_id),
                {"link": "primary" if found[0] else "also", kind: target_id},
                {"promoted_to_primary": promoted} if promoted is not None else None,
                reason or None,
            )

    @_PROJECT_WRITE
    def set_primary_link(
        self, project_id: int, kind: str, target_id: int, *, username: str, keep_old: bool = True, reason: str = ""
    ) -> None:
        """Make ``target`` the project's primary link (adding it if it is not linked yet). The old primary link stays
        as 'also contributes to' when ``keep_old``; otherwise it is removed (moving the project)."""
        title = self._project_title(project_id)
        self._require_link_target(kind, target_id)
        with self._transaction() as cursor:
            old = cursor.execute(
                "SELECT CASE WHEN aim_id IS NOT NULL THEN 'aim' WHEN driver_id IS NOT NULL THEN 'driver' "
                "ELSE 'change_idea' END, coalesce(aim_id, driver_id, change_idea_id) FROM project_link "
                "WHERE project_id = ? AND is_primary",
                [project_id],
            ).fetchone()
            if old is not None and (old[0], old[1]) == (kind, target_id):
                raise Refused(f"That is already the primary link of “{title}”.")
            if old is not None:
                if keep_old:
                    cursor.execute("UPDATE project_link SET is_primary = false WHERE project_id = ?", [project_id])
                else:
                    cursor.execute("DELETE FROM project_link WHERE project_id = ? AND is_primary", [project_id])
            exists = cursor.execute(
                f"SELECT 1 FROM project_link WHERE project_id = ? AND {kind}_id = ?", [project_id, target_id]
            ).fetchone()
            if exists:
                cursor.execute(
                    f"UPDATE project_link SET is_primary = true WHERE project_id = ? AND {kind}_id = ?",
                    [project_id, target_id],
                )
            else:
                cursor.execute(
                    f"INSERT INTO project_link (project_id, is_primary, {kind}_id) VALUES (?, true, ?)",
                    [project_id, target_id],
                )
            self._audit(
                cursor,
                username,
                "move_link" if old is not None and not keep_old else "primary_link",
                "project",
                str(project_id),
                {"primary": {old[0]: old[1]}} if old is not None else None,
                {"primary": {kind: target_id}, "old_kept_as_also": bool(old is not None and keep_old)},
                reason or None,
            )


def _checked(table: str, columns: list[str], store) -> list[str]:
    """Column names checked against the table's schema before they are written into SQL."""
    known = store.columns(table)
    unknown = [c for c in columns if c not in known]
    if unknown:
        raise Refused(f"Unknown field(s) for {table.replace('_', ' ')}: {', '.join(unknown)}.")
    return columns
