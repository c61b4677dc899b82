"""Anhoej runs analysis (qicharts2 ``runs.analysis``, DOMAIN §11a), per (series, phase), vectorised.

A phase's included points are compared with its centre line; points on the line and missing values
are not useful. The phase signals when its longest run is longer than round(log2(n_useful)) + 3
(Schilling 2012) or it crosses the centre line fewer than qbinom(0.05, n_useful - 1, 0.5) times
(Chen 2010). Every point of the phase carries the phase's result.
"""

from __future__ import annotations

import math
from functools import cache

import polars as pl

from golden_thread.spc.constants import CROSSINGS_QUANTILE, LONGEST_RUN_OFFSET

GROUP = ["group_id"]  # one id per (series, phase), numbered by the engine in sorted order


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


def longest_run_limit(n_useful: int) -> int:
    """round(log2(n_useful)) + 3. log2 of an integer is never exactly x.5, so R's rounding rule is moot."""
    return int(math.floor(math.log2(n_useful) + 0.5)) + LONGEST_RUN_OFFSET


def runs_analysis(frame: pl.DataFrame) -> pl.DataFrame:
    """Add n_obs, n_useful, longest_run, longest_run_max, n_crossings, n_crossings_min and run_signal.

    Only series under Anhoej rules are analysed (Making Data Count has its own shift and trend rules);
    others get empty counts and no run signal.
    """
    included = frame.filter(pl.col("include") & (pl.col("rules") == "anhoej"))
    n_obs = included.group_by(GROUP).agg(n_obs=pl.len())

    side = (pl.col("value") - pl.col("cl")).sign()
    useful = included.with_columns(side=side).filter(pl.col("side").is_not_null() & (pl.col("side") != 0))
    run_starts = (pl.col("side") != pl.col("side").shift(1)) | (pl.col("group_id") != pl.col("group_id").shift(1))
    useful = useful.with_columns(run_id=run_starts.fill_null(True).cast(pl.Int32).cum_sum().set_sorted())
    runs = useful.group_by(GROUP + ["run_id"]).agg(length=pl.len())
    per_phase = runs.group_by(GROUP).agg(
        n_useful=pl.col("length").sum(),
        longest_run=pl.col("length").max(),
        n_crossings=pl.len() - 1,
    )
    distinct = per_phase.select(pl.col("n_useful").unique()).to_series().to_list()
    thresholds = pl.DataFrame(
        {
            "n_useful": distinct,
            "longest_run_max": [longest_run_limit(n) for n in distinct],
            "n_crossings_min": [fewest_crossings(n) for n in distinct],
        },
        schema={"n_useful": per_phase.schema["n_useful"], "longest_run_max": pl.Int64, "n_crossings_min": pl.Int64},
    )
    per_phase = per_phase.join(thresholds, on="n_useful", how="left")

    frame = frame.join(n_obs, on=GROUP, how="left").join(per_phase, on=GROUP, how="left")
    anhoej = pl.col("rules") == "anhoej"
    return frame.with_columns(
        n_obs=pl.when(anhoej).then(pl.col("n_obs").fill_null(0)),
        n_useful=pl.when(anhoej).then(pl.col("n_useful").fill_null(0)),
        run_signal=(
            (pl.col("longest_run") > pl.col("longest_run_max")) | (pl.col("n_crossings") < pl.col("n_crossings_min"))
        ).fill_null(False),
    )
