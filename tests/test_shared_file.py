"""The app and the command line share the database file (issue 20, item 13): the app holds it only while a page works
with it, so a scheduled check, an export or a backup runs while the app runs; a write by one program is seen by the
other's next read; the app's cached views stay valid while it lets go of the file and follow another program's
writes; an administrator backs up the running app from the Users screen; and `check` says "could not run" with exit
code 3, never 1 (the code for "found an error-severity break").

Other programs are real processes (DuckDB's lock is between processes). No assertion is about time: a test waits for
a condition, and fails if it never comes.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from golden_thread import cli
from golden_thread.storage.backup import BACKUPS_VARIABLE, KEY_VARIABLE, read_manifest, restore_database
from golden_thread.storage.store import TABLES, Store
from tests.conftest import DEMO_TODAY, signed_in

ROOT = Path(__file__).resolve().parent.parent
ENTRY = str(ROOT / "dashboard.py")
CHROMIUM = "/usr/bin/chromium"

# A program using the database in bursts, as the app does while people click: a page's reads, a pause, again. Between
# bursts it keeps the file (it would let go only after ten idle minutes), so a command gets the file only because the
# program lets go when the command knocks. It counts the times it opened the file.
BURSTS = r"""
import sys, time
from pathlib import Path
from golden_thread.storage import connection
from golden_thread.storage.store import Store

opened = []
real_open = connection.open_database
connection.open_database = lambda *args, **kwargs: opened.append(1) or real_open(*args, **kwargs)
path, stop = sys.argv[1], Path(sys.argv[2])
store = Store(path, release_after=600, wait=120)
bursts = 0
while not stop.exists():
    store.version_key, store.organisations(), store.totals(), store.observations([6])
    bursts += 1
    if bursts == 1:
        print("HOLDING", flush=True)
    time.sleep(0.05)
print("DONE", bursts, len(opened), store.totals()["observations"], flush=True)
"""

# Another program's write: one new period of measure 6, as a team member saves it.
WRITER = r"""
import sys, datetime as dt
from golden_thread.domain.observations import ProposedObservation
from golden_thread.storage.store import Store

store = Store(sys.argv[1], wait=120)
proposed = ProposedObservation(dt.date(2020, 1, 1), value=5.5)
store.save_observation(6, proposed, username="admin", today=dt.date(2026, 11, 23))
print("SAVED", flush=True)
"""

# A program that opens the file and keeps it for good (a DuckDB client left open, an older Golden Thread app).
HOLDER = r"""
import sys, time
from golden_thread.storage.store import Store

