"""The chart engine: every series of a frame through phases, limits and rules in one vectorised pass.

``analyse(points, settings)`` takes a long frame of points (many series at once) and one settings row
per series, and returns one row per point with its phase, centre line, limits and signals under both
rule sets. ``analyse_series`` is the same for one series with ``SpcOptions``.

The arithmetic runs in numpy over one flat array sorted by (series, x), with each (series, phase) group's
rows contiguous (``segments.Groups``): a page's handful of series costs well under a millisecond of
arithmetic, and 10,000 series cost the same passes over memory as one long series.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import polars as pl

from golden_thread.spc import anhoej, limits, mdc
from golden_thread.spc.constants import MDC_SHORT_GROUP_POINTS
from golden_thread.spc.options import CHARTS, DIRECTIONS, RULE_SETS, SpcInputError, SpcOptions
from golden_thread.spc.segments import Groups, changes, sign

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
# The improvement direction as the sign a point must move by to improve (0: neutral), in DIRECTIONS order.
DIRECTION_SIGN = np.array([{"increase": 1, "decrease": -1, "neutral": 0}[d] for d in DIRECTIONS], dtype=np.int8)
# What a run chart's per-phase runs analysis reports, with the types the frame has always had.
RUNS_COLUMNS = {
    "n_obs": pl.UInt32,
    "n_useful": pl.UInt32,
    "longest_run": pl.UInt32,
    "n_crossings": pl.UInt32,
    "longest_run_max": pl.Int64,
    "n_crossings_min": pl.Int64,
}
_SPECIAL_CAUSE_TYPES = pl.Series("special_cause_type", mdc.SPECIAL_CAUSE_TYPES, dtype=pl.Utf8)
_POINT_TYPES = pl.Series("point_type", mdc.POINT_TYPES, dtype=pl.Utf8)


def analyse(points: pl.DataFrame, settings: pl.DataFrame) -> pl.DataFrame:
    """Compute every point of every series. Input order is kept in the output.

    ``points``: series, x, y, n (denominator or null), phase_start, exclude.
    ``settings``: one row per series: chart, rules, baseline_points, multiply, screen, direction, target.
    """
    order = _time_order(points)
    series = _numbers(points["series"], order, np.int64)
    y = _numbers(points["y"], order, np.float64)
    n = None if points["n"].null_count() == points.height else _numbers(points["n"], order, np.float64)
    phase_start = _flags(points["phase_start"], order)
    exclude = _flags(points["exclude"], order)

    series_first = changes(series)
    new_phase = phase_start & ~series_first
    groups = Groups(series_first | new_phase)
    per_series = _settings_of(settings, series[series_first])
    starts_series = series_first[groups.starts]
    group_series = np.cumsum(starts_series) - 1
    setting = {key: column[group_series] for key, column in per_series.items()}  # one entry per group
    chart, mdc_rules = setting["chart"], setting["mdc"]

    # A subgroup is missing unless both its numerator and its denominator are given (qicharts2 R/qic.R
    # lines 261-266: ``cases <- complete.cases(y, n); y[!cases] <- NA; n[!cases] <- NA``). A missing
    # subgroup of a P/U chart then has denominator 0 (R/helper.functions.R line 564, ``sum(x$n, na.rm =
    # got.n)``), so its sigma is infinite and its limits are removed (lines 607-611): no limits are drawn
    # at a missing point of a P, P', U or U' chart.
    ratio = limits.IS_RATIO[chart]
    if n is None and ratio.any():
        n = np.full(y.size, np.nan)
    value, denominator = y, n
    if n is not None:
        with np.errstate(invalid="ignore", divide="ignore"):
            value = np.where(np.isnan(n), np.where(groups.expand(ratio), np.nan, y), y / n)
        denominator = np.where(np.isnan(y), np.nan, n)
    missing = np.isnan(value)
    include = ~exclude

    # The first k rows of a phase, missing values included: qicharts2 ``d$baseline <- d$xx <= freeze``
    # (R/helper.functions.R line 585) and NHSRplotthedots ``fix_y = ifelse(dplyr::row_number() <=
    # fix_after_n_points, y, NA)`` (R/ptd_spc_standard.R line 67) both count rows, not values. ``base``
    # keeps a missing row in place so that the moving ranges either side of it are dropped, not bridged.
    first_rows = setting["baseline_points"]
    first_rows = np.where(first_rows > 0, first_rows, groups.sizes)
    if (first_rows < groups.sizes).any():
        baseline = groups.position < groups.expand(first_rows)
    else:
        baseline = np.ones(y.size, dtype=bool)
    base = baseline & include

    cl = limits.centre_line(groups, chart, value, base & ~missing, y, n)
    lines = limits.control_limits(groups, chart, mdc_rules, setting["screen"], value, cl, denominator, base)
    cl_rows = groups.expand(cl)
    with np.errstate(invalid="ignore"):
        distance = value - cl_rows
        above, below = value > lines["ucl"], value < lines["lcl"]
    relative_to_mean = sign(distance)  # 0 where the value or the centre line is missing
    no_side = np.isnan(distance)
    sigma_signal = above | below

    # Under Anhoej rules only the 3-sigma test marks a point, on its side. Making Data Count's rules mark
    # the points of the series under them.
    rule = sigma_signal.astype(np.int8)  # mdc.ASTRONOMICAL where it signals
    side = above.view(np.int8) - below.view(np.int8)
    close_to_limits = np.zeros(y.size, dtype=bool)
    nulls = {"relative_to_mean": no_side}
    if mdc_rules.any():
        rows, sub = groups.subset(mdc_rules)
        found = mdc.classify(
            sub, value[rows], relative_to_mean[rows], sigma_signal[rows], lines["lcl_95"][rows], lines["ucl_95"][rows]
        )
        rule[rows], side[rows], close_to_limits[rows] = found.rule, found.side, found.close_to_limits
        # Under these rules a missing value has no side and no closeness; a value with no mean is on it.
        unknown = missing if mdc_rules.all() else missing & groups.expand(mdc_rules)
        nulls = {
            "relative_to_mean": unknown if mdc_rules.all() else np.where(groups.expand(mdc_rules), missing, no_side),
            "close_to_limits": unknown,
        }
        # The ``baseline`` column reports the points the centre and limits come from. qicharts2 reports
        # its position flag as is (a missing row inside ``freeze`` is TRUE, R/helper.functions.R line 585);
        # NHSRplotthedots' baseline is its ``fix_y`` column, which is NA at a missing value
        # (R/ptd_spc_standard.R line 67), so under Making Data Count rules a missing point is not in it.
        baseline = baseline & ~unknown
    runs = anhoej.runs_analysis(groups, ~mdc_rules, include, relative_to_mean)

    scaled = {"value": value, "cl": cl_rows, **lines}  # shown times the multiplier (a percentage, a rate)
    multiply = setting["multiply"]
    if (multiply != 1.0).any():
        factor = groups.expand(multiply)
        scaled = {name: column * factor for name, column in scaled.items()}
    out = _Columns(groups, order)
    if rule.any():
        special_cause_type = out.labels(_SPECIAL_CAUSE_TYPES, mdc.LABEL_CODE[rule * 3 + side + 1])
        point_type = out.labels(_POINT_TYPES, mdc.point_type(side, groups.expand(setting["direction"])))
    else:
        special_cause_type = _SPECIAL_CAUSE_TYPES.new_from_index(0, groups.rows)  # "Common Cause" throughout
        point_type = _POINT_TYPES.new_from_index(mdc.COMMON_CAUSE, groups.rows)
    computed = {
        "value": out.per_row("value", scaled.pop("value")),
        "phase": out.per_group(pl.Series("phase", _phase_numbers(groups, starts_series))),
        "include": out.per_row("include", include),
        "baseline": out.per_row("baseline", baseline),
        **{name: out.per_row(name, column) for name, column in scaled.items()},
        "sigma_signal": out.per_row("sigma_signal", sigma_signal),
        **{name: out.per_group_count(name, runs[name], dtype) for name, dtype in RUNS_COLUMNS.items()},
        "run_signal": out.per_group(pl.Series("run_signal", runs["run_signal"])),
        "relative_to_mean": out.per_row("relative_to_mean", relative_to_mean, nulls["relative_to_mean"]),
        "close_to_limits": out.per_row("close_to_limits", close_to_limits, nulls.get("close_to_limits")),
        "shift_flag": out.per_row("shift_flag", rule == mdc.SHIFT),
        "trend_flag": out.per_row("trend_flag", rule == mdc.TREND),
        "two_in_three_flag": out.per_row("two_in_three_flag", rule == mdc.TWO_IN_THREE),
        "special_cause_flag": out.per_row("special_cause_flag", rule > 0),
        "special_cause_type": special_cause_type.alias("special_cause_type"),
        "point_type": point_type.alias("point_type"),
        # ``dplyr::n()`` counts the group's rows, missing values included (R/ptd_add_short_group_warnings.R).
        "short_group_warning": out.per_group(pl.Series("short_group_warning", groups.sizes < MDC_SHORT_GROUP_POINTS)),
    }
    # The settings columns, bar the series id and the screen flag, are passed on to every point.
    settings_row = per_series["row"][group_series]
    passed_on = [
        out.per_group(_pick(column, settings_row))
        for column in settings.iter_columns()
        if column.name not in ("series", "screen")
    ]
    row = pl.Series("row", np.arange(groups.rows, dtype=np.uint32))
    return pl.DataFrame([row, *points.iter_columns(), *passed_on, *computed.values()])


_WHOLE = {pl.UInt32: np.uint32, pl.Int64: np.int64}


def _constant(column: pl.Series) -> bool:
    """Whether every entry is the same (and not null)."""
    if column.len() <= _FEW_ROWS:  # counting distinct values starts a parallel job: dear for a few
        values = column.to_list()
        return values[0] is not None and all(value == values[0] for value in values)
    return column.null_count() == 0 and column.n_unique() == 1


def _pick(column: pl.Series, rows: np.ndarray) -> pl.Series:
    """``column[rows]``; a list comprehension for a page's few rows, where a gather costs more than it saves."""
    if rows.size == column.len() and (rows == np.arange(rows.size)).all():
        return column
    if rows.size <= _FEW_ROWS:
        values = column.to_list()
        return pl.Series(column.name, [values[i] for i in rows.tolist()], dtype=column.dtype)
    return column.gather(pl.Series(rows, dtype=pl.UInt32))


