"""Pulling the plug: a process killed with SIGKILL in the middle of a write leaves a database that opens,
holds every write it reported as committed, and no part of any write it did not finish.

A child process imports observation files (``read_observation_file`` -> ``plan_import`` -> ``commit_import``)
and saves single periods (``save_observation``) one after another into a copy of the demo trust, printing a
line after each commit. The test tells it which batch to stop at and where: before the transaction, just
after BEGIN, with the rows written but not their audit record, with everything written but before COMMIT,
just after COMMIT (before the child could report it), or just after opening the file (replaying what the last
child left in the WAL). The child's own script wraps ``Store._transaction`` and ``Store._audit`` to stop
there: it prints ``STOPPED`` and blocks reading its stdin, so the parent kills it at a known point, not at a
moment that depends on how busy the machine is. A second test stops ``golden-thread import`` of a whole
organisation the same way, at each stage of its one transaction (and inside a migration of the new file).

Every assertion is about outcomes: the file opens, every foreign key holds, each batch is there whole or not
at all, and the batches present are exactly those committed before the kill.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

import polars as pl
import pytest

from golden_thread.storage.store import TABLES, Store
from tests.conftest import copy_of_the_demo

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
USER = "admin"  # a demo account allowed to write every measure
SPAN_YEARS = 30  # each batch owns 30 years of one measure's periods, long before the demo data
PATIENCE = 300  # seconds a child may take to reach its stopping point, however loaded the machine


def monthly_measures(store: Store) -> list[dict]:
    return store.measures().filter(pl.col("frequency") == "monthly").sort("id").to_dicts()


def batch_spec(k: int, measures: list[dict]) -> tuple[dict, str, list[dt.date]]:
    """Batch k: the measure it writes to, its kind, and the periods it writes (same in child and parent)."""
    measure = measures[k % len(measures)]
    first_year = 1000 + SPAN_YEARS * (k // len(measures))
    if k % 5 == 0:
        return measure, "save", [dt.date(first_year, 1, 1)]
    size = 60 + (k * 37) % 300
    return measure, "import", [dt.date(first_year + i // 12, i % 12 + 1, 1) for i in range(size)]


def batch_csv(k: int, measure: dict, periods: list[dt.date]) -> bytes:
    from golden_thread.domain.observations import uses_denominator

    note = f"crash-batch-{k}"
    if uses_denominator(measure):
        lines = ["period_start,numerator,denominator,note"]
        lines += [f"{p},{(i * 7) % 50},{50 + i % 30},{note}" for i, p in enumerate(periods)]
    else:
        whole = measure["chart_type"] == "c"
        lines = ["period_start,value,note"]
        lines += [f"{p},{i % 20 if whole else i % 17 + 0.5},{note}" for i, p in enumerate(periods)]
    return ("\n".join(lines) + "\n").encode()


def stop_here(point: str, target: str | None) -> None:
    """In a child: at its stopping point, say so, then block on stdin until the parent kills it. Should the parent
    go away instead (stdin closed), leave without finishing the write: os._exit skips every cleanup."""
    if point == target:
        print(f"STOPPED {point}", flush=True)
        sys.stdin.read()
        os._exit(3)


CHILD = r"""
import datetime as dt, sys
from contextlib import contextmanager
from golden_thread.storage.store import Store
from golden_thread.domain.observation_import import plan_import, read_observation_file
from golden_thread.domain.observations import ProposedObservation, uses_denominator
from tests.test_crash import USER, batch_csv, batch_spec, monthly_measures, present_batches, stop_here

path, target, point = sys.argv[1], int(sys.argv[2]), sys.argv[3]
store = Store(path)
stop_here("opened", point)  # the file is open: what the last child left in the WAL has been replayed
# Checkpoint often (the default waits for 16 MB of WAL), so that some commits also checkpoint.
if store.engine == "duckdb":
    store._connection.execute("SET checkpoint_threshold = '64KB'")
measures = monthly_measures(store)
k = max(present_batches(store.observations()), default=0) + 1
assert k < target, (k, target)

real_transaction, real_audit = Store._transaction, Store._audit

