"""``golden-thread backup`` and ``restore``: a backup gives back every row; a damaged, edited or too-new backup
is refused with a reason and the target is left exactly as it was; a database holding data is never
overwritten without ``--replace``."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import polars as pl
import pytest

from golden_thread import cli
from golden_thread.domain.observations import ProposedObservation
from golden_thread.storage.backup import (
    KEY_VARIABLE,
    BackupError,
    _read_key,
    backup_database,
    backup_key_path,
    backup_store,
    restore_database,
    sign_manifest,
)
from golden_thread.storage.schema import LATEST_VERSION, MIGRATIONS
from golden_thread.storage.store import TABLES, Store

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent
TODAY = dt.date(2026, 11, 23)


@pytest.fixture(autouse=True)
def _one_backup_key(tmp_path, monkeypatch):
    """One signing key for the test's backups and restores, wherever their databases are (as an operator who names
    the key with GOLDEN_THREAD_BACKUP_KEY has); tests/test_reliability_files.py tries the key beside the database."""
    monkeypatch.setenv(KEY_VARIABLE, str(tmp_path / "keys" / "backup.key"))


def _all_tables(path: Path) -> dict[str, pl.DataFrame]:
    """Every table of the file (schema_version too), each in a stable order."""
    connection = duckdb.connect(str(path), read_only=True)
    try:
        names = [r[0] for r in connection.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()]
        return {n: connection.sql(f'SELECT * FROM "{n}" ORDER BY ALL').pl() for n in names}
    finally:
        connection.close()


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def busy_demo(demo_db: Path, tmp_path: Path) -> Path:
    """The demo trust after some use: a corrected period, a new one and a phase (so the audit log holds rows)."""
    path = tmp_path / "source.duckdb"
    shutil.copy(demo_db, path)
    store = Store(path)
    obs = store.observations([6])
    period = obs["period_start"].max()
    store.save_observation(
        6,
        ProposedObservation(period, value=4.25, note="re-audited <b>x</b>"),
        username="admin",
        today=TODAY,
        correcting=True,
    )
    store.save_observation(6, ProposedObservation(dt.date(2020, 1, 1), value=5.5), username="admin", today=TODAY)
    store.add_phase(6, obs["period_start"][3], "New discharge policy", username="admin")
    store.close()
    return path


def _run(*argv: str, capsys) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_backup_then_restore_gives_back_every_table_row_for_row(busy_demo, tmp_path, capsys):
    code, out, _ = _run("backup", str(tmp_path / "bk"), "--db", str(busy_demo), capsys=capsys)
    assert code == 0 and f"schema version {LATEST_VERSION}" in out
    target = tmp_path / "restored" / "golden.duckdb"
    code, out, err = _run("restore", str(tmp_path / "bk"), "--db", str(target), capsys=capsys)
    assert code == 0, err

    original, restored = _all_tables(busy_demo), _all_tables(target)
    assert set(restored) == set(original) and set(original) >= set(TABLES) | {"schema_version"}
    for table, frame in original.items():
        assert restored[table].equals(frame), f"{table} differs after the round trip"
    assert original["audit_log"].height == 3 and original["observation"].height > 1000
    total = sum(frame.height for frame in original.values())
    assert f"Restored {total} rows in {len(original)} tables" in out
    assert any(line.split() == ["observation", str(original["observation"].height)] for line in out.splitlines())
    # and the restored file is a working database
    store = Store(target)
    assert store.schema_version() == LATEST_VERSION and store.totals()["observations"] == original["observation"].height
    store.close()


def test_the_manifest_records_version_counts_time_and_hashes(busy_demo, tmp_path):
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    manifest = backup_database(busy_demo, tmp_path / "bk")
    on_disk = json.loads((tmp_path / "bk" / "manifest.json").read_text())
    assert on_disk == manifest
    assert manifest["schema_version"] == LATEST_VERSION
    assert before <= dt.datetime.fromisoformat(manifest["created_at"]) <= dt.datetime.now(dt.UTC)
    tables = _all_tables(busy_demo)
    assert set(manifest["tables"]) == set(tables)
    for table, entry in manifest["tables"].items():
        assert entry["rows"] == tables[table].height, table
        assert entry["sha256"] == _digest(tmp_path / "bk" / entry["file"]), table


def test_a_backup_of_the_same_data_is_byte_for_byte_the_same(busy_demo, tmp_path):
    first = backup_database(busy_demo, tmp_path / "one")
    second = backup_database(busy_demo, tmp_path / "two")
    assert {t: e["sha256"] for t, e in first["tables"].items()} == {t: e["sha256"] for t, e in second["tables"].items()}


def test_backup_refuses_a_folder_that_already_holds_files(busy_demo, tmp_path, capsys):
    folder = tmp_path / "bk"
    folder.mkdir()
    (folder / "notes.txt").write_text("keep me")
    code, _, err = _run("backup", str(folder), "--db", str(busy_demo), capsys=capsys)
    assert code == 1 and "is not empty" in err
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt"]


def test_backup_of_a_missing_database_says_so(tmp_path, capsys):
    code, _, err = _run("backup", str(tmp_path / "bk"), "--db", str(tmp_path / "nothing.duckdb"), capsys=capsys)
    assert code == 1 and "does not exist" in err and not (tmp_path / "bk").exists()


def _tamper_by_editing_a_value(folder: Path) -> None:
    """What a well-meaning edit looks like: a valid Parquet file with one number changed."""
    path = folder / "observation.parquet"
    frame = pl.read_parquet(path)
    frame = frame.with_columns(
        pl.when(pl.int_range(pl.len()) == 0).then(999.0).otherwise(pl.col("value")).alias("value")
    )
    frame.write_parquet(path)


def _tamper_by_flipping_a_byte(folder: Path) -> None:
    path = folder / "measure.parquet"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("tamper", [_tamper_by_editing_a_value, _tamper_by_flipping_a_byte])
def test_an_edited_or_damaged_file_is_refused_and_the_target_is_untouched(busy_demo, demo_db, tmp_path, capsys, tamper):
    backup_database(busy_demo, tmp_path / "bk")
    tamper(tmp_path / "bk")
    target = tmp_path / "live" / "golden.duckdb"
    target.parent.mkdir()
    shutil.copy(demo_db, target)
    before = _digest(target)
    code, out, err = _run("restore", str(tmp_path / "bk"), "--db", str(target), "--replace", capsys=capsys)
    assert code == 1 and not out
    damaged = "observation.parquet" if tamper is _tamper_by_editing_a_value else "measure.parquet"
    assert damaged in err and "does not match the manifest" in err and "Nothing was restored" in err
    assert _digest(target) == before
    assert sorted(p.name for p in target.parent.iterdir()) == ["golden.duckdb"]  # no scratch file left behind
    # and into a new file: nothing is created
    code, _, _ = _run("restore", str(tmp_path / "bk"), "--db", str(tmp_path / "new.duckdb"), capsys=capsys)
    assert code == 1 and not (tmp_path / "new.duckdb").exists()


def test_a_missing_file_is_named(busy_demo, tmp_path, capsys):
    backup_database(busy_demo, tmp_path / "bk")
    (tmp_path / "bk" / "pdsa_cycle.parquet").unlink()
    code, _, err = _run("restore", str(tmp_path / "bk"), "--db", str(tmp_path / "new.duckdb"), capsys=capsys)
    assert code == 1 and "pdsa_cycle.parquet is missing" in err and not (tmp_path / "new.duckdb").exists()


def test_a_database_holding_data_is_not_overwritten_without_replace(busy_demo, demo_db, tmp_path, capsys):
    backup_database(busy_demo, tmp_path / "bk")
    target = tmp_path / "live.duckdb"
    shutil.copy(demo_db, target)
    before = _digest(target)
    code, out, err = _run("restore", str(tmp_path / "bk"), "--db", str(target), capsys=capsys)
    assert code == 1 and "already holds data" in err and "--replace" in err
    assert _digest(target) == before

    code, out, err = _run("restore", str(tmp_path / "bk"), "--db", str(target), "--replace", capsys=capsys)
    assert code == 0, err
    restored, original = _all_tables(target), _all_tables(busy_demo)
    assert all(restored[t].equals(original[t]) for t in original)


def test_an_empty_database_is_restored_into_without_replace(busy_demo, tmp_path, capsys):
    backup_database(busy_demo, tmp_path / "bk")
    target = tmp_path / "fresh.duckdb"
    assert _run("init", "--db", str(target), capsys=capsys)[0] == 0
    code, _, err = _run("restore", str(tmp_path / "bk"), "--db", str(target), capsys=capsys)
    assert code == 0, err
    assert _all_tables(target)["observation"].equals(_all_tables(busy_demo)["observation"])


def test_a_restore_that_fails_part_way_leaves_the_target_as_it_was(busy_demo, demo_db, tmp_path):
    """A backup whose hashes are right but whose rows the schema refuses (here a duplicated period, written
    with a matching manifest) fails inside the load; the database being replaced is untouched."""
    folder = tmp_path / "bk"
    backup_database(busy_demo, folder)
    path = folder / "observation.parquet"
    frame = pl.read_parquet(path)
    pl.concat([frame, frame.head(1)]).write_parquet(path)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["tables"]["observation"].update(rows=frame.height + 1, sha256=_digest(path))
    # signed again with the key itself: the rows are what fails here, not the signature
    manifest = sign_manifest(manifest, _read_key(backup_key_path(busy_demo), create=False))
    (folder / "manifest.json").write_text(json.dumps(manifest))

    target = tmp_path / "live" / "golden.duckdb"
    target.parent.mkdir()
    shutil.copy(demo_db, target)
    before = _digest(target)
    with pytest.raises(BackupError, match=r"observation\.parquet could not be restored: .*Nothing was restored"):
        restore_database(folder, target, replace=True)
    assert _digest(target) == before
    assert sorted(p.name for p in target.parent.iterdir()) == ["golden.duckdb"]


def test_a_backup_from_a_newer_golden_thread_is_refused(busy_demo, tmp_path, capsys):
    backup_database(busy_demo, tmp_path / "bk")
    manifest = json.loads((tmp_path / "bk" / "manifest.json").read_text())
    manifest["schema_version"] = LATEST_VERSION + 1
    (tmp_path / "bk" / "manifest.json").write_text(json.dumps(manifest))
    code, _, err = _run("restore", str(tmp_path / "bk"), "--db", str(tmp_path / "new.duckdb"), capsys=capsys)
    assert code == 1
    assert f"schema version {LATEST_VERSION + 1}" in err and "newer" in err and "Upgrade Golden Thread" in err
    assert not (tmp_path / "new.duckdb").exists()


@pytest.mark.parametrize("case", ["missing folder", "not a backup", "damaged manifest"])
def test_a_folder_that_is_not_a_backup_is_explained(tmp_path, capsys, case):
    folder = tmp_path / "bk"
    if case != "missing folder":
        folder.mkdir()
        (folder / "observation.csv").write_text("measure_id\n1\n")
    if case == "damaged manifest":
        (folder / "manifest.json").write_text('{"format": "golden-thread-backup", "tables": ')
    code, out, err = _run("restore", str(folder), "--db", str(tmp_path / "new.duckdb"), capsys=capsys)
    expected = {
        "missing folder": "does not exist",
        "not a backup": "has no manifest.json",
        "damaged manifest": "the backup is damaged",
    }[case]
    assert code == 1 and not out and expected in err and str(folder) in err
    assert not (tmp_path / "new.duckdb").exists()


def test_an_older_backup_is_restored_and_brought_up_to_date(tmp_path):
    """A backup made at schema version 2 restores at version 2, then the normal migrations upgrade it."""
    old = tmp_path / "old.duckdb"
    connection = duckdb.connect(str(old))
    connection.execute(
        "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, description VARCHAR NOT NULL, "
        "applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp)"
    )
    for version, description, sql in MIGRATIONS[:2]:
        connection.execute(sql)
        connection.execute("INSERT INTO schema_version (version, description) VALUES (?, ?)", [version, description])
    connection.execute(
        "INSERT INTO organisation (id, name, kind) VALUES (1, 'Trust', 'trust'), (2, 'Division', 'division')"
    )
    connection.execute("UPDATE organisation SET parent_id = 1 WHERE id = 2")
    connection.close()
    manifest = backup_database(old, tmp_path / "bk")
    assert manifest["schema_version"] == 2 and "audit_log" not in manifest["tables"]
    counts = restore_database(tmp_path / "bk", tmp_path / "new.duckdb")
    assert counts["organisation"] == 2
    store = Store(tmp_path / "new.duckdb")
    assert store.schema_version() == LATEST_VERSION
    assert store.organisations()["parent_id"].to_list() == [None, 1]
    store.close()


HOLDER = r"""
import sys, time
from golden_thread.storage.store import Store
store = Store(sys.argv[1])
print("OPEN", flush=True)
time.sleep(60)
"""


def test_a_database_the_app_holds_open_is_explained_not_half_copied(busy_demo, tmp_path, capsys):
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(busy_demo)], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "OPEN"
        code, out, err = _run("backup", str(tmp_path / "bk"), "--db", str(busy_demo), "--wait", "1", capsys=capsys)
        assert code == 1 and "open in another program" in err and "Stop the app" in err
        assert not (tmp_path / "bk").exists() or not any((tmp_path / "bk").iterdir())
    finally:
        holder.kill()
        holder.wait()


def test_restoring_over_a_database_the_app_holds_is_refused(busy_demo, demo_db, tmp_path, capsys):
    backup_database(busy_demo, tmp_path / "bk")
    target = tmp_path / "live.duckdb"
    shutil.copy(demo_db, target)
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(target)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "OPEN"
        code, _, err = _run(
            "restore", str(tmp_path / "bk"), "--db", str(target), "--replace", "--wait", "1", capsys=capsys
        )
        assert code == 1 and "open in another program" in err
    finally:
        holder.kill()
        holder.wait()
    assert _all_tables(target)["observation"].equals(_all_tables(demo_db)["observation"])


def test_a_backup_of_the_running_app_is_one_consistent_moment(demo_address, tmp_path):
    """While another thread of the app keeps saving periods (each with its audit record, in one transaction),
    a backup taken through the app's own store must hold exactly as many new periods as audit records."""
    store = Store(demo_address)
    stop = threading.Event()
    saved = []

    def keep_saving() -> None:
        period = dt.date(1990, 1, 1)
        while not stop.is_set():
            store.save_observation(6, ProposedObservation(period, value=1.5), username="admin", today=TODAY)
            saved.append(period)
            period = (period + dt.timedelta(days=32)).replace(day=1)

    writer = threading.Thread(target=keep_saving)
    writer.start()
    try:
        for i in range(3):
            while len(saved) < 20 * (i + 1):
                time.sleep(0.005)
            backup_store(store, tmp_path / f"bk{i}")
    finally:
        stop.set()
        writer.join()
    store.close()
    for i in range(3):
        restore_database(tmp_path / f"bk{i}", tmp_path / f"restored{i}.duckdb")
        tables = _all_tables(tmp_path / f"restored{i}.duckdb")
        added = tables["observation"].filter(pl.col("entered_by") == "admin").height
        assert added >= 20 * (i + 1)
        assert tables["audit_log"].height == added, "the backup mixes two moments of the database"


