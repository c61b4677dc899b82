"""The Streamlit layer: the one module of golden_thread that imports streamlit.

The store is made once per process (``st.cache_resource``) and shared by every session; the store
takes a cursor per call, which is DuckDB's documented way to share one connection between threads, and
holds the file only while pages use it (``LET_GO_AFTER_SECONDS``).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable

import polars as pl
import streamlit as st

from golden_thread.app.kept import drawn_once, kept
from golden_thread.app.kept import thread_breaks as kept_breaks
from golden_thread.app.page_end import end_page
from golden_thread.app.tables import arrow_of, dataframe
from golden_thread.config import default_db_path, session_length
from golden_thread.domain import formatting as fmt
from golden_thread.domain.access import ROLE_TITLES, TEAM_SCOPED
from golden_thread.domain.checks import rule_title
from golden_thread.domain.leadership import aim_leadership_line
from golden_thread.domain.palette import ICONS
from golden_thread.domain.thread_graph import flags_by_node, thread_structure, with_cycles
from golden_thread.draw.charts import compact_spec
from golden_thread.draw.thread_tree import (
    CLICK_HANDLER,
    TreeDrawing,
    TreeFilter,
    TreeState,
    TreeView,
    node_icons,
    tree_drawing,
    tree_view,
)
from golden_thread.errors import Refused, StorageProblem
from golden_thread.seed.demo import DEMO_PASSWORD
from golden_thread.seed.loading import ensure_demo
from golden_thread.services.board import (
    BoardView,
    board_cut,
    board_months,
    board_view,
    first_of_month,
    next_month,
    published_view,
)
from golden_thread.services.checks import check_thread
from golden_thread.services.measure_series import charts_updated, charts_with_fingerprints
from golden_thread.services.mends import PlacedMend, flag_mends
from golden_thread.services.sign_ins import attempt_sign_in
from golden_thread.storage.accounts import end_sessions, session_account, start_session
from golden_thread.storage.scope import Scope
from golden_thread.storage.store import Store

# The app holds the database file only while a page works with it: it lets go once no page has used it for this many
# seconds (at once when a command is waiting for it), so that golden-thread commands and scheduled jobs (a check, an
# export, a backup) run while the app runs. A page that finds a command at work waits this long for it to finish.
LET_GO_AFTER_SECONDS = 2.0
WAIT_FOR_COMMAND_SECONDS = 20.0


@st.cache_resource(show_spinner="Opening the Golden Thread database…")
def _opened_store(path: str) -> Store:
    store = Store(path, release_after=LET_GO_AFTER_SECONDS, wait=WAIT_FOR_COMMAND_SECONDS)
    ensure_demo(store)  # a new user's first start shows a living portfolio, not an empty screen
    return store


def open_store(path: str) -> Store:
    """The database, shared by every session of the process. One that cannot be used (damaged, too new, read-only, a
    full disk, held by a command for too long...) is said in one sentence, what is wrong and what to do, instead of
    a traceback; one DuckDB stopped using after a failed write is opened afresh."""
    try:
        store = _opened_store(path)
        if not store.usable:
            store.close()  # once the pages using it now are done; the next use opens the file afresh
        if not store.is_open:  # opened now, so that a problem is said before the page starts
            with st.spinner("Waiting for a Golden Thread command to finish with the database…"):
                store.connect()  # the spinner shows only if this takes a moment
    except StorageProblem as problem:
        st.error(str(problem), icon=":material/database:")
        end_page()
    return store


def store() -> Store:
    """The store for a screen, seeing only the organisation this session works in. A screen only ever runs for a
    signed-in person (dashboard.py signs people in)."""
    if not st.session_state.get("user"):
        st.info("Sign in to see this page.", icon=":material/login:")
        end_page()
    return open_store(default_db_path()).within(session_scope())


def session_scope() -> Scope:
    """The organisation this session works in, resolved by the entry once per run (``organisation_picker``)."""
    return st.session_state.get("_scope") or _resolve_scope()


def _resolve_scope(scopes: list[Scope] | None = None) -> Scope:
    """The organisation chosen in the sidebar if the person may open it, else their own (``scopes``: what the
    person may open, when the caller has read it already). A person who may open none is stopped here."""
    if scopes is None:
        scopes = open_store(default_db_path()).scopes_for(username())
    if not scopes and _administers_an_empty_database():
        first_organisation_screen()
        end_page()
    if not scopes:
        st.error(
            "Your account belongs to no organisation in this Golden Thread, so there is nothing for you to see. "
            "Ask an administrator to place you in your organisation.",
            icon=":material/person_off:",
        )
        end_page()
    chosen = st.session_state.get("organisation")
    scope = next((s for s in scopes if s.organisation_id == chosen), scopes[0])
    if chosen != scope.organisation_id:  # the picker's own value is never written back after it is drawn
        st.session_state["organisation"] = scope.organisation_id
    st.session_state["_scope"] = scope
    return scope


def organisation_is_empty() -> bool:
    """Whether the organisation open has no strategic objective yet: it then opens on the guided start."""
    # Asked on every page's every run, so kept until the data changes.
    return kept(store(), "thread_progress", lambda db: db.thread_progress())["objectives"] == 0


def needs_first_organisation() -> bool:
    """An administrator of a database that holds no organisation yet: the app asks them to set one up."""
    return _administers_an_empty_database()


def _administers_an_empty_database() -> bool:
    db = open_store(default_db_path())
    account = db.user(username())
    return (
        bool(account)
        and account["role"] == "administrator"
        and account["organisation_id"] is None
        and (db.everything().top_organisations().height == 0)
    )


def first_organisation_screen() -> None:
    """The first step of a new Golden Thread: the administrator names the trust (or network) it serves; the guided
    start then builds its thread."""
    with st.sidebar:
        signed_in_caption()  # who is signed in, and the way out, as on every other page
    st.title("Set up your organisation")
    st.caption(
        "This Golden Thread holds no organisation yet. Name the trust (or network) it serves; you will then build "
        "its golden thread step by step: objectives, aims, driver diagrams, projects and measures."
    )
    with st.form("first-organisation"):
        name = st.text_input("Organisation name *", placeholder="Riverside NHS Foundation Trust", max_chars=200)
        kind = st.radio(
            "It is",
            ["trust", "network"],
            horizontal=True,
            format_func={"trust": "A trust (or other organisation)", "network": "A network of members"}.get,
        )
        if st.form_submit_button("Set up the organisation", type="primary"):
            db = open_store(default_db_path())
            try:
                organisation_id = db.create_organisation(name, kind, username=username())
            except Refused as refused:
                st.error("\n".join(f"- {p}" for p in refused.problems), icon=":material/error:")
            else:
                st.session_state["organisation"] = organisation_id
                st.session_state.pop("_scope", None)
                st.rerun()  # an empty organisation opens on its guided start


def organisation_picker() -> None:
    """The sidebar's Organisation box, shown when the person may open more than one organisation (an administrator
    of the whole database); everyone else works in their own trust or network. Resolves this run's scope."""
    scopes = open_store(default_db_path()).scopes_for(username())
    if len(scopes) > 1:
        names = {s.organisation_id: s.name for s in scopes}
        if st.session_state.get("organisation") not in names:
            st.session_state["organisation"] = scopes[0].organisation_id
        st.selectbox("Organisation", list(names), format_func=names.get, key="organisation")
    _resolve_scope(scopes)


