"""A sign-in that lasts, in a real headless Chromium at 1440×900: a reload and a shared link opened in a new tab stay
signed in and open where they point; signing out ends it in every tab; Streamlit's developer controls are not shown.
"""

from __future__ import annotations

import re
import shutil

import pytest

from tests.test_browser import CHROMIUM, MAIN, READY, Path, browser, running_app, sign_in, sign_in_cookie  # noqa: F401 - browser is a fixture

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (.ci/run installs it)"),
]
DESKTOP = {"width": 1440, "height": 900}
SIGNED_IN = "[data-testid='stSidebar'] >> text=Signed in as"


@pytest.fixture(scope="module")
def server(tmp_path_factory, demo_db):
    folder = tmp_path_factory.mktemp("browser-session")
    database = folder / "app.duckdb"
    shutil.copy(demo_db, database)
    with running_app(database, folder) as url:
        yield url


def _settled(page) -> None:
    page.wait_for_selector(READY, timeout=60_000)


def _signed_in(page) -> None:
    page.wait_for_selector(SIGNED_IN, timeout=60_000)
    _settled(page)


def _on_sign_in_form(page) -> None:
    page.get_by_role("textbox", name="Username").wait_for(timeout=60_000)
    _settled(page)
    assert not page.query_selector(SIGNED_IN)


def test_a_sign_in_lasts_across_a_reload_and_a_shared_link_until_signing_out(server, browser):
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.goto(f"{server}/home")
    sign_in(page, "board")
    assert "Aims and objectives" in page.inner_text(MAIN)
    # The browser holds a random token, never the username or the password.
    cookie = sign_in_cookie(page)
    assert "board" not in cookie["value"] and "demo" not in cookie["value"] and len(cookie["value"]) >= 40
    assert cookie["expires"] > 0  # it ends with the working session, not with the browser alone

    page.reload()
    _signed_in(page)
    assert "/home" in page.url and "Aims and objectives" in page.inner_text(MAIN)
    assert not page.get_by_role("textbox", name="Password").count()

    # A colleague's link to a month of the board, opened in a new tab of the same browser.
    shared = context.new_page()
    shared.goto(f"{server}/board?month=2026-09")
    _signed_in(shared)
    shared.wait_for_selector(f"{MAIN} h1:has-text('Board report')", timeout=60_000)
    assert re.search(r"/board\?month=2026-09", shared.url)
    assert not shared.get_by_text("Page not found").count()
    month = shared.locator(f"{MAIN} [data-testid='stSelectbox']", has_text="Month").get_by_role("combobox")
    assert "September 2026" in month.input_value()
    assert not shared.query_selector("[data-testid='stException']")
    # And a link to one measure opens that measure.
    measure = context.new_page()
    measure.goto(f"{server}/measures?measure=3")
    _signed_in(measure)
    measure.wait_for_selector(f"{MAIN} h3:has-text('Sepsis mortality')", timeout=60_000)
    assert "/measures?measure=3" in measure.url
    measure.close()

    # Signing out in one tab ends the sign-in everywhere: a reload of the other goes back to the sign-in form.
    shared.get_by_role("button", name="Sign out").click()
    _on_sign_in_form(shared)
    page.reload()
    _on_sign_in_form(page)
    shared.reload()
    _on_sign_in_form(shared)
    context.close()


def test_an_open_tab_is_signed_out_when_another_signs_out(server, browser):
    context = browser.new_context(viewport=DESKTOP)
    first = context.new_page()
    first.goto(f"{server}/home")
    sign_in(first, "lead")
    second = context.new_page()
    second.goto(f"{server}/home")
    _signed_in(second)
    second.get_by_role("button", name="Sign out").click()
    _on_sign_in_form(second)
    # The first tab, never reloaded, is signed out on its next click and says why.
    first.get_by_role("link", name="Board report").click()
    _on_sign_in_form(first)
    assert "Your sign-in has ended" in first.inner_text(MAIN)
    context.close()


def test_the_developer_controls_are_not_shown(server, browser):
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.goto(f"{server}/board")
    sign_in(page, "admin")
    assert not page.query_selector("[data-testid='stAppDeployButton']")
    assert not page.get_by_role("button", name="Deploy").count()
    page.locator("[data-testid='stMainMenu']").click()
    menu = page.locator("[data-testid='stMainMenuList']")
    menu.wait_for(timeout=10_000)
    items = menu.inner_text()
    assert "About" in items  # the app's own item
    for developer_item in ("Rerun", "Clear cache", "Deploy", "Record screen", "Developer options", "Settings"):
        assert developer_item not in items, items
    context.close()
