"""Issue 15's "done when": a trust builds its golden thread from an empty database, in a real headless Chromium.

The machine's operator creates the database and its first administrator on the command line. Everything else is
the administrator's own path through the app: name the trust, then follow the guided start on Build the thread
(a strategic objective; a SMART system-level aim with its outcome measure), draw and publish the aim's driver
diagram, start a project on one of its change ideas, give it a process measure and six months of figures, run a
PDSA cycle from plan to adopt and start the next one on its ramp, and find the whole chain on the Golden thread
page. Then ``golden-thread check`` reports only what the journey leaves undone on purpose.

Every wait is on the app's state or on text a person would read; nothing waits on time. The app's dates are
today's, so the journey works out its months and cycle dates from today.

SCREENSHOTS=DIR keeps a picture of each step (journey-build-NN-*.png) and the README's three pictures of the Build
screen: build-guided-start.png, build-aim-editor.png and build-project-links.png.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest

from golden_thread.draw.icons import assurance_icon_svg, icon_uri, variation_icon_svg
from tests.test_browser import (  # noqa: F401 - browser is a fixture
    CHROMIUM,
    MAIN,
    READY,
    ROOT,
    browser,
    choose,
    dialog_text,
    running_app,
    shows,
    sign_in,
    type_in,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (.ci/run installs it)"),
]
DIALOG = "[role='dialog']"
TREE = "[data-testid='stBidiComponentRegular'] svg"
WAIT = 60_000  # ms: a loaded two-core machine runs a screen in seconds; this is only the ceiling
PASSWORD = "correct horse battery staple"

TRUST = "Riverside NHS Foundation Trust"
OBJECTIVE = "Safe, effective care every time"
AIM = "Reduce inpatient falls with harm"
OUTCOME = "Falls with harm per 1,000 occupied bed days"
PRIMARY = "Safe ward environment"
SECONDARY = "Falls risk assessed on admission"
IDEA = "Lying and standing blood pressure on admission"
UNTESTED_IDEA = "Falls risk checklist at the bedside"  # left untested on purpose: `check` names it
PROJECT = "Lying and standing BP on Ward 7"
PROCESS = "Lying and standing BP within 24 hours"
FIRST_CYCLE = "Lying and standing BP prompt on the Ward 7 admission checklist"
NEXT_CYCLE = "BP prompt with an 'unable to stand' option, night admissions on Ward 7"
# Patients with both readings, of 20 audited, in each of the six months before this one (oldest first).
AUDITED = 20
MET = (9, 10, 12, 14, 15, 17)

# What `golden-thread check` must report, and nothing else: the aim has no balancing measure yet, and the second
# change idea has not been tested yet. Every other rule is kept by the journey.
EXPECTED_CHECK = (
    "warning  outcome_without_balancing   aim 1: Reduce inpatient falls with harm\n"
    "info     untested_change_idea        change_idea 2: Falls risk checklist at the bedside\n"
    "2 flag(s): 1 info, 1 warning\n"
)


def _cli(*argv: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    """``golden-thread`` as the operator runs it on the machine that serves the app."""
    return subprocess.run(
        [sys.executable, "-m", "golden_thread.cli", *argv],
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _months_before(today: dt.date, count: int) -> list[dt.date]:
    """The first days of the ``count`` complete months before today's, newest first."""
    months, month = [], today.replace(day=1)
    for _ in range(count):
        month = (month - dt.timedelta(days=1)).replace(day=1)
        months.append(month)
    return months


# -- driving Streamlit as a person does -------------------------------------------------------------------------


def _settle(page) -> None:
    page.wait_for_selector(READY, timeout=WAIT)


def _text(page) -> str:
    return page.inner_text(MAIN)


def _field(page, key: str):
    """The text box, text area or number box of the widget with this key."""
    return page.locator(f".st-key-{key} input, .st-key-{key} textarea").first


def _fill(page, values: dict[str, str]) -> None:
    for key, value in values.items():
        type_in(_field(page, key), value)


def _date(page, key: str, day: dt.date) -> None:
    """Type a date into a date box (day, month, year), as a person types it."""
    page.locator(f".st-key-{key} [role='spinbutton'][data-type='day']").click()
    page.keyboard.type(f"{day:%d%m%Y}")
    page.keyboard.press("Tab")


def _navigate(page, title: str) -> None:
    page.locator("[data-testid='stSidebarNav']").get_by_role("link", name=title).click()
    page.wait_for_selector(f"{MAIN} h1:has-text('{title}')", timeout=WAIT)
    _settle(page)


