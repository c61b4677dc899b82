"""The demo education network: a hub and its member schools working on one network aim, built from a seed.

``build_demo_network(today)`` returns every row keyed by table (parents first), with ids from
``ID_BASE`` up so they never meet the demo trust's. It is a networked improvement community as Carnegie
describes one (DOMAIN §6): the hub sets the network aim (more ninth-graders on track to graduate), a shared
driver diagram in three versions and four uniform measures; six member schools (one joined a year late) and a
seventh that left after the first year each have a local aim, local projects testing the shared change ideas,
PDSA ramps and the uniform measures' monthly data for every school month (September to June) since the
network began, three school years ago. The schools differ, as real ones do: where weekly ninth-grade team
meetings were adopted the share on track rose; where they were abandoned it did not.

The network carries deliberate breaks in the thread, by member, in ``NETWORK_BREAKS`` (filled in by the
build), so tests can check that the checks find exactly them, school by school.
"""

from __future__ import annotations

import datetime as dt
import random

import numpy as np
import polars as pl

from golden_thread.domain.vocabulary import EDUCATION

ID_BASE = 10_000  # every id in the network demo is above this: the demo trust's never reach it
NETWORK = "Riverside Ninth Grade On-Track Network"
HUB_LEAD = "Dr Maya Torres, Network Director"
LAUNCH_YEARS_AGO = 3  # the network began this many school years before the current one
SCHOOL_MONTHS = tuple(m for m in (9, 10, 11, 12, 1, 2, 3, 4, 5, 6, 7, 8) if m not in EDUCATION.break_months)
# A school's June figures arrive after the summer break, so its expected lag covers it: last June + 2 periods
# + 62 days is after the end of September, when September's figures are not yet due.
SCHOOL_LAG_DAYS = 62

# (name, principal, ninth-graders, joined (school years after launch), left (after that many years) or None,
#  baseline on-track share, local target, pattern of the on-track share)
SCHOOLS = [
    ("Eastbrook High School", "Ms Alicia Grant", 320, 0, None, 0.64, 0.82, "rise_after_adopting"),
    ("Harbor View High School", "Mr David Osei", 410, 0, None, 0.70, 0.85, "gradual_rise"),
    ("Lincoln Park High School", "Dr Renee Walsh", 260, 0, None, 0.61, 0.78, "flat"),
    ("Millbrook Academy", "Mr Jonah Pierce", 180, 1, None, 0.66, 0.80, "late_rise"),
    ("Northgate High School", "Mrs Farah Haddad", 350, 0, None, 0.72, 0.86, "slight_fall"),
    ("Westfield Community High School", "Ms Carmen Ruiz", 290, 0, None, 0.67, 0.82, "flat"),
    ("Southside Preparatory School", "Mr Owen Blake", 150, 0, 1, 0.63, 0.80, "flat"),
]

