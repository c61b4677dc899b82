"""One row per series from an analysed frame: icons, state, a suggested new phase and a plain sentence.

The variation icon is the latest point's type and the assurance icon compares the target with the
latest point's process limits (Making Data Count, DOMAIN §4.1 and §3.5). The sentence is built from the
same fields, so it can never disagree with the icons.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from golden_thread.spc.constants import MDC_SHIFT_POINTS, MIN_POINTS_FOR_LIMITS, MIN_USEFUL_FOR_RUNS
from golden_thread.spc.mdc import assurance_icon

VARIATION_MEANING = {
    "common_cause": "Common cause variation: no significant change",
    "special_cause_improvement": "Special cause improvement",
    "special_cause_concern": "Special cause concern",
    "special_cause_neutral_high": "Special cause variation, higher (neither better nor worse)",
    "special_cause_neutral_low": "Special cause variation, lower (neither better nor worse)",
}
ASSURANCE_MEANING = {
    "consistent_pass": "the target will be met consistently",
    "consistent_fail": "the target will not be met without a change to the process",
    "inconsistent": "the target will be met only some periods (hit and miss)",
    None: "no assurance: no target set",
}


def summarise(analysed: pl.DataFrame, frequency: str = "monthly") -> pl.DataFrame:
    """Summarise every series of ``analyse``'s output (one row per series, in series order)."""
    # Under Making Data Count rules a missing value ends a run, as it does in NHSRplotthedots (no rule spans
    # an NA row, R/ptd_calculate_point_type.R lines 29-80); Anhoej runs are counted over the values alone
    # (qicharts2 drops NAs before it counts runs, R/helper.functions.R line 5).
    gap = (pl.col("value").is_null() & (pl.col("rules") == "mdc")).cast(pl.Int32).cum_sum().over("series")
    valued = analysed.sort(["series", "x"]).with_columns(gap=gap).filter(pl.col("value").is_not_null())
    valued = valued.with_columns(last_phase=pl.col("phase") == pl.col("phase").max().over("series"))
    group = ["series", "phase"]
    runs = group + ["gap"]
    # Runs of equal point type (for "n points above the mean since ...") and of the same side of the
    # centre line (for the suggested new phase).
    for key, name in (("point_type", "type_run"), ("relative_to_mean", "side_run")):
        valued = valued.with_columns(
            ((pl.col(key) != pl.col(key).shift(1)).fill_null(True).cast(pl.Int32).cum_sum()).over(runs).alias(name)
        )
    valued = valued.with_columns(position=pl.int_range(pl.len()).over(group)).with_columns(
        type_run_start=pl.col("x").first().over(runs + ["type_run"]),
        type_run_length=pl.len().over(runs + ["type_run"]),
        side_run_start=pl.col("x").first().over(runs + ["side_run"]),
        side_run_length=pl.len().over(runs + ["side_run"]),
        side_run_offset=pl.col("position").first().over(runs + ["side_run"]),
        phase_points=pl.len().over(group),
    )
    sustained = (
        pl.when(pl.col("rules") == "mdc").then(pl.lit(MDC_SHIFT_POINTS)).otherwise(pl.col("longest_run_max") + 1)
    )
    # A sustained run on one side that starts after the phase began suggests the process has moved.
    candidate = (
        pl.col("last_phase")
        & (pl.col("relative_to_mean") != 0)
        & (pl.col("side_run_length") >= sustained)
        & (pl.col("side_run_offset") > 0)
    )
    suggestions = valued.filter(candidate).group_by("series").agg(suggested_phase_start=pl.col("side_run_start").last())
    latest = valued.group_by("series", maintain_order=True).agg(
        pl.col(
            "chart",
            "rules",
            "direction",
            "target",
            "x",
            "value",
            "cl",
            "lcl",
            "ucl",
            "point_type",
            "special_cause_type",
            "type_run_start",
            "type_run_length",
            "run_signal",
            "n_useful",
            "short_group_warning",
            "phase",
            "phase_points",
        ).last(),
        points=pl.len(),
    )
    latest = latest.join(suggestions, on="series", how="left").sort("series")
    rows = [_summary_row(row, frequency) for row in latest.iter_rows(named=True)]
    return pl.DataFrame(rows, infer_schema_length=None)


