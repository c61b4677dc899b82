"""The Build the thread screen under AppTest: a new organisation's first run, the editors' saves and refusals as a
person sees them, and the mends the flags offer."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from golden_thread.storage.accounts import operator_save_account
from golden_thread.storage.store import Store
from tests.conftest import signed_in

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent
ENTRY = str(ROOT / "dashboard.py")
BUILD = str(ROOT / "screens" / "build.py")


@pytest.fixture
def app_db(demo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "app.duckdb"
    shutil.copy(demo_db, path)
    monkeypatch.setenv("GOLDEN_THREAD_DB", str(path))
    st.cache_resource.clear()
    yield path
    st.cache_resource.clear()


def _build(user: str = "lead", **query: str) -> AppTest:
    app = signed_in(AppTest.from_file(ENTRY, default_timeout=60), user)
    for key, value in query.items():
        app.query_params[key] = value
    app.run()
    app.switch_page(BUILD)
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def _widget(app: AppTest, kind: str, label: str):
    return next(w for w in getattr(app, kind) if w.label.rstrip(" *") == label)


def test_a_new_database_asks_for_its_organisation_then_opens_on_the_guided_start(tmp_path, monkeypatch):
    path = tmp_path / "new.duckdb"
    store = Store(path)
    operator_save_account(store, "chief", "Alice Okafor", "administrator", None, "a long password 1")
    store.close()
    monkeypatch.setenv("GOLDEN_THREAD_DB", str(path))
    st.cache_resource.clear()
    app = AppTest.from_file(ENTRY, default_timeout=60)
    app.session_state["user"] = {"username": "chief", "display_name": "Alice Okafor", "role": "administrator"}
    app.run()
    assert [t.value for t in app.title] == ["Set up your organisation"]
    app.button[0].click().run()  # no name
    assert "Give the organisation its name" in app.error[0].value
    app.text_input[0].input("Riverside NHS Foundation Trust")
    app.button[0].click().run()
    assert [t.value for t in app.title] == ["Build the thread"]
    assert "Getting started" in [s.value for s in app.subheader]
    _widget(app, "text_input", "Objective").input("Safe care, every time")
    _widget(app, "selectbox", "Category").select("Quality")
    next(b for b in app.button if b.label == "Add the objective").click().run()
    assert not app.exception
    assert "Added the objective “Safe care, every time”." in [s.value for s in app.success]
    assert any(m.value.startswith(":material/check_circle: **1. Strategic objectives") for m in app.markdown)
    # The editor opens on what was saved, not on a second blank objective; the next step's button opens its form.
    assert _widget(app, "selectbox", "Objective or aim").value == "strategic_objective:1"
    next(b for b in app.button if b.label == "Start step 2").click().run()
    assert _widget(app, "selectbox", "Objective or aim").value == "new:aim"
    assert "New system-level aim" in [s.value for s in app.subheader]
    assert not [b for b in app.button if b.label == "Start step 2"]  # its form is open: "Next: …, below."
    st.cache_resource.clear()


def test_an_aim_is_edited_and_a_stale_save_is_refused_with_who_changed_it(app_db):
    app = _build("lead", record="aim", id="1")
    target = _widget(app, "number_input", "Target")
    assert target.value == pytest.approx(0.3)
    # a colleague saves a change after this editor opened
    other = Store(app_db)
    scoped = other.within(other.choose_scope(None))
    scoped.update_record("aim", 1, {"target_value": 0.28}, username="admin", opened=None)
    other.close()
    target.set_value(0.25)
    next(b for b in app.button if b.label == "Save changes").click().run()
    assert any("changed this system-level aim while you were editing it" in e.value for e in app.error)
    check = Store(app_db)
    assert check.everything().record("aim", 1)["target_value"] == pytest.approx(0.28)
    check.close()


def test_an_aim_edit_is_saved_and_audited(app_db):
    app = _build("lead", record="aim", id="1")
    _widget(app, "number_input", "Target").set_value(0.25)
    next(b for b in app.button if b.label == "Save changes").click().run()
    assert "Saved the aim." in [s.value for s in app.success]
    check = Store(app_db)
    assert check.everything().record("aim", 1)["target_value"] == pytest.approx(0.25)
    last = check.everything().audit_log().row(-1, named=True)
    assert (last["username"], last["action"], last["entity_type"]) == ("lead", "edit", "aim")
    check.close()


def test_a_team_member_reads_an_aim_but_is_told_why_they_cannot_change_it(app_db):
    app = _build("team", record="aim", id="1")
    assert any("You can read this record but not change it" in i.value for i in app.info)
    assert not [b for b in app.button if b.label == "Save changes"]


def test_a_refused_new_project_says_what_to_fix_and_saves_nothing(app_db):
    app = _build("lead", new="project", link="aim:2")
    assert _widget(app, "selectbox", "Serves").value == "aim:2"
    before = Store(app_db)
    projects = before.everything().table("project").height
    before.close()
    next(b for b in app.button if b.label == "Add the project").click().run()
    messages = app.error[0].value
    assert "Fill in “Project”." in messages and "Fill in “Project lead”." in messages
    after = Store(app_db)
    assert after.everything().table("project").height == projects
    after.close()


def test_a_link_to_a_record_that_is_not_there_says_so(app_db):
    app = _build("lead", record="aim", id="999")
    assert any("There is no system-level aim 999" in w.value for w in app.warning)


def test_the_alignment_page_offers_each_flags_mend_to_those_who_may_take_it(app_db):
    lead = signed_in(AppTest.from_file(ENTRY, default_timeout=60), "lead")
    lead.run()
    lead.switch_page(str(ROOT / "screens" / "alignment.py"))
    lead.run()
    labels = [link.proto.label for link in lead.get("page_link")]
    # Each mend says what it does and, muted, the page it opens.
    assert "Link it to the thread :gray[· Build the thread]" in labels
    assert "Add a project to this aim :gray[· Build the thread]" in labels
    board = signed_in(AppTest.from_file(ENTRY, default_timeout=60), "board")
    board.run()
    board.switch_page(str(ROOT / "screens" / "alignment.py"))
    board.run()
    assert not [link for link in board.get("page_link") if link.proto.label.startswith("Link it to the thread")]


def test_an_administrator_adds_a_team_that_projects_and_people_can_then_belong_to(app_db):
    app = _build("admin")
    app.session_state["build-section"] = "units"
    app.run()
    _widget(app, "selectbox", "Part of").select(2)
    next(b for b in app.button if b.label == "Add the unit").click().run()  # no name yet: refused
    assert app.error and not app.success
    assert _widget(app, "selectbox", "Part of").value == 2  # a refusal keeps what was chosen
    _widget(app, "text_input", "Name").input("Ward 21 (Stroke)")
    next(b for b in app.button if b.label == "Add the unit").click().run()
    assert not app.exception, [e.value for e in app.exception]
    assert "Added team “Ward 21 (Stroke)”." in [s.value for s in app.success]
    assert _widget(app, "text_input", "Name").value == ""  # blank for the next unit
    check = Store(app_db)
    scoped = check.within(check.choose_scope(None))
    assert "Ward 21 (Stroke)" in scoped.teams()["name"].to_list()
    assert check.everything().audit_log().row(-1, named=True)["entity_type"] == "organisation"
    check.close()
    lead = _build("lead")
    lead.session_state["build-section"] = "units"
    lead.run()
    assert any("cannot set up the organisation" in i.value for i in lead.info)


def test_a_refused_link_keeps_what_was_chosen_and_a_made_one_starts_the_form_again(app_db):
    app = _build("lead", record="project", id="1")
    _widget(app, "radio", "As").set_value("also")
    next(b for b in app.button if b.label == "Link").click().run()  # nothing chosen to serve: refused
    assert any("Choose what the project serves" in e.value for e in app.error)
    assert _widget(app, "radio", "As").value == "also"  # a refusal keeps what was chosen
    store = Store(app_db)
    kind, target_id, chosen = store.everything().link_targets().select("kind", "target_id", "label").row(-1)
    store.close()
    _widget(app, "selectbox", "Serves").set_value(f"{kind}:{target_id}")
    next(b for b in app.button if b.label == "Link").click().run()
    assert not app.error, [e.value for e in app.error]
    assert any(f"now serves {chosen}" in s.value for s in app.success), [s.value for s in app.success]
    assert _widget(app, "selectbox", "Serves").value is None  # the form starts again for another link
    assert _widget(app, "radio", "As").value == "primary"
