"""Importing a measure's observations from CSV or Excel: read, check every row, show the plan, then commit.

A file with any bad row writes nothing; re-importing the same file changes nothing and says so; a file
that changes stored values lists each change before it is committed. Aggregate data only: a file whose
columns look like patient identifiers is refused outright (DOMAIN Decision 6).

Every row meets the same rules as the data-entry form: its cells are read as the form reads them
(``observations.read_entry``: dates as ``figures.read_date`` reads them for the organisation's locale), and
then the period and the figures of the whole file are judged at once by ``figures.check_period_starts`` and
``figures.check_figures``, so the import refuses exactly what the form refuses, naming the line and reason.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import polars as pl

from golden_thread.domain.figures import DEFAULT_LOCALE, check_figures, check_period_starts
from golden_thread.domain.formatting import format_period
from golden_thread.domain.observations import ProposedObservation, figure_frame, read_entry, uses_denominator

COLUMNS = ("period_start", "value", "numerator", "denominator", "note")
# Each column as its heading reads (a heading is read back as its column: "Period start" is period_start).
COLUMN_WORDS = {name: name.replace("_", " ").capitalize() for name in COLUMNS}
IDENTIFYING = re.compile(
    r"nhs.?(number|no)|date.?of.?birth|\bdob\b|post.?code|patient.?name|surname|forename|"
    r"first.?name|^name$|hospital.?number|\bmrn\b",
    re.IGNORECASE,
)


# What a plan records of each stored period it will change, so the commit can tell whether anyone changed it since.
SEEN = ("value", "numerator", "denominator", "note", "status")


class ObservationFileError(ValueError):
    """A file that cannot be read as observations at all (before any row is looked at)."""


@dataclass
class ImportPlan:
    measure_id: int
    new: pl.DataFrame
    # Each stored period the file changes, with the stored values the plan saw (before_value, before_numerator,
    # before_denominator, before_note, before_status): the commit refuses the import if any has changed since.
    changed: pl.DataFrame
    unchanged: int
    problems: list[tuple[int, str]] = field(default_factory=list)
    filename: str | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def messages(self) -> list[str]:
        """Each problem as one line a person can act on: 'data.csv line 7: 130 of 120 — the numerator ...'."""
        where = f"{self.filename} line" if self.filename else "line"
        return [f"{where} {line}: {reason}" for line, reason in self.problems]

    @property
    def nothing_to_do(self) -> bool:
        return self.ok and self.new.height == 0 and self.changed.height == 0

    def new_preview(self, measure: dict, limit: int = 200) -> pl.DataFrame:
        """The new periods as the person reads them, before they import: Period ('Nov 2026'), the figures the
        measure takes (Value, or Numerator and Denominator) as typed, and Note; blanks where nothing is given."""
        figures = ("numerator", "denominator") if uses_denominator(measure) else ("value",)
        return self.new.head(limit).select(
            _period_words(measure),
            *(
                pl.col(name).map_elements(_typed, return_dtype=pl.Utf8).fill_null("").alias(name.capitalize())
                for name in figures
            ),
            pl.col("note").fill_null("").alias("Note"),
        )

    def changes_preview(self, measure: dict, limit: int = 200) -> pl.DataFrame:
        """Each stored period the file would change, in words: Period, Stored and In the file (the figures:
        '7.5', or '12 / 240'), and the note stored and in the file when they differ."""
        ratio = uses_denominator(measure)

        def figures(prefix: str) -> pl.Expr:
            if ratio:
                numerator = pl.col(f"{prefix}numerator").map_elements(_typed, return_dtype=pl.Utf8).fill_null("blank")
                denominator = pl.col(f"{prefix}denominator").map_elements(_typed, return_dtype=pl.Utf8)
                return pl.concat_str(numerator, pl.lit(" / "), denominator.fill_null("blank"))
            return pl.col(f"{prefix}value").map_elements(_typed, return_dtype=pl.Utf8).fill_null("blank")

        return self.changed.head(limit).select(
            _period_words(measure),
            figures("before_").alias("Stored"),
            figures("").alias("In the file"),
            pl.col("before_note").fill_null("").alias("Note stored"),
            pl.col("note").fill_null("").alias("Note in the file"),
        )


def _typed(number: float | None) -> str | None:
    """A figure as it was typed, thousands separated and without trailing zeros: 1234.50 -> '1,234.5'."""
    if number is None:
        return None
    return f"{number:,.6f}".rstrip("0").rstrip(".")


def _period_words(measure: dict) -> pl.Expr:
    return (
        pl.col("period_start")
        .map_elements(lambda day: format_period(day, measure.get("frequency")), return_dtype=pl.Utf8)
        .alias("Period")
    )


def template_csv(measure: dict) -> str:
    """A file with the columns this measure takes, headed in words, and one example row; it starts with the UTF-8
    mark so Excel opens it cleanly. The headings read back as the columns ("Period start" is period_start)."""
    if uses_denominator(measure):
        return "\ufeffPeriod start,Numerator,Denominator,Note\n2026-01-01,12,240,example row: replace me\n"
    return "\ufeffPeriod start,Value,Note\n2026-01-01,7.5,example row: replace me\n"


def read_observation_file(content: bytes, filename: str) -> pl.DataFrame:
    """The file's rows as text columns (so nothing is silently converted), with a `line` column."""
    name = filename.lower()
    if not content:
        raise ObservationFileError(f"{filename} is empty.")
    try:
        if name.endswith((".xlsx", ".xlsm", ".xls")):
            frame = pl.read_excel(io.BytesIO(content), engine="calamine", infer_schema_length=0)
            first_line = 2
        elif name.endswith((".csv", ".txt")):
            try:
                text = content.decode("utf-8-sig")
            except UnicodeDecodeError:
                raise ObservationFileError(
                    f"{filename} is not UTF-8 text; save it as 'CSV UTF-8' and upload again."
                ) from None
            frame = pl.read_csv(io.StringIO(text), infer_schema_length=0)
            first_line = 2
        else:
            raise ObservationFileError(f"{filename}: upload a .csv or .xlsx file.")
    except ObservationFileError:
        raise
    except Exception as error:  # noqa: BLE001 - any reader failure becomes one plain message
        raise ObservationFileError(f"{filename} could not be read: {str(error).splitlines()[0]}") from None
    frame = frame.rename({c: c.strip().lower().replace(" ", "_") for c in frame.columns})
    identifying = [c for c in frame.columns if IDENTIFYING.search(c)]
    if identifying:
        raise ObservationFileError(
            f"{filename} has column(s) that look like patient identifiers ({', '.join(identifying)}). "
            "Golden Thread holds aggregate data only: upload one row per period with counts or values, "
            "never patient-level data."
        )
    unknown = [c for c in frame.columns if c not in COLUMNS]
    if unknown:
        raise ObservationFileError(
            f"{filename}: unknown column(s) {', '.join(unknown)}; "
            f"expected {', '.join(COLUMN_WORDS.values())} (download the template)."
        )
    if "period_start" not in frame.columns:
        raise ObservationFileError(f"{filename} has no “Period start” column (download the template).")
    if frame.height == 0:
        raise ObservationFileError(f"{filename} has a header but no rows.")
    missing = [c for c in COLUMNS if c not in frame.columns]
    frame = frame.with_columns(pl.lit(None, dtype=pl.Utf8).alias(c) for c in missing)
    if name.endswith((".xlsx", ".xlsm", ".xls")):
        # The Excel reader gives a date cell as 'YYYY-MM-DD 00:00:00': the date the sheet shows.
        frame = frame.with_columns(
            pl.col("period_start").cast(pl.Utf8).str.replace(r"^(\d{4}-\d{2}-\d{2})[ T]00:00:00(?:\.0+)?$", "${1}")
        )
    return frame.select(
        pl.int_range(first_line, first_line + pl.len()).alias("line"), *(pl.col(c).cast(pl.Utf8) for c in COLUMNS)
    )


