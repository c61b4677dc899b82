"""The store's driver-diagram reads and writes: a part of Store (mixed in), using its _query and _transaction.

SQL here follows store.py's rules: parameters, never formatted values; polars frames out; writes guarded
(``@guarded``) and audited in the same transaction as the change.

**One way to publish.** A driver diagram changes only by a new version (DOMAIN §2.4, Decision 4):
``publish_diagram_version`` is the one writer, for a trust's diagram edited on the Driver diagrams screen and for
a network's shared diagram alike (``NetworkQueries.new_diagram_version`` builds a draft and calls it). It writes
every node of the draft with its key, rebuilds the links between nodes from the draft, retires the version it
replaces and moves each project link to the node with the same key. A link into a node the draft leaves out
stays where it was, on the retired version, and the ``link_to_retired_version`` check flags it. PDSA cycles and
driver measures keep pointing at the node they were logged against (DuckDB cannot update a row another row
references); readers follow them to the current version through the node key.

**Who may.** ``edit_thread`` (improvement leads and administrators) within the organisation that holds the
diagram; a network's shared diagram only by its hub (``edit_network``), a member's local aim's diagram only by
that member's own people or the hub.

**Stale saves.** The editor says which version it opened; when someone has published since, the save is refused
(``StaleEdit``) naming who published which version and when.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from golden_thread.domain.access import guarded, refusal
from golden_thread.domain.diagram_draft import NOTE_LIMIT, TITLE_LIMIT, DiagramDraft, DraftNode, changes
from golden_thread.errors import PermissionRefused, Refused, StaleEdit

# Every driver and change idea of a diagram's versions (all, or one: $version) as a draft reads them: the keys of
# the drivers each serves (strong links first, then in the order they were made) and those it serves weakly.
_NODES = """
    WITH v AS (SELECT id, version_number FROM driver_diagram_version
               WHERE diagram_id = $diagram AND ($version::INTEGER IS NULL OR id = $version::INTEGER))
    SELECT v.version_number, 'driver' AS kind, d.id, d.node_key, d.level, d.title, d.description,
           coalesce(list(p.node_key ORDER BY dl.strength = 'weak', p.id) FILTER (WHERE p.id IS NOT NULL), []::VARCHAR[])
               AS parents,
           coalesce(list(p.node_key) FILTER (WHERE dl.strength = 'weak'), []::VARCHAR[]) AS weak,
           CASE d.level WHEN 'primary' THEN 0 WHEN 'secondary' THEN 1 ELSE 2 END AS rank
    FROM driver d JOIN v ON v.id = d.version_id
    LEFT JOIN driver_link dl ON dl.child_driver_id = d.id LEFT JOIN driver p ON p.id = dl.parent_driver_id
    GROUP BY ALL
    UNION ALL
    SELECT v.version_number, 'change_idea', ci.id, ci.node_key, NULL, ci.title, ci.description,
           coalesce(list(d.node_key ORDER BY cid.strength = 'weak', d.id) FILTER (WHERE d.id IS NOT NULL), []::VARCHAR[]),
           coalesce(list(d.node_key) FILTER (WHERE cid.strength = 'weak'), []::VARCHAR[]), 3
    FROM change_idea ci JOIN v ON v.id = ci.version_id
    LEFT JOIN change_idea_driver cid ON cid.change_idea_id = ci.id LEFT JOIN driver d ON d.id = cid.driver_id
    GROUP BY ALL
    ORDER BY version_number, rank, id
"""
# Every key any version of a diagram has held: a new node never takes one.
_USED_KEYS = """
    SELECT d.node_key FROM driver d JOIN driver_diagram_version v ON v.id = d.version_id WHERE v.diagram_id = $diagram
    UNION
    SELECT ci.node_key FROM change_idea ci JOIN driver_diagram_version v ON v.id = ci.version_id
    WHERE v.diagram_id = $diagram
