"""Shared fixtures: every test gets its own temporary database; nothing touches data/."""

from __future__ import annotations

import datetime as dt
import gc
import shutil
import sys
from pathlib import Path

import pytest

from golden_thread.storage.store import Store

ROOT = Path(__file__).resolve().parent.parent
DEMO_TODAY = dt.date(2026, 11, 23)


@pytest.fixture(scope="session", autouse=True)
def _no_store_outlives_the_session():
    """Close every DuckDB connection before the interpreter exits, so that the log ends with pytest's result and
    not with pages of nanobind "leaked instance" lines. A store can outlive its test in Streamlit's process-wide
    ``st.cache_resource`` (an AppTest-based test that failed before clearing it), in the frames of the last failed
    test (pytest keeps them in ``sys.last_traceback`` for post-mortem debugging) or in an unclosed ``Store(...)``
    caught in a reference cycle. Drop those references, close whatever store is still open, and collect."""
    yield
    for pinned in ("last_exc", "last_type", "last_value", "last_traceback"):  # the last failure's frames
        if hasattr(sys, pinned):
            delattr(sys, pinned)
    streamlit = sys.modules.get("streamlit")
    if streamlit is not None:  # only if a test imported it
        streamlit.cache_resource.clear()
        streamlit.cache_data.clear()
    gc.collect()
    for alive in [o for o in gc.get_objects() if isinstance(o, Store)]:
        alive.close()  # closing twice is harmless (scoped views share one connection)
    gc.collect()


@pytest.fixture(autouse=True)
def _no_page_fails_unexpectedly():
    """A page's unexpected error shows the person a sentence and a reference, not a traceback
    (``golden_thread.app.failures``), so ``app.exception`` stays empty: fail the test that met one all the same. A
    test that provokes one on purpose takes it off ``failures.RECENT``."""
    failures = sys.modules.get("golden_thread.app.failures")  # only if a test ran a page
    before = list(failures.RECENT) if failures else []
    yield
    failures = sys.modules.get("golden_thread.app.failures")
    met = [entry for entry in failures.RECENT if entry not in before] if failures else []
    if met:
        pytest.fail(f"a page failed unexpectedly (its person saw only a reference): {met}")


@pytest.fixture
def store(tmp_path: Path) -> Store:
    opened = Store(tmp_path / "test.duckdb")
    yield opened
    opened.close()


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database file holding the demo trust, built once per test session (copy it to change it)."""
    from golden_thread.seed.loading import load_demo

    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    demo = Store(path)
    load_demo(demo, today=DEMO_TODAY, network=False)  # the trust alone: its tests count exactly its rows
    demo.close()
    return path


@pytest.fixture
def demo(demo_db: Path, tmp_path: Path) -> Store:
    """A store on a private copy of the demo trust, for tests that write, seeing the trust as its people do."""
    path = tmp_path / "demo-copy.duckdb"
    shutil.copy(demo_db, path)
    opened = Store(path)
    yield opened.within(opened.choose_scope(None))
    opened.close()


DEMO_SESSIONS = {
    "board": {"username": "board", "display_name": "Board member (demo)", "role": "board_viewer"},
    "team": {"username": "team", "display_name": "Ward 7 team member (demo)", "role": "team_member"},
    "lead": {"username": "lead", "display_name": "Improvement lead (demo)", "role": "improvement_lead"},
    "admin": {"username": "admin", "display_name": "Administrator (demo)", "role": "administrator"},
}


def signed_in(app, username: str = "admin"):
    """An AppTest whose session is signed in as a demo user (the sign-in form itself is tested separately)."""
    app.session_state["user"] = dict(DEMO_SESSIONS[username])
    return app
