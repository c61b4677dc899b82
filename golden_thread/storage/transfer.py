"""Export and import of a whole organisation: one CSV per table, lossless in both directions.

Import checks every row of every file before anything is written: each cell is read as its column's type
(a date as ``domain.figures.read_date`` reads it: ISO, or day/month/year in a day-first locale), the
observations meet the same rules on periods and figures as the data-entry form and the CSV import
(``domain.figures.check_observation_rows``), then the rows are loaded into a scratch in-memory database with
the same schema. Each refused row is named by file, line and reason, and only when there is none are the
rows written to the real database, in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from golden_thread.domain.figures import DEFAULT_LOCALE, check_observation_rows, date_problem, read_dates
from golden_thread.errors import Refused
from golden_thread.storage.schema import ENUMERATIONS
from golden_thread.storage.store import TABLES, Store


@dataclass(frozen=True)
class RowProblem:
    file: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.file} line {self.line}: {self.reason}"


class ImportRefused(ValueError):
    """An import that wrote nothing, with every problem found."""

    def __init__(self, problems: list[RowProblem]):
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s); nothing was imported:\n" + "\n".join(map(str, problems)))


def export_organisation(store: Store, directory: str | Path) -> dict[str, int]:
    """Write every table to ``directory/<table>.csv``; returns rows written per table."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    counts = {}
    for table in TABLES:
        frame = store.table(table)
        frame.write_csv(directory / f"{table}.csv", datetime_format="%Y-%m-%dT%H:%M:%S%.f")
        counts[table] = frame.height
    return counts


def _polars_type(duckdb_type: str) -> pl.DataType:
    kind = duckdb_type.upper()
    if kind in ("INTEGER", "BIGINT", "SMALLINT", "TINYINT", "HUGEINT"):
        return pl.Int64
    if kind in ("DOUBLE", "FLOAT", "REAL") or kind.startswith("DECIMAL"):
        return pl.Float64
    if kind == "DATE":
        return pl.Date
    if kind.startswith("TIMESTAMP"):
        return pl.Datetime("us")
    if kind == "BOOLEAN":
        return pl.Boolean
    return pl.Utf8


_TYPE_WORDS = {
    pl.Int64: "a whole number",
    pl.Float64: "a number",
    pl.Boolean: "true or false",
}


def _cast(text: pl.Expr, target: pl.DataType) -> pl.Expr:
    # Years outside 1-9999 parse, but Python (and so every page) cannot hold them: refused like any bad date.
    if isinstance(target, pl.Datetime):
        moment = text.str.to_datetime(strict=False, time_unit="us")
        return pl.when(moment.dt.year().is_between(1, 9999)).then(moment)
    if target == pl.Boolean:
        lowered = text.str.to_lowercase()
        return pl.when(lowered == "true").then(True).when(lowered == "false").then(False)
    return text.str.strip_chars().cast(target, strict=False)


def read_table_file(
    path: Path, columns: dict[str, str], *, locale: str = DEFAULT_LOCALE
) -> tuple[pl.DataFrame, list[RowProblem]]:
    """Read one CSV as text and convert each column to its schema type, naming every cell that won't.

    Dates are read for the organisation's ``locale`` (day/month/year where the day comes first)."""
    converted, problems = _convert(path, columns, locale)
    table = path.stem
    for column in converted.columns:
        allowed = ENUMERATIONS.get((table, column))
        if allowed is None:
            continue
        wrong = converted[column].is_not_null() & ~converted[column].is_in(list(allowed))
        for index in wrong.arg_true().to_list():
            problems.append(
                RowProblem(
                    path.name, index + 2, f"{column} {converted[column][index]!r} is not one of {', '.join(allowed)}"
                )
            )
    return converted, problems


