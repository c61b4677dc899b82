"""Making Data Count's four special-cause rules (NHSRplotthedots ``ptd_calculate_point_type``, DOMAIN §11c).

One small function per rule, each over a whole frame of series, grouped by (series, phase): a phase is
a rebase group, so no run spans a rebase. Rules see every row in time order, missing values included, as
NHSRplotthedots does (it never drops an NA row): a missing value breaks a run of one side, a trend and a
two-in-three window, because R's comparisons with NA are never TRUE (R/ptd_calculate_point_type.R lines
29-35, 46-65 and 67-80), and the missing point itself is "Common Cause" (the ``.default`` of line 107).
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

GROUP = ["group_id"]  # one id per (series, phase), numbered by the engine in sorted order
_value = pl.col("value")
_group = pl.col("group_id")


def _shifted(expr: pl.Expr, k: int) -> pl.Expr:
    """``expr`` from k rows earlier (k < 0: later) within the same (series, phase) group, else null.

    The frame is sorted by group, so a plain shift guarded by the group id does what ``.over`` would,
    at a fraction of the cost on tens of thousands of groups.
    """
    return pl.when(_group.shift(k) == _group).then(expr.shift(k))


def _run_length(key: str) -> pl.Expr:
    """How long the run of equal consecutive ``key`` values is that each point belongs to."""
    return pl.len().over(f"{key}_run")


def _run_id(key: str) -> pl.Expr:
    starts = (pl.col(key) != pl.col(key).shift(1)) | (_group != _group.shift(1))
    return starts.fill_null(True).cast(pl.Int32).cum_sum().set_sorted().alias(f"{key}_run")


def astronomical_point() -> pl.Expr:
    """A point strictly outside the 3-sigma limits."""
    return ((_value > pl.col("ucl")) | (_value < pl.col("lcl"))).fill_null(False)


def shift() -> pl.Expr:
    """Seven or more points in a row on the same side of the mean; a point on the mean breaks the run."""
    return (pl.col("relative_to_mean") != 0) & (_run_length("relative_to_mean") >= MDC_SHIFT_POINTS)


def _step() -> pl.Expr:
    """Sign of the change from the previous point (0 for the first point of a phase, and next to a missing
    value: ``ptd_seven_point_trend`` finds no trend in a window holding an NA, R/ptd_calculate_point_type.R
    lines 55-62; where R stops with "missing value where TRUE/FALSE needed" because every other step of
    such a window agrees, we find no trend either)."""
    return (_value - _shifted(_value, 1)).sign().fill_null(0).cast(pl.Int8)


def trend() -> pl.Expr:
    """Seven or more points in a row all increasing or all decreasing; equal neighbours break it.

    Seven points make six steps of the same sign: every step of such a run is flagged, and so is the
    point the run starts from.
    """
    step = pl.col("step")
    in_trending_steps = (step != 0) & (_run_length("step") >= MDC_TREND_POINTS - 1)
    return in_trending_steps | _shifted(in_trending_steps, -1).fill_null(False)


def trend_direction() -> pl.Expr:
    """Which way a trending point trends: the step to its right inside the trend, else the step to its left."""
    next_in_trend = _shifted(pl.col("trend_flag"), -1).fill_null(False)
    return pl.when(pl.col("trend_flag") & next_in_trend).then(_shifted(pl.col("step"), -1)).otherwise(pl.col("step"))


def two_in_three() -> pl.Expr:
    """Two of three points in a row between 2 and 3 sigma, with all three on the same side of the mean.

    Only the points in the band are flagged.
    """
    close = pl.col("close_to_limits").cast(pl.Int32)
    side = pl.col("relative_to_mean").cast(pl.Int32)
    width = MDC_TWO_IN_THREE_WINDOW
    close_count = sum(_shifted(close, -k) for k in range(width))
    side_sum = sum(_shifted(side, -k) for k in range(width))
    window_starts_here = ((close_count >= 2) & (side_sum.abs() == width)).fill_null(False)
    in_a_window = pl.any_horizontal(_shifted(window_starts_here, k).fill_null(False) for k in range(width))
    return pl.col("close_to_limits") & in_a_window


# The rules' names as Making Data Count labels them, by priority code and side.
_LABELS = {
    (1, 1): "Above UCL",
    (1, -1): "Below LCL",
    (2, 1): "7 Point Trend (Increasing)",
    (2, -1): "7 Point Trend (Decreasing)",
    (3, 1): "2 in 3 Above CL",
    (3, -1): "2 in 3 Below CL",
    (4, 1): "7 Points Above CL",
    (4, -1): "7 Points Below CL",
}


def classify(frame: pl.DataFrame) -> pl.DataFrame:
    """Add the Making Data Count columns to the points of every series whose rules are 'mdc'."""
    valued = frame.filter(pl.col("rules") == "mdc").select(
        "row", "group_id", "value", "lcl", "ucl", "lcl_95", "ucl_95", "direction", "cl"
    )
    missing = _value.is_null()
    valued = valued.with_columns(
        # 0 on the mean (or with no mean); NA at a missing value (R: sign(NA - mean) is NA).
        relative_to_mean=pl.when(~missing).then((_value - pl.col("cl")).sign().fill_null(0)).cast(pl.Int8),
        outside_limits=astronomical_point(),
        step=_step(),
    )
    valued = valued.with_columns(_run_id("relative_to_mean"), _run_id("step"))
    valued = valued.with_columns(
        # NA at a missing value, as ``!outside_limits & (y < nlpl | y > nupl)`` is in R (R/ptd_spc_standard.R
        # line 93); a window of two-in-three holding it counts nothing.
        close_to_limits=pl.when(~missing).then(
            (~pl.col("outside_limits") & ((_value < pl.col("lcl_95")) | (_value > pl.col("ucl_95")))).fill_null(False)
        ),
        shift_any=shift(),
        trend_flag=trend(),
    )
    valued = valued.with_columns(two_in_three_any=two_in_three(), trend_direction=trend_direction())

    # Priority: astronomical > trend > two-in-three > shift. Each rule's flag then names the rule that
    # classified the point, so one point carries one flag, as NHSRplotthedots 0.2.2 reports them.
    rule = (
        pl.when(pl.col("outside_limits"))
        .then(1)
        .when(pl.col("trend_flag"))
        .then(2)
        .when(pl.col("two_in_three_any"))
        .then(3)
        .when(pl.col("shift_any"))
        .then(4)
        .otherwise(0)
    )
    side = (
        pl.when(pl.col("rule") == 2)
        .then(pl.col("trend_direction"))
        .otherwise(pl.when(pl.col("relative_to_mean") > 0).then(1).otherwise(-1))
    )
    valued = valued.with_columns(rule=rule).with_columns(side=pl.when(pl.col("rule") > 0).then(side).otherwise(0))
    label_key = (pl.col("rule") * 10 + pl.col("side")).cast(pl.Int32)
    valued = valued.with_columns(
        special_cause_type=label_key.replace_strict(
            {r * 10 + s: text for (r, s), text in _LABELS.items()}, default="Common Cause", return_dtype=pl.Utf8
        ),
        special_cause_flag=pl.col("rule") > 0,
        trend_flag=pl.col("rule") == 2,
        two_in_three_flag=pl.col("rule") == 3,
        shift_flag=pl.col("rule") == 4,
        point_type=point_type_from_side(pl.col("side"), pl.col("direction")),
    )
    columns = [
        "relative_to_mean",
        "close_to_limits",
        "shift_flag",
        "trend_flag",
        "two_in_three_flag",
        "special_cause_flag",
        "special_cause_type",
        "point_type",
    ]
    if valued.height == frame.height:  # every point valued and under these rules: same rows, same order
        frame = frame.with_columns(valued.select(columns))
    else:
        frame = frame.join(valued.select(["row"] + columns), on="row", how="left")
    is_mdc = pl.col("rules") == "mdc"
    return frame.with_columns(
        # ``dplyr::n()`` counts the group's rows, missing values included (R/ptd_add_short_group_warnings.R).
        short_group_warning=pl.len().over(GROUP) < MDC_SHORT_GROUP_POINTS,
        special_cause_type=pl.col("special_cause_type").fill_null("Common Cause"),
        point_type=pl.col("point_type").fill_null("common_cause"),
        relative_to_mean=pl.when(is_mdc)
        .then(pl.col("relative_to_mean"))
        .otherwise((_value - pl.col("cl")).sign().cast(pl.Int8)),
        close_to_limits=pl.when(is_mdc).then(pl.col("close_to_limits")).otherwise(pl.lit(False)),
        **{c: pl.col(c).fill_null(False) for c in columns if c.endswith("_flag")},
    )


def point_type_from_side(side: pl.Expr, direction: pl.Expr) -> pl.Expr:
    """Improvement, concern or neutral high/low, from the signal's side (+1 high, -1 low, 0 none)."""
    oriented = side * pl.when(direction == "increase").then(1).when(direction == "decrease").then(-1).otherwise(0)
    return (
        pl.when(side == 0)
        .then(pl.lit("common_cause"))
        .when(direction == "neutral")
        .then(
            pl.when(side > 0).then(pl.lit("special_cause_neutral_high")).otherwise(pl.lit("special_cause_neutral_low"))
        )
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