@contextmanager
def transaction(self):  # the product's transaction, with the stopping points around it
    at = point if k == target else None
    stop_here("before", at)
    with real_transaction(self) as cursor:
        stop_here("begun", at)
        yield cursor
        stop_here("written", at)
    stop_here("committed", at)

def audit(self, *args, **kwargs):
    stop_here("unaudited", point if k == target else None)  # the rows are written, their audit record not yet
    return real_audit(self, *args, **kwargs)

Store._transaction, Store._audit = transaction, audit
today = dt.date.today()
while k <= target:
    measure, kind, periods = batch_spec(k, measures)
    if kind == "save":
        ratio = uses_denominator(measure)
        proposed = ProposedObservation(periods[0], value=None if ratio else 3, numerator=1 if ratio else None,
                                       denominator=4 if ratio else None, note=f"crash-save-{k}")
        store.save_observation(measure["id"], proposed, username=USER, today=today)
    else:
        rows = read_observation_file(batch_csv(k, measure, periods), f"crash-{k}.csv")
        plan = plan_import(measure, rows, store.observations([measure["id"]]), today)
        assert plan.ok and plan.new.height == len(periods), plan.problems[:3]
        store.commit_import(plan, username=USER, filename=f"crash-{k}.csv")
    print(f"COMMITTED {k}", flush=True)
    k += 1
print("FINISHED without stopping", flush=True)
"""


def present_batches(observations: pl.DataFrame) -> set[int]:
    notes = observations.filter(pl.col("note").str.starts_with("crash-"))["note"].unique()
    return {int(note.rsplit("-", 1)[1]) for note in notes}


def _orphans(address: str) -> list[str]:
    """Every foreign key of the schema checked row by row: '<table>.<column>: n rows' for each broken one."""
    store = Store(address, read_only=True)
    try:
        keys = store.key_constraints().filter(pl.col("constraint_type") == "FOREIGN KEY")
        broken = []
        for table, columns, referenced, targets in keys.select(
            "table_name", "constraint_column_names", "referenced_table", "referenced_column_names"
        ).iter_rows():
            match = " AND ".join(f'r."{t}" = c."{c}"' for c, t in zip(columns, targets))
            given = " AND ".join(f'c."{c}" IS NOT NULL' for c in columns)
            n = store._query(
                f'SELECT count(*) FROM "{table}" c WHERE {given} AND NOT EXISTS '
                f'(SELECT 1 FROM "{referenced}" r WHERE {match})'
            ).item()
            if n:
                broken.append(f"{table}.{','.join(columns)}: {n} rows")
        duplicates = store._query(
            "SELECT count(*) FROM (SELECT measure_id, period_start FROM observation "
            "GROUP BY measure_id, period_start HAVING count(*) > 1) AS twice"
        ).item()
        if duplicates:
            broken.append(f"observation: {duplicates} duplicated periods")
        return broken
    finally:
        store.close()


def _check_database(path: str, measures: list[dict], demo_rows: pl.DataFrame) -> set[int]:
    """Open the file as the app would and check it; returns the batches present."""
    store = Store(path)  # must open: WAL replayed, schema current
    try:
        observations = store.observations()
        audit = store.audit_log()
    finally:
        store.close()
    assert not _orphans(path), _orphans(path)
    demo_now = observations.filter(~pl.col("note").fill_null("").str.starts_with("crash-"))
    assert demo_now.equals(demo_rows), "rows written before the test changed"
    present = present_batches(observations)
    expected_audit = set()
    for k in present:
        measure, kind, periods = batch_spec(k, measures)
        prefix = "crash-save-" if kind == "save" else "crash-batch-"
        rows = observations.filter(pl.col("note") == f"{prefix}{k}")
        # all or nothing: a batch is there whole, on its own measure and periods, or not at all
        assert rows.height == len(periods), f"batch {k}: {rows.height} of {len(periods)} rows"
        assert set(rows["measure_id"]) == {measure["id"]} and sorted(rows["period_start"]) == periods, f"batch {k}"
        expected_audit.add(f"{measure['id']}/{periods[0]}" if kind == "save" else f"{measure['id']}/crash-{k}.csv")
    # the audit record of each write landed with it, and only with it
    assert sorted(audit.filter(pl.col("username") == USER)["entity_key"]) == sorted(expected_audit)
    return present


class _Child:
    """A child told where to stop, with its output collected as it comes."""

    def __init__(self, code: str, args: list[str]):
        self.lines: list[str] = []
        self.stopped = threading.Event()  # set when it says STOPPED, or when its output ends
        self.process = subprocess.Popen(
            [sys.executable, "-c", code, *args],
            cwd=ROOT,
            text=True,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line.strip())
            if line.startswith("STOPPED"):
                self.stopped.set()
        self.stopped.set()  # the child ended: stop waiting

    def wait_until_stopped(self, point: str) -> None:
        """Wait (as long as it takes, within PATIENCE) for the child to block at ``point``."""
        assert self.stopped.wait(timeout=PATIENCE), "the child did not reach its stopping point in time"
        assert f"STOPPED {point}" in self.lines, (
            f"the child ended without stopping at {point!r}: {self.lines[-3:]}\n{self._ended()}"
        )

    def kill(self) -> None:
        """SIGKILL the blocked child; it must die of the signal, not of anything it did."""
        assert self.process.poll() is None, f"the child died by itself: {self._ended()}"
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=PATIENCE)
        self._reader.join(timeout=PATIENCE)
        self.process.stdin.close()
        assert self.process.returncode == -signal.SIGKILL

    def ensure_ended(self) -> None:
        """Whatever happened, leave no child blocked behind the test."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def finish(self) -> str:
        """Wait for a child that was not told to stop; returns its stderr."""
        self.process.stdin.close()
        self.process.wait(timeout=PATIENCE)
        self._reader.join(timeout=PATIENCE)
        return self._ended()

    def _ended(self) -> str:
        """The end of the stderr of a child that ended or went wrong (killed first if still running)."""
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        return self.process.stderr.read()[-2000:]

    def numbers(self, word: str) -> set[int]:
        return {int(line.split()[1]) for line in self.lines if line.startswith(word + " ")}