def signed_in_caption() -> None:
    user = st.session_state["user"]
    st.caption(f"Signed in as **{plain(user['display_name'])}** · {ROLE_TITLES[user['role']]}")
    if st.button("Sign out", icon=":material/logout:", key="sign-out", help="Signs you out in every window"):
        sign_out()
        st.rerun()
    keep_sign_in_in_browser()


# The computed views of the data are kept until a table they were computed from changes (``app/kept.py``), per
# organisation, so a write (by this app or any other program) is seen on the next view and recomputes only what read
# what it changed. Each piece is computed on its own, so a page computes only what it shows: the board needs the
# thread and its checks, not every measure's chart.


def all_measure_charts(db: Store) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Every measure's chart in this organisation, computed once per change to the data: after a team enters its
    figures, only its measures are charted again (``charts_updated``)."""
    points, summaries, _ = _charts(db, "measure_charts", None, spinner="Charting every measure…")
    return points, summaries


def _fingerprints(db: Store) -> pl.DataFrame:
    return kept(db, "observation_fingerprints", lambda db: db.observation_fingerprints())


def _charts(
    db: Store,
    name: str,
    measure_ids: tuple[int, ...] | None,
    *,
    up_to: dt.date | None = None,
    measures: Callable[[Store], pl.DataFrame] | None = None,
    spinner: str | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """``charts_with_fingerprints`` of these measures (all when None; of the frame ``measures`` gives, else of
    every measure), kept, and after a team enters figures brought up to date measure by measure."""
    ids = None if measure_ids is None else list(measure_ids)

    def chart(db: Store, *key) -> tuple:
        frame = (measures or all_measures)(db)
        return charts_with_fingerprints(db, ids, up_to=up_to, measures=frame, fingerprints=_fingerprints(db))

    def update(db: Store, previous: tuple, changed: frozenset[str], *key) -> tuple | None:
        frame = (measures or all_measures)(db)
        return charts_updated(db, previous, changed, ids, up_to=up_to, measures=frame, fingerprints=_fingerprints(db))

    return kept(db, name, chart, measure_ids, up_to, spinner=spinner, update=update)


def all_measures(db: Store) -> pl.DataFrame:
    """``Store.measures()``: every measure with what it is attached to, read once per change to the measures."""
    return kept(db, "measures", lambda db: db.measures())


def _thread_nodes(db: Store) -> pl.DataFrame:
    # Kept in two parts: a PDSA cycle logged reads the cycles again and adds its box, not the whole thread.
    def structure(db: Store) -> pl.DataFrame:
        parts = ("aims", "drivers", "driver_links", "change_ideas", "projects", "measures")
        return thread_structure(db.thread_rows(parts))

    def nodes(db: Store) -> pl.DataFrame:
        cycles = kept(db, "thread_cycles", lambda db: db.thread_rows(("cycles",))["cycles"])
        return with_cycles(kept(db, "thread_structure", structure), cycles)

    return kept(db, "thread_nodes", nodes, spinner="Tracing the golden thread…")


def _node_flags(db: Store, today: dt.date) -> pl.DataFrame:
    return kept(db, "node_flags", lambda db, today: flags_by_node(_thread_nodes(db), thread_flags(db, today)), today)


def _icons_of(db: Store, nodes: tuple[str, ...]) -> pl.DataFrame:
    def icons(db: Store, nodes: tuple[str, ...]) -> pl.DataFrame:
        thread = _thread_nodes(db).filter(pl.col("node").is_in(list(nodes)))
        measure_ids = tuple(sorted(thread["measure_ids"].explode().drop_nulls().unique().to_list()))
        # Kept by the measures, not the nodes: a PDSA cycle logged changes the thread, not these charts.
        summaries = _charts(db, "lead_measure_charts", measure_ids)[1] if measure_ids else pl.DataFrame()
        return node_icons(thread, summaries)

    return kept(db, "lead_icons", icons, nodes, spinner="Charting the measures…")


def lead_icons(db: Store, nodes: frozenset[str]) -> pl.DataFrame:
    """The lead-measure icons of a few nodes (``thread_model``'s third frame, for those nodes only), charting only
    their measures: the drawn part of a large trust's tree has a few hundred of its thousands."""
    return _icons_of(db, tuple(sorted(nodes)))


def thread_and_flags(db: Store, today: dt.date) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``thread_model`` without the icons, for a page that charts no measure of the whole thread."""
    return _thread_nodes(db), _node_flags(db, today)


def thread_model(db: Store, today: dt.date) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """(thread nodes, flags by node, lead-measure icons by node), recomputed only when the data changes."""
    icons = kept(db, "node_icons", lambda db: node_icons(_thread_nodes(db), all_measure_charts(db)[1]))
    return _thread_nodes(db), _node_flags(db, today), icons


def thread_flags(db: Store, today: dt.date) -> pl.DataFrame:
    """Every break in this organisation's thread (``services.checks.check_thread``), each rule's found again only
    when a table it reads changes."""
    return kept(db, "thread_flags", lambda db, today: check_thread(db, today, kept_breaks(db, today)), today)


def _board_measures(db: Store) -> pl.DataFrame:
    return kept(db, "board_measures", lambda db: db.board_measures())


def board_months_cached(db: Store, today: dt.date) -> list[dt.date]:
    return kept(db, "board_months", lambda db, today: board_months(db, today, measures=_board_measures(db)), today)


def board(db: Store, month: dt.date, today: dt.date) -> BoardView:
    """The month's board from the data as it is now (kept until the data it shows changes)."""

    def compute(db: Store, month: dt.date, today: dt.date) -> BoardView:
        thread, flags = thread_and_flags(db, today)
        # Kept apart: a PDSA cycle logged moves the board's activity, not its measures' charts. (Each kept piece
        # reads what it uses itself, so that it learns the tables it depends on.)
        charts = _charts(db, "board_measure_charts", None, up_to=board_cut(month), measures=_board_measures)[:2]
        # And these apart from the charts: a figure entered changes neither the aims nor the month's activity.
        overview = kept(db, "objectives_overview", lambda db: db.objectives_overview())
        first = first_of_month(month)
        activity = kept(db, "aim_activity", lambda db, first: db.aim_activity(first, next_month(first)), first)
        return board_view(
            db,
            month,
            thread=thread,
            flags=flags,
            measures=_board_measures(db),
            charts=charts,
            overview=overview,
            activity=activity,
        )

    return kept(db, "board", compute, month, today, spinner="Preparing the board…")


def board_shown(db: Store, month: dt.date, today: dt.date) -> tuple[BoardView, BoardView | None, BoardView]:
    """(the month's board as shown, its published snapshot if any, the live board): a published board is shown as
    it was published, beside what has been corrected since."""
    live = board(db, month, today)
    published = published_view(db, month)
    return published or live, published, live


def _board_row_chart(points: pl.DataFrame, unit: str, target: float | None) -> dict:
    """A board row's compact chart, its points as Arrow bytes in a named dataset: Streamlit hands those to the
    browser as they are, where it would turn inline points into a pandas frame and then Arrow on every run (fifty
    charts, a fifth of a second)."""
    from streamlit.dataframe_util import convert_anything_to_arrow_bytes

    spec = compact_spec(points, unit=unit, target=target)
    arrow = convert_anything_to_arrow_bytes(spec["data"]["values"])
    return {**spec, "data": {"name": "points"}, "datasets": {"points": arrow}}


def board_charts(db: Store, month: dt.date, today: dt.date) -> dict[int, dict]:
    """Each aim's compact chart on the month's board as shown (``board_shown``; ``draw.charts.compact_spec``), by
    its outcome measure's id, kept with the board: fifty charts cost a quarter of a second to build on every run."""

    def compute(db: Store, month: dt.date, today: dt.date) -> dict[int, dict]:
        view = board_shown(db, month, today)[0]
        specs = {}
        for aim in view.aims.filter(pl.col("measure_id").is_not_null()).iter_rows(named=True):
            points = view.points.filter(pl.col("series") == aim["measure_id"])
            if points.height:  # drawn again only if its points changed
                drawn = {"points": points, "unit": aim["unit"] or "", "target": aim["measure_target"]}
                specs[aim["measure_id"]] = drawn_once("board_compact_chart", _board_row_chart, drawn)
        return specs

    return kept(db, "board_charts", compute, month, today)


def _aims_leadership(db: Store) -> tuple[pl.DataFrame, dict[int, str]]:
    def compute(db: Store) -> tuple[pl.DataFrame, dict[int, str]]:
        rows = db.aims_leadership()
        return rows, {aim_id: aim_leadership_line(part) for (aim_id,), part in rows.group_by("aim_id")}

    return kept(db, "aims_leadership", compute)


def aims_leadership(db: Store) -> pl.DataFrame:
    """``Store.aims_leadership()``, read once per change to the data (the board shows it on every aim's row)."""
    return _aims_leadership(db)[0]


def aim_leadership_lines(db: Store) -> dict[int, str]:
    """Each aim's one line of leadership self-assessment (``domain.leadership.aim_leadership_line``), by aim id,
    kept until the data changes; an aim nobody works on is missing (its line is that of no rows)."""
    return _aims_leadership(db)[1]


def _tree(
    db: Store,
    today: dt.date,
    chosen: TreeFilter,
    selected: str | None,
    opened: tuple[str, ...],
    closed: tuple[str, ...],
) -> tuple[TreeView, TreeDrawing]:
    thread, flags = thread_and_flags(db, today)

    def icons(drawn: frozenset[str]) -> pl.DataFrame:  # only the boxes drawn carry icons
        return lead_icons(db, drawn)

    view = tree_view(thread, flags, icons, chosen, selected=selected, opened=set(opened), closed=set(closed))
    return view, tree_drawing(view)


def thread_tree(
    db: Store, today: dt.date, chosen: TreeFilter, state: TreeState = TreeState()
) -> tuple[TreeView, TreeDrawing]:
    """The thread's tree as these filters and the reader's clicks leave it, and its drawing (``draw_tree``): laying
    out a large trust's tree takes a second, so each is kept until the data changes."""
    # Sorted, so that the same clicks find the same tree whatever order the sets hold them in.
    opened, closed = tuple(sorted(state.opened)), tuple(sorted(state.closed))
    return kept(db, "tree", _tree, today, chosen, state.selected, opened, closed)


def draw_tree(view: TreeView, *, key: str, drawing: TreeDrawing | None = None) -> str | None:
    """Draw a thread tree (SVG, so each label is a real element) at the size its layout needs; returns the node
    clicked this run, if a new click. ``drawing``: the view's drawing, when ``thread_tree`` made it already."""
    # The component itself, not ``st_echarts``: that copies the options node by node on every run to swap its
    # JavaScript placeholders, which a tree's options hold none of (a large trust's tree: a tenth of a second).
    from streamlit_echarts import JsCode
    from streamlit_echarts import out as echarts_component  # it registers only inside a running app

    drawing = tree_drawing(view) if drawing is None else drawing
    data = {
        "options": drawing.options,
        "theme": "streamlit",
        "onEvents": {"click": JsCode(CLICK_HANDLER).js_code},
        "height": f"{drawing.height}px",
        "width": f"{drawing.width}px",
        "renderer": "svg",
        "replaceMerge": None,
        "map": None,
        "selectionActive": False,
        "selectionMode": [],
    }
    clicked = echarts_component(data=data, key=key, on_chart_event_change=lambda: None, default={})
    event = (clicked or {}).get("chart_event")
    if event and event != st.session_state.get(f"{key}-clicked"):
        st.session_state[f"{key}-clicked"] = event
        return event.rsplit("@", 1)[0]
    return None


# -- who is signed in ------------------------------------------------------------------------------------


DEACTIVATED = (
    "Your account has been deactivated, so you have been signed out. If you still need Golden Thread, "
    "ask an administrator to reactivate it."
)


SESSION_ENDED = (
    "Your sign-in has ended: you signed out in another window, or it reached the end of its working session. "
    "Sign in again to carry on."
)
# The browser's cookie holding the sign-in token, and the session_state keys that hold it on the server.
SESSION_COOKIE = "golden_thread_session"
_TOKEN = "_sign-in-token"
# What this window's browser should hold: a token after a password sign-in, "" after signing out.
_COOKIE_WANTED = "_sign-in-cookie-wanted"


def signed_in_user() -> dict | None:
    """The signed-in person: this window's session, the browser's sign-in cookie (a reload, a new tab, a shared
    link), or a single-sign-on identity that maps to an account.

    The account is read again on every run, so a change an administrator makes reaches an open session at once:
    a deactivated (or removed) account is signed out with a sentence saying why, and a changed role (or name)
    replaces the one the session signed in with. A session signed in with a token is checked too: signing out in
    another window, or the end of the working session, signs this one out."""
    user = st.session_state.get("user")
    if user:
        db = open_store(default_db_path())
        account = db.user(user["username"])
        if account is None or not account["active"]:
            st.session_state["signed-out-because"] = DEACTIVATED
            sign_out()
            _say_why_signed_out()
            return None
        token = st.session_state.get(_TOKEN)
        if token is not None and session_account(db, token) is None:
            st.session_state["signed-out-because"] = SESSION_ENDED
            sign_out(everywhere=False)  # a sign-in made since, in another window, carries on
            _say_why_signed_out()
            return None
        current = _session_user(account)
        if current != user:
            st.session_state["user"] = current
        return current
    try:
        identity = st.user if st.user.is_logged_in else None
    except Exception:  # noqa: BLE001 - no [auth] section in secrets.toml: single sign-on is simply off
        identity = None
    if identity is not None:
        account = open_store(default_db_path()).user(str(identity.get("email", "")))
        if account and account["active"]:
            sign_in(account)
            return st.session_state["user"]
        if account:
            st.session_state["signed-out-because"] = DEACTIVATED
        else:
            st.session_state["sso-unknown"] = str(identity.get("email", ""))
    elif (token := _browser_token()) and (account := session_account(open_store(default_db_path()), token)):
        sign_in(account, token=token)
        return st.session_state["user"]
    _say_why_signed_out()
    return None


def _browser_token() -> str | None:
    """The sign-in token the browser sent when this window connected (a reload or a new tab reconnects)."""
    try:
        token = st.context.cookies.get(SESSION_COOKIE)
    except Exception:  # noqa: BLE001 - no browser behind this run (a test harness)
        return None
    return token if isinstance(token, str) and token else None


def _say_why_signed_out() -> None:
    """The sentence saying why this session was signed out, shown above the sign-in form until the next sign-in."""
    if reason := st.session_state.get("signed-out-because"):
        st.warning(reason, icon=":material/person_off:")


def _session_user(account: dict) -> dict:
    return {k: account[k] for k in ("username", "display_name", "role")}


def sign_in(account: dict, *, remember: bool = False, token: str | None = None) -> None:
    """Sign this window in. ``remember``: a password sign-in, which starts a working session the browser keeps
    (a reload or a new tab stays signed in); ``token``: the session the browser's cookie named."""
    st.session_state.pop("signed-out-because", None)
    if remember:
        token = start_session(open_store(default_db_path()), account["username"], session_length())
        st.session_state[_COOKIE_WANTED] = token
    if token is not None:
        st.session_state[_TOKEN] = token
    st.session_state["user"] = _session_user(account)


def sign_out(*, everywhere: bool = True) -> None:
    """Sign the person out: ``everywhere`` (the Sign out button), every working session of theirs ends and this
    browser forgets its sign-in; else only this window, whose own session has already ended."""
    user = st.session_state.pop("user", None)
    token = st.session_state.pop(_TOKEN, None)
    if user and everywhere:
        end_sessions(open_store(default_db_path()), user["username"])
    if everywhere and (token is not None or _browser_token()):
        st.session_state[_COOKIE_WANTED] = ""
    else:
        st.session_state.pop(_COOKIE_WANTED, None)
    st.session_state.pop("_scope", None)  # the organisation is resolved afresh for whoever signs in next
    try:
        if st.user.is_logged_in:
            st.logout()
    except Exception:  # noqa: BLE001 - single sign-on not configured
        pass


def keep_sign_in_in_browser() -> None:
    """Hand the browser its sign-in cookie after signing in, or take it back after signing out.

    Streamlit can read a request's cookies but not set one, so a line of script sets it (HttpOnly is therefore not
    possible). It holds only a random token; the database holds its hash, its account and its expiry, so the
    server, not the cookie, decides whether it still signs anyone in.

    The line is drawn on every run of this window, not once, until it connects again holding the token: a run cut
    short by a quick click could drop a line drawn once, and a reload would then sign the person out. Setting the
    same cookie again is harmless. (The cookies a window connected with say nothing of what a line has set since,
    so after signing out the line is drawn until the next sign-in.)"""
    wanted = st.session_state.get(_COOKIE_WANTED)
    if wanted is None or (wanted and _browser_token() == wanted):
        return
    seconds = int(session_length().total_seconds()) if wanted else 0
    cookie = json.dumps(f"{SESSION_COOKIE}={wanted}; Path=/; Max-Age={seconds}; SameSite=Strict")
    st.html(
        "<script>document.cookie = " + cookie + " + (location.protocol === 'https:' ? '; Secure' : '');</script>",
        unsafe_allow_javascript=True,
        width="content",
    )


def username() -> str:
    user = st.session_state.get("user")
    return user["username"] if user else ""


def may(db: Store, action: str, team_id: int | None = None) -> str | None:
    """None when the signed-in person may do ``action``; otherwise the reason, to show instead of a form."""
    try:
        db.authorise(username(), action, team_id)
    except Refused as refused:
        return str(refused).replace(" Nothing was changed.", "")
    return None


def mend_links(db: Store, mends: list[PlacedMend], answers: dict | None = None) -> None:
    """The actions that clear a flag, as links to the screen that takes them, for a person allowed to take them;
    anyone else is told who can. ``answers``: what ``may`` said already this run, for a list of many flags."""
    from screens.registry import screens_for

    user = st.session_state.get("user") or {}
    if user.get("role") == "board_viewer":
        return  # a board reads the flags; the people who mend them see how
    reachable = {s.url: s for s in screens_for(user.get("role", ""), db.scope.kind)}
    answers = {} if answers is None else answers
    refused = []
    reason = None
    for placed in mends:
        # Only a team member's permission depends on the team that owns the record (``Store.authorise``).
        asked = (placed.mend.action, placed.team_id if user.get("role") in TEAM_SCOPED else None)
        if asked not in answers:
            answers[asked] = may(db, placed.mend.action, placed.team_id)
        reason = answers[asked]
        target = reachable.get(placed.mend.screen)
        if reason is None and target is not None:
            st.page_link(  # the screen's own icon and name, as the menu shows them: where the link goes
                f"screens/{target.file}",
                label=f"{placed.mend.label} :gray[· {target.title}]",
                icon=target.icon,
                query_params=placed.query,
                help=f"Opens {target.title} on this record",
            )
        else:
            refused.append(placed.mend.label.lower())
    if refused and len(refused) == len(mends):
        st.caption(f"To mend it ({' or '.join(refused)}): {reason or 'ask an improvement lead'}.")


FLAG_ICONS = {"error": ":material/error:", "warning": ":material/warning:", "info": ":material/info:"}


def _flag_places(db: Store) -> pl.DataFrame:
    """Where every flaggable record sits, read once per change to the data for the pages that list flags rule by
    rule (the Alignment page lists a dozen rules)."""
    return kept(db, "flag_places", lambda db: db.flag_places())


def flags_with_mends(
    db: Store, flags: pl.DataFrame, *, limit: int = 30, show_rule: bool = True, shared: dict | None = None
) -> None:
    """Each flag of ``flags`` (the checks' frame) on its own row, with the actions that clear it for a person allowed
    to take them (issue 15: every flag has its mend). ``shared``: one dict for every list a page shows this run,
    so that where the records sit and what the person may do are read once for them all."""
    shared = {} if shared is None else shared
    if flags.height and "places" not in shared:
        shared["places"] = _flag_places(db)
    placed = flag_mends(db, flags.head(limit), shared.get("places"))
    if flags.height and (st.session_state.get("user") or {}).get("role") != "board_viewer":
        heads = st.columns([3, 2])
        heads[0].caption("Flagged")
        heads[1].caption("To mend it (each link opens the page that does it)")
    answers = shared.setdefault("answers", {})  # the person's permissions, asked once for the whole list
    for row in flags.head(limit).iter_rows(named=True):
        words = f"{rule_title(row['rule'])}: " if show_rule else ""
        text, actions = st.columns([3, 2], vertical_alignment="center")
        text.markdown(f"{FLAG_ICONS[row['severity']]} {words}{plain(row['title'])}")
        with actions:
            mend_links(db, placed.get((row["rule"], row["entity_id"]), []), answers)
    if flags.height > limit:
        st.caption(f"…and {flags.height - limit:,} more; download the list below, or narrow it with the filters.")


MESSAGE_ICONS = {
    "success": ":material/check_circle:",
    "info": ":material/info:",
    "warning": ":material/warning:",
    "error": ":material/error:",
}


def message_area(name: str):
    """The top of a form's area, where its messages show: the messages remembered for it (``remember_message``) are
    drawn here once, and a screen writes the errors of this run into the container returned. So a message stays in
    sight after a save reruns the page, and never inside a panel that may close."""
    area = st.container()
    for kind, text in st.session_state.pop(f"_messages-{name}", []):
        getattr(area, kind)(text, icon=MESSAGE_ICONS[kind])
    return area


def remember_message(name: str, text: str, kind: str = "success") -> None:
    """A message for the top of the form's area ``name`` on the next run (a save reruns the page), shown once."""
    st.session_state.setdefault(f"_messages-{name}", []).append((kind, text))


def role_may(action: str) -> bool:
    """Whether the signed-in person's role can do ``action`` at all (the store still checks each record's team)."""
    from golden_thread.domain.access import refusal

    user = st.session_state.get("user")
    return bool(user) and refusal(user["role"], action) is None


def sso_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # noqa: BLE001 - no secrets.toml at all
        return False


rule_name = rule_title

_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!<>|~$:])")
# Streamlit's markdown links a bare address (http://…, www.…, name@host) and draws :material/…: as an icon after
# the text is parsed, so a backslash does not stop them: an invisible word joiner (U+2060) inside each ("http:⁠//",
# "www⁠.", "name@⁠host", ":⁠material/") breaks what they look for while the words read and copy as typed.
_LINKED_AFTER_PARSING = re.compile(r"(?<=:)(?=//|material/)|(?<=\bwww)(?=\\?\.)|(?<=@)(?=[\w-])", re.IGNORECASE)
WORD_JOINER = "\u2060"