# -- issue 20: what is not ours is never replaced unasked; a backup vouched for by its key ---------------------------


def _a_csv(path: Path) -> None:
    path.write_text("measure_id,period_start,value\n6,2026-10-01,4.5\n", encoding="utf-8")


def _a_json(path: Path) -> None:
    path.write_text('{"framework": "hub rubric", "items": []}\n', encoding="utf-8")


def _a_parquet(path: Path) -> None:
    pl.DataFrame({"measure_id": [6], "value": [4.5]}).write_parquet(path)


def _another_programs_database(path: Path) -> None:
    connection = duckdb.connect(str(path))
    connection.execute("CREATE TABLE patients AS SELECT range AS nhs_number FROM range(10)")
    connection.close()


def _a_database_with_quotes_in_its_names(path: Path) -> None:
    connection = duckdb.connect(str(path))
    connection.execute('CREATE TABLE "ward ""7"" figures" AS SELECT range AS beds FROM range(3)')
    connection.close()


def _some_text(path: Path) -> None:
    path.write_text("meeting notes\n", encoding="utf-8")


@pytest.mark.parametrize(
    "name, make, why",
    [
        ("figures.csv", _a_csv, "is a .csv file's name, which is read as data rather than as a database"),
        ("framework.json", _a_json, "is a .json file's name, which is read as data rather than as a database"),
        ("figures.parquet", _a_parquet, "is a .parquet file's name, which is read as data rather than as a database"),
        ("other.duckdb", _another_programs_database, "is not a Golden Thread database (it is another program's"),
        ("quoted.duckdb", _a_database_with_quotes_in_its_names, "is not a Golden Thread database (it is another"),
        ("notes.db", _some_text, "is not a Golden Thread database (it is damaged, or another kind of file)"),
        ("empty.duckdb", lambda path: path.write_bytes(b""), "is not a Golden Thread database (it is an empty file)"),
    ],
)
def test_restore_without_replace_never_turns_a_file_that_is_not_ours_into_a_database(
    busy_demo, tmp_path, capsys, name, make, why
):
    backup_database(busy_demo, tmp_path / "bk")
    target = tmp_path / "there" / name
    target.parent.mkdir()
    make(target)
    before = target.read_bytes()
    code, out, err = _run("restore", str(tmp_path / "bk"), "--db", str(target), capsys=capsys)
    assert code == 1 and not out
    assert err.startswith(f"golden-thread restore: {target} {why}") and len(err.strip().splitlines()) == 1, err
    assert target.read_bytes() == before
    assert sorted(p.name for p in target.parent.iterdir()) == [name]  # nothing made beside it either


