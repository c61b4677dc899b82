"""The board: every month renders, an aim opens to its chart and thread, and a published month is frozen."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import polars as pl
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from golden_thread.domain.observations import ProposedObservation
from golden_thread.domain.thread_graph import build_thread, flags_by_node
from golden_thread.errors import Refused
from golden_thread.services.board import (
    board_months,
    board_view,
    changes_since,
    last_complete_month,
    parse_month,
    publish,
    published_view,
)
from golden_thread.services.checks import check_thread
from golden_thread.storage.store import Store
from tests.conftest import DEMO_TODAY, signed_in

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent
OCTOBER = dt.date(2026, 10, 1)


def _view(store: Store, month: dt.date):
    thread = build_thread(store.thread_rows())
    return board_view(store, month, thread=thread, flags=flags_by_node(thread, check_thread(store, DEMO_TODAY)))


@pytest.fixture
def board_db(demo_db, tmp_path, monkeypatch):
    path = tmp_path / "board.duckdb"
    shutil.copy(demo_db, path)
    monkeypatch.setenv("GOLDEN_THREAD_DB", str(path))
    st.cache_resource.clear()
    yield path
    st.cache_resource.clear()


def _board(user: str = "admin", **query) -> AppTest:
    app = signed_in(AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=90), user)
    for key, value in query.items():
        app.query_params[key] = value
    app.run()
    app.switch_page(str(ROOT / "screens" / "board.py"))  # AppTest registers widget clicks only on a switched-to page
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def test_the_board_has_a_row_per_aim_with_its_outcome_icons_and_work(demo):
    view = _view(demo, OCTOBER)
    aims = demo.aims()
    assert sorted(view.aims["aim"]) == sorted(aims["title"])
    falls = view.aims.filter(pl.col("aim_id") == 1).row(0, named=True)
    assert falls["measure"].startswith("Inpatient falls with harm") and falls["latest_x"] == OCTOBER
    assert falls["variation_icon"] is not None and falls["assurance_icon"] is not None
    assert falls["active_projects"] > 0 and falls["flags"]
    unserved = view.aims.filter(pl.col("active_projects") == 0)["aim"].to_list()
    assert unserved == ["Improve staff engagement"]
    assert set(view.measures["board_role"]) == {"outcome", "key process", "balancing"}
    # The chart stops at the month shown: September's board never shows October.
    september = _view(demo, dt.date(2026, 9, 1))
    assert september.points["x"].max() < OCTOBER <= view.points["x"].max()


def test_months_run_from_the_first_data_to_last_month_and_bad_months_are_explained(demo):
    months = board_months(demo, DEMO_TODAY)
    assert months[0] == last_complete_month(DEMO_TODAY) == OCTOBER
    assert months == sorted(months, reverse=True) and len(months) > 24
    assert parse_month("2026-10") == OCTOBER
    with pytest.raises(ValueError, match="YYYY-MM"):
        parse_month("October")


def test_a_published_board_is_frozen_and_corrections_show_as_changes(demo):
    view = _view(demo, OCTOBER)
    publish(demo, view, username="admin")
    with pytest.raises(Refused, match="already published"):
        publish(demo, view, username="admin")
    falls = demo.observations([1]).filter(pl.col("period_start") == dt.date(2026, 9, 1)).row(0, named=True)
    demo.save_observation(
        1,
        ProposedObservation(
            dt.date(2026, 9, 1), numerator=str(falls["numerator"] + 9), denominator=str(falls["denominator"])
        ),
        username="lead",
        today=DEMO_TODAY,
        correcting=True,
    )
    frozen = published_view(demo, OCTOBER)
    assert frozen.points.equals(view.points) and frozen.aims.equals(view.aims)
    assert frozen.published["published_by"] == "admin"
    live = _view(demo, OCTOBER)
    changes = changes_since(frozen, live)
    revised = changes.filter(pl.col("change") == "Revised value")
    assert revised.height == 1 and revised["detail"][0].startswith("Sep 2026:")
    assert revised["measure"][0].startswith("Inpatient falls with harm")


def test_the_board_page_renders_for_every_demo_month(board_db):
    store = Store(board_db)
    months = board_months(store, dt.date.today())
    aims = store.aims()["title"].to_list()
    store.close()
    app = _board()
    for month in months:
        app.selectbox(key="board-month").set_value(month).run()
        assert not app.exception, (month, [e.value for e in app.exception])
        shown = {m.value.replace("\\", "").strip("*") for m in app.markdown if m.value.startswith("**")}
        assert set(aims) <= shown, month
    table = app.dataframe[-1].value
    assert {"Measure", "Variation means", "Assurance means"} <= set(table.columns)


def test_an_aim_opens_to_its_chart_thread_and_projects(board_db):
    app = _board(aim="1")
    assert [h.value for h in app.header][0] == "Reduce inpatient falls with harm"
    subheaders = [s.value for s in app.subheader]
    assert {"Driver diagram and golden thread", "Contributing projects", "Tests that preceded a signal"} <= set(
        subheaders
    )
    charts = app.get("vega_lite_chart") or app.get("arrow_vega_lite_chart")
    spec = json.loads(charts[0].proto.spec)
    assert spec["title"] == "Inpatient falls with harm per 1,000 occupied bed days"
    drawn = {
        layer["encoding"]["y"]["field"] for layer in spec["layer"] if "field" in layer.get("encoding", {}).get("y", {})
    }
    assert {"value", "cl", "ucl", "lcl"} <= drawn
    projects = next(d.value for d in app.dataframe if "Project" in d.value.columns)
    assert "Falls safety huddle at handover" in set(projects["Project"])
    app = _board(aim="banana")
    assert any("not an aim number" in w.value for w in app.warning)


def test_publishing_on_the_page_then_correcting_shows_a_change_since_last_board(board_db):
    app = _board(month="2026-10")
    app.button(key="publish-board").click().run()
    assert any("is published" in s.value for s in app.success)
    store = Store(board_db)
    falls = store.observations([1]).filter(pl.col("period_start") == dt.date(2026, 8, 1)).row(0, named=True)
    store.save_observation(
        1,
        ProposedObservation(
            dt.date(2026, 8, 1), numerator=str(falls["numerator"] + 5), denominator=str(falls["denominator"])
        ),
        username="lead",
        today=DEMO_TODAY,
        correcting=True,
    )
    store.close()
    st.cache_resource.clear()
    app = _board(month="2026-10")
    assert any(c.value.startswith("Published") for c in app.caption)
    expander = next(e for e in app.expander if e.label.startswith("Corrected since this board was published"))
    changes = expander.dataframe[0].value
    revised = changes[changes["Change"] == "Revised value"]
    assert len(revised) == 1 and revised["What"].iloc[0].startswith("Aug 2026:")
    assert expander.label.endswith(f": {len(changes)}")


def test_the_board_pack_command_writes_the_months_pdf_and_explains_a_bad_month(demo_db, tmp_path, capsys):
    from pypdf import PdfReader

    from golden_thread.cli import main

    out = tmp_path / "pack.pdf"
    assert (
        main(
            [
                "board-pack",
                "--db",
                str(demo_db),
                "--month",
                "2026-10",
                "--out",
                str(out),
                "--today",
                DEMO_TODAY.isoformat(),
            ]
        )
        == 0
    )
    text = " ".join(page.extract_text() for page in PdfReader(out).pages)
    assert "October 2026" in text and "Reduce inpatient falls with harm" in text
    assert main(["board-pack", "--db", str(demo_db), "--month", "13-2026", "--out", str(out)]) == 2
    assert "write it as YYYY-MM" in capsys.readouterr().err


def test_an_aims_flags_count_every_rule_of_a_node_flagged_twice():
    from golden_thread.services.board import aim_flags

    thread = pl.DataFrame(
        {
            "node": ["aim:1", "project:7", "pdsa_cycle:3"],
            "parent": [None, "aim:1", "project:7"],
            "kind": ["aim", "project", "PDSA cycle"],
            "entity_id": [1, 7, 3],
        }
    )
    flags = pl.DataFrame(
        {
            "node": ["project:7", "pdsa_cycle:3"],
            "rule": [["stale_project", "project_without_measure"], ["pdsa_overdue"]],
        }
    )
    assert aim_flags(thread, flags) == {1: ["PDSA overdue (1)", "Project without measure (1)", "Stale project (1)"]}