def plain(text: object) -> str:
    """User text (a title, a reason, a note) made safe to place inside Streamlit markdown: shown as typed,
    never as emphasis, links (even a bare address), HTML, maths, colour or icons."""
    return _LINKED_AFTER_PARSING.sub(WORD_JOINER, _MARKDOWN_SPECIALS.sub(r"\\\1", str(text)))


# What would turn a widget's label into markup: emphasis, code, strike-through, maths, a backslash escape, HTML and
# entities, a link's or directive's bracket, a colour/icon/emoji directive, an autolink, and a block marker at the
# start of a line (a heading, quote, list item, numbered item, rule or underline). Nothing else needs escaping.
_LABEL_MARKUP = re.compile(
    r"(?P<char>[`*~$\[]|\\(?=[!-/:-@\[-`{-~])|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])|<(?=[A-Za-z/!?])|&(?=#?\w+;)"
    r"|\](?=[(\[:])|:(?=[\w/+-]+[:\[]|//)|(?<=\bwww)\.)"
    r"|(?P<start>^ {0,3}\d{0,9})(?P<block>(?<=\d)[.)](?=\s|$)|(?<!\d)(?:[#+-](?=\s|$)|>|-(?=(?:\s*-){2,}\s*$)|=(?==*\s*$)))",
    re.MULTILINE,
)


