"""Nothing lost, nobody where they don't belong: the issue's promises about people.

6. Leads and administrators are held to their organisation: every write is authorised against the organisation of
   the record, through a store scoped as the app scopes it and through an unscoped one, as the command line opens.
8. A deactivated person's open session stops reading; a changed role reaches an open session at once.
9. The last administrator cannot deactivate or demote themselves, nor leave an organisation without one; the Users
   form loads an account's current values, so resetting a password demotes nobody.
10. One CSV writer for every download, headers included: a poisoned title comes out prefixed in every download.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
from pathlib import Path

import polars as pl
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from golden_thread.domain.csv_export import safe_csv
from golden_thread.domain.observations import ProposedObservation
from golden_thread.errors import PermissionRefused, Refused
from golden_thread.seed.demo_network import NETWORK
from golden_thread.seed.loading import load_demo
from golden_thread.storage.store import TABLES, Store
from screens.registry import SCREENS
from tests.conftest import DEMO_TODAY

ROOT = Path(__file__).resolve().parent.parent
ENTRY = str(ROOT / "dashboard.py")
TRUST = "Northfield Teaching Hospitals NHS Foundation Trust"
POISON = '=HYPERLINK("http://x")'


@pytest.fixture(scope="module")
def network_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo trust with the demo education network beside it, built once for this module (copy to write)."""
    path = tmp_path_factory.mktemp("people") / "network.duckdb"
    store = Store(path)
    load_demo(store, today=DEMO_TODAY, network=True)
    store.close()
    return path


@pytest.fixture
def net_path(network_db: Path, tmp_path: Path) -> Path:
    path = tmp_path / "people.duckdb"
    shutil.copy(network_db, path)
    return path


@pytest.fixture
def net(net_path: Path) -> Store:
    """A private, writable copy of the trust and network, unscoped (as the command line opens a database)."""
    opened = Store(net_path)
    yield opened
    opened.close()


def _as_the_app_scopes(store: Store, username: str) -> Store:
    return store.within(store.scopes_for(username)[0])


# -- 6. leads and administrators are held to their organisation -----------------------------------------------------


def _trust_outcome_measure(store: Store) -> int:
    measures = store.within(store.choose_scope(TRUST)).measures()
    return int(measures.filter(pl.col("measure_type") == "outcome").sort("id")["id"][0])


def _school_figure(store: Store) -> tuple[int, dict]:
    """Eastbrook's report of a uniform measure and its latest period."""
    network = store.within(store.choose_scope(NETWORK))
    reports = network.member_measures(network.scope.organisation_id)
    measure_id = int(reports.filter(pl.col("member").str.starts_with("Eastbrook")).sort("id")["id"][0])
    return measure_id, network.observations([measure_id]).sort("period_start").row(-1, named=True)


def _state(store: Store) -> tuple:
    """What the refused writes below would change: phases, a school's figures, the trust administrator's account."""
    return (
        store.table("chart_phase").sort("measure_id", "starts_on").to_dicts(),
        store.table("observation").filter(pl.col("measure_id") >= 10_000).sort("measure_id", "period_start").to_dicts(),
        store.user("admin"),
        store.audit_log().height,
    )


def _outside_writes(store: Store, how: str):
    """The three writes the issue names, each by a person into the other organisation's record, through a store
    scoped as the app scopes that person (``how == 'scoped'``) or unscoped (``how == 'unscoped'``)."""

    def through(username: str) -> Store:
        return _as_the_app_scopes(store, username) if how == "scoped" else store

    outcome = _trust_outcome_measure(store)
    school, seen = _school_figure(store)
    changed = ProposedObservation(seen["period_start"], numerator=str(seen["numerator"] + 1), denominator="400")
    admin = store.user("admin")
    return {
        "the network's lead starts a phase on the trust's outcome measure": lambda: through("hub").add_phase(
            outcome, dt.date(2025, 10, 1), "a new ward process", username="hub"
        ),
        "the trust's lead corrects a school's figure (save_observation)": lambda: through("lead").save_observation(
            school, changed, username="lead", today=DEMO_TODAY, correcting=True
        ),
        "the trust's lead corrects a school's figure (save_member_observation)": lambda: through(
            "lead"
        ).save_member_observation(school, changed, username="lead", today=DEMO_TODAY, correcting=True),
        "the network's administrator resets the trust administrator's password": lambda: through("hubadmin").save_user(
            "admin",
            admin["display_name"],
            "administrator",
            admin["organisation_id"],
            "taken over at last",
            username="hubadmin",
        ),
        "the network's administrator demotes the trust administrator": lambda: through("hubadmin").save_user(
            "admin", admin["display_name"], "board_viewer", admin["organisation_id"], None, username="hubadmin"
        ),
        "the network's administrator demotes them, placing them in the network": lambda: through("hubadmin").save_user(
            "admin",
            admin["display_name"],
            "board_viewer",
            store.choose_scope(NETWORK).organisation_id,
            None,
            username="hubadmin",
        ),
    }


