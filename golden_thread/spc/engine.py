"""The chart engine: every series of a frame through phases, limits and rules in one vectorised pass.

``analyse(points, settings)`` takes a long frame of points (many series at once) and one settings row
per series, and returns one row per point with its phase, centre line, limits and signals under both
rule sets. ``analyse_series`` is the same for one series with ``SpcOptions``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import polars as pl

from golden_thread.spc import anhoej, limits, mdc
from golden_thread.spc.options import RATIO_CHARTS, SpcOptions

SETTINGS_SCHEMA = {
    "series": pl.Int64,
    "chart": pl.Utf8,
    "rules": pl.Utf8,
    "baseline_points": pl.Int64,
    "multiply": pl.Float64,
    "screen": pl.Boolean,
    "direction": pl.Utf8,
    "target": pl.Float64,
}
SCALED_COLUMNS = ("value", "cl", "lcl", "ucl", "lcl_95", "ucl_95")


def analyse(points: pl.DataFrame, settings: pl.DataFrame) -> pl.DataFrame:
    """Compute every point of every series. Input order is kept in the output.

    ``points``: series, x, y, n (denominator or null), phase_start, exclude.
    ``settings``: one row per series: chart, rules, baseline_points, multiply, screen, direction, target.
    """
    frame = points.with_row_index("row").join(settings, on="series", how="left", maintain_order="left")
    in_order = frame.select(
        ((pl.col("series").diff() > 0) | ((pl.col("series").diff() == 0) & (pl.col("x") > pl.col("x").shift(1))))
        .fill_null(True)
        .all()
    ).item()
    if not in_order:
        frame = frame.sort(["series", "x"])
    # A subgroup is missing unless both its numerator and its denominator are given (qicharts2 R/qic.R
    # lines 261-266: ``cases <- complete.cases(y, n); y[!cases] <- NA; n[!cases] <- NA``). A missing
    # subgroup of a P/U chart then has denominator 0 (R/helper.functions.R line 564, ``sum(x$n, na.rm =
    # got.n)``), so its sigma is infinite and its limits are removed (lines 607-611): no limits are drawn
    # at a missing point of a P, P', U or U' chart.
    ratio = pl.col("chart").is_in(list(RATIO_CHARTS))
    complete = pl.col("y").is_not_null() & pl.col("n").is_not_null()
    frame = frame.with_columns(
        numerator=pl.when(~ratio | complete).then(pl.col("y")),
        denominator=pl.when(complete).then(pl.col("n")),
        value=pl.when(pl.col("n").is_not_null()).then(pl.col("y") / pl.col("n")).when(~ratio).then(pl.col("y")),
        phase=(1 + (pl.col("phase_start") & (pl.int_range(pl.len()) > 0)).cast(pl.Int32).cum_sum()).over("series"),
        include=~pl.col("exclude"),
    )
    new_group = (pl.col("series") != pl.col("series").shift(1)) | (pl.col("phase") != pl.col("phase").shift(1))
    # A running count only ever increases: telling polars so lets it group by it without hashing.
    frame = frame.with_columns(group_id=new_group.fill_null(True).cast(pl.Int32).cum_sum().set_sorted())
    position_in_phase = pl.int_range(pl.len()).over("group_id")
    # The first k rows of a phase, missing values included: qicharts2 ``d$baseline <- d$xx <= freeze``
    # (R/helper.functions.R line 585) and NHSRplotthedots ``fix_y = ifelse(dplyr::row_number() <=
    # fix_after_n_points, y, NA)`` (R/ptd_spc_standard.R line 67) both count rows, not values. ``base``
    # keeps a missing row in place so that the moving ranges either side of it are dropped, not bridged.
    in_first_rows = pl.col("baseline_points").is_null() | (position_in_phase < pl.col("baseline_points"))
    frame = frame.with_columns(baseline=in_first_rows).with_columns(base=pl.col("baseline") & pl.col("include"))

    frame = limits.control_limits(limits.centre_line(frame))
    frame = frame.with_columns(
        sigma_signal=((pl.col("value") > pl.col("ucl")) | (pl.col("value") < pl.col("lcl"))).fill_null(False)
    )
    frame = anhoej.runs_analysis(frame)  # computed for series under Anhoej rules only
    # The ``baseline`` column reports the points the centre and limits come from. qicharts2 reports its
    # position flag as is (a missing row inside ``freeze`` is TRUE, R/helper.functions.R line 585);
    # NHSRplotthedots' baseline is its ``fix_y`` column, which is NA at a missing value
    # (R/ptd_spc_standard.R line 67), so under Making Data Count rules a missing point is not in it.
    frame = frame.with_columns(
        baseline=pl.col("baseline") & ((pl.col("rules") != "mdc") | pl.col("value").is_not_null())
    )
    frame = mdc.classify(frame)
    frame = _anhoej_point_type(frame)
    frame = frame.with_columns(pl.col(c) * pl.col("multiply") for c in SCALED_COLUMNS)
    if not in_order:
        frame = frame.sort("row")
    return frame.drop("numerator", "denominator", "base", "sigma", "screen", "group_id")


def _anhoej_point_type(frame: pl.DataFrame) -> pl.DataFrame:
    """Under Anhoej rules only the 3-sigma test marks a point; its side and the direction name it."""
    side = pl.when(~pl.col("sigma_signal")).then(0).when(pl.col("value") > pl.col("ucl")).then(1).otherwise(-1)
    label = pl.when(side == 1).then(pl.lit("Above UCL")).when(side == -1).then(pl.lit("Below LCL"))
    is_anhoej = pl.col("rules") == "anhoej"
    return frame.with_columns(
        special_cause_type=pl.when(is_anhoej)
        .then(label.fill_null("Common Cause"))
        .otherwise(pl.col("special_cause_type")),
        point_type=pl.when(is_anhoej)
        .then(mdc.point_type_from_side(side, pl.col("direction")))
        .otherwise(pl.col("point_type")),
        special_cause_flag=pl.when(is_anhoej).then(pl.col("sigma_signal")).otherwise(pl.col("special_cause_flag")),
    )


def settings_row(series: int, options: SpcOptions) -> dict[str, Any]:
    return {
        "series": series,
        "chart": options.chart,
        "rules": options.rules,
        "baseline_points": options.baseline_points,
        "multiply": float(options.multiply),
        "screen": options.screen_moving_ranges,
        "direction": options.improvement_direction,
        "target": None if options.target is None else float(options.target),
    }


def analyse_series(
    x: Sequence[Any],
    y: Sequence[float | None],
    options: SpcOptions,
    n: Sequence[float | None] | None = None,
) -> pl.DataFrame:
    """One series through ``analyse``; ``options.phase_starts`` and ``options.exclude`` name x values."""
    x_series = pl.Series("x", list(x))
    points = pl.DataFrame(
        {
            "series": pl.Series([0] * len(x_series), dtype=pl.Int64),
            "x": x_series,
            "y": pl.Series(list(y), dtype=pl.Float64),
            "n": pl.Series(list(n) if n is not None else [None] * len(x_series), dtype=pl.Float64),
            "phase_start": x_series.is_in(list(options.phase_starts))
            if options.phase_starts
            else [False] * len(x_series),
            "exclude": x_series.is_in(list(options.exclude)) if options.exclude else [False] * len(x_series),
        }
    )
    settings = pl.DataFrame([settings_row(0, options)], schema=SETTINGS_SCHEMA)
    return analyse(points, settings)
