"""One database file, shared by every view of it in this process and open only while it is in use.

DuckDB lets one process at a time hold a database file, so a process that kept it open for good would lock every
command out (a scheduled check, an export, a backup) for as long as it ran. A ``SharedDatabase`` that lets go
(``release_after``: the app's) opens the file when a read or a write needs it and closes it once nothing has used it
for that many seconds, or at once when another program is waiting for it (it knocks: ``opening.someone_knocks``).
One that holds (``release_after=None``: a command's, a test's) keeps the file from its first use until ``close``.

Every use of the connection is a lease (``lease``): the connection is never closed while one is held, so no
thread's query loses its connection mid-way (Streamlit runs each session in a thread of its own; each use takes its
own cursor of the one connection). Closing also waits for the write lock, which code that makes its own cursors
(``current``) holds while it writes.

Within one process DuckDB shares one database instance between the connections to one file, so two stores of the
same file never lock each other out: the lock is between processes.
"""

from __future__ import annotations

import atexit
import os
import threading
import time
import uuid
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress

import duckdb

from golden_thread.storage.opening import open_database, someone_knocks

# How often an idle connection looks for a program waiting for the file (a knock), however long it may stay idle.
KNOCK_POLL_SECONDS = 0.25

# Every shared database of the process, closed when it ends: a connection left to the interpreter's teardown (an idle
# timer may still hold one) is neither checkpointed nor closed cleanly.
_EVERY: weakref.WeakSet[SharedDatabase] = weakref.WeakSet()