# The shared driver diagram: (key, level, title in v1, v2, v3; None = not in that version), parents by key.
DIAGRAM_VERSIONS = [
    (1, "Working theory agreed at the network's launch"),
    (2, "Reworded after the first school year; the re-take policy dropped (no school found it workable)"),
    (3, "Family conferences added from the hub's research review"),
]
NODES = [  # (key, level, parent keys, (v1, v2, v3) titles)
    (
        "P1",
        "primary",
        (),
        (
            "Know every student's status",
            "See every student's on-track status every week",
            "See every student's on-track status every week",
        ),
    ),
    (
        "P1-S1",
        "secondary",
        ("P1",),
        (
            "On-track data for teachers",
            "Timely, accurate on-track data for teachers",
            "Timely, accurate on-track data for teachers",
        ),
    ),
    (
        "P1-S2",
        "secondary",
        ("P1",),
        (
            "Team meetings about students",
            "Team meetings about students, not averages",
            "Team meetings about students, not averages",
        ),
    ),
    ("P2", "primary", (), ("Students in school every day",) * 3),
    ("P2-S1", "secondary", ("P2",), ("A caring adult follows up every absence",) * 3),
    ("P3", "primary", (), ("Students recover quickly from a failing grade",) * 3),
    ("P3-S1", "secondary", ("P3",), ("Chances to recover work",) * 3),
    ("P3-S2", "secondary", ("P3", "P1"), ("Study habits and belonging",) * 3),
]
IDEAS = [  # (key, driver keys, (v1, v2, v3) titles)
    (
        "C1",
        ("P1-S1",),
        (
            "Monthly on-track report for ninth-grade teams",
            "Weekly on-track report for ninth-grade teams",
            "Weekly on-track report for ninth-grade teams",
        ),
    ),
    ("C2", ("P1-S1",), ("Friday grade-book check",) * 3),
    ("C3", ("P1-S2",), ("Weekly ninth-grade team meeting on off-track students",) * 3),
    ("C4", ("P2-S1",), ("Same-day call home after an absence",) * 3),
    ("C5", ("P2-S1",), ("Attendance mentor for students missing 10% of days",) * 3),
    ("C6", ("P3-S1",), ("Weekly grade-recovery lunch",) * 3),
    ("C7", ("P3-S1",), ("Re-take policy for failed assessments", None, None)),
    ("C8", ("P3-S2", "P1-S2"), ("Ninth-grade advisory on study habits",) * 3),
    ("C9", ("P3-S2",), (None, None, "Student-led conferences with families")),
]

# Local projects: (school index, title, change idea key or None, status, final Act decision, cycles)
PROJECTS = [
    (0, "Weekly ninth-grade team meetings at Eastbrook", "C3", "active", "adopt", 6),
    (0, "Same-day calls home at Eastbrook", "C4", "active", "adapt", 4),
    (1, "Friday grade-book checks at Harbor View", "C2", "active", "adopt", 5),
    (1, "Grade-recovery lunch at Harbor View", "C6", "active", "adapt", 4),
    (1, "Study-habits advisory at Harbor View", "C8", "active", "adapt", 3),
    (2, "Attendance mentors at Lincoln Park", "C5", "active", "adapt", 4),
    (2, "Weekly team meetings at Lincoln Park", "C3", "completed", "abandon", 3),
    (3, "Weekly on-track report at Millbrook", "C1", "active", "adopt", 4),
    (3, "Freshman mentoring club", None, "active", "adapt", 2),
    (4, "Same-day calls home at Northgate", "C4", "active", "adapt", 3),
    (5, "Weekly on-track report at Westfield", "C1", "active", "adapt", 4),
    (5, "Attendance mentors at Westfield", "C5", "active", "abandon", 3),
    (6, "Grade-recovery lunch at Southside", "C6", "closed", "adapt", 3),
]
STALE = 9  # Northgate's calls home: no cycle for months
OVERDUE = 5  # Lincoln Park's attendance mentors: the latest cycle ended with no Study or Act
NO_PREDICTION = 3  # Harbor View's grade-recovery lunch: its first cycle predicted nothing
ORPHAN = 8  # Millbrook's mentoring club serves no aim

# Uniform measures, defined once by the hub: (name, type, direction, target %, pattern)
UNIFORM = [
    ("Ninth-graders on track to graduate (%)", "outcome", "increase", 85.0, "on_track"),
    ("Ninth-graders attending 90% or more of school days (%)", "process", "increase", 90.0, "attendance"),
    ("Ninth-graders with a D or F in a core course (%)", "process", "decrease", 15.0, "d_or_f"),
    ("Ninth-graders passing the end-of-course algebra exam (%)", "balancing", "increase", None, "algebra"),
]
UNIFORM_DEFINITIONS = {
    "on_track": (
        "Ninth-graders with enough credits to be promoted and no more than one semester F in a core "
        "course, from the grade book on the last school day of the month.",
        "Ninth-graders on track",
        "Ninth-graders enrolled on the last school day of the month",
    ),
    "attendance": (
        "Ninth-graders present for at least 90% of the school days so far this school year.",
        "Ninth-graders at 90% attendance or more",
        "Ninth-graders enrolled",
    ),
    "d_or_f": (
        "Ninth-graders whose current grade in English, mathematics, science or social studies is D or F.",
        "Ninth-graders with a D or F in a core course",
        "Ninth-graders enrolled",
    ),
    "algebra": (
        "Ninth-graders passing the algebra end-of-course exam, so higher pass rates in class are not bought "
        "by lower standards.",
        "Ninth-graders passing",
        "Ninth-graders who sat the exam",
    ),
}
ATTENDANCE_QUIET_SCHOOL = 5  # Westfield stopped sending its attendance figures

