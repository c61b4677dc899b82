"""The store's leadership queries and writes: a part of Store (mixed in), using its _query and _transaction.

SQL here follows store.py's rules: parameters, never formatted values; polars frames out; writes guarded.
Frameworks are versioned (``schema_leadership``): an edit writes a whole new version and retires the one before,
so every assessment reads with the wording it was made against. Nothing is deleted; every write is audited.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from golden_thread.domain.access import guarded
from golden_thread.domain.leadership import (
    FrameworkVersion,
    ProposedAssessment,
    check_assessment,
    check_framework,
    frames,
    version_rows,
)
from golden_thread.errors import Refused
from golden_thread.storage.shared_sql import PROJECT_AIM

_ID_TABLES = (
    "leadership_framework",
    "leadership_framework_version",
    "leadership_section",
    "leadership_subsection",
    "leadership_item",
    "leadership_assessment",
    "leadership_strategy",
)
# The next free id of each of them, in one statement the module fixes (table names, no value).
_NEXT_IDS = " UNION ALL ".join(f"SELECT '{t}' AS t, coalesce(max(id), 0) + 1 AS n FROM {t}" for t in _ID_TABLES)

# Every assessment with its framework, version, organisation, growth edge and a summary of its ratings.
_ASSESSMENTS = """
    SELECT a.id, a.version_id, v.version_number, v.framework_id, f.framework_key, v.title AS framework,
           v.status AS version_status, v.item_word, a.organisation_id, o.name AS organisation, o.kind AS organisation_kind,
           a.subject, a.person, a.assessed_on, a.growth_edge_item_id, ge.item_key AS growth_edge_key,
           ge.title AS growth_edge, a.growth_edge_note, a.entered_by, a.entered_at,
           coalesce(r.raters, 0) AS raters, coalesce(r.rated_items, 0) AS rated_items, r.mean_rating,
           sl.scale_max, coalesce(st.strategies, 0) AS strategies
    FROM leadership_assessment a
    JOIN leadership_framework_version v ON v.id = a.version_id
    JOIN leadership_framework f ON f.id = v.framework_id
    JOIN organisation o ON o.id = a.organisation_id
    LEFT JOIN leadership_item ge ON ge.id = a.growth_edge_item_id
    LEFT JOIN (
        SELECT assessment_id, count(DISTINCT rater) AS raters, count(DISTINCT item_id) AS rated_items,
               avg(rating) AS mean_rating
        FROM leadership_rating GROUP BY assessment_id
    ) r ON r.assessment_id = a.id
    LEFT JOIN (SELECT version_id, max(level) AS scale_max FROM leadership_scale_level GROUP BY version_id) sl
        ON sl.version_id = a.version_id
    LEFT JOIN (SELECT assessment_id, count(*) AS strategies FROM leadership_strategy GROUP BY assessment_id) st
        ON st.assessment_id = a.id
"""

# Items in reading order with their section and sub-section, as worded in their own version.
_ITEMS = """
    SELECT i.id, i.version_id, i.section_id, i.subsection_id, i.item_key, i.position, i.title, i.guidance,
           s.section_key, s.title AS section, s.position AS section_position,
           ss.subsection_key, ss.title AS subsection, ss.position AS subsection_position,
           row_number() OVER (PARTITION BY i.version_id ORDER BY s.position, coalesce(ss.position, 0), i.position)
               AS "order"
    FROM leadership_item i
    JOIN leadership_section s ON s.id = i.section_id
    LEFT JOIN leadership_subsection ss ON ss.id = i.subsection_id