@pytest.mark.slow
@pytest.mark.parametrize("how", ["scoped", "unscoped"])
def test_leads_and_administrators_are_held_to_their_organisation_for_every_write(net, how):
    before = _state(net)
    allowed = []
    for what, write in _outside_writes(net, how).items():
        try:
            write()
        except Refused as refused:
            assert str(refused).strip(), what
        else:
            allowed.append(what)
    assert not allowed, f"through an {how} store: " + "; ".join(allowed)
    assert _state(net) == before, "a refused write changed something"


def test_through_an_unscoped_store_the_refusal_names_the_persons_own_organisation(net):
    writes = _outside_writes(net, "unscoped")
    with pytest.raises(
        PermissionRefused, match=f"Only {TRUST}'s own people can change measure .*; you work at {NETWORK}"
    ):
        writes["the network's lead starts a phase on the trust's outcome measure"]()
    with pytest.raises(
        PermissionRefused, match=f"Only the member's own people or the hub of {NETWORK} .*; you work at {TRUST}"
    ):
        writes["the trust's lead corrects a school's figure (save_observation)"]()
    with pytest.raises(PermissionRefused, match=f"works at {TRUST}, not in {NETWORK}"):
        writes["the network's administrator resets the trust administrator's password"]()


def test_an_unscoped_store_still_lets_people_write_their_own_organisations_records(net):
    outcome = _trust_outcome_measure(net)
    net.add_phase(outcome, dt.date(2025, 10, 1), "a new ward process", username="lead")
    assert dt.date(2025, 10, 1) in net.chart_phases([outcome])["starts_on"].to_list()
    school, seen = _school_figure(net)
    changed = ProposedObservation(seen["period_start"], numerator=str(seen["numerator"] - 1), denominator="400")
    assert net.save_member_observation(school, changed, username="hub", today=DEMO_TODAY, correcting=True) == (
        "corrected"
    )
    harbor = net.user("harbor")
    assert (
        net.save_user(
            "harbor",
            harbor["display_name"],
            "team_member",
            harbor["organisation_id"],
            "a brand new secret",
            username="hubadmin",
        )
        == "changed"
    )
    assert net.verify_password("harbor", "a brand new secret")


def test_an_administrator_with_no_organisation_acts_everywhere_through_an_unscoped_store(net):
    net._connection.execute(
        "INSERT INTO app_user (username, display_name, role, organisation_id, password_hash, active) "
        "VALUES ('steward', 'Database steward', 'administrator', NULL, NULL, true)"
    )
    outcome = _trust_outcome_measure(net)
    net.add_phase(outcome, dt.date(2025, 10, 1), "a new ward process", username="steward")
    school, seen = _school_figure(net)
    changed = ProposedObservation(seen["period_start"], numerator=str(seen["numerator"] - 1), denominator="400")
    assert net.save_observation(school, changed, username="steward", today=DEMO_TODAY, correcting=True) == "corrected"
    lead = net.user("lead")
    assert net.save_user("lead", lead["display_name"], "improvement_lead", 1, "a brand new secret", username="steward")


# -- 9. the last administrator --------------------------------------------------------------------------------------


def test_the_last_administrator_cannot_deactivate_or_demote_themselves(net):
    trust = net.within(net.choose_scope(TRUST))
    admin = net.user("admin")
    before = net.audit_log().height
    with pytest.raises(Refused, match="You are the last active administrator of " + TRUST):
        trust.save_user("admin", admin["display_name"], "improvement_lead", 1, None, username="admin")
    with pytest.raises(Refused, match="last active administrator"):
        trust.save_user("admin", admin["display_name"], "administrator", 1, None, active=False, username="admin")
    with pytest.raises(Refused, match="last active administrator"):  # through the command line's store too
        net.save_user("admin", admin["display_name"], "board_viewer", 1, None, username="admin")
    assert net.user("admin") == admin and net.audit_log().height == before
    # Their name and password may change; they stay the administrator.
    assert trust.save_user("admin", "Administrator", "administrator", 1, "a new long password", username="admin")
    assert net.user("admin")["role"] == "administrator"


