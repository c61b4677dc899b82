"""Chart-engine benchmark: a run chart (Anhoej) and an XmR chart (Making Data Count) over 10,000 series x 60 months.

Usage, from the repository root:  python bench/spc_bench.py [--series N] [--repeats R] [--qikit-series M]

One run reports three ratios, each the median over ``--repeats`` repeats in which the two sides are timed
back to back (so a busy machine slows both alike):

1. clinical-qikit per series / ours per series: ``qikit.qic`` once per series (a run chart and an I chart,
   as its users call it) on the first M series, against our one call over all N series. Target >= 50x.
2. ours / bare numpy: the same arithmetic written directly in numpy on an N x 60 matrix (``bare_run`` and
   ``bare_xmr_mdc`` below: median, longest run and crossings; mean, screened moving ranges, 3- and 2-sigma
   limits, astronomical points, 7-point shift, 7-point trend, 2 of 3 near a limit, the rule priority and the
   point type), with no frame in or out. Target <= 4x.
3. small call / large call, per series: ``analyse`` on a page's worth of series (1, 10, 50, 300) against the
   N-series call, in CPU time (other work on the machine stretches the wall time of short calls most). The
   fixed cost of a call is the 1-series figure. Target: a 300-series call <= 2x.

Also the peak RSS increase of one full analysis, measured in a fresh process (target <= 500 MB), and a check
that the bare numpy arithmetic finds what the engine finds. Targets are reported, never asserted: the script
exits 0 either way.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import resource
import statistics
import subprocess
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout without installing
from golden_thread.spc.anhoej import fewest_crossings, longest_run_limit  # noqa: E402
from golden_thread.spc.engine import SETTINGS_SCHEMA, analyse  # noqa: E402

POINTS = 60  # five years of monthly points
QIKIT_SERIES = 500  # qikit is called once per series, so it gets a subset
SMALL_CALLS = (1, 10, 50, 300)  # a page's series, and the call the issue measured
TARGET_QIKIT, TARGET_NUMPY, TARGET_SMALL, TARGET_MB = 50.0, 4.0, 2.0, 500.0
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


# ---- the same arithmetic in bare numpy: one row of the matrix per series, codes out, no frame -------------

LONGEST_RUN_MAX = np.array([0] + [longest_run_limit(n) for n in range(1, POINTS + 1)])
CROSSINGS_MIN = np.array([0] + [fewest_crossings(n) for n in range(1, POINTS + 1)])


def _run_lengths(keys: np.ndarray) -> np.ndarray:
    """For each cell, the length of the run of equal keys along its row that it belongs to."""
    flat = keys.ravel()
    start = np.empty(flat.size, dtype=bool)
    start[0] = True
    np.not_equal(flat[1:], flat[:-1], out=start[1:])
    start[:: keys.shape[1]] = True
    first = np.flatnonzero(start)
    length = np.diff(np.append(first, flat.size))
    return np.repeat(length, length).reshape(keys.shape)


def bare_run(y: np.ndarray) -> tuple[np.ndarray, ...]:
    """Run chart: median, then longest run and crossings over the useful points, and the signal."""
    rows, width = y.shape
    ordered = np.sort(y, axis=1)
    median = (ordered[:, (width - 1) // 2] + ordered[:, width // 2]) / 2
    side = np.sign(y - median[:, None])
    row, col = np.nonzero(side)
    useful_side = side[row, col]
    start = np.empty(useful_side.size, dtype=bool)
    start[0] = True
    start[1:] = (useful_side[1:] != useful_side[:-1]) | (row[1:] != row[:-1])
    first = np.flatnonzero(start)
    length = np.diff(np.append(first, useful_side.size))
    run_row = row[first]
    n_useful = np.bincount(row, minlength=rows)
    runs = np.bincount(run_row, minlength=rows)
    row_first = np.flatnonzero(np.r_[True, run_row[1:] != run_row[:-1]])
    longest = np.zeros(rows, dtype=np.int64)
    longest[run_row[row_first]] = np.maximum.reduceat(length, row_first)
    signal = (longest > LONGEST_RUN_MAX[n_useful]) | (runs - 1 < CROSSINGS_MIN[n_useful])
    return median, n_useful, longest, runs - 1, signal


def bare_xmr_mdc(y: np.ndarray, direction: int = 1) -> tuple[np.ndarray, ...]:
    """XmR chart under Making Data Count: limits from the screened moving ranges, then the four rules."""
    mean = y.mean(axis=1)
    ranges = np.abs(np.diff(y, axis=1))
    amr = ranges.mean(axis=1)
    kept = ranges < 3.267 * amr[:, None]
    amr = np.where(kept, ranges, 0).sum(axis=1) / kept.sum(axis=1)
    sigma = amr * 2.66 / 3
    lcl, ucl = mean - 3 * sigma, mean + 3 * sigma
    lcl_95, ucl_95 = mean - 2 * sigma, mean + 2 * sigma
    outside = (y > ucl[:, None]) | (y < lcl[:, None])
    side = np.sign(y - mean[:, None]).astype(np.int8)
    shift = (side != 0) & (_run_lengths(side) >= 7)
    step = np.zeros(y.shape, dtype=np.int8)
    step[:, 1:] = np.sign(np.diff(y, axis=1))
    in_trend = (step != 0) & (_run_lengths(step) >= 6)
    trend = in_trend.copy()
    trend[:, :-1] |= in_trend[:, 1:]
    next_trend, next_step = np.zeros_like(trend), np.zeros_like(step)
    next_trend[:, :-1], next_step[:, :-1] = trend[:, 1:], step[:, 1:]
    trend_side = np.where(trend & next_trend, next_step, step)
    close = ~outside & ((y < lcl_95[:, None]) | (y > ucl_95[:, None]))
    near = close.astype(np.int8)
    window = ((near[:, :-2] + near[:, 1:-1] + near[:, 2:]) >= 2) & (
        np.abs(side[:, :-2] + side[:, 1:-1] + side[:, 2:]) == 3
    )
    in_window = np.zeros_like(close)
    in_window[:, :-2] |= window
    in_window[:, 1:-1] |= window
    in_window[:, 2:] |= window
    rule = np.select([outside, trend, close & in_window, shift], [1, 2, 3, 4], 0).astype(np.int8)
    signal_side = np.where(rule == 2, trend_side, np.where(side > 0, 1, -1)).astype(np.int8)
    signal_side[rule == 0] = 0
    kind = np.where(signal_side == 0, 0, np.where(signal_side * direction > 0, 1, 2)).astype(np.int8)
    return mean, lcl, ucl, rule, kind


def check_agreement(points: pl.DataFrame, matrix: np.ndarray) -> str:
    """The bare numpy finds what the engine finds: same centre lines and limits (to 1e-9), same signals."""
    series = matrix.shape[0]
    run = analyse(points, make_settings(series, "run", "anhoej"))
    median, n_useful, longest, crossings, run_signal = bare_run(matrix)
    xmr = analyse(points, make_settings(series, "xmr", "mdc"))
    mean, lcl, ucl, rule, kind = bare_xmr_mdc(matrix)
    first = slice(None, None, POINTS)
    same = (
        np.allclose(run["cl"].to_numpy()[first], median, rtol=1e-9)
        and (run["n_useful"].to_numpy()[first] == n_useful).all()
        and (run["longest_run"].to_numpy()[first] == longest).all()
        and (run["n_crossings"].to_numpy()[first] == crossings).all()
        and (run["run_signal"].to_numpy()[first] == run_signal).all()
        and np.allclose(xmr["cl"].to_numpy()[first], mean, rtol=1e-9)
        and np.allclose(xmr["ucl"].to_numpy()[first], ucl, rtol=1e-9)
        and np.allclose(xmr["lcl"].to_numpy()[first], lcl, rtol=1e-9)
        and (xmr["special_cause_flag"].to_numpy() == (rule > 0).ravel()).all()
        and (xmr["shift_flag"].to_numpy() == (rule == 4).ravel()).all()
        and (xmr["trend_flag"].to_numpy() == (rule == 2).ravel()).all()
        and (xmr["two_in_three_flag"].to_numpy() == (rule == 3).ravel()).all()
        and (xmr["point_type"] == "special_cause_improvement").to_numpy().sum() == (kind == 1).sum()
    )
    flagged = int((rule > 0).sum())
    return (
        f"{'agree' if same else 'DISAGREE'} ({flagged:,} special-cause points, {int(run_signal.sum()):,} run signals)"
    )


# ---- timing ------------------------------------------------------------------------------------------------


def seconds(work: Callable[[], object]) -> tuple[float, float]:
    """Wall and CPU seconds of one call of ``work``."""
    wall, cpu = time.perf_counter(), time.process_time()
    work()
    return time.perf_counter() - wall, time.process_time() - cpu


def ours(points: pl.DataFrame, series: int) -> Callable[[], object]:
    run_settings, xmr_settings = make_settings(series, "run", "anhoej"), make_settings(series, "xmr", "mdc")
    return lambda: (analyse(points, run_settings), analyse(points, xmr_settings))


def qikit_calls(points: pl.DataFrame, series: int) -> Callable[[], object]:
    """qic() once per series: a run chart (Anhoej) and an I chart (method='ihi'). The per-series arrays are
    split out beforehand, so only qic() itself is timed."""
    import qikit

    parts = points.filter(pl.col("series") < series).partition_by("series", maintain_order=True)
    data = [(p["x"].to_list(), p["y"].to_numpy()) for p in parts]

    def once() -> None:
        for x, y in data:
            qikit.qic(x=x, y=y, chart="run", method="anhoej")
            qikit.qic(x=x, y=y, chart="i", method="ihi")

    return once


def small_call_times(points: pl.DataFrame, repeats: int) -> dict[int, tuple[float, float]]:
    """Median wall and CPU seconds of one run + XmR-MDC call on the first k series, for each small k."""
    out = {}
    for k in SMALL_CALLS:
        call = ours(points.filter(pl.col("series") < k), k)
        call()
        loops = max(repeats, int(0.2 / max(seconds(call)[0], 1e-6)))  # at least 0.2 s of calls
        walls, cpus = zip(*(seconds(call) for _ in range(loops)))
        out[k] = statistics.median(walls), statistics.median(cpus)
    return out


def memory_probe(series: int) -> None:
    """In a fresh process: peak RSS before and after one full analysis (run + XmR-MDC). Prints JSON.

    RSS, not tracemalloc: polars allocates in Rust, which tracemalloc does not see.
    """
    points = make_points(series)
    call = ours(points, series)
    gc.collect()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    call()
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


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--qikit-series", type=int, default=QIKIT_SERIES)
    parser.add_argument("--memory-probe", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_probe:
        return memory_probe(args.series)

    load_at_start = os.getloadavg()[0]  # other work on the machine moves the times, much less the ratios
    # First, while this process is small: on Linux a child's ru_maxrss starts from its parent's high-water
    # mark (kept across fork/vfork + exec), so probing after the timings would hide the analysis' own peak.
    memory = peak_memory(args.series)
    points = make_points(args.series)
    matrix = points["y"].to_numpy().reshape(args.series, POINTS)
    large = ours(points, args.series)

    def bare() -> None:
        bare_run(matrix)
        bare_xmr_mdc(matrix)

    try:
        import qikit

        warnings.simplefilter("ignore")  # qikit warns about empty slices on some inputs
        theirs = qikit_calls(points, min(args.qikit_series, args.series))
        theirs()  # warm-up
    except ImportError as error:
        qikit, theirs = None, None
        skipped = f"cannot import qikit ({error}); `make bench` installs it from requirements-bench.lock"
    large(), bare()  # warm-up: imports, thread pool, first-call costs

    # Each repeat times each side back to back; the ratios are the medians of the per-repeat ratios.
    ours_s, ours_cpu, bare_s, qikit_s = [], [], [], []
    for _ in range(args.repeats):
        wall, cpu = seconds(large)
        ours_s.append(wall)
        ours_cpu.append(cpu)
        bare_s.append(seconds(bare)[0])
        if theirs is not None:
            qikit_s.append(seconds(theirs)[0])
    small = small_call_times(points, args.repeats)
    qikit_n = min(args.qikit_series, args.series)
    cpu_per_series = statistics.median(ours_cpu) / args.series
    numpy_ratio = statistics.median(o / b for o, b in zip(ours_s, bare_s))
    qikit_ratio = (
        statistics.median((q / qikit_n) / (o / args.series) for q, o in zip(qikit_s, ours_s)) if qikit_s else None
    )
    increase = memory["after_mb"] - memory["before_mb"]

    print(
        f"Golden Thread chart engine, polars {pl.__version__}, numpy {np.__version__}, Python "
        f"{sys.version.split()[0]}; {POINTS} monthly points per series; medians of {args.repeats} repeats; "
        f"load average {load_at_start:.1f} at the start, {os.getloadavg()[0]:.1f} at the end"
    )
    head = f"{'run chart + XmR with MDC rules':<46}{'series':>7}{'median ms':>11}{'µs/series':>11}{'ratio':>9}  target"
    print(head + "\n" + "-" * (len(head) + 10))

    def row(name: str, n: int, secs: float | None, ratio: str = "", target: str = "") -> None:
        timing = f"{secs * 1e3:11.1f}{secs / n * 1e6:11.1f}" if secs is not None else " " * 22
        print(f"{name:<46}{n:>7,}{timing}{ratio:>9}  {target}")

    row("ours: one call", args.series, statistics.median(ours_s))
    row("bare numpy: the same arithmetic, no frame", args.series, statistics.median(bare_s))
    row(
        "  ratio ours / bare numpy",
        args.series,
        None,
        f"{numpy_ratio:.1f}x",
        f"<= {TARGET_NUMPY:.0f}x {verdict(numpy_ratio <= TARGET_NUMPY)}",
    )
    if qikit_ratio is not None:
        row(f"qikit {qikit.__version__}: qic run + qic I, once per series", qikit_n, statistics.median(qikit_s))
        row(
            "  ratio qikit / ours, per series",
            args.series,
            None,
            f"{qikit_ratio:.0f}x",
            f">= {TARGET_QIKIT:.0f}x {verdict(qikit_ratio >= TARGET_QIKIT)}",
        )
    else:
        print(f"clinical-qikit baseline SKIPPED: {skipped}")
    for k, (secs, cpu) in small.items():
        ratio = cpu / k / cpu_per_series
        target = f"<= {TARGET_SMALL:.0f}x {verdict(ratio <= TARGET_SMALL)}" if k == max(SMALL_CALLS) else ""
        label = "ours: a small call" + (" (the fixed cost of a call)" if k == 1 else "")
        row(label, k, secs, f"{ratio:.1f}x", target)
    print(
        f"  (a small call's ratio: its CPU time per series over the {args.series:,}-series call's; CPU time, as other\n"
        "  work on the machine stretches the wall time of short calls most)\n"
        f"ours: peak RSS increase of one call: {increase:.0f} MB (fresh process: {memory['before_mb']:.0f} MB before, "
        f"{memory['after_mb']:.0f} MB peak)  <= {TARGET_MB:.0f} MB {verdict(increase <= TARGET_MB)}\n"
        f"bare numpy and the engine {check_agreement(points, matrix)}\n"
        "qikit: run chart method='anhoej' (longest run + crossings) and I chart method='ihi' (8-point shift, "
        "6-point trend, 3-sigma\n  points; it lacks 2 of 3), each qic() returning a pandas frame and a summary; "
        f"ours returns, per chart, one polars frame of 39\n  columns for all series ({args.series * POINTS:,} rows)."
    )


if __name__ == "__main__":
    main()
