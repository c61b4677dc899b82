"""The store's network queries and writes: a part of Store (mixed in), using its _query and _transaction.

SQL here follows store.py's rules: parameters, never formatted values; polars frames out; writes guarded
(``@guarded``) and audited in the same transaction as the change.

Who may write what (issue 10, DOMAIN §6.2 and §7.4). The role table (access.py) decides what a role may do
at all; on top of it a network's records belong to an organisation:

- the **hub** owns the network aim, the shared driver diagram and the uniform measures: only the hub's
  improvement leads and administrators change them (``edit_network``);
- each **member** owns its local aim, its projects, PDSA cycles and data: its own people (and the hub's
  leads, who support them) change them, never another member's people.

A person "belongs" to their organisation and everything beneath it (``Store.user_teams``); the hub's
schools sit beneath the hub. An administrator with no organisation administers the whole database.

Stable node keys (DOMAIN Decision 4): a new driver-diagram version copies every node with its key and moves
the projects' links onto the copies. PDSA cycles keep the change idea they tested as it was worded then
(DuckDB cannot update a row that another row references, and a cycle is referenced by the next in its ramp);
every network view reads a cycle's change idea through its key, so the cycle still counts for the idea.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import TYPE_CHECKING

import polars as pl

from golden_thread.domain.access import guarded
from golden_thread.errors import PermissionRefused, Refused

if TYPE_CHECKING:
    from golden_thread.domain.observations import ProposedObservation

TITLE_LIMIT = 200

# Every organisation unit of a network: each member and everything beneath it, with the member it belongs to.
_UNITS = """
    WITH RECURSIVE unit(id, member_id) AS (
        SELECT member_id, member_id FROM network_membership WHERE network_id = $network
        UNION
        SELECT o.id, unit.member_id FROM organisation o JOIN unit ON o.parent_id = unit.id
    )
"""
# A network aim: an aim whose objective the network owns and which specialises no other aim.
_NETWORK_AIMS = """
    network_aim AS (
        SELECT a.* FROM aim a JOIN strategic_objective o ON o.id = a.objective_id
        WHERE o.organisation_id = $network AND a.id NOT IN (SELECT aim_id FROM local_aim)
    )
"""
# Each change idea (any version) with the idea carrying its key in its diagram's active version, if any.
_CURRENT_IDEA = """
    current_idea AS (
        SELECT ci.id AS any_id, ci.node_key, v.diagram_id, cur.id AS current_id, cur.title AS current_title
        FROM change_idea ci JOIN driver_diagram_version v ON v.id = ci.version_id
        LEFT JOIN (SELECT c2.id, c2.node_key, c2.title, v2.diagram_id FROM change_idea c2
                   JOIN driver_diagram_version v2 ON v2.id = c2.version_id AND v2.status = 'active') cur
               ON cur.node_key = ci.node_key AND cur.diagram_id = v.diagram_id
    )
