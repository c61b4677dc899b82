"""Every screen and every file reads as people read: no "None", "nan" or "00:00:00", no code names such as
``orphan_project`` or ``before_numerator``; every CSV starts with the UTF-8 mark; the audit trail speaks in sentences.

Each screen of ``screens/registry.py`` is opened under AppTest for every demo account that may see it (the trust's
board, team, lead and admin; the network's hub and a school, eastbrook), on the demo with an audit trail of
the common kinds of change. A table's cells are read as the browser shows them: the display text the screen gave
(``show_table``'s formatted values), else the value itself, and a missing value as the table's placeholder.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pandas as pd
import polars as pl
import pytest
import streamlit as st
from streamlit import dataframe_util
from streamlit.testing.v1 import AppTest

from golden_thread.domain.audit import Names, audit_trail, value_history
from golden_thread.domain.observation_import import plan_import, read_observation_file
from golden_thread.domain.observations import ProposedObservation
from golden_thread.seed.demo import TRUST
from golden_thread.seed.loading import load_demo
from golden_thread.services.editing import save_record
from golden_thread.storage.store import Store
from screens.registry import SCREENS, screens_for
from tests.conftest import DEMO_TODAY

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent
ENTRY = str(ROOT / "dashboard.py")
USERS = ("board", "team", "lead", "admin", "hub", "eastbrook")

RAW = re.compile(r"\bNone\b|\bnan\b|\bNaN\b|\bNaT\b|\bnull\b|00:00:00")
CODE_NAME = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")  # orphan_project, before_numerator
ICON = re.compile(r":material/[a-z0-9_]+:")
RAW_AUDIT_KEY = re.compile(r"\b\d+/\d{4}-\d{2}-\d{2}\b")  # "22/2026-11-01"

# Screens other developers convert next (issue 16): each still shows raw values somewhere (see the report of the
# session that added this test). Remove a screen from here when it reads in words.
NOT_YET_CONVERTED: dict[str, str] = {}


def unreadable(text: object) -> list[str]:
    """What in ``text`` is not in people's words: raw missing values, midnight times, code names."""
    text = ICON.sub("", str(text)).replace("\\", "")
    return RAW.findall(text) + CODE_NAME.findall(text)


def shown_cells(table) -> dict[str, list[str]]:
    """A table's cells as the browser draws them, by column (image columns left out)."""
    proto = table.proto
    data = table.value
    styler = proto.arrow_data.styler
    display = dataframe_util.convert_arrow_bytes_to_pandas_df(styler.display_values) if styler.display_values else None
    placeholder = proto.placeholder if proto.HasField("placeholder") else "None"  # Streamlit's default for missing
    config = json.loads(proto.columns or "{}")
    cells = {}
    for n, column in enumerate(data.columns):
        kind = (config.get(str(column), {}).get("type_config") or {}).get("type")
        if kind == "image":
            continue
        formatted = bool((config.get(str(column), {}).get("type_config") or {}).get("format"))
        texts = []
        for i, value in enumerate(data[column]):
            if not isinstance(value, list | tuple | dict) and pd.isna(value):
                texts.append(placeholder)
            elif display is not None:
                texts.append(str(display.iloc[i, n]))
            elif formatted:
                texts.append("(formatted by its column)")
            else:
                texts.append(str(value))
        cells[str(column)] = texts
    return cells


def screen_problems(app: AppTest) -> list[str]:
    """Every table cell, heading, metric and piece of markdown the run drew that is not in people's words."""
    problems = []
    for k, table in enumerate(app.dataframe):
        cells = shown_cells(table)
        name = f"table {k + 1} ({', '.join(list(cells)[:3])}…)"
        for column, texts in cells.items():
            if unreadable(column):
                problems.append(f"{name}: heading {column!r}")
            bad = sorted({t for t in texts if unreadable(t)})
            if bad:
                problems.append(f"{name}, column {column!r}: {bad[:5]}")
    for kind in ("markdown", "caption", "info", "warning", "error", "success", "title", "header", "subheader"):
        problems += [f"{kind}: {e.value[:160]!r}" for e in app.get(kind) if unreadable(e.value)]
    for metric in app.metric:
        said = f"{metric.label}: {metric.value} {metric.proto.delta}"
        if unreadable(said):
            problems.append(f"metric {said!r}")
    problems += [f"expander {e.label!r}" for e in app.expander if unreadable(e.label)]
    return problems


