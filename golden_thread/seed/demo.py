"""The demo trust: a realistic NHS improvement portfolio, generated deterministically from a seed.

``build_demo_trust(today)`` returns every row keyed by table (parents first). The observations end at
the last complete period before ``today`` so the demo always looks current. The data carry the patterns
a board must see (a sustained shift, a trend, an astronomical point, a proportion with varying
denominators, a rate per 1,000 bed days) and the portfolio carries deliberate breaks in the thread,
listed in ``DEMO_BREAKS`` so that tests can check the checks find exactly them.
"""

from __future__ import annotations

import datetime as dt
import random

import numpy as np
import polars as pl

TRUST = "Northfield Teaching Hospitals NHS Foundation Trust"
DIVISIONS = ["Medicine and Emergency Care", "Surgery and Critical Care", "Women's, Children's and Clinical Support"]
TEAMS = [  # (name, division index)
    ("Ward 7 (Elderly Care)", 0),
    ("Ward 9 (Respiratory)", 0),
    ("Acute Medical Unit", 0),
    ("Emergency Department", 0),
    ("Ward 14 (Orthopaedics)", 1),
    ("Critical Care", 1),
    ("Theatres", 1),
    ("Surgical Assessment Unit", 1),
    ("Maternity", 2),
    ("Pharmacy", 2),
    ("Workforce and Organisational Development", 2),
    ("Temporary Staffing", 2),
]
OBJECTIVES = [
    ("Safe, effective care every time", "Quality"),
    ("Right care, right place, right time", "Efficiency"),
    ("Live within our means", "Financial"),
    ("A great place to work", "People"),
]
LEADERS = [
    "Dr Aisha Rahman, Medical Director",
    "Claire Holt, Chief Nurse",
    "Mark Ellison, Chief Operating Officer",
    "Priya Nair, Chief Finance Officer",
    "Janet Okafor, Chief People Officer",
]