def _summary_row(row: dict[str, Any], frequency: str) -> dict[str, Any]:
    control_chart = row["chart"] != "run"
    if row["phase_points"] < MIN_POINTS_FOR_LIMITS or (control_chart and row["ucl"] is None and row["lcl"] is None):
        state = "too_few_points" if row["phase_points"] < MIN_POINTS_FOR_LIMITS else "no_variation"
    elif row["short_group_warning"] and control_chart:
        state = "trial_limits"
    else:
        state = "ok"
    variation = row["point_type"] if state != "too_few_points" else None
    assurance = assurance_icon(row["target"], row["direction"], row["lcl"], row["ucl"]) if control_chart else None
    return {
        "series": row["series"],
        "latest_x": row["x"],
        "latest_value": row["value"],
        "cl": row["cl"],
        "lcl": row["lcl"],
        "ucl": row["ucl"],
        "variation_icon": variation,
        "assurance_icon": assurance,
        "special_cause_type": row["special_cause_type"],
        "run_signal": row["run_signal"],
        "state": state,
        "suggested_phase_start": row["suggested_phase_start"],
        "summary": _sentence(row, state, variation, assurance, frequency),
    }


def describe_period(x: Any, frequency: str = "monthly") -> str:
    if isinstance(x, dt.date):
        return x.strftime("%B %Y") if frequency == "monthly" else f"the week of {x.day} {x.strftime('%b %Y')}"
    return f"point {x}"


def _what_happened(row: dict[str, Any], frequency: str) -> str:
    rule = row["special_cause_type"]
    since = describe_period(row["type_run_start"], frequency)
    count = row["type_run_length"]
    if rule in ("Above UCL", "Below LCL"):
        side = "above the upper" if rule == "Above UCL" else "below the lower"
        return f"the latest point ({describe_period(row['x'], frequency)}) is {side} process limit"
    if rule.startswith("7 Point Trend"):
        way = "rising" if "Increasing" in rule else "falling"
        return f"{count} points {way} in a row since {since}"
    if rule.startswith("2 in 3"):
        side = "upper" if "Above" in rule else "lower"
        return f"2 of the last 3 points are close to the {side} process limit"
    if rule.startswith("7 Points"):
        side = "above" if "Above" in rule else "below"
        return f"{count} points {side} the mean since {since}"
    return ""


def _sentence(row: dict[str, Any], state: str, variation: str | None, assurance: str | None, frequency: str) -> str:
    if state == "too_few_points":
        return (
            f"Too few points to judge: {row['phase_points']} in this phase; "
            f"a chart needs at least {MIN_POINTS_FOR_LIMITS} for limits and 12 or more for firm ones."
        )
    if row["rules"] == "anhoej" and variation == "common_cause":
        if row["n_useful"] < MIN_USEFUL_FOR_RUNS:
            text = f"Too few useful points ({row['n_useful']}) for a reliable runs analysis yet"
        elif row["run_signal"]:
            text = "Non-random variation: the runs analysis finds a shift or too few crossings of the centre line"
        else:
            text = "Random variation: no signal in the runs analysis"
    else:
        text = VARIATION_MEANING[variation]
        what = _what_happened(row, frequency)
        if what:
            text += f": {what}"
    if state == "no_variation":
        text += " (every point is the same, so there are no process limits)"
    elif state == "trial_limits":
        text += f" (trial limits: only {row['phase_points']} points in this phase)"
    if row["target"] is not None and row["chart"] != "run":
        where = {
            "consistent_pass": "outside the process limits on the good side",
            "consistent_fail": "outside the process limits on the wrong side",
            "inconsistent": "inside the process limits",
        }.get(assurance)
        if where:
            text += f"; the target of {row['target']:g} lies {where}, so {ASSURANCE_MEANING[assurance]}"
    return text + "."
