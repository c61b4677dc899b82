"""PostgreSQL, for deployments beyond one server (issue 19): its schema, made by the same numbered migrations as
DuckDB's.

The migrations are written once, in DuckDB's dialect (``schema.MIGRATIONS``); ``dialect.to_postgres`` turns each
into PostgreSQL's statements, after ``dialect.COMPAT_SQL``. The tables live in a schema named ``main``, DuckDB's
name for its own, so that the organisation scope's ``main.table`` reads the real table on either engine; every
connection sets ``search_path`` to it. Two processes starting together migrate one after the other
(``pg_advisory_lock``), each migration in a transaction of its own with its ``schema_version`` row.

psycopg 3 is the driver: a connection pool for a server's threads, ``COPY`` for bulk loads, typed errors (a
violated constraint is ``psycopg.errors.IntegrityError``) and native ``$1`` placeholders through ``RawCursor``.
ADBC reads Arrow more directly but brings no pool; ``spikes/postgres/FINDINGS.md`` compares them.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import polars as pl
import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict
from psycopg.types.numeric import FloatLoader
from psycopg.types.string import TextLoader
from psycopg_pool import ConnectionPool

from golden_thread.errors import Refused, StorageProblem
from golden_thread.storage.dialect import COMPAT_SQL, Translated, bind, to_postgres
from golden_thread.storage.schema import LATEST_VERSION, MIGRATIONS

SCHEMA = "main"
# The key of the advisory lock migrations hold: any constant the deployment's other users of the database do not
# use ("GT" and the number).
MIGRATION_LOCK = 0x4754_0019

# What PostgreSQL can hold that DuckDB cannot, made right after the migration of its version (the store's own
# checks keep these rules on DuckDB): a project's one primary link (DOMAIN Decision 2) as a partial unique index.
POSTGRES_ONLY: dict[int, str] = {
    14: "CREATE UNIQUE INDEX one_primary_link_per_project ON project_link (project_id) WHERE is_primary",
}

_SCHEMA_VERSION_TABLE = (
    "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, description VARCHAR NOT NULL, "
    "applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp)"
)


def described(conninfo: str) -> str:
    """The database an address names, for a sentence: its name, host and port, never its password."""
    try:
        parts = conninfo_to_dict(conninfo)
    except psycopg.ProgrammingError:
        return "the PostgreSQL address given"
    where = parts.get("host") or "localhost"
    return (
        f"PostgreSQL database {parts.get('dbname') or parts.get('user') or ''!s} on {where}:{parts.get('port', 5432)}"
    )


def reach(conninfo: str) -> None:
    """Refuse, in one sentence, a database that cannot be reached (no server, no such database, refused sign-in)
    before anything waits on a pool that would only time out."""
    try:
        psycopg.connect(conninfo, connect_timeout=10).close()
    except psycopg.OperationalError as error:
        reason = str(error).strip().splitlines()[-1].split("FATAL:")[-1].strip().rstrip(".?") or "no answer"
        raise StorageProblem(
            f"Golden Thread could not reach the {described(conninfo)} ({reason}). Check the address in --db or "
            "GOLDEN_THREAD_DB, and that the server is running."
        ) from None


def connect(conninfo: str) -> psycopg.Connection:
    """A connection to the database, reading and writing Golden Thread's schema by its tables' plain names."""
    return psycopg.connect(conninfo, autocommit=True, options=f"-c search_path={SCHEMA}")


def schema_version(connection: psycopg.Connection) -> int:
    """The newest migration applied; 0 for a database that holds no Golden Thread yet."""
    found = connection.execute("SELECT to_regclass('schema_version') IS NOT NULL").fetchone()[0]
    if not found:
        return 0
    return connection.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()[0]


def migrate(conninfo: str) -> int:
    """Apply every migration newer than the database's version; returns the version reached."""
    reach(conninfo)
    with psycopg.connect(conninfo, autocommit=True) as connection:
        connection.execute("SELECT pg_advisory_lock(%s)", [MIGRATION_LOCK])
        try:
            connection.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(SCHEMA)))
            connection.execute(sql.SQL("SET search_path = {}").format(sql.Identifier(SCHEMA)))
            current = schema_version(connection)
            if current > LATEST_VERSION:
                raise StorageProblem(
                    f"The database is at schema version {current}, newer than this Golden Thread (version "
                    f"{LATEST_VERSION}): upgrade Golden Thread before opening it; nothing in it was changed."
                )
            for version, description, script in MIGRATIONS:
                if version <= current:
                    continue
                with connection.transaction():
                    if current == 0 and version == MIGRATIONS[0][0]:
                        connection.execute(COMPAT_SQL)
                    for statement in to_postgres(_SCHEMA_VERSION_TABLE).statements + to_postgres(script).statements:
                        connection.execute(statement)
                    if version in POSTGRES_ONLY:
                        connection.execute(POSTGRES_ONLY[version])
                    connection.execute(
                        "INSERT INTO schema_version (version, description) VALUES (%s, %s)", [version, description]
                    )
            with connection.transaction():
                _index_references(connection)
            return schema_version(connection)
        finally:
            connection.execute("SELECT pg_advisory_unlock(%s)", [MIGRATION_LOCK])


