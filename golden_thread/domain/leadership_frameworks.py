"""The leadership-practice frameworks Golden Thread ships with, as data (the shared LEADERSHIP.md, item for item).

Each framework here has the shape of a framework import file (JSON): a title, its source, the words it uses
for its sections, items and guidance, a rating scale, the rating at which a strategy is asked for, and its
sections (each with optional sub-sections) holding items, each with its guidance (methods, look-fors or
reflection questions). ``golden_thread.domain.leadership.framework_frames`` turns them into rows; they are seeded into
every database once (``loading.ensure_frameworks``) and from then on are edited there, in versions.

The wording is LEADERSHIP.md's; ``tests/test_leadership.py`` reads that file and checks every domain,
sub-section, skill, method, practice, look-for, element, criterion, lesson and scale label against these.
Keys are stable across versions, so trends follow an item through rewording.
"""

from __future__ import annotations

# The two scales LEADERSHIP.md gives. Frameworks for which it gives none borrow one, and say so.
RUBRIC_SCALE = [
    {"level": 1, "label": "We really need to do this"},
    {"level": 2, "label": "We could probably get better at this"},
    {"level": 3, "label": "We're pretty good at this"},
    {"level": 4, "label": "We're great at this"},
]
MATURITY_SCALE = [
    {"level": 1, "label": "Rare, undeveloped, indifferent"},
    {"level": 2, "label": "Irregular, experimental, apparent"},
    {"level": 3, "label": "Frequent, predictable, moderate"},
    {"level": 4, "label": "Consistent, stable, persistent"},
    {"level": 5, "label": "Uniform, mature, tenacious"},
]
RUBRIC_SCALE_NOTE = (
    "LEADERSHIP.md gives no rating scale for this framework; it uses the hub rubric's four levels, "
    "with a strategy asked for at 3 or 4."
)
MATURITY_SCALE_NOTE = (
    "LEADERSHIP.md gives no rating scale for this framework; it uses the five-level maturity "
    "scale of the behavioural actions, with a strategy asked for at 4 or 5."
)

HUB_RUBRIC = "hub-leadership-rubric"
NETWORK_LIFE_CYCLE = "network-life-cycle"
FIVE_ACTIONS = "five-behavioural-actions"
QUALITIES = "networked-improvement-leader-qualities"
IHI_FRAMEWORK = "ihi-leadership-framework"
LEVERAGE_POINTS = "seven-leadership-leverage-points"
EVERY_LEVEL = "leading-at-every-level"
SIX_LESSONS = "nhs-virginia-mason-six-lessons"


def _item(key: str, title: str, guidance: list[str] | None = None) -> dict:
    return {"key": key, "title": title, "guidance": guidance or []}


def _section(
    key: str,
    title: str,
    *,
    items: list[dict] | None = None,
    subsections: list[dict] | None = None,
    description: str | None = None,
    challenges: str | None = None,
) -> dict:
    return {
        "key": key,
        "title": title,
        "description": description,
        "challenges": challenges,
        "items": items or [],
        "subsections": subsections or [],
    }


