"""Pages benchmark: the Network and Leadership screens' server time on the demo, against a plain page.

Usage, from the repository root:  .venv/bin/python bench/pages_bench.py [--repeats 5] [--profile]

Builds the demo (the trust with the education network beside it, as ``golden-thread demo`` loads it) into a
temporary DuckDB file, then opens each screen as ``tests/test_network.py`` opens it: ``AppTest`` on
``dashboard.py`` signed in as the demo user who works there, one run, then ``switch_page``. Each screen is timed

- cold: the run after Streamlit's caches (``st.cache_data`` and ``st.cache_resource``: the store is opened
  again, every cached view recomputed) are cleared, ``--repeats`` times;
- warm: the next ``--repeats`` runs with the caches full, as when someone clicks on the page.

The figures are medians of AppTest.run()'s wall time: the server script plus AppTest's parsing of its output
(the "AppTest overhead" row is that cost for a one-line page). The baseline, measured in the same run, is
"Aims and objectives" (``screens/home.py``), a page of a few queries and tables; "ratio" is a screen's median
over the baseline's, so figures from a slower or busier machine stay comparable. Python's imports are warmed
first by one untimed pass over every screen.

Target (issue 16): Network and Leadership <= 1 s median cold, and well below that warm. Targets are reported,
never asserted: the script exits 0 either way (1 only if a screen raised). ``--profile`` prints the top
functions (cProfile, cumulative) of one cold and one warm run of each screen but the baseline.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from a checkout without installing

import polars as pl  # noqa: E402
import streamlit as st  # noqa: E402
from streamlit import logger as streamlit_logger  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

from golden_thread.seed.loading import load_demo  # noqa: E402
from golden_thread.storage.store import Store  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
from scale_bench import profile_run  # noqa: E402 - one profiler for both benches

ENTRY = str(ROOT / "dashboard.py")
TARGET_S = 1.0
ROLES = {"hub": "improvement_lead", "lead": "improvement_lead", "board": "board_viewer", "eastbrook": "team_member"}


@dataclass(frozen=True)
class Case:
    label: str
    page: str  # under screens/
    user: str  # a demo account (tests/conftest.py, tests/test_network.py)
    query: dict[str, str] = field(default_factory=dict)
    baseline: bool = False


CASES = (
    Case("Aims and objectives (baseline), lead", "home.py", "lead", baseline=True),
    Case("Network, hub (education network)", "network.py", "hub"),
    Case("Network, eastbrook (a member school)", "network.py", "eastbrook"),
    Case("Leadership, lead (trust)", "leadership.py", "lead"),
    Case("Leadership, board: Board checklist tab", "leadership.py", "board", {"leadership-tab": "Board checklist"}),
    Case("Leadership, hub (education network)", "leadership.py", "hub"),
)


def quiet_streamlit() -> None:
    """Clearing the caches outside a run makes Streamlit warn about a missing run context; keep its errors only.
    A filter, not a level: AppTest resets Streamlit's log levels on each run."""
    for log in list(streamlit_logger._loggers.values()):
        if not getattr(log, "_bench_quiet", False):
            log.addFilter(lambda record: record.levelno >= logging.ERROR)
            log._bench_quiet = True


def clear_caches() -> None:
    st.cache_resource.clear()
    st.cache_data.clear()


def open_page(case: Case) -> AppTest:
    """An AppTest on the entry, signed in as the case's user, switched to its screen and run once."""
    app = AppTest.from_file(ENTRY, default_timeout=300)
    app.session_state["user"] = {"username": case.user, "display_name": case.user, "role": ROLES[case.user]}
    for key, value in case.query.items():
        app.query_params[key] = value
    app.run()
    app.switch_page(str(ROOT / "screens" / case.page))
    app.run()
    return app


def timed_run(app: AppTest) -> tuple[float, float]:
    """(wall time, the process's CPU time) of one run: on a busy machine the CPU time is the steadier figure."""
    start, cpu = time.perf_counter(), time.process_time()
    app.run()
    return time.perf_counter() - start, time.process_time() - cpu


def failure(app: AppTest) -> str | None:
    if app.exception:
        return "; ".join(str(e.value)[:200] for e in app.exception)
    return None