PEOPLE = [
    "Jordan Lee",
    "Priya Raman",
    "Marcus Bell",
    "Sofia Alvarez",
    "Hannah Kim",
    "Tyrone Jackson",
    "Grace Moreno",
    "Ethan Park",
    "Lena Fischer",
    "Omar Haddad",
    "Ruth Adeyemi",
    "Sam Whitaker",
]
PREDICTIONS = [
    "We predict {pct}% of off-track students will have a named adult by Friday.",
    "We think {pct}% of families will be reached the same day; evenings will be hardest.",
    "Prediction: {pct}% of the team will use the report in their meeting.",
]
STUDY_NOTES = [
    "{pct}% against a prediction of {pred}%. Teachers said the list was the most useful part.",
    "Better than predicted ({pct}% vs {pred}%): counsellors joined in.",
    "Lower than predicted ({pct}% vs {pred}%): the meeting was cancelled twice for testing.",
]
DECISION_NOTES = {
    "adopt": "Adopt as standard practice for every ninth-grade team.",
    "adapt": "Adapt: keep the core, change the timing, and test again.",
    "abandon": "Abandon: it cost more teacher time than it returned; try another idea.",
}

# Deliberate breaks, by member school (None: the hub's shared diagram) then rule (filled in by the build).
NETWORK_BREAKS: dict[str | None, dict[str, list[int]]] = {}
# The demo's network sign-ins, all with the demo password: (username, name, role, school index or None for the hub)
NETWORK_USERS = [
    ("hub", "Network hub improvement lead (demo)", "improvement_lead", None),
    ("hubadmin", "Network hub administrator (demo)", "administrator", None),
    ("eastbrook", "Eastbrook ninth-grade team member (demo)", "team_member", 0),
    ("harbor", "Harbor View ninth-grade team member (demo)", "team_member", 1),
]


def school_months(first: dt.date, last: dt.date) -> list[dt.date]:
    """The first day of every school month (September to June) from ``first`` to ``last`` inclusive."""
    months, day = [], first.replace(day=1)
    while day <= last:
        if day.month in SCHOOL_MONTHS:
            months.append(day)
        day = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return months


def short_name(school: str) -> str:
    """'Eastbrook High School' -> 'Eastbrook', as colleagues say it."""
    for ending in (" Community High School", " High School", " Academy", " Preparatory School"):
        school = school.removesuffix(ending)
    return school


def launch_date(today: dt.date) -> dt.date:
    """The network began at the start of the school year ``LAUNCH_YEARS_AGO`` years before this one."""
    return EDUCATION.year_start(today).replace(year=EDUCATION.year_start(today).year - LAUNCH_YEARS_AGO)