# Each reference to another record (a column named ``..._id``: every foreign key, and the references the store
# checks itself since migration 9) that no index leads with. DuckDB indexes each foreign key itself and joins by
# hashing; PostgreSQL, without an index, reads one project's cycles by scanning every cycle.
_UNINDEXED_REFERENCES = """
SELECT c.table_name::text, c.column_name::text
FROM information_schema.columns c
JOIN information_schema.tables t USING (table_schema, table_name)
WHERE c.table_schema = %s AND t.table_type = 'BASE TABLE' AND c.column_name LIKE '%%\\_id'
  AND NOT EXISTS (SELECT 1 FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
                  WHERE i.indrelid = format('%%I.%%I', c.table_schema, c.table_name)::regclass
                    AND a.attname = c.column_name)
ORDER BY c.table_name, c.column_name
"""
# And the audit trail, read by record: when a project or measure was added, a record's history.
_AUDIT_TRAIL_INDEX = "CREATE INDEX IF NOT EXISTS audit_log_record_index ON audit_log (entity_type, entity_key)"


def _index_references(connection: psycopg.Connection) -> None:
    """An index for each reference that has none (after every migration, so that a reference a new migration adds
    gets one too; a database whose references all have one is left as it is)."""
    for table, column in connection.execute(_UNINDEXED_REFERENCES, [SCHEMA]).fetchall():
        connection.execute(
            sql.SQL("CREATE INDEX IF NOT EXISTS {} ON {} ({})").format(
                sql.Identifier(f"{table}_{column}_index"[:63]), sql.Identifier(SCHEMA, table), sql.Identifier(column)
            )
        )
    connection.execute(_AUDIT_TRAIL_INDEX)


# PostgreSQL's type of each result column (its OID in ``cursor.description``) as the polars type DuckDB's ``.pl()``
# gives for the same column, so that an empty or all-null column keeps its type on either engine. A type not here
# is read as text.
_POLARS_TYPES = {
    16: pl.Boolean,
    17: pl.Binary,
    20: pl.Int64,
    21: pl.Int16,
    23: pl.Int32,
    25: pl.Utf8,
    114: pl.Utf8,  # json, read as its text (DuckDB's JSON reads as text too)
    700: pl.Float32,
    701: pl.Float64,
    1043: pl.Utf8,
    1082: pl.Date,
    1114: pl.Datetime("us"),
    1184: pl.Datetime("us", "UTC"),
    1186: pl.Duration("us"),
    1700: pl.Float64,  # numeric: what DuckDB's sums and averages of doubles are
    2950: pl.Utf8,
    3802: pl.Utf8,
    1000: pl.List(pl.Boolean),
    1005: pl.List(pl.Int16),
    1007: pl.List(pl.Int32),
    1016: pl.List(pl.Int64),
    1009: pl.List(pl.Utf8),
    1015: pl.List(pl.Utf8),
    1022: pl.List(pl.Float64),
    1182: pl.List(pl.Date),
}