store = Store(sys.argv[1])
store.connect()
print("OPEN", flush=True)
time.sleep(600)
"""


@pytest.fixture(autouse=True)
def _backup_key(tmp_path, monkeypatch):
    monkeypatch.setenv(KEY_VARIABLE, str(tmp_path / "keys" / "backup.key"))


@pytest.fixture
def db(demo_db: Path, tmp_path: Path) -> Path:
    path = tmp_path / "data" / "golden.duckdb"
    path.parent.mkdir()
    shutil.copy(demo_db, path)
    return path


def _program(script: str, *argv: object) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", script, *map(str, argv)], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )


def _command(*argv: object) -> subprocess.CompletedProcess:
    """``golden-thread ARGV`` in a process of its own, as a scheduled job runs it."""
    return subprocess.run(
        [sys.executable, "-m", "golden_thread.cli", *map(str, argv)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _until(condition, what: str) -> None:
    deadline = time.monotonic() + 60
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"never happened: {what}")
        time.sleep(0.05)


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.kill()
    process.communicate()


def test_check_export_and_backup_run_while_another_program_uses_the_database(db, tmp_path):
    today = ["--today", str(DEMO_TODAY)]
    alone = _command("check", "--db", db, *today)
    assert alone.returncode in (0, 1) and alone.stdout, alone.stderr
    stop = tmp_path / "stop"
    app = _program(BURSTS, db, stop)
    try:
        assert app.stdout.readline().strip() == "HOLDING"

        check = _command("check", "--db", db, *today)
        assert (check.returncode, check.stdout) == (alone.returncode, alone.stdout), check.stderr
        # it found the file held, said so once, and got it when the program let go
        assert check.stderr.count("waiting up to 30 seconds for it to finish its current work") == 1, check.stderr

        export = _command("export", tmp_path / "export", "--db", db)
        assert export.returncode == 0, export.stderr
        assert (tmp_path / "export" / "manifest.json").is_file()

        backup = _command("backup", tmp_path / "backup", "--db", db)
        assert backup.returncode == 0, backup.stderr
        assert read_manifest(tmp_path / "backup")["tables"]["observation"]["rows"] > 1000
    finally:
        stop.touch()
        out, _ = app.communicate(timeout=300)
    word, bursts, opened, observations = out.split()
    assert word == "DONE" and int(opened) >= 2  # it let go for the commands, opened the file again and carried on
    assert int(observations) == read_manifest(tmp_path / "backup")["tables"]["observation"]["rows"]


def test_a_write_by_another_program_is_seen_by_the_next_read(db):
    app = Store(db, release_after=600)  # keeps the file between reads, as the app does between clicks
    try:
        before, version = app.observations([6]).height, app.data_version
        assert app.is_open
        writer = _program(WRITER, db)
        assert writer.communicate(timeout=300)[0].strip() == "SAVED"
        assert app.observations([6]).height == before + 1
        assert app.data_version == version + 1
    finally:
        app.close()


def test_the_apps_cached_views_survive_letting_go_and_follow_another_programs_write(db, monkeypatch):
    from golden_thread.app import ui

    computed = []
    real = ui.check_thread
    monkeypatch.setattr(
        ui, "check_thread", lambda store, today, breaks=None: computed.append(today) or real(store, today, breaks)
    )
    st.cache_data.clear()
    st.cache_resource.clear()  # what the app keeps (``app/kept.py``) lives there
    store = Store(db, release_after=0.05)
    try:
        trust = store.within(store.choose_scope(None))
        first = ui.thread_flags(trust, DEMO_TODAY)
        key = trust.version_key
        _until(lambda: not store.is_open, "the store lets go of the file once idle")
        assert ui.thread_flags(trust, DEMO_TODAY).equals(first) and trust.version_key == key
        assert len(computed) == 1, "letting go of the file and opening it again must not empty the caches"

        assert _program(WRITER, db).communicate(timeout=300)[0].strip() == "SAVED"
        ui.thread_flags(trust, DEMO_TODAY)
        assert trust.version_key != key and len(computed) == 2, "another program's write must refresh the views"
    finally:
        store.close()
        st.cache_data.clear()


def test_a_check_that_could_not_run_exits_3_never_1(db, monkeypatch, capsys):
    holder = _program(HOLDER, db)
    try:
        assert holder.stdout.readline().strip() == "OPEN"
        result = _command("check", "--db", db, "--wait", "0.5")
    finally:
        _stop(holder)
    assert result.returncode == cli.COULD_NOT_RUN == 3 and result.stdout == ""
    waiting, refusal = result.stderr.strip().splitlines()
    assert waiting.startswith("golden-thread check: ") and "waiting up to 0.5 seconds" in waiting
    assert refusal.startswith(f"golden-thread check: {db} is open in another program (process {holder.pid})")
    assert "did not let go of it within 0.5 seconds" in refusal and "then try again." in refusal

    # a fault of Golden Thread's is "could not run" too: a scheduled check never reads it as findings
    def broken(*args, **kwargs):
        raise RuntimeError("something unexpected")

    monkeypatch.setattr("golden_thread.services.checks.check_by_organisation", broken)
    assert cli.main(["check", "--db", str(db)]) == cli.COULD_NOT_RUN
    out, err = capsys.readouterr()
    assert not out and "Traceback" not in err
    assert err.strip().splitlines() == [
        "golden-thread check could not run: RuntimeError: something unexpected. This is a fault in Golden Thread; "
        "please report it with the command you ran."
    ]


# -- the administrator's "Back up now" ----------------------------------------------------------------------------------


@pytest.fixture
def app_db(db, tmp_path, monkeypatch):
    monkeypatch.setenv("GOLDEN_THREAD_DB", str(db))
    monkeypatch.setenv(BACKUPS_VARIABLE, str(tmp_path / "backups"))
    st.cache_resource.clear()
    yield db
    st.cache_resource.clear()


def _users_screen(user: str = "admin") -> AppTest:
    app = signed_in(AppTest.from_file(ENTRY, default_timeout=60), user)
    app.run()
    app.switch_page(str(ROOT / "screens" / "users.py"))
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def _tables(path: Path) -> dict:
    store = Store(path)  # as the app opens it (this process may still hold it: one configuration per file)
    try:
        return {table: store.table(table) for table in TABLES}
    finally:
        store.close()


def test_an_administrator_backs_up_the_running_app_and_the_backup_restores_whole(app_db, tmp_path):
    app = _users_screen()
    [button] = [b for b in app.button if b.label == "Back up now"]
    button.click().run()
    assert not app.exception, [e.value for e in app.exception]
    [folder] = (tmp_path / "backups").iterdir()
    assert folder.name.startswith("golden-thread-")
    said = [s.value.replace("\\", "") for s in app.success]
    assert any(f"tables to {folder}: every file matches its signed manifest" in s for s in said), said
    assert oct(folder.stat().st_mode & 0o777) == oct(0o700)

    restored = tmp_path / "restored.duckdb"
    restore_database(folder, restored, key_path=tmp_path / "keys" / "backup.key")  # the key vouches for it
    original, copy = _tables(app_db), _tables(restored)
    for table in TABLES:
        assert copy[table].equals(original[table]), f"{table} differs in the restored backup"


def test_back_up_now_is_for_an_administrator_of_everything_the_database_holds(app_db, tmp_path):
    store = Store(app_db)
    store._connection.execute("INSERT INTO organisation (id, name, kind) VALUES (990, 'Westbrook NHS Trust', 'trust')")
    store.close()
    app = _users_screen()
    assert not [b for b in app.button if b.label == "Back up now"]
    captions = [c.value for c in app.caption]
    assert any("This database also holds 1 other organisation" in c for c in captions), captions
    assert not any("Westbrook" in c for c in captions)  # a trust administrator is not told who else is here
    assert not (tmp_path / "backups").exists()


# -- the real app, serving pages in a browser ---------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")
def test_commands_run_while_the_app_serves_pages(db, tmp_path):
    from playwright.sync_api import sync_playwright

    from tests.test_browser import running_app, sign_in

    main = "[data-testid='stMainBlockContainer'] h1"
    with running_app(db, tmp_path) as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox"])
        try:
            page = browser.new_page()
            page.goto(f"{url}/home")
            sign_in(page, "admin")
            page.wait_for_selector(main, timeout=60_000)  # the app has opened the database for this page

            check = _command("check", "--db", db, "--today", str(DEMO_TODAY))
            assert check.returncode in (0, 1) and "flag(s)" in check.stdout, check.stderr
            backup = _command("backup", tmp_path / "backup", "--db", db)
            assert backup.returncode == 0, backup.stderr
            publish = _command("publish", "--db", db, "--month", "2026-10", "--user", "admin", "--today", DEMO_TODAY)
            assert publish.returncode == 0, publish.stderr

            page.goto(f"{url}/board?month=2026-10")  # and the app carries on, seeing the board just published
            page.wait_for_selector(main, timeout=60_000)
            page.wait_for_selector(f"text=Published {dt.date.today():%d %B %Y} by", timeout=60_000)
        finally:
            browser.close()
    assert (tmp_path / "backup" / "manifest.json").is_file()
