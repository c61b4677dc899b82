"""The store: the one module that owns the DuckDB file and every SQL statement.

Lifecycle. ``Store(path)`` shares one DuckDB connection between every view of the file in the process
(``connection.SharedDatabase``) and brings the schema up to date (see ``schema.MIGRATIONS``). The connection is
opened when first used; a store made with ``release_after`` (the app's) closes it once idle, so that commands
and scheduled jobs can open the file between pages, and every read and write holds a lease on it meanwhile.
DuckDB connections are not safe to share between threads, but cursors made from one connection are, so every
call below takes its own ``cursor()``: Streamlit runs each session's script in its own thread and they all
share one ``Store``. Writes are serialised by a process-wide lock and each multi-row write is one transaction:
it lands whole or not at all, and moves the file's data version on (``version_key``).

Reads return polars DataFrames. Values always travel as parameters or as registered Arrow tables;
the only identifiers interpolated into SQL are table and column names checked against the schema.
"""

from __future__ import annotations

import contextvars
import copy
import datetime as dt
import functools
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import polars as pl

from golden_thread.domain.access import ACTIONS, TEAM_SCOPED, guarded, refusal
from golden_thread.domain.figures import check_observation_rows
from golden_thread.domain.formatting import format_period
from golden_thread.domain.observations import ProposedObservation, check_observation
from golden_thread.errors import PermissionRefused, Refused, StaleEdit, StorageProblem

if TYPE_CHECKING:
    from golden_thread.domain.observation_import import ImportPlan
from golden_thread.storage import schema_focus, schema_leadership, schema_network
from golden_thread.storage.addresses import is_postgres_address
from golden_thread.storage.column_types import polars_type
from golden_thread.storage.connection import SharedDatabase, one_moment
from golden_thread.storage.diagram_queries import DiagramQueries
from golden_thread.storage.focus_queries import FocusQueries
from golden_thread.storage.leadership_queries import LeadershipQueries
from golden_thread.storage.network_queries import NetworkQueries
from golden_thread.storage.opening import NO_DOWNLOADS, database_problem, open_database  # noqa: F401 - re-exported
from golden_thread.storage.pdsa_queries import PdsaQueries
from golden_thread.storage.record_queries import RecordQueries
from golden_thread.storage.schema import DATA_VERSION_SINCE, LATEST_VERSION, MIGRATIONS, TABLE_VERSIONS_SINCE
from golden_thread.storage.scope import EVERYTHING, OWNERSHIP, Scope, scoped_sql
from golden_thread.storage.shared_sql import PROJECT_AIM
from golden_thread.storage.table_versions import STAMP_TABLES, WriteRecorder, note_query, tables_named

# Tables in dependency order (parents first): the order of export, import and demo loading.
TABLES: tuple[str, ...] = (
    "organisation",
    "network_membership",
    "strategic_objective",
    "aim",
    "driver_diagram",
    "driver_diagram_version",
    "driver",
    "driver_link",
    "change_idea",
    "change_idea_driver",
    "project",
    "project_link",
    "pdsa_cycle",
    "measure",
    "observation",
    "chart_phase",
    "point_exclusion",
    "annotation",
    "app_user",
    "audit_log",
    "board_snapshot",
    "app_setting",
    *schema_leadership.TABLES,
    *schema_network.TABLES,
    *schema_focus.TABLES,
)

# Who is signed in and who failed to: not exported or copied with the data, but a backup's restore brings them back.
SIGN_IN_TABLES = ("sign_in_session", "sign_in_failure")

# The order in which rows are exported, so two exports of the same data are byte-identical.
SORT_KEYS: dict[str, tuple[str, ...]] = {
    "network_membership": ("network_id", "member_id"),
    "driver_link": ("parent_driver_id", "child_driver_id"),
    "change_idea_driver": ("change_idea_id", "driver_id"),
    "project_link": ("project_id", "is_primary", "aim_id", "driver_id", "change_idea_id"),
    "observation": ("measure_id", "period_start"),
    "chart_phase": ("measure_id", "starts_on"),
    "point_exclusion": ("measure_id", "period_start"),
    "app_user": ("username",),
    "board_snapshot": ("organisation_id", "month"),
    "app_setting": ("key",),
    **schema_leadership.SORT_KEYS,
    **schema_network.SORT_KEYS,
    **schema_focus.SORT_KEYS,
}


# The references the store holds itself (``Store._check_references``): a SELECT of the ids that break one (at most
# five), and what to fix.
_REFERENCE_CHECKS = (
    (
        "SELECT id FROM measure WHERE (aim_id IS NOT NULL)::INTEGER + (driver_id IS NOT NULL)::INTEGER "
        "+ (project_id IS NOT NULL)::INTEGER <> 1 ORDER BY id LIMIT 5",
        "Measure(s) {ids} must be attached to exactly one of an aim, a driver or a project "
        "(fill exactly one of aim_id, driver_id and project_id).",
    ),
    (
        "SELECT m.id FROM measure m WHERE (m.aim_id IS NOT NULL AND m.aim_id NOT IN (SELECT id FROM aim)) "
        "OR (m.driver_id IS NOT NULL AND m.driver_id NOT IN (SELECT id FROM driver)) "
        "OR (m.project_id IS NOT NULL AND m.project_id NOT IN (SELECT id FROM project)) ORDER BY m.id LIMIT 5",
        "Measure(s) {ids} are attached to an aim, driver or project that is not there.",
    ),
    (
        "SELECT id FROM project WHERE team_id NOT IN (SELECT id FROM organisation) ORDER BY id LIMIT 5",
        "Project(s) {ids} belong to a team that is not there (team_id must be an organisation's id).",
    ),
    (
        "SELECT id FROM pdsa_cycle WHERE change_idea_id IS NOT NULL AND change_idea_id NOT IN "
        "(SELECT id FROM change_idea) ORDER BY id LIMIT 5",
        "PDSA cycle(s) {ids} test a change idea that is not there.",
    ),
    (
        "SELECT c.id FROM pdsa_cycle c LEFT JOIN pdsa_cycle b ON b.id = c.builds_on_id "
        "WHERE c.builds_on_id IS NOT NULL AND (b.id IS NULL OR b.project_id <> c.project_id) ORDER BY c.id LIMIT 5",
        "PDSA cycle(s) {ids} build on a cycle that is not there or belongs to another project.",
    ),
    # Focus boards' links (migration 13 keeps them as plain columns).
    (
        "SELECT id FROM focus_board WHERE unit_id NOT IN (SELECT id FROM organisation) ORDER BY id LIMIT 5",
        "Focus board(s) {ids} belong to a team that is not there (unit_id must be an organisation's id).",
    ),
    (
        "SELECT o.id FROM focus_objective o WHERE o.board_id NOT IN (SELECT id FROM focus_board) "
        "OR (o.measure_id IS NOT NULL AND o.measure_id NOT IN (SELECT id FROM measure)) "
        "OR (o.strategic_objective_id IS NOT NULL AND o.strategic_objective_id NOT IN "
        "(SELECT id FROM strategic_objective)) OR (o.aim_id IS NOT NULL AND o.aim_id NOT IN (SELECT id FROM aim)) "
        "ORDER BY o.id LIMIT 5",
        "Focus-board objective(s) {ids} name a board, measure, strategic objective or aim that is not there.",
    ),
    (
        "SELECT id FROM huddle WHERE board_id NOT IN (SELECT id FROM focus_board) ORDER BY id LIMIT 5",
        "Huddle(s) {ids} belong to a focus board that is not there.",
    ),
    (
        "SELECT a.id FROM focus_action a WHERE a.board_id NOT IN (SELECT id FROM focus_board) "
        "OR (a.focus_objective_id IS NOT NULL AND a.focus_objective_id NOT IN (SELECT id FROM focus_objective)) "
        "OR (a.project_id IS NOT NULL AND a.project_id NOT IN (SELECT id FROM project)) "
        "OR (a.pdsa_cycle_id IS NOT NULL AND a.pdsa_cycle_id NOT IN (SELECT id FROM pdsa_cycle)) "
        "OR (a.raised_at_huddle_id IS NOT NULL AND a.raised_at_huddle_id NOT IN (SELECT id FROM huddle)) "
        "ORDER BY a.id LIMIT 5",
        "Action(s) {ids} name a board, objective, project, PDSA cycle or huddle that is not there.",
    ),
    (
        "SELECT DISTINCT huddle_id FROM huddle_action_review WHERE huddle_id NOT IN (SELECT id FROM huddle) "
        "OR action_id NOT IN (SELECT id FROM focus_action) ORDER BY huddle_id LIMIT 5",
        "The review(s) of huddle(s) {ids} name a huddle or an action that is not there.",
    ),
)

# Columns that point at another row of the same table.
SELF_REFERENCES = {"organisation": "parent_id", "pdsa_cycle": "builds_on_id"}


def _MEASURE(self, measure_id, *args, **kwargs):  # noqa: N802 - read as the name of the record a write changes
    return ("measure", measure_id)


# The person the write guard (``access.guarded``) has just authorised, in this thread: ``authorise`` sets it and
# ``require_in_scope``, which the guard calls next without a username, reads it. An unscoped store (the command
# line's) has no organisation of its own to hold a write to, so it holds the record to this person's instead.
_AUTHORISED: contextvars.ContextVar[str | None] = contextvars.ContextVar("authorised_person", default=None)


# Every committed write moves the data version on (``schema._V12_DATA_VERSION``): the first one gives the database its
# random generation.
_NEXT_VERSION = (
    "INSERT INTO data_version (id, generation, version) VALUES (1, uuid()::VARCHAR, 1) "
    "ON CONFLICT (id) DO UPDATE SET version = data_version.version + 1"
)


@functools.lru_cache(maxsize=64)
def _finder_tables(finder: str) -> frozenset[str]:
    return frozenset(tables_named(f"{PROJECT_AIM}\n{finder}"))


def _refuse_if_replaced(path: str, connection: duckdb.DuckDBPyConnection) -> None:
    """Check a file opened again after an idle pause: another file may have been put in its place meanwhile, at
    another schema version, which a store (upgraded when it was made) cannot use."""
    try:
        version = connection.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()[0]
    except duckdb.Error:
        version = 0
    if version != LATEST_VERSION:
        raise StorageProblem(
            f"{path} was replaced while Golden Thread was running, by a database at schema version {version} (this "
            f"Golden Thread uses version {LATEST_VERSION}). Restart Golden Thread: it upgrades an older database "
            "when it opens it, and a newer one needs a newer Golden Thread."
        )


# PostgreSQL's names for the schema's types (information_schema.columns.data_type) as DuckDB says them, which the
# import's reading of a file goes by.
_DUCKDB_TYPE_NAMES = {
    "integer": "INTEGER",
    "bigint": "BIGINT",
    "smallint": "SMALLINT",
    "text": "VARCHAR",
    "character varying": "VARCHAR",
    "double precision": "DOUBLE",
    "real": "FLOAT",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "timestamp without time zone": "TIMESTAMP",
    "timestamp with time zone": "TIMESTAMP WITH TIME ZONE",
    "numeric": "DECIMAL",
    "bytea": "BLOB",
    "uuid": "UUID",
    "json": "JSON",
    "jsonb": "JSON",
}