def plan_import(
    measure: dict,
    rows: pl.DataFrame,
    stored: pl.DataFrame,
    today: dt.date,
    progress: Callable[[float], None] | None = None,
    *,
    locale: str = DEFAULT_LOCALE,
    filename: str | None = None,
) -> ImportPlan:
    """Check every row and compare it with what is stored; writes nothing.

    ``locale`` is the organisation's (day/month/year dates are read where the day comes first);
    ``filename`` names the file in the plan's ``messages``."""
    problems: list[tuple[int, str]] = []
    read: list[dict] = []
    seen: dict[dt.date, int] = {}
    total = rows.height
    for index, row in enumerate(rows.iter_rows(named=True)):
        if progress and index % 2000 == 0:
            progress(index / total)
        entry = read_entry(
            ProposedObservation(row["period_start"], row["value"], row["numerator"], row["denominator"], row["note"]),
            measure,
            locale=locale,
        )
        problems += [(row["line"], problem) for problem in entry.problems]
        if entry.problems and not entry.figures_read:
            continue
        checked = {**entry.row, "line": row["line"]}
        read.append(checked)
        period = checked["period_start"]
        if entry.problems or period is None:
            continue
        if period in seen:
            problems.append(
                (
                    row["line"],
                    f"the period {format_period(period, measure.get('frequency'))} appears twice in the file "
                    f"(also line {seen[period]}).",
                )
            )
            continue
        seen[period] = row["line"]
    if progress:
        progress(1.0)
    # The rules on periods and figures, over every row read at once (the form runs the same on one row).
    frame = figure_frame(read, measure)
    judged = check_period_starts(frame.filter(pl.col("period_start").is_not_null()), today) + check_figures(frame)
    problems += [(problem.line, problem.reason) for problem in judged]
    refused = {line for line, _ in problems}
    clean = [{k: v for k, v in row.items() if k != "line"} for row in read if row["line"] not in refused]
    schema = {
        "measure_id": pl.Int64,
        "period_start": pl.Date,
        "value": pl.Float64,
        "numerator": pl.Float64,
        "denominator": pl.Float64,
        "note": pl.Utf8,
    }
    incoming = pl.DataFrame(clean, schema=schema)
    seen = [c for c in SEEN if c in stored.columns]
    before = stored.select("period_start", *(pl.col(c).alias(f"before_{c}") for c in seen))
    joined = incoming.join(before, on="period_start", how="left")
    exists = pl.col("period_start").is_in(stored["period_start"].implode())
    same = pl.all_horizontal(
        pl.col(c).eq_missing(pl.col(f"before_{c}")) for c in ("value", "numerator", "denominator", "note")
    )
    new = joined.filter(~exists).select(schema.keys())
    changed = joined.filter(exists & ~same)
    unchanged = joined.filter(exists & same).height
    return ImportPlan(measure["id"], new, changed, unchanged, sorted(problems), filename)
