"""The one CSV writer for every download: a file a spreadsheet opens as data, never as formulas.

A spreadsheet runs a cell that starts with = + - or @ (and some read a leading tab or carriage return the same
way), so a title typed as ``=HYPERLINK("http://…")`` would become a live link in whoever opens the download. Every
such cell is written with a leading ' instead, which shows the text as typed. Header names are cells too: a
column named after an aim (the coverage grid's) is treated the same way.
"""

from __future__ import annotations

import csv
import io
import re

import polars as pl

# What a cell may not start with: a formula's first character, or a tab or carriage return before one.
FORMULA_START = r"^[=+\-@\t\r]"
_FORMULA = re.compile(FORMULA_START)
_TEXT_TYPES = (pl.Utf8, pl.Categorical, pl.Enum)


def safe_cell(text: str) -> str:
    """One piece of text as it may go into a CSV cell: prefixed with ' when it starts like a formula."""
    return "'" + text if _FORMULA.match(text) else text


def safe_csv(frame: pl.DataFrame) -> str:
    """CSV for a spreadsheet: every text cell and every header name that starts like a formula (= + - @, tab or
    carriage return) is prefixed with ' so a spreadsheet shows it as text instead of running it."""
    if not frame.columns:
        return ""
    text = [name for name, dtype in frame.schema.items() if isinstance(dtype, _TEXT_TYPES)]
    cells = frame.with_columns(
        pl.when(pl.col(name).cast(pl.Utf8).str.contains(FORMULA_START))
        .then(pl.lit("'") + pl.col(name).cast(pl.Utf8))
        .otherwise(pl.col(name).cast(pl.Utf8))
        .alias(name)
        for name in text
    )
    header = io.StringIO()
    csv.writer(header, lineterminator="\n").writerow([safe_cell(name) for name in frame.columns])
    return header.getvalue() + cells.write_csv(include_header=False)


__all__ = ["FORMULA_START", "safe_cell", "safe_csv"]
