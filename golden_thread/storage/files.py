"""Files Golden Thread writes outside its database (exports, backups, board packs, charts): whole or not at all,
owner-only, and each failure in one sentence.

Everything is written under a hidden scratch name beside its target and renamed into place only once complete, so a
full disk or a killed process never leaves half a PDF, half an export or half a database under a name a person
opens. Scratch names say whose they are and which process made them (``.NAME.golden-thread-PURPOSE-PID-RANDOM``):
``remove_stale_scratch`` removes those whose process has gone, on the next start.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from golden_thread.errors import StorageProblem

T = TypeVar("T")

OWNER_ONLY_FILE = 0o600
OWNER_ONLY_FOLDER = 0o700
_MARK = ".golden-thread-"
# What restores made before scratch names carried their process (``.NAME.restore-RANDOM``): removed once an hour old.
_LEGACY_RESTORE = re.compile(r"\.restore-[0-9a-f]{12}(\.wal)?$")
_LEGACY_AGE = 3600


def scratch_path(target: Path, purpose: str) -> Path:
    """A hidden name beside ``target`` for writing it whole: this process's, recognisably Golden Thread's."""
    return target.with_name(f".{target.name}{_MARK}{purpose}-{os.getpid()}-{uuid.uuid4().hex[:12]}")


def remove_stale_scratch(target: Path) -> list[Path]:
    """Remove what a killed export, backup or restore of ``target`` left beside it (its process no longer runs);
    returns what was removed. Anything that cannot be removed is left for next time."""
    ours = re.compile(rf"^\.{re.escape(target.name)}{re.escape(_MARK)}[a-z-]+?-(\d+)-[0-9a-f]{{12}}(\.wal)?$")
    legacy = re.compile(rf"^\.{re.escape(target.name)}{_LEGACY_RESTORE.pattern}")
    removed = []
    try:
        entries = list(target.parent.iterdir())
    except OSError:
        return removed
    for entry in entries:
        match = ours.match(entry.name)
        if match:
            if _running(int(match.group(1))):
                continue
        elif not legacy.match(entry.name) or not _older_than(entry, _LEGACY_AGE):
            continue
        try:
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
        except OSError:
            continue
        removed.append(entry)
    return removed


def write_file_whole(target: Path, write: Callable[[Path], T], what: str) -> T:
    """Call ``write(scratch)`` to write ``what`` to a scratch file beside ``target``, then put it in place whole
    (owner-only). On any failure nothing is left behind and ``target`` is as it was; a failure of the disk is a
    StorageProblem saying what to do."""
    scratch = scratch_path(target, "write")
    try:
        result = write(scratch)
        os.chmod(scratch, OWNER_ONLY_FILE)
        _fsync(scratch)
        os.replace(scratch, target)
        fsync_folder(target.parent)
    except OSError as error:
        _remove(scratch)
        raise StorageProblem(not_written(error, target, what)) from None
    except BaseException:
        _remove(scratch)
        raise
    return result


def write_folder_whole(target: Path, fill: Callable[[Path], T], what: str) -> T:
    """Call ``fill(scratch)`` to write ``what`` into a scratch folder beside ``target``, then rename it to ``target``
    (which must not exist, or be an empty folder). Owner-only: the folder 0o700 and every file 0o600. On any
    failure nothing is left behind."""
    if target.exists() and not target.is_dir():
        raise StorageProblem(f"{target} is a file; give a new folder for {what}.")
    if target.is_dir() and any(target.iterdir()):
        raise StorageProblem(
            f"{target} already holds files; write {what} to a new or empty folder, so that nothing is overwritten."
        )
    remove_stale_scratch(target)
    scratch = scratch_path(target, "folder")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        scratch.mkdir(mode=OWNER_ONLY_FOLDER)
        os.chmod(scratch, OWNER_ONLY_FOLDER)
        result = fill(scratch)
        for path in scratch.iterdir():
            os.chmod(path, OWNER_ONLY_FILE)
            _fsync(path)
        fsync_folder(scratch)
        os.rename(scratch, target)  # onto an empty folder too; refused (ENOTEMPTY) if someone filled it meanwhile
        fsync_folder(target.parent)
    except OSError as error:
        _remove(scratch)
        if error.errno in (errno.ENOTEMPTY, errno.EEXIST):
            raise StorageProblem(
                f"{target} was filled by someone else while {what} was being written; nothing was written. "
                "Give a new folder."
            ) from None
        raise StorageProblem(not_written(error, target, what)) from None
    except BaseException:
        _remove(scratch)
        raise
    return result


def not_written(error: OSError, target: Path, what: str) -> str:
    """One sentence for a write the disk refused: what happened to ``what`` and what to do."""
    code = error.errno
    if code is None:  # polars and other Rust writers say "... (os error 28)" without setting errno
        said = re.search(r"\(os error (\d+)\)", str(error))
        code = int(said.group(1)) if said else None
    if code in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return (
            f"The disk holding {target} is full: {what} was not written, and nothing half-written was left behind. "
            "Free some space there, then try again."
        )
    if code in (errno.EROFS, errno.EACCES, errno.EPERM):
        return (
            f"{target} cannot be written (the disk or folder is read-only, or you may not write there): {what} was "
            "not written. Choose a folder you can write to."
        )
    if code == errno.EISDIR:
        return f"{target} is a folder; give a file name for {what} (for example {target / 'file'})."
    if code in (errno.ENOENT, errno.ENOTDIR):
        return (
            f"cannot write {target}: No such file or directory; create the folder {target.parent} first, or choose "
            "another place."
        )
    return f"cannot write {target}: {error.strerror or error}; {what} was not written."


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # it exists, but belongs to someone else
        return True
    return True


def _older_than(path: Path, seconds: float) -> bool:
    try:
        return time.time() - path.stat().st_mtime > seconds
    except OSError:
        return False


def _remove(path: Path) -> None:
    try:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    except OSError:
        pass


def _fsync(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def fsync_folder(folder: Path) -> None:
    """Make a rename or a new file in ``folder`` survive a power cut (where the file system allows it)."""
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)
