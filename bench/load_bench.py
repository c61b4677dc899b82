"""Load bench: two app processes on one PostgreSQL, and one on a DuckDB file, each under many people at once.

Usage, from the repository root:  .venv/bin/python bench/load_bench.py [--people 32] [--seconds 60] [--small]

Builds the large synthetic trust once (``build_and_load`` of scale_bench.py; ``--small``: the demo organisation)
into a DuckDB file, adds an account for each simulated team, and copies every table as it is into a throw-away
PostgreSQL (``golden_thread.storage.throwaway_postgres``: ``migrate``, then ``copy_rows``), so both engines start
from the same rows. The trust is built as of a month ago, so the month just ended is open for entry, as on the
morning its figures come in. Then the same people, for the same time, on two configurations in turn:

- **PostgreSQL, two app processes**: two processes on the one database, the people split between them;
- **DuckDB, one app process** (the baseline): every person in one process on the file, as ``make run`` serves it.

Each app process is a Streamlit server as far as the app can tell: it imports the app, opens the one store the app
opens (``golden_thread.app.ui.open_store``, ``st.cache_resource``) and keeps what the app keeps for all its
sessions; each person is a session of their own (``AppTest`` on ``dashboard.py``, signed in, as scale_bench.py's
``open_page`` opens it) run by a thread of their own, since a Streamlit server runs each session's script on a
thread. A page view is ``switch_page`` then one ``AppTest.run()``: the entry and the screen, timed end to end.
The people (a pattern of 16, repeated: 8 board members, 3 pairs of team members, 1 pair of committee members; each
pair's two people in different processes on PostgreSQL, so they meet only in the database):

- a **board member** reads: the Board report, the board on an aim (``?aim=``, a random aim), the Golden thread and
  Alignment, in random turn;
- a **team member** (an account of one team, made for the bench; the two of a pair share their team and its
  measures) opens one of the team's monthly measures (``?measure=``), enters the month just ended, or corrects it
  once entered with the figures the page showed as the stale-edit token (``expected``, as the form passes it), and
  sees the page again; every other time also logs a PDSA cycle on one of the team's projects and opens its PDSA
  page (``?project=``);
- a **committee member** (``lead``, the improvement lead) opens Alignment, links a project that serves no aim (then
  other projects) to an aim, driver or change idea, and sees Alignment again; the two of a pair work down the same
  list, so they often reach the same project together.

Each person waits a think time (uniform, 0.5 to 1.5 times ``--think`` seconds) between actions. Writes go through
the calls the screens make (``save_observation``, ``log_pdsa_cycle``, ``link_project``) on the process's own store,
each carrying a unique marker (the observation's note, the cycle's title, the link's reason). At the end the bench
reads the database: a write acknowledged as saved must be there exactly once (its audit record for a figure, which
a later correction may overwrite; the cycle's row; the link's audit record and its one row); one absent is
**lost**, one there twice **duplicated**; a write refused (a stale edit: a colleague saved first; or another
refusal, such as a link already made) must be absent, and is not lost.

Reported for each configuration: people, seconds, pages per second, median and 95th-percentile page time overall
and by kind of page, the writes saved, refused, lost and duplicated, the app processes' CPU seconds, and the ratio
of PostgreSQL's pages per second and median to DuckDB's. Before the clock starts the first person of each kind
opens each of their pages in turn, then every person opens their first page at once (untimed: the processes' first,
cold views are scale_bench.py's subject; an error there counts). Pages per second counts the pages that end within
the window; the page times are of every page started within it, "late" the ones that ended after it. Exits 0
whether or not any target is met; 1 only if a page or a write raised an error, a write was lost or duplicated, or
an app process hung.

The tool: plain threads and ``statistics``. Locust runs its users as gevent greenlets, which need the standard
library monkey-patched: psycopg's pool and the app's locks would then run on one thread, and AppTest's script
runner (a real thread with its own event loop) does not mix with that; Locust would also only time the calls, not
the pages, unless each called AppTest in the end. Threads in a process are what a Streamlit server is.

One thing of the test harness is made to run sessions at once (it does not change the app): AppTest puts a new mock
Runtime in ``Runtime._instance`` for each run and sets it back to None when the run ends, so one session ending
takes the runtime from another still running ("Runtime hasn't been created!"). A server has one Runtime for every
session: each app process keeps its first (``one_runtime_per_process``).

A process that makes no progress for ``--hang-seconds`` (180) writes every thread's stack and stops, and the bench
prints where each thread was. This bench's first runs met such a hang: polars' ``DataFrame.to_pandas()`` holds the
GIL while it waits for polars' thread pool, and a pool thread running another session's ``map_elements`` function
waits for the GIL, so the whole server stopped (pola-rs/polars#27396); since commit c4f188e tables reach Streamlit
as Arrow instead.
"""

from __future__ import annotations

