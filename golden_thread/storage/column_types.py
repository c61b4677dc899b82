"""The polars type that holds a column of each of the database's types (named as DuckDB names them)."""

from __future__ import annotations

import polars as pl


def polars_type(duckdb_type: str) -> pl.DataType:
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
