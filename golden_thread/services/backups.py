"""An administrator's "Back up now" (issue 20): a backup of the running app's database, checked as a restore would
check it, into the backups folder, while everyone carries on working.

A backup holds every organisation in the database and every account's password hash, so only an active
administrator may make one, and only one who administers every organisation in it: an administrator of the whole
database, or of the one organisation the database holds. Anyone else asks the machine's operator, whose
``golden-thread backup`` (a scheduled job) backs the file up while the app runs.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from golden_thread.errors import PermissionRefused
from golden_thread.storage.backup import backup_key_path, backup_store, backups_folder, check_backup
from golden_thread.storage.store import Store


@dataclass(frozen=True)
class BackupMade:
    folder: Path
    tables: int
    rows: int
    schema_version: int


def may_back_up(db: Store, username: str) -> str | None:
    """None when ``username`` may back up the whole database; otherwise why not, in a sentence."""
    everything = db.everything()
    account = everything.user(username) if username else None
    if account is None or not account["active"] or account["role"] != "administrator":
        return "Only an administrator can back up the database."
    if account["organisation_id"] is None:  # an administrator of the whole database
        return None
    theirs = {scope.organisation_id for scope in everything.scopes_for(username)}
    others = [name for i, name in everything.top_organisations().select("id", "name").iter_rows() if i not in theirs]
    if others:
        return (
            f"This database also holds {len(others)} other organisation{'s' if len(others) > 1 else ''}, and a backup "
            "carries every organisation in it: only an administrator of the whole database, or the machine's operator "
            "(golden-thread backup), can back it up."
        )
    return None


def where_backups_go(db: Store) -> Path:
    return backups_folder(db.path)


def back_up_now(db: Store, username: str, *, now: dt.datetime | None = None) -> BackupMade:
    """Back the database up into a new folder named for the moment (``golden-thread-YYYY-MM-DD-HHMMSS``) in the
        backups folder, then check it as ``restore`` would: every file against the manifest, the manifest against the
        key. Raises PermissionRefused, or a StorageProblem (a ``BackupError``) saying what went wrong; nothing
    half-written is left."""
    if refusal := may_back_up(db, username):
        raise PermissionRefused(refusal + " Nothing was written.")
    folder = where_backups_go(db)
    moment = (now or dt.datetime.now()).strftime("%Y-%m-%d-%H%M%S")
    target = folder / f"golden-thread-{moment}"
    again = 1
    while target.exists():  # two backups in one second: each gets a folder of its own
        again += 1
        target = folder / f"golden-thread-{moment}-{again}"
    backup_store(db, target)
    manifest = check_backup(target, backup_key_path(db.path))
    tables = manifest["tables"]
    return BackupMade(target, len(tables), sum(t["rows"] for t in tables.values()), manifest["schema_version"])
