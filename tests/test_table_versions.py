"""What is computed from the data is kept until a table it read changes (issue 18): each write stamps the tables
it changed, and the app's kept computations (``app/kept.py``) are recomputed only when one of theirs moved on, by
this program or any other sharing the file. A stale figure is the failure to fear, so most of these tests check
that a write *is* seen."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
import streamlit as st

from golden_thread.app import ui
from golden_thread.app.kept import begin_run, kept
from golden_thread.app.ui import all_measure_charts, board, board_charts, thread_flags, thread_model
from golden_thread.domain.checks import RULES
from golden_thread.domain.observations import ProposedObservation
from golden_thread.domain.pdsa import ProposedCycle
from golden_thread.storage.store import Store
from golden_thread.storage.table_versions import EVERY_TABLE, reading, tables_named, tables_written
from tests.conftest import DEMO_TODAY


@pytest.fixture(autouse=True)
def _fresh_caches():
    """Nothing kept, and outside any page run (a test that begins one ends it here: the run's memo of the table
    versions would otherwise hide another store's writes from the tests after it)."""
    from golden_thread.app import kept as kept_module

    st.cache_resource.clear()
    outside_a_run = kept_module._versions_this_run.set(None)
    yield
    kept_module._versions_this_run.reset(outside_a_run)
    st.cache_resource.clear()


def _enter_observation(store: Store, measure_id: int, value: float = 7.0) -> None:
    """A team's month of data: the newest period of the measure corrected."""
    last = store.observations([measure_id])["period_start"].max()
    stored = store.observations([measure_id]).filter(pl.col("period_start") == last).row(0, named=True)
    figures = (
        {"value": str(value)}
        if stored["value"] is not None and stored["numerator"] is None
        else {"numerator": str(stored["numerator"] + 1), "denominator": str(stored["denominator"])}
    )
    store.save_observation(
        measure_id, ProposedObservation(last, **figures), username="lead", today=DEMO_TODAY, correcting=True
    )


def test_statements_name_the_tables_they_write_and_anything_unknown_stamps_every_table():
    assert tables_written("INSERT INTO observation (measure_id) VALUES (1) ON CONFLICT DO UPDATE SET value = 1") == {
        "observation"
    }
    assert tables_written('UPDATE "project" SET title = ? WHERE id = ?') == {"project"}
    assert tables_written("DELETE FROM main.huddle WHERE id = 1") == {"huddle"}
    assert tables_written("SELECT * FROM project") == set()
    assert tables_written("CREATE TEMP TABLE kept_rows AS SELECT 1") == {EVERY_TABLE}
    assert tables_written("CHECKPOINT") == {EVERY_TABLE}
    assert tables_written("INSERT INTO no_such_table VALUES (1)") == {EVERY_TABLE}


def test_a_read_depends_on_the_tables_that_decide_its_organisation_scope():
    # A measure belongs to an organisation through its project, aim or driver, and a member's uniform measure
    # through member_measure: moving any of them changes which measures an organisation sees.
    assert tables_named("SELECT * FROM measure") >= {
        "measure",
        "project",
        "aim",
        "driver",
        "strategic_objective",
        "member_measure",
        "organisation",
    }
    assert tables_named("SELECT count(*) FROM app_setting") == {"app_setting"}


def test_each_write_stamps_only_the_tables_it_changed(demo):
    _, before = demo.table_versions()
    _enter_observation(demo, 1)
    _, after = demo.table_versions()
    moved = {table for table in after if after[table] != before.get(table)}
    assert moved == {"observation", "audit_log"}
    assert after["observation"] == demo.data_version
    demo.update_record("strategic_objective", 1, {"title": "Renamed objective"}, username="lead", opened=None)
    _, later = demo.table_versions()
    assert {table for table in later if later[table] != after.get(table)} == {"strategic_objective", "audit_log"}


def test_a_write_that_fails_stamps_nothing(demo):
    _, before = demo.table_versions()
    with pytest.raises(RuntimeError), demo._transaction() as cursor:
        cursor.execute("UPDATE project SET title = 'x' WHERE id = 1")
        raise RuntimeError("the write is abandoned")
    assert demo.table_versions()[1] == before
    assert demo.project_alignment().filter(pl.col("project_id") == 1)["project"][0] != "x"


def test_reading_collects_what_every_query_inside_depends_on(demo):
    with reading() as outer:
        demo.board_measures()
        with reading() as inner:
            demo.observations([1])
    assert "observation" in inner and "observation" in outer
    assert {"measure", "aim"} <= outer


def test_a_kept_computation_is_reused_until_a_table_it_read_changes(demo):
    calls = []

    def count_projects(db: Store) -> int:
        calls.append(1)
        return db.project_alignment().height

    first = kept(demo, "count_projects", count_projects)
    assert kept(demo, "count_projects", count_projects) == first and len(calls) == 1
    _enter_observation(demo, 1)  # projects were not read through observations
    assert kept(demo, "count_projects", count_projects) == first and len(calls) == 1
    demo.update_record("project", 1, {"title": "A renamed project"}, username="lead", opened=None)
    assert kept(demo, "count_projects", count_projects) == first and len(calls) == 2


def test_sessions_asking_at_once_for_a_value_not_kept_compute_it_once_and_share_it(demo):
    """After a write, every session arriving at the board needs the same new value: the first computes it, the
    others wait for it rather than computing it beside the first."""
    import threading
    import time

    from golden_thread.app.kept import _holder

    started, finish, calls, values = threading.Event(), threading.Event(), [], []

    def count_projects(db: Store) -> int:
        calls.append(1)
        started.set()
        assert finish.wait(60), "the test never let the computation finish"
        return db.project_alignment().height

    sessions = [threading.Thread(target=lambda: values.append(kept(demo, "count", count_projects))) for _ in range(3)]
    sessions[0].start()
    assert started.wait(60)
    for session in sessions[1:]:
        session.start()
    computing = _holder()._computing
    deadline = time.monotonic() + 60  # the two later sessions reach the computation's lock and wait there
    while sum(entry[1] for entry in computing.values()) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    finish.set()
    for session in sessions:
        session.join(60)
    assert len(calls) == 1 and values == [demo.project_alignment().height] * 3
    assert computing == {}  # nothing left behind once nobody computes


def test_a_write_by_another_program_sharing_the_file_is_seen(demo):
    """The versions are in the file: a command run between the app's pages is seen on the next view."""

    def numerators(db: Store) -> list:
        return db.observations([1]).sort("period_start")["numerator"].to_list()

    first = kept(demo, "numerators", numerators)
    other = Store(demo.path)
    try:
        _enter_observation(other.within(demo.scope), 1)
    finally:
        other.close()
    again = kept(demo, "numerators", numerators)
    assert again[:-1] == first[:-1] and again[-1] == first[-1] + 1


def test_entering_data_rechecks_only_the_rules_that_read_observations_and_flags_stay_right(demo, monkeypatch):
    asked: list[list[str]] = []
    real = Store.thread_breaks

    def spying(self, today, **kwargs):
        asked.append([rule.name for rule in kwargs["rules"]])
        return real(self, today, **kwargs)

    monkeypatch.setattr(Store, "thread_breaks", spying)
    before = thread_flags(demo, DEMO_TODAY)
    assert asked == [list(RULES)]  # every rule, once, in one query
    _, versions = demo.table_versions()
    _enter_observation(demo, 1)
    _, moved = demo.table_versions()
    changed = {table for table in moved if moved[table] != versions.get(table)}  # the observation and its audit
    after = thread_flags(demo, DEMO_TODAY)
    rechecked = [name for name, rule in RULES.items() if Store.thread_break_tables(rule) & changed]
    assert asked[1] == rechecked and {"measure_gone_quiet", "stale_project"} <= set(rechecked)
    assert len(rechecked) < len(RULES) / 2
    assert after.equals(before)  # one corrected figure breaks nothing
    # A new project that serves no aim is an orphan on the next check.
    new_id = demo.create_record(
        "project", {"title": "Untethered project", "team_id": 5, "status": "active"}, username="lead"
    )
    flags = thread_flags(demo, DEMO_TODAY)
    orphans = flags.filter(pl.col("rule") == "orphan_project")["entity_id"].to_list()
    assert new_id in orphans and new_id not in before["entity_id"].to_list()


def test_the_board_and_the_thread_follow_a_write_as_if_nothing_were_kept(demo):
    month = dt.date(2026, 11, 1)
    first = board(demo, month, DEMO_TODAY)
    _enter_observation(demo, 1, value=0.99)
    followed = board(demo, month, DEMO_TODAY)
    st.cache_resource.clear()
    fresh = board(demo, month, DEMO_TODAY)
    assert followed.points.equals(fresh.points) and followed.aims.equals(fresh.aims)
    assert not followed.points.equals(first.points)  # the corrected month is on the board

    thread, flags, _ = thread_model(demo, DEMO_TODAY)
    demo.update_record("project", 1, {"title": "A renamed project"}, username="lead", opened=None)
    followed = thread_model(demo, DEMO_TODAY)
    st.cache_resource.clear()
    fresh = thread_model(demo, DEMO_TODAY)
    assert all(a.equals(b) for a, b in zip(followed, fresh, strict=True))
    assert "A renamed project" in followed[0]["label"].to_list()
    assert "A renamed project" not in thread["label"].to_list()


def test_a_figure_entered_redraws_its_own_chart_on_the_board_and_leaves_the_others_as_drawn(demo):
    month = dt.date(2026, 11, 1)
    before = board_charts(demo, month, DEMO_TODAY)
    _enter_observation(demo, 1, value=0.99)
    after = board_charts(demo, month, DEMO_TODAY)
    assert set(after) == set(before) and 1 in after
    assert after[1] != before[1]  # the corrected month is drawn
    st.cache_resource.clear()
    assert board_charts(demo, month, DEMO_TODAY) == after  # as drawn from nothing kept
    others = [measure for measure in before if measure != 1]
    assert others and all(after[measure] is before[measure] for measure in others)  # not drawn again


def test_a_pdsa_cycle_logged_adds_its_box_without_tracing_the_rest_of_the_thread_again(demo, monkeypatch):
    traced = []
    real = ui.thread_structure
    monkeypatch.setattr(ui, "thread_structure", lambda rows: traced.append(1) or real(rows))
    before = thread_model(demo, DEMO_TODAY)[0]
    cycle_id = demo.log_pdsa_cycle(
        1,
        ProposedCycle("Try the new handover sheet", DEMO_TODAY, prediction="Fewer omissions"),
        username="lead",
        today=DEMO_TODAY,
    )
    followed = thread_model(demo, DEMO_TODAY)
    assert len(traced) == 1  # the aims, drivers, change ideas and projects were kept as they were
    box = followed[0].filter(pl.col("node") == f"pdsa_cycle:{cycle_id}").row(0, named=True)
    assert box["parent"] == "project:1" and "Try the new handover sheet (no decision yet)" in box["label"]
    assert followed[0].height == before.height + 1
    st.cache_resource.clear()
    assert all(a.equals(b) for a, b in zip(followed, thread_model(demo, DEMO_TODAY), strict=True))


def test_a_page_run_reads_the_versions_once_between_its_own_writes(demo, monkeypatch):
    asked = []
    real = Store.table_versions
    monkeypatch.setattr(Store, "table_versions", lambda self: asked.append(1) or real(self))

    def numerators(db: Store) -> list:
        return db.observations([1]).sort("period_start")["numerator"].to_list()

    begin_run()
    first = kept(demo, "numerators", numerators)
    assert kept(demo, "numerators", numerators) == first and kept(demo, "count", lambda db: 1) == 1
    assert len(asked) == 1
    _enter_observation(demo, 1)  # the page's own write is seen in the same run
    assert kept(demo, "numerators", numerators)[-1] == first[-1] + 1 and len(asked) == 2
    other = Store(demo.path)  # another program's write is seen from the next run on
    try:
        _enter_observation(other.within(demo.scope), 1)
    finally:
        other.close()
    assert kept(demo, "numerators", numerators)[-1] == first[-1] + 1
    begin_run()
    assert kept(demo, "numerators", numerators)[-1] == first[-1] + 2


def test_a_figure_entered_charts_only_its_measure_again_and_every_chart_is_as_a_whole_run_would_draw_it(
    demo, monkeypatch
):
    from golden_thread.services import measure_series

    charted: list[list[int] | None] = []
    real = measure_series.measure_charts

    def spying(store, measure_ids=None, **kwargs):
        charted.append(measure_ids)
        return real(store, measure_ids, **kwargs)

    monkeypatch.setattr(measure_series, "measure_charts", spying)
    before = all_measure_charts(demo)
    _enter_observation(demo, 1, value=0.99)
    followed = all_measure_charts(demo)
    assert charted == [None, [1]]  # every measure once, then only the one whose figure changed
    st.cache_resource.clear()
    fresh = all_measure_charts(demo)
    assert followed[0].equals(fresh[0]) and followed[1].equals(fresh[1])
    assert not followed[0].equals(before[0])
    # A change to a measure's definition charts every measure again.
    demo.update_record("measure", 2, {"target_value": 0.5}, username="lead", opened=None)
    all_measure_charts(demo)
    assert charted[-1] is None


@pytest.fixture
def network(tmp_path) -> Store:
    """The demo trust with its education network, seen as the network's administrator sees it."""
    from golden_thread.seed.loading import load_demo

    store = Store(tmp_path / "network.duckdb")
    load_demo(store, today=DEMO_TODAY, network=True)
    yield store.within(store.scopes_for("hubadmin")[0])
    store.close()


def test_a_members_figure_entered_charts_its_networks_uniform_measure_again(network):
    reports = network.observation_fingerprints().drop_nulls("uniform_measure_id").row(0, named=True)
    member_measure, uniform = reports["measure_id"], reports["uniform_measure_id"]
    before = all_measure_charts(network)
    last = network.observations([member_measure]).sort("period_start").row(-1, named=True)
    figures = (
        {"numerator": str(last["numerator"] + 5), "denominator": str(last["denominator"])}
        if last["numerator"] is not None
        else {"value": str(last["value"] + 5)}
    )
    network.save_member_observation(
        member_measure,
        ProposedObservation(last["period_start"], **figures),
        username="hubadmin",
        today=DEMO_TODAY,
        correcting=True,
    )
    followed = all_measure_charts(network)
    st.cache_resource.clear()
    fresh = all_measure_charts(network)
    assert followed[0].equals(fresh[0]) and followed[1].equals(fresh[1])
    pooled = pl.col("series") == uniform
    assert not followed[0].filter(pooled)["y"].equals(before[0].filter(pooled)["y"])  # the network's figure moved
