"""Opening the database file, and every way that can fail, in one sentence: what is wrong, what to do.

A file that is damaged (cut short, overwritten, empty), not a database at all, another program's database, too new
for this Golden Thread, read-only, on a full disk or held by another program is refused with a ``StorageProblem``
before any page or command uses it. Read-only commands open the file read-only, so they work on a read-only disk
and never change the file.

DuckDB lets one process at a time hold a database file (several may, read-only, while none writes). The app holds it
only while a page works with it, so a command run meanwhile waits for it (``wait``) rather than failing: while it
waits it knocks (``knock_path``, refreshed as it tries again), and a program that lets go of the file when idle lets
go at once for a knock, and holds back from opening it again until the knocker is in.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from pathlib import Path

import duckdb

from golden_thread.errors import StorageProblem
from golden_thread.storage.files import remove_stale_scratch

# How every connection is opened: never downloading an extension. The ones used are built in, and a hospital server
# may have no internet. (A file killed mid-write replays its log on opening; DuckDB 2.0 would try to install a
# built-in extension then.)
NO_DOWNLOADS = {"autoinstall_known_extensions": False}

# The commands a person can run on a file they can read but not write (named in the read-only sentence).
READ_ONLY_COMMANDS = "check, export, board-pack, backup and users list"

_OUR_TABLE = "schema_version"
# A DuckDB file starts with three 4 KiB headers (the file's, then two database headers), then its blocks.
_HEADERS = 3 * 4096
# Names DuckDB opens as a file of data to query (an empty in-memory database), never as a database file.
DATA_SUFFIXES = {".csv", ".tsv", ".json", ".jsonl", ".ndjson", ".parquet"}
# A knock counts this long after the knocker last refreshed it (a knocker refreshes it several times a second while
# it waits, and withdraws it once in), so one left by a killed process is soon ignored.
KNOCK_FRESH = 2.0
# The longest pause between two tries at a held file, and the longest a program that lets go when idle holds back
# for a knocker before trying again itself.
_RETRY_PAUSE = 0.2
_GIVE_WAY = 5.0


def open_database(
    path: str,
    *,
    read_only: bool = False,
    purpose: str = "",
    wait: float = 0.0,
    waiting: Callable[[str], None] | None = None,
    give_way: bool = False,
) -> duckdb.DuckDBPyConnection:
    """A connection to the database file at ``path`` (":memory:" for a private in-memory one), or a StorageProblem
    (``purpose``: what to do once another program lets go of the file, "try again" unless said).

    While another program holds the file, try again for up to ``wait`` seconds, knocking; ``waiting`` is told once,
    in a sentence, that this is waiting. ``give_way``: first let a program that is knocking have its turn (for a
    program that holds the file only while working, so that it never keeps a command waiting for long)."""
    if path == ":memory:":
        return duckdb.connect(path, config=NO_DOWNLOADS)
    file = Path(path)
    if file.is_dir():
        raise StorageProblem(
            f"{file} is a folder, not a database file; give the database file itself (for example "
            f"{file / 'golden_thread.duckdb'})."
        )
    if {s.lower() for s in file.suffixes} & DATA_SUFFIXES:  # DuckDB would read it as data, or make one that it would
        raise StorageProblem(_not_a_database_file(file))
    if not file.exists():
        if read_only:
            raise StorageProblem(
                f"{file} does not exist; check the name, or create it with golden-thread init --db {file}."
            )
        try:
            file.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StorageProblem(
                f"The folder {file.parent} cannot be created ({error.strerror or error}); choose a database file "
                "in a folder you can write to."
            ) from None
    if not read_only:  # what a killed restore or export of this file left behind (read-only commands change nothing)
        remove_stale_scratch(file)
    if file.exists() and file.stat().st_size == 0:
        raise StorageProblem(
            f"{file} is an empty file (0 bytes), not a database: perhaps a copy or a save that did not finish. "
            f"Restore it from a backup (golden-thread restore BACKUP_FOLDER --db {file} --replace), or give the "
            "right file."
        )
    connection = _connect(file, read_only=read_only, purpose=purpose, wait=wait, waiting=waiting, give_way=give_way)
    try:
        _refuse_what_is_not_ours(connection, file)
    except BaseException:
        connection.close()
        raise
    return connection


def _connect(
    file: Path, *, read_only: bool, purpose: str, wait: float, waiting: Callable[[str], None] | None, give_way: bool
) -> duckdb.DuckDBPyConnection:
    """DuckDB's connection to ``file``, trying again while another program holds it (see ``open_database``)."""
    deadline = time.monotonic() + wait
    if give_way:
        _let_knocker_in(file, min(deadline, time.monotonic() + _GIVE_WAY))
    pause, knocked = 0.02, False
    try:
        while True:
            try:
                return duckdb.connect(str(file), read_only=read_only, config=NO_DOWNLOADS)
            except duckdb.Error as error:
                if "in-memory database in read-only mode" in str(error):
                    raise StorageProblem(_not_a_database_file(file)) from None
                if not held_by_another(error) or time.monotonic() >= deadline:
                    waited = wait if held_by_another(error) else 0.0
                    raise StorageProblem(
                        why_not_opened(file, error, read_only=read_only, purpose=purpose, waited=waited)
                    ) from None
                if not knocked and waiting is not None:
                    waiting(_waiting_for(file, error, wait))
            _knock(file)
            knocked = True
            time.sleep(max(0.0, min(pause, deadline - time.monotonic())))
            pause = min(pause * 2, _RETRY_PAUSE)
    finally:
        if knocked:
            _withdraw_knock(file)


