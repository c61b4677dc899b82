"""One organisation at a time: the issue's acceptance test.

With the demo trust and the demo education network in one database, a person of one sees nothing of the other on
every screen, from every command and in the board pack: no aims, teams or schools, users, audit rows, flags or
snapshots. The other organisation's names are read from the database itself (an unscoped store, each organisation
in turn) and looked for in everything a page shows: its text, widgets' options, tables' cells, charts' data and
components' arguments. A failure names the person, the screen or command, and the text that leaked.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pyarrow as pa
import pytest
import streamlit as st
from google.protobuf.message import Message
from pypdf import PdfReader
from streamlit.testing.v1 import AppTest

from golden_thread.cli import build_parser, main
from golden_thread.domain.observations import ProposedObservation
from golden_thread.errors import PermissionRefused, Refused
from golden_thread.seed.demo_network import NETWORK
from golden_thread.seed.loading import load_demo
from golden_thread.services.board import board_months, live_board, publish, published_view
from golden_thread.storage.store import Store
from screens.registry import SCREENS, screens_for
from tests.conftest import DEMO_TODAY

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
TRUST = "Northfield Teaching Hospitals NHS Foundation Trust"
OCTOBER = dt.date(2026, 10, 1)
# The people the screens are opened as: the trust's administrator and board member, a member school's team member,
# the network's improvement lead (who belongs to the network itself) and the network's administrator.
PEOPLE = ("admin", "board", "eastbrook", "hub", "hubadmin")
HOME_OF = {
    "admin": TRUST,
    "board": TRUST,
    "team": TRUST,
    "lead": TRUST,
    "eastbrook": NETWORK,
    "harbor": NETWORK,
    "hub": NETWORK,
    "hubadmin": NETWORK,
}
MIN_LENGTH = 8  # shorter names ("admin", "team", "hub") are everyday words, not evidence of a leak


# -- the database and each organisation's names ------------------------------------------------------------------


@pytest.fixture(scope="module")
def two_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo trust and the demo education network side by side, built once for this module (copy to write)."""
    path = tmp_path_factory.mktemp("two") / "two.duckdb"
    store = Store(path)
    load_demo(store, today=DEMO_TODAY, network=True)
    store.close()
    return path


@dataclass(frozen=True)
class Organisation:
    id: int
    name: str
    names: tuple[tuple[str, str], ...]  # (what it is, its name): everything of this organisation with a name
    usernames: frozenset[str]
    aims: tuple[str, ...]


@pytest.fixture(scope="module")
def organisations(two_db: Path) -> dict[str, Organisation]:
    """Each organisation's names, read through a store scoped to it (the unscoped store lists both)."""
    store = Store(two_db)
    tops = store.top_organisations()
    assert sorted(tops["name"]) == sorted([TRUST, NETWORK])
    found = {}
    for organisation_id, name in tops.select("id", "name").iter_rows():
        scoped = store.within(store.resolve_scope(organisation_id))
        users = scoped.users()
        names = [("organisation", name)]
        names += [("team or school", n) for n in scoped.organisations()["name"]]
        names += [("aim", n) for n in scoped.aims()["title"]]
        names += [("objective", n) for n in scoped.objectives_overview()["objective"].unique(maintain_order=True)]
        names += [("project", n) for n in scoped.table("project")["title"]]
        names += [("measure", n) for n in scoped.measures()["name"]]
        names += [("measure owner", n) for n in scoped.measures()["owner"].drop_nulls()]
        names += [("responsible leader", n) for n in scoped.objectives_overview()["responsible_leader"].drop_nulls()]
        names += [("driver", n) for n in scoped.table("driver")["title"]]
        names += [("change idea", n) for n in scoped.table("change_idea")["title"]]
        names += [("PDSA cycle", n) for n in scoped.table("pdsa_cycle")["title"]]
        names += [("leadership assessor", n) for n in scoped.table("leadership_assessment")["person"].drop_nulls()]
        names += [("username", n) for n in users["username"]] + [("user's name", n) for n in users["display_name"]]
        names = list(dict.fromkeys(names))
        found[name] = Organisation(
            int(organisation_id), name, tuple(names), frozenset(users["username"]), tuple(scoped.aims()["title"])
        )
    everything = sum(len(o.names) for o in found.values())
    assert store.users().height == sum(len(o.usernames) for o in found.values())  # together they are the whole
    assert everything > 60
    store.close()
    return found