def _nulls(name: str, dtype: pl.DataType, rows: int) -> pl.Series:
    if dtype not in _NULL:
        _NULL[dtype] = pl.Series("", [None], dtype=dtype)
    return _NULL[dtype].new_from_index(0, rows).alias(name)


_NULL: dict[pl.DataType, pl.Series] = {}
_FLAGS = {False: pl.Series([False]), True: pl.Series([True])}


class _Columns:
    """Builds the output's columns, in the input's order, from arrays in (series, x) order."""

    def __init__(self, groups: Groups, order: np.ndarray | None) -> None:
        self.groups = groups
        self.back = None
        if order is not None:
            self.back = np.empty_like(order)
            self.back[order] = np.arange(order.size)

    def _restored(self, column: np.ndarray) -> np.ndarray:
        return column if self.back is None else column[self.back]

    def per_row(self, name: str, column: np.ndarray, unknown: np.ndarray | None = None) -> pl.Series:
        """A column with one entry per row; NaN, and any row ``unknown`` marks, is null."""
        if column.dtype == bool and unknown is None and column.size and (column.all() or not column.any()):
            return _FLAGS[bool(column[0])].new_from_index(0, column.size).alias(name)  # the same flag throughout
        values = pl.Series(name, self._restored(column), nan_to_null=column.dtype.kind == "f")
        if unknown is None or not unknown.any():
            return values
        if unknown.all():
            return _nulls(name, values.dtype, values.len())
        known = pl.Series(~self._restored(unknown))
        return values.zip_with(known, _nulls(name, values.dtype, values.len()))

    def per_group(self, column: pl.Series) -> pl.Series:
        """A column with one entry per group, repeated for every row of the group."""
        if column.null_count() == column.len():
            return _nulls(column.name, column.dtype, self.groups.rows)
        if _constant(column):
            return column.new_from_index(0, self.groups.rows)
        if column.dtype.is_numeric() or column.dtype == pl.Boolean:
            # numpy repeats a group's value far faster than a gather (nulls come back as NaN, then null).
            expanded = self.per_row(column.name, self.groups.expand(column.to_numpy()))
            return expanded if expanded.dtype == column.dtype else expanded.cast(column.dtype)
        return self.labels(column, self.groups.of_row)

    def per_group_count(self, name: str, counts: np.ndarray, dtype: pl.DataType) -> pl.Series:
        """Whole numbers with one entry per group (NaN: none), repeated for every row of the group."""
        unknown = np.isnan(counts)
        if unknown.all():
            return _nulls(name, dtype, self.groups.rows)
        whole = np.where(unknown, 0, counts).astype(_WHOLE[dtype])
        if not unknown.any() and (whole == whole[0]).all():
            return pl.Series(name, whole[:1]).new_from_index(0, self.groups.rows)
        return self.per_row(name, self.groups.expand(whole), self.groups.expand(unknown) if unknown.any() else None)

    def labels(self, labels: pl.Series, codes: np.ndarray) -> pl.Series:
        """The entry of ``labels`` each row's code names."""
        codes = self._restored(codes)
        if codes.size <= _FEW_ROWS:  # a gather's fixed cost outweighs a short list
            texts = labels.to_list()
            return pl.Series(labels.name, [texts[i] for i in codes.tolist()], dtype=labels.dtype)
        return labels.gather(pl.Series(codes.astype(np.uint32, copy=False)))