"""
_ACTIVE_VERSION = (
    "SELECT id, version_number FROM driver_diagram_version WHERE diagram_id = ? AND status = 'active' "
    "ORDER BY version_number DESC LIMIT 1"
)


class DiagramQueries:
    """Mixed into Store: driver diagrams read as drafts, created, and published as new versions."""

    # -- reads ----------------------------------------------------------------------------------------------------

    def driver_diagrams(self) -> pl.DataFrame:
        """Every driver diagram of the organisation: id, title, aim_id, aim, aim_status, network_aim (a network's
        shared diagram) and its active version's version_number, effective_from, author and change_note."""
        return self._query(
            """
            SELECT dd.id, dd.title, dd.aim_id, a.title AS aim, a.status AS aim_status,
                   n.id IS NOT NULL AND a.id NOT IN (SELECT aim_id FROM local_aim) AS network_aim,
                   v.version_number, v.effective_from, v.author, v.change_note
            FROM driver_diagram dd JOIN aim a ON a.id = dd.aim_id
            JOIN strategic_objective o ON o.id = a.objective_id
            LEFT JOIN organisation n ON n.id = o.organisation_id AND n.kind = 'network'
            LEFT JOIN driver_diagram_version v ON v.diagram_id = dd.id AND v.status = 'active'
            ORDER BY a.status <> 'active', a.id, dd.id
            """
        )

    def aims_without_diagram(self) -> pl.DataFrame:
        """The organisation's active aims that have no driver diagram yet (id, title)."""
        return self._query(
            "SELECT a.id, a.title FROM aim a WHERE a.status = 'active' "
            "AND NOT EXISTS (SELECT 1 FROM driver_diagram dd WHERE dd.aim_id = a.id) ORDER BY a.id"
        )

    def diagram_draft(self, diagram_id: int) -> tuple[DiagramDraft, int]:
        """The diagram's active version as a draft to edit, and that version's number (hand it back to
        ``publish_diagram_version`` as ``opened_version``)."""
        found = self._query(
            "SELECT dd.aim_id, v.id AS version_id, v.version_number FROM driver_diagram dd "
            "LEFT JOIN driver_diagram_version v ON v.diagram_id = dd.id AND v.status = 'active' "
            "WHERE dd.id = ? ORDER BY v.version_number DESC LIMIT 1",
            [diagram_id],
        )
        if found.height == 0:
            raise Refused(f"There is no driver diagram {diagram_id}.")
        row = found.row(0, named=True)
        if row["version_id"] is None:
            raise Refused(f"Driver diagram {diagram_id} has no active version to build on.")
        nodes = self._query(_NODES, {"diagram": diagram_id, "version": row["version_id"]})
        used = self._query(_USED_KEYS, {"diagram": diagram_id})["node_key"].to_list()
        return _draft(nodes, used, row["aim_id"]), row["version_number"]

    def diagram_drafts(self, diagram_id: int) -> dict[int, DiagramDraft]:
        """Every version of a diagram as a draft, by version number (oldest first): ``changes`` between two
        neighbours says what a version changed."""
        aim = self._query("SELECT aim_id FROM driver_diagram WHERE id = ?", [diagram_id])
        if aim.height == 0:
            return {}
        nodes = self._query(_NODES, {"diagram": diagram_id, "version": None})
        used = self._query(_USED_KEYS, {"diagram": diagram_id})["node_key"].to_list()
        numbers = self._query(
            "SELECT version_number FROM driver_diagram_version WHERE diagram_id = ? ORDER BY version_number",
            [diagram_id],
        )["version_number"].to_list()
        return {
            number: _draft(nodes.filter(pl.col("version_number") == number), used, aim.item()) for number in numbers
        }

    def diagram_links(self, diagram_id: int) -> pl.DataFrame:
        """Each project link into the diagram's active version: project_id, project, is_primary, node_key."""
        return self._query(
            """
            SELECT pl.project_id, p.title AS project, pl.is_primary, coalesce(d.node_key, ci.node_key) AS node_key
            FROM project_link pl JOIN project p ON p.id = pl.project_id
            LEFT JOIN driver d ON d.id = pl.driver_id LEFT JOIN change_idea ci ON ci.id = pl.change_idea_id
            JOIN driver_diagram_version v ON v.id = coalesce(d.version_id, ci.version_id) AND v.status = 'active'
            WHERE v.diagram_id = ?
            ORDER BY node_key, p.title
            """,
            [diagram_id],
        )

    def diagram_of_node(self, node_key: str) -> pl.DataFrame:
        """Where a node key lives now: each diagram whose active version holds it (diagram_id, kind, level, title)."""
        return self._query(
            """
            SELECT v.diagram_id, 'driver' AS kind, d.level, d.title FROM driver d
            JOIN driver_diagram_version v ON v.id = d.version_id AND v.status = 'active' WHERE d.node_key = $key
            UNION ALL
            SELECT v.diagram_id, 'change_idea', NULL, ci.title FROM change_idea ci
            JOIN driver_diagram_version v ON v.id = ci.version_id AND v.status = 'active' WHERE ci.node_key = $key
            ORDER BY diagram_id
            """,
            {"key": node_key},
        )

    def diagram_refusal(self, username: str, *, diagram_id: int | None = None, aim_id: int | None = None) -> str | None:
        """None when ``username`` may publish the diagram (or create one for the aim); otherwise the sentence that
        says why not and who may, for a screen to show instead of the editor. The same rules the writes enforce."""
        try:
            self.authorise(username, "edit_thread")
            if diagram_id is not None:
                self.require_in_scope("driver_diagram", diagram_id, username)
                found = self._query("SELECT aim_id FROM driver_diagram WHERE id = ?", [diagram_id])
                if found.height == 0:
                    return f"There is no driver diagram {diagram_id}."
                self._require_diagram_owner(username, found.item())
            elif aim_id is not None:
                self.require_in_scope("aim", aim_id, username)
                self._require_diagram_owner(username, aim_id, "draw the network's shared driver diagram")
        except Refused as refused:
            return str(refused).replace(" Nothing was changed.", "")
        return None

    # -- writes ---------------------------------------------------------------------------------------------------

    @guarded("edit_thread", record=lambda self, aim_id, *a, **k: ("aim", aim_id))
    def create_driver_diagram(
        self, aim_id: int, title: str, draft: DiagramDraft, note: str, *, username: str, today: dt.date
    ) -> int:
        """Draw an aim's first driver diagram: version 1, holding the draft's nodes; returns the diagram's id."""
        aim = self._query("SELECT title, status FROM aim WHERE id = ?", [aim_id])
        if aim.height == 0:
            raise Refused(f"There is no aim {aim_id}.")
        self._require_diagram_owner(username, aim_id, "draw the network's shared driver diagram")
        aim_title, status = aim.row(0)
        title, note = (title or "").strip(), (note or "").strip()
        problems = []
        if status != "active":
            problems.append(f"The aim “{aim_title}” is retired: a retired aim takes no new driver diagram.")
        if not title or len(title) > TITLE_LIMIT:
            problems.append(f"Give the driver diagram a title of 1 to {TITLE_LIMIT} characters.")
        problems += _note_problems(note)
        problems += draft.problems()
        if problems:
            raise Refused(problems)
        author = self.user(username)["display_name"]
        with self._transaction() as cursor:
            existing = cursor.execute("SELECT id FROM driver_diagram WHERE aim_id = ?", [aim_id]).fetchall()
            if existing:
                raise Refused(
                    f"The aim “{aim_title}” already has a driver diagram (number {existing[0][0]}): open it and "
                    "publish a new version instead."
                )
            diagram_id = _one(cursor, "SELECT coalesce(max(id), 0) + 1 FROM driver_diagram")
            cursor.execute(
                "INSERT INTO driver_diagram (id, aim_id, title) VALUES (?, ?, ?)", [diagram_id, aim_id, title]
            )
            self._write_diagram_version(cursor, diagram_id, 1, draft, note, author, today)
            self._audit(
                cursor,
                username,
                "add",
                "driver_diagram",
                str(diagram_id),
                None,
                {
                    "aim_id": aim_id,
                    "title": title,
                    "version": 1,
                    **changes(DiagramDraft(), draft).record(),
                },
                note,
            )
        return diagram_id

    @guarded("edit_thread", record=lambda self, diagram_id, *a, **k: ("driver_diagram", diagram_id))
    def publish_diagram_version(
        self,
        diagram_id: int,
        draft: DiagramDraft,
        note: str,
        *,
        username: str,
        today: dt.date,
        opened_version: int,
    ) -> int:
        """Publish an edited driver diagram as its next version; returns the new version's id.

        ``opened_version`` is the version the draft was made from (``diagram_draft``): when someone has published
        since, nothing is written and ``StaleEdit`` says who published which version and when. Otherwise every
        node of the draft is written with its key, the links between nodes are rebuilt from the draft, the version
        it replaces is retired and each project link moves to the node with the same key; a link into a node the
        draft leaves out stays on the retired version (and is flagged ``link_to_retired_version``)."""
        found = self._query("SELECT aim_id FROM driver_diagram WHERE id = ?", [diagram_id])
        if found.height == 0:
            raise Refused(f"There is no driver diagram {diagram_id}.")
        self._require_diagram_owner(username, found.item())
        note = (note or "").strip()
        author = self.user(username)["display_name"]
        with self._transaction() as cursor:
            active = cursor.execute(_ACTIVE_VERSION, [diagram_id]).fetchall()
            if not active:
                raise Refused(f"Driver diagram {diagram_id} has no active version to build on.")
            old_id, old_number = active[0]
            if old_number != opened_version:
                raise self._stale(cursor, diagram_id, opened_version, old_number)
            old_nodes = cursor.sql(_NODES, params={"diagram": diagram_id, "version": old_id}).pl()
            used = [r[0] for r in cursor.execute(_USED_KEYS, {"diagram": diagram_id}).fetchall()]
            before = _draft(old_nodes, used, found.item())
            edit = changes(before, draft)
            problems = _note_problems(note) + draft.problems() + _key_problems(before, draft, old_number)
            if not problems and edit.empty:
                problems.append(f"Nothing would change: this is version {old_number} as it stands.")
            if problems:
                raise Refused(problems)
            number = _one(
                cursor, "SELECT max(version_number) + 1 FROM driver_diagram_version WHERE diagram_id = ?", [diagram_id]
            )
            cursor.execute("UPDATE driver_diagram_version SET status = 'retired' WHERE id = ?", [old_id])
            new_id, new_ids = self._write_diagram_version(cursor, diagram_id, number, draft, note, author, today)
            moves = pl.DataFrame(
                [
                    {"kind": kind, "old_id": old, "new_id": new_ids[key]}
                    for kind, old, key in old_nodes.select("kind", "id", "node_key").iter_rows()
                    if key in new_ids
                ],
                schema={"kind": pl.Utf8, "old_id": pl.Int64, "new_id": pl.Int64},
            )
            moved = 0
            cursor.register("moving_nodes", moves.to_arrow())
            try:
                for kind, column in (("driver", "driver_id"), ("change_idea", "change_idea_id")):
                    moved += _one(
                        cursor,
                        f"UPDATE project_link SET {column} = m.new_id FROM moving_nodes m "
                        f"WHERE m.kind = ? AND project_link.{column} = m.old_id",
                        [kind],
                    )
                # a driver's measures follow it to the new version too (the board and the tree read active drivers)
                measures_moved = _one(
                    cursor,
                    "UPDATE measure SET driver_id = m.new_id FROM moving_nodes m "
                    "WHERE m.kind = 'driver' AND measure.driver_id = m.old_id",
                )
            finally:
                cursor.unregister("moving_nodes")
            left = [
                r[0]
                for r in cursor.execute(
                    "SELECT DISTINCT p.title FROM project_link pl JOIN project p ON p.id = pl.project_id "
                    "LEFT JOIN driver d ON d.id = pl.driver_id LEFT JOIN change_idea ci ON ci.id = pl.change_idea_id "
                    "WHERE coalesce(d.version_id, ci.version_id) = ? ORDER BY p.title",
                    [old_id],
                ).fetchall()
            ]
            self._audit(
                cursor,
                username,
                "new_version",
                "driver_diagram",
                str(diagram_id),
                {"version": old_number, "nodes": len(before.nodes)},
                {
                    "version": number,
                    "nodes": len(draft.nodes),
                    **edit.record(),
                    "project_links_moved": moved,
                    "measures_moved": measures_moved,
                    "projects_left_on_retired_version": left,
                },
                note,
            )
        return new_id

    # -- helpers --------------------------------------------------------------------------------------------------

    def _require_diagram_owner(
        self, username: str, aim_id: int, what: str = "publish a new version of the network's shared driver diagram"
    ) -> None:
        """Refuse unless the person may change this aim's diagram beyond the role table: a network's shared diagram
        is its hub's alone; a member's local aim's diagram is that member's own people's (or the hub's)."""
        network_id = self._network_of_aim(aim_id)
        if network_id is not None:
            user = self.user(username)
            problem = refusal(user["role"] if user else None, "edit_network")
            if problem:
                raise PermissionRefused(problem)
            self._require_hub(username, network_id, what)
            return
        member = self._query(
            "SELECT la.member_id, o.name FROM local_aim la JOIN organisation o ON o.id = la.member_id "
            "WHERE la.aim_id = ?",
            [aim_id],
        )
        if member.height:
            member_id, name = member.row(0)
            self._require_within(
                username, member_id, f"change {name}'s driver diagram", f"{name}'s own people or the hub"
            )

    def _write_diagram_version(
        self, cursor, diagram_id: int, number: int, draft: DiagramDraft, note: str, author: str, today: dt.date
    ) -> tuple[int, dict[str, int]]:
        """Write one version holding the draft's nodes and the links between them; returns the version's id and
        each node's new id by key."""
        version_id = _one(cursor, "SELECT coalesce(max(id), 0) + 1 FROM driver_diagram_version")
        cursor.execute(
            "INSERT INTO driver_diagram_version (id, diagram_id, version_number, effective_from, author, change_note, "
            "status) VALUES (?, ?, ?, ?, ?, ?, 'active')",
            [version_id, diagram_id, number, today, author, note],
        )
        ids: dict[str, int] = {}
        for table, nodes in (("driver", draft.drivers()), ("change_idea", draft.change_ideas)):
            first = _one(cursor, f"SELECT coalesce(max(id), 0) + 1 FROM {table}")
            ids.update({n.key: first + k for k, n in enumerate(nodes)})
            rows = pl.DataFrame(
                {
                    "id": [ids[n.key] for n in nodes],
                    "version_id": [version_id] * len(nodes),
                    "node_key": [n.key for n in nodes],
                    "title": [n.title.strip() for n in nodes],
                    "description": [n.description for n in nodes],
                    **({"level": [n.level for n in nodes]} if table == "driver" else {}),
                },
                schema_overrides={"description": pl.Utf8, "id": pl.Int64, "version_id": pl.Int64},
            )
            if rows.height:
                self._insert_rows(cursor, table, rows)
        for table, columns, nodes in (
            ("driver_link", ("parent_driver_id", "child_driver_id"), draft.drivers()),
            ("change_idea_driver", ("driver_id", "change_idea_id"), draft.change_ideas),
        ):
            links = pl.DataFrame(
                [
                    {columns[0]: ids[parent], columns[1]: ids[n.key], "strength": n.strength(parent)}
                    for n in nodes
                    for parent in n.parents
                ],
                schema={columns[0]: pl.Int64, columns[1]: pl.Int64, "strength": pl.Utf8},
            )
            if links.height:
                self._insert_rows(cursor, table, links)
        return version_id, ids

    @staticmethod
    def _stale(cursor, diagram_id: int, opened: int, active: int) -> StaleEdit:
        """The refusal of a save made against an older version: who published the newer one, and when."""
        published = cursor.execute(
            "SELECT coalesce(u.display_name, al.username), al.occurred_at FROM audit_log al "
            "LEFT JOIN app_user u ON u.username = al.username WHERE al.entity_type = 'driver_diagram' "
            "AND al.entity_key = ? AND al.action IN ('new_version', 'add') ORDER BY al.id DESC LIMIT 1",
            [str(diagram_id)],
        ).fetchall()
        author, effective, note = cursor.execute(
            "SELECT author, effective_from, change_note FROM driver_diagram_version "
            "WHERE diagram_id = ? AND version_number = ?",
            [diagram_id, active],
        ).fetchall()[0]
        if published:
            who, at = published[0]
            when = f"at {at:%H:%M} on {at.day} {at:%B %Y}"
        else:
            who, when = author or "Someone", f"on {effective.day} {effective:%B %Y}"
        said = f" (their note: “{note}”)" if note else ""
        return StaleEdit(
            f"{who} published version {active} of this driver diagram {when}{said}, after you opened version "
            f"{opened}. Your edit was not published and nothing was changed: reopen the diagram to see their "
            "version, then make your changes again."
        )


