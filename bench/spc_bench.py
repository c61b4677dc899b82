"""Chart-engine benchmark: 10,000 series through a run chart (Anhoej rules) and an XmR chart (Making Data Count).

Usage, from the repository root:  python bench/spc_bench.py [--series N] [--repeats R]

Reports median wall time, per-series time, the peak RSS increase of one full analysis (measured in a fresh
process) and a per-series comparison with clinical-qikit (``qikit.qic``, called once per series as its users
would). Targets: run + XmR-with-MDC on 10,000 series <= 0.5 s, peak increase <= 500 MB, >= 20x faster per
series than clinical-qikit. Targets are reported, never asserted: the script exits 0 either way.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import resource
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout without installing
from golden_thread.spc.engine import SETTINGS_SCHEMA, analyse  # noqa: E402

POINTS = 60  # five years of monthly points
BASELINE_SERIES = 1_000  # qikit is called once per series, so it gets a subset
TARGET_SECONDS, TARGET_MB, TARGET_RATIO = 0.5, 500.0, 20.0
MONTHS = pl.date_range(dt.date(2021, 1, 1), dt.date(2025, 12, 1), "1mo", eager=True)


def make_points(series: int, seed: int = 20240601) -> pl.DataFrame:
    """Normal noise around a per-series level and spread; a third of the series step up or down part-way."""
    rng = np.random.default_rng(seed)
    level = rng.uniform(5, 500, series)[:, None]
    spread = level * rng.uniform(0.02, 0.15, series)[:, None]
    y = rng.normal(level, spread, (series, POINTS))
    shifted = rng.random(series) < 1 / 3
    at = rng.integers(20, 50, series)  # the shift starts late enough to have a baseline before it
    size = rng.choice([-1, 1], series) * rng.uniform(1, 3, series) * spread[:, 0]
    y += shifted[:, None] * (np.arange(POINTS)[None, :] >= at[:, None]) * size[:, None]
    total = series * POINTS
    return pl.DataFrame(
        {
            "series": np.repeat(np.arange(series, dtype=np.int64), POINTS),
            "x": pl.Series("x", np.tile(MONTHS.to_numpy(), series)).cast(pl.Date),
            "y": y.ravel(),
            "n": pl.Series([None] * total, dtype=pl.Float64),  # plain measures: no denominator
            "phase_start": np.zeros(total, dtype=bool),
            "exclude": np.zeros(total, dtype=bool),
        }
    )


def make_settings(series: int, chart: str, rules: str) -> pl.DataFrame:
    ids = np.arange(series, dtype=np.int64)
    return pl.DataFrame(
        {
            "series": ids,
            "chart": [chart] * series,
            "rules": [rules] * series,
            "baseline_points": [None] * series,
            "multiply": [1.0] * series,
            "screen": [True] * series,
            "direction": ["increase"] * series,
            "target": [None if i % 2 else 100.0 for i in ids],  # half the series have a target
        },
        schema=SETTINGS_SCHEMA,
    )


def time_ours(points: pl.DataFrame, series: int, repeats: int) -> tuple[float, float, float]:
    """Median seconds of the run-chart call, the XmR-MDC call, and the two together (same repeats)."""
    run_settings, xmr_settings = make_settings(series, "run", "anhoej"), make_settings(series, "xmr", "mdc")
    analyse(points, run_settings), analyse(points, xmr_settings)  # warm-up: thread pool, first-call costs
    runs, xmrs = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        analyse(points, run_settings)
        middle = time.perf_counter()
        analyse(points, xmr_settings)
        runs.append(middle - start)
        xmrs.append(time.perf_counter() - middle)
    totals = [a + b for a, b in zip(runs, xmrs)]
    return statistics.median(runs), statistics.median(xmrs), statistics.median(totals)


def memory_probe(series: int) -> None:
    """In a fresh process: peak RSS before and after one full analysis (run + XmR-MDC). Prints JSON.

    RSS, not tracemalloc: polars allocates in Rust, which tracemalloc does not see.
    """
    points = make_points(series)
    run_settings, xmr_settings = make_settings(series, "run", "anhoej"), make_settings(series, "xmr", "mdc")
    gc.collect()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    analyse(points, run_settings)
    analyse(points, xmr_settings)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"before_mb": before / 1024, "after_mb": after / 1024}))


def peak_memory(series: int) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--memory-probe", "--series", str(series)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def time_qikit(points: pl.DataFrame, series: int, repeats: int) -> float:
    """Median seconds for qic() once per series: a run chart (Anhoej) and an I chart (method='ihi').

    The per-series arrays are split out before timing, so only qic() itself is measured.
    """
    import qikit

    parts = points.filter(pl.col("series") < series).partition_by("series", maintain_order=True)
    data = [(p["x"].to_list(), p["y"].to_numpy()) for p in parts]

    def once() -> None:
        for x, y in data:
            qikit.qic(x=x, y=y, chart="run", method="anhoej")
            qikit.qic(x=x, y=y, chart="i", method="ihi")

    once()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        once()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--memory-probe", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_probe:
        return memory_probe(args.series)

    # First, while this process is small: on Linux a child's ru_maxrss starts from its parent's high-water
    # mark (kept across fork/vfork + exec), so probing after the timings would hide the analysis' own peak.
    memory = peak_memory(args.series)
    points = make_points(args.series)
    run_s, xmr_s, total_s = time_ours(points, args.series, args.repeats)
    sub_n = min(BASELINE_SERIES, args.series)
    subset = points.filter(pl.col("series") < sub_n)
    _, _, sub_total_s = time_ours(subset, sub_n, args.repeats)
    increase = memory["after_mb"] - memory["before_mb"]

    print(
        f"Golden Thread chart engine, polars {pl.__version__}, Python {sys.version.split()[0]}, "
        f"{POINTS} monthly points per series, median of {args.repeats} runs"
    )
    head = (
        f"{'measure':<42}{'series':>7}{'points':>9}{'median s':>10}{'µs/series':>11}{'peak MB':>8}{'ratio':>8}  target"
    )
    print(head + "\n" + "-" * (len(head) + 16))

    def row(name: str, n: int, seconds: float | None = None, mb: str = "", ratio: str = "", target: str = "") -> None:
        secs = f"{seconds:10.3f}{seconds / n * 1e6:11.1f}" if seconds is not None else " " * 21
        print(f"{name:<42}{n:>7,}{n * POINTS:>9,}{secs}{mb:>8}{ratio:>8}  {target}")

    row("ours: run chart (Anhoej)", args.series, run_s)
    row("ours: XmR with MDC rules", args.series, xmr_s)
    row(
        "ours: run-chart + XmR-with-MDC",
        args.series,
        total_s,
        target=f"<= {TARGET_SECONDS} s {verdict(total_s <= TARGET_SECONDS)}",
    )
    row(
        "ours: peak RSS increase, run + XmR-MDC",
        args.series,
        mb=f"{increase:.0f}",
        target=f"<= {TARGET_MB:.0f} MB {verdict(increase <= TARGET_MB)} "
        f"(fresh process: {memory['before_mb']:.0f} MB before, {memory['after_mb']:.0f} MB peak)",
    )
    row("ours: run-chart + XmR-with-MDC, subset", sub_n, sub_total_s)

    try:
        import qikit
    except ImportError as error:
        print(
            f"clinical-qikit baseline SKIPPED: cannot import qikit ({error}); "
            "`make bench` installs it from requirements-bench.lock"
        )
        return
    # qikit warns about empty slices on some inputs; the warnings would only flood the output.
    warnings.simplefilter("ignore")
    qikit_s = time_qikit(points, sub_n, args.repeats)
    row(f"qikit {qikit.__version__}: qic run + qic I, once/series", sub_n, qikit_s)
    theirs = qikit_s / sub_n
    for n, ours_seconds in ((args.series, total_s), (sub_n, sub_total_s)):
        ratio = theirs / (ours_seconds / n)
        row(
            f"ratio qikit/ours per series, {n:,} call",
            n,
            ratio=f"{ratio:.1f}x",
            target=f">= {TARGET_RATIO:.0f}x {verdict(ratio >= TARGET_RATIO)}",
        )
    print(
        "qikit: run chart method='anhoej' (longest run + crossings); I chart method='ihi' (8-point shift, "
        "6-point trend)\n  plus its 3-sigma points: the closest qikit has to MDC's four rules (it lacks 2-in-3); "
        "its limits are screened AMR/1.128\n  (ours under MDC: 2.66 x AMR). Each qic() returns a pandas frame "
        "and a summary; ours is one polars frame for all series."
    )


if __name__ == "__main__":
    main()
