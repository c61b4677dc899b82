"""A large synthetic trust for scale tests: the demo's tables at the size of a big NHS system.

``build_large_trust(today)`` returns every row keyed by table, parents first, in the same table shapes as
``demo.build_demo_trust`` (so ``Store.insert_tables`` loads it the same way). The defaults give 8 divisions,
125 teams, 50 system-level aims, 400 drivers in the active diagram versions (plus the copies in a few
retired versions), about 900 change ideas, 5,000 projects, 40,000 PDSA cycles and 3,000 measures of
every chart type with 36 monthly observations each (108,000 observations).

Everything per project, cycle, measure and observation is generated with numpy and polars column
operations (the only Python loops are over aims and drivers): the trust builds in about 0.2 s and
loads in about 1 s. The same ``today`` and ``seed`` give the same trust. The thread carries the breaks a quality
committee would find in a real portfolio, each a small share: orphan projects, aims no project serves,
primary drivers with nothing beneath them, untested change ideas, open projects with no measure, stale
projects, overdue PDSA cycles, cycles without a prediction, measures gone quiet, aims with no balancing
measure or no target date, and links to a retired diagram version.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

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
) -> dict[str, pl.DataFrame]:
    """Every row of a large synthetic organisation, keyed by table name, parents first.

    ``drivers`` counts the drivers of the active diagram versions (primary and secondary); retired versions
    hold copies of theirs. Observations are monthly and end at the last complete month before ``today``.
    """
    if aims < 1 or drivers < aims or projects < 1 or measures < 0 or pdsa_cycles < 0 or months < 1:
        raise ValueError("need at least one aim, one driver per aim and one project, and months >= 1")
    rng = np.random.default_rng(seed)
    end_month = last_complete_month(today)
    month_list = _months_back(end_month, months + QUIET_SHIFT_MONTHS)  # the extra months are for quiet measures
    first_month = month_list[QUIET_SHIFT_MONTHS]
    tables: dict[str, pl.DataFrame] = {}

    # -- organisation: trust, divisions, teams ----------------------------------------------------------
    n_div = len(DIVISIONS)
    n_teams = max(2 * n_div, projects // 40)
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
