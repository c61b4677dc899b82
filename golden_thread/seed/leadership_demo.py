"""The demo trust's leadership practice: a few assessments built by seeded code, beside the demo's aims.

The trust's QI hub rates itself on the hub rubric twice (six months apart) and the Medicine division's hub once;
the Chief Nurse and the executive team rate the five behavioural actions twice (self vs team, now vs last time);
Ward 7, the Emergency Department and the Acute Medical Unit rate theirs; the board rates the seven leverage
points twice. Every team member's rating is kept, with a spread; every rating at the strategy level carries a
strategy with its evidence (the page would ask for one), and each assessment names a growth edge.
"""

from __future__ import annotations

import datetime as dt
import random

import polars as pl

from golden_thread.domain.leadership import frames
from golden_thread.domain.leadership_frameworks import EVERY_LEVEL, FIVE_ACTIONS, HUB_RUBRIC, LEVERAGE_POINTS

# (challenge, strategy, evidence) by framework and item key: LEADERSHIP.md's "challenge -> strategy -> evidence".
STRATEGIES: dict[tuple[str, str], tuple[str, str, str]] = {
    (HUB_RUBRIC, "build-and-monitor-network-membership"): (
        "Teams joined the programme without a clear commitment to an aim",
        "A one-page membership charter each team lead signs with their sponsor: a system-level aim, protected time, "
        "monthly data",
        "Process measure: 11 of 12 teams returned a signed charter; two teams left by agreement rather than drifting "
        "away",
    ),
    (HUB_RUBRIC, "build-connections-hub-members"): (
        "Teams said they did not know whom to ask in the QI hub",
        "Each team has a named hub coach with a fortnightly 20-minute check-in",
        "Process measure: 86% of planned check-ins took place over six months; hub survey: “I know whom to ask” rose "
        "from 41% to 78%",
    ),
    (HUB_RUBRIC, "launch-strong-improvement-teams"): (
        "New teams stalled before their first PDSA cycle",
        "A two-session launch: aim, driver diagram and first PDSA cycle planned before the team leaves the room",
        "Process measure: median days from launch to first PDSA cycle fell from 63 to 14 (run chart, 9 launches)",
    ),
    (HUB_RUBRIC, "build-internal-team-learning"): (
        "Improvement team connections dropped (network health survey)",
        "Weekly reports on improvement work",
        "Process measure: 7 of 10 teams submitted every weekly report; annual measure: survey score for internal "
        "team connections improved",
    ),
    (HUB_RUBRIC, "build-an-evidence-based-culture"): (
        "Papers to the quality committee described projects without data",
        "Every project report to the quality committee leads with its run or SPC chart",
        "Process measure: every project report since April includes a chart; committee minutes cite the charts",
    ),
    (HUB_RUBRIC, "build-trust"): (
        "Ward teams feared their data would be used to blame them",
        "Hub rule: a team sees and annotates its own data before anyone reports it",
        "Hub survey: “our data are used to learn, not to blame” rose from 2.6 to 3.4 out of 5",
    ),
    (HUB_RUBRIC, "establish-communication-tools-and-routines"): (
        "Updates were lost in email",
        "One monthly improvement bulletin and a shared channel for each aim",
        "Process measure: the bulletin is opened by 64% of staff on the list; all five aim channels active every month",
    ),
    (HUB_RUBRIC, "plan-logistics"): (
        "Learning sessions clashed with clinical rotas",
        "Learning sessions set a year ahead, run twice (08:00 and 13:00), with backfill agreed with matrons",
        "Attendance rose from 48% to 81% of team members per session",
    ),
    (HUB_RUBRIC, "build-cross-team-learning"): (
        "Wards tested the same change idea without knowing it",
        "A monthly 30-minute “steal with pride” huddle across the four medical wards: each brings one PDSA cycle "
        "and its chart",
        "Process measure: 10 of 12 monthly huddles held; 6 change ideas adopted by a second ward within three months",
    ),
    (FIVE_ACTIONS, "reflection"): (
        "Busy weeks passed without stopping to think",
        "Fifteen minutes every Friday with the weekly reflection questions, written in a notebook",
        "Done in 21 of 24 weeks; two changes to how I run the nursing board came from it",
    ),
    (FIVE_ACTIONS, "go-see"): (
        "I saw the wards only through reports",
        "A standing Tuesday gemba walk on one ward, asking about one measure and never fixing on the spot",
        "38 walks in nine months; 14 barriers raised by staff removed, tracked on the walk log",
    ),
    (FIVE_ACTIONS, "active-listening"): (
        "Staff ideas were lost at handover",
        "I repeat back each idea at the safety huddle and write it on the ideas board",
        "42 ideas logged in six months; 9 tested as PDSA cycles",
    ),
    (FIVE_ACTIONS, "have-a-coach"): (
        "Shift leads learned improvement methods on their own",
        "Each band 7 shift lead has a QI faculty coach for an hour a month, working on their own PDSA cycle",
        "8 of 9 band 7s have a coach; their shifts logged three times as many PDSA cycles as last year",
    ),
    (FIVE_ACTIONS, "buddy-system"): (
        "No one gave feedback on how we led huddles",
        "Buddy pairs observe each other's huddle once a fortnight with a five-question card",
        "Observation cards returned for 70% of planned pairings; huddle length steadier (run chart)",
    ),
    (LEVERAGE_POINTS, "lp1-specific-aims"): (
        "Too many priorities for the board to follow",
        "Five system-level aims agreed by the board, each with a target, a date and one outcome measure",
        "Five active aims, all with a target and a date; the board reviews them every month",
    ),
    (LEVERAGE_POINTS, "lp1-monthly-feedback"): (
        "Quarterly reports hid change for months",
        "Monthly Making Data Count charts for every aim in the board pack",
        "Board pack published monthly; outcome measures updated monthly",
    ),
    (LEVERAGE_POINTS, "lp1-board-oversight"): (
        "Aims were set but not followed up",
        "Each aim is a standing item, with its SPC chart, at the board quality committee",
        "Quality committee minutes: every aim reviewed at 10 of the last 12 meetings",
    ),
    (LEVERAGE_POINTS, "lp2-committee-review"): (
        "The medical executive did not see the measures",
        "The Medical Director presents the sepsis and falls charts at the medical staff committee every month",
        "Medical staff committee minutes record the review at 9 of 12 meetings",
    ),
    (LEVERAGE_POINTS, "lp3-board-agendas"): (
        "Quality came last on the agenda",
        "Quality and the system-level aims come first on every public board agenda",
        "Board agendas: first item at 11 of the last 12 meetings",
    ),
    (LEVERAGE_POINTS, "lp3-transparency"): (
        "Staff could not see progress on the aims",
        "Aim charts published on the intranet and on ward boards every month",
        "Intranet page views 1,900 a month; charts on 12 of 12 ward boards (audit)",
    ),
    (EVERY_LEVEL, "observe-actual-work"): (
        "Leaders ran the unit from the office",
        "Consultant and nurse in charge walk the board round together and follow one admission end to end each week",
        "Weekly walk done 11 of 12 weeks; four delays removed from the admission process (process map)",
    ),
    (EVERY_LEVEL, "regular-time-to-talk"): (
        "No protected time to talk about the work",
        "A 20-minute improvement huddle every Wednesday, protected on the rota",
        "Held 22 of 26 weeks; nine staff attend on average",
    ),
}