_FEW_ROWS = 500


def _time_order(points: pl.DataFrame) -> np.ndarray | None:
    """None when the points are already sorted by series and then x; else the stable order that sorts them."""
    series, x = points["series"], points["x"]
    if x.dtype in _ORDERED_AS_NUMBERS and series.null_count() == 0 and x.null_count() == 0:
        s, t = series.to_numpy(), x.to_physical().to_numpy()
        if ((s[1:] > s[:-1]) | ((s[1:] == s[:-1]) & (t[1:] > t[:-1]))).all():
            return None
    else:
        in_order = points.select(
            ((pl.col("series").diff() > 0) | ((pl.col("series").diff() == 0) & (pl.col("x") > pl.col("x").shift(1))))
            .fill_null(True)
            .all()
        ).item()
        if in_order:
            return None
    return points.select(pl.arg_sort_by("series", "x", maintain_order=True)).to_series().to_numpy()


_ORDERED_AS_NUMBERS = frozenset({pl.Date, pl.Int64, pl.Int32, pl.Int16, pl.Int8, pl.UInt32, pl.UInt64, pl.Float64})


def _numbers(column: pl.Series, order: np.ndarray | None, dtype: type) -> np.ndarray:
    """A column as a numpy array (missing values as NaN), in time order."""
    if column.dtype != pl.Float64 and dtype is np.float64:
        column = column.cast(pl.Float64)
    values = column.to_numpy()
    if values.dtype != dtype:
        values = values.astype(dtype)
    return values if order is None else values[order]