def test_nobody_leaves_an_organisation_without_an_active_administrator(net):
    trust = net.within(net.choose_scope(TRUST))
    trust.save_user("second", "Second administrator", "administrator", 1, "a long enough password", username="admin")
    # With a second administrator, the first may step down; the second, now the last, may not.
    assert trust.save_user("admin", "Administrator (demo)", "improvement_lead", 1, None, username="admin") == "changed"
    with pytest.raises(Refused, match="You are the last active administrator of " + TRUST):
        trust.save_user("second", "Second administrator", "administrator", 1, None, active=False, username="second")
    # The network's only administrator is held the same way.
    network = net.within(net.choose_scope(NETWORK))
    hubadmin = net.user("hubadmin")
    with pytest.raises(Refused, match=f"You are the last active administrator of {NETWORK}"):
        network.save_user(
            "hubadmin", hubadmin["display_name"], "team_member", hubadmin["organisation_id"], None, username="hubadmin"
        )
    # An administrator of every organisation may stand in for the network's own, but then may not leave: the
    # network would have nobody left to administer it.
    net._connection.execute(
        "INSERT INTO app_user (username, display_name, role, organisation_id, password_hash, active) "
        "VALUES ('steward', 'Database steward', 'administrator', NULL, NULL, true)"
    )
    assert (
        net.save_user(
            "hubadmin",
            hubadmin["display_name"],
            "improvement_lead",
            hubadmin["organisation_id"],
            None,
            username="steward",
        )
        == "changed"
    )
    before = net.audit_log().height
    with pytest.raises(Refused, match=f"You are the last active administrator of {NETWORK}"):
        net.save_user("steward", "Database steward", "administrator", None, None, active=False, username="steward")
    with pytest.raises(Refused, match=f"You are the last active administrator of {NETWORK}"):
        net.save_user("steward", "Database steward", "administrator", 1, None, username="steward")  # moving away
    assert net.user("steward")["active"] and net.user("steward")["organisation_id"] is None
    assert net.audit_log().height == before


# -- the app: open sessions, the Users form and every download ------------------------------------------------------