FRAMEWORKS: list[dict] = [
    {
        "key": HUB_RUBRIC,
        "title": "Hub leadership practice",
        "source": "Network Health Project: Carnegie Foundation, University of Pittsburgh, Columbia CPRL "
        "(improvementnetworks.org)",
        "description": "Built from interviews with 28 hub leaders of 14 improvement networks and seven years of hub "
        "survey data. The self-reflection rubric is published so far for domain 2; the other domains "
        "follow the same shape. Each member of the hub team places their initials: a team's spread "
        "matters. At 3 or 4, name a strategy you use.",
        "section_word": "domain",
        "item_word": "skill",
        "guidance_word": "methods",
        "scale": RUBRIC_SCALE,
        "strategy_from": 3,
        "sections": [
            _section("d1", "Developing and Sustaining the Hub Organization"),
            _section(
                "d2",
                "Developing and Managing the Network as an Organization",
                description="Goal: develop structures, tools and routines to support the launch and development of a "
                "learning organization, cultivating a strong network community.",
                subsections=[
                    _section(
                        "d2-membership",
                        "Build membership and engagement",
                        challenges="clear recruitment processes and criteria, managing turnover",
                        items=[
                            _item(
                                "build-and-monitor-network-membership",
                                "Build and monitor network membership",
                                [
                                    "build a membership framework (characteristics of members such as commitment to "
                                    "the aim and diverse knowledge, skills and expertise; criteria for participation)",
                                    "develop and enact recruiting procedures",
                                    "adapt the framework as the network's needs change",
                                    "include members from diverse contexts to learn from variation",
                                ],
                            ),
                            _item("develop-network-roles-and-engagement", "Develop network roles and engagement"),
                        ],
                    ),
                    _section(
                        "d2-connections",
                        "Build network connections",
                        challenges="finding time to connect, knowing who is on the team, running an effective "
                        "team, cross-team learning",
                        items=[
                            _item(
                                "build-connections-hub-members", "Build connections between the hub and network members"
                            ),
                            _item("launch-strong-improvement-teams", "Launch strong improvement teams"),
                            _item("build-internal-team-learning", "Build internal team learning"),
                            _item("build-cross-team-learning", "Build cross-team learning"),
                        ],
                    ),
                    _section(
                        "d2-culture",
                        "Build network culture",
                        challenges="building trust, a culture of evidence use, shifting mindsets",
                        items=[
                            _item("support-a-norm-shift", "Support a norm shift"),
                            _item("build-an-evidence-based-culture", "Build an evidence-based culture"),
                            _item("build-a-collective-identity", "Build a collective identity"),
                            _item("build-trust", "Build trust"),
                        ],
                    ),
                    _section(
                        "d2-logistics",
                        "Support logistics",
                        challenges="communication routines, tools to connect members, planning convenings and "
                        "action periods",
                        items=[
                            _item(
                                "establish-communication-tools-and-routines",
                                "Establish communication tools and routines",
                            ),
                            _item("plan-logistics", "Plan logistics"),
                        ],
                    ),
                ],
            ),
            _section("d3", "Supporting Improvement Activity"),
            _section("d4", "Managing Environmental Relationships"),
            _section("d5", "Analyzing and Improving the Network as a Learning System"),
            _section("d6", "Ad Hoc Problem Solving"),
        ],
    },
    {
        "key": NETWORK_LIFE_CYCLE,
        "title": "Network life cycle",
        "source": "Network Health Project: Carnegie Foundation, University of Pittsburgh, Columbia CPRL "
        "(improvementnetworks.org)",
        "description": "Where a network is in its life: Initiate → Develop → Sustain, spread, scale. "
        + RUBRIC_SCALE_NOTE,
        "section_word": "stage",
        "item_word": "element",
        "guidance_word": "notes",
        "scale": RUBRIC_SCALE,
        "strategy_from": 3,
        "sections": [
            _section(
                "initiate",
                "Initiate",
                items=[
                    _item("build-the-vision", "Build the vision"),
                    _item("create-a-charter", "Create a charter"),
                    _item("build-the-foundation", "Build the foundation"),
                ],
            ),
            _section(
                "develop",
                "Develop",
                items=[
                    _item("network-roles-and-engagement", "Network roles and engagement"),
                    _item("member-connections", "Member connections"),
                    _item("continuous-improvement-processes", "Continuous-improvement processes"),
                    _item("network-culture", "Network culture"),
                    _item("knowledge-management-system", "A knowledge-management system"),
                ],
            ),
            _section(
                "sustain",
                "Sustain, spread, scale",
                items=[
                    _item("spread", "Spread"),
                    _item("scale", "Scale"),
                    _item("sustained-impact", "Sustained impact"),
                ],
            ),
        ],
    },
    {
        "key": FIVE_ACTIONS,
        "title": "Five behavioural actions of continuous-improvement leaders",
        "source": "Toussaint & Ehrlich, 2017",
        "description": "Rate each practice on the maturity scale; the five actions are drawn as a radar.",
        "section_word": "action",
        "item_word": "practice",
        "guidance_word": "notes",
        "scale": MATURITY_SCALE,
        "strategy_from": 4,
        "sections": [
            _section(
                "willingness",
                "Willingness",
                description="Weekly reflection: What in my actions this week led to better thinking by my team "
                "about problems?",
                items=[_item("reflection", "Reflection")],
            ),
            _section(
                "humility",
                "Humility",
                description="Weekly reflection: Did my questions elicit the best thinking of the person or team? "
                "Were answers implied in them?",
                items=[_item("go-see", "Go see (gemba)")],
            ),
            _section(
                "curiosity",
                "Curiosity",
                description="Weekly reflection: Did I ask how things work and how they should work? Did I see "
                "barriers I could remove?",
                items=[
                    _item("asking-effective-questions", "Asking effective questions"),
                    _item("active-listening", "Active listening"),
                    _item("a3-thinking", "A3 thinking"),
                ],
            ),
            _section(
                "perseverance",
                "Perseverance",
                description="Weekly reflection: Did I ask someone to observe my behaviour and give feedback this week?",
                items=[_item("buddy-system", "Buddy system"), _item("have-a-coach", "Have a coach")],
            ),
            _section(
                "self-discipline",
                "Self-discipline",
                description="Weekly reflection: Is there anything on my calendar this week that adds value for "
                "the people we serve?",
                items=[_item("leader-standard-work", "Leader standard work")],
            ),
        ],
    },
    {
        "key": QUALITIES,
        "title": "Qualities of a networked improvement leader",
        "source": None,
        "description": "Rate each quality by how consistently its look-fors show. " + MATURITY_SCALE_NOTE,
        "section_word": "section",
        "item_word": "quality",
        "guidance_word": "look-fors",
        "scale": MATURITY_SCALE,
        "strategy_from": 4,
        "sections": [
            _section(
                "qualities",
                "Qualities of a networked improvement leader",
                items=[
                    _item(
                        "self-mastery",
                        "Self-mastery",
                        [
                            "balances personal vision with an accurate view of current reality",
                            "names own strengths and weaknesses",
                            "engages in productive conflict with candour and curiosity",
                        ],
                    ),
                    _item(
                        "transparency",
                        "Transparency",
                        [
                            "tests a change idea even when confidence is low",
                            "shares failures",
                            "shares data",
                            "makes thinking explicit",
                        ],
                    ),
                    _item(
                        "humility-and-empathy",
                        "Humility and empathy",
                        [
                            "accepts disconfirming evidence",
                            "defers to expertise",
                            "knows when a claim lacks evidence",
                            "practises humble inquiry",
                            "uses empathy tools (shadowing, interviews, observation)",
                        ],
                    ),
                    _item(
                        "moving-forward-in-uncertainty",
                        "Moving forward in uncertainty",
                        [
                            "meets uncertainty with curiosity",
                            'asks "why?"',
                            "uses improvement tools (process maps, empathy interviews, data) to gain clarity",
                            "seeks help",
                        ],
                    ),
                    _item(
                        "rigorous-and-disciplined",
                        "Rigorous and disciplined",
                        [
                            'says "no" to work outside the network\'s focus',
                            "backs claims with data and asks others for evidence",
                            'asks "how could we test this?"',
                            "tests changes under many conditions",
                            "uses the three improvement questions",
                            "completes whole inquiry cycles",
                            "documents PDSAs, data charts, process maps and progress reports consistently",
                        ],
                    ),
                ],
            ),
        ],
    },
    {
        "key": IHI_FRAMEWORK,
        "title": "IHI Leadership Framework",
        "source": "Institute for Healthcare Improvement (IHI)",
        "description": "Push: make the status quo uncomfortable; pull: make the future attractive. "
        + RUBRIC_SCALE_NOTE,
        "section_word": "component",
        "item_word": "element",
        "guidance_word": "notes",
        "scale": RUBRIC_SCALE,
        "strategy_from": 3,
        "sections": [
            _section(
                "set-direction",
                "Set direction",
                items=[
                    _item("mission", "Mission"),
                    _item("vision", "Vision"),
                    _item("strategy", "Strategy"),
                ],
            ),
            _section(
                "establish-the-foundation",
                "Establish the foundation",
                items=[
                    _item("reframe-operating-values", "Reframe operating values"),
                    _item("build-improvement-capability", "Build improvement capability"),
                    _item("build-relationships", "Build relationships"),
                    _item("develop-future-leaders", "Develop future leaders"),
                    _item("personal-preparation", "Personal preparation"),
                    _item("choose-and-align-the-senior-team", "Choose and align the senior team"),
                ],
            ),
            _section(
                "build-will",
                "Build will",
                items=[
                    _item("plan-for-transformation", "Plan for transformation"),
                    _item("set-aims-and-allocate-resources", "Set aims and allocate resources"),
                    _item("measure-system-performance", "Measure system performance"),
                    _item("provide-encouragement", "Provide encouragement"),
                    _item("make-financial-linkages", "Make financial linkages"),
                    _item("learn-subject-matter", "Learn subject matter"),
                    _item("work-on-the-larger-system", "Work on the larger system"),
                ],
            ),
            _section(
                "generate-ideas",
                "Generate ideas",
                items=[
                    _item("read-and-scan-widely", "Read and scan widely"),
                    _item("benchmark", "Benchmark"),
                    _item("listen-to-customers", "Listen to customers"),
                    _item("invest-in-r-and-d", "Invest in R&D"),
                    _item("knowledge-management", "Knowledge management"),
                    _item("understand-the-organisation-as-a-system", "Understand the organisation as a system"),
                ],
            ),
            _section(
                "execute-change",
                "Execute change",
                items=[
                    _item("model-for-improvement", "Model for Improvement"),
                    _item("change-leadership", "Change leadership"),
                    _item("review-and-guide-key-initiatives", "Review and guide key initiatives"),
                    _item("spread-ideas", "Spread ideas"),
                    _item("communicate-results", "Communicate results"),
                    _item("sustain-improved-performance", "Sustain improved performance"),
                ],
            ),
        ],
    },
    {
        "key": LEVERAGE_POINTS,
        "title": "Seven leadership leverage points",
        "source": "Institute for Healthcare Improvement (IHI)",
        "description": 'A board self-assessment: each leverage point with its checkable criteria. "Prune less vital '
        'work — if it is not strategically aligned, why are we working on it?" ' + RUBRIC_SCALE_NOTE,
        "section_word": "leverage point",
        "item_word": "criterion",
        "guidance_word": "notes",
        "scale": RUBRIC_SCALE,
        "strategy_from": 3,
        "sections": [
            _section(
                "lp1",
                "Establish and oversee specific system-level aims at the highest board and leadership level",
                items=[
                    _item("lp1-specific-aims", "The team has specific aims"),
                    _item("lp1-monthly-feedback", "A measurement and reporting system gives monthly feedback"),
                    _item(
                        "lp1-board-oversight", "The board has adopted the aims and oversees them with clear measures"
                    ),
                    _item("lp1-executive-accountability", "Accountability sits in executive performance review"),
                ],
            ),
            _section(
                "lp2",
                "Align system measures, strategy and projects in a leadership learning system",
                items=[
                    _item("lp2-scale-and-pace", "A plan of the scale and pace the aims need"),
                    _item(
                        "lp2-strategy-measures",
                        "Monthly (better, weekly) measures of each strategy reviewed by senior leaders",
                    ),
                    _item(
                        "lp2-committee-review",
                        "Measures reviewed by the medical staff executive and the board quality committee",
                    ),
                    _item("lp2-steered-by-measures", "Strategy and execution steered by the measures"),
                ],
            ),
            _section(
                "lp3",
                "Channel leadership attention to system-level improvement",
                items=[
                    _item("lp3-board-agendas", "Aims prominent on board agendas"),
                    _item("lp3-calendars", "Calendars changed for reviews and walk-rounds"),
                    _item("lp3-great-performers", "Great performers assigned"),
                    _item("lp3-transparency", "Progress measures distributed widely (transparency)"),
                ],
            ),
            _section(
                "lp4",
                "Get the right team on the bus",
                items=[
                    _item("lp4-patients-families-community", "Patients, families and community involved"),
                    _item("lp4-executive-team", "Whole executive team committed"),
                    _item("lp4-skills", "The technical and leadership skills needed identified and present"),
                ],
            ),
            _section(
                "lp5",
                "Make the CFO a quality champion",
                items=[
                    _item("lp5-finance-in-projects", "Finance in project teams"),
                    _item("lp5-financial-planning", "Financial planning includes the future vision"),
                ],
            ),
            _section(
                "lp6",
                "Engage physicians",
                items=[
                    _item("lp6-shared-motivation", "Shared motivation"),
                    _item("lp6-medical-executive", "The medical executive treats the aims as its own"),
                    _item("lp6-physician-leaders", "Capable physician leaders on each project"),
                ],
            ),
            _section(
                "lp7",
                "Build improvement capability",
                items=[
                    _item(
                        "lp7-improvement-methods",
                        "The whole leadership team knows and uses the Model for Improvement, rapid tests, scale and "
                        "spread, and teaches them",
                    ),
                ],
            ),
        ],
    },
    {
        "key": EVERY_LEVEL,
        "title": "Leading at every level",
        "source": "Dartmouth clinical microsystems",
        "description": "Macro (organisation), meso (departments, service lines), micro (frontline units). "
        + RUBRIC_SCALE_NOTE,
        "section_word": "core process",
        "item_word": "practice",
        "guidance_word": "notes",
        "scale": RUBRIC_SCALE,
        "strategy_from": 3,
        "sections": [
            _section(
                "build-knowledge",
                "Build knowledge",
                items=[
                    _item("observe-actual-work", "Observe actual work"),
                    _item("predictable-presence", "Predictable presence"),
                    _item("follow-up", "Follow-up"),
                    _item("data-to-characterise-problems", "Data to characterise problems"),
                ],
            ),
            _section(
                "take-action",
                "Take action",
                items=[
                    _item("lead-by-example", "Lead by example"),
                    _item("clear-on-what-invite-the-how", "Be clear on what and invite the how"),
                    _item("tell-the-truth", "Tell the truth about what isn't working"),
                ],
            ),
            _section(
                "review-and-reflect",
                "Review and reflect",
                items=[
                    _item("regular-time-to-talk", "Regular time to talk about the work"),
                    _item("safe-truthful-conversations", "Safe truthful conversations about performance"),
                    _item("define-success", "Define success for the future as well as the present"),
                ],
            ),
        ],
    },
    {
        "key": SIX_LESSONS,
        "title": "Six lessons of the NHS–Virginia Mason partnership",
        "source": "Burgess, 2022",
        "description": RUBRIC_SCALE_NOTE,
        "section_word": "section",
        "item_word": "lesson",
        "guidance_word": "notes",
        "scale": RUBRIC_SCALE,
        "strategy_from": 3,
        "sections": [
            _section(
                "lessons",
                "Six lessons",
                items=[
                    _item("cultural-readiness", "Build cultural readiness"),
                    _item("qi-routines", "Embed QI routines in everyday practice"),
                    _item("leaders-show-the-way", "Have leaders show the way"),
                    _item("relationships", "Relationships are a prerequisite"),
                    _item("account-for-behaviours", "Hold each other to account for behaviours, not just outcomes"),
                    _item(
                        "rule-of-the-golden-thread",
                        "The rule of the golden thread",
                        [
                            "not all improvement matters in the same way: priorities closely aligned to the highest "
                            "organisational objectives make it easier to show QI outcomes in ways that matter",
                        ],
                    ),
                ],
            ),
        ],
    },
]
