"""Making Data Count's four special-cause rules (NHSRplotthedots ``ptd_calculate_point_type``, DOMAIN §11c).

One small function per rule, each over a whole frame of series, grouped by (series, phase): a phase is
a rebase group, so no run spans a rebase. Rules see the points that have a value, in time order.
Priority when several rules flag a point: astronomical > trend > two-in-three > shift.
"""

from __future__ import annotations

import polars as pl

from golden_thread.spc.constants import (
    MDC_SHIFT_POINTS,
    MDC_SHORT_GROUP_POINTS,
    MDC_TREND_POINTS,
    MDC_TWO_IN_THREE_WINDOW,
)

GROUP = ["series", "phase"]
_value = pl.col("value")


def _over(expr: pl.Expr) -> pl.Expr:
    return expr.over(GROUP)


def _with_run_lengths(frame: pl.DataFrame, key: str) -> pl.DataFrame:
    """Add ``{key}_run_length``: how long the run of equal consecutive ``key`` values each point is in."""
    run_id = _over((pl.col(key) != pl.col(key).shift(1)).fill_null(True).cast(pl.Int32).cum_sum())
    frame = frame.with_columns(run_id.alias("_run"))
    return frame.with_columns(pl.len().over(GROUP + ["_run"]).alias(f"{key}_run_length")).drop("_run")


def astronomical_point() -> pl.Expr:
    """A point strictly outside the 3-sigma limits."""
    return ((_value > pl.col("ucl")) | (_value < pl.col("lcl"))).fill_null(False)


def shift() -> pl.Expr:
    """Seven or more points in a row on the same side of the mean; a point on the mean breaks the run."""
    side = pl.col("relative_to_mean")
    return (side != 0) & (pl.col("relative_to_mean_run_length") >= MDC_SHIFT_POINTS)


def _step() -> pl.Expr:
    """Sign of the change from the previous point (0 for the first point of a phase)."""
    return _over((_value - _value.shift(1)).sign()).fill_null(0)


def trend() -> pl.Expr:
    """Seven or more points in a row all increasing or all decreasing; equal neighbours break it.

    Seven points make six steps of the same sign: every step of such a run is flagged, and so is the
    point the run starts from.
    """
    step = pl.col("step")
    in_trending_steps = (step != 0) & (pl.col("step_run_length") >= MDC_TREND_POINTS - 1)
    return in_trending_steps | _over(in_trending_steps.shift(-1)).fill_null(False)


def trend_direction() -> pl.Expr:
    """Which way a trending point trends: the step to its right inside the trend, else the step to its left."""
    trend_flag = pl.col("trend_flag")
    next_in_trend = _over(trend_flag.shift(-1)).fill_null(False)
    return pl.when(trend_flag & next_in_trend).then(_over(pl.col("step").shift(-1))).otherwise(pl.col("step"))


def two_in_three() -> pl.Expr:
    """Two of three points in a row between 2 and 3 sigma, with all three on the same side of the mean.

    Only the points in the band are flagged.
    """
    close = pl.col("close_to_limits").cast(pl.Int32)
    side = pl.col("relative_to_mean")
    width = MDC_TWO_IN_THREE_WINDOW
    close_count = sum(_over(close.shift(-k)) for k in range(width))
    side_sum = sum(_over(side.shift(-k)) for k in range(width))
    window_starts_here = ((close_count >= 2) & (side_sum.abs() == width)).fill_null(False)
    in_a_window = pl.any_horizontal(_over(window_starts_here.shift(k)).fill_null(False) for k in range(width))
    return pl.col("close_to_limits") & in_a_window


