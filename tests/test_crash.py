"""Pulling the plug: a process killed with SIGKILL in the middle of an import leaves a database that opens,
holds every import it reported as committed, and no part of any import it did not finish.

A child process imports observation files (``read_observation_file`` -> ``plan_import`` -> ``commit_import``)
and saves single periods (``save_observation``) one after another into a copy of the demo trust, printing a
line after each commit; the test kills it at varied moments, over and over, reopening and checking the file
after every kill. A second test kills ``golden-thread import`` of a whole organisation part-way.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import polars as pl

from golden_thread.storage.store import TABLES, Store

ROOT = Path(__file__).resolve().parent.parent
USER = "admin"  # a demo account allowed to write every measure
SPAN_YEARS = 30  # each batch owns 30 years of one measure's periods, long before the demo data


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


CHILD = r"""
import datetime as dt, sys
from golden_thread.storage.store import Store
from golden_thread.domain.observation_import import plan_import, read_observation_file
from golden_thread.domain.observations import ProposedObservation, uses_denominator
from tests.test_crash import USER, batch_csv, batch_spec, monthly_measures, present_batches

store = Store(sys.argv[1])
# Checkpoint often (the default waits for 16 MB of WAL), so that kills also land inside checkpoints.
store._connection.execute("SET checkpoint_threshold = '64KB'")
measures = monthly_measures(store)
done = present_batches(store.observations())
k = max(done, default=0) + 1
print("READY", flush=True)
today = dt.date.today()
while True:
    measure, kind, periods = batch_spec(k, measures)
    if kind == "save":
        ratio = uses_denominator(measure)
        proposed = ProposedObservation(periods[0], value=None if ratio else 3, numerator=1 if ratio else None,
                                       denominator=4 if ratio else None, note=f"crash-save-{k}")
        print(f"BEGIN {k}", flush=True)
        store.save_observation(measure["id"], proposed, username=USER, today=today)
    else:
        rows = read_observation_file(batch_csv(k, measure, periods), f"crash-{k}.csv")
        plan = plan_import(measure, rows, store.observations([measure["id"]]), today)
        assert plan.ok and plan.new.height == len(periods), plan.problems[:3]
        print(f"BEGIN {k}", flush=True)
        store.commit_import(plan, username=USER, filename=f"crash-{k}.csv")
    print(f"COMMITTED {k}", flush=True)
    k += 1
"""


def present_batches(observations: pl.DataFrame) -> set[int]:
    notes = observations.filter(pl.col("note").str.starts_with("crash-"))["note"].unique()
    return {int(note.rsplit("-", 1)[1]) for note in notes}


def _orphans(path: Path) -> list[str]:
    """Every foreign key of the schema checked row by row: '<table>.<column>: n rows' for each broken one."""
    connection = duckdb.connect(str(path), read_only=True)
    try:
        keys = connection.execute(
            "SELECT table_name, constraint_column_names, referenced_table, referenced_column_names "
            "FROM duckdb_constraints() WHERE constraint_type = 'FOREIGN KEY'").fetchall()
        broken = []
        for table, columns, referenced, targets in keys:
            match = " AND ".join(f'r."{t}" = c."{c}"' for c, t in zip(columns, targets))
            given = " AND ".join(f'c."{c}" IS NOT NULL' for c in columns)
            n = connection.execute(f'SELECT count(*) FROM "{table}" c WHERE {given} AND NOT EXISTS '
                                   f'(SELECT 1 FROM "{referenced}" r WHERE {match})').fetchone()[0]
            if n:
                broken.append(f"{table}.{','.join(columns)}: {n} rows")
        duplicates = connection.execute("SELECT count(*) FROM (SELECT measure_id, period_start FROM observation "
                                        "GROUP BY ALL HAVING count(*) > 1)").fetchone()[0]
        if duplicates:
            broken.append(f"observation: {duplicates} duplicated periods")
        return broken
    finally:
        connection.close()


def _check_database(path: Path, measures: list[dict], demo_rows: pl.DataFrame) -> tuple[set[int], int]:
    """Open the file as the app would and check it; returns the batches present and the observation count."""
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
    return present, observations.height


class _Child:
    """The importing child, with its output collected as it comes."""

    def __init__(self, path: Path, code: str = CHILD, args: list[str] = (), ready_word: str = "READY"):
        self.lines: list[str] = []
        self.ready = threading.Event()
        self.ready_word = ready_word
        self.started = self.ready_at = time.perf_counter()
        self.process = subprocess.Popen([sys.executable, "-c", code, *args, str(path)], cwd=ROOT, text=True,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line.strip())
            if line.startswith(self.ready_word) and not self.ready.is_set():
                self.ready_at = time.perf_counter()
                self.ready.set()
        self.ready.set()  # the child ended: stop waiting

    def kill(self) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=60)
        self._reader.join(timeout=30)

    def numbers(self, word: str) -> set[int]:
        return {int(line.split()[1]) for line in self.lines if line.startswith(word + " ")}


class _Lane:
    """One database file and what is known about it: two lanes run side by side, one child each (2 cores)."""

    def __init__(self, path: Path, measures: list[dict], demo_rows: pl.DataFrame):
        self.path, self.measures, self.demo_rows = path, measures, demo_rows
        self.committed: set[int] = set()
        self.present: set[int] = set()
        self.count = demo_rows.height
        self.kills = self.in_commit = self.before_ready = 0

    def check_after_kill(self, child: _Child) -> None:
        self.kills += 1
        self.before_ready += "READY" not in child.lines
        begun, done = child.numbers("BEGIN"), child.numbers("COMMITTED")
        self.in_commit += bool(begun - done)
        self.committed |= done
        present, count = _check_database(self.path, self.measures, self.demo_rows)
        assert self.committed <= present, f"reported committed but missing: {sorted(self.committed - present)}"
        assert self.present <= present, f"batches lost after a kill: {sorted(self.present - present)}"
        assert present - self.present <= begun, "a batch appeared that the child never began"
        assert count >= self.count
        self.present, self.count = present, count


def _kill_at(children: list[_Child], delays: list[float], *, after_ready: bool) -> None:
    """Kill each child ``delay`` seconds after it said it was ready (or after it was started)."""
    if after_ready:
        for child in children:
            assert child.ready.wait(timeout=60), f"the child never got ready: {child.process.stderr.read()[-2000:]}"
    moments = [(child.ready_at if after_ready else child.started) + delay for child, delay in zip(children, delays)]
    for moment, child in sorted(zip(moments, children), key=lambda pair: pair[0]):
        time.sleep(max(0.0, moment - time.perf_counter()))
        if after_ready:
            assert child.process.poll() is None or child.ready_word == "BEGIN", (
                f"the child died by itself: {child.process.stderr.read()[-2000:]}")
        child.kill()  # (a child that already finished is only waited for)


def test_killing_observation_imports_never_loses_a_commit_or_leaves_half_an_import(demo_db: Path, tmp_path: Path):
    store = Store(demo_db)
    measures = monthly_measures(store)
    demo_rows = store.observations()
    store.close()
    lanes = []
    for i in range(2):
        shutil.copy(demo_db, tmp_path / f"crash-{i}.duckdb")
        lanes.append(_Lane(tmp_path / f"crash-{i}.duckdb", measures, demo_rows))

    started = time.perf_counter()
    for r in range(11):
        children = [_Child(lane.path) for lane in lanes]
        delays = [0.01 + 0.3 * (((2 * r + i) * 0.618) % 1) for i in range(2)]
        if r % 5 == 4:  # now and then kill while the child is still starting (opening the file, replaying the WAL)
            _kill_at(children, [0.3 + d for d in delays], after_ready=False)
        else:
            _kill_at(children, delays, after_ready=True)
        for lane, child in zip(lanes, children):
            lane.check_after_kill(child)

    elapsed = time.perf_counter() - started
    kills = sum(lane.kills for lane in lanes)
    present = sum(len(lane.present) for lane in lanes)
    print(f"\nobservation imports: {kills} kills survived in {elapsed:.1f} s "
          f"({sum(lane.in_commit for lane in lanes)} inside a commit, "
          f"{sum(lane.before_ready for lane in lanes)} before the child was ready); {present} imports and saves "
          f"committed, {sum(lane.count - demo_rows.height for lane in lanes)} rows added")
    assert kills >= 20
    assert all(len(lane.present) >= 5 for lane in lanes), "too little was committed for the kills to mean much"


IMPORT_CHILD = r"""
import sys
from golden_thread import cli
from golden_thread.storage.store import Store

