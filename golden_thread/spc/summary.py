"""One row per series from an analysed frame: icons, state, a suggested new phase and a plain sentence.

The variation icon is the latest point's type and the assurance icon compares the target with the
latest point's process limits (Making Data Count, DOMAIN §4.1 and §3.5). The sentence is built from the
same fields, so it can never disagree with the icons.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Any

import numpy as np
import polars as pl

from golden_thread.spc.constants import MDC_SHIFT_POINTS, MIN_POINTS_FOR_LIMITS, MIN_USEFUL_FOR_RUNS
from golden_thread.spc.mdc import POINT_TYPES, assurance_icon
from golden_thread.spc.segments import changes

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
    frame = analysed if _in_time_order(analysed) else analysed.sort(["series", "x"], maintain_order=True)
    # Only the points with a value speak for a series (its latest point is its latest value).
    valued = np.flatnonzero(frame["value"].is_not_null().to_numpy())
    if valued.size == 0:
        return pl.DataFrame()
    series = frame["series"].to_numpy()[valued]
    phase = frame["phase"].to_numpy()[valued]
    mdc = (frame["rules"] == "mdc").to_numpy()[valued]
    kind = frame["point_type"].cast(pl.Enum(POINT_TYPES)).to_physical().to_numpy()[valued]
    side = frame["relative_to_mean"]
    no_side = side.is_null().to_numpy()[valued]
    side = side.fill_null(0).to_numpy()[valued]

    new_series = changes(series)
    new_phase = new_series | changes(phase)
    # Under Making Data Count rules a missing value ends a run, as it does in NHSRplotthedots (no rule spans
    # an NA row, R/ptd_calculate_point_type.R lines 29-80); Anhoej runs are counted over the values alone
    # (qicharts2 drops NAs before it counts runs, R/helper.functions.R line 5).
    after_gap = np.zeros(valued.size, dtype=bool)
    after_gap[1:] = mdc[1:] & (np.diff(valued) > 1)
    new_stretch = new_phase | after_gap
    # Runs of equal point type (for "n points above the mean since ...") and of the same side of the centre
    # line (for the suggested new phase); a point with no side is a run of its own.
    type_run = _Runs(changes(kind, new_stretch))
    lone = no_side.copy()
    lone[1:] |= no_side[:-1]
    side_run = _Runs(changes(side, new_stretch) | lone)
    phase_start = np.maximum.accumulate(np.where(new_phase, np.arange(valued.size), 0))
    phase_points = _Runs(new_phase).length

    series_rows = np.flatnonzero(new_series)
    last = np.append(series_rows[1:], valued.size) - 1  # each series' latest point
    last_phase = phase == np.repeat(
        np.maximum.reduceat(phase, series_rows), np.diff(np.append(series_rows, valued.size))
    )
    # As long a run as signals: Making Data Count's shift, or one longer than the Anhoej limit (NaN: none).
    sustained = np.where(mdc, MDC_SHIFT_POINTS, frame["longest_run_max"].to_numpy()[valued] + 1)
    # A sustained run on one side that starts after the phase began suggests the process has moved.
    with np.errstate(invalid="ignore"):
        candidate = (
            last_phase & ~no_side & (side != 0) & (side_run.length >= sustained) & (side_run.start > phase_start)
        )
    suggestion = np.full(series_rows.size, -1)
    if candidate.any():
        found = np.flatnonzero(candidate)
        owner = np.searchsorted(series_rows, found, side="right") - 1
        suggestion[owner] = side_run.start[found]  # the latest candidate of each series wins

    x = frame["x"].gather(pl.Series(valued, dtype=pl.UInt32))
    latest = frame[valued[last]].select(
        "series",
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
        "run_signal",
        "n_useful",
        "short_group_warning",
        "phase",
    )
    suggested = x.gather(np.maximum(suggestion, 0)).to_list()
    extra = {
        "type_run_start": x.gather(type_run.start[last]).to_list(),
        "type_run_length": type_run.length[last].tolist(),
        "phase_points": phase_points[last].tolist(),
        "suggested_phase_start": [start if i >= 0 else None for start, i in zip(suggested, suggestion.tolist())],
    }
    summaries = [
        _summary_row(row | {key: values[i] for key, values in extra.items()}, frequency)
        for i, row in enumerate(latest.iter_rows(named=True))
    ]
    return pl.DataFrame(summaries, infer_schema_length=None)


class _Runs:
    """Runs of a flat array: for each row, the index of its run's first row and the run's length."""

    def __init__(self, starts: np.ndarray) -> None:
        first = np.flatnonzero(starts)
        lengths = np.diff(np.append(first, starts.size))
        self.start = np.repeat(first, lengths)
        self.length = np.repeat(lengths, lengths)


def _in_time_order(frame: pl.DataFrame) -> bool:
    """Whether the rows are sorted by series and then x (as ``analyse`` returns points given in that order)."""
    series = frame["series"].to_numpy()
    x = frame["x"]
    if x.null_count() or not (x.dtype.is_numeric() or x.dtype.is_temporal()):
        return False
    x = x.to_physical().to_numpy()
    step = series[1:] - series[:-1]
    return bool(((step > 0) | ((step == 0) & (x[1:] > x[:-1]))).all())


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


@lru_cache(maxsize=4096)  # a page names the same few months over and over
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