def _other(organisation: str) -> str:
    return NETWORK if organisation == TRUST else TRUST


def distinctive(other: Organisation, own: Organisation) -> list[tuple[str, str]]:
    """The other organisation's names that could only come from it: long enough not to be an everyday word, and
    not part of any of the own organisation's names ("Improvement lead (demo)" is within the network's
    "Network hub improvement lead (demo)")."""
    own_text = "\n".join(n for _, n in own.names).lower()
    chosen = {(kind, name) for kind, name in other.names if len(name) >= MIN_LENGTH and name.lower() not in own_text}
    return sorted(chosen)


def _plain(text: str) -> str:
    """Shown text as a person reads it: markdown escapes removed, every run of whitespace one space."""
    return re.sub(r"\s+", " ", text.replace("\\", "")).strip()


def mentions(texts: list[tuple[str, str]], names: list[tuple[str, str]]) -> list[tuple[str, str, str, str]]:
    """(where, what it is, name, the text around it) for each of ``names`` that ``texts`` mention."""
    found = []
    for where, text in texts:
        shown = _plain(text)
        low = shown.lower()
        for kind, name in names:
            at = low.find(name.lower())
            if at >= 0:
                found.append((where, kind, name, shown[max(0, at - 60) : at + len(name) + 60]))
    return found


def leaks(texts: list[tuple[str, str]], other: Organisation, own: Organisation) -> list[str]:
    """Each (where, text) that names something of ``other``, as a readable line."""
    return [
        f"{where}: {other.name}'s {kind} “{name}” in …{context}…"
        for where, kind, name, context in mentions(texts, distinctive(other, own))
    ]


def shows(texts: list[tuple[str, str]], name: str) -> bool:
    return any(name.lower() in _plain(text).lower() for _, text in texts)


# -- what a page shows -------------------------------------------------------------------------------------------


def _arrow_cells(data: bytes) -> list[str]:
    """The column names and cells of an Arrow stream (a dataframe's or a chart's data), as text."""
    if not data:
        return []
    try:
        table = pa.ipc.open_stream(pa.py_buffer(data)).read_all()
    except (pa.ArrowInvalid, OSError):
        return []
    cells = list(table.column_names)
    for column in table.columns:
        cells += [str(v) for v in column.to_pylist() if v is not None]
    return cells


def _proto_texts(message: Message) -> list[str]:
    """Every string in an element's message and every cell of the Arrow data inside it (components, help
    texts, page links and anything else not named in ``page_texts``)."""
    texts: list[str] = []
    for _, value in message.ListFields():
        for item in value if hasattr(value, "__len__") and not isinstance(value, (str, bytes, Message)) else [value]:
            if isinstance(item, Message):
                texts += _proto_texts(item)
            elif isinstance(item, str):
                texts.append(item)
            elif isinstance(item, bytes):
                texts += _arrow_cells(item)
    return texts


def _nodes(node):
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _nodes(child)


def page_texts(app: AppTest, *, skip: frozenset[str] = frozenset()) -> list[tuple[str, str]]:
    """(where, text) for everything the page shows: the main area and the sidebar (but the widgets labelled in
    ``skip``)."""
    texts: list[tuple[str, str]] = []

    def add(where: str, value) -> None:
        if value is not None and str(value).strip():
            texts.append((where, str(value)))

    for kind in (
        "title",
        "header",
        "subheader",
        "caption",
        "markdown",
        "text",
        "info",
        "warning",
        "error",
        "success",
        "exception",
        "code",
        "latex",
        "json",
    ):
        for element in getattr(app, kind):
            add(kind, element.value)
    for metric in app.metric:
        add("metric label", metric.label)
        add(f"metric {metric.label!r}", metric.value)
    for expander in app.expander:
        add("expander label", expander.label)
    for tab in app.tabs:
        add("tab label", tab.label)
    for kind in ("selectbox", "multiselect", "radio"):
        for widget in getattr(app, kind):
            if widget.label in skip:
                continue
            add(f"{kind} label", widget.label)
            for option in widget.options:
                add(f"{kind} {widget.label!r} option", option)
    for kind in ("dataframe", "table"):
        for frame in getattr(app, kind):
            value = frame.value
            for column in value.columns:
                add(f"{kind} column", column)
                for cell in value[column].tolist():
                    add(f"{kind} {column!r} cell", cell)
    for chart in [*app.get("vega_lite_chart"), *app.get("arrow_vega_lite_chart")]:
        add("chart spec", chart.proto.spec)
        for dataset in chart.proto.datasets:
            for cell in _arrow_cells(dataset.data.data):
                add("chart data", cell)
        if chart.proto.HasField("data"):
            for cell in _arrow_cells(chart.proto.data.data):
                add("chart data", cell)
    for node in _nodes(app._tree):
        proto = getattr(node, "proto", None)
        if isinstance(proto, Message) and getattr(node, "label", None) not in skip:
            for text in _proto_texts(proto):
                add(f"{getattr(node, 'type', type(node).__name__)} element", text)
    return texts


