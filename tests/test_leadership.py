"""Leadership practice: the seeded frameworks match LEADERSHIP.md item for item (read from the file here, never
copied); assessments and frameworks are checked in the frameworks' own words; a framework edit is a new version
and never rewords a past assessment; the page records an assessment (asking for a strategy at 3-4), draws the
radar and heat-map from the ratings, and the board shows leadership beside the aims."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path

import polars as pl
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from golden_thread.domain import leadership as lp
from golden_thread.domain.leadership_frameworks import (
    EVERY_LEVEL,
    FIVE_ACTIONS,
    HUB_RUBRIC,
    IHI_FRAMEWORK,
    LEVERAGE_POINTS,
    NETWORK_LIFE_CYCLE,
    QUALITIES,
    SIX_LESSONS,
)
from golden_thread.errors import PermissionRefused, Refused
from golden_thread.seed.loading import ensure_frameworks
from golden_thread.storage.store import Store
from tests.conftest import DEMO_TODAY, signed_in

ROOT = Path(__file__).resolve().parent.parent
# The shared domain reference when it sits beside the clone, else the copy kept with the tests (CI's clean
# clone has only the repository); test_the_kept_copy_is_the_shared_file says when the copy falls behind.
SHARED_LEADERSHIP_MD = ROOT.parent / "shared" / "LEADERSHIP.md"
KEPT_LEADERSHIP_MD = ROOT / "tests" / "reference" / "LEADERSHIP.md"
LEADERSHIP_MD = SHARED_LEADERSHIP_MD if SHARED_LEADERSHIP_MD.exists() else KEPT_LEADERSHIP_MD
ENTRY = str(ROOT / "dashboard.py")
PAGE = str(ROOT / "screens" / "leadership.py")
WARD_7 = 5  # the demo's Ward 7 (Elderly Care): the demo team member's own team


# -- LEADERSHIP.md, read here -----------------------------------------------------------------------------------


def _split_top(text: str, separator: str = ";") -> list[str]:
    """Split at ``separator`` outside parentheses."""
    parts, depth, current, i = [], 0, "", 0
    while i < len(text):
        if text.startswith(separator, i) and depth == 0:
            parts.append(current.strip())
            current, i = "", i + len(separator)
            continue
        depth += {"(": 1, ")": -1}.get(text[i], 0)
        current += text[i]
        i += 1
    parts.append(current.strip())
    return [p for p in parts if p]


def _norm(text: str) -> str:
    """Wording as compared: one space, no trailing full stop, first letter's case ignored."""
    text = " ".join(text.split()).strip().rstrip(".")
    return text[:1].lower() + text[1:]


def _paragraphs(body: str) -> list[str]:
    return [" ".join(block.split()) for block in re.split(r"\n\s*\n", body) if block.strip()]


def _list_items(body: str, marker: str) -> list[str]:
    """Markdown list items (continuation lines joined), for a bullet '-' or a number '\\d+\\.' marker."""
    items: list[str] = []
    for line in body.splitlines():
        if re.match(rf"^{marker} ", line):
            items.append(re.sub(rf"^{marker} ", "", line).strip())
        elif items and line.startswith("  ") and line.strip():
            items[-1] += " " + line.strip()
        elif not line.strip() and items and items[-1] is not None:
            items.append(None)  # a blank line ends a list
    return [i for i in items if i]