def _plant_an_administrator(folder: Path) -> None:
    """What someone who can write to the backup share does: an administrator with a password they know added to
    app_user.parquet, and the manifest's row count and SHA-256 recomputed to match."""
    from argon2 import PasswordHasher

    path = folder / "app_user.parquet"
    accounts = pl.read_parquet(path)
    planted = accounts.head(1).with_columns(
        pl.lit("intruder").alias("username"),
        pl.lit("Planted administrator").alias("display_name"),
        pl.lit("administrator").alias("role"),
        pl.lit(PasswordHasher().hash("planted password 1")).alias("password_hash"),
        pl.lit(True).alias("active"),
    )
    pl.concat([accounts, planted]).write_parquet(path)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["tables"]["app_user"].update(rows=accounts.height + 1, sha256=_digest(path))
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2))


def test_a_backup_altered_with_a_recomputed_sha256_never_lets_a_planted_account_sign_in(busy_demo, tmp_path, capsys):
    folder = tmp_path / "bk"
    backup_database(busy_demo, folder)
    _plant_an_administrator(folder)
    target = tmp_path / "restored.duckdb"
    code, out, err = _run("restore", str(folder), "--db", str(target), capsys=capsys)
    assert code == 1 and not out and not target.exists()
    assert err == (
        "golden-thread restore: This backup's manifest was changed after the backup was made (its signature does not "
        "match), so the accounts in it cannot be trusted. Put the key of the Golden Thread that made it at "
        f"{tmp_path / 'keys' / 'backup.key'} (or name it with GOLDEN_THREAD_BACKUP_KEY), or restore with "
        "--without-accounts to restore everything but the accounts and sign-ins (then add an administrator with "
        "golden-thread users add). Nothing was restored.\n"
    )
    code, out, err = _run("restore", str(folder), "--db", str(target), "--without-accounts", capsys=capsys)
    assert code == 0, err
    assert "Accounts and sign-ins were left out: add an administrator with golden-thread users add" in out
    store, source = Store(target), Store(busy_demo, read_only=True)
    assert store.users().height == 0 and store.verify_password("intruder", "planted password 1") is None
    assert store.observations().equals(source.observations())
    store.close()
    source.close()