"""


class LeadershipQueries:
    """Mixed into Store."""

    # -- frameworks -------------------------------------------------------------------------------------

    def framework_keys(self) -> set[str]:
        return set(self._query("SELECT framework_key FROM leadership_framework")["framework_key"].to_list())

    def leadership_next_ids(self) -> dict[str, int]:
        """The next free id of each leadership table (for seeding alongside rows already stored)."""
        frame = self._query(_NEXT_IDS)
        return dict(zip(frame["t"].to_list(), frame["n"].to_list()))

    def frameworks(self, *, include_retired: bool = False) -> pl.DataFrame:
        """Each framework with its version in use: key, title, words, owner, counts of items and assessments."""
        return self._query(
            """
            SELECT f.id AS framework_id, f.framework_key, f.status, f.organisation_id, o.name AS added_by_organisation,
                   v.id AS version_id, v.version_number, v.title, v.source, v.description, v.section_word,
                   v.item_word, v.guidance_word, v.strategy_from, v.effective_from,
                   (SELECT count(*) FROM leadership_item i WHERE i.version_id = v.id) AS items,
                   (SELECT count(*) FROM leadership_assessment a JOIN leadership_framework_version av
                        ON av.id = a.version_id WHERE av.framework_id = f.id) AS assessments
            FROM leadership_framework f
            JOIN leadership_framework_version v ON v.framework_id = f.id AND v.status = 'active'
            LEFT JOIN organisation o ON o.id = f.organisation_id
            WHERE ? OR f.status = 'active'
            ORDER BY f.organisation_id NULLS FIRST, f.id
            """,
            [include_retired],
        )

    def framework_versions(self, framework_id: int) -> pl.DataFrame:
        """Every version of a framework, newest first, with how many assessments were made against each."""
        return self._query(
            """
            SELECT v.id AS version_id, v.version_number, v.title, v.status, v.effective_from, v.author, v.change_note,
                   (SELECT count(*) FROM leadership_item i WHERE i.version_id = v.id) AS items,
                   (SELECT count(*) FROM leadership_assessment a WHERE a.version_id = v.id) AS assessments
            FROM leadership_framework_version v WHERE v.framework_id = ? ORDER BY v.version_number DESC
            """,
            [framework_id],
        )

    def framework_version(self, version_id: int) -> FrameworkVersion | None:
        header = self._query(
            "SELECT v.*, f.framework_key, f.status AS framework_status, f.organisation_id FROM "
            "leadership_framework_version v JOIN leadership_framework f ON f.id = v.framework_id WHERE v.id = ?",
            [version_id],
        )
        if header.height == 0:
            return None
        return FrameworkVersion(
            version=header.row(0, named=True),
            scale=self._query(
                "SELECT level, label FROM leadership_scale_level WHERE version_id = ? ORDER BY level", [version_id]
            ),
            sections=self._query(
                "SELECT * FROM leadership_section WHERE version_id = ? ORDER BY position", [version_id]
            ),
            subsections=self._query(
                "SELECT ss.* FROM leadership_subsection ss JOIN leadership_section s ON s.id = ss.section_id "
                "WHERE s.version_id = ? ORDER BY s.position, ss.position",
                [version_id],
            ),
            items=self._query(f'SELECT * FROM ({_ITEMS}) WHERE version_id = ? ORDER BY "order"', [version_id]),
        )

    def active_version_id(self, framework_key: str) -> int | None:
        frame = self._query(
            "SELECT v.id FROM leadership_framework_version v JOIN leadership_framework f ON f.id = v.framework_id "
            "WHERE f.framework_key = ? AND v.status = 'active'",
            [framework_key],
        )
        return frame.item() if frame.height else None

    @guarded("edit_frameworks")
    def add_framework(self, spec: dict, *, username: str, today: dt.date, organisation_id: int | None = None) -> int:
        """Add a framework (a network's own rubric, say) from a spec; returns its id. Refused with every problem."""
        checked, problems = check_framework(spec)
        if not problems and checked["key"] in self.framework_keys():
            problems.append(
                f"There is already a framework with the key “{checked['key']}”; give this one another "
                "title or key, or edit that framework instead."
            )
        if problems:
            raise Refused(problems)
        with self._transaction() as cursor:
            if (
                organisation_id is not None
                and not cursor.execute("SELECT 1 FROM organisation WHERE id = ?", [organisation_id]).fetchall()
            ):
                raise Refused(f"There is no organisation {organisation_id} to add this framework for.")
            ids = self._next_ids(cursor)
            framework_id = ids["leadership_framework"]
            ids["leadership_framework"] += 1
            cursor.execute(
                "INSERT INTO leadership_framework (id, framework_key, organisation_id, status) "
                "VALUES (?, ?, ?, 'active')",
                [framework_id, checked["key"], organisation_id],
            )
            version_id = self._write_version(cursor, checked, framework_id, 1, ids, today, username, "First version")
            self._audit(
                cursor,
                username,
                "add",
                "leadership_framework",
                str(framework_id),
                None,
                {
                    "key": checked["key"],
                    "title": checked["title"],
                    "version_id": version_id,
                    "organisation_id": organisation_id,
                },
            )
        return framework_id

    @guarded("edit_frameworks", record=lambda self, framework_id, *a, **k: ("leadership_framework", framework_id))
    def save_framework_version(
        self, framework_id: int, spec: dict, change_note: str, *, username: str, today: dt.date
    ) -> int:
        """Write an edited framework as its next version and retire the one in use; returns the new version's id.

        Past assessments keep pointing at the version they were made against, so their wording never changes."""
        change_note = (change_note or "").strip()
        checked, problems = check_framework(spec)
        if not change_note:
            problems.append("Say what changed and why (the change note): people reading old assessments will see it.")
        if problems:
            raise Refused(problems)
        with self._transaction() as cursor:
            current = cursor.execute(
                "SELECT f.framework_key, v.id, v.version_number FROM leadership_framework f "
                "JOIN leadership_framework_version v ON v.framework_id = f.id AND v.status = 'active' WHERE f.id = ?",
                [framework_id],
            ).fetchall()
            if not current:
                raise Refused(f"There is no framework {framework_id} to edit.")
            key, old_version, number = current[0]
            checked["key"] = key  # a framework's key never changes: assessments and trends follow it
            ids = self._next_ids(cursor)
            cursor.execute("UPDATE leadership_framework_version SET status = 'retired' WHERE id = ?", [old_version])
            version_id = self._write_version(
                cursor, checked, framework_id, number + 1, ids, today, username, change_note
            )
            self._audit(
                cursor,
                username,
                "new_version",
                "leadership_framework",
                str(framework_id),
                {"version_id": old_version, "version_number": number},
                {"version_id": version_id, "version_number": number + 1, "title": checked["title"]},
                change_note,
            )
        return version_id

    @guarded("edit_frameworks", record=lambda self, framework_id, *a, **k: ("leadership_framework", framework_id))
    def set_framework_status(self, framework_id: int, status: str, reason: str, *, username: str) -> None:
        """Retire a framework (no new assessments; old ones stay) or bring it back, with the reason."""
        if status not in ("active", "retired"):
            raise Refused(f"A framework is active or retired, not “{status}”.")
        reason = (reason or "").strip()
        if not reason:
            raise Refused("Give a reason: people looking for this framework will read it in the audit trail.")
        with self._transaction() as cursor:
            found = cursor.execute("SELECT status FROM leadership_framework WHERE id = ?", [framework_id]).fetchall()
            if not found:
                raise Refused(f"There is no framework {framework_id}.")
            before = found[0]
            if before[0] == status:
                raise Refused(f"This framework is already {status}.")
            cursor.execute("UPDATE leadership_framework SET status = ? WHERE id = ?", [status, framework_id])
            self._audit(
                cursor,
                username,
                "retire" if status == "retired" else "restore",
                "leadership_framework",
                str(framework_id),
                {"status": before[0]},
                {"status": status},
                reason,
            )

    @staticmethod
    def _next_ids(cursor) -> dict[str, int]:
        return dict(cursor.execute(_NEXT_IDS).fetchall())

    def _write_version(
        self,
        cursor,
        spec: dict,
        framework_id: int,
        number: int,
        ids: dict[str, int],
        today: dt.date,
        author: str,
        change_note: str,
    ) -> int:
        version_id = ids["leadership_framework_version"]
        ids["leadership_framework_version"] += 1
        rows = version_rows(
            spec,
            framework_id=framework_id,
            version_id=version_id,
            version_number=number,
            next_ids=ids,
            effective_from=today,
            author=author,
            change_note=change_note,
        )
        for table, frame in frames(rows).items():
            self._insert_rows(cursor, table, frame)
        return version_id

    # -- assessments ------------------------------------------------------------------------------------

    def leadership_assessments(
        self, organisation_id: int | None = None, framework_key: str | None = None
    ) -> pl.DataFrame:
        """Assessments, newest first, optionally of one organisation and one framework (any version)."""
        return self._query(
            f"SELECT * FROM ({_ASSESSMENTS}) WHERE (CAST(? AS INTEGER) IS NULL OR organisation_id = ?) "
            "AND (CAST(? AS VARCHAR) IS NULL OR framework_key = ?) ORDER BY assessed_on DESC, id DESC",
            [organisation_id, organisation_id, framework_key, framework_key],
        )

    def assessment(self, assessment_id: int) -> dict | None:
        frame = self._query(f"SELECT * FROM ({_ASSESSMENTS}) WHERE id = ?", [assessment_id])
        return frame.row(0, named=True) if frame.height else None

    def assessment_ratings(self, assessment_ids: list[int]) -> pl.DataFrame:
        """Every rater's rating, with the item, section and scale words of the version the assessment used."""
        return self._query(
            f"""
            SELECT r.assessment_id, r.item_id, i.item_key, i.title AS item, i."order", i.section_key, i.section,
                   i.section_position, i.subsection_key, i.subsection, i.subsection_position, r.rater, r.rating,
                   sl.label AS rating_label
            FROM leadership_rating r
            JOIN leadership_assessment a ON a.id = r.assessment_id
            JOIN ({_ITEMS}) i ON i.id = r.item_id
            LEFT JOIN leadership_scale_level sl ON sl.version_id = a.version_id AND sl.level = r.rating
            WHERE list_contains(?, r.assessment_id)
            ORDER BY r.assessment_id, i."order", r.rater
            """,
            [list(assessment_ids)],
        )

    def assessment_strategies(self, assessment_ids: list[int]) -> pl.DataFrame:
        return self._query(
            "SELECT st.*, i.item_key, i.title AS item FROM leadership_strategy st JOIN leadership_item i "
            "ON i.id = st.item_id WHERE list_contains(?, st.assessment_id) ORDER BY st.assessment_id, st.id",
            [list(assessment_ids)],
        )

    def leadership_strategies(self) -> pl.DataFrame:
        """The strategies library: every strategy with its challenge and evidence, the item (skill) it is for as
        worded then, the framework, who named it and when, and how the item was rated (median, highest)."""
        return self._query(
            f"""
            SELECT st.id, st.challenge, st.strategy, st.evidence, i.item_key, i.title AS item, i.section,
                   i.subsection, a.id AS assessment_id, a.framework_key, a.framework, a.organisation_id,
                   a.organisation, a.subject, a.person, a.assessed_on, a.scale_max,
                   r.median_rating, r.highest_rating
            FROM leadership_strategy st
            JOIN ({_ASSESSMENTS}) a ON a.id = st.assessment_id
            JOIN ({_ITEMS}) i ON i.id = st.item_id
            LEFT JOIN (
                SELECT assessment_id, item_id, median(rating) AS median_rating, max(rating) AS highest_rating
                FROM leadership_rating GROUP BY assessment_id, item_id
            ) r ON r.assessment_id = a.id AND r.item_id = st.item_id
            ORDER BY a.assessed_on DESC, st.id
            """
        )

    @guarded(
        "assess_leadership",
        team_of=lambda self, proposed, *a, **k: proposed.organisation_id,
        record=lambda self, proposed, *a, **k: ("organisation", proposed.organisation_id),
    )
    def save_assessment(self, proposed: ProposedAssessment, *, username: str, today: dt.date) -> int:
        """Record an assessment with every rater's ratings, its strategies and growth edge; returns its id.

        Refused with ``Refused`` listing every problem (nothing written), including a rating at the
        strategy level without a strategy and its evidence, and a second identical assessment on the same day."""
        fv = self.framework_version(proposed.version_id)
        if fv is None:
            raise Refused([f"There is no framework version {proposed.version_id}."])
        rows, problems = check_assessment(proposed, fv, today)
        if problems:
            raise Refused(problems)
        a = rows["assessment"]
        with self._transaction() as cursor:
            organisation = cursor.execute(
                "SELECT name FROM organisation WHERE id = ?", [a["organisation_id"]]
            ).fetchall()
            if not organisation:
                raise Refused([f"There is no organisation {a['organisation_id']}."])
            twin = cursor.execute(
                "SELECT id FROM leadership_assessment WHERE version_id = ? AND organisation_id = ? AND subject = ? "
                "AND person IS NOT DISTINCT FROM ? AND assessed_on = ?",
                [a["version_id"], a["organisation_id"], a["subject"], a["person"], a["assessed_on"]],
            ).fetchall()
            if twin:
                who = a["person"] if a["subject"] == "self" else "team"
                raise Refused(
                    [
                        f"There is already a {who} assessment of “{fv.version['title']}” for {organisation[0][0]} on "
                        f"{a['assessed_on']:%d %B %Y}; it was not saved twice."
                    ]
                )
            assessment_id = cursor.execute("SELECT coalesce(max(id), 0) + 1 FROM leadership_assessment").fetchall()[0][
                0
            ]
            cursor.execute(
                "INSERT INTO leadership_assessment (id, version_id, organisation_id, subject, person, assessed_on, "
                "growth_edge_item_id, growth_edge_note, entered_by, entered_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, current_timestamp)",
                [
                    assessment_id,
                    a["version_id"],
                    a["organisation_id"],
                    a["subject"],
                    a["person"],
                    a["assessed_on"],
                    a["growth_edge_item_id"],
                    a["growth_edge_note"],
                    username,
                ],
            )
            ratings = pl.DataFrame(rows["ratings"], schema={"item_id": pl.Int64, "rater": pl.Utf8, "rating": pl.Int64})
            self._insert_rows(
                cursor,
                "leadership_rating",
                ratings.with_columns(pl.lit(assessment_id, pl.Int64).alias("assessment_id")),
            )
            if rows["strategies"]:
                first = cursor.execute("SELECT coalesce(max(id), 0) + 1 FROM leadership_strategy").fetchall()[0][0]
                strategies = pl.DataFrame(
                    rows["strategies"],
                    schema={"item_id": pl.Int64, "challenge": pl.Utf8, "strategy": pl.Utf8, "evidence": pl.Utf8},
                )
                self._insert_rows(
                    cursor,
                    "leadership_strategy",
                    strategies.with_columns(
                        pl.int_range(first, first + strategies.height, dtype=pl.Int64).alias("id"),
                        pl.lit(assessment_id, pl.Int64).alias("assessment_id"),
                    ),
                )
            self._audit(
                cursor,
                username,
                "add",
                "leadership_assessment",
                str(assessment_id),
                None,
                {
                    **a,
                    "ratings": len(rows["ratings"]),
                    "raters": ratings["rater"].n_unique(),
                    "strategies": len(rows["strategies"]),
                },
            )
        return assessment_id

    # -- beside the aims, and the evidence for the leverage points ----------------------------------------

    def aims_leadership(self) -> pl.DataFrame:
        """For every active aim, each team working on it (through its projects) and the hub (the organisation that
        owns the aim's objective), with the latest assessment of each framework for each (none: null columns)."""

        return self._query(
            f"""
            WITH project_aim AS ({PROJECT_AIM}),
            working AS (
                SELECT DISTINCT pa.aim_id, p.team_id AS organisation_id, 'team' AS role
                FROM project_aim pa JOIN project p ON p.id = pa.project_id
                WHERE p.status IN ('planning', 'active', 'on_hold')
                UNION
                SELECT a.id, o.organisation_id, 'hub' FROM aim a JOIN strategic_objective o ON o.id = a.objective_id
            ),
            latest AS (
                SELECT *, row_number() OVER (PARTITION BY organisation_id, framework_key, subject
                                             ORDER BY assessed_on DESC, id DESC) AS newest
                FROM ({_ASSESSMENTS})
            )
            SELECT w.aim_id, w.role, w.organisation_id, org.name AS organisation, l.id AS assessment_id,
                   l.framework_key, l.framework, l.subject, l.person, l.assessed_on, l.raters, l.mean_rating,
                   l.scale_max, l.growth_edge
            FROM working w
            JOIN aim ON aim.id = w.aim_id AND aim.status = 'active'
            JOIN organisation org ON org.id = w.organisation_id
            LEFT JOIN latest l ON l.organisation_id = w.organisation_id AND l.newest = 1
            ORDER BY w.aim_id, w.role, org.name, l.assessed_on DESC NULLS LAST, l.framework, l.subject, l.id
            """
        )

    def leadership_evidence_facts(self, today: dt.date) -> dict[str, int]:
        """Counts the seven leverage points' evidence is read from (see ``leadership.leverage_evidence``)."""
        from golden_thread.domain.leadership import FRESH_MONTHS, RECENT_DAYS

        recent = today - dt.timedelta(days=RECENT_DAYS)
        fresh = (today.replace(day=1) - dt.timedelta(days=31 * FRESH_MONTHS)).replace(day=1)
        two_months = (today.replace(day=1) - dt.timedelta(days=62)).replace(day=1)
        year = today - dt.timedelta(days=365)
        row = self._query(
            f"""
            WITH project_aim AS ({PROJECT_AIM}),
            active_aim AS (SELECT * FROM aim WHERE status = 'active'),
            active_driver AS (SELECT d.* FROM driver d JOIN driver_diagram_version v ON v.id = d.version_id
                              AND v.status = 'active'),
            last_period AS (SELECT measure_id, max(period_start) AS last_start FROM observation GROUP BY measure_id)
            SELECT
              (SELECT count(*) FROM active_aim) AS aims,
              (SELECT count(*) FROM active_aim WHERE target_value IS NOT NULL AND target_date IS NOT NULL)
                  AS aims_with_target,
              (SELECT count(DISTINCT m.aim_id) FROM measure m JOIN active_aim a ON a.id = m.aim_id
               JOIN last_period lp ON lp.measure_id = m.id
               WHERE m.measure_type = 'outcome' AND m.status = 'active' AND lp.last_start >= $fresh)
                  AS aims_with_current_data,
              (SELECT count(*) FROM active_aim WHERE adopted_on IS NOT NULL) AS aims_adopted,
              (SELECT count(*) FROM active_aim WHERE responsible_leader IS NOT NULL) AS aims_with_leader,
              (SELECT count(DISTINCT responsible_leader) FROM active_aim) AS leaders,
              (SELECT count(*) FROM active_aim a WHERE EXISTS (
                   SELECT 1 FROM driver_diagram dd JOIN driver_diagram_version v ON v.diagram_id = dd.id
                   AND v.status = 'active' WHERE dd.aim_id = a.id)
               AND EXISTS (SELECT 1 FROM project_aim pa JOIN project p ON p.id = pa.project_id
                           WHERE pa.aim_id = a.id AND p.status = 'active')) AS aims_with_diagram_and_work,
              (SELECT count(*) FROM active_driver) AS drivers,
              (SELECT count(DISTINCT m.driver_id) FROM measure m JOIN active_driver d ON d.id = m.driver_id
               WHERE m.status = 'active') AS drivers_with_measure,
              (SELECT count(DISTINCT m.driver_id) FROM measure m JOIN active_driver d ON d.id = m.driver_id
               JOIN last_period lp ON lp.measure_id = m.id WHERE m.status = 'active' AND lp.last_start >= $two_months)
                  AS drivers_with_current_measure,
              (SELECT count(*) FROM measure m JOIN active_driver d ON d.id = m.driver_id
               WHERE m.status = 'active' AND m.frequency = 'weekly') AS weekly_driver_measures,
              (SELECT count(*) FROM pdsa_cycle WHERE start_date >= $recent AND start_date <= $today) AS cycles_recent,
              (SELECT count(*) FROM pdsa_cycle WHERE start_date >= $recent AND start_date <= $today
               AND act_decision IS NOT NULL) AS cycles_recent_decided,
              (SELECT count(DISTINCT p.team_id) FROM pdsa_cycle c JOIN project p ON p.id = c.project_id
               WHERE c.start_date >= $recent AND c.start_date <= $today) AS teams_testing,
              (SELECT count(*) FROM pdsa_cycle WHERE start_date >= $year AND (scale_up OR implement)) AS cycles_scaled,
              (SELECT count(*) FROM measure WHERE status = 'active') AS measures,
              (SELECT count(*) FROM app_user WHERE active) AS users,
              (SELECT count(*) FROM app_user WHERE active AND role = 'board_viewer') AS board_viewers,
              (SELECT count(*) FROM active_aim a JOIN strategic_objective o ON o.id = a.objective_id
               WHERE o.category = 'Financial') AS financial_aims,
              (SELECT count(*) FROM project WHERE status = 'active') AS projects,
              (SELECT count(*) FROM project WHERE status = 'active' AND lead IS NOT NULL) AS projects_with_lead
            """,
            {"fresh": fresh, "two_months": two_months, "recent": recent, "today": today, "year": year},
        ).row(0, named=True)
        return {k: int(v or 0) for k, v in row.items()}