def time_case(case: Case, repeats: int) -> dict:
    app = open_page(case)
    cold = []
    for _ in range(repeats):
        clear_caches()
        cold.append(timed_run(app))
    warm = [timed_run(app) for _ in range(repeats)]
    return {
        "cold": statistics.median(t for t, _ in cold),
        "warm": statistics.median(t for t, _ in warm),
        "cold_cpu": statistics.median(c for _, c in cold),
        "warm_cpu": statistics.median(c for _, c in warm),
        "error": failure(app),
    }


def overhead(repeats: int, tmp: Path) -> float:
    """AppTest.run() on a one-line page: the floor under every figure below."""
    script = tmp / "one_line.py"
    script.write_text("import streamlit as st\nst.write('x')\n")
    app = AppTest.from_file(str(script), default_timeout=60)
    app.run()
    return statistics.median(timed_run(app)[0] for _ in range(repeats))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--profile", action="store_true", help="profile one cold and one warm run of each screen")
    parser.add_argument("--keep", type=Path, help="keep the demo database file in this directory")
    args = parser.parse_args()

    today = dt.date.today()
    tmp = Path(tempfile.mkdtemp(prefix="gt-pages-"))
    try:
        db = tmp / "demo.duckdb"
        store = Store(db)
        start = time.perf_counter()
        counts = load_demo(store, today)
        built_s = time.perf_counter() - start
        store.close()
        os.environ["GOLDEN_THREAD_DB"] = str(db)
        quiet_streamlit()

        print(
            f"Golden Thread pages bench, {today}, polars {pl.__version__}, streamlit {st.__version__}, "
            f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, median of {args.repeats} runs"
        )
        print(
            f"demo (trust and education network) built in {built_s:.2f} s: "
            + ", ".join(f"{counts.get(t, 0):,} {t}" for t in ("organisation", "project", "pdsa_cycle", "measure"))
        )
        clear_caches()
        for case in CASES:  # warm Python's imports: not timed
            open_page(case)
        quiet_streamlit()  # again, for the loggers of modules the screens imported
        floor = overhead(args.repeats, tmp)

        load = os.getloadavg()[0]
        results = {case.label: time_case(case, args.repeats) for case in CASES}
        base = next(results[c.label] for c in CASES if c.baseline)

        head = (
            f"{'screen, signed in as':<44}{'cold s':>8}{'warm s':>8}{'cold ×':>8}{'warm ×':>8}"
            f"{'cold cpu':>9}{'warm cpu':>9}  target"
        )
        print("\n" + head + "\n" + "-" * (len(head) + 24))
        print(
            "(cold ×, warm ×: the median over the baseline's median in this run; cpu: the process's CPU seconds,\n"
            f" the steadier figure when other work shares the machine; load average {load:.1f} at the start and "
            f"{os.getloadavg()[0]:.1f} at the end, on {os.cpu_count()} CPUs)"
        )
        failed = False
        for case in CASES:
            result = results[case.label]
            cold, warm = result["cold"], result["warm"]
            if result["error"]:
                failed = True
                outcome = "ERROR (time not valid): " + result["error"]
            elif case.baseline:
                outcome = "(baseline)"
            else:
                outcome = f"cold <= {TARGET_S:g} s " + ("PASS" if cold <= TARGET_S else "MISS")
            print(
                f"{case.label:<44}{cold:>8.3f}{warm:>8.3f}{cold / base['cold']:>7.1f}x"
                f"{warm / base['warm']:>7.1f}x{result['cold_cpu']:>9.3f}{result['warm_cpu']:>9.3f}  {outcome}"
            )
        print(f"{'AppTest overhead (a one-line page)':<44}{'':>8}{floor:>8.3f}")

        if args.profile:
            for case in CASES:
                if case.baseline:
                    continue
                app = open_page(case)
                clear_caches()
                print(f"\n== profile of one cold run: {case.label} ==\n{profile_run(app)}")
                print(f"\n== profile of one warm run: {case.label} ==\n{profile_run(app)}")
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            shutil.copy(db, args.keep / db.name)
            print(f"\ndatabase kept in {args.keep}")
        return 1 if failed else 0
    finally:
        clear_caches()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
