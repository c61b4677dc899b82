"""Anhoej runs analysis (qicharts2 ``runs.analysis``, DOMAIN §11a), per (series, phase), over all series at once.

A phase's included points are compared with its centre line; points on the line and missing values
are not useful. The phase signals when its longest run is longer than round(log2(n_useful)) + 3
(Schilling 2012) or it crosses the centre line fewer than qbinom(0.05, n_useful - 1, 0.5) times
(Chen 2010). Every point of the phase carries the phase's result.
"""

from __future__ import annotations

import math
from functools import cache

import numpy as np

from golden_thread.spc.constants import CROSSINGS_QUANTILE, LONGEST_RUN_OFFSET
from golden_thread.spc.segments import Groups


@cache
def fewest_crossings(n_useful: int) -> int:
    """qbinom(0.05, n_useful - 1, 0.5): the smallest k with P(X <= k) >= 0.05, X ~ Bin(n_useful - 1, 1/2).

    Computed exactly in integers (P(X <= k) = sum C(m, i) / 2^m), so no rounding can move the limit.
    """
    trials = max(n_useful - 1, 0)
    # P(X <= k) >= q  <=>  sum_{i<=k} C(m, i) >= q * 2^m; q = 1/20 exactly.
    threshold_numerator, threshold_denominator = CROSSINGS_QUANTILE.as_integer_ratio()
    target = threshold_numerator * 2**trials
    cumulative = 0
    for k in range(trials + 1):
        cumulative += math.comb(trials, k)
        if cumulative * threshold_denominator >= target:
            return k
    return trials


@cache
def longest_run_limit(n_useful: int) -> int:
    """round(log2(n_useful)) + 3. log2 of an integer is never exactly x.5, so R's rounding rule is moot."""
    return int(math.floor(math.log2(n_useful) + 0.5)) + LONGEST_RUN_OFFSET


def runs_analysis(groups: Groups, analysed: np.ndarray, include: np.ndarray, side: np.ndarray) -> dict[str, np.ndarray]:
    """Per group: n_obs, n_useful, longest_run, longest_run_max, n_crossings, n_crossings_min and run_signal.

    Only groups where ``analysed`` holds (series under Anhoej rules; Making Data Count has its own shift and
    trend rules) are analysed; others get NaN counts and no run signal. ``side`` is each row's side of the
    centre line (-1, 0 or +1; 0 also where the value or the centre line is missing). Counts are floats with
    NaN for "none": the engine makes them whole numbers with nulls.
    """
    nothing = np.full(groups.count, np.nan)
    results = dict.fromkeys(RESULTS, nothing) | {"run_signal": np.zeros(groups.count, dtype=bool)}
    if not analysed.any():
        return results
    counted = include if analysed.all() else include & groups.expand(analysed)
    useful = counted & (side != 0)
    # The useful points alone, each group's still contiguous: ``offset`` is where each group's begin.
    n_useful = groups.counts(useful)
    sides = side[useful]
    offset = np.cumsum(n_useful) - n_useful
    phases = np.flatnonzero(n_useful)  # the groups with at least one useful point
    run_starts = np.zeros(sides.size, dtype=bool)
    np.not_equal(sides[1:], sides[:-1], out=run_starts[1:])
    run_starts[offset[phases]] = True
    run_length = np.diff(np.append(np.flatnonzero(run_starts), sides.size))

    runs, longest = nothing.copy(), nothing.copy()
    longest_max, crossings_min = nothing.copy(), nothing.copy()
    if phases.size:
        runs[phases] = np.add.reduceat(run_starts, offset[phases], dtype=np.intp)
        first_run = np.cumsum(runs[phases]).astype(np.intp) - runs[phases].astype(np.intp)
        longest[phases] = np.maximum.reduceat(run_length, first_run)
        # The limits depend on n_useful alone: worked out once per distinct count (np.unique's fixed cost is
        # more than a few groups' worth of cached look-ups).
        counts = n_useful[phases]
        distinct, which = (counts, slice(None)) if counts.size <= 64 else np.unique(counts, return_inverse=True)
        longest_max[phases] = np.array([longest_run_limit(n) for n in distinct.tolist()], dtype=float)[which]
        crossings_min[phases] = np.array([fewest_crossings(n) for n in distinct.tolist()], dtype=float)[which]
    crossings = runs - 1
    with np.errstate(invalid="ignore"):
        signal = (longest > longest_max) | (crossings < crossings_min)  # False where NaN
    return results | {
        "n_obs": np.where(analysed, groups.counts(counted), np.nan),
        "n_useful": np.where(analysed, n_useful.astype(float), np.nan),
        "longest_run": longest,
        "n_crossings": crossings,
        "longest_run_max": longest_max,
        "n_crossings_min": crossings_min,
        "run_signal": signal,
    }


RESULTS = ("n_obs", "n_useful", "longest_run", "n_crossings", "longest_run_max", "n_crossings_min")
