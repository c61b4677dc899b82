"""Every screen renders on the demo trust under Streamlit's AppTest, showing what a user would look for."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import polars as pl
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from golden_thread.services.checks import check_thread
from golden_thread.storage.store import Store
from tests.conftest import signed_in

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent
ENTRY = str(ROOT / "dashboard.py")


@pytest.fixture
def app_db(demo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "app.duckdb"
    shutil.copy(demo_db, path)
    monkeypatch.setenv("GOLDEN_THREAD_DB", str(path))
    st.cache_resource.clear()  # the store is cached per process; each test opens its own file
    yield path
    st.cache_resource.clear()


def _open(page: str | None = None, *, user: str = "admin", **query: str) -> AppTest:
    app = signed_in(AppTest.from_file(ENTRY, default_timeout=60), user)
    for key, value in query.items():
        app.query_params[key] = value
    app.run()
    if page:
        app.switch_page(str(ROOT / page))
        app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def test_home_lists_every_objective_and_aim_with_counts(app_db):
    app = _open("screens/home.py")
    store = Store(app_db)
    overview = store.objectives_overview()
    store.close()
    subheaders = [s.value for s in app.subheader]
    assert set(overview["objective"].unique()) <= set(subheaders)
    shown_aims = {aim for frame in app.dataframe for aim in frame.value.get("System-level aim", [])}
    assert set(overview["aim"].drop_nulls()) == shown_aims
    assert [m.label for m in app.metric][:2] == ["System-level aims", "Active projects"]


def test_home_flags_an_aim_with_no_active_project(app_db):
    app = _open("screens/home.py")
    assert any("has no active improvement project" in e.value for e in app.error)


def test_a_new_database_loads_the_demo_on_first_start(tmp_path, monkeypatch):
    monkeypatch.setenv("GOLDEN_THREAD_DB", str(tmp_path / "fresh.duckdb"))
    st.cache_resource.clear()
    app = _open("screens/home.py")
    assert int(app.metric[0].value) == 5
    st.cache_resource.clear()


def test_a_real_organisations_first_administrator_keeps_the_demo_out(tmp_path, monkeypatch):
    from golden_thread.seed.loading import ensure_demo
    from golden_thread.storage.accounts import operator_save_account

    path = tmp_path / "ours.duckdb"
    store = Store(path)
    operator_save_account(store, "alice", "Alice Jones", "administrator", None, "a long enough password")
    assert ensure_demo(store) is False
    assert store.is_empty() and store.users()["username"].to_list() == ["alice"]
    store.close()


def test_every_demo_measure_renders_its_chart_and_summary(app_db):
    store = Store(app_db)
    ids = store.measures()["id"].to_list()
    store.close()
    for measure_id in ids:
        app = _open("screens/measures.py", measure=str(measure_id))
        charts = app.get("vega_lite_chart") or app.get("arrow_vega_lite_chart")
        assert charts, f"measure {measure_id}: no chart"
        spec = json.loads(charts[0].proto.spec)
        drawn = {
            layer["encoding"]["y"]["field"]
            for layer in spec["layer"]
            if "y" in layer.get("encoding", {}) and "field" in layer["encoding"]["y"]
        }
        assert {"value", "cl"} <= drawn, f"measure {measure_id}: chart lacks values or centre line"
        data = next(frame.value for frame in app.dataframe if "Centre" in frame.value.columns)
        assert len(data) > 10 and data["Centre"].notna().all(), f"measure {measure_id}: no centre line in the table"
        assert any(m.label == "Variation" for m in app.metric)
        assert any(
            "variation" in md.value.lower() or "too few" in md.value.lower() or "special cause" in md.value.lower()
            for md in app.markdown
        ), f"measure {measure_id}: no summary sentence"


def test_an_unknown_measure_in_the_url_is_explained(app_db):
    app = _open("screens/measures.py", measure="99999")
    assert any("not among these measures" in w.value for w in app.warning)


def _quiet_measure(app_db: Path) -> dict:
    from golden_thread.seed.demo import DEMO_BREAKS, build_demo_trust
    from tests.conftest import DEMO_TODAY

    build_demo_trust(DEMO_TODAY)  # fills DEMO_BREAKS
    store = Store(app_db)
    measure = store.measure(DEMO_BREAKS["measure_gone_quiet"][0])
    store.close()
    return measure


def _entry_form(app: AppTest, measure: dict):
    """The entry form's boxes: numerator and denominator, or the value alone."""
    from golden_thread.domain.observations import uses_denominator

    ratio = uses_denominator(measure)
    names = ("numerator", "denominator") if ratio else ("value",)
    return ratio, [app.text_input(key=f"entry-{name}-{measure['id']}") for name in names]


