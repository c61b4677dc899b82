"""The tree a committee reads: filters keep each kept node's thread, flags and icons sit on the right nodes,
broken links are drawn differently, and a trust too large to draw whole is folded, not dropped."""

from __future__ import annotations

import polars as pl
import pytest

from golden_thread.domain.thread_graph import ORPHANS, build_thread, flags_by_node
from golden_thread.draw.thread_tree import (
    SEVERITY_COLOURS,
    TreeFilter,
    echarts_options,
    node_details,
    node_icons,
    tree_drawing,
    tree_view,
    visible_nodes,
)
from golden_thread.seed.demo import DEMO_BREAKS, build_demo_trust
from golden_thread.services.checks import check_thread
from golden_thread.services.measure_series import measure_charts
from golden_thread.storage.store import Store
from tests.conftest import DEMO_TODAY


@pytest.fixture(scope="module")
def model(demo_db):
    build_demo_trust(DEMO_TODAY)  # fills DEMO_BREAKS
    store = Store(demo_db)
    thread = build_thread(store.thread_rows())
    flags = flags_by_node(thread, check_thread(store, DEMO_TODAY))
    icons = node_icons(thread, measure_charts(store)[1])
    store.close()
    return thread, flags, icons


def _walk(items):
    for item in items:
        yield item
        yield from _walk(item.get("children", []))


def test_every_demo_break_sits_on_a_node_of_the_tree(model):
    thread, flags, _ = model
    nodes = set(thread["node"])
    for rule in (
        "orphan_project",
        "aim_without_project",
        "untested_change_idea",
        "project_without_measure",
        "stale_project",
        "pdsa_overdue",
        "pdsa_without_prediction",
        "driver_without_change_idea",
    ):
        entity = {
            "orphan_project": "project",
            "aim_without_project": "aim",
            "untested_change_idea": "change_idea",
            "project_without_measure": "project",
            "stale_project": "project",
            "pdsa_overdue": "pdsa_cycle",
            "pdsa_without_prediction": "pdsa_cycle",
            "driver_without_change_idea": "driver",
        }[rule]
        expected = {f"{entity}:{i}" for i in DEMO_BREAKS[rule]}
        flagged = set(flags.filter(pl.col("rule").list.contains(rule))["node"])
        assert flagged == expected and expected <= nodes, rule
    # A measure gone quiet is flagged where the measure hangs in the thread.
    quiet = DEMO_BREAKS["measure_gone_quiet"][0]
    holder = thread.filter(pl.col("measure_ids").list.contains(quiet))["node"].to_list()
    assert set(flags.filter(pl.col("rule").list.contains("measure_gone_quiet"))["node"]) == set(holder)


def test_orphans_are_drawn_under_their_own_root_with_red_dashed_links(model):
    thread, flags, icons = model
    view = tree_view(thread, flags, icons, TreeFilter())
    orphan_root = next(item for item in view.roots if item["value"] == ORPHANS)
    drawn = {child["value"] for child in orphan_root["children"]}
    assert drawn == {f"project:{i}" for i in DEMO_BREAKS["orphan_project"]}
    for child in orphan_root["children"]:
        assert child["lineStyle"]["type"] == "dashed"
        assert child["itemStyle"]["color"] == SEVERITY_COLOURS["error"]
    linked = next(item for item in view.roots if item["value"] == "aim:1")
    assert all("lineStyle" not in child for child in linked["children"])