def label_text(text: object) -> str:
    """User text made safe for a widget's or metric's label (markdown too, but also the control's accessible
    name): shown as typed, with only what would make markup escaped, so a screen reader reads the words without
    stray backslashes ("Ninth-graders on track", where ``plain`` gives "Ninth\\-graders on track")."""
    return _LABEL_MARKUP.sub(lambda m: "\\" + m["char"] if m["char"] else m["start"] + "\\" + m["block"], str(text))


ICON_TEXT = {icon: words.short for icon, words in ICONS.items()}


# -- tables as people read them --------------------------------------------------------------------------------------

STYLED_CELLS_LIMIT = 200_000  # pandas' Styler renders every cell in Python; past this the cells are sent as text


def show_table(
    frame: pl.DataFrame,
    *,
    numbers: dict[str, int | None] | None = None,
    percents: dict[str, int | None] | None = None,
    counts: tuple[str, ...] | list[str] = (),
    dates: dict[str, str] | None = None,
    codes: dict[str, str] | None = None,
    **options,
) -> object:
    """``st.dataframe`` of ``frame`` with every cell written as ``domain.formatting`` writes it, while each column
    keeps its values, so a click on a heading still sorts numbers as numbers and dates as dates.

    ``numbers``: column -> decimal places (None: whole numbers whole, others to two places); ``percents``: column ->
    places, for values already in percent; ``counts``: whole counts; ``dates``: column -> "day", "month" or
    "moment"; ``codes``: column -> the field whose words its stored codes take ("rule", "status", "role"…). A column
    not named is written by its type (a date as its day, a number to two places at most). Missing values are blank.
    ``options`` go to ``st.dataframe`` (hide_index and width="stretch" unless given). A column given a
    ``column_config`` (an image, a progress bar) is left to it unless named above."""
    numbers, percents, dates, codes = numbers or {}, percents or {}, dates or {}, codes or {}
    configured = set((options.get("column_config") or {}).keys())
    frame = frame.with_columns(
        pl.col(name).map_elements(lambda v, f=field: fmt.code_words(v, f), return_dtype=pl.Utf8)
        for name, field in codes.items()
        if name in frame.columns
    )
    writers: dict[str, object] = {}
    asked = {*numbers, *percents, *counts, *dates}
    for name, dtype in frame.schema.items():
        if name in configured and name not in asked:
            continue
        if name in numbers:
            writers[name] = lambda v, d=numbers[name]: fmt.format_number(v, d, missing="")
        elif name in percents:
            writers[name] = lambda v, d=percents[name]: fmt.format_percent(v, d, missing="")
        elif name in counts:
            writers[name] = lambda v: fmt.format_count(v, missing="")
        elif name in dates:
            writers[name] = fmt.DATE_STYLES[dates[name]]
        elif dtype == pl.Date:
            writers[name] = fmt.format_day
        elif isinstance(dtype, pl.Datetime):
            writers[name] = fmt.format_moment
        elif dtype.is_float():
            writers[name] = lambda v: fmt.format_number(v, missing="")
    options.setdefault("hide_index", True)
    options.setdefault("width", "stretch")
    options.setdefault("placeholder", "")  # a missing value is a blank cell, never "None"
    if not writers:
        return dataframe(frame, **options)
    if frame.height * max(len(writers), 1) > STYLED_CELLS_LIMIT:  # too many cells to style: send them as text
        return dataframe(
            frame.with_columns(
                pl.col(name).map_elements(write, return_dtype=pl.Utf8, skip_nulls=True)
                for name, write in writers.items()
            ),
            **options,
        )
    styled = (
        arrow_of(frame)
        .to_pandas()
        .style.format(
            {name: (lambda v, w=write: "" if fmt.is_missing(v) else w(v)) for name, write in writers.items()}, na_rep=""
        )
    )
    return st.dataframe(styled, **options)


