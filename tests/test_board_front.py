"""The board's front page: what needs attention and why, the balancing-measure watch, the Making Data Count
summary matrix, the compact icon table, and the published board as one page that works offline."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser

import polars as pl
import pytest

from golden_thread.domain.board_attention import aims_needing_attention, balancing_watch, matrix_placements
from golden_thread.draw.board_matrix import summary_matrix_html
from golden_thread.report.board_html import published_board_html
from golden_thread.services.board import front_page, publish, published_view
from tests.test_board import OCTOBER, _board, _view, board_db  # noqa: F401 - board_db is a fixture

LOS = "Reduce length of stay for emergency admissions"


def _aims(**columns) -> pl.DataFrame:
    base = {
        "aim_id": [1],
        "aim": ["Reduce falls"],
        "measure_id": [10],
        "measure": ["Falls per 1,000 bed days"],
        "unit": [""],
        "decimal_places": [2],
        "measure_target": [0.3],
        "latest_x": [dt.date(2026, 10, 1)],
        "variation_icon": ["special_cause_improvement"],
        "assurance_icon": ["inconsistent"],
        "active_projects": [2],
    }
    return pl.DataFrame({**base, **columns})


def _measures(balancing_icon: str) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "aim_id": [1, 1],
            "aim": ["Reduce falls"] * 2,
            "measure_id": [10, 11],
            "measure": ["Falls per 1,000 bed days", "Patients restrained"],
            "board_role": ["outcome", "balancing"],
            "variation_icon": ["special_cause_improvement", balancing_icon],
            "assurance_icon": ["inconsistent", None],
        }
    )


def test_an_improving_outcome_with_a_worsening_balancing_measure_is_said_first():
    watch = balancing_watch(_aims(), _measures("special_cause_concern"))
    assert watch["sentence"].to_list() == [
        "Falls per 1,000 bed days is improving, but its balancing measure Patients restrained shows special cause "
        "of concern: check that the gain is not costing something elsewhere."
    ]
    needing = aims_needing_attention(_aims(active_projects=[0]), _measures("special_cause_concern"))
    assert needing["reasons"].to_list() == [
        [
            "its balancing measure Patients restrained is getting worse while the outcome improves",
            "no active improvement project serves it",
        ]
    ]


def test_a_steady_balancing_measure_or_a_non_improving_outcome_raises_no_watch():
    assert balancing_watch(_aims(), _measures("common_cause")).height == 0
    assert balancing_watch(_aims(variation_icon=["common_cause"]), _measures("special_cause_concern")).height == 0
    assert aims_needing_attention(_aims(), _measures("common_cause")).height == 0


def test_an_aim_without_recent_outcome_data_or_failing_its_target_needs_attention():
    stale = _aims(aim_id=[1, 2], **{
        "aim": ["Reduce falls", "Reduce sepsis deaths"],
        "measure_id": [10, None],
        "measure": ["Falls per 1,000 bed days", None],
        "unit": ["", None],
        "decimal_places": [2, None],
        "measure_target": [0.3, None],
        "latest_x": [dt.date(2026, 7, 1), None],
        "variation_icon": ["common_cause", None],
        "assurance_icon": ["consistent_fail", None],
        "active_projects": [1, 1],
    })  # fmt: skip
    needing = {r["aim"]: r["reasons"] for r in aims_needing_attention(stale, _measures("common_cause")).to_dicts()}
    assert needing["Reduce falls"] == ["will keep missing its target of 0.30 unless the process changes"]
    assert needing["Reduce sepsis deaths"] == ["it has no outcome measure, so nobody can see whether it is improving"]


def test_the_demo_board_says_which_aims_need_attention_most_pressing_first(demo):
    view = _view(demo, OCTOBER)
    front = front_page(view)
    assert front.headline == "3 of 5 aims need the board's attention"
    assert front.needing["aim"].to_list() == [LOS, "Reduce agency staffing spend", "Improve staff engagement"]
    los = front.needing.row(0, named=True)["reasons"]
    assert los[0].startswith("its balancing measure Readmissions within 30 days (count) is getting worse")
    assert front.watch["aim"].to_list() == [LOS]


class _Cells(HTMLParser):
    """Each matrix body cell's (row, column index, aim names linked in it)."""

    def __init__(self):
        super().__init__()
        self.cells: list[list[str]] = []
        self.in_td = self.in_name = False

    def handle_starttag(self, tag, attrs):
        if tag == "td":
            self.in_td = True
            self.cells.append([])
        if tag == "span" and ("class", "gt-aim-name") in attrs and self.in_td:
            self.in_name = True

    def handle_endtag(self, tag):
        if tag == "td":
            self.in_td = False
        if tag == "span":
            self.in_name = False

    def handle_data(self, data):
        if self.in_name:
            self.cells[-1].append(data)