import argparse
import datetime as dt
import faulthandler
import multiprocessing
import os
import queue
import random
import re
import resource
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from a checkout without installing
sys.path.insert(0, str(ROOT / "bench"))  # scale_bench.py beside this file

import polars as pl  # noqa: E402
from scale_bench import build_and_load, failure, new_app, quiet_streamlit  # noqa: E402

from golden_thread.domain.observations import ProposedObservation  # noqa: E402
from golden_thread.domain.pdsa import ProposedCycle  # noqa: E402
from golden_thread.errors import PermissionRefused, Refused, StaleEdit, StorageProblem  # noqa: E402
from golden_thread.seed.demo import last_complete_month  # noqa: E402
from golden_thread.seed.loading import load_demo  # noqa: E402
from golden_thread.services.checks import check_thread  # noqa: E402
from golden_thread.storage.accounts import operator_save_account  # noqa: E402
from golden_thread.storage.postgres import copy_rows, migrate  # noqa: E402
from golden_thread.storage.store import TABLES, Store  # noqa: E402
from golden_thread.storage.throwaway_postgres import address, create_database, throwaway_postgres  # noqa: E402

ENTRY = ROOT / "dashboard.py"
# A process with no page or write finished for this long has hung: it writes its threads' stacks and stops.
HANG_SECONDS = 180.0
# How long the people of a configuration may take to open their first pages before the clock starts.
WARM_UP_LIMIT_SECONDS = 400.0
# Who the people are, by position, repeated: B board member, T team member, C committee member. A pair sits at an
# even position and the next, so on two processes (position % 2) its two people are in different ones.
PATTERN = "BBTTBBTTBBCCBBTT"
ROLES = {"B": "board", "T": "team", "C": "committee"}
# The kinds of page, in the order they are printed.
PAGES = {
    "board": ("screens/board.py", "Board report"),
    "board_aim": ("screens/board.py", "Board report, on an aim"),
    "thread": ("screens/thread.py", "Golden thread"),
    "alignment": ("screens/alignment.py", "Alignment"),
    "measure": ("screens/measures.py", "Measures, a team's measure"),
    "pdsa": ("screens/pdsa.py", "PDSA cycles, a team's project"),
}
WRITES = {
    "figure": "a month's figure entered or corrected",
    "cycle": "a PDSA cycle logged",
    "link": "a project linked into the thread",
}
# A board member's pages and how often each is read.
BOARD_READS = (("board", 0.35), ("board_aim", 0.25), ("thread", 0.25), ("alignment", 0.15))


# -- preparing the two databases (in a process of its own: the generator's frames are not an app's) ------------------


def built_as_of(today: dt.date) -> dt.date:
    """The day to build the trust as of, so that its data end a month before the month just ended: that month is
    then open for every team to enter, as on the morning its figures come in."""
    return last_complete_month(today).replace(day=min(today.day, 28))


def prepare(duck_path: Path, conninfo: str, today: dt.date, seed: int, small: bool, people: int) -> dict:
    """Load the trust into the DuckDB file, add the bench's team accounts and plan every person's work there, then
    copy every table into the PostgreSQL database as it is. Returns the times, the rows and the people."""
    start = time.perf_counter()
    if small:
        store = Store(duck_path)
        load_demo(store, built_as_of(today))  # the trust with its network beside it, as ``golden-thread demo``
        store.close()
        loaded = {"build_s": 0.0, "load_s": time.perf_counter() - start}
    else:
        loaded = build_and_load(duck_path, built_as_of(today), seed)
    store = Store(duck_path)
    persons = plan_people(store, people, seed, today)
    frames = {table: store.table(table) for table in TABLES}
    # The data version and the tables' stamps too, so that both databases start at the same version.
    frames |= {table: store._query(f"SELECT * FROM {table}") for table in ("data_version", "table_version")}
    store.close()
    start = time.perf_counter()
    migrate(conninfo)
    counts = copy_rows(conninfo, {table: frame for table, frame in frames.items() if frame.height})
    return {
        "build_s": loaded["build_s"],
        "duckdb_load_s": loaded["load_s"],
        "postgres_load_s": time.perf_counter() - start,
        "rows": sum(counts.values()),
        "observations": counts.get("observation", 0),
        "projects": counts.get("project", 0),
        "persons": persons,
    }


