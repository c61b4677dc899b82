"""The golden thread tree a board member can read: every word whole and inside its box, no box or label on top
of another, each PDSA cycle told apart by its number and months, and a count of what is drawn that is true.

Checked twice: from the layout the chart is drawn from (fast, no browser), and from the text the browser draws
(headless Chromium at 1,440 × 900 pixels, the README's picture of the tree)."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
from pathlib import Path

import polars as pl
import pytest

from golden_thread.domain.thread_graph import build_thread, flags_by_node, month_span
from golden_thread.draw.thread_tree import TreeFilter, TreeState, node_icons, tree_drawing, tree_view
from golden_thread.draw.tree_layout import PAD_X, Block, lay_out, overlapping, text_width, wrap
from golden_thread.services.checks import check_thread
from golden_thread.services.measure_series import measure_charts
from golden_thread.storage.store import Store
from tests.conftest import DEMO_TODAY


@pytest.fixture(scope="module")
def model(demo_db):
    store = Store(demo_db)
    thread = build_thread(store.thread_rows())
    flags = flags_by_node(thread, check_thread(store, DEMO_TODAY))
    icons = node_icons(thread, measure_charts(store)[1])
    store.close()
    return thread, flags, icons


def _views(model):
    """The tree as the pages first draw it, and opened out as far as a reader can open it."""
    thread, flags, icons = model
    busiest = thread.filter(pl.col("kind") == "PDSA cycle").group_by("parent").len().sort("len").row(-1)[0]
    return {
        "first view": tree_view(thread, flags, icons, TreeFilter()),
        "an aim on the board": tree_view(thread, flags, icons, TreeFilter(aim="aim:1")),
        "a project's cycles": tree_view(thread, flags, icons, TreeFilter(), selected=busiest, opened={busiest}),
        "every branch open": tree_view(thread, flags, icons, TreeFilter(), opened=set(thread["node"])),
    }


def _crosses(segment: tuple[tuple[float, float], tuple[float, float]], box) -> bool:
    (x1, y1), (x2, y2) = segment
    left, right, top, bottom = min(x1, x2), max(x1, x2), min(y1, y2), max(y1, y2)
    return left < box.x + box.width and box.x < right and top < box.y + box.height and box.y < bottom


def test_no_box_covers_another_and_no_connector_crosses_a_box(model):
    for name, view in _views(model).items():
        layout = tree_drawing(view).layout
        assert len(layout.boxes) > 10, name
        assert overlapping(layout) == [], name
        for connector in layout.connectors:
            segments = list(zip(connector.points, connector.points[1:]))
            for box in layout.boxes.values():
                if box.key in (connector.parent, connector.child):
                    continue
                assert not any(_crosses(segment, box) for segment in segments), (name, connector, box.key)


def test_every_word_is_drawn_whole_and_inside_its_box(model):
    thread, _, _ = model
    for name, view in _views(model).items():
        drawing = tree_drawing(view)
        names = {item["value"]: item["title"] for item in _walk(view.roots)}
        for box in drawing.layout.boxes.values():
            words = " ".join(box.lines).replace("\u00a0", " ").split()
            assert words == names[box.key].replace("\u00a0", " ").split(), (name, box.key)  # none cut, none lost
            room = box.width - 2 * PAD_X
            for n, line in enumerate(box.lines):
                assert text_width(line, bold=box.key == view_selected(view)) + (box.prefix if n == 0 else 0) <= room
            assert not any(line.endswith("…") for line in box.lines)
    # Titles are whole: a long one wraps rather than ending in an ellipsis.
    long_titles = thread.filter(pl.col("label").str.len_chars() > 40)
    assert long_titles.height > 5


def view_selected(view) -> str | None:
    return next((item["value"] for item in _walk(view.roots) if item["selected"]), None)


def _walk(items):
    for item in items:
        yield item
        yield from _walk(item.get("children", []))


def test_the_count_is_of_the_boxes_drawn(model):
    thread, _, _ = model
    views = _views(model)
    first = views["first view"]
    drawing = tree_drawing(first)
    drawn_nodes = [node for node in drawing.options["series"][0]["data"] if node.get("value")]
    assert first.drawn == len(drawing.layout.boxes) == len(drawn_nodes)
    assert first.total == thread.height and first.drawn < first.total  # "Showing 68 of 236"
    assert views["every branch open"].drawn == thread.height


def test_each_pdsa_cycle_reads_with_its_number_and_months(model):
    thread, _, _ = model
    view = _views(model)["a project's cycles"]
    layout = tree_drawing(view).layout
    cycles = [box for box in layout.boxes.values() if box.key.startswith("pdsa_cycle:")]
    assert len(cycles) >= 4
    texts = [" ".join(box.lines).replace("\u00a0", " ") for box in cycles]
    assert len(set(texts)) == len(texts)
    for n, text in enumerate(sorted(texts, key=lambda t: int(t.split()[1])), start=1):
        assert text.startswith(f"Cycle {n} · "), text
    labels = thread.filter(pl.col("kind") == "PDSA cycle")["label"]
    assert labels.n_unique() == labels.len()  # the details, the search and the flags table tell them apart too


def test_months_of_a_cycle():
    assert month_span(dt.date(2026, 3, 2), dt.date(2026, 4, 20)) == "Mar–Apr 2026"
    assert month_span(dt.date(2026, 3, 2), dt.date(2026, 3, 20)) == "Mar 2026"
    assert month_span(dt.date(2025, 12, 24), dt.date(2026, 1, 14)) == "Dec 2025–Jan 2026"
    assert month_span(dt.date(2026, 3, 2), None) == "from Mar 2026"


def test_the_chart_draws_each_box_where_the_layout_put_it(model):
    drawing = tree_drawing(_views(model)["a project's cycles"])
    series = drawing.options["series"][0]
    assert series["type"] == "graph" and series["layout"] == "none"
    assert (series["left"], series["top"], series["width"], series["height"]) == (
        0,
        0,
        drawing.layout.width,
        drawing.layout.height,
    )
    assert (drawing.width, drawing.height) == (round(drawing.layout.width), round(drawing.layout.height))
    for node in series["data"]:
        if not node.get("value"):
            continue
        box = drawing.layout.boxes[node["value"]]
        assert (node["x"], node["y"]) == box.centre
        assert node["symbolSize"] == [box.width, box.height]
        assert node["label"]["width"] == box.width - 2 * PAD_X
        lines = node["name"].split("\n")
        assert len(lines) == len(box.lines) + (0 if box.note_inline else len(box.note_lines))


def test_a_click_chooses_a_box_and_opens_it_and_a_second_click_closes_it(model):
    thread, flags, icons = model
    idea = thread.filter(pl.col("kind") == "change idea")["node"][0]
    before = tree_view(thread, flags, icons, TreeFilter())
    state, show_details = TreeState().click(idea, before)
    assert show_details and state.selected == idea
    opened = tree_view(thread, flags, icons, TreeFilter(), selected=idea, opened=state.opened, closed=state.closed)
    assert opened.drawn > before.drawn
    state, show_details = state.click(idea, opened)
    assert not show_details
    closed = tree_view(thread, flags, icons, TreeFilter(), selected=idea, opened=state.opened, closed=state.closed)
    assert closed.drawn == before.drawn


def test_words_wrap_between_words_never_inside_one():
    assert wrap("Pharmacist review of sedatives for over-65s", 100) == [
        "Pharmacist review",
        "of sedatives for",
        "over-65s",
    ]
    assert wrap("Antidisestablishmentarianism rules", 60) == ["Antidisestablishmentarianism", "rules"]
    assert wrap("Cycle\u00a03 · Mar–Apr\u00a02026", 60) == ["Cycle\u00a03 ·", "Mar–Apr\u00a02026"]
    # A column is never narrower than its longest word.
    layout = lay_out([Block("a", "Supercalifragilisticexpialidocious", 0)], width=100)
    assert layout.boxes["a"].lines == ("Supercalifragilisticexpialidocious",)
    assert layout.boxes["a"].width >= text_width("Supercalifragilisticexpialidocious") + 2 * PAD_X


CHROMIUM = "/usr/bin/chromium"
TREE = "[data-testid='stBidiComponentRegular']"
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
# Each piece of drawn text, and each box it may sit in, as the browser laid them out.
DRAWN = """() => {
  const svg = document.querySelector("[data-testid='stBidiComponentRegular'] svg");
  const rect = e => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
  return {
    texts: Array.from(svg.querySelectorAll('text')).filter(t => t.textContent.trim()).map(t => [t.textContent, rect(t)]),
    boxes: Array.from(svg.querySelectorAll("path[paint-order='stroke']")).map(rect),
    heading: rect(svg.querySelector('text')),
  };
}"""


def _meet(a, b) -> bool:
    return a[0] < b[2] - 0.5 and b[0] < a[2] - 0.5 and a[1] < b[3] - 0.5 and b[1] < a[3] - 0.5


def _inside(inner, outer) -> bool:
    return (
        inner[0] >= outer[0] - 1 and inner[2] <= outer[2] + 1 and inner[1] >= outer[1] - 1 and inner[3] <= outer[3] + 1
    )


def _check_drawn(page) -> list[str]:
    """Checks no two words and no two boxes meet and no word lies outside a box; returns what each box says."""
    drawn = page.evaluate(DRAWN)
    texts, boxes = drawn["texts"], drawn["boxes"]
    assert len(texts) > 60 and len(boxes) > 40
    clashes = [(a, b) for i, (a, r) in enumerate(texts) for b, q in texts[i + 1 :] if _meet(r, q)]
    assert clashes == []
    assert [(i, j) for i, r in enumerate(boxes) for j, q in enumerate(boxes[i + 1 :]) if _meet(r, q)] == []
    headings = [text for text, r in texts if r[1] < drawn["heading"][3] + 2]
    within = {i: [] for i in range(len(boxes))}
    spilled = []
    for text, r in texts:
        holder = next((i for i, box in enumerate(boxes) if _inside(r, box)), None)
        if holder is not None:
            within[holder].append(text)
        elif text not in headings:
            spilled.append(text)
    assert spilled == []
    return [" ".join(parts).replace("\u00a0", " ") for parts in within.values()]  # each box's words, in order


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (.ci/run installs it)")
def test_the_drawn_tree_has_no_overlapping_words_at_1440_pixels(tmp_path, demo_db):
    from playwright.sync_api import sync_playwright

    from tests.test_browser import dialog_text, running_app, sign_in

    database = tmp_path / "app.duckdb"
    shutil.copy(demo_db, database)
    with running_app(database, tmp_path) as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox"])
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        # A shared link to a project: its details, and the tree open down to its PDSA cycles.
        page.goto(f"{url}/thread?node=project:1")
        sign_in(page, "board")
        assert "↑ aim:" in dialog_text(page, "Its thread, up to the aim")
        page.keyboard.press("Escape")
        page.wait_for_selector("[role='dialog']", state="detached", timeout=60_000)
        shown = page.inner_text("[data-testid='stMetricValue'] >> nth=0")  # "Shown in the tree: 76 of 236"
        drawn, total = (int(n.replace(",", "")) for n in shown.split(" of "))
        # The tree draws in its component after the page's script has finished: wait for its boxes, not a moment.
        page.wait_for_function(
            f"() => document.querySelectorAll(\"{TREE} svg path[paint-order='stroke']\").length >= {drawn}",
            timeout=60_000,
        )
        assert drawn == page.locator(f"{TREE} svg path[paint-order='stroke']").count() and drawn < total
        svg = page.locator(f"{TREE} svg").bounding_box()
        assert svg["width"] >= 900  # the tree has the page's width, not half of it
        boxes = _check_drawn(page)
        cycles = [text for text in boxes if re.match(r"(⚑\d+ )?Cycle \d+ · ", text)]  # a flag may lead
        assert len(cycles) >= 5 and len(set(cycles)) == len(cycles)
        numbers = [int(re.search(r"Cycle (\d+)", cycle).group(1)) for cycle in cycles]
        assert sorted(numbers) == list(range(1, len(cycles) + 1))
        keep = os.environ.get("SCREENSHOTS")
        if keep:  # the README's picture: the count, the legend, the column headings and the first aim's thread
            page.get_by_text("Shown in the tree").first.evaluate(
                "e => { e.scrollIntoView({block: 'start'}); e.closest(\"[data-testid='stMain']\").scrollBy(0, -70); }"
            )
            page.screenshot(path=str(Path(keep) / "thread-tree.png"))
        # A click on a box opens its details and its branch: this project's cycles, each told apart.
        page.locator(f"{TREE} svg text", has_text="streaming").first.click()  # a word is never split
        page.wait_for_selector("[role='dialog'] >> text=ED streaming at the front door", timeout=60_000)
        page.keyboard.press("Escape")
        page.wait_for_function(
            "() => document.querySelectorAll(\"[data-testid='stBidiComponentRegular'] svg path[paint-order]\")"
            f".length > {len(boxes)}",
            timeout=60_000,
        )
        page.wait_for_selector(IDLE, timeout=60_000)
        more = _check_drawn(page)
        cycles = [text for text in more if re.match(r"(⚑\d+ )?Cycle \d+ · ", text)]
        assert len(cycles) >= 9 and len(set(cycles)) == len(cycles)
        assert not page.query_selector("[data-testid='stException']")
        browser.close()