def test_an_unsigned_backup_or_one_from_another_key_restores_its_accounts_only_with_that_key(
    busy_demo, tmp_path, capsys, monkeypatch
):
    """The key lives beside the database (made owner-only by the first backup), never in the backup; a restore
    elsewhere needs it named, and a manifest without its signature is not vouched for."""
    monkeypatch.delenv(KEY_VARIABLE)
    source = tmp_path / "data" / "golden.duckdb"
    source.parent.mkdir()
    shutil.copy(busy_demo, source)
    manifest = backup_database(source, tmp_path / "bk")
    key = tmp_path / "data" / "golden-thread-backup.key"
    assert backup_key_path(source) == key and key.is_file() and (key.stat().st_mode & 0o777) == 0o600
    assert len(key.read_text().strip()) == 64 and not any("key" in p.name for p in (tmp_path / "bk").iterdir())
    assert manifest["signature"]["algorithm"] == "HMAC-SHA256"

    # beside the database it was made from: vouched for
    assert restore_database(tmp_path / "bk", tmp_path / "data" / "restored.duckdb")["app_user"] == 4
    # in another folder, no key: refused, naming where the key is looked for and the two ways on
    elsewhere = tmp_path / "elsewhere" / "golden.duckdb"
    code, _, err = _run("restore", str(tmp_path / "bk"), "--db", str(elsewhere), capsys=capsys)
    assert code == 1 and f"There is no backup key at {elsewhere.parent / 'golden-thread-backup.key'}" in err
    assert "--without-accounts" in err and not elsewhere.exists()
    monkeypatch.setenv(KEY_VARIABLE, str(key))  # the operator names the key
    assert _run("restore", str(tmp_path / "bk"), "--db", str(elsewhere), capsys=capsys)[0] == 0

    manifest_path = tmp_path / "bk" / "manifest.json"
    unsigned = json.loads(manifest_path.read_text())
    del unsigned["signature"]
    manifest_path.write_text(json.dumps(unsigned))
    code, _, err = _run("restore", str(tmp_path / "bk"), "--db", str(tmp_path / "x.duckdb"), capsys=capsys)
    assert code == 1 and "This backup's manifest is not signed" in err and not (tmp_path / "x.duckdb").exists()