class _Lane:
    """One database file and what is known about it: two lanes run side by side, one child each (2 cores)."""

    def __init__(self, path: str, kind: str, measures: list[dict], demo_rows: pl.DataFrame):
        self.path, self.kind, self.measures, self.demo_rows = path, kind, measures, demo_rows
        self.present: set[int] = set()
        self.reported: set[int] = set()  # every batch a child reported as committed
        self.stops: list[str] = []

    def start(self, point: str) -> tuple[_Child, int]:
        """A child that commits at least one whole batch, then stops at ``point`` of the next batch of this
        lane's kind (an import or a single save)."""
        target = max(self.present, default=0) + 2
        while batch_spec(target, self.measures)[1] != self.kind:
            target += 1
        return _Child(CHILD, [str(self.path), str(target), point]), target

    def check_after_kill(self, child: _Child, target: int, point: str) -> None:
        self.stops.append(point)
        done = child.numbers("COMMITTED")
        before = max(self.present, default=0)
        if point != "opened":
            assert done == set(range(before + 1, target)), f"the child reported {sorted(done)} before stopping"
        self.reported |= done
        present = _check_database(self.path, self.measures, self.demo_rows)
        assert self.reported <= present, f"reported committed but missing: {sorted(self.reported - present)}"
        assert self.present <= present, f"batches lost after a kill: {sorted(self.present - present)}"
        # the batch stopped at is there only if its COMMIT had returned; nothing else appeared
        expected = self.present | done | ({target} if point == "committed" else set())
        assert present == expected, (
            f"stopped at {point} of batch {target}: expected {sorted(expected - present)} "
            f"missing, {sorted(present - expected)} unexpected"
        )
        self.present = present


# Each lane stops once at every point; "opened" follows "committed", so its child replays a WAL.
POINTS = ["before", "begun", "unaudited", "written", "committed", "opened"]


def _kill_at(point: str, code: str, args: list[str]) -> None:
    """Run ``code`` as a child, wait for it to block at ``point``, and SIGKILL it there."""
    child = _Child(code, args)
    try:
        child.wait_until_stopped(point)
        child.kill()
    finally:
        child.ensure_ended()