def build_demo_network(today: dt.date, seed: int = 20261124) -> dict[str, pl.DataFrame]:
    """Every row of the demo network, keyed by table name, parents first; ids above ``ID_BASE``."""
    rng = np.random.default_rng(seed)
    pick = random.Random(seed)
    rows: dict[str, list[dict]] = {
        t: []
        for t in (
            "organisation",
            "network_membership",
            "strategic_objective",
            "aim",
            "driver_diagram",
            "driver_diagram_version",
            "driver",
            "driver_link",
            "change_idea",
            "change_idea_driver",
            "project",
            "project_link",
            "pdsa_cycle",
            "measure",
            "observation",
            "annotation",
            "app_user",
            "local_aim",
            "member_measure",
        )
    }
    breaks: dict[str | None, dict[str, list[int]]] = {}

    def next_id(table: str) -> int:
        return ID_BASE + len(rows[table]) + 1

    def brk(school: int | None, rule: str, entity_id: int) -> None:
        member = None if school is None else SCHOOLS[school][0]
        breaks.setdefault(member, {}).setdefault(rule, []).append(entity_id)

    launch = launch_date(today)
    year_starts = [launch.replace(year=launch.year + k) for k in range(LAUNCH_YEARS_AGO + 1)]
    last_month = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)

    # The hub, its schools and each school's ninth-grade team.
    hub = next_id("organisation")
    rows["organisation"].append(dict(id=hub, name=NETWORK, kind="network", parent_id=None, vocabulary="education"))
    school_ids, team_ids, joined, left = [], [], [], []
    for name, _, _, join_year, leave_after, *_ in SCHOOLS:
        school = next_id("organisation")
        rows["organisation"].append(dict(id=school, name=name, kind="division", parent_id=hub, vocabulary="education"))
        team = next_id("organisation")
        rows["organisation"].append(
            dict(
                id=team,
                name=f"{short_name(name)} ninth-grade team",
                kind="team",
                parent_id=school,
                vocabulary="education",
            )
        )
        school_ids.append(school)
        team_ids.append(team)
        joined.append(year_starts[join_year] + dt.timedelta(days=14))
        left.append(None if leave_after is None else dt.date(year_starts[leave_after].year, 6, 30))
        rows["network_membership"].append(
            dict(network_id=hub, member_id=school, joined_on=joined[-1], left_on=left[-1])
        )

    # The network aim, owned by the hub, and each school's local aim specialising it.
    objective = next_id("strategic_objective")
    rows["strategic_objective"].append(
        dict(
            id=objective,
            organisation_id=hub,
            title="Every ninth-grader on track to graduate",
            category="Quality",
            description="The network's shared purpose.",
            status="active",
        )
    )
    target_date = dt.date(year_starts[-1].year + 1, 6, 30)
    network_aim = next_id("aim")
    rows["aim"].append(
        dict(
            id=network_aim,
            objective_id=objective,
            title="Raise the share of ninth-graders on track",
            statement=f"Increase the share of ninth-graders on track to graduate from 68% to 85% by {target_date:%B %Y} "
            "across the network's schools",
            population="Ninth-grade students",
            location="Every member school",
            baseline_value=0.68,
            baseline_period=f"School year {EDUCATION.year_label(launch)}",
            target_value=0.85,
            target_date=target_date,
            responsible_leader=HUB_LEAD,
            adopted_on=launch,
            status="active",
        )
    )
    local_aims = []
    for k, (name, principal, _, _, leave_after, baseline, target, _) in enumerate(SCHOOLS):
        aim = next_id("aim")
        local_aims.append(aim)
        short = short_name(name)
        rows["aim"].append(
            dict(
                id=aim,
                objective_id=objective,
                title=f"More ninth-graders on track at {short}",
                statement=f"Raise the share of {short}'s ninth-graders on track from {baseline:.0%} to {target:.0%} by "
                f"{target_date:%B %Y}",
                population="Ninth-grade students",
                location=name,
                baseline_value=baseline,
                baseline_period=f"School year {EDUCATION.year_label(joined[k])}",
                target_value=target,
                target_date=target_date,
                responsible_leader=f"{principal}, Principal",
                adopted_on=joined[k],
                status="retired" if leave_after is not None else "active",
            )
        )
        rows["local_aim"].append(dict(aim_id=aim, network_aim_id=network_aim, member_id=school_ids[k]))

    # The shared driver diagram in three versions; node keys carry over, so links survive rewording.
    diagram = next_id("driver_diagram")
    rows["driver_diagram"].append(
        dict(id=diagram, aim_id=network_aim, title="Ninth grade on track: network driver diagram")
    )
    effective = [launch, year_starts[1], dt.date(year_starts[2].year + 1, 1, 6)]
    current_idea: dict[str, int] = {}
    for v, (number, note) in enumerate(DIAGRAM_VERSIONS):
        version = next_id("driver_diagram_version")
        active = v == len(DIAGRAM_VERSIONS) - 1
        rows["driver_diagram_version"].append(
            dict(
                id=version,
                diagram_id=diagram,
                version_number=number,
                effective_from=effective[v],
                author=HUB_LEAD.split(",")[0],
                change_note=note,
                status="active" if active else "retired",
            )
        )
        ids: dict[str, int] = {}
        for key, level, parents, titles in NODES:
            ids[key] = next_id("driver")
            rows["driver"].append(
                dict(
                    id=ids[key], version_id=version, node_key=f"N-{key}", level=level, title=titles[v], description=None
                )
            )
            for p, parent in enumerate(parents):
                rows["driver_link"].append(
                    dict(
                        parent_driver_id=ids[parent], child_driver_id=ids[key], strength="strong" if p == 0 else "weak"
                    )
                )
        for key, drivers, titles in IDEAS:
            if titles[v] is None:
                continue
            idea = next_id("change_idea")
            rows["change_idea"].append(
                dict(id=idea, version_id=version, node_key=f"N-{key}", title=titles[v], description=None)
            )
            for d, driver in enumerate(drivers):
                rows["change_idea_driver"].append(
                    dict(change_idea_id=idea, driver_id=ids[driver], strength="strong" if d == 0 else "weak")
                )
            if active:
                current_idea[key] = idea
    brk(None, "untested_change_idea", current_idea["C9"])

    # Local projects, each testing a shared change idea and serving its school's local aim too.
    project_ids = []
    for p, (school, title, idea, status, decision, ramp) in enumerate(PROJECTS):
        project = next_id("project")
        project_ids.append(project)
        started = max(joined[school], launch) + dt.timedelta(days=30 + 35 * (p % 4))
        finished = {"closed": left[school], "completed": today - dt.timedelta(days=40)}.get(status)
        rows["project"].append(
            dict(
                id=project,
                team_id=team_ids[school],
                title=title,
                lead=PEOPLE[p % len(PEOPLE)],
                sponsor=SCHOOLS[school][1],
                status=status,
                start_date=started,
                end_date=finished,
                local_aim=f"{title}: every off-track ninth-grader reached each week",
                progress_score=[2.0, 2.5, 3.0, 3.5, 4.0][p % 5],
            )
        )
        if idea is not None:
            rows["project_link"].append(
                dict(
                    project_id=project, is_primary=True, aim_id=None, driver_id=None, change_idea_id=current_idea[idea]
                )
            )
            rows["project_link"].append(
                dict(
                    project_id=project, is_primary=False, aim_id=local_aims[school], driver_id=None, change_idea_id=None
                )
            )
        else:
            brk(school, "orphan_project", project)

        # A PDSA ramp from the project's start to recently (to its end when it has ended).
        end = finished or today - dt.timedelta(days=12)
        if p == STALE:
            end = today - dt.timedelta(days=110)
            brk(school, "stale_project", project)
        span = max((end - started).days, 30 * ramp)
        previous = None
        for k in range(ramp):
            cycle = next_id("pdsa_cycle")
            begin = started + dt.timedelta(days=int(span * k / ramp))
            if k == ramp - 1 and status == "active" and p != STALE:
                begin = max(begin, end - dt.timedelta(days=30))  # an active team's latest test is recent
            finish = begin + dt.timedelta(days=14 + 7 * (k % 2))
            pct, pred = pick.randint(45, 95), pick.choice([60, 70, 80])
            last = k == ramp - 1
            act = decision if last else "adapt"  # a ramp adapts until its last cycle decides
            overdue = last and p == OVERDUE
            no_prediction = k == 0 and p == NO_PREDICTION
            school_name = short_name(SCHOOLS[school][0])
            rows["pdsa_cycle"].append(
                dict(
                    id=cycle,
                    project_id=project,
                    change_idea_id=current_idea[idea] if idea else None,
                    builds_on_id=previous,
                    cycle_number=k + 1,
                    title=f"{title}: cycle {k + 1}" if k else f"{title}: first small test",
                    purpose=["develop_change", "test_change", "test_change", "implement_change"][min(k, 3)],
                    objective=f"Learn whether '{title.lower()}' works at {school_name} at a larger scale than last time.",
                    questions="Will teachers do it every week? Does it reach the students who are off track?",
                    prediction=None if no_prediction else pick.choice(PREDICTIONS).format(pct=pred),
                    plan=f"{PEOPLE[(cycle + 3) % len(PEOPLE)]} to brief the ninth-grade team; tally each week.",
                    do_notes=None if overdue else "Ran on most planned days; two teachers were out for training.",
                    study_notes=None if overdue else pick.choice(STUDY_NOTES).format(pct=pct, pred=pred),
                    act_decision=None if overdue else act,
                    act_notes=None if overdue else DECISION_NOTES[act],
                    scale_up=act == "adapt" and k > 0,
                    implement=act == "adopt",
                    scale=[
                        "one teacher, one week",
                        "one team, two weeks",
                        "whole grade, one month",
                        "whole grade, a semester",
                    ][min(k, 3)],
                    start_date=begin,
                    end_date=finish,
                )
            )
            if overdue:
                brk(school, "pdsa_overdue", cycle)
            if no_prediction:
                brk(school, "pdsa_without_prediction", cycle)
            previous = cycle

    # Uniform measures: the hub's definitions on the network aim, and every school's report of each.
    definitions = []
    for name, mtype, direction, target, pattern in UNIFORM:
        measure = next_id("measure")
        definition, numerator, denominator = UNIFORM_DEFINITIONS[pattern]
        definitions.append(measure)
        rows["measure"].append(
            _measure(
                measure,
                name,
                mtype,
                aim_id=network_aim,
                direction=direction,
                target=target,
                definition=definition,
                numerator=numerator,
                denominator=denominator,
                owner=HUB_LEAD.split(",")[0],
                source="Network data hub (definition)",
            )
        )
    months_all = school_months(launch, last_month)
    for k, (name, _, enrolled, _, leave_after, baseline, _, pattern) in enumerate(SCHOOLS):
        months = [m for m in months_all if m >= joined[k].replace(day=1) and (left[k] is None or m <= left[k])]
        for u, (uname, mtype, direction, target, upattern) in enumerate(UNIFORM):
            measure = next_id("measure")
            definition, numerator, denominator = UNIFORM_DEFINITIONS[upattern]
            rows["measure"].append(
                _measure(
                    measure,
                    f"{uname} · {name}",
                    mtype,
                    aim_id=local_aims[k],
                    direction=direction,
                    target=target,
                    definition=definition,
                    numerator=numerator,
                    denominator=denominator,
                    owner=SCHOOLS[k][1],
                    source="School information system",
                    retired=leave_after is not None,
                )
            )
            rows["member_measure"].append(
                dict(measure_id=measure, uniform_measure_id=definitions[u], member_id=school_ids[k])
            )
            periods = months
            if u == 1 and k == ATTENDANCE_QUIET_SCHOOL:
                periods = months[:-5]
                brk(k, "measure_gone_quiet", measure)
            share = _share(rng, upattern, pattern, baseline, len(periods), months_all.index(periods[0]))
            students = rng.integers(int(enrolled * 0.95), int(enrolled * 1.03) + 1, len(periods))
            if upattern == "algebra":
                students = np.maximum(20, (students * 0.4).astype(int))
            passed = rng.binomial(students, np.clip(share, 0.02, 0.98))
            for i, period in enumerate(periods):
                rows["observation"].append(
                    dict(
                        measure_id=measure,
                        period_start=period,
                        value=None,
                        numerator=float(passed[i]),
                        denominator=float(students[i]),
                        note=None,
                        status="provisional" if i == len(periods) - 1 else "validated",
                        entered_by=PEOPLE[(k + i) % len(PEOPLE)].split()[0].lower(),
                    )
                )
            if u == 0 and pattern == "rise_after_adopting":
                rows["annotation"].append(
                    dict(
                        id=next_id("annotation"),
                        measure_id=measure,
                        on_date=year_starts[1].replace(month=9),
                        text="Weekly ninth-grade team meetings adopted",
                    )
                )
    # Local measures: each project's own monthly measure.
    for p, (school, title, _, status, _, _) in enumerate(PROJECTS):
        measure = next_id("measure")
        rows["measure"].append(
            _measure(
                measure,
                f"{title}: off-track ninth-graders reached (%)",
                "process",
                project_id=project_ids[p],
                direction="increase",
                target=None,
                definition="Off-track ninth-graders reached by the change that month.",
                numerator="Off-track ninth-graders reached",
                denominator="Off-track ninth-graders",
                owner=PEOPLE[p % len(PEOPLE)],
                source="Team tally sheet",
                retired=status == "closed",
            )
        )
        start = rows["project"][p]["start_date"]
        periods = [m for m in months_all if m >= start.replace(day=1) and (left[school] is None or m <= left[school])]
        reach = np.clip(0.45 + 0.02 * np.arange(len(periods)), 0, 0.9)
        students = rng.integers(20, 60, len(periods))
        reached = rng.binomial(students, reach)
        for i, period in enumerate(periods):
            rows["observation"].append(
                dict(
                    measure_id=measure,
                    period_start=period,
                    value=None,
                    numerator=float(reached[i]),
                    denominator=float(students[i]),
                    note=None,
                    status="validated",
                    entered_by="team",
                )
            )

    from golden_thread.seed.demo import DEMO_PASSWORD

    digest = _password_hash(DEMO_PASSWORD)
    rows["app_user"] = [
        dict(
            username=name,
            display_name=title,
            role=role,
            organisation_id=hub if school is None else school_ids[school],
            password_hash=digest,
        )
        for name, title, role, school in NETWORK_USERS
    ]
    NETWORK_BREAKS.clear()
    NETWORK_BREAKS.update(breaks)
    return {table: pl.DataFrame(values, infer_schema_length=None) for table, values in rows.items() if values}