# -- issue 19: the same backup made on either engine, restored into either -------------------------------------------


def _data(address: str) -> dict[str, pl.DataFrame]:
    """Every data table of the database at ``address`` (a file or PostgreSQL), each in export order."""
    store = Store(address, read_only=True)
    try:
        return {table: store.table(table) for table in TABLES}
    finally:
        store.close()


def _same_data(restored: dict[str, pl.DataFrame], original: dict[str, pl.DataFrame]) -> None:
    from polars.testing import assert_frame_equal

    for table, frame in original.items():
        try:
            assert_frame_equal(restored[table], frame, check_dtypes=False)
        except AssertionError as difference:
            raise AssertionError(f"{table} differs: {difference}") from None


def test_a_backup_made_on_either_engine_restores_into_a_file_and_into_postgresql_row_for_row(
    engine, demo_address, postgres_server, tmp_path, capsys
):
    from golden_thread.storage.accounts import session_account, start_session
    from golden_thread.storage.throwaway_postgres import address
    from tests.conftest import drop_postgres_database, new_postgres_database

    source = Store(demo_address)
    source.save_observation(6, ProposedObservation(dt.date(2020, 1, 1), value=5.5), username="admin", today=TODAY)
    token = start_session(source, "lead", dt.timedelta(hours=10))  # a sign-in comes back with its backup too
    source.close()
    code, out, err = _run("backup", str(tmp_path / "bk"), "--db", demo_address, capsys=capsys)
    assert code == 0, err
    assert "password" not in out and ("PostgreSQL database t_" in out) == (engine == "postgres")
    manifest = json.loads((tmp_path / "bk" / "manifest.json").read_text())
    assert "dbname" not in manifest["source"]  # never the connection string, which may carry a password
    original = _data(demo_address)

    into_postgres = new_postgres_database(postgres_server)
    try:
        for target in (str(tmp_path / "restored.duckdb"), address(into_postgres)):
            code, out, err = _run("restore", str(tmp_path / "bk"), "--db", target, capsys=capsys)
            assert code == 0, (target, err)
            restored = _data(target)
            _same_data(restored, original)
            assert restored["observation"].filter(pl.col("period_start") == dt.date(2020, 1, 1))["value"].to_list() == [
                5.5
            ]
            assert restored["app_user"]["password_hash"].null_count() == 0  # accounts come back, signed for
            signed_in = Store(target)
            try:
                assert session_account(signed_in, token)["username"] == "lead"
            finally:
                signed_in.close()
            assert any(
                line.split() == ["observation", str(original["observation"].height)] for line in out.splitlines()
            )
    finally:
        drop_postgres_database(into_postgres)