def classify(frame: pl.DataFrame) -> pl.DataFrame:
    """Add the Making Data Count columns to every point of every series (rules apply where rules == 'mdc')."""
    valued = frame.filter(_value.is_not_null()).select(
        "row", "series", "phase", "value", "cl", "lcl", "ucl", "lcl_95", "ucl_95", "direction"
    )
    valued = valued.with_columns(
        relative_to_mean=(_value - pl.col("cl")).sign().fill_null(0).cast(pl.Int8),
        outside_limits=astronomical_point(),
        step=_step(),
    )
    valued = _with_run_lengths(_with_run_lengths(valued, "relative_to_mean"), "step")
    valued = valued.with_columns(
        close_to_limits=(~pl.col("outside_limits") & ((_value < pl.col("lcl_95")) | (_value > pl.col("ucl_95")))).fill_null(
            False
        ),
        shift_flag=shift(),
        trend_flag=trend(),
    )
    valued = valued.with_columns(two_in_three_flag=two_in_three(), trend_direction=trend_direction())

    above = pl.col("relative_to_mean") > 0
    special_cause_type = (
        pl.when(pl.col("outside_limits"))
        .then(pl.when(pl.col("relative_to_mean") == 1).then(pl.lit("Above UCL")).otherwise(pl.lit("Below LCL")))
        .when(pl.col("trend_flag"))
        .then(
            pl.when(pl.col("trend_direction") == 1)
            .then(pl.lit("7 Point Trend (Increasing)"))
            .otherwise(pl.lit("7 Point Trend (Decreasing)"))
        )
        .when(pl.col("two_in_three_flag"))
        .then(pl.when(above).then(pl.lit("2 in 3 Above CL")).otherwise(pl.lit("2 in 3 Below CL")))
        .when(pl.col("shift_flag"))
        .then(pl.when(above).then(pl.lit("7 Points Above CL")).otherwise(pl.lit("7 Points Below CL")))
        .otherwise(pl.lit("Common Cause"))
    )
    valued = valued.with_columns(special_cause_type=special_cause_type)
    # Each rule's flag names the rule that classified the point, so one point carries one flag, as
    # NHSRplotthedots 0.2.2 reports them (a trend point is not also a two-in-three point).
    rule = pl.col("special_cause_type")
    valued = valued.with_columns(
        trend_flag=rule.str.starts_with("7 Point Trend"),
        two_in_three_flag=rule.str.starts_with("2 in 3"),
        shift_flag=rule.str.starts_with("7 Points"),
        special_cause_flag=rule != "Common Cause",
        point_type=point_type(pl.col("special_cause_type"), pl.col("direction")),
    )
    columns = [
        "relative_to_mean", "close_to_limits", "shift_flag", "trend_flag", "two_in_three_flag",
        "special_cause_flag", "special_cause_type", "point_type",
    ]
    frame = frame.join(valued.select(["row"] + columns), on="row", how="left")
    return frame.with_columns(
        short_group_warning=pl.len().over(GROUP) < MDC_SHORT_GROUP_POINTS,
        special_cause_type=pl.col("special_cause_type").fill_null("Common Cause"),
        point_type=pl.col("point_type").fill_null("common_cause"),
        **{c: pl.col(c).fill_null(False) for c in columns if c.endswith(("_flag", "_limits"))},
    )


def point_type(special_cause_type: pl.Expr, direction: pl.Expr) -> pl.Expr:
    """Improvement, concern or neutral high/low, from the rule's side and the improvement direction."""
    high = special_cause_type.str.contains("Above|Increasing")
    low = special_cause_type.str.contains("Below|Decreasing")
    sign = pl.when(high).then(1).when(low).then(-1).otherwise(0)
    oriented = sign * pl.when(direction == "increase").then(1).when(direction == "decrease").then(-1).otherwise(0)
    return (
        pl.when(sign == 0)
        .then(pl.lit("common_cause"))
        .when(direction == "neutral")
        .then(pl.when(sign > 0).then(pl.lit("special_cause_neutral_high")).otherwise(pl.lit("special_cause_neutral_low")))
        .when(oriented > 0)
        .then(pl.lit("special_cause_improvement"))
        .otherwise(pl.lit("special_cause_concern"))
    )


def assurance_icon(target: float | None, direction: str, lcl: float | None, ucl: float | None) -> str | None:
    """Will the process meet its target? Judged from the latest point's 3-sigma limits (DOMAIN §3.5)."""
    if target is None or direction == "neutral" or lcl is None or ucl is None:
        return None
    if target > ucl:
        return "consistent_fail" if direction == "increase" else "consistent_pass"
    if target < lcl:
        return "consistent_pass" if direction == "increase" else "consistent_fail"
    return "inconsistent"
