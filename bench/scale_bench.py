"""Scale benchmark: every page, the thread checks and all measures' charts on a large synthetic trust.

Usage, from the repository root:  .venv/bin/python bench/scale_bench.py [--repeats 5] [--keep DIR]

Builds ``golden_thread.seed.synthetic.build_large_trust`` (50 aims, 400 drivers, 5,000 projects, 40,000 PDSA
cycles, 3,000 measures x 36 months) into a temporary DuckDB file and reports the build and load times.
Then, for the large trust and (as the baseline, in the same run) the small demo trust:

- every file in ``screens/`` when the bench runs, opened as ``tests/test_pages.py`` opens it (AppTest on
  ``dashboard.py`` signed in as an administrator, one run, then ``switch_page``), with ``GOLDEN_THREAD_DB``
  pointing at the file. The measures page is opened twice, on an aim's outcome measure (``?measure=ID``)
  and on a project measure; the thread page and the board whole and on the aim with the most projects (``?aim=ID``).
  "cold" is the first run after ``st.cache_resource`` and ``st.cache_data`` are cleared (the store is opened
  again, cached data recomputed); "warm" is the median of the next ``--repeats`` runs. Python imports are
  warmed first by one untimed pass over every page on the demo trust. Each time is AppTest.run()'s wall
  time: the server script plus AppTest's parsing of its output (the "AppTest overhead" row is that cost
  for a one-line page);
- ``check_thread(store, today)`` and ``measure_charts(store)`` for every measure (median; first call as cold);
- the process's peak RSS (``resource.getrusage`` high-water mark, whole process, both trusts loaded).

Targets: each page <= 1 s warm (a cold run over 1 s is marked too), checks <= 0.5 s, peak RSS <= 1 GB. Targets are reported, never asserted:
the script exits 0 either way (1 only if a page raised). ``--query screens/x.py:key=value`` passes a query
parameter to a page (repeatable); ``--profile`` prints the top functions of one warm run of each page
that misses its target.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import logging
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
from streamlit.testing.v1 import AppTest  # noqa: E402

from golden_thread.seed.loading import load_demo  # noqa: E402
from golden_thread.seed.synthetic import build_large_trust  # noqa: E402
from golden_thread.services.checks import check_thread  # noqa: E402
from golden_thread.services.measure_series import measure_charts  # noqa: E402
from golden_thread.storage.store import Store  # noqa: E402


def quiet_streamlit() -> None:
    """Bare-mode calls (the checks, the charts, clearing caches) make Streamlit warn about a missing run context
    on every call; keep its errors only (a page that raises is reported in the table anyway). A filter, not a
    level: AppTest resets Streamlit's log levels on each run."""
    for log in list(streamlit_logger._loggers.values()):
        if not getattr(log, "_bench_quiet", False):
            log.addFilter(lambda record: record.levelno >= logging.ERROR)
            log._bench_quiet = True


quiet_streamlit()

ENTRY = str(ROOT / "dashboard.py")
PAGE_TARGET_S, CHECKS_TARGET_S, MEMORY_TARGET_MB = 1.0, 0.5, 1024.0
# Signed in as the tests sign in (tests/conftest.py's signed_in): an administrator sees every page.
SESSION_USER = {"username": "admin", "display_name": "Administrator (bench)", "role": "administrator"}


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def clear_caches() -> None:
    st.cache_resource.clear()
    st.cache_data.clear()


def page_variants(db_path: Path, extra: dict[str, dict[str, str]]) -> list[tuple[str, str, dict[str, str]]]:
    """(label, page, query) for every page file now in screens/: the measures page once per kind of measure, the
    thread page and the board whole and on the aim with the most projects (the board's drill-through)."""
    store = Store(db_path)
    measures = store.measures()
    busiest = (
        store.project_alignment()
        .drop_nulls("aim_id")
        .group_by("aim_id")
        .len()
        .sort("len", "aim_id", descending=[True, False])
    )
    store.close()
    aim_outcome = measures.filter(
        pl.col("aim_id").is_not_null() & (pl.col("measure_type") == "outcome") & (pl.col("status") == "active")
    )["id"]
    on_project = measures.filter(pl.col("project_id").is_not_null() & (pl.col("status") == "active"))["id"]
    variants = []
    for path in sorted((ROOT / "screens").glob("*.py")):
        page = f"screens/{path.name}"
        query = dict(extra.get(page, {}))
        if page == "screens/measures.py" and "measure" not in query:
            if aim_outcome.len():
                variants.append((f"{page} (aim outcome measure)", page, {**query, "measure": str(aim_outcome[0])}))
            if on_project.len():
                variants.append((f"{page} (project measure)", page, {**query, "measure": str(on_project[0])}))
            continue
        variants.append((page, page, query))
        if page in ("screens/thread.py", "screens/board.py") and "aim" not in query and busiest.height:
            variants.append((f"{page} (aim with most projects)", page, {**query, "aim": str(busiest["aim_id"][0])}))
    return variants


def new_app(script: str, query: dict[str, str]) -> AppTest:
    app = AppTest.from_file(script, default_timeout=300)
    app.session_state["user"] = dict(SESSION_USER)
    for key, value in query.items():
        app.query_params[key] = value
    return app


def open_page(page: str, query: dict[str, str]) -> AppTest:
    """An AppTest on the entry, signed in, switched to ``page`` (as tests/test_pages.py opens pages), run once."""
    app = new_app(ENTRY, query)
    app.run()  # the default page, and st.navigation registers every page
    try:
        app.switch_page(str(ROOT / page))
    except ValueError:  # a page not (yet) in dashboard.py's navigation: run the file on its own
        app = new_app(str(ROOT / page), query)
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


