"""The command line's and the store's promises about files (issue 20): nothing half-written under a name a person
opens, nothing overwritten unasked, password hashes only where asked and readable by their owner only, and every
damaged, unavailable or mistaken file or disk answered with one sentence (what is wrong, what to do), in the
command line and in the app, never a traceback.

A full disk is simulated by making the write raise OSError(ENOSPC) part-way through (for DuckDB, the error DuckDB
raises when its log cannot be written); a read-only disk by refusing every read-write opening of the file, as DuckDB
does on a read-only file system (these tests may run as root, whom file permissions do not stop).
"""

from __future__ import annotations

import datetime as dt
import errno
import json
import shutil
import stat
from pathlib import Path

import duckdb
import polars as pl
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from golden_thread.cli import COULD_NOT_RUN, main
from golden_thread.domain.observations import ProposedObservation
from golden_thread.errors import StorageProblem
from golden_thread.storage.accounts import operator_save_account
from golden_thread.storage.schema import LATEST_VERSION
from golden_thread.storage.store import Store

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent
ENTRY = str(ROOT / "dashboard.py")
NO_SPACE = "No space left on device"
DEMO_TODAY = dt.date(2026, 11, 23)  # as tests/conftest.py builds the demo trust


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _one_sentence(err: str, command: str) -> str:
    """stderr as one line saying what is wrong, from the command, never a traceback."""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"golden-thread {command}: "), err
    assert "Traceback" not in err and "Error:" not in err, err
    return lines[0]


def _leftovers(folder: Path) -> list[str]:
    """Hidden scratch files or folders a write left behind."""
    return sorted(p.name for p in folder.iterdir() if ".golden-thread-" in p.name)


@pytest.fixture
def copy(demo_db: Path, tmp_path: Path) -> Path:
    path = tmp_path / "db" / "golden.duckdb"
    path.parent.mkdir()
    shutil.copy(demo_db, path)
    return path


# -- item 5: written whole or not at all, never overwritten unasked ----------------------------------------------------


def test_an_export_on_a_full_disk_leaves_no_partial_folder_and_says_so(copy, tmp_path, capsys, monkeypatch):
    written = []
    real_write_csv = pl.DataFrame.write_csv

    def fills_up(frame, file=None, **kwargs):
        if len(written) == 14:  # the disk fills up part-way through the fifteenth file
            Path(file).write_bytes(b"id,name\n1,Nor")
            raise OSError(errno.ENOSPC, NO_SPACE)
        written.append(file)
        return real_write_csv(frame, file, **kwargs)

    monkeypatch.setattr(pl.DataFrame, "write_csv", fills_up)
    target = tmp_path / "exports" / "northfield"
    code, out, err = _run(capsys, "export", str(target), "--db", str(copy))
    assert code == COULD_NOT_RUN and not out
    said = _one_sentence(err, "export")
    assert "is full" in said and "nothing half-written was left behind" in said and "Free some space" in said
    assert not target.exists() and _leftovers(target.parent) == []
    # and the import a partial folder once fooled has nothing to accept
    code, _, err = _run(capsys, "import", str(target), "--db", str(tmp_path / "new.duckdb"))
    assert code == 1 and err.strip() == f"{target} is not a folder of CSV files"