def test_killing_observation_writes_never_loses_a_commit_or_leaves_half_a_write(
    engine: str, demo_db: Path, tmp_path: Path, request: pytest.FixtureRequest
):
    store = Store(demo_db)
    measures = monthly_measures(store)
    demo_rows = store.observations()
    store.close()
    lanes = []
    for i, kind in enumerate(["import", "save"]):  # lane 0 stops inside imports, lane 1 inside single saves
        (tmp_path / f"lane-{i}").mkdir()
        lanes.append(_Lane(copy_of_the_demo(engine, request, tmp_path / f"lane-{i}"), kind, measures, demo_rows))

    for point in POINTS:
        started = [lane.start(point) for lane in lanes]
        try:
            for child, _ in started:
                child.wait_until_stopped(point)
            for child, _ in started:
                child.kill()
        finally:
            for child, _ in started:
                child.ensure_ended()
        for lane, (child, target) in zip(lanes, started):
            lane.check_after_kill(child, target, point)

    for lane in lanes:
        assert lane.stops == POINTS
        assert len(lane.reported) >= 5, "too little was committed for the kills to mean much"
    print(
        f"\nobservation writes: {sum(len(lane.stops) for lane in lanes)} kills at known points survived; "
        f"{sum(len(lane.present) for lane in lanes)} imports and saves committed"
    )


IMPORT_CHILD = r"""
import sys
from contextlib import contextmanager
from golden_thread import cli
from golden_thread.storage.store import Store
from tests.test_crash import stop_here

directory, db, point = sys.argv[1], sys.argv[2], sys.argv[3]
real_transaction, real_insert_tables, real_insert_frame = Store._transaction, Store.insert_tables, Store._insert_frame
state = {"writing": False, "transactions": 0, "tables": 0}

@contextmanager
def transaction(self):  # the product's transaction, with the stopping points around it
    if self.path == ":memory:":  # the rehearsal: nothing to stop in
        with real_transaction(self) as cursor:
            yield cursor
        return
    state["transactions"] += 1
    at = point if state["writing"] else None
    stop_here("before", at)
    with real_transaction(self) as cursor:
        stop_here("begun", at)
        yield cursor
        stop_here("written", at)
        # opening the new file migrates it, one transaction per migration: stop before the second commits
        stop_here("migrating", point if state["transactions"] == 2 and not state["writing"] else None)
    stop_here("committed", at)

def insert_tables(self, frames):
    state["writing"] = self.path != ":memory:"
    try:
        return real_insert_tables(self, frames)
    finally:
        state["writing"] = False

def insert_frame(self, cursor, table, frame):
    counted = real_insert_frame(self, cursor, table, frame)
    if state["writing"]:
        state["tables"] += 1
        stop_here("partway", point if state["tables"] == 3 else None)  # three tables written, the rest not
    return counted

Store._transaction, Store.insert_tables, Store._insert_frame = transaction, insert_tables, insert_frame
code = cli.main(["import", directory, "--db", db])
print("FINISHED", code, flush=True)
sys.exit(code)
"""

IMPORT_POINTS = ["migrating", "before", "begun", "partway", "written", "committed"]