class SharedDatabase:
    """The connection to one database file (opened when first used), its users, the write lock and what the file
    is (``identity``)."""

    engine = "duckdb"

    def __init__(
        self,
        path: str,
        *,
        read_only: bool = False,
        release_after: float | None = None,
        wait: float = 0.0,
        waiting: Callable[[str], None] | None = None,
    ) -> None:
        self.path = path
        self.read_only = read_only
        # An in-memory database lives only as long as its connection: it is never let go of.
        self.release_after = None if path == ":memory:" else release_after
        self.wait = wait  # seconds to wait for another program to let go of the file
        self.waiting = waiting  # told, once a time, that opening waits for another program
        self.connection: duckdb.DuckDBPyConnection | None = None
        self.usable = True  # False once DuckDB invalidates the connection (a failed checkpoint): open it afresh
        self.write_lock = threading.RLock()
        self.counted = False  # whether the file keeps a data version (``schema._V12_DATA_VERSION``)
        self.stamped = False  # whether it stamps each table with it (``schema._V14_TABLE_VERSIONS``)
        self.writes = 0  # transactions this process has ended on the file (``Store.write_mark``)
        # Checks a file opened again after an idle pause (it may have been replaced meanwhile); raises to refuse it.
        self.on_reopen: Callable[[duckdb.DuckDBPyConnection], None] | None = None
        # Which file is open: a restore puts a new file in place under the same name.
        self.identity = uuid.uuid4().hex
        self._users = 0
        self._idle_since = 0.0
        self._timer: threading.Timer | None = None
        self._closing = False  # ``close`` was asked for while in use: close once the last user is done
        self._opened_before = False
        self._guard = threading.Lock()
        _EVERY.add(self)

    @property
    def is_open(self) -> bool:
        return self.connection is not None

    @contextmanager
    def lease(self) -> Iterator[None]:
        """Use the connection (``self.connection``) within this block: opened if need be, never closed meanwhile."""
        with self._guard:
            self._ready()
            self._users += 1
        try:
            yield
        finally:
            self._release()

    def current(self) -> duckdb.DuckDBPyConnection:
        """The connection, opened if need be, for code that makes its own cursors: kept open at least
        ``release_after`` seconds from now, and never closed while the write lock is held."""
        with self._guard:
            self._ready()
            if not self._users and self.release_after is not None:
                self._idle_since = time.monotonic()
                self._schedule(min(self.release_after, KNOCK_POLL_SECONDS))
            return self.connection

    def close(self) -> None:
        """Let go of the file now (once the last user is done, if it is in use); a later use opens it again."""
        with self._guard:
            self._closing = True
            if not self._users:
                self._close_if_free()

    # -- inside the guard ----------------------------------------------------------------------------------------

    def _ready(self) -> None:
        # A connection due to close (``_closing``) still serves: a user may be inside a lease of its own already,
        # and the close comes once the last user is done.
        if self.connection is not None:
            return
        connection = open_database(
            self.path,
            read_only=self.read_only,
            wait=self.wait,
            waiting=self.waiting,
            give_way=self.release_after is not None,
        )
        try:
            if self._opened_before and self.on_reopen is not None:
                self.on_reopen(connection)
        except BaseException:
            connection.close()
            raise
        self.connection, self._opened_before = connection, True
        self.identity = _identity(self.path) or self.identity

    def _release(self) -> None:
        with self._guard:
            self._users -= 1
            if self._users:
                return
            if self._closing:
                self._close_if_free()
                return
            if self.release_after is None or self.connection is None:
                return
            self._idle_since = time.monotonic()
            if self.release_after <= 0 or someone_knocks(self.path):  # let go at once for a program that waits
                self._close_if_free()
                return
            self._schedule(min(self.release_after, KNOCK_POLL_SECONDS))

    def _close_if_free(self) -> None:
        """Close now, unless a writer is using cursors of its own (it holds the write lock): the timer then closes
        once it is done."""
        if self.write_lock.acquire(blocking=False):
            try:
                self._close_now()
            finally:
                self.write_lock.release()
        else:
            self._closing = True
            self._schedule(KNOCK_POLL_SECONDS)

    def _schedule(self, delay: float) -> None:
        if self._timer is None:
            # The timer holds the database weakly: a store nobody uses any more is freed (and its file closed) now.
            self._timer = threading.Timer(delay, _when_idle, args=(weakref.ref(self),))
            self._timer.daemon = True
            self._timer.start()

    def _close_now(self) -> None:
        self._closing = False
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        connection, self.connection = self.connection, None
        self.usable = True
        if connection is not None:
            with suppress(duckdb.Error):  # a checkpoint that fails leaves the log, replayed on the next opening
                connection.close()

    # -- the idle timer's thread ---------------------------------------------------------------------------------

    def _when_idle(self) -> None:
        with self.write_lock, self._guard:
            if self._timer is not threading.current_thread():
                return  # cancelled after it had started: a newer timer (or none) is in charge
            self._timer = None
            if self.connection is None or self._users:
                return
            if not self._closing:
                if self.release_after is None:
                    return
                left = self._idle_since + self.release_after - time.monotonic()
                if left > 0 and not someone_knocks(self.path):
                    self._schedule(min(left, KNOCK_POLL_SECONDS))
                    return
            self._close_now()


def _when_idle(database: weakref.ref[SharedDatabase]) -> None:
    if (alive := database()) is not None:
        alive._when_idle()


def _identity(path: str) -> str | None:
    """The file at ``path`` as the disk knows it (device and inode), or None for an in-memory database."""
    if path == ":memory:":
        return None
    try:
        found = os.stat(path)
    except OSError:
        return None
    return f"{found.st_dev}:{found.st_ino}"


@atexit.register
def _close_every() -> None:
    for database in list(_EVERY):
        with suppress(Exception):
            database.close()


@contextmanager
def one_moment(connection: duckdb.DuckDBPyConnection) -> Iterator[Callable[[str], object]]:
    """Reads that all see one moment of the file, however long they take while others write (DuckDB transactions
    are snapshots): each takes SQL and gives a polars frame. A cursor is a transaction of its own, so the moment
    leaves the connection's other users alone."""
    cursor = connection.cursor()
    try:
        cursor.execute("BEGIN TRANSACTION")
        yield lambda sql: cursor.sql(sql).pl()
        cursor.execute("ROLLBACK")
    finally:
        cursor.close()
