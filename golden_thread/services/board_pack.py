"""What the board pack shows beyond the board itself, read from the store once, for the renderer to draw.

The figures of a month's board come from a ``BoardView`` (``services.board``). Everything else the pack prints is
gathered here into a ``PackData``: the organisation's name, each aim's contributing projects, the leadership
practice summary's inputs and the alignment summary's inputs, all as they stand on the day the pack is made. The
renderer (``report.board_pack``) draws from the view and this data and never touches the database.

The store handed in is bound to one organisation (``Store.within``), so every read here is that organisation's
own: its divisions, teams, projects, assessments and published boards.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

import polars as pl

from golden_thread.domain.leadership import FrameworkVersion
from golden_thread.domain.leadership_frameworks import LEVERAGE_POINTS
from golden_thread.domain.vocabulary import HEALTH, Words, words, words_for
from golden_thread.services.board import BoardView, live_board, published_view
from golden_thread.storage.store import Store


@dataclass(frozen=True)
class LeadershipInputs:
    """What the leadership practice summary is drawn from.

    ``working``: ``Store.aims_leadership()``, each team and hub working on an active aim with its latest
    assessments. ``board_assessment``: the board organisation's newest self-assessment against the seven leverage
    points (None: not yet rated). ``framework``: the version of the leverage points it used, else the active one
    (None: the framework is not in the database). ``ratings``: that assessment's ratings (empty when none).
    ``evidence_facts``: ``Store.leadership_evidence_facts(generated_on)``. ``published_months``: the months the
    organisation's board was published, oldest first. ``words``: the organisation's vocabulary, which the evidence
    sentences and the summary take (a trust's board, a school network's leadership team)."""

    working: pl.DataFrame
    board_assessment: dict | None
    framework: FrameworkVersion | None
    ratings: pl.DataFrame
    evidence_facts: dict[str, int]
    published_months: tuple[dt.date, ...]
    words: Words = HEALTH


@dataclass(frozen=True)
class ChartNotes:
    """What a measure's chart marks on its time axis, as the app's chart reads it: the change annotations
    (``Store.annotations``) and the PDSA cycles of the work the measure watches (``Store.pdsa_cycles_for_measure``).
    ``draw.charts.chart_events`` turns them into the markers, for the screen and the pack alike."""

    annotations: pl.DataFrame
    cycles: pl.DataFrame


def chart_notes(store: Store, measure_id: int) -> ChartNotes:
    """A measure's change annotations and PDSA cycles, read as the measure and board screens read them."""
    return ChartNotes(annotations=store.annotations([measure_id]), cycles=store.pdsa_cycles_for_measure(measure_id))


@dataclass(frozen=True)
class PackData:
    """Everything the board pack prints that is not in the ``BoardView``, as it stood on the day it was gathered.

    ``organisation`` and ``organisation_kind``: whose pack it is (its title, running header and cover).
    ``aim_projects``: for each aim on the board (by aim id), ``Store.aim_projects``. ``leadership``: the
    leadership practice summary's inputs. ``thread_flags``: the thread's checks on that day, and
    ``project_alignment``: ``Store.project_alignment()``, the alignment summary's inputs. ``chart_notes``: by
    measure id, what each aim's outcome chart marks (its changes and PDSA cycles; none when absent)."""

    organisation: str
    organisation_kind: str | None
    aim_projects: Mapping[int, pl.DataFrame]
    leadership: LeadershipInputs
    thread_flags: pl.DataFrame
    project_alignment: pl.DataFrame
    chart_notes: Mapping[int, ChartNotes] = field(default_factory=dict)

    @property
    def words(self) -> Words:
        """The organisation's vocabulary, which the whole pack speaks (a network's "leadership team report")."""
        return self.leadership.words


class PackRenderer(Protocol):
    """The renderer ``board_pack_for_month`` hands the view and data to (``report.board_pack.board_pack_pdf``)."""

    def __call__(self, view: BoardView, data: PackData, *, generated_on: dt.date) -> bytes: ...


