"""Centre lines and control limits for run, XmR, P, P', U, U' and C charts, over many series at once.

Each formula is qicharts2's (``R/helper.functions.R``, DOMAIN §11d); XmR charts under Making Data Count
rules use NHSRplotthedots' 2.66 x AMR (§11c). Everything is computed per (series, phase) group with
polars window expressions; nothing loops per point or per series.
"""

from __future__ import annotations

import polars as pl

from golden_thread.spc.constants import (
    D2_FOR_MOVING_RANGE,
    MDC_LIMIT_CONSTANT,
    MOVING_RANGE_SCREEN,
    SIGMA_LIMIT,
    SIGMA_NEAR,
)

GROUP = ["group_id"]  # one id per (series, phase), numbered by the engine in sorted order

_chart = pl.col("chart")
_value = pl.col("value")
_used = pl.col("base") & _value.is_not_null()


def centre_line(frame: pl.DataFrame) -> pl.DataFrame:
    """Add ``cl``: the median (run), mean (XmR, C) or pooled ratio (P, U and Laney) of the baseline."""
    pooled = pl.col("numerator").filter(_used).sum().over(GROUP) / pl.col("denominator").filter(_used).sum().over(GROUP)
    cl = (
        pl.when(_chart == "run")
        .then(_value.filter(_used).median().over(GROUP))
        .when(_chart.is_in(["xmr", "c"]))
        .then(_value.filter(_used).mean().over(GROUP))
        .otherwise(pooled)
    )
    return frame.with_columns(cl=cl)


def _binomial_sigma() -> pl.Expr:
    """Per-point sigma of a P or U chart from its own denominator (null at a missing subgroup)."""
    cl = pl.col("cl")
    return (
        pl.when(_chart.is_in(["p", "p_prime"]))
        .then((cl * (1 - cl) / pl.col("denominator")).sqrt())
        .when(_chart.is_in(["u", "u_prime"]))
        .then((cl / pl.col("denominator")).sqrt())
    )


def _average_moving_range(frame: pl.DataFrame, column: str) -> pl.DataFrame:
    """Average moving range of ``column`` over each group's baseline points, screened if asked.

    Moving ranges run between consecutive baseline points: an excluded point is stepped over, a missing
    value leaves a gap (its two moving ranges are dropped), as in qicharts2's qic.i.
    """
    base = frame.filter(pl.col("base")).select(GROUP + ["screen", column])
    same_group = pl.col("group_id") == pl.col("group_id").shift(1)
    base = base.with_columns(mr=pl.when(same_group).then((pl.col(column) - pl.col(column).shift(1)).abs()))
    base = base.with_columns(amr_all=pl.col("mr").mean().over(GROUP))
    return (
        base.group_by(GROUP)
        .agg(
            amr_all=pl.col("amr_all").first(),
            amr_screened=pl.col("mr").filter(pl.col("mr") < MOVING_RANGE_SCREEN * pl.col("amr_all")).mean(),
            screen=pl.col("screen").first(),
        )
        .select(
            *GROUP,
            pl.when(pl.col("screen")).then(pl.col("amr_screened")).otherwise(pl.col("amr_all")).alias("amr"),
        )
    )


def control_limits(frame: pl.DataFrame) -> pl.DataFrame:
    """Add ``sigma``, ``lcl``/``ucl`` (3 sigma) and ``lcl_95``/``ucl_95`` (2 sigma), clipped as qicharts2 does."""
    frame = frame.with_columns(binomial_sigma=_binomial_sigma())

    # XmR: moving ranges of the values. Laney P'/U': moving ranges of the z-scores (Laney 2002).
    frame = frame.with_columns(
        mr_input=pl.when(_chart == "xmr")
        .then(_value)
        .when(_chart.is_in(["p_prime", "u_prime"]))
        .then((_value - pl.col("cl")) / pl.col("binomial_sigma"))
    )
    amr = _average_moving_range(frame.filter(_chart.is_in(["xmr", "p_prime", "u_prime"])), "mr_input")
    frame = frame.join(amr, on=GROUP, how="left")

    xmr_sigma = (
        pl.when(pl.col("rules") == "mdc")
        .then(pl.col("amr") * MDC_LIMIT_CONSTANT / SIGMA_LIMIT)
        .otherwise(pl.col("amr") / D2_FOR_MOVING_RANGE)
    )
    sigma = (
        pl.when(_chart == "xmr")
        .then(xmr_sigma)
        .when(_chart == "c")
        .then(pl.col("cl").sqrt())
        .when(_chart.is_in(["p", "u"]))
        .then(pl.col("binomial_sigma"))
        .when(_chart.is_in(["p_prime", "u_prime"]))
        .then(pl.col("binomial_sigma") * pl.col("amr") / D2_FOR_MOVING_RANGE)
    )
    frame = frame.with_columns(sigma=sigma)

    def limit(k: float) -> pl.Expr:
        raw = pl.col("cl") + k * pl.col("sigma")
        if k < 0:
            raw = pl.when(_chart.is_in(["p", "p_prime", "u", "u_prime", "c"]) & (raw < 0)).then(0.0).otherwise(raw)
        else:
            raw = pl.when(_chart.is_in(["p", "p_prime"]) & (raw > 1)).then(1.0).otherwise(raw)
        # A limit that cannot be computed (no variation; or a missing subgroup of a P/U chart, whose
        # denominator the engine has dropped) is left empty, never drawn: qicharts2 "Remove control lines
        # from missing subgroups", R/helper.functions.R lines 607-611 (``d$ucl[!is.finite(d$ucl)] <- NA``).
        return pl.when(raw.is_finite()).then(raw)

    return frame.with_columns(
        lcl=limit(-SIGMA_LIMIT),
        ucl=limit(SIGMA_LIMIT),
        lcl_95=limit(-SIGMA_NEAR),
        ucl_95=limit(SIGMA_NEAR),
    ).drop("binomial_sigma", "mr_input", "amr")
