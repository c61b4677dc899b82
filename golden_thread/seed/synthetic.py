"""A large synthetic trust for scale tests: every part of the product at the size of a big NHS system.

``build_large_trust(today)`` returns every row keyed by table, parents first, in the same table shapes as
``demo.build_demo_trust`` (so ``Store.insert_tables`` loads it the same way). The defaults give:

- the thread: 8 divisions, 250 teams, 50 system-level aims, 400 drivers in the active diagram versions (plus the
  copies in a few retired versions), about 900 change ideas, 5,000 projects, 40,000 PDSA cycles and 3,000
  measures of every chart type with 36 monthly observations each (108,000 observations);
- leadership: the shipped frameworks, and 400 leaders' self-assessments of the five behavioural actions with
  every unit's team assessments (the QI hub's rubric, the board's leverage points, the executive's, each
  division's and each team's) every six months for three years: about 3,400 assessments, 82,000 ratings (every
  rater's) and 10,000 strategies;
- focus boards: most teams keep one (about 240), each with 4–6 objectives in the four categories tied to an aim
  and its strategic objective and measured by a team project's or the aim's measure, 10–15 actions, and weekly
  huddles over six months reviewing the open actions (about 5,600 huddles, 3,000 actions, 10,000 reviews);
- beside the trust, a regional collaborative of 50 member hospitals (ids above ``NETWORK_ID_BASE``): a network
  aim with a local aim per member, a shared driver diagram in two versions, five uniform measures each member
  reports monthly while it belongs, and about 300 local projects with PDSA ramps testing the shared change
  ideas, whose Act decisions fill the Network page's learning grid.

Everything per project, cycle, measure, observation, rating, huddle and action is generated with numpy and polars
column operations (the only Python loops are over aims, drivers and the network's few diagram nodes): the trust
builds in about 1 s and loads in about 5 s on a 2-core machine. The same ``today`` and ``seed`` give the same trust.
The thread carries the breaks a quality committee would find in a real portfolio, each a small share: orphan
projects, aims no project serves, primary drivers with nothing beneath them, untested change ideas, open projects
with no measure, stale projects, overdue PDSA cycles, cycles without a prediction, measures gone quiet, aims with
no balancing measure or no target date, links to a retired diagram version, and focus-board objectives with no
strategic link.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from golden_thread.domain.focus_boards import HUDDLE_FIELDS
from golden_thread.seed.demo import _months_back, last_complete_month
from golden_thread.storage.store import TABLES

TRUST = "Greater Wessex Hospitals NHS Foundation Trust"
DIVISIONS = [  # (name, specialties of its teams)
    ("Medicine", ["Elderly Care", "Respiratory", "Cardiology", "Gastroenterology", "Diabetes", "Stroke"]),
    (
        "Emergency and Acute Care",
        ["Emergency Department", "Acute Medical Unit", "Same Day Emergency Care", "Ambulatory Care", "Frailty"],
    ),
    ("Surgery", ["Orthopaedics", "General Surgery", "Urology", "Vascular Surgery", "Theatres", "Day Surgery"]),
    ("Critical Care and Anaesthetics", ["Critical Care", "Anaesthetics", "Outreach", "Recovery"]),
    ("Women's and Children's", ["Maternity", "Neonatal Unit", "Paediatrics", "Gynaecology"]),
    ("Cancer and Clinical Haematology", ["Oncology", "Haematology", "Chemotherapy Day Unit", "Radiotherapy"]),
    ("Clinical Support Services", ["Pharmacy", "Radiology", "Pathology", "Therapies", "Outpatients"]),
    (
        "Workforce and Corporate Services",
        ["Temporary Staffing", "Workforce Development", "Finance", "Estates", "Digital"],
    ),
]
UNIT_KINDS = ["Ward", "Unit", "Team", "Service", "Clinic"]
OBJECTIVES = [
    ("Safe, effective care every time", "Quality"),
    ("Right care, right place, right time", "Efficiency"),
    ("Live within our means", "Financial"),
    ("A great place to work", "People"),
    ("Zero avoidable harm", "Quality"),
    ("Timely access to planned care", "Efficiency"),
    ("Productive and sustainable services", "Financial"),
    ("Grow, keep and develop our people", "People"),
]
# (title, category, unit, baseline, target): an aim theme; each aim is a theme in one scope.
AIM_THEMES = [
    ("Reduce inpatient falls with harm", "Quality", "per 1,000 occupied bed days", 0.55, 0.30),
    ("Reduce deaths from sepsis", "Quality", "% of admissions with sepsis", 14.0, 10.0),
    ("Reduce hospital-acquired pressure ulcers", "Quality", "per 1,000 occupied bed days", 1.2, 0.6),
    ("Reduce medication errors causing harm", "Quality", "per 1,000 occupied bed days", 0.8, 0.4),
    ("Reduce catheter-associated urinary tract infections", "Quality", "per 1,000 catheter days", 3.1, 1.5),
    ("Reduce avoidable cardiac arrests", "Quality", "per 1,000 admissions", 1.1, 0.7),
    ("Improve recognition of the deteriorating patient", "Quality", "% escalated within one hour", 70.0, 95.0),
    ("Reduce C. difficile infections", "Quality", "cases per month", 6.0, 3.0),
    ("Improve hip fracture surgery within 36 hours", "Quality", "% of patients", 62.0, 85.0),
    ("Reduce surgical site infections", "Quality", "% of procedures", 4.2, 2.5),
    ("Reduce length of stay for emergency admissions", "Efficiency", "days", 7.8, 6.5),
    ("Improve four-hour performance in the emergency department", "Efficiency", "% of attendances", 68.0, 78.0),
    ("Reduce operations cancelled on the day", "Efficiency", "% of operations", 2.4, 1.0),
    ("Increase discharges before midday", "Efficiency", "% of discharges", 18.0, 33.0),
    ("Reduce outpatient appointments not attended", "Efficiency", "% of appointments", 8.0, 5.0),
    ("Improve theatre utilisation", "Efficiency", "% of session time", 72.0, 85.0),
    ("Meet the 62-day cancer treatment standard", "Efficiency", "% of patients", 65.0, 85.0),
    ("Reduce agency staffing spend", "Financial", "£k per month", 410.0, 250.0),
    ("Reduce drug waste", "Financial", "£k per month", 95.0, 60.0),
    ("Reduce energy use across our estate", "Financial", "MWh per month", 5200.0, 4400.0),
    ("Improve staff engagement", "People", "score out of 10", 6.7, 7.2),
    ("Reduce sickness absence", "People", "% of hours", 5.4, 4.2),
    ("Reduce nurse turnover", "People", "% per year", 13.0, 10.0),
    ("Increase completed appraisals", "People", "% of staff", 78.0, 90.0),
]
PRIMARY_DRIVERS = [
    "Reliable risk assessment",
    "Early recognition",
    "Timely treatment",
    "Safe ward environment",
    "Patient and family involvement",
    "Skilled and confident staff",
    "Effective teamwork and communication",
    "Standard work and checklists",
    "Learning from every incident",
    "Data for improvement",
    "Leaders who listen",
    "Flow through the hospital",
    "The right staff on every shift",
    "Digital tools that help",
    "Partnership with primary and community care",
    "Timely decisions",
]
SECONDARY_DRIVERS = [
    "Assessment within 6 hours of admission",
    "Medication review",
    "Escalation of deteriorating patients",
    "Handover that includes risk",
    "Equipment available at the bedside",
    "Senior review every day",
    "Expected date of discharge set early",
    "Transport and medicines ready",
    "Induction for new starters",
    "Daily safety huddle",
    "Timely test results",
    "Patients understand their own risk",
    "An attractive bank offer",
    "Rosters approved early",
    "Flexible working",
    "Recognition and thanks",
    "Clear escalation routes",
    "Reliable observations",
    "Early mobilisation",
    "Nutrition and hydration",
    "Consistent documentation",
    "Shared decision making",
    "Booking and scheduling",
    "Pre-operative assessment",
    "Follow-up in the community",
]
CHANGE_IDEAS = [
    "Falls risk prompt in the admission e-form",
    "Lying and standing blood pressure on admission",
    "Pharmacist review of sedatives for over-65s",
    "Safety huddle at handover",
    "Bay nursing for high-risk patients",
    "Non-slip socks at the bedside",
    "Call bell within reach check",
    "'Call, don't fall' bedside leaflet",
    "NEWS2 at triage for every adult",
    "Sepsis screening tool in the e-obs",
    "Nurse-led escalation card",
    "Grab bags in resus",
    "Antibiotic cupboard in the department",
    "Lactate on the blood gas at triage",
    "Consultant-led board round by 10:00",
    "Criteria-led discharge",
    "Discharge date set within 24 hours",
    "Discharge lounge pull at 10:00",
    "Take-home medicines prepared the day before",
    "Weekly pay for bank shifts",
    "Incentive for hard-to-fill shifts",
    "Rosters approved 8 weeks ahead",
    "Self-rostering pilot",
    "Monthly 'Ask the Chief' sessions",
    "'You said, we did' board",
    "Peer-nominated monthly awards",
    "SSKIN bundle on every shift",
    "Mattress audit every week",
    "Catheter passport",
    "Daily catheter review prompt",
    "Checklist before every procedure",
    "Text reminders for appointments",
    "Hot clinic slots for urgent review",
    "Two-minute 'golden patient' list",
    "Early warning score on the electronic board",
    "Red bag for care home transfers",
    "Protected mealtimes",
    "Drink rounds every two hours",
    "Patient-held medicines list",
    "Theatre list huddle the day before",
]
ORPHAN_PROJECTS = [
    "Paperless handover",
    "Reducing noise at night",
    "Tidy linen cupboards",
    "New rota software",
    "Visiting hours review",
    "Staff room refurbishment",
    "Patient property audit",
    "Car parking for night staff",
]
FIRST_NAMES = [
    "Sarah",
    "James",
    "Emma",
    "Tom",
    "Grace",
    "Oliver",
    "Hannah",
    "Mohammed",
    "Lucy",
    "Daniel",
    "Rachel",
    "Sam",
    "Aisha",
    "Claire",
    "Mark",
    "Priya",
    "Janet",
    "Ben",
    "Chloe",
    "Kwame",
    "Sophie",
    "Ravi",
]
LAST_NAMES = [
    "Mitchell",
    "Patel",
    "Clarke",
    "Harris",
    "Adeyemi",
    "Wright",
    "Lewis",
    "Ali",
    "Chen",
    "Evans",
    "Green",
    "Okoro",
    "Rahman",
    "Holt",
    "Ellison",
    "Nair",
    "Okafor",
    "Hughes",
    "Murphy",
    "Singh",
]
DATA_SOURCES = [
    "Datix incident reports",
    "Electronic patient record",
    "Ward audit",
    "Finance ledger",
    "Staff survey pulse",
    "Theatre management system",
    "Patient administration system",
]
PROJECT_STATUSES = ["planning", "active", "on_hold", "completed", "closed"]
PROJECT_STATUS_SHARES = [0.08, 0.40, 0.04, 0.35, 0.13]
# Measure definitions per chart type: (name, unit, multiplier, direction, decimals, level low, level high).
# For P and run-on-a-ratio charts the level is a proportion; for U a rate per unit of denominator; for C a count
# per period; for XmR and run-on-a-value the value itself.
METRICS: dict[str, list[tuple[str, str, float, str, int, float, float]]] = {
    "p": [
        ("% of eligible patients receiving it", "%", 100, "increase", 1, 0.45, 0.9),
        ("% compliance with the standard", "%", 100, "increase", 1, 0.55, 0.95),
        ("% of patients harmed", "%", 100, "decrease", 1, 0.03, 0.2),
    ],
    "p_prime": [
        ("% of attendances seen within 4 hours", "%", 100, "increase", 1, 0.6, 0.8),
        ("% of appointments not attended", "%", 100, "decrease", 1, 0.05, 0.12),
    ],
    "u": [
        ("incidents per 1,000 occupied bed days", "per 1,000 bed days", 1000, "decrease", 2, 0.0004, 0.004),
        ("harms per 1,000 admissions", "per 1,000 admissions", 1000, "decrease", 2, 0.002, 0.02),
    ],
    "u_prime": [
        ("falls per 1,000 occupied bed days (all wards)", "per 1,000 bed days", 1000, "decrease", 2, 0.003, 0.008)
    ],
    "c": [
        ("number of incidents", "incidents", 1, "decrease", 0, 2, 25),
        ("cancelled operations", "operations", 1, "decrease", 0, 3, 30),
    ],
    "xmr": [
        ("average length of stay (days)", "days", 1, "decrease", 2, 4.0, 9.0),
        ("median minutes to antibiotics", "minutes", 1, "decrease", 0, 40, 120),
        ("agency spend (£k)", "£k", 1, "decrease", 1, 80, 450),
        ("staff engagement score", "score", 1, "increase", 2, 6.0, 7.5),
    ],
    "run": [
        ("% audit compliance", "%", 100, "increase", 0, 0.5, 0.9),
        ("patient experience score", "score", 1, "increase", 1, 70, 90),
    ],
}
CHART_SHARES = {"p": 0.32, "p_prime": 0.06, "u": 0.10, "u_prime": 0.05, "c": 0.10, "xmr": 0.22, "run": 0.15}
PATTERNS = ("stable", "shift", "trend", "astronomical")
PATTERN_SHARES = (0.55, 0.25, 0.12, 0.08)
QUIET_SHIFT_MONTHS = 7  # a measure gone quiet stopped this many months before the last complete month


def _ragged(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For groups of the given sizes: each member's group index and its position within the group."""
    owner = np.repeat(np.arange(counts.size), counts)
    starts = np.cumsum(counts) - counts
    return owner, np.arange(owner.size) - starts[owner]


