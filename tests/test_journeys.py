"""The three users' jobs, done end to end in a real headless Chromium on a fresh demo database.

Each journey signs in as the demo account of its role and ends with a screenshot (SCREENSHOTS=DIR keeps them).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.test_browser import CHROMIUM, MAIN, READY, browser, choose, running_app, shows, sign_in, type_in  # noqa: F401 - browser is a fixture

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (.ci/run installs it)"),
]


@pytest.fixture
def app(tmp_path, demo_address):
    """A fresh server on a fresh copy of the demo for each journey (journeys change data), on each engine."""
    with running_app(demo_address, tmp_path) as url:
        yield url


def _settle(page) -> None:
    page.wait_for_timeout(300)
    page.wait_for_selector(READY, timeout=60_000)


def _text(page) -> str:
    return page.inner_text(MAIN)


def _shoot(page, name: str) -> None:
    if keep := os.environ.get("SCREENSHOTS"):
        Path(keep).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(keep) / f"journey-{name}.png"))


def _choose(page, label: str, option: str) -> None:
    """Pick an option in a Streamlit selectbox or multiselect by its label, typing it as a person would.

    Typing the whole option leaves it the only match; Enter then takes it (clicking the list races its
    re-rendering as it filters)."""
    choose(page, label, option)
    _settle(page)  # what the choice did is checked by each journey's next step


def test_a_board_member_reviews_an_aim_and_takes_the_board_pack(app, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page.goto(app)
    sign_in(page, "board")
    # The board replaces the sign-in form once its script has run; on a loaded machine the form lingers a moment.
    page.wait_for_selector(f"{MAIN} >> text=Reduce inpatient falls with harm", timeout=60_000)
    assert "Board report" in _text(page) and "Reduce inpatient falls with harm" in _text(page)
    assert page.get_by_role("button", name="Publish this board").count() == 0  # a viewer cannot publish
    page.locator(".st-key-open-aim-1 button").click()
    page.wait_for_selector(f"{MAIN} >> text=Driver diagram and golden thread", timeout=60_000)
    _settle(page)
    page.wait_for_selector(f"{MAIN} [data-testid='stBidiComponentRegular'] svg", timeout=60_000)
    text = _text(page)
    assert "Reduce inpatient falls with harm" in text and "Contributing projects" in text
    assert page.locator(f"{MAIN} [data-testid='stVegaLiteChart'], {MAIN} .vega-embed").count() >= 1
    page.get_by_role("button", name="Back to the board").click()
    page.wait_for_selector(f"{MAIN} >> text=Summary icon table", timeout=60_000)
    _settle(page)
    with page.expect_download(timeout=120_000) as download:
        page.get_by_role("button", name="Board pack (PDF)").click()
    pdf = Path(download.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF") and len(pdf) > 50_000
    _shoot(page, "board-member")
    page.close()


def test_a_team_member_enters_a_month_corrects_a_mistake_and_logs_a_pdsa_cycle(app, browser):
    from golden_thread.seed.demo import DEMO_AWAITING_ENTRY, build_demo_trust
    from tests.conftest import DEMO_TODAY

    build_demo_trust(DEMO_TODAY)
    measure_id = DEMO_AWAITING_ENTRY[0]
    page = browser.new_page(viewport={"width": 1400, "height": 1100})
    page.goto(f"{app}/measures?measure={measure_id}")
    sign_in(page, "team")
    page.wait_for_selector(f"{MAIN} >> text=Lying and standing blood pressure", timeout=60_000)
    assert "Lying and standing blood pressure" in _text(page)
    page.get_by_text("Enter or correct data").click()
    type_in(page.get_by_role("textbox", name="Numerator"), "45")
    type_in(page.get_by_role("textbox", name="Denominator"), "40")  # the mistake: more patients met it than exist
    page.get_by_role("button", name="Save").click()
    shows(page, "Nothing was saved")
    assert "denominator" in _text(page).lower()
    type_in(page.get_by_role("textbox", name="Denominator"), "50")
    page.get_by_role("button", name="Save").click()
    page.wait_for_selector(f"{MAIN} >> text=added.", timeout=60_000)
    _settle(page)
    assert "90" in page.locator("[data-testid='stMetric']").first.inner_text()  # 45 of 50 is the new latest point
    page.get_by_text("Log a PDSA cycle").click()
    type_in(
        page.get_by_role("textbox", name="What are you testing, where?"), "Journey test: lying and standing BP prompt"
    )
    _choose(page, "Change idea tested", "Lying and standing blood pressure on admission")
    type_in(page.get_by_role("textbox", name="Prediction: what do you expect to happen?"), "Compliance rises above 90%")
    page.get_by_role("button", name="Log PDSA cycle").click()
    page.wait_for_selector(f"{MAIN} >> text=PDSA cycle logged", timeout=60_000)
    _settle(page)
    assert "Journey test: lying and standing BP prompt" in _text(page)  # named under the chart as its latest cycle
    # The form is ready for the next cycle, blank: the browser does not keep (and would not send again) the words
    # of the cycle just logged.
    assert page.get_by_role("textbox", name="What are you testing, where?").input_value() == ""
    assert page.get_by_role("textbox", name="Prediction: what do you expect to happen?").input_value() == ""
    _shoot(page, "team-member")
    page.close()


def test_a_quality_committee_member_links_an_orphan_and_exports_the_list(app, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1100}, accept_downloads=True)
    page.goto(f"{app}/alignment")
    sign_in(page, "lead")
    page.wait_for_selector(f"{MAIN} >> text=Orphan project: 2", timeout=60_000)
    assert "Orphan project: 2" in _text(page)
    _choose(page, "Show rules", "Orphan project")
    # The other rules' flags leave once the choice's run has drawn the list (on a loaded machine, a while after).
    page.wait_for_function(
        "main => !/PDSA overdue/i.test(document.querySelector(main).innerText)", arg=MAIN, timeout=60_000
    )
    _settle(page)
    assert "Orphan project: 2" in _text(page)
    _choose(page, "Serves", "Reduce inpatient falls with harm › primary driver: Safe ward environment")
    page.get_by_role("button", name="Link project").click()
    page.wait_for_selector(f"{MAIN} >> text=now serves", timeout=60_000)
    _settle(page)
    assert "Orphan project: 1" in _text(page)
    with page.expect_download(timeout=60_000) as download:
        page.get_by_role("button", name="Download these flags (CSV)").click()
    exported = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert exported.splitlines()[0].startswith("Flag,") and exported.count("Orphan project") == 1
    _shoot(page, "quality-committee")
    page.close()