def test_killing_an_organisation_import_leaves_it_all_or_nothing(
    engine: str, demo_db: Path, tmp_path: Path, request: pytest.FixtureRequest
):
    """On PostgreSQL, whose migrations are transactions of their own (``postgres.migrate``), not the store's, the
    kill inside a migration is its own test (below)."""
    from golden_thread.storage.throwaway_postgres import address
    from golden_thread.storage.transfer import export_organisation
    from tests.conftest import drop_postgres_database, new_postgres_database

    def new_database(name: str) -> str:
        if engine == "duckdb":
            return str(tmp_path / f"{name}.duckdb")
        conninfo = new_postgres_database(request.getfixturevalue("postgres_server"))
        request.addfinalizer(lambda: drop_postgres_database(conninfo))
        return address(conninfo)

    source = Store(demo_db)
    export = tmp_path / "export"
    full = export_organisation(source, export)
    source.close()
    empty = {t: 0 for t in TABLES}

    def counts_in(path: str) -> dict[str, int]:
        store = Store(path)  # must open (and finish migrating a file killed part-way through it)
        try:
            counts = {t: store.table(t).height for t in TABLES}
        finally:
            store.close()
        assert not _orphans(path), _orphans(path)
        return counts

    # A whole run first: what an import that is not interrupted leaves.
    whole_database = new_database("whole")
    whole = _Child(IMPORT_CHILD, [str(export), whole_database, "nowhere"])
    errors = whole.finish()
    assert whole.process.returncode == 0 and "FINISHED 0" in whole.lines, errors
    assert counts_in(whole_database) == full

    points = IMPORT_POINTS if engine == "duckdb" else [p for p in IMPORT_POINTS if p != "migrating"]
    for pair in (points[i : i + 2] for i in range(0, len(points), 2)):
        paths = [new_database(f"import-{point}") for point in pair]
        children = [_Child(IMPORT_CHILD, [str(export), path, point]) for path, point in zip(paths, pair)]
        try:
            for child, point in zip(children, pair):
                child.wait_until_stopped(point)
            for child in children:
                child.kill()
        finally:
            for child in children:
                child.ensure_ended()
        for path, point in zip(paths, pair):
            counts = counts_in(path)
            if point == "committed":
                assert counts == full, f"the import's COMMIT returned, but its rows are not all there: {counts}"
            else:
                assert counts == empty, f"killed at {point}, yet rows are visible: {counts}"
    print(f"\norganisation import on {engine}: {len(points)} kills at known points survived")


RESTORE_CHILD = r"""
import sys
from golden_thread.storage import backup

def stop_once_built(path):  # the restored copy is complete, beside the target, not yet swapped in
    print("STOPPED built", flush=True)
    sys.stdin.read()

backup._open_with_store = stop_once_built
backup.restore_database(sys.argv[1], sys.argv[2], replace=True)
print("FINISHED without stopping", flush=True)
"""


def test_a_killed_restore_leaves_the_database_as_it_was_and_its_scratch_file_goes_at_the_next_start(
    demo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    from golden_thread.storage.backup import KEY_VARIABLE, backup_database

    monkeypatch.setenv(KEY_VARIABLE, str(tmp_path / "backup.key"))  # the child inherits it
    backup_database(demo_db, tmp_path / "bk")
    target = tmp_path / "live" / "golden.duckdb"
    target.parent.mkdir()
    shutil.copy(demo_db, target)
    before = target.read_bytes()

    _kill_at("built", RESTORE_CHILD, [str(tmp_path / "bk"), str(target)])
    left = sorted(p.name for p in target.parent.iterdir() if p.name != "golden.duckdb")
    assert left, "the killed restore left nothing behind: the test did not stop it where it meant to"
    assert all(name.startswith(".golden.duckdb.golden-thread-restore-") for name in left), left
    assert target.read_bytes() == before

    Store(target).close()  # the next start (the app's, or any command's)
    assert sorted(p.name for p in target.parent.iterdir()) == ["golden.duckdb"]
    assert target.read_bytes() == before


POSTGRES_RESTORE_CHILD = r"""
import sys
from golden_thread.storage import backup
from golden_thread.storage.store import Store
from tests.test_crash import stop_here

real_insert_frame = Store._insert_frame

def insert_frame(self, cursor, table, frame):
    counted = real_insert_frame(self, cursor, table, frame)
    if self.engine == "postgres":  # the rows it held deleted, some of the backup's written, nothing committed
        stop_here("partway", "partway")
    return counted

Store._insert_frame = insert_frame
backup.restore_database(sys.argv[1], sys.argv[2], replace=True)
print("FINISHED without stopping", flush=True)
"""


def test_a_restore_into_postgresql_killed_part_way_leaves_its_rows_as_they_were(
    demo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
):
    """A restore into PostgreSQL replaces the rows of a database others are connected to: killed between deleting
    what was there and committing the backup's rows, it leaves every row as it was."""
    from golden_thread.domain.observations import ProposedObservation
    from golden_thread.storage.backup import KEY_VARIABLE, backup_database

    monkeypatch.setenv(KEY_VARIABLE, str(tmp_path / "backup.key"))  # the child inherits it
    backup_database(demo_db, tmp_path / "bk")
    target = copy_of_the_demo("postgres", request, tmp_path)
    live = Store(target)
    live.save_observation(6, ProposedObservation(dt.date(2019, 1, 1), value=9.5), username=USER, today=dt.date.today())
    before = {table: live.table(table) for table in TABLES}
    live.close()
    _kill_at("partway", POSTGRES_RESTORE_CHILD, [str(tmp_path / "bk"), target])
    after = Store(target)
    try:
        for table, frame in before.items():
            assert after.table(table).equals(frame), f"{table} changed though the restore never committed"
    finally:
        after.close()
    assert not _orphans(target)


def test_a_restore_into_postgresql_killed_while_it_builds_leaves_a_scratch_folder_the_next_restore_removes(
    demo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
):
    """A restore into PostgreSQL builds the backup in a DuckDB file first, in a folder of the system's temporary
    folder that only its user can read: killed there, it leaves that folder, and the next restore removes it."""
    import tempfile

    from golden_thread.storage.backup import KEY_VARIABLE, backup_database, restore_database

    monkeypatch.setenv(KEY_VARIABLE, str(tmp_path / "backup.key"))  # the child inherits it
    backup_database(demo_db, tmp_path / "bk")
    target = copy_of_the_demo("postgres", request, tmp_path)
    temporary = tmp_path / "tmp"  # the system's temporary folder, for the child and for this process
    temporary.mkdir()
    monkeypatch.setenv("TMPDIR", str(temporary))
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))

    _kill_at("built", RESTORE_CHILD, [str(tmp_path / "bk"), target])
    left = list(temporary.iterdir())
    assert len(left) == 1 and (left[0] / "restore.duckdb").is_file(), left
    assert left[0].stat().st_mode & 0o777 == 0o700  # the trust's data, readable by its user alone

    counts = restore_database(tmp_path / "bk", target, replace=True)
    assert counts["observation"] > 0
    assert list(temporary.iterdir()) == []  # the killed restore's folder, and this one's own


