"""The small Streamlit layer: the one place outside pages/ that imports streamlit.

The store is opened once per process (``st.cache_resource``) and shared by every session; the store
takes a cursor per call, which is DuckDB's documented way to share one connection between threads.
"""

from __future__ import annotations

import datetime as dt
import re

import polars as pl
import streamlit as st

from golden_thread.config import default_db_path
from golden_thread.loading import ensure_demo
from golden_thread.measure_series import measure_charts
from golden_thread.store import Store
from golden_thread.thread_checks import check_thread, rule_title
from golden_thread.thread_graph import build_thread
from golden_thread.thread_tree import flags_by_node, node_icons


@st.cache_resource(show_spinner="Opening the Golden Thread database…")
def open_store(path: str) -> Store:
    store = Store(path)
    ensure_demo(store)  # a new user's first start shows a living portfolio, not an empty screen
    return store


def store() -> Store:
    _run_through_navigation()
    return open_store(default_db_path())


def _run_through_navigation() -> None:
    """Streamlit decides on its first run after start whether this is an old-style ``pages/`` app; a shared
    link opened first would run its page alone, without dashboard.py's navigation and wide layout. Our
    navigation is ``st.navigation``: say so, and run again through the entry."""
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory and not st.session_state.get("_through_navigation"):
        st.session_state["_through_navigation"] = True  # once per session, so no widget event is ever lost
        PagesManager.uses_pages_directory = False
        st.rerun()


@st.cache_data(max_entries=4, show_spinner="Charting every measure…")
def all_measure_charts(_db: Store, version_key: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Every measure's chart, computed once per change to the data (the key is the store's data version)."""
    return measure_charts(_db)


@st.cache_data(max_entries=4, show_spinner="Tracing the golden thread…")
def _thread_model(_db: Store, version_key: str, today: dt.date):
    thread = build_thread(_db.thread_rows())
    flags = flags_by_node(thread, check_thread(_db, today))
    icons = node_icons(thread, all_measure_charts(_db, version_key)[1])
    return thread, flags, icons


def thread_model(db: Store, today: dt.date) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """(thread nodes, flags by node, lead-measure icons by node), recomputed only when the data changes."""
    return _thread_model(db, db.version_key, today)


rule_name = rule_title

_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!<>|~$:])")


def plain(text: object) -> str:
    """User text (a title, a reason, a note) made safe to place inside Streamlit markdown: shown as typed,
    never as emphasis, links, HTML or maths."""
    return _MARKDOWN_SPECIALS.sub(r"\\\1", str(text))


ICON_TEXT = {
    "common_cause": "Common cause",
    "special_cause_improvement": "Improvement",
    "special_cause_concern": "Concern",
    "special_cause_neutral_high": "Neutral high",
    "special_cause_neutral_low": "Neutral low",
    "consistent_pass": "Consistently passing",
    "consistent_fail": "Consistently failing",
    "inconsistent": "Hit and miss",
    None: "—",
}
