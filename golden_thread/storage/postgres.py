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

import psycopg

from golden_thread.errors import StorageProblem
from golden_thread.storage.dialect import COMPAT_SQL, to_postgres
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


def is_postgres_url(location: str) -> bool:
    """Whether ``--db`` or ``GOLDEN_THREAD_DB`` names a PostgreSQL database rather than a DuckDB file."""
    return location.startswith(("postgresql://", "postgres://"))


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
    with psycopg.connect(conninfo, autocommit=True) as connection:
        connection.execute("SELECT pg_advisory_lock(%s)", [MIGRATION_LOCK])
        try:
            connection.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
            connection.execute(f"SET search_path = {SCHEMA}")
            current = schema_version(connection)
            if current > LATEST_VERSION:
                raise StorageProblem(
                    f"The database is at schema version {current}, newer than this Golden Thread (version "
                    f"{LATEST_VERSION}): upgrade Golden Thread before opening it; nothing in it was changed."
                )
            for version, description, sql in MIGRATIONS:
                if version <= current:
                    continue
                with connection.transaction():
                    if current == 0 and version == MIGRATIONS[0][0]:
                        connection.execute(COMPAT_SQL)
                    for statement in to_postgres(_SCHEMA_VERSION_TABLE).statements + to_postgres(sql).statements:
                        connection.execute(statement)
                    if version in POSTGRES_ONLY:
                        connection.execute(POSTGRES_ONLY[version])
                    connection.execute(
                        "INSERT INTO schema_version (version, description) VALUES (%s, %s)", [version, description]
                    )
            return schema_version(connection)
        finally:
            connection.execute("SELECT pg_advisory_unlock(%s)", [MIGRATION_LOCK])
