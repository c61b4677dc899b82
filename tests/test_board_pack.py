"""The board pack PDF: built from the demo trust's October 2026 board, read back with pypdf and drawn with pypdfium2.

Set SCREENSHOTS=DIR to keep the first aim page as DIR/board-pack.png (the README's picture is made this way).
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import shutil
from dataclasses import replace
from pathlib import Path

import duckdb
import polars as pl
import pytest
from pypdf import PdfReader

from golden_thread.domain.leadership import leverage_evidence
from golden_thread.domain.palette import format_value
from golden_thread.domain.thread_graph import build_thread, flags_by_node
from golden_thread.domain.vocabulary import EDUCATION
from golden_thread.draw.charts import chart_events
from golden_thread.report.board_pack import aim_chart, board_pack_pdf
from golden_thread.seed.loading import load_demo
from golden_thread.services.board import board_view, publish
from golden_thread.services.board_pack import board_pack_for_month, leadership_inputs, pack_data, trust_name
from golden_thread.services.checks import check_thread
from golden_thread.storage.store import Store
from tests.conftest import DEMO_TODAY

pytestmark = pytest.mark.slow
OCTOBER = dt.date(2026, 10, 1)


def _view(store: Store):
    checks = check_thread(store, DEMO_TODAY)
    thread = build_thread(store.thread_rows())
    return board_view(store, OCTOBER, thread=thread, flags=flags_by_node(thread, checks)), checks


def _pages(pdf: bytes) -> list[str]:
    """Each page's text with runs of whitespace as one space (wrapped lines read as one line)."""
    return [" ".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(pdf)).pages]