def _measure(
    measure_id: int,
    name: str,
    measure_type: str,
    *,
    aim_id: int | None = None,
    project_id: int | None = None,
    direction: str,
    target: float | None,
    definition: str,
    numerator: str,
    denominator: str,
    owner: str,
    source: str,
    retired: bool = False,
) -> dict:
    """A monthly proportion (P chart, Making Data Count rules), as every measure of the demo network is."""
    return dict(
        id=measure_id,
        name=name,
        measure_type=measure_type,
        aim_id=aim_id,
        driver_id=None,
        project_id=project_id,
        definition=definition,
        numerator_definition=numerator,
        denominator_definition=denominator,
        inclusions="Ninth-grade students enrolled at a member school",
        exclusions="Students who left mid-month",
        data_source=source,
        owner=owner,
        unit="%",
        frequency="monthly",
        chart_type="p",
        rules="mdc",
        improvement_direction=direction,
        target_value=target,
        multiplier=100.0,
        decimal_places=1,
        expected_lag_days=SCHOOL_LAG_DAYS,
        status="retired" if retired else "active",
    )


def _share(rng: np.random.Generator, measure: str, school: str, baseline: float, count: int, offset: int) -> np.ndarray:
    """Each month's true share for one school and measure. ``offset`` is the school month the series starts at,
    counted from the network's launch (ten school months a year)."""
    t = np.arange(count) + offset
    on_track = {
        "rise_after_adopting": baseline + np.where(t >= 10, 0.13, 0.0) + 0.002 * np.maximum(t - 10, 0),
        "gradual_rise": baseline + 0.0035 * t,
        "flat": np.full(count, baseline),
        "late_rise": baseline + np.where(t >= 20, 0.08, 0.0),
        "slight_fall": baseline - np.where(t >= 22, 0.04, 0.0),
    }[school]
    gain = on_track - baseline
    wobble = rng.normal(0, 0.004, count)
    if measure == "on_track":
        return on_track + wobble
    if measure == "attendance":
        return 0.74 + 0.6 * gain + wobble
    if measure == "d_or_f":
        return 0.31 - 0.8 * gain + wobble
    return 0.56 + wobble  # algebra: steady, so higher grades are not bought by lower standards


def _password_hash(password: str) -> str:
    from argon2 import PasswordHasher

    return PasswordHasher().hash(password)
