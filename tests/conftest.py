"""Shared fixtures: every test gets its own temporary database; nothing touches data/."""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import shutil
import sys
import uuid
from pathlib import Path

import pytest

from golden_thread.storage.store import Store
from golden_thread.storage.throwaway_postgres import address, create_database

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


# -- both engines (issue 19) -----------------------------------------------------------------------------------------
# A test that takes its database from ``empty_address``, ``demo_address``, ``store`` or ``demo`` (or asks for
# ``engine``) runs twice: on a DuckDB file and on PostgreSQL, whose run is skipped with a message on a machine without
# PostgreSQL. So the storage tests, import and export, backup, crash and fuzz tests and the journeys, and every other
# test written against a store, hold on both engines; one about DuckDB alone is marked ``duckdb_only``.

ENGINES = ("duckdb", "postgres")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "engine" in metafunc.fixturenames and not metafunc.definition.get_closest_marker("duckdb_only"):
        metafunc.parametrize("engine", ENGINES, indirect=True, scope="module")


@pytest.fixture(scope="module")
def engine(request: pytest.FixtureRequest) -> str:
    """The engine of the test's database: each in turn (``pytest_generate_tests``), or DuckDB for a ``duckdb_only``
    test."""
    return getattr(request, "param", "duckdb")


def new_postgres_database(server: str, *, template: str | None = None) -> str:
    """A new database on the throw-away server (a copy of ``template``, when given): its connection string."""
    return create_database(server, f"t_{uuid.uuid4().hex[:12]}", template=template)


def drop_postgres_database(conninfo: str) -> None:
    import psycopg
    from psycopg import sql

    server, name = conninfo.rsplit(" dbname=", 1)
    with psycopg.connect(f"{server} dbname=postgres", autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture(scope="session")
def postgres_templates(postgres_server: str):
    """A PostgreSQL database holding exactly the rows of a DuckDB file (its data version too), made once per session
    for each file, to be copied for each test that changes it (``CREATE DATABASE … TEMPLATE``, a copy of its files):
    a function from the file to the template's name."""
    made: dict[Path, str] = {}

    def template_of(path: Path) -> str:
        if path not in made:
            made[path] = postgres_copy_of(postgres_server, path)
        return made[path]

    return template_of


def postgres_copy_of(server: str, path: Path) -> str:
    """A new database on ``server`` holding exactly the rows of the DuckDB file at ``path``, its data version too:
    its name."""
    from golden_thread.storage.postgres import copy_rows
    from golden_thread.storage.store import SIGN_IN_TABLES, TABLES

    conninfo = new_postgres_database(server)
    made = Store(address(conninfo))  # migrated
    made.close()
    source = Store(path, read_only=True)
    try:
        with source.moment() as read:
            frames = {table: read(f'SELECT * FROM "{table}"') for table in (*TABLES, *SIGN_IN_TABLES)}
            frames |= {table: read(f"SELECT * FROM {table}") for table in ("data_version", "table_version")}
    finally:
        source.close()
    copy_rows(conninfo, {table: frame for table, frame in frames.items() if frame.height})
    return conninfo.rsplit(" dbname=", 1)[1]


@pytest.fixture
def empty_address(engine: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """Where a new, empty database of the test's engine is: a file's path, or a PostgreSQL address."""
    if engine == "duckdb":
        return str(tmp_path / "test.duckdb")
    return address(request.getfixturevalue("postgres_database"))


@pytest.fixture
def demo_address(engine: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A private copy of the demo trust in the test's engine, to change at will: a file's path, or a PostgreSQL
    address."""
    return copy_of_the_demo(engine, request, tmp_path)


def copy_of_the_demo(engine: str, request: pytest.FixtureRequest, folder: Path) -> str:
    """A private copy of the demo trust, made for a fixture of any scope and dropped at its end: a file in
    ``folder``, or a PostgreSQL database."""
    return copy_of(engine, request, request.getfixturevalue("demo_db"), folder)


def copy_of(engine: str, request: pytest.FixtureRequest, source: Path, folder: Path) -> str:
    """A private copy of the database file ``source`` in ``engine``, dropped at the end of the requesting fixture or
    test: a file in ``folder``, or a PostgreSQL database."""
    if engine == "duckdb":
        path = folder / f"{source.stem}-copy.duckdb"
        shutil.copy(source, path)
        return str(path)
    server = request.getfixturevalue("postgres_server")
    conninfo = new_postgres_database(server, template=request.getfixturevalue("postgres_templates")(source))
    request.addfinalizer(lambda: drop_postgres_database(conninfo))
    return address(conninfo)


@pytest.fixture
def store(empty_address: str) -> Store:
    opened = Store(empty_address)
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
def demo(demo_address: str) -> Store:
    """A store on a private copy of the demo trust, for tests that write, seeing the trust as its people do."""
    opened = Store(demo_address)
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


@pytest.fixture(scope="session")
def postgres_server():
    """A throw-away PostgreSQL for this test process (``storage/throwaway_postgres.py``: a temporary folder, reached
    only through a Unix socket there, so parallel test processes never meet), stopped at the end. Without
    PostgreSQL on the machine, the tests that need it are skipped with a message, never failed."""
    from golden_thread.storage.throwaway_postgres import PostgresUnavailable, throwaway_postgres

    with contextlib.ExitStack() as stack:
        try:
            server = stack.enter_context(throwaway_postgres())
        except PostgresUnavailable as why:
            pytest.skip(f"{why}; the tests that need PostgreSQL are skipped")
        yield server


@pytest.fixture
def postgres_database(postgres_server: str) -> str:
    """A new, empty database on the throw-away server for one test; its connection string."""
    conninfo = new_postgres_database(postgres_server)
    yield conninfo
    drop_postgres_database(conninfo)
