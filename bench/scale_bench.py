"""Scale benchmark: every screen, the thread checks and all measures' charts on a large synthetic trust.

Usage, from the repository root:  .venv/bin/python bench/scale_bench.py [--repeats 5] [--keep DIR]

Builds ``golden_thread.seed.synthetic.build_large_trust`` into a temporary DuckDB file and reports the build and
load times: the trust (8 divisions, 250 teams, 50 aims, 400 drivers, 5,000 projects, 40,000 PDSA cycles, 3,000
measures x 36 months), its leadership assessments (400 leaders and every unit's team, every six months for three
years), its teams' focus boards (six months of weekly huddles) and, beside it, a network of 50 members. Then, for
the large trust and (as the baseline, in the same run) the demo (the trust with its network, as ``golden-thread
demo`` loads it):

- every screen of ``screens/registry.py``'s SCREENS, opened as ``tests/test_pages.py`` opens it (AppTest on
  ``dashboard.py`` signed in, one run, then ``switch_page``), with ``GOLDEN_THREAD_DB`` pointing at the file,
  signed in as the trust's administrator, except the Network screen: as the network's administrator
  (``hubadmin``), so the app opens in the network's scope. Some screens are opened more than once: the board
  and the thread whole and on the aim with the most projects (``?aim=ID``); the measures page on an aim's outcome
  measure and on a project measure (``?measure=ID``); the focus boards on the board with the most actions
  (``?board=ID``), in huddle mode (``&huddle=1``) and as the roll-up (``?rollup=1``).
  "cold" is a run right after ``st.cache_resource`` and ``st.cache_data`` are cleared (the store is opened
  again, everything kept recomputed: a restart), "entry" a run right after a team enters a month's figure
  (``DataEntry``: the first view after a data change, issue 18's target), "cycle" a run right after a team logs a
  PDSA cycle (``CycleLogged``), "warm" a run with nothing changed (as when someone clicks on the page); each is
  the median of ``--repeats`` runs. Python imports are warmed first by one untimed pass over every screen on
  the demo. Each time is AppTest.run()'s wall time: the server script plus AppTest's parsing of its output (the
  "AppTest overhead" row is that cost for a one-line page, and each time's ratio to it is printed). Every run
  shares one script cache, as a server's runs do, so each script is compiled once, not on every run;
- ``check_thread(store, today)`` and ``measure_charts(store)`` for every measure of the trust (median; first
  call as cold);
- the peak RSS (``resource.getrusage`` high-water mark) of the process that serves every screen of both
  databases, and apart from it that of the process that built and loaded the large trust (the generator's frames
  and the bulk insert are not the app's).

Targets (issue 18): each screen <= 1 s on its first view after a data change and <= 0.3 s warm at the large trust, the checks <= 0.5 s, peak RSS
<= 1 GB. Targets are reported, never asserted: the script exits 0 either way (1 only if a screen raised).
``--query screens/x.py:key=value`` passes a query parameter to a screen (repeatable); ``--profile`` prints the
top functions of one cold and one warm run of each screen that misses a target.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import logging
import multiprocessing
import os
import pstats
import resource
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from a checkout without installing

import polars as pl  # noqa: E402
import streamlit as st  # noqa: E402
from streamlit import logger as streamlit_logger  # noqa: E402
from streamlit.runtime.scriptrunner.script_cache import ScriptCache  # noqa: E402
from streamlit.testing.v1 import AppTest, app_test, local_script_runner  # noqa: E402

from golden_thread.domain.observations import ProposedObservation  # noqa: E402
from golden_thread.domain.pdsa import ProposedCycle  # noqa: E402
from golden_thread.seed.loading import load_demo  # noqa: E402
from golden_thread.seed.synthetic import build_large_trust  # noqa: E402
from golden_thread.services.checks import check_thread  # noqa: E402
from golden_thread.services.measure_series import measure_charts  # noqa: E402
from golden_thread.storage.store import Store  # noqa: E402
from screens.registry import SCREENS  # noqa: E402


def compile_scripts_once() -> None:
    """Give every AppTest run one script cache, as a server's runtime has: AppTest makes a new one per run, so it
    parses and compiles the entry and the page script (with Streamlit's magic) on every run, 0.1-0.2 s for a long
    page that a server spends once per script, not per view."""
    shared = ScriptCache()
    app_test.ScriptCache = local_script_runner.ScriptCache = lambda: shared


def quiet_streamlit() -> None:
    """Bare-mode calls (the checks, the charts, clearing caches) make Streamlit warn about a missing run context
    on every call; keep its errors only (a page that raises is reported in the table anyway). A filter, not a
    level: AppTest resets Streamlit's log levels on each run."""
    for log in list(streamlit_logger._loggers.values()):
        if not getattr(log, "_bench_quiet", False):
            log.addFilter(lambda record: record.levelno >= logging.ERROR)
            log._bench_quiet = True


quiet_streamlit()
compile_scripts_once()

ENTRY = str(ROOT / "dashboard.py")
COLD_TARGET_S, WARM_TARGET_S, CHECKS_TARGET_S, MEMORY_TARGET_MB = 1.0, 0.3, 0.5, 1024.0
# Signed in as the tests sign in (tests/conftest.py's signed_in): an administrator sees every page. The Network
# screen is opened by the network's own administrator (both the demo and the large trust have one), whose session
# opens in the network's scope.
SESSION_USER = {"username": "admin", "display_name": "Administrator (bench)", "role": "administrator"}
NETWORK_USER = {"username": "hubadmin", "display_name": "Network administrator (bench)", "role": "administrator"}


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def clear_caches() -> None:
    st.cache_resource.clear()
    st.cache_data.clear()


def page_variants(db_path: Path, extra: dict[str, dict[str, str]]) -> list[tuple[str, str, dict[str, str], dict]]:
    """(label, page, query, session user) for every screen in screens/registry.py: the board and the thread whole
    and on the aim with the most projects (the board's drill-through), the measures page once per kind of measure,
    the focus boards on the busiest board, in huddle mode and as the roll-up, the Network screen in the network."""
    everything = Store(db_path)
    store = everything.within(everything.scopes_for(SESSION_USER["username"])[0])  # the trust, as the admin sees it
    measures = store.measures()
    busiest = (
        store.project_alignment()
        .drop_nulls("aim_id")
        .group_by("aim_id")
        .len()
        .sort("len", "aim_id", descending=[True, False])
    )
    boards = store.focus_boards()
    actions = store.focus_actions(boards["id"].to_list()) if boards.height else pl.DataFrame({"board_id": []})
    busiest_board = actions.group_by("board_id").len().sort("len", "board_id", descending=[True, False])
    hub = everything.user(NETWORK_USER["username"])
    everything.close()
    aim_outcome = measures.filter(
        pl.col("aim_id").is_not_null() & (pl.col("measure_type") == "outcome") & (pl.col("status") == "active")
    )["id"]
    on_project = measures.filter(pl.col("project_id").is_not_null() & (pl.col("status") == "active"))["id"]
    variants = []
    for screen in SCREENS:
        page = f"screens/{screen.file}"
        query = dict(extra.get(page, {}))
        user = SESSION_USER
        if page == "screens/measures.py" and "measure" not in query:
            if aim_outcome.len():
                variants.append(
                    (f"{page} (aim outcome measure)", page, {**query, "measure": str(aim_outcome[0])}, user)
                )
            if on_project.len():
                variants.append((f"{page} (project measure)", page, {**query, "measure": str(on_project[0])}, user))
            continue
        if page == "screens/focus.py" and not query and busiest_board.height:
            board = str(busiest_board["board_id"][0])
            variants.append((f"{page} (board with most actions)", page, {"board": board}, user))
            variants.append((f"{page} (that board, huddle mode)", page, {"board": board, "huddle": "1"}, user))
            variants.append((f"{page} (roll-up of every board)", page, {"rollup": "1"}, user))
            continue
        if screen.networks_only:
            if hub is None or hub["organisation_id"] is None:
                continue  # no network in this database
            user = NETWORK_USER
            variants.append((f"{page} (as the network's administrator)", page, query, user))
            continue
        variants.append((page, page, query, user))
        if page in ("screens/thread.py", "screens/board.py") and "aim" not in query and busiest.height:
            variants.append(
                (f"{page} (aim with most projects)", page, {**query, "aim": str(busiest["aim_id"][0])}, user)
            )
    return variants


def new_app(script: str, query: dict[str, str], user: dict) -> AppTest:
    app = AppTest.from_file(script, default_timeout=300)
    app.session_state["user"] = dict(user)
    for key, value in query.items():
        app.query_params[key] = value
    return app


def open_page(page: str, query: dict[str, str], user: dict = SESSION_USER) -> AppTest:
    """An AppTest on the entry, signed in, switched to ``page`` (as tests/test_pages.py opens pages), run once."""
    app = new_app(ENTRY, query, user)
    app.run()  # the default page, and st.navigation registers every page
    try:
        app.switch_page(str(ROOT / page))
    except ValueError:  # a page not (yet) in dashboard.py's navigation: run the file on its own
        app = new_app(str(ROOT / page), query, user)
    app.run()
    return app


def timed_run(app: AppTest) -> float:
    start = time.perf_counter()
    app.run()
    return time.perf_counter() - start


def failure(app: AppTest) -> str | None:
    if app.exception:
        return "; ".join(str(e.value)[:200] for e in app.exception)
    return None


class DataEntry:
    """A team entering its month's figure, the change issue 18 names: the newest period of the trust's first aim
    outcome measure corrected (moved by one, then back, in turn), through a store of its own, as another program
    sharing the file would write it. The next view of a page is its first view after a data change. For ``user``
    of a network (the Network screen's reader), a member's report of the network's first uniform measure."""

    def __init__(self, db_path: Path, today: dt.date, user: dict = SESSION_USER) -> None:
        everything = Store(db_path)
        scope = everything.scopes_for(user["username"])[0]
        self.store = everything.within(scope)
        self.username = user["username"]
        if scope.is_network:
            self.measure_id = self.store.member_measures(scope.organisation_id)["id"][0]
            self.save = self.store.save_member_observation
        else:
            measures = self.store.measures()
            self.measure_id = measures.filter(
                pl.col("aim_id").is_not_null() & (pl.col("measure_type") == "outcome") & (pl.col("status") == "active")
            )["id"][0]
            self.save = self.store.save_observation
        self.today = today
        self.step = 1

    def __call__(self) -> None:
        rows = self.store.observations([self.measure_id]).sort("period_start")
        last = rows.row(-1, named=True)
        if last["numerator"] is not None:
            figures = {"numerator": str(last["numerator"] + self.step), "denominator": str(last["denominator"])}
        else:
            figures = {"value": str(last["value"] + self.step)}
        self.save(
            self.measure_id,
            ProposedObservation(last["period_start"], **figures),
            username=self.username,
            today=self.today,
            correcting=True,
        )
        self.step = -self.step

    def close(self) -> None:
        self.store.close()


class CycleLogged(DataEntry):
    """A team logging a PDSA cycle, the other everyday change: a cycle's plan added to the project with the most
    cycles (the golden thread itself grows by a box)."""

    def __init__(self, db_path: Path, today: dt.date) -> None:
        super().__init__(db_path, today)
        cycles = self.store.thread_rows()["cycles"]
        self.project_id = (
            cycles.group_by("project_id").len().sort("len", "project_id", descending=[True, False])["project_id"][0]
        )
        self.logged = 0

    def __call__(self) -> None:
        self.logged += 1
        self.store.log_pdsa_cycle(
            self.project_id,
            ProposedCycle(f"Bench test {self.logged}", self.today, prediction="Most patients will"),
            username=SESSION_USER["username"],
            today=self.today,
        )


def time_page(page: str, query: dict[str, str], user: dict, repeats: int, changes: dict[str, DataEntry]) -> dict:
    """Medians of ``repeats`` cold runs (each right after the caches are cleared), of ``repeats`` runs each right
    after each kind of change in ``changes``, and of ``repeats`` warm runs."""
    app = open_page(page, query, user)
    cold = []
    for _ in range(repeats):
        clear_caches()
        cold.append(timed_run(app))
    timed_run(app)  # the caches full again
    after = {}
    for kind, change in changes.items():
        times = []
        for _ in range(repeats):
            change()
            times.append(timed_run(app))
        after[kind] = statistics.median(times)
    warm = [timed_run(app) for _ in range(repeats)]
    return {
        "cold": statistics.median(cold),
        **after,
        "warm": statistics.median(warm),
        "error": failure(app),
        "peak_mb": peak_mb(),
    }


def profile_run(app: AppTest, top: int = 25) -> str:
    """cProfile of one warm run; the script runs on AppTest's script thread, so profile threads started now."""
    profiler = cProfile.Profile()

    def start_in_thread(*_args) -> None:
        sys.setprofile(None)
        threading.setprofile(None)
        profiler.enable()

    threading.setprofile(start_in_thread)
    try:
        app.run()
    finally:
        threading.setprofile(None)
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(top)
    return out.getvalue()


def overhead(repeats: int, tmp: Path) -> float:
    """AppTest.run() on a one-line page: the floor under every page time below."""
    script = tmp / "one_line.py"
    script.write_text("import streamlit as st\nst.write('x')\n")
    app = AppTest.from_file(str(script), default_timeout=60)
    app.run()
    return statistics.median(timed_run(app) for _ in range(repeats))


def time_call(function, repeats: int) -> tuple[float, float, float]:
    """(first call, median of the next ``repeats``, peak RSS after) in seconds and MB."""
    start = time.perf_counter()
    function()
    cold = time.perf_counter() - start
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return cold, statistics.median(times), peak_mb()


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def ratio(value: float, baseline: float | None) -> str:
    return f"{value / baseline:>6.1f}x" if baseline else f"{'—':>7}"


def fmt(result: dict | None, key: str, width: int) -> str:
    return f"{result[key]:>{width}.3f}" if result else f"{'—':>{width}}"


# The large trust's tables whose counts the bench prints after building it.
COUNTED = (
    "organisation",
    "project",
    "pdsa_cycle",
    "measure",
    "observation",
    "leadership_assessment",
    "leadership_rating",
    "leadership_strategy",
    "focus_board",
    "focus_objective",
    "focus_action",
    "huddle",
    "huddle_action_review",
    "network_membership",
    "member_measure",
)


def build_and_load(path: Path, today: dt.date, seed: int) -> dict:
    """Build the large trust and load it into ``path``: the times, the rows by table and this process's peak RSS."""
    start = time.perf_counter()
    frames = build_large_trust(today, seed=seed)
    build_s = time.perf_counter() - start
    store = Store(path)
    start = time.perf_counter()
    counts = store.insert_tables(frames)
    load_s = time.perf_counter() - start
    store.close()
    return {"build_s": build_s, "load_s": load_s, "counts": counts, "peak_mb": peak_mb()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep", type=Path, help="keep the two database files in this directory")
    parser.add_argument(
        "--query",
        action="append",
        default=[],
        metavar="PAGE:KEY=VALUE",
        help="a query parameter for one page, e.g. screens/thread.py:aim=3 (repeatable)",
    )
    parser.add_argument(
        "--profile", action="store_true", help="profile one cold and one warm run of each screen that misses a target"
    )
    args = parser.parse_args()
    extra: dict[str, dict[str, str]] = {}
    for item in args.query:
        page, _, pair = item.partition(":")
        key, _, value = pair.partition("=")
        extra.setdefault(page, {})[key] = value

    today = dt.date.today()
    start_mb = peak_mb()
    tmp = Path(tempfile.mkdtemp(prefix="gt-scale-"))
    try:
        large_db, demo_db = tmp / "large.duckdb", tmp / "demo.duckdb"
        # Built and loaded in a process of its own: the generator's frames and the bulk insert's buffers are not
        # the app's, so they do not count towards the peak RSS of the process that serves the screens.
        with multiprocessing.get_context("spawn").Pool(1) as pool:
            built = pool.apply(build_and_load, (large_db, today, args.seed))
        build_s, load_s, counts, build_mb = built["build_s"], built["load_s"], built["counts"], built["peak_mb"]
        demo = Store(demo_db)
        load_demo(demo, today)  # the trust with its network beside it, as ``golden-thread demo`` loads it
        demo.close()
        after_demo_mb = peak_mb()

        print(
            f"Golden Thread scale bench, {today}, polars {pl.__version__}, streamlit {st.__version__}, "
            f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average "
            + " ".join(f"{x:.1f}" for x in os.getloadavg())
            + f"; medians of {args.repeats} cold and {args.repeats} warm runs"
        )
        print(
            f"large trust: built in {build_s:.2f} s, loaded in {load_s:.2f} s ({build_s + load_s:.2f} s); "
            + ", ".join(f"{counts.get(t, 0):,} {t}" for t in COUNTED)
        )
        print(
            f"peak RSS: {build_mb:.0f} MB building and loading the large trust (a process of its own); "
            f"{start_mb:.0f} MB at start and {after_demo_mb:.0f} MB after loading the demo in this one"
        )

        results: dict[str, dict[str, dict]] = {"demo": {}, "large": {}}
        variants = {name: page_variants(path, extra) for name, path in (("demo", demo_db), ("large", large_db))}
        os.environ["GOLDEN_THREAD_DB"] = str(demo_db)
        clear_caches()
        for _, page, query, user in variants["demo"]:  # warm Python's imports: not timed
            open_page(page, query, user)
        quiet_streamlit()  # again, for the loggers of modules the pages imported
        floor = overhead(args.repeats, tmp)
        for name, path in (("demo", demo_db), ("large", large_db)):
            os.environ["GOLDEN_THREAD_DB"] = str(path)
            changes = {"changed": DataEntry(path, today), "cycle": CycleLogged(path, today)}
            # The Network screen's reader sees the network: its first view after one of its members enters a figure.
            in_network = {**changes, "changed": DataEntry(path, today, NETWORK_USER)}
            for label, page, query, user in variants[name]:
                kinds = in_network if user is NETWORK_USER else changes
                results[name][label] = time_page(page, query, user, args.repeats, kinds)
            for change in in_network.values():
                change.close()
            changes["changed"].close()
        after_pages_mb = peak_mb()

        calls: dict[str, dict[str, tuple[float, float, float]]] = {}
        for name, path in (("demo", demo_db), ("large", large_db)):
            everything = Store(path)
            store = everything.within(everything.scopes_for(SESSION_USER["username"])[0])  # the trust
            calls[name] = {
                "check_thread(store, today), the trust": time_call(
                    lambda store=store: check_thread(store, today), args.repeats
                ),
                "measure_charts(store), every measure of the trust": time_call(
                    lambda store=store: measure_charts(store), args.repeats
                ),
            }
            everything.close()
        clear_caches()
        final_mb = peak_mb()

        head = (
            f"{'what':<58}{'demo':>8}{'demo':>8}{'demo':>8}{'large':>8}{'large':>8}{'large':>8}{'large':>8}"
            f"{'entry':>7}{'RSS':>6}  targets at the large trust: a view <= {COLD_TARGET_S:g} s, warm <= "
            f"{WARM_TARGET_S:g} s"
        )
        sub = (
            f"{'':<58}{'cold s':>8}{'entry s':>8}{'warm s':>8}{'cold s':>8}{'entry s':>8}{'cycle s':>8}"
            f"{'warm s':>8}{'/demo':>7}{'MB':>6}"
        )
        print("\n" + head + "\n" + sub + "\n" + "-" * (len(head) + 4))
        failed = False
        labels = [label for label, *_ in variants["large"]]
        labels += [label for label, *_ in variants["demo"] if label not in labels]
        for label in labels:
            demo_r, large_r = results["demo"].get(label), results["large"].get(label)
            if large_r is None:
                print(
                    f"{label:<58}{demo_r['cold']:>7.3f}{demo_r['changed']:>7.3f}{demo_r['warm']:>7.3f}  (not on the large trust)"
                )
                continue
            error = large_r["error"] or (demo_r or {}).get("error")
            failed |= bool(error)
            if error:
                outcome = "ERROR (time not valid): " + error
            else:
                outcome = (
                    f"after entry {verdict(large_r['changed'] <= COLD_TARGET_S)}, "
                    f"after cycle {verdict(large_r['cycle'] <= COLD_TARGET_S)}, "
                    f"cold {verdict(large_r['cold'] <= COLD_TARGET_S)}, warm {verdict(large_r['warm'] <= WARM_TARGET_S)}"
                )
            print(
                f"{label:<58}{fmt(demo_r, 'cold', 8)}{fmt(demo_r, 'changed', 8)}{fmt(demo_r, 'warm', 8)}"
                f"{large_r['cold']:>8.3f}{large_r['changed']:>8.3f}{large_r['cycle']:>8.3f}{large_r['warm']:>8.3f}"
                f"{ratio(large_r['changed'], demo_r and demo_r['changed'])}{large_r['peak_mb']:>6.0f}  {outcome}"
            )
        for label in calls["large"]:
            (demo_cold, demo_warm, _), (cold, warm, mb) = calls["demo"][label], calls["large"][label]
            target = (
                f"<= {CHECKS_TARGET_S:g} s {verdict(warm <= CHECKS_TARGET_S)}"
                if label.startswith("check")
                else "(no target)"
            )
            print(
                f"{label:<58}{demo_cold:>8.3f}{'':>8}{demo_warm:>8.3f}{cold:>8.3f}{'':>16}{warm:>8.3f}"
                f"{ratio(warm, demo_warm)}{mb:>6.0f}  {target}"
            )
        print(f"{'AppTest overhead (a one-line page): the floor under every time':<58}{'':>48}{floor:>8.3f}")
        print(
            f"{'peak RSS of the process serving the screens (MB)':<58}{'':>63}{final_mb:>6.0f}  "
            f"<= {MEMORY_TARGET_MB:.0f} MB {verdict(final_mb <= MEMORY_TARGET_MB)} "
            f"(after the screens {after_pages_mb:.0f}; building and loading the large trust, apart: {build_mb:.0f})"
        )

        if args.profile:
            os.environ["GOLDEN_THREAD_DB"] = str(large_db)
            for label, page, query, user in variants["large"]:
                timed = results["large"][label]
                if max(timed["changed"], timed["cycle"]) > COLD_TARGET_S or timed["warm"] > WARM_TARGET_S:
                    app = open_page(page, query, user)
                    clear_caches()
                    print(f"\n== profile of one cold run: {label} ==\n{profile_run(app)}")
                    print(f"\n== profile of one warm run: {label} ==\n{profile_run(app)}")
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            for path in (large_db, demo_db):
                shutil.copy(path, args.keep / path.name)
            print(f"\ndatabases kept in {args.keep}")
        return 1 if failed else 0
    finally:
        clear_caches()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
