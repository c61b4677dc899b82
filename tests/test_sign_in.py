"""Sign-in and what each role sees: a wrong password is refused plainly, the demo accounts are shown only for the
demo, and navigation and forms follow the role (the store enforces it regardless)."""

from __future__ import annotations

import datetime as dt
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


def test_repeated_failures_lock_the_username_for_a_while(app_db):
    app = _sign_in_page()
    for _ in range(6):
        app.text_input(key="sign-in-username").set_value("admin")
        app.text_input(key="sign-in-password").set_value("guess")
        app.button[0].click().run()
    assert any("Too many failed attempts to sign in with this username" in e.value for e in app.error)


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
    measure = store.measures().row(0, named=True)["name"]
    store.close()
    app = signed_in(AppTest.from_file(ENTRY, default_timeout=60), "admin").run()
    app.switch_page(str(ROOT / "screens" / "audit.py")).run()
    changes = [change for change in app.dataframe[0].value["Change"] if " corrected " in change]
    assert changes and changes[0].startswith(f"Improvement lead (demo) corrected {measure} for {period:%b %Y}: ")
    before = f"({row['numerator']:,.0f} / {row['denominator']:,.0f})"
    after = f"({row['numerator'] + 1:,.0f} / {row['denominator']:,.0f})"
    assert changes[0].index(before) < changes[0].index(after), changes[0]  # the figures before, then after
    app.query_params["measure"] = "1"
    app.switch_page(str(ROOT / "screens" / "measures.py")).run()
    history = next(d.value for d in app.dataframe if "Change" in d.value.columns)
    change = history["Change"].iloc[0]  # the measure's own history says the same figures, before then after
    assert change.index(before.strip("()")) < change.index(after.strip("()")), change


# -- a sign-in that lasts (issue 16): sessions kept in the database, a token in the browser ------------------------


def test_a_sign_in_session_signs_its_account_in_until_it_expires_or_is_ended(demo):
    from golden_thread.storage.accounts import end_sessions, session_account, start_session

    now = dt.datetime(2026, 11, 23, 9, 0)
    token = start_session(demo, "team", dt.timedelta(hours=10), now=now)
    other = start_session(demo, "lead", dt.timedelta(hours=10), now=now)
    assert session_account(demo, token, now=now + dt.timedelta(hours=9))["username"] == "team"
    # The database keeps a hash of the token, never the token itself.
    stored = demo.everything()._query("SELECT * FROM sign_in_session")
    assert token not in stored["token_hash"].to_list() and stored.height == 2
    assert session_account(demo, token, now=now + dt.timedelta(hours=10, seconds=1)) is None  # the day is over
    for wrong in (None, "", token[:-1], "x" * 500):
        assert session_account(demo, wrong, now=now) is None
    assert end_sessions(demo, "team", now=now) == 1  # signing out ends it everywhere ...
    assert session_account(demo, token, now=now) is None
    assert session_account(demo, other, now=now)["username"] == "lead"  # ... and nobody else's


def test_deactivating_an_account_or_giving_it_a_new_password_ends_its_sessions(demo):
    from golden_thread.storage.accounts import operator_save_account, session_account, start_session

    lead = start_session(demo, "lead", dt.timedelta(hours=10))
    team = start_session(demo, "team", dt.timedelta(hours=10))
    account = demo.user("lead")
    operator_save_account(
        demo, "lead", account["display_name"], account["role"], account["organisation_id"], None, active=False
    )
    assert session_account(demo, lead) is None
    operator_save_account(
        demo, "lead", account["display_name"], account["role"], account["organisation_id"], None, active=True
    )
    assert session_account(demo, lead) is None  # reactivating does not bring an ended session back
    account = demo.user("team")
    operator_save_account(
        demo, "team", account["display_name"], account["role"], account["organisation_id"], "a new password 2026"
    )
    assert session_account(demo, team) is None


