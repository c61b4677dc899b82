"""Each person lands on their work (issue 16): a team member on their own team's measures, those awaiting data first;
a school's team on its school's; a board member on the board; a committee member on alignment. A correction starts
from the stored figures and note, and what a save says stays in sight above the form, never inside a closing panel.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import polars as pl
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from golden_thread.domain.observations import ProposedObservation
from golden_thread.seed.loading import load_demo
from golden_thread.services.own_work import latest_complete_period
from golden_thread.storage.store import Store
from tests.conftest import DEMO_TODAY, signed_in

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent
ENTRY = str(ROOT / "dashboard.py")
MEASURES = str(ROOT / "screens" / "measures.py")
PDSA = str(ROOT / "screens" / "pdsa.py")


def _use(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOLDEN_THREAD_DB", str(path))
    st.cache_resource.clear()
    st.cache_data.clear()


@pytest.fixture
def app_db(demo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "app.duckdb"
    shutil.copy(demo_db, path)
    _use(path, monkeypatch)
    yield path
    st.cache_resource.clear()
    st.cache_data.clear()


@pytest.fixture(scope="module")
def network_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("landing-network") / "network.duckdb"
    store = Store(path)
    load_demo(store, today=DEMO_TODAY, network=True)
    store.close()
    return path


def _landing(username: str) -> AppTest:
    app = signed_in(AppTest.from_file(ENTRY, default_timeout=120), username).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def _measure_options(app: AppTest) -> list[str]:
    return list(next(box for box in app.selectbox if box.label == "Measure").options)


def _own_measures(path: Path, username: str) -> pl.DataFrame:
    store = Store(path)
    db = store.within(store.scopes_for(username)[0])
    teams = db.user_teams(username)
    measures = db.measures().filter(pl.col("status") == "active")
    own = measures.filter(pl.col("id").map_elements(lambda i: db.measure_team(i) in teams, return_dtype=pl.Boolean))
    store.close()
    return own


def _walk(block, inside: tuple[str, ...] = ()):
    """Every element of the page in reading order, with the kinds of blocks it sits inside."""
    for child in block.children.values():
        yield child, inside
        if getattr(child, "children", None):
            yield from _walk(child, (*inside, child.type))


def test_a_team_member_lands_on_their_teams_measures_awaiting_data_first(app_db):
    own = _own_measures(app_db, "team")
    assert own.height >= 3
    # One of the team's measures already has its latest complete month: it is not awaiting data, so it comes last.
    up_to_date = own.filter(pl.col("frequency") == "monthly").row(0, named=True)
    due = latest_complete_period("monthly", dt.date.today())
    store = Store(app_db)
    store.save_observation(
        up_to_date["id"],
        ProposedObservation(due, numerator="40", denominator="50"),
        username="team",
        today=dt.date.today(),
    )
    store.close()

    app = _landing("team")
    assert [t.value for t in app.title][0] == "Measures"
    assert app.radio(key="measures-whose").value == "own"
    assert app.radio(key="measures-whose").options[0].startswith("Ward 7")
    options = _measure_options(app)
    # Only the team's own measures, none of the trust's outcome measures they may not edit.
    assert sorted(o.split(" (")[0] for o in options) == sorted(own["name"].str.split(" (").list.first().to_list())
    assert not any(o.startswith("Inpatient falls with harm") for o in options)
    assert options[-1].startswith(up_to_date["name"]) and "awaiting" not in options[-1]
    assert all("· awaiting" in o for o in options[:-1])
    assert any("await data" in c.value and "they come first" in c.value for c in app.caption)
    # The measure shown first is theirs to update: the form is there, no refusal.
    assert not any("only for your own team" in i.value for i in app.info)
    assert any(e.label == "Enter or correct data" for e in app.expander)


def test_a_link_to_a_measure_outside_the_team_opens_it_and_says_plainly_it_is_read_only(app_db):
    app = signed_in(AppTest.from_file(ENTRY, default_timeout=120), "team")
    app.query_params["measure"] = "1"
    app.run()
    app.switch_page(MEASURES).run()
    assert not app.exception, [e.value for e in app.exception]
    assert app.radio(key="measures-whose").value == "every"
    assert next(box for box in app.selectbox if box.label == "Measure").value == 1
    assert any("only for your own team" in i.value for i in app.info)
    assert not any("add its first period below" in i.value for i in app.info)


@pytest.mark.parametrize(
    ("username", "lands_on"),
    [("board", "Board report"), ("lead", "Alignment"), ("admin", "Board report")],
)
def test_each_role_lands_on_its_own_work(app_db, username, lands_on):
    assert [t.value for t in _landing(username).title][0] == lands_on


def test_a_school_team_lands_on_its_own_schools_measures(network_db, tmp_path, monkeypatch):
    path = tmp_path / "app.duckdb"
    shutil.copy(network_db, path)
    _use(path, monkeypatch)
    own = _own_measures(path, "eastbrook")
    app = AppTest.from_file(ENTRY, default_timeout=120)
    app.session_state["user"] = {"username": "eastbrook", "display_name": "Eastbrook", "role": "team_member"}
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    assert [t.value for t in app.title][0] == "Measures"
    assert app.radio(key="measures-whose").options[0].startswith("Eastbrook High School measures")
    options = _measure_options(app)
    assert len(options) == own.height and all("Eastbrook" in o for o in options)
    # Their own school's figures: the form to add them, not "add its first period" followed by "you can't".
    assert not any("only for your own team" in i.value or "cannot" in i.value for i in app.info)
    assert any(e.label == "Enter or correct data" for e in app.expander)
    st.cache_resource.clear()
    st.cache_data.clear()


def _open_measure(measure_id: int, username: str = "team") -> AppTest:
    app = signed_in(AppTest.from_file(ENTRY, default_timeout=120), username)
    app.query_params["measure"] = str(measure_id)
    app.run()
    app.switch_page(MEASURES).run()  # AppTest registers clicks only on a page switched to
    assert not app.exception, [e.value for e in app.exception]
    return app


def test_a_correction_starts_from_the_stored_figures_and_note_and_is_provisional_again(app_db):
    own = _own_measures(app_db, "team")
    measure = own.filter(pl.col("chart_type") == "p").row(0, named=True)
    store = Store(app_db)
    stored = store.observations([measure["id"]]).filter(pl.col("status") == "validated").row(-1, named=True)
    period = stored["period_start"]
    store._connection.execute(  # a note the team wrote at the time
        "UPDATE observation SET note = 'Two bays closed for cleaning' WHERE measure_id = ? AND period_start = ?",
        [measure["id"], period],
    )
    store.close()

    app = _open_measure(measure["id"])
    app.radio(key=f"mode-{measure['id']}").set_value("Correct an existing period").run()
    app.selectbox(key=f"entry-period-{measure['id']}-correct").set_value(period).run()
    fields = f"{measure['id']}-{period}"
    numerator = app.text_input(key=f"entry-numerator-{fields}")
    denominator = app.text_input(key=f"entry-denominator-{fields}")
    assert numerator.value == f"{stored['numerator']:g}" and denominator.value == f"{stored['denominator']:g}"
    assert app.text_area(key=f"entry-note-{fields}").value == "Two bays closed for cleaning"
    assert any("Stored:" in c.value and "validated" in c.value for c in app.caption)

    denominator.input(f"{stored['denominator'] + 1:g}")
    next(b for b in app.button if b.label == "Save the correction").click().run()
    assert not app.exception and not app.error, [e.value for e in app.error]

    store = Store(app_db)
    after = store.observations([measure["id"]]).filter(pl.col("period_start") == period).row(0, named=True)
    store.close()
    assert after["denominator"] == stored["denominator"] + 1 and after["numerator"] == stored["numerator"]
    assert after["note"] == "Two bays closed for cleaning"  # kept, as it was never retyped
    assert after["status"] == "provisional"  # a changed figure is no longer the validated one

    # "Saved" is at the top of the form's area, above the panel (which may close), not at the foot of the page.
    order = [(node, inside) for node, inside in _walk(app.main)]
    saved = next(i for i, (node, _) in enumerate(order) if node.type == "success" and "corrected" in node.value)
    panel = next(i for i, (node, _) in enumerate(order) if node.type == "expander" and "Enter or correct" in node.label)
    assert saved < panel and "expander" not in order[saved][1]
    assert saved > next(i for i, (node, _) in enumerate(order) if node.type == "subheader")


def test_a_refused_entry_says_what_to_fix_above_the_form_not_inside_the_panel(app_db):
    own = _own_measures(app_db, "team")
    measure = own.filter(pl.col("chart_type") == "p").row(0, named=True)
    app = _open_measure(measure["id"])
    app.text_input(key=f"entry-numerator-{measure['id']}").input("45")
    app.text_input(key=f"entry-denominator-{measure['id']}").input("40")  # more patients met it than exist
    next(b for b in app.button if b.label == "Save").click().run()
    errors = [(node, inside) for node, inside in _walk(app.main) if node.type == "error"]
    assert errors and all("expander" not in inside for _, inside in errors)


def _planned_cycle(path: Path) -> int:
    store = Store(path)
    db = store.within(store.scopes_for("team")[0])
    teams = db.user_teams("team")
    projects = db.pdsa_projects().filter(pl.col("team_id").is_in(list(teams)))
    for project_id in projects["id"]:
        cycles = db.pdsa_cycles(project_id).filter(pl.col("do_notes").is_null())
        if cycles.height:
            store.close()
            return int(cycles["id"][0])
    store.close()
    raise AssertionError("the demo has no cycle of Ward 7's still to be done")


def test_pdsa_messages_show_at_the_top_of_their_stage_not_inside_a_panel(app_db):
    cycle_id = _planned_cycle(app_db)
    app = signed_in(AppTest.from_file(ENTRY, default_timeout=120), "team")
    app.query_params["cycle"] = str(cycle_id)
    app.run()
    app.switch_page(PDSA).run()
    assert not app.exception, [e.value for e in app.exception]

    # A refused edit of the plan (its form sits in a panel that closes): the reason shows above the panel.
    app.text_input(key=f"pdsa-{cycle_id}-title").input("   ")
    next(b for b in app.button if b.label == "Save the plan").click().run()
    order = list(_walk(app.main))
    error = next(i for i, (node, _) in enumerate(order) if node.type == "error" and "title" in node.value)
    assert "expander" not in order[error][1]
    panel = next(i for i, (node, _) in enumerate(order) if node.type == "expander" and node.label == "Edit the plan")
    assert error < panel

    # A saved stage: the page reruns and the sentence is at the top of that stage, where the person is working.
    app.text_input(key=f"pdsa-{cycle_id}-title").input("Lying and standing BP prompt on the admission checklist")
    app.text_area(key=f"pdsa-{cycle_id}-do_notes").input("Used on both shifts for a week; nights found it slow.")
    next(b for b in app.button if b.label == "Save what happened").click().run()
    assert not app.exception and not app.error, [e.value for e in app.error]
    order = list(_walk(app.main))
    saved = next(i for i, (node, _) in enumerate(order) if node.type == "success" and node.value == "Do saved.")
    headings = {node.value: i for i, (node, _) in enumerate(order) if node.type == "markdown"}
    assert headings["#### Do"] < saved < headings["#### Study"]
    assert "expander" not in order[saved][1]
