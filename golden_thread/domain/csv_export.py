"""The one CSV writer for every download: a file a spreadsheet opens as data, never as formulas, in words.

Every file starts with the UTF-8 byte order mark, so Excel reads it as UTF-8 (without it Excel guesses the PC's
code page and a "●", "›" or "é" comes out as "â—"). Every file is written as ``formatting.readable_frame`` has it:
headings and stored codes in words, dates as days, yes/no, whole numbers without ".0", blanks for missing.

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

from golden_thread.domain.formatting import readable_frame

# What a cell may not start with: a formula's first character, or a tab or carriage return before one.
FORMULA_START = r"^[=+\-@\t\r]"
_FORMULA = re.compile(FORMULA_START)
_TEXT_TYPES = (pl.Utf8, pl.Categorical, pl.Enum)
BOM = "\ufeff"  # the UTF-8 byte order mark, as text: a download of this text starts with its three bytes


def safe_cell(text: str) -> str:
    """One piece of text as it may go into a CSV cell: prefixed with ' when it starts like a formula."""
    return "'" + text if _FORMULA.match(text) else text


def safe_csv(frame: pl.DataFrame, decimals: dict[str, int] | None = None) -> str:
    """CSV for a spreadsheet, starting with the UTF-8 mark and in words (``readable_frame``; ``decimals``: column ->
    places for its numbers): every text cell and every header name that starts like a formula (= + - @, tab or
    carriage return) is prefixed with ' so a spreadsheet shows it as text instead of running it."""
    if not frame.columns:
        return BOM
    frame = readable_frame(frame, decimals)
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
    return BOM + header.getvalue() + cells.write_csv(include_header=False)


__all__ = ["BOM", "FORMULA_START", "safe_cell", "safe_csv"]