@pytest.fixture
def app_db(net_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The trust and network copy as the app's database."""
    monkeypatch.setenv("GOLDEN_THREAD_DB", str(net_path))
    st.cache_resource.clear()
    st.cache_data.clear()
    yield net_path
    st.cache_resource.clear()
    st.cache_data.clear()


def _account(path: Path, username: str) -> dict | None:
    store = Store(path)
    account = store.user(username)
    store.close()
    return account


def _session_user(path: Path, username: str) -> dict:
    account = _account(path, username)
    return {k: account[k] for k in ("username", "display_name", "role")}


def open_screen(path: Path, username: str, url: str, **query: str) -> AppTest:
    """A screen opened through dashboard.py as ``username`` (switched to, as a person clicks it in the menu)."""
    app = AppTest.from_file(ENTRY, default_timeout=120)
    app.session_state["user"] = _session_user(path, username)
    for key, value in query.items():
        app.query_params[key] = value
    app.run()
    app.switch_page(str(next(s for s in SCREENS if s.url == url).path))
    app.run()
    assert not app.exception, f"{username} on {url}: {[e.value for e in app.exception]}"
    return app


def _change_account(path: Path, account: str, *, by: str, **changes) -> None:
    """An administrator changes an account while its owner's session is open (through the command line's store)."""
    store = Store(path)
    now = store.user(account)
    values = {"display_name": now["display_name"], "role": now["role"], "organisation_id": now["organisation_id"]}
    values.update(changes)
    active = values.pop("active", now["active"])
    store.save_user(
        account, values["display_name"], values["role"], values["organisation_id"], None, active=active, username=by
    )
    store.close()


@pytest.mark.slow
def test_a_deactivated_persons_open_session_stops_reading(app_db):
    app = open_screen(app_db, "lead", "thread")
    assert app.session_state["user"]["username"] == "lead"
    assert "Golden thread" in [t.value for t in app.title]
    _change_account(app_db, "lead", by="admin", active=False)
    app.run()  # the person's next click
    assert not app.exception, [e.value for e in app.exception]
    assert "user" not in app.session_state
    assert any("deactivated" in w.value and "signed out" in w.value for w in app.warning), [
        w.value for w in app.warning
    ]
    assert [t.value for t in app.title] == ["Golden Thread"]  # the sign-in form, and nothing of the thread
    assert not app.dataframe or all("Username" in f.value.columns for f in app.dataframe)


@pytest.mark.slow
def test_a_changed_role_reaches_an_open_session_at_once(app_db):
    app = open_screen(app_db, "lead", "audit")
    assert app.session_state["user"]["role"] == "improvement_lead"
    assert "Audit trail" in [t.value for t in app.title]
    _change_account(app_db, "lead", by="admin", role="board_viewer")
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    assert app.session_state["user"]["role"] == "board_viewer"
    assert any("Board viewer" in c.value for c in app.caption), [c.value for c in app.caption]
    # A board viewer has no audit trail to read: the session now lands where a board viewer does.
    assert "Audit trail" not in [t.value for t in app.title]
    assert [t.value for t in app.title][0] == "Board report"


def _users_form(app: AppTest, account: str) -> dict:
    app.selectbox(key="user-choice").set_value(account).run()
    assert not app.exception, [e.value for e in app.exception]
    return {
        "account": app.text_input(key="user-account").value,
        "name": app.text_input(key="user-name").value,
        "role": app.selectbox(key="user-role").value,
        "unit": app.selectbox(key="user-unit").value,
        "active": app.checkbox(key="user-active").value,
    }


def _save(app: AppTest) -> AppTest:
    next(b for b in app.button if b.label == "Save account").click().run()
    assert not app.exception, [e.value for e in app.exception]
    return app


@pytest.mark.slow
def test_resetting_a_password_on_the_users_form_demotes_nobody(app_db):
    app = open_screen(app_db, "admin", "users")
    lead = _account(app_db, "lead")
    assert _users_form(app, "lead") == {
        "account": "lead",
        "name": lead["display_name"],
        "role": "improvement_lead",
        "unit": lead["organisation_id"],
        "active": True,
    }
    app.text_input(key="user-password").input("a brand new secret")
    _save(app)
    assert any("lead changed" in s.value for s in app.success), [e.value for e in app.error]
    assert app.text_input(key="user-password").value == ""  # the new password is not left in the page
    assert app.selectbox(key="user-choice").value == "lead"
    store = Store(app_db)
    after = store.user("lead")
    assert (after["role"], after["organisation_id"], after["active"]) == ("improvement_lead", 1, True)
    assert store.verify_password("lead", "a brand new secret")
    store.close()
    # A board member's account loads as a board member's, a team member's in their own team.
    assert _users_form(app, "board")["role"] == "board_viewer"
    assert _users_form(app, "team")["unit"] == _account(app_db, "team")["organisation_id"]
    # Typing an existing username without choosing it would save the form's values over its own: refused.
    app.selectbox(key="user-choice").set_value("").run()
    app.text_input(key="user-account").input("lead")
    app.text_input(key="user-name").input("Improvement lead (demo)")
    app.text_input(key="user-password").input("another new secret")
    _save(app)
    assert any("choose it under Account first" in e.value for e in app.error), [e.value for e in app.error]
    assert _account(app_db, "lead")["role"] == "improvement_lead"


@pytest.mark.slow
def test_a_new_account_saved_on_the_users_form_is_listed_chosen_and_its_password_gone_from_the_page(app_db):
    app = open_screen(app_db, "admin", "users")
    app.text_input(key="user-account").input("newnurse")
    app.text_input(key="user-name").input("New nurse")
    app.selectbox(key="user-role").set_value("team_member")
    app.text_input(key="user-password").input("a long enough password")
    _save(app)
    assert [s.value for s in app.success] == ["Account newnurse added."], [e.value for e in app.error]
    assert "newnurse" in app.dataframe[0].value["Username"].to_list()  # the list above the form shows it at once
    assert app.selectbox(key="user-choice").value == "newnurse"
    assert app.text_input(key="user-password").value == ""
    _save(app)  # pressed again: the account is saved as it is, never a second account
    assert any("newnurse" in s.value for s in app.success), [e.value for e in app.error]
    assert _account(app_db, "newnurse")["display_name"] == "New nurse"


@pytest.mark.slow
def test_the_last_administrator_cannot_deactivate_themselves_on_the_users_form(app_db):
    app = open_screen(app_db, "admin", "users")
    assert _users_form(app, "admin")["role"] == "administrator"
    app.checkbox(key="user-active").uncheck()
    _save(app)
    assert any("You are the last active administrator" in e.value for e in app.error), [e.value for e in app.error]
    assert not app.success
    assert _account(app_db, "admin")["active"]


# -- 10. one CSV writer for every download ---------------------------------------------------------------------------

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _poison(path: Path) -> None:
    """Every title, name and free text a download carries, typed as a spreadsheet formula. (Rewritten through an
    export and a fresh import: DuckDB refuses an UPDATE of a row other tables point at.)"""
    store = Store(path)
    frames = {table: store.table(table) for table in TABLES}
    store.close()
    path.unlink()
    for table, column, key in (
        ("aim", "title", "id"),
        ("project", "title", "id"),
        ("measure", "name", "id"),
        ("driver", "title", "id"),
        ("change_idea", "title", "id"),
        ("pdsa_cycle", "title", "id"),
        ("leadership_assessment", "person", "id"),
        ("leadership_strategy", "strategy", "item_id"),
        ("leadership_strategy", "challenge", "item_id"),
        ("audit_log", "reason", "id"),
    ):
        link = pl.lit('=HYPERLINK("http://x/') + pl.col(key).cast(pl.Utf8) + pl.lit('")')
        frames[table] = frames[table].with_columns(link.alias(column))
    store = Store(path)
    store.insert_tables(frames)
    # The demo's audit trail starts empty: one change whose reason is poisoned.
    store.within(store.choose_scope(TRUST)).add_phase(1, dt.date(2025, 10, 1), POISON, username="lead")
    store.close()


def _cells(data: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(data)) for cell in row]


