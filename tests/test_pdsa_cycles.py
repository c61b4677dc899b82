"""The PDSA cycle as teams run it (DOMAIN §1.2–1.5): each stage checked in words a team can act on, recorded one
stage at a time by the people allowed, audited, never saved over a colleague's change, and shown on its own page."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import polars as pl
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from golden_thread.domain import pdsa
from golden_thread.domain.pdsa import ProposedCycle, check_cycle, check_stage, possible_duplicates
from golden_thread.errors import PermissionRefused, Refused, StaleEdit
from golden_thread.services.checks import check_thread
from golden_thread.storage.store import Store
from tests.conftest import DEMO_TODAY, signed_in

ROOT = Path(__file__).resolve().parent.parent
TODAY = dt.date(2026, 11, 23)
# In the demo trust: cycle 13 is the latest of project 2 (Ward 7, the demo team member's own team), past its end
# with nothing recorded since its plan, so flagged "PDSA overdue"; project 1 belongs to another team.
OVERDUE = 13
WARD_7_PROJECT = 2
OTHER_TEAMS_PROJECT = 1


def _problems(proposed: ProposedCycle) -> list[str]:
    return check_cycle(proposed, TODAY)[1]


def _stored(**fields) -> dict:
    """A stored cycle as the store reads it: every column, only the plan written unless ``fields`` say more."""
    row = {name: None for names in pdsa.STAGE_FIELDS.values() for name in names}
    row.update(id=7, project_id=1, title="Teach-back at discharge", prediction="8 in 10 will", start_date=TODAY)
    row.update(fields)
    return row


# -- the domain: every problem in words -----------------------------------------------------------------------------


def test_a_new_cycle_needs_a_prediction_and_the_refusal_says_why():
    problems = _problems(ProposedCycle("Teach-back at discharge", TODAY))
    assert problems == [pdsa.NEEDS_PREDICTION]
    assert "A prediction is what the team learns against" in problems[0]
    assert _problems(ProposedCycle("Teach-back", TODAY, prediction="   ")) == [pdsa.NEEDS_PREDICTION]
    assert _problems(ProposedCycle("Teach-back", TODAY, prediction="8 in 10 patients repeat it back")) == []


def test_a_new_cycles_plan_problems_are_each_named():
    assert _problems(ProposedCycle("  ", None, prediction="p")) == [
        "Give the cycle a title: what is being tested, where.",
        "Enter the date the cycle starts.",
    ]
    assert _problems(ProposedCycle("x" * 201, TODAY, prediction="p")) == [
        "Keep the title under 200 characters; put the detail in the plan."
    ]
    assert _problems(ProposedCycle("T", TODAY + dt.timedelta(days=400), prediction="p")) == [
        "The start date is more than a year away; check the year."
    ]
    assert _problems(ProposedCycle("T", TODAY, TODAY - dt.timedelta(days=1), prediction="p")) == [
        "The cycle ends (22 November 2026) before it starts (23 November 2026)."
    ]
    assert _problems(ProposedCycle("T", TODAY, purpose="guess", prediction="p")) == [
        "Purpose must be one of: collect information, develop change, test change, implement change."
    ]
    assert _problems(ProposedCycle("T", TODAY, prediction="p" * 4001)) == [
        "The prediction is longer than 4000 characters; shorten it."
    ]


def test_a_cycle_logged_after_the_event_keeps_its_stages_in_order():
    assert _problems(ProposedCycle("T", TODAY, prediction="p", act_decision="adopt")) == [pdsa.STUDY_BEFORE_ACT]
    assert _problems(ProposedCycle("T", TODAY, prediction="p", study_notes="learned")) == [pdsa.DO_BEFORE_STUDY]
    assert _problems(
        ProposedCycle("T", TODAY, prediction="p", do_notes="d", study_notes="s", act_decision="maybe")
    ) == ["The Act decision is adopt, adapt or abandon, not “maybe”."]
    later = TODAY + dt.timedelta(days=3)
    assert _problems(ProposedCycle("T", later, prediction="p", do_notes="done")) == [
        "The cycle starts on 26 November 2026, after today: record what happened once it has begun, or correct the "
        "start date in the plan."
    ]
    whole = ProposedCycle("T", TODAY, prediction="p", do_notes="d", study_notes="s", act_decision="adapt")
    assert _problems(whole) == [pdsa.ADAPT_NEEDS_NEXT]
    row, problems = check_cycle(ProposedCycle(" T ", TODAY, prediction=" p ", plan="  "), TODAY)
    assert problems == [] and row["title"] == "T" and row["prediction"] == "p" and row["plan"] is None


def test_each_stage_asks_for_its_own_record():
    assert check_stage("do", _stored(), {"do_notes": " "}, TODAY)[1] == [pdsa.NEEDS_DO_NOTES]
    assert check_stage("study", _stored(do_notes="d"), {"study_notes": ""}, TODAY)[1] == [pdsa.NEEDS_STUDY_NOTES]
    assert check_stage("act", _stored(do_notes="d", study_notes="s"), {"act_decision": None}, TODAY)[1] == [
        pdsa.NEEDS_DECISION
    ]
    assert check_stage("act", _stored(do_notes="d", study_notes="s"), {"act_decision": "adapt"}, TODAY)[1] == [
        pdsa.ADAPT_NEEDS_NEXT
    ]
    changed, problems = check_stage(
        "act", _stored(do_notes="d", study_notes="s"), {"act_decision": "adopt", "act_notes": ""}, TODAY
    )
    assert problems == [] and changed == {"act_decision": "adopt"}  # a blank note that was blank is no change


def test_a_study_needs_something_done_and_a_decision_needs_a_study():
    assert check_stage("study", _stored(), {"study_notes": "We learned"}, TODAY)[1] == [pdsa.DO_BEFORE_STUDY]
    assert check_stage("act", _stored(do_notes="d"), {"act_decision": "adopt"}, TODAY)[1] == [pdsa.STUDY_BEFORE_ACT]
    future = _stored(start_date=TODAY + dt.timedelta(days=1))
    assert (
        "after today: record what happened once it has begun"
        in check_stage("do", future, {"do_notes": "x"}, TODAY)[1][0]
    )
    done = _stored(do_notes="happened")
    moved = check_stage("plan", done, {"start_date": TODAY + dt.timedelta(days=5)}, TODAY)[1]
    assert moved == [
        "The cycle starts on 28 November 2026, after today: record what happened once it has begun, or correct the "
        "start date in the plan."
    ]


def test_the_prediction_is_needed_in_the_plan_and_fixed_once_studied():
    assert check_stage("plan", _stored(), {"prediction": ""}, TODAY)[1] == [pdsa.NEEDS_PREDICTION]
    studied = _stored(do_notes="d", study_notes="s")
    assert check_stage("plan", studied, {"prediction": "What we now know"}, TODAY)[1] == [pdsa.PREDICTION_IS_FIXED]
    assert "hindsight" in pdsa.PREDICTION_IS_FIXED
    assert check_stage("plan", studied, {"prediction": " 8 in 10 will "}, TODAY) == ({}, [])  # as it was: no change
    # A studied cycle logged without its prediction may still get the one the team made at the time.
    unpredicted = _stored(prediction=None, do_notes="d", study_notes="s")
    assert check_stage("plan", unpredicted, {"prediction": "From the worksheet"}, TODAY) == (
        {"prediction": "From the worksheet"},
        [],
    )
    assert check_stage("plan", unpredicted, {"prediction": ""}, TODAY) == ({}, [])


def test_a_stage_records_only_its_own_fields_and_a_cycle_not_itself():
    assert check_stage("review", _stored(), {}, TODAY)[1] == [
        "There is no PDSA stage “review”: the stages are plan, do, study and act."
    ]
    assert check_stage("do", _stored(), {"study_notes": "s"}, TODAY)[1] == [
        "The Do stage records do_notes; not study_notes."
    ]
    assert check_stage("plan", _stored(), {"builds_on_id": 7}, TODAY)[1] == [
        "A cycle cannot build on itself: choose an earlier cycle of the ramp, or none."
    ]
    assert check_stage("plan", _stored(), {"start_date": "soon"}, TODAY)[1][0] == (
        "The start date “soon” is not a date; choose it from the calendar."
    )


def test_a_ramp_builds_on_an_earlier_cycle_of_the_same_project_without_a_loop():
    first = {"id": 1, "cycle_number": 1, "start_date": TODAY - dt.timedelta(days=30), "builds_on_id": None}
    assert pdsa.ramp_problems(None, TODAY, first, {1: None}) == []
    assert pdsa.ramp_problems(None, TODAY, None, {1: None}) == [
        "That earlier cycle is not one of this project's cycles: a ramp builds on the same project's tests."
    ]
    assert pdsa.ramp_problems(None, TODAY - dt.timedelta(days=31), first, {1: None}) == [
        "Cycle 1 starts on 24 October 2026, after this one (23 October 2026): a cycle builds on an earlier one."
    ]
    # 1 builds on 3 builds on 2: making 2 build on 1 would close the loop.
    ramp = {1: 3, 2: None, 3: 2}
    assert pdsa.ramp_problems(2, TODAY, first, ramp) == [
        "That cycle already builds on this one: a ramp runs one way. Choose an earlier cycle, or none."
    ]


def test_progress_is_the_last_stage_recorded_in_python_and_in_a_frame():
    rows = [
        _stored(),
        _stored(do_notes="d"),
        _stored(do_notes="d", study_notes="s"),
        _stored(do_notes="d", study_notes="s", act_decision="adopt"),
        _stored(do_notes="  "),
    ]
    expected = ["planned", "doing", "studied", "acted", "planned"]
    assert [pdsa.progress(r) for r in rows] == expected
    frame = pl.DataFrame(rows).select("act_decision", "study_notes", "do_notes")
    assert frame.select(pdsa.progress_column())["stage"].to_list() == expected


def _existing() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "id": [1, 2, 3],
            "cycle_number": [1, 2, 3],
            "title": ["Teach-back at discharge", "Discharge checklist", "Huddle at 8"],
            "change_idea_id": [10, 11, 11],
            "start_date": [dt.date(2026, 9, 1), dt.date(2026, 10, 1), dt.date(2026, 8, 1)],
            "end_date": [dt.date(2026, 9, 14), dt.date(2026, 10, 20), None],
            "act_decision": ["adapt", None, "abandon"],
        }
    )


def test_possible_duplicates_are_the_same_title_or_the_same_idea_at_the_same_time():
    same_title = possible_duplicates(ProposedCycle("  TEACH-BACK at   discharge!", dt.date(2027, 1, 1)), _existing())
    assert same_title.select("id", "why").rows() == [(1, "the same title")]
    overlapping = possible_duplicates(
        ProposedCycle("Checklist on Ward 9", dt.date(2026, 10, 15), change_idea_id=11), _existing()
    )
    assert overlapping.select("id", "why").rows() == [(2, "the same change idea, tested at the same time")]
    # After cycle 2 ends it is the next test, not the same one; cycle 3 was decided, so it lasted its start day.
    later = ProposedCycle("Checklist on Ward 9", dt.date(2026, 10, 21), change_idea_id=11)
    assert possible_duplicates(later, _existing()).height == 0
    # An undecided cycle without an end date is still running.
    running = _existing().with_columns(
        pl.lit(None, dtype=pl.Date).alias("end_date"), pl.lit(None).alias("act_decision")
    )
    assert possible_duplicates(later, running)["id"].to_list() == [3, 2]
    assert possible_duplicates(ProposedCycle("New", TODAY, change_idea_id=None), _existing()).height == 0
    assert possible_duplicates(ProposedCycle("New", TODAY), _existing().clear()).height == 0


def test_the_next_cycle_of_a_ramp_is_prefilled_from_this_one():
    assert pdsa.next_cycle_title("Teach-back: cycle 3 on Ward 7", 3) == "Teach-back: cycle 4 on Ward 7"
    assert pdsa.next_cycle_title("Teach-back", 3) == "Teach-back (cycle 4)"
    this = _stored(
        id=5, cycle_number=2, title="Teach-back", change_idea_id=10, plan="Ask 5 patients", end_date=TODAY
    ) | {"purpose": "test_change", "objective": "Will it work?", "questions": "How long?"}
    following = pdsa.next_cycle(this, TODAY)
    assert following.builds_on_id == 5 and following.change_idea_id == 10 and following.plan == "Ask 5 patients"
    assert following.title == "Teach-back (cycle 3)" and following.prediction == ""
    assert following.start_date == TODAY + dt.timedelta(days=1)  # this one ends today
    ended = this | {"end_date": TODAY - dt.timedelta(days=10)}
    assert pdsa.next_cycle(ended, TODAY).start_date == TODAY


# -- the store: each stage recorded, audited, refused whole ---------------------------------------------------------


def _snapshot(store: Store, cycle_id: int) -> tuple[dict, int]:
    return store.pdsa_cycle(cycle_id), store.audit_log().height


def _opened(cycle: dict) -> dict:
    return {name: cycle[name] for names in pdsa.STAGE_FIELDS.values() for name in names}


def test_a_team_carries_its_cycle_from_plan_to_act_and_the_overdue_flag_clears(demo):
    def overdue() -> set[int]:
        flags = check_thread(demo, DEMO_TODAY)
        return set(flags.filter(pl.col("rule") == "pdsa_overdue")["entity_id"].to_list())

    assert OVERDUE in overdue()
    cycle = demo.pdsa_cycle(OVERDUE)
    assert cycle["stage"] == "planned" and cycle["project_id"] == WARD_7_PROJECT
    steps = [
        ("do", {"do_notes": "Done on 12 of 15 admissions; nights found it hard."}, "doing"),
        ("study", {"study_notes": "75% against a prediction of 80%: close; nights need a prompt."}, "studied"),
        ("act", {"act_decision": "adapt", "act_notes": "Add a night prompt card and test it for a week."}, "acted"),
    ]
    for stage, fields, reached in steps:
        opened = _opened(demo.pdsa_cycle(OVERDUE))
        assert (
            demo.record_pdsa_stage(OVERDUE, stage, fields, username="team", today=DEMO_TODAY, opened=opened) == "saved"
        )
        assert demo.pdsa_cycle(OVERDUE)["stage"] == reached
    assert OVERDUE not in overdue()
    stored = demo.pdsa_cycle(OVERDUE)
    assert stored["act_decision"] == "adapt" and stored["study_notes"].startswith("75%")
    audit = demo.audit_log().filter(pl.col("entity_type") == "pdsa_cycle")
    assert audit["action"].to_list() == ["do", "study", "act"]
    assert audit["username"].unique().to_list() == ["team"]
    last = audit.row(-1, named=True)
    assert '"act_decision": null' in last["before_json"] and '"act_decision": "adapt"' in last["after_json"]
    # Saving the same again changes nothing and records nothing.
    again = demo.record_pdsa_stage(
        OVERDUE, "act", steps[2][1], username="team", today=DEMO_TODAY, opened=_opened(stored)
    )
    assert again == "unchanged" and demo.audit_log().filter(pl.col("entity_type") == "pdsa_cycle").height == 3


def test_editing_the_plan_is_audited_with_before_and_after(demo):
    cycle = demo.pdsa_cycle(OVERDUE)
    plan = {name: cycle[name] for name in pdsa.STAGE_FIELDS["plan"]}
    plan.update(plan="Brief the night team too.", end_date=DEMO_TODAY + dt.timedelta(days=7))
    demo.record_pdsa_stage(OVERDUE, "plan", plan, username="lead", today=DEMO_TODAY, opened=_opened(cycle))
    record = demo.audit_log().row(-1, named=True)
    assert (record["action"], record["entity_key"], record["username"]) == ("plan", str(OVERDUE), "lead")
    assert "Brief the night team too." in record["after_json"] and "end_date" in record["before_json"]
    assert "title" not in record["after_json"]  # only what changed
    assert OVERDUE not in check_thread(demo, DEMO_TODAY).filter(pl.col("rule") == "pdsa_overdue")["entity_id"]


def test_a_new_cycle_builds_on_the_cycle_it_names_and_is_numbered_after_the_last(demo):
    proposed = ProposedCycle(
        "Night prompt card on Ward 7", DEMO_TODAY, prediction="Nights reach 80% too", builds_on_id=OVERDUE
    )
    new = demo.log_pdsa_cycle(WARD_7_PROJECT, proposed, username="team", today=DEMO_TODAY)
    cycle = demo.pdsa_cycle(new)
    assert cycle["builds_on_id"] == OVERDUE and cycle["cycle_number"] == 7 and cycle["builds_on_number"] == 6
    assert demo.pdsa_cycle(OVERDUE)["built_on_by"] == [new]
    listed = demo.pdsa_cycles(WARD_7_PROJECT)
    assert listed["id"].to_list()[-1] == new and listed["stage"].to_list()[-1] == "planned"
    fresh = demo.log_pdsa_cycle(
        WARD_7_PROJECT, ProposedCycle("A first test", DEMO_TODAY, prediction="p"), username="team", today=DEMO_TODAY
    )
    assert demo.pdsa_cycle(fresh)["builds_on_id"] is None  # no longer silently the last cycle
    assert demo.audit_log().filter(pl.col("action") == "add")["entity_key"].to_list()[-2:] == [str(new), str(fresh)]


def _unchanged(store: Store, cycle_id: int, attempt) -> Refused:
    before = _snapshot(store, cycle_id)
    rows = store.table("pdsa_cycle").height
    with pytest.raises(Refused) as refused:
        attempt()
    assert _snapshot(store, cycle_id) == before
    assert store.table("pdsa_cycle").height == rows
    return refused.value


def test_bad_input_is_refused_and_nothing_changes(demo):
    def study_first():
        demo.record_pdsa_stage(OVERDUE, "study", {"study_notes": "x"}, username="team", today=DEMO_TODAY, opened=None)

    assert _unchanged(demo, OVERDUE, study_first).problems == [pdsa.DO_BEFORE_STUDY]

    def no_prediction():
        demo.log_pdsa_cycle(WARD_7_PROJECT, ProposedCycle("T", DEMO_TODAY), username="team", today=DEMO_TODAY)

    assert _unchanged(demo, OVERDUE, no_prediction).problems == [pdsa.NEEDS_PREDICTION]

    other_project_cycle = int(demo.pdsa_cycles(OTHER_TEAMS_PROJECT)["id"][0])

    def ramp_across_projects():
        demo.log_pdsa_cycle(
            WARD_7_PROJECT,
            ProposedCycle("T", DEMO_TODAY, prediction="p", builds_on_id=other_project_cycle),
            username="lead",
            today=DEMO_TODAY,
        )

    assert "a ramp builds on the same project's tests" in str(_unchanged(demo, OVERDUE, ramp_across_projects))

    foreign_idea = int(demo.change_ideas_for_project(OTHER_TEAMS_PROJECT)["id"][0])
    assert foreign_idea not in demo.change_ideas_for_project(WARD_7_PROJECT)["id"].to_list()

    def idea_of_another_diagram():
        cycle = demo.pdsa_cycle(OVERDUE)
        demo.record_pdsa_stage(
            OVERDUE, "plan", {"change_idea_id": foreign_idea}, username="lead", today=DEMO_TODAY, opened=_opened(cycle)
        )

    assert "is not one this project can test" in str(_unchanged(demo, OVERDUE, idea_of_another_diagram))

    def unknown_cycle():
        demo.record_pdsa_stage(99999, "do", {"do_notes": "x"}, username="admin", today=DEMO_TODAY, opened=None)

    assert "There is no PDSA cycle 99999" in str(_unchanged(demo, OVERDUE, unknown_cycle))


def test_a_board_viewer_and_another_team_are_refused_and_nothing_changes(demo):
    def board():
        demo.record_pdsa_stage(OVERDUE, "do", {"do_notes": "x"}, username="board", today=DEMO_TODAY, opened=None)

    refused = _unchanged(demo, OVERDUE, board)
    assert isinstance(refused, PermissionRefused) and "Board viewers cannot log or update PDSA cycles" in str(refused)

    other = int(demo.pdsa_cycles(OTHER_TEAMS_PROJECT)["id"][-1])

    def other_team():
        demo.record_pdsa_stage(other, "do", {"do_notes": "x"}, username="team", today=DEMO_TODAY, opened=None)

    refused = _unchanged(demo, other, other_team)
    assert isinstance(refused, PermissionRefused) and "only for your own team" in str(refused)

    def other_team_new_cycle():
        demo.log_pdsa_cycle(
            OTHER_TEAMS_PROJECT, ProposedCycle("T", DEMO_TODAY, prediction="p"), username="team", today=DEMO_TODAY
        )

    assert isinstance(_unchanged(demo, other, other_team_new_cycle), PermissionRefused)


def test_a_save_over_a_colleagues_change_is_refused_naming_who_changed_what(demo):
    opened = _opened(demo.pdsa_cycle(OVERDUE))
    demo.record_pdsa_stage(
        OVERDUE, "do", {"do_notes": "Ran on days only."}, username="lead", today=DEMO_TODAY, opened=opened
    )

    def late_save():
        demo.record_pdsa_stage(
            OVERDUE, "do", {"do_notes": "Ran on every shift."}, username="team", today=DEMO_TODAY, opened=opened
        )

    refused = _unchanged(demo, OVERDUE, late_save)
    assert isinstance(refused, StaleEdit)
    assert "Improvement lead (demo)" in str(refused) and "do notes is now “Ran on days only.”" in str(refused)
    assert demo.pdsa_cycle(OVERDUE)["do_notes"] == "Ran on days only."


@pytest.mark.slow
def test_a_cycles_measures_are_those_whose_charts_mark_it(demo):
    measures = demo.measures()["id"].to_list()
    for cycle_id in (OVERDUE, int(demo.pdsa_cycles(OTHER_TEAMS_PROJECT)["id"][0])):
        charted = {m for m in measures if cycle_id in demo.pdsa_cycles_for_measure(m)["id"].to_list()}
        listed = demo.cycle_measures(cycle_id)
        assert set(listed["id"].to_list()) == charted and charted
        assert set(listed["attached_to"]) <= {"project", "driver", "aim"}


# -- the screen ------------------------------------------------------------------------------------------------------


@pytest.fixture
def app_db(demo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "app.duckdb"
    shutil.copy(demo_db, path)
    monkeypatch.setenv("GOLDEN_THREAD_DB", str(path))
    st.cache_resource.clear()
    st.cache_data.clear()
    yield path
    st.cache_resource.clear()
    st.cache_data.clear()


def _open(user: str, **query: str) -> AppTest:
    app = signed_in(AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60), user)
    for key, value in query.items():
        app.query_params[key] = value
    app.run()
    app.switch_page(str(ROOT / "screens/pdsa.py"))
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def _click(app: AppTest, label: str) -> AppTest:
    next(b for b in app.button if b.label == label).click().run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def _read(path: Path, cycle_id: int) -> dict:
    store = Store(path)
    try:
        return store.within(store.choose_scope(None)).pdsa_cycle(cycle_id)
    finally:
        store.close()


@pytest.mark.slow
def test_the_team_records_do_study_and_act_on_the_cycle_page(app_db):
    app = _open("team", cycle=str(OVERDUE))
    assert [t.value for t in app.title] == ["PDSA cycles"]
    assert any(w.value.startswith("PDSA overdue") for w in app.warning)
    assert any("Lying and standing blood pressure" in s.value for s in app.subheader)
    app.text_area(key=f"pdsa-{OVERDUE}-do_notes").input("Done on 12 of 15 admissions.")
    _click(app, "Save what happened")
    assert [s.value for s in app.success] == ["Do saved."] and not app.error
    app.text_area(key=f"pdsa-{OVERDUE}-study_notes").input("75% against a predicted 80%.")
    _click(app, "Save the study")
    app.radio(key=f"pdsa-{OVERDUE}-act_decision").set_value("adopt")
    _click(app, "Save the act")
    assert [s.value for s in app.success] == ["Act saved."] and not app.error
    assert not any(w.value.startswith("PDSA overdue") for w in app.warning)  # the flag cleared with the data
    stored = _read(app_db, OVERDUE)
    assert (stored["do_notes"], stored["study_notes"], stored["act_decision"]) == (
        "Done on 12 of 15 admissions.",
        "75% against a predicted 80%.",
        "adopt",
    )


@pytest.mark.slow
def test_a_board_viewer_reads_the_cycle_and_is_told_why_it_cannot_change_it(app_db):
    app = _open("board", cycle=str(OVERDUE))
    assert any("Board viewers cannot log or update PDSA cycles" in i.value for i in app.info)
    assert not [b for b in app.button if b.label.startswith("Save")]
    assert any("Prediction" in m.value for m in app.markdown)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("query", "said"),
    [
        ({"cycle": "abc"}, "“abc” is not a PDSA cycle number"),
        ({"cycle": "99999"}, "There is no PDSA cycle 99999 here"),
        ({"cycle": "1e9999"}, "is not a PDSA cycle number"),
        ({"project": "<b>x</b>"}, "is not a project number"),
        ({"project": "99999"}, "There is no project 99999 here"),
    ],
)
def test_a_bad_link_is_explained_and_the_projects_are_offered(app_db, query, said):
    app = _open("admin", **query)
    assert any(said in w.value for w in app.warning), [w.value for w in app.warning]
    assert any(box.label == "Project" for box in app.selectbox)


@pytest.mark.slow
def test_a_new_cycle_needs_a_prediction_and_a_likely_duplicate_needs_a_second_click(app_db):
    app = _open("team", project=str(WARD_7_PROJECT))
    key = f"pdsa-new-{WARD_7_PROJECT}"
    existing = _read(app_db, OVERDUE)["title"]
    rows = Store(app_db).table("pdsa_cycle").height
    app.text_input(key=f"{key}-title").input(existing.upper())
    _click(app, "Save the new cycle")
    assert any("It is a different test" in b.label for b in app.button)
    assert any("looks like a cycle already logged" in w.value for w in app.warning)
    _click(app, "It is a different test: save it anyway")
    assert [e.value.replace("\\", "") for e in app.error] == [pdsa.NEEDS_PREDICTION]  # the prediction is still needed
    app.text_area(key=f"{key}-prediction").input("Nights reach 80% too.")
    _click(app, "Save the new cycle")
    assert not any(s.value.startswith("New cycle saved") for s in app.success)  # still a likely duplicate
    _click(app, "It is a different test: save it anyway")
    assert any(s.value.startswith("New cycle saved") for s in app.success), [e.value for e in app.error]
    store = Store(app_db)
    assert store.table("pdsa_cycle").height == rows + 1
    store.close()
    assert app.query_params["cycle"] != str(OVERDUE)
    # Back on the project's page, its form starts blank: what was saved is not typed in it again.
    app.query_params.clear()
    app.query_params["project"] = str(WARD_7_PROJECT)
    app.run()
    # (A form drawn afresh under a new key, "-1": a browser would keep what it held under the old one.)
    assert app.text_input(key=f"{key}-1-title").value == "" and app.text_area(key=f"{key}-1-prediction").value == ""
    assert not any("It is a different test" in b.label for b in app.button)


@pytest.mark.slow
def test_a_save_over_a_colleagues_change_is_refused_on_the_page(app_db):
    app = _open("team", cycle=str(OVERDUE))
    store = Store(app_db)  # a colleague saves first, from another session
    cycle = store.pdsa_cycle(OVERDUE)
    store.record_pdsa_stage(
        OVERDUE, "do", {"do_notes": "Ran on days only."}, username="lead", today=DEMO_TODAY, opened=_opened(cycle)
    )
    store.close()
    app.text_area(key=f"pdsa-{OVERDUE}-do_notes").input("Ran on every shift.")
    _click(app, "Save what happened")
    assert any("changed this PDSA cycle while you were editing it" in e.value for e in app.error)
    assert _read(app_db, OVERDUE)["do_notes"] == "Ran on days only."
    _click(app, "Reopen the cycle with their changes")
    assert app.text_area(key=f"pdsa-{OVERDUE}-do_notes").value == "Ran on days only."


@pytest.mark.slow
def test_the_measures_page_logs_a_cycle_only_with_its_prediction_and_builds_on_the_latest(app_db):
    measure = 22  # Ward 7's own process measure, on the chart of project 2
    app = signed_in(AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60), "team")
    app.query_params["measure"] = str(measure)
    app.run()
    app.switch_page(str(ROOT / "screens/measures.py"))
    app.run()
    assert app.selectbox(key=f"cycle-project-{measure}").value == WARD_7_PROJECT
    app.text_input(key=f"cycle-{measure}-title").input("Night prompt card on Ward 7")
    _click(app, "Log PDSA cycle")
    assert [e.value.replace("\\", "") for e in app.error] == [pdsa.NEEDS_PREDICTION]
    app.text_area(key=f"cycle-{measure}-prediction").input("Nights reach 80% too.")
    _click(app, "Log PDSA cycle")
    assert any(s.value.startswith("PDSA cycle logged") for s in app.success), [e.value for e in app.error]
    store = Store(app_db)
    logged = store.table("pdsa_cycle").sort("id").row(-1, named=True)
    store.close()
    assert (logged["title"], logged["builds_on_id"], logged["prediction"]) == (
        "Night prompt card on Ward 7",
        OVERDUE,
        "Nights reach 80% too.",
    )
    # The form starts the next cycle blank, building on the one just logged: pressing again logs nothing twice.
    # (A form drawn afresh under a new key, "-1": a browser would keep what it held under the old one.)
    assert app.text_input(key=f"cycle-{measure}-1-title").value == ""
    assert app.text_area(key=f"cycle-{measure}-1-prediction").value == ""
    assert app.selectbox(key=f"cycle-{measure}-1-builds-on").value == logged["id"]
    _click(app, "Log PDSA cycle")
    assert not app.success and app.error
    store = Store(app_db)
    assert store.table("pdsa_cycle").filter(pl.col("title") == "Night prompt card on Ward 7").height == 1
    store.close()


@pytest.mark.slow
def test_the_next_cycle_starts_from_the_cycle_page_prefilled_as_a_ramp(app_db):
    app = _open("team", cycle=str(OVERDUE))
    key = f"pdsa-next-{OVERDUE}"
    assert app.text_input(key=f"{key}-title").value.endswith("cycle 7 on Ward 7 (Elderly Care)")
    assert app.selectbox(key=f"{key}-builds-on").value == OVERDUE
    assert app.text_area(key=f"{key}-prediction").value == ""  # each cycle predicts afresh
    app.text_area(key=f"{key}-prediction").input("Nights reach 80% with the prompt card.")
    _click(app, "Save the new cycle")
    assert any(s.value.startswith("New cycle saved") for s in app.success), [e.value for e in app.error]
    new = int(app.query_params["cycle"])
    stored = _read(app_db, new)
    assert (stored["builds_on_id"], stored["cycle_number"], stored["change_idea_id"]) == (
        OVERDUE,
        7,
        _read(app_db, OVERDUE)["change_idea_id"],
    )
    assert any("Builds on cycle 6" in link.proto.label for link in app.get("page_link"))