def test_an_invalid_entry_shows_the_error_and_leaves_the_database_unchanged(app_db):
    measure = _quiet_measure(app_db)
    store = Store(app_db)
    before = store.observations([measure["id"]])
    store.close()
    app = _open("screens/measures.py", measure=str(measure["id"]))
    ratio, boxes = _entry_form(app, measure)
    if ratio:
        boxes[0].input("12")
        boxes[1].input("abc")
    else:
        boxes[0].input("abc")
    next(b for b in app.button if b.label == "Save").click().run()
    errors = [e.value for e in app.error]
    assert any("'abc' is not a number" in e for e in errors), errors
    store = Store(app_db)
    assert store.observations([measure["id"]]).equals(before)
    store.close()


def test_a_valid_entry_appears_in_the_table_and_the_chart(app_db):
    measure = _quiet_measure(app_db)
    app = _open("screens/measures.py", measure=str(measure["id"]))
    period = app.selectbox(key=f"entry-period-{measure['id']}").value
    ratio, boxes = _entry_form(app, measure)
    if ratio:
        boxes[0].input("30")
        boxes[1].input("40")
    else:
        boxes[0].input("42")
    next(b for b in app.button if b.label == "Save").click().run()
    assert not app.exception and not app.error
    assert any("Saved:" in s.value for s in app.success)
    data = next(frame.value for frame in app.dataframe if "Centre" in frame.value.columns)
    row = data[data["Period"].astype(str).str[:10] == str(period)]
    expected = 30 / 40 * measure["multiplier"] if ratio else 42.0
    assert len(row) == 1 and abs(row["Value"].iloc[0] - expected) < 1e-6
    store = Store(app_db)
    assert store.observations([measure["id"]]).filter(pl.col("period_start") == period).height == 1
    store.close()


def test_accepting_the_suggested_phase_on_the_page_changes_the_centre_line(app_db):
    store = Store(app_db)
    measure_id = store.measures().filter(pl.col("name").str.starts_with("Average length of stay"))["id"][0]
    store.close()
    app = _open("screens/measures.py", measure=str(measure_id))
    assert any("A sustained shift starts in" in i.value for i in app.info)
    centre_before = next(f.value for f in app.dataframe if "Centre" in f.value.columns)["Centre"].nunique()
    app.text_input(key=f"phase-{measure_id}-reason").input("Criteria-led discharge adopted")
    submit = next(b for b in app.button if b.label == "Start new phase")
    submit.click().run()
    assert not app.error, [e.value for e in app.error]
    assert any("New phase from" in s.value for s in app.success)
    centre_after = next(f.value for f in app.dataframe if "Centre" in f.value.columns)["Centre"].nunique()
    assert centre_before == 1 and centre_after == 2
    # The form starts blank for the next phase: the reason typed was this one's.
    assert app.text_input(key=f"phase-{measure_id}-1-reason").value == ""  # a new key: see forms.new_record_form


def test_an_excluded_point_is_listed_with_its_reason_and_the_form_starts_blank(app_db):
    store = Store(app_db)
    measure_id = int(store.measures()["id"][0])
    store.close()
    app = _open("screens/measures.py", measure=str(measure_id))
    box = app.selectbox(key=f"exclude-{measure_id}-period").select_index(2)
    month = box.options[2]  # as the list words it: "March 2024"
    app.text_input(key=f"exclude-{measure_id}-reason").input("Audit counted a closed ward")
    next(b for b in app.button if b.label == "Exclude point").click().run()
    assert not app.error, [e.value for e in app.error]
    assert any(f"{month} excluded from the calculations." in s.value for s in app.success)
    assert any(f"Excluded **{month}**: Audit counted a closed ward" in m.value for m in app.markdown)
    # The form starts blank: a second press would be refused, and the reason typed was this point's alone.
    assert app.text_input(key=f"exclude-{measure_id}-1-reason").value == ""  # a new key: see forms.new_record_form
    store = Store(app_db)
    excluded = store.point_exclusions([measure_id])
    store.close()
    assert [f"{p:%B %Y}" for p in excluded["period_start"]] == [month] and excluded["reason"].to_list() == [
        "Audit counted a closed ward"
    ]