# Each assessment: (key, framework, organisation name, subject, person, raters, months before last month, day,
#                   base rating by item key (others: the default), default, growth edge, growth edge note)
_HUB_NOW = {
    "build-and-monitor-network-membership": 3,
    "build-connections-hub-members": 3,
    "launch-strong-improvement-teams": 4,
    "build-internal-team-learning": 3,
    "build-cross-team-learning": 2,
    "build-an-evidence-based-culture": 3,
    "build-a-collective-identity": 2,
    "build-trust": 3,
    "establish-communication-tools-and-routines": 3,
    "plan-logistics": 4,
}
_HUB_BEFORE = {
    "launch-strong-improvement-teams": 3,
    "build-cross-team-learning": 1,
    "build-a-collective-identity": 1,
    "establish-communication-tools-and-routines": 3,
    "plan-logistics": 3,
}
_ACTIONS_SELF_NOW = {
    "reflection": 4,
    "go-see": 4,
    "asking-effective-questions": 3,
    "active-listening": 3,
    "a3-thinking": 2,
    "buddy-system": 2,
    "have-a-coach": 3,
    "leader-standard-work": 3,
}
_ACTIONS_SELF_BEFORE = {
    "reflection": 3,
    "go-see": 3,
    "asking-effective-questions": 3,
    "active-listening": 2,
    "a3-thinking": 2,
    "buddy-system": 1,
    "have-a-coach": 2,
    "leader-standard-work": 2,
}
_ACTIONS_TEAM_NOW = {
    "reflection": 3,
    "go-see": 3,
    "asking-effective-questions": 3,
    "active-listening": 2,
    "a3-thinking": 2,
    "buddy-system": 2,
    "have-a-coach": 2,
    "leader-standard-work": 3,
}
_ACTIONS_TEAM_BEFORE = {
    "reflection": 2,
    "go-see": 2,
    "asking-effective-questions": 3,
    "active-listening": 2,
    "a3-thinking": 1,
    "buddy-system": 1,
    "have-a-coach": 2,
    "leader-standard-work": 2,
}
_BOARD_NOW = {
    "lp1-specific-aims": 4,
    "lp1-monthly-feedback": 3,
    "lp1-board-oversight": 3,
    "lp2-committee-review": 3,
    "lp3-board-agendas": 3,
    "lp3-transparency": 3,
    "lp3-calendars": 1,
    "lp4-patients-families-community": 1,
    "lp5-financial-planning": 1,
}
_BOARD = ["HW", "DA", "CH", "AR", "ME", "PN", "JO"]
_HUB_TEAM = ["SB", "TK", "RM", "LW", "DF"]
ASSESSMENTS = [
    (
        HUB_RUBRIC,
        "trust",
        "team",
        None,
        _HUB_TEAM,
        6,
        9,
        _HUB_BEFORE,
        2,
        "build-internal-team-learning",
        "Teams tell us they do not learn from each other inside their own team.",
    ),
    (
        HUB_RUBRIC,
        "trust",
        "team",
        None,
        _HUB_TEAM,
        0,
        9,
        _HUB_NOW,
        2,
        "build-cross-team-learning",
        "Our four medical wards rarely learn from each other's tests.",
    ),
    (
        HUB_RUBRIC,
        "medicine",
        "team",
        None,
        ["NP", "GO", "HS", "YR"],
        0,
        14,
        {"build-internal-team-learning": 3, "build-cross-team-learning": 4, "build-trust": 3},
        2,
        "build-a-collective-identity",
        "Teams identify with their ward, not with the division's aims.",
    ),
    (FIVE_ACTIONS, "trust", "self", "Claire Holt", None, 6, 6, _ACTIONS_SELF_BEFORE, 2, "go-see", ""),
    (
        FIVE_ACTIONS,
        "trust",
        "self",
        "Claire Holt",
        None,
        0,
        6,
        _ACTIONS_SELF_NOW,
        2,
        "buddy-system",
        "Ask a colleague to observe a quality committee I chair.",
    ),
    (
        FIVE_ACTIONS,
        "trust",
        "team",
        None,
        ["AR", "ME", "PN", "JO", "DK", "SW"],
        6,
        7,
        _ACTIONS_TEAM_BEFORE,
        2,
        None,
        "",
    ),
    (
        FIVE_ACTIONS,
        "trust",
        "team",
        None,
        ["AR", "ME", "PN", "JO", "DK", "SW"],
        0,
        7,
        _ACTIONS_TEAM_NOW,
        2,
        "active-listening",
        "The executive team talks more than it listens at walk-rounds.",
    ),
    (
        FIVE_ACTIONS,
        "ward7",
        "self",
        "Jo Bennett",
        None,
        0,
        16,
        {"go-see": 4, "active-listening": 4, "have-a-coach": 1, "a3-thinking": 2},
        3,
        "have-a-coach",
        "Find a coach outside the ward.",
    ),
    (
        FIVE_ACTIONS,
        "ward7",
        "team",
        None,
        ["JB", "AK", "MO", "TS"],
        0,
        16,
        {"have-a-coach": 1, "a3-thinking": 2, "buddy-system": 2},
        3,
        "have-a-coach",
        "",
    ),
    (
        FIVE_ACTIONS,
        "ed",
        "team",
        None,
        ["RK", "PL", "SN", "GH", "TB"],
        0,
        18,
        {"have-a-coach": 4, "buddy-system": 4, "a3-thinking": 2},
        3,
        "a3-thinking",
        "",
    ),
    (
        LEVERAGE_POINTS,
        "trust",
        "team",
        None,
        _BOARD,
        6,
        20,
        {"lp1-specific-aims": 2},
        2,
        "lp1-monthly-feedback",
        "Monthly measures for every aim.",
    ),
    (
        LEVERAGE_POINTS,
        "trust",
        "team",
        None,
        _BOARD,
        0,
        20,
        _BOARD_NOW,
        2,
        "lp2-strategy-measures",
        "Weekly measures of each strategy, reviewed by the executive.",
    ),
    (
        EVERY_LEVEL,
        "amu",
        "team",
        None,
        ["FA", "BM", "CK", "LT"],
        0,
        12,
        {"observe-actual-work": 3, "regular-time-to-talk": 3},
        2,
        "follow-up",
        "Close the loop on what staff raise.",
    ),
]