# How many connections one app process may hold: Streamlit runs each page in a thread of its own, and a page holds
# a connection only for each read's length, so ten serve a busy process; ``GOLDEN_THREAD_POOL_SIZE`` says otherwise
# (the server's max_connections must cover every process's pool).
POOL_VARIABLE = "GOLDEN_THREAD_POOL_SIZE"
DEFAULT_POOL_SIZE = 10


def pool_size() -> int:
    """The pool size ``GOLDEN_THREAD_POOL_SIZE`` asks for (1 to 200), or 10; refused in one sentence if unusable."""
    given = os.environ.get(POOL_VARIABLE, "").strip()
    if not given:
        return DEFAULT_POOL_SIZE
    if not given.isdigit() or not 1 <= int(given) <= 200:
        raise StorageProblem(
            f"{POOL_VARIABLE} is {given!r}: give the number of PostgreSQL connections each app process may hold, a "
            f"whole number from 1 to 200 (or leave it unset for {DEFAULT_POOL_SIZE})."
        )
    return int(given)


def _configure(connection: psycopg.Connection) -> None:
    """Each pooled connection reads numbers as DuckDB's frames hold them (a numeric as a float) and JSON as its text."""
    connection.adapters.register_loader("numeric", FloatLoader)
    for json_type in ("json", "jsonb"):
        connection.adapters.register_loader(json_type, TextLoader)


class PostgresDatabase:
    """What a ``Store`` shares about one PostgreSQL database, as ``connection.SharedDatabase`` for a DuckDB file: a
    pool of connections sized for a Streamlit server's threads (each read takes one for its length), reads that give
    polars frames typed as DuckDB's, and the write lock of this process."""

    engine = "postgres"

    def __init__(
        self, conninfo: str, *, read_only: bool = False, max_connections: int | None = None, **_ignored
    ) -> None:
        self.path = conninfo
        self.read_only = read_only
        self.write_lock = threading.RLock()
        self.counted = self.stamped = True  # a PostgreSQL database is made at the latest schema
        self.usable = True
        self.writes = 0
        reach(conninfo)
        self.pool = ConnectionPool(
            conninfo,
            min_size=1,
            max_size=max_connections or pool_size(),
            # No JIT: it compiles the organisation-scoped reads before running them, which costs more than the read
            # (0.6 s of a PDSA cycle's 0.7 s at a large trust; the load bench).
            kwargs={
                "autocommit": True,
                "options": f"-c search_path={SCHEMA} -c jit=off",
                "cursor_factory": psycopg.RawCursor,
            },
            configure=_configure,
            open=True,
        )
        # Which database this is: the same name on a server rebuilt from scratch is another database.
        self.identity = str(self.rows("SELECT oid FROM pg_database WHERE datname = current_database()")[0][0])

    @property
    def is_open(self) -> bool:
        return not self.pool.closed

    @contextmanager
    def lease(self) -> Iterator[None]:
        """Nothing to hold: each read takes a pooled connection for its length."""
        yield

    def read(self, sql: str, params: list | tuple | dict | None = None, *, native: bool = False) -> pl.DataFrame:
        """One read, written in DuckDB's dialect (``native``: in PostgreSQL's, taking no parameters), as a polars frame
        typed as DuckDB's would be."""
        translated = Translated((sql,), ()) if native else to_postgres(sql)
        with self.pool.connection() as connection, connection.cursor() as cursor:
            cursor.execute(translated.statements[-1], bind(translated, params))
            return _frame(cursor)

    def rows(self, sql: str, params: list | tuple | dict | None = None) -> list[tuple]:
        """One read's rows as tuples."""
        translated = to_postgres(sql)
        with self.pool.connection() as connection, connection.cursor() as cursor:
            cursor.execute(translated.statements[-1], bind(translated, params))
            return cursor.fetchall()

    @contextmanager
    def moment(self) -> Iterator[Callable[[str], pl.DataFrame]]:
        """Reads that all see one moment of the database (a read-only transaction at REPEATABLE READ: one snapshot
        for all its statements), however long they take while others write."""
        with self.pool.connection() as connection, connection.transaction(), connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")

            def read(sql: str) -> pl.DataFrame:
                cursor.execute(to_postgres(sql).statements[-1])
                return _frame(cursor)

            yield read

    @contextmanager
    def transaction(self) -> Iterator[PostgresCursor]:
        """One write transaction on a pooled connection, after every other process's write before it."""
        try:
            with self.pool.connection() as connection, connection.transaction(), connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock($1)", [WRITE_LOCK])
                yield PostgresCursor(cursor)
        except (psycopg.errors.IntegrityError, psycopg.errors.DataError) as error:
            # A row the database's own rules refuse (a key, a check, a value of the wrong kind), said as the
            # store's other refusals are; the transaction was rolled back.
            raise Refused(refusal_in_words(error)) from None

    def analyse(self, tables: list[str]) -> None:
        """Have PostgreSQL count the rows of ``tables`` now, after many arrived at once (a restore, a copy): until
        autovacuum gets to it, the planner would plan the first pages for the tables as they were."""
        with self.pool.connection() as connection:
            analyse(connection, tables)

    def close(self) -> None:
        self.pool.close()