def _tall(page) -> None:
    """Make the window as tall as the page, so that one picture holds it all (Streamlit scrolls inside the page)."""
    height = page.evaluate("() => document.querySelector(\"[data-testid='stMain']\").scrollHeight")
    page.set_viewport_size({"width": 1400, "height": min(max(int(height) + 40, 1000), 8000)})
    _settle(page)


def _shoot(page, name: str, *, clip_from: str | None = None, clip_to: str | None = None) -> None:
    """Keep a picture of the page in SCREENSHOTS (whole, or from the top of ``clip_from`` to the bottom of
    ``clip_to``: selectors, each of its first match), then give the window back its usual size."""
    keep = os.environ.get("SCREENSHOTS")
    if not keep:
        return
    Path(keep).mkdir(parents=True, exist_ok=True)
    _tall(page)
    page.evaluate("() => document.activeElement && document.activeElement.blur()")  # no focus ring in the picture
    clip = None
    if clip_from:
        main = page.locator(MAIN).bounding_box()
        top = page.locator(clip_from).first.bounding_box()["y"] - 16
        bottom = page.locator(clip_to or clip_from).first.bounding_box()
        end = bottom["y"] + bottom["height"] + 16
        clip = {"x": main["x"] + 2, "y": top, "width": main["width"] - 2, "height": end - top}  # not the sidebar's edge
    page.screenshot(path=str(Path(keep) / f"{name}.png"), full_page=clip is None, clip=clip)
    page.set_viewport_size({"width": 1400, "height": 1000})
    _settle(page)


# -- the journey --------------------------------------------------------------------------------------------------


