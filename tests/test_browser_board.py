"""The board's front page in Chromium at a desk (1440×900) and on a phone (390×844): the summary matrix holds
every aim in one cell and nothing scrolls sideways; the published board page opens with the network cut off."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from tests.test_browser import browser, server, sign_in  # noqa: F401 - fixtures

pytestmark = [pytest.mark.browser, pytest.mark.slow]
pytestmark += [pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="Debian's chromium is not installed")]
AIMS = (
    "Reduce inpatient falls with harm",
    "Reduce deaths from sepsis",
    "Reduce length of stay for emergency admissions",
    "Reduce agency staffing spend",
    "Improve staff engagement",
)


@pytest.mark.parametrize(("width", "height", "name"), [(1440, 900, "desktop"), (390, 844, "phone")])
def test_the_front_page_shows_every_aim_in_one_matrix_cell_without_sideways_scrolling(
    server,  # noqa: F811
    browser,  # noqa: F811
    width,
    height,
    name,
):
    page = browser.new_page(viewport={"width": width, "height": height})
    page.goto(f"{server}/board?month=2026-10")
    sign_in(page, "board")
    page.wait_for_selector("table.gt-matrix", timeout=60_000)
    cells = page.eval_on_selector_all("table.gt-matrix td", "cells => cells.map(c => c.innerText)")
    for aim in AIMS:
        assert sum(aim in cell for cell in cells) == 1, (aim, cells)
    scroll_width = page.evaluate("document.scrollingElement.scrollWidth")
    main = page.eval_on_selector("[data-testid='stMain']", "m => [m.scrollWidth, m.clientWidth]")
    assert scroll_width <= width and main[0] <= main[1], (scroll_width, main)
    box = page.locator("table.gt-matrix").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width
    headline = page.get_by_text("3 of 5 aims need the board's attention")
    assert headline.is_visible()
    keep = os.environ.get("SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(keep) / f"board-front-{name}.png"))
    # A click on an aim in its cell opens the aim's page, still signed in (the link reloads the page).
    page.locator("table.gt-matrix td a", has_text="Reduce agency staffing spend").click()
    page.wait_for_selector(
        "[data-testid='stMainBlockContainer'] h2:has-text('Reduce agency staffing spend')", timeout=60_000
    )
    assert "aim=4" in page.url and "month=2026-10" in page.url
    # The page draws its heading before its buttons: wait for the button, as a person's eye would.
    page.get_by_role("button", name="Back to the board").wait_for(state="visible", timeout=60_000)
    page.close()


def test_the_published_board_page_opens_offline_with_every_aim(browser, demo, tmp_path):  # noqa: F811
    from golden_thread.report.board_html import published_board_html
    from golden_thread.services.board import publish, published_view
    from tests.test_board import OCTOBER, _view

    publish(demo, _view(demo, OCTOBER), username="admin")
    page_file = tmp_path / "board.html"
    page_file.write_bytes(published_board_html(demo, published_view(demo, OCTOBER), generated_on=dt.date.today()))
    context = browser.new_context(offline=True, viewport={"width": 390, "height": 844})
    fetched: list[str] = []
    context.on("request", lambda request: fetched.append(request.url))
    page = context.new_page()
    page.goto(page_file.as_uri())
    headings = page.eval_on_selector_all("section.gt-aim h3", "hs => hs.map(h => h.innerText)")
    assert sorted(headings) == sorted(AIMS)
    drawn = page.eval_on_selector_all("section.gt-aim figure svg", "svgs => svgs.map(s => s.getBBox().width)")
    assert len(drawn) == len(AIMS) and min(drawn) > 100  # every chart drawn, not an empty box
    assert [url for url in fetched if not url.startswith(("file:", "data:"))] == []
    page.click("text=Reduce agency staffing spend >> nth=0")
    assert page.evaluate("location.hash") == "#aim-4"
    context.close()