# -- the sign-in screen (dashboard.py shows it to anyone not signed in) ----------------------------------------


def _browser_address() -> str | None:
    """The address this browser connects from, as Streamlit saw it (None on the server itself or in a test)."""
    try:
        address = st.context.ip_address
    except Exception:  # noqa: BLE001 - no browser behind this run (a test harness)
        return None
    return address if isinstance(address, str) and address else None


def sign_in_screen() -> None:
    db = open_store(default_db_path())
    keep_sign_in_in_browser()  # a browser just signed out forgets its sign-in
    st.title("Golden Thread")
    st.caption("One true picture of whether our improvement work is moving the aims that matter.")

    if unknown := st.session_state.get("sso-unknown"):
        st.error(
            f"You signed in as {unknown}, but there is no Golden Thread account for that address. "
            "Ask an administrator to add you.",
            icon=":material/person_off:",
        )

    left, right = st.columns([1.2, 1])
    with left:
        if sso_configured():
            st.button(
                "Sign in with your organisation account", icon=":material/key:", on_click=st.login, type="primary"
            )
            st.divider()
        with st.form("sign-in"):
            account = st.text_input("Username", key="sign-in-username", autocomplete="username")
            password = st.text_input(
                "Password", type="password", key="sign-in-password", autocomplete="current-password"
            )
            submitted = st.form_submit_button("Sign in", type="primary", icon=":material/login:")
        if submitted:
            if not account.strip() or not password:
                st.error("Enter your username and your password.", icon=":material/error:")
            else:
                # Locked per username and slowed per address in the database, so a fresh session guesses no faster.
                attempt = attempt_sign_in(db, account, password, source=_browser_address())
                if attempt.user is None:
                    st.error(attempt.refusal, icon=":material/lock_clock:" if attempt.locked else ":material/error:")
                else:
                    sign_in(attempt.user, remember=True)
                    st.rerun()

    if db.setting("demo_mode") == "true":
        with right:
            with st.container(border=True):
                st.markdown("**Demo organisation**")
                st.caption(
                    f"This database holds the demo trust. Each account below has the password “{DEMO_PASSWORD}”. "
                    "A real organisation's database never shows this box."
                )
                users = db.users().filter(pl.col("active"))
                dataframe(
                    users.select(
                        pl.col("username").alias("Username"),
                        pl.col("role").replace_strict(ROLE_TITLES).alias("Role"),
                        pl.col("organisation").alias("Works in"),
                    ),
                    hide_index=True,
                    width="stretch",
                )