POSTGRES_MIGRATE_CHILD = r"""
import sys
from golden_thread import cli
from golden_thread.storage import postgres
from tests.test_crash import stop_here

stopping_in = int(sys.argv[2])

class StopInside(dict):
    # Asked once per migration, after its own statements ran, inside its transaction: stop there in one of them.
    def __contains__(self, version):
        stop_here("migrating", "migrating" if version == stopping_in else None)
        return super().__contains__(version)

postgres.POSTGRES_ONLY = StopInside(postgres.POSTGRES_ONLY)
sys.exit(cli.main(["migrate", "--db", sys.argv[1]]))
"""


def test_a_migration_killed_part_way_on_postgresql_is_undone_whole_and_the_next_start_finishes_the_upgrade(
    postgres_server: str, request: pytest.FixtureRequest
):
    """``golden-thread migrate`` killed with one migration's tables made but not committed (the focus boards'):
    the database stays at the version before, with none of that migration's tables, and the next start (while the
    killed run's lock is let go by the server) takes it to the latest version, whose check passes."""
    from golden_thread.cli import main
    from golden_thread.storage.postgres import LATEST_VERSION, connect, schema_version
    from golden_thread.storage.schema import MIGRATIONS
    from golden_thread.storage.throwaway_postgres import address
    from tests.conftest import drop_postgres_database, new_postgres_database

    focus_boards = next(version for version, description, _ in MIGRATIONS if description.startswith("focus boards"))
    conninfo = new_postgres_database(postgres_server)
    request.addfinalizer(lambda: drop_postgres_database(conninfo))
    _kill_at("migrating", POSTGRES_MIGRATE_CHILD, [address(conninfo), str(focus_boards)])

    def tables() -> set[str]:
        with connect(conninfo) as connection:
            rows = connection.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
            ).fetchall()
        return {name for (name,) in rows}

    with connect(conninfo) as connection:
        assert schema_version(connection) == focus_boards - 1
    assert "organisation" in tables() and not tables() & {"focus_board", "focus_action", "huddle"}
    Store(address(conninfo)).close()  # the next start
    with connect(conninfo) as connection:
        assert schema_version(connection) == LATEST_VERSION
    assert {"focus_board", "focus_action", "huddle"} <= tables()
    assert main(["check", "--db", address(conninfo)]) == 0
