"""Nothing typed or imported is lost when two people work on one measure at once (issue 20, items 1 and 2).

Two stores on one file stand for two people's sessions: what one saves, the other's next write sees.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from golden_thread.domain.observation_import import plan_import, read_observation_file
from golden_thread.domain.observations import ProposedObservation
from golden_thread.errors import StaleEdit
from golden_thread.storage.store import Store
from tests.conftest import DEMO_TODAY, signed_in

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def two_people(demo_address: str):
    """Two sessions on one copy of the demo trust: (the lead's, the administrator's)."""
    lead, admin = Store(demo_address), Store(demo_address)
    yield lead.within(lead.choose_scope(None)), admin.within(admin.choose_scope(None))
    admin.close()
    lead.close()


def _ratio_measure(store: Store) -> dict:
    return store.measure(store.measures().filter(pl.col("chart_type") == "p")["id"][0])


def _stored(store: Store, measure_id: int, period: dt.date) -> dict:
    return store.observations([measure_id]).filter(pl.col("period_start") == period).row(0, named=True)


def test_an_import_previewed_before_a_colleagues_correction_is_refused_and_writes_nothing(two_people):
    lead, admin = two_people
    measure = _ratio_measure(lead)
    period = lead.observations([measure["id"]])["period_start"].max()
    before = _stored(lead, measure["id"], period)
    # The lead previews a file that corrects the latest period...
    content = f"period_start,numerator,denominator\n{period},12,50\n".encode()
    plan = plan_import(
        measure, read_observation_file(content, "ward.csv"), lead.observations([measure["id"]]), DEMO_TODAY
    )
    assert plan.ok and plan.changed.height == 1
    # ...the administrator corrects the same period and sees it saved...
    assert (
        admin.save_observation(
            measure["id"],
            ProposedObservation(period, numerator="40", denominator="50"),
            username="admin",
            today=DEMO_TODAY,
            correcting=True,
            expected=before,
        )
        == "corrected"
    )
    after_correction, audit = lead.observations([measure["id"]]), lead.audit_log()
    # ...then the lead imports what they previewed: refused, naming the period and who changed it.
    with pytest.raises(StaleEdit) as refused:
        lead.commit_import(plan, username="lead", filename="ward.csv")
    message = str(refused.value)
    assert message.startswith("Not imported: since you previewed the file, Administrator (demo) changed")
    assert f"{period:%b %Y} (now 40 / 50)" in message and "Nothing was imported" in message
    assert lead.observations([measure["id"]]).equals(after_correction)  # the colleague's 40/50 stands
    assert lead.audit_log().equals(audit)
    # Previewed again, the same file imports: the person has now seen 40 / 50 replaced by 12 / 50.
    again = plan_import(
        measure, read_observation_file(content, "ward.csv"), lead.observations([measure["id"]]), DEMO_TODAY
    )
    assert again.changes_preview(measure)["Stored"].to_list() == ["40 / 50"]
    assert lead.commit_import(again, username="lead", filename="ward.csv")["corrected"] == 1
    assert _stored(admin, measure["id"], period)["numerator"] == 12


def test_an_import_whose_new_period_a_colleague_has_since_entered_is_refused(two_people):
    lead, admin = two_people
    measure = _ratio_measure(lead)
    first = lead.observations([measure["id"]])["period_start"].min()
    period = dt.date(first.year - 1, 1, 1)
    content = f"period_start,numerator,denominator\n{period},12,50\n".encode()
    plan = plan_import(
        measure, read_observation_file(content, "ward.csv"), lead.observations([measure["id"]]), DEMO_TODAY
    )
    assert plan.new.height == 1
    admin.save_observation(
        measure["id"], ProposedObservation(period, numerator="40", denominator="50"), username="admin", today=DEMO_TODAY
    )
    with pytest.raises(StaleEdit, match=f"Administrator \\(demo\\) entered {period:%b %Y} \\(now 40 / 50\\)"):
        lead.commit_import(plan, username="lead", filename="ward.csv")
    assert _stored(lead, measure["id"], period)["numerator"] == 40


def test_the_second_person_adding_the_same_new_period_is_told_and_the_first_figure_stands(two_people):
    lead, admin = two_people
    measure = _ratio_measure(lead)
    period = dt.date(2026, 11, 1)  # complete by 2 December, and not yet entered
    today = dt.date(2026, 12, 2)
    assert lead.observations([measure["id"]]).filter(pl.col("period_start") == period).height == 0
    added = admin.save_observation(
        measure["id"], ProposedObservation(period, numerator="40", denominator="50"), username="admin", today=today
    )
    assert added == "added"
    with pytest.raises(StaleEdit) as refused:
        lead.save_observation(
            measure["id"], ProposedObservation(period, numerator="12", denominator="50"), username="lead", today=today
        )
    message = str(refused.value)
    assert message.startswith(f"Not saved: Administrator (demo) entered {period:%b %Y} as 40 / 50 at ")
    assert message.endswith(
        "while you were typing; your figures are still in the form — correct the stored period if yours are right."
    )
    assert _stored(lead, measure["id"], period)["numerator"] == 40
    assert lead.observations([measure["id"]]).filter(pl.col("period_start") == period).height == 1


@pytest.mark.slow
def test_the_measure_page_says_not_saved_and_keeps_the_figures_typed(demo_address, monkeypatch):
    path = demo_address
    monkeypatch.setenv("GOLDEN_THREAD_DB", str(path))
    st.cache_resource.clear()
    try:
        store = Store(path)
        measure = _ratio_measure(store)
        store.close()
        app = signed_in(AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60), "lead")
        app.query_params["measure"] = str(measure["id"])
        app.run()
        app.switch_page(str(ROOT / "screens/measures.py"))
        app.run()
        assert not app.exception, [e.value for e in app.exception]
        period = app.selectbox(key=f"entry-period-{measure['id']}").value
        app.text_input(key=f"entry-numerator-{measure['id']}").input("12")
        app.text_input(key=f"entry-denominator-{measure['id']}").input("50")
        # While the lead types, the administrator enters the same period from another session.
        other = Store(path)
        other.save_observation(
            measure["id"],
            ProposedObservation(period, numerator="40", denominator="50"),
            username="admin",
            today=dt.date.today(),
        )
        other.close()
        next(b for b in app.button if b.label == "Save").click().run()
        assert not app.exception, [e.value for e in app.exception]
        errors = [e.value.replace("\\", "") for e in app.error]  # shown as plain text: markdown escaped
        assert any(
            e.startswith(f"Not saved: Administrator (demo) entered {period:%b %Y} as 40 / 50") for e in errors
        ), errors
        assert not any("Saved:" in s.value for s in app.success)
        assert app.text_input(key=f"entry-numerator-{measure['id']}").value == "12"
        assert app.text_input(key=f"entry-denominator-{measure['id']}").value == "50"
        check = Store(path)
        assert _stored(check, measure["id"], period)["numerator"] == 40
        check.close()
    finally:
        st.cache_resource.clear()


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="Debian's chromium is not installed")
def test_the_import_screen_refuses_rows_a_colleague_changed_after_the_preview(demo_address, tmp_path):
    from playwright.sync_api import sync_playwright

    from tests.test_browser import running_app, sign_in

    database = demo_address
    store = Store(database)
    measure = _ratio_measure(store)
    period = store.observations([measure["id"]])["period_start"].max()
    before = _stored(store, measure["id"], period)
    store.close()
    upload = tmp_path / "ward.csv"
    upload.write_text(f"period_start,numerator,denominator\n{period},12,50\n")
    idle = "[data-testid='stApp'][data-test-script-state='notRunning']"
    with running_app(database, tmp_path) as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--headless", "--no-sandbox"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{url}/measures?measure={measure['id']}")
        sign_in(page, "lead")
        page.get_by_text("Import from a CSV or Excel file").click()
        page.locator("input[type='file']").set_input_files(str(upload))
        page.get_by_role("button", name="Import these rows").wait_for(timeout=60_000)
        # Another session corrects the period while the lead reads the preview.
        other = Store(database, wait=30)  # the app lets go of the file when another program knocks
        other.save_observation(
            measure["id"],
            ProposedObservation(period, numerator="40", denominator="50"),
            username="admin",
            today=dt.date.today(),
            correcting=True,
            expected=before,
        )
        other.close()
        page.get_by_role("button", name="Import these rows").click()
        page.get_by_text("Not imported: since you previewed the file").wait_for(timeout=60_000)
        page.wait_for_selector(idle, timeout=60_000)
        text = page.inner_text("[data-testid='stMainBlockContainer']")
        assert f"Administrator (demo) changed {period:%b %Y} (now 40 / 50)" in text
        assert page.get_by_role("button", name="Preview again").is_visible()
        browser.close()
    check = Store(database)
    assert _stored(check, measure["id"], period)["numerator"] == 40
    check.close()


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.duckdb_only  # the browser's side of a form: the engine plays no part
@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="Debian's chromium is not installed")
def test_a_pdsa_cycle_left_and_come_back_to_shows_its_plan_and_saves_a_change(demo_address, tmp_path):
    """Going from a cycle to the one it builds on and back drew the cycle's forms blank while the page held their
    stored text, so 'Save the plan' sent blanks and was refused (Streamlit kept the old values after a run ended by
    st.stop()). The forms show what is stored, and a change to one field saves with the rest kept."""
    import re

    from playwright.sync_api import sync_playwright

    from tests.test_browser import MAIN, READY, running_app, shows, sign_in, type_in

    def opened(number: int) -> None:  # the cycle's own heading, not a mention of it on the page being left
        page.locator(f"{MAIN} h3", has_text=f"Cycle {number}: ").wait_for(timeout=60_000)
        page.wait_for_selector(READY, timeout=60_000)

    store = Store(demo_address)
    scoped = store.within(store.choose_scope(None))
    ward_7 = next(
        row
        for project in scoped.pdsa_projects().iter_rows(named=True)
        if project["team"].startswith("Ward 7")
        for row in scoped.pdsa_cycles(project["id"]).iter_rows(named=True)
        if row["builds_on_id"] is not None and row["plan"]
    )
    cycle = scoped.pdsa_cycle(ward_7["id"])
    store.close()
    plan_box = f"{MAIN} [data-testid='stExpander']:has-text('Edit the plan')"
    with running_app(demo_address, tmp_path) as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--headless", "--no-sandbox"])
        page = browser.new_page(viewport={"width": 1400, "height": 1100})
        page.goto(f"{url}/pdsa?cycle={cycle['id']}")
        sign_in(page, "team")
        opened(cycle["cycle_number"])
        page.locator(MAIN).get_by_role("link", name=f"Builds on cycle {cycle['builds_on_number']}").click()
        page.wait_for_url(re.compile(rf"cycle={cycle['builds_on_id']}$"), timeout=60_000)
        opened(cycle["builds_on_number"])
        page.locator(MAIN).get_by_role("link", name=f"Built on by cycle {cycle['cycle_number']}").first.click()
        page.wait_for_url(re.compile(rf"cycle={cycle['id']}$"), timeout=60_000)
        opened(cycle["cycle_number"])
        page.locator(MAIN).get_by_text("Edit the plan").click()
        form = page.locator(plan_box)
        assert form.get_by_label("What are you testing, where?").input_value() == cycle["title"]
        plan = form.get_by_label("Plan: who, what, when, where; what data will you collect?")
        assert plan.input_value() == cycle["plan"]
        type_in(form.get_by_label("Questions the test will answer", exact=True), "Will night staff do it too?")
        page.get_by_role("button", name="Save the plan").click()
        shows(page, "Plan saved.")
        browser.close()
    check = Store(demo_address)
    saved = check.within(check.choose_scope(None)).pdsa_cycle(cycle["id"])
    check.close()
    assert saved["questions"] == "Will night staff do it too?"
    assert (saved["title"], saved["plan"], saved["objective"]) == (cycle["title"], cycle["plan"], cycle["objective"])