def test_a_postgresql_database_holding_data_is_replaced_only_with_replace_and_whole(
    engine, demo_address, postgres_database, tmp_path, capsys
):
    """Restoring into PostgreSQL keeps the database (others are connected to it) and replaces its rows in one
    transaction: refused over data without --replace, and a backup its rules refuse leaves it as it was."""
    from golden_thread.storage.throwaway_postgres import address

    backup_database(demo_address, tmp_path / "bk")
    target = address(postgres_database)
    assert _run("restore", str(tmp_path / "bk"), "--db", target, capsys=capsys)[0] == 0
    live = Store(target)
    live.save_observation(6, ProposedObservation(dt.date(2019, 1, 1), value=9.5), username="admin", today=TODAY)
    live.close()
    before = _data(target)

    code, _, err = _run("restore", str(tmp_path / "bk"), "--db", target, capsys=capsys)
    assert code == 1 and "already holds data" in err and "--replace" in err and "Nothing was restored" not in err
    _same_data(_data(target), before)

    broken = tmp_path / "broken"
    shutil.copytree(tmp_path / "bk", broken)
    observations = pl.read_parquet(broken / "observation.parquet")
    pl.concat([observations, observations.head(1)]).write_parquet(broken / "observation.parquet")
    manifest = json.loads((broken / "manifest.json").read_text())
    manifest["tables"]["observation"].update(
        rows=observations.height + 1, sha256=_digest(broken / "observation.parquet")
    )
    manifest = sign_manifest(manifest, _read_key(backup_key_path(target), create=False))
    (broken / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(BackupError, match=r"observation\.parquet could not be restored: .*Nothing was restored"):
        restore_database(broken, target, replace=True)
    _same_data(_data(target), before)

    code, out, err = _run("restore", str(tmp_path / "bk"), "--db", target, "--replace", capsys=capsys)
    assert code == 0, err
    after = _data(target)
    _same_data(after, _data(demo_address))
    assert after["observation"].filter(pl.col("period_start") == dt.date(2019, 1, 1)).height == 0


def test_back_up_now_in_the_app_writes_a_checked_backup_on_either_engine(demo_address, tmp_path, monkeypatch):
    from golden_thread.services.backups import back_up_now

    monkeypatch.setenv("GOLDEN_THREAD_BACKUPS", str(tmp_path / "backups"))
    store = Store(demo_address)
    try:
        made = back_up_now(store, "admin", now=dt.datetime(2026, 12, 2, 9, 30))
    finally:
        store.close()
    assert made.folder == tmp_path / "backups" / "golden-thread-2026-12-02-093000"
    assert made.schema_version == LATEST_VERSION and made.rows > 1000
    restore_database(made.folder, tmp_path / "restored.duckdb")
    _same_data(_data(str(tmp_path / "restored.duckdb")), _data(demo_address))