def parse_leadership_md(text: str) -> dict[str, dict]:
    """LEADERSHIP.md as framework specs by key: title words, sources, sections, items, guidance, scales."""
    headings, sections = {}, {}
    for m in re.finditer(r"^## (\d)\. (.*?)(?=^## \d\.|\Z)", text, re.S | re.M):
        lines = m.group(2).splitlines()
        ends = next(i for i, line in enumerate(lines) if line.rstrip().endswith(")"))  # a heading ends "(source)"
        headings[int(m.group(1))] = " ".join(line.strip() for line in lines[: ends + 1])
        sections[int(m.group(1))] = "\n".join(lines[ends + 1 :])
    parsed: dict[str, dict] = {}

    # 1. Hub leadership practice: six domains, domain 2's sub-sections and skills, methods, scale, challenges.
    hub = sections[1]
    domains = _list_items(hub.split("**Six domains**")[1].split("**Self-reflection rubric**")[0], r"\d\.")
    paragraphs = _paragraphs(hub)
    goal = re.search(r"Goal of domain 2: (.+?)\. Sub-sections", " ".join(hub.split())).group(1)
    subsections = []
    for line in _list_items(
        hub.split("Sub-sections and their leadership skills:")[1].split("Each skill lists")[0], "-"
    ):
        title, skills = line.split(" — ", 1)
        subsections.append({"title": title, "skills": re.findall(r"\*([^*]+)\*", skills)})
    example = next(p for p in paragraphs if p.startswith("Each skill lists **methods**"))
    skill, methods = re.search(r"Example, \*([^*]+)\*: (.+)$", example).groups()
    scale = next(p for p in paragraphs if p.startswith("**Rating scale**"))
    challenges = next(p for p in paragraphs if p.startswith("**Typical challenges**")).split(": ", 1)[1]
    life = next(p for p in paragraphs if p.startswith("**Network life cycle**")).split(": ", 1)[1].rstrip(".")
    parsed[HUB_RUBRIC] = {
        "source": re.search(r"\((.*)\)", headings[1]).group(1),
        "domains": domains,
        "goal": goal,
        "subsections": subsections,
        "methods": {skill: _split_top(methods.rstrip("."))},
        "scale": re.findall(r'(\d) "([^"]+)"', scale),
        "strategy_from": "At 3 or 4, name a **strategy**" in scale,
        "challenges": {
            word.strip(): words.strip()
            for word, words in (part.split(" — ") for part in _split_top(challenges.rstrip(".")))
        },
    }
    parsed[NETWORK_LIFE_CYCLE] = {
        "stages": [
            (m.group(1), [e.strip() for e in m.group(2).split(",")])
            for m in (re.match(r"(.+?) \((.+)\)", stage) for stage in life.split(" → "))
        ]
    }

    # 2. Five behavioural actions: the table and the maturity scale.
    actions = sections[2]
    rows = [
        [c.strip() for c in line.strip().strip("|").split("|")]
        for line in actions.splitlines()
        if line.startswith("|") and not line.startswith("|---") and "weekly reflection" not in line
    ]
    maturity = next(p for p in _paragraphs(actions) if p.startswith("**Maturity scale**")).split(": ", 1)[1]
    parsed[FIVE_ACTIONS] = {
        "source": re.search(r"\(([^)]*)\)$", headings[2]).group(1),
        "actions": [
            (action, [p.strip() for p in practices.split(";")], reflection) for action, practices, reflection in rows
        ],
        "scale": [re.match(r"(\d) (.+)", level).groups() for level in maturity.rstrip(".").split(" · ")],
    }

    # 3. Qualities with look-fors.
    parsed[QUALITIES] = {
        "qualities": [
            (m.group(1), _split_top(m.group(2).rstrip(".")))
            for m in (re.match(r"\*\*(.+?)\*\* — (.+)", item) for item in _list_items(sections[3], "-"))
        ]
    }

    # 4. IHI Leadership Framework and the seven leverage points.
    board = sections[4]
    paragraphs = _paragraphs(board)
    ihi = next(p for p in paragraphs if p.startswith("**IHI Leadership Framework**")).split(": ", 1)[1]
    components, push = ihi.split(". Push: ")
    parsed[IHI_FRAMEWORK] = {
        "components": [
            (m.group(1), [e.strip() for e in m.group(2).split(",")])
            for m in (re.match(r"\d (.+?) \((.+)\)", c) for c in components.split(" · "))
        ],
        "push": "Push: " + push,
    }
    points = _list_items(board.split("(a board self-assessment):")[1], r"\d\.")
    parsed[LEVERAGE_POINTS] = {
        "points": [
            (title, _split_top(criteria.rstrip("."))) for title, criteria in (p.split(" — ", 1) for p in points)
        ],
        "prune": re.search(r'"(Prune less vital work.+?)"', board).group(1),
    }

    # 5. Leading at every level: the levels and the three core processes with their practices.
    levels = _paragraphs(sections[5])[0]
    leaders = levels.split("Leaders ", 1)[1].rstrip(".")
    parsed[EVERY_LEVEL] = {
        "levels": levels.split(". Leaders")[0],
        "processes": [
            (m.group(1), [p.strip() for p in m.group(2).split(",")])
            for m in (re.match(r"(?:and )?(.+?) \((.+)\)", part) for part in _split_top(leaders, ", "))
        ],
    }

    # 6. Six lessons.
    lessons = _split_top(_paragraphs(sections[6])[0].rstrip("."))
    parsed[SIX_LESSONS] = {
        "lessons": [tuple(lesson.split(" — ", 1)) if " — " in lesson else (lesson, None) for lesson in lessons]
    }
    return parsed