# ``Store.key_constraints`` read from PostgreSQL's catalogue (written for it: no dialect to translate).
_POSTGRES_KEY_CONSTRAINTS = """
SELECT cl.relname::text AS table_name,
       CASE c.contype WHEN 'p' THEN 'PRIMARY KEY' WHEN 'u' THEN 'UNIQUE' ELSE 'FOREIGN KEY' END AS constraint_type,
       ARRAY(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY AS k(number, place)
             JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.number ORDER BY k.place)
           AS constraint_column_names,
       referenced.relname::text AS referenced_table,
       ARRAY(SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY AS k(number, place)
             JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.number ORDER BY k.place)
           AS referenced_column_names
FROM pg_constraint c JOIN pg_class cl ON cl.oid = c.conrelid JOIN pg_namespace ns ON ns.oid = cl.relnamespace
LEFT JOIN pg_class referenced ON referenced.oid = c.confrelid
WHERE ns.nspname = 'main' AND c.contype IN ('p', 'u', 'f')
ORDER BY table_name, c.oid
"""


class Store(RecordQueries, DiagramQueries, PdsaQueries, LeadershipQueries, NetworkQueries, FocusQueries):
    """All reads and writes of one Golden Thread database."""

    def __init__(
        self,
        path: str | Path = ":memory:",
        *,
        read_only: bool = False,
        release_after: float | None = None,
        wait: float = 0.0,
        waiting: Callable[[str], None] | None = None,
    ) -> None:
        """Open (or create) the database at ``path``; ``read_only`` for commands that only read, so they work on a
        read-only file and never change it. A file that cannot be used is a ``StorageProblem`` (``opening.py``).

        ``release_after``: let go of the file once nothing has used it for this many seconds, or at once when
        another program waits for it (the app: commands then run between its pages); None holds it until
        ``close``. ``wait``: how many seconds to wait for another program to let go of the file before saying so;
        ``waiting`` is told in a sentence when opening has to wait."""
        self.path = str(path)
        self.read_only = read_only
        self.scope = EVERYTHING
        if is_postgres_address(self.path):
            from golden_thread.storage.postgres import PostgresDatabase, migrate

            if not read_only:
                migrate(self.path)
            self._state = PostgresDatabase(self.path, read_only=read_only)
            return
        self._state = SharedDatabase(
            self.path, read_only=read_only, release_after=release_after, wait=wait, waiting=waiting
        )
        try:
            self.migrate()
        except BaseException:
            self._state.close()
            raise
        self._state.on_reopen = functools.partial(_refuse_if_replaced, self.path)  # no cycle: the store is freed

    @property
    def engine(self) -> str:
        """ "duckdb" or "postgres": what the database is."""
        return self._state.engine

    def within(self, scope: Scope) -> Store:
        """This database seen as one organisation: every read holds only its rows, and every write is refused
        for a record outside it. Shares the connection, the write lock and the data version."""
        scoped = copy.copy(self)
        scoped.scope = scope
        return scoped

    @property
    def _connection(self) -> duckdb.DuckDBPyConnection:
        """The connection, for code that makes its own cursors: the store's own calls take a lease instead
        (``_query``, ``_transaction``, ``holding``), which keeps the file open however long they take."""
        return self._state.current()

    @property
    def _write_lock(self) -> threading.RLock:
        return self._state.write_lock

    def table_versions(self) -> tuple[str, dict[str, int]]:
        """(``version_key`` without its count: which file and data generation, each table's data version): what is
        computed from some tables is named by the newest version among them (``table_versions.version_of``), so a
        write to other tables leaves it as it was."""
        if self.engine == "postgres":
            rows = self._state.rows(
                "SELECT table_name, version, (SELECT generation FROM data_version) FROM table_version"
            )
            generation = rows[0][2] if rows else ""
            return f"{self.path}|{self._state.identity}|{generation}", {table: version for table, version, _ in rows}
        with self._state.lease():  # asked by every kept computation on every run: rows, not a frame (a third faster)
            cursor = self._state.connection.cursor()
            try:
                rows = cursor.execute(
                    "SELECT table_name, version, (SELECT generation FROM data_version) FROM table_version"
                ).fetchall()
            finally:
                cursor.close()
            identity = self._state.identity
        generation = rows[0][2] if rows else ""
        return f"{self.path}|{identity}|{generation}", {table: version for table, version, _ in rows}

    def write_mark(self) -> tuple[int, str, int]:
        """What moves on with every write this process makes to the file through this connection (and when the file
        is replaced): while it stays, ``table_versions`` can only have changed by another program's write."""
        return id(self._state), self._state.identity, self._state.writes

    def _data_version(self) -> tuple[str, str, int]:
        """(which file, its data's generation, its data version), read from the file: another program may have
        changed it while this one had let go of it."""
        with self._state.lease():
            frame = self.everything()._query("SELECT generation, version FROM data_version")
            identity = self._state.identity
        return (identity, frame["generation"][0], int(frame["version"][0])) if frame.height else (identity, "", 0)

    @property
    def data_version(self) -> int:
        """Moved on by every committed write, by this process or any other (a command run between the app's
        pages): computed statistics can be cached keyed by it (``version_key``) and are never stale."""
        return self._data_version()[2]

    @property
    def version_key(self) -> str:
        """Names this database's data as it is now, across every program that writes it: changes with every commit,
        and when another file is put in its place (a restore); stays the same when the app lets go of the file and
        opens it again, so its cached charts and boards stay valid."""
        identity, generation, version = self._data_version()
        return f"{self.path}|{identity}|{generation}|{version}"

    @property
    def usable(self) -> bool:
        """False once a write failed so badly (a checkpoint on a full disk) that DuckDB stopped using the file; the
        file itself is safe, and opening it again (``close``, then any use) brings it back."""
        return self._state.usable

    @property
    def is_open(self) -> bool:
        """Whether this process holds the file now."""
        return self._state.is_open

    def connect(self) -> None:
        """Open the file now if it is not open (waiting for another program to finish with it, up to the store's
        ``wait``), so that a file that cannot be used is said before a page or a command starts."""
        with self._state.lease():
            pass

    @contextmanager
    def holding(self) -> Iterator[None]:
        """Keep the file open for a piece of work that uses the connection itself (a backup of one moment)."""
        with self._state.lease():
            yield

    @contextmanager
    def moment(self) -> Iterator[Callable[[str], pl.DataFrame]]:
        """Reads of the whole database (never scoped) that all see one moment of it, however long they take while
        others write: a backup's, a copy's between engines. Each takes SQL in DuckDB's dialect and gives a polars
        frame."""
        if self.engine == "postgres":
            with self._state.moment() as read:
                yield read
            return
        with self._state.lease(), one_moment(self._state.connection) as read:
            yield read

    def close(self) -> None:
        """Let go of the file (once the calls using it now are done); closing twice is harmless, and a later use
        opens it again."""
        self._state.close()

    def _disk_problem(self, error: duckdb.Error) -> StorageProblem | None:
        if isinstance(error, duckdb.FatalException):
            self._state.usable = False
        return database_problem(error, self.path)

    # -- plumbing -------------------------------------------------------------------------------

    def _query(self, sql: str, params: list | dict | None = None) -> pl.DataFrame:
        """Run one read; in a scoped store, against the scope's rows only (``scope.scoped_sql``)."""
        note_query(sql)  # for a computation kept until the tables it read change
        if not self.scope.is_everything:
            sql, params = scoped_sql(sql, params, self.scope)
        if self.engine == "postgres":
            return self._state.read(sql, params)
        with self._state.lease():
            cursor = self._state.connection.cursor()
            try:
                return cursor.sql(sql, params=params).pl()
            except duckdb.Error as error:
                if problem := self._disk_problem(error):
                    raise problem from None
                raise
            finally:
                cursor.close()

    @contextmanager
    def _transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """One write of data: the data version and the stamps of the tables it wrote move on in the same transaction,
        so they move on only if it lands, and every kept computation that read those tables is made again."""
        with self._under_write_lock(moves_data=True) as cursor:
            recorder = WriteRecorder(cursor)
            yield recorder
            if self._state.counted:
                cursor.execute(_NEXT_VERSION)
                if self._state.stamped and recorder.written:
                    cursor.execute(STAMP_TABLES, [sorted(recorder.written)])

    @contextmanager
    def unversioned_transaction(self) -> Iterator:
        """One transaction under the write lock that leaves the data version alone: for what is not data (sign-in
        sessions, failed sign-ins), which must not empty every kept chart."""
        with self._under_write_lock(moves_data=False) as cursor:
            yield cursor

    @contextmanager
    def _under_write_lock(self, *, moves_data: bool) -> Iterator:
        """A transaction after every other write of this process (and, on PostgreSQL, of every process): committed
        whole, or rolled back. A full or read-only disk, or a row the database's rules refuse, is said in one
        sentence, like every other refusal a screen shows."""
        with self._write_lock:
            if self.engine == "postgres":
                try:
                    with self._state.transaction() as cursor:
                        yield cursor
                finally:
                    self._state.writes += moves_data
                return
            with self._state.lease():
                cursor = self._state.connection.cursor()
                try:
                    cursor.execute("BEGIN TRANSACTION")
                    try:
                        yield cursor
                    except BaseException:
                        cursor.execute("ROLLBACK")
                        raise
                    try:
                        cursor.execute("COMMIT")
                    finally:
                        self._state.writes += moves_data  # even a failed commit may have moved the data on
                except duckdb.Error as error:
                    if problem := self._disk_problem(error):
                        raise problem from None
                    if isinstance(error, duckdb.ConstraintException):  # said as PostgreSQL's refusals are
                        raise Refused(_plain_error(error)) from None
                    raise
                finally:
                    cursor.close()

    def _refuse_if_changed(
        self,
        cursor,
        table: str,
        record_id: object,
        opened: dict | None,
        what: str,
        *,
        key: str = "id",
        entity_key: str | None = None,
    ) -> dict:
        """The record's stored row (``table`` by ``id``), after refusing the save with ``StaleEdit`` when any field
        of ``opened`` (the values the person saw when they opened the editor) has changed since: the refusal says
        who changed what and when, from the audit trail, so a colleague's correction is never overwritten unseen.
        ``opened=None`` skips the comparison (a command-line write has no editor open)."""
        frame = cursor.sql(f'SELECT * FROM "{table}" WHERE "{key}" = ?', params=[record_id]).pl()
        if frame.height == 0:
            raise Refused(f"There is no {what} {record_id}: someone may have removed it. Nothing was saved.")
        stored = frame.row(0, named=True)
        changed = [name for name, seen in (opened or {}).items() if name in stored and _changed(seen, stored[name])]
        if not changed:
            return stored
        last = cursor.execute(
            "SELECT coalesce(u.display_name, al.username), al.occurred_at FROM audit_log al "
            "LEFT JOIN app_user u ON u.username = al.username WHERE al.entity_type = ? AND al.entity_key = ? "
            "ORDER BY al.id DESC LIMIT 1",
            [table, entity_key or str(record_id)],
        ).fetchone()
        who = f"{last[0]} (at {last[1]:%H:%M on %d %B})" if last else "Someone"
        details = "; ".join(
            f"{name.replace('_', ' ')} is now “{_shown(stored[name])}” (you opened “{_shown(opened[name])}”)"
            for name in changed
        )
        raise StaleEdit(
            [
                f"{who} changed this {what} while you were editing it: {details}. "
                "Your change was not saved. Reopen it to see their version, then make your change again."
            ]
        )

    # -- schema ---------------------------------------------------------------------------------

    def schema_version(self) -> int:
        exists = self._query(
            "SELECT count(*) AS n FROM information_schema.tables WHERE table_name = 'schema_version'"
        ).item()
        if not exists:
            return 0
        return int(self._query("SELECT coalesce(max(version), 0) FROM schema_version").item())

    def migrate(self) -> int:
        """Apply every migration newer than the file's version; returns the version reached."""
        with self._write_lock:
            current = self.schema_version()
            if current > LATEST_VERSION:
                raise StorageProblem(
                    f"{self.path} is at schema version {current}, newer than this Golden Thread "
                    f"(version {LATEST_VERSION}): it was made by a later release. Upgrade Golden Thread before "
                    "opening it; nothing in it was changed."
                )
            if self.read_only and current < LATEST_VERSION:
                raise StorageProblem(
                    f"{self.path} holds no Golden Thread database yet; give the right file, or create it with "
                    f"golden-thread init --db {self.path}."
                    if current == 0
                    else f"{self.path} is at schema version {current}, older than this Golden Thread (version "
                    f"{LATEST_VERSION}), and it was opened read-only so it cannot be upgraded. Run golden-thread init "
                    f"--db {self.path} once where the file can be written, then try again."
                )
            self._state.counted = current >= DATA_VERSION_SINCE
            self._state.stamped = current >= TABLE_VERSIONS_SINCE
            for version, description, sql in MIGRATIONS:
                if version <= current:
                    continue
                with self._transaction() as cursor:
                    cursor.execute(
                        "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, "
                        "description VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp)"
                    )
                    cursor.execute(sql)
                    cursor.execute(
                        "INSERT INTO schema_version (version, description) VALUES (?, ?)", [version, description]
                    )
                    # From the migration that makes it, the file keeps its data version (this one moves it first).
                    self._state.counted = version >= DATA_VERSION_SINCE
                    self._state.stamped = version >= TABLE_VERSIONS_SINCE
            return self.schema_version()

    def columns(self, table: str) -> dict[str, str]:
        """Column name -> DuckDB type, in table order (PostgreSQL's names for its types said as DuckDB's)."""
        if table not in SIGN_IN_TABLES:  # which a restore writes too
            self._check_table(table)
        frame = self._query(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = 'main' AND table_name = ? ORDER BY ordinal_position",
            [table],
        )
        return {
            name: _DUCKDB_TYPE_NAMES.get(kind, kind) for name, kind in zip(frame["column_name"], frame["data_type"])
        }

    def key_constraints(self) -> pl.DataFrame:
        """Every primary key, unique constraint and foreign key of the schema: table_name, constraint_type,
        constraint_column_names, referenced_table, referenced_column_names, in the order they were made."""
        if self.engine == "postgres":
            return self._state.read(_POSTGRES_KEY_CONSTRAINTS, native=True)
        return self.everything()._query(
            "SELECT table_name, constraint_type, constraint_column_names, referenced_table, referenced_column_names "
            "FROM duckdb_constraints() WHERE database_name = current_database() "
            "AND constraint_type IN ('PRIMARY KEY', 'UNIQUE', 'FOREIGN KEY') ORDER BY table_name, constraint_index"
        )

    @staticmethod
    def _check_table(table: str) -> None:
        if table not in TABLES:
            raise Refused(f"Unknown table {table!r}.")

    # -- bulk rows (import, export, demo) --------------------------------------------------------

    def is_empty(self) -> bool:
        return self._query("SELECT count(*) FROM organisation").item() == 0

    def table(self, table: str) -> pl.DataFrame:
        """Every row of one table in a stable order (used by export)."""
        return self._query(self.table_sql(table))

    def table_sql(self, table: str) -> str:
        """The query of ``table``: every row of one of ``TABLES``, in export order."""
        self._check_table(table)
        keys = SORT_KEYS.get(table, ("id",))
        order = ", ".join(f'"{k}"' for k in keys if k in self.columns(table))
        return f'SELECT * FROM "{table}" ORDER BY {order}'

    def insert_tables(self, frames: dict[str, pl.DataFrame], *, replacing: bool = False) -> dict[str, int]:
        """Insert whole tables in one transaction (parents first); nothing is written if any row fails.
        ``replacing``: every row the database held goes first, in the same transaction, sign-ins too (a restore
        into a PostgreSQL database, which is kept, where a file is replaced whole)."""
        counts: dict[str, int] = {}
        with self._transaction() as cursor:
            if replacing:
                for table in reversed((*TABLES, *SIGN_IN_TABLES)):  # children before their parents
                    cursor.execute(f'DELETE FROM "{table}"')
            for table in (*TABLES, *SIGN_IN_TABLES):
                frame = frames.get(table)
                if frame is None or frame.height == 0:
                    continue
                counts[table] = self._insert_frame(cursor, table, frame)
            self._check_one_primary_link(cursor)
            self._check_references(cursor)
        if self.engine == "postgres":
            self._state.analyse(list(counts))
        return counts

    @staticmethod
    def _check_references(cursor: duckdb.DuckDBPyConnection) -> None:
        """What the database's foreign keys held before migration 9 (see ``schema._V9_EDITABLE_RECORDS``) and the
        store holds since: a measure hangs from exactly one aim, driver or project that exists (DOMAIN Decision 3),
        a project belongs to an organisation unit, a cycle tests a change idea that exists and builds on a cycle of
        its own project."""
        problems = []
        for sql, words in _REFERENCE_CHECKS:
            wrong = [str(row[0]) for row in cursor.execute(sql).fetchall()]
            if wrong:
                problems.append(words.format(ids=", ".join(wrong)))
        if problems:
            raise Refused(problems)

    @staticmethod
    def _check_one_primary_link(cursor: duckdb.DuckDBPyConnection) -> None:
        """A project has one primary link into the thread (DOMAIN Decision 2); DuckDB has no partial index."""
        twice = cursor.execute(
            "SELECT project_id FROM project_link WHERE is_primary GROUP BY project_id HAVING count(*) > 1 "
            "ORDER BY project_id LIMIT 5"
        ).fetchall()
        if twice:
            ids = ", ".join(str(row[0]) for row in twice)
            raise Refused(
                f"Project(s) {ids} have more than one primary link; mark one link per project as "
                "primary and the others as 'also contributes to' (is_primary false)."
            )

    def _insert_frame(self, cursor: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> int:
        known = self.columns(table)
        unknown = [c for c in frame.columns if c not in known]
        if unknown:
            raise Refused(f"{table}: unknown column(s) {', '.join(unknown)}.")
        frame = _blank_text_to_null(frame)
        reference = SELF_REFERENCES.get(table)
        if reference in frame.columns and "id" in frame.columns:
            # DuckDB checks a foreign key against rows already stored, not rows of the same statement, so
            # rows that point at each other (a team's division, a cycle's earlier cycle) go in waves.
            remaining = frame
            while remaining.height:
                waiting_on = remaining["id"]
                wave = remaining.filter(~pl.col(reference).is_in(waiting_on.implode()) | pl.col(reference).is_null())
                if wave.height == 0:  # a cycle: let the database refuse it with its own message
                    wave = remaining
                self._insert_rows(cursor, table, wave)
                remaining = remaining.filter(~pl.col("id").is_in(wave["id"].implode()))
            return frame.height
        self._insert_rows(cursor, table, frame)
        return frame.height

    def _insert_rows(self, cursor: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> None:
        if blank := [column for column, kind in frame.schema.items() if kind == pl.Null]:
            # A column blank in every row has no type of its own, and PostgreSQL writes one only into text.
            known = self.columns(table)
            frame = frame.with_columns(pl.col(c).cast(polars_type(known[c])) for c in blank if c in known)
        column_list = ", ".join(f'"{c}"' for c in frame.columns)
        cursor.register("incoming_rows", frame.to_arrow())
        try:
            cursor.execute(f'INSERT INTO "{table}" ({column_list}) SELECT {column_list} FROM incoming_rows')
        finally:
            # After a refused insert the transaction is aborted and even unregistering fails; the
            # original error is the one worth reporting, and the cursor is discarded anyway.
            with suppress(duckdb.TransactionException):
                cursor.unregister("incoming_rows")

    def check_rows(self, table: str, frame: pl.DataFrame) -> list[tuple[int, str]]:
        """Find every row the schema refuses, trying rows in rolled-back transactions.

        Returns (row index, reason) pairs; used to name each bad row of an import after its bulk insert
        failed. Halves of a refused block are tried in turn, so a few bad rows among many cost a few
        dozen trial inserts, not one per row. Rows of earlier tables must already be present.
        """
        problems: list[tuple[int, str]] = []

        def trial(start: int, length: int) -> None:
            try:
                with self._transaction() as cursor:
                    self._insert_frame(cursor, table, frame.slice(start, length))
                    raise _RollBack
            except _RollBack:
                return
            except (duckdb.Error, Refused) as error:
                if length == 1:
                    problems.append((start, _plain_error(error)))
                    return
            half = length // 2
            trial(start, half)
            trial(start + half, length - half)

        if frame.height:
            trial(0, frame.height)
        return problems

    # -- the organisation a person works in ----------------------------------------------------------

    def everything(self) -> Store:
        """This database unscoped: for signing in, resolving a scope and maintenance commands."""
        return self.within(EVERYTHING)

    def resolve_scope(self, organisation_id: int) -> Scope:
        """The scope of one top organisation (a trust, or a network): it, every unit beneath it and, for a
        network, each member ever and every unit beneath them. Refuses an organisation that is not a top one."""
        top = self.everything()._query(
            "SELECT id, name, kind, vocabulary FROM organisation WHERE id = ? AND (parent_id IS NULL OR kind = 'network')",
            [organisation_id],
        )
        if top.height == 0:
            raise Refused(
                f"There is no organisation {organisation_id} to open; choose one of: "
                + "; ".join(
                    f"{i} {n}" for i, n in self.everything().top_organisations().select("id", "name").iter_rows()
                )
                + "."
            )
        units = self.everything()._query(
            """
            WITH RECURSIVE beneath(up, down) AS (
                SELECT parent_id, id FROM organisation WHERE parent_id IS NOT NULL
                UNION SELECT network_id, member_id FROM network_membership
            ), unit(id) AS (
                SELECT ?::INTEGER
                UNION
                SELECT b.down FROM beneath b JOIN unit ON b.up = unit.id
            ) SELECT id FROM unit ORDER BY id
            """,
            [organisation_id],
        )
        row = top.row(0, named=True)
        return Scope(row["id"], row["name"], row["kind"], row["vocabulary"] or "health", tuple(units["id"].to_list()))

    def choose_scope(self, organisation: str | int | None) -> Scope:
        """The scope a command names by id or name (case-insensitive). With one organisation in the database it
        may be left out; with several it is required, and the refusal lists them."""
        tops = self.everything().top_organisations()
        choices = "; ".join(f"{i} {n}" for i, n in tops.select("id", "name").iter_rows())
        if organisation is None or str(organisation).strip() == "":
            if tops.height == 1:
                return self.resolve_scope(tops["id"][0])
            raise Refused(
                f"This database holds {tops.height} organisations; say which with --organisation "
                f"(id or name): {choices}."
            )
        wanted = str(organisation).strip()
        match = tops.filter(
            (pl.col("id").cast(pl.Utf8) == wanted) | (pl.col("name").str.to_lowercase() == wanted.lower())
        )
        if match.height == 0:
            raise Refused(f"There is no organisation or network “{wanted}”; choose one of: {choices}.")
        return self.resolve_scope(match["id"][0])

    def scopes_for(self, username: str) -> list[Scope]:
        """The organisations a person may open: the top of their own organisation (their trust, or their network);
        an administrator who belongs to no organisation administers every one of them."""
        user = self.user(username)
        if user is None or not user["active"]:
            return []
        if user["organisation_id"] is None:
            if user["role"] != "administrator":
                return []
            return [self.resolve_scope(i) for i in self.everything().top_organisations()["id"]]
        home = self.everything().home_organisation(username)
        return [] if home is None else [self.resolve_scope(home)]

    # -- reads for the screens -------------------------------------------------------------------

    def organisations(self) -> pl.DataFrame:
        return self._query("SELECT * FROM organisation ORDER BY id")

    def objectives_overview(self) -> pl.DataFrame:
        """One row per system-level aim, with its objective and counts of the work beneath it."""
        # Counted per aim before joining, never by counting distinct rows of an aim x project x cycle join: a large
        # trust's 40,000 cycles made that join the slowest part of the board.
        return self._query(
            f"""
            WITH aim_projects AS (SELECT DISTINCT aim_id, project_id FROM ({PROJECT_AIM})),
            aim_work AS (
                SELECT ap.aim_id, count(*) FILTER (WHERE p.status = 'active') AS active_projects,
                       sum(c.cycles) AS pdsa_cycles
                FROM aim_projects ap JOIN project p ON p.id = ap.project_id
                LEFT JOIN (SELECT project_id, count(*) AS cycles FROM pdsa_cycle GROUP BY project_id) c
                    ON c.project_id = p.id
                GROUP BY ap.aim_id
            ),
            aim_measures AS (SELECT aim_id, count(*) AS aim_measures FROM measure GROUP BY aim_id)
            SELECT o.id AS objective_id, o.title AS objective, o.category,
                   a.id AS aim_id, a.title AS aim, a.statement, a.target_value, a.target_date,
                   a.responsible_leader,
                   coalesce(w.active_projects, 0) AS active_projects,
                   CAST(coalesce(w.pdsa_cycles, 0) AS BIGINT) AS pdsa_cycles,
                   CASE WHEN a.id IS NULL THEN 0 ELSE coalesce(am.aim_measures, 0) END AS aim_measures
            FROM strategic_objective o
            LEFT JOIN aim a ON a.objective_id = o.id AND a.status = 'active'
            LEFT JOIN aim_work w ON w.aim_id = a.id
            LEFT JOIN aim_measures am ON am.aim_id = a.id
            WHERE o.status = 'active'
            ORDER BY o.id, a.id
            """
        )

    def totals(self) -> dict[str, int]:
        row = self._query(
            """
            SELECT (SELECT count(*) FROM aim WHERE status = 'active') AS aims,
                   (SELECT count(*) FROM project WHERE status = 'active') AS active_projects,
                   (SELECT count(*) FROM project) AS projects,
                   (SELECT count(*) FROM pdsa_cycle) AS pdsa_cycles,
                   (SELECT count(*) FROM measure WHERE status = 'active') AS measures,
                   (SELECT count(*) FROM observation) AS observations
            """
        ).row(0, named=True)
        return {k: int(v) for k, v in row.items()}

    def measures(self) -> pl.DataFrame:
        """Every measure with what it is attached to (aim, driver or project) and the team behind it."""
        return self._query(
            f"""
            SELECT m.*,
                   coalesce(a.title, da.title, pa.title) AS aim,
                   d.title AS driver, p.title AS project, t.name AS team,
                   coalesce(m.aim_id, da.id, pa.id) AS thread_aim_id
            FROM measure m
            LEFT JOIN aim a ON a.id = m.aim_id
            LEFT JOIN driver d ON d.id = m.driver_id
            LEFT JOIN driver_diagram_version v ON v.id = d.version_id
            LEFT JOIN driver_diagram dd ON dd.id = v.diagram_id
            LEFT JOIN aim da ON da.id = dd.aim_id
            LEFT JOIN project p ON p.id = m.project_id
            LEFT JOIN organisation t ON t.id = p.team_id
            LEFT JOIN (
                SELECT pa.project_id, a2.id, a2.title FROM ({PROJECT_AIM}) pa JOIN aim a2 ON a2.id = pa.aim_id
                WHERE pa.is_primary
            ) pa ON pa.project_id = m.project_id
            ORDER BY m.id
            """
        )

    def observations(self, measure_ids: list[int] | None = None) -> pl.DataFrame:
        if measure_ids is None:
            return self._query("SELECT * FROM observation ORDER BY measure_id, period_start")
        return self._query(
            "SELECT * FROM observation WHERE list_contains(?, measure_id) ORDER BY measure_id, period_start",
            [measure_ids],
        )

    def observation_fingerprints(self) -> pl.DataFrame:
        """measure_id, periods, fingerprint and, for a network member's report, the uniform measure it feeds: one row
        per measure with figures, its fingerprint changing with any of its periods' figures, so that what was charted
        from them can tell which measures a write changed."""
        return self._query(
            """
            SELECT o.measure_id, count(*) AS periods,
                   bit_xor(hash(o.period_start, o.value, o.numerator, o.denominator)) AS fingerprint,
                   min(mm.uniform_measure_id) AS uniform_measure_id
            FROM observation o LEFT JOIN member_measure mm ON mm.measure_id = o.measure_id
            GROUP BY o.measure_id ORDER BY o.measure_id
            """
        )

    def first_period(self, measure_ids: list[int]) -> dt.date | None:
        """The earliest period any of the measures has a figure for; None when none has one."""
        if not measure_ids:
            return None
        return self._query(
            "SELECT min(period_start) AS first FROM observation WHERE list_contains(?, measure_id)", [measure_ids]
        )["first"][0]

    def chart_phases(self, measure_ids: list[int] | None = None) -> pl.DataFrame:
        return self._query(
            "SELECT * FROM chart_phase WHERE CAST(? AS INTEGER[]) IS NULL OR list_contains(?, measure_id) "
            "ORDER BY measure_id, starts_on",
            [measure_ids, measure_ids],
        )

    def point_exclusions(self, measure_ids: list[int] | None = None) -> pl.DataFrame:
        return self._query(
            "SELECT * FROM point_exclusion WHERE CAST(? AS INTEGER[]) IS NULL OR list_contains(?, measure_id) "
            "ORDER BY measure_id, period_start",
            [measure_ids, measure_ids],
        )

    def pdsa_cycles_for_measure(self, measure_id: int) -> pl.DataFrame:
        """PDSA cycles of the work a measure watches: its project's, or the projects linked to its driver or aim."""
        return self._query(
            """
            WITH m AS (SELECT * FROM measure WHERE id = ?),
            link_targets AS (
                -- every (project, driver, aim) reached by a project's links, through change ideas and drivers
                SELECT pl.project_id, coalesce(pl.driver_id, cid.driver_id) AS driver_id,
                       coalesce(pl.aim_id, dd.aim_id) AS aim_id
                FROM project_link pl
                LEFT JOIN change_idea_driver cid ON cid.change_idea_id = pl.change_idea_id
                LEFT JOIN driver d ON d.id = coalesce(pl.driver_id, cid.driver_id)
                LEFT JOIN driver_diagram_version v ON v.id = d.version_id
                LEFT JOIN driver_diagram dd ON dd.id = v.diagram_id
            ),
            watched AS (
                SELECT project_id FROM m WHERE project_id IS NOT NULL
                UNION SELECT lt.project_id FROM link_targets lt, m WHERE lt.driver_id = m.driver_id
                UNION SELECT lt.project_id FROM link_targets lt, m WHERE lt.aim_id = m.aim_id
            )
            SELECT c.id, c.title, c.start_date, c.end_date, c.act_decision, c.cycle_number, p.title AS project,
                   ci.title AS change_idea
            FROM pdsa_cycle c JOIN project p ON p.id = c.project_id
            LEFT JOIN change_idea ci ON ci.id = c.change_idea_id
            WHERE c.project_id IN (SELECT project_id FROM watched)
            ORDER BY c.start_date, c.id
            """,
            [measure_id],
        )

    def annotations(self, measure_ids: list[int]) -> pl.DataFrame:
        return self._query(
            "SELECT * FROM annotation WHERE list_contains(?, measure_id) ORDER BY measure_id, on_date", [measure_ids]
        )

    # -- breaks in the golden thread -------------------------------------------------------------

    def thread_breaks(
        self, today: dt.date, *, stale_days: int, quiet_grace_periods: int, rules: list | None = None
    ) -> pl.DataFrame:
        """(rule, entity_id, title, member_id, network_id) for every record behind a break in the thread: one
        UNION ALL of the finders of ``rules`` (default: every rule of ``domain.checks.RULES``), each tagged with
        its own rule's name. Read through ``_query``, so a scoped store finds only its organisation's records."""
        from golden_thread.domain.checks import RULES

        chosen = list(RULES.values() if rules is None else rules)
        if not chosen:
            return pl.DataFrame(
                schema={
                    "rule": pl.Utf8,
                    "entity_id": pl.Int32,
                    "title": pl.Utf8,
                    "member_id": pl.Int32,
                    "network_id": pl.Int32,
                }
            )
        names = {f"rule_{k}": rule.name for k, rule in enumerate(chosen)}
        sql = f"WITH project_aim AS ({PROJECT_AIM})\n" + "\nUNION ALL\n".join(
            f"SELECT ${key} AS rule, f.entity_id, f.title, f.member_id, f.network_id FROM ({rule.finder}) f"
            for key, rule in zip(names, chosen)
        )
        # DuckDB refuses a parameter the text does not use (a few rules may not need $stale or $grace).
        thresholds = {"today": today, "stale": stale_days, "grace": quiet_grace_periods}
        return self._query(sql, {**{k: v for k, v in thresholds.items() if f"${k}" in sql}, **names})

    @staticmethod
    def thread_break_tables(rule) -> frozenset[str]:
        """The tables ``thread_breaks`` reads to find ``rule``'s records (a rule of ``domain.checks.RULES``)."""
        return _finder_tables(rule.finder)

    def project_alignment(self) -> pl.DataFrame:
        """One row per project: its team, division, status, and each aim its links reach (primary or not)."""
        return self._query(
            f"""
            WITH project_aim AS ({PROJECT_AIM})
            SELECT p.id AS project_id, p.title AS project, p.status, t.name AS team,
                   coalesce(division.name, t.name) AS division, pa.aim_id, a.title AS aim, pa.is_primary
            FROM project p
            JOIN organisation t ON t.id = p.team_id
            LEFT JOIN organisation division ON division.id = t.parent_id AND division.kind = 'division'
            LEFT JOIN project_aim pa ON pa.project_id = p.id
            LEFT JOIN aim a ON a.id = pa.aim_id
            ORDER BY p.id, pa.aim_id, pa.is_primary DESC
            """
        )

    def thread_rows(self, parts: tuple[str, ...] | None = None) -> dict[str, pl.DataFrame]:
        """The active parts of the thread, table by table, for building the tree (``parts``: only those named,
        of aims, drivers, driver_links, change_ideas, projects, cycles and measures)."""
        queries = {
            "aims": "SELECT a.id, a.title, o.title AS objective, o.category FROM aim a "
            "JOIN strategic_objective o ON o.id = a.objective_id WHERE a.status = 'active' ORDER BY a.id",
            "drivers": "SELECT d.id, d.title, d.level, dd.aim_id FROM driver d "
            "JOIN driver_diagram_version v ON v.id = d.version_id AND v.status = 'active' "
            "JOIN driver_diagram dd ON dd.id = v.diagram_id ORDER BY d.id",
            "driver_links": "SELECT parent_driver_id, child_driver_id, strength FROM driver_link "
            "ORDER BY child_driver_id, parent_driver_id",
            "change_ideas": "SELECT ci.id, ci.title, cid.driver_id, cid.strength FROM change_idea ci "
            "JOIN driver_diagram_version v ON v.id = ci.version_id AND v.status = 'active' "
            "JOIN change_idea_driver cid ON cid.change_idea_id = ci.id ORDER BY ci.id, cid.driver_id",
            "projects": "SELECT p.id, p.title, p.status, t.name AS team, coalesce(division.name, t.name) AS division, "
            "pl.is_primary, pl.aim_id, pl.driver_id, pl.change_idea_id FROM project p "
            "JOIN organisation t ON t.id = p.team_id LEFT JOIN organisation division "
            "ON division.id = t.parent_id AND division.kind = 'division' "
            "LEFT JOIN project_link pl ON pl.project_id = p.id "
            # a project's links in one order on every engine: its primary link first, then by what they reach
            "ORDER BY p.id, pl.is_primary DESC, pl.change_idea_id, pl.driver_id, pl.aim_id",
            "cycles": "SELECT id, title, project_id, act_decision, start_date, end_date, cycle_number FROM pdsa_cycle "
            "ORDER BY id",
            "measures": "SELECT id, name, measure_type, aim_id, driver_id, project_id FROM measure "
            "WHERE status = 'active' ORDER BY id",
        }
        return {name: self._query(sql) for name, sql in queries.items() if parts is None or name in parts}

    def aims(self) -> pl.DataFrame:
        return self._query("SELECT * FROM aim WHERE status = 'active' ORDER BY id")

    # -- observations (data entry) ----------------------------------------------------------------

    def measure(self, measure_id: int) -> dict | None:
        frame = self._query("SELECT * FROM measure WHERE id = ?", [measure_id])
        return frame.row(0, named=True) if frame.height else None

    @guarded(
        "enter_data",
        team_of=lambda self, measure_id, *a, **k: self.measure_team(measure_id),
        record=_MEASURE,
    )
    def save_observation(
        self,
        measure_id: int,
        proposed: ProposedObservation,
        *,
        username: str,
        today: dt.date,
        correcting: bool = False,
        expected: dict | None = None,
    ) -> str:
        """Add (or, when ``correcting``, change) one period's data; returns 'added', 'corrected' or 'unchanged'.

        Refuses with ``Refused`` listing every problem; nothing is written then. The write and
        its audit record land together in one transaction. ``expected`` is the stored value, numerator and
        denominator the person saw when they began the correction: if someone has changed the period since,
        the save is refused rather than overwrite their work unseen.
        """
        measure = self.measure(measure_id)
        if measure is None:
            raise Refused([f"There is no measure {measure_id}."])
        row, problems = check_observation(proposed, measure, today)
        if problems:
            raise Refused(problems)
        fields = ("value", "numerator", "denominator", "note")
        with self._transaction() as cursor:
            existing = cursor.execute(
                "SELECT value, numerator, denominator, note FROM observation WHERE measure_id = ? AND period_start = ?",
                [measure_id, row["period_start"]],
            ).fetchone()
            if existing is not None and not correcting:
                # Someone added this period while this person was typing theirs: say who and what, keep neither
                # silently (the form still holds what was typed).
                stored = self._entered(cursor, measure_id, [row["period_start"]]).row(0, named=True)
                raise StaleEdit(
                    [
                        f"Not saved: {stored['who']} entered {format_period(row['period_start'], measure['frequency'])}"
                        f" as {_figures(stored)}{_when(stored)} while you were typing; "
                        "your figures are still in the form — correct the stored period if yours are right."
                    ]
                )
            if existing is None and correcting:
                raise Refused(
                    [
                        f"There is no data for the period starting {row['period_start']:%d %B %Y} "
                        "to correct; add it as a new period."
                    ]
                )
            before = dict(zip(fields, existing)) if existing else None
            if (
                expected is not None
                and before is not None
                and any(_differs(expected.get(k), before[k]) for k in ("value", "numerator", "denominator"))
            ):
                who = cursor.execute(
                    "SELECT entered_by, entered_at FROM observation WHERE measure_id = ? AND period_start = ?",
                    [measure_id, row["period_start"]],
                ).fetchone()
                now = (
                    before["value"]
                    if before["value"] is not None
                    else f"{before['numerator']:g}/{before['denominator']:g}"
                )
                raise StaleEdit(
                    [
                        f"Someone else changed {row['period_start']:%B %Y} while you were editing it: it is now {now} "
                        f"(saved by {who[0] or 'unknown'} at {who[1]:%H:%M on %d %B}). Your change was not saved. "
                        "Check the new figure, then save again if yours is still right."
                    ]
                )
            after = {k: row[k] for k in fields}
            if before == after:
                return "unchanged"
            if existing is None:
                cursor.execute(
                    "INSERT INTO observation (measure_id, period_start, value, numerator, denominator, note, status, "
                    "entered_by, entered_at) VALUES (?, ?, ?, ?, ?, ?, 'provisional', ?, current_timestamp)",
                    [
                        measure_id,
                        row["period_start"],
                        row["value"],
                        row["numerator"],
                        row["denominator"],
                        row["note"],
                        username,
                    ],
                )
            else:
                cursor.execute(
                    "UPDATE observation SET value = ?, numerator = ?, denominator = ?, note = ?, entered_by = ?, "
                    "entered_at = current_timestamp, status = 'provisional' WHERE measure_id = ? AND period_start = ?",
                    [
                        row["value"],
                        row["numerator"],
                        row["denominator"],
                        row["note"],
                        username,
                        measure_id,
                        row["period_start"],
                    ],
                )
            self._audit(
                cursor,
                username,
                "correct" if existing else "add",
                "observation",
                f"{measure_id}/{row['period_start']}",
                before,
                after,
            )
        return "corrected" if existing else "added"

    @guarded(
        "enter_data",
        team_of=lambda self, plan, *a, **k: self.measure_team(plan.measure_id),
        record=lambda self, plan, *a, **k: ("measure", plan.measure_id),
    )
    def commit_import(self, plan: ImportPlan, *, username: str, filename: str) -> dict[str, int]:
        """Write a checked import plan in one transaction: new periods added, changed periods corrected."""
        if not plan.ok:
            raise Refused(f"{len(plan.problems)} row(s) have problems; nothing was imported.")
        # The store holds the figures to the same rules as the form and the import's plan (a plan built elsewhere,
        # or for a measure redefined since, is checked again here): nothing is written if one row breaks them.
        measure = self._query("SELECT * FROM measure WHERE id = ?", [plan.measure_id])
        columns = ["measure_id", "period_start", "value", "numerator", "denominator"]
        rows = pl.concat([plan.new.select(columns), plan.changed.select(columns)], how="vertical_relaxed")
        problems = check_observation_rows(rows, measure, first_line=1)
        if problems:
            raise Refused([f"{problem.reason} Nothing was imported." for problem in problems[:5]])
        new = plan.new.with_columns(
            status=pl.lit("provisional"), entered_by=pl.lit(username), entered_at=pl.lit(dt.datetime.now())
        )
        changed = plan.changed.select("measure_id", "period_start", "value", "numerator", "denominator", "note")
        with self._transaction() as cursor:
            # Exactly what was previewed, or nothing: a period added or changed since the preview refuses the whole
            # import, so a colleague's newer figure is never overwritten unseen.
            self._refuse_if_changed_since_preview(cursor, plan, measure.row(0, named=True)["frequency"])
            if new.height:
                self._insert_rows(cursor, "observation", new)
            if changed.height:
                cursor.register("changed_rows", changed.to_arrow())
                try:
                    cursor.execute(
                        "UPDATE observation o SET value = c.value, numerator = c.numerator, "
                        "denominator = c.denominator, note = c.note, entered_by = ?, entered_at = current_timestamp, "
                        "status = 'provisional' "
                        "FROM changed_rows c WHERE o.measure_id = c.measure_id AND o.period_start = c.period_start",
                        [username],
                    )
                finally:
                    with suppress(duckdb.TransactionException):
                        cursor.unregister("changed_rows")
            self._audit(
                cursor,
                username,
                "import",
                "observation",
                f"{plan.measure_id}/{filename}",
                {"changed": plan.changed.drop("measure_id").head(500).to_dicts()} if changed.height else None,
                {"added": new.height, "corrected": changed.height, "unchanged": plan.unchanged},
            )
        return {"added": new.height, "corrected": changed.height, "unchanged": plan.unchanged}

    def _entered(self, cursor, measure_id: int, periods: list[dt.date]) -> pl.DataFrame:
        """The stored periods among ``periods``: figures, status, and who last entered them (by name) and when."""
        rows = cursor.execute(
            "SELECT o.period_start, o.value, o.numerator, o.denominator, o.note, o.status, "
            "coalesce(u.display_name, o.entered_by, 'Someone') AS who, o.entered_at FROM observation o "
            "LEFT JOIN app_user u ON u.username = o.entered_by "
            "WHERE o.measure_id = ? AND list_contains(?, o.period_start) ORDER BY o.period_start",
            [measure_id, periods],
        ).fetchall()
        schema = {"period_start": pl.Date, "value": pl.Float64, "numerator": pl.Float64, "denominator": pl.Float64}
        schema |= {"note": pl.Utf8, "status": pl.Utf8, "who": pl.Utf8, "entered_at": pl.Datetime}
        return pl.DataFrame(rows, schema=schema, orient="row")

    def _refuse_if_changed_since_preview(self, cursor, plan: ImportPlan, frequency: str | None) -> None:
        """Refuse the import (``StaleEdit``) when a period it adds now exists, or a period it changes no longer
        holds the stored values the plan saw (the plan's ``before_*`` columns), naming each period and who
        changed it when."""
        periods = [*plan.new["period_start"].to_list(), *plan.changed["period_start"].to_list()]
        if not periods:
            return
        stored = self._entered(cursor, plan.measure_id, periods)
        seen = [c.removeprefix("before_") for c in plan.changed.columns if c.startswith("before_")]
        saw = plan.changed.select("period_start", *(f"before_{c}" for c in seen))
        compared = saw.join(stored, on="period_start", how="left")
        moved = compared.filter(
            ~pl.all_horizontal(pl.lit(True), *(pl.col(c).eq_missing(pl.col(f"before_{c}")) for c in seen))
        )["period_start"]
        stale = stored.filter(
            pl.col("period_start").is_in(plan.new["period_start"].implode())
            | pl.col("period_start").is_in(moved.implode())
        )
        gone = sorted(set(moved.to_list()) - set(stale["period_start"].to_list()))
        lines = [
            f"{row['who']} {'entered' if row['period_start'] in set(plan.new['period_start']) else 'changed'} "
            f"{format_period(row['period_start'], frequency)} (now {_figures(row)}){_when(row)}"
            for row in stale.iter_rows(named=True)
        ] + [f"{format_period(period, frequency)} is no longer stored" for period in gone]
        if not lines:
            return
        shown = "; ".join(lines[:5]) + (f"; and {len(lines) - 5} more period(s)" if len(lines) > 5 else "")
        raise StaleEdit(
            [
                f"Not imported: since you previewed the file, {shown}. Nothing was imported. Preview the file again "
                "to see the stored figures, then import it if it is still right."
            ]
        )

    # -- chart phases and excluded points --------------------------------------------------------

    @guarded("change_chart", record=_MEASURE)
    def add_phase(self, measure_id: int, starts_on: dt.date, reason: str, *, username: str) -> None:
        """Start a new phase (a rebase) at a period that has data, with its reason."""
        self._change_chart_marker("chart_phase", "starts_on", measure_id, starts_on, reason, username, add=True)

    @guarded("change_chart", record=_MEASURE)
    def remove_phase(self, measure_id: int, starts_on: dt.date, reason: str, *, username: str) -> None:
        self._change_chart_marker("chart_phase", "starts_on", measure_id, starts_on, reason, username, add=False)

    @guarded("change_chart", record=_MEASURE)
    def exclude_point(self, measure_id: int, period_start: dt.date, reason: str, *, username: str) -> None:
        """Leave a period out of the centre line and limits (it stays on the chart), with its reason."""
        self._change_chart_marker(
            "point_exclusion", "period_start", measure_id, period_start, reason, username, add=True
        )

    @guarded("change_chart", record=_MEASURE)
    def include_point(self, measure_id: int, period_start: dt.date, reason: str, *, username: str) -> None:
        self._change_chart_marker(
            "point_exclusion", "period_start", measure_id, period_start, reason, username, add=False
        )

    def _change_chart_marker(
        self, table: str, column: str, measure_id: int, period: dt.date, reason: str, username: str, *, add: bool
    ) -> None:
        what = "phase" if table == "chart_phase" else "excluded point"
        a_what = f"a {what}" if table == "chart_phase" else f"an {what}"
        reason = (reason or "").strip()
        if not reason:
            raise Refused(f"Give a reason for this {what}: boards and analysts will read it on the chart.")
        with self._transaction() as cursor:
            has_data = cursor.execute(
                "SELECT count(*) FROM observation WHERE measure_id = ? AND period_start = ?", [measure_id, period]
            ).fetchone()[0]
            if not has_data:
                raise Refused(
                    f"There is no data for the period starting {period:%d %B %Y}; {a_what} must be "
                    "at a period that has data."
                )
            current = cursor.execute(
                f'SELECT reason, created_by FROM "{table}" WHERE measure_id = ? AND "{column}" = ?',
                [measure_id, period],
            ).fetchone()
            key = f"{measure_id}/{period}"
            if add:
                if current is not None:
                    raise Refused(f"There is already {a_what} at {period:%d %B %Y} ({current[0]}).")
                cursor.execute(
                    f'INSERT INTO "{table}" (measure_id, "{column}", reason, created_by) VALUES (?, ?, ?, ?)',
                    [measure_id, period, reason, username],
                )
                self._audit(cursor, username, "add", table, key, None, {"reason": reason}, reason)
            else:
                if current is None:
                    raise Refused(f"There is no {what} at {period:%d %B %Y} to remove.")
                cursor.execute(f'DELETE FROM "{table}" WHERE measure_id = ? AND "{column}" = ?', [measure_id, period])
                # The removed marker stays in the audit trail, with who removed it and why.
                self._audit(
                    cursor,
                    username,
                    "remove",
                    table,
                    key,
                    {"reason": current[0], "created_by": current[1]},
                    None,
                    reason,
                )

    # -- people and permissions ----------------------------------------------------------------------

    def user(self, username: str) -> dict | None:
        """An account by username, wherever it works (signing in comes before choosing an organisation)."""
        frame = self.everything()._query("SELECT * FROM app_user WHERE username = ?", [username])
        return frame.row(0, named=True) if frame.height else None

    def users(self) -> pl.DataFrame:
        return self._query(
            "SELECT u.username, u.display_name, u.role, o.name AS organisation, u.active, "
            "u.password_hash IS NOT NULL AS has_password FROM app_user u "
            "LEFT JOIN organisation o ON o.id = u.organisation_id ORDER BY u.username"
        )

    def setting(self, key: str) -> str | None:
        frame = self._query("SELECT value FROM app_setting WHERE key = ?", [key])
        return frame.item() if frame.height else None

    def user_teams(self, username: str) -> set[int]:
        """The organisation units a user belongs to: their own and everything beneath it."""
        frame = self._query(
            """
            WITH RECURSIVE unit(id) AS (
                SELECT organisation_id FROM app_user WHERE username = ? AND organisation_id IS NOT NULL
                UNION SELECT o.id FROM organisation o JOIN unit ON o.parent_id = unit.id
            ) SELECT id FROM unit
            """,
            [username],
        )
        return set(frame["id"].to_list())

    def measure_team(self, measure_id: int) -> int | None:
        """The unit that owns a measure: its project's team, or the member school reporting a network's uniform
        measure (aim and driver measures belong to no team)."""
        frame = self._query(
            "SELECT coalesce(p.team_id, mm.member_id) AS owner FROM measure m "
            "LEFT JOIN project p ON p.id = m.project_id LEFT JOIN member_measure mm ON mm.measure_id = m.id "
            "WHERE m.id = ?",
            [measure_id],
        )
        return frame.item() if frame.height else None

    def measure_owners(self) -> pl.DataFrame:
        """Every measure's owning unit (``measure_team``, for all of them at once) and the start of its latest period
        with data: measure_id, owner, last_period."""
        return self._query(
            "SELECT m.id AS measure_id, coalesce(p.team_id, mm.member_id) AS owner, latest.last_period "
            "FROM measure m LEFT JOIN project p ON p.id = m.project_id "
            "LEFT JOIN member_measure mm ON mm.measure_id = m.id "
            "LEFT JOIN (SELECT measure_id, max(period_start) AS last_period FROM observation GROUP BY measure_id) latest "
            "ON latest.measure_id = m.id ORDER BY m.id"
        )

    def project_team(self, project_id: int) -> int | None:
        frame = self._query("SELECT team_id FROM project WHERE id = ?", [project_id])
        return frame.item() if frame.height else None

    def authorise(self, username: str, action: str, team_id: int | None = None) -> None:
        """Raise PermissionRefused unless ``username`` may do ``action`` (on ``team_id``'s work, for team roles)."""
        user = self.user(username) if username else None
        if user is None or not user["active"]:
            raise PermissionRefused(
                f"“{username}” is not an active user of this Golden Thread: sign in again. Nothing was changed."
            )
        problem = refusal(user["role"], action)
        if problem:
            raise PermissionRefused(problem)
        if not self._works_in_scope(user):
            raise PermissionRefused(
                f"You work at {self._works_at(user)}, not {self.scope.name}: only its own people "
                f"can {ACTIONS[action][1]} there. Nothing was changed."
            )
        if user["role"] in TEAM_SCOPED and (team_id is None or team_id not in self.user_teams(username)):
            raise PermissionRefused(
                f"You can {ACTIONS[action][1]} only for your own team; this belongs to "
                f"{'no team (it is an aim or driver measure)' if team_id is None else 'another team'}. "
                "Ask an improvement lead. Nothing was changed."
            )
        _AUTHORISED.set(username)  # the guard's record check comes next, and holds the record to this person

    def _works_in_scope(self, user: dict) -> bool:
        if self.scope.is_everything:
            return True
        if user["organisation_id"] is None:
            return user["role"] == "administrator"  # an administrator of the whole database
        return user["organisation_id"] in self.scope.units

    def _works_at(self, user: dict) -> str:
        frame = self.everything()._query("SELECT name FROM organisation WHERE id = ?", [user["organisation_id"]])
        return frame.item() if frame.height else "no organisation"

    def require_in_scope(self, table: str, record_id: object, username: str | None = None) -> None:
        """Refuse a write to a record outside this store's organisation (it reads as if it were not there).

        An unscoped store (``Store(path)``, as the command line opens it) has no organisation of its own, so the
        record is held to the organisations of the person writing (``username``, or the one ``authorise`` has just
        let through): it must be in one of their ``scopes_for``. An administrator who belongs to no organisation
        administers every one and may act everywhere; with nobody named, maintenance goes on unchecked."""
        if table not in OWNERSHIP:
            raise Refused(f"Unknown record type {table!r}.")
        what = f"{table.replace('_', ' ')} {record_id}"
        if not self.scope.is_everything:
            if not self._holds(self.scope, table, record_id):
                raise PermissionRefused(
                    f"There is no {what} in {self.scope.name}: "
                    "you can change only your own organisation's records. Nothing was changed."
                )
            return
        person = username or _AUTHORISED.get()
        user = self.user(person) if person else None
        if user is None or self._administers_everything(user):
            return
        scopes = self.scopes_for(person)
        if any(self._holds(scope, table, record_id) for scope in scopes):
            return
        mine = self._own_organisations(scopes)
        owner = self._who_may_change(table, record_id)
        if owner is None:
            raise PermissionRefused(
                f"There is no {what} in {mine}, where you work: "
                "you can change only your own organisation's records. Nothing was changed."
            )
        if table == "aim" and self._network_of_aim(record_id) is not None:
            what = "the network aim"
        raise PermissionRefused(f"Only {owner} can change {what}; you work at {mine}. Nothing was changed.")

    def _holds(self, scope: Scope, table: str, record_id: object) -> bool:
        """Whether ``scope``'s organisation holds the record (by the table's ``OWNERSHIP`` condition)."""
        column = "aim_id" if table == "local_aim" else "id"
        return self.within(scope)._query(f'SELECT 1 FROM "{table}" WHERE "{column}" = ?', [record_id]).height > 0

    def _who_may_change(self, table: str, record_id: object) -> str | None:
        """Whose record this is, in words for a refusal: a trust's own people, the hub of a network (its aim, shared
        diagram and measure definitions) or a member's own people and the hub; None when no organisation holds it."""
        for top in self.everything().top_organisations()["id"].to_list():
            scope = self.resolve_scope(top)
            if not self._holds(scope, table, record_id):
                continue
            if not scope.is_network:
                return f"{scope.name}'s own people"
            if self._holds(Scope(scope.organisation_id, scope.name, scope.kind, units=(top,)), table, record_id):
                return f"the hub of {scope.name}"
            return f"the member's own people or the hub of {scope.name}"
        return None

    @staticmethod
    def _administers_everything(user: dict) -> bool:
        """An administrator who belongs to no organisation: they administer every organisation in the database."""
        return user["role"] == "administrator" and user["organisation_id"] is None

    @staticmethod
    def _own_organisations(scopes: list[Scope]) -> str:
        return " or ".join(scope.name for scope in scopes) or "no organisation"

    def _require_own_people(
        self, username: str, account: str, existing: bool, works_at: int | None, placed_at: int | None
    ) -> None:
        """(An unscoped store.) Refuse unless the account being changed, if it ``existing``, works in the
        administrator's own organisation (``works_at``) and is placed within it (``placed_at``)."""
        user = self.user(username)
        if user is None or self._administers_everything(user):
            return
        scopes = self.scopes_for(username)
        own = {unit for scope in scopes for unit in scope.units}
        mine = self._own_organisations(scopes)
        if existing and works_at not in own:
            raise PermissionRefused(
                f"“{account}” works at {self._organisation_name(works_at)}, not in {mine}: only their own "
                "organisation's administrators can change their account. Nothing was changed."
            )
        if placed_at not in own:
            raise PermissionRefused(
                f"You can place people only within {mine}, where you work, not at "
                f"{self._organisation_name(placed_at)}. Nothing was changed."
            )

    def _organisation_name(self, organisation_id: int | None) -> str:
        if organisation_id is None:
            return "no organisation"
        frame = self.everything()._query("SELECT name FROM organisation WHERE id = ?", [organisation_id])
        return frame.item() if frame.height else f"organisation {organisation_id}"

    def _left_without_administrator(
        self, cursor: duckdb.DuckDBPyConnection, account: str, role: str, organisation_id: int | None, active: bool
    ) -> str | None:
        """The name of the organisation that saving ``account`` as (role, organisation, active) would leave with no
        active administrator (its own, or one who administers every organisation), or None. Read inside the
        write's transaction, so two administrators demoting each other at once cannot both succeed."""
        before = cursor.execute(
            "SELECT role, organisation_id, active FROM main.app_user WHERE username = ?", [account]
        ).fetchone()
        if before is None or before[0] != "administrator" or not before[2]:
            return None  # only an active administrator's change can take an organisation's last one away
        if (role, organisation_id, active) == tuple(before):
            return None
        top_of = dict(
            cursor.execute(
                """
                WITH RECURSIVE up(start_id, id, parent_id, kind, depth) AS (
                    SELECT id, id, parent_id, kind, 0 FROM main.organisation
                    UNION ALL
                    SELECT up.start_id, o.id, o.parent_id, o.kind, up.depth + 1
                    FROM main.organisation o JOIN up ON o.id = up.parent_id
                    WHERE up.kind IS DISTINCT FROM 'network' AND up.depth < 64
                ) SELECT start_id, arg_min(id, depth) FROM up WHERE parent_id IS NULL OR kind = 'network'
                GROUP BY start_id
                """
            ).fetchall()
        )
        others = [
            row[0]
            for row in cursor.execute(
                "SELECT organisation_id FROM main.app_user WHERE role = 'administrator' AND active AND username <> ?",
                [account],
            ).fetchall()
        ]
        anyone = object()  # the database as a whole, administered while anybody administers anything

        def administered(organisations: list[int | None]) -> set:
            reach: set = {anyone} if organisations else set()
            for unit in organisations:
                reach |= set(top_of.values()) if unit is None else {top_of.get(unit)}
            return reach

        after = [*others, organisation_id] if role == "administrator" and active else others
        lost = administered([*others, before[1]]) - administered(after)
        if not lost:
            return None
        named = sorted(top for top in lost if top is not anyone and top is not None)
        return self._organisation_name(named[0]) if named else "this Golden Thread"

    def verify_password(self, username: str, password: str) -> dict | None:
        """The user when the password is theirs and the account active; None otherwise (never says which)."""
        from argon2 import PasswordHasher
        from argon2.exceptions import InvalidHashError, VerificationError

        user = self.user(username.strip()) if username else None
        hasher = PasswordHasher()
        stored = user["password_hash"] if user and user["password_hash"] else _dummy_hash()
        try:
            hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return None
        return user if user and user["active"] and user["password_hash"] else None

    @guarded("manage_users")
    def save_user(
        self,
        account: str,
        display_name: str,
        role: str,
        organisation_id: int | None,
        password: str | None,
        *,
        username: str,
        active: bool = True,
        opened: dict | None = None,
    ) -> str:
        """Add or change a local account; returns 'added' or 'changed'. Passwords are stored only as argon2 hashes.
        ``opened`` holds the account's name, role, unit and active box as the form loaded them: a change made by
        someone else since is not overwritten unseen (``StaleEdit``)."""
        from argon2 import PasswordHasher

        from golden_thread.domain.enumerations import ROLES

        account = account.strip()
        problems = []
        if not account or len(account) > 64 or any(c.isspace() for c in account):
            problems.append("A username is 1–64 characters with no spaces.")
        if not display_name.strip():
            problems.append("Give the person's name as colleagues know it.")
        if role not in ROLES:
            problems.append(f"Choose a role: {', '.join(ROLES)}.")
        if password is not None and len(password) < 12:
            problems.append("A password needs at least 12 characters.")
        if not self.scope.is_everything and organisation_id not in self.scope.units:
            problems.append(f"Choose where the person works within {self.scope.name}.")
        if problems:
            raise Refused(" ".join(problems))
        digest = PasswordHasher().hash(password) if password is not None else None
        with self._transaction() as cursor:
            found = cursor.execute(
                "SELECT display_name, role, organisation_id, active FROM app_user WHERE username = ?", [account]
            ).fetchall()  # read to the end: the stale check below runs on the same cursor
            before = found[0] if found else None
            if before is not None and not self.scope.is_everything and before[2] not in self.scope.units:
                raise Refused(f"The username “{account}” is already taken; choose another.")
            if before is not None and opened:
                self._refuse_if_changed(cursor, "app_user", account, opened, "account", key="username")
            if self.scope.is_everything:
                self._require_own_people(username, account, before is not None, before and before[2], organisation_id)
            if (left := self._left_without_administrator(cursor, account, role, organisation_id, active)) is not None:
                raise Refused(
                    (
                        "You are the last active administrator"
                        if account == username
                        else f"“{account}” is the last active administrator"
                    )
                    + f" of {left}: make someone else an administrator there first"
                    + (", then change your own account." if account == username else ", then change this account.")
                    + " Nothing was changed."
                )
            if before is None:
                if digest is None:
                    raise Refused("A new account needs a password.")
                cursor.execute(
                    "INSERT INTO app_user (username, display_name, role, organisation_id, password_hash, "
                    "active) VALUES (?, ?, ?, ?, ?, ?)",
                    [account, display_name.strip(), role, organisation_id, digest, active],
                )
            else:
                cursor.execute(
                    "UPDATE app_user SET display_name = ?, role = ?, organisation_id = ?, active = ?, "
                    "password_hash = coalesce(?, password_hash) WHERE username = ?",
                    [display_name.strip(), role, organisation_id, active, digest, account],
                )
                if not active or (digest is not None and account != username):
                    from golden_thread.storage.accounts import end_sessions_in  # signed out everywhere, at once

                    end_sessions_in(cursor, account)
            after = {
                "display_name": display_name.strip(),
                "role": role,
                "organisation_id": organisation_id,
                "active": active,
                "password_changed": digest is not None,
            }
            self._audit(
                cursor,
                username,
                "add" if before is None else "change",
                "app_user",
                account,
                None if before is None else dict(zip(("display_name", "role", "organisation_id", "active"), before)),
                after,
            )
        return "added" if before is None else "changed"

    # -- the board -----------------------------------------------------------------------------------

    def board_measures(self) -> pl.DataFrame:
        """The measures a board sees for each active aim: its outcome and balancing measures, and its key process
        measures (the process measures on the drivers of its active diagram). Adds board_aim_id, board_role."""
        return self._query(
            """
            SELECT m.*, a.id AS board_aim_id,
                   CASE m.measure_type WHEN 'process' THEN 'key process' ELSE m.measure_type END AS board_role
            FROM measure m
            LEFT JOIN driver d ON d.id = m.driver_id
            LEFT JOIN driver_diagram_version v ON v.id = d.version_id AND v.status = 'active'
            LEFT JOIN driver_diagram dd ON dd.id = v.diagram_id
            JOIN aim a ON a.id = coalesce(m.aim_id, CASE WHEN v.id IS NOT NULL THEN dd.aim_id END)
            WHERE m.status = 'active' AND a.status = 'active' AND m.project_id IS NULL
              AND (m.aim_id IS NOT NULL OR m.measure_type = 'process')
            ORDER BY a.id, CASE m.measure_type WHEN 'outcome' THEN 0 WHEN 'process' THEN 1 ELSE 2 END, m.id
            """
        )

    def aim_activity(self, month_start: dt.date, next_month: dt.date) -> pl.DataFrame:
        """Per active aim: its active aligned projects now, and PDSA cycles in them that started in the month."""
        return self._query(
            f"""
            WITH project_aim AS (SELECT DISTINCT aim_id, project_id FROM ({PROJECT_AIM}))
            SELECT a.id AS aim_id,
                   count(DISTINCT p.id) FILTER (WHERE p.status = 'active') AS active_projects,
                   count(DISTINCT c.id) FILTER (WHERE c.start_date >= ? AND c.start_date < ?) AS cycles_in_month
            FROM aim a
            LEFT JOIN project_aim pa ON pa.aim_id = a.id
            LEFT JOIN project p ON p.id = pa.project_id
            LEFT JOIN pdsa_cycle c ON c.project_id = p.id
            WHERE a.status = 'active'
            GROUP BY a.id ORDER BY a.id
            """,
            [month_start, next_month],
        )

    def aim_projects(self, aim_id: int) -> pl.DataFrame:
        """The projects whose links reach an aim, with their team, status, link and PDSA cycle count."""
        return self._query(
            f"""
            WITH project_aim AS ({PROJECT_AIM})
            SELECT p.id AS project_id, p.title AS project, t.name AS team, p.status, p.lead,
                   bool_or(pa.is_primary) AS is_primary,
                   (SELECT count(*) FROM pdsa_cycle c WHERE c.project_id = p.id) AS pdsa_cycles,
                   (SELECT max(c.start_date) FROM pdsa_cycle c WHERE c.project_id = p.id) AS last_cycle
            FROM project_aim pa JOIN project p ON p.id = pa.project_id JOIN organisation t ON t.id = p.team_id
            WHERE pa.aim_id = ?
            GROUP BY p.id, p.title, t.name, p.status, p.lead ORDER BY p.status <> 'active', p.title
            """,
            [aim_id],
        )

    @guarded("publish_board")
    def publish_board(self, month: dt.date, frames: dict[str, str], *, username: str) -> None:
        """Freeze a month's board of this store's organisation. A published month is never rewritten: publishing
        it again is refused. Another organisation's board for the same month is its own affair."""
        if self.scope.is_everything:
            raise Refused("Say which organisation's board to publish: a board belongs to one organisation.")
        organisation_id = self.scope.organisation_id
        with self._transaction() as cursor:
            if cursor.execute(
                "SELECT 1 FROM board_snapshot WHERE organisation_id = ? AND month = ?", [organisation_id, month]
            ).fetchone():
                raise Refused(
                    f"The board of {self.scope.name} for {month:%B %Y} is already published; a published "
                    "board is not changed. Corrections show as “changed since last board” next month."
                )
            cursor.execute(
                "INSERT INTO board_snapshot (organisation_id, month, published_by, aims_json, measures_json, points_json) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [organisation_id, month, username, frames["aims"], frames["measures"], frames["points"]],
            )
            self._audit(
                cursor,
                username,
                "publish",
                "board_snapshot",
                month.isoformat(),
                None,
                {"month": month.isoformat(), "organisation": self.scope.name},
            )

    def board_snapshots(self) -> pl.DataFrame:
        return self._query(
            "SELECT organisation_id, month, published_at, published_by FROM board_snapshot "
            "ORDER BY organisation_id, month"
        )

    def board_snapshot(self, month: dt.date) -> dict | None:
        """This organisation's published board for a month (None in the unscoped store: a board is one organisation's)."""
        if self.scope.is_everything:
            return None
        frame = self._query(
            "SELECT * FROM board_snapshot WHERE organisation_id = ? AND month = ?", [self.scope.organisation_id, month]
        )
        return frame.row(0, named=True) if frame.height else None

    # -- the thread (links) -------------------------------------------------------------------------

    def link_targets(self) -> pl.DataFrame:
        """Where a project can be linked: each active aim, and each driver and change idea of an active
        driver-diagram version, labelled with the aim it serves (kind, target_id, aim, label)."""
        return self._query(
            """
            SELECT 'aim' AS kind, a.id AS target_id, a.title AS aim, 'Aim: ' || a.title AS label FROM aim a
            WHERE a.status = 'active'
            UNION ALL
            SELECT 'driver', d.id, a.title, a.title || ' › ' || d.level || ' driver: ' || d.title FROM driver d
            JOIN driver_diagram_version v ON v.id = d.version_id AND v.status = 'active'
            JOIN driver_diagram dd ON dd.id = v.diagram_id JOIN aim a ON a.id = dd.aim_id AND a.status = 'active'
            UNION ALL
            SELECT 'change_idea', ci.id, a.title, a.title || ' › change idea: ' || ci.title FROM change_idea ci
            JOIN driver_diagram_version v ON v.id = ci.version_id AND v.status = 'active'
            JOIN driver_diagram dd ON dd.id = v.diagram_id JOIN aim a ON a.id = dd.aim_id AND a.status = 'active'
            ORDER BY aim, kind, target_id
            """
        )

    def _audit(
        self,
        cursor,
        username: str,
        action: str,
        entity_type: str,
        entity_key: str,
        before: dict | None,
        after: dict | None,
        reason: str | None = None,
    ) -> None:
        """One audit record, in the write's transaction, kept with the organisation it happened in."""
        organisation_id = self.scope.organisation_id
        if organisation_id is None:
            home = self.everything().home_organisation(username) if username else None
            organisation_id = home
        cursor.execute(
            "INSERT INTO audit_log (id, username, action, entity_type, entity_key, before_json, after_json, reason, "
            "organisation_id) SELECT coalesce(max(id), 0) + 1, ?, ?, ?, ?, ?, ?, ?, ? FROM audit_log",
            [
                username,
                action,
                entity_type,
                entity_key,
                None if before is None else json.dumps(before, default=str),
                None if after is None else json.dumps(after, default=str),
                reason,
                organisation_id,
            ],
        )

    def audit_log(self) -> pl.DataFrame:
        return self._query("SELECT * FROM audit_log ORDER BY id")

    def audit_names(self) -> pl.DataFrame:
        """kind, key, name: what the audit trail's records and the people in it are called (key: the record's id,
        or an account's username), so the trail reads "Sam Lee corrected Falls…" rather than "lead 22/2026-11-01"."""
        return self._query(
            """
            SELECT 'strategic_objective' AS kind, CAST(id AS VARCHAR) AS key, title AS name FROM strategic_objective
            UNION ALL SELECT 'aim', CAST(id AS VARCHAR), title FROM aim
            UNION ALL SELECT 'driver', CAST(id AS VARCHAR), title FROM driver
            UNION ALL SELECT 'change_idea', CAST(id AS VARCHAR), title FROM change_idea
            UNION ALL SELECT 'project', CAST(id AS VARCHAR), title FROM project
            UNION ALL SELECT 'measure', CAST(id AS VARCHAR), name FROM measure
            UNION ALL SELECT 'pdsa_cycle', CAST(id AS VARCHAR),
                coalesce('cycle ' || cycle_number || ': ', '') || title FROM pdsa_cycle
            UNION ALL SELECT 'driver_diagram', CAST(id AS VARCHAR), title FROM driver_diagram
            UNION ALL SELECT 'organisation', CAST(id AS VARCHAR), name FROM organisation
            UNION ALL SELECT 'focus_board', CAST(id AS VARCHAR), name FROM focus_board
            UNION ALL SELECT 'focus_objective', CAST(id AS VARCHAR), title FROM focus_objective
            UNION ALL SELECT 'focus_action', CAST(id AS VARCHAR), title FROM focus_action
            UNION ALL SELECT 'huddle', CAST(h.id AS VARCHAR), strftime(h.held_on, '%d %B %Y') || ', ' || b.name
                FROM huddle h JOIN focus_board b ON b.id = h.board_id
            UNION ALL SELECT 'leadership_framework', CAST(f.id AS VARCHAR), max_by(v.title, v.version_number)
                FROM leadership_framework f JOIN leadership_framework_version v ON v.framework_id = f.id GROUP BY f.id
            UNION ALL SELECT 'app_user', username, display_name FROM main.app_user
                WHERE username IN (SELECT username FROM audit_log UNION ALL SELECT entity_key FROM audit_log
                                   WHERE entity_type = 'app_user')
            ORDER BY kind, key
            """
        )

    def observation_audit(self, measure_id: int) -> pl.DataFrame:
        """The audit records of one measure's data: each entry, correction and import."""
        return self._query(
            "SELECT * FROM audit_log WHERE entity_type = 'observation' AND entity_key LIKE ? ORDER BY id",
            [f"{int(measure_id)}/%"],
        )


@functools.lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """Verified against when a username is unknown, so a wrong username and a wrong password take the same time."""
    from argon2 import PasswordHasher

    return PasswordHasher().hash("no such account")


class _RollBack(Exception):
    """Raised inside a transaction to undo a trial insert."""


def _blank_text_to_null(frame: pl.DataFrame) -> pl.DataFrame:
    """Blank text means 'not given': stored as NULL so that export and import round-trip exactly."""
    text = [c for c, t in frame.schema.items() if t == pl.Utf8]
    if not text:
        return frame
    return frame.with_columns(
        pl.when(pl.col(c).str.strip_chars() == "").then(None).otherwise(pl.col(c)).alias(c) for c in text
    )


def _plain_error(error: Exception) -> str:
    """DuckDB's message without its error-class prefix and SQL context, for a person to read."""
    message = str(error).split("\n")[0]
    for prefix in ("Constraint Error: ", "Conversion Error: ", "Invalid Input Error: ", "Binder Error: "):
        if message.startswith(prefix):
            message = message[len(prefix) :]
    return message


def _differs(seen, stored) -> bool:
    if seen is None or stored is None:
        return seen is not stored
    return abs(float(seen) - float(stored)) > 1e-9 * max(1.0, abs(float(stored)))


def _changed(seen, stored) -> bool:
    """Whether a field differs from what the person saw: numbers within rounding, blank text as no text."""
    if isinstance(seen, str) or isinstance(stored, str):
        return (seen or "").strip() != (stored or "").strip()
    if isinstance(seen, (int, float)) and isinstance(stored, (int, float)) and not isinstance(seen, bool):
        return _differs(seen, stored)
    return seen != stored


def _figures(row: dict) -> str:
    """A stored period's figures as a person reads them: '40 / 50', or '7.5'."""
    if row["numerator"] is not None or row["denominator"] is not None:
        return f"{_number(row['numerator'])} / {_number(row['denominator'])}"
    return _number(row["value"])


def _when(row: dict) -> str:
    """' at 17:40 on 01 December', when the stored period says when it was entered."""
    return f" at {row['entered_at']:%H:%M on %d %B}" if row["entered_at"] else ""


def _number(number: float | None) -> str:
    return "blank" if number is None else f"{number:,.6f}".rstrip("0").rstrip(".")


def _shown(value) -> str:
    if value is None or value == "":
        return "blank"
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "…"