def test_a_node_carries_its_lead_measure_icons_and_flag_count(model):
    thread, flags, icons = model
    view = tree_view(thread, flags, icons, TreeFilter())
    falls = next(item for item in view.roots if item["value"] == "aim:1")
    falls_icons = icons.filter(pl.col("node") == "aim:1").row(0, named=True)
    assert falls_icons["measure"].startswith("Inpatient falls with harm")
    assert f"{{v_{falls_icons['variation_icon']}_{falls_icons['direction']}|}}" in falls["badges"][0]
    rich = echarts_options(view)["series"][0]["label"]["rich"]
    assert f"v_{falls_icons['variation_icon']}_{falls_icons['direction']}" in rich
    overdue = f"pdsa_cycle:{DEMO_BREAKS['pdsa_overdue'][0]}"
    selected = tree_view(thread, flags, icons, TreeFilter(), selected=overdue)
    item = next(i for i in _walk(selected.roots) if i["value"] == overdue)
    assert "⚑1" in item["badges"][-1] and item["flag"] == "warning"
    # Drawn, the icons and the flag lead the box's first line.
    drawn = next(n for n in echarts_options(selected)["series"][0]["data"] if n.get("value") == overdue)
    assert drawn["name"].startswith(item["badges"][0])


def test_a_team_filter_keeps_only_that_teams_work_and_the_thread_above_it(model):
    thread, flags, _ = model
    team = thread.filter(pl.col("kind") == "project")["team"].drop_nulls()[0]
    kept = visible_nodes(thread, flags, TreeFilter(teams=(team,)))
    kept_frame = thread.filter(pl.col("node").is_in(list(kept)))
    work = kept_frame.filter(pl.col("team").is_not_null())
    assert work.height > 0 and set(work["team"]) == {team}
    parent_of = dict(zip(thread["node"], thread["parent"]))
    for node in work["node"]:
        parent = parent_of[node]
        while parent:
            assert parent in kept
            parent = parent_of[parent]
    other_projects = thread.filter((pl.col("kind") == "project") & (pl.col("team") != team))
    assert not set(other_projects["node"]) & kept


def test_search_and_flag_filters_find_nodes_with_their_ancestors(model):
    thread, flags, _ = model
    kept = visible_nodes(thread, flags, TreeFilter(search="CALL BELL"))
    labels = thread.filter(pl.col("node").is_in(list(kept)))["label"].to_list()
    assert any("Call bell" in label for label in labels)
    assert "aim:1" in kept and len(kept) < 10
    orphans = visible_nodes(thread, flags, TreeFilter(rules=("orphan_project",)))
    assert orphans == {ORPHANS} | {f"project:{i}" for i in DEMO_BREAKS["orphan_project"]}
    assert visible_nodes(thread, flags, TreeFilter(search="no such words anywhere")) == set()


def test_a_tree_too_large_to_draw_folds_cycles_then_projects_into_counts(model):
    thread, flags, icons = model
    cycles = thread.filter(pl.col("kind") == "PDSA cycle").height
    view = tree_view(thread, flags, icons, TreeFilter(), max_drawn=thread.height - cycles + 5)
    assert view.folded_kinds == ["PDSA cycle"]
    assert not any(i["value"].startswith("pdsa_cycle:") for i in _walk(view.roots))
    assert view.total == thread.height  # what the count says there is: folded or not
    project = next(i for i in _walk(view.roots) if i["folded"].get("PDSA cycle"))
    opened = tree_view(thread, flags, icons, TreeFilter(), selected=project["value"], max_drawn=thread.height - 5)
    box = tree_drawing(opened).layout.boxes[project["value"]]
    assert " ".join(box.note_lines).endswith("7 PDSA cycles not drawn")  # under the project's own title
    smaller = tree_view(thread, flags, icons, TreeFilter(), max_drawn=60)
    assert smaller.folded_kinds == ["PDSA cycle", "project"]
    assert any(i["folded"].get("project") for i in _walk(smaller.roots))


def test_node_details_give_the_thread_up_to_the_aim_and_the_flags(model):
    thread, flags, icons = model
    cycle = f"pdsa_cycle:{DEMO_BREAKS['pdsa_overdue'][0]}"
    details = node_details(thread, flags, icons, cycle)
    assert [kind for kind, _ in details["thread"]][0] == "project"
    assert details["thread"][-1][0] == "aim"
    assert [f["rule"] for f in details["flags"]][0] == "pdsa_overdue"
    assert node_details(thread, flags, icons, "project:999999") is None