def _words(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def pack(demo_db: Path, tmp_path_factory: pytest.TempPathFactory):
    """The demo's October 2026 draft pack, built once: (store, view, pdf bytes, page texts)."""
    path = tmp_path_factory.mktemp("pack") / "demo.duckdb"
    shutil.copy(demo_db, path)
    store = Store(path)
    view, checks = _view(store)
    pdf = board_pack_pdf(
        view, pack_data(store, view, thread_flags=checks, generated_on=DEMO_TODAY), generated_on=DEMO_TODAY
    )
    yield store, view, pdf, _pages(pdf)
    store.close()


def test_the_pack_is_a_pdf_with_a_page_per_aim(pack):
    store, view, pdf, pages = pack
    reader = PdfReader(io.BytesIO(pdf))
    assert pdf.startswith(b"%PDF-")
    assert len(reader.pages) >= 2 + view.aims.height
    assert reader.metadata.title == f"{trust_name(store)}: quality improvement board report, October 2026"
    for aim in view.aims["aim"]:  # each aim starts its own page
        assert sum(1 for text in pages if "Contributing projects" in text and _words(aim) in text) == 1


def test_the_cover_names_the_trust_the_month_and_that_it_is_a_draft(pack):
    store, _, _, pages = pack
    cover = pages[0]
    assert trust_name(store) == "Northfield Teaching Hospitals NHS Foundation Trust"
    assert trust_name(store) in cover and "Quality improvement board report" in cover and "October 2026" in cover
    assert "Draft — not yet published" in cover and "Generated on 23 November 2026" in cover
    total = len(pages)
    for number, text in enumerate(pages, start=1):
        assert f"Page {number} of {total}" in text
        assert "Draft — not yet published" in text  # the footer says so on every page


def test_the_contents_list_every_section_and_aim_with_its_page(pack):
    _, view, _, pages = pack
    contents = pages[1]
    assert contents.startswith("Contents")
    for title in [
        "How to read this report",
        "Summary of board measures",
        "Alignment of improvement work",
        *view.aims["aim"],
        *view.aims["objective"].unique(),
    ]:
        assert _words(title) in contents
    # The page number printed for the first aim is the page it is on.
    first_aim = _words(view.aims["aim"][0])
    printed = int(re.search(r"(\d+) " + re.escape(first_aim), contents).group(1))
    assert first_aim in pages[printed - 1] and "Contributing projects" in pages[printed - 1]


def test_the_pack_explains_every_icon_in_words(pack):
    _, _, _, pages = pack
    legend = next(text for text in pages if "Variation icons" in text)
    for words in [
        "Common cause variation",
        "Special cause: improvement (higher)",
        "Special cause: concern (lower)",
        "Special cause: higher (neutral)",
        "Too few points to judge",
        "Consistently passing the target",
        "Consistently failing the target",
        "Hit and miss against the target",
        "No target",
    ]:
        assert words in legend


def test_the_summary_table_lists_every_board_measure_with_its_icons_in_words(pack):
    _, view, _, pages = pack
    summary = " ".join(text for text in pages if "Summary of board measures" in text and "Assurance" in text)
    for measure in view.measures["measure"]:
        assert _words(measure) in summary
    assert "Common cause" in summary and "Hit and miss" in summary and "Consistently failing" in summary
    assert "Special cause: improvement" in summary  # length of stay's run of ten falling points
    assert "0.16 per 1,000 bed days" in summary and "£393.8k" in summary and "£250.0k" in summary


def test_each_aim_page_shows_its_leader_target_projects_and_flags(pack):
    store, view, _, pages = pack
    falls = view.aims.row(0, named=True)
    page = next(text for text in pages if _words(falls["aim"]) in text and "Contributing projects" in text)
    assert falls["responsible_leader"] in page and "0.30 per 1,000 bed days by 31 March 2027" in page
    assert "Latest (Oct 2026)" in page and "Hit and miss against the target" in page
    assert _words(falls["summary"]) in page
    for project in store.aim_projects(falls["aim_id"])["project"]:
        assert _words(project) in page
    assert "PDSA without prediction" in page
    staff = next(text for text in pages if "Improve staff engagement" in text and "Contributing projects" in text)
    assert "No improvement project serves this aim." in staff and "Aim without project" in staff


def test_each_aim_chart_carries_the_change_and_pdsa_markers_the_app_shows(pack):
    """The app's aim chart marks recorded changes (triangles) and PDSA cycle starts (diamonds): so does the pack's,
    from the same ``chart_events``, up to the end of the board's month, and it says so in words."""
    store, view, _, pages = pack
    falls = view.aims.row(0, named=True)
    points = view.points.filter(pl.col("series") == falls["measure_id"]).sort("x")
    annotations = store.annotations([falls["measure_id"]])
    cycles = store.pdsa_cycles_for_measure(falls["measure_id"])
    on_screen = chart_events(annotations, cycles, first=points["x"].min())  # the aim page's markers
    board_month = on_screen.filter(pl.col("on_date") < dt.date(2026, 11, 1))
    assert board_month.filter(pl.col("kind") == "Change").height == 2 and board_month.height > 20

    data = pack_data(store, view, thread_flags=check_thread(store, DEMO_TODAY), generated_on=DEMO_TODAY)
    chart, events = aim_chart(
        points, falls["unit"], falls["measure_target"], data.chart_notes[falls["measure_id"]], OCTOBER
    )
    assert events.equals(board_month)
    spec = chart.to_dict()
    markers = next(layer for layer in spec["layer"] if layer["mark"].get("type") == "point")
    assert markers["encoding"]["shape"]["scale"]["range"] == ["triangle-down", "diamond"]
    assert [(v["on_date"], v["kind"]) for v in markers["data"]["values"]] == [
        (day.isoformat(), kind) for day, kind in board_month.select("on_date", "kind").rows()
    ]

    page = next(text for text in pages if _words(falls["aim"]) in text and "Contributing projects" in text)
    changes = annotations.sort("on_date")
    cycle_count = board_month.filter(pl.col("kind") == "PDSA cycle").height
    assert (
        f"triangles mark {changes.height} recorded changes ({changes['on_date'][0]:%b %Y}: \u201c"
        f"{_words(changes['text'][0])}\u201d" in page
    )
    assert f"diamonds mark the {cycle_count} PDSA cycles of the work this measure watches" in page
    assert "a triangle marks a recorded change" in next(text for text in pages if "Reading the charts" in text)


def test_the_alignment_summary_counts_breaks_by_rule_and_shares_by_division(pack):
    _, _, _, pages = pack
    alignment = pages[-1]
    assert "Alignment of improvement work" in alignment
    assert "Orphan project Error 2" in alignment and "Aim without project Error 1" in alignment
    assert "Medicine and Emergency Care 13 13 100%" in alignment and "All divisions 24 22 92%" in alignment


def test_the_same_inputs_give_the_same_bytes(pack):
    store, view, pdf, _ = pack
    checks = check_thread(store, DEMO_TODAY)
    data = pack_data(store, view, thread_flags=checks, generated_on=DEMO_TODAY)
    assert board_pack_pdf(view, data, generated_on=DEMO_TODAY) == pdf


def test_pages_render_and_the_first_aim_page_can_be_kept_as_a_screenshot(pack):
    pdfium = pytest.importorskip("pypdfium2")
    _, view, pdf, pages = pack
    first_aim = next(
        i for i, text in enumerate(pages) if _words(view.aims["aim"][0]) in text and "Contributing projects" in text
    )
    document = pdfium.PdfDocument(pdf)
    try:
        images = {i: document[i].render(scale=1.5).to_pil().convert("L") for i in (0, first_aim)}
    finally:
        document.close()
    for image in images.values():
        assert image.size == (893, 1263)  # A4 at 108 dpi
        low, high = image.getextrema()
        assert high == 255 and low < 80  # white paper with dark print on it
        assert sum(image.histogram()[:200]) > 5000  # thousands of inked pixels, not a blank page
    keep = os.environ.get("SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        document = pdfium.PdfDocument(pdf)
        document[first_aim].render(scale=1.6).to_pil().save(Path(keep) / "board-pack.png")
        document.close()


def test_markup_in_a_title_prints_as_typed_and_gaps_are_said_plainly(demo_db: Path, tmp_path: Path):
    path = tmp_path / "edited.duckdb"
    shutil.copy(demo_db, path)
    title = "Falls <b>& harm</b> <i>unclosed"
    with duckdb.connect(str(path)) as connection:
        connection.execute("UPDATE aim SET title = ? WHERE id = 1", [title])
    store = Store(path)
    try:
        view, checks = _view(store)
        # Staff engagement without an outcome measure; agency spend's outcome measure without data.
        no_data = view.aims.filter(pl.col("aim") == "Reduce agency staffing spend")["measure_id"][0]
        view = replace(
            view,
            aims=view.aims.with_columns(
                pl.when(pl.col("aim") == "Improve staff engagement")
                .then(None)
                .otherwise(pl.col("measure_id"))
                .alias("measure_id"),
                pl.when(pl.col("measure_id") == no_data)
                .then(None)
                .otherwise(pl.col("latest_value"))
                .alias("latest_value"),
            ),
            points=view.points.filter(pl.col("series") != no_data),
        )
        data = replace(pack_data(store, view, thread_flags=checks, generated_on=DEMO_TODAY), organisation="A & B <NHS>")
        pdf = board_pack_pdf(view, data, generated_on=DEMO_TODAY)
    finally:
        store.close()
    pages = _pages(pdf)
    text = " ".join(pages)
    assert text.count(title) >= 3  # contents, summary table, its aim page
    assert "A & B <NHS>" in pages[0]
    outline = PdfReader(io.BytesIO(pdf)).outline
    assert title in [entry.title for entry in outline[3]]  # the aim under its objective in the PDF outline
    assert "This aim has no outcome measure" in text
    assert "There is no data for this measure up to the end of October 2026" in text


def test_a_published_month_prints_as_published_not_as_a_draft(demo):
    view, _ = _view(demo)
    publish(demo, view, username="admin")
    pdf = board_pack_for_month(demo, OCTOBER, today=DEMO_TODAY, render=board_pack_pdf)
    pages = _pages(pdf)
    assert "Published board report" in pages[0] and "by admin" in pages[0]
    assert not any("Draft — not yet published" in text for text in pages)
    assert "Published" in pages[-1] and "by admin" in pages[-1]


# Words of a hospital trust a school network should never read in its own pack.
HEALTH_WORDS = re.compile(r"\b(trusts?|wards?|patients?|divisions?|financial years?|boards?|physicians?)\b", re.I)


def test_a_school_networks_pack_speaks_of_its_leadership_team_in_every_section(tmp_path: Path):
    path = tmp_path / "network.duckdb"
    whole = Store(path)
    load_demo(whole, today=DEMO_TODAY, network=True)
    hub = whole.within(whole.scopes_for("hub")[0])
    try:
        inputs = leadership_inputs(hub, DEMO_TODAY)
        pdf = board_pack_for_month(hub, OCTOBER, today=DEMO_TODAY, render=board_pack_pdf)
    finally:
        whole.close()
    # The leverage points' evidence is said in the network's words, as on its Leadership page.
    assert inputs.words is EDUCATION
    evidence = leverage_evidence(inputs.evidence_facts, list(inputs.published_months), DEMO_TODAY, inputs.words)
    assert evidence["lp3-board-agendas"].text == "No leadership team report has been published in Golden Thread yet."
    assert not [e.text for e in evidence.values() if HEALTH_WORDS.search(e.text)]
    pages = _pages(pdf)
    assert PdfReader(io.BytesIO(pdf)).metadata.title == (
        "Riverside Ninth Grade On-Track Network: quality improvement leadership team report, October 2026"
    )
    assert "Quality improvement leadership team report" in pages[0]
    leadership = next(text for text in pages if "seven leadership leverage points" in text)
    assert "The leadership team's seven leadership leverage points" in leadership
    assert "The leadership team has not yet rated itself" in leadership and "Leadership team's rating" in leadership
    assert "Summary of leadership team measures" in pages[1] and "All schools" in pages[-1]
    # The framework's own words are quoted as IHI published them ("... at the highest board and leadership level").
    quoted = inputs.framework.sections["title"].to_list()
    text = " ".join(pages)
    for title in sorted(quoted, key=len, reverse=True):
        text = text.replace(_words(title), "")
    assert not [m.group(0) for m in HEALTH_WORDS.finditer(text)], [
        text[max(m.start() - 60, 0) : m.end() + 30] for m in HEALTH_WORDS.finditer(text)
    ]


@pytest.mark.parametrize(
    "value, decimals, unit, expected",
    [
        (0.15753, 2, "per 1,000 bed days", "0.16 per 1,000 bed days"),
        (11.023, 1, "%", "11.0%"),
        (393.8, 1, "£k", "£393.8k"),
        (12345.0, 0, None, "12,345"),
        (7.4, None, "days", "7.4 days"),
        (None, 1, "%", "—"),
    ],
)
def test_values_read_as_the_board_reads_them(value, decimals, unit, expected):
    assert format_value(value, decimals, unit) == expected
