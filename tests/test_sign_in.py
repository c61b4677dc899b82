"""Sign-in and what each role sees: a wrong password is refused plainly, the demo accounts are shown only for the
demo, and navigation and forms follow the role (the store enforces it regardless)."""

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


@pytest.fixture
def app_db(demo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "app.duckdb"
    shutil.copy(demo_db, path)
    monkeypatch.setenv("GOLDEN_THREAD_DB", str(path))
    st.cache_resource.clear()
    yield path
    st.cache_resource.clear()


def _sign_in_screen() -> None:
    from golden_thread.app.ui import sign_in_screen

    sign_in_screen()


def _sign_in_page() -> AppTest:
    # The screen on its own: AppTest registers clicks on dashboard.py's default page unreliably (a pages/
    # directory puts it in its old multipage mode); the whole flow is driven in a real browser instead.
    return AppTest.from_function(_sign_in_screen, default_timeout=60).run()


def test_a_wrong_password_is_refused_and_the_right_one_signs_in(app_db):
    app = _sign_in_page()
    assert [t.value for t in app.title] == ["Golden Thread"]
    demo_accounts = app.dataframe[0].value
    assert set(demo_accounts["Username"]) == {"board", "team", "lead", "admin"}
    app.text_input(key="sign-in-username").set_value("lead")
    app.text_input(key="sign-in-password").set_value("not the password")
    app.button[0].click().run()
    assert any("do not match an active account" in e.value for e in app.error)
    assert "user" not in app.session_state
    app.text_input(key="sign-in-password").set_value("demo")
    app.button[0].click().run()
    assert app.session_state["user"]["role"] == "improvement_lead"
    assert not app.error


def test_repeated_failures_lock_the_form_for_a_while(app_db):
    app = _sign_in_page()
    for _ in range(6):
        app.text_input(key="sign-in-username").set_value("admin")
        app.text_input(key="sign-in-password").set_value("guess")
        app.button[0].click().run()
    assert any("Too many attempts" in e.value for e in app.error)


def test_a_real_organisation_does_not_show_the_demo_accounts(app_db):
    store = Store(app_db)
    store._connection.execute("DELETE FROM app_setting WHERE key = 'demo_mode'")
    store.close()
    st.cache_resource.clear()
    app = _sign_in_page()
    assert [t.value for t in app.title] == ["Golden Thread"]
    assert not app.dataframe and not any("Demo organisation" in m.value for m in app.markdown)


def test_a_board_viewer_sees_no_forms_and_no_governance_pages(app_db):
    app = signed_in(AppTest.from_file(ENTRY, default_timeout=60), "board").run()
    assert [t.value for t in app.title][0] == "Board report"
    assert not any(b.label == "Publish" for b in app.button)
    app.switch_page(str(ROOT / "screens" / "measures.py")).run()
    assert any("Board viewers cannot enter or correct measure data" in i.value for i in app.info)
    assert not any(b.label == "Save" for b in app.button)
    app.switch_page(str(ROOT / "screens" / "alignment.py")).run()
    assert not any(b.label == "Link project" for b in app.button)


def test_a_team_member_lands_on_measures_and_is_told_which_data_is_theirs(app_db):
    app = signed_in(AppTest.from_file(ENTRY, default_timeout=60), "team").run()
    assert [t.value for t in app.title][0] == "Measures"
    app.query_params["measure"] = "1"
    app.switch_page(str(ROOT / "screens" / "measures.py")).run()
    assert any("only for your own team" in i.value for i in app.info)


def test_the_audit_page_lists_a_correction_with_before_and_after(app_db):
    import datetime as dt

    from golden_thread.domain.observations import ProposedObservation

    store = Store(app_db)
    period = store.observations([1])["period_start"].max()
    row = store.observations([1]).row(-1, named=True)
    store.save_observation(
        1,
        ProposedObservation(period, numerator=str(row["numerator"] + 1), denominator=str(row["denominator"])),
        username="lead",
        today=dt.date.today(),
        correcting=True,
    )
    store.close()
    app = signed_in(AppTest.from_file(ENTRY, default_timeout=60), "admin").run()
    app.switch_page(str(ROOT / "screens" / "audit.py")).run()
    table = app.dataframe[0].value
    correction = table[table["Action"] == "correct"].iloc[0]
    assert correction["Who"] == "lead" and correction["Record"] == f"1/{period}"
    assert f'"numerator": {row["numerator"]}' in correction["Before"]
    app.query_params["measure"] = "1"
    app.switch_page(str(ROOT / "screens" / "measures.py")).run()
    history = next(d.value for d in app.dataframe if "Change" in d.value.columns)
    assert history["Change"].iloc[0] == (
        f"changed from {row['numerator']:g}/{row['denominator']:g} to {row['numerator'] + 1:g}/{row['denominator']:g}"
    )