def analyse(connection: psycopg.Connection, tables: list[str]) -> None:
    """``ANALYZE`` each of ``tables`` (see ``PostgresDatabase.analyse``)."""
    if tables:
        names = sql.SQL(", ").join(sql.Identifier(SCHEMA, table) for table in tables)
        connection.execute(sql.SQL("ANALYZE {}").format(names))


def refusal_in_words(error: psycopg.Error) -> str:
    """PostgreSQL's reason for refusing a write, with its detail (which row), in one sentence."""
    diagnosis = error.diag
    said = (diagnosis.message_primary or str(error).splitlines()[0]).rstrip(".")
    return f"{said[:1].upper()}{said[1:]}" + (
        f" ({diagnosis.message_detail.rstrip('.')})." if diagnosis.message_detail else "."
    )


def copy_rows(conninfo: str, frames: dict[str, pl.DataFrame]) -> dict[str, int]:
    """Whole tables written into the database as they are, in one transaction, through ``COPY``: a database filled
    from another that held the same rows (the tests' templates, the load bench). The checks and keys still hold;
    the foreign keys are not checked while the rows arrive (``session_replication_role``, which needs a superuser),
    so tables load in any order and a table that refers to itself loads whole."""
    counts: dict[str, int] = {}
    with connect(conninfo) as connection, connection.transaction():
        connection.execute("SET LOCAL session_replication_role = replica")
        for table, frame in frames.items():
            with connection.cursor().copy(_copy_into(table, frame.columns)) as copy:
                for row in frame.iter_rows():
                    copy.write_row(row)
            counts[table] = frame.height
    with connect(conninfo) as connection:
        analyse(connection, list(counts))
    return counts


def _copy_into(table: str, columns: list[str]) -> sql.Composed:
    """``COPY`` of rows into these columns of ``table``, its names quoted (a column may be named by a file)."""
    names = sql.SQL(", ").join(map(sql.Identifier, columns))
    return sql.SQL("COPY {} ({}) FROM STDIN").format(sql.Identifier(table), names)


# The key of the advisory lock every write transaction takes first: writers queue across processes exactly as the
# write lock queues them within one, so a stale-edit check and the write it guards see no other write between them.
WRITE_LOCK = 0x4754_0020