def plan_people(everything: Store, people: int, seed: int, today: dt.date) -> list[dict]:
    """Every person: their role, account, process (of two) and what they will read and write, the same on both
    configurations. Team members come in pairs sharing a team with monthly measures and active projects (a pair
    per team while there are teams enough), committee members in pairs sharing a list of projects to link."""
    rng = random.Random(seed)
    trust = everything.within(everything.scopes_for("admin")[0])  # the trust, as its administrator sees it
    aims = trust.aims().filter(pl.col("status") == "active")["id"].to_list()
    projects = trust.table("project").filter(pl.col("status") == "active").select("id", "team_id")
    measures = (
        trust.measures()
        .filter(
            (pl.col("status") == "active")
            & (pl.col("frequency") == "monthly")
            & pl.col("project_id").is_in(projects["id"].implode())
        )
        .select("id")
        .join(trust.measure_owners().select(pl.col("measure_id").alias("id"), pl.col("owner").alias("team")), on="id")
    )
    teams = (
        measures.group_by("team")
        .agg(pl.col("id").sort().alias("measures"))
        .join(
            projects.group_by("team_id").agg(pl.col("id").sort().alias("projects")), left_on="team", right_on="team_id"
        )
        .with_columns(pl.col("measures").list.len().alias("n"))
        .sort("n", "team", descending=[True, False])
    )
    orphans = check_thread(trust, today).filter(pl.col("rule") == "orphan_project")["entity_id"].to_list()
    targets = list(trust.link_targets().select("kind", "target_id").iter_rows())
    linked = defaultdict(set)
    for row in trust.table("project_link").iter_rows(named=True):
        for kind in ("aim", "driver", "change_idea"):
            if row[f"{kind}_id"] is not None:
                linked[row["project_id"]].add((kind, row[f"{kind}_id"]))
    roles = [ROLES[PATTERN[i % len(PATTERN)]] for i in range(people)]
    team_pairs = sum(1 for i in range(0, people, 2) if roles[i] == "team")
    committee_pairs = sum(1 for i in range(0, people, 2) if roles[i] == "committee")
    if team_pairs and teams.height == 0:
        raise SystemExit("The organisation has no team with a monthly measure and an active project.")
    chosen = [teams.row(k % teams.height, named=True) for k in range(team_pairs)]
    accounts = {}
    for team in chosen:
        username = f"load-team-{team['team']}"
        if username not in accounts:
            operator_save_account(
                everything,
                username,
                f"Team {team['team']} (load bench)",
                "team_member",
                team["team"],
                secrets.token_urlsafe(16),
            )
            accounts[username] = team
    # Each committee pair works down its own share of the orphan projects, then links other active projects.
    others = [p for p in projects["id"].to_list() if p not in set(orphans)]
    rng.shuffle(others)
    link_lists = []
    for k in range(committee_pairs):
        work = orphans[k::committee_pairs] + others[k::committee_pairs][:400]
        plan = []
        for project in work:
            free = [t for t in targets if t not in linked[project]]
            if free:
                plan.append((project, *rng.choice(free)))
        link_lists.append(plan)
    # Each pair's place among the pairs of its role: the team or the list of links it shares.
    rank, seen = {}, Counter()
    for first in range(0, people, 2):
        rank[first // 2] = seen[roles[first]]
        seen[roles[first]] += 1
    persons = []
    for i, role in enumerate(roles):
        person = {"index": i, "role": role, "process": i % 2, "aims": aims}
        if role == "board":
            person["username"] = "board"
        elif role == "team":
            team = chosen[rank[i // 2]]
            person |= {
                "username": f"load-team-{team['team']}",
                "team_id": team["team"],
                "measures": team["measures"],
                "projects": team["projects"],
            }
        else:
            person |= {"username": "lead", "links": link_lists[rank[i // 2]]}
        account = everything.user(person["username"])
        person["user"] = {key: account[key] for key in ("username", "display_name", "role")}
        persons.append(person)
    return persons


# -- an app process --------------------------------------------------------------------------------------------------


def one_runtime_per_process() -> None:
    """Let AppTest sessions run at once in one process, as a server's do: every run uses the first run's Runtime
    (AppTest sets ``Runtime._instance`` to a new mock before each run and back to None after it), and Streamlit's
    test-mode option stays on (AppTest turns it on around each run and back, under the feet of another run)."""
    from streamlit import config
    from streamlit.runtime.runtime import Runtime
    from streamlit.testing.v1 import app_test

    class KeepsTheFirst(type):
        @property
        def _instance(cls):
            return Runtime._instance

        @_instance.setter
        def _instance(cls, value):
            if value is not None and Runtime._instance is None:
                Runtime._instance = value

    app_test.Runtime = KeepsTheFirst("Runtime", (Runtime,), {})
    config.set_option("global.appTest", True)


class Progress:
    """Counts what a process finishes; while it moves, the stack dump armed below is put off again."""

    def __init__(self, hang_file: Path, hang_seconds: float) -> None:
        self.done = 0
        self._hang_seconds = hang_seconds
        self._file = open(hang_file, "w")  # noqa: SIM115 - faulthandler writes to it until the process ends
        self._seen = -1
        threading.Thread(target=self._watch, daemon=True).start()

    def _watch(self) -> None:
        # A process hung on the GIL cannot run this thread, so the C timer fires: every stack, then exit 1.
        while True:
            if self.done != self._seen:
                self._seen = self.done
                faulthandler.dump_traceback_later(self._hang_seconds, exit=True, file=self._file)
            time.sleep(2.0)


class Person:
    """One simulated person: their own session (an AppTest signed in as them), on a thread of their own."""

    def __init__(self, spec: dict, db: Store, label: str, today: dt.date, think: float, seed: int, progress) -> None:
        self.spec = spec
        self.db = db.within(db.scopes_for(spec["username"])[0])  # the app's store, seen as the person's organisation
        self.label = label
        self.today = today
        self.month = last_complete_month(today)
        self.think = think
        self.rng = random.Random(seed * 1_000_003 + spec["index"])
        self.progress = progress
        self.pages: list[tuple[str, float, float, str | None]] = []  # kind, start, seconds, error
        self.writes: list[dict] = []
        self.errors: list[str] = []
        self.app = None
        self.origin = 0.0
        self.visits = 0
        self.turn = 0

    # The screens, opened in the person's one session.

    def open_session(self, kind: str, query: dict) -> None:
        """Sign in (the default page runs, and the navigation registers every page), then the first page: untimed."""
        try:
            self.app = new_app(str(ENTRY), {}, self.spec["user"])
            self.app.run()
            self.view(kind, query, timed=False)
        except Exception:  # noqa: BLE001 - reported with the page errors
            self.errors.append(f"opening the session: {traceback.format_exc(limit=3)}")

    def warm(self) -> None:
        """Every other kind of page this person reads, once, untimed: as the process's first visitors would."""
        role, aims = self.spec["role"], self.spec["aims"]
        if role == "board":
            pages = [("board_aim", {"aim": aims[0]} if aims else {}), ("thread", {}), ("alignment", {})]
        elif role == "team":
            pages = [("pdsa", {"project": self.spec["projects"][0]})]
        else:
            pages = [("thread", {})]
        for kind, query in pages:
            self.view(kind, query, timed=False)

    def view(self, kind: str, query: dict, *, timed: bool = True) -> None:
        page, _ = PAGES[kind]
        app = self.app
        app.query_params.clear()
        app.query_params.update({key: str(value) for key, value in query.items()})
        start = time.perf_counter()
        error = None
        try:
            app.switch_page(str(ROOT / page))
            app.run()
            error = failure(app) or unexpected_error(app)
        except Exception as raised:  # noqa: BLE001 - a page that raises is counted, not fatal
            error = f"{type(raised).__name__}: {raised}"[:300]
        seconds = time.perf_counter() - start
        self.progress.done += 1
        if timed:
            self.pages.append((kind, start - self.origin, seconds, error))
        elif error:
            self.errors.append(f"{kind} (first view): {error}")

    def write(self, kind: str, marker: str, call, **details) -> None:
        start = time.perf_counter()
        outcome, message = "saved", ""
        try:
            call()
        except StaleEdit as refused:
            outcome, message = "stale", str(refused)
        except StorageProblem as problem:
            outcome, message = "error", str(problem)
        except (PermissionRefused, Refused) as refused:
            outcome, message = "refused", str(refused)
        except Exception as raised:  # noqa: BLE001 - counted as an error
            outcome, message = "error", f"{type(raised).__name__}: {raised}"
        self.progress.done += 1
        self.writes.append(
            {
                "kind": kind,
                "marker": marker,
                "outcome": outcome,
                "message": message[:300],
                "start": start - self.origin,
                "seconds": time.perf_counter() - start,
                **details,
            }
        )

    def marker(self, kind: str) -> str:
        self.turn += 1
        return f"load-bench {self.label} {kind} {self.spec['index']}.{self.turn}"

    def pause(self) -> None:
        time.sleep(self.think * self.rng.uniform(0.5, 1.5))

    # What each kind of person does.

    def first_page(self) -> tuple[str, dict]:
        role = self.spec["role"]
        if role == "team":
            return "measure", {"measure": self.spec["measures"][0]}
        return ("alignment", {}) if role == "committee" else ("board", {})

    def run(self, deadline: float) -> None:
        act = {"board": self.board_member, "team": self.team_member, "committee": self.committee_member}
        while time.perf_counter() < deadline and self.app is not None:
            try:
                act[self.spec["role"]]()
            except Exception:  # noqa: BLE001 - the bench's own fault: say so, and stop this person
                self.errors.append(traceback.format_exc(limit=4))
                return
            self.visits += 1

    def board_member(self) -> None:
        kind = self.rng.choices([k for k, _ in BOARD_READS], weights=[w for _, w in BOARD_READS])[0]
        query = {"aim": self.rng.choice(self.spec["aims"])} if kind == "board_aim" and self.spec["aims"] else {}
        self.view(kind, query)
        self.pause()

    def team_member(self) -> None:
        measures = self.spec["measures"]
        measure_id = measures[self.visits % len(measures)]
        self.view("measure", {"measure": measure_id})
        seen = self.db.observations([measure_id]).sort("period_start")  # what the page showed
        self.pause()  # typing
        marker = self.marker("figure")
        if seen.height and seen["period_start"][-1] == self.month:
            last = seen.row(-1, named=True)
            expected = {name: last[name] for name in ("value", "numerator", "denominator")}
            figures, correcting = _moved(last, self.rng.choice((-1, 1))), True
        else:
            last = seen.row(-1, named=True) if seen.height else {"value": 1.0, "numerator": None, "denominator": None}
            expected, figures, correcting = None, _moved(last, 0), False
        proposed = ProposedObservation(self.month, note=marker, **figures)
        self.write(
            "figure",
            marker,
            lambda: self.db.save_observation(
                measure_id,
                proposed,
                username=self.spec["username"],
                today=self.today,
                correcting=correcting,
                expected=expected,
            ),
            measure_id=measure_id,
        )
        self.view("measure", {"measure": measure_id})  # the page after its form's save
        self.pause()
        if self.visits % 2:
            project_id = self.spec["projects"][(self.visits // 2) % len(self.spec["projects"])]
            marker = self.marker("cycle")
            cycle = ProposedCycle(
                marker, self.today, prediction="Fewer delays at handover", plan="Two shifts on the ward, this week"
            )
            self.write(
                "cycle",
                marker,
                lambda: self.db.log_pdsa_cycle(project_id, cycle, username=self.spec["username"], today=self.today),
                project_id=project_id,
            )
            self.view("pdsa", {"project": project_id})
            self.pause()

    def committee_member(self) -> None:
        self.view("alignment", {})
        self.pause()
        links = self.spec["links"]
        if self.visits < len(links):
            project_id, kind, target_id = links[self.visits]
            marker = self.marker("link")
            self.write(
                "link",
                marker,
                lambda: self.db.link_project(
                    project_id, kind, target_id, reason=marker, username=self.spec["username"]
                ),
                project_id=project_id,
                target=(kind, target_id),
            )
            self.view("alignment", {})  # the page after its form's save
            self.pause()
        if self.visits % 3 == 2:
            self.view("thread", {})
            self.pause()


def unexpected_error(app) -> str | None:
    """The error a page raised that the app caught and said in a sentence with a reference (``run_page``): the
    detail, from the process's list of recent errors."""
    from golden_thread.app.failures import RECENT

    for element in app.error:
        if "unexpected error" in str(element.value):
            found = re.search(r"GT-[0-9A-F]{8}", str(element.value))
            details = dict(RECENT)
            return details.get(found.group(0), str(element.value)) if found else str(element.value)
    return None


def _moved(last: dict, step: int) -> dict:
    """Figures to type: the last ones seen, moved by ``step`` and kept valid (a numerator within its denominator)."""
    if last["numerator"] is not None:
        numerator, denominator = last["numerator"], last["denominator"]
        moved = numerator + step if 0 <= numerator + step <= denominator else numerator - step
        return {"numerator": _typed(max(moved, 0)), "denominator": _typed(denominator)}
    value = last["value"] if last["value"] is not None else 1.0
    return {"value": _typed(value + step if value + step >= 0 else value - step)}


def _typed(number: float) -> str:
    """A figure as a person types it."""
    return f"{number:g}" if float(number).is_integer() else f"{number:.6g}"


def app_process(
    db_address: str,
    specs: list[dict],
    label: str,
    seconds: float,
    think: float,
    seed: int,
    today: dt.date,
    hang_file: Path,
    hang_seconds: float,
    start_together,
    results,
) -> None:
    """One app process: its store and kept views, and a thread per person; puts its results on ``results``."""
    os.environ["GOLDEN_THREAD_DB"] = db_address
    progress = Progress(hang_file, hang_seconds)
    one_runtime_per_process()
    from golden_thread.app.ui import open_store

    store = open_store(db_address)  # the app's own store, as its first page opens it (st.cache_resource)
    people = [Person(spec, store, label, today, think, seed, progress) for spec in specs]
    # The process's first visitors, one of each kind, open every page once in turn, so that what the app keeps is
    # computed before the rest come (a server that has been up a while); then everyone signs in at once.
    first = {}
    for person in people:
        first.setdefault(person.spec["role"], person)
    for person in first.values():
        person.open_session(*person.first_page())
        if person.app is not None:
            person.warm()
    openers = [threading.Thread(target=p.open_session, args=p.first_page()) for p in people if p not in first.values()]
    for thread in openers:
        thread.start()
    for thread in openers:
        thread.join()
    quiet_streamlit()  # the loggers of modules the pages imported
    start_together.wait(timeout=WARM_UP_LIMIT_SECONDS)
    origin = time.perf_counter()
    cpu_before = resource.getrusage(resource.RUSAGE_SELF)
    for person in people:
        person.origin = origin
    threads = [threading.Thread(target=p.run, args=(origin + seconds,)) for p in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    cpu_after = resource.getrusage(resource.RUSAGE_SELF)
    faulthandler.cancel_dump_traceback_later()
    pool = getattr(store._state, "pool", None)
    results.put(
        {
            "pages": [page for p in people for page in p.pages],
            "writes": [write for p in people for write in p.writes],
            "errors": [error for p in people for error in p.errors],
            "cpu_s": (cpu_after.ru_utime + cpu_after.ru_stime) - (cpu_before.ru_utime + cpu_before.ru_stime),
            "peak_mb": cpu_after.ru_maxrss / 1024,
            "people": len(people),
            "pool": pool.get_stats() if pool is not None else None,
        }
    )
    store.close()


def run_configuration(
    name: str, db_address: str, processes: int, persons: list[dict], args, today: dt.date, tmp: Path
) -> dict:
    """Start the app processes, let their people work, gather what they did ({'stopped': ...} if a process gave none)."""
    context = multiprocessing.get_context("spawn")
    start_together = context.Barrier(processes)
    results = context.Queue()
    label = "pg" if processes > 1 else "duck"
    workers = []
    for number in range(processes):
        specs = [p for p in persons if p["process"] % processes == number]
        hang_file = tmp / f"{label}-{number}.stacks"
        worker = context.Process(
            target=app_process,
            args=(
                db_address,
                specs,
                label,
                args.seconds,
                args.think,
                args.seed,
                today,
                hang_file,
                args.hang_seconds,
                start_together,
                results,
            ),
            daemon=True,  # ended with the bench, whatever stops it
        )
        worker.start()
        workers.append((worker, hang_file))
    load_at_start = os.getloadavg()[0]
    gathered = []
    limit = time.monotonic() + WARM_UP_LIMIT_SECONDS + args.seconds + args.hang_seconds + 60
    while len(gathered) < processes and time.monotonic() < limit:
        try:
            gathered.append(results.get(timeout=1.0))
        except queue.Empty:
            if any(worker.exitcode not in (None, 0) for worker, _ in workers):
                break  # a process stopped without its results: the others wait for it in vain
    for worker, _ in workers:
        worker.join(timeout=30 if len(gathered) == processes else 1)
        if worker.is_alive():
            worker.kill()
            worker.join()
    if len(gathered) < processes:
        return {
            "name": name,
            "stopped": [
                (worker.exitcode, hang_file.read_text()[-8000:] if hang_file.exists() else "")
                for worker, hang_file in workers
            ],
        }
    merged = {
        "name": name,
        "processes": processes,
        "load": load_at_start,
        "pages": [page for r in gathered for page in r["pages"]],
        "writes": [write for r in gathered for write in r["writes"]],
        "errors": [error for r in gathered for error in r["errors"]],
        "cpu_s": [r["cpu_s"] for r in gathered],
        "peak_mb": [r["peak_mb"] for r in gathered],
        "people": sum(r["people"] for r in gathered),
        "pool": [r["pool"] for r in gathered],
    }
    return merged


# -- counting the writes in the database ------------------------------------------------------------------------------


def check_writes(db_address: str, writes: list[dict]) -> dict:
    """Find each write's marker in the database: a saved one exactly once, a refused one not at all."""
    store = Store(db_address)
    try:
        audit = store.table("audit_log")
        figures = Counter(
            audit.filter(pl.col("entity_type") == "observation")
            .select(pl.col("after_json").str.json_path_match("$.note"))
            .to_series()
            .drop_nulls()
            .to_list()
        )
        cycles = Counter(store.table("pdsa_cycle")["title"].to_list())
        link_reasons = Counter(audit.filter(pl.col("action") == "link")["reason"].drop_nulls().to_list())
        links = Counter()
        for row in store.table("project_link").iter_rows(named=True):
            for kind in ("aim", "driver", "change_idea"):
                if row[f"{kind}_id"] is not None:
                    links[row["project_id"], kind, row[f"{kind}_id"]] += 1
    finally:
        store.close()
    counted = Counter()
    for write in writes:
        if write["kind"] == "figure":
            found = figures[write["marker"]]
        elif write["kind"] == "cycle":
            found = cycles[write["marker"]]
        else:
            found = link_reasons[write["marker"]]
            if write["outcome"] == "saved":  # and the link itself, once
                rows = links[write["project_id"], *write["target"]]
                found = 0 if rows == 0 else max(found, rows)
        outcome = write["outcome"]
        counted[outcome] += 1
        if outcome == "saved":
            counted["present"] += found == 1
            counted["lost"] += found == 0
            counted["duplicated"] += found > 1
        elif outcome in ("stale", "refused"):
            counted["refused yet present"] += found > 0
    return counted


# -- the report -------------------------------------------------------------------------------------------------------


def percentile_95(times: list[float]) -> float:
    if len(times) < 2:
        return times[0] if times else float("nan")
    return statistics.quantiles(times, n=20, method="inclusive")[18]


def page_figures(result: dict, seconds: float) -> dict:
    """Pages per second: those that ended within the window. Page times: every page started within it, those that
    ended after it too (each person finishes what they started), so a page stuck past the end is not left out."""
    within = [p for p in result["pages"] if p[1] + p[2] <= seconds]
    started = [p for p in result["pages"] if p[1] < seconds]
    by_kind = defaultdict(list)
    for kind, _, took, _ in started:
        by_kind[kind].append(took)
    every = [took for _, _, took, _ in started]
    return {
        "pages": len(within),
        "unfinished": len(started) - len(within),
        "per_second": len(within) / seconds,
        "median": statistics.median(every) if every else float("nan"),
        "p95": percentile_95(every),
        "by_kind": {kind: (len(t), statistics.median(t), percentile_95(t)) for kind, t in by_kind.items()},
        "errors": [p for p in result["pages"] if p[3]],
    }


def describe_persons(persons: list[dict]) -> str:
    roles = Counter(p["role"] for p in persons)
    teams = len({p["team_id"] for p in persons if p["role"] == "team"})
    return (
        f"{len(persons)} people: {roles['board']} board members, {roles['team']} team members "
        f"({teams} teams, two people each where the pattern pairs them), {roles['committee']} committee members"
    )


def commit() -> str:
    try:
        done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
        return done.stdout.strip() or "?"
    except OSError:
        return "?"


def report(results: list[dict], checked: dict[str, dict], args) -> bool:
    """Print the figures; True when something failed (a page or write error, a lost or duplicated write, a hang)."""
    failed = False
    figures = {}
    print()
    head = (
        f"{'configuration':<34}{'procs':>6}{'people':>7}{'secs':>6}{'pages':>7}{'late':>5}{'pages/s':>9}{'median s':>10}"
        f"{'p95 s':>8}{'saved':>7}{'present':>8}{'refused':>8}{'lost':>6}{'dup':>5}{'errors':>7}{'CPU s':>8}"
    )
    print(head + "\n" + "-" * len(head))
    for result in results:
        if "stopped" in result:
            failed = True
            print(f"{result['name']:<34} STOPPED: an app process gave no results (below)")
            continue
        page = page_figures(result, args.seconds)
        figures[result["name"]] = page
        counted = checked[result["name"]]
        refused = counted["stale"] + counted["refused"]
        errors = len(page["errors"]) + counted["error"] + len(result["errors"])
        failed |= bool(errors or counted["lost"] or counted["duplicated"] or counted["refused yet present"])
        print(
            f"{result['name']:<34}{result['processes']:>6}{result['people']:>7}{args.seconds:>6g}{page['pages']:>7}"
            f"{page['unfinished']:>5}"
            f"{page['per_second']:>9.2f}{page['median']:>10.3f}{page['p95']:>8.3f}{counted['saved']:>7}"
            f"{counted['present']:>8}{refused:>8}{counted['lost']:>6}{counted['duplicated']:>5}{errors:>7}"
            f"{sum(result['cpu_s']):>8.0f}"
        )
    done = [r for r in results if "stopped" not in r]
    if len(done) == 2:
        postgres, duck = (figures[r["name"]] for r in done)
        print(
            f"\nPostgreSQL (two processes) / DuckDB (one process): pages per second x{postgres['per_second'] / duck['per_second']:.2f}, "
            f"median page time x{postgres['median'] / duck['median']:.2f}, 95th percentile x{postgres['p95'] / duck['p95']:.2f}"
        )
    if done:
        print(
            f"\n{'by kind of page: count, median s, 95th percentile s':<44}" + "".join(f"{r['name']:>34}" for r in done)
        )
        for kind, (_, title) in PAGES.items():
            cells = []
            for result in done:
                found = figures[result["name"]]["by_kind"].get(kind)
                cells.append(f"{found[0]:>10}{found[1]:>12.3f}{found[2]:>12.3f}" if found else f"{'—':>34}")
            print(f"{title:<44}" + "".join(cells))
        print(
            f"\n{'writes: saved / stale refused / other refused, median s':<44}"
            + "".join(f"{r['name']:>34}" for r in done)
        )
        for kind, title in WRITES.items():
            cells = []
            for result in done:
                mine = [w for w in result["writes"] if w["kind"] == kind]
                outcomes = Counter(w["outcome"] for w in mine)
                median = statistics.median(w["seconds"] for w in mine) if mine else float("nan")
                cells.append(f"{outcomes['saved']:>10}{outcomes['stale']:>6}{outcomes['refused']:>6}{median:>12.3f}")
            print(f"{title:<44}" + "".join(cells))
    for result in results:
        if "stopped" in result:
            for exitcode, stacks in result["stopped"]:
                if stacks:
                    print(
                        f"\n{result['name']}: an app process made no progress for {args.hang_seconds:g} s; where each "
                        f"thread was (faulthandler):\n{_interesting(stacks)}"
                    )
                elif exitcode not in (0, None):
                    print(f"\n{result['name']}: an app process ended with exit code {exitcode} (its error is above)")
            continue
        for kind, _, _, error in figures[result["name"]]["errors"][:5]:
            print(f"{result['name']}: page error on {PAGES[kind][1]}: {' '.join(error.split())[:200]}")
        for error in result["errors"][:5]:
            print(f"{result['name']}: {' '.join(error.split())[:300]}")
        refusals = defaultdict(list)  # the same refusal about another record or figure counts together
        for write in result["writes"]:
            if write["outcome"] != "saved":
                shape = re.sub(r"“[^”]*”|[0-9][0-9,./:]*", "…", write["message"])[:60]
                refusals[write["outcome"], shape].append(write["message"])
        for (outcome, _), messages in sorted(refusals.items(), key=lambda item: -len(item[1]))[:6]:
            print(f"{result['name']}: {len(messages)} x {outcome}, e.g. {messages[0][:110]}")
        pools = [p for p in result["pool"] if p]
        if pools:
            waits = sum(p.get("requests_queued", 0) for p in pools)
            waited_s = sum(p.get("requests_wait_ms", 0) for p in pools) / 1000
            timeouts = sum(p.get("requests_errors", 0) for p in pools)
            most = max(p.get("pool_max", 0) for p in pools)
            print(
                f"{result['name']}: connection pools (up to {most} connections per process): {waits} requests for a "
                f"connection waited for one, {waited_s:.1f} s in all; {timeouts} gave up (30 s)"
            )
        print(f"{result['name']}: app processes' peak RSS " + ", ".join(f"{mb:.0f} MB" for mb in result["peak_mb"]))
    return failed


def _interesting(stacks: str, frames: int = 8) -> str:
    """A faulthandler dump shortened: each thread with its innermost frames, the threads with none left out."""
    threads = []
    for block in stacks.split("\n\n"):
        lines = [line for line in block.splitlines() if line.strip()]
        if len(lines) > 1:
            threads.append("\n".join(lines[: frames + 1]))
    return "\n".join(threads[:40])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=32, help="people in all (split between the two processes)")
    parser.add_argument("--seconds", type=float, default=60.0, help="how long each configuration runs")
    parser.add_argument("--think", type=float, default=5.0, help="mean seconds a person waits between actions")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--small", action="store_true", help="the demo organisation instead of the large trust")
    parser.add_argument(
        "--postgres-setting",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a setting of the PostgreSQL database, as its administrator may give it (e.g. jit=off; repeatable)",
    )
    parser.add_argument(
        "--hang-seconds", type=float, default=HANG_SECONDS, help="stop an app process that makes no progress this long"
    )
    args = parser.parse_args()
    if args.people < 1 or args.seconds <= 0 or args.think < 0:
        parser.error("need --people >= 1, --seconds > 0 and --think >= 0")
    settings = dict(item.partition("=")[::2] for item in args.postgres_setting)
    # Stopped from outside (make's Ctrl-C, a timeout): still stop the throw-away server and remove its folder.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    today = dt.date.today()
    tmp = Path(tempfile.mkdtemp(prefix="gt-load-"))
    try:
        with throwaway_postgres() as server:
            conninfo = create_database(server, "golden_thread", settings)
            duck = tmp / "trust.duckdb"
            with multiprocessing.get_context("spawn").Pool(1) as pool:
                prepared = pool.apply(prepare, (duck, conninfo, today, args.seed, args.small, args.people))
            persons = prepared["persons"]
            what = "the demo organisation" if args.small else "the large synthetic trust"
            print(
                f"Golden Thread load bench, {today}, commit {commit()}, {os.cpu_count()} CPUs, load average "
                + " ".join(f"{x:.1f}" for x in os.getloadavg())
            )
            print(
                f"{what}: built in {prepared['build_s']:.1f} s, loaded into DuckDB in {prepared['duckdb_load_s']:.1f} s "
                f"and into PostgreSQL (migrate + COPY of {prepared['rows']:,} rows) in {prepared['postgres_load_s']:.1f} s; "
                f"{prepared['projects']:,} projects, {prepared['observations']:,} observations"
            )
            print(
                f"{describe_persons(persons)}; {args.seconds:g} s per configuration, think time "
                f"{0.5 * args.think:g}-{1.5 * args.think:g} s"
                + "; PostgreSQL "
                + (", ".join(f"{k}={v}" for k, v in settings.items()) or "with its default settings")
            )
            configurations = (
                ("PostgreSQL, two app processes", address(conninfo), 2),
                ("DuckDB file, one app process", str(duck), 1),
            )
            results, checked = [], {}
            for name, db_address, processes in configurations:
                result = run_configuration(name, db_address, processes, persons, args, today, tmp)
                results.append(result)
                if "stopped" not in result:
                    checked[name] = check_writes(db_address, result["writes"])
                    print(
                        f"  {name}: done (load average {result['load']:.1f} at its start, "
                        f"{os.getloadavg()[0]:.1f} at its end)"
                    )
            failed = report(results, checked, args)
            return 1 if failed else 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