def organisation_of(store: Store) -> tuple[int | None, str, str | None]:
    """Whose pack it is: (id, name, kind) of the store's own organisation (a trust, or a network); in the unscoped
    store (maintenance only), the first trust, else the first top-level organisation."""
    if not store.scope.is_everything:
        return store.scope.organisation_id, store.scope.name, store.scope.kind
    organisations = store.organisations()
    trusts = organisations.filter(pl.col("kind") == "trust")
    rows = trusts if trusts.height else organisations.filter(pl.col("parent_id").is_null())
    if rows.height == 0:
        return None, "Organisation not named", None
    row = rows.row(0, named=True)
    return row["id"], row["name"], row["kind"]


def organisation_words(store: Store) -> Words:
    """The vocabulary of the organisation the pack is for (see ``organisation_of``): a school network's words for
    a network, a trust's for a trust."""
    if not store.scope.is_everything:
        return words(store.scope.vocabulary)
    return words_for(store.organisations(), organisation_of(store)[0])


def trust_name(store: Store) -> str:
    """The name of the organisation the pack is for (see ``organisation_of``)."""
    return organisation_of(store)[1]


def leadership_inputs(store: Store, generated_on: dt.date) -> LeadershipInputs:
    """The leadership practice summary's inputs for the store's organisation, as recorded on ``generated_on``."""
    organisation_id = organisation_of(store)[0]
    board = (
        store.leadership_assessments(organisation_id, LEVERAGE_POINTS)
        if organisation_id is not None
        else pl.DataFrame()
    )
    version_id = board["version_id"][0] if board.height else store.active_version_id(LEVERAGE_POINTS)
    framework = store.framework_version(version_id) if version_id is not None else None
    snapshots = store.board_snapshots()
    if organisation_id is not None:  # a network's scope holds its members' boards too: only its own count here
        snapshots = snapshots.filter(pl.col("organisation_id") == organisation_id)
    return LeadershipInputs(
        working=store.aims_leadership(),
        board_assessment=board.row(0, named=True) if board.height else None,
        framework=framework,
        ratings=store.assessment_ratings(board["id"][:1].to_list() if board.height else []),
        evidence_facts=store.leadership_evidence_facts(generated_on),
        published_months=tuple(sorted(snapshots["month"].to_list())),
        words=organisation_words(store),
    )


def pack_data(store: Store, view: BoardView, *, thread_flags: pl.DataFrame, generated_on: dt.date) -> PackData:
    """The pack's data for ``view`` from the store's organisation as it is on ``generated_on``.

    ``thread_flags``: the thread's checks on ``generated_on`` (``live_board`` returns them beside the view). The
    contributing projects are read for every aim on ``view``, a published board's included: its counts are
    frozen, its list of projects is today's (the pack says so), and so are the changes and PDSA cycles its
    charts mark (the renderer draws those up to the month's end)."""
    _, name, kind = organisation_of(store)
    charted = view.aims["measure_id"].drop_nulls().unique(maintain_order=True).to_list()
    return PackData(
        organisation=name,
        organisation_kind=kind,
        aim_projects={aim_id: store.aim_projects(aim_id) for aim_id in view.aims["aim_id"].to_list()},
        leadership=leadership_inputs(store, generated_on),
        thread_flags=thread_flags,
        project_alignment=store.project_alignment(),
        chart_notes={measure_id: chart_notes(store, measure_id) for measure_id in charted},
    )


def board_pack_for_month(store: Store, month: dt.date, *, today: dt.date, render: PackRenderer) -> bytes:
    """The pack for ``month``: the published snapshot when the month was published, else a draft from today's data.

    ``render``: ``report.board_pack.board_pack_pdf`` (services sit beneath the report layer, so the caller hands
    the renderer in)."""
    live, checks = live_board(store, month, today)
    view = published_view(store, month) or live
    return render(view, pack_data(store, view, thread_flags=checks, generated_on=today), generated_on=today)