# Each aim: objective index, title, statement, population, location, baseline, target, leader, and its driver
# diagram as primary drivers -> secondary drivers -> change ideas (title, team index of the testing team or None).
AIMS = [
    dict(
        objective=0,
        title="Reduce inpatient falls with harm",
        statement="Reduce inpatient falls with harm from 0.55 to 0.30 per 1,000 occupied bed days by 31 March 2027 "
        "across all adult inpatient wards",
        population="Adult inpatients",
        location="All adult inpatient wards",
        baseline=0.55,
        target=0.30,
        target_date=dt.date(2027, 3, 31),
        leader=1,
        drivers=[
            (
                "Reliable risk assessment",
                [
                    (
                        "Multifactorial falls risk assessment within 6 hours",
                        [
                            ("Falls risk prompt in the admission e-form", 2),
                            ("Lying and standing blood pressure on admission", 0),
                        ],
                    ),
                    ("Medication review for falls risk", [("Pharmacist review of sedatives for over-65s", 9)]),
                ],
            ),
            (
                "Safe ward environment",
                [
                    (
                        "Enhanced supervision of high-risk patients",
                        [("Falls safety huddle at handover", 0), ("Bay nursing for high-risk patients", 4)],
                    ),
                    (
                        "Equipment and footwear",
                        [("Non-slip socks at the bedside", 1), ("Call bell within reach check", None)],
                    ),
                ],
            ),
            (
                "Patient and family involvement",
                [
                    ("Patients understand their own risk", [("'Call, don't fall' bedside leaflet", 0)]),
                ],
            ),
        ],
    ),
    dict(
        objective=0,
        title="Reduce deaths from sepsis",
        statement="Reduce in-hospital mortality for patients with sepsis from 14% to 10% by 31 December 2026 for all "
        "adult admissions through the Emergency Department",
        population="Adults admitted with sepsis",
        location="Emergency Department and admission wards",
        baseline=0.14,
        target=0.10,
        target_date=dt.date(2026, 12, 31),
        leader=0,
        drivers=[
            (
                "Early recognition",
                [
                    (
                        "NEWS2 screening at triage",
                        [("NEWS2 at triage for every adult", 3), ("Sepsis screening tool in the e-obs", 2)],
                    ),
                    ("Escalation of deteriorating patients", [("Nurse-led sepsis escalation card", 2)]),
                ],
            ),
            (
                "Timely treatment",
                [
                    (
                        "Antibiotics within one hour",
                        [("Sepsis grab bags in resus", 3), ("Pharmacy antibiotic cupboard in ED", 9)],
                    ),
                    ("Fluids and lactate", [("Lactate on the blood gas at triage", None)]),
                ],
            ),
            ("Learning from every death", []),  # deliberately has no secondary driver or change idea
        ],
    ),
    dict(
        objective=1,
        title="Reduce length of stay for emergency admissions",
        statement="Reduce average length of stay for emergency medical admissions from 7.8 to 6.5 days by "
        "31 March 2027 across the medical wards",
        population="Emergency medical admissions",
        location="Medical wards",
        baseline=7.8,
        target=6.5,
        target_date=dt.date(2027, 3, 31),
        leader=2,
        drivers=[
            (
                "Timely decisions",
                [
                    (
                        "Senior review every day",
                        [("Consultant-led board round by 10:00", 2), ("Criteria-led discharge", 1)],
                    ),
                    ("Expected date of discharge set early", [("EDD set within 24 hours of admission", 0)]),
                ],
            ),
            (
                "Discharge before midday",
                [
                    (
                        "Transport and medicines ready",
                        [("Discharge lounge pull at 10:00", 2), ("TTO medicines prepared the day before", 9)],
                    ),
                ],
            ),
        ],
    ),
    dict(
        objective=2,
        title="Reduce agency staffing spend",
        statement="Reduce monthly agency nursing spend from £410k to £250k by 31 March 2027 across all divisions",
        population="Nursing workforce",
        location="All divisions",
        baseline=410.0,
        target=250.0,
        target_date=dt.date(2027, 3, 31),
        leader=3,
        drivers=[
            (
                "Fill shifts from our own bank",
                [
                    (
                        "Attractive bank offer",
                        [("Weekly pay for bank shifts", 11), ("Bank incentive for hard-to-fill shifts", 11)],
                    ),
                    ("Earlier rostering", [("Rosters approved 8 weeks ahead", 11)]),
                ],
            ),
            (
                "Retain our nurses",
                [
                    ("Flexible working", [("Self-rostering pilot", 5)]),
                ],
            ),
        ],
    ),
    dict(
        objective=3,
        title="Improve staff engagement",
        statement="Increase the staff engagement score from 6.7 to 7.2 (out of 10) by 31 March 2027 for all staff",
        population="All staff",
        location="Trust-wide",
        baseline=6.7,
        target=7.2,
        target_date=dt.date(2027, 3, 31),
        leader=4,
        drivers=[
            (
                "Leaders who listen",
                [
                    (
                        "Regular listening events",
                        [
                            ("Monthly 'Ask the Chief' sessions", None),
                            ("Team huddles with a 'you said, we did' board", None),
                        ],
                    ),
                ],
            ),
            (
                "Recognition",
                [
                    ("Thank-you culture", [("Peer-nominated monthly awards", None)]),
                ],
            ),
        ],
    ),
]
PEOPLE = [
    "Sarah Mitchell",
    "James Patel",
    "Emma Clarke",
    "Tom Harris",
    "Grace Adeyemi",
    "Oliver Wright",
    "Hannah Lewis",
    "Mohammed Ali",
    "Lucy Chen",
    "Daniel Evans",
    "Rachel Green",
    "Sam Okoro",
]
PURPOSES = ["develop_change", "test_change", "test_change", "implement_change"]
SCALES = ["1 nurse, 1 shift", "1 bay, 1 week", "whole ward, 2 weeks", "whole ward, 1 month", "3 wards, 1 month"]
PREDICTIONS = [
    "We predict {pct}% of eligible patients will receive it and staff will find it takes under {mins} minutes.",
    "We think it will be done for at least {pct}% of patients, but night shifts may struggle.",
    "Prediction: {pct}% compliance in the first week; staff feedback mostly positive.",
]
DO_NOTES = [
    "Carried out as planned on {n} of {m} shifts. Two agency staff had not heard of it.",
    "Started a day late because of staffing; completed on {n} of {m} planned occasions.",
    "Ran as planned. Patients' relatives asked questions we had not expected.",
]
STUDY_NOTES = [
    "{pct}% achieved against a prediction of {pred}%. Night shifts were the gap.",
    "Better than predicted ({pct}% vs {pred}%). The prompt card helped new starters.",
    "Lower than predicted ({pct}% vs {pred}%): the form was too long to complete at handover.",
]
ACTS = [
    ("adapt", "Shorten the prompt and test on nights next."),
    ("adapt", "Scale up to the whole ward with the changes from this cycle."),
    ("adopt", "Adopt as standard work; add to the ward induction pack."),
    ("abandon", "Abandon this version; staff prefer the huddle approach."),
]