def _convert(path: Path, columns: dict[str, str], locale: str) -> tuple[pl.DataFrame, list[RowProblem]]:
    problems: list[RowProblem] = []
    try:
        raw = pl.read_csv(path, infer_schema_length=0)
    except (pl.exceptions.ComputeError, pl.exceptions.NoDataError, UnicodeDecodeError) as error:
        return pl.DataFrame(), [RowProblem(path.name, 1, f"cannot be read as CSV UTF-8 ({str(error).splitlines()[0]})")]
    unknown = [c for c in raw.columns if c not in columns]
    if unknown:
        return pl.DataFrame(), [RowProblem(path.name, 1, f"unknown column(s) {', '.join(unknown)}")]
    dates = {c: read_dates(raw[c], locale) for c in raw.columns if _polars_type(columns[c]) == pl.Date}
    converted = raw.with_columns(
        dates[c]["date"].alias(c) if c in dates else _cast(pl.col(c), _polars_type(columns[c])).alias(c)
        for c in raw.columns
    )
    for column in raw.columns:
        target = _polars_type(columns[column])
        if target == pl.Utf8:
            continue
        if column in dates:
            why = dates[column]["why"]
            for index in why.is_not_null().arg_true().to_list():
                reason = date_problem(column, raw[column][index], why[index], locale).removesuffix(".")
                problems.append(RowProblem(path.name, index + 2, reason))
            continue
        failed = raw[column].is_not_null() & (raw[column].str.strip_chars() != "") & converted[column].is_null()
        if target == pl.Float64:  # 'NaN', 'inf' and '1e400' convert, but no chart or target can use them
            failed = failed | ~converted[column].is_finite().fill_null(True)
        for index in failed.arg_true().to_list():
            text = raw[column][index]
            words = (
                "a finite number"
                if converted[column][index] is not None
                else _TYPE_WORDS.get(target, "a date and time")
            )
            problems.append(RowProblem(path.name, index + 2, f"{column} {text!r} is not {words}"))
    return converted, problems


def import_organisation(store: Store, directory: str | Path, *, locale: str = DEFAULT_LOCALE) -> dict[str, int]:
    """Import every ``<table>.csv`` in ``directory`` into an empty database; all or nothing.

    ``locale`` is the organisation's: it says whether dates may be written day/month/year."""
    directory = Path(directory)
    if not directory.is_dir():
        raise Refused(f"{directory} is not a folder of CSV files")
    if not store.is_empty():
        raise Refused(
            "This database already holds an organisation; import into an empty database "
            "(golden-thread init --db NEW_FILE) so that no existing record is overwritten."
        )
    known = {p.stem for p in directory.glob("*.csv")}
    strangers = sorted(known - set(TABLES))
    problems = [
        RowProblem(f"{name}.csv", 1, "not a Golden Thread table; expected one of " + ", ".join(TABLES))
        for name in strangers
    ]
    frames: dict[str, pl.DataFrame] = {}
    for table in TABLES:
        path = directory / f"{table}.csv"
        if path.exists():
            columns = store.columns(table)
            frame, found = read_table_file(path, columns, locale=locale)
            if frame.width and "id" in columns and "id" not in frame.columns:
                found.append(RowProblem(path.name, 1, "has no id column; every row needs its id"))
            problems += found
            frames[table] = frame
    if not frames and not problems:
        raise Refused(f"{directory} holds no Golden Thread CSV files")
    problems += _observation_problems(frames, problems)
    if problems:
        raise ImportRefused(problems)

    problems = _rehearse(frames)
    if problems:
        raise ImportRefused(problems)
    return store.insert_tables(frames)


def _observation_problems(frames: dict[str, pl.DataFrame], problems: list[RowProblem]) -> list[RowProblem]:
    """The form's rules on periods and figures (numerator no more than denominator, whole counts, percentages
    within 0-100...), over every observation beside its measure; lines already refused are not judged again."""
    observations, measures = frames.get("observation"), frames.get("measure")
    if observations is None or measures is None:
        return []
    refused = frozenset(p.line for p in problems if p.file == "observation.csv")
    found = check_observation_rows(observations, measures, first_line=2, skip_lines=refused)
    return [RowProblem("observation.csv", problem.line, problem.reason.removesuffix(".")) for problem in found]


def _rehearse(frames: dict[str, pl.DataFrame]) -> list[RowProblem]:
    """Load the rows into a scratch database; on a refusal, try each row alone to name every bad one."""
    scratch = Store(":memory:")
    problems: list[RowProblem] = []
    try:
        for table in TABLES:
            frame = frames.get(table)
            if frame is None or frame.height == 0:
                continue
            try:
                scratch.insert_tables({table: frame})
                continue
            except Exception:  # noqa: BLE001 - any refusal is examined row by row below
                pass
            bad = scratch.check_rows(table, frame)
            problems += [RowProblem(f"{table}.csv", index + 2, reason) for index, reason in bad]
            good = frame.filter(~pl.int_range(frame.height).is_in([index for index, _ in bad]))
            try:
                scratch.insert_tables({table: good})
            except Exception as error:  # noqa: BLE001 - rows only wrong together (e.g. duplicates)
                problems.append(RowProblem(f"{table}.csv", 1, f"rows conflict with each other: {error}"))
    finally:
        scratch.close()
    return problems