@pytest.fixture(scope="module")
def md() -> dict[str, dict]:
    return parse_leadership_md(LEADERSHIP_MD.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def seeded() -> dict[str, dict]:
    """Every framework as a fresh database holds it after seeding, read back as specs."""
    store = Store(":memory:")
    assert ensure_frameworks(store, DEMO_TODAY) == 8
    assert ensure_frameworks(store, DEMO_TODAY) == 0  # seeding is idempotent
    specs = {
        row["framework_key"]: lp.version_spec(store.framework_version(row["version_id"]))
        for row in store.frameworks().iter_rows(named=True)
    }
    store.close()
    return specs


def test_a_database_that_is_not_the_demo_gets_the_frameworks_when_the_app_opens_it(tmp_path):
    from golden_thread.seed.loading import ensure_demo

    store = Store(tmp_path / "ours.duckdb")
    store.insert_tables({"organisation": pl.DataFrame({"id": [1], "name": ["Our Trust"], "kind": ["trust"]})})
    assert store.frameworks().height == 0
    assert ensure_demo(store) is False  # not empty, so no demo; but the frameworks are seeded
    assert store.frameworks().height == 8 and store.leadership_assessments().height == 0
    store.close()


def _items(section: dict) -> list[dict]:
    return section["items"] + [i for sub in section["subsections"] for i in sub["items"]]


def _titles(things: list[dict]) -> list[str]:
    return [_norm(t["title"]) for t in things]


def test_every_framework_in_leadership_md_is_seeded(md, seeded):
    assert set(seeded) == set(md) | {HUB_RUBRIC}  # the life cycle is its own framework, read from section 1
    assert len(seeded) == 8


def test_hub_rubric_matches_domain_by_domain_skill_by_skill(md, seeded):
    doc, spec = md[HUB_RUBRIC], seeded[HUB_RUBRIC]
    assert _titles(spec["sections"]) == [_norm(d) for d in doc["domains"]]
    domain_2 = spec["sections"][1]
    assert _norm(domain_2["description"]) == _norm("Goal: " + doc["goal"])
    assert _titles(domain_2["subsections"]) == [_norm(s["title"]) for s in doc["subsections"]]
    for sub, expected in zip(domain_2["subsections"], doc["subsections"]):
        assert _titles(sub["items"]) == [_norm(s) for s in expected["skills"]]
        word = next(w for w in doc["challenges"] if w in sub["title"].lower())
        assert sub["challenges"] == doc["challenges"][word]
    assert [s for s in spec["sections"] if s is not domain_2 and (s["items"] or s["subsections"])] == []
    items = {i["title"]: i for i in _items(domain_2)}
    for skill, methods in doc["methods"].items():
        assert [_norm(m) for m in items[skill]["guidance"]] == [_norm(m) for m in methods]
    assert [(str(s["level"]), s["label"]) for s in spec["scale"]] == doc["scale"]
    assert doc["strategy_from"] and spec["strategy_from"] == 3
    assert spec["source"].replace("(", "").replace(")", "") == doc["source"].replace(";", "")
    assert (spec["section_word"], spec["item_word"], spec["guidance_word"]) == ("domain", "skill", "methods")


def test_network_life_cycle_matches(md, seeded):
    spec = seeded[NETWORK_LIFE_CYCLE]
    assert [(_norm(s["title"]), _titles(s["items"])) for s in spec["sections"]] == [
        (_norm(stage), [_norm(e) for e in elements]) for stage, elements in md[NETWORK_LIFE_CYCLE]["stages"]
    ]


def test_five_behavioural_actions_match_action_practice_and_reflection(md, seeded):
    doc, spec = md[FIVE_ACTIONS], seeded[FIVE_ACTIONS]
    assert [(s["title"], _titles(s["items"]), s["description"]) for s in spec["sections"]] == [
        (action, [_norm(p) for p in practices], f"Weekly reflection: {reflection}")
        for action, practices, reflection in doc["actions"]
    ]
    assert [(str(s["level"]), _norm(s["label"])) for s in spec["scale"]] == [(n, _norm(w)) for n, w in doc["scale"]]
    assert spec["strategy_from"] == 4 and spec["source"] == doc["source"]


def test_qualities_match_with_their_look_fors(md, seeded):
    spec = seeded[QUALITIES]
    assert [(_norm(i["title"]), [_norm(g) for g in i["guidance"]]) for i in _items(spec["sections"][0])] == [
        (_norm(q), [_norm(f) for f in look_fors]) for q, look_fors in md[QUALITIES]["qualities"]
    ]
    assert spec["guidance_word"] == "look-fors"


def test_ihi_framework_and_the_seven_leverage_points_match(md, seeded):
    ihi = seeded[IHI_FRAMEWORK]
    assert [(_norm(s["title"]), _titles(s["items"])) for s in ihi["sections"]] == [
        (_norm(c), [_norm(e) for e in elements]) for c, elements in md[IHI_FRAMEWORK]["components"]
    ]
    assert md[IHI_FRAMEWORK]["push"] in ihi["description"]
    points = seeded[LEVERAGE_POINTS]
    assert [(_norm(s["title"]), _titles(s["items"])) for s in points["sections"]] == [
        (_norm(t), [_norm(c) for c in criteria]) for t, criteria in md[LEVERAGE_POINTS]["points"]
    ]
    assert md[LEVERAGE_POINTS]["prune"] in points["description"]


def test_leading_at_every_level_and_the_six_lessons_match(md, seeded):
    levels = seeded[EVERY_LEVEL]
    assert md[EVERY_LEVEL]["levels"] in levels["description"]
    assert [(_norm(s["title"]), _titles(s["items"])) for s in levels["sections"]] == [
        (_norm(p), [_norm(x) for x in practices]) for p, practices in md[EVERY_LEVEL]["processes"]
    ]
    lessons = _items(seeded[SIX_LESSONS]["sections"][0])
    assert [(_norm(i["title"]), [_norm(g) for g in i["guidance"]]) for i in lessons] == [
        (_norm(t), [_norm(g)] if g else []) for t, g in md[SIX_LESSONS]["lessons"]
    ]


def test_frameworks_without_a_scale_in_leadership_md_say_which_they_borrow(seeded):
    for key in (NETWORK_LIFE_CYCLE, QUALITIES, IHI_FRAMEWORK, LEVERAGE_POINTS, EVERY_LEVEL, SIX_LESSONS):
        assert "LEADERSHIP.md gives no rating scale for this framework" in seeded[key]["description"], key
        assert seeded[key]["scale"] in (seeded[HUB_RUBRIC]["scale"], seeded[FIVE_ACTIONS]["scale"]), key


# -- checking frameworks and assessments ---------------------------------------------------------------------------


def _spec(**changes) -> dict:
    spec = {
        "title": "Our network's rubric",
        "scale": [{"level": 1, "label": "Not yet"}, {"level": 2, "label": "Yes"}],
        "strategy_from": 2,
        "item_word": "skill",
        "sections": [{"title": "Connections", "items": [{"title": "Build trust", "guidance": "Meet | Listen"}]}],
    }
    return {**spec, **changes}


def test_a_framework_spec_is_tidied_and_every_problem_named():
    tidy, problems = lp.check_framework(_spec())
    assert problems == []
    assert tidy["key"] == "our-network-s-rubric" and tidy["sections"][0]["key"] == "connections"
    assert tidy["sections"][0]["items"][0] == {
        "key": "build-trust",
        "title": "Build trust",
        "guidance": ["Meet", "Listen"],
    }
    cases = {
        "Give the framework a title.": _spec(title=" "),
        "A rating scale has 2 to 10 levels; this one has 1.": _spec(scale=[{"level": 1, "label": "Only"}]),
        "Scale level 2 has no words: say what a 2 means.": _spec(
            scale=[{"level": 1, "label": "A"}, {"level": 2, "label": ""}]
        ),
        "Each scale level needs its own words; “Same” is used twice.": _spec(
            scale=[{"level": 1, "label": "Same"}, {"level": 2, "label": "Same"}]
        ),
        "“Ask for a strategy from” must be a level of the scale (1 to 2).": _spec(strategy_from=3),
        "A framework needs at least one section.": _spec(sections=[]),
        "A framework needs at least one skill to rate.": _spec(sections=[{"title": "Empty", "items": []}]),
        "Two skills are called “Build trust”: give each its own title.": _spec(
            sections=[
                {"title": "A", "items": [{"title": "Build trust"}]},
                {"title": "B", "items": [{"title": "Build trust"}]},
            ]
        ),
        "A skill in “A” has no title.": _spec(sections=[{"title": "A", "items": [{"title": ""}]}]),
        "The framework key “Bad Key” may use only lower-case letters, digits and hyphens.": _spec(key="Bad Key"),
    }
    for message, spec in cases.items():
        assert message in lp.check_framework(spec)[1], message


def _fv(store: Store, key: str) -> lp.FrameworkVersion:
    return store.framework_version(store.active_version_id(key))


def test_an_assessment_is_checked_in_the_frameworks_words(demo):
    fv = _fv(demo, HUB_RUBRIC)
    trust = fv.items.filter(pl.col("item_key") == "build-trust")["id"][0]
    first = fv.items["id"][0]

    def problems(**changes) -> list[str]:
        base = dict(
            version_id=fv.id,
            organisation_id=WARD_7,
            subject="team",
            assessed_on=DEMO_TODAY,
            raters=("AB", "CD"),
            ratings={(first, "AB"): 2, (first, "CD"): 1},
        )
        return lp.check_assessment(lp.ProposedAssessment(**{**base, **changes}), fv, DEMO_TODAY)[1]

    assert problems() == []
    assert problems(organisation_id=None) == ["Choose the team, organisation or network this assessment is for."]
    assert problems(assessed_on=DEMO_TODAY + dt.timedelta(days=1)) == [
        "The assessment date, 24 November 2026, is in the future: give the date the ratings were made."
    ]
    assert problems(raters=(), ratings={}) == [
        "Give each team member's initials, separated by commas (as on the paper rubric).",
        "Rate at least one skill before saving.",
    ]
    assert "“ab” appears twice among the raters: give each member different initials." in problems(
        raters=("AB", "ab"), ratings={(first, "AB"): 1, (first, "ab"): 1}
    )
    assert problems(raters=("AB", "CD", "EF")) == [
        "EF has not rated any skill: rate at least one or remove their initials."
    ]
    assert problems(raters=("AB",), ratings={(first, "AB"): 7}) == [
        "“Build and monitor network membership”: 7 is not on this scale; rate from 1 (We really need to do this) "
        "to 4 (We're great at this)."
    ]
    # At 3 or 4 a strategy is asked for, with its evidence, naming who rated it so.
    assert problems(ratings={(trust, "AB"): 3, (trust, "CD"): 4}) == [
        "“Build trust” is rated 4 (We're great at this) by AB, CD: name a strategy you use and the evidence it works."
    ]
    assert problems(
        ratings={(trust, "AB"): 3}, raters=("AB",), strategies={trust: {"strategy": "Data first to the team"}}
    ) == ["“Build trust” is rated 3 (We're pretty good at this) by AB: give the evidence that the strategy works."]
    assert (
        problems(
            ratings={(trust, "AB"): 3},
            raters=("AB",),
            strategies={trust: {"strategy": "Data first to the team", "evidence": "Survey up"}},
        )
        == []
    )
    assert problems(subject="self", person="", raters=(), ratings={(first, "x"): 2}) == [
        "Give the name of the person whose practice this is."
    ]
    assert problems(subject="self", person="Jo Bennett", raters=()) == [
        "A self-assessment has one rating for each skill; “Build and monitor network membership” has more."
    ]
    assert problems(growth_edge_item_id=99999) == ["The growth edge must be one of this framework's skills."]
    assert problems(growth_edge_note="Grow") == ["Choose the skill your growth edge note is about."]
    assert lp.parse_raters("AB, CD;EF\n GH ") == ["AB", "CD", "EF", "GH"]


# -- the store: recording, versions, permissions --------------------------------------------------------------------


def _proposal(store: Store, **changes) -> lp.ProposedAssessment:
    fv = _fv(store, FIVE_ACTIONS)
    ids = dict(zip(fv.items["item_key"], fv.items["id"]))
    base = dict(
        version_id=fv.id,
        organisation_id=WARD_7,
        subject="team",
        assessed_on=DEMO_TODAY,
        raters=("AB", "CD"),
        ratings={(ids["reflection"], "AB"): 4, (ids["reflection"], "CD"): 2, (ids["go-see"], "AB"): 2},
        strategies={
            ids["reflection"]: {
                "challenge": "No time to think",
                "strategy": "Friday notebook",
                "evidence": "Done 10 of 12 weeks",
            }
        },
        growth_edge_item_id=ids["have-a-coach"],
        growth_edge_note="Find a coach",
    )
    return lp.ProposedAssessment(**{**base, **changes})


@pytest.mark.slow
def test_an_assessment_keeps_each_raters_rating_its_strategy_and_growth_edge(demo):
    assessment_id = demo.save_assessment(_proposal(demo), username="team", today=DEMO_TODAY)
    saved = demo.assessment(assessment_id)
    assert (saved["organisation"], saved["raters"], saved["strategies"], saved["growth_edge"]) == (
        "Ward 7 (Elderly Care)",
        2,
        1,
        "Have a coach",
    )
    ratings = demo.assessment_ratings([assessment_id])
    assert sorted(zip(ratings["item"], ratings["rater"], ratings["rating"])) == [
        ("Go see (gemba)", "AB", 2),
        ("Reflection", "AB", 4),
        ("Reflection", "CD", 2),
    ]
    assert demo.audit_log().filter(pl.col("entity_type") == "leadership_assessment")["username"].to_list() == ["team"]
    with pytest.raises(Refused, match="already a team assessment .* it was not saved twice"):
        demo.save_assessment(_proposal(demo), username="team", today=DEMO_TODAY)
    library = demo.leadership_strategies()
    assert library.filter(pl.col("assessment_id") == assessment_id)["strategy"].to_list() == ["Friday notebook"]


def test_team_members_assess_only_their_own_team_and_board_viewers_not_at_all(demo):
    with pytest.raises(PermissionRefused, match="only for your own team"):
        demo.save_assessment(_proposal(demo, organisation_id=1), username="team", today=DEMO_TODAY)
    with pytest.raises(PermissionRefused, match="Board viewers cannot record leadership self-assessments"):
        demo.save_assessment(_proposal(demo), username="board", today=DEMO_TODAY)
    with pytest.raises(PermissionRefused, match="only administrators can"):
        demo.save_framework_version(1, _spec(), "Reworded", username="lead", today=DEMO_TODAY)


def test_a_framework_edit_is_a_new_version_and_a_past_assessment_keeps_its_wording(demo):
    before = demo.leadership_assessments(framework_key=HUB_RUBRIC)
    past = before["id"][0]
    worded = demo.assessment_ratings([past])["item"].unique().sort().to_list()
    fv = _fv(demo, HUB_RUBRIC)
    spec = lp.version_spec(fv)
    spec["sections"][1]["subsections"][2]["items"][3]["title"] = "Build trust across the network"
    spec["scale"][0]["label"] = "We have not started this"
    with pytest.raises(Refused, match="Say what changed and why"):
        demo.save_framework_version(fv.version["framework_id"], spec, " ", username="admin", today=DEMO_TODAY)
    new_id = demo.save_framework_version(
        fv.version["framework_id"], spec, "Plainer words", username="admin", today=DEMO_TODAY
    )
    new = demo.framework_version(new_id)
    assert new.version["version_number"] == 2 and "Build trust across the network" in new.items["title"].to_list()
    assert demo.framework_version(fv.id).version["status"] == "retired"
    assert new.items.filter(pl.col("title") == "Build trust across the network")["item_key"][0] == "build-trust"
    # The past assessment still reads as it was made.
    assert demo.assessment_ratings([past])["item"].unique().sort().to_list() == worded
    assert "Build trust" in worded and demo.assessment(past)["version_number"] == 1
    assert demo.framework_versions(fv.version["framework_id"])["change_note"].to_list() == [
        "Plainer words",
        "As set out in LEADERSHIP.md",
    ]
    # New assessments rate the current version; the old one is refused.
    stale = lp.ProposedAssessment(
        version_id=fv.id,
        organisation_id=1,
        subject="self",
        person="A Person",
        assessed_on=DEMO_TODAY,
        raters=(),
        ratings={(fv.items["id"][1], "A Person"): 1},
    )
    with pytest.raises(Refused, match="has a newer version; rate against the current one"):
        demo.save_assessment(stale, username="lead", today=DEMO_TODAY)


def test_a_network_adds_its_own_rubric_from_a_file_and_it_can_be_retired(demo):
    csv_file = (
        b"section,sub-section,item,guidance\nConnections,Across schools,Build trust,Meet monthly | Share data\n"
        b"Connections,Across schools,Share data,\nCulture,,Celebrate tests,\n"
    )
    spec = {
        **lp.read_framework_file(csv_file, "ours.csv"),
        "title": "Schools network rubric",
        "scale": [
            {"level": 1, "label": "Not yet"},
            {"level": 2, "label": "Sometimes"},
            {"level": 3, "label": "Always"},
        ],
        "strategy_from": 3,
        "item_word": "skill",
    }
    framework_id = demo.add_framework(spec, username="admin", today=DEMO_TODAY, organisation_id=1)
    added = demo.frameworks().filter(pl.col("framework_id") == framework_id).row(0, named=True)
    assert (added["title"], added["items"], added["added_by_organisation"]) == (
        "Schools network rubric",
        3,
        "Northfield Teaching Hospitals NHS Foundation Trust",
    )
    fv = demo.framework_version(added["version_id"])
    assert fv.items.filter(pl.col("title") == "Build trust")["guidance"][0] == "Meet monthly\nShare data"
    with pytest.raises(Refused, match="already a framework with the key"):
        demo.add_framework(spec, username="admin", today=DEMO_TODAY)
    # The JSON import file is the export of a framework: it round-trips.
    again = lp.read_framework_file(lp.spec_json(lp.version_spec(fv)).encode(), "x.json")
    assert lp.check_framework(again)[0]["sections"] == lp.check_framework(lp.version_spec(fv))[0]["sections"]
    demo.set_framework_status(framework_id, "retired", "Replaced by the shared rubric", username="admin")
    assert framework_id not in demo.frameworks()["framework_id"].to_list()
    with pytest.raises(Refused, match="Give a reason"):
        demo.set_framework_status(framework_id, "active", "", username="admin")


def test_framework_files_that_cannot_be_read_say_why():
    cases = {
        ("a.txt", b"x"): "a.txt: a framework file is .json (a whole framework) or .csv (its items).",
        ("a.json", b"{oops"): "a.json is not valid JSON (line 1: Expecting property name enclosed in double quotes).",
        ("a.json", b"[]"): "a.json holds a list, not one framework",
        ("a.csv", b"title,notes\nx,y\n"): "a.csv needs the column(s) section, item; it has title, notes.",
        ("a.csv", b"section,item\n,Orphan\n"): "a.csv line 2: give the section of “Orphan”.",
        ("a.csv", b"\xff\xfe"): "a.csv is not UTF-8 text",
    }
    for (name, data), message in cases.items():
        with pytest.raises(lp.FrameworkFileError) as wrong:
            lp.read_framework_file(data, name)
        assert message in str(wrong.value), name


def test_the_editing_tables_round_trip_a_framework(demo):
    spec = lp.version_spec(_fv(demo, HUB_RUBRIC))
    sections, items = lp.spec_tables(spec)
    meta = {
        k: spec[k]
        for k in (
            "key",
            "title",
            "source",
            "description",
            "section_word",
            "item_word",
            "guidance_word",
            "strategy_from",
        )
    }
    rebuilt, problems = lp.spec_from_tables(meta, [s["label"] for s in spec["scale"]], sections, items)
    assert problems == [] and lp.check_framework(rebuilt)[0] == lp.check_framework(spec)[0]
    orphan = items.with_columns(pl.lit("nowhere").alias("section")).head(1)
    assert lp.spec_from_tables(meta, ["a", "b"], sections, orphan)[1] == [
        "Choose the section of the skill “Build and monitor network membership”."
    ]


# -- what the page draws ------------------------------------------------------------------------------------------


def test_the_radar_compares_self_and_team_now_and_last_time(demo):
    assessments = demo.leadership_assessments(1, FIVE_ACTIONS)
    series = lp.radar_series(assessments, demo.assessment_ratings(assessments["id"].to_list()))
    assert set(zip(series["who"], series["when"])) == {
        ("Self", "Now"),
        ("Self", "Last time"),
        ("Team", "Now"),
        ("Team", "Last time"),
    }
    assert series["spoke"].unique(maintain_order=True).to_list() == [
        "Willingness",
        "Humility",
        "Curiosity",
        "Perseverance",
        "Self-discipline",
    ]
    geometry = lp.radar_geometry(series, 5)
    top = geometry["polygons"].filter((pl.col("spoke") == "Willingness") & (pl.col("order") == 0))
    assert top["x"].abs().max() < 1e-9 and ((top["y"] - top["score"] / 5).abs() < 0.01).all()  # first spoke: up
    assert any(line.startswith("Biggest gap between self and team") for line in lp.radar_takeaways(series))


def test_leverage_point_evidence_reads_the_data_and_says_what_it_cannot_see(demo):
    facts = demo.leadership_evidence_facts(DEMO_TODAY)
    none_published = lp.leverage_evidence(facts, [], DEMO_TODAY)
    assert none_published["lp1-specific-aims"] == lp.Evidence(
        "evidenced", "5 active system-level aims; 5 with a target and a date."
    )
    assert none_published["lp3-board-agendas"].status == "missing"
    assert none_published["lp3-calendars"].status == "not_visible"
    months = [dt.date(2026, m, 1) for m in range(1, 11)] + [dt.date(2025, 12, 1)]
    published = lp.leverage_evidence(facts, months, DEMO_TODAY)
    assert published["lp3-board-agendas"] == lp.Evidence(
        "evidenced", "Board report published for 11 of the last 12 months (latest October 2026)."
    )
    assert published["lp1-board-oversight"].status == "evidenced"
    fv = _fv(demo, LEVERAGE_POINTS)
    assert set(fv.items["item_key"]) == set(published)  # every criterion has its line


def test_leverage_point_evidence_speaks_the_organisations_own_words(demo):
    from golden_thread.domain.vocabulary import EDUCATION

    facts = demo.leadership_evidence_facts(DEMO_TODAY)
    months = [dt.date(2026, m, 1) for m in range(1, 11)] + [dt.date(2025, 12, 1)]
    health = lp.leverage_evidence(facts, months, DEMO_TODAY)
    schools = lp.leverage_evidence(facts, months, DEMO_TODAY, EDUCATION)
    assert schools["lp3-board-agendas"] == lp.Evidence(
        "evidenced", "Leadership team report published for 11 of the last 12 months (latest October 2026)."
    )
    assert schools["lp6-physician-leaders"].text.endswith("cannot tell which leads are teacher leaders.")
    assert "what the leadership team knows" in schools["lp3-calendars"].text
    assert not [e.text for e in schools.values() if re.search(r"\b(boards?|physicians?)\b", e.text, re.IGNORECASE)]
    assert {k: e.status for k, e in schools.items()} == {k: e.status for k, e in health.items()}  # only words differ


def test_an_assessment_exports_as_csv_in_the_wording_it_was_made_against(demo):
    row = demo.leadership_assessments(1, HUB_RUBRIC).row(0, named=True)
    exported = pl.read_csv(
        lp.assessment_csv(row, demo.assessment_ratings([row["id"]]), demo.assessment_strategies([row["id"]])).encode()
    )
    assert exported.height == row["raters"] * row["rated_items"]
    assert set(exported["Rater"]) == {"SB", "TK", "RM", "LW", "DF"}
    assert exported.filter(pl.col("Growth edge") == "Yes")["Item"].unique().to_list() == [row["growth_edge"]]
    internal = exported.filter(pl.col("Item") == "Build internal team learning")
    assert internal["Strategy"].unique().to_list() == ["Weekly reports on improvement work"]
    assert internal["Challenge"][0] == "Improvement team connections dropped (network health survey)"


@pytest.mark.slow
def test_every_demo_assessment_would_pass_the_pages_checks(demo):
    for row in demo.leadership_assessments().iter_rows(named=True):
        fv = demo.framework_version(row["version_id"])
        fv = lp.FrameworkVersion({**fv.version, "status": "active"}, fv.scale, fv.sections, fv.subsections, fv.items)
        ratings = demo.assessment_ratings([row["id"]])
        strategies = demo.assessment_strategies([row["id"]])
        proposed = lp.ProposedAssessment(
            version_id=fv.id,
            organisation_id=row["organisation_id"],
            subject=row["subject"],
            assessed_on=row["assessed_on"],
            person=row["person"] or "",
            raters=tuple(ratings["rater"].unique(maintain_order=True)),
            ratings={(i, r): v for i, r, v in zip(ratings["item_id"], ratings["rater"], ratings["rating"])},
            strategies={s["item_id"]: s for s in strategies.iter_rows(named=True)},
            growth_edge_item_id=row["growth_edge_item_id"],
            growth_edge_note=row["growth_edge_note"] or "",
        )
        assert lp.check_assessment(proposed, fv, DEMO_TODAY)[1] == [], lp.assessment_label(row)


# -- the pages ------------------------------------------------------------------------------------------------------


@pytest.fixture
def app_db(demo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "app.duckdb"
    shutil.copy(demo_db, path)
    monkeypatch.setenv("GOLDEN_THREAD_DB", str(path))
    st.cache_resource.clear()
    yield path
    st.cache_resource.clear()


def _open(user: str = "lead", page: str = PAGE, **query: str) -> AppTest:
    app = signed_in(AppTest.from_file(ENTRY, default_timeout=90), user)
    for key, value in query.items():
        app.query_params[key] = value
    app.run()
    app.switch_page(page)  # AppTest registers widget clicks only on a switched-to page
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def _tab(app: AppTest, label: str) -> None:
    """Open a tab of the leadership page: only the open tab's content runs."""
    app.session_state["leadership-tab"] = label
    app.run()
    assert not app.exception, [e.value for e in app.exception]


def _specs(app: AppTest) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in app.get("vega_lite_chart") or app.get("arrow_vega_lite_chart")]


def _data(spec: dict) -> list[dict]:
    """Every inline data row of a (layered, concatenated) Vega-Lite spec."""
    rows = []
    for key, value in spec.items():
        if key == "data" and isinstance(value, dict) and "values" in value:
            rows += value["values"]
        elif isinstance(value, dict):
            rows += _data(value)
        elif isinstance(value, list):
            rows += [row for v in value if isinstance(v, dict) for row in _data(v)]
    return rows


@pytest.mark.slow  # drives the page under AppTest
def test_an_assessment_is_entered_a_strategy_asked_for_and_the_radar_and_heat_map_draw_it(app_db):
    app = _open("team", organisation=str(WARD_7))
    _tab(app, "Record an assessment")
    store = Store(app_db)
    fv = _fv(store, HUB_RUBRIC)
    store.close()
    app.selectbox(key="rec-framework").set_value(fv.id)  # a ward team rating itself on the hub rubric
    app.text_input(key="rec-raters").set_value("AB, CD")
    grid = f"rec-grid-{fv.id}-team-AB-CD"  # a column per member's initials
    trust_row = fv.items["item_key"].to_list().index("build-trust")
    app.session_state[grid] = {
        "edited_rows": {0: {"AB": 2, "CD": 1}, trust_row: {"AB": 3, "CD": 4}},
        "added_rows": [],
        "deleted_rows": [],
    }
    app.run()
    assert [d.key for d in app.data_editor] == [grid]
    asked = [m.value for m in app.markdown if "name a strategy you use" in m.value]
    assert asked == ["**Build trust** is rated 3 by AB, 4 by CD: name a strategy you use, and the evidence it works."]
    app.button(key="rec-save").click().run()
    assert [e.value for e in app.error] == [
        "Not saved:\n\n- “Build trust” is rated 4 \\(We're great at this\\) by AB, CD\\: name a strategy you use and "
        "the evidence it works\\."
    ]
    trust_id = fv.items["id"][trust_row]
    app.text_area(key=f"rec-strategy-{fv.id}-{trust_id}").set_value("Huddle data shown to the team first")
    app.text_area(key=f"rec-evidence-{fv.id}-{trust_id}").set_value("Staff survey: trust up from 2.9 to 3.6")
    app.selectbox(key=f"rec-edge-{fv.id}").set_value(trust_id)
    app.text_input(key=f"rec-edge-note-{fv.id}").set_value("Share the huddle data before the ward round")
    app.button(key="rec-save").click().run()
    assert not app.error and any(s.value.startswith("Saved: Hub leadership practice for Ward 7") for s in app.success)
    # The form starts again blank under a new key ("-1": a browser keeps what it held under the old one): the
    # ratings, the strategies and the growth edge were this assessment's, not the next one's.
    assert app.selectbox(key=f"rec-1-edge-{fv.id}").value is None
    assert app.text_input(key=f"rec-1-edge-note-{fv.id}").value == ""
    assert [d.key for d in app.data_editor] == [f"rec-1-grid-{fv.id}-team-AB-CD"]
    _tab(app, "Radar and heat-map")
    # The radar (five actions, from the demo) and the heat-map of the new hub rubric ratings draw the ratings.
    specs = _specs(app)
    radar = next(s for s in specs if any(r.get("who") == "Self" for r in _data(s)))
    assert {r["spoke"] for r in _data(radar) if "who" in r} == {
        "Willingness",
        "Humility",
        "Curiosity",
        "Perseverance",
        "Self-discipline",
    }
    heat = next(s for s in specs if any("initials" in r for r in _data(s)))
    cells = {(r["item"], r["level"]): r["initials"] for r in _data(heat) if "initials" in r}
    assert cells[("Build trust", 3)] == "AB" and cells[("Build trust", 4)] == "CD"
    assert cells[("Build and monitor network membership", 1)] == "CD"
    assert cells[("Build and monitor network membership", 2)] == "AB"
    store = Store(app_db)
    saved = store.leadership_strategies().filter(pl.col("organisation_id") == WARD_7)
    store.close()
    assert "Huddle data shown to the team first" in saved["strategy"].to_list()


@pytest.mark.slow  # drives the page under AppTest
def test_a_framework_edited_on_the_page_leaves_a_past_assessments_wording(app_db):
    app = _open("admin", organisation="1")
    _tab(app, "Frameworks")
    store = Store(app_db)
    fv = _fv(store, HUB_RUBRIC)
    store.close()
    assert app.selectbox(key="fw-choice").value == fv.id
    prefix = f"fw-edit-{fv.id}"
    row = fv.items["item_key"].to_list().index("build-trust")
    app.session_state[f"{prefix}-items"] = {
        "edited_rows": {row: {"title": "Build trust across the network"}},
        "added_rows": [],
        "deleted_rows": [],
    }
    app.text_input(key=f"{prefix}-note").set_value("Plainer words for the schools network")
    app.button(key=f"{prefix}-save").click().run()
    assert not app.error, [e.value for e in app.error]
    assert any("Past assessments keep their wording" in s.value for s in app.success)
    # The framework now reads the new way; the hub's October assessment (version 1) still reads the old way.
    outline = " ".join(m.value for m in app.markdown)
    assert "Build trust across the network" in outline
    _tab(app, "Radar and heat-map")
    heat = next(s for s in _specs(app) if any("initials" in r for r in _data(s)))
    items = {r["item"] for r in _data(heat) if "initials" in r}
    assert "Build trust" in items and "Build trust across the network" not in items


@pytest.mark.slow  # drives the page under AppTest
def test_the_board_shows_leadership_beside_each_aim(app_db):
    app = _open("board", page=str(ROOT / "screens" / "board.py"), aim="1")
    assert "Leadership beside this aim" in [s.value for s in app.subheader]
    table = next(d.value for d in app.dataframe if "Team or hub" in d.value.columns)
    assert {"Ward 7 (Elderly Care)", "Northfield Teaching Hospitals NHS Foundation Trust (hub)", "Pharmacy"} <= set(
        table["Team or hub"]
    )
    assert table[table["Team or hub"] == "Pharmacy"]["Framework"].tolist() == ["No self-assessment yet"]
    assert "Five behavioural actions of continuous-improvement leaders" in set(table["Framework"])
    line = next(c.value for c in app.caption if c.value.startswith("Leadership assessed\\: "))
    assert "of 4 teams and the hub" in line


def test_the_heat_map_is_read_in_sentences_strongest_weakest_and_most_disagreement(demo):
    row = demo.leadership_assessments(1, HUB_RUBRIC).row(0, named=True)
    fv = demo.framework_version(row["version_id"])
    spread = lp.spread_table(fv, demo.assessment_ratings([row["id"]]), demo.assessment_strategies([row["id"]]))
    lines = lp.rubric_takeaways(spread, fv.levels)
    assert lines[0].startswith("Strongest (median 4, “We're great at this”): ")
    assert lines[1].startswith("Most room to grow (median 2, “We could probably get better at this”): ")
    assert lines[2].startswith("Most disagreement (ratings 2 levels apart): ")
    cells = lp.heatmap_cells(fv, demo.assessment_ratings([row["id"]]))
    assert cells.height == fv.items.height * 4  # every skill at every level, chosen or not
    assert cells.group_by("item_id").agg(pl.col("count").sum())["count"].unique().to_list() == [row["raters"]]


@pytest.mark.slow
def test_the_board_pack_has_a_leadership_summary(demo):
    from reportlab.platypus import Paragraph, Table

    from golden_thread.report.board_pack import _leadership, _register_fonts, _styles

    def texts(flowables) -> list[str]:
        found = []
        for f in flowables:
            if isinstance(f, Paragraph):
                found.append(f.getPlainText())
            elif isinstance(f, Table):
                found += texts(cell for row in f._cellvalues for cell in row)
        return found

    from golden_thread.services.board_pack import leadership_inputs

    text = " | ".join(texts(_leadership(_styles(_register_fonts()), leadership_inputs(demo, DEMO_TODAY), DEMO_TODAY)))
    assert "Leadership practice" in text and "as recorded on 23\u00a0November\u00a02026" in text
    assert "Northfield Teaching Hospitals NHS Foundation Trust (hub)" in text and "Build cross-team learning" in text
    assert "Teams working on an aim with no self-assessment yet: Critical Care" in text
    assert "1. Establish and oversee specific system-level aims at the highest board and leadership level" in text
    assert "3.0 of 4" in text and "2 evidenced · 2 partly evidenced" in text


@pytest.mark.skipif(not SHARED_LEADERSHIP_MD.exists(), reason="the shared domain reference is not beside this clone")
def test_the_kept_copy_is_the_shared_file():
    assert KEPT_LEADERSHIP_MD.read_text(encoding="utf-8") == SHARED_LEADERSHIP_MD.read_text(encoding="utf-8")
