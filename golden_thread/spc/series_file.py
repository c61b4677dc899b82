"""Reading one series from CSV and writing its computed chart, for ``golden-thread spc``.

Input: columns ``x`` (a 1-based index or an ISO date), ``y`` (value, or numerator when ``n`` is given)
and optionally ``n`` (denominator); an empty cell is a missing value. Every problem names its line.

Output: one row per input row (CSV or, with ``--format json``, a JSON document that adds the chart's
summary: icons, phases, runs analysis and the sentence the app shows). ``variation_icon`` and
``assurance_icon`` are the chart's, at its last point, as ``summary.summarise`` computes them for the app.
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
from golden_thread.spc.mdc import POINT_TYPES
from golden_thread.spc.options import PROPORTION_CHARTS, RATIO_CHARTS, SpcInputError, SpcOptions
from golden_thread.spc.summary import summarise

OUTPUT_COLUMNS = [
    "x",
    "y",
    "n",
    "phase",
    "baseline",
    "include",
    "cl",
    "lcl",
    "ucl",
    "lcl_95",
    "ucl_95",
    "sigma_signal",
    "run_signal",
    "n_obs",
    "n_useful",
    "longest_run",
    "longest_run_max",
    "n_crossings",
    "n_crossings_min",
    "special_cause_type",
    "point_type",
    "relative_to_mean",
    "close_to_limits",
    "shift_flag",
    "trend_flag",
    "two_in_three_flag",
    "special_cause_flag",
    "short_group_warning",
    "variation_icon",
    "assurance_icon",
]
MDC_ONLY = {
    "special_cause_type",
    "point_type",
    "relative_to_mean",
    "close_to_limits",
    "shift_flag",
    "trend_flag",
    "two_in_three_flag",
    "special_cause_flag",
    "short_group_warning",
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


def read_series(
    path: str | Path, options: SpcOptions
) -> tuple[list[Any], list[float | None], list[float | None] | None]:
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
        raise SpcInputError(
            f"{path} line 1: the header must name columns x and y (and optionally n), not {','.join(header)}"
        )
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
            raise SpcInputError(
                f"{where}: a {options.chart} chart counts events; y cannot be negative ({row[iy].strip()})"
            )
        if y is not None and n is not None and y > n and options.chart in PROPORTION_CHARTS:
            raise SpcInputError(
                f"{where}: numerator y ({row[iy].strip()}) is above its denominator n ({row[i_n].strip()})"
            )
        # qicharts2 charts a row only when both y and n are there (R/qic.R lines 261-266, complete.cases);
        # a y without its n is more likely a slip than a missing value, so it is refused, on every chart.
        if i_n is not None and y is not None and n is None:
            raise SpcInputError(f"{where}: y is given but its denominator n is missing")
        xs.append(x)
        ys.append(y)
        ns.append(n)

    if all(y is None for y in ys):
        raise SpcInputError(f"{path}: every y is empty; there is nothing to chart")

    for key in ("phase_starts", "exclude"):
        for wanted in getattr(options, key):
            try:
                parsed = _parse_x(str(wanted), as_dates, f"option {key}")
            except SpcInputError:
                raise SpcInputError(f"option {key}: {wanted!r} is not an x value of the input") from None
            if parsed not in seen:
                raise SpcInputError(f"option {key}: {wanted!r} is not an x value of the input")
    return xs, ys, (ns if i_n is not None else None)


@dataclasses.dataclass(frozen=True)
class ChartOutput:
    """What ``golden-thread spc`` writes: one row per input row, and the chart's summary."""

    options: SpcOptions
    rows: pl.DataFrame
    summary: dict[str, Any]


def compute(input_path: str | Path, options: SpcOptions) -> ChartOutput:
    xs, ys, ns = read_series(input_path, options)
    as_dates = isinstance(xs[0], dt.date)
    convert = (lambda v: dt.date.fromisoformat(str(v))) if as_dates else (lambda v: int(v))
    options = dataclasses.replace(
        options,
        phase_starts=tuple(convert(v) for v in options.phase_starts),
        exclude=tuple(convert(v) for v in options.exclude),
    )
    result = analyse_series(xs, ys, options, n=ns)
    latest = summarise(result).row(0, named=True)
    result = result.with_columns(
        pl.col("value").alias("y"),
        pl.lit(latest["variation_icon"], dtype=pl.Utf8).alias("variation_icon"),
        pl.lit(latest["assurance_icon"], dtype=pl.Utf8).alias("assurance_icon"),
    )
    columns = [
        c for c in OUTPUT_COLUMNS if (c != "n" or ns is not None) and (options.rules == "mdc" or c not in MDC_ONLY)
    ]
    summary = {key: value for key, value in latest.items() if key != "series"}
    summary["phases"] = _phases(result, options)
    return ChartOutput(options=options, rows=result.select(columns), summary=summary)


def compute_file(input_path: str | Path, options: SpcOptions) -> pl.DataFrame:
    return compute(input_path, options).rows


def _phases(result: pl.DataFrame, options: SpcOptions) -> list[dict[str, Any]]:
    """One entry per phase: its span, centre line and limits (null where they vary by point, as on P and U
    charts, or cannot be computed), and its runs analysis (Anhoej) or short-group warning and point types
    (Making Data Count)."""

    def constant(column: str) -> pl.Expr:
        values = pl.col(column).drop_nulls()
        return pl.when(values.n_unique() == 1).then(values.first()).alias(column)

    aggregates = [
        pl.col("x").first().alias("first_x"),
        pl.col("x").last().alias("last_x"),
        pl.len().alias("points"),
        pl.col("value").is_not_null().sum().alias("values"),
        pl.col("baseline").sum().alias("baseline_points"),
        (~pl.col("include")).sum().alias("excluded_points"),
        *(constant(c) for c in ("cl", "lcl", "ucl", "lcl_95", "ucl_95")),
    ]
    if options.rules == "anhoej":
        aggregates += [pl.col(c).first() for c in ANHOEJ_COLUMNS]
    else:
        aggregates += [
            pl.col("short_group_warning").first(),
            pl.col("point_type").filter(pl.col("value").is_not_null()).alias("point_types"),
        ]
    phases = result.sort("x").group_by("phase", maintain_order=True).agg(aggregates).sort("phase")
    entries = []
    for row in phases.iter_rows(named=True):
        entry = {key: row[key] for key in row if key not in ANHOEJ_COLUMNS and key != "point_types"}
        if options.rules == "anhoej":
            entry["runs_analysis"] = {key: row[key] for key in ANHOEJ_COLUMNS}
        else:
            entry["point_types"] = {kind: row["point_types"].count(kind) for kind in POINT_TYPES}
        entries.append(entry)
    return entries


ANHOEJ_COLUMNS = ("n_obs", "n_useful", "longest_run", "longest_run_max", "n_crossings", "n_crossings_min", "run_signal")


def write_output(frame: pl.DataFrame, path: str | Path) -> None:
    frame = frame.with_columns(pl.col(pl.Date).dt.to_string("%Y-%m-%d"))
    Path(path).write_text(frame.write_csv(float_precision=None), encoding="utf-8")


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def to_json(output: ChartOutput) -> str:
    """The chart as one JSON document: its options, its rows (as in the CSV) and its summary."""
    document = {
        "options": dataclasses.asdict(output.options),
        "rows": output.rows.to_dicts(),
        "summary": output.summary,
    }
    return json.dumps(_plain(document), indent=2, allow_nan=False) + "\n"


def write_json(output: ChartOutput, path: str | Path) -> None:
    Path(path).write_text(to_json(output), encoding="utf-8")