# -- the demo, with an audit trail of the common changes ----------------------------------------------------------


def _audited_changes(path: Path) -> None:
    """A correction, a new period, an import, a phase, an excluded point, an edited aim, a link and a new account:
    the changes the audit trail must say in words."""
    whole = Store(path)
    trust = whole.within(whole.choose_scope(TRUST))
    falls = trust.observations([1]).sort("period_start")
    last = falls.row(-1, named=True)
    trust.save_observation(
        1,
        ProposedObservation(last["period_start"], None, last["numerator"] + 1, last["denominator"], "recounted"),
        username="lead",
        today=DEMO_TODAY,
        correcting=True,
    )
    trust.add_phase(1, falls["period_start"][6], "Falls bundle adopted on every ward", username="lead")
    trust.exclude_point(1, falls["period_start"][3], "Ward closed for refurbishment", username="lead")
    value_measure = trust.measures().filter(pl.col("chart_type") == "xmr").sort("id").row(0, named=True)
    stored = trust.observations([value_measure["id"]]).sort("period_start")
    period = stored["period_start"][-2]
    content = f"period_start,value\n{period},{stored['value'][-2] + 1}\n".encode()
    plan = plan_import(value_measure, read_observation_file(content, "ward.csv"), stored, DEMO_TODAY)
    trust.commit_import(plan, username="lead", filename="ward.csv")
    aim = trust.record("aim", 1)
    save_record(trust, "aim", {**aim, "target_value": 0.25}, username="lead", today=DEMO_TODAY, record_id=1)
    driver = trust.link_targets().filter(pl.col("kind") == "driver").row(0, named=True)
    project = trust.records("project").sort("id").row(0, named=True)
    trust.link_project(project["id"], "driver", driver["target_id"], username="lead")
    admin = whole.within(whole.scopes_for("admin")[0])
    admin.save_user("sam", "Sam Lee", "team_member", project["team_id"], "a long enough password", username="admin")
    whole.close()


@pytest.fixture(scope="module")
def readable_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("readable") / "demo.duckdb"
    store = Store(path)
    load_demo(store, today=DEMO_TODAY, network=True)
    store.close()
    _audited_changes(path)
    return path