# Deliberate breaks in the thread, by the rule that should find them (filled in by build_demo_trust).
DEMO_BREAKS: dict[str, list[int]] = {}


def _months_back(end: dt.date, count: int) -> list[dt.date]:
    months = []
    year, month = end.year, end.month
    for _ in range(count):
        months.append(dt.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


def last_complete_month(today: dt.date) -> dt.date:
    first = today.replace(day=1)
    return (first - dt.timedelta(days=1)).replace(day=1)


def last_complete_week(today: dt.date) -> dt.date:
    this_monday = today - dt.timedelta(days=today.weekday())
    return this_monday - dt.timedelta(days=7)


def build_demo_trust(today: dt.date, seed: int = 20261123) -> dict[str, pl.DataFrame]:
    """Every row of the demo organisation, keyed by table name, parents first."""
    rng = np.random.default_rng(seed)
    pick = random.Random(seed)
    rows: dict[str, list[dict]] = {
        t: []
        for t in (
            "organisation",
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
            "chart_phase",
            "annotation",
            "app_user",
        )
    }
    breaks: dict[str, list[int]] = {}

    # Organisation
    rows["organisation"].append(dict(id=1, name=TRUST, kind="trust", parent_id=None))
    for i, name in enumerate(DIVISIONS):
        rows["organisation"].append(dict(id=2 + i, name=name, kind="division", parent_id=1))
    team_ids = []
    for i, (name, division) in enumerate(TEAMS):
        team_ids.append(5 + i)
        rows["organisation"].append(dict(id=5 + i, name=name, kind="team", parent_id=2 + division))
    for i, (title, category) in enumerate(OBJECTIVES):
        rows["strategic_objective"].append(
            dict(id=i + 1, organisation_id=1, title=title, category=category, description=None, status="active")
        )

    end_month = last_complete_month(today)
    months = _months_back(end_month, 36)
    change_ideas: list[dict] = []  # with aim index and testing team
    drivers_by_aim: dict[int, list[dict]] = {}
    for a, spec in enumerate(AIMS):
        aim_id = a + 1
        rows["aim"].append(
            dict(
                id=aim_id,
                objective_id=spec["objective"] + 1,
                title=spec["title"],
                statement=spec["statement"],
                population=spec["population"],
                location=spec["location"],
                baseline_value=spec["baseline"],
                baseline_period=f"{months[0]:%b %Y} to {months[11]:%b %Y}",
                target_value=spec["target"],
                target_date=spec["target_date"],
                responsible_leader=LEADERS[spec["leader"]],
                adopted_on=months[6],
                status="active",
            )
        )
        rows["driver_diagram"].append(dict(id=aim_id, aim_id=aim_id, title=f"{spec['title']}: driver diagram"))
        version_ids = []
        # The falls diagram has a retired first version: node keys carry over so links survive rewording.
        versions = 2 if a == 0 else 1
        for v in range(versions):
            vid = len(rows["driver_diagram_version"]) + 1
            version_ids.append(vid)
            rows["driver_diagram_version"].append(
                dict(
                    id=vid,
                    diagram_id=aim_id,
                    version_number=v + 1,
                    effective_from=months[0 if v == 0 else 14],
                    author=LEADERS[spec["leader"]].split(",")[0],
                    change_note="First version agreed at the aim's launch"
                    if v == 0
                    else "Reworded after 12 months of testing",
                    status="retired" if v < versions - 1 else "active",
                )
            )
        for _v, vid in enumerate(version_ids):
            current = vid == version_ids[-1]
            for p, (primary, secondaries) in enumerate(spec["drivers"]):
                pkey = f"A{aim_id}-P{p + 1}"
                pid = len(rows["driver"]) + 1
                rows["driver"].append(
                    dict(
                        id=pid,
                        version_id=vid,
                        node_key=pkey,
                        level="primary",
                        title=primary if current else primary.replace("Reliable", "Consistent"),
                        description=None,
                    )
                )
                if current:
                    drivers_by_aim.setdefault(a, []).append(dict(id=pid, level="primary", title=primary))
                    if not secondaries:
                        breaks.setdefault("driver_without_change_idea", []).append(pid)
                for s, (secondary, ideas) in enumerate(secondaries):
                    sid = len(rows["driver"]) + 1
                    rows["driver"].append(
                        dict(
                            id=sid,
                            version_id=vid,
                            node_key=f"{pkey}-S{s + 1}",
                            level="secondary",
                            title=secondary,
                            description=None,
                        )
                    )
                    rows["driver_link"].append(
                        dict(parent_driver_id=pid, child_driver_id=sid, strength="strong" if s == 0 else "weak")
                    )
                    if current:
                        drivers_by_aim[a].append(dict(id=sid, level="secondary", title=secondary))
                    for c, (idea, team) in enumerate(ideas):
                        cid = len(rows["change_idea"]) + 1
                        rows["change_idea"].append(
                            dict(
                                id=cid,
                                version_id=vid,
                                node_key=f"{pkey}-S{s + 1}-C{c + 1}",
                                title=idea,
                                description=None,
                            )
                        )
                        rows["change_idea_driver"].append(dict(change_idea_id=cid, driver_id=sid, strength="strong"))
                        if current:
                            change_ideas.append(dict(id=cid, aim=a, title=idea, team=team, driver=sid))
    # Two change ideas serve a second driver too (a change idea may serve several drivers).
    for a in (0, 2):
        ideas = [c for c in change_ideas if c["aim"] == a]
        other = [d for d in drivers_by_aim[a] if d["level"] == "secondary" and d["id"] != ideas[0]["driver"]][0]
        rows["change_idea_driver"].append(dict(change_idea_id=ideas[0]["id"], driver_id=other["id"], strength="weak"))

    # Projects: one per change idea with a testing team; two orphans; none for staff engagement (aim 5).
    project_specs = []
    for c in change_ideas:
        if c["team"] is not None:
            project_specs.append(dict(title=c["title"], team=c["team"], idea=c, aim=c["aim"]))
    extra = [
        ("Reducing pressure ulcers on Ward 14", 4, None),
        ("Paperless handover in Maternity", 8, None),
        ("Frailty screening in the Acute Medical Unit", 2, ("driver", 2)),
        ("Sepsis pathway for Maternity", 8, ("aim", 1)),
        ("Enhanced recovery after hip surgery", 4, ("driver", 2)),
        ("Theatre start times", 6, ("aim", 2)),
        ("ED streaming at the front door", 3, ("driver", 1)),
    ]
    for title, team, link in extra:
        project_specs.append(dict(title=title, team=team, idea=None, aim=None if link is None else link[1], link=link))
    for i, spec in enumerate(project_specs):
        pid = i + 1
        started = months[pick.randint(6, 24)]
        status = "active"
        orphan = spec["idea"] is None and spec.get("link") is None
        if i % 9 == 4 and not orphan:  # the deliberate orphans are live work: a finished project is no orphan
            status = "completed"
        elif i % 11 == 7:
            status = "on_hold"
        rows["project"].append(
            dict(
                id=pid,
                team_id=team_ids[spec["team"]],
                title=spec["title"],
                lead=PEOPLE[i % len(PEOPLE)],
                sponsor=LEADERS[pick.randint(0, 4)].split(",")[0],
                status=status,
                start_date=started,
                end_date=months[-2] if status == "completed" else None,
                local_aim=f"{spec['title']} for every eligible patient on {TEAMS[spec['team']][0]} by {months[-1].year + 1}",
                progress_score=[1.5, 2.0, 2.5, 3.0, 3.5, 4.0][i % 6],
            )
        )
        spec["id"] = pid
        if spec["idea"] is not None:
            rows["project_link"].append(
                dict(project_id=pid, is_primary=True, aim_id=None, driver_id=None, change_idea_id=spec["idea"]["id"])
            )
        elif spec.get("link") is None:
            breaks.setdefault("orphan_project", []).append(pid)
        else:
            kind, aim_index = spec["link"]
            target = drivers_by_aim[aim_index][0]["id"] if kind == "driver" else aim_index + 1
            rows["project_link"].append(
                dict(
                    project_id=pid,
                    is_primary=True,
                    aim_id=target if kind == "aim" else None,
                    driver_id=target if kind == "driver" else None,
                    change_idea_id=None,
                )
            )
    # A few "also contributes to" links.
    for pid, aim_index in ((1, 2), (5, 0), (9, 2)):
        rows["project_link"].append(
            dict(project_id=pid, is_primary=False, aim_id=aim_index + 1, driver_id=None, change_idea_id=None)
        )
    tested = {s["idea"]["id"] for s in project_specs if s["idea"] is not None}
    breaks["untested_change_idea"] = [c["id"] for c in change_ideas if c["id"] not in tested]
    breaks["aim_without_project"] = [5]

    # PDSA cycles: ramps of 3-6 cycles per project, each building on the one before.
    stale_project = project_specs[3]["id"]
    breaks["stale_project"] = [stale_project]
    for spec in project_specs:
        if spec["id"] in breaks.get("orphan_project", []):
            ramp = 2
        else:
            ramp = 4 + (spec["id"] * 7) % 4
        start = rows["project"][spec["id"] - 1]["start_date"]
        last_end = today - dt.timedelta(days=10)
        if spec["id"] == stale_project:
            last_end = today - dt.timedelta(days=150)
        span = max((last_end - start).days, 30 * ramp)
        previous = None
        team = TEAMS[spec["team"]][0]
        for k in range(ramp):
            cid = len(rows["pdsa_cycle"]) + 1
            begin = start + dt.timedelta(days=int(span * k / ramp))
            if k == ramp - 1 and spec["id"] != stale_project:
                # An active team's latest test is recent: only the deliberately stale project has gone quiet.
                begin = max(begin, last_end - dt.timedelta(days=35))
            finish = begin + dt.timedelta(days=14 + 7 * (k % 3))
            pct, pred = pick.randint(45, 95), pick.choice([60, 70, 80, 90])
            decision, act_text = ACTS[min(k, 2) if k < ramp - 1 else pick.choice([1, 2, 2, 3])]
            overdue = finish < today and k == ramp - 1 and spec["id"] in (2, 6)
            rows["pdsa_cycle"].append(
                dict(
                    id=cid,
                    project_id=spec["id"],
                    change_idea_id=spec["idea"]["id"] if spec["idea"] else None,
                    builds_on_id=previous,
                    cycle_number=k + 1,
                    title=f"{spec['title']}: cycle {k + 1} on {team}"
                    if k
                    else f"Test {spec['title'].lower()} on {team}",
                    purpose=PURPOSES[min(k, 3)],
                    objective=f"Find out whether '{spec['title'].lower()}' works on {team} at the scale of {SCALES[min(k, 4)]}.",
                    questions="Will staff do it reliably? How long does it take? What gets in the way?",
                    prediction=None
                    if cid % 17 == 5
                    else pick.choice(PREDICTIONS).format(pct=pred, mins=pick.choice([2, 5, 10])),
                    plan=f"{PEOPLE[cid % len(PEOPLE)]} to brief the {pick.choice(['morning', 'afternoon', 'night'])} team; "
                    f"audit {pick.choice([10, 15, 20])} patients with a tally sheet.",
                    do_notes=None if overdue else pick.choice(DO_NOTES).format(n=pick.randint(3, 6), m=6),
                    study_notes=None if overdue else pick.choice(STUDY_NOTES).format(pct=pct, pred=pred),
                    act_decision=None if overdue else decision,
                    act_notes=None if overdue else act_text,
                    scale_up=decision == "adapt" and k > 0,
                    implement=decision == "adopt",
                    scale=SCALES[min(k, 4)],
                    start_date=begin,
                    end_date=finish,
                )
            )
            if overdue:
                breaks.setdefault("pdsa_overdue", []).append(cid)
            if rows["pdsa_cycle"][-1]["prediction"] is None:
                breaks.setdefault("pdsa_without_prediction", []).append(cid)
            previous = cid

    _add_measures(rows, rng, today, months, drivers_by_aim, project_specs, breaks)
    demo_hash = _demo_password_hash()
    rows["app_user"] = [
        dict(username=name, display_name=title, role=role, organisation_id=org, password_hash=demo_hash)
        for name, title, role, org in DEMO_USERS(team_ids[0])
    ]
    rows["app_setting"] = [dict(key="demo_mode", value="true")]
    DEMO_BREAKS.clear()
    DEMO_BREAKS.update(breaks)
    return {table: pl.DataFrame(values, infer_schema_length=None) for table, values in rows.items() if values}


DEMO_PASSWORD = "demo"
DEMO_AWAITING_ENTRY: list[int] = []  # the measure whose last month a team has yet to enter


def DEMO_USERS(ward_team_id: int) -> list[tuple[str, str, str, int]]:  # noqa: N802 - a table, read as one
    """(username, name, role, organisation) of the demo sign-ins, one per role, all with DEMO_PASSWORD."""
    return [
        ("board", "Board member (demo)", "board_viewer", 1),
        ("team", "Ward 7 team member (demo)", "team_member", ward_team_id),
        ("lead", "Improvement lead (demo)", "improvement_lead", 1),
        ("admin", "Administrator (demo)", "administrator", 1),
    ]


def _demo_password_hash() -> str:
    from argon2 import PasswordHasher

    return PasswordHasher().hash(DEMO_PASSWORD)


# (aim index, name, type, chart, unit, multiplier, direction, target, decimals, generator)
def _series(rng: np.random.Generator, kind: str, count: int) -> tuple[np.ndarray, np.ndarray | None]:
    """Values (or numerators) and denominators with the pattern ``kind``."""
    t = np.arange(count)
    if kind == "falls_shift":
        bed_days = rng.integers(5200, 7000, count).astype(float)
        rate = np.where(t < count - 16, 0.56, 0.31) / 1000
        return rng.poisson(rate * bed_days).astype(float), bed_days
    if kind == "sepsis_mortality":
        patients = rng.integers(80, 141, count).astype(float)
        return rng.binomial(patients.astype(int), 0.135 - 0.02 * (t > count - 10)).astype(float), patients
    if kind == "antibiotics_hour":
        patients = rng.integers(60, 150, count).astype(float)
        p = np.clip(0.62 + 0.012 * np.maximum(t - 12, 0), 0, 0.92)
        return rng.binomial(patients.astype(int), p).astype(float), patients
    if kind == "los_trend":
        base = 7.8 + rng.normal(0, 0.18, count)
        base[-9:] = 7.75 - 0.04 * np.arange(1, 10) + rng.normal(0, 0.005, 9)
        return np.round(base, 2), None
    if kind == "agency_spike":
        spend = 400 + rng.normal(0, 18, count) - 1.5 * t
        spend[-6] += 150
        return np.round(spend, 1), None
    if kind == "engagement":
        return np.round(6.7 + rng.normal(0, 0.08, count), 2), None
    if kind == "proportion":
        denominators = rng.integers(20, 60, count).astype(float)
        return rng.binomial(denominators.astype(int), 0.7).astype(float), denominators
    if kind == "count":
        return rng.poisson(6, count).astype(float), None
    if kind == "readmissions_rise":  # discharged sooner, back sooner: what the board's balancing watch is for
        readmissions = rng.poisson(6, count).astype(float)
        readmissions[-9:] += 8
        return readmissions, None
    if kind == "sickness":  # NHS sickness absence runs at about 4–6%
        return np.round(4.8 + rng.normal(0, 0.35, count), 1), None
    raise ValueError(f"no demo pattern called {kind!r}")


def _add_measures(rows, rng, today, months, drivers_by_aim, project_specs, breaks) -> None:
    catalogue = [  # aim-level measures: (aim, name, type, chart, unit, multiplier, direction, target, pattern, decimals)
        (
            0,
            "Inpatient falls with harm per 1,000 occupied bed days",
            "outcome",
            "u",
            "per 1,000 bed days",
            1000,
            "decrease",
            0.30,
            "falls_shift",
            2,
        ),
        (
            0,
            "Patients with a lying and standing blood pressure (%)",
            "balancing",
            "p",
            "%",
            100,
            "increase",
            None,
            "proportion",
            1,
        ),
        (1, "Sepsis mortality (%)", "outcome", "p", "%", 100, "decrease", 10.0, "sepsis_mortality", 1),
        (
            1,
            "Antibiotics within one hour of sepsis recognition (%)",
            "process",
            "p",
            "%",
            100,
            "increase",
            90.0,
            "antibiotics_hour",
            1,
        ),
        (
            1,
            "Antibiotic courses stopped at 72-hour review (%)",
            "balancing",
            "p",
            "%",
            100,
            "neutral",
            None,
            "proportion",
            1,
        ),
        (
            2,
            "Average length of stay, emergency medical admissions (days)",
            "outcome",
            "xmr",
            "days",
            1,
            "decrease",
            6.5,
            "los_trend",
            2,
        ),
        (
            2,
            "Readmissions within 30 days (count)",
            "balancing",
            "c",
            "readmissions",
            1,
            "decrease",
            None,
            "readmissions_rise",
            0,
        ),
        (3, "Agency nursing spend (£k)", "outcome", "xmr", "£k", 1, "decrease", 250.0, "agency_spike", 1),
        (3, "Bank shift fill rate (%)", "balancing", "p", "%", 100, "increase", None, "proportion", 1),
        (4, "Staff engagement score (out of 10)", "outcome", "xmr", "score", 1, "increase", 7.2, "engagement", 2),
        (4, "Sickness absence (%)", "balancing", "xmr", "%", 1, "decrease", None, "sickness", 1),
    ]
    measures = rows["measure"]
    for aim, name, mtype, chart, unit, mult, direction, target, pattern, decimals in catalogue:
        measures.append(
            dict(
                id=len(measures) + 1,
                name=name,
                measure_type=mtype,
                aim_id=aim + 1 if mtype != "process" else None,
                driver_id=drivers_by_aim[aim][1]["id"] if mtype == "process" else None,
                project_id=None,
                pattern=pattern,
                frequency="monthly",
                chart_type=chart,
                rules="mdc",
                improvement_direction=direction,
                target_value=target,
                multiplier=float(mult),
                unit=unit,
                decimal_places=decimals,
            )
        )
    # Process measures on secondary drivers.
    for drivers in drivers_by_aim.values():
        for driver in [d for d in drivers if d["level"] == "secondary"][1:3]:
            measures.append(
                dict(
                    id=len(measures) + 1,
                    name=f"{driver['title']}: compliance (%)",
                    measure_type="process",
                    aim_id=None,
                    driver_id=driver["id"],
                    project_id=None,
                    pattern="proportion",
                    frequency="monthly",
                    chart_type="p",
                    rules="mdc",
                    improvement_direction="increase",
                    target_value=95.0,
                    multiplier=100.0,
                    unit="%",
                    decimal_places=1,
                )
            )
    # Project measures: weekly run charts for young projects, monthly counts for the rest; one project has none.
    no_measure = project_specs[5]["id"]
    breaks["project_without_measure"] = [no_measure]
    for n, spec in enumerate(project_specs):
        if spec["id"] == no_measure:
            continue
        weekly = n % 3 == 0
        measures.append(
            dict(
                id=len(measures) + 1,
                name=f"{spec['title']}: % of eligible patients",
                measure_type="process",
                aim_id=None,
                driver_id=None,
                project_id=spec["id"],
                pattern="proportion",
                frequency="weekly" if weekly else "monthly",
                chart_type="run" if weekly else "p",
                rules="anhoej" if weekly else "mdc",
                improvement_direction="increase",
                target_value=None,
                multiplier=100.0,
                unit="%",
                decimal_places=0,
            )
        )
    quiet = measures[-1]["id"]
    breaks["measure_gone_quiet"] = [quiet]
    # One team has not yet entered last month: the everyday case a team member opens the app for.
    awaiting = next(
        m["id"]
        for m in measures
        if m["project_id"] and m["frequency"] == "monthly" and m["name"].startswith("Lying and standing blood pressure")
    )
    DEMO_AWAITING_ENTRY[:] = [awaiting]

    last_week = last_complete_week(today)
    for m in measures:
        pattern = m.pop("pattern")
        m.update(
            definition=f"{m['name']}, counted for each {'week' if m['frequency'] == 'weekly' else 'calendar month'}.",
            numerator_definition="Eligible cases meeting the standard" if m["chart_type"] in ("p", "run") else None,
            denominator_definition="All eligible cases"
            if m["chart_type"] in ("p", "run")
            else ("Occupied bed days" if m["chart_type"] == "u" else None),
            inclusions="Adult inpatients" if m["chart_type"] != "xmr" else None,
            exclusions="Day cases" if m["chart_type"] in ("u", "p") else None,
            data_source=rng.choice(
                [
                    "Datix incident reports",
                    "Electronic patient record",
                    "Ward audit",
                    "Finance ledger",
                    "Staff survey pulse",
                ]
            ).item(),
            owner=PEOPLE[m["id"] % len(PEOPLE)],
            expected_lag_days=7 if m["frequency"] == "weekly" else 30,
            status="active",
        )
        if m["frequency"] == "weekly":
            periods = [last_week - dt.timedelta(weeks=k) for k in range(79, -1, -1)]
        else:
            periods = months[-(24 + m["id"] % 13) :]
        if m["id"] == quiet:
            periods = periods[:-6]
        elif m["id"] == awaiting:
            periods = periods[:-1]
        values, denominators = _series(rng, pattern, len(periods))
        ratio = denominators is not None
        for k, period in enumerate(periods):
            rows["observation"].append(
                dict(
                    measure_id=m["id"],
                    period_start=period,
                    value=None if ratio else float(values[k]),
                    numerator=float(values[k]) if ratio else None,
                    denominator=float(denominators[k]) if ratio else None,
                    note=None,
                    status="provisional" if k == len(periods) - 1 else "validated",
                    entered_by=PEOPLE[(m["id"] + k) % len(PEOPLE)].split()[0].lower(),
                )
            )
    falls = measures[0]
    rows["chart_phase"].append(
        dict(
            measure_id=falls["id"],
            starts_on=months[-16],
            reason="Falls huddles adopted trust-wide",
            created_by="Claire Holt",
        )
    )
    for measure_id, offset, text in (
        (1, -20, "Falls risk prompt added to the admission e-form"),
        (1, -16, "Falls safety huddle adopted on every adult ward"),
        (3, -10, "Sepsis grab bags in resus"),
        (6, -9, "Consultant board round by 10:00"),
        (8, -12, "Weekly pay for bank shifts launched"),
    ):
        rows["annotation"].append(
            dict(id=len(rows["annotation"]) + 1, measure_id=measure_id, on_date=months[offset], text=text)
        )
