"""The small Streamlit layer: the one place outside pages/ that imports streamlit.

The store is opened once per process (``st.cache_resource``) and shared by every session; the store
takes a cursor per call, which is DuckDB's documented way to share one connection between threads.
"""

from __future__ import annotations

import streamlit as st

from golden_thread.config import default_db_path
from golden_thread.loading import ensure_demo
from golden_thread.store import Store


@st.cache_resource(show_spinner="Opening the Golden Thread database…")
def open_store(path: str) -> Store:
    store = Store(path)
    ensure_demo(store)  # a new user's first start shows a living portfolio, not an empty screen
    return store


def store() -> Store:
    return open_store(default_db_path())


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