def held_by_another(error: Exception) -> bool:
    """Whether DuckDB refused a file because another process holds it."""
    text = str(error).lower()
    return "could not set lock" in text or "conflicting lock" in text


def _holder(error: Exception) -> str:
    holder = re.search(r"\(PID (\d+)\)", str(error))
    return f" (process {holder.group(1)})" if holder else ""


def _waiting_for(file: Path, error: Exception, wait: float) -> str:
    return (
        f"{file} is in use by another program{_holder(error)}, probably the Golden Thread app; waiting up to "
        f"{wait:g} seconds for it to finish its current work…"
    )


# -- knocking: a program waiting for the file, seen by one that holds it only while working ---------------------------


def knock_path(file: str | Path) -> Path:
    """The hidden file beside the database that says a program is waiting for it (its process id)."""
    file = Path(file)
    return file.with_name(f".{file.name}.golden-thread-waiting")


def someone_knocks(file: str | Path) -> bool:
    """Whether another process is waiting for the file now (its knock is fresh): the holder should let go."""
    knock = knock_path(file)
    try:
        if time.time() - knock.stat().st_mtime > KNOCK_FRESH:
            return False
        return knock.read_text(encoding="ascii").strip() != str(os.getpid())
    except (OSError, UnicodeDecodeError):
        return False


def _knock(file: Path) -> None:
    try:  # a knock is a courtesy: a folder it cannot be written in only means waiting for the holder's idle pause
        knock_path(file).write_text(str(os.getpid()), encoding="ascii")
    except OSError:
        pass


def _withdraw_knock(file: Path) -> None:
    knock = knock_path(file)
    try:
        if knock.read_text(encoding="ascii").strip() == str(os.getpid()):
            knock.unlink()
    except (OSError, UnicodeDecodeError):
        pass


def _let_knocker_in(file: Path, until: float) -> None:
    """Hold back while another program knocks, until it is in (its knock withdrawn) or ``until``."""
    while someone_knocks(file) and time.monotonic() < until:
        time.sleep(0.05)


def _refuse_what_is_not_ours(connection: duckdb.DuckDBPyConnection, file: Path) -> None:
    # DuckDB opens a name ending .csv, .json or .parquet as a private in-memory database (to query that file): nothing
    # written there would ever be saved.
    stored_at = connection.execute(
        "SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchone()[0]
    if stored_at is None:
        raise StorageProblem(_not_a_database_file(file))
    tables = {
        row[0]
        for row in connection.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() AND NOT internal"
        ).fetchall()
    }
    if tables and _OUR_TABLE not in tables:
        raise StorageProblem(
            f"{file} is another program's DuckDB database ({len(tables)} table(s), none of them Golden Thread's); "
            "Golden Thread leaves it as it is. Give the Golden Thread database file."
        )
    # A file cut short (a copy that did not finish, a full disk) may still open, and fail on the first missing page
    # it reads: the last block any table uses must be in the file.
    if tables:
        blocks = " UNION ALL ".join(
            "SELECT max(block_id) AS block FROM pragma_storage_info('{}') WHERE persistent".format(t.replace("'", "''"))
            for t in sorted(tables)
        )
        last = connection.execute(f"SELECT max(block) FROM ({blocks})").fetchone()[0]
        block_size = connection.execute("SELECT block_size FROM pragma_database_size()").fetchone()[0]
        if last is not None and file.stat().st_size < _HEADERS + (last + 1) * block_size:
            raise StorageProblem(_cut_short(file))