def test_the_working_session_lasts_ten_hours_unless_the_operator_says_otherwise(monkeypatch, caplog):
    from golden_thread.config import SESSION_HOURS_VARIABLE, session_length

    monkeypatch.delenv(SESSION_HOURS_VARIABLE, raising=False)
    assert session_length() == dt.timedelta(hours=10)
    monkeypatch.setenv(SESSION_HOURS_VARIABLE, "8.5")
    assert session_length() == dt.timedelta(hours=8, minutes=30)
    for wrong in ("ten", "0", "-3", "100000", "nan"):
        monkeypatch.setenv(SESSION_HOURS_VARIABLE, wrong)
        assert session_length() == dt.timedelta(hours=10)
    assert SESSION_HOURS_VARIABLE in caplog.text


def test_signing_in_starts_a_session_the_browser_keeps_and_signing_out_ends_it_everywhere(app_db):
    from golden_thread.storage.accounts import session_account, start_session

    app = _sign_in_page()
    app.text_input(key="sign-in-username").set_value("lead")
    app.text_input(key="sign-in-password").set_value("demo")
    app.button[0].click().run()
    token = app.session_state["_sign-in-token"]
    assert "lead" not in token and "demo" not in token
    # The browser is handed the token (and only the token) on the next run, kept for the working session.
    assert any(f"golden_thread_session={token}; Path=/; Max-Age=36000" in h.proto.body for h in app.get("html"))
    # And on the runs after it, until the window connects again with the cookie: a run cut short could drop it.
    app.run()
    assert any(f"golden_thread_session={token}; Path=/; Max-Age=36000" in h.proto.body for h in app.get("html"))
    store = Store(app_db)
    assert session_account(store, token)["username"] == "lead"
    elsewhere = start_session(store, "lead", dt.timedelta(hours=1))  # the same person in another browser
    store.close()

    app = signed_in(AppTest.from_file(ENTRY, default_timeout=60), "lead")
    app.session_state["_sign-in-token"] = token
    app.run()
    assert app.session_state["user"]["username"] == "lead"
    app.button(key="sign-out").click().run()
    assert "user" not in app.session_state and [t.value for t in app.title] == ["Golden Thread"]
    assert any("Max-Age=0" in h.proto.body for h in app.get("html"))  # the browser forgets its token
    store = Store(app_db)
    assert session_account(store, token) is None and session_account(store, elsewhere) is None
    store.close()


def test_a_window_still_open_is_signed_out_once_the_session_ends_elsewhere(app_db):
    from golden_thread.storage.accounts import end_sessions, start_session

    store = Store(app_db)
    token = start_session(store, "team", dt.timedelta(hours=10))
    store.close()
    app = signed_in(AppTest.from_file(ENTRY, default_timeout=60), "team")
    app.session_state["_sign-in-token"] = token
    app.run()
    assert [t.value for t in app.title][0] == "Measures"
    store = Store(app_db)
    end_sessions(store, "team")  # the person signed out in another window
    store.close()
    app.run()  # their next click here
    assert not app.exception, [e.value for e in app.exception]
    assert "user" not in app.session_state and [t.value for t in app.title] == ["Golden Thread"]
    assert any("Your sign-in has ended" in w.value for w in app.warning)


def test_a_session_that_reached_its_end_signs_out_its_own_window_only(app_db):
    from golden_thread.storage.accounts import session_account, start_session

    store = Store(app_db)
    yesterday = start_session(
        store, "team", dt.timedelta(hours=10), now=dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(hours=11)
    )
    today = start_session(store, "team", dt.timedelta(hours=10))  # signed in again this morning, elsewhere
    store.close()
    app = signed_in(AppTest.from_file(ENTRY, default_timeout=60), "team")
    app.session_state["_sign-in-token"] = yesterday  # a window left open since yesterday
    app.run()
    assert "user" not in app.session_state
    assert any("Your sign-in has ended" in w.value for w in app.warning)
    store = Store(app_db)
    assert session_account(store, today)["username"] == "team"
    store.close()