def test_the_summary_matrix_puts_every_aim_in_exactly_one_cell(demo):
    view = _view(demo, OCTOBER)
    placements = matrix_placements(view.aims, view.measures)
    html = summary_matrix_html(placements, lambda aim_id: f"?aim={aim_id}")
    parser = _Cells()
    parser.feed(html)
    named = [name for cell in parser.cells for name in cell]
    assert sorted(named) == sorted(view.aims["aim"].to_list())  # every aim, once
    assert len(parser.cells) == 3 * 4  # passing, hit and miss, failing × improvement, common, concern, neither
    los_cell = next(n for n, cell in enumerate(parser.cells) if LOS in cell)
    assert divmod(los_cell, 4) == (2, 0)  # failing its target, special cause improvement
    assert sorted(re.findall(r'href="\?aim=(\d+)"', html)) == sorted(str(a) for a in view.aims["aim_id"])
    with_measures = matrix_placements(view.aims, view.measures, key_measures=True)
    assert with_measures.height == view.measures.height  # each measure once (the outcome by its aim)


@pytest.mark.slow
def test_the_board_page_opens_on_the_watch_the_attention_count_and_the_matrix(board_db):  # noqa: F811
    app = _board(month="2026-10")
    assert (
        app.warning[0]
        .value.replace("\\", "")
        .startswith("Average length of stay, emergency medical admissions (days) is improving")
    )
    assert app.subheader[0].value == "3 of 5 aims need the board's attention"
    pages = [element.proto.body for element in app.get("html")]
    matrix = next(body for body in pages if 'class="gt-matrix"' in body)
    assert all(aim in matrix for aim in ("Reduce inpatient falls with harm", LOS, "Improve staff engagement"))
    table = next(d for d in app.dataframe if "Measure" in d.value.columns)
    assert list(table.proto.column_order) == ["Variation", "Assurance", "Measure", "Latest", "Target"]
    assert "0.16 per 1,000 bed days" in set(table.value["Latest"])  # the measure's own precision and unit
    app.toggle(key="board-every-column").set_value(True).run()
    table = next(d for d in app.dataframe if "Measure" in d.value.columns)
    assert {"Aim", "Role", "Period", "Variation means"} <= set(table.proto.column_order)
    web_page = next(b for b in app.get("download_button") if "web page" in b.proto.label)
    assert web_page.proto.disabled  # a draft is not shared


@pytest.mark.slow
def test_the_aim_page_shows_the_icons_with_their_full_words_and_the_watch(board_db):  # noqa: F811
    app = _board(month="2026-10", aim="3")
    assert app.warning[0].value.replace("\\", "").startswith("Average length of stay")
    icons = next(e.proto.body for e in app.get("html") if 'class="gt-icons"' in e.proto.body)
    assert "Special cause: improvement" in icons and "Consistently failing" in icons
    assert "<img" in icons


def test_a_published_board_is_one_page_holding_every_aim_with_nothing_fetched(demo):
    publish(demo, _view(demo, OCTOBER), username="admin")
    view = published_view(demo, OCTOBER)
    page = published_board_html(demo, view, generated_on=dt.date(2026, 11, 23)).decode("utf-8")
    for aim in view.aims["aim"]:
        assert f">{aim}</h3>" in page
    assert page.count("<figure") == page.count("<svg") == 5  # a chart per aim, drawn inline
    assert page.count('src="data:image/svg+xml') >= 4 + 3 + 2 * view.measures.height  # matrix headings, table icons
    assert not re.search(r'(?:src|href)="(?:https?:)?//', page)  # nothing from the network
    assert "<script" not in page and "<link" not in page
    assert "Published" in page and "by admin" in page