"""


class NetworkQueries:
    """Mixed into Store: reads and writes of networks, their members, aims, shared diagrams and uniform measures."""

    # -- reads --------------------------------------------------------------------------------------------

    def networks(self) -> pl.DataFrame:
        """Every network (id, name, vocabulary) with its number of members now and ever."""
        return self._query(
            """
            SELECT o.id, o.name, o.vocabulary,
                   count(m.member_id) FILTER (WHERE m.left_on IS NULL OR m.left_on >= current_date) AS members,
                   count(m.member_id) AS members_ever
            FROM organisation o LEFT JOIN network_membership m ON m.network_id = o.id
            WHERE o.kind = 'network' GROUP BY ALL ORDER BY o.name
            """
        )

    def top_organisations(self) -> pl.DataFrame:
        """The organisations a person can open the app on: each trust (or other top-level unit) and each network."""
        return self._query(
            "SELECT id, name, kind, vocabulary FROM organisation WHERE parent_id IS NULL OR kind = 'network' "
            "ORDER BY kind = 'network', name"
        )

    def network_members(self, network_id: int, on: dt.date) -> pl.DataFrame:
        """Each member ever (member_id, member, joined_on, left_on, current on ``on``) with its local aim."""
        return self._query(
            """
            SELECT m.member_id, o.name AS member, o.kind, m.joined_on, m.left_on,
                   m.joined_on <= $on AND (m.left_on IS NULL OR m.left_on >= $on) AS current,
                   la.aim_id AS local_aim_id, a.title AS local_aim
            FROM network_membership m JOIN organisation o ON o.id = m.member_id
            LEFT JOIN local_aim la ON la.member_id = m.member_id
                AND la.network_aim_id IN (SELECT a2.id FROM aim a2 JOIN strategic_objective so ON so.id = a2.objective_id
                                          WHERE so.organisation_id = $network)
            LEFT JOIN aim a ON a.id = la.aim_id
            WHERE m.network_id = $network
            ORDER BY NOT (m.joined_on <= $on AND (m.left_on IS NULL OR m.left_on >= $on)), o.name
            """,
            {"network": network_id, "on": on},
        )

    def network_aims(self, network_id: int) -> pl.DataFrame:
        """The network's own aims, with the objective and the shared driver diagram of each."""
        return self._query(
            f"""
            WITH {_NETWORK_AIMS}
            SELECT a.id, a.title, a.statement, a.population, a.baseline_value, a.baseline_period, a.target_value,
                   a.target_date, a.responsible_leader, a.status, o.title AS objective, dd.id AS diagram_id,
                   dd.title AS diagram
            FROM network_aim a JOIN strategic_objective o ON o.id = a.objective_id
            LEFT JOIN driver_diagram dd ON dd.aim_id = a.id
            ORDER BY a.status <> 'active', a.id
            """,
            {"network": network_id},
        )

    def local_aims(self, network_id: int) -> pl.DataFrame:
        """Each member's local aim for each network aim."""
        return self._query(
            f"""
            WITH {_NETWORK_AIMS}
            SELECT la.aim_id, la.network_aim_id, la.member_id, m.name AS member, a.title, a.statement,
                   a.baseline_value, a.baseline_period, a.target_value, a.target_date, a.responsible_leader, a.status
            FROM local_aim la JOIN network_aim na ON na.id = la.network_aim_id
            JOIN aim a ON a.id = la.aim_id JOIN organisation m ON m.id = la.member_id
            ORDER BY m.name, la.network_aim_id
            """,
            {"network": network_id},
        )

    def uniform_measures(self, network_id: int) -> pl.DataFrame:
        """The hub's uniform measures: every measure on a network aim (its definition; members hold the data)."""
        return self._query(
            f"""
            WITH {_NETWORK_AIMS}
            SELECT m.*, a.title AS network_aim FROM measure m JOIN network_aim a ON a.id = m.aim_id
            ORDER BY CASE m.measure_type WHEN 'outcome' THEN 0 WHEN 'process' THEN 1 ELSE 2 END, m.id
            """,
            {"network": network_id},
        )

    def member_measures(self, network_id: int) -> pl.DataFrame:
        """Each member's report of each uniform measure: the member's measure row with the definition it follows."""
        return self._query(
            f"""
            WITH {_NETWORK_AIMS}
            SELECT m.*, mm.uniform_measure_id, mm.member_id, o.name AS member
            FROM member_measure mm JOIN measure m ON m.id = mm.measure_id
            JOIN measure u ON u.id = mm.uniform_measure_id JOIN network_aim a ON a.id = u.aim_id
            JOIN organisation o ON o.id = mm.member_id
            ORDER BY mm.uniform_measure_id, o.name
            """,
            {"network": network_id},
        )

    def reports_of_uniform_measures(self, uniform_measure_ids: list[int]) -> pl.DataFrame:
        """Every member's report of the given uniform measures, with when the member belonged to the network: id (the
        member's measure), uniform_measure_id, member_id, chart_type, joined_on, left_on."""
        return self._query(
            """
            SELECT mm.measure_id AS id, mm.uniform_measure_id, mm.member_id, m.chart_type, nm.joined_on, nm.left_on
            FROM member_measure mm JOIN measure m ON m.id = mm.measure_id
            JOIN network_membership nm ON nm.member_id = mm.member_id
            WHERE list_contains(?, mm.uniform_measure_id)
            ORDER BY mm.uniform_measure_id, mm.member_id
            """,
            [uniform_measure_ids],
        )

    def network_local_measures(self, network_id: int) -> pl.DataFrame:
        """The members' own measures: those of their projects (measure fields, member_id, member, project)."""
        return self._query(
            f"""
            {_UNITS}
            SELECT m.*, u.member_id, o.name AS member, p.title AS project
            FROM measure m JOIN project p ON p.id = m.project_id JOIN unit u ON u.id = p.team_id
            JOIN organisation o ON o.id = u.member_id
            ORDER BY o.name, m.id
            """,
            {"network": network_id},
        )

    def diagram_versions(self, diagram_id: int) -> pl.DataFrame:
        return self._query(
            "SELECT id, version_number, effective_from, author, change_note, status FROM driver_diagram_version "
            "WHERE diagram_id = ? ORDER BY version_number",
            [diagram_id],
        )

    def diagram_nodes(self, diagram_id: int) -> pl.DataFrame:
        """Every driver and change idea of every version of a diagram: kind, id, node_key, level, title,
        version_number, version_status and the keys of the nodes it hangs from."""
        return self._query(
            """
            WITH v AS (SELECT id, version_number, status FROM driver_diagram_version WHERE diagram_id = ?)
            SELECT 'driver' AS kind, d.id, d.node_key, d.level, d.title, v.version_number, v.status AS version_status,
                   list(p.node_key ORDER BY dl.strength, p.node_key) FILTER (WHERE p.node_key IS NOT NULL) AS parent_keys
            FROM driver d JOIN v ON v.id = d.version_id
            LEFT JOIN driver_link dl ON dl.child_driver_id = d.id LEFT JOIN driver p ON p.id = dl.parent_driver_id
            GROUP BY ALL
            UNION ALL
            SELECT 'change_idea', ci.id, ci.node_key, 'change idea', ci.title, v.version_number, v.status,
                   list(d.node_key ORDER BY cid.strength, d.node_key) FILTER (WHERE d.node_key IS NOT NULL)
            FROM change_idea ci JOIN v ON v.id = ci.version_id
            LEFT JOIN change_idea_driver cid ON cid.change_idea_id = ci.id LEFT JOIN driver d ON d.id = cid.driver_id
            GROUP BY ALL
            ORDER BY version_number, kind DESC, node_key
            """,
            [diagram_id],
        )

    def network_projects(self, network_id: int) -> pl.DataFrame:
        """Every project of the members: its member, team, status and the change idea its primary link tests
        (through the idea's key, as the diagram's active version words it)."""
        return self._query(
            f"""
            {_UNITS}, {_CURRENT_IDEA}
            SELECT p.id AS project_id, p.title AS project, p.status, p.start_date, p.end_date, p.lead,
                   u.member_id, o.name AS member, t.name AS team,
                   ci.node_key AS idea_key, coalesce(ci.current_title, idea.title) AS change_idea,
                   ci.current_id IS NULL AND ci.node_key IS NOT NULL AS idea_retired,
                   EXISTS (SELECT 1 FROM project_link l WHERE l.project_id = p.id) AS linked
            FROM project p JOIN unit u ON u.id = p.team_id JOIN organisation o ON o.id = u.member_id
            JOIN organisation t ON t.id = p.team_id
            LEFT JOIN project_link pl ON pl.project_id = p.id AND pl.is_primary
            LEFT JOIN current_idea ci ON ci.any_id = pl.change_idea_id
            LEFT JOIN change_idea idea ON idea.id = pl.change_idea_id
            ORDER BY o.name, p.id
            """,
            {"network": network_id},
        )

    def network_cycles(self, network_id: int) -> pl.DataFrame:
        """Every PDSA cycle of the members with the change idea it tested, read through the idea's key (the
        cycle's own idea, else its project's primary idea), as the active version words it."""
        return self._query(
            f"""
            {_UNITS}, {_CURRENT_IDEA}
            SELECT c.id AS cycle_id, c.title, c.cycle_number, c.start_date, c.end_date, c.act_decision,
                   c.prediction IS NOT NULL AS has_prediction, p.id AS project_id, p.title AS project,
                   u.member_id, o.name AS member,
                   coalesce(own.node_key, via.node_key) AS idea_key,
                   coalesce(own.current_title, via.current_title) AS change_idea
            FROM pdsa_cycle c JOIN project p ON p.id = c.project_id
            JOIN unit u ON u.id = p.team_id JOIN organisation o ON o.id = u.member_id
            LEFT JOIN current_idea own ON own.any_id = c.change_idea_id
            LEFT JOIN project_link pl ON pl.project_id = p.id AND pl.is_primary
            LEFT JOIN current_idea via ON via.any_id = pl.change_idea_id
            ORDER BY o.name, c.start_date, c.id
            """,
            {"network": network_id},
        )

    def network_change_ideas(self, network_id: int) -> pl.DataFrame:
        """The change ideas of the network's shared diagrams, active version: id, node_key, title, the driver
        (key and title) each first serves, and the aim."""
        return self._query(
            f"""
            WITH {_NETWORK_AIMS}
            SELECT ci.id, ci.node_key, ci.title, d.node_key AS driver_key, d.title AS driver, dd.aim_id
            FROM change_idea ci JOIN driver_diagram_version v ON v.id = ci.version_id AND v.status = 'active'
            JOIN driver_diagram dd ON dd.id = v.diagram_id JOIN network_aim a ON a.id = dd.aim_id
            LEFT JOIN (SELECT change_idea_id, arg_min(driver_id, strength) AS driver_id FROM change_idea_driver
                       GROUP BY change_idea_id) first ON first.change_idea_id = ci.id
            LEFT JOIN driver d ON d.id = first.driver_id
            ORDER BY ci.node_key
            """,
            {"network": network_id},
        )

    def network_thread_rows(self, network_id: int) -> dict[str, pl.DataFrame]:
        """``Store.thread_rows`` for one network: its aims and shared diagrams, its members' projects (their
        team and division both named by the member, so the tree reads "project · school") and their cycles."""
        params = {"network": network_id}
        aims = f"WITH {_NETWORK_AIMS} "
        in_network = (
            f"{_UNITS} , net_project AS (SELECT p.id, u.member_id FROM project p JOIN unit u ON u.id = p.team_id) "
        )
        diagram_of_network = (
            f"WITH {_NETWORK_AIMS}, v AS (SELECT v.id FROM driver_diagram_version v "
            "JOIN driver_diagram dd ON dd.id = v.diagram_id JOIN network_aim a ON a.id = dd.aim_id "
            "WHERE v.status = 'active') "
        )
        queries = {
            "aims": aims + "SELECT a.id, a.title, o.title AS objective, o.category FROM network_aim a "
            "JOIN strategic_objective o ON o.id = a.objective_id WHERE a.status = 'active' ORDER BY a.id",
            "drivers": diagram_of_network + "SELECT d.id, d.title, d.level, dd.aim_id FROM driver d "
            "JOIN driver_diagram_version ver ON ver.id = d.version_id "
            "JOIN driver_diagram dd ON dd.id = ver.diagram_id "
            "WHERE d.version_id IN (SELECT id FROM v) ORDER BY d.id",
            "driver_links": diagram_of_network + "SELECT dl.parent_driver_id, dl.child_driver_id, dl.strength "
            "FROM driver_link dl JOIN driver d ON d.id = dl.child_driver_id "
            "WHERE d.version_id IN (SELECT id FROM v) ORDER BY dl.child_driver_id, dl.parent_driver_id",
            "change_ideas": diagram_of_network
            + "SELECT ci.id, ci.title, cid.driver_id, cid.strength FROM change_idea ci "
            "JOIN change_idea_driver cid ON cid.change_idea_id = ci.id "
            "WHERE ci.version_id IN (SELECT id FROM v) ORDER BY ci.id, cid.driver_id",
            "projects": in_network + "SELECT p.id, p.title, p.status, o.name AS team, o.name AS division, "
            "pl.is_primary, pl.aim_id, pl.driver_id, pl.change_idea_id FROM project p "
            "JOIN net_project np ON np.id = p.id JOIN organisation o ON o.id = np.member_id "
            "LEFT JOIN project_link pl ON pl.project_id = p.id "
            # a link to a member's local aim is the member's, not a thread of the network's
            "AND (pl.aim_id IS NULL OR pl.aim_id NOT IN (SELECT aim_id FROM local_aim)) "
            "ORDER BY p.id, pl.is_primary DESC, pl.change_idea_id, pl.driver_id, pl.aim_id",
            "cycles": in_network + "SELECT c.id, c.title, c.project_id, c.act_decision, c.start_date, c.end_date, "
            "c.cycle_number FROM pdsa_cycle c JOIN net_project np ON np.id = c.project_id ORDER BY c.id",
            "measures": f"{_UNITS}, {_NETWORK_AIMS} "
            "SELECT m.id, m.name, m.measure_type, m.aim_id, m.driver_id, m.project_id FROM measure m "
            "WHERE m.status = 'active' AND (m.aim_id IN (SELECT id FROM network_aim) "
            "OR m.project_id IN (SELECT p.id FROM project p JOIN unit u ON u.id = p.team_id)) ORDER BY m.id",
        }
        return {name: self._query(sql, params) for name, sql in queries.items()}

    def flag_owners(self) -> pl.DataFrame:
        """Who owns each record of the thread (strategic_objective, aim, driver, change_idea, project, pdsa_cycle,
        measure), and so each record a thread check can flag: entity_type, entity_id, organisation_id (the top of its
        organisation: a trust, or a network), and within a network its network_id and member_id (null for the
        hub's own records: the network aim, the shared diagram, the uniform measures' definitions)."""
        return self._query(
            """
            WITH RECURSIVE chain(org_id, ancestor_id, depth) AS (
                SELECT id, id, 0 FROM organisation
                UNION ALL
                SELECT c.org_id, o.parent_id, c.depth + 1 FROM chain c JOIN organisation o ON o.id = c.ancestor_id
                WHERE o.parent_id IS NOT NULL AND c.depth < 64
            ),
            top AS (SELECT org_id, arg_max(ancestor_id, depth) AS top_id FROM chain GROUP BY org_id),
            membership AS (
                SELECT c.org_id, arg_min(m.member_id, c.depth) AS member_id, arg_min(m.network_id, c.depth) AS network_id
                FROM chain c JOIN network_membership m ON m.member_id = c.ancestor_id GROUP BY c.org_id
            ),
            aim_owner AS (
                SELECT a.id AS aim_id, coalesce(la.member_id, o.organisation_id) AS org_id FROM aim a
                JOIN strategic_objective o ON o.id = a.objective_id LEFT JOIN local_aim la ON la.aim_id = a.id
            ),
            version_owner AS (
                SELECT v.id AS version_id, ao.org_id FROM driver_diagram_version v
                JOIN driver_diagram dd ON dd.id = v.diagram_id JOIN aim_owner ao ON ao.aim_id = dd.aim_id
            ),
            owned AS (
                SELECT 'strategic_objective' AS entity_type, id AS entity_id, organisation_id AS org_id
                FROM strategic_objective
                UNION ALL SELECT 'aim', aim_id, org_id FROM aim_owner
                UNION ALL SELECT 'driver', d.id, vo.org_id FROM driver d JOIN version_owner vo USING (version_id)
                UNION ALL SELECT 'change_idea', ci.id, vo.org_id FROM change_idea ci JOIN version_owner vo USING (version_id)
                UNION ALL SELECT 'project', id, team_id FROM project
                UNION ALL SELECT 'pdsa_cycle', c.id, p.team_id FROM pdsa_cycle c JOIN project p ON p.id = c.project_id
                UNION ALL
                SELECT 'measure', m.id, coalesce(mm.member_id, p.team_id, ao.org_id, dvo.org_id) FROM measure m
                LEFT JOIN member_measure mm ON mm.measure_id = m.id LEFT JOIN project p ON p.id = m.project_id
                LEFT JOIN aim_owner ao ON ao.aim_id = m.aim_id
                LEFT JOIN driver d ON d.id = m.driver_id LEFT JOIN version_owner dvo ON dvo.version_id = d.version_id
                UNION ALL SELECT 'focus_objective', o.id, b.unit_id FROM focus_objective o
                JOIN focus_board b ON b.id = o.board_id
            )
            SELECT o.entity_type, o.entity_id, t.top_id AS organisation_id,
                   coalesce(mb.network_id, CASE WHEN top_unit.kind = 'network' THEN t.top_id END) AS network_id,
                   mb.member_id
            FROM owned o LEFT JOIN top t ON t.org_id = o.org_id LEFT JOIN membership mb ON mb.org_id = o.org_id
            LEFT JOIN organisation top_unit ON top_unit.id = t.top_id
            ORDER BY o.entity_type, o.entity_id
            """
        )

    def home_organisation(self, username: str) -> int | None:
        """The top of a person's organisation (their trust, or their network): what the app opens on for them."""
        frame = self._query(
            """
            WITH RECURSIVE up(id, kind, parent_id, depth) AS (
                SELECT o.id, o.kind, o.parent_id, 0 FROM app_user u JOIN organisation o ON o.id = u.organisation_id
                WHERE u.username = ?
                UNION ALL
                SELECT o.id, o.kind, o.parent_id, up.depth + 1 FROM organisation o JOIN up ON o.id = up.parent_id
                WHERE up.depth < 64
            ) SELECT id FROM up WHERE parent_id IS NULL OR kind = 'network' ORDER BY depth LIMIT 1
            """,
            [username],
        )
        return frame.item() if frame.height else None

    def ideas_tested_by_key(self) -> list[int]:
        """Change ideas of active diagram versions that a PDSA cycle tested under any version's wording (by node
        key): a cycle logged before a new version still counts for the idea (DOMAIN Decision 4)."""
        return self._query(
            """
            SELECT DISTINCT cur.id FROM change_idea cur
            JOIN driver_diagram_version v ON v.id = cur.version_id AND v.status = 'active'
            JOIN driver_diagram_version ov ON ov.diagram_id = v.diagram_id
            JOIN change_idea old ON old.version_id = ov.id AND old.node_key = cur.node_key
            WHERE EXISTS (SELECT 1 FROM pdsa_cycle c WHERE c.change_idea_id = old.id)
            ORDER BY cur.id
            """
        )["id"].to_list()

    def measure_member(self, measure_id: int) -> int | None:
        """The organisation whose data a measure holds: the member reporting it, or its project's team."""
        frame = self._query(
            "SELECT coalesce(mm.member_id, p.team_id) AS owner FROM measure m "
            "LEFT JOIN member_measure mm ON mm.measure_id = m.id LEFT JOIN project p ON p.id = m.project_id "
            "WHERE m.id = ?",
            [measure_id],
        )
        return frame.item() if frame.height else None

    # -- who may change a network's records -------------------------------------------------------------

    def _require_within(self, username: str, organisation_id: int, what: str, owner_words: str) -> None:
        """Refuse unless ``organisation_id`` is the person's organisation or beneath it (an administrator with
        no organisation administers everything)."""
        user = self.user(username)
        if user["role"] == "administrator" and user["organisation_id"] is None:
            return
        if organisation_id in self.user_teams(username):
            return
        names = self._query(
            "SELECT id, name FROM organisation WHERE id IN (?, ?)", [organisation_id, user["organisation_id"]]
        )
        name_of = dict(zip(names["id"], names["name"]))
        works_at = name_of.get(user["organisation_id"], "no organisation")
        raise PermissionRefused(
            f"Only {owner_words} can {what}; you work at {works_at}, not "
            f"{name_of.get(organisation_id, 'there')}. Nothing was changed."
        )

    def network_refusal(
        self, username: str, action: str, organisation_id: int, what: str, owner_words: str
    ) -> str | None:
        """None when ``username`` may do ``action`` on ``organisation_id``'s records; otherwise the sentence that
        says why not (the same rules the writes enforce), for a screen to show instead of a form."""
        from golden_thread.domain.access import refusal

        user = self.user(username) if username else None
        if user is None or not user["active"]:
            return f"“{username}” is not an active user of this Golden Thread: sign in again."
        problem = refusal(user["role"], action)
        if problem is None:
            try:
                self._require_within(username, organisation_id, what, owner_words)
            except PermissionRefused as refused:
                problem = str(refused)
        return None if problem is None else problem.replace(" Nothing was changed.", "")

    def home_network(self, username: str) -> int | None:
        """The network a person works in (their organisation, or the network above it), if any."""
        frame = self._query(
            """
            WITH RECURSIVE up(id, kind, parent_id, depth) AS (
                SELECT o.id, o.kind, o.parent_id, 0 FROM app_user u JOIN organisation o ON o.id = u.organisation_id
                WHERE u.username = ?
                UNION ALL
                SELECT o.id, o.kind, o.parent_id, up.depth + 1 FROM organisation o JOIN up ON o.id = up.parent_id
                WHERE up.depth < 64
            ) SELECT id FROM up WHERE kind = 'network' ORDER BY depth LIMIT 1
            """,
            [username],
        )
        return frame.item() if frame.height else None

    def _network_of_aim(self, aim_id: int) -> int | None:
        """The network whose own aim this is (None for any other aim)."""
        frame = self._query(
            "SELECT o.organisation_id FROM aim a JOIN strategic_objective o ON o.id = a.objective_id "
            "JOIN organisation n ON n.id = o.organisation_id AND n.kind = 'network' "
            "WHERE a.id = ? AND a.id NOT IN (SELECT aim_id FROM local_aim)",
            [aim_id],
        )
        return frame.item() if frame.height else None

    def _require_hub(self, username: str, network_id: int, what: str) -> None:
        name = self._query("SELECT name FROM organisation WHERE id = ?", [network_id]).item()
        self._require_within(username, network_id, what, f"the hub of {name}")

    # -- writes: the hub's ------------------------------------------------------------------------------

    @guarded("edit_network", record=lambda self, diagram_id, *a, **k: ("driver_diagram", diagram_id))
    def new_diagram_version(
        self,
        diagram_id: int,
        note: str,
        *,
        username: str,
        today: dt.date,
        rename: dict[str, str] | None = None,
        add_ideas: list[tuple[str, str]] | None = None,
        retire: list[str] | None = None,
    ) -> int:
        """Publish a new version of a network's shared driver diagram; returns the new version's id.

        The network page's quick edit: ``rename`` maps a key to new wording, ``retire`` lists keys to leave out
        and ``add_ideas`` adds (driver key, title) change ideas under a driver. They are made on a draft of the
        active version and published by ``publish_diagram_version``, the one way a diagram gets a new version:
        every node keeps its key and every member's project link moves to the node with the same key.
        """
        rename, add_ideas, retire = dict(rename or {}), list(add_ideas or []), list(retire or [])
        aim = self._query("SELECT aim_id FROM driver_diagram WHERE id = ?", [diagram_id])
        if aim.height == 0:
            raise Refused(f"There is no driver diagram {diagram_id}.")
        network_id = self._network_of_aim(aim.item())
        if network_id is None:
            raise Refused(
                "This driver diagram is not a network's shared diagram; its aim's own leads version it on the "
                "Driver diagrams page."
            )
        self._require_hub(username, network_id, "publish a new version of the shared driver diagram")
        draft, version = self.diagram_draft(diagram_id)
        problems: list[str] = []

        def attempt(edit) -> None:  # one edit on the draft; its refusal joins the others
            nonlocal draft
            try:
                draft = edit(draft)
            except Refused as refused:
                problems.extend(refused.problems)

        for key, title in rename.items():
            if key not in draft:
                problems.append(f"There is no node “{key}” in the current version to reword.")
            elif not (title or "").strip() or len(title.strip()) > TITLE_LIMIT:
                problems.append(f"Give “{key}” new wording of 1 to {TITLE_LIMIT} characters.")
            else:
                attempt(lambda d, key=key, title=title: d.rename(key, title))
        # What serves a node goes before it, so retiring a driver with every idea under it is not refused.
        depth = {None: 0, "tertiary": 1, "secondary": 2, "primary": 3}
        for key in sorted(retire, key=lambda k: depth[draft.get(k).level] if k in draft else 0):
            if key not in draft:
                problems.append(f"There is no node “{key}” in the current version to retire.")
            else:
                attempt(lambda d, key=key: d.remove(key))
        for driver_key, title in add_ideas:
            node = draft.get(driver_key)
            if node is None or node.kind != "driver":
                problems.append(f"A new change idea hangs from a driver of this version; “{driver_key}” is not one.")
            elif not (title or "").strip() or len(title.strip()) > TITLE_LIMIT:
                problems.append(f"Give each new change idea a title of 1 to {TITLE_LIMIT} characters.")
            else:
                attempt(lambda d, key=driver_key, title=title: d.add_change_idea(title, [key]))
        if not (rename or add_ideas or retire):
            problems.append("Nothing would change: reword, add or retire at least one node.")
        if problems:
            raise Refused(problems)
        return self.publish_diagram_version(
            diagram_id, draft, note, username=username, today=today, opened_version=version
        )

    @guarded("edit_network", record=lambda self, aim_id, *a, **k: ("aim", aim_id))
    def update_network_aim(
        self,
        aim_id: int,
        *,
        username: str,
        statement: str,
        target_value: float | None,
        target_date: dt.date | None,
        responsible_leader: str | None = None,
    ) -> None:
        """Reword a network aim and set its target (the hub's to change)."""
        network_id = self._network_of_aim(aim_id)
        if network_id is None:
            raise Refused(f"Aim {aim_id} is not a network aim.")
        self._require_hub(username, network_id, "change the network aim")
        statement = (statement or "").strip()
        problems = []
        if not statement or len(statement) > 1000:
            problems.append("Write the aim statement (what, how much, by when, for whom) in 1 to 1,000 characters.")
        if target_value is not None and not (isinstance(target_value, (int, float)) and math.isfinite(target_value)):
            problems.append(f"The target {target_value!r} is not a number.")
        if target_date is not None and not isinstance(target_date, dt.date):
            problems.append(f"The target date {target_date!r} is not a date.")
        if problems:
            raise Refused(" ".join(problems))
        with self._transaction() as cursor:
            before = _first(
                cursor.execute(
                    "SELECT statement, target_value, target_date, responsible_leader FROM aim WHERE id = ?", [aim_id]
                )
            )
            leader = (responsible_leader or "").strip() or before[3]
            cursor.execute(
                "UPDATE aim SET statement = ?, target_value = ?, target_date = ?, responsible_leader = ? WHERE id = ?",
                [statement, target_value, target_date, leader, aim_id],
            )
            fields = ("statement", "target_value", "target_date", "responsible_leader")
            self._audit(
                cursor,
                username,
                "change",
                "aim",
                str(aim_id),
                dict(zip(fields, before)),
                dict(zip(fields, (statement, target_value, target_date, leader))),
            )

    @guarded("edit_network", record=lambda self, network_aim_id, *a, **k: ("aim", network_aim_id))
    def add_uniform_measure(
        self,
        network_aim_id: int,
        *,
        username: str,
        name: str,
        measure_type: str,
        chart_type: str,
        direction: str,
        definition: str,
        unit: str = "%",
        multiplier: float = 100.0,
        target_value: float | None = None,
        numerator_definition: str | None = None,
        denominator_definition: str | None = None,
        frequency: str = "monthly",
    ) -> int:
        """Define a uniform measure once, on the network aim, and give every current member with a local aim its
        own row to report it in; returns the definition's id."""
        from golden_thread.domain.enumerations import CHART_TYPES, DIRECTIONS, FREQUENCIES, MEASURE_TYPES
        from golden_thread.spc.options import RATIO_CHARTS

        network_id = self._network_of_aim(network_aim_id)
        if network_id is None:
            raise Refused(f"Aim {network_aim_id} is not a network aim; uniform measures belong to a network aim.")
        self._require_hub(username, network_id, "define uniform measures")
        name, definition = (name or "").strip(), (definition or "").strip()
        problems = []
        if not name or len(name) > TITLE_LIMIT:
            problems.append(f"Name the measure in 1 to {TITLE_LIMIT} characters.")
        if name and name in set(self.uniform_measures(network_id)["name"]):
            problems.append(f"The network already has a uniform measure called “{name}”.")
        if not definition:
            problems.append("Give the operational definition, so every member counts it the same way.")
        for value, allowed, what in (
            (measure_type, MEASURE_TYPES, "type"),
            (chart_type, CHART_TYPES, "chart"),
            (direction, DIRECTIONS, "improvement direction"),
            (frequency, FREQUENCIES, "frequency"),
        ):
            if value not in allowed:
                problems.append(f"The {what} is one of {', '.join(allowed)}, not “{value}”.")
        if chart_type in RATIO_CHARTS and not (
            (numerator_definition or "").strip() and (denominator_definition or "").strip()
        ):
            problems.append("A proportion or rate needs its numerator and denominator defined.")
        if not (isinstance(multiplier, (int, float)) and math.isfinite(multiplier) and multiplier > 0):
            problems.append("The multiplier must be a number above zero (100 for a percentage).")
        if target_value is not None and not (isinstance(target_value, (int, float)) and math.isfinite(target_value)):
            problems.append(f"The target {target_value!r} is not a number.")
        if problems:
            raise Refused(" ".join(problems))
        members = self._query(
            "SELECT la.aim_id, la.member_id, o.name FROM local_aim la JOIN organisation o ON o.id = la.member_id "
            "JOIN network_membership m ON m.member_id = la.member_id AND m.network_id = ? "
            "JOIN aim a ON a.id = la.aim_id AND a.status = 'active' "
            "WHERE la.network_aim_id = ? AND (m.left_on IS NULL OR m.left_on >= current_date) ORDER BY o.name",
            [network_id, network_aim_id],
        )
        common = dict(
            measure_type=measure_type,
            chart_type=chart_type,
            improvement_direction=direction,
            unit=unit,
            multiplier=float(multiplier),
            target_value=target_value,
            definition=definition,
            numerator_definition=(numerator_definition or "").strip() or None,
            denominator_definition=(denominator_definition or "").strip() or None,
            frequency=frequency,
            rules="anhoej" if chart_type == "run" else "mdc",
            status="active",
        )
        with self._transaction() as cursor:
            first = _first(cursor.execute("SELECT coalesce(max(id), 0) + 1 FROM measure"))[0]
            rows = [dict(id=first, name=name, aim_id=network_aim_id, **common)]
            rows += [
                dict(id=first + 1 + k, name=f"{name} · {member}", aim_id=aim, **common)
                for k, (aim, _, member) in enumerate(members.iter_rows())
            ]
            self._insert_rows(cursor, "measure", pl.DataFrame(rows, infer_schema_length=None))
            if members.height:
                self._insert_rows(
                    cursor,
                    "member_measure",
                    pl.DataFrame(
                        {
                            "measure_id": [first + 1 + k for k in range(members.height)],
                            "uniform_measure_id": [first] * members.height,
                            "member_id": members["member_id"],
                        }
                    ),
                )
            self._audit(
                cursor,
                username,
                "add",
                "measure",
                str(first),
                None,
                {"name": name, "uniform": True, "member_rows": members.height},
            )
        return first

    @guarded("edit_network", record=lambda self, network_id, *a, **k: ("organisation", network_id))
    def record_membership(
        self, network_id: int, member_id: int, *, username: str, joined_on: dt.date, left_on: dt.date | None = None
    ) -> str:
        """Record when a member joined (and left) a network; returns 'joined', 'changed' or 'left'. A member that
        leaves has its local aims retired, so they no longer ask for work."""
        kind = self._query("SELECT kind FROM organisation WHERE id = ?", [network_id])
        if kind.height == 0 or kind.item() != "network":
            raise Refused(f"Organisation {network_id} is not a network.")
        self._require_hub(username, network_id, "change who belongs to the network")
        member = self._query("SELECT name, parent_id FROM organisation WHERE id = ?", [member_id])
        problems = []
        if member.height == 0:
            raise Refused(f"There is no organisation {member_id}.")
        if member["parent_id"][0] != network_id:
            problems.append(
                f"{member['name'][0]} is not part of this network's organisation; add it beneath the network first."
            )
        if not isinstance(joined_on, dt.date):
            problems.append("Give the date the member joined.")
        elif left_on is not None and (not isinstance(left_on, dt.date) or left_on < joined_on):
            problems.append(f"A member cannot leave before it joins ({joined_on:%d %B %Y}).")
        if problems:
            raise Refused(" ".join(problems))
        with self._transaction() as cursor:
            before = _first(
                cursor.execute(
                    "SELECT joined_on, left_on FROM network_membership WHERE network_id = ? AND member_id = ?",
                    [network_id, member_id],
                )
            )
            if before is None:
                cursor.execute(
                    "INSERT INTO network_membership VALUES (?, ?, ?, ?)", [network_id, member_id, joined_on, left_on]
                )
            else:
                cursor.execute(
                    "UPDATE network_membership SET joined_on = ?, left_on = ? WHERE network_id = ? AND member_id = ?",
                    [joined_on, left_on, network_id, member_id],
                )
            retired = 0
            if left_on is not None:
                retired = _first(
                    cursor.execute(
                        "UPDATE aim SET status = 'retired' WHERE status = 'active' AND id IN (SELECT la.aim_id FROM local_aim la "
                        "JOIN aim n ON n.id = la.network_aim_id JOIN strategic_objective o ON o.id = n.objective_id "
                        "WHERE la.member_id = ? AND o.organisation_id = ?)",
                        [member_id, network_id],
                    )
                )[0]
            self._audit(
                cursor,
                username,
                "membership",
                "network_membership",
                f"{network_id}/{member_id}",
                None if before is None else {"joined_on": before[0], "left_on": before[1]},
                {"joined_on": joined_on, "left_on": left_on, "local_aims_retired": retired},
            )
        return "joined" if before is None else ("left" if left_on is not None and before[1] is None else "changed")

    @guarded("edit_network", record=lambda self, network_id, *a, **k: ("organisation", network_id))
    def set_vocabulary(self, network_id: int, vocabulary: str, *, username: str) -> int:
        """Choose the words a network and all its members read (health or education); returns units changed."""
        from golden_thread.domain.vocabulary import VOCABULARIES

        if vocabulary not in VOCABULARIES:
            raise Refused(f"Choose the words of one of {', '.join(VOCABULARIES)}, not “{vocabulary}”.")
        kind = self._query("SELECT kind FROM organisation WHERE id = ?", [network_id])
        if kind.height == 0 or kind.item() != "network":
            raise Refused(f"Organisation {network_id} is not a network.")
        self._require_hub(username, network_id, "choose the network's words")
        with self._transaction() as cursor:
            units = [
                row[0]
                for row in cursor.execute(
                    # typed: PostgreSQL takes a bare parameter for a smallint, and the recursion's ids are integers
                    "WITH RECURSIVE unit(id) AS (SELECT CAST(? AS INTEGER) UNION "
                    "SELECT o.id FROM organisation o JOIN unit ON o.parent_id = unit.id) SELECT id FROM unit",
                    [network_id],
                ).fetchall()
            ]
            before = _first(cursor.execute("SELECT vocabulary FROM organisation WHERE id = ?", [network_id]))[0]
            cursor.execute("UPDATE organisation SET vocabulary = ? WHERE list_contains(?, id)", [vocabulary, units])
            self._audit(
                cursor,
                username,
                "change",
                "organisation",
                str(network_id),
                {"vocabulary": before},
                {"vocabulary": vocabulary, "units": len(units)},
            )
        return len(units)

    # -- writes: a member's ---------------------------------------------------------------------------------

    @guarded("edit_thread", record=lambda self, network_aim_id, *a, **k: ("aim", network_aim_id))
    def save_local_aim(
        self,
        network_aim_id: int,
        member_id: int,
        *,
        username: str,
        title: str,
        statement: str,
        baseline_value: float | None,
        target_value: float | None,
        target_date: dt.date | None,
    ) -> int:
        """Add or change a member's local aim specialising a network aim; returns the local aim's id."""
        network_id = self._network_of_aim(network_aim_id)
        if network_id is None:
            raise Refused(f"Aim {network_aim_id} is not a network aim; a local aim specialises a network aim.")
        membership = self._query(
            "SELECT o.name FROM network_membership m JOIN organisation o ON o.id = m.member_id "
            "WHERE m.network_id = ? AND m.member_id = ? AND (m.left_on IS NULL OR m.left_on >= "
            "current_date)",
            [network_id, member_id],
        )
        if membership.height == 0:
            raise Refused(f"Organisation {member_id} is not a current member of this network.")
        member = membership.item()
        self._require_within(username, member_id, f"set {member}'s local aim", f"{member}'s own people or the hub")
        title, statement = (title or "").strip(), (statement or "").strip()
        problems = []
        if not title or len(title) > TITLE_LIMIT:
            problems.append(f"Give the local aim a title of 1 to {TITLE_LIMIT} characters.")
        if not statement or len(statement) > 1000:
            problems.append("Write the local aim (what, how much, by when, for whom) in 1 to 1,000 characters.")
        for value, what in ((baseline_value, "baseline"), (target_value, "target")):
            if value is not None and not (isinstance(value, (int, float)) and math.isfinite(value)):
                problems.append(f"The {what} {value!r} is not a number.")
        if target_value is None or target_date is None:
            problems.append("A local aim says how much by when: give its target and target date.")
        if problems:
            raise Refused(" ".join(problems))
        with self._transaction() as cursor:
            existing = _first(
                cursor.execute(
                    "SELECT aim_id FROM local_aim WHERE network_aim_id = ? AND member_id = ?",
                    [network_aim_id, member_id],
                )
            )
            fields = ("title", "statement", "baseline_value", "target_value", "target_date")
            after = dict(zip(fields, (title, statement, baseline_value, target_value, target_date)))
            if existing:
                aim_id = existing[0]
                before = dict(
                    zip(
                        fields,
                        _first(
                            cursor.execute(
                                "SELECT title, statement, baseline_value, target_value, target_date FROM aim WHERE id = ?",
                                [aim_id],
                            )
                        ),
                    )
                )
                cursor.execute(
                    "UPDATE aim SET title = ?, statement = ?, baseline_value = ?, target_value = ?, "
                    "target_date = ? WHERE id = ?",
                    [*after.values(), aim_id],
                )
            else:
                before = None
                aim_id = _first(cursor.execute("SELECT coalesce(max(id), 0) + 1 FROM aim"))[0]
                objective, population = _first(
                    cursor.execute("SELECT objective_id, population FROM aim WHERE id = ?", [network_aim_id])
                )
                cursor.execute(
                    "INSERT INTO aim (id, objective_id, title, statement, population, location, baseline_value, "
                    "target_value, target_date, adopted_on, status) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, current_date, 'active')",
                    [
                        aim_id,
                        objective,
                        title,
                        statement,
                        population,
                        member,
                        baseline_value,
                        target_value,
                        target_date,
                    ],
                )
                cursor.execute("INSERT INTO local_aim VALUES (?, ?, ?)", [aim_id, network_aim_id, member_id])
            self._audit(cursor, username, "change" if existing else "add", "aim", str(aim_id), before, after)
        return aim_id

    @guarded(
        "enter_data",
        team_of=lambda self, measure_id, *a, **k: self.measure_member(measure_id),
        record=lambda self, measure_id, *a, **k: ("measure", measure_id),
    )
    def save_member_observation(
        self,
        measure_id: int,
        proposed: ProposedObservation,
        *,
        username: str,
        today: dt.date,
        correcting: bool = False,
        expected: dict | None = None,
    ) -> str:
        """Add or correct one period of a member's data (its report of a uniform measure, or a local measure);
        returns 'added', 'corrected' or 'unchanged'. A member's people enter only their own member's data.

        The guard above checks the member that owns the data (team members of one school are refused another
        school's); the hub's leads may enter for a member. The write itself is ``Store.save_observation``'s,
        called past that method's own guard, which knows only project teams and would refuse every member.
        """
        import inspect

        owner = self._query(
            "SELECT m.name, mm.member_id, p.team_id, "
            "(SELECT count(*) FROM member_measure u WHERE u.uniform_measure_id = m.id) AS reporters "
            "FROM measure m LEFT JOIN member_measure mm ON mm.measure_id = m.id "
            "LEFT JOIN project p ON p.id = m.project_id WHERE m.id = ?",
            [measure_id],
        )
        if owner.height == 0:
            raise Refused(f"There is no measure {measure_id}.")
        row = owner.row(0, named=True)
        if row["reporters"]:
            raise Refused(f"“{row['name']}” is the hub's definition; each member reports it in its own row.")
        organisation = row["member_id"] or row["team_id"]
        if organisation is None:
            raise Refused(f"“{row['name']}” is not a member's measure.")
        self._require_within(username, organisation, "enter this data", "the member's own people or the hub")
        write = inspect.unwrap(type(self).save_observation)
        return write(
            self, measure_id, proposed, username=username, today=today, correcting=correcting, expected=expected
        )


def _first(result) -> tuple | None:
    """The first row of a cursor's result, read to the end: DuckDB refuses the cursor's next statement while a
    result is unfinished (STYLE: facts that bite)."""
    rows = result.fetchall()
    return rows[0] if rows else None
