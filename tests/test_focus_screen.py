"""The Focus boards screen under AppTest (issue 17): a ward's team member opens their board, closes an action with
what was learned, adds one, and records a huddle through huddle mode; the roll-up and the Alignment page follow."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from golden_thread.storage.store import Store
from tests.conftest import signed_in

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent
ENTRY = str(ROOT / "dashboard.py")
FOCUS = str(ROOT / "screens" / "focus.py")


@pytest.fixture
def app_db(demo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "app.duckdb"
    shutil.copy(demo_db, path)
    monkeypatch.setenv("GOLDEN_THREAD_DB", str(path))
    st.cache_resource.clear()
    yield path
    st.cache_resource.clear()


def _open(user: str = "team", **query: str) -> AppTest:
    app = signed_in(AppTest.from_file(ENTRY, default_timeout=90), user)
    app.run()
    app.switch_page(FOCUS)
    for key, value in query.items():
        app.query_params[key] = value
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def _read(path: Path, sql: str) -> list[tuple]:
    """What the database holds now (read beside the app, as the other page tests do)."""
    store = Store(path)
    try:
        return store._query(sql).rows()
    finally:
        store.close()


def _ward_7_board(path: Path) -> int:
    return _read(path, "SELECT id FROM focus_board WHERE unit_id = 5")[0][0]


def _texts(app: AppTest) -> str:
    return " ".join(m.value for m in app.markdown) + " " + " ".join(c.value for c in app.caption)


def _roll_up_row(app: AppTest, team: str) -> dict:
    table = next(t.value for t in app.dataframe if "Team" in t.value.columns)
    return table[table["Team"] == team].iloc[0].to_dict()


def test_a_team_member_opens_their_own_board_with_its_four_columns(app_db):
    app = _open("team")
    assert [t.value for t in app.title] == ["Ward 7 focus board"]
    shown = _texts(app)
    for category in ("Quality", "Efficiency", "Financial", "People"):
        assert f"**{category}**" in shown
    assert "Serves: " in shown
    assert any("now · target" in m.value for m in app.markdown)  # current against target, from the measure's data


def test_closing_an_action_asks_for_the_learning_and_adding_one_lists_it(app_db):
    app = _open("team")
    open_before = _read(app_db, "SELECT count(*) FROM focus_action WHERE board_id = 1 AND status <> 'done'")[0][0]
    target = _read(app_db, "SELECT id, title FROM focus_action WHERE board_id = 1 AND status <> 'done' ORDER BY id")[0]
    form = next(s for s in app.selectbox if s.label == "Action *")
    form.set_value(target[0])
    app.button(key="FormSubmitter:close-action-Close the action").click().run()
    assert any("Say what was learned" in e.value for e in app.error)
    assert _read(app_db, f"SELECT status FROM focus_action WHERE id = {target[0]}")[0][0] != "done"

    next(s for s in app.selectbox if s.label == "Action *").set_value(target[0])
    next(t for t in app.text_area if t.label == "What did we learn? *").input("Ask the night team first")
    app.button(key="FormSubmitter:close-action-Close the action").click().run()
    assert not app.exception
    assert any("is done, with what was learned" in s.value for s in app.success)
    assert _read(app_db, f"SELECT status, learning FROM focus_action WHERE id = {target[0]}") == [
        ("done", "Ask the night team first")
    ]

    app.text_input(key="action-new-owner").input("HCA Lewis")
    app.button(key="FormSubmitter:action-new-Add the action").click().run()  # no action named: refused
    assert app.error and not app.success
    assert app.text_input(key="action-new-owner").value == "HCA Lewis"  # a refusal keeps what was typed
    app.text_input(key="action-new-title").input("Put a sensor mat by bed 4")
    app.button(key="FormSubmitter:action-new-Add the action").click().run()
    assert not app.exception, [e.value for e in app.exception]
    assert any("is on the board" in s.value for s in app.success), [e.value for e in app.error]
    assert app.text_input(key="action-new-1-title").value == ""  # blank for the next, under a new key
    actions = next(t.value for t in app.dataframe if "Action" in t.value.columns and "Responsible" in t.value.columns)
    assert "Put a sensor mat by bed 4" in actions["Action"].tolist()
    assert len(actions) == open_before  # one closed, one added


def test_a_huddle_is_walked_and_kept_with_its_reflection(app_db):
    board = _ward_7_board(app_db)
    app = _open("team", board=str(board), huddle="1")
    first_open = _read(
        app_db, f"SELECT id FROM focus_action WHERE board_id = {board} AND status <> 'done' ORDER BY due_date, id"
    )[0][0]
    app.selectbox(key=f"huddle-status-{first_open}").set_value("done").run()
    app.text_input(key=f"huddle-learning-{first_open}").input("Mats work on bay 1")
    app.button[[b.label for b in app.button].index("Next: Our measures")].click().run()
    assert any("now · target" in m.value for m in app.markdown)
    app.button[[b.label for b in app.button].index("Next: New actions")].click().run()
    app.text_input(key="huddle-new-action-owner").input("Sister Okafor")
    app.button(key="FormSubmitter:huddle-new-action-Add to this huddle's actions").click().run()
    assert [e.value for e in app.error] == ["Name the action."]
    assert app.text_input(key="huddle-new-action-owner").value == "Sister Okafor"  # a refusal keeps what was typed
    app.text_input(key="huddle-new-action-title").input("Ask estates for two more mats")
    app.button(key="FormSubmitter:huddle-new-action-Add to this huddle's actions").click().run()
    assert not app.error
    drafted = next(t.value for t in app.dataframe if "Action" in t.value.columns)
    assert drafted["Action"].tolist() == ["Ask estates for two more mats"]
    # Blank for the next action, under a new key (a browser keeps what it held under the old one).
    assert app.text_input(key="huddle-new-action-1-title").value == ""
    assert app.text_input(key="huddle-new-action-1-owner").value == ""
    app.button[[b.label for b in app.button].index("Next: How did the huddle go?")].click().run()

    # Saving without saying who was there and whether it ran to time is refused; nothing is kept.
    huddles = _read(app_db, f"SELECT count(*) FROM huddle WHERE board_id = {board}")[0][0]
    app.button[[b.label for b in app.button].index("Save the huddle")].click().run()
    assert any("Say who was there" in e.value and "ran to time" in e.value for e in app.error)
    assert _read(app_db, f"SELECT count(*) FROM huddle WHERE board_id = {board}")[0][0] == huddles

    app.text_input(key="huddle-attendees").input("Sister Okafor, HCA Lewis, Dr Patel")
    app.radio(key="huddle-ran-to-time").set_value("No").run()
    app.text_input(key="huddle-why-not").input("Bed meeting ran over")
    app.text_input(key="huddle-learned").input("Mats help at night")
    app.button[[b.label for b in app.button].index("Save the huddle")].click().run()
    assert not app.exception, [e.value for e in app.exception]
    assert any("is kept" in s.value for s in app.success), [e.value for e in app.error]
    kept = _read(
        app_db,
        f"SELECT attendees, ran_to_time, why_not_to_time, learned FROM huddle WHERE board_id = {board} "
        "ORDER BY id DESC LIMIT 1",
    )
    assert kept == [("Sister Okafor, HCA Lewis, Dr Patel", False, "Bed meeting ran over", "Mats help at night")]
    assert _read(app_db, f"SELECT status, learning FROM focus_action WHERE id = {first_open}") == [
        ("done", "Mats work on bay 1")
    ]
    assert _read(app_db, "SELECT owner FROM focus_action WHERE title = 'Ask estates for two more mats'") == [
        ("Sister Okafor",)
    ]


def test_the_roll_up_and_the_alignment_page_count_what_changed(app_db):
    lead = _open("lead", rollup="1")
    before = _roll_up_row(lead, "Ward 7 (Elderly Care)")
    unlinked = next(m for m in lead.metric if m.label == "Objectives with no strategic link").value
    alignment = signed_in(AppTest.from_file(ENTRY, default_timeout=90), "lead")
    alignment.run()
    alignment.switch_page(str(ROOT / "screens" / "alignment.py")).run()
    label = "Focus-board objectives with no strategic link"
    assert next(m for m in alignment.metric if m.label == label).value == unlinked

    # The ward adds an objective that serves nothing: both views count it.
    team = _open("team")
    picker = team.selectbox(key="objective-pick")
    assert picker.value is None  # a new objective
    team.text_input(key="objective-new-title").input("Fewer lost property complaints")
    team.selectbox(key="objective-new-category").set_value("Quality")
    team.button(key="FormSubmitter:objective-new-Save the objective").click().run()
    assert not team.exception and any("is saved" in s.value for s in team.success), [e.value for e in team.error]
    # The form starts the next objective blank, drawn afresh under a new key ("-1": a browser keeps what it held
    # under the old one), and pressed again it adds nothing.
    assert team.text_input(key="objective-new-1-title").value == ""
    team.button(key="FormSubmitter:objective-new-1-Save the objective").click().run()
    assert not team.success
    assert _read(app_db, "SELECT count(*) FROM focus_objective WHERE title = 'Fewer lost property complaints'") == [
        (1,)
    ]

    lead = _open("lead", rollup="1")
    after = _roll_up_row(lead, "Ward 7 (Elderly Care)")
    assert after["No strategic link"] == before["No strategic link"] + 1
    assert after["Objectives"] == before["Objectives"] + 1
    alignment.run()
    assert next(m for m in alignment.metric if m.label == label).value == str(int(unlinked) + 1)
    flagged = _read(app_db, "SELECT id FROM focus_objective WHERE title = 'Fewer lost property complaints'")[0][0]
    # The mend opens the board on the objective's editor.
    mended = _open("lead", objective=str(flagged))
    assert [t.value for t in mended.title] == ["Ward 7 focus board"]
    assert mended.selectbox(key="objective-pick").value == flagged


def test_a_board_member_reads_a_board_but_has_no_huddle_to_run(app_db):
    app = _open("board", board="1")
    assert [t.value for t in app.title] == ["Ward 7 focus board"]
    assert "Start the huddle" not in [b.label for b in app.button]
    huddle = _open("board", board="1", huddle="1")
    assert any("cannot keep a focus board" in w.value for w in huddle.warning)


def test_an_unknown_or_bad_board_in_the_address_is_explained(app_db):
    missing = _open("lead", board="999")
    assert any("There is no focus board 999" in w.value for w in missing.warning)
    bad = _open("lead", board="ward7")
    assert any("is not a board number" in w.value for w in bad.warning)
    assert [t.value for t in bad.title] == ["Focus boards"]


def test_a_colleagues_change_to_an_action_since_the_editor_opened_is_not_overwritten(app_db):
    import datetime as dt

    from golden_thread.services import focus_boards as service

    app = _open("team")
    action_id, title = _read(app_db, "SELECT id, title FROM focus_action WHERE board_id = 1 AND status <> 'done'")[0]
    app.selectbox(key="action-pick").set_value(action_id).run()
    # Meanwhile the improvement lead marks the action at risk.
    store = Store(app_db)
    try:
        opened = service.action_opened(store.record("focus_action", action_id))
        service.save_action(
            store,
            {"status": "at_risk", "notes": "Estates cannot fit it this month"},
            username="lead",
            today=dt.date.today(),
            action_id=action_id,
            opened=opened,
        )
    finally:
        store.close()
    editor = next(
        k for k in (t.key for t in app.text_area) if k and k.startswith("focus_action-") and k.endswith("-notes")
    )
    app.text_area(key=editor).input("Chased on Monday")
    save = next(b for b in app.button if b.label == "Save the action")
    save.click().run()
    assert any("Improvement lead (demo)" in e.value for e in app.error), [e.value for e in app.error]
    assert _read(app_db, f"SELECT status, notes FROM focus_action WHERE id = {action_id}") == [
        ("at_risk", "Estates cannot fit it this month")
    ]


def test_an_objective_leaves_the_board_only_with_its_reason(app_db):
    app = _open("team")
    objective_id, title = _read(app_db, "SELECT id, title FROM focus_objective WHERE board_id = 1 ORDER BY id")[0]
    app.selectbox(key="objective-pick").set_value(objective_id).run()
    retire = next(b for b in app.button if b.label == "Retire this objective")
    retire.click().run()
    assert any("Say why" in e.value for e in app.error), [e.value for e in app.error]
    assert _read(app_db, f"SELECT status FROM focus_objective WHERE id = {objective_id}") == [("active",)]
    app.text_input(key=next(t.key for t in app.text_input if t.label.startswith("Why is it leaving"))).input(
        "Achieved and sustained"
    )
    next(b for b in app.button if b.label == "Retire this objective").click().run()
    assert any("has left the board" in s.value for s in app.success)
    assert _read(app_db, f"SELECT status FROM focus_objective WHERE id = {objective_id}") == [("retired",)]
    assert f"**{title}**" not in " ".join(m.value for m in app.markdown)