def test_a_new_trust_builds_its_golden_thread_from_an_empty_database(tmp_path, empty_address, browser):
    today = dt.date.today()
    target_date = today.replace(day=1, year=today.year + 2)  # a SMART aim's date is ahead of today
    database = empty_address

    # 1. The operator creates the database and its first administrator.
    created = _cli("init", "--db", str(database))
    assert created.returncode == 0, created.stderr
    assert "Add the first administrator" in created.stdout
    added = _cli(
        "users",
        "add",
        "chief",
        "--role",
        "administrator",
        "--name",
        "Alice Okafor",
        "--db",
        str(database),
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    assert added.returncode == 0, added.stderr
    assert "Added chief (Alice Okafor), administrator" in added.stdout

    with running_app(database, tmp_path) as url:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(url)

        # 2. Chief signs in; an empty database asks for its organisation first.
        sign_in(page, "chief", PASSWORD)
        assert "Set up your organisation" in _text(page)
        type_in(page.get_by_role("textbox", name="Organisation name"), TRUST)
        page.get_by_role("button", name="Set up the organisation").click()
        shows(page, "Getting started")
        _shoot(page, "journey-build-01-guided-start")

        # 3. The guided start: a strategic objective, then a SMART aim with its outcome measure.
        text = _text(page)
        assert "Build the thread" in text and "1. Strategic objectives" in text and "Next: strategic objectives" in text
        type_in(_field(page, "new-objective-title"), OBJECTIVE)
        choose(page, "Category", "Quality")
        type_in(_field(page, "new-objective-description"), "Every patient receives safe, reliable care, every time.")
        page.get_by_role("button", name="Add the objective").click()
        shows(page, f"Added the objective “{OBJECTIVE}”.")
        text = _text(page)  # a ticked step reads "check_circle" (the icon's name), an open one its empty circle's
        assert "check_circle 1. Strategic objectives" in text and "radio_button_unchecked 2. A system-level aim" in text
        assert "Next: a system-level aim with its outcome measure." in text
        assert _field(page, "open-strategic_objective-aim").input_value() == f"Strategic objective: {OBJECTIVE}"
        _shoot(
            page,
            "build-guided-start",
            clip_from="h1",
            clip_to=f"{MAIN} [data-testid='stForm']:has-text('Save changes')",
        )

        page.get_by_role("button", name="Start step 2").click()
        page.wait_for_selector(f"{MAIN} h3:has-text('New system-level aim')", timeout=WAIT)
        _settle(page)
        _fill(
            page,
            {
                "new-aim-title": AIM,
                "new-aim-statement": "Reduce inpatient falls with moderate harm or worse from 0.60 to 0.30 per 1,000 "
                f"occupied bed days by {target_date:%B %Y}, across adult inpatient wards.",
                "new-aim-population": "Adult inpatients",
                "new-aim-location": "Adult inpatient wards",
                "new-aim-baseline_value": "0.6",
                "new-aim-baseline_period": "Apr 2025 to Mar 2026",
                "new-aim-target_value": "0.3",
                "new-aim-responsible_leader": "Dr Sam Patel, Chief Nurse",
                "new-aim-outcome-name": OUTCOME,
                "new-aim-outcome-definition": "Inpatient falls graded moderate harm or worse, per 1,000 occupied "
                "bed days, counted in the month of the fall.",
                "new-aim-outcome-numerator_definition": "Falls with moderate harm or worse reported on Datix",
                "new-aim-outcome-denominator_definition": "Occupied bed days at the midnight census",
                "new-aim-outcome-data_source": "Datix and the bed management system",
                "new-aim-outcome-owner": "Patient Safety Team",
                "new-aim-outcome-unit": "per 1,000 bed days",
                "new-aim-outcome-target_value": "0.3",
                "new-aim-outcome-multiplier": "1000",
                "new-aim-outcome-decimal_places": "2",
            },
        )
        _date(page, "new-aim-target_date", target_date)
        choose(page, "Chart", "u (a rate)")
        choose(page, "Better is", "lower is better")
        _shoot(
            page,
            "build-aim-editor",
            clip_from=f"{MAIN} h3:has-text('New system-level aim')",
            clip_to=f"{MAIN} [data-testid='stForm']",
        )
        page.get_by_role("button", name="Add the aim and its outcome measure").click()
        shows(page, f"Added the aim “{AIM}” with its outcome measure.")
        _shoot(page, "journey-build-02-aim-saved")

        # 4. The guided start's step 3 opens the aim's driver diagram: two levels of drivers, two change ideas.
        page.get_by_role("link", name="Next: draw the aim's driver diagram").click()
        shows(page, f"A new driver diagram for “{AIM}”")
        type_in(page.get_by_role("textbox", name="Primary driver"), PRIMARY)
        page.get_by_role("button", name="Add to the draft").click()
        shows(page, f"Added the primary driver “{PRIMARY}”")
        page.get_by_role("radio", name="Add a secondary driver").check(force=True)
        page.get_by_role("textbox", name="Secondary driver").wait_for(timeout=WAIT)
        _settle(page)
        type_in(page.get_by_role("textbox", name="Secondary driver"), SECONDARY)
        choose(page, "The primary drivers it serves", PRIMARY)
        page.get_by_role("button", name="Add to the draft").click()
        shows(page, f"Added the secondary driver “{SECONDARY}”")
        page.get_by_role("radio", name="Add a change idea").check(force=True)
        page.get_by_role("textbox", name="Change idea").wait_for(timeout=WAIT)
        _settle(page)
        for idea in (IDEA, UNTESTED_IDEA):
            type_in(page.get_by_role("textbox", name="Change idea"), idea)
            choose(page, "The drivers it serves", SECONDARY)
            page.get_by_role("button", name="Add to the draft").click()
            shows(page, f"Added the change idea “{idea}”")
        type_in(page.get_by_role("textbox", name="What changed, and why"), "The falls collaborative's first theory.")
        _shoot(page, "journey-build-03-diagram-draft")
        page.get_by_role("button", name="Create the driver diagram").click()
        shows(page, f"The driver diagram for “{AIM}” is published as version 1.")
        assert "version 1, from" in _text(page)

        # 5. A project for the trust (it has no teams yet), serving one of the change ideas.
        page.get_by_role("link", name="Next: the first improvement project").click()
        page.wait_for_selector(f"{MAIN} h3:has-text('New improvement project')", timeout=WAIT)
        _settle(page)
        choose(page, "Serves", f"change idea: {IDEA}")
        choose(page, "Team", TRUST)
        _fill(
            page,
            {
                "new-project-title": PROJECT,
                "new-project-lead": "Sister Grace Mensah",
                "new-project-sponsor": "Dr Sam Patel",
                "new-project-local_aim": "95% of patients aged 65 and over admitted to Ward 7 have a lying and "
                "standing blood pressure recorded within 24 hours of admission.",
            },
        )
        page.get_by_role("button", name="Add the project").click()
        shows(page, f"Added the project “{PROJECT}”. Add its measures next.")
        page.get_by_role("tab", name="Links into the thread").click()
        shows(page, "Primary link:")
        assert f"Primary link: {AIM} › change idea: {IDEA}" in _text(page)
        _shoot(
            page,
            "build-project-links",
            clip_from=f"{MAIN} h3:has-text('{PROJECT}')",
            clip_to=f"{MAIN} [data-testid='stForm']:has-text('Link it to the thread')",
        )

        # 6. The project's process measure, then six months of its figures on the Measures page.
        page.get_by_role("button", name="Start step 5").click()
        page.wait_for_selector(f"{MAIN} h3:has-text('New measure')", timeout=WAIT)
        _settle(page)
        assert page.locator(f"{MAIN} [data-testid='stForm'] [data-testid='stSelectbox'] input").first.input_value() == (
            f"Project: {PROJECT}"
        )
        _fill(
            page,
            {
                "new-measure-name": PROCESS,
                "new-measure-definition": "Share of patients aged 65 and over admitted to Ward 7 whose lying and "
                "standing blood pressure is recorded within 24 hours of admission.",
                "new-measure-numerator_definition": "Patients with both readings within 24 hours",
                "new-measure-denominator_definition": "Patients aged 65 and over admitted (20 notes audited a month)",
                "new-measure-data_source": "Monthly notes audit",
                "new-measure-owner": "Sister Grace Mensah",
                "new-measure-unit": "%",
                "new-measure-target_value": "95",
            },
        )
        page.get_by_role("button", name="Add the measure").click()
        shows(page, f"Added the measure “{PROCESS}”.")
        assert "Getting started" not in _text(page)  # every step of the guided start is done
        page.get_by_role("link", name="Its chart and data").click()
        page.wait_for_selector(f"{MAIN} h1:has-text('Measures')", timeout=WAIT)
        shows(page, "This measure has no data yet")
        measure_id = page.url.rsplit("measure=", 1)[1]
        numerator = _field(page, f"entry-numerator-{measure_id}")
        for month, met in zip(_months_before(today, len(MET)), reversed(MET)):
            # the form is open while the measure has no data, and stays open after each save, its fields blank again
            numerator.wait_for(state="visible", timeout=WAIT)
            assert numerator.input_value() == ""
            # the form offers the newest month without data first
            assert _field(page, f"entry-period-{measure_id}").input_value() == f"{month:%d %B %Y}"
            type_in(_field(page, f"entry-numerator-{measure_id}"), str(met))
            type_in(_field(page, f"entry-denominator-{measure_id}"), str(AUDITED))
            page.get_by_role("button", name="Save", exact=True).click()
            shows(page, f"Saved: {month:%B %Y} added.")
        page.wait_for_selector(f"{MAIN} svg.marks, {MAIN} canvas", timeout=WAIT)
        metrics = page.locator(f"{MAIN} [data-testid='stMetric']").all_inner_texts()
        assert metrics[0].endswith(f"{100 * MET[-1] / AUDITED:.1f}")  # the newest month's share, in percent
        assert "Common cause" in metrics[1] and "Hit and miss" in metrics[2]
        _shoot(page, "journey-build-04-measure")

        # 7. A PDSA cycle from plan to adopt, then the next cycle of its ramp.
        _navigate(page, "PDSA cycles")
        assert "No PDSA cycle yet: plan the first test below." in _text(page)
        new = f"pdsa-new-{page.url.rsplit('project=', 1)[1]}"
        assert _field(page, f"{new}-idea").input_value() == IDEA  # the project's one change idea
        _fill(
            page,
            {
                f"{new}-title": FIRST_CYCLE,
                f"{new}-objective": "See whether a prompt on the admission checklist gets both readings done.",
                f"{new}-prediction": "With the prompt, at least 16 of the next 20 admissions aged 65 and over will "
                "have both readings within 24 hours: nurses forget them, they do not refuse them.",
                f"{new}-plan": "Sister Mensah adds the prompt on Monday; the night nurse audits 20 admissions.",
            },
        )
        _date(page, f"{new}-end", today + dt.timedelta(days=13))
        page.get_by_role("button", name="Save the new cycle").click()
        shows(page, f"New cycle saved: {FIRST_CYCLE}.")
        cycle = page.url.rsplit("cycle=", 1)[1]
        type_in(
            _field(page, f"pdsa-{cycle}-do_notes"),
            "17 of 20 admissions had both readings within 24 hours; two were missed at night, one patient could "
            "not stand.",
        )
        page.get_by_role("button", name="Save what happened").click()
        shows(page, "Doing: what happened is recorded")
        type_in(
            _field(page, f"pdsa-{cycle}-study_notes"),
            "17 of 20 beat the prediction of 16. Night admissions are the gap, and the checklist needs an "
            "'unable to stand' option.",
        )
        page.get_by_role("button", name="Save the study").click()
        shows(page, "Studied: what was learned is recorded")
        page.locator(f".st-key-pdsa-{cycle}-act_decision").get_by_text("Adopt:").click()
        type_in(
            _field(page, f"pdsa-{cycle}-act_notes"), "Adopt the prompt on Ward 7; next, test it on night admissions."
        )
        page.get_by_role("button", name="Save the act").click()
        shows(page, "Acted: the decision is made.")
        assert "Adopt: implement the change on a larger scale" in _text(page)
        ramp = f"pdsa-next-{cycle}"  # "Start the next cycle (builds on this one)", open once the cycle is acted on
        assert _field(page, f"{ramp}-builds-on").input_value() == f"Cycle 1: {FIRST_CYCLE}"
        type_in(_field(page, f"{ramp}-title"), NEXT_CYCLE)
        type_in(
            _field(page, f"{ramp}-prediction"),
            "At least 18 of 20 night admissions will have both readings, or 'unable to stand', within 24 hours.",
        )
        _date(page, f"{ramp}-end", today + dt.timedelta(days=30))
        page.get_by_role("button", name="Save the new cycle").click()
        shows(page, f"New cycle saved: {NEXT_CYCLE}.")
        text = _text(page)
        assert f"Cycle 2: {NEXT_CYCLE}" in text and "Builds on cycle 1" in text
        assert f"tests the change idea “{IDEA}”" in text
        _shoot(page, "journey-build-05-next-cycle")

        # 8. The Golden thread page: the whole chain, from the latest cycle up to the aim, with the measure's icons.
        _navigate(page, "Golden thread")
        page.wait_for_selector(TREE, timeout=WAIT)
        choose(page, "Find a box", NEXT_CYCLE, keeps=False)  # the cycle's box: "Cycle 2 · <months>: <title>"
        details = dialog_text(page, "Its thread, up to the aim")  # over the tree, which keeps the page's width
        assert "PDSA cycle" in details and f"{NEXT_CYCLE} (no decision yet)" in details
        chain = [
            f"↑ project: {PROJECT}",
            f"↑ change idea: {IDEA}",
            f"↑ secondary driver: {SECONDARY}",
            f"↑ primary driver: {PRIMARY}",
            f"↑ aim: {AIM}",
        ]
        assert all(link in details for link in chain), details
        assert [details.index(link) for link in chain] == sorted(details.index(link) for link in chain)
        page.keyboard.press("Escape")  # close the details
        page.wait_for_selector(DIALOG, state="detached", timeout=WAIT)
        # Every box of the chain is drawn, the selected cycle's ancestors opened (titles wrap between words).
        wanted = [
            " ".join(label.split()[:2])
            for label in (AIM, PRIMARY, SECONDARY, IDEA, UNTESTED_IDEA, PROJECT, FIRST_CYCLE, NEXT_CYCLE)
        ]
        page.wait_for_function(
            """([tree, wanted]) => {
                const drawn = [...document.querySelectorAll(tree + ' text')].map(t => t.textContent).join(' ');
                return wanted.every(label => drawn.includes(label));
            }""",
            arg=[TREE, wanted],
            timeout=WAIT,
        )
        choose(page, "Find a box", f"project: {PROJECT}", keeps=False)
        details = dialog_text(page, "Lead measure")
        assert PROCESS in details and "Variation: Common cause · Assurance: Hit and miss" in details
        assert "2 PDSA cycles" in details
        icons = {image.get_attribute("href") for image in page.locator(f"{TREE} image").all()}
        assert icon_uri(variation_icon_svg("common_cause", "increase")) in icons  # the project's process measure
        assert icon_uri(assurance_icon_svg("inconsistent")) in icons
        page.keyboard.press("Escape")
        counts = [m.split("\n")[-1] for m in page.locator(f"{MAIN} [data-testid='stMetric']").all_inner_texts()]
        drawn, total = (int(n) for n in counts[0].split(" of "))
        assert drawn <= total == 8  # boxes drawn of the thread's 8; flags: no error, a warning, one for information
        assert counts[1:] == ["0", "1", "1"]
        assert not page.query_selector("[data-testid='stException']")
        _shoot(page, "journey-build-06-thread")
        page.close()

    # 9. The checks report only what the journey left undone on purpose.
    checked = _cli("check", "--db", str(database), "--today", today.isoformat())
    assert (checked.returncode, checked.stdout, checked.stderr) == (0, EXPECTED_CHECK, "")
