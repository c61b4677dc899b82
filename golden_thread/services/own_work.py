"""A team's own work: the measures a team member enters data for, the ones still awaiting data first.

A team member opens Golden Thread to update their measures, so their landing page lists their own team's (or, in a
network, their own school's) active measures, and puts first each one whose latest complete period has no data yet.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from golden_thread.domain.observations import current_period

OWN_COLUMNS = {
    "measure_id": pl.Int64,
    "frequency": pl.Utf8,
    "due": pl.Date,
    "last_period": pl.Date,
    "awaiting": pl.Boolean,
}


def latest_complete_period(frequency: str, today: dt.date) -> dt.date:
    """The start of the last period that has ended by ``today``: last month, or last week (weeks start on Monday)."""
    current = current_period(frequency, today)
    if frequency == "weekly":
        return current - dt.timedelta(days=7)
    return (current - dt.timedelta(days=1)).replace(day=1)


def own_measures(db, username: str, today: dt.date) -> pl.DataFrame:
    """The active measures owned by the person's own units (their team and anything beneath it), awaiting data first,
    then in the order the measures were made: measure_id, frequency, due (the latest complete period), last_period
    (the latest with data, if any) and awaiting (due has no data yet)."""
    teams = db.user_teams(username)
    if not teams:
        return pl.DataFrame(schema=OWN_COLUMNS)
    owned = db.measure_owners().filter(pl.col("owner").is_in(list(teams)))
    measures = db.measures().filter(pl.col("status") == "active").select(pl.col("id").alias("measure_id"), "frequency")
    rows = [
        {
            "measure_id": row["measure_id"],
            "frequency": row["frequency"],
            "due": (due := latest_complete_period(row["frequency"], today)),
            "last_period": row["last_period"],
            "awaiting": row["last_period"] is None or row["last_period"] < due,
        }
        for row in measures.join(owned, on="measure_id").iter_rows(named=True)
    ]
    frame = pl.DataFrame(rows, schema=OWN_COLUMNS)
    return frame.sort(["awaiting", "measure_id"], descending=[True, False])