def _months_before(month: dt.date, count: int) -> dt.date:
    index = month.year * 12 + month.month - 1 - count
    return dt.date(index // 12, index % 12 + 1, 1)


def demo_leadership(
    framework_frames: dict[str, pl.DataFrame], organisations: pl.DataFrame, today: dt.date, seed: int = 20261123
) -> dict[str, pl.DataFrame]:
    """Assessment, rating and strategy rows for the demo trust, against the seeded frameworks' first versions."""
    from golden_thread.seed.demo import DIVISIONS, TRUST, last_complete_month

    rng = random.Random(seed)
    names = dict(zip(organisations["name"].to_list(), organisations["id"].to_list()))
    units = {
        "trust": names[TRUST],
        "medicine": names[DIVISIONS[0]],
        "ward7": names["Ward 7 (Elderly Care)"],
        "ed": names["Emergency Department"],
        "amu": names["Acute Medical Unit"],
    }
    keys = dict(
        zip(
            framework_frames["leadership_framework"]["id"].to_list(),
            framework_frames["leadership_framework"]["framework_key"].to_list(),
        )
    )
    versions = framework_frames["leadership_framework_version"].with_columns(
        pl.col("framework_id").replace_strict(keys).alias("framework_key")
    )
    version_of = dict(zip(versions["framework_key"].to_list(), versions["id"].to_list()))
    threshold = dict(zip(versions["framework_key"].to_list(), versions["strategy_from"].to_list()))
    top = framework_frames["leadership_scale_level"].group_by("version_id").agg(pl.col("level").max())
    top = dict(zip(top["version_id"].to_list(), top["level"].to_list()))
    items = framework_frames["leadership_item"]
    last_month = last_complete_month(today)
    rows: dict[str, list[dict]] = {"leadership_assessment": [], "leadership_rating": [], "leadership_strategy": []}
    for number, (framework, unit, subject, person, raters, months_ago, day, base, default, edge, note) in enumerate(
        ASSESSMENTS, start=1
    ):
        version = version_of[framework]
        own = items.filter(pl.col("version_id") == version)
        item_ids = dict(zip(own["item_key"].to_list(), own["id"].to_list()))
        when = _months_before(last_month, months_ago) + dt.timedelta(days=day - 1)
        rows["leadership_assessment"].append(
            dict(
                id=number,
                version_id=version,
                organisation_id=units[unit],
                subject=subject,
                person=person,
                assessed_on=when,
                growth_edge_item_id=item_ids[edge] if edge else None,
                growth_edge_note=note or None,
                entered_by="lead",
                entered_at=dt.datetime.combine(when, dt.time(17, 0)),
            )
        )
        strong = threshold[framework]
        for key, item_id in item_ids.items():
            level = base.get(key, default)
            if level >= strong and (framework, key) not in STRATEGIES:
                raise ValueError(f"demo: {framework} {key} rated {level} needs a strategy")
            for rater in raters or [person]:
                # A team's spread: most members agree, some one level either side; a rating below the strategy
                # level only ever moves down, so every strategy the page would ask for is in STRATEGIES.
                shift = rng.choice((-1, 0, 0, 1) if level >= strong else (-1, 0, 0)) if raters else 0
                rating = min(max(level + shift, 1), top[version] if level >= strong else strong - 1)
                rows["leadership_rating"].append(
                    dict(assessment_id=number, item_id=item_id, rater=rater, rating=rating)
                )
            if level >= strong:
                challenge, strategy, evidence = STRATEGIES[(framework, key)]
                rows["leadership_strategy"].append(
                    dict(
                        id=len(rows["leadership_strategy"]) + 1,
                        assessment_id=number,
                        item_id=item_id,
                        challenge=challenge,
                        strategy=strategy,
                        evidence=evidence,
                    )
                )
    return frames(rows)
