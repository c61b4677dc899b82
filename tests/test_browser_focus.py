"""Huddle mode in a real browser at 1920×1080 (issue 17): the demo's busiest focus board walks its four steps with no
scrolling, and a ward's huddle is recorded from the wall display: an action closed with its learning, a new action,
the reflection kept."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from golden_thread.storage.store import Store
from tests.test_browser import CHROMIUM, READY, browser, running_app, sign_in, type_in  # noqa: F401 - the fixture is used by name

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Chromium at /usr/bin/chromium"),
]
WALL = {"width": 1920, "height": 1080}
STEPS = ("Our measures", "New actions", "How did the huddle go?")
# The main area's overflow: how far it scrolls beyond the window (0 when everything fits).
OVERFLOW = "() => { const m = document.querySelector('[data-testid=stMain]'); return m.scrollHeight - m.clientHeight; }"


@pytest.fixture(scope="module")
def app(tmp_path_factory, demo_db):
    folder = tmp_path_factory.mktemp("focus-browser")
    database = folder / "app.duckdb"
    shutil.copy(demo_db, database)
    with running_app(database, folder) as url:
        yield url, database


def _next(page, step: str) -> None:
    """Press "Next: <step>" and wait until the huddle has moved on (its button gone): a page idle at once may not
    yet have heard of the click on a loaded machine."""
    button = page.get_by_role("button", name=f"Next: {step}")
    button.click()
    button.wait_for(state="hidden", timeout=60_000)
    _settled(page)


def _settled(page) -> None:
    page.wait_for_selector(READY, timeout=60_000)
    time.sleep(0.5)  # the charts draw after the script has finished
    page.wait_for_selector(READY, timeout=60_000)


def _shot(page, name: str, folder: Path) -> None:
    keep = os.environ.get("SCREENSHOTS")
    target = Path(keep) if keep else folder
    target.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(target / f"{name}.png"))


def _busiest_board(database: Path) -> int:
    """The demo trust's board with the most open actions and objectives."""
    store = Store(database, wait=60)  # the app lets go of the file between pages
    try:
        row = store._query(
            """
            SELECT b.id, (SELECT count(*) FROM focus_action a WHERE a.board_id = b.id AND a.status <> 'done')
                       + (SELECT count(*) FROM focus_objective o WHERE o.board_id = b.id AND o.status = 'active') AS load
            FROM focus_board b JOIN organisation u ON u.id = b.unit_id WHERE u.vocabulary = 'health'
            ORDER BY load DESC, b.id LIMIT 1
            """
        ).row(0)
        return row[0]
    finally:
        store.close()


def test_huddle_mode_fits_a_wall_display_for_the_busiest_board(app, browser, tmp_path):
    url, database = app
    board = _busiest_board(database)
    page = browser.new_page(viewport=WALL)
    page.goto(f"{url}/focus?board={board}")
    sign_in(page, "admin")
    _settled(page)
    assert page.evaluate(OVERFLOW) > 0  # the board itself scrolls: the measure of overflow is a real one
    _shot(page, "focus-board", tmp_path)
    page.goto(f"{url}/focus?board={board}&huddle=1")
    _settled(page)
    for step, following in enumerate((*STEPS, None)):
        assert page.evaluate(OVERFLOW) <= 1, f"huddle step {step + 1} scrolls at 1920×1080"
        _shot(page, f"focus-huddle-{step + 1}", tmp_path)
        if following:
            _next(page, following)
    page.goto(f"{url}/focus?rollup=1")
    _settled(page)
    assert page.get_by_role("heading", name="Focus boards").is_visible()
    _shot(page, "focus-roll-up", tmp_path)
    page.close()


def test_a_huddle_is_recorded_from_the_wall_display(app, browser):
    url, database = app
    page = browser.new_page(viewport=WALL)
    page.goto(f"{url}/focus")
    sign_in(page, "team")
    _settled(page)
    assert page.get_by_role("heading", name="Ward 7 focus board").is_visible()
    page.get_by_role("button", name="Start the huddle").click()
    page.get_by_role("button", name=f"Next: {STEPS[0]}").wait_for(timeout=60_000)
    _settled(page)
    store = Store(database, wait=60)  # the app lets go of the file between pages
    try:
        first = store._query(
            "SELECT id, title FROM focus_action WHERE board_id = 1 AND status <> 'done' ORDER BY due_date, id LIMIT 1"
        ).row(0)
    finally:
        store.close()
    page.get_by_role("combobox", name=f"Status of {first[1]}").click()
    page.get_by_role("option", name="Done", exact=True).click()
    _settled(page)
    learned = page.get_by_role("textbox", name=f"What we learned from {first[1]}")
    learned.wait_for(timeout=60_000)  # asked for once the action is done, by the choice's run
    type_in(learned, "Night staff own the mats now")
    page.keyboard.press("Tab")
    _settled(page)
    for following in STEPS[:2]:
        _next(page, following)
    type_in(page.get_by_role("textbox", name="Action *"), "Ask estates for two more mats")
    type_in(page.get_by_role("textbox", name="Responsible *"), "Sister Okafor")
    page.get_by_role("button", name="Add to this huddle's actions").click()
    _settled(page)
    _next(page, STEPS[2])
    type_in(page.get_by_role("textbox", name="Who was there *"), "Sister Okafor, HCA Lewis")
    page.get_by_text("Yes", exact=True).click()
    _settled(page)
    type_in(page.get_by_role("textbox", name="What did we learn?"), "Mats work when night staff own them")
    page.keyboard.press("Tab")
    _settled(page)
    page.get_by_role("button", name="Save the huddle").click()
    _settled(page)
    page.wait_for_selector("text=is kept", timeout=60_000)
    page.close()
    store = Store(database, wait=60)  # the app lets go of the file between pages
    try:
        assert store._query(f"SELECT status, learning FROM focus_action WHERE id = {first[0]}").rows() == [
            ("done", "Night staff own the mats now")
        ]
        assert store._query(
            "SELECT attendees, ran_to_time, learned FROM huddle WHERE board_id = 1 ORDER BY id DESC LIMIT 1"
        ).rows() == [("Sister Okafor, HCA Lewis", True, "Mats work when night staff own them")]
        assert (
            store._query("SELECT count(*) FROM focus_action WHERE title = 'Ask estates for two more mats'").item() == 1
        )
    finally:
        store.close()
