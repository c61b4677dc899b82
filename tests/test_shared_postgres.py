"""Several app processes on one PostgreSQL (issue 19): their writes queue behind one another across processes, as
the threads of one process queue behind its write lock, so that a stale-edit check and the write it guards never
have another write between them.

A child process (another app process) saves a figure and stops inside its transaction, its rows written but not
committed; this process then saves another figure. The second save waits (PostgreSQL shows it waiting on the
advisory lock every write takes first), and lands only once the child has committed: both figures are there, each
once, and the data version moved on once for each."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import pytest

from golden_thread.domain.observations import ProposedObservation
from golden_thread.storage.store import Store
from tests.conftest import copy_of_the_demo
from tests.test_browser import CHROMIUM, browser, running_app, sign_in  # noqa: F401 - browser is a fixture
from tests.test_crash import PATIENCE, _Child

pytestmark = pytest.mark.slow
SIGNED_IN = "[data-testid='stSidebar'] >> text=Signed in as"

PAUSING_CHILD = r"""
import datetime as dt, sys
from contextlib import contextmanager
from golden_thread.domain.observations import ProposedObservation
from golden_thread.storage.store import Store

real_transaction = Store._transaction

@contextmanager
def transaction(self):
    with real_transaction(self) as cursor:
        yield cursor
        print("STOPPED written", flush=True)  # the rows are written, the transaction not yet committed
        sys.stdin.readline()  # until the parent says go on

Store._transaction = transaction
store = Store(sys.argv[1])
store.save_observation(6, ProposedObservation(dt.date(1990, 1, 1), value=1.5), username="admin", today=dt.date.today())
print("COMMITTED", flush=True)
"""


def _waiting_on_the_write_lock(address: str) -> int:
    """How many of the database's connections wait for an advisory lock (the write lock) now."""
    import psycopg
    from psycopg.conninfo import conninfo_to_dict

    conninfo = " ".join(f"{k}={v}" for k, v in conninfo_to_dict(address).items())
    with psycopg.connect(conninfo, autocommit=True) as connection:
        return connection.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND wait_event = 'advisory'"
        ).fetchone()[0]


def test_a_write_from_another_process_waits_for_the_one_in_progress_and_both_land(tmp_path, request):
    # (DuckDB lets one process at a time write a file: tests/test_shared_file.py covers how processes take turns.)
    demo_address = copy_of_the_demo("postgres", request, tmp_path)
    store = Store(demo_address)
    version_before = store.data_version
    child = _Child(PAUSING_CHILD, [demo_address])
    saved = threading.Event()
    try:
        child.wait_until_stopped("written")

        def save_here() -> None:
            store.save_observation(
                6, ProposedObservation(dt.date(1990, 2, 1), value=2.5), username="admin", today=dt.date.today()
            )
            saved.set()

        writer = threading.Thread(target=save_here)
        writer.start()
        deadline = dt.datetime.now() + dt.timedelta(seconds=PATIENCE)
        while not _waiting_on_the_write_lock(demo_address) and not saved.is_set() and dt.datetime.now() < deadline:
            saved.wait(0.05)
        assert not saved.is_set(), "a write landed while another process's write was in progress"
        assert _waiting_on_the_write_lock(demo_address) == 1
        child.process.stdin.write("\n")
        child.process.stdin.flush()
        writer.join(timeout=PATIENCE)
        assert saved.is_set(), "the waiting write never landed"
        assert "COMMITTED" in child.finish() or "COMMITTED" in child.lines
    finally:
        child.ensure_ended()
    try:
        figures = store.observations([6]).filter(store.observations([6])["period_start"] < dt.date(1991, 1, 1))
        assert figures.sort("period_start")["value"].to_list() == [1.5, 2.5]
        assert store.data_version == version_before + 2
    finally:
        store.close()


def test_each_process_holds_the_pool_size_it_is_given_and_a_wrong_size_is_said_in_one_sentence(
    postgres_database, monkeypatch, capsys
):
    from golden_thread.cli import main
    from golden_thread.storage.throwaway_postgres import address

    database = address(postgres_database)
    monkeypatch.setenv("GOLDEN_THREAD_POOL_SIZE", "3")
    store = Store(database)
    try:
        assert store._state.pool.max_size == 3
    finally:
        store.close()
    monkeypatch.setenv("GOLDEN_THREAD_POOL_SIZE", "lots")
    assert main(["check", "--db", database]) != 0
    said = capsys.readouterr().err.strip()
    assert said.count("\n") == 0 and "GOLDEN_THREAD_POOL_SIZE is 'lots'" in said and "1 to 200" in said


@pytest.mark.browser
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (.ci/run installs it)")
def test_two_app_processes_on_one_postgresql_share_a_sign_in_in_a_real_browser(tmp_path, request, browser):
    """Behind a load balancer the next page may come from the other process: it knows the person already, and
    signing out through either ends the sign-in for both."""
    address = copy_of_the_demo("postgres", request, tmp_path)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with running_app(address, tmp_path / "a") as first, running_app(address, tmp_path / "b") as second:
        context = browser.new_context(viewport={"width": 1440, "height": 900})
        page = context.new_page()
        page.goto(f"{first}/home")
        sign_in(page, "lead")
        page.goto(f"{second}/home")  # the other process: the browser's cookie names a sign-in it finds in the database
        page.wait_for_selector(SIGNED_IN, timeout=60_000)
        assert "Improvement lead (demo)" in page.inner_text("[data-testid='stSidebar']")
        assert not page.get_by_role("textbox", name="Password").count()
        page.get_by_role("button", name="Sign out").click()
        page.get_by_role("textbox", name="Username").wait_for(timeout=60_000)
        page.goto(f"{first}/home")  # the first process no longer honours it either
        page.get_by_role("textbox", name="Username").wait_for(timeout=60_000)
        assert not page.query_selector(SIGNED_IN)
        context.close()