def _flags(column: pl.Series, order: np.ndarray | None) -> np.ndarray:
    if not column.any():
        return np.zeros(column.len(), dtype=bool)
    if column.null_count():
        column = column.fill_null(False)
    values = column.to_numpy()
    return values if order is None else values[order]


def _phase_numbers(groups: Groups, starts_series: np.ndarray) -> np.ndarray:
    """Per group: its phase, counted from 1 within its series (``starts_series``: the group starts one)."""
    first_group = np.flatnonzero(starts_series)
    return (np.arange(groups.count) - first_group[np.cumsum(starts_series) - 1] + 1).astype(np.int32)


def _settings_of(settings: pl.DataFrame, series_ids: np.ndarray) -> dict[str, np.ndarray]:
    """Each series' settings (in the order of ``series_ids``) as numpy codes, plus its settings ``row``."""
    ids = settings["series"].to_numpy()
    if ids.size == series_ids.size and (ids == series_ids).all():
        row = np.arange(ids.size)  # one settings row per series, in the same order: the common case
    else:
        by_id = np.argsort(ids, kind="stable")
        ids_sorted = ids[by_id]
        twice = ids_sorted[1:][ids_sorted[1:] == ids_sorted[:-1]]
        if twice.size:
            raise SpcInputError(f"series {twice[0]} has more than one settings row")
        at = np.minimum(np.searchsorted(ids_sorted, series_ids), max(ids_sorted.size - 1, 0))
        found = ids_sorted[at] == series_ids if ids_sorted.size else np.zeros(series_ids.size, dtype=bool)
        if not found.all():
            raise SpcInputError(f"series {series_ids[~found][0]} has no settings row")
        row = by_id[at]
    first_rows = settings["baseline_points"].to_numpy()  # NaN where not set, if any is not
    return {
        "row": row,
        "chart": _codes(settings["chart"], CHARTS, "chart")[row],
        "mdc": _codes(settings["rules"], RULE_SETS, "rules")[row] == RULE_SETS.index("mdc"),
        "direction": DIRECTION_SIGN[_codes(settings["direction"], DIRECTIONS, "direction")[row]],
        "baseline_points": np.nan_to_num(first_rows[row], nan=0).astype(np.int64),
        "multiply": settings["multiply"].to_numpy()[row].astype(np.float64),
        "screen": settings["screen"].to_numpy()[row].astype(bool),  # a missing flag (None) is False
    }


def _codes(column: pl.Series, allowed: tuple[str, ...], name: str) -> np.ndarray:
    """Each text's place in ``allowed``; a clear message for any other text."""
    if column.len() <= _FEW_ROWS:  # a page's few series: a dictionary beats building a query
        place = {text: i for i, text in enumerate(allowed)}
        codes = [place.get(text, -1) for text in column.to_list()]
        if -1 not in codes:
            return np.array(codes, dtype=np.intp)
    elif column.null_count() == 0:
        try:
            return column.cast(pl.Enum(allowed)).to_physical().to_numpy().astype(np.intp)
        except pl.exceptions.InvalidOperationError:
            pass
    bad = column.filter(~column.is_in(allowed) | column.is_null())[0]
    raise SpcInputError(f"{name} must be one of {', '.join(allowed)}, not {bad!r}")


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