# A registered frame's columns as PostgreSQL types (``PostgresCursor.register``); a column of nothing but nulls is
# text, which PostgreSQL casts on insert only where the target is text: give such a column its type first.
_POSTGRES_TYPES = {
    pl.Boolean: "boolean",
    pl.Int8: "smallint",
    pl.Int16: "smallint",
    pl.Int32: "integer",
    pl.Int64: "bigint",
    pl.UInt8: "smallint",
    pl.UInt16: "integer",
    pl.UInt32: "bigint",
    pl.UInt64: "numeric",
    pl.Float32: "real",
    pl.Float64: "double precision",
    pl.Utf8: "text",
    pl.Date: "date",
    pl.Datetime: "timestamp",
    pl.Binary: "bytea",
}


class _Result:
    """What DuckDB's ``cursor.sql(...)`` gives, as much of it as the store uses: the rows as a polars frame."""

    def __init__(self, cursor: psycopg.Cursor) -> None:
        self._cursor = cursor

    def pl(self) -> pl.DataFrame:
        return _frame(self._cursor)


def _frame(cursor: psycopg.Cursor) -> pl.DataFrame:
    """The rows a cursor holds as a polars frame, each column typed from its PostgreSQL type (``_POLARS_TYPES``)."""
    schema = {column.name: _POLARS_TYPES.get(column.type_code, pl.Utf8) for column in cursor.description or []}
    return pl.DataFrame(cursor.fetchall(), schema=schema, orient="row")


class PostgresCursor:
    """A write transaction's cursor that takes the store's SQL in DuckDB's dialect, as DuckDB's cursor does."""

    def __init__(self, cursor: psycopg.Cursor) -> None:
        self._cursor = cursor

    def execute(self, sql: str, params: list | tuple | dict | None = None) -> PostgresCursor:
        translated = to_postgres(sql)
        for statement in translated.statements[:-1]:  # a script of several statements takes no parameters
            self._cursor.execute(statement)
        self._cursor.execute(translated.statements[-1], bind(translated, params) if translated.order else None)
        return self

    def executemany(self, sql: str, rows: list) -> PostgresCursor:
        translated = to_postgres(sql)
        self._cursor.executemany(translated.statements[-1], [bind(translated, row) for row in rows])
        return self

    def sql(self, sql: str, params: list | tuple | dict | None = None) -> _Result:
        self.execute(sql, params)
        return _Result(self._cursor)

    def fetchone(self) -> tuple | None:
        # DuckDB answers an INSERT, UPDATE or DELETE with a row holding the count of rows changed; so does this.
        return self._cursor.fetchone() if self._cursor.description else (self._cursor.rowcount,)

    def fetchall(self) -> list[tuple]:
        return self._cursor.fetchall() if self._cursor.description else [(self._cursor.rowcount,)]

    def register(self, name: str, rows) -> None:
        """A frame (or Arrow table) readable by its name for the rest of the transaction, as DuckDB's register:
        a temporary table, filled through COPY."""
        frame = rows if isinstance(rows, pl.DataFrame) else pl.from_arrow(rows)
        columns = sql.SQL(", ").join(
            sql.SQL("{} {}").format(
                sql.Identifier(column),
                sql.SQL(_POSTGRES_TYPES.get(dtype.base_type() if dtype != pl.Null else pl.Utf8, "text")),
            )
            for column, dtype in frame.schema.items()
        )
        self._cursor.execute(
            sql.SQL("CREATE TEMPORARY TABLE {} ({}) ON COMMIT DROP").format(sql.Identifier(name), columns)
        )
        with self._cursor.copy(_copy_into(name, frame.columns)) as copy:
            for row in frame.iter_rows():
                copy.write_row(row)

    def unregister(self, name: str) -> None:
        if self._cursor.connection.info.transaction_status == psycopg.pq.TransactionStatus.INERROR:
            return  # the refused statement's error is the one to report; the rollback drops the table
        self._cursor.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(name)))

    def close(self) -> None:
        self._cursor.close()