def time_page(page: str, query: dict[str, str], repeats: int) -> dict:
    app = open_page(page, query)
    clear_caches()
    cold = timed_run(app)
    warm = [timed_run(app) for _ in range(repeats)]
    return {"cold": cold, "warm": statistics.median(warm), "error": failure(app), "peak_mb": peak_mb()}


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
    parser.add_argument("--profile", action="store_true", help="profile one warm run of each page that misses")
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
        start = time.perf_counter()
        frames = build_large_trust(today, seed=args.seed)
        build_s = time.perf_counter() - start
        store = Store(large_db)
        start = time.perf_counter()
        counts = store.insert_tables(frames)
        load_s = time.perf_counter() - start
        store.close()
        del frames
        after_build_mb = peak_mb()
        demo = Store(demo_db)
        load_demo(demo, today)
        demo.close()

        print(
            f"Golden Thread scale bench, {today}, polars {pl.__version__}, streamlit {st.__version__}, "
            f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, median of {args.repeats} warm runs"
        )
        print(
            f"large trust: built in {build_s:.2f} s, loaded in {load_s:.2f} s ({build_s + load_s:.2f} s); "
            + ", ".join(f"{counts.get(t, 0):,} {t}" for t in ("project", "pdsa_cycle", "measure", "observation"))
        )
        print(f"peak RSS: {start_mb:.0f} MB at start, {after_build_mb:.0f} MB after building and loading")

        results: dict[str, dict[str, dict]] = {"demo": {}, "large": {}}
        variants = {name: page_variants(path, extra) for name, path in (("demo", demo_db), ("large", large_db))}
        os.environ["GOLDEN_THREAD_DB"] = str(demo_db)
        clear_caches()
        for _, page, query in variants["demo"]:  # warm Python's imports: not timed
            open_page(page, query)
        quiet_streamlit()  # again, for the loggers of modules the pages imported
        floor = overhead(args.repeats, tmp)
        for name, path in (("demo", demo_db), ("large", large_db)):
            os.environ["GOLDEN_THREAD_DB"] = str(path)
            for label, page, query in variants[name]:
                results[name][label] = time_page(page, query, args.repeats)
        after_pages_mb = peak_mb()

        calls: dict[str, dict[str, tuple[float, float, float]]] = {}
        for name, path in (("demo", demo_db), ("large", large_db)):
            store = Store(path)
            calls[name] = {
                "check_thread(store, today)": time_call(lambda store=store: check_thread(store, today), args.repeats),
                "measure_charts(store), every measure": time_call(
                    lambda store=store: measure_charts(store), args.repeats
                ),
            }
            store.close()
        clear_caches()
        final_mb = peak_mb()

        head = f"{'what':<56}{'demo s':>8}{'large cold s':>13}{'large s':>9}{'ratio':>7}{'RSS MB':>8}  target"
        print("\n" + head + "\n" + "-" * (len(head) + 14))
        print(
            "(demo s, large s: median warm run; large cold s: first run after clearing Streamlit's caches; "
            "ratio: large/demo;\n RSS MB: the process's high-water mark after that row)"
        )
        failed = False
        labels = [label for label, _, _ in variants["large"]]
        labels += [label for label, _, _ in variants["demo"] if label not in labels]
        for label in labels:
            demo_r, large_r = results["demo"].get(label), results["large"].get(label)
            if large_r is None:
                print(f"{label:<56}{demo_r['warm']:>8.3f}  (not on the large trust)")
                continue
            error = large_r["error"] or (demo_r or {}).get("error")
            failed |= bool(error)
            ratio = f"{large_r['warm'] / demo_r['warm']:.1f}x" if demo_r else "—"
            demo_s = f"{demo_r['warm']:.3f}" if demo_r else "—"
            outcome = "ERROR (time not valid): " + error if error else verdict(large_r["warm"] <= PAGE_TARGET_S)
            if not error and large_r["cold"] > PAGE_TARGET_S:
                outcome += " (cold MISS)"
            print(
                f"{label:<56}{demo_s:>8}{large_r['cold']:>13.3f}{large_r['warm']:>9.3f}{ratio:>7}"
                f"{large_r['peak_mb']:>8.0f}  <= {PAGE_TARGET_S:g} s {outcome}"
            )
        for label in calls["large"]:
            (_, demo_s, _), (cold, warm, mb) = calls["demo"][label], calls["large"][label]
            target = (
                f"<= {CHECKS_TARGET_S:g} s {verdict(warm <= CHECKS_TARGET_S)}"
                if label.startswith("check")
                else "(no target)"
            )
            print(f"{label:<56}{demo_s:>8.3f}{cold:>13.3f}{warm:>9.3f}{warm / demo_s:>6.1f}x{mb:>8.0f}  {target}")
        print(f"{'AppTest overhead (a one-line page)':<56}{'':>8}{'':>13}{floor:>9.3f}")
        print(
            f"{'peak RSS, whole process (MB)':<56}{'':>8}{'':>13}{final_mb:>9.0f}{'':>15}  "
            f"<= {MEMORY_TARGET_MB:.0f} MB {verdict(final_mb <= MEMORY_TARGET_MB)} "
            f"(after build+load {after_build_mb:.0f}, after pages {after_pages_mb:.0f})"
        )

        if args.profile:
            os.environ["GOLDEN_THREAD_DB"] = str(large_db)
            for label, page, query in variants["large"]:
                if results["large"][label]["warm"] > PAGE_TARGET_S:
                    app = open_page(page, query)
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