def test_import_refuses_a_partial_export_naming_what_is_missing(copy, tmp_path, capsys):
    folder = tmp_path / "export"
    assert main(["export", str(folder), "--db", str(copy)]) == 0
    (folder / "pdsa_cycle.csv").unlink()
    observations = (folder / "observation.csv").read_bytes()
    (folder / "observation.csv").write_bytes(observations[: len(observations) // 3])  # cut short by a full disk
    rows = json.loads((folder / "manifest.json").read_text())["tables"]["observation"]["rows"]
    capsys.readouterr()
    target = tmp_path / "new.duckdb"
    code, out, err = _run(capsys, "import", str(folder), "--db", str(target))
    assert code == 1 and not out
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"{folder} is not a complete export: pdsa_cycle.csv is missing; observation.csv holds ")
    assert f"of its {rows:,} rows" in lines[0] and "nothing was imported" in lines[0]
    store = Store(target)
    assert store.is_empty() and not any(store.totals().values())
    store.close()


def test_import_refuses_a_folder_without_the_manifest_an_export_writes_last(copy, tmp_path, capsys):
    folder = tmp_path / "export"
    assert main(["export", str(folder), "--db", str(copy)]) == 0
    for path in sorted(folder.glob("*.csv"))[14:]:  # what an export stopped part-way left: 14 files, no manifest
        path.unlink()
    (folder / "manifest.json").unlink()
    capsys.readouterr()
    code, out, err = _run(capsys, "import", str(folder), "--db", str(tmp_path / "new.duckdb"))
    assert code == 1 and not out and "Imported" not in err
    assert err.strip() == (
        f"{folder} has no manifest.json, so it is not a complete Golden Thread export (an export writes it last, once "
        "every file is complete). Export again, or copy the whole export folder again; nothing was imported."
    )


def test_a_board_pack_on_a_full_disk_leaves_no_truncated_pdf_and_says_so(copy, tmp_path, capsys, monkeypatch):
    real_write_bytes = Path.write_bytes

    def fills_up(path, data):
        real_write_bytes(path, data[: len(data) // 2])
        raise OSError(errno.ENOSPC, NO_SPACE)

    monkeypatch.setattr(Path, "write_bytes", fills_up)
    out = tmp_path / "packs" / "october.pdf"
    code, said, err = _run(
        capsys, "board-pack", "--db", str(copy), "--month", "2026-10", "--out", str(out), "--today", str(DEMO_TODAY)
    )
    assert code == 1 and not said
    sentence = _one_sentence(err, "board-pack")
    assert "is full: the board pack was not written" in sentence and "Free some space" in sentence
    assert not out.exists() and _leftovers(out.parent) == []


def test_spc_and_board_pack_never_overwrite_a_file_unless_told_to(copy, tmp_path, capsys):
    (tmp_path / "in.csv").write_text("x,y\n1,4\n2,5\n3,6\n4,5\n")
    chart = tmp_path / "chart.csv"
    chart.write_text("a colleague's chart\n")
    code, _, err = _run(capsys, "spc", str(tmp_path / "in.csv"), "--out", str(chart))
    assert code == 2
    assert _one_sentence(err, "spc") == (
        f"golden-thread spc: {chart} already exists; choose another name, or add --force to replace it."
    )
    assert chart.read_text() == "a colleague's chart\n"
    assert _run(capsys, "spc", str(tmp_path / "in.csv"), "--out", str(chart), "--force")[0] == 0
    assert chart.read_text().startswith("x,y,")

    pack = tmp_path / "pack.pdf"
    pack.write_bytes(b"%PDF-1.4 last month's pack")
    month = ["--db", str(copy), "--month", "2026-10", "--today", str(DEMO_TODAY)]
    code, _, err = _run(capsys, "board-pack", *month, "--out", str(pack))
    assert code == 2 and "already exists; choose another name, or add --force" in _one_sentence(err, "board-pack")
    assert pack.read_bytes() == b"%PDF-1.4 last month's pack"
    code, out, _ = _run(capsys, "board-pack", *month, "--out", str(pack), "--force")
    assert code == 0 and "written to" in out
    assert pack.read_bytes().startswith(b"%PDF") and len(pack.read_bytes()) > 10_000
    assert _leftovers(tmp_path) == []


# -- item 11: password hashes only where asked, owner-only files ------------------------------------------------------


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_an_export_leaves_password_hashes_out_unless_asked_and_warns_when_asked(copy, tmp_path, capsys):
    plain = tmp_path / "plain"
    code, out, err = _run(capsys, "export", str(plain), "--db", str(copy))
    assert code == 0 and not err and "Password hashes were left out" in out
    accounts = pl.read_csv(plain / "app_user.csv")
    assert "password_hash" not in accounts.columns and accounts.height == 4
    assert not any("$argon2" in path.read_text() for path in plain.glob("*.csv"))
    assert json.loads((plain / "manifest.json").read_text())["with_passwords"] is False

    with_hashes = tmp_path / "with-hashes"
    code, out, err = _run(capsys, "export", str(with_hashes), "--db", str(copy), "--with-passwords")
    assert code == 0 and err.startswith("Warning: app_user.csv holds every account's password hash")
    assert pl.read_csv(with_hashes / "app_user.csv")["password_hash"].str.starts_with("$argon2").all()

    # accounts imported without their hashes exist, and cannot sign in until given a password
    target = tmp_path / "imported.duckdb"
    assert main(["import", str(plain), "--db", str(target)]) == 0
    store = Store(target)
    assert store.users().height == 4 and store.verify_password("admin", "demo") is None
    store.close()


def test_exports_and_backups_are_readable_by_their_owner_only(copy, tmp_path, monkeypatch):
    monkeypatch.setenv("GOLDEN_THREAD_BACKUP_KEY", str(tmp_path / "keys" / "backup.key"))
    for command, folder in (("export", tmp_path / "export"), ("backup", tmp_path / "backup")):
        assert main([command, str(folder), "--db", str(copy)]) == 0
        assert _mode(folder) == 0o700, command
        files = sorted(folder.iterdir())
        assert files and {_mode(path) for path in files} == {0o600}, command
    assert _mode(tmp_path / "keys" / "backup.key") == 0o600


# -- item 14: damaged or unavailable storage, one sentence each ----------------------------------------------------------


def _truncated(copy: Path) -> None:
    data = copy.read_bytes()
    copy.write_bytes(data[: len(data) // 2])


def _garbage(copy: Path) -> None:
    copy.write_bytes(bytes(range(256)) * 256)


def _zero_bytes(copy: Path) -> None:
    copy.write_bytes(b"")


def _newer_schema(copy: Path) -> None:
    connection = duckdb.connect(str(copy))
    connection.execute("INSERT INTO schema_version (version, description) VALUES (?, 'from the future')", [99])
    connection.close()


def _another_programs(copy: Path) -> None:
    copy.unlink()
    connection = duckdb.connect(str(copy))
    connection.execute("CREATE TABLE patients AS SELECT range AS nhs_number FROM range(10)")
    connection.close()


DAMAGE = {
    "truncated": (_truncated, "is damaged: it is shorter than the database it describes", "Restore it from a backup"),
    "garbage": (_garbage, "is not a Golden Thread database: it is damaged, or another kind of file", "Restore it"),
    "zero bytes": (_zero_bytes, "is an empty file (0 bytes), not a database", "Restore it from a backup"),
    "newer schema": (
        _newer_schema,
        f"is at schema version 99, newer than this Golden Thread (version {LATEST_VERSION})",
        "Upgrade Golden Thread",
    ),
    "another program's": (_another_programs, "is another program's DuckDB database", "Give the Golden Thread database"),
}
COMMANDS = {
    "check": ["check"],
    "export": ["export", "{tmp}/export"],
    "board-pack": ["board-pack", "--month", "2026-10", "--out", "{tmp}/pack.pdf"],
    "users list": ["users", "list"],
    "init": ["init"],
    "import": ["import", "{tmp}/nothing"],
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_a_damaged_or_foreign_database_gets_one_sentence_from_every_command(copy, tmp_path, capsys, damage):
    spoil, what, then = DAMAGE[damage]
    spoil(copy)
    before = copy.read_bytes()
    for command, argv in COMMANDS.items():
        code, out, err = _run(capsys, *[a.format(tmp=tmp_path) for a in argv], "--db", str(copy))
        said = _one_sentence(err, command)
        assert code == COULD_NOT_RUN and not out, (command, err)
        assert f"{copy} {what}" in said and then in said, (command, said)
    assert copy.read_bytes() == before, "a command changed the damaged file"
    assert not (tmp_path / "export").exists() and not (tmp_path / "pack.pdf").exists()


@pytest.fixture
def read_only_disk(monkeypatch):
    """Every read-write opening of a file under the returned folder is refused, as on a read-only file system."""
    real_connect = duckdb.connect
    folders: list[Path] = []

    def connect(database=":memory:", read_only=False, config=None, **kwargs):
        if not read_only and any(str(database).startswith(str(f)) for f in folders):
            raise duckdb.IOException(f'IO Error: Cannot open file "{database}": Read-only file system')
        return real_connect(database, read_only=read_only, config=config or {}, **kwargs)

    monkeypatch.setattr(duckdb, "connect", connect)
    return folders


def test_read_only_commands_work_on_a_read_only_database_and_writes_say_why_not(
    copy, tmp_path, capsys, monkeypatch, read_only_disk
):
    monkeypatch.setenv("GOLDEN_THREAD_BACKUP_KEY", str(tmp_path / "backup.key"))
    read_only_disk.append(copy.parent)
    before = copy.read_bytes()
    db = ["--db", str(copy)]
    code, out, _ = _run(capsys, "check", *db, "--today", str(DEMO_TODAY))
    assert code == 1 and "flag(s)" in out
    assert _run(capsys, "export", str(tmp_path / "export"), *db)[0] == 0
    assert (tmp_path / "export" / "observation.csv").exists()
    pack = ["board-pack", *db, "--month", "2026-10", "--out", str(tmp_path / "pack.pdf"), "--today", str(DEMO_TODAY)]
    assert _run(capsys, *pack)[0] == 0
    code, out, _ = _run(capsys, "users", "list", *db)
    assert code == 0 and "admin" in out
    assert _run(capsys, "backup", str(tmp_path / "backup"), *db)[0] == 0

    for argv in (
        ["init"],
        ["demo"],
        ["users", "deactivate", "team"],
        ["publish", "--month", "2026-10", "--user", "admin", "--today", str(DEMO_TODAY)],
    ):
        code, out, err = _run(capsys, *argv, *db)
        said = _one_sentence(err, " ".join(argv[:2]) if argv[0] == "users" else argv[0])
        assert code == COULD_NOT_RUN and not out
        assert f"{copy} cannot be written: the file or its disk is read-only" in said
        assert "check, export, board-pack, backup and users list still read it" in said
    assert copy.read_bytes() == before


class _FullDisk:
    """A DuckDB connection whose commits fail as DuckDB's do when the disk is full (its log cannot be written)."""

    def __init__(self, connection, path: str):
        self._connection, self._path = connection, path

    def cursor(self):
        return _FullDiskCursor(self._connection.cursor(), self._path)

    def __getattr__(self, name):
        return getattr(self._connection, name)


class _FullDiskCursor:
    def __init__(self, cursor, path: str):
        self._cursor, self._path = cursor, path

    def execute(self, sql, *args, **kwargs):
        if sql.strip().upper() == "COMMIT":
            raise duckdb.TransactionException(
                f'TransactionContext Error: Failed to commit: Could not write file "{self._path}.wal": {NO_SPACE}'
            )
        return self._cursor.execute(sql, *args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._cursor, name)


def test_a_full_disk_during_a_save_says_so_and_loses_nothing(copy):
    store = Store(copy)
    real = store._state.connection
    before = store.observations([6]).height
    store._state.connection = _FullDisk(real, str(copy))
    with pytest.raises(StorageProblem) as refused:
        store.save_observation(
            6, ProposedObservation(dt.date(2020, 1, 1), value=5.5), username="admin", today=DEMO_TODAY
        )
    assert str(refused.value) == (
        f"The disk holding {copy} is full, so nothing was saved. Free some space on it (or ask IT to), then try again."
    )
    store._state.connection = real  # space freed: the same store carries on
    assert store.observations([6]).height == before
    store.save_observation(6, ProposedObservation(dt.date(2020, 1, 1), value=5.5), username="admin", today=DEMO_TODAY)
    assert store.observations([6]).height == before + 1
    store.close()


@pytest.fixture
def app_db(tmp_path, monkeypatch):
    path = tmp_path / "app" / "golden.duckdb"
    monkeypatch.setenv("GOLDEN_THREAD_DB", str(path))
    st.cache_resource.clear()
    yield path
    st.cache_resource.clear()


@pytest.mark.parametrize("damage", ["truncated", "zero bytes", "newer schema"])
def test_the_app_shows_a_damaged_database_in_one_sentence_not_a_traceback(demo_db, app_db, damage):
    app_db.parent.mkdir()
    shutil.copy(demo_db, app_db)
    spoil, what, then = DAMAGE[damage]
    spoil(app_db)
    app = AppTest.from_file(ENTRY, default_timeout=60)
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    assert [e.value for e in app.error] == [app.error[0].value] and f"{app_db} {what}" in app.error[0].value
    assert then in app.error[0].value


def test_the_app_says_a_full_disk_in_one_sentence_when_saving(app_db):
    from golden_thread.app import ui

    store = Store(app_db)
    operator_save_account(store, "chief", "Alice Okafor", "administrator", None, "a long password 1")
    store.close()
    app = AppTest.from_file(ENTRY, default_timeout=60)
    app.session_state["user"] = {"username": "chief", "display_name": "Alice Okafor", "role": "administrator"}
    app.run()
    assert [t.value for t in app.title] == ["Set up your organisation"]
    opened = ui._opened_store(str(app_db))  # the app's own store, as the run left it in st.cache_resource
    opened._state.connection = _FullDisk(opened._state.connection, str(app_db))
    app.text_input[0].input("Riverside NHS Foundation Trust")
    app.button[0].click().run()
    assert not app.exception, [e.value for e in app.exception]
    assert any(f"The disk holding {app_db} is full, so nothing was saved." in e.value for e in app.error)
    assert [t.value for t in app.title] == ["Set up your organisation"]
    opened._state.connection = opened._state.connection._connection
    assert opened.organisations().height == 0


# -- item 18: path mistakes get a sentence -------------------------------------------------------------------------------


def test_path_mistakes_get_a_sentence_not_a_traceback(copy, tmp_path, capsys):
    a_file = tmp_path / "notes.txt"
    a_file.write_text("keep me\n")
    full = tmp_path / "full"
    full.mkdir()
    (full / "old.csv").write_text("x\n")
    (tmp_path / "in.csv").write_text("x,y\n1,4\n2,5\n")
    db = ["--db", str(copy)]
    month = ["--month", "2026-10", "--today", str(DEMO_TODAY)]
    cases = [
        (["export", str(a_file), *db], "export", f"{a_file} is a file; give a new folder for the export."),
        (["export", str(full), *db], "export", f"{full} already holds files; write the export to a new or empty"),
        (
            ["board-pack", *db, *month, "--out", str(tmp_path)],
            "board-pack",
            f"{tmp_path} is a folder; give the file to write the board pack to (for example {tmp_path / 'board-pack.pdf'})",
        ),
        (
            ["spc", str(tmp_path / "in.csv"), "--out", str(tmp_path)],
            "spc",
            f"{tmp_path} is a folder; give the file to write the chart to (for example {tmp_path / 'chart.csv'})",
        ),
        (["check", "--db", str(tmp_path)], "check", f"{tmp_path} is a folder, not a database file"),
        (["init", "--db", str(tmp_path)], "init", f"{tmp_path} is a folder, not a database file"),
        (["users", "list", "--db", str(tmp_path)], "users list", f"{tmp_path} is a folder, not a database file"),
        (["init", "--db", str(tmp_path / "data.csv")], "init", f"{tmp_path / 'data.csv'} is not a database file"),
        (["check", "--db", str(tmp_path / "nowhere.duckdb")], "check", f"{tmp_path / 'nowhere.duckdb'} does not exist"),
    ]
    for argv, command, expected in cases:
        code, out, err = _run(capsys, *argv)
        assert code in (1, 2, COULD_NOT_RUN) and not out, (argv, out, err)
        assert expected in _one_sentence(err, command), (argv, err)
    assert a_file.read_text() == "keep me\n" and sorted(p.name for p in full.iterdir()) == ["old.csv"]
    assert not (tmp_path / "data.csv").exists() and not (tmp_path / "nowhere.duckdb").exists()