def _pick_in_group(
    rng: np.random.Generator, item_group: np.ndarray, groups: int, wanted: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """For each wanted group, a random item index of that group (items sorted by group); and whether it had any."""
    counts = np.bincount(item_group, minlength=groups)
    starts = np.cumsum(counts) - counts
    size = counts[wanted]
    index = starts[wanted] + np.floor(rng.random(wanted.size) * np.maximum(size, 1)).astype(np.int64)
    return np.minimum(index, max(item_group.size - 1, 0)), size > 0


def _names(rng: np.random.Generator, count: int) -> pl.Series:
    first = pl.Series(FIRST_NAMES).gather(rng.integers(0, len(FIRST_NAMES), count))
    last = pl.Series(LAST_NAMES).gather(rng.integers(0, len(LAST_NAMES), count))
    return first + " " + last


def _ids_or_null(ids: np.ndarray) -> pl.Series:
    """Ids with -1 standing for 'none', as a nullable integer column."""
    return pl.select(pl.when(pl.lit(pl.Series(ids)) >= 0).then(pl.lit(pl.Series(ids)))).to_series().cast(pl.Int64)


def _days(base: dt.date, offsets: np.ndarray) -> pl.Series:
    """Dates ``offsets`` days after ``base``."""
    return pl.Series(np.datetime64(base, "D") + offsets.astype("timedelta64[D]")).cast(pl.Date)


def build_large_trust(
    today: dt.date,
    *,
    aims: int = 50,
    drivers: int = 400,
    projects: int = 5000,
    pdsa_cycles: int = 40000,
    measures: int = 3000,
    months: int = 36,
    seed: int = 0,
    teams: int | None = None,
    leaders: int = 400,
    network_members: int = 50,
    focus_board_share: float = 0.95,
) -> dict[str, pl.DataFrame]:
    """Every row of a large synthetic organisation, keyed by table name, parents first.

    ``drivers`` counts the drivers of the active diagram versions (primary and secondary); retired versions
    hold copies of theirs. Observations are monthly and end at the last complete month before ``today``.
    ``teams`` defaults to one team for every 20 projects; ``leaders`` people assess their leadership (with their
    teams) every six months for three years; ``focus_board_share`` of the teams keep a focus board; the network
    beside the trust has ``network_members`` members (none when 0).
    """
    if aims < 1 or drivers < aims or projects < 1 or measures < 0 or pdsa_cycles < 0 or months < 1:
        raise ValueError("need at least one aim, one driver per aim and one project, and months >= 1")
    if leaders < 0 or network_members < 0 or not 0 <= focus_board_share <= 1:
        raise ValueError("need leaders >= 0, network_members >= 0 and a focus board share between 0 and 1")
    rng = np.random.default_rng(seed)
    end_month = last_complete_month(today)
    month_list = _months_back(end_month, months + QUIET_SHIFT_MONTHS)  # the extra months are for quiet measures
    first_month = month_list[QUIET_SHIFT_MONTHS]
    tables: dict[str, pl.DataFrame] = {}

    # -- organisation: trust, divisions, teams ----------------------------------------------------------
    n_div = len(DIVISIONS)
    n_teams = teams if teams else max(2 * n_div, projects // 20)
    team_division = np.arange(n_teams) % n_div
    team_specialty = [DIVISIONS[d][1][(i // n_div) % len(DIVISIONS[d][1])] for i, d in enumerate(team_division)]
    team_names = [f"{UNIT_KINDS[i % len(UNIT_KINDS)]} {i + 1} ({s})" for i, s in enumerate(team_specialty)]
    team_ids = np.arange(n_teams) + 2 + n_div
    tables["organisation"] = pl.DataFrame(
        {
            "id": np.concatenate([[1], np.arange(n_div) + 2, team_ids]),
            "name": [TRUST] + [d[0] for d in DIVISIONS] + team_names,
            "kind": ["trust"] + ["division"] * n_div + ["team"] * n_teams,
            "parent_id": [None] + [1] * n_div + (team_division + 2).tolist(),
            "vocabulary": ["health"] * (1 + n_div + n_teams),
        },
        schema_overrides={"parent_id": pl.Int64, "id": pl.Int64},
    )

    n_obj = min(len(OBJECTIVES), max(4, -(-aims // 6)))
    tables["strategic_objective"] = pl.DataFrame(
        {
            "id": np.arange(n_obj) + 1,
            "organisation_id": np.ones(n_obj, dtype=np.int64),
            "title": [t for t, _ in OBJECTIVES[:n_obj]],
            "category": [c for _, c in OBJECTIVES[:n_obj]],
            "description": pl.Series([None] * n_obj, dtype=pl.Utf8),
            "status": ["active"] * n_obj,
        }
    )

    # -- aims, diagrams, drivers, change ideas (small: Python loops over aims and drivers) --------------
    scopes = [d[0] for d in DIVISIONS] + ["trust-wide"]
    aim_rows, theme_of_aim = [], []
    for a in range(aims):
        theme = a % len(AIM_THEMES)
        title, category, unit, baseline, target = AIM_THEMES[theme]
        scope = scopes[(a // len(AIM_THEMES) + theme) % len(scopes)]
        if a >= len(AIM_THEMES) * len(scopes):
            scope = f"{scope} (programme {a // (len(AIM_THEMES) * len(scopes)) + 1})"
        objective = next(
            (i for i in range(n_obj) if OBJECTIVES[i][1] == category and (a // 2) % 2 == i // 4),
            next((i for i in range(n_obj) if OBJECTIVES[i][1] == category), a % n_obj),
        )
        jitter = 1 + rng.normal(0, 0.05)
        if unit.startswith("%"):  # a percentage stays below 100 however it is jittered
            jitter = min(jitter, 99.0 / max(baseline, target))
        target_date = dt.date(today.year + 1 + a % 2, 3, 31)
        theme_of_aim.append(theme)
        aim_rows.append(
            dict(
                id=a + 1,
                objective_id=objective + 1,
                title=f"{title}: {scope}",
                statement=f"{title} from {baseline * jitter:.3g} to {target * jitter:.3g} {unit} by "
                f"{target_date:%d %B %Y} ({scope})",
                population="Adult inpatients" if category in ("Quality", "Efficiency") else "All staff",
                location=scope,
                baseline_value=round(baseline * jitter, 3),
                baseline_period=f"{first_month:%b %Y} to {month_list[QUIET_SHIFT_MONTHS + min(11, months - 1)]:%b %Y}",
                target_value=round(target * jitter, 3),
                target_date=target_date,
                responsible_leader=f"{FIRST_NAMES[a % len(FIRST_NAMES)]} {LAST_NAMES[(3 * a) % len(LAST_NAMES)]}, "
                f"{['Medical Director', 'Chief Nurse', 'Chief Operating Officer', 'Chief Finance Officer', 'Chief People Officer'][a % 5]}",
                adopted_on=month_list[QUIET_SHIFT_MONTHS + min(6, months - 1)],
                status="active",
            )
        )
    # A few aims are not SMART (no target date); a few no project serves at all.
    for a in rng.choice(aims, size=max(1, aims // 25), replace=False):
        aim_rows[a]["target_date"] = None
    unserved = np.arange(aims - max(1, aims // 25), aims) if aims > 1 else np.array([], dtype=np.int64)
    served = np.setdiff1d(np.arange(aims), unserved)
    tables["aim"] = pl.DataFrame(aim_rows, infer_schema_length=None)
    tables["driver_diagram"] = pl.DataFrame(
        {
            "id": np.arange(aims) + 1,
            "aim_id": np.arange(aims) + 1,
            "title": [f"{r['title']}: driver diagram" for r in aim_rows],
        }
    )

    retired_aims = set(rng.choice(aims, size=max(1, aims // 10), replace=False).tolist()) if aims > 2 else set()
    versions, active_version = [], {}
    for a in range(aims):
        if a in retired_aims:
            versions.append(
                dict(
                    id=len(versions) + 1,
                    diagram_id=a + 1,
                    version_number=1,
                    effective_from=first_month,
                    author=aim_rows[a]["responsible_leader"].split(",")[0],
                    change_note="First version agreed at the aim's launch",
                    status="retired",
                )
            )
        active_version[a] = len(versions) + 1
        versions.append(
            dict(
                id=len(versions) + 1,
                diagram_id=a + 1,
                version_number=2 if a in retired_aims else 1,
                effective_from=month_list[QUIET_SHIFT_MONTHS + months // 3] if a in retired_aims else first_month,
                author=aim_rows[a]["responsible_leader"].split(",")[0],
                change_note="Reworded after a year of testing"
                if a in retired_aims
                else "First version agreed at the aim's launch",
                status="active",
            )
        )
    tables["driver_diagram_version"] = pl.DataFrame(versions)

    per_aim = np.ones(aims, dtype=np.int64) * min(2, drivers // aims)
    per_aim += rng.multinomial(drivers - per_aim.sum(), rng.dirichlet(np.full(aims, 4.0)))
    driver_rows, link_rows, idea_rows, idea_driver_rows = [], [], [], []
    # What the generator needs afterwards about the active versions.
    drivers_of_aim: list[list[int]] = [[] for _ in range(aims)]
    secondaries_of_aim: list[list[int]] = [[] for _ in range(aims)]
    ideas_of_aim: list[list[int]] = [[] for _ in range(aims)]
    idea_title: dict[int, str] = {}
    driver_title: dict[int, str] = {}
    retired_ideas: list[tuple[int, int]] = []  # (aim, change idea id in a retired version)

    def add_version(a: int, version_id: int, count: int, layout: list | None, retired: bool) -> list:
        """Add one diagram version's drivers and change ideas; returns its layout for a later version to copy."""
        if layout is None:
            primaries = max(1, min(count - 1, round(count * 0.35))) if count > 1 else 1
            secondaries = count - primaries
            bare = set(np.flatnonzero(rng.random(primaries) < 0.04).tolist()) if primaries > 1 else set()
            parents = [p for p in range(primaries) if p not in bare] or [0]
            layout = []
            for p in range(primaries):
                layout.append(("primary", p, PRIMARY_DRIVERS[(p + 3 * a) % len(PRIMARY_DRIVERS)], None, 0, None))
            for s in range(secondaries):
                parent = parents[s % len(parents)]
                second = parents[(s + 1) % len(parents)] if len(parents) > 1 and rng.random() < 0.12 else None
                ideas = 0 if rng.random() < 0.04 else int(rng.integers(1, 6))
                layout.append(
                    ("secondary", s, SECONDARY_DRIVERS[(s + 7 * a) % len(SECONDARY_DRIVERS)], parent, ideas, second)
                )
        ids_by_primary: dict[int, int] = {}
        secondary_ids: list[int] = []
        for level, k, title, parent, ideas, second in layout:
            driver_id = len(driver_rows) + 1
            key = f"A{a + 1}-P{k + 1}" if level == "primary" else f"A{a + 1}-S{k + 1}"
            shown = title.replace("Reliable", "Consistent") if retired else title
            driver_rows.append(
                dict(id=driver_id, version_id=version_id, node_key=key, level=level, title=shown, description=None)
            )
            if not retired:
                drivers_of_aim[a].append(driver_id)
                driver_title[driver_id] = title
            if level == "primary":
                ids_by_primary[k] = driver_id
                continue
            secondary_ids.append(driver_id)
            if not retired:
                secondaries_of_aim[a].append(driver_id)
            link_rows.append(
                dict(parent_driver_id=ids_by_primary[parent], child_driver_id=driver_id, strength="strong")
            )
            if second is not None:
                link_rows.append(
                    dict(parent_driver_id=ids_by_primary[second], child_driver_id=driver_id, strength="weak")
                )
            for c in range(ideas):
                idea_id = len(idea_rows) + 1
                name = CHANGE_IDEAS[(c + 5 * k + 11 * a) % len(CHANGE_IDEAS)]
                idea_rows.append(
                    dict(id=idea_id, version_id=version_id, node_key=f"{key}-C{c + 1}", title=name, description=None)
                )
                idea_driver_rows.append(dict(change_idea_id=idea_id, driver_id=driver_id, strength="strong"))
                if retired:
                    retired_ideas.append((a, idea_id))
                else:
                    ideas_of_aim[a].append(idea_id)
                    idea_title[idea_id] = name
        # A change idea may serve a second secondary driver of the same diagram.
        version_ideas = sum(row[4] for row in layout)
        if len(secondary_ids) > 1 and version_ideas:
            for row in idea_driver_rows[-version_ideas:]:
                if rng.random() < 0.08:
                    other = secondary_ids[(secondary_ids.index(row["driver_id"]) + 1) % len(secondary_ids)]
                    idea_driver_rows.append(
                        dict(change_idea_id=row["change_idea_id"], driver_id=other, strength="weak")
                    )
        return layout

    for a in range(aims):
        layout = None
        if a in retired_aims:
            layout = add_version(a, active_version[a] - 1, int(per_aim[a]), None, retired=True)
        add_version(a, active_version[a], int(per_aim[a]), layout, retired=False)
    tables["driver"] = pl.DataFrame(driver_rows, schema_overrides={"description": pl.Utf8})
    tables["driver_link"] = pl.DataFrame(link_rows)
    tables["change_idea"] = pl.DataFrame(idea_rows, schema_overrides={"description": pl.Utf8})
    tables["change_idea_driver"] = pl.DataFrame(idea_driver_rows)

    # -- projects and their links (vectorised) --------------------------------------------------------
    n = projects
    project_id = np.arange(n, dtype=np.int64) + 1
    status = rng.choice(len(PROJECT_STATUSES), size=n, p=PROJECT_STATUS_SHARES)
    team = rng.integers(0, n_teams, n)
    weights = rng.dirichlet(np.full(served.size, 1.5))
    aim_of = served[rng.choice(served.size, size=n, p=weights)] if served.size else np.zeros(n, dtype=np.int64)
    kind_draw = rng.random(n)
    # Primary link kind: 0 change idea, 1 driver, 2 aim, 3 none (an orphan), 4 retired version's change idea.
    kind = np.select([kind_draw < 0.025, kind_draw < 0.029, kind_draw < 0.069, kind_draw < 0.149], [3, 4, 2, 1], 0)
    if not served.size:
        kind[:] = 3

    # Change ideas projects may pick: all of an active version's ideas except about 8% left untested.
    idea_aim = np.array([a for a in range(aims) for _ in ideas_of_aim[a]], dtype=np.int64)
    idea_ids = np.array([i for a in range(aims) for i in ideas_of_aim[a]], dtype=np.int64)
    testable = rng.random(idea_ids.size) >= 0.08
    pool_aim, pool_ids = idea_aim[testable], idea_ids[testable]
    pick, has_idea = _pick_in_group(rng, pool_aim, aims, aim_of)
    chosen_idea = np.where(has_idea, pool_ids[pick] if pool_ids.size else 0, 0)
    kind = np.where((kind == 0) & ~has_idea, 1, kind)
    driver_aim = np.array([a for a in range(aims) for _ in drivers_of_aim[a]], dtype=np.int64)
    driver_ids = np.array([d for a in range(aims) for d in drivers_of_aim[a]], dtype=np.int64)
    pick, _ = _pick_in_group(rng, driver_aim, aims, aim_of)
    chosen_driver = driver_ids[pick]
    if retired_ideas:
        retired = np.array(retired_ideas, dtype=np.int64)
        retired_rows = retired[rng.integers(0, len(retired), n)]
        retired_aim_ok = np.isin(retired_rows[:, 0], served)
        kind = np.where((kind == 4) & ~retired_aim_ok, 0, kind)
        aim_of = np.where(kind == 4, retired_rows[:, 0], aim_of)
        chosen_idea = np.where(kind == 4, retired_rows[:, 1], chosen_idea)
    else:
        kind = np.where(kind == 4, 0, kind)
    kind = np.where((kind == 0) & (chosen_idea == 0), 1, kind)

    linked = kind != 3
    primary = pl.DataFrame(
        {
            "project_id": project_id[linked],
            "is_primary": np.ones(linked.sum(), dtype=bool),
            "aim_id": np.where(kind == 2, aim_of + 1, -1)[linked],
            "driver_id": np.where(kind == 1, chosen_driver, -1)[linked],
            "change_idea_id": np.where((kind == 0) | (kind == 4), chosen_idea, -1)[linked],
        }
    )
    # "Also contributes to": about 15% of linked projects serve a second aim, directly or through a driver.
    also = linked & (rng.random(n) < 0.15) & (served.size > 1)
    other_aim = (
        served[(np.searchsorted(served, aim_of) + rng.integers(1, max(served.size, 2), n)) % max(served.size, 1)]
        if served.size
        else aim_of
    )
    pick, _ = _pick_in_group(rng, driver_aim, aims, other_aim)
    via_driver = rng.random(n) < 0.3
    secondary = pl.DataFrame(
        {
            "project_id": project_id[also],
            "is_primary": np.zeros(also.sum(), dtype=bool),
            "aim_id": np.where(via_driver, -1, other_aim + 1)[also],
            "driver_id": np.where(via_driver, driver_ids[pick], -1)[also],
            "change_idea_id": np.full(also.sum(), -1),
        }
    )
    tables["project_link"] = (
        pl.concat([primary, secondary])
        .with_columns(
            pl.when(pl.col(c) >= 0).then(pl.col(c)).alias(c) for c in ("aim_id", "driver_id", "change_idea_id")
        )
        .sort("project_id", "is_primary", descending=[False, True])
    )

    # -- PDSA cycles per project, and the dates they fix ----------------------------------------------
    is_planning, is_active = status == 0, status == 1
    finished = (status == 3) | (status == 4)
    weight = np.array([0.0, 1.2, 0.6, 1.0, 0.7])[status] * rng.lognormal(0, 0.5, n) * np.where(kind == 3, 0.4, 1.0)
    share = weight / weight.sum() if weight.sum() > 0 else np.full(n, 1 / n)
    if pdsa_cycles >= (~is_planning).sum():
        cycles = (~is_planning).astype(np.int64)
        planning_first = is_planning & (rng.random(n) < 0.3)
        cycles += planning_first
        extra = pdsa_cycles - cycles.sum()
        if extra < 0:  # fewer cycles than projects to start: drop the planning projects' first tests
            cycles[np.flatnonzero(planning_first)[:-extra]] -= 1
            extra = 0
        cycles += rng.multinomial(extra, share)
    else:
        cycles = rng.multinomial(pdsa_cycles, share)
    # Dates are offsets in days from today.
    stale = is_active & (rng.random(n) < 0.05)
    window = months * 30
    last_begin = np.select(
        [is_planning, is_active & ~stale, is_active & stale, status == 2],
        [-rng.integers(0, 21, n), -rng.integers(2, 46, n), -rng.integers(65, 250, n), -rng.integers(60, 300, n)],
        -rng.integers(30, int(window * 0.9) + 31, n),  # completed and closed: their last test some time ago
    )
    earliest = -(window + 60)  # projects start at most about two months before the data do
    gaps = np.maximum(cycles - 1, 0)
    span = np.minimum(
        np.maximum(rng.integers(60, max(window, 61), n), 21 * gaps), np.maximum(last_begin - earliest, 7 * gaps)
    )
    start_offset = last_begin - np.where(cycles > 1, span, rng.integers(0, 45, n))
    end_offset = np.where(finished, np.minimum(last_begin + 28 + rng.integers(0, 60, n), -1), 0)
    end_offset = np.maximum(end_offset, start_offset)
    progress = np.select(
        [is_planning, status == 2, finished],
        [rng.choice([0.5, 1.0, 1.5], n), rng.choice([1.0, 1.5, 2.0, 2.5], n), rng.choice([3.5, 4.0, 4.5, 5.0], n)],
        rng.choice([1.5, 2.0, 2.5, 3.0, 3.5, 4.0], n),
    )
    team_name = pl.Series(team_names).gather(team)
    all_ideas = {i["id"]: i["title"] for i in idea_rows}
    idea_name = pl.Series([all_ideas.get(int(i), "") for i in chosen_idea])
    thread_name = pl.Series([driver_title.get(int(d), "") for d in chosen_driver])
    aim_theme = pl.Series([AIM_THEMES[theme_of_aim[int(a)]][0] for a in aim_of])
    orphan_name = pl.Series(ORPHAN_PROJECTS).gather(rng.integers(0, len(ORPHAN_PROJECTS), n))
    base_title = pl.select(
        pl.when(pl.Series(np.isin(kind, [0, 4])))
        .then(idea_name)
        .when(pl.Series(kind == 1))
        .then(thread_name)
        .when(pl.Series(kind == 2))
        .then(aim_theme)
        .otherwise(orphan_name)
    ).to_series()
    project_title = base_title + " on " + team_name
    tables["project"] = pl.DataFrame(
        {
            "id": project_id,
            "team_id": team_ids[team],
            "title": project_title,
            "lead": _names(rng, n),
            "sponsor": _names(rng, n),
            "status": pl.Series(PROJECT_STATUSES).gather(status),
            "start_date": _days(today, start_offset),
            "end_date": pl.select(pl.when(pl.Series(finished)).then(_days(today, end_offset))).to_series(),
            "local_aim": project_title + " for every eligible patient by " + str(today.year + 1),
            "progress_score": progress.astype(float),
        }
    )

    owner, k = _ragged(cycles)
    count = cycles[owner]
    total = owner.size
    cycle_id = np.arange(total, dtype=np.int64) + 1
    begin = np.where(
        count > 1,
        start_offset[owner] + (last_begin[owner] - start_offset[owner]) * k // np.maximum(count - 1, 1),
        last_begin[owner],
    )
    finish = begin + 14 + 7 * (k % 3)
    in_progress = finish >= 0
    missing = ~in_progress & (rng.random(total) < 0.03)  # finished with no Study or Act: overdue
    no_study = in_progress | missing
    is_last = k == count - 1
    act = np.where(
        is_last, rng.choice(4, total, p=[0.35, 0.4, 0.1, 0.15]), np.minimum(k, 1) * rng.choice([0, 1], total)
    )
    # act: 0 adapt (scale up), 1 adapt (rework), 2 abandon, 3 adopt
    decision = pl.Series(["adapt", "adapt", "abandon", "adopt"]).gather(act)
    act_text = pl.Series(
        [
            "Scale up to the whole ward with the changes from this cycle.",
            "Shorten the prompt and test on nights next.",
            "Abandon this version; staff prefer the huddle approach.",
            "Adopt as standard work; add to the ward induction pack.",
        ]
    ).gather(act)
    pct = rng.integers(45, 96, total)
    predicted = rng.choice([60, 70, 80, 90], total)
    cycle_title = project_title.gather(owner)
    first_test = pl.Series(k == 0)
    scale = pl.Series(
        ["1 nurse, 1 shift", "1 bay, 1 week", "whole ward, 2 weeks", "whole ward, 1 month", "3 wards, 1 month"]
    ).gather(np.minimum(k, 4))
    change_idea_of_cycle = np.where(np.isin(kind, [0, 4]), chosen_idea, -1)[owner]
    builds_on = np.where(k > 0, cycle_id - 1, -1)
    pieces = pl.DataFrame(
        {
            "title": cycle_title,
            "k": k + 1,
            "pct": pct,
            "pred": predicted,
            "first": first_test,
            "scale": scale,
            "no_study": no_study,
            "missing_prediction": rng.random(total) < 0.03,
            "decision": decision,
            "act_text": act_text,
            "planner": _names(rng, total),
        }
    )
    text = pieces.select(
        pl.when(pl.col("first"))
        .then(pl.format("Test {}", pl.col("title")))
        .otherwise(pl.format("{}: cycle {}", pl.col("title"), pl.col("k")))
        .alias("title"),
        pl.format("Find out whether it works at the scale of {}.", pl.col("scale")).alias("objective"),
        pl.when(~pl.col("missing_prediction"))
        .then(pl.format("We predict {}% of eligible patients will receive it.", pl.col("pred")))
        .alias("prediction"),
        pl.format("{} to brief the team; audit 15 patients with a tally sheet.", pl.col("planner")).alias("plan"),
        pl.when(~pl.col("no_study")).then(pl.lit("Carried out as planned on most shifts.")).alias("do_notes"),
        pl.when(~pl.col("no_study"))
        .then(pl.format("{}% achieved against a prediction of {}%.", pl.col("pct"), pl.col("pred")))
        .alias("study_notes"),
        pl.when(~pl.col("no_study")).then(pl.col("decision")).alias("act_decision"),
        pl.when(~pl.col("no_study")).then(pl.col("act_text")).alias("act_notes"),
        (pl.col("decision").eq("adapt") & (pl.col("k") > 1) & ~pl.col("no_study")).alias("scale_up"),
        (pl.col("decision").eq("adopt") & ~pl.col("no_study")).alias("implement"),
        "scale",
    )
    tables["pdsa_cycle"] = (
        pl.DataFrame(
            {
                "id": cycle_id,
                "project_id": project_id[owner],
                "change_idea_id": _ids_or_null(change_idea_of_cycle),
                "builds_on_id": _ids_or_null(builds_on),
                "cycle_number": k + 1,
                "purpose": pl.Series(["develop_change", "test_change", "test_change", "implement_change"]).gather(
                    np.minimum(k, 3)
                ),
                "questions": pl.Series(
                    ["Will staff do it reliably? How long does it take? What gets in the way?"]
                ).gather(np.zeros(total, dtype=np.int64)),
                "start_date": _days(today, begin),
                "end_date": _days(today, finish),
            }
        )
        .hstack(text)
        .select(
            "id",
            "project_id",
            "change_idea_id",
            "builds_on_id",
            "cycle_number",
            "title",
            "purpose",
            "objective",
            "questions",
            "prediction",
            "plan",
            "do_notes",
            "study_notes",
            "act_decision",
            "act_notes",
            "scale_up",
            "implement",
            "scale",
            "start_date",
            "end_date",
        )
    )

    # -- measures -------------------------------------------------------------------------------------
    measure = _measures(
        rng, measures, aims, aim_rows, theme_of_aim, secondaries_of_aim, driver_title, project_id, project_title, status
    )
    observation, phases, exclusions, annotations = _observations(rng, measure, month_list, months)
    tables["measure"] = measure.drop("level_value")
    tables["observation"] = observation
    if phases.height:
        tables["chart_phase"] = phases
    if exclusions.height:
        tables["point_exclusion"] = exclusions
    if annotations.height:
        tables["annotation"] = annotations
    tables["app_user"] = pl.DataFrame(
        [
            dict(username="board", display_name="Board member (synthetic)", role="board_viewer", organisation_id=1),
            dict(
                username="team",
                display_name="Team member (synthetic)",
                role="team_member",
                organisation_id=int(team_ids[0]),
            ),
            dict(
                username="lead", display_name="Improvement lead (synthetic)", role="improvement_lead", organisation_id=1
            ),
            dict(username="admin", display_name="Administrator (synthetic)", role="administrator", organisation_id=1),
        ]
    )
    tables.update(_leadership(rng, end_month, tables["organisation"], leaders))
    tables.update(
        _focus_boards(
            rng, today, tables, team_ids, team_names, [AIM_THEMES[t] for t in theme_of_aim], focus_board_share
        )
    )
    if network_members:
        for table, frame in _network(rng, today, end_month, months, network_members).items():
            tables[table] = pl.concat([tables[table], frame], how="diagonal_relaxed") if table in tables else frame
    return {table: tables[table] for table in TABLES if table in tables}


def _headline(aim: dict, theme: int) -> dict:
    """An aim's headline outcome measure: the chart, unit, level and target its aim statement implies."""
    _, _, unit, _, _ = AIM_THEMES[theme]
    baseline, target = aim["baseline_value"], aim["target_value"]
    if unit.startswith("per 1,000"):
        chart, multiplier, decimals, level = "u", 1000.0, 2, baseline / 1000
    elif unit.startswith("%"):
        chart, multiplier, decimals, level = "p", 100.0, 1, baseline / 100
    elif unit == "cases per month":
        chart, multiplier, decimals, level = "c", 1.0, 0, baseline
    else:
        chart, multiplier, decimals, level = "xmr", 1.0, 2 if baseline < 100 else 0, baseline
    return dict(
        h_chart=chart,
        h_name=f"{aim['title']} ({unit})",
        h_unit=unit,
        h_multiplier=multiplier,
        h_direction="decrease" if target < baseline else "increase",
        h_decimals=decimals,
        h_level=level,
        h_target=target,
    )


def _measures(
    rng, total, aims, aim_rows, theme_of_aim, secondaries_of_aim, driver_title, project_id, project_title, status
) -> pl.DataFrame:
    """Aim-level outcome and balancing measures, process measures on drivers, and the rest on projects.

    Each aim's first outcome measure is its headline measure, charted as its aim statement implies."""
    # Aim level: an outcome measure for most aims, a balancing measure for most, sometimes one more of each.
    outcome = (rng.random(aims) >= 0.04).astype(np.int64) + (rng.random(aims) < 0.3)
    balancing = (rng.random(aims) >= 0.12).astype(np.int64) + (rng.random(aims) < 0.2)
    aim_index = np.concatenate([np.repeat(np.arange(aims), outcome), np.repeat(np.arange(aims), balancing)])
    aim_type = np.array(["outcome"] * outcome.sum() + ["balancing"] * balancing.sum(), dtype=object)
    # Process measures on about 55% of secondary drivers.
    secondary = np.array([d for a in range(aims) for d in secondaries_of_aim[a]], dtype=np.int64)
    on_driver = secondary[rng.random(secondary.size) < 0.55]
    # Never more measures than asked for: aim measures first, then driver measures, then projects.
    aim_index, aim_type = aim_index[:total], aim_type[:total]
    on_driver = on_driver[: max(0, total - aim_index.size)]
    remaining = max(0, total - aim_index.size - on_driver.size)
    # Project measures: one for each open project (planning, active, on hold) except about 5%; the rest go to
    # random projects, finished ones included.
    open_project = status <= 2
    measured = np.flatnonzero(open_project & (rng.random(project_id.size) >= 0.05))
    rng.shuffle(measured)
    first = measured[:remaining]
    more = rng.integers(0, project_id.size, max(0, remaining - first.size))
    on_project = np.sort(np.concatenate([first, more]))
    m_aim, m_driver, m_project = aim_index.size, on_driver.size, on_project.size
    count = m_aim + m_driver + m_project

    chart_names = list(CHART_SHARES)
    chart = rng.choice(len(chart_names), size=count, p=list(CHART_SHARES.values()))
    metric = (rng.random(count) * np.array([len(METRICS[c]) for c in chart_names])[chart]).astype(np.int64)
    definitions = pl.DataFrame(
        [
            dict(
                chart=ci,
                metric=mi,
                metric_name=m[0],
                unit=m[1],
                multiplier=float(m[2]),
                direction=m[3],
                decimal_places=m[4],
                level_low=float(m[5]),
                level_high=float(m[6]),
            )
            for ci, c in enumerate(chart_names)
            for mi, m in enumerate(METRICS[c])
        ],
        schema_overrides={"chart": pl.Int64, "metric": pl.Int64},
    )
    project_type = rng.choice(["process", "outcome", "balancing"], size=m_project, p=[0.8, 0.12, 0.08])
    owner_name = pl.concat(
        [
            pl.Series([aim_rows[a]["title"] for a in aim_index], dtype=pl.Utf8),
            pl.Series([driver_title[int(d)] for d in on_driver], dtype=pl.Utf8),
            project_title.gather(on_project),
        ]
    )
    frame = pl.DataFrame(
        {
            "id": np.arange(count, dtype=np.int64) + 1,
            "owner_name": owner_name,
            "measure_type": np.concatenate([aim_type, np.full(m_driver, "process", dtype=object), project_type]).astype(
                str
            ),
            "aim_id": np.concatenate([aim_index + 1, np.full(m_driver + m_project, -1)]),
            "driver_id": np.concatenate([np.full(m_aim, -1), on_driver, np.full(m_project, -1)]),
            "project_id": np.concatenate([np.full(m_aim + m_driver, -1), project_id[on_project]]),
            "chart": chart,
            "metric": metric,
            "neutral": rng.random(count) < 0.3,
            "has_target": rng.random(count) < 0.5,
            "anhoej": rng.random(count) < 0.12,
            "retired": rng.random(count) < 0.02,
            "level": rng.random(count),
            "source": rng.integers(0, len(DATA_SOURCES), count),
        }
    ).join(definitions, on=["chart", "metric"], how="left")
    chart_type = pl.Series(chart_names).gather(chart)
    frame = (
        frame.with_columns(
            chart_type=chart_type,
            level_value=pl.col("level_low") + pl.col("level") * (pl.col("level_high") - pl.col("level_low")),
        )
        .with_columns(
            name=pl.format("{}: {}", "owner_name", "metric_name"),
            improvement_direction=pl.when(pl.col("neutral") & (pl.col("measure_type") == "balancing"))
            .then(pl.lit("neutral"))
            .otherwise("direction"),
            rules=pl.when((pl.col("chart_type") == "run") | pl.col("anhoej"))
            .then(pl.lit("anhoej"))
            .otherwise(pl.lit("mdc")),
            # A target a little better than the level the data start at (scaled like the chart).
            target_value=pl.when(pl.col("has_target"))
            .then(
                (
                    pl.col("level_value")
                    * pl.when(pl.col("direction") == "increase").then(1.1).otherwise(0.8)
                    * pl.when(pl.col("multiplier") == 100)
                    .then(100.0)
                    .when(pl.col("multiplier") == 1000)
                    .then(1000.0)
                    .otherwise(1.0)
                ).round(2)
            )
            .cast(pl.Float64),
        )
        .with_columns(  # a percentage target stays below 100
            target_value=pl.when(pl.col("multiplier") == 100)
            .then(pl.col("target_value").clip(upper_bound=99.0))
            .otherwise("target_value"),
        )
    )
    outcome_rows = np.flatnonzero(aim_type == "outcome")
    _, first = np.unique(aim_index[outcome_rows], return_index=True)
    heads = [
        dict(id=int(row) + 1, **_headline(aim_rows[aim_index[row]], theme_of_aim[aim_index[row]]))
        for row in outcome_rows[first]
    ]
    if heads:
        frame = frame.join(pl.DataFrame(heads), on="id", how="left").with_columns(
            chart_type=pl.coalesce("h_chart", "chart_type"),
            name=pl.coalesce("h_name", "name"),
            unit=pl.coalesce("h_unit", "unit"),
            multiplier=pl.coalesce("h_multiplier", "multiplier"),
            improvement_direction=pl.coalesce("h_direction", "improvement_direction"),
            decimal_places=pl.coalesce("h_decimals", "decimal_places"),
            level_value=pl.coalesce("h_level", "level_value"),
            target_value=pl.when(pl.col("h_chart").is_not_null()).then("h_target").otherwise("target_value"),
            rules=pl.when(pl.col("h_chart").is_not_null()).then(pl.lit("mdc")).otherwise("rules"),
        )
    # Proportions and percentage run charts carry a numerator and denominator.
    ratio = pl.col("chart_type").is_in(["p", "p_prime"]) | (
        (pl.col("chart_type") == "run") & (pl.col("multiplier") == 100)
    )
    return frame.select(
        "id",
        "name",
        "measure_type",
        *(pl.when(pl.col(c) >= 0).then(pl.col(c)).alias(c) for c in ("aim_id", "driver_id", "project_id")),
        pl.lit("monthly").alias("frequency"),
        "chart_type",
        "rules",
        "improvement_direction",
        "target_value",
        "multiplier",
        "unit",
        pl.col("decimal_places").cast(pl.Int64),
        pl.format("{}, counted for each calendar month.", "name").alias("definition"),
        pl.when(ratio).then(pl.lit("Eligible cases meeting the standard")).alias("numerator_definition"),
        pl.when(ratio)
        .then(pl.lit("All eligible cases"))
        .when(pl.col("chart_type").is_in(["u", "u_prime"]))
        .then(pl.lit("Occupied bed days"))
        .alias("denominator_definition"),
        pl.when(pl.col("chart_type") != "xmr").then(pl.lit("Adult inpatients")).alias("inclusions"),
        pl.when(pl.col("chart_type").is_in(["u", "p"])).then(pl.lit("Day cases")).alias("exclusions"),
        pl.Series(DATA_SOURCES).gather(frame["source"]).alias("data_source"),
        _names(rng, count).alias("owner"),
        pl.lit(30, dtype=pl.Int64).alias("expected_lag_days"),
        pl.when(pl.col("retired")).then(pl.lit("retired")).otherwise(pl.lit("active")).alias("status"),
        # The level the data start at, for the observations; build_large_trust drops it.
        "level_value",
    )


def _observations(rng, measure: pl.DataFrame, month_list, months):
    """Monthly observations (measures x months, vectorised), plus phases, excluded points and annotations."""
    count = measure.height
    t = np.arange(months)
    chart = measure["chart_type"].to_numpy()
    level = measure["level_value"].to_numpy().astype(float)
    decimals = measure["decimal_places"].to_numpy()
    improving = np.where(measure["improvement_direction"].to_numpy() == "decrease", -1.0, 1.0)
    # The signal, in standard deviations of the series' own noise.
    pattern = rng.choice(len(PATTERNS), size=count, p=PATTERN_SHARES)
    toward = np.where(rng.random(count) < 0.7, improving, -improving)
    shift_at = rng.integers(months // 3, max(months // 3 + 1, months - 8), count)
    size = rng.uniform(1.5, 3.0, count)
    signal = np.zeros((count, months))
    shift = pattern == 1
    signal[shift] = (t[None, :] >= shift_at[shift, None]) * size[shift, None]
    trend = pattern == 2
    signal[trend] = (
        np.clip(t[None, :] - shift_at[trend, None], 0, None)
        / (months - shift_at[trend, None])
        * 1.5
        * size[trend, None]
    )
    spike = pattern == 3
    signal[spike, :] = 0
    rows = np.flatnonzero(spike)
    signal[rows, rng.integers(months // 2, months, rows.size)] = rng.uniform(4.5, 6.0, rows.size)
    signal *= toward[:, None]

    value = np.full((count, months), np.nan)
    numerator = np.full((count, months), np.nan)
    denominator = np.full((count, months), np.nan)
    # Proportions: P (and half the run charts) by binomial draws; P' with extra between-period variation.
    run_ratio = (chart == "run") & (measure["multiplier"].to_numpy() == 100)
    proportion = np.isin(chart, ["p", "p_prime"]) | run_ratio
    laney = chart == "p_prime"
    size_n = np.where(laney, rng.integers(2000, 20000, count), rng.integers(20, 400, count)).astype(float)
    n_prop = np.maximum(rng.poisson(size_n[:, None] * rng.uniform(0.85, 1.15, (count, months))), 1).astype(float)
    sd_p = np.sqrt(np.clip(level, 0, 1) * (1 - np.clip(level, 0, 1)) / size_n)
    p_t = level[:, None] + signal * sd_p[:, None] + laney[:, None] * rng.normal(0, 0.02, (count, months))
    p_t = np.clip(p_t, 0.001, 0.999)
    drawn = rng.binomial(n_prop.astype(np.int64), np.where(proportion[:, None], p_t, 0.5)).astype(float)
    numerator[proportion] = drawn[proportion]
    denominator[proportion] = n_prop[proportion]
    # Rates: U by Poisson counts over bed days; U' with gamma-mixed (overdispersed) rates.
    rate = np.isin(chart, ["u", "u_prime"])
    bed_days = np.round(rng.uniform(1500, 9000, count)[:, None] * rng.uniform(0.9, 1.1, (count, months)))
    expected = level[:, None] * bed_days
    expected = np.maximum(expected + signal * np.sqrt(np.maximum(expected, 1)), 0.05)
    expected *= np.where((chart == "u_prime")[:, None], rng.gamma(15.0, 1 / 15.0, (count, months)), 1.0)
    events = rng.poisson(np.where(rate[:, None], expected, 1.0)).astype(float)
    numerator[rate] = events[rate]
    denominator[rate] = bed_days[rate]
    # Counts: C charts.
    counted = chart == "c"
    lam = np.maximum(level[:, None] + signal * np.sqrt(np.maximum(level, 1))[:, None], 0.1)
    value[counted] = rng.poisson(np.where(counted[:, None], lam, 1.0))[counted]
    # Values: XmR and the other run charts, normal noise around the level, rounded to the measure's places.
    plain = ~(proportion | rate | counted)
    spread = level * rng.uniform(0.03, 0.12, count)
    noisy = level[:, None] + (signal + rng.normal(0, 1, (count, months))) * spread[:, None]
    scale = 10.0 ** decimals[:, None]
    value[plain] = (np.round(noisy * scale) / scale)[plain]

    # A few active measures have gone quiet: their 36 months stop QUIET_SHIFT_MONTHS early.
    active = measure["status"].to_numpy() == "active"
    quiet = active & (rng.random(count) < 0.015)
    offset = np.where(quiet, 0, QUIET_SHIFT_MONTHS)
    periods = np.array(month_list, dtype="datetime64[D]")
    period_index = offset[:, None] + t[None, :]
    provisional = np.zeros((count, months), dtype=bool)
    provisional[:, -1] = True
    ids = measure["id"].to_numpy()
    observation = pl.DataFrame(
        {
            "measure_id": np.repeat(ids, months),
            "period_start": pl.Series(periods[period_index.ravel()]).cast(pl.Date),
            "value": value.ravel(),
            "numerator": numerator.ravel(),
            "denominator": denominator.ravel(),
            "note": pl.Series([None] * (count * months), dtype=pl.Utf8),
            "status": np.where(provisional.ravel(), "provisional", "validated"),
            "entered_by": pl.Series([n.lower() for n in FIRST_NAMES]).gather(
                rng.integers(0, len(FIRST_NAMES), count * months)
            ),
        }
    ).with_columns(pl.col(c).fill_nan(None) for c in ("value", "numerator", "denominator"))

    # Phases where a team rebased after a known change (some of the shifted MDC measures), a few excluded
    # points with their reason, and annotations on about a third of the measures.
    rules = measure["rules"].to_numpy()
    rebased = shift & (rules == "mdc") & (rng.random(count) < 0.15)
    phase_rows = np.flatnonzero(rebased)
    phases = pl.DataFrame(
        {
            "measure_id": ids[phase_rows],
            "starts_on": pl.Series(periods[offset[phase_rows] + shift_at[phase_rows]]).cast(pl.Date),
            "reason": pl.Series(["New process adopted across the service"] * phase_rows.size, dtype=pl.Utf8),
            "created_by": _names(rng, phase_rows.size),
        }
    )
    excluded = np.flatnonzero(rng.random(count) < 0.01)
    at = rng.integers(0, max(1, months // 2), excluded.size)
    exclusions = pl.DataFrame(
        {
            "measure_id": ids[excluded],
            "period_start": pl.Series(periods[offset[excluded] + at]).cast(pl.Date),
            "reason": pl.Series(["Data incomplete: electronic record outage"] * excluded.size, dtype=pl.Utf8),
            "created_by": _names(rng, excluded.size),
        }
    )
    annotated = np.flatnonzero(rng.random(count) < 0.33)
    per = rng.integers(1, 3, annotated.size)
    owner, _ = _ragged(per)
    rows = annotated[owner]
    on = rng.integers(0, months, rows.size)
    texts = [
        "Change adopted on the ward",
        "New starters inducted",
        "IT system upgrade",
        "Winter escalation",
        "Audit method changed",
        "Team huddle started",
    ]
    annotations = (
        pl.DataFrame(
            {
                "id": np.arange(rows.size, dtype=np.int64) + 1,
                "measure_id": ids[rows],
                "on_date": pl.Series(periods[offset[rows] + on]).cast(pl.Date),
                "text": pl.Series(texts).gather(rng.integers(0, len(texts), rows.size)),
            }
        )
        .unique(["measure_id", "on_date"], keep="first", maintain_order=True)
        .with_columns(id=pl.int_range(1, pl.len() + 1, dtype=pl.Int64))
    )
    return observation, phases, exclusions, annotations


# -- leadership: self-assessments and team assessments every six months for three years ----------------------

LEADERSHIP_ROUNDS = 6  # one round every six months, the latest in the last complete month
LEADER_LEVELS = (0.08, 0.17, 0.75)  # the shares of leaders who belong to the trust, a division, a team
INITIALS = np.array(list("ABCDEFGHJKLMNPRSTWYZ"))  # a team's raters sign with two initials
GROWTH_NOTES = [
    "Ask a colleague to watch me at the safety huddle.",
    "Block thirty minutes a week for it in the diary.",
    "Pair with a division that does this well.",
    "Try it on one ward for a month, then review.",
    None,
]


def _people(rng: np.random.Generator, count: int) -> pl.Series:
    """``count`` different names (a number added once every first and last name has been used)."""
    pairs = len(FIRST_NAMES) * len(LAST_NAMES)
    code = rng.permutation(max(count, pairs))[:count]
    name = (
        pl.Series(FIRST_NAMES).gather(code % len(FIRST_NAMES))
        + " "
        + pl.Series(LAST_NAMES).gather((code // len(FIRST_NAMES)) % len(LAST_NAMES))
    )
    return pl.select(
        pl.when(pl.lit(pl.Series(code)) >= pairs)
        .then(pl.format("{} {}", pl.lit(name), pl.lit(pl.Series(code // pairs + 1))))
        .otherwise(pl.lit(name))
    ).to_series()


def _bank(rng: np.random.Generator, texts: list | tuple, count: int) -> pl.Series:
    return pl.Series(list(texts), dtype=pl.Utf8).gather(rng.integers(0, len(texts), count))


def _leadership(
    rng: np.random.Generator, end_month: dt.date, organisation: pl.DataFrame, leaders: int
) -> dict[str, pl.DataFrame]:
    """The shipped frameworks and, against them, ``leaders`` people's self-assessments of the five behavioural
    actions and every unit's team assessments (the QI hub's rubric, the board's leverage points, the executive's
    and the teams' own), every six months for three years, with every rater's ratings, a strategy for each item
    rated at the strategy level and a growth edge."""
    from golden_thread.domain.leadership import seed_frames
    from golden_thread.domain.leadership_frameworks import EVERY_LEVEL, FIVE_ACTIONS, HUB_RUBRIC, LEVERAGE_POINTS
    from golden_thread.seed.leadership_demo import STRATEGIES

    rounds = LEADERSHIP_ROUNDS
    round_month = (np.datetime64(end_month, "M") - 6 * (rounds - 1 - np.arange(rounds))).astype("datetime64[D]")
    frameworks = seed_frames(set(), {}, round_month[0].item() - dt.timedelta(days=30))
    keys = frameworks["leadership_framework"].select(pl.col("id").alias("framework_id"), "framework_key")
    scale = frameworks["leadership_scale_level"].group_by("version_id").agg(scale_max=pl.col("level").max())
    versions = (
        frameworks["leadership_framework_version"]
        .join(keys, on="framework_id")
        .join(scale, left_on="id", right_on="version_id")
        .sort("id")
    )
    version_of = dict(zip(versions["framework_key"], versions["id"], strict=True))
    top = int(versions["id"].max()) + 1
    scale_max = np.zeros(top, dtype=np.int64)
    scale_max[versions["id"].to_numpy()] = versions["scale_max"].to_numpy()
    strong = np.zeros(top, dtype=np.int64)
    strong[versions["id"].to_numpy()] = versions["strategy_from"].fill_null(versions["scale_max"]).to_numpy()
    items = frameworks["leadership_item"].sort("version_id", "id")
    item_ids = items["id"].to_numpy()
    item_count = np.bincount(items["version_id"].to_numpy(), minlength=top)
    item_start = np.cumsum(item_count) - item_count
    if leaders == 0:
        return frameworks

    kind, org_id = organisation["kind"].to_numpy(), organisation["id"].to_numpy()
    trust, divisions, teams = org_id[kind == "trust"][0], org_id[kind == "division"], org_id[kind == "team"]
    # Subjects: each leader (self-assessments) and each unit's team (team assessments).
    level = rng.choice(3, leaders, p=LEADER_LEVELS)
    home = np.select(
        [level == 0, level == 1],
        [np.full(leaders, trust), divisions[rng.integers(0, divisions.size, leaders)]],
        teams[rng.integers(0, teams.size, leaders)],
    )
    person = _people(rng, leaders)
    first = rng.choice(4, leaders, p=[0.55, 0.2, 0.15, 0.1])  # some leaders arrive later
    leaves = rng.random(leaders) < 0.1  # some leave before the last round
    last = np.where(leaves, first + (rng.random(leaders) * (rounds - 1 - first)).astype(np.int64), rounds - 1)
    unit_org = np.concatenate([np.full(3, trust), divisions, teams])
    unit_framework = (
        [HUB_RUBRIC, LEVERAGE_POINTS, FIVE_ACTIONS]  # the QI hub, the board, the executive team
        + [HUB_RUBRIC] * divisions.size
        + [FIVE_ACTIONS if t % 2 == 0 else EVERY_LEVEL for t in range(teams.size)]
    )
    units = unit_org.size
    unit_raters = np.concatenate([[5, 7, 6], rng.integers(3, 7, divisions.size), rng.integers(3, 8, teams.size)])
    unit_first = np.concatenate(
        [np.zeros(3 + divisions.size, dtype=np.int64), rng.choice(3, teams.size, p=[0.6, 0.25, 0.15])]
    )
    subjects = leaders + units
    subject_version = np.concatenate(
        [np.full(leaders, version_of[FIVE_ACTIONS]), [version_of[f] for f in unit_framework]]
    ).astype(np.int64)
    subject_scale = scale_max[subject_version]
    base = subject_scale * rng.uniform(0.35, 0.68, subjects)
    growth = (
        subject_scale
        / 5
        * np.where(rng.random(subjects) < 0.7, rng.uniform(0.05, 0.2, subjects), rng.uniform(-0.05, 0.05, subjects))
    )
    item_effect = rng.normal(0, 0.4, (subjects, int(item_count.max())))

    # One assessment per subject per round it took part in.
    first_round = np.concatenate([first, unit_first])
    last_round = np.concatenate([last, np.full(units, rounds - 1)])
    subject, k = _ragged(last_round - first_round + 1)
    count = subject.size
    round_of = first_round[subject] + k
    version = subject_version[subject]
    is_self = subject < leaders
    raters = np.where(is_self, 1, unit_raters[np.maximum(subject - leaders, 0)])
    assessed = round_month[round_of] + rng.integers(0, 27, count).astype("timedelta64[D]")
    assessment_id = np.arange(count, dtype=np.int64) + 1
    person_of = person.gather(np.minimum(subject, max(leaders - 1, 0)))

    # Ratings: every item of the version, by every rater.
    a, j = _ragged(item_count[version])
    item = item_ids[item_start[version[a]] + j]
    r_of, q = _ragged(raters[a])
    owner = a[r_of]
    who = subject[owner]
    score = base[who] + growth[who] * round_of[owner] + item_effect[who, j[r_of]]
    score += np.where(is_self[owner], 0.0, rng.normal(0, 0.55, owner.size))
    rating = np.clip(np.rint(score), 1, scale_max[version[owner]]).astype(np.int64)
    unit = np.maximum(who - leaders, 0)
    initials = pl.Series(INITIALS[(unit + 3 * q) % INITIALS.size]) + pl.Series(
        INITIALS[(7 * unit + 11 * q + 5) % INITIALS.size]
    )
    rater = pl.select(
        pl.when(pl.lit(pl.Series(is_self[owner]))).then(pl.lit(person_of.gather(owner))).otherwise(pl.lit(initials))
    ).to_series()
    ratings = pl.DataFrame(
        {"assessment_id": assessment_id[owner], "item_id": item[r_of], "rater": rater, "rating": rating}
    )

    # The growth edge: the item rated lowest (on average), the first of a tie.
    by_item = ratings.group_by("assessment_id", "item_id").agg(
        mean=pl.col("rating").mean(), highest=pl.col("rating").max()
    )
    edge = by_item.sort("assessment_id", "mean", "item_id").unique("assessment_id", keep="first").sort("assessment_id")
    assessments = pl.DataFrame(
        {
            "id": assessment_id,
            "version_id": version,
            "organisation_id": np.where(
                is_self, home[np.minimum(subject, max(leaders - 1, 0))], unit_org[np.maximum(subject - leaders, 0)]
            ),
            "subject": np.where(is_self, "self", "team"),
            "person": pl.select(pl.when(pl.lit(pl.Series(is_self))).then(pl.lit(person_of))).to_series(),
            "assessed_on": pl.Series(assessed).cast(pl.Date),
            "growth_edge_item_id": edge["item_id"],
            "growth_edge_note": _bank(rng, GROWTH_NOTES, count),
            "entered_by": pl.Series(["lead"] * count),
        }
    ).with_columns(entered_at=pl.col("assessed_on").cast(pl.Datetime("us")) + pl.duration(hours=17))

    # A strategy with its evidence for each item rated at the strategy level (the page asks for one).
    framework_of = dict(zip(versions["id"], versions["framework_key"], strict=True))
    known = pl.DataFrame(
        [
            dict(framework_key=f, item_key=i, known_challenge=c, known_strategy=s, known_evidence=e)
            for (f, i), (c, s, e) in STRATEGIES.items()
        ]
    )
    item_words = items.select(pl.col("id").alias("item_id"), "item_key", pl.col("title").alias("item"))
    strategies = (
        by_item.join(assessments.select(pl.col("id").alias("assessment_id"), "version_id"), on="assessment_id")
        .filter(pl.col("highest") >= pl.col("version_id").replace_strict(dict(enumerate(strong.tolist()))))
        .with_columns(framework_key=pl.col("version_id").replace_strict(framework_of))
        .join(item_words, on="item_id")
        .join(known, on=["framework_key", "item_key"], how="left")
        .sort("assessment_id", "item_id")
    )
    weeks = pl.Series(rng.integers(8, 27, strategies.height))
    strategies = strategies.select(
        pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias("id"),
        "assessment_id",
        "item_id",
        pl.coalesce("known_challenge", pl.format("“{}” slipped whenever the unit was busy", "item")).alias("challenge"),
        pl.coalesce(
            "known_strategy", pl.format("A standing routine for “{}”, reviewed at the weekly huddle", "item")
        ).alias("strategy"),
        pl.coalesce(
            "known_evidence",
            pl.format(
                "Done in {} of {} weeks, tallied on the board by the office door", pl.lit(weeks) - 3, pl.lit(weeks)
            ),
        ).alias("evidence"),
    )
    return {
        **frameworks,
        "leadership_assessment": assessments,
        "leadership_rating": ratings,
        "leadership_strategy": strategies,
    }


# -- focus boards: most teams keep one, with six months of weekly huddles ----------------------------------------

FOCUS_WEEKS = 26
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]
HUDDLE_TIMES = ["08:30", "10:30", "11:00", "13:30", "14:00", "15:00"]
ROSTER_ROLES = ["Sister", "Dr", "HCA", "Staff Nurse", "Physio", "Pharmacist", "OT", "Ward clerk"]
# Per category of the strategy: (the problem a team names, where it focuses, a title when no aim is linked, actions)
FOCUS_WORDS = {
    "Quality": (
        ["Harm happens at night, when fewer staff are on", "Risk assessments are done late or not at all"],
        ["Nights and weekends; the highest-risk patients", "The first 24 hours after admission"],
        "Safer care on every shift",
        [
            "Audit ten handovers for the safety huddle",
            "Risk prompt on the admission checklist",
            "Bedside safety check on the two-hourly round",
            "Escalation card at every bedside",
            "Teach new starters the safety bundle",
        ],
    ),
    "Efficiency": (
        ["Patients who are ready to go wait for paperwork", "Clinics run late because slots are double-booked"],
        ["Discharges before midday", "The first clinic of the day"],
        "Right care, right place, right time",
        [
            "Expected date of discharge at the board round",
            "Medicines to take home ordered the day before",
            "Discharge lounge by 10:00",
            "Book follow-up before the patient leaves",
            "Board round by 10:00 every day",
        ],
    ),
    "Financial": (
        ["Agency staff fill short-notice gaps", "Stock is ordered twice and goes out of date"],
        ["The night rota four weeks ahead", "The store room and the drug cupboard"],
        "Live within our means",
        [
            "Publish the rota six weeks ahead",
            "Offer gaps to our own bank first",
            "Weekly stock check with stores",
            "Swap agency nights for bank at the rota check",
        ],
    ),
    "People": (
        ["Breaks are missed on busy days", "New starters do not feel they can speak up"],
        ["A break plan at the safety brief", "One 'you said, we did' every week"],
        "A great place to work",
        [
            "Break plan at the morning safety brief",
            "'You said, we did' board by the staff room",
            "Return-to-work chat within 48 hours",
            "Wellbeing check as the last item at the huddle",
        ],
    ),
}
LEARNING = [
    "Doing it at the start of the shift, not the end, made it stick.",
    "A paper prompt where people look at handover did more than the e-form.",
    "Asking the owner at the huddle moved it more than email.",
    "Small tests with one bay beat a whole-ward launch.",
    "Nights have their own ideas: ask them.",
    "When it is written on the board, it happens.",
]
ACTION_NOTES = [
    "Ask the matron at the division meeting.",
    "Tally sheet in the handover folder.",
    "Waiting for stores to confirm.",
    "Test on one bay first.",
]


def _focus_boards(
    rng: np.random.Generator,
    today: dt.date,
    tables: dict[str, pl.DataFrame],
    team_ids: np.ndarray,
    team_names: list[str],
    aim_themes: list[tuple],
    share: float,
) -> dict[str, pl.DataFrame]:
    """A focus board for ``share`` of the teams: objectives in the four categories (most tied to an aim of the same
    category and its strategic objective, a few to nothing), measured by a team project's measure or the aim's; ten
    to fifteen actions each; weekly huddles over six months, each reviewing the actions open at it."""
    from golden_thread.domain.enumerations import OBJECTIVE_CATEGORIES
    from golden_thread.seed.focus_demo import FEEDBACK, GENERAL_DECISIONS, REFLECTIONS, TRUST_PURPOSE

    on = np.flatnonzero(rng.random(team_ids.size) < share)
    boards = on.size
    if boards == 0:
        return {}
    board_id = np.arange(boards, dtype=np.int64) + 1
    weekday = rng.integers(0, len(WEEKDAYS), boards)
    # Each board's regulars: one person in each role, by surname ("Sister Patel").
    surname = rng.integers(0, len(LAST_NAMES), (boards, len(ROSTER_ROLES)))

    def regular(board: np.ndarray, seat: np.ndarray) -> pl.Series:
        return pl.Series(ROSTER_ROLES).gather(seat) + " " + pl.Series(LAST_NAMES).gather(surname[board, seat])

    team_name = pl.Series(team_names).gather(on)
    frames: dict[str, pl.DataFrame] = {}
    frames["focus_board"] = pl.DataFrame(
        {
            "id": board_id,
            "unit_id": team_ids[on],
            "name": team_name + " focus board",
            "purpose": pl.Series([TRUST_PURPOSE] * boards),
            "huddle_rhythm": pl.Series(WEEKDAYS).gather(weekday)
            + "s "
            + _bank(rng, HUDDLE_TIMES, boards)
            + " at the board",
            "huddle_minutes": rng.choice([10, 15, 15, 20], boards),
            "status": pl.Series(["active"] * boards),
        }
    )

    # Objectives: one in each category, then one or two more on quality or flow.
    objective_board, position = _ragged(rng.integers(4, 7, boards))
    objectives = objective_board.size
    category = np.where(position < 4, position, rng.integers(0, 2, objectives))
    aim_category = np.array([OBJECTIVE_CATEGORIES.index(theme[1]) for theme in aim_themes])
    by_category = np.argsort(aim_category, kind="stable")
    pick, has_aim = _pick_in_group(rng, aim_category[by_category], len(OBJECTIVE_CATEGORIES), category)
    aim_index = by_category[pick]
    aim_objective = tables["aim"]["objective_id"].to_numpy()
    strategic = tables["strategic_objective"]
    objective_of_category = np.array(
        [
            next((i for i, c in zip(strategic["id"], strategic["category"]) if c == name), -1)
            for name in OBJECTIVE_CATEGORIES
        ]
    )
    # Linked to the aim and its strategic objective, to the strategic objective only, to the aim only, or to
    # nothing (the unlinked_focus_objective break).
    link = rng.choice(4, objectives, p=[0.7, 0.2, 0.07, 0.03])
    aim_id = np.where(has_aim & np.isin(link, [0, 2]), aim_index + 1, -1)
    strategic_id = np.where(
        np.isin(link, [0, 1]),
        np.where(has_aim, aim_objective[aim_index], objective_of_category[category]),
        -1,
    )
    # The measure that shows it: one of the team's project measures, else one on the aim.
    measure = tables["measure"].filter(pl.col("status") == "active")
    project_team = tables["project"]["team_id"].to_numpy() - team_ids[0]  # projects are numbered from 1
    on_project = measure.filter(pl.col("project_id").is_not_null())
    team_of_measure = project_team[on_project["project_id"].to_numpy() - 1]
    order = np.argsort(team_of_measure, kind="stable")
    pick, has_team_measure = _pick_in_group(rng, team_of_measure[order], team_ids.size, on[objective_board])
    team_measure = on_project["id"].to_numpy()[order][pick] if on_project.height else np.zeros(objectives, np.int64)
    on_aim = measure.filter(pl.col("aim_id").is_not_null())
    aim_of_measure = on_aim["aim_id"].to_numpy() - 1
    order = np.argsort(aim_of_measure, kind="stable")
    pick, has_aim_measure = _pick_in_group(rng, aim_of_measure[order], len(aim_themes), np.maximum(aim_id - 1, 0))
    aim_measure = on_aim["id"].to_numpy()[order][pick] if on_aim.height else np.zeros(objectives, np.int64)
    has_aim_measure &= aim_id > 0
    draw = rng.random(objectives)
    measure_id = np.select(
        [
            (draw < 0.55) & has_team_measure,
            (draw < 0.9) & has_aim_measure,
            (draw < 0.9) & has_team_measure,
        ],
        [team_measure, aim_measure, team_measure],
        -1,
    )
    category_name = pl.Series(OBJECTIVE_CATEGORIES).gather(category)
    words = {name: FOCUS_WORDS[name] for name in OBJECTIVE_CATEGORIES}
    unit_word = pl.Series([k.lower() for k in UNIT_KINDS]).gather(on[objective_board] % len(UNIT_KINDS))
    theme_title = pl.Series([t[0] for t in aim_themes]).gather(aim_index)
    generic = category_name.replace_strict({c: w[2] for c, w in words.items()})
    two = rng.integers(0, 2, objectives)
    frames["focus_objective"] = pl.DataFrame(
        {
            "id": np.arange(objectives, dtype=np.int64) + 1,
            "board_id": board_id[objective_board],
            "category": category_name,
            "title": pl.select(
                pl.when(pl.lit(pl.Series(aim_id > 0)))
                .then(pl.format("{} on our {}", pl.lit(theme_title), pl.lit(unit_word)))
                .otherwise(pl.format("{} on our {}", pl.lit(generic), pl.lit(unit_word)))
            ).to_series(),
            "problem": pl.Series([p for c in OBJECTIVE_CATEGORIES for p in words[c][0][:2]]).gather(2 * category + two),
            "focus": pl.Series([f for c in OBJECTIVE_CATEGORIES for f in words[c][1][:2]]).gather(2 * category + two),
            "measure_id": _ids_or_null(measure_id),
            "strategic_objective_id": _ids_or_null(strategic_id),
            "aim_id": _ids_or_null(aim_id),
            "status": pl.Series(["active"] * objectives),
        }
    )

    # Huddles: weekly on the board's day over FOCUS_WEEKS weeks, the latest in the week before today, a few missed.
    last_monday = np.datetime64(today - dt.timedelta(days=today.weekday() + 7), "D")
    monday = last_monday - 7 * (FOCUS_WEEKS - 1 - np.arange(FOCUS_WEEKS))
    held = monday[None, :] + weekday[:, None].astype("timedelta64[D]")
    kept = rng.random((boards, FOCUS_WEEKS)) >= 0.1
    kept[:, 0] = kept[:, -1] = True
    huddle_board, week = np.nonzero(kept)
    huddles = huddle_board.size
    per_board = kept.sum(axis=1)
    first_huddle = np.cumsum(per_board) - per_board
    held_on = held[huddle_board, week]
    huddle_id = np.arange(huddles, dtype=np.int64) + 1

    # Actions: raised at a huddle (or just after one), reviewed at each huddle until done or until now.
    action_board, _ = _ragged(rng.integers(10, 16, boards))
    actions = action_board.size
    held_count = per_board[action_board]
    raised = np.floor(rng.random(actions) ** 0.8 * held_count).astype(np.int64)
    span = rng.integers(2, 7, actions)
    closes = raised + span
    done = closes <= held_count - 1
    at_huddle = rng.random(actions) < 0.85
    raised_on = held_on[first_huddle[action_board] + raised] + np.where(at_huddle, 0, 2).astype("timedelta64[D]")
    open_status = np.where(raised == held_count - 1, 0, rng.choice(3, actions, p=[0.2, 0.55, 0.25]))
    statuses = np.array(["not_started", "on_track", "at_risk"])
    status = np.where(done, "done", statuses[open_status])
    due = raised_on + (7 * np.maximum(span + rng.choice([-1, 0, 0, 1], actions), 1)).astype("timedelta64[D]")
    done_on = held_on[first_huddle[action_board] + np.minimum(closes, held_count - 1)]
    pick, _ = _pick_in_group(rng, objective_board, boards, action_board)
    objective_id = pick + 1
    objective_category = category[pick]
    titles = [t for c in OBJECTIVE_CATEGORIES for t in words[c][3]]
    title_count = np.array([len(words[c][3]) for c in OBJECTIVE_CATEGORIES])
    title_start = np.cumsum(title_count) - title_count
    title_of = title_start[objective_category] + rng.integers(0, 1 << 30, actions) % title_count[objective_category]
    owner = regular(action_board, rng.integers(0, len(ROSTER_ROLES), actions))
    # Some actions serve one of the team's projects, and half of those its latest PDSA cycle begun by then.
    project_team_order = np.argsort(project_team, kind="stable")
    pick, has_project = _pick_in_group(rng, project_team[project_team_order], team_ids.size, on[action_board])
    project_id = np.where(
        has_project & (rng.random(actions) < 0.3), tables["project"]["id"].to_numpy()[project_team_order][pick], -1
    )
    action = pl.DataFrame(
        {
            "id": np.arange(actions, dtype=np.int64) + 1,
            "board_id": board_id[action_board],
            "focus_objective_id": objective_id,
            "title": pl.Series(titles).gather(title_of),
            "owner": owner,
            "due_date": pl.Series(due).cast(pl.Date),
            "status": status,
            "risk_level": rng.choice(["low", "medium", "high"], actions, p=[0.45, 0.4, 0.15]),
            "notes": pl.select(
                pl.when(pl.lit(pl.Series(rng.random(actions) < 0.4))).then(pl.lit(_bank(rng, ACTION_NOTES, actions)))
            ).to_series(),
            "project_id": _ids_or_null(project_id),
            "want_cycle": rng.random(actions) < 0.5,
            "learning": pl.select(
                pl.when(pl.lit(pl.Series(done))).then(pl.lit(_bank(rng, LEARNING, actions)))
            ).to_series(),
            "raised_on": pl.Series(raised_on).cast(pl.Date),
            "done_on": pl.select(
                pl.when(pl.lit(pl.Series(done))).then(pl.lit(pl.Series(done_on).cast(pl.Date)))
            ).to_series(),
            "raised_at_huddle_id": _ids_or_null(
                np.where(at_huddle, huddle_id[first_huddle[action_board] + raised], -1)
            ),
        }
    )
    cycles = (
        tables["pdsa_cycle"]
        .select(pl.col("project_id"), pl.col("start_date").alias("raised_on"), pl.col("id").alias("pdsa_cycle_id"))
        .sort("raised_on")
    )
    wanted = action.filter(pl.col("project_id").is_not_null() & pl.col("want_cycle")).select(
        "id", "project_id", "raised_on"
    )
    found = wanted.sort("raised_on").join_asof(
        cycles, on="raised_on", by="project_id", strategy="backward", check_sortedness=False
    )
    frames["focus_action"] = action.join(found.select("id", "pdsa_cycle_id"), on="id", how="left").select(
        "id",
        "board_id",
        "focus_objective_id",
        "title",
        "owner",
        "due_date",
        "status",
        "risk_level",
        "notes",
        "project_id",
        "pdsa_cycle_id",
        "learning",
        "raised_on",
        "done_on",
        "raised_at_huddle_id",
    )

    # Reviews: each huddle after an action was raised goes through it, until the huddle that closed it.
    reviewed = np.minimum(closes, held_count - 1) - raised
    of, step = _ragged(reviewed)
    at = raised[of] + 1 + step
    stuck = rng.random(actions) < 0.12
    review_status = np.where((step == 0) & (reviewed[of] > 2), "not_started", "on_track")
    review_status = np.where(done[of] & stuck[of] & (at == closes[of] - 1), "at_risk", review_status)
    review_status = np.where(~done[of] & (open_status[of] == 0), "not_started", review_status)
    review_status = np.where(~done[of] & (step == reviewed[of] - 1), status[of], review_status)
    review_status = np.where(done[of] & (at == closes[of]), "done", review_status)
    learning = frames["focus_action"]["learning"].gather(of)
    said = {s: _bank(rng, FEEDBACK["health"][s], of.size) for s in ("not_started", "on_track", "at_risk")}
    review_huddle = huddle_id[first_huddle[action_board[of]] + at]
    reviews = pl.DataFrame(
        {
            "huddle_id": review_huddle,
            "action_id": of.astype(np.int64) + 1,
            "status": review_status,
            "learning": learning,
            **{f"said_{s}": v for s, v in said.items()},
        }
    ).select(
        "huddle_id",
        "action_id",
        "status",
        pl.when(pl.col("status") == "done")
        .then(pl.format("Done. {}", "learning"))
        .when(pl.col("status") == "not_started")
        .then("said_not_started")
        .when(pl.col("status") == "at_risk")
        .then("said_at_risk")
        .otherwise("said_on_track")
        .alias("feedback"),
    )
    frames["huddle_action_review"] = reviews.sort("huddle_id", "action_id")

    # What each huddle decided: its new actions, the actions it closed and those it escalated.
    titled = frames["focus_action"].select(pl.col("id").alias("action_id"), "title", "owner", "raised_at_huddle_id")
    events = pl.concat(
        [
            titled.drop_nulls("raised_at_huddle_id").select(
                pl.col("raised_at_huddle_id").alias("huddle_id"),
                pl.format("New action: {} ({})", "title", "owner").alias("text"),
            ),
            reviews.filter(pl.col("status").is_in(["done", "at_risk"]))
            .join(titled, on="action_id")
            .select(
                "huddle_id",
                pl.when(pl.col("status") == "done")
                .then(pl.format("Closed: {}", "title"))
                .otherwise(pl.format("Escalate: {}", "title"))
                .alias("text"),
            ),
        ]
    )
    decided = events.group_by("huddle_id", maintain_order=True).agg(pl.col("text").str.join("; "))
    reflections = REFLECTIONS["health"]
    ran_to_time = rng.random(huddles) >= 0.2
    attendees = rng.integers(3, 7, huddles)
    seat = (rng.integers(0, len(ROSTER_ROLES), huddles)[:, None] + np.arange(6)[None, :]) % len(ROSTER_ROLES)
    present = pl.DataFrame({f"seat{i}": regular(huddle_board, seat[:, i]) for i in range(seat.shape[1])})
    huddle = pl.DataFrame(
        {
            "id": huddle_id,
            "board_id": board_id[huddle_board],
            "held_on": pl.Series(held_on).cast(pl.Date),
            "attendees": present.select(
                pl.concat_list(pl.all()).list.head(pl.lit(pl.Series(attendees))).list.join(", ")
            ).to_series(),
            "ran_to_time": ran_to_time,
            "why_not_to_time": pl.select(
                pl.when(pl.lit(pl.Series(~ran_to_time))).then(
                    pl.lit(_bank(rng, reflections["why_not_to_time"], huddles))
                )
            ).to_series(),
            **{
                name: _bank(rng, reflections[name], huddles)
                for name in ("went_well", "learned", "not_working", "changes_to_make")
            },
            "recorded_by": pl.Series(["team"] * huddles),
            "general": _bank(rng, GENERAL_DECISIONS["health"], huddles),
        }
    )
    frames["huddle"] = (
        huddle.join(decided.rename({"text": "decided"}), left_on="id", right_on="huddle_id", how="left")
        .with_columns(decisions=pl.coalesce("decided", "general"))
        .select("id", "board_id", *HUDDLE_FIELDS, "recorded_by")
        .sort("id")
    )
    return {
        table: frames[table]
        for table in ("focus_board", "focus_objective", "huddle", "focus_action", "huddle_action_review")
    }


# -- a network beside the trust: a regional collaborative of 50 members ----------------------------------------

NETWORK = "Wessex Deteriorating Patient Collaborative"
NETWORK_ID_BASE = 1_000_000  # every id of the network's rows is above this; the trust's never reach it
NETWORK_LEAD = "Dr Helen Ward, Collaborative Director"
NETWORK_PLACES = [
    "Andover",
    "Basingstoke",
    "Bournemouth",
    "Bridport",
    "Chichester",
    "Christchurch",
    "Dorchester",
    "Eastleigh",
    "Fareham",
    "Gosport",
    "Havant",
    "Lymington",
    "Newbury",
    "Petersfield",
    "Poole",
    "Portsmouth",
    "Ringwood",
    "Romsey",
    "Salisbury",
    "Shaftesbury",
    "Southampton",
    "Swanage",
    "Weymouth",
    "Winchester",
    "Yeovil",
]
NETWORK_SITES = ["General Hospital", "Community Hospital"]
# The shared driver diagram, two versions: (key, v1 title, v2 title); a secondary's parent is its key's prefix.
NETWORK_DRIVERS = [
    ("P1", "Recognise deterioration early", "Recognise deterioration early, every shift"),
    ("P1-S1", "Reliable observations", "Reliable, complete observations"),
    ("P1-S2", "NEWS2 acted on", "NEWS2 acted on"),
    ("P2", "Escalate and respond in time", "Escalate and respond in time"),
    ("P2-S1", "Clear escalation routes", "Clear escalation routes"),
    ("P2-S2", "Senior review within the hour", "Senior review within the hour"),
    ("P3", "Treat sepsis reliably", "Treat sepsis reliably"),
    ("P3-S1", "Screening at the front door", "Screening at the front door"),
    ("P3-S2", "Antibiotics within the hour", "Antibiotics within the hour"),
    ("P4", "Patients and families raise concerns", "Patients and families raise concerns"),
    ("P4-S1", "Families know how to call for help", "Families know how to call for help"),
]
# (key, driver keys, v1 title, v2 title; None where the idea is not in that version)
NETWORK_IDEAS = [
    ("C1", ("P1-S1",), "E-observations at the bedside", "E-observations at the bedside"),
    ("C2", ("P1-S1",), "Observation rounds at fixed times", "Observation rounds at fixed times"),
    ("C3", ("P1-S2", "P2-S1"), "NEWS2 escalation card", "NEWS2 escalation card at every bedside"),
    ("C4", ("P1-S2",), "Safety huddle names the patients at risk", "Safety huddle names the patients at risk"),
    ("C5", ("P2-S1",), "Outreach team bleep on the board", "Outreach team bleep on the board"),
    ("C6", ("P2-S2",), "Registrar review within 60 minutes", "Registrar review within 60 minutes"),
    ("C7", ("P2-S2",), "SBAR for every escalation call", "SBAR for every escalation call"),
    ("C8", ("P3-S1",), "Sepsis screening at triage", "Sepsis screening at triage"),
    ("C9", ("P3-S1",), "Sepsis screening on the wards", "Sepsis screening on the wards"),
    ("C10", ("P3-S2",), "Sepsis grab bags", "Sepsis grab bags"),
    ("C11", ("P3-S2",), "Antibiotic cupboard on the ward", "Antibiotic cupboard on the ward"),
    ("C12", ("P3-S2",), "Nurse-initiated first dose", "Nurse-initiated first dose"),
    ("C13", ("P4-S1",), "Call 4 Concern leaflet", "Call 4 Concern leaflet and posters"),
    ("C14", ("P4-S1",), "Family concern asked at every ward round", "Family concern asked at every ward round"),
    ("C15", ("P2-S1", "P1-S2"), "Deterioration simulation training", "Deterioration simulation training"),
    ("C16", ("P1-S1",), "Pulse oximeters at every bed space", None),
    ("C17", ("P4-S1",), None, "Patient-held early warning diary"),
    ("C18", ("P2-S2",), None, "Critical care outreach in-reach at night"),
]
# Uniform measures on the network aim: (name, type, chart, direction, multiplier, unit, decimals, level, target)
NETWORK_MEASURES = [
    (
        "Ward cardiac arrests per 1,000 admissions",
        "outcome",
        "u",
        "decrease",
        1000.0,
        "per 1,000 admissions",
        2,
        0.0014,
        0.8,
    ),
    (
        "Unplanned critical care admissions from wards per 1,000 admissions",
        "outcome",
        "u",
        "decrease",
        1000.0,
        "per 1,000 admissions",
        2,
        0.006,
        4.0,
    ),
    (
        "Observations with NEWS2 of 5 or more escalated within one hour (%)",
        "process",
        "p",
        "increase",
        100.0,
        "%",
        1,
        0.68,
        90.0,
    ),
    ("Suspected sepsis given antibiotics within one hour (%)", "process", "p", "increase", 100.0, "%", 1, 0.62, 90.0),
    (
        "Rapid response calls per 1,000 admissions",
        "balancing",
        "u",
        "neutral",
        1000.0,
        "per 1,000 admissions",
        1,
        0.02,
        None,
    ),
]


def _network(
    rng: np.random.Generator, today: dt.date, end_month: dt.date, months: int, members: int
) -> dict[str, pl.DataFrame]:
    """A regional collaborative of ``members`` hospitals (one improvement team each) working on one network aim:
    most joined at its launch, some a year later, a few left; a shared driver diagram in two versions; local
    aims; the uniform measures reported by every member each month it belonged; local projects testing the
    shared change ideas with PDSA ramps whose Act decisions fill the learning grid. Ids above NETWORK_ID_BASE."""
    base = NETWORK_ID_BASE
    month_list = np.array(_months_back(end_month, months), dtype="datetime64[D]")
    launch = month_list[0]
    hub = base + 1
    member_id = base + 2 + np.arange(members)
    team_id = base + 2 + members + np.arange(members)
    code = np.arange(members)
    sites = len(NETWORK_PLACES) * len(NETWORK_SITES)
    place = pl.Series(NETWORK_PLACES).gather(code % len(NETWORK_PLACES))
    name = (
        place + " " + pl.Series(NETWORK_SITES).gather((code // len(NETWORK_PLACES)) % len(NETWORK_SITES))
    ).to_numpy()
    name = np.where(
        code >= sites, np.char.add(name.astype(str), np.char.add(" ", (code // sites + 1).astype(str))), name
    )
    # Membership: most at the launch, the rest a year later; a few leave after a year or more.
    joined_month = np.where(rng.random(members) < 0.7, 0, min(12, months - 1))
    joined_on = month_list[joined_month] + np.timedelta64(14, "D")
    leave_month = joined_month + rng.integers(12, 21, members)
    leaves = (rng.random(members) < 0.06) & (leave_month < months - 2)
    left_on = np.where(leaves, month_list[np.minimum(leave_month, months - 1)] - np.timedelta64(1, "D"), joined_on)
    last_month = np.where(leaves, np.minimum(leave_month, months - 1) - 1, months - 1)

    def days(values: np.ndarray) -> pl.Series:
        return pl.Series(values.astype("datetime64[D]")).cast(pl.Date)

    def left_or_null(values: np.ndarray) -> pl.Series:
        return pl.select(pl.when(pl.lit(pl.Series(leaves))).then(pl.lit(days(values)))).to_series()

    frames: dict[str, pl.DataFrame] = {}
    frames["organisation"] = pl.DataFrame(
        {
            "id": np.concatenate([[hub], member_id, team_id]),
            "name": [NETWORK] + name.tolist() + [f"{n} deterioration team" for n in name.tolist()],
            "kind": ["network"] + ["division"] * members + ["team"] * members,
            "parent_id": np.concatenate([[-1], np.full(members, hub), member_id]),
            "vocabulary": ["health"] * (1 + 2 * members),
        }
    ).with_columns(parent_id=pl.when(pl.col("parent_id") > 0).then("parent_id"))
    frames["network_membership"] = pl.DataFrame(
        {
            "network_id": np.full(members, hub),
            "member_id": member_id,
            "joined_on": days(joined_on),
            "left_on": left_or_null(left_on),
        }
    )
    frames["strategic_objective"] = pl.DataFrame(
        {
            "id": [hub],
            "organisation_id": [hub],
            "title": ["No avoidable deaths from deterioration in our region"],
            "category": ["Quality"],
            "description": ["The collaborative's shared purpose."],
            "status": ["active"],
        }
    )
    # The network aim, and each member's local aim specialising it.
    network_aim = base + 1
    local_aim = base + 2 + np.arange(members)
    target_date = dt.date(end_month.year + 1, 3, 31)
    local_baseline = np.round(rng.uniform(1.1, 1.8, members), 2)
    local_target = np.round(local_baseline * rng.uniform(0.5, 0.7, members), 2)
    frames["aim"] = pl.DataFrame(
        {
            "id": np.concatenate([[network_aim], local_aim]),
            "objective_id": np.full(members + 1, hub),
            "title": ["Halve ward cardiac arrests across the collaborative"]
            + [f"Fewer ward cardiac arrests at {n}" for n in name.tolist()],
            "statement": [
                f"Reduce ward cardiac arrests from 1.4 to 0.8 per 1,000 admissions by {target_date:%B %Y} across every member"
            ]
            + [
                f"Reduce ward cardiac arrests at {n} from {b} to {t} per 1,000 admissions by {target_date:%B %Y}"
                for n, b, t in zip(name.tolist(), local_baseline, local_target)
            ],
            "population": ["Adult inpatients"] * (members + 1),
            "location": ["Every member hospital"] + name.tolist(),
            "baseline_value": np.concatenate([[1.4], local_baseline]),
            "baseline_period": [f"The year before {launch.item():%B %Y}"] * (members + 1),
            "target_value": np.concatenate([[0.8], local_target]),
            "target_date": [target_date] * (members + 1),
            "responsible_leader": [NETWORK_LEAD] + [f"Medical Director, {n}" for n in name.tolist()],
            "adopted_on": pl.concat([days(np.array([launch])), days(joined_on)]),
            "status": ["active"] + np.where(leaves, "retired", "active").tolist(),
        }
    )
    frames["local_aim"] = pl.DataFrame(
        {"aim_id": local_aim, "network_aim_id": np.full(members, network_aim), "member_id": member_id}
    )

    # The shared driver diagram: the launch's version, retired, and the one reworded after a year (small loops).
    frames["driver_diagram"] = pl.DataFrame(
        {"id": [base + 1], "aim_id": [network_aim], "title": ["Deteriorating patient: collaborative driver diagram"]}
    )
    second = month_list[min(12, months - 1)]
    frames["driver_diagram_version"] = pl.DataFrame(
        {
            "id": [base + 1, base + 2],
            "diagram_id": [base + 1, base + 1],
            "version_number": [1, 2],
            "effective_from": days(np.array([launch, second])),
            "author": [NETWORK_LEAD.split(",")[0]] * 2,
            "change_note": [
                "Agreed at the launch learning session",
                "Reworded after a year; two ideas added, one dropped",
            ],
            "status": ["retired", "active"],
        }
    )
    driver_rows, link_rows, idea_rows, idea_driver_rows = [], [], [], []
    idea_id: dict[tuple[int, str], int] = {}
    for v in (0, 1):
        version = base + 1 + v
        ids: dict[str, int] = {}
        for key, *titles in NETWORK_DRIVERS:
            ids[key] = base + 1 + len(driver_rows)
            level = "secondary" if "-" in key else "primary"
            driver_rows.append(
                dict(
                    id=ids[key], version_id=version, node_key=f"N-{key}", level=level, title=titles[v], description=None
                )
            )
            if level == "secondary":
                link_rows.append(
                    dict(parent_driver_id=ids[key.split("-")[0]], child_driver_id=ids[key], strength="strong")
                )
        for key, drivers, *titles in NETWORK_IDEAS:
            if titles[v] is None:
                continue
            idea_id[(v, key)] = base + 1 + len(idea_rows)
            idea_rows.append(
                dict(id=idea_id[(v, key)], version_id=version, node_key=f"N-{key}", title=titles[v], description=None)
            )
            for d, driver in enumerate(drivers):
                idea_driver_rows.append(
                    dict(
                        change_idea_id=idea_id[(v, key)], driver_id=ids[driver], strength="strong" if d == 0 else "weak"
                    )
                )
    frames["driver"] = pl.DataFrame(driver_rows, schema_overrides={"description": pl.Utf8})
    frames["driver_link"] = pl.DataFrame(link_rows)
    frames["change_idea"] = pl.DataFrame(idea_rows, schema_overrides={"description": pl.Utf8})
    frames["change_idea_driver"] = pl.DataFrame(idea_driver_rows)

    # Local projects: three to ten per member (fewer for those who left), most testing a shared change idea.
    active_ideas = np.array([idea_id[(1, k)] for k, *_ in NETWORK_IDEAS if (1, k) in idea_id])
    active_titles = [t[3] for t in NETWORK_IDEAS if t[3] is not None]
    retired_ideas = np.array(
        [idea_id[(0, k)] for k, *_ in NETWORK_IDEAS if (0, k) in idea_id and (1, k) not in idea_id]
    )
    retired_titles = [t[2] for t in NETWORK_IDEAS if t[2] is not None and t[3] is None]
    per_member = np.where(leaves, rng.integers(1, 4, members), rng.integers(3, 11, members))
    member, _ = _ragged(per_member)
    projects = member.size
    project_id = base + 1 + np.arange(projects)
    popular = rng.dirichlet(np.full(active_ideas.size, 1.0))
    pick = rng.choice(active_ideas.size, projects, p=popular)
    kind = rng.choice(3, projects, p=[0.92, 0.04, 0.04])  # a shared idea, the dropped idea, no idea (orphan)
    retired_pick = rng.integers(0, retired_ideas.size, projects) if retired_ideas.size else np.zeros(projects, np.int64)
    kind = np.where((kind == 1) & (retired_ideas.size == 0), 0, kind)
    chosen = np.select(
        [kind == 0, kind == 1], [active_ideas[pick], retired_ideas[retired_pick] if retired_ideas.size else 0], -1
    )
    idea_title = pl.select(
        pl.when(pl.lit(pl.Series(kind == 0)))
        .then(pl.lit(pl.Series(active_titles).gather(pick)))
        .when(pl.lit(pl.Series(kind == 1)))
        .then(
            pl.lit(
                pl.Series(retired_titles or [""]).gather(
                    retired_pick if retired_ideas.size else np.zeros(projects, np.int64)
                )
            )
        )
        .otherwise(pl.lit(pl.Series(ORPHAN_PROJECTS).gather(rng.integers(0, len(ORPHAN_PROJECTS), projects))))
    ).to_series()
    title = idea_title + " at " + pl.Series(name).gather(member)
    today_d = np.datetime64(today, "D")
    member_end = np.where(leaves, left_on, today_d)[member]
    available = (member_end - joined_on[member]).astype(np.int64)
    start = joined_on[member] + (rng.random(projects) * np.maximum(available - 90, 1)).astype("timedelta64[D]")
    status = np.where(
        leaves[member], 4, rng.choice(5, projects, p=[0.1, 0.55, 0.05, 0.25, 0.05])
    )  # PROJECT_STATUSES: planning, active, on_hold, completed, closed
    finished = status >= 3
    end = np.where(
        leaves[member],
        member_end,
        np.minimum(start + rng.integers(90, 400, projects).astype("timedelta64[D]"), today_d - np.timedelta64(20, "D")),
    )
    end = np.maximum(end, start)
    frames["project"] = pl.DataFrame(
        {
            "id": project_id,
            "team_id": team_id[member],
            "title": title,
            "lead": _names(rng, projects),
            "sponsor": _names(rng, projects),
            "status": pl.Series(PROJECT_STATUSES).gather(status),
            "start_date": days(start),
            "end_date": pl.select(pl.when(pl.lit(pl.Series(finished))).then(pl.lit(days(end)))).to_series(),
            "local_aim": title + ": every patient with a NEWS2 of 5 or more reviewed within the hour",
            "progress_score": rng.choice([1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5], projects),
        }
    )
    linked = kind != 2
    frames["project_link"] = pl.concat(
        [
            pl.DataFrame(
                {
                    "project_id": project_id[linked],
                    "is_primary": np.ones(linked.sum(), dtype=bool),
                    "aim_id": pl.Series([None] * int(linked.sum()), dtype=pl.Int64),
                    "driver_id": pl.Series([None] * int(linked.sum()), dtype=pl.Int64),
                    "change_idea_id": chosen[linked],
                }
            ),
            pl.DataFrame(
                {
                    "project_id": project_id[linked],
                    "is_primary": np.zeros(linked.sum(), dtype=bool),
                    "aim_id": local_aim[member[linked]],
                    "driver_id": pl.Series([None] * int(linked.sum()), dtype=pl.Int64),
                    "change_idea_id": pl.Series([None] * int(linked.sum()), dtype=pl.Int64),
                }
            ),
        ]
    ).sort("project_id", "is_primary", descending=[False, True])

    # PDSA ramps: from the project's start to its latest test; the last cycle's Act decides for the member.
    cycles = np.where(status == 0, rng.integers(0, 2, projects), rng.integers(2, 9, projects))
    latest = np.where(
        status == 1,
        today_d - rng.integers(5, 50, projects).astype("timedelta64[D]"),
        np.where(
            finished,
            end - rng.integers(14, 40, projects).astype("timedelta64[D]"),
            today_d - rng.integers(20, 120, projects).astype("timedelta64[D]"),
        ),
    )
    latest = np.maximum(latest, start)
    owner, k = _ragged(cycles)
    n = cycles[owner]
    total = owner.size
    cycle_id = base + 1 + np.arange(total)
    span = (latest - start).astype(np.int64)[owner]
    begin = start[owner] + (span * k // np.maximum(n - 1, 1)).astype("timedelta64[D]")
    begin = np.where(n == 1, latest[owner], begin)
    finish = begin + (14 + 7 * (k % 2)).astype("timedelta64[D]")
    studied = finish < today_d
    is_last = k == n - 1
    decision = np.where(is_last, rng.choice(3, total, p=[0.38, 0.37, 0.25]), 1)  # adopt, adapt, abandon
    decision_word = pl.Series(["adopt", "adapt", "abandon"]).gather(decision)
    pct, predicted = rng.integers(40, 96, total), rng.choice([60, 70, 80], total)
    cycle_title = title.gather(owner)
    frames["pdsa_cycle"] = pl.DataFrame(
        {
            "id": cycle_id,
            "project_id": project_id[owner],
            "change_idea_id": _ids_or_null(chosen[owner]),
            "builds_on_id": _ids_or_null(np.where(k > 0, cycle_id - 1, -1)),
            "cycle_number": k + 1,
            "title": pl.select(
                pl.when(pl.lit(pl.Series(k == 0)))
                .then(pl.format("{}: first small test", pl.lit(cycle_title)))
                .otherwise(pl.format("{}: cycle {}", pl.lit(cycle_title), pl.lit(pl.Series(k + 1))))
            ).to_series(),
            "purpose": pl.Series(["develop_change", "test_change", "test_change", "implement_change"]).gather(
                np.minimum(k, 3)
            ),
            "objective": pl.Series(["Learn whether it works on a larger scale than last time."] * total),
            "questions": pl.Series(["Will every shift do it? Does it reach the patients at risk?"] * total),
            "prediction": pl.format(
                "We predict {}% of eligible patients will get it.", pl.lit(pl.Series(predicted))
            ).pipe(lambda e: pl.select(e).to_series()),
            "plan": pl.Series(["Brief the shift at the safety huddle; tally each day."] * total),
            "do_notes": pl.select(pl.when(pl.lit(pl.Series(studied))).then(pl.lit("Ran on most shifts."))).to_series(),
            "study_notes": pl.select(
                pl.when(pl.lit(pl.Series(studied))).then(
                    pl.format("{}% against a prediction of {}%.", pl.lit(pl.Series(pct)), pl.lit(pl.Series(predicted)))
                )
            ).to_series(),
            "act_decision": pl.select(pl.when(pl.lit(pl.Series(studied))).then(pl.lit(decision_word))).to_series(),
            "act_notes": pl.select(
                pl.when(pl.lit(pl.Series(studied))).then(
                    pl.lit(
                        pl.Series(
                            ["Adopt as standard work.", "Adapt and test again.", "Abandon: try another idea."]
                        ).gather(decision)
                    )
                )
            ).to_series(),
            "scale_up": studied & (decision == 1) & (k > 0),
            "implement": studied & (decision == 0),
            "scale": pl.Series(
                ["1 nurse, 1 shift", "1 bay, 1 week", "whole ward, 2 weeks", "whole ward, 1 month"]
            ).gather(np.minimum(k, 3)),
            "start_date": days(begin),
            "end_date": days(finish),
        }
    )

    # Uniform measures (the hub's definitions), each member's report of each, and each project's own measure.
    u = len(NETWORK_MEASURES)
    uniform_id = base + 1 + np.arange(u)
    report_id = base + 1 + u + np.arange(members * u)  # member-major: member m's report of measure j
    project_measure = base + 1 + u + members * u + np.arange(projects)
    spec = pl.DataFrame(
        NETWORK_MEASURES,
        schema=[
            "name",
            "measure_type",
            "chart_type",
            "improvement_direction",
            "multiplier",
            "unit",
            "decimal_places",
            "level",
            "target_value",
        ],
        orient="row",
    )
    report_member = np.repeat(np.arange(members), u)
    report_spec = np.tile(np.arange(u), members)
    uniform = spec.with_columns(
        id=pl.Series(uniform_id),
        aim_id=pl.lit(network_aim),
        project_id=pl.lit(None, pl.Int64),
        owner=pl.lit(NETWORK_LEAD.split(",")[0]),
        data_source=pl.lit("Collaborative data hub (definition)"),
        status=pl.lit("active"),
    )
    reports = spec[report_spec].with_columns(
        id=pl.Series(report_id),
        name=pl.format("{} · {}", "name", pl.lit(pl.Series(name).gather(report_member))),
        aim_id=pl.Series(local_aim[report_member]),
        project_id=pl.lit(None, pl.Int64),
        owner=pl.lit("Deterioration lead"),
        data_source=pl.lit("Member's patient record"),
        status=pl.Series(np.where(leaves[report_member], "retired", "active")),
    )
    local = pl.DataFrame(
        {
            "id": project_measure,
            "name": title + ": patients reached (%)",
            "measure_type": ["process"] * projects,
            "chart_type": ["p"] * projects,
            "improvement_direction": ["increase"] * projects,
            "multiplier": np.full(projects, 100.0),
            "unit": ["%"] * projects,
            "decimal_places": np.ones(projects, dtype=np.int64),
            "level": np.full(projects, 0.5),
            "target_value": pl.Series([None] * projects, dtype=pl.Float64),
            "aim_id": pl.Series([None] * projects, dtype=pl.Int64),
            "project_id": project_id,
            "owner": frames["project"]["lead"],
            "data_source": ["Team tally sheet"] * projects,
            "status": np.where(status == 4, "retired", "active"),
        }
    )
    ratio = pl.col("chart_type") == "p"
    frames["measure"] = pl.concat([uniform, reports, local], how="diagonal_relaxed").select(
        pl.col("id").cast(pl.Int64),
        "name",
        "measure_type",
        pl.col("aim_id").cast(pl.Int64),
        pl.lit(None, pl.Int64).alias("driver_id"),
        pl.col("project_id").cast(pl.Int64),
        pl.lit("monthly").alias("frequency"),
        "chart_type",
        pl.lit("mdc").alias("rules"),
        "improvement_direction",
        pl.col("target_value").cast(pl.Float64),
        pl.col("multiplier").cast(pl.Float64),
        "unit",
        pl.col("decimal_places").cast(pl.Int64),
        pl.format("{}, counted for each calendar month.", "name").alias("definition"),
        pl.when(ratio)
        .then(pl.lit("Eligible patients who got it"))
        .otherwise(pl.lit("Events"))
        .alias("numerator_definition"),
        pl.when(ratio)
        .then(pl.lit("Eligible patients"))
        .otherwise(pl.lit("Adult admissions"))
        .alias("denominator_definition"),
        pl.lit("Adult inpatients").alias("inclusions"),
        pl.lit("Maternity and paediatrics").alias("exclusions"),
        "data_source",
        "owner",
        pl.lit(30, dtype=pl.Int64).alias("expected_lag_days"),
        "status",
    )
    frames["member_measure"] = pl.DataFrame(
        {"measure_id": report_id, "uniform_measure_id": uniform_id[report_spec], "member_id": member_id[report_member]}
    )

    # Observations: every month each member belonged (a matrix of reports x months), and each project's months.
    t = np.arange(months)
    belongs = (t[None, :] >= joined_month[report_member][:, None]) & (t[None, :] <= last_month[report_member][:, None])
    level = spec["level"].to_numpy()[report_spec] * rng.uniform(0.8, 1.25, report_spec.size)
    better = np.where(spec["improvement_direction"].to_numpy()[report_spec] == "decrease", -1.0, 1.0)
    better = np.where(spec["improvement_direction"].to_numpy()[report_spec] == "neutral", 0.0, better)
    improves = rng.random(members)[report_member] < 0.55  # a member's measures move together when its changes take
    shift_at = rng.integers(months // 4, max(months // 4 + 1, months - 6), members)[report_member]
    lift = improves[:, None] * (t[None, :] >= shift_at[:, None]) * rng.uniform(0.15, 0.35, report_spec.size)[:, None]
    is_rate = spec["chart_type"].to_numpy()[report_spec] == "u"
    admissions = np.round(
        rng.uniform(1500, 6000, members)[report_member][:, None] * rng.uniform(0.9, 1.1, (report_spec.size, months))
    )
    eligible = np.maximum(
        rng.poisson(rng.uniform(60, 400, report_spec.size)[:, None] * np.ones((1, months))), 5
    ).astype(np.int64)
    rate = level[:, None] * (1 + better[:, None] * lift)
    share = np.clip(level[:, None] + better[:, None] * lift * (1 - level[:, None]), 0.01, 0.99)
    numerator = np.where(
        is_rate[:, None],
        rng.poisson(np.where(is_rate[:, None], rate * admissions, 1.0)),
        rng.binomial(eligible, np.where(is_rate[:, None], 0.5, share)),
    ).astype(float)
    denominator = np.where(is_rate[:, None], admissions, eligible).astype(float)
    row, col = np.nonzero(belongs)
    last_of_row = last_month[report_member][row]
    member_obs = pl.DataFrame(
        {
            "measure_id": report_id[row],
            "period_start": days(month_list[col]),
            "value": pl.Series([None] * row.size, dtype=pl.Float64),
            "numerator": numerator[row, col],
            "denominator": denominator[row, col],
            "status": np.where((col == last_of_row) & ~leaves[report_member][row], "provisional", "validated"),
        }
    )
    first_month = np.searchsorted(month_list, start.astype("datetime64[M]").astype("datetime64[D]"))
    project_last = np.where(
        finished, np.searchsorted(month_list, end.astype("datetime64[M]").astype("datetime64[D]")), months - 1
    )
    project_last = np.minimum(project_last, months - 1)
    reported = np.maximum(project_last - first_month + 1, 0)
    p_owner, step = _ragged(reported)
    reach = np.clip(0.4 + 0.03 * step + rng.normal(0, 0.03, p_owner.size), 0.05, 0.95)
    tallied = rng.integers(15, 60, p_owner.size)
    project_obs = pl.DataFrame(
        {
            "measure_id": project_measure[p_owner],
            "period_start": days(month_list[first_month[p_owner] + step]),
            "value": pl.Series([None] * p_owner.size, dtype=pl.Float64),
            "numerator": rng.binomial(tallied, reach).astype(float),
            "denominator": tallied.astype(float),
            "status": pl.Series(["validated"] * p_owner.size),
        }
    )
    frames["observation"] = (
        pl.concat([member_obs, project_obs])
        .with_columns(note=pl.lit(None, pl.Utf8), entered_by=pl.lit("hub"))
        .select("measure_id", "period_start", "value", "numerator", "denominator", "note", "status", "entered_by")
    )
    frames["app_user"] = pl.DataFrame(
        [
            dict(
                username="hub",
                display_name="Collaborative improvement lead (synthetic)",
                role="improvement_lead",
                organisation_id=hub,
            ),
            dict(
                username="hubadmin",
                display_name="Collaborative administrator (synthetic)",
                role="administrator",
                organisation_id=hub,
            ),
        ]
    )
    return frames