# -- opening screens as a person ---------------------------------------------------------------------------------


@pytest.fixture
def app_db(two_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "app.duckdb"
    shutil.copy(two_db, path)
    monkeypatch.setenv("GOLDEN_THREAD_DB", str(path))
    st.cache_resource.clear()
    st.cache_data.clear()
    yield path
    st.cache_resource.clear()
    st.cache_data.clear()


def _session_user(path: Path, username: str) -> dict:
    store = Store(path)
    account = store.user(username)
    store.close()
    return {k: account[k] for k in ("username", "display_name", "role")}


def open_screen(path: Path, username: str, url: str, *, session: dict | None = None, **query: str) -> AppTest:
    """A screen opened through dashboard.py as ``username`` (switched to, as a person clicks it in the menu)."""
    app = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    app.session_state["user"] = _session_user(path, username)
    for key, value in (session or {}).items():
        app.session_state[key] = value
    for key, value in query.items():
        app.query_params[key] = value
    app.run()
    app.switch_page(str(next(s for s in SCREENS if s.url == url).path))
    app.run()
    assert not app.exception, f"{username} on {url}: {[e.value for e in app.exception]}"
    return app


def _role(username: str) -> str:
    roles = {
        "admin": "administrator",
        "board": "board_viewer",
        "eastbrook": "team_member",
        "hub": "improvement_lead",
        "hubadmin": "administrator",
    }
    return roles[username]


def _kind(person: str) -> str:
    return "trust" if HOME_OF[person] == TRUST else "network"


def _screens(person: str) -> list[str]:
    """The screens ``person`` may open in their own organisation, as the navigation lists them."""
    return [screen.url for screen in screens_for(_role(person), _kind(person))]


SCREEN_VISITS = [(person, url) for person in PEOPLE for url in _screens(person)]


def test_the_people_are_who_the_demo_says_and_each_opens_only_their_own_organisation(two_db):
    store = Store(two_db)
    for person in (*PEOPLE, "team", "lead", "harbor"):
        account = store.user(person)
        assert account is not None and account["active"], person
        if person in PEOPLE:
            assert account["role"] == _role(person), person
        scopes = store.scopes_for(person)
        assert [s.name for s in scopes] == [HOME_OF[person]], f"{person} may open {[s.name for s in scopes]}"
    hub = store.scopes_for("hub")[0]
    assert hub.is_network and hub.vocabulary == "education"  # the hub belongs to the network itself
    store.close()


@pytest.mark.parametrize(("person", "url"), SCREEN_VISITS, ids=[f"{p}-{u}" for p, u in SCREEN_VISITS])
def test_a_person_sees_nothing_of_the_other_organisation_on_any_screen(app_db, organisations, person, url):
    own, other = organisations[HOME_OF[person]], organisations[_other(HOME_OF[person])]
    app = open_screen(app_db, person, url)
    texts = page_texts(app)
    assert texts, f"{person} on {url}: the page shows nothing"
    leaked = leaks(texts, other, own)
    assert not leaked, f"{person} on the {url} screen sees the other organisation:\n" + "\n".join(leaked[:25])
    # The same search finds the person's own organisation's work, so finding nothing of the other means something
    # (the audit trail of a database nobody has changed is empty; the audit tests below write first).
    own_work = [m for m in mentions(texts, distinctive(own, other)) if m[1] not in ("username", "user's name")]
    assert own_work or url == "audit", f"{person} on {url}: the page shows nothing of {own.name}"
    if url in ("home", "board"):  # the page is not empty: it shows the person's own organisation's aims
        missing = [aim for aim in own.aims if not shows(texts, aim)]
        assert url == "board" or not missing, f"{person} on {url}: own aims missing: {missing}"
        assert len(missing) < len(own.aims), f"{person} on {url}: none of {own.name}'s aims is shown"


def _other_ids(path: Path, organisation: str) -> dict[str, int]:
    """Ids of records of ``organisation`` (a measure with data, a project, an aim, a team or school), for
    shared links that a person of the other organisation might be sent."""
    store = Store(path)
    scoped = store.within(store.choose_scope(organisation))
    measures = scoped.measures()
    with_data = scoped.observations(measures["id"].to_list())["measure_id"].unique().sort()
    units = scoped.organisations()
    ids = {
        "measure": int(with_data[0]),
        "project": int(scoped.table("project")["id"][0]),
        "cycle": int(scoped.table("pdsa_cycle")["id"][0]),
        "aim": int(scoped.aims()["id"][0]),
        "unit": int(units["id"][-1]),
        "top": scoped.scope.organisation_id,
    }
    store.close()
    return ids


LINKS = [
    ("measures", lambda ids: {"measure": str(ids["measure"])}),
    ("thread", lambda ids: {"node": f"project:{ids['project']}"}),
    ("thread", lambda ids: {"node": f"aim:{ids['aim']}"}),
    ("thread", lambda ids: {"aim": str(ids["aim"])}),
    ("board", lambda ids: {"aim": str(ids["aim"])}),
    ("leadership", lambda ids: {"organisation": str(ids["unit"])}),
    ("leadership", lambda ids: {"organisation": str(ids["top"])}),
    ("network", lambda ids: {"network": str(ids["top"])}),
    ("build", lambda ids: {"record": "aim", "id": str(ids["aim"])}),
    ("build", lambda ids: {"record": "project", "id": str(ids["project"]), "part": "links"}),
    ("build", lambda ids: {"record": "measure", "id": str(ids["measure"])}),
    ("build", lambda ids: {"new": "project", "link": f"aim:{ids['aim']}"}),
    ("pdsa", lambda ids: {"project": str(ids["project"])}),
    ("pdsa", lambda ids: {"cycle": str(ids["cycle"])}),
    ("diagrams", lambda ids: {"aim": str(ids["aim"])}),
]


@pytest.mark.parametrize("person", ["board", "admin", "eastbrook", "hub"])
def test_a_shared_link_to_the_other_organisations_record_shows_nothing_of_it(app_db, organisations, person):
    own, other = organisations[HOME_OF[person]], organisations[_other(HOME_OF[person])]
    ids = _other_ids(app_db, other.name)
    problems = []
    for url, query in LINKS:
        if url not in _screens(person):
            continue
        app = open_screen(app_db, person, url, **query(ids))
        leaked = leaks(page_texts(app), other, own)
        problems += [f"{url}?{query(ids)}: {line}" for line in leaked[:5]]
    assert not problems, f"{person} follows links to {other.name}'s records:\n" + "\n".join(problems)


@pytest.mark.parametrize("person", ["board", "admin"])
def test_a_trust_person_has_no_network_screen_to_open(app_db, person):
    assert "network" not in _screens(person) and "network" in _screens("eastbrook")
    app = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    app.session_state["user"] = _session_user(app_db, person)
    app.run()
    with pytest.raises(ValueError):  # not among the pages of this person's navigation
        app.switch_page(str(ROOT / "screens" / "network.py"))


def test_a_session_pointed_at_the_other_organisation_opens_the_persons_own(app_db, organisations):
    """A session that somehow holds the other organisation's id (a stale or forged choice) still opens one's own."""
    network = organisations[NETWORK].id
    app = open_screen(app_db, "board", "home", session={"organisation": network})
    texts = page_texts(app)
    assert not leaks(texts, organisations[NETWORK], organisations[TRUST])
    assert shows(texts, organisations[TRUST].aims[0])
    app = open_screen(app_db, "eastbrook", "home", session={"organisation": organisations[TRUST].id})
    texts = page_texts(app)
    assert not leaks(texts, organisations[TRUST], organisations[NETWORK])
    assert shows(texts, organisations[NETWORK].aims[0])


class PickerCrashed(Exception):
    """The sidebar's Organisation box raised before any screen could run."""


def _unless_the_picker_crashed(app: AppTest) -> None:
    for exception in app.exception:
        if "st.session_state['organisation']" in exception.value and "cannot be modified" in exception.value:
            raise PickerCrashed(exception.value)


def test_an_administrator_of_every_organisation_sees_the_one_chosen_and_nothing_of_the_other(app_db, organisations):
    """An administrator who belongs to no organisation may open each (the sidebar's Organisation box), one at a
    time: whichever is chosen, every screen shows it alone."""
    store = Store(app_db)
    from golden_thread.storage.accounts import operator_save_account

    # Only the machine's operator makes an administrator of the whole database (a trust's administrator may not).
    operator_save_account(store, "steward", "Database steward", "administrator", None, "a long enough password")
    assert sorted(s.name for s in store.scopes_for("steward")) == sorted([TRUST, NETWORK])
    store.close()
    problems = []
    for url in ("home", "board", "thread", "audit", "users"):
        app = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
        app.session_state["user"] = _session_user(app_db, "steward")
        app.run()
        _unless_the_picker_crashed(app)
        app.switch_page(str(next(s for s in SCREENS if s.url == url).path))
        app.run()
        _unless_the_picker_crashed(app)
        assert not app.exception, f"steward on {url}: {[e.value for e in app.exception]}"
        picker = app.selectbox(key="organisation")
        assert sorted(picker.options) == sorted([TRUST, NETWORK]), picker.options
        for chosen in (NETWORK, TRUST):
            app.selectbox(key="organisation").set_value(organisations[chosen].id).run()
            _unless_the_picker_crashed(app)
            assert not app.exception, f"steward on {url} in {chosen}: {[e.value for e in app.exception]}"
            own, other = organisations[chosen], organisations[_other(chosen)]
            texts = page_texts(app, skip=frozenset({"Organisation"}))  # the box itself names both, by design
            problems += [f"{url} with {chosen} chosen: {line}" for line in leaks(texts, other, own)[:5]]
            if url in ("home", "thread"):
                assert mentions(texts, distinctive(own, other)), f"steward on {url}: nothing of {chosen} shown"
    assert not problems, "the administrator of every organisation sees two at once:\n" + "\n".join(problems)


# -- board snapshots ---------------------------------------------------------------------------------------------


def _scoped(store: Store, organisation: str) -> Store:
    return store.within(store.choose_scope(organisation))


def test_publishing_one_organisations_board_leaves_the_others_month_a_draft(app_db, organisations):
    store = Store(app_db)
    trust, network = _scoped(store, TRUST), _scoped(store, NETWORK)
    assert OCTOBER in board_months(trust, DEMO_TODAY) and OCTOBER in board_months(network, DEMO_TODAY)
    view, _ = live_board(trust, OCTOBER, DEMO_TODAY)
    with pytest.raises(PermissionRefused, match="You work at"):
        publish(network, view, username="admin")  # the trust's administrator cannot publish the network's board
    publish(trust, view, username="admin")
    assert published_view(trust, OCTOBER) is not None
    assert published_view(network, OCTOBER) is None, "the trust's snapshot shows as the network's board"
    assert network.board_snapshots().height == 0 and network.board_snapshot(OCTOBER) is None
    assert trust.board_snapshots()["organisation_id"].to_list() == [organisations[TRUST].id]
    network_view, _ = live_board(network, OCTOBER, DEMO_TODAY)
    publish(network, network_view, username="hubadmin")  # the network's own month is still its own to publish
    frozen = published_view(network, OCTOBER)
    assert frozen is not None and set(frozen.aims["aim"]) <= set(organisations[NETWORK].aims)
    assert set(published_view(trust, OCTOBER).aims["aim"]) <= set(organisations[TRUST].aims)
    assert trust.board_snapshots().height == 1 and network.board_snapshots().height == 1
    assert store.board_snapshots().height == 2
    store.close()


@pytest.mark.parametrize("published", [TRUST, NETWORK])
def test_the_board_screen_shows_only_the_persons_own_snapshot(app_db, organisations, published):
    store = Store(app_db)
    publisher = "admin" if published == TRUST else "hubadmin"
    scoped = _scoped(store, published)
    publish(scoped, live_board(scoped, OCTOBER, DEMO_TODAY)[0], username=publisher)
    store.close()
    st.cache_data.clear()
    for person in ("board", "hub"):
        own, other = organisations[HOME_OF[person]], organisations[_other(HOME_OF[person])]
        app = open_screen(app_db, person, "board", month="2026-10")
        status = " ".join(c.value for c in app.caption)
        where = f"{person} on the board screen for October 2026 after {published} published it"
        if own.name == published:
            assert f"by {publisher}" in status.replace("\\", "") and "Draft" not in status, f"{where}: {status}"
        else:
            assert "Draft:" in status and "Published" not in status, f"{where}: {status}"
        leaked = leaks(page_texts(app), other, own)
        assert not leaked, f"{where}:\n" + "\n".join(leaked[:25])


def test_golden_thread_publish_publishes_the_named_organisations_board_only(two_db, tmp_path, capsys, organisations):
    path = tmp_path / "publish.duckdb"
    shutil.copy(two_db, path)
    base = ["publish", "--db", str(path), "--month", "2026-10", "--today", DEMO_TODAY.isoformat()]
    assert main([*base, "--user", "admin"]) == 2
    refused = capsys.readouterr().err
    assert TRUST in refused and NETWORK in refused and "--organisation" in refused
    assert main([*base, "--organisation", NETWORK, "--user", "admin"]) == 2, "the trust's admin published the network"
    assert "You work at" in capsys.readouterr().err
    assert main([*base, "--organisation", str(organisations[TRUST].id), "--user", "admin"]) == 0
    out = capsys.readouterr().out
    assert TRUST in out and NETWORK not in out
    store = Store(path)
    assert published_view(_scoped(store, TRUST), OCTOBER) is not None
    assert published_view(_scoped(store, NETWORK), OCTOBER) is None
    store.close()
    assert main([*base, "--organisation", NETWORK, "--user", "hubadmin"]) == 0
    out = capsys.readouterr().out
    assert NETWORK in out and TRUST not in out
    store = Store(path)
    snapshots = store.board_snapshots()
    assert sorted(snapshots["organisation_id"]) == sorted([organisations[TRUST].id, organisations[NETWORK].id])
    assert set(snapshots.filter(pl.col("organisation_id") == organisations[NETWORK].id)["published_by"]) == {"hubadmin"}
    store.close()


# -- the board pack ----------------------------------------------------------------------------------------------


def _pdf_text(path: Path) -> str:
    return " ".join(page.extract_text() or "" for page in PdfReader(str(path)).pages)


@pytest.mark.parametrize("organisation", [TRUST, NETWORK])
def test_the_board_pack_carries_its_organisation_and_nothing_of_the_other(
    two_db, tmp_path, capsys, organisations, organisation
):
    own, other = organisations[organisation], organisations[_other(organisation)]
    out = tmp_path / "pack.pdf"
    code = main(
        [
            "board-pack",
            "--db",
            str(two_db),
            "--organisation",
            organisation,
            "--month",
            "2026-10",
            "--out",
            str(out),
            "--today",
            DEMO_TODAY.isoformat(),
        ]
    )
    said = capsys.readouterr()
    assert code == 0, said.err
    assert own.name in said.out and other.name not in said.out
    text = _pdf_text(out)
    assert own.name in _plain(text), f"the {own.name} board pack does not name it"
    assert any(aim in _plain(text) for aim in own.aims), f"the {own.name} board pack shows none of its aims"
    reader = PdfReader(str(out))
    assert own.name in (reader.metadata.title or "") and other.name not in (reader.metadata.title or "")
    leaked = leaks(
        [(f"board pack page {i + 1}", page.extract_text() or "") for i, page in enumerate(reader.pages)], other, own
    )
    assert not leaked, f"golden-thread board-pack --organisation “{organisation}”:\n" + "\n".join(leaked[:25])


def test_the_board_pack_asks_which_organisation_in_a_database_of_two(two_db, tmp_path, capsys):
    out = tmp_path / "pack.pdf"
    code = main(
        ["board-pack", "--db", str(two_db), "--month", "2026-10", "--out", str(out), "--today", DEMO_TODAY.isoformat()]
    )
    err = capsys.readouterr().err
    assert code == 2 and not out.exists()
    assert TRUST in err and NETWORK in err and "--organisation" in err, err


# -- the audit trail and the users -------------------------------------------------------------------------------


@pytest.fixture
def written(app_db: Path, organisations) -> Path:
    """The app's database after a trust person's correction and a school person's correction, each through a
    store scoped to their own organisation."""
    store = Store(app_db)
    trust, network = _scoped(store, TRUST), _scoped(store, NETWORK)
    september = dt.date(2026, 9, 1)
    falls = trust.observations([1]).filter(pl.col("period_start") == september).row(0, named=True)
    assert (
        trust.save_observation(
            1,
            ProposedObservation(
                september, numerator=str(falls["numerator"] + 3), denominator=str(falls["denominator"])
            ),
            username="admin",
            today=DEMO_TODAY,
            correcting=True,
        )
        == "corrected"
    )
    rows = network.member_measures(organisations[NETWORK].id)
    eastbrook = int(rows.filter(pl.col("member").str.starts_with("Eastbrook"))["id"][0])
    seen = network.observations([eastbrook]).filter(pl.col("period_start") == OCTOBER).row(0, named=True)
    assert (
        network.save_member_observation(
            eastbrook,
            ProposedObservation(OCTOBER, numerator=str(seen["numerator"] + 1), denominator=str(seen["denominator"])),
            username="eastbrook",
            today=DEMO_TODAY,
            correcting=True,
        )
        == "corrected"
    )
    with pytest.raises(PermissionRefused):  # neither reaches across: the trust's store has no Eastbrook measure
        trust.save_member_observation(
            eastbrook,
            ProposedObservation(OCTOBER, numerator="1", denominator="2"),
            username="admin",
            today=DEMO_TODAY,
            correcting=True,
        )
    store.close()
    st.cache_data.clear()
    return app_db


def test_each_organisations_audit_trail_holds_only_its_own_rows(written, organisations):
    store = Store(written)
    whole = store.audit_log()
    assert {"admin", "eastbrook"} <= set(whole["username"])
    for name, writer, stranger in ((TRUST, "admin", "eastbrook"), (NETWORK, "eastbrook", "admin")):
        audit = _scoped(store, name).audit_log()
        assert writer in set(audit["username"]), f"{name}'s audit trail lacks its own write"
        assert set(audit["username"]) <= organisations[name].usernames, (
            f"{name}'s audit trail shows {set(audit['username']) - organisations[name].usernames}"
        )
        assert stranger not in set(audit["username"])
        assert set(audit["organisation_id"]) == {organisations[name].id}
    assert _scoped(store, TRUST).audit_log().height + _scoped(store, NETWORK).audit_log().height == whole.height
    store.close()


@pytest.mark.parametrize("person", ["admin", "hub", "hubadmin"])
def test_the_audit_screen_shows_only_the_persons_own_organisations_changes(written, organisations, person):
    own, other = organisations[HOME_OF[person]], organisations[_other(HOME_OF[person])]
    store = Store(written)
    called = dict(store.users().select("username", "display_name").iter_rows())
    store.close()
    own_people = {called.get(username, username) for username in own.usernames}
    app = open_screen(written, person, "audit")
    table = next(f.value for f in app.dataframe if "Change" in f.value.columns)
    assert len(table) > 0, f"{person}: the audit screen shows none of {own.name}'s changes"
    who = next(w for w in app.multiselect if w.label == "Who")  # the people in the trail, by their names
    assert set(who.options) <= own_people, f"{person}'s audit 'Who' filter offers {set(who.options) - own_people}"
    assert called["admin" if own.name == TRUST else "eastbrook"] in set(who.options)
    leaked = leaks(page_texts(app), other, own)
    assert not leaked, f"{person} on the audit screen:\n" + "\n".join(leaked[:25])


@pytest.mark.parametrize("person", ["admin", "hubadmin"])
def test_the_users_screen_lists_only_the_persons_own_organisations_accounts(app_db, organisations, person):
    own, other = organisations[HOME_OF[person]], organisations[_other(HOME_OF[person])]
    app = open_screen(app_db, person, "users")
    accounts = next(f.value for f in app.dataframe if "Username" in f.value.columns)
    assert set(accounts["Username"]) == own.usernames, f"{person}'s Users screen lists {set(accounts['Username'])}"
    assert set(accounts["Works in"]) <= {n for k, n in own.names if k in ("organisation", "team or school")}
    unit = app.selectbox(key="user-unit")
    assert set(unit.options) <= {n for k, n in own.names if k in ("organisation", "team or school")}, unit.options
    leaked = leaks(page_texts(app), other, own)
    assert not leaked, f"{person} on the users screen:\n" + "\n".join(leaked[:25])


@pytest.mark.parametrize(("person", "taken"), [("admin", "eastbrook"), ("hubadmin", "board")])
def test_an_administrator_cannot_take_over_an_account_of_the_other_organisation(app_db, organisations, person, taken):
    own = organisations[HOME_OF[person]]
    store = Store(app_db)
    before = store.user(taken)
    scoped = _scoped(store, own.name)
    with pytest.raises(Refused, match="already taken"):
        scoped.save_user(taken, "Taken over", "administrator", own.id, "a long enough password", username=person)
    other = organisations[_other(own.name)]
    with pytest.raises(Refused, match="Choose where the person works"):
        scoped.save_user(
            "newcomer", "New colleague", "team_member", other.id, "a long enough password", username=person
        )
    store.close()
    app = open_screen(app_db, person, "users")
    app.text_input(key="user-account").input(taken)
    app.text_input(key="user-name").input("Taken over")
    app.selectbox(key="user-role").set_value("administrator")
    app.text_input(key="user-password").input("a long enough password")
    next(b for b in app.button if b.label == "Save account").click().run()
    assert any("already taken" in e.value for e in app.error), [e.value for e in app.error]
    assert not app.success
    store = Store(app_db)
    assert store.user(taken) == before and store.user("newcomer") is None
    assert store.audit_log().filter(pl.col("entity_key").is_in([taken, "newcomer"])).height == 0
    store.close()


# -- the command line --------------------------------------------------------------------------------------------

SCOPED_COMMANDS = {"check", "board-pack", "publish"}  # each works in one organisation (tested here)
WHOLE_COMMANDS = {"export", "import", "backup", "restore", "users", "copy"}  # maintenance: the whole database
NO_ORGANISATION = {"init", "migrate", "demo", "spc"}  # make or upgrade a database, load the demo, chart a CSV


def test_every_command_is_either_one_organisations_or_a_maintenance_command():
    commands = set(next(a for a in build_parser()._actions if a.dest == "command").choices)
    undecided = commands - SCOPED_COMMANDS - WHOLE_COMMANDS - NO_ORGANISATION
    assert not undecided, f"decide (and test here) whether these commands see one organisation: {undecided}"
    assert commands == SCOPED_COMMANDS | WHOLE_COMMANDS | NO_ORGANISATION


@pytest.mark.parametrize("organisation", [TRUST, NETWORK])
@pytest.mark.parametrize("form", ["table", "json"])
def test_golden_thread_check_for_one_organisation_mentions_nothing_of_the_other(
    two_db, capsys, organisations, organisation, form
):
    own, other = organisations[organisation], organisations[_other(organisation)]
    for chosen in (organisation, str(own.id)):
        code = main(
            [
                "check",
                "--db",
                str(two_db),
                "--today",
                DEMO_TODAY.isoformat(),
                "--organisation",
                chosen,
                "--format",
                form,
            ]
        )
        out = capsys.readouterr().out
        assert code in (0, 1)
        leaked = leaks([("output", out)], other, own)
        assert not leaked, f"golden-thread check --organisation “{chosen}” --format {form}:\n" + "\n".join(leaked)
        if form == "json":
            flags = json.loads(out)
            assert flags and {f["organisation"] for f in flags} == {own.name}
            assert {f["organisation_id"] for f in flags} == {own.id}
        else:
            assert own.name in out


@pytest.mark.parametrize(
    "organisation",
    [
        TRUST,
        NETWORK,
    ],
)
def test_golden_thread_check_refusing_a_member_names_only_the_organisations_own(
    two_db, capsys, organisations, organisation
):
    own, other = organisations[organisation], organisations[_other(organisation)]
    code = main(
        [
            "check",
            "--db",
            str(two_db),
            "--today",
            DEMO_TODAY.isoformat(),
            "--organisation",
            organisation,
            "--member",
            "Nowhere High",
        ]
    )
    err = capsys.readouterr().err
    assert code == 2 and "Nowhere High" in err
    leaked = leaks([("stderr", err)], other, own)
    assert not leaked, f"golden-thread check --organisation “{organisation}” --member “Nowhere High”:\n" + "\n".join(
        leaked
    )


def test_golden_thread_export_of_the_whole_database_stays_whole(two_db, tmp_path, capsys, organisations):
    assert main(["export", "--db", str(two_db), str(tmp_path / "export")]) == 0
    exported = pl.read_csv(tmp_path / "export" / "organisation.csv")
    assert {TRUST, NETWORK} <= set(exported["name"])
    users = pl.read_csv(tmp_path / "export" / "app_user.csv")
    assert set(users["username"]) == organisations[TRUST].usernames | organisations[NETWORK].usernames
    aims = pl.read_csv(tmp_path / "export" / "aim.csv")
    assert set(organisations[TRUST].aims) | set(organisations[NETWORK].aims) <= set(aims["title"])
