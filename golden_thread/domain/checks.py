"""Breaks in the golden thread: one registry of named rules, each with a severity, the kind of record it flags,
a plain explanation and its finder.

The rules are DOMAIN §5.4's checks and the network's own (DOMAIN §6), in one place with their thresholds. A
rule's ``finder`` is the text of one SQL SELECT returning the records behind the rule, always in the same shape:

    entity_id, title, member_id, network_id

``member_id`` and ``network_id`` name the network member a per-member network rule flags (and its network);
they are NULL for the thread's own rules, whose records say by themselves whom they belong to. A finder may use
the named parameters ``$today`` (the date judged as of), ``$stale`` (STALE_PROJECT_DAYS) and ``$grace``
(QUIET_GRACE_PERIODS), read the thread's tables by their own names, and read ``project_aim`` (project_id, aim_id,
is_primary: every aim a project's links reach, storage/shared_sql.PROJECT_AIM), which the store supplies.

The SQL here is data: this module never runs it and holds no store. Only storage executes it
(``Store.thread_breaks`` tags each finder with its rule's name, so a scoped store finds only its organisation's
records), and ``services.checks`` turns what it finds into flags. Rule order is display order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import polars as pl

Severity = Literal["error", "warning", "info"]


@dataclass(frozen=True)
class Rule:
    name: str
    severity: Severity
    entity_type: str
    explanation: str
    finder: str  # SQL: SELECT entity_id, title, member_id, network_id (see the module's docstring)


# Thresholds. Stale: DOMAIN §5.4 suggests "no PDSA in N weeks"; the issue sets 60 days ($stale).
STALE_PROJECT_DAYS = 60
# A measure is quiet when its next period is overdue by its expected lag: last period + 2 periods + lag ($grace).
QUIET_GRACE_PERIODS = 2

# A finished project: its work is done. Every rule treats the two statuses alike: a finished project is not an
# orphan, needs no measure, its measures are not expected to report, and it is not stale (only active ones are).
FINISHED_PROJECT_STATUSES = ("completed", "closed")
_FINISHED = "(" + ", ".join(f"'{status}'" for status in FINISHED_PROJECT_STATUSES) + ")"

# When a project p started, as far as the database knows: its start date; without one, its first PDSA cycle;
# without any, the day it was added to Golden Thread (its first 'add' record in the audit trail). NULL when none
# of these exists: nothing dates the project.
_PROJECT_STARTED = """coalesce(p.start_date,
             (SELECT min(c.start_date) FROM pdsa_cycle c WHERE c.project_id = p.id),
             (SELECT CAST(min(al.occurred_at) AS DATE) FROM audit_log al WHERE al.action = 'add'
                  AND al.entity_type = 'project' AND al.entity_key = CAST(p.id AS VARCHAR)))"""

# When a measure m started: the latest known of its project's start, its aim's adoption, the first version of its
# driver's diagram holding the driver (by its stable node key), the network member's joining (for a member's report
# of a uniform measure) and the day it was added (its first 'add' record in the audit trail). NULL when none is
# known. Its first period is the week (from Monday) or the month holding that day.
_MEASURE_STARTED = (
    "greatest(coalesce(p.start_date, fc.first_cycle, pa.added), a.adopted_on, dv.first_version, nm.joined, ma.added)"
)
# The dates it is made of, joined to measure m once per measure (each derived table has one row per key): a join
# over pre-aggregated tables, where scalar subqueries per measure cost a third more.
_MEASURE_STARTED_JOINS = """
         LEFT JOIN project p ON p.id = m.project_id
         LEFT JOIN (SELECT project_id, min(start_date) AS first_cycle FROM pdsa_cycle GROUP BY project_id) fc
             ON fc.project_id = m.project_id
         LEFT JOIN (SELECT entity_key, CAST(min(occurred_at) AS DATE) AS added FROM audit_log
                    WHERE action = 'add' AND entity_type = 'project' GROUP BY entity_key) pa
             ON pa.entity_key = CAST(m.project_id AS VARCHAR)
         LEFT JOIN aim a ON a.id = m.aim_id
         LEFT JOIN (SELECT d.id AS driver_id, min(v.effective_from) AS first_version FROM driver d
                  JOIN driver_diagram_version dv ON dv.id = d.version_id
                  JOIN driver_diagram_version v ON v.diagram_id = dv.diagram_id
                  JOIN driver same ON same.version_id = v.id AND same.node_key = d.node_key
                  GROUP BY d.id) dv ON dv.driver_id = m.driver_id
         LEFT JOIN (SELECT mm.measure_id, min(nm.joined_on) AS joined FROM member_measure mm
                  JOIN network_membership nm ON nm.member_id = mm.member_id
                  JOIN measure u ON u.id = mm.uniform_measure_id JOIN aim na ON na.id = u.aim_id
                  JOIN strategic_objective so ON so.id = na.objective_id AND so.organisation_id = nm.network_id
                  GROUP BY mm.measure_id) nm ON nm.measure_id = m.id
         LEFT JOIN (SELECT entity_key, CAST(min(occurred_at) AS DATE) AS added FROM audit_log
                    WHERE action = 'add' AND entity_type = 'measure' GROUP BY entity_key) ma
             ON ma.entity_key = CAST(m.id AS VARCHAR)"""

# A network member on $today: it has joined and not yet left (as Store.network_members reads "current").
_CURRENT_MEMBER = "m.joined_on <= $today AND (m.left_on IS NULL OR m.left_on >= $today)"
# The member m has an active local aim specialising one of its network's aims (an aim of the network's objectives
# that is not itself a local aim).
_HAS_LOCAL_AIM = """EXISTS (
        SELECT 1 FROM local_aim la JOIN aim a ON a.id = la.aim_id AND a.status = 'active'
        JOIN aim na ON na.id = la.network_aim_id JOIN strategic_objective so ON so.id = na.objective_id
        WHERE la.member_id = m.member_id AND so.organisation_id = m.network_id
            AND na.id NOT IN (SELECT aim_id FROM local_aim))"""

RULES: dict[str, Rule] = {
    rule.name: rule
    for rule in (
        # The network's own checks, per member (DOMAIN §6): first, as the network's page has always listed them.
        Rule(
            "member_without_local_aim",
            "error",
            "organisation",
            "This member has no local aim for the network aim, so its work cannot be judged against its own target.",
            f"""
         SELECT m.member_id AS entity_id, o.name AS title, m.member_id, m.network_id
         FROM network_membership m JOIN organisation o ON o.id = m.member_id
         WHERE {_CURRENT_MEMBER} AND NOT {_HAS_LOCAL_AIM}
         """,
        ),
        Rule(
            "uniform_measure_not_reported",
            "warning",
            "measure",
            "This member has no row for a uniform measure, so the network cannot see its data.",
            f"""
         SELECT u.id AS entity_id, u.name || ' (' || o.name || ')' AS title, m.member_id, m.network_id
         FROM network_membership m JOIN organisation o ON o.id = m.member_id
         JOIN strategic_objective so ON so.organisation_id = m.network_id
         JOIN aim na ON na.objective_id = so.id AND na.id NOT IN (SELECT aim_id FROM local_aim)
         JOIN measure u ON u.aim_id = na.id
         WHERE {_CURRENT_MEMBER} AND {_HAS_LOCAL_AIM}
             AND NOT EXISTS (SELECT 1 FROM member_measure mm
                             WHERE mm.member_id = m.member_id AND mm.uniform_measure_id = u.id)
         """,
        ),
        # The thread's checks (DOMAIN §5.4).
        Rule(
            "orphan_project",
            "error",
            "project",
            "This project has no link to any system-level aim, directly or through a driver diagram. Only a "
            "project in planning, active or on hold is judged: a finished one (completed or closed) has done its "
            "work, so an old project that never had a link is not an error worth a committee's time.",
            f"""
         SELECT p.id AS entity_id, p.title, CAST(NULL AS INTEGER) AS member_id, CAST(NULL AS INTEGER) AS network_id FROM project p
         WHERE p.status NOT IN {_FINISHED}
             AND NOT EXISTS (SELECT 1 FROM project_link pl WHERE pl.project_id = p.id)
         """,
        ),
        # A ward's focus board is the thread at its huddle (issue 17): its objectives must serve the strategy too.
        Rule(
            "unlinked_focus_objective",
            "error",
            "focus_objective",
            "This focus-board objective serves no active strategic objective or system-level aim, so the team's "
            "huddle works on something the organisation's strategy does not ask for. Only an active objective on an "
            "active board is judged.",
            """
         SELECT o.id AS entity_id, o.title || ' (' || b.name || ')' AS title, CAST(NULL AS INTEGER) AS member_id, CAST(NULL AS INTEGER) AS network_id
         FROM focus_objective o JOIN focus_board b ON b.id = o.board_id AND b.status = 'active'
         WHERE o.status = 'active'
             AND NOT EXISTS (SELECT 1 FROM strategic_objective so WHERE so.id = o.strategic_objective_id
                             AND so.status = 'active')
             AND NOT EXISTS (SELECT 1 FROM aim a WHERE a.id = o.aim_id AND a.status = 'active')
         """,
        ),
        Rule(
            "aim_without_project",
            "error",
            "aim",
            "No active improvement project serves this system-level aim.",
            """
         SELECT a.id AS entity_id, a.title, CAST(NULL AS INTEGER) AS member_id, CAST(NULL AS INTEGER) AS network_id FROM aim a
         WHERE a.status = 'active' AND NOT EXISTS (
             SELECT 1 FROM project_aim pa JOIN project p ON p.id = pa.project_id
             WHERE pa.aim_id = a.id AND p.status = 'active')
         """,
        ),
        Rule(
            "aim_not_smart",
            "warning",
            "aim",
            "This aim is not SMART: it lacks a target value, a target date or an outcome measure.",
            """
         SELECT a.id AS entity_id, a.title, CAST(NULL AS INTEGER) AS member_id, CAST(NULL AS INTEGER) AS network_id FROM aim a
         WHERE a.status = 'active' AND (a.target_value IS NULL OR a.target_date IS NULL OR NOT EXISTS (
             SELECT 1 FROM measure m WHERE m.aim_id = a.id AND m.measure_type = 'outcome'))
         """,
        ),
        Rule(
            "outcome_without_balancing",
            "warning",
            "aim",
            "This aim has an outcome measure but no balancing measure to watch for side effects.",
            """
         SELECT a.id AS entity_id, a.title, CAST(NULL AS INTEGER) AS member_id, CAST(NULL AS INTEGER) AS network_id FROM aim a
         WHERE a.status = 'active'
             AND EXISTS (SELECT 1 FROM measure m WHERE m.aim_id = a.id AND m.measure_type = 'outcome')
             AND NOT EXISTS (SELECT 1 FROM measure m WHERE m.aim_id = a.id AND m.measure_type = 'balancing')
         """,
        ),
        Rule(
            "driver_without_change_idea",
            "warning",
            "driver",
            "This driver has no change idea (and no secondary driver) to act on it.",
            """
         SELECT d.id AS entity_id, d.title, CAST(NULL AS INTEGER) AS member_id, CAST(NULL AS INTEGER) AS network_id FROM driver d
         JOIN driver_diagram_version v ON v.id = d.version_id AND v.status = 'active'
         WHERE NOT EXISTS (SELECT 1 FROM change_idea_driver cid WHERE cid.driver_id = d.id)
             AND NOT EXISTS (SELECT 1 FROM driver_link dl WHERE dl.parent_driver_id = d.id)
         """,
        ),
        # A cycle keeps the change idea it tested as worded then; through its stable key it still tests the idea in
        # every later version of the same diagram (DOMAIN Decision 4), so the idea is not "untested".
        Rule(
            "untested_change_idea",
            "info",
            "change_idea",
            "No PDSA cycle has tested this change idea yet.",
            """
         SELECT ci.id AS entity_id, ci.title, CAST(NULL AS INTEGER) AS member_id, CAST(NULL AS INTEGER) AS network_id FROM change_idea ci
         JOIN driver_diagram_version v ON v.id = ci.version_id AND v.status = 'active'
         WHERE NOT EXISTS (
             SELECT 1 FROM pdsa_cycle c JOIN change_idea tested ON tested.id = c.change_idea_id
             JOIN driver_diagram_version tv ON tv.id = tested.version_id
             WHERE tested.node_key = ci.node_key AND tv.diagram_id = v.diagram_id)
         """,
        ),
        Rule(
            "project_without_measure",
            "warning",
            "project",
            "This project has no measure to show whether it works. Only a project in planning, active or on hold "
            "is judged: a finished one (completed or closed) needs no measure.",
            f"""
         SELECT p.id AS entity_id, p.title, CAST(NULL AS INTEGER) AS member_id, CAST(NULL AS INTEGER) AS network_id FROM project p
         WHERE p.status NOT IN {_FINISHED}
             AND NOT EXISTS (SELECT 1 FROM measure m WHERE m.project_id = p.id)
         """,
        ),
        Rule(
            "measure_gone_quiet",
            "warning",
            "measure",
            f"No new data: the latest period is more than {QUIET_GRACE_PERIODS} periods plus the expected lag ago. "
            "A measure that has never reported is flagged once its first figure is due: one period plus the lag "
            "after the period it started in (the latest known of its project's start, its aim's adoption, its driver "
            "diagram's first version, its network member's joining and the day it was added; with none known it is not "
            "judged). A retired measure is never quiet, nor is a finished (completed or closed) project's measure, "
            "nor a network's uniform measure, which its members report.",
            f"""
         SELECT m.id AS entity_id, m.name AS title, CAST(NULL AS INTEGER) AS member_id, CAST(NULL AS INTEGER) AS network_id FROM measure m
         LEFT JOIN (SELECT measure_id, max(period_start) AS last_start FROM observation GROUP BY measure_id) lp
             ON lp.measure_id = m.id{_MEASURE_STARTED_JOINS}
         WHERE m.status = 'active'
             AND (m.project_id IS NULL OR m.project_id NOT IN (SELECT id FROM project WHERE status IN {_FINISHED}))
             AND (m.aim_id IS NULL OR m.aim_id IN (SELECT aim_id FROM local_aim) OR m.aim_id NOT IN (
                 SELECT a.id FROM aim a JOIN strategic_objective so ON so.id = a.objective_id
                 JOIN organisation o ON o.id = so.organisation_id WHERE o.kind = 'network'))
             AND CAST(
             -- never reported: as if its last figure were for the period before its first
             coalesce(lp.last_start, date_trunc(CASE WHEN m.frequency = 'weekly' THEN 'week' ELSE 'month' END,
                 {_MEASURE_STARTED}) - CASE WHEN m.frequency = 'weekly' THEN to_days(7) ELSE to_months(1) END)
             + CASE WHEN m.frequency = 'weekly' THEN to_days(7 * $grace) ELSE to_months($grace) END
             + to_days(m.expected_lag_days) AS DATE) < $today
         """,
        ),
        Rule(
            "stale_project",
            "warning",
            "project",
            f"This active project has started no PDSA cycle in {STALE_PROJECT_DAYS} days: that long has passed since "
            "its start and since its last cycle. Its start is its start date; without one, its first cycle or the "
            "day it was added to Golden Thread; a project with none of these has nothing to date it and is not "
            "judged. A project in planning or on hold is not expected to test, and a finished one (completed or "
            "closed) is done.",
            f"""
         SELECT p.id AS entity_id, p.title, CAST(NULL AS INTEGER) AS member_id, CAST(NULL AS INTEGER) AS network_id FROM project p
         WHERE p.status = 'active' AND greatest({_PROJECT_STARTED},
             (SELECT max(c.start_date) FROM pdsa_cycle c WHERE c.project_id = p.id))
             < CAST($today - to_days($stale) AS DATE)
         """,
        ),
        Rule(
            "pdsa_overdue",
            "warning",
            "pdsa_cycle",
            "This PDSA cycle is past its end date with no Study or Act recorded.",
            """
         SELECT c.id AS entity_id, c.title, CAST(NULL AS INTEGER) AS member_id, CAST(NULL AS INTEGER) AS network_id FROM pdsa_cycle c
         WHERE c.end_date < $today AND (c.study_notes IS NULL OR c.act_decision IS NULL)
         """,
        ),
        Rule(
            "pdsa_without_prediction",
            "info",
            "pdsa_cycle",
            "This PDSA cycle has no prediction, so there is nothing to learn against.",
            """
         SELECT c.id AS entity_id, c.title, CAST(NULL AS INTEGER) AS member_id, CAST(NULL AS INTEGER) AS network_id FROM pdsa_cycle c
         WHERE c.prediction IS NULL
         """,
        ),
        Rule(
            "project_serves_retired_aim",
            "warning",
            "project",
            "Every aim this project serves has been retired, so its work no longer counts towards a live aim. Link "
            "it to an active aim (or its drivers), or close it. Only a project in planning, active or on hold is "
            "judged; a project with no link at all is an orphan instead.",
            f"""
         SELECT p.id AS entity_id, p.title, CAST(NULL AS INTEGER) AS member_id, CAST(NULL AS INTEGER) AS network_id FROM project p
         WHERE p.status NOT IN {_FINISHED}
             AND EXISTS (SELECT 1 FROM project_aim pa WHERE pa.project_id = p.id)
             AND NOT EXISTS (SELECT 1 FROM project_aim pa JOIN aim a ON a.id = pa.aim_id
                             WHERE pa.project_id = p.id AND a.status = 'active')
         """,
        ),
        Rule(
            "link_to_retired_version",
            "warning",
            "project",
            "This project links to a driver or change idea in a retired version of its driver diagram.",
            """
         SELECT DISTINCT p.id AS entity_id, p.title, CAST(NULL AS INTEGER) AS member_id, CAST(NULL AS INTEGER) AS network_id FROM project p
         JOIN project_link pl ON pl.project_id = p.id
         LEFT JOIN change_idea ci ON ci.id = pl.change_idea_id
         LEFT JOIN driver d ON d.id = pl.driver_id
         JOIN driver_diagram_version v ON v.id = coalesce(ci.version_id, d.version_id)
         WHERE v.status = 'retired'
         """,
        ),
    )
}


def rule_title(name: str) -> str:
    """A rule's name as a heading: 'pdsa_without_prediction' -> 'PDSA without prediction', 'aim_not_smart' -> 'Aim
    not SMART' (the committee's acronyms as it writes them)."""
    return name.replace("_", " ").capitalize().replace("Pdsa", "PDSA").replace(" smart", " SMART")


def choose_owner(
    flags: pl.DataFrame,
    organisations: pl.DataFrame,
    memberships: pl.DataFrame,
    *,
    organisation: str | None = None,
    member: str | None = None,
) -> pl.DataFrame:
    """The flags of one organisation (a trust or a network) and/or one network member, each named by id or by
    name (case-insensitive). Refuses, naming the choices, an organisation or member that is not there."""
    chosen = flags
    if organisation is not None:
        tops = organisations.filter(pl.col("parent_id").is_null() | (pl.col("kind") == "network"))
        match = tops.filter(
            (pl.col("id").cast(pl.Utf8) == organisation.strip())
            | (pl.col("name").str.to_lowercase() == organisation.strip().lower())
        )
        if match.height == 0:
            raise ValueError(
                f"There is no organisation or network “{organisation}”; choose one of: "
                + "; ".join(f"{i} {n}" for i, n in tops.select("id", "name").iter_rows())
                + "."
            )
        chosen = chosen.filter(pl.col("organisation_id") == match["id"][0])
    if member is not None:
        match = memberships.filter(
            (pl.col("member_id").cast(pl.Utf8) == member.strip())
            | (pl.col("member").str.to_lowercase() == member.strip().lower())
        )
        if match.height == 0:
            raise ValueError(
                f"There is no network member “{member}”; choose one of: "
                + "; ".join(
                    f"{i} {n}" for i, n in memberships.select("member_id", "member").unique().sort("member").iter_rows()
                )
                + "."
            )
        chosen = chosen.filter(pl.col("member_id") == match["member_id"][0])
    return chosen


def report_by_owner(
    flags: pl.DataFrame, organisations: pl.DataFrame, memberships: pl.DataFrame, *, hubs: bool = True
) -> list[str]:
    """``golden-thread check``'s table, organisation by organisation and, in a network, member by member (the hub
    first, every member listed, clean ones as 'no breaks'). ``flags`` from ``check_by_organisation``;
    ``memberships``: network_id, member_id, member, left_on. ``hubs`` False leaves out the hubs' own lines."""

    def line(row: dict, indent: str) -> str:
        return f"{indent}{row['severity']:<8} {row['rule']:<27} {row['entity_type']} {row['entity_id']}: {row['title']}"

    def tally(frame: pl.DataFrame) -> str:
        counts = frame.group_by("severity").len().sort("severity")
        return (
            f"{frame.height} flag(s): " + ", ".join(f"{n} {s}" for s, n in counts.iter_rows())
            if frame.height
            else "no breaks"
        )

    lines: list[str] = []
    tops = organisations.filter(pl.col("parent_id").is_null() | (pl.col("kind") == "network")).sort(
        pl.col("kind") == "network", "name"
    )
    for top in tops.iter_rows(named=True):
        own = flags.filter(pl.col("organisation_id") == top["id"])
        network = top["kind"] == "network"
        lines.append(f"{top['name']}{' (network)' if network else ''}: {tally(own)}")
        if not network:
            lines += [line(row, "  ") for row in own.iter_rows(named=True)]
            continue
        hub = own.filter(pl.col("member_id").is_null())
        if hubs:
            lines.append(f"  The hub (network aim, shared driver diagram, uniform measures): {tally(hub)}")
            lines += [line(row, "    ") for row in hub.iter_rows(named=True)]
        for member in memberships.filter(pl.col("network_id") == top["id"]).sort("member").iter_rows(named=True):
            theirs = own.filter(pl.col("member_id") == member["member_id"])
            left = f" (left {member['left_on']})" if member["left_on"] is not None else ""
            lines.append(f"  {member['member']}{left}: {tally(theirs)}")
            lines += [line(row, "    ") for row in theirs.iter_rows(named=True)]
    unowned = flags.filter(pl.col("organisation_id").is_null())
    if unowned.height:
        lines.append(f"Belonging to no organisation: {tally(unowned)}")
        lines += [line(row, "  ") for row in unowned.iter_rows(named=True)]
    lines.append(f"In all, {tally(flags)}.")
    return lines
