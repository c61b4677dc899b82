"""Signal-to-test attribution: which PDSA cycles started in the months before a measure's special cause.

Not proof of cause; a list for the people who ran the tests to look at ("what did we change just before
this moved?"). The window is a named constant so a committee can see the rule.
"""

from __future__ import annotations

import polars as pl

MONTHS_BEFORE_SIGNAL = 3


def signal_starts(points: pl.DataFrame) -> pl.DataFrame:
    """The first period of each run of special-cause points (same point type, consecutive), per phase."""
    flagged = points.sort("x").with_columns(
        run=((pl.col("point_type") != pl.col("point_type").shift(1)) | (pl.col("phase") != pl.col("phase").shift(1)))
        .fill_null(True)
        .cum_sum()
    )
    return (
        flagged.filter(pl.col("special_cause_flag"))
        .group_by("run", maintain_order=True)
        .agg(
            signal_start=pl.col("x").first(),
            point_type=pl.col("point_type").first(),
            rule=pl.col("special_cause_type").first(),
            points=pl.len(),
        )
        .drop("run")
    )


def cycles_before_signals(
    points: pl.DataFrame, cycles: pl.DataFrame, months: int = MONTHS_BEFORE_SIGNAL
) -> pl.DataFrame:
    """Each signal with the PDSA cycles (and their change ideas) that started in the ``months`` before it."""
    signals = signal_starts(points)
    if signals.height == 0 or cycles.height == 0:
        return pl.DataFrame()
    window_start = pl.col("signal_start").dt.offset_by(f"-{months}mo")
    return (
        signals.join(cycles, how="cross")
        .filter((pl.col("start_date") >= window_start) & (pl.col("start_date") <= pl.col("signal_start")))
        .select("signal_start", "rule", "point_type", "title", "change_idea", "project", "start_date", "act_decision")
        .sort("signal_start", "start_date")
    )
