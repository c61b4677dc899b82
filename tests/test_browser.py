"""The app in a real headless Chromium: a server on 127.0.0.1, pages waited on by app state, never by sleeps.

Set SCREENSHOTS=DIR to keep each page's screenshot (the README's pictures are made this way).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parent.parent
# The app when no page run is in progress, and the main area of a page.
READY = "[data-testid='stApp'][data-test-script-state='notRunning']"
MAIN = "[data-testid='stMainBlockContainer']"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (.ci/run installs it)"),
]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def running_app(database: Path, folder: Path, *, unexpected_errors: bool = False):
    """The app served on a free 127.0.0.1 port from ``database``; yields its URL once it answers. A page's
    unexpected error shows the browser only a sentence and a reference, so the server's log is read at the end:
    one there fails the test, unless ``unexpected_errors`` (a test that provokes one)."""
    port = _free_port()
    log = (folder / "server.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(ROOT / "dashboard.py"),
            "--server.headless=true",
            "--server.address=127.0.0.1",
            f"--server.port={port}",
            "--browser.gatherUsageStats=false",
            "--server.fileWatcherType=none",
        ],
        cwd=ROOT,
        env={**os.environ, "GOLDEN_THREAD_DB": str(database)},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                break
        except OSError:
            pass
        if time.monotonic() > deadline or process.poll() is not None:
            process.kill()
            pytest.fail("the app did not start:\n" + (folder / "server.log").read_text())
        time.sleep(0.2)
    try:
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)
    lines = (folder / "server.log").read_text().splitlines()
    logged = [line for line in lines if "Unexpected error GT-" in line]
    if logged and not unexpected_errors:
        pytest.fail("a page failed unexpectedly (see server.log): " + "; ".join(logged))
    # A widget given both a default and a value in session state ignores one of them, and says so only here.
    warned = [line for line in lines if "was created with a default value but also had its value set" in line]
    assert not warned, "; ".join(warned)


@pytest.fixture(scope="module")
def server(tmp_path_factory, demo_db):
    folder = tmp_path_factory.mktemp("browser")
    database = folder / "app.duckdb"
    shutil.copy(demo_db, database)
    with running_app(database, folder) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield launched
        launched.close()


def type_in(field, text: str) -> None:
    """Type ``text`` into a text or number box, then wait until the page has taken it: Streamlit redraws a changed box
    with its "Press Enter" line under it, and a press of the form's button during that redraw is lost (a save
    pressed at once after typing did nothing about one time in five)."""
    unchanged = field.input_value() == text
    field.fill(text)
    if not unchanged:  # a box left as it was is not redrawn
        box = field.locator(
            "xpath=ancestor::*[@data-testid='stTextArea' or @data-testid='stTextInput' or @data-testid='stNumberInput'][1]"
        )
        box.locator("[data-testid='InputInstructions']").wait_for(timeout=60_000)


def sign_in(page, username: str, password: str = "demo") -> None:
    """Sign in on whatever page asked for it; the app then shows the page the link named. Returns once the browser
    holds its sign-in cookie too, so a reload or a link opened next stays signed in."""
    page.wait_for_selector(READY, timeout=60_000)
    type_in(page.get_by_role("textbox", name="Username"), username)
    type_in(page.get_by_role("textbox", name="Password"), password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector("[data-testid='stSidebar'] >> text=Signed in as", timeout=60_000)
    page.wait_for_selector(READY, timeout=60_000)
    sign_in_cookie(page)


def sign_in_cookie(page) -> dict:
    """The browser's sign-in cookie, once it holds one: a line of script sets it when the signed-in page is drawn,
    and the browser's cookie store hears of it a moment later, so a page already idle may not have it yet."""
    for _ in range(300):
        if cookie := next((c for c in page.context.cookies() if c["name"] == "golden_thread_session"), None):
            return cookie
        page.wait_for_timeout(200)
    raise AssertionError(f"the browser was never given its sign-in cookie; it holds {page.context.cookies()}")


def shows(page, text: str, *, timeout: int = 60_000) -> None:
    """Wait until the main area shows ``text`` and the run that drew it has finished; if it never does, fail with
    what the main area said instead (a refusal, say), which a timeout alone would not. A click's run can start
    late on a loaded machine, so a page idle at once may not yet have heard of the click: wait for what it shows."""
    try:
        page.locator(MAIN).get_by_text(text).filter(visible=True).first.wait_for(timeout=timeout)
    except PlaywrightTimeout:
        raise AssertionError(f"the page never showed {text!r}; it showed:\n{page.inner_text(MAIN)}") from None
    page.wait_for_selector(READY, timeout=60_000)


def dialog_text(page, showing: str, *, timeout: int = 60_000) -> str:
    """The words of the open dialog, once it shows ``showing`` and the run drawing it has finished: a dialog is drawn
    element by element, so what follows ``showing`` in it may not be there yet when ``showing`` appears."""
    page.wait_for_selector(f"[role='dialog'] >> text={showing}", timeout=timeout)
    page.wait_for_selector(READY, timeout=60_000)
    return page.inner_text("[role='dialog']")