real_insert = Store.insert_tables

def announced(self, frames):  # say when the real write starts and ends (the rehearsal is in memory)
    if self.path == ":memory:":
        return real_insert(self, frames)
    print("BEGIN 1", flush=True)
    counts = real_insert(self, frames)
    print("COMMITTED 1", flush=True)
    return counts

Store.insert_tables = announced
sys.exit(cli.main(["import", sys.argv[1], "--db", sys.argv[2]]))
"""


def test_killing_an_organisation_import_leaves_it_all_or_nothing(demo_db: Path, tmp_path: Path):
    from golden_thread.storage.transfer import export_organisation

    source = Store(demo_db)
    export = tmp_path / "export"
    full = export_organisation(source, export)
    source.close()

    # A whole run first, to time its write: from BEGIN to the end of the process.
    child = _Child(tmp_path / "whole.duckdb", code=IMPORT_CHILD, args=[str(export)], ready_word="BEGIN")
    assert child.ready.wait(timeout=60)
    began = time.perf_counter()
    child.process.wait(timeout=60)
    window = time.perf_counter() - began
    child.kill()  # only waits: it has finished
    assert child.process.returncode == 0 and child.numbers("COMMITTED") == {1}, child.process.stderr.read()

    outcomes = {"nothing": 0, "everything": 0}
    kills = 0
    for r in range(2):
        paths = [tmp_path / f"import-{r}-{i}.duckdb" for i in range(2)]
        children = [_Child(path, code=IMPORT_CHILD, args=[str(export)], ready_word="BEGIN") for path in paths]
        # from the start of the write to just past its commit (had one finished, its file is checked all the same)
        _kill_at(children, [window * 1.2 * (2 * r + i) / 3 for i in range(2)], after_ready=True)
        for path, child in zip(paths, children):
            kills += child.process.returncode == -signal.SIGKILL
            store = Store(path)
            counts = {t: store.table(t).height for t in TABLES}
            store.close()
            assert not _orphans(path)
            assert counts in ({t: 0 for t in TABLES}, full), f"a partial import is visible: {counts}"
            if child.numbers("COMMITTED"):
                assert counts == full, "the import said it committed, but its rows are not all there"
            outcomes["nothing" if counts["organisation"] == 0 else "everything"] += 1

    print(f"\norganisation import (write to exit {window * 1000:.0f} ms): {kills} kills survived; afterwards "
          f"{outcomes['nothing']} empty, {outcomes['everything']} complete")
    assert kills >= 3
