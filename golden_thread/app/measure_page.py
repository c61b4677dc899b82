"""What the Measures page reads and computes for one measure, kept until a table it was read from changes (issue 18).

The page runs on every click in it, so each piece is kept (``app/kept.py``) by what it was read from: a month's
observation entered recomputes the chart, the data and the value history, and leaves the PDSA cycles, the projects
and their change ideas as they were. The pieces are a few bundles rather than one per query, since each kept piece
asks the file for its tables' versions once per run.

Each kept piece is computed from the store alone (the measure's row comes from ``all_measures``), never from what
the page holds, so its arguments stay a measure's id, a project's id or a person's username.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import NamedTuple

import polars as pl

from golden_thread.app.kept import kept
from golden_thread.app.ui import all_measures
from golden_thread.domain.attribution import cycles_before_signals
from golden_thread.domain.audit import Names, value_history
from golden_thread.draw.charts import chart_events, spc_chart
from golden_thread.draw.vega import vega_spec
from golden_thread.services.measure_series import measure_charts, measure_data_csv
from golden_thread.services.own_work import own_measures
from golden_thread.storage.store import Store


class MeasureData(NamedTuple):
    """One measure's chart and stored data, as the page shows and edits them."""

    points: pl.DataFrame  # the charted periods (``analyse`` output)
    summaries: pl.DataFrame  # one row: the chart's reading and the measure's fields; empty without data
    observations: pl.DataFrame  # the stored periods, for the entry form, the import and the CSV
    phases: pl.DataFrame
    exclusions: pl.DataFrame
    team_id: int | None  # the unit that owns the measure (``Store.measure_team``), for who may enter data
    csv: str | None  # the "Data (CSV)" download; None without data


class Markers(NamedTuple):
    """The PDSA cycles and changes drawn on one measure's chart."""

    cycles: pl.DataFrame  # the cycles of the work the measure watches (``Store.pdsa_cycles_for_measure``)
    events: pl.DataFrame  # the chart's markers (``chart_events``)
    preceding: pl.DataFrame  # the cycles in the months before each signal (``cycles_before_signals``)


def measure_row(db: Store, measure_id: int) -> dict:
    return all_measures(db).filter(pl.col("id") == measure_id).row(0, named=True)


def _data(db: Store, measure_id: int) -> MeasureData:
    measure = measure_row(db, measure_id)
    points, summaries = measure_charts(db, [measure_id], measures=all_measures(db))
    observations = db.observations([measure_id])
    return MeasureData(
        points,
        summaries,
        observations,
        db.chart_phases([measure_id]),
        db.point_exclusions([measure_id]),
        db.measure_team(measure_id),
        measure_data_csv(measure, points, observations) if points.height else None,
    )


def measure_data(db: Store, measure_id: int) -> MeasureData:
    return kept(db, "measure_page.data", _data, measure_id)


def _cycles_and_changes(db: Store, measure_id: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    return db.pdsa_cycles_for_measure(measure_id), db.annotations([measure_id])


def _markers(db: Store, measure_id: int) -> Markers:
    points = measure_data(db, measure_id).points
    cycles, changes = kept(db, "measure_page.cycles", _cycles_and_changes, measure_id)
    return Markers(
        cycles, chart_events(changes, cycles, first=points["x"].min()), cycles_before_signals(points, cycles)
    )


def markers(db: Store, measure_id: int) -> Markers:
    """Only for a measure with data (its chart's first period places the markers)."""
    return kept(db, "measure_page.markers", _markers, measure_id)


def spc_chart_of(measure: dict, points: pl.DataFrame, events: pl.DataFrame, near: bool):
    """The measure's SPC chart (altair) with its markers, and the 2-sigma limits when ``near``: the one the page
    draws, and the one the PNG and SVG downloads draw from what the page showed."""
    return spc_chart(
        points, unit=measure["unit"] or "", target=measure["target_value"], annotations=events, show_near_limits=near
    )


def chart_file(render: Callable, measure: dict, points: pl.DataFrame, events: pl.DataFrame, near: bool) -> Callable:
    """A download's deferred data: ``render`` (``chart_png`` or ``chart_svg``) of the chart the page shows, titled
    with the measure's name, drawn only when the person asks for the file."""
    return lambda: render(spc_chart_of(measure, points, events, near).properties(title=measure["name"], width=900))


def _chart_spec(db: Store, measure_id: int, near: bool) -> dict:
    chart = spc_chart_of(
        measure_row(db, measure_id), measure_data(db, measure_id).points, markers(db, measure_id).events, near
    )
    return vega_spec(chart)


def chart_spec(db: Store, measure_id: int, near: bool) -> dict:
    """``spc_chart_of`` as the Vega-Lite spec the page draws (building and converting the chart is most of a run).
    Only for a measure with data."""
    return kept(db, "measure_page.chart", _chart_spec, measure_id, near)


def _history(db: Store, measure_id: int) -> pl.DataFrame:
    audit = db.observation_audit(measure_id)
    # The history names only the people who entered and corrected the figures: those few accounts are read, not
    # every name of the trail (``Store.audit_names``, which changes with every write anywhere).
    people = [(username, db.user(username)) for username in audit["username"].drop_nulls().unique().sort()]
    names = pl.DataFrame(
        {
            "kind": ["app_user"] * len(people),
            "key": [username for username, _ in people],
            "name": [account["display_name"] if account else None for _, account in people],
        },
        schema={"kind": pl.Utf8, "key": pl.Utf8, "name": pl.Utf8},
    )
    return value_history(audit, measure_row(db, measure_id), Names(names.drop_nulls("name")))


def history(db: Store, measure_id: int) -> pl.DataFrame:
    """period, when, who, change: each entry and correction of the measure's data (``value_history``)."""
    return kept(db, "measure_page.history", _history, measure_id)


def cycle_projects(db: Store, measure_id: int) -> pl.DataFrame:
    """The projects whose cycles the measure's chart shows (id, title, team_id), to log a cycle on."""
    return kept(db, "measure_page.projects", lambda db, measure_id: db.projects_for_measure(measure_id), measure_id)


def _project_choices(db: Store, project_id: int) -> tuple[dict, dict]:
    ideas = db.change_ideas_for_project(project_id)
    cycles = db.pdsa_cycles(project_id)
    return (
        dict(zip(ideas["id"], ideas["title"])),
        {c["id"]: f"Cycle {c['cycle_number']}: {c['title']}" for c in cycles.iter_rows(named=True)},
    )


def project_choices(db: Store, project_id: int) -> tuple[dict, dict]:
    """(change idea id -> title, earlier cycle id -> "Cycle n: title") for logging a cycle on the project."""
    return kept(db, "measure_page.project_choices", _project_choices, project_id)


def own(db: Store, username: str, today: dt.date) -> pl.DataFrame:
    """``own_measures`` of a team member."""
    return kept(db, "measure_page.own", own_measures, username, today)


def organisations(db: Store) -> pl.DataFrame:
    return kept(db, "measure_page.organisations", lambda db: db.organisations())