def test_measures_can_be_found_by_project_and_the_choice_narrows_the_list(app_db):
    store = Store(app_db)
    measures = store.measures()
    store.close()
    project = measures.filter(pl.col("project").is_not_null())["project"][0]
    app = _open("screens/measures.py")
    app.selectbox(key="filter-project").set_value(project).run()
    assert not app.exception
    expected = measures.filter(pl.col("project") == project)["id"].to_list()
    measure_box = next(box for box in app.selectbox if box.label == "Measure")
    wanted = [
        f"{n} ({t})"
        for n, t in measures.filter(pl.col("id").is_in(expected)).select("name", "measure_type").iter_rows()
    ]
    assert measure_box.options == wanted


def test_the_alignment_page_shows_the_demo_breaks_and_the_gaps(app_db):
    from golden_thread.seed.demo import DEMO_BREAKS, build_demo_trust
    from tests.conftest import DEMO_TODAY

    build_demo_trust(DEMO_TODAY)
    app = _open("screens/alignment.py")
    labels = [e.label for e in app.expander]
    assert f"Orphan project: {len(DEMO_BREAKS['orphan_project'])}" in labels
    assert "Aim without project: 1" in labels
    assert f"Untested change idea: {len(DEMO_BREAKS['untested_change_idea'])}" in labels
    assert any("No open project serves **Improve staff engagement**" in e.value for e in app.error)
    store = Store(app_db)
    orphans = store.project_alignment().filter(pl.col("project_id").is_in(DEMO_BREAKS["orphan_project"]))
    store.close()
    grid = next(f.value for f in app.dataframe if "Aims served" in f.value.columns)
    for title in orphans["project"].unique():
        if title in set(grid["Project"]):
            assert grid[grid["Project"] == title]["Aims served"].iloc[0] == 0
    share = next(f.value for f in app.dataframe if "Aligned (%)" in f.value.columns)
    assert share["Aligned (%)"].min() < 100  # the orphans pull a division below full alignment


def test_the_falls_chart_lists_the_tests_that_preceded_its_signal(app_db):
    app = _open("screens/measures.py", measure="1")
    label = next(e.label for e in app.expander if e.label.startswith("PDSA cycles in the 3 months before"))
    table = next(f.value for f in app.dataframe if "Change idea" in f.value.columns)
    assert len(table) > 0 and label.endswith(f"({len(table)})")


def test_the_thread_page_shows_the_demo_breaks_and_opens_a_shared_node(app_db):
    from golden_thread.seed.demo import DEMO_BREAKS, build_demo_trust
    from tests.conftest import DEMO_TODAY

    build_demo_trust(DEMO_TODAY)
    orphan = DEMO_BREAKS["orphan_project"][0]
    app = _open("screens/thread.py", node=f"project:{orphan}")
    flags = app.dataframe[0].value
    # The page checks the thread as of the real date, and a measure goes quiet as the calendar moves past the demo's
    # day: that count is the checks' own on the day the test runs, the others do not move with the date.
    trust = Store(app_db)
    quiet = check_thread(trust.within(trust.choose_scope(None)), dt.date.today()).filter(
        pl.col("rule") == "measure_gone_quiet"
    )
    trust.close()
    for rule, count in (
        ("Orphan project", 2),
        ("Aim without project", 1),
        ("Measure gone quiet", quiet.height),
        ("Untested change idea", len(DEMO_BREAKS["untested_change_idea"])),
    ):
        assert (flags["Flag"] == rule).sum() == count, rule
    assert quiet.height >= len(DEMO_BREAKS["measure_gone_quiet"])  # the demo's own quiet measure among them
    # The shared link opens the orphan's details, with the reason it is flagged.
    assert any("Orphan project" in e.value for e in app.error)
    title = Store(app_db).table("project").filter(pl.col("id") == orphan)["title"][0]
    assert any(h.value.replace("\\", "") == title for h in app.subheader)
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Errors"] == "3"

    app.multiselect(key="filter-rule").set_value(["orphan_project"]).run()
    metrics = {m.label: m.value for m in app.metric}
    shown = 1 + len(DEMO_BREAKS["orphan_project"])  # the orphans root and its projects, all drawn
    assert metrics["Shown in the tree"] == f"{shown} of {shown}"
    assert set(app.dataframe[0].value["Flag"]) == {"Orphan project"}

    app.multiselect(key="filter-rule").set_value([]).run()
    app.text_input(key="filter-search").set_value("no such words anywhere").run()
    assert any("Nothing in the thread matches" in i.value for i in app.info)


