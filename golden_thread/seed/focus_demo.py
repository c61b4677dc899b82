"""The demo's focus boards and huddles (DOMAIN §4.5, issue 17): three wards of the trust and two schools of the network.

``demo_focus_boards(frames, today)`` reads the demo rows already built (``demo.build_demo_trust`` and, when present,
``demo_network.build_demo_network``) and returns the rows of the five focus tables. Each board carries the
trust's (or the network's) purpose at its top, objectives in all four categories tied to the strategy and measured
by the demo's own measures, six months of weekly huddles with their reflections, and actions in every state, each
reviewed at the huddles held while it was open. Everything is looked up by name in the frames (a renamed aim or
measure fails the build loudly) and drawn from a seeded ``random.Random``, so the demo is the same every time.

One objective, on the Emergency Department's board, deliberately serves no strategic objective or aim: the demo's
break for the check ``unlinked_focus_objective``, listed in ``FOCUS_BREAKS`` beside the trust's ``demo.DEMO_BREAKS``.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

import polars as pl

from golden_thread.domain.vocabulary import EDUCATION
from golden_thread.seed.demo_network import ID_BASE

# The boards' deliberate break, by rule: the Emergency Department's objective that serves nothing (its id is fixed by
# the order the boards are built in; ``demo_focus_boards`` refuses to build anything else).
FOCUS_BREAKS: dict[str, list[int]] = {"unlinked_focus_objective": [13]}
TABLES = ("focus_board", "focus_objective", "huddle", "focus_action", "huddle_action_review")
WEEKS = 26  # six months of weekly huddles

TRUST_PURPOSE = "Safe, kind, effective care for every patient, every time"
SCHOOL_PURPOSE = "Every student known, every student learning"


@dataclass(frozen=True)
class Objective:
    category: str
    title: str
    problem: str
    focus: str
    measure: str | None  # the measure's name in the demo
    aim: str | None  # the aim's title
    strategic: str | None  # the strategic objective's title


@dataclass(frozen=True)
class Done:
    """An action the team finished: what it learned is kept."""

    title: str
    owner: str
    objective: int  # index into the board's objectives
    risk: str
    notes: str | None
    learning: str
    project: str | None = None  # the team's project it served (title)
    cycle: bool = False  # serves the project's latest PDSA cycle started before it was raised
    at_huddle: bool = True  # raised at a huddle (else between huddles, by whoever spotted it)
    stuck: bool = False  # was at risk for a week before it was done


@dataclass(frozen=True)
class Open:
    """An action still open at the last huddle, in the state that huddle left it."""

    title: str
    owner: str
    objective: int
    risk: str
    notes: str | None
    status: str  # not_started, on_track or at_risk
    overdue: bool = False
    project: str | None = None
    cycle: bool = False
    at_huddle: bool = True


@dataclass(frozen=True)
class Board:
    unit: str  # the organisation unit's name
    name: str
    purpose: str
    rhythm: str
    weekday: int  # Monday 0
    recorded_by: str
    roster: tuple[str, ...]  # the first is there nearly every week
    objectives: tuple[Objective, ...]
    done: tuple[Done, ...]
    open: tuple[Open, ...]
    words: str = "health"
    skipped: int = 3  # weeks without a huddle (leave, a ward move, a bank holiday)


# -- The trust's three wards ------------------------------------------------------------------------------------

_SAFE, _FLOW, _MEANS, _PLACE = (
    "Safe, effective care every time",
    "Right care, right place, right time",
    "Live within our means",
    "A great place to work",
)
_FALLS, _SEPSIS, _LOS, _AGENCY, _ENGAGEMENT = (
    "Reduce inpatient falls with harm",
    "Reduce deaths from sepsis",
    "Reduce length of stay for emergency admissions",
    "Reduce agency staffing spend",
    "Improve staff engagement",
)

WARD_7 = Board(
    unit="Ward 7 (Elderly Care)",
    name="Ward 7 focus board",
    purpose=TRUST_PURPOSE,
    rhythm="Tuesdays 10:30 at the board",
    weekday=1,
    recorded_by="team",
    roster=(
        "Sister Okafor",
        "Dr Patel",
        "HCA Lewis",
        "Physio Sam",
        "Staff Nurse Chen",
        "Pharmacist Ali",
        "OT Grace",
        "Ward clerk Jo",
    ),
    objectives=(
        Objective(
            "Quality",
            "Fewer falls with harm on Ward 7",
            "Most of our falls are at night, when patients get up for the toilet on their own.",
            "Bays 1 and 3 on nights; everyone over 80 with a history of falls.",
            "Inpatient falls with harm per 1,000 occupied bed days",
            _FALLS,
            _SAFE,
        ),
        Objective(
            "Quality",
            "A falls safety huddle at every handover",
            "High-risk patients are not always named at handover, so bank staff do not know who they are.",
            "The 07:30 and 19:30 handovers; the falls sticker on the bed board.",
            "Falls safety huddle at handover: % of eligible patients",
            _FALLS,
            _SAFE,
        ),
        Objective(
            "Efficiency",
            "Every patient knows their expected date of discharge",
            "Discharges slip because the EDD is set late and families are not told.",
            "EDD on the whiteboard within 24 hours of admission.",
            "EDD set within 24 hours of admission: % of eligible patients",
            _LOS,
            _FLOW,
        ),
        Objective(
            "Financial",
            "Fill our gaps from the bank, not agency",
            "Late rota changes mean agency nurses on nights at short notice.",
            "The night rota four weeks ahead; swaps agreed at the huddle.",
            "Agency nursing spend (£k)",
            _AGENCY,
            _MEANS,
        ),
        Objective(
            "People",
            "Everyone gets their break and feels heard",
            "Breaks are missed on busy days and new starters say they do not speak up.",
            "A break plan at the safety brief; one 'you said, we did' each week.",
            "Staff engagement score (out of 10)",
            _ENGAGEMENT,
            _PLACE,
        ),
    ),
    done=(
        Done(
            "Lying and standing BP prompt on the admission checklist",
            "Staff Nurse Chen",
            0,
            "medium",
            "Ask IT to add it to the e-form; paper prompt meanwhile.",
            "A paper prompt at the nurses' station did more than the e-form: people see it at handover.",
            project="Lying and standing blood pressure on admission",
            cycle=True,
        ),
        Done(
            "Non-slip socks stocked in every bay",
            "HCA Lewis",
            0,
            "low",
            "Order through stores, not the ward budget.",
            "Stores deliver on Mondays only: order on Friday or the bays run out by Wednesday.",
        ),
        Done(
            "Falls sticker on the bed board for high-risk patients",
            "Sister Okafor",
            1,
            "low",
            None,
            "Bank staff use the sticker straight away; nobody had to be told twice.",
            project="Falls safety huddle at handover",
            cycle=True,
        ),
        Done(
            "Call bell within reach: check on the two-hourly round",
            "HCA Lewis",
            0,
            "medium",
            "Add to the intentional rounding sheet.",
            "Checking the bell on the round took seconds; the sheet was the hard part, so we shortened it.",
            at_huddle=False,
        ),
        Done(
            "EDD written on the whiteboard at the board round",
            "Dr Patel",
            2,
            "medium",
            "Consultants to agree the EDD before 11:00.",
            "When the consultant says the date out loud, the nurse writes it: ask, don't chase.",
            project="EDD set within 24 hours of admission",
            stuck=True,
        ),
        Done(
            "Night rota published four weeks ahead",
            "Sister Okafor",
            3,
            "high",
            "Rota lead on leave in August.",
            "Four weeks ahead let the bank fill most gaps; two weeks was too late for the bank to help.",
            stuck=True,
        ),
        Done(
            "Break plan written at the 07:30 safety brief",
            "Staff Nurse Chen",
            4,
            "low",
            None,
            "Naming who covers whose break at the brief meant breaks happened, even on a busy day.",
        ),
        Done(
            "'Call, don't fall' leaflet given on admission",
            "OT Grace",
            0,
            "low",
            "Large-print copies from the patient information team.",
            "Families read the leaflet more than patients do: give it at visiting time too.",
            project="'Call, don't fall' bedside leaflet",
        ),
    ),
    open=(
        Open(
            "Sensor mats for bays 1 and 3 on nights",
            "Sister Okafor",
            0,
            "high",
            "Business case with the matron; two mats borrowed from Ward 9 meanwhile.",
            "at_risk",
            overdue=True,
        ),
        Open(
            "Audit ten handovers for the falls safety huddle",
            "Staff Nurse Chen",
            1,
            "medium",
            "Tally sheet in the handover folder.",
            "on_track",
            project="Falls safety huddle at handover",
            cycle=True,
        ),
        Open(
            "Lying and standing BP on nights: test with one nurse",
            "HCA Lewis",
            0,
            "medium",
            "Next PDSA cycle; ask the night coordinator first.",
            "on_track",
            overdue=True,
            project="Lying and standing blood pressure on admission",
            cycle=True,
        ),
        Open(
            "Tell families the EDD at visiting time",
            "Dr Patel",
            2,
            "low",
            None,
            "not_started",
            at_huddle=False,
        ),
        Open(
            "'You said, we did' board by the staff room",
            "Ward clerk Jo",
            4,
            "low",
            "Reuse the old notice board from the day room.",
            "on_track",
        ),
        Open(
            "Swap agency nights for bank at the weekly rota check",
            "Sister Okafor",
            3,
            "medium",
            "Temporary staffing to send the bank list on Mondays.",
            "not_started",
        ),
    ),
)

WARD_9 = Board(
    unit="Ward 9 (Respiratory)",
    name="Ward 9 focus board",
    purpose=TRUST_PURPOSE,
    rhythm="Wednesdays 14:00 at the board",
    weekday=2,
    recorded_by="hannah",
    roster=(
        "Charge Nurse Lewis",
        "Dr Evans",
        "Respiratory Physio Mo",
        "Staff Nurse Green",
        "HCA Wright",
        "Discharge coordinator Lucy",
        "Pharmacist Daniel",
    ),
    objectives=(
        Objective(
            "Quality",
            "No falls from slipping on Ward 9",
            "Breathless patients get up quickly and slip in their own socks.",
            "Non-slip socks for everyone on oxygen; the bays nearest the toilets.",
            "Inpatient falls with harm per 1,000 occupied bed days",
            _FALLS,
            _SAFE,
        ),
        Objective(
            "Quality",
            "Spot and escalate the deteriorating patient",
            "Rising NEWS2 scores on nights are not always escalated within the hour.",
            "NEWS2 of 5 or more on nights; the escalation card at every bedside.",
            "Escalation of deteriorating patients: compliance (%)",
            _SEPSIS,
            _SAFE,
        ),
        Objective(
            "Efficiency",
            "Home by midday with criteria-led discharge",
            "Patients who are ready wait for a doctor to sign them off in the afternoon.",
            "COPD patients meeting the criteria agreed on the ward round.",
            "Criteria-led discharge: % of eligible patients",
            _LOS,
            _FLOW,
        ),
        Objective(
            "Financial",
            "Bank shifts filled before agency is booked",
            "Short-notice gaps on nights go straight to agency.",
            "Gaps known on the Wednesday offered to our own bank first.",
            "Bank shift fill rate (%)",
            _AGENCY,
            _MEANS,
        ),
        Objective(
            "People",
            "A healthy, rested team",
            "Sickness on the ward rose over the winter and the team is tired.",
            "Return-to-work chats within 48 hours; wellbeing check at the huddle.",
            "Sickness absence (%)",
            _ENGAGEMENT,
            _PLACE,
        ),
    ),
    done=(
        Done(
            "Non-slip socks for every patient on oxygen",
            "HCA Wright",
            0,
            "low",
            "Sizes run out: keep a box in the sluice.",
            "Putting the socks on at admission, not at the first fall, made it routine.",
            project="Non-slip socks at the bedside",
            cycle=True,
        ),
        Done(
            "Escalation card at every bedside",
            "Staff Nurse Green",
            1,
            "medium",
            None,
            "Night staff used the card when it named who to call, not just the score.",
        ),
        Done(
            "Criteria for discharge agreed on the ward round",
            "Dr Evans",
            2,
            "medium",
            "Consultants to sign the criteria sheet.",
            "The criteria work when written at the ward round; added later they are forgotten.",
            project="Criteria-led discharge",
            cycle=True,
            stuck=True,
        ),
        Done(
            "TTOs ordered the day before discharge",
            "Pharmacist Daniel",
            2,
            "medium",
            None,
            "Pharmacy can turn TTOs round by 10:00 if they have them by 16:00 the day before.",
            at_huddle=False,
        ),
        Done(
            "Offer Wednesday gaps to our own bank first",
            "Charge Nurse Lewis",
            3,
            "high",
            "Bank office closes at 16:00.",
            "Half the gaps were filled by our own staff when asked directly, rather than through the system.",
        ),
        Done(
            "Return-to-work chat within 48 hours",
            "Charge Nurse Lewis",
            4,
            "low",
            None,
            "A short chat on the first shift back matters more than the form.",
        ),
        Done(
            "Oxygen prescriptions checked at the safety brief",
            "Pharmacist Daniel",
            1,
            "low",
            None,
            "Three patients a week had no oxygen target: the brief catches them before the round.",
        ),
    ),
    open=(
        Open(
            "Criteria-led discharge at weekends",
            "Dr Evans",
            2,
            "high",
            "Weekend registrar not yet on board; raise at the division meeting.",
            "at_risk",
            overdue=True,
            project="Criteria-led discharge",
            cycle=True,
        ),
        Open(
            "NEWS2 refresher for new starters",
            "Staff Nurse Green",
            1,
            "medium",
            "Practice educator has slots on Thursdays.",
            "on_track",
        ),
        Open(
            "Discharge lounge by 10:00 for patients going home",
            "Discharge coordinator Lucy",
            2,
            "medium",
            None,
            "not_started",
            at_huddle=False,
        ),
        Open(
            "Wellbeing check as the last item at the huddle",
            "Respiratory Physio Mo",
            4,
            "low",
            None,
            "on_track",
        ),
        Open(
            "Self-rostering: ask the team who wants to try it",
            "Charge Nurse Lewis",
            3,
            "medium",
            "Critical Care's pilot to share what they learned.",
            "not_started",
            overdue=True,
        ),
    ),
)

EMERGENCY_DEPARTMENT = Board(
    unit="Emergency Department",
    name="ED focus board",
    purpose=TRUST_PURPOSE,
    rhythm="Thursdays 08:45 after the bed meeting, at the board in majors",
    weekday=3,
    recorded_by="tom",
    roster=(
        "Nurse in charge Harris",
        "Dr Adeyemi",
        "Sister Clarke",
        "ENP Oliver",
        "HCA Rachel",
        "Receptionist Sam",
        "Pharmacist Ali",
    ),
    objectives=(
        Objective(
            "Quality",
            "Antibiotics within the hour for sepsis",
            "Antibiotics are late when the patient waits in the corridor.",
            "Sepsis grab bags in resus and majors; screening at triage.",
            "Antibiotics within one hour of sepsis recognition (%)",
            _SEPSIS,
            _SAFE,
        ),
        Objective(
            "Quality",
            "NEWS2 at triage for every adult",
            "NEWS2 is missed at triage when the waiting room is full.",
            "Walk-in patients between 16:00 and midnight.",
            "NEWS2 at triage for every adult: % of eligible patients",
            _SEPSIS,
            _SAFE,
        ),
        Objective(
            "Efficiency",
            "Stream walk-in patients at the front door",
            "Minor injuries wait behind majors in one queue.",
            "A senior nurse at the front door from 10:00 to 22:00.",
            "ED streaming at the front door: % of eligible patients",
            None,  # the demo's deliberate break: nobody tied it to the strategy
            None,
        ),
        Objective(
            "Financial",
            "Fewer agency nurses on the rota",
            "Agency nurses fill our night gaps at twice the cost.",
            "Night shifts in majors; the rota six weeks ahead.",
            "Agency nursing spend (£k)",
            _AGENCY,
            _MEANS,
        ),
        Objective(
            "People",
            "Every shift gets a break and a debrief",
            "After a hard case the team goes straight back to the queue.",
            "A hot debrief after every resus call; breaks planned at the start of the shift.",
            None,  # no demo measure counts debriefs yet
            None,
            _PLACE,
        ),
    ),
    done=(
        Done(
            "Sepsis grab bags restocked every shift",
            "HCA Rachel",
            0,
            "medium",
            "Checklist on the resus trolley.",
            "Restocking at the start of the shift, not the end, means the bag is full when it is needed.",
            project="Sepsis grab bags in resus",
            cycle=True,
        ),
        Done(
            "Sepsis screening prompt on the triage screen",
            "Sister Clarke",
            1,
            "medium",
            "IT ticket raised.",
            "The prompt helped only once the screen stopped letting triage finish without it.",
            project="NEWS2 at triage for every adult",
            stuck=True,
        ),
        Done(
            "Antibiotic cupboard in majors with pharmacy",
            "Pharmacist Ali",
            0,
            "high",
            "Controlled access agreed with pharmacy.",
            "Having the first dose in majors saved a walk to resus: twenty minutes on a busy night.",
            project="Sepsis grab bags in resus",
        ),
        Done(
            "Front-door rota for a senior nurse 10:00 to 22:00",
            "Nurse in charge Harris",
            2,
            "high",
            None,
            "Streaming works with a senior nurse; with a junior nurse patients were re-triaged inside.",
            project="ED streaming at the front door",
            at_huddle=False,
        ),
        Done(
            "Hot debrief card in resus",
            "Dr Adeyemi",
            4,
            "low",
            None,
            "Five minutes after a hard case; the card keeps it short and about the team, not blame.",
        ),
        Done(
            "Night rota six weeks ahead",
            "Sister Clarke",
            3,
            "medium",
            "Needs the medical rota first.",
            "Publishing six weeks ahead filled half the night gaps from our own bank.",
        ),
        Done(
            "Triage audit of twenty walk-in patients",
            "ENP Oliver",
            1,
            "low",
            None,
            "Most missed NEWS2 scores were in the hour after the shift change.",
            project="NEWS2 at triage for every adult",
            cycle=True,
        ),
    ),
    open=(
        Open(
            "Put the streaming measure back on the weekly tally",
            "Receptionist Sam",
            2,
            "medium",
            "Tally stopped when the front-door nurse went on leave.",
            "at_risk",
            overdue=True,
            project="ED streaming at the front door",
        ),
        Open(
            "Next test of grab bags in majors",
            "HCA Rachel",
            0,
            "low",
            None,
            "on_track",
            project="Sepsis grab bags in resus",
            cycle=True,
        ),
        Open(
            "NEWS2 at triage after the 20:00 shift change",
            "ENP Oliver",
            1,
            "medium",
            "Test on two evenings first.",
            "on_track",
            project="NEWS2 at triage for every adult",
            cycle=True,
        ),
        Open(
            "Ask the division to tie streaming to the flow aim",
            "Nurse in charge Harris",
            2,
            "medium",
            "Our streaming objective serves no strategic objective yet.",
            "not_started",
            at_huddle=False,
        ),
        Open(
            "Break planner on the majors whiteboard",
            "Sister Clarke",
            4,
            "low",
            None,
            "not_started",
        ),
        Open(
            "Agency bookings signed off by the nurse in charge",
            "Nurse in charge Harris",
            3,
            "high",
            "Finance want a weekly report.",
            "at_risk",
            overdue=True,
        ),
    ),
)

TRUST_BOARDS = (WARD_7, WARD_9, EMERGENCY_DEPARTMENT)

# -- The network's two schools ------------------------------------------------------------------------------------

_NETWORK_OBJECTIVE = "Every ninth-grader on track to graduate"
_ON_TRACK = "Ninth-graders on track to graduate (%)"
_ATTENDANCE = "Ninth-graders attending 90% or more of school days (%)"
_D_OR_F = "Ninth-graders with a D or F in a core course (%)"
_ALGEBRA = "Ninth-graders passing the end-of-course algebra exam (%)"


def _school(name: str, principal: str, recorded_by: str, roster, efficiency: Objective, links: dict) -> Board:
    """A school's board: the same four columns in teachers' words, its own figures and its own team's projects
    (``links``: the project each kind of action served, or None)."""
    short = name.removesuffix(" High School")
    aim = f"More ninth-graders on track at {short}"
    return Board(
        unit=name,
        name=f"{short} ninth-grade focus board",
        purpose=SCHOOL_PURPOSE,
        rhythm="Thursday staff briefing, 7:45 in the library",
        weekday=3,
        recorded_by=recorded_by,
        roster=roster,
        words="education",
        objectives=(
            Objective(
                "Quality",
                "More ninth-graders on track in algebra",
                "Students who fail the first algebra unit fall behind for the rest of the year.",
                "Ninth-graders with a D or F in algebra at the six-week check.",
                f"{_ON_TRACK} · {name}",
                aim,
                _NETWORK_OBJECTIVE,
            ),
            Objective(
                "Quality",
                "Fewer ninth-graders with a D or F",
                "A D or F in one core course pulls the others down within weeks.",
                "The off-track list reviewed every week by the ninth-grade team.",
                f"{_D_OR_F} · {name}",
                aim,
                _NETWORK_OBJECTIVE,
            ),
            efficiency,
            Objective(
                "Financial",
                "Fewer students in paid summer credit recovery",
                "Every failed algebra semester costs a summer school place.",
                "Students passing algebra first time, so summer places go to those who need them.",
                f"{_ALGEBRA} · {name}",
                aim,
                _NETWORK_OBJECTIVE,
            ),
            Objective(
                "People",
                "Students in school every day",
                "Absence is where falling behind starts, and teachers cannot teach a student who is not there.",
                "Same-day calls home; an adult who notices when a student is missing.",
                f"{_ATTENDANCE} · {name}",
                aim,
                _NETWORK_OBJECTIVE,
            ),
        ),
        done=(
            Done(
                "Six-week algebra check for every ninth-grader",
                "Ms Ortiz, algebra lead",
                0,
                "medium",
                "Use the district's quick check, not a new test.",
                "The quick check found students failing before the grade book did.",
            ),
            Done(
                "Off-track list printed for the Thursday briefing",
                principal,
                1,
                "low",
                None,
                "Teachers act on names, not percentages: the list beat the chart.",
                project=links["list"],
                cycle=links["list"] is not None,
            ),
            Done(
                "One named adult for each off-track student",
                "Mr Chen, counsellor" if links["calls"] else "Ms Raman, counsellor",
                2,
                "medium",
                "Spread across the team, no more than four each.",
                "Students knew who to go to once the adult told them, not just the list.",
                project=links["adult"],
                stuck=True,
            ),
            Done(
                "Algebra lunch club on Tuesdays",
                "Ms Ortiz, algebra lead",
                3,
                "low",
                "Room 14; bring lunch.",
                "Students came when a friend came: invite them in pairs.",
                project=links["lunch"],
                at_huddle=False,
            ),
            Done(
                "Same-day call home scripts for the front office",
                "Mrs Bell, attendance clerk" if links["calls"] else "Mrs Moreno, attendance clerk",
                4,
                "medium",
                None,
                "A script in the family's language doubled the calls that got through.",
                project=links["calls"],
                cycle=links["calls"] is not None,
            ),
            Done(
                "Briefing agenda: students first",
                principal,
                2,
                "low",
                None,
                "Putting students first on the agenda meant we reached them before time ran out.",
            ),
        ),
        open=(
            Open(
                "Algebra re-teach for students below 60% at the check",
                "Ms Ortiz, algebra lead",
                0,
                "high",
                "Needs a period a week: waiting for the schedule change.",
                "at_risk",
                overdue=True,
            ),
            Open(
                links["next_test"][0],
                links["next_test"][1],
                2,
                "medium",
                None,
                "on_track",
                project=links["next_test"][2],
                cycle=True,
            ),
            Open(
                "Attendance mentors for students missing 10% of days",
                "Mr Chen, counsellor" if links["calls"] else "Ms Raman, counsellor",
                4,
                "medium",
                "Two mentors so far; need four.",
                "on_track",
                overdue=True,
            ),
            Open(
                "Summer school list drafted from the semester grades",
                "Ms Ortiz, algebra lead",
                3,
                "low",
                None,
                "not_started",
                at_huddle=False,
            ),
            Open(
                "Family conference invitations for off-track students",
                principal,
                1,
                "medium",
                None,
                "not_started",
            ),
        ),
    )


_EASTBROOK_MEETINGS = "Weekly ninth-grade team meetings at Eastbrook"
_HARBOR_GRADE_BOOK = "Friday grade-book checks at Harbor View"
SCHOOL_BOARDS = (
    _school(
        "Eastbrook High School",
        "Ms Grant, principal",
        "eastbrook",
        (
            "Ms Grant (principal)",
            "Ms Ortiz (algebra lead)",
            "Mr Chen (counsellor)",
            "Mr Alvarez (English)",
            "Mrs Bell (attendance)",
            "Ms Kim (science)",
            "Mr Jackson (social studies)",
        ),
        Objective(
            "Efficiency",
            "Team meeting time spent on students, not averages",
            "The weekly team meeting runs out of time before the off-track students are discussed.",
            "Off-track students first on the agenda; one named adult for each.",
            f"{_EASTBROOK_MEETINGS}: off-track ninth-graders reached (%)",
            "More ninth-graders on track at Eastbrook",
            _NETWORK_OBJECTIVE,
        ),
        {
            "list": _EASTBROOK_MEETINGS,
            "adult": _EASTBROOK_MEETINGS,
            "lunch": None,
            "calls": "Same-day calls home at Eastbrook",
            "next_test": (
                "Team meeting on off-track students: test with the science team",
                "Ms Kim, science teacher",
                _EASTBROOK_MEETINGS,
            ),
        },
    ),
    _school(
        "Harbor View High School",
        "Mr Osei, principal",
        "harbor",
        (
            "Mr Osei (principal)",
            "Ms Ortiz (algebra lead)",
            "Ms Raman (counsellor)",
            "Mr Bell (English)",
            "Mrs Moreno (attendance)",
            "Mr Park (science)",
            "Ms Fischer (ninth-grade lead)",
        ),
        Objective(
            "Efficiency",
            "Grade books up to date every Friday",
            "Teachers plan help for students on grades that are two weeks old.",
            "Core-course grade books checked by 3pm Friday; the off-track list out by Monday.",
            f"{_HARBOR_GRADE_BOOK}: off-track ninth-graders reached (%)",
            "More ninth-graders on track at Harbor View",
            _NETWORK_OBJECTIVE,
        ),
        {
            "list": _HARBOR_GRADE_BOOK,
            "adult": "Study-habits advisory at Harbor View",
            "lunch": "Grade-recovery lunch at Harbor View",
            "calls": None,
            "next_test": (
                "Grade-book check extended to the electives",
                "Ms Fischer, ninth-grade lead",
                _HARBOR_GRADE_BOOK,
            ),
        },
    ),
)

# -- What a huddle says, in each organisation's words -------------------------------------------------------------

REFLECTIONS = {
    "health": {
        "why_not_to_time": (
            "Bed meeting ran over",
            "Long discussion about the agency rota",
            "Started late: emergency in bay 3",
            "Too many actions to get through",
            "Consultant joined late and we went back over the measures",
            "Fire alarm test in the middle of it",
            "Two new starters and we explained the board",
        ),
        "went_well": (
            "Everyone spoke, not just the nurse in charge",
            "Started on time and stuck to the board",
            "Good turnout from nights",
            "Measures were up to date for once",
            "Quick run through last week's actions",
            "Doctors came and stayed",
            "Celebrated a month without a fall with harm",
            "New HCA asked a good question about the falls stickers",
        ),
        "learned": (
            "Bank staff don't know the board exists",
            "Our chart lags a month behind, so ask the ward clerk for this week's tally",
            "Nights have their own ideas: ask them",
            "Actions without a date don't happen",
            "The run chart shows it better than the monthly average",
            "If the owner is not here the action does not move",
            "Small tests beat big plans",
        ),
        "not_working": (
            "Too many actions on the board",
            "The chart is too small to read from the back",
            "Same people every week; nights never come",
            "Actions carried over week after week",
            "Measures not updated before the huddle",
            None,
            "Board is behind the door, so nobody passes it",
        ),
        "changes_to_make": (
            "Close or drop anything carried over three weeks",
            "Print the chart at A3",
            "Rotate who leads the huddle",
            "Ward clerk updates the tally on Monday",
            "Ask nights to leave their update on the board",
            None,
            "Timer on the board: 15 minutes means 15",
        ),
    },
    "education": {
        "why_not_to_time": (
            "Fire drill during briefing",
            "Long discussion about the new grading policy",
            "Started late: bus duty ran over",
            "Too many students to discuss",
            "Principal's announcements ran long",
            "Testing schedule questions took over",
        ),
        "went_well": (
            "Every teacher named a student, not a number",
            "Started on time and finished before first period",
            "Counsellors came and brought the attendance list",
            "The off-track list was ready on the table",
            "Quick review of last week's actions",
            "Celebrated three students back on track",
            "New teacher shared what works in her class",
        ),
        "learned": (
            "Students respond to the adult who notices, not the letter home",
            "The grade book lags a week: ask teachers directly",
            "Calls home work best before 10am",
            "Actions without a named teacher don't happen",
            "A student off track in one course is often off track in two",
            "Small tests with one class beat a whole-grade launch",
        ),
        "not_working": (
            "Too many students to discuss in fifteen minutes",
            "The chart is monthly; we meet weekly",
            "Same teachers every week; coaches never come",
            "Actions carried over from week to week",
            None,
            "Briefing gets squeezed on testing weeks",
        ),
        "changes_to_make": (
            "Discuss five students a week, the longest off track first",
            "Bring this week's grade-book pull, not last month's chart",
            "Rotate who leads the briefing",
            "Drop anything carried over three weeks",
            None,
            "Move briefing to Wednesday on testing weeks",
        ),
    },
}
FEEDBACK = {
    "health": {
        "not_started": (
            "Not started yet: owner on leave",
            "Not picked up: agreed to start this week",
            "No update this week",
            "Waiting for the owner to come back on days",
        ),
        "on_track": (
            "Under way, on track",
            "Half done; on track for the due date",
            "Good progress: two bays done",
            "Started on nights too",
            "On track; first results look good",
        ),
        "at_risk": (
            "Stuck: waiting for estates",
            "At risk: no time on the rota to do it",
            "Blocked: escalated to the matron",
            "Slipping: needs a decision from the division",
        ),
    },
    "education": {
        "not_started": (
            "Not started yet: waiting for the schedule",
            "No update this week",
            "Agreed to start after the testing window",
        ),
        "on_track": (
            "Under way, on track",
            "Half the team are doing it; on track",
            "First students seen; on track",
            "Going well: families are calling back",
        ),
        "at_risk": (
            "Stuck: needs a period in the schedule",
            "At risk: the district data is late",
            "Blocked: escalated to the principal",
        ),
    },
}
GENERAL_DECISIONS = {
    "health": (
        "Keep going with the night focus",
        "No new actions: finish what we have",
        "Falls review at next week's huddle",
        "Matron to join next week",
    ),
    "education": (
        "Keep going with the off-track list",
        "No new actions: finish what we have",
        "Review the six-week check data next week",
        "Principal to join next week",
    ),
}


def demo_focus_boards(frames: dict[str, pl.DataFrame], today: dt.date) -> dict[str, pl.DataFrame]:
    """The five focus tables' rows for the demo trust's three wards and, when the network is among ``frames``,
    two of its schools; huddles end in the week before ``today``."""
    organisations = frames["organisation"]
    rows: dict[str, list[dict]] = {table: [] for table in TABLES}
    trust = _Builder(frames, rows, first_id=1, seed=20261117)
    for board in TRUST_BOARDS:
        trust.add(board, today)
    if trust.unlinked != FOCUS_BREAKS["unlinked_focus_objective"]:
        raise RuntimeError(f"The demo boards' unlinked objective is {trust.unlinked}, not FOCUS_BREAKS'.")
    if (organisations["id"] > ID_BASE).any():
        network = _Builder(frames, rows, first_id=ID_BASE + 1, seed=20261118)
        for board in SCHOOL_BOARDS:
            network.add(board, today)
    return {table: pl.DataFrame(values, infer_schema_length=None) for table, values in rows.items() if values}


class _Builder:
    """Adds boards to ``rows`` with ids counting from ``first_id`` (the trust's from 1, the network's above
    ``ID_BASE``), looking names up in the demo's frames."""

    def __init__(self, frames: dict[str, pl.DataFrame], rows: dict[str, list[dict]], *, first_id: int, seed: int):
        self.frames, self.rows, self.first_id = frames, rows, first_id
        self.rng = random.Random(seed)
        self.counts = {table: 0 for table in ("focus_board", "focus_objective", "huddle", "focus_action")}
        self.unlinked: list[int] = []

    def next_id(self, table: str) -> int:
        self.counts[table] += 1
        return self.first_id + self.counts[table] - 1

    def add(self, board: Board, today: dt.date) -> None:
        unit = _one(self.frames["organisation"], "name", board.unit)
        board_id = self.next_id("focus_board")
        self.rows["focus_board"].append(
            dict(
                id=board_id,
                unit_id=unit["id"],
                name=board.name,
                purpose=board.purpose,
                huddle_rhythm=board.rhythm,
                huddle_minutes=15,
                status="active",
            )
        )
        objective_ids = [self._objective(board_id, objective) for objective in board.objectives]
        days = self._huddle_days(board, today)
        huddle_ids = [self.next_id("huddle") for _ in days]
        actions = self._plan_actions(board, unit["id"], days, huddle_ids, objective_ids, today)
        self._huddles(board, board_id, days, huddle_ids, actions)

    def _objective(self, board_id: int, objective: Objective) -> int:
        objective_id = self.next_id("focus_objective")
        aim = _one(self.frames["aim"], "title", objective.aim)["id"] if objective.aim else None
        strategic = (
            _one(self.frames["strategic_objective"], "title", objective.strategic)["id"]
            if objective.strategic
            else None
        )
        if aim is None and strategic is None:
            self.unlinked.append(objective_id)
        self.rows["focus_objective"].append(
            dict(
                id=objective_id,
                board_id=board_id,
                category=objective.category,
                title=objective.title,
                problem=objective.problem,
                focus=objective.focus,
                measure_id=_one(self.frames["measure"], "name", objective.measure)["id"] if objective.measure else None,
                strategic_objective_id=strategic,
                aim_id=aim,
                status="active",
            )
        )
        return objective_id

    def _huddle_days(self, board: Board, today: dt.date) -> list[dt.date]:
        """A huddle a week on the board's day, the latest in the week before ``today``, over ``WEEKS`` weeks (a
        school's over its last ``WEEKS`` school weeks, the summer break left out), with a few weeks missed."""
        last_monday = today - dt.timedelta(days=today.weekday() + 7)
        weeks: list[dt.date] = []
        monday = last_monday
        while len(weeks) < WEEKS:
            if board.words != "education" or monday.month not in EDUCATION.break_months:
                weeks.append(monday + dt.timedelta(days=board.weekday))
            monday -= dt.timedelta(days=7)
        missed = set(self.rng.sample(range(1, WEEKS - 1), board.skipped))  # the latest huddle is always there
        return sorted(day for k, day in enumerate(weeks) if k not in missed)

    def _plan_actions(self, board, unit_id, days, huddle_ids, objective_ids, today) -> list[dict]:
        """Each action with its row and its ``path``: the status each huddle after it was raised left it in
        (huddle index -> status)."""
        rng, count = self.rng, len(days)
        planned = []
        # Finished actions spread over the six months, each open for two to five huddles.
        spacing = (count - 6) / len(board.done)
        for k, spec in enumerate(board.done):
            raised = int(k * spacing) + rng.randint(0, 1)
            closes = min(raised + rng.randint(2, 5), count - 2)
            steps = list(range(raised + 1, closes + 1))
            path = {h: "on_track" for h in steps}
            path[steps[0]] = "not_started" if len(steps) > 2 else "on_track"
            if spec.stuck:
                path[steps[-2]] = "at_risk"
            path[closes] = "done"
            due = days[raised] + dt.timedelta(days=7 * (closes - raised + rng.choice([-1, 0, 0, 1])))
            planned.append(
                self._action(spec, unit_id, days, huddle_ids, objective_ids, raised, due, path)
                | {
                    "status": "done",
                    "learning": spec.learning,
                    "done_on": days[closes],
                }
            )
        # Open actions: the overdue ones raised a while ago, the rest at the last few huddles.
        for k, spec in enumerate(board.open):
            if spec.overdue:
                raised = count - 8 + k % 3
                due = days[raised] + dt.timedelta(days=14 + 7 * (k % 2))
            else:
                raised = count - 4 + k % 3
                due = max(days[raised] + dt.timedelta(days=21 + 7 * (k % 3)), today + dt.timedelta(days=7 * (k % 3)))
            steps = list(range(raised + 1, count))
            path = {h: "on_track" if spec.status != "not_started" else "not_started" for h in steps}
            if steps and spec.status != "not_started":
                path[steps[0]] = "not_started" if len(steps) > 2 else path[steps[0]]
                path[steps[-1]] = spec.status
            status = path[steps[-1]] if steps else "not_started"
            planned.append(
                self._action(spec, unit_id, days, huddle_ids, objective_ids, raised, due, path)
                | {"status": status, "learning": None, "done_on": None}
            )
        return planned

    def _action(self, spec, unit_id, days, huddle_ids, objective_ids, raised, due, path) -> dict:
        """The row of one action (without its final status) and its path through the huddles."""
        raised_on = days[raised] if spec.at_huddle else days[raised] + dt.timedelta(days=2)
        project = pdsa_cycle = None
        if spec.project:
            project_row = _one(self.frames["project"], "title", spec.project)
            if project_row["team_id"] != unit_id and self._team_of(project_row["team_id"]) != unit_id:
                raise ValueError(f"The demo's project {spec.project!r} is not {unit_id}'s.")
            project = project_row["id"]
            if spec.cycle:
                cycles = self.frames["pdsa_cycle"].filter(
                    (pl.col("project_id") == project) & (pl.col("start_date") <= raised_on)
                )
                if cycles.height:
                    pdsa_cycle = cycles.sort("cycle_number")["id"][-1]
        return dict(
            id=self.next_id("focus_action"),
            title=spec.title,
            owner=spec.owner,
            focus_objective_id=objective_ids[spec.objective],
            due_date=max(due, raised_on),
            risk_level=spec.risk,
            notes=spec.notes,
            project_id=project,
            pdsa_cycle_id=pdsa_cycle,
            raised_on=raised_on,
            raised_at_huddle_id=huddle_ids[raised] if spec.at_huddle else None,
            path=path,
            raised=raised,
        )

    def _team_of(self, unit_id: int) -> int | None:
        """The unit above a team (a school's ninth-grade team sits in its school)."""
        return _one(self.frames["organisation"], "id", unit_id)["parent_id"]

    def _huddles(self, board: Board, board_id: int, days, huddle_ids, actions) -> None:
        rng, words = self.rng, board.words
        reflections, feedback = REFLECTIONS[words], FEEDBACK[words]
        overruns = set(rng.sample(range(len(days)), round(len(days) * rng.uniform(0.15, 0.24))))
        previous: dict[str, str | None] = {}
        for h, (day, huddle_id) in enumerate(zip(days, huddle_ids, strict=True)):
            decisions = [f"New action: {a['title']} ({_first(a['owner'])})" for a in actions if _raised_at(a, h)]
            reviews = []
            for action in actions:
                status = action["path"].get(h)
                if status is None:
                    continue
                if status == "done":
                    decisions.append(f"Closed: {action['title']}")
                    said = f"Done. {action['learning']}"
                elif status == "at_risk":
                    said = _varied(rng, feedback["at_risk"], previous, ("feedback", action["id"]))
                    if action["path"].get(h - 1) != "at_risk":
                        decisions.append(f"Escalate: {action['title']}")
                else:
                    said = _varied(rng, feedback[status], previous, ("feedback", action["id"]))
                reviews.append(dict(huddle_id=huddle_id, action_id=action["id"], status=status, feedback=said))
            if not decisions:
                decisions.append(_varied(rng, GENERAL_DECISIONS[words], previous, "decisions"))
            ran_to_time = h not in overruns
            lead, others = board.roster[0], list(board.roster[1:])
            present = sorted(rng.sample(others, rng.randint(2, min(5, len(others)))), key=others.index)
            if rng.random() < 0.9:  # now and then the nurse in charge (or principal) is off and someone else leads
                present.insert(0, lead)
            self.rows["huddle"].append(
                dict(
                    id=huddle_id,
                    board_id=board_id,
                    held_on=day,
                    attendees=", ".join(present),
                    decisions="; ".join(decisions),
                    ran_to_time=ran_to_time,
                    why_not_to_time=None
                    if ran_to_time
                    else _varied(rng, reflections["why_not_to_time"], previous, "why_not_to_time"),
                    **{
                        name: _varied(rng, reflections[name], previous, name)
                        for name in ("went_well", "learned", "not_working", "changes_to_make")
                    },
                    recorded_by=board.recorded_by,
                )
            )
            self.rows["huddle_action_review"] += reviews
        for action in actions:
            self.rows["focus_action"].append(
                {name: value for name, value in action.items() if name not in ("path", "raised")}
                | {"board_id": board_id}
            )


def _raised_at(action: dict, huddle: int) -> bool:
    return action["raised"] == huddle and action["raised_at_huddle_id"] is not None


def _varied(rng: random.Random, choices: tuple, previous: dict, key) -> str | None:
    """A choice unlike the last one made for ``key``: no two huddles running say the same thing."""
    choice = rng.choice([c for c in choices if c != previous.get(key, object())])
    previous[key] = choice
    return choice


def _first(owner: str) -> str:
    """'Ms Ortiz, algebra lead' -> 'Ms Ortiz'."""
    return owner.split(",")[0]


def _one(frame: pl.DataFrame, column: str, value) -> dict:
    """The one demo row whose ``column`` is ``value``; a missing or doubled one fails the build loudly."""
    found = frame.filter(pl.col(column) == value)
    if found.height != 1:
        raise ValueError(f"The demo has {found.height} rows with {column} {value!r}; the focus boards need one.")
    return found.row(0, named=True)