@pytest.fixture
def app_db(readable_db: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("GOLDEN_THREAD_DB", str(readable_db))
    st.cache_resource.clear()
    yield readable_db
    st.cache_resource.clear()


def _accounts(path: Path) -> dict[str, tuple[dict, str | None]]:
    """username -> (the session's user, the kind of organisation they work in)."""
    store = Store(path)
    found = {}
    for username in USERS:
        account = store.user(username)
        kind = store.within(store.scopes_for(username)[0]).scope.kind
        found[username] = ({k: account[k] for k in ("username", "display_name", "role")}, kind)
    store.close()
    return found


def _open(user: dict, url: str, **query: str) -> AppTest:
    app = AppTest.from_file(ENTRY, default_timeout=180)
    app.session_state["user"] = dict(user)
    for key, value in query.items():
        app.query_params[key] = value
    app.run()
    app.switch_page(str(next(s for s in SCREENS if s.url == url).path))
    app.run()
    assert not app.exception, f"{user['username']} on {url}: {[e.value for e in app.exception]}"
    return app


def _screen(screen) -> object:
    reason = NOT_YET_CONVERTED.get(screen.url)
    marks = [pytest.mark.xfail(reason=f"not yet converted: {reason}", strict=False)] if reason else []
    return pytest.param(screen.url, marks=marks, id=screen.url)


@pytest.mark.parametrize("url", [_screen(s) for s in SCREENS])
def test_every_screen_reads_in_words_for_everyone_who_opens_it(app_db, url):
    problems = []
    for username, (user, kind) in _accounts(app_db).items():
        if url not in {s.url for s in screens_for(user["role"], kind)}:
            continue
        problems += [f"{username}: {problem}" for problem in screen_problems(_open(user, url))]
    assert not problems, f"{url} shows raw values or code names:\n" + "\n".join(problems)


# Screens whose tabs are links (?<screen>-tab=<label>): only the open tab runs, so each tab is opened in turn.
TABBED = {"network": "hub", "leadership": "lead"}


@pytest.mark.parametrize("url", [_screen(s) for s in SCREENS if s.url in TABBED])
def test_every_tab_of_a_tabbed_screen_reads_in_words(app_db, url):
    user = _accounts(app_db)[TABBED[url]][0]
    labels = [tab.label for tab in _open(user, url).tabs]
    assert labels, f"{url} shows no tabs"
    problems = []
    for label in labels:
        problems += [f"tab {label!r}: {p}" for p in screen_problems(_open(user, url, **{f"{url}-tab": label}))]
    assert not problems, f"{url} shows raw values or code names:\n" + "\n".join(problems)


def test_the_build_screens_sections_read_in_words(app_db):
    lead = _accounts(app_db)["lead"][0]
    problems = []
    for query in ({"record": "project", "id": "1"}, {"record": "measure", "id": "1"}, {"record": "aim", "id": "1"}):
        problems += screen_problems(_open(lead, "build", **query))
    app = AppTest.from_file(ENTRY, default_timeout=180)
    app.session_state["user"] = _accounts(app_db)["admin"][0]
    app.session_state["build-section"] = "units"
    app.run()
    app.switch_page(str(ROOT / "screens/build.py"))
    app.run()
    problems += screen_problems(app)
    assert any("Unit" in table.value.columns for table in app.dataframe)
    assert not problems, "\n".join(problems)


# -- the audit trail --------------------------------------------------------------------------------------------


def test_the_audit_trail_says_each_change_as_a_sentence_with_the_records_name(app_db):
    app = _open(_accounts(app_db)["admin"][0], "audit")
    table = next(t for t in app.dataframe if "Change" in t.value.columns)
    said = shown_cells(table)["Change"]
    store = Store(app_db)
    falls = store.measure(1)
    period = store.observations([1])["period_start"].max()
    store.close()
    correction = next(s for s in said if " corrected " in s)
    assert correction.startswith(f"Improvement lead (demo) corrected {falls['name']} for {period:%b %Y}: ")
    assert " → " in correction
    assert any(s.startswith("Improvement lead (demo) imported ward.csv into ") for s in said)
    assert any("changed the system-level aim “Reduce inpatient falls with harm”: Target: 0.3 → 0.25" in s for s in said)
    assert any(s == "Administrator (demo) added the account of Sam Lee (Improvement team member)" for s in said)
    everything = " ".join(t for texts in shown_cells(table).values() for t in texts)
    assert not RAW_AUDIT_KEY.search(everything) and "{" not in everything
    assert not screen_problems(app)


def test_a_measures_value_history_reads_in_months_and_its_own_precision(app_db):
    store = Store(app_db)
    trust = store.within(store.choose_scope(TRUST))
    measure = trust.measure(1)
    history = value_history(trust.observation_audit(1), measure, Names(trust.audit_names(), trust.measures()))
    trail = audit_trail(trust.audit_log(), Names(trust.audit_names(), trust.measures()))
    store.close()
    row = history.row(0, named=True)
    assert re.fullmatch(r"[A-Z][a-z]{2} \d{4}", row["period"]) and row["who"] == "Improvement lead (demo)"
    assert re.fullmatch(r"corrected: \d+\.\d{2} .+ \(\d+ / [\d,]+\) → \d+\.\d{2} .+ \(\d+ / [\d,]+\)", row["change"])
    assert set(trail["what"]) >= {"Measure data", "Chart phase", "Excluded point", "System-level aim", "Account"}


# -- the files ----------------------------------------------------------------------------------------------------


def test_every_csv_download_starts_with_the_utf8_mark_and_holds_words(app_db, monkeypatch):
    from streamlit.elements.widgets import button

    downloads: list[tuple[str, bytes]] = []
    marshall = button.marshall_file

    def recording(coordinates, data, proto, mimetype, file_name=None, **kwargs):
        if mimetype == "text/csv":
            content = data() if callable(data) else data
            downloads.append((file_name, content.encode("utf-8") if isinstance(content, str) else content))
        return marshall(coordinates, data, proto, mimetype, file_name, **kwargs)

    monkeypatch.setattr(button, "marshall_file", recording)
    accounts = _accounts(app_db)
    _open(accounts["lead"][0], "thread")
    _open(accounts["lead"][0], "alignment")
    _open(accounts["admin"][0], "audit")
    _open(accounts["lead"][0], "measures", measure="1")
    _open(accounts["lead"][0], "leadership")
    _open(accounts["lead"][0], "leadership", **{"leadership-tab": "Strategies library"})
    _open(accounts["hub"][0], "network", **{"network-tab": "Checks by school"})
    names = {name for name, _ in downloads}
    for expected in (
        "golden-thread-flags.csv",
        "coverage.csv",
        "golden-thread-audit-",
        "template-measure-1.csv",
        "network-flags.csv",
    ):
        assert any(name.startswith(expected) for name in names), f"no {expected} among {sorted(names)}"
    problems = []
    for name, data in downloads:
        assert data.startswith(b"\xef\xbb\xbf"), f"{name} does not start with the UTF-8 mark: {data[:40]!r}"
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
        problems += [f"{name}: heading {h!r}" for h in rows[0] if unreadable(h)]
        bad = sorted({cell for row in rows[1:] for cell in row if unreadable(cell)})
        problems += [f"{name}: cells {bad[:5]}"] if bad else []
    assert not problems, "\n".join(problems)
    coverage = next(data for name, data in downloads if name == "coverage.csv").decode("utf-8-sig")
    assert "● primary" in coverage and "Lead measure" in coverage.splitlines()[0]


def test_an_import_preview_says_its_columns_and_periods_in_words(app_db):
    store = Store(app_db)
    trust = store.within(store.choose_scope(TRUST))
    measure = trust.measure(2)  # a proportion: numerator and denominator
    stored = trust.observations([2]).sort("period_start")
    first = stored.row(0, named=True)
    earlier = first["period_start"].replace(year=first["period_start"].year - 1)  # a new period, before the data
    content = (
        "Period start,Numerator,Denominator,Note\n"
        f"{first['period_start']},{first['numerator'] + 1:g},{first['denominator']:g},recount\n"
        f"{earlier},12,40,\n"
    ).encode()
    plan = plan_import(measure, read_observation_file(content, "ward.csv"), stored, DEMO_TODAY)
    store.close()
    new, changed = plan.new_preview(measure), plan.changes_preview(measure)
    assert new.columns == ["Period", "Numerator", "Denominator", "Note"]
    assert new.row(0) == (f"{earlier:%b %Y}", "12", "40", "")
    assert changed.columns == ["Period", "Stored", "In the file", "Note stored", "Note in the file"]
    assert changed["Period"][0] == f"{first['period_start']:%b %Y}"
    assert changed["In the file"][0] == f"{first['numerator'] + 1:,g} / {first['denominator']:,g}"
    for frame in (new, changed):
        assert not [c for c in frame.columns if unreadable(c)]
        assert not [v for row in frame.iter_rows() for v in row if unreadable(v)]
