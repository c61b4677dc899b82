"""Which tables a piece of work reads and which a write changed, so that what is computed from the data is kept
until one of the tables it was computed from changes, not until anything at all changes (issue 18).

Every committed write moves the database's data version on (``schema._V12_DATA_VERSION``) and stamps each table it
wrote with that version (``table_version``, migration 14). A computation that read ``project`` and
``pdsa_cycle`` is then named by the newest stamp of those two tables: a team entering its month's observations
leaves the golden thread's tree, most of its checks and every other team's charts as they were.

The tables are found in the SQL text itself, read and written through the store, so no caller has to list them:

- a write's tables are the targets of its INSERT, UPDATE and DELETE statements; any other statement that is not
  a read (DDL, a CHECKPOINT, anything unrecognised) stamps every table (``EVERY_TABLE``), so a write this module
  does not understand can only make a computation run again, never leave it stale;
- a read's tables are every table of the schema its text names, with, for a table of the golden thread, the
  tables its organisation scope is decided by (``scope.tables_read``): a project moved to another team changes
  which measures an organisation sees.
"""

from __future__ import annotations

import contextvars
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from golden_thread.storage.scope import OWNERSHIP, tables_read

# A stamp on this name stands for every table: a write this module could not read table by table.
EVERY_TABLE = "*"

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_WRITTEN = re.compile(
    r"\b(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM)\s+(?:main\.)?\"?([A-Za-z_][A-Za-z0-9_]*)",
    re.IGNORECASE,
)
_READ_ONLY = re.compile(r"\s*(?:SELECT|WITH|BEGIN|COMMIT|ROLLBACK|FROM|VALUES|EXPLAIN|SHOW|DESCRIBE)\b", re.IGNORECASE)
_WRITE = re.compile(r"\s*(?:INSERT|UPDATE|DELETE)\b", re.IGNORECASE)
_CREATED = re.compile(r"\bCREATE\s+(?:OR\s+REPLACE\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(\w+)", re.IGNORECASE)

# After each write, this marks the tables it wrote with the version the write moved the data on to.
STAMP_TABLES = (
    "INSERT INTO table_version (table_name, version) "
    "SELECT unnest(?::VARCHAR[]), (SELECT version FROM data_version WHERE id = 1) "
    "ON CONFLICT (table_name) DO UPDATE SET version = excluded.version"
)


def schema_tables() -> frozenset[str]:
    """Every table the migrations create."""
    from golden_thread.storage.schema import MIGRATIONS  # the schema imports this module's neighbours

    return frozenset(name.lower() for _, _, sql in MIGRATIONS for name in _CREATED.findall(sql))


_TABLES: frozenset[str] | None = None


def _tables() -> frozenset[str]:
    global _TABLES
    if _TABLES is None:
        _TABLES = schema_tables()
    return _TABLES


def tables_written(sql: str) -> set[str]:
    """The tables a statement changes; ``{EVERY_TABLE}`` for a statement that changes something not said here."""
    if _WRITE.match(sql):
        written = {name.lower() for name in _WRITTEN.findall(sql)} & _tables()
        return written or {EVERY_TABLE}
    if _READ_ONLY.match(sql):  # a read, or a write behind a WITH
        return {name.lower() for name in _WRITTEN.findall(sql)} & _tables()
    return {EVERY_TABLE}


def tables_named(sql: str) -> set[str]:
    """The tables a read depends on: those it names, and for a table of the golden thread the tables that decide
    its organisation scope (``scope.OWNERSHIP``'s conditions, and ``organisation``, whose rows are the scope's
    units)."""
    named = {word.lower() for word in _WORD.findall(sql)} & _tables()
    scoped = tables_read(sql)
    for table in scoped:
        named |= {word.lower() for word in _WORD.findall(OWNERSHIP[table])} & _tables()
    return named | set(scoped) | ({"organisation"} if scoped else set())


class WriteRecorder:
    """A transaction's cursor that notes the tables each statement writes, and otherwise is the cursor."""

    def __init__(self, cursor) -> None:
        self._cursor = cursor
        self.written: set[str] = set()

    def execute(self, sql: str, *args, **kwargs):
        self.written |= tables_written(sql)
        return self._cursor.execute(sql, *args, **kwargs)

    def executemany(self, sql: str, *args, **kwargs):
        self.written |= tables_written(sql)
        return self._cursor.executemany(sql, *args, **kwargs)

    def sql(self, sql: str, *args, **kwargs):
        self.written |= tables_written(sql)
        return self._cursor.sql(sql, *args, **kwargs)

    def __getattr__(self, name: str):
        return getattr(self._cursor, name)


# The tables read by the computations under way in this thread, innermost last (``reading``).
_READERS: contextvars.ContextVar[tuple[set[str], ...]] = contextvars.ContextVar("tables_being_read", default=())


@contextmanager
def reading() -> Iterator[set[str]]:
    """Collect the tables every read made inside the block depends on (nested blocks each collect theirs)."""
    tables: set[str] = set()
    token = _READERS.set((*_READERS.get(), tables))
    try:
        yield tables
    finally:
        _READERS.reset(token)


def note_read(tables: Iterable[str]) -> None:
    """Tell the computations under way that they depend on ``tables`` (a read made, or a kept result used)."""
    readers = _READERS.get()
    if readers:
        tables = set(tables)
        for reader in readers:
            reader |= tables


def note_query(sql: str) -> None:
    if _READERS.get():
        note_read(tables_named(sql))


def version_of(versions: dict[str, int], tables: Iterable[str]) -> int:
    """The newest stamp among ``tables`` (and of any write that stamped every table) in ``versions``."""
    return max([versions.get(EVERY_TABLE, 0), *(versions.get(table, 0) for table in tables)])