def _runs_as_a_formula(cell: str) -> bool:
    if not cell.startswith(FORMULA_START):
        return False
    try:
        float(cell)  # a negative number is a number, not a formula
    except ValueError:
        return True
    return False


@pytest.mark.slow
def test_a_poisoned_title_comes_out_prefixed_in_every_downloads_bytes(app_db, monkeypatch):
    from streamlit.elements.widgets import button

    _poison(app_db)
    downloads: list[tuple[str, str]] = []  # (file name, text) of every CSV a screen offers, as it would download
    marshall = button.marshall_file

    def recording(coordinates, data, proto, mimetype, file_name=None, **kwargs):
        if mimetype == "text/csv":
            downloads.append((file_name, data.decode() if isinstance(data, bytes) else data))
        return marshall(coordinates, data, proto, mimetype, file_name, **kwargs)

    monkeypatch.setattr(button, "marshall_file", recording)
    open_screen(app_db, "lead", "thread")
    open_screen(app_db, "lead", "alignment")
    open_screen(app_db, "lead", "audit")
    open_screen(app_db, "team", "measures", measure="1")  # the screen a team member lands on
    open_screen(app_db, "lead", "leadership")
    open_screen(app_db, "lead", "leadership", **{"leadership-tab": "Strategies library"})
    open_screen(app_db, "hub", "network", **{"network-tab": "Checks by school"})  # a tab runs only when open
    # Each download, and whether a poisoned title heads one of its cells (the tree's flags say "project: <title>").
    expected = {
        "golden-thread-tree-flags.csv": False,
        "golden-thread-flags.csv": True,
        "coverage.csv": True,
        "golden-thread-audit-": True,
        "hyperlink-": True,  # the measure's data, named after the measure
        "leadership-assessment-": True,
        "leadership-strategies.csv": True,
        "network-flags.csv": True,
    }
    seen = {name for name, _ in downloads}
    missing = {start for start in expected if not any(name.startswith(start) for name in seen)}
    assert not missing, f"no download seen for {missing}; seen {sorted(seen)}"
    problems = []
    for name, data in downloads:
        cells = _cells(data)
        problems += [f"{name}: {cell!r}" for cell in cells if _runs_as_a_formula(cell)]
        heads = next((heads for start, heads in expected.items() if name.startswith(start)), None)
        if heads is not None:
            assert "HYPERLINK(" in data, f"{name} carries no poisoned title:\n{data[:500]}"
        if heads:
            assert any(c.startswith("'=HYPERLINK(") for c in cells), f"{name}: no title prefixed:\n{data[:500]}"
    assert not problems, "cells a spreadsheet would run:\n" + "\n".join(problems[:20])
    coverage = next(data for name, data in downloads if name == "coverage.csv")
    header = next(csv.reader(io.StringIO(coverage)))
    assert any(h.startswith("'=HYPERLINK(") for h in header), header  # the grid's columns are the aims


def test_safe_csv_prefixes_cells_and_header_names_that_start_like_a_formula():
    frame = pl.DataFrame(
        {
            POISON: ["=1+1", "+1", "-x", "@SUM(A1)", "\tx", "\rx", "plain", None],
            "number": [-1.5, 2, 3, 4, 5, 6, 7, 8],
            "kind": pl.Series(["=a", "b", "c", "d", "e", "f", "g", "h"], dtype=pl.Categorical),
        }
    )
    text = safe_csv(frame)
    assert text.startswith("\ufeff")  # the UTF-8 mark, which a spreadsheet reads and drops
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert rows[0] == ["'" + POISON, "Number", "Kind"]
    assert [r[0] for r in rows[1:]] == ["'=1+1", "'+1", "'-x", "'@SUM(A1)", "'\tx", "'\rx", "plain", ""]
    assert rows[1][1] == "-1.5" and rows[1][2] == "'=a"
