"""Reading one series from CSV and writing its computed chart, for ``golden-thread spc``.

Input: columns ``x`` (a 1-based index or an ISO date), ``y`` (value, or numerator when ``n`` is given)
and optionally ``n`` (denominator); an empty cell is a missing value. Every problem names its line.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import json
import math
from pathlib import Path
from typing import Any

import polars as pl

from golden_thread.spc.engine import analyse_series
from golden_thread.spc.options import PROPORTION_CHARTS, RATIO_CHARTS, SpcInputError, SpcOptions

OUTPUT_COLUMNS = [
    "x", "y", "n", "phase", "baseline", "include", "cl", "lcl", "ucl", "lcl_95", "ucl_95",
    "sigma_signal", "run_signal", "n_obs", "n_useful", "longest_run", "longest_run_max",
    "n_crossings", "n_crossings_min", "special_cause_type", "point_type", "relative_to_mean",
    "close_to_limits", "shift_flag", "trend_flag", "two_in_three_flag", "special_cause_flag",
    "short_group_warning",
]
MDC_ONLY = {
    "special_cause_type", "point_type", "relative_to_mean", "close_to_limits", "shift_flag",
    "trend_flag", "two_in_three_flag", "special_cause_flag", "short_group_warning",
}


def read_options(path: str | Path) -> SpcOptions:
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SpcInputError(f"{path}: options file not found") from None
    except json.JSONDecodeError as error:
        raise SpcInputError(f"{path}: not valid JSON ({error.msg} at line {error.lineno})") from None
    return SpcOptions.from_dict(raw)


def _number(text: str, column: str, where: str) -> float | None:
    text = text.strip()
    if text == "" or text.upper() == "NA":
        return None
    try:
        value = float(text)
    except ValueError:
        raise SpcInputError(f"{where}: {column} {text!r} is not a number") from None
    if not math.isfinite(value):
        raise SpcInputError(f"{where}: {column} {text!r} is not a finite number")
    return value


def _parse_x(text: str, as_dates: bool, where: str) -> int | dt.date:
    text = text.strip()
    if as_dates:
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            raise SpcInputError(f"{where}: x {text!r} is not an ISO date (YYYY-MM-DD) like the rows above") from None
    try:
        return int(text)
    except ValueError:
        raise SpcInputError(f"{where}: x {text!r} is not a whole-number index like the rows above") from None


def read_series(path: str | Path, options: SpcOptions) -> tuple[list[Any], list[float | None], list[float | None] | None]:
    """Read and check every row; the first problem found is raised with its line number."""
    path = Path(path)
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.reader(handle))
    except FileNotFoundError:
        raise SpcInputError(f"{path}: input file not found") from None
    except UnicodeDecodeError:
        raise SpcInputError(f"{path}: not UTF-8 text; save the file as CSV UTF-8") from None
    if not rows:
        raise SpcInputError(f"{path}: the file is empty; it needs a header row x,y[,n]")
    header = [h.strip() for h in rows[0]]
    if "x" not in header or "y" not in header:
        raise SpcInputError(f"{path} line 1: the header must name columns x and y (and optionally n), not {','.join(header)}")
    unknown = [h for h in header if h not in ("x", "y", "n")]
    if unknown:
        raise SpcInputError(f"{path} line 1: unknown column(s) {', '.join(unknown)}; expected x, y and optionally n")
    data = rows[1:]
    if not data:
        raise SpcInputError(f"{path}: no data rows below the header")
    ix, iy = header.index("x"), header.index("y")
    i_n = header.index("n") if "n" in header else None
    if options.chart in RATIO_CHARTS and i_n is None:
        raise SpcInputError(f"{path} line 1: a {options.chart} chart needs a denominator column n")

    first_x = data[0][ix].strip() if len(data[0]) > ix else ""
    as_dates = not first_x.lstrip("-").isdigit()
    xs: list[Any] = []
    ys: list[float | None] = []
    ns: list[float | None] = []
    seen: dict[Any, int] = {}
    for offset, row in enumerate(data):
        line = offset + 2
        where = f"{path.name} line {line}"
        if len(row) != len(header):
            raise SpcInputError(f"{where}: expected {len(header)} fields, found {len(row)}")
        x = _parse_x(row[ix], as_dates, where)
        if x in seen:
            raise SpcInputError(f"{where}: x {row[ix].strip()} repeats line {seen[x]}; one row per period")
        seen[x] = line
        y = _number(row[iy], "y", where)
        n = _number(row[i_n], "n", where) if i_n is not None else None
        if n is not None and n <= 0:
            raise SpcInputError(f"{where}: denominator n must be greater than 0, not {row[i_n].strip()}")
        if y is not None and y < 0 and options.chart in RATIO_CHARTS | {"c"}:
            raise SpcInputError(f"{where}: a {options.chart} chart counts events; y cannot be negative ({row[iy].strip()})")
        if y is not None and n is not None and y > n and options.chart in PROPORTION_CHARTS:
            raise SpcInputError(f"{where}: numerator y ({row[iy].strip()}) is above its denominator n ({row[i_n].strip()})")
        if options.chart in RATIO_CHARTS and y is not None and n is None:
            raise SpcInputError(f"{where}: y is given but its denominator n is missing")
        xs.append(x)
        ys.append(y)
        ns.append(n)

    for key in ("phase_starts", "exclude"):
        for wanted in getattr(options, key):
            try:
                parsed = _parse_x(str(wanted), as_dates, f"option {key}")
            except SpcInputError:
                raise SpcInputError(f"option {key}: {wanted!r} is not an x value of the input") from None
            if parsed not in seen:
                raise SpcInputError(f"option {key}: {wanted!r} is not an x value of the input")
    return xs, ys, (ns if i_n is not None else None)


def compute_file(input_path: str | Path, options: SpcOptions) -> pl.DataFrame:
    xs, ys, ns = read_series(input_path, options)
    as_dates = isinstance(xs[0], dt.date)
    convert = (lambda v: dt.date.fromisoformat(str(v))) if as_dates else (lambda v: int(v))
    options = dataclasses.replace(options, phase_starts=tuple(convert(v) for v in options.phase_starts),
                                  exclude=tuple(convert(v) for v in options.exclude))
    result = analyse_series(xs, ys, options, n=ns)
    result = result.with_columns(pl.col("value").alias("y"))
    columns = [c for c in OUTPUT_COLUMNS if (c != "n" or ns is not None) and (options.rules == "mdc" or c not in MDC_ONLY)]
    return result.select(columns)


def write_output(frame: pl.DataFrame, path: str | Path) -> None:
    frame = frame.with_columns(pl.col(pl.Date).dt.to_string("%Y-%m-%d"))
    frame.write_csv(path, float_precision=None)
