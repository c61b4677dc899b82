"""Creating and editing the thread's records: check the proposal (``domain.records``), then write it through the
store, which authorises the person, holds the record to their organisation, refuses a stale save and audits the
change in one transaction. Screens and the command line call these; a refusal raises ``Refused`` and leaves nothing
changed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from golden_thread.domain.records import RECORDS, check_record
from golden_thread.errors import Refused
from golden_thread.storage.record_queries import MEASURE_PARENTS
from golden_thread.storage.store import Store


def opened_values(record: dict | None, table: str) -> dict | None:
    """What an editor shows of a record when it opens: the values a later save is checked against (stale save)."""
    if record is None:
        return None
    names = [*RECORDS[table].columns, "status"] + (list(MEASURE_PARENTS) if table == "measure" else [])
    return {name: record.get(name) for name in names if name in record}


def save_record(
    db: Store,
    table: str,
    proposed: dict,
    *,
    username: str,
    today: dt.date,
    record_id: int | None = None,
    opened: dict | None = None,
    placed: dict | None = None,
    link: tuple[str, int] | None = None,
) -> int:
    """Create (``record_id`` None) or edit a record of ``table``; returns its id.

    ``placed`` names where a new record hangs (organisation_id, objective_id, team_id, or a measure's aim_id,
    driver_id or project_id) and, for an edit, where a measure moves to. ``opened`` is ``opened_values`` of the
    record as the editor showed it."""
    before = None
    if record_id is not None:
        before = db.record(table, record_id)
        if before is None:
            raise Refused(f"There is no {RECORDS[table].noun} {record_id} in {db.scope.name}.")
    row, problems = check_record(
        table, proposed, today=today, before=before, active_titles=_other_active_titles(db, table, record_id)
    )
    if problems:
        raise Refused(problems)
    if table == "measure" and placed:
        row.update({column: placed.get(column) for column in MEASURE_PARENTS})
    elif placed:
        row.update(placed)
    if before is None:
        return db.create_record(table, row, username=username, link=link)
    db.update_record(table, record_id, row, username=username, opened=opened)
    return record_id


def _other_active_titles(db: Store, table: str, record_id: int | None) -> list[str]:
    """The titles of the organisation's other active records of a kind whose titles must differ (``unique_title``)."""
    if not RECORDS[table].unique_title:
        return []
    records = db.records(table)
    return records.filter((pl.col("status") == "active") & (pl.col("id") != (record_id or -1)))["label"].to_list()


def create_aim(
    db: Store, aim: dict, outcome: dict, *, objective_id: int, username: str, today: dt.date
) -> tuple[int, int]:
    """A new system-level aim and its outcome measure, checked together: a SMART aim is measurable from day one."""
    aim_row, problems = check_record("aim", aim, today=today, active_titles=_other_active_titles(db, "aim", None))
    measure_row, measure_problems = check_record("measure", {**outcome, "measure_type": "outcome"}, today=today)
    problems += [f"Outcome measure: {p}" for p in measure_problems]
    if problems:
        raise Refused(problems)
    return db.create_aim({**aim_row, "objective_id": objective_id}, measure_row, username=username)


@dataclass(frozen=True)
class Step:
    number: int
    title: str
    done: bool
    why: str  # what the step gives the organisation


def getting_started(db: Store) -> list[Step]:
    """The guided start of an organisation building its thread (issue 15): objectives, a system-level aim with its
    outcome measure, its driver diagram, the first project, its measures; each marked done once it exists."""
    progress = db.thread_progress()
    return [
        Step(1, "Strategic objectives", progress["objectives"] > 0, "What the organisation means to achieve."),
        Step(
            2,
            "A system-level aim with its outcome measure",
            progress["measured_aims"] > 0,
            "How much, by when, for whom, and the measure that will show it.",
        ),
        Step(3, "Its driver diagram", progress["diagrams"] > 0, "What must change to reach the aim, and the ideas."),
        Step(4, "The first improvement project", progress["projects"] > 0, "A team testing a change idea."),
        Step(5, "The project's measures", progress["project_measures"] > 0, "Process and balancing measures to chart."),
    ]


MEASURE_DEFAULTS = {
    "frequency": "monthly",
    "chart_type": "p",
    "rules": "mdc",
    "improvement_direction": "increase",
    "multiplier": 100,
    "decimal_places": 1,
    "expected_lag_days": 30,
}
