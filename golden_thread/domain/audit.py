"""Reading the audit trail in people's words: 'changed from 12 to 14 by team on 3 November 2026'."""

from __future__ import annotations

import json

import polars as pl

FIGURES = ("value", "numerator", "denominator")


def _figure(record: dict | None) -> str:
    if not record:
        return "nothing"
    if record.get("value") is not None:
        return f"{record['value']:g}"
    if record.get("numerator") is not None:
        return f"{record['numerator']:g}/{record['denominator']:g}"
    return "blank"


def value_history(audit: pl.DataFrame) -> pl.DataFrame:
    """period, when, who, change: each add and correction of a measure's observations, newest first."""
    rows = []
    for record in audit.sort("id", descending=True).iter_rows(named=True):
        before = json.loads(record["before_json"]) if record["before_json"] else None
        after = json.loads(record["after_json"]) if record["after_json"] else None
        period = record["entity_key"].split("/", 1)[-1]
        if record["action"] == "import":
            change = (
                f"imported {after.get('added', 0)} new and {after.get('corrected', 0)} corrected period(s)"
                if after
                else "imported"
            )
            period = "file " + period
        elif before is None:
            change = f"entered as {_figure(after)}"
        else:
            change = f"changed from {_figure(before)} to {_figure(after)}"
        rows.append({"period": period, "when": record["occurred_at"], "who": record["username"], "change": change})
    return pl.DataFrame(rows, schema={"period": pl.Utf8, "when": pl.Datetime, "who": pl.Utf8, "change": pl.Utf8})