def _cut_short(file: Path | str) -> str:
    return (
        f"{file} is damaged: it is shorter than the database it describes (cut short by a full disk or an unfinished "
        f"copy). Restore it from a backup (golden-thread restore BACKUP_FOLDER --db {file} --replace)."
    )


def _not_a_database_file(file: Path) -> str:
    return (
        f"{file} is not a database file: a {file.suffix} file is read as data, so nothing could be saved in it. "
        "Give a database file ending .duckdb."
    )


def why_not_opened(
    file: Path, error: Exception, *, read_only: bool = False, purpose: str = "", waited: float = 0.0
) -> str:
    """The sentence for a file DuckDB would not open: what is wrong with it and what to do (``waited``: how many
    seconds the file stayed held before giving up)."""
    text = str(error)
    lowered = text.lower()
    if "lock" in lowered:
        # The app lets go of the file between pages, so what holds it this long is a long job or a program that
        # keeps it open.
        kept = f" and did not let go of it within {waited:g} seconds" if waited else ""
        return (
            f"{file} is open in another program{_holder(error)}{kept}: a golden-thread command still at work, or a "
            "program that keeps the file open (a DuckDB client, or a Golden Thread app older than this one). Stop the "
            f"app or program that holds it, or let the command finish, then {purpose or 'try again'}."
        )
    if "not a valid duckdb database file" in lowered:
        return (
            f"{file} is not a Golden Thread database: it is damaged, or another kind of file. Restore it from a backup "
            f"(golden-thread restore BACKUP_FOLDER --db {file} --replace), or give the right file."
        )
    if "newer version" in lowered or "version number" in lowered:
        return f"{file} was written by a newer version of DuckDB than this Golden Thread uses; upgrade Golden Thread."
    problem = disk_problem(text, file)
    if problem:
        return problem
    if read_only or "read-only" in lowered:
        return f"{file} cannot be opened ({_first_line(text)}); check the file and its folder, then try again."
    return f"{file} cannot be opened as a database ({_first_line(text)})."


def disk_problem(text: str, file: Path | str) -> str | None:
    """The sentence for a read or write the disk refused (full, read-only, not allowed), or None for other errors."""
    lowered = text.lower()
    if "could not read enough bytes" in lowered:
        return _cut_short(file)
    if "database has been invalidated" in lowered:
        return (
            f"Writing {file} failed part-way ("
            + ("the disk is full" if "no space left" in lowered else "the disk refused a write")
            + "), so Golden Thread stopped using it to keep it safe; every change it "
            "confirmed is kept. Free some space (or mend the disk), then restart Golden Thread."
        )
    if "no space left on device" in lowered or "disk quota exceeded" in lowered:
        return (
            f"The disk holding {file} is full, so nothing was saved. Free some space on it (or ask IT to), then try "
            "again."
        )
    if "read-only file system" in lowered or "permission denied" in lowered:
        return (
            f"{file} cannot be written: the file or its disk is read-only. Make it writable to change anything; "
            f"meanwhile {READ_ONLY_COMMANDS} still read it."
        )
    if "read-only mode" in lowered:
        return f"{file} was opened read-only, so nothing can be changed in it; nothing was saved."
    return None


def database_problem(error: duckdb.Error, file: Path | str) -> StorageProblem | None:
    """A failed write or read as a StorageProblem when the disk caused it (full, read-only); None otherwise."""
    sentence = disk_problem(str(error), file)
    return StorageProblem(sentence) if sentence else None


def _first_line(text: str) -> str:
    return text.strip().split("\n")[0]
