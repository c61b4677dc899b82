"""Backup and restore of a whole database: one Parquet file per table, and a manifest that vouches for them.

A backup is a folder: ``<table>.parquet`` for every table (``schema_version`` included) and
``manifest.json`` with the schema version, when it was made, and each file's row count and SHA-256.
Every table is read inside one read transaction, so the files are one consistent moment of the
database even while other connections write (DuckDB transactions are snapshots).

DuckDB lets one process at a time open a file read-write, and no other process may open it at all then. The app lets
go of the file between pages, so ``golden-thread backup`` runs while the app runs: it waits (``wait``) for the app to
finish its current work, then reads one moment of the file. In the app's own process an administrator's "Back up now"
(``services/backups.py``) backs up through the app's store (``backup_store``: the same snapshot, on the store's
connection) into the backups folder (``backups_folder``).

A backup is written whole or not at all (a hidden folder beside it, renamed into place), owner-only (the folder
0o700, its files 0o600: they hold the password hashes), and its manifest is signed: an HMAC-SHA256 with a key kept
outside every backup, beside the database (``golden-thread-backup.key``, created 0o600 by the first backup; or the
file ``GOLDEN_THREAD_BACKUP_KEY`` names). Whoever can read that key can already read and change the database itself,
so it adds no new secret to guard; whoever can only reach the backups cannot forge a backup the key vouches for.

Restore trusts nothing in the folder until every file's hash matches the manifest and the manifest's signature
matches the key. A backup the key does not vouch for (altered, unsigned, or made where another key lives) is refused,
unless the restorer leaves its accounts and sign-ins out (``without_accounts``): an altered backup can then change
figures but never let anyone in. Restore builds the schema with this app's own migrations (never SQL read from the
backup), up to the backup's schema version, loads every table in one transaction into a hidden file beside the
target, checks the row counts, upgrades the file to the current schema, and only then swaps it into place with an
atomic rename: a restore that fails at any step leaves the target exactly as it was, and what a killed one leaves
behind is removed on the next start (``files.remove_stale_scratch``). A restore never turns a file that is not a
Golden Thread database (a .csv, .json or .parquet file, another program's database) into one without ``replace``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
import secrets
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import polars as pl

from golden_thread.errors import StorageProblem
from golden_thread.storage.addresses import is_postgres_address
from golden_thread.storage.connection import one_moment
from golden_thread.storage.files import (
    OWNER_ONLY_FILE,
    OWNER_ONLY_FOLDER,
    fsync_folder,
    not_written,
    remove_stale_scratch,
    scratch_path,
    write_folder_whole,
)
from golden_thread.storage.opening import (
    DATA_SUFFIXES,
    NO_DOWNLOADS,
    disk_problem,
    held_by_another,
    open_database,
    why_not_opened,
)
from golden_thread.storage.schema import LATEST_VERSION, MIGRATIONS

if TYPE_CHECKING:
    from golden_thread.storage.store import Store

FORMAT = "golden-thread-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
_SCHEMA_VERSION_DDL = (  # as Store.migrate creates it
    "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, "
    "description VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp)"
)
# Every table of the database, on either engine (a temporary table lives in another schema on both).
_EVERY_TABLE_SQL = (
    "SELECT table_name FROM information_schema.tables WHERE table_catalog = current_database() "
    "AND table_schema = 'main' AND table_type = 'BASE TABLE' ORDER BY table_name"
)
_TABLES_SQL = (
    "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = 'main' "
    "AND NOT temporary AND NOT internal ORDER BY table_name"
)


# The key that signs every manifest: this file beside the database, or the file this variable names.
KEY_VARIABLE = "GOLDEN_THREAD_BACKUP_KEY"
KEY_FILE = "golden-thread-backup.key"
# What lets a person sign in: left out of a restore whose backup the key does not vouch for. A new table holding
# credentials or sign-ins belongs here.
ACCOUNT_TABLES = ("app_user", "sign_in_session")
# Tables every Golden Thread database fills from its start (its schema and data versions): rows there are not data
# a restore would overwrite.
_NOT_DATA = ("schema_version", "data_version", "table_version")
# Where the app's "Back up now" writes: this folder, or ``backups`` beside the database.
BACKUPS_VARIABLE = "GOLDEN_THREAD_BACKUPS"
BACKUPS_FOLDER = "backups"


class BackupError(StorageProblem):
    """A backup or restore that was not made, in words a user can act on; nothing was changed."""


def backup_key_path(db_path: str | Path) -> Path:
    """Where the key that signs (and checks) the backups of ``db_path`` is kept."""
    named = os.environ.get(KEY_VARIABLE, "").strip()
    return Path(named) if named else _beside(db_path) / KEY_FILE


def _beside(db_path: str | Path) -> Path:
    """The folder a database's key and backups go in by default: the database file's own; for a PostgreSQL
    database, which has no file here, the folder the command or the app runs in."""
    if is_postgres_address(str(db_path)):
        return Path.cwd()
    return Path(os.path.abspath(db_path)).parent


def _read_key(path: Path, *, create: bool) -> bytes | None:
    """The signing key in ``path`` (64 hexadecimal characters); made, owner-only, when ``create`` and absent."""
    try:
        text = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        if not create:
            return None
        key = secrets.token_bytes(32)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, OWNER_ONLY_FILE)
            with os.fdopen(handle, "w", encoding="ascii") as out:
                out.write(key.hex() + "\n")
        except FileExistsError:  # another backup made it a moment ago: use that one
            return _read_key(path, create=False)
        except OSError as error:
            raise BackupError(
                f"The backup key {path} cannot be created ({error.strerror or error}); set {KEY_VARIABLE} to a "
                "key file in a place you can write, then back up again. Nothing was written."
            ) from None
        return key
    except (OSError, UnicodeDecodeError) as error:
        raise BackupError(f"The backup key {path} cannot be read ({error}); nothing was done.") from None
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) < 32:
        raise BackupError(
            f"{path} is not a Golden Thread backup key (64 hexadecimal characters); put the right key there, or "
            f"name it with {KEY_VARIABLE}. Nothing was done."
        )
    return key


def _key_id(key: bytes) -> str:
    return hashlib.sha256(b"golden-thread-backup-key" + key).hexdigest()[:12]


def _signed_bytes(manifest: dict) -> bytes:
    unsigned = {k: v for k, v in manifest.items() if k != "signature"}
    return json.dumps(unsigned, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def sign_manifest(manifest: dict, key: bytes) -> dict:
    """The manifest with its signature: an HMAC-SHA256 of everything else in it (so of every file's hash)."""
    value = hmac.new(key, _signed_bytes(manifest), hashlib.sha256).hexdigest()
    return {**manifest, "signature": {"algorithm": "HMAC-SHA256", "key_id": _key_id(key), "value": value}}


def _signature_doubt(manifest: dict, key_path: Path) -> str | None:
    """Why the key at ``key_path`` does not vouch for the manifest, in words; None when it does."""
    signature = manifest.get("signature")
    if not isinstance(signature, dict) or not isinstance(signature.get("value"), str):
        return "This backup's manifest is not signed (it was made before Golden Thread signed its backups)"
    key = _read_key(key_path, create=False)
    if key is None:
        return f"There is no backup key at {key_path} to check this backup's signature with"
    if signature.get("key_id") != _key_id(key):
        return (
            f"This backup was signed with another key (key {signature.get('key_id')}) than the one at {key_path} "
            f"(key {_key_id(key)})"
        )
    expected = hmac.new(key, _signed_bytes(manifest), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature["value"]):
        return "This backup's manifest was changed after the backup was made (its signature does not match)"
    return None


# -- backup ----------------------------------------------------------------------------------------


def backup_database(
    db_path: str | Path, directory: str | Path, *, wait: float = 0.0, waiting: Callable[[str], None] | None = None
) -> dict:
    """Back up the database file at ``db_path`` into ``directory`` (new or empty); returns the manifest. While
    another program (the app at work) holds the file, wait up to ``wait`` seconds for it (``waiting`` is told)."""
    if is_postgres_address(str(db_path)):
        return _backup_postgres(str(db_path), directory)
    db_path = Path(db_path)
    if not db_path.exists():
        raise BackupError(f"{db_path} does not exist; there is nothing to back up.")
    try:  # read-only, and refusing what is damaged or not a Golden Thread database, in one sentence
        connection = open_database(str(db_path), read_only=True, purpose="back it up", wait=wait, waiting=waiting)
    except StorageProblem as problem:
        raise BackupError(str(problem)) from None
    try:
        return _write_backup(
            lambda: one_moment(connection), directory, source=str(db_path), key_path=backup_key_path(db_path)
        )
    finally:
        connection.close()


def _backup_postgres(conninfo: str, directory: str | Path) -> dict:
    """A backup of a PostgreSQL database, in the same format as a file's: people may go on working meanwhile."""
    from golden_thread.storage.store import Store

    try:
        store = Store(conninfo, read_only=True)
    except StorageProblem as problem:
        raise BackupError(str(problem)) from None
    try:
        return backup_store(store, directory)
    finally:
        store.close()


def backup_store(store: Store, directory: str | Path) -> dict:
    """Back up an open store (e.g. from the running app) without stopping it; returns the manifest."""
    return _write_backup(store.moment, directory, source=_source(store.path), key_path=backup_key_path(store.path))


def _source(db_path: str) -> str:
    """The database a manifest says it came from: a file's path; a PostgreSQL database's name, host and port (its
    connection string may carry a password)."""
    if is_postgres_address(db_path):
        from golden_thread.storage.postgres import described

        return described(db_path)
    return db_path


def backups_folder(db_path: str | Path) -> Path:
    """Where the app's backups of ``db_path`` go: the folder ``GOLDEN_THREAD_BACKUPS`` names, or ``backups`` beside
    the database (for PostgreSQL, in the folder the app runs in)."""
    named = os.environ.get(BACKUPS_VARIABLE, "").strip()
    return Path(named) if named else _beside(db_path) / BACKUPS_FOLDER


def _write_backup(
    moment: Callable[[], AbstractContextManager[Callable[[str], pl.DataFrame]]],
    directory: str | Path,
    *,
    source: str,
    key_path: Path,
) -> dict:
    directory = Path(directory)
    if directory.exists() and not directory.is_dir():
        raise BackupError(f"{directory} is a file; give a folder for the backup.")
    if directory.is_dir() and any(directory.iterdir()):
        raise BackupError(
            f"{directory} is not empty; back up into a new or empty folder so that no earlier backup is overwritten."
        )
    key = _read_key(key_path, create=True)

    def fill(folder: Path) -> dict:
        with moment() as read:  # one snapshot for every table
            tables = read(_EVERY_TABLE_SQL)["table_name"].to_list()
            if "schema_version" not in tables:
                raise BackupError(f"{source} is not a Golden Thread database (it has no schema_version table).")
            version = read("SELECT coalesce(max(version), 0) AS version FROM schema_version").item()
            entries = {}
            for table in tables:
                frame = read(f'SELECT * FROM "{table}"')
                # In a stable order, so that a backup of the same data is the same bytes, on either engine.
                frame = frame.sort([c for c, kind in frame.schema.items() if not isinstance(kind, pl.List)])
                path = folder / f"{table}.parquet"
                frame.write_parquet(path, statistics=False)
                entries[table] = {
                    "file": path.name,
                    "rows": frame.height,
                    "columns": frame.columns,
                    "sha256": _sha256(path),
                }
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "schema_version": int(version),
            "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "source": source,
            "tables": entries,
        }
        manifest = sign_manifest(manifest, key)
        (folder / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        return manifest

    try:
        return write_folder_whole(directory, fill, "the backup")
    except BackupError:
        raise
    except StorageProblem as problem:
        raise BackupError(str(problem)) from None


def check_backup(directory: str | Path, key_path: str | Path) -> dict:
    """The manifest of the backup in ``directory`` after the checks a restore makes before changing anything: every
    file matches the manifest, and the key at ``key_path`` vouches for the manifest. Raises BackupError."""
    manifest = read_manifest(directory)
    if doubt := _signature_doubt(manifest, Path(key_path)):
        raise BackupError(f"{doubt}; the backup in {directory} would not restore its accounts.")
    return manifest


# -- restore ---------------------------------------------------------------------------------------


def read_manifest(directory: str | Path) -> dict:
    """The manifest of a backup folder, after checking every file against it; raises BackupError."""
    directory = Path(directory)
    if not directory.exists():
        raise BackupError(f"{directory} does not exist; give the folder a backup was written to.")
    if not directory.is_dir():
        raise BackupError(f"{directory} is not a folder; give the folder a backup was written to.")
    path = directory / MANIFEST
    if not path.is_file():
        raise BackupError(
            f"{directory} has no {MANIFEST}: it is not a Golden Thread backup, or the backup did not finish."
        )
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BackupError(f"{path} cannot be read ({error}); the backup is damaged.") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{path} is not a Golden Thread backup manifest.")
    if not isinstance(manifest.get("format_version"), int) or manifest["format_version"] > FORMAT_VERSION:
        raise BackupError(
            f"This backup uses backup format {manifest.get('format_version')!r}, newer than this "
            f"Golden Thread reads ({FORMAT_VERSION}). Upgrade Golden Thread, then restore."
        )
    version = manifest.get("schema_version")
    tables = manifest.get("tables")
    if not isinstance(version, int) or version < 1 or not isinstance(tables, dict) or not tables:
        raise BackupError(f"{path} lacks its schema version or its list of tables; the backup is damaged.")
    if version > LATEST_VERSION:
        raise BackupError(
            f"This backup is at schema version {version}, newer than this Golden Thread knows "
            f"(version {LATEST_VERSION}). Upgrade Golden Thread, then restore."
        )
    problems = []
    for table, entry in tables.items():
        file = entry.get("file") if isinstance(entry, dict) else None
        if not isinstance(file, str) or Path(file).name != file or not isinstance(entry.get("rows"), int):
            problems.append(f"the manifest's entry for {table} is damaged")
            continue
        if not (directory / file).is_file():
            problems.append(f"{file} is missing")
        elif _sha256(directory / file) != entry.get("sha256"):
            problems.append(
                f"{file} has changed since the backup was made (its SHA-256 does not match the "
                "manifest): it is damaged or was edited"
            )
    if problems:
        raise BackupError(
            f"The backup in {directory} cannot be trusted: " + "; ".join(problems) + ". Nothing was restored."
        )
    return manifest


def restore_database(
    directory: str | Path,
    db_path: str | Path,
    *,
    replace: bool = False,
    without_accounts: bool = False,
    key_path: str | Path | None = None,
) -> dict[str, int]:
    """Restore the backup in ``directory`` to the file ``db_path``; returns rows restored per table.

    Refuses a target that holds data, or is not a Golden Thread database, unless ``replace``; refuses a backup the
    key at ``key_path`` (default ``backup_key_path(db_path)``) does not vouch for, unless ``without_accounts`` (then
    the accounts and sign-ins of ``ACCOUNT_TABLES`` are left out). Either the whole backup lands or the target is
    left as it was.
    """
    directory = Path(directory)
    manifest = read_manifest(directory)
    key_path = Path(key_path) if key_path else backup_key_path(db_path)
    doubt = None if without_accounts else _signature_doubt(manifest, key_path)
    if doubt:
        raise BackupError(
            f"{doubt}, so the accounts in it cannot be trusted. Put the key of the Golden Thread that made it at "
            f"{key_path} (or name it with {KEY_VARIABLE}), or restore with --without-accounts to restore everything "
            "but the accounts and sign-ins (then add an administrator with golden-thread users add). "
            "Nothing was restored."
        )
    leave_out = ACCOUNT_TABLES if without_accounts else ()
    if is_postgres_address(str(db_path)):
        return _restore_into_postgres(directory, manifest, str(db_path), replace=replace, leave_out=leave_out)
    db_path = Path(db_path)
    _check_target(db_path, replace)
    try:
        db_path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise BackupError(
            f"{db_path.parent} cannot be created ({error.strerror or error}); nothing was restored."
        ) from None
    remove_stale_scratch(db_path)
    scratch = scratch_path(db_path, "restore")
    try:
        counts = _build(directory, manifest, scratch, leave_out=leave_out)
        _open_with_store(scratch)  # brings an older backup up to this app's schema
        if Path(f"{scratch}.wal").exists():
            raise BackupError("the restored database did not close cleanly; nothing was restored.")
        with open(scratch, "rb") as handle:
            os.fsync(handle.fileno())
        _check_target(db_path, replace)  # nobody opened or filled it meanwhile
        held = _hold_still(db_path)
        try:
            # Opening the target above checkpointed any WAL of a real database; what is left belongs to a
            # file that was not one, and must not be replayed onto the restored database.
            Path(f"{db_path}.wal").unlink(missing_ok=True)
            if db_path.exists():  # the replaced file's owner-only (or shared) permissions stay as they were
                os.chmod(scratch, db_path.stat().st_mode & 0o777)
            os.replace(scratch, db_path)
            fsync_folder(db_path.parent)
        finally:
            if held is not None:
                held.close()
    except OSError as error:
        raise BackupError(not_written(error, db_path, "the restored database")) from None
    except duckdb.Error as error:  # the disk filled up (or refused a write) while the scratch file was built
        why = disk_problem(str(error), db_path)
        raise BackupError(
            why or f"The backup could not be restored ({_first_line(error)}). Nothing was restored."
        ) from None
    finally:
        for leftover in (scratch, Path(f"{scratch}.wal")):
            leftover.unlink(missing_ok=True)
    return counts


def _restore_into_postgres(
    directory: Path, manifest: dict, conninfo: str, *, replace: bool, leave_out: tuple[str, ...]
) -> dict[str, int]:
    """Restore into a PostgreSQL database: the backup is checked and built into a DuckDB file in a scratch folder,
    exactly as for a file, then every row of it goes into the database in one transaction (the rows it held
    first, with ``replace``): whole or not at all, while the app's other processes wait for that one write."""
    from golden_thread.errors import Refused
    from golden_thread.storage.postgres import described
    from golden_thread.storage.store import SIGN_IN_TABLES, TABLES, Store

    try:
        target = Store(conninfo)  # made or brought up to this app's schema first
    except StorageProblem as problem:
        raise BackupError(str(problem)) from None
    try:
        with target.moment() as read:
            held = {t: n for t in TABLES if (n := read(f'SELECT count(*) AS n FROM "{t}"').item())}
        if held and not replace:
            raise BackupError(
                f"The {described(conninfo)} already holds data ({sum(held.values()):,} rows in {len(held)} tables); "
                "restoring would overwrite it. Restore into an empty database, or add --replace to replace it."
            )
        with _postgres_restore_folder() as folder:
            scratch = folder / "restore.duckdb"
            try:
                _build(directory, manifest, scratch, leave_out=leave_out)
            except duckdb.Error as error:
                raise BackupError(
                    f"The backup could not be restored ({_first_line(error)}). Nothing was restored."
                ) from None
            _open_with_store(scratch)  # brings an older backup up to this app's schema
            restored = Store(scratch, read_only=True)
            try:
                with restored.moment() as read:
                    frames = {t: read(f'SELECT * FROM "{t}"') for t in (*TABLES, *SIGN_IN_TABLES)}
            finally:
                restored.close()
        try:
            target.insert_tables(frames, replacing=replace)
        except Refused as refused:
            raise BackupError(
                f"The {described(conninfo)} refused the backup ({refused}). Nothing was restored."
            ) from None
    finally:
        target.close()
    return {table: frame.height for table, frame in frames.items() if table not in leave_out}


# Beside this name in the system's temporary folder, a restore into PostgreSQL builds the backup in a DuckDB file.
_POSTGRES_RESTORE_ANCHOR = "golden-thread-postgres-restore"


@contextmanager
def _postgres_restore_folder() -> Iterator[Path]:
    """A folder only this user can read, for a restore into PostgreSQL to build the backup in, removed after it. A
    folder named with its process, so that one a killed restore left is removed by the next restore (its process no
    longer runs), while another restore still at work keeps its own."""
    anchor = Path(tempfile.gettempdir()) / _POSTGRES_RESTORE_ANCHOR
    remove_stale_scratch(anchor)
    folder = scratch_path(anchor, "restore")
    folder.mkdir(mode=OWNER_ONLY_FOLDER)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _check_target(db_path: Path, replace: bool) -> None:
    """Refuse a target that is not a file, is held by another program, or (without ``replace``) holds data or is
    not a Golden Thread database at all: a restore replaces only what is ours and empty, unless told to."""
    if db_path.exists() and not db_path.is_file():
        raise BackupError(f"{db_path} is not a file; give the database file to restore into.")
    if {s.lower() for s in db_path.suffixes} & DATA_SUFFIXES:  # read as data, never as a database, once restored
        raise BackupError(
            f"{db_path} is a {db_path.suffix} file's name, which is read as data rather than as a database; restore "
            "into a file ending .duckdb. Nothing was restored."
        )
    if not db_path.exists():
        if Path(f"{db_path}.wal").exists():
            raise BackupError(f"{db_path}.wal exists without its database; move it away before restoring.")
        return
    if db_path.stat().st_size == 0:
        if replace:
            return
        raise BackupError(_not_ours(db_path, "it is an empty file"))
    try:
        # Read-write, so that a second process holding the file is detected and a leftover WAL is
        # checkpointed (and removed) on close rather than replayed onto the restored file later.
        connection = duckdb.connect(str(db_path), config=NO_DOWNLOADS)
    except duckdb.Error as error:
        if _is_lock_error(error):
            raise BackupError(why_not_opened(db_path, error, purpose="restore into it")) from None
        if replace:
            return  # not a database at all: --replace says to overwrite it
        raise BackupError(_not_ours(db_path, "it is damaged, or another kind of file")) from None
    try:
        # DuckDB opens a .csv, .json or .parquet name as an empty in-memory database: it stores nothing there.
        stored_at = connection.execute(
            "SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
        ).fetchone()[0]
        tables = [row[0] for row in connection.execute(_TABLES_SQL).fetchall()]
        # The names are the file's own, perhaps another program's: quoted whole, whatever they hold.
        rows = {t: _row_count(connection, t) for t in tables if t not in _NOT_DATA}
    finally:
        connection.close()
    if replace:
        pass
    elif stored_at is None:
        raise BackupError(_not_ours(db_path, "DuckDB reads it as data"))
    elif tables and "schema_version" not in tables:
        raise BackupError(_not_ours(db_path, "it is another program's DuckDB database"))
    held = {t: n for t, n in rows.items() if n}
    if held and not replace:
        raise BackupError(
            f"{db_path} already holds data ({sum(held.values()):,} rows in {len(held)} tables); restoring would "
            "overwrite it. Restore into a new file (--db NEW_FILE), or add --replace to replace it."
        )


def _hold_still(db_path: Path) -> duckdb.DuckDBPyConnection | None:
    """A read-only connection to the database about to be replaced, kept until the new file is in its place: the app
    lets go of the file between pages, and must not open the old file (and write its log beside the new one) in the
    moment between the last check and the swap. A read-only connection never writes, so closing it after the swap
    leaves the new file and its log alone. None when there is no database there to hold."""
    if not db_path.exists():
        return None
    try:
        return duckdb.connect(str(db_path), read_only=True, config=NO_DOWNLOADS)
    except duckdb.Error as error:
        if held_by_another(error):  # opened in the moment since the check
            raise BackupError(why_not_opened(db_path, error, purpose="restore into it")) from None
        return None  # not a database (``--replace`` allows it), or this process holds it: nothing else can open it


def _row_count(connection: duckdb.DuckDBPyConnection, table: str) -> int:
    """The rows of ``table``, whatever its name holds: a statement takes no parameter for a name, but
    ``query_table`` reads one from a value (quoted whole, a quote in it doubled), so the name is never SQL."""
    quoted = '"' + table.replace('"', '""') + '"'
    return connection.execute("SELECT count(*) FROM query_table(?)", [quoted]).fetchone()[0]


def _not_ours(db_path: Path, why: str) -> str:
    return (
        f"{db_path} is not a Golden Thread database ({why}), so restore leaves it as it is: restore into a new file "
        "(--db NEW_FILE), or add --replace if it may be replaced."
    )


def _build(directory: Path, manifest: dict, scratch: Path, *, leave_out: tuple[str, ...] = ()) -> dict[str, int]:
    """Create the schema at the backup's version and load every table (but those to ``leave_out``, left empty), in
    one transaction."""
    version = manifest["schema_version"]
    entries: dict = manifest["tables"]
    connection = duckdb.connect(str(scratch), config=NO_DOWNLOADS)
    try:
        connection.execute("BEGIN TRANSACTION")
        connection.execute(_SCHEMA_VERSION_DDL)
        for number, _description, sql in MIGRATIONS:
            if number <= version:
                connection.execute(sql)
        tables = [row[0] for row in connection.execute(_TABLES_SQL).fetchall()]
        missing = sorted(set(tables) - set(entries))
        strangers = sorted(set(entries) - set(tables))
        if missing or strangers:
            raise BackupError(
                f"The backup does not match schema version {version}: "
                + "; ".join(
                    filter(
                        None,
                        [
                            missing and f"no file for table(s) {', '.join(missing)}",
                            strangers and f"unknown table(s) {', '.join(strangers)}",
                        ],
                    )
                )
                + ". Nothing was restored."
            )
        counts: dict[str, int] = {}
        for table in _dependency_order(connection, tables):
            if table in leave_out:
                continue
            frame = pl.read_parquet(directory / entries[table]["file"])
            known = [
                r[0]
                for r in connection.execute(
                    "SELECT column_name FROM duckdb_columns() WHERE database_name = current_database() "
                    "AND table_name = ? ORDER BY column_index",
                    [table],
                ).fetchall()
            ]
            if sorted(frame.columns) != sorted(known):
                raise BackupError(
                    f"{entries[table]['file']} has columns {', '.join(frame.columns)}, but table "
                    f"{table} at schema version {version} has {', '.join(known)}. Nothing was restored."
                )
            try:
                _insert(connection, table, frame.select(known))
            except duckdb.Error as error:
                raise BackupError(
                    f"{entries[table]['file']} could not be restored: {_first_line(error)}. Nothing was restored."
                ) from None
            counts[table] = _row_count(connection, table)
            if counts[table] != entries[table]["rows"]:
                raise BackupError(
                    f"{entries[table]['file']} holds {counts[table]} rows but the manifest says "
                    f"{entries[table]['rows']}; the backup is damaged. Nothing was restored."
                )
        stored = connection.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()[0]
        if stored != version:
            raise BackupError(
                f"schema_version.parquet says version {stored}, the manifest {version}; the backup "
                "is damaged. Nothing was restored."
            )
        connection.execute("COMMIT")
        connection.execute("CHECKPOINT")
    finally:
        connection.close()
    return counts


def _insert(connection: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> None:
    """Insert a table's rows (``frame``'s columns in the table's order); rows that point at rows of the same table go
    in waves, parents first.

    (DuckDB checks a foreign key against rows already stored, not rows of the same statement.)
    """
    if frame.height == 0:
        return
    self_keys = [
        (cols[0], ref[0])
        for cols, ref in connection.execute(
            "SELECT constraint_column_names, referenced_column_names FROM duckdb_constraints() "
            "WHERE database_name = current_database() AND constraint_type = 'FOREIGN KEY' "
            "AND table_name = ? AND referenced_table = ?",
            [table, table],
        ).fetchall()
        if len(cols) == 1
    ]
    remaining = frame
    while remaining.height:
        wave = remaining
        for column, key in self_keys:
            waiting = remaining[key].implode()
            wave = wave.filter(pl.col(column).is_null() | ~pl.col(column).is_in(waiting))
        if wave.height == 0:  # rows that point at each other in a loop: let the database refuse them
            wave = remaining
        connection.from_arrow(wave.to_arrow()).insert_into(table)  # by position: the frame is in the table's order
        if not self_keys or wave.height == remaining.height:
            break
        remaining = remaining.join(wave.select(self_keys[0][1]), on=self_keys[0][1], how="anti")


def _open_with_store(path: Path) -> None:
    from golden_thread.errors import Refused
    from golden_thread.storage.store import Store

    try:
        store = Store(path)
    except (Refused, duckdb.Error) as error:
        raise BackupError(
            f"The restored database could not be opened: {_first_line(error)}. Nothing was restored."
        ) from None
    store.close()


# -- shared ----------------------------------------------------------------------------------------


def _dependency_order(connection: duckdb.DuckDBPyConnection, tables: list[str]) -> list[str]:
    """Tables with every table they reference before them (then by name), for loading parents first."""
    references: dict[str, set[str]] = {t: set() for t in tables}
    for table, referenced in connection.execute(
        "SELECT table_name, referenced_table FROM duckdb_constraints() WHERE database_name = current_database() "
        "AND constraint_type = 'FOREIGN KEY'"
    ).fetchall():
        if table in references and referenced in references and referenced != table:
            references[table].add(referenced)
    ordered: list[str] = []
    while references:
        ready = sorted(t for t, needs in references.items() if not needs - set(ordered))
        if not ready:  # a loop of references between tables: keep name order for the rest
            ready = sorted(references)
        for table in ready:
            ordered.append(table)
            del references[table]
    return ordered


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _is_lock_error(error: Exception) -> bool:
    return "lock" in str(error).lower()


def _first_line(error: Exception) -> str:
    return str(error).strip().split("\n")[0]
