"""Export and import of a whole organisation: one CSV per table, lossless in both directions.

An export is written whole or not at all (a hidden folder beside it, renamed into place once complete), owner-only
(the folder 0o700, its files 0o600), with ``manifest.json`` last: every table's file and row count. Accounts are
exported without their password hashes unless asked (``with_passwords``). Import requires the manifest and every
file it lists, each with its rows, so a folder a full disk or an unfinished copy left short is refused, saying
what is missing.

Import checks every row of every file before anything is written: each cell is read as its column's type
(a date as ``domain.figures.read_date`` reads it: ISO, or day/month/year in a day-first locale), the
observations meet the same rules on periods and figures as the data-entry form and the CSV import
(``domain.figures.check_observation_rows``), the keys, references and rules of the schema are checked over whole
columns (``import_checks``: each cause once, in words), then the rows are loaded into a scratch in-memory database
with the same schema. Each refused row is named by file, line and reason, and only when there is none are the
rows written to the real database, in one transaction.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import polars as pl

from golden_thread.domain.figures import DEFAULT_LOCALE, check_observation_rows, date_problem, read_dates
from golden_thread.errors import Refused
from golden_thread.storage.column_types import polars_type
from golden_thread.storage.files import write_folder_whole
from golden_thread.storage.import_checks import SHOWN, RowProblem, check_tables, listed
from golden_thread.storage.schema import ENUMERATIONS
from golden_thread.storage.store import TABLES, Store

MANIFEST = "manifest.json"
FORMAT = "golden-thread-export"
FORMAT_VERSION = 1


class ImportRefused(ValueError):
    """An import that wrote nothing, with every problem found."""

    def __init__(self, problems: list[RowProblem]):
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s); nothing was imported:\n" + "\n".join(map(str, problems)))


def export_organisation(store: Store, directory: str | Path, *, with_passwords: bool = False) -> dict[str, int]:
    """Write every table to ``directory/<table>.csv`` and the manifest, whole or not at all, into a new (or empty)
    folder; returns rows written per table. Accounts go without their password hashes unless ``with_passwords``."""
    directory = Path(directory)

    def fill(folder: Path) -> dict[str, int]:
        counts = {}
        for table in TABLES:
            frame = store.table(table)
            if table == "app_user" and not with_passwords:
                frame = frame.drop("password_hash")
            frame.write_csv(folder / f"{table}.csv", datetime_format="%Y-%m-%dT%H:%M:%S%.f")
            counts[table] = frame.height
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "schema_version": store.schema_version(),
            "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "with_passwords": with_passwords,
            "tables": {table: {"file": f"{table}.csv", "rows": rows} for table, rows in counts.items()},
        }
        (folder / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        return counts

    return write_folder_whole(directory, fill, "the export")


def read_export_manifest(directory: Path) -> dict[str, int]:
    """The rows each file of an export should hold (table -> rows), from its manifest; Refused, naming what is wrong,
    when there is none or it cannot be read."""
    path = directory / MANIFEST
    if not path.is_file():
        raise Refused(
            f"{directory} has no {MANIFEST}, so it is not a complete Golden Thread export (an export writes it last, "
            "once every file is complete). Export again, or copy the whole export folder again; nothing was imported."
        )
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise Refused(f"{path} cannot be read ({error}); export again. Nothing was imported.") from None
    tables = manifest.get("tables") if isinstance(manifest, dict) else None
    if (
        not isinstance(manifest, dict)
        or manifest.get("format") != FORMAT
        or not isinstance(tables, dict)
        or not all(isinstance(e, dict) and isinstance(e.get("rows"), int) for e in tables.values())
    ):
        raise Refused(f"{path} is not a Golden Thread export manifest; export again. Nothing was imported.")
    if not isinstance(manifest.get("format_version"), int) or manifest["format_version"] > FORMAT_VERSION:
        raise Refused(
            f"{directory} was exported by a newer Golden Thread (export format {manifest.get('format_version')!r}); "
            "upgrade Golden Thread, then import. Nothing was imported."
        )
    return {table: entry["rows"] for table, entry in tables.items()}


def _incomplete(directory: Path, expected: dict[str, int], frames: dict[str, pl.DataFrame], unread: set[str]) -> str:
    """What a partial export folder lacks, in one sentence (empty when nothing is missing). A file holding more rows
    than the export wrote was added to on purpose (a partial write only ever loses rows): its rows are judged like
    any other."""
    missing = [f"{table}.csv is missing" for table in expected if not (directory / f"{table}.csv").is_file()]
    short = [
        f"{table}.csv holds {frames[table].height:,} of its {rows:,} rows"
        for table, rows in expected.items()
        if table in frames and table not in unread and frames[table].height < rows
    ]
    if not missing and not short:
        return ""
    return (
        f"{directory} is not a complete export: "
        + "; ".join(missing + short)
        + ". Export again, or copy the whole folder again (if you removed rows on purpose, correct the file's row "
        f"count in {MANIFEST}); nothing was imported."
    )


# The largest whole number each of the database's smaller integer columns holds.
_LARGEST = {"INTEGER": 2**31 - 1, "SMALLINT": 2**15 - 1, "TINYINT": 2**7 - 1}

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
        rows = wrong.arg_true().to_list()
        reasons = [f"{column} {converted[column][i]!r} is not one of {', '.join(allowed)}" for i in rows[:SHOWN]]
        problems += listed(path.name, [i + 2 for i in rows], reasons, f"{column} is not one of them")
    return converted, problems


def _read_dates(texts: pl.Series, locale: str) -> pl.DataFrame:
    """``figures.read_dates``, with plain ISO dates (2026-10-01) read over the whole column at once: a file of a
    million distinct periods is read in a moment. Every other text is read (and refused) by ``read_dates``."""
    text = texts.cast(pl.Utf8).str.strip_chars()
    iso = pl.when(text.str.contains(r"^\d{4}-\d{2}-\d{2}$")).then(text.str.to_date("%Y-%m-%d", strict=False))
    fast = pl.select(iso.alias("date"))["date"]
    fast = fast.set(fast.dt.year().fill_null(0) < 1, None)
    rest = texts.set(fast.is_not_null(), None) if fast.null_count() < len(fast) else texts
    slow = read_dates(rest, locale)
    return pl.DataFrame({"date": fast.fill_null(slow["date"]), "why": slow["why"]})


def _convert(path: Path, columns: dict[str, str], locale: str) -> tuple[pl.DataFrame, list[RowProblem]]:
    problems: list[RowProblem] = []
    try:
        raw = pl.read_csv(path, infer_schema_length=0)
    except (pl.exceptions.ComputeError, pl.exceptions.NoDataError, UnicodeDecodeError) as error:
        return pl.DataFrame(), [RowProblem(path.name, 1, f"cannot be read as CSV UTF-8 ({str(error).splitlines()[0]})")]
    unknown = [c for c in raw.columns if c not in columns]
    if unknown:
        return pl.DataFrame(), [RowProblem(path.name, 1, f"unknown column(s) {', '.join(unknown)}")]
    dates = {c: _read_dates(raw[c], locale) for c in raw.columns if polars_type(columns[c]) == pl.Date}
    converted = raw.with_columns(
        dates[c]["date"].alias(c) if c in dates else _cast(pl.col(c), polars_type(columns[c])).alias(c)
        for c in raw.columns
    )
    for column in raw.columns:
        target = polars_type(columns[column])
        if target == pl.Utf8:
            continue
        if column in dates:
            why = dates[column]["why"]
            rows = why.is_not_null().arg_true().to_list()
            reasons = [date_problem(column, raw[column][i], why[i], locale).removesuffix(".") for i in rows[:SHOWN]]
            problems += listed(path.name, [i + 2 for i in rows], reasons, f"{column} is not a date")
            continue
        failed = raw[column].is_not_null() & (raw[column].str.strip_chars() != "") & converted[column].is_null()
        if target == pl.Float64:  # 'NaN', 'inf' and '1e400' convert, but no chart or target can use them
            failed = failed | ~converted[column].is_finite().fill_null(True)
        largest = _LARGEST.get(columns[column].upper())
        if largest is not None:  # a whole number the database's column cannot hold
            failed = failed | ~converted[column].is_between(-largest - 1, largest).fill_null(True)
        rows = failed.arg_true().to_list()
        reasons = []
        for index in rows[:SHOWN]:
            text = raw[column][index]
            value = converted[column][index]
            if value is None:
                words = _TYPE_WORDS.get(target, "a date and time")
            else:
                words = (
                    "a finite number"
                    if target == pl.Float64
                    else f"a whole number from {-largest - 1:,} to {largest:,}"
                )
            reasons.append(f"{column} {text!r} is not {words}")
        problems += listed(path.name, [i + 2 for i in rows], reasons, f"{column} cannot be read")
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
    expected = read_export_manifest(directory)
    known = {p.stem for p in directory.glob("*.csv")}
    strangers = sorted(known - set(TABLES))
    problems = [
        RowProblem(f"{name}.csv", 1, "not a Golden Thread table; expected one of " + ", ".join(TABLES))
        for name in strangers
    ]
    frames: dict[str, pl.DataFrame] = {}
    unread: set[str] = set()
    for table in TABLES:
        path = directory / f"{table}.csv"
        if path.exists():
            frame, found = read_table_file(path, store.columns(table), locale=locale)
            if not frame.width and found:
                unread.add(table)
            problems += found
            frames[table] = frame
    incomplete = _incomplete(directory, expected, frames, unread)
    if incomplete:
        raise Refused(incomplete)
    if not frames and not problems:
        raise Refused(f"{directory} holds no Golden Thread CSV files")
    problems += _observation_problems(frames, problems)
    problems += check_tables(store, frames, problems)
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
            problems += [RowProblem(f"{table}.csv", index + 2, _in_words(reason)) for index, reason in bad]
            good = frame.filter(~pl.int_range(frame.height).is_in([index for index, _ in bad]))
            try:
                scratch.insert_tables({table: good})
            except Exception as error:  # noqa: BLE001 - rows only wrong together (e.g. duplicates)
                problems.append(RowProblem(f"{table}.csv", 1, f"rows conflict with each other: {error}"))
    finally:
        scratch.close()
    return problems


_CHECK = re.compile(r"CHECK constraint failed on table \w+ with expression CHECK\((.*)\)\s*$")


def _in_words(reason: str) -> str:
    """A rule of the schema the rehearsal found broken, as the rule itself rather than DuckDB's wording."""
    match = _CHECK.match(reason)
    if not match:
        return reason
    rule = match.group(1).replace('"', "")
    while rule.startswith("(") and _closing(rule) == len(rule) - 1:
        rule = rule[1:-1]
    return f"breaks the rule {rule}"


def _closing(text: str) -> int:
    """Where the bracket opening ``text`` closes."""
    depth = 0
    for at, char in enumerate(text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0:
            return at
    return -1


def copy_database(source: Store, target: Store) -> dict[str, int]:
    """Every table of ``source`` written into ``target``, an empty database, in one transaction (all or nothing,
    with the target's own checks): how a trust moves between a DuckDB file and PostgreSQL (issue 19). Accounts keep
    their password hashes, as a copy of the whole database should; sign-ins in progress stay behind."""
    if not target.is_empty() or target.users().height:
        raise Refused(
            "The database to copy into already holds data; copy into an empty one (golden-thread init --db NEW) so "
            "that nothing in it is overwritten."
        )
    with source.moment() as read:  # one moment of the source, however long the copy takes while people work
        frames = {table: read(source.table_sql(table)) for table in TABLES}
    return target.insert_tables({table: frame for table, frame in frames.items() if frame.height})