def test_a_link_to_an_unknown_node_is_explained(app_db):
    app = _open("screens/thread.py", node="project:<b>999</b>")
    assert any("nothing called" in w.value for w in app.warning)


def test_linking_an_orphan_on_the_alignment_page_clears_its_flag(app_db):
    from golden_thread.seed.demo import DEMO_BREAKS, build_demo_trust
    from tests.conftest import DEMO_TODAY

    build_demo_trust(DEMO_TODAY)
    store = Store(app_db)
    driver = store.link_targets().filter(pl.col("kind") == "driver").row(0, named=True)
    store.close()
    app = _open("screens/alignment.py")
    assert f"Orphan project: {len(DEMO_BREAKS['orphan_project'])}" in [e.label for e in app.expander]
    app.text_input(key="link-orphan-reason").input("It tests the falls bundle")
    link = next(b for b in app.button if b.label == "Link project")
    link.click().run()  # nothing chosen yet: the form says what to choose and links nothing
    assert any("Choose what the project serves" in e.value for e in app.error)
    assert app.text_input(key="link-orphan-reason").value == "It tests the falls bundle"  # kept for the next try
    app.selectbox(key="link-orphan-target").set_value(f"driver:{driver['target_id']}")
    next(b for b in app.button if b.label == "Link project").click().run()
    assert any("now serves" in s.value and "primary link" in s.value for s in app.success)
    labels = [e.label for e in app.expander]
    assert f"Orphan project: {len(DEMO_BREAKS['orphan_project']) - 1}" in labels
    assert app.text_input(key="link-orphan-1-reason").value == ""  # blank for the next orphan
    store = Store(app_db)
    assert store.audit_log().filter(pl.col("action") == "link").height == 1
    store.close()


def test_a_measures_definition_says_its_chart_rules_and_direction_in_words(app_db):
    app = _open("screens/measures.py", measure="1")
    definition = next(frame.value for frame in app.dataframe if "Field" in frame.value.columns)
    rows = dict(zip(definition["Field"], definition["Value"]))
    assert rows["Chart"].endswith("· Making Data Count (SPC rules)")
    assert rows["Better is"] in ("higher is better", "lower is better", "neither")


def test_a_run_charts_variation_is_random_or_non_random_never_common_cause(app_db):
    from golden_thread.services.measure_series import measure_charts

    store = Store(app_db)
    runs = store.measures().filter(pl.col("chart_type") == "run")["id"].to_list()
    _, summaries = measure_charts(store, runs)
    store.close()
    signals = dict(zip(summaries["id"], summaries["run_signal"]))
    random, non_random = (next(i for i in runs if signals[i] is flag) for flag in (False, True))
    for measure_id, said in ((random, "Random variation"), (non_random, "Non-random variation")):
        app = _open("screens/measures.py", measure=str(measure_id))
        variation = next(m.value for m in app.metric if m.label == "Variation")
        assert variation == said, f"measure {measure_id}"
        drawn = " ".join(md.value for md in app.markdown)
        assert "Common cause" not in drawn and "Common cause" not in variation  # no SPC icon, no SPC words
    spc = _open("screens/measures.py", measure="1")  # a control chart keeps its Making Data Count icon and words
    assert next(m.value for m in spc.metric if m.label == "Variation") in ("Common cause", "Improvement", "Concern")
    assert any("<img" in md.value for md in spc.markdown)


def test_no_screen_turns_a_polars_frame_into_pandas_which_can_hang_the_whole_server(app_db, monkeypatch):
    """polars' ``to_pandas`` holds the GIL while its thread pool works; with another session's page running a Python
    function in that pool at the same moment, the server stops answering everyone (golden_thread/app/tables.py).
    Every screen, and the leadership screen's editable grids, must reach Streamlit another way."""
    from screens.registry import SCREENS

    def refused(*args, **kwargs):
        raise AssertionError("a screen converted a polars frame with to_pandas()")

    monkeypatch.setattr(pl.DataFrame, "to_pandas", refused)
    monkeypatch.setattr(pl.Series, "to_pandas", refused)
    opened = []
    for screen in SCREENS:
        if screen.networks_only:
            continue
        app = _open(f"screens/{screen.file}")  # fails on an exception; a page's own failure fails the test too
        opened.append(screen.file)
        assert app.main.children, screen.file
    assert "leadership.py" in opened and "board.py" in opened and "thread.py" in opened