def choose_an_option(page, box, option: str, *, exact: bool = True, keeps: bool = True) -> None:
    """Choose ``option`` in the selectbox or multiselect ``box`` (a locator) as a person does: type it, wait for the
    list to highlight it, Enter. Typed in part of a longer option (``exact=False``), Enter waits until the typing
    leaves it the only one offered.

    Each try is checked as a person sees it, and tried again (at most three times) when it did not take:
    - a box clicked while its page reruns is replaced by the run, and its list never opens or closes at once;
    - Enter pressed before the list highlights its first match takes nothing, and leaves the typed words in the box
      looking chosen until it loses focus (Streamlit 1.67's selectbox): so a selectbox is left (Tab) and must still
      show the option, unless it does not keep what is chosen (``keeps=False``: a search box that empties once it
      has found)."""
    offered = page.get_by_role("option", name=option, exact=True) if exact else page.get_by_role("option")
    offered = offered.filter(has_text=option).first
    field = box.locator("input").first
    multiselect = box.get_attribute("data-testid") == "stMultiSelect"
    for patience in (10_000, 10_000, 60_000):
        page.wait_for_selector(READY, timeout=60_000)
        field.click()
        page.keyboard.press("ControlOrMeta+a")  # what an earlier try typed
        page.keyboard.type(option)
        try:
            offered.wait_for(timeout=patience)
            if not exact:
                page.wait_for_function(
                    "() => document.querySelectorAll('[role=option]').length === 1", timeout=patience
                )
            page.wait_for_function(
                "([input, option]) => !option.id || input.getAttribute('aria-activedescendant') === option.id",
                arg=[field.element_handle(), offered.element_handle(timeout=patience)],
                timeout=patience,
            )
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
            continue
        page.keyboard.press("Enter")
        page.keyboard.press("Escape" if multiselect else "Tab")  # a multiselect stays open for more choices
        page.wait_for_selector(READY, timeout=60_000)
        if not keeps:
            return
        shown = box.inner_text() if multiselect else field.input_value()
        if (option == shown) if exact and not multiselect else (option in shown):
            return
    raise AssertionError(f"the box never took {option!r}")


def choose(page, label: str, option: str, *, keeps: bool = True) -> None:
    """``choose_an_option`` in the selectbox or multiselect whose words hold ``label``, typing ``option`` (all of
    it, or enough to leave it the only one offered)."""
    box = page.locator("[data-testid='stSelectbox'], [data-testid='stMultiSelect']").filter(has_text=label).first
    choose_an_option(page, box, option, exact=False, keeps=keeps)


def _visit(browser, url: str, name: str, user: str = "admin"):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(url)
    sign_in(page, user)
    page.wait_for_selector(f"{MAIN} h1", timeout=60_000)
    keep = os.environ.get("SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(keep) / f"{name}.png"), full_page=True)
    return page


def test_home_page_shows_the_aims_in_a_browser(server, browser):
    page = _visit(browser, f"{server}/home", "home")
    text = page.inner_text(MAIN)
    assert "Safe, effective care every time" in text and "Strategic objective · Quality" in text
    assert "has no active improvement project" in text
    assert not page.query_selector("[data-testid='stException']")
    page.close()


def test_measure_page_draws_the_chart_in_a_browser(server, browser):
    page = _visit(browser, f"{server}/measures?measure=1", "measure")
    page.wait_for_selector("canvas, svg.marks", timeout=60_000)
    text = page.inner_text(MAIN)
    assert "Inpatient falls with harm per 1,000 occupied bed days" in text
    assert "Variation" in text and "Assurance" in text
    assert not page.query_selector("[data-testid='stException']")
    page.close()


def test_alignment_page_shows_the_breaks_in_a_browser(server, browser):
    page = _visit(browser, f"{server}/alignment", "alignment")
    text = page.inner_text(MAIN)
    assert "Breaks in the thread" in text and "Orphan project: 2" in text
    assert "No open project serves Improve staff engagement" in text
    assert not page.query_selector("[data-testid='stException']")
    page.close()


def test_tree_page_draws_the_thread_and_a_click_opens_a_node(server, browser):
    page = _visit(browser, f"{server}/thread?aim=1", "thread")
    tree = page.wait_for_selector("[data-testid='stBidiComponentRegular'] svg", timeout=60_000)
    box = tree.bounding_box()
    assert box["width"] > 900 and box["height"] >= 300  # the page's width; as tall as its boxes need
    # Drawn as SVG, so each node's label is a real element a person (and this test) can click (its words may wrap).
    page.locator("[data-testid='stBidiComponentRegular'] svg text", has_text="Safe ward").first.click()
    text = dialog_text(page, "Its thread, up to the aim")  # over the tree, which keeps the page's width
    assert "Primary driver" in text and "↑ aim: Reduce inpatient falls with harm" in text
    assert "Flags in this view" in page.inner_text(MAIN)
    assert not page.query_selector("[data-testid='stException']")
    keep = os.environ.get("SCREENSHOTS")
    if keep:
        page.wait_for_timeout(1000)
        page.screenshot(path=str(Path(keep) / "thread.png"), full_page=False)
    page.close()


def test_leadership_page_draws_the_radar_and_heat_map_in_a_browser(server, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 3000})
    page.goto(f"{server}/leadership")
    sign_in(page, "lead")
    page.wait_for_selector("svg.marks, canvas", timeout=60_000)
    text = page.inner_text(MAIN)
    assert "Radar: self and team, now and last time" in text
    assert "Heat-map: where each member placed their initials" in text and "Growth edge:" in text
    assert not page.query_selector("[data-testid='stException']")
    keep = os.environ.get("SCREENSHOTS")
    if keep:
        main = page.locator(MAIN).bounding_box()
        top = {
            name: page.get_by_role("heading", name=name).bounding_box()["y"]
            for name in (
                "Leadership practice",
                "Heat-map: where each member placed their initials",
                "Trends over repeated assessments",
            )
        }
        title, heat, trends = top.values()

        def clip(start: float, end: float) -> dict:
            return {"x": main["x"] - 10, "y": start - 20, "width": main["width"] + 20, "height": end - start + 20}

        page.screenshot(path=str(Path(keep) / "leadership-radar.png"), clip=clip(title, heat))
        page.screenshot(path=str(Path(keep) / "leadership-heatmap.png"), clip=clip(heat + 5, trends))
    page.close()