def _draft(nodes: pl.DataFrame, used_keys: list[str], aim_id: int) -> DiagramDraft:
    """A draft of stored nodes (rows of ``_NODES``), keyed in the diagram's own style."""
    drafted = [
        DraftNode(
            key=row["node_key"],
            kind=row["kind"],
            title=row["title"],
            level=row["level"],
            description=row["description"],
            parents=tuple(row["parents"] or ()),
            weak=frozenset(row["weak"] or ()),
        )
        for row in nodes.iter_rows(named=True)
    ]
    if not used_keys:
        return DiagramDraft.empty(aim_id)
    return DiagramDraft.of(drafted, used_keys)


def _one(cursor, sql: str, params: list | None = None):
    """The one value a statement returns, its result read to the end (DuckDB refuses the cursor's next statement
    while a result is unfinished)."""
    return cursor.execute(sql, params or []).fetchall()[0][0]


def _note_problems(note: str) -> list[str]:
    if not note:
        return ["Say what changed in this version, and why: everyone who reads the diagram sees the note beside it."]
    if len(note) > NOTE_LIMIT:
        return [f"Keep the change note under {NOTE_LIMIT:,} characters."]
    return []


def _key_problems(before: DiagramDraft, after: DiagramDraft, number: int) -> list[str]:
    """A node keeps its kind for life, and a key a version before this one held is never handed to a new node."""
    problems = []
    for node in after.nodes:
        was = before.get(node.key)
        if was is not None and was.kind != node.kind:
            problems.append(
                f"“{node.title}” ({node.key}) was {was.named} in version {number}; a node keeps its kind: add a new "
                f"{node.what} instead."
            )
        elif was is None and node.key in before.used_keys:
            problems.append(f"The key {node.key} belonged to a node of an earlier version; a new node takes a new key.")
    return problems
