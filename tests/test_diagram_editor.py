"""The driver-diagram editor (issue 15): a draft edited in words (pure), published as a new version that keeps every
project's link by node key (one way, for a trust's diagram and a network's shared one alike), refused with a reason
for the wrong person or a stale version, and the Driver diagrams screen that does it."""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from golden_thread.domain.diagram_draft import DiagramDraft, DraftNode, changes, key_prefix
from golden_thread.draw.driver_diagram import diagram_dot
from golden_thread.errors import PermissionRefused, Refused, StaleEdit
from golden_thread.services.checks import check_thread
from golden_thread.storage.store import Store
from tests.conftest import DEMO_TODAY, signed_in

ROOT = Path(__file__).resolve().parent.parent
FALLS = 1  # the demo trust's falls diagram: version 2 active, seven projects linked to its change ideas
DIAGRAM_TABLES = (
    "driver_diagram",
    "driver_diagram_version",
    "driver",
    "driver_link",
    "change_idea",
    "change_idea_driver",
)


def _trust_draft() -> DiagramDraft:
    """A small diagram in the trust's key style: two primary drivers, three secondary, three change ideas."""
    return (
        DiagramDraft.empty(7)
        .add_primary("Reliable assessment")
        .add_primary("Safe environment")
        .add_secondary("Risk assessed within 6 hours", ["A7-P1"])
        .add_secondary("Medication review", ["A7-P1", "A7-P2"])
        .add_secondary("Equipment and footwear", ["A7-P2"])
        .add_change_idea("Prompt in the admission form", ["A7-P1-S1"])
        .add_change_idea("Pharmacist review", ["A7-P1-S2"])
        .add_change_idea("Non-slip socks", ["A7-P2-S1", "A7-P1-S1"])
    )


# -- the draft: pure ------------------------------------------------------------------------------------------------


def test_new_nodes_take_keys_in_the_diagrams_own_style_and_never_an_old_one():
    draft = _trust_draft()
    assert draft.keys == (
        "A7-P1",
        "A7-P2",
        "A7-P1-S1",
        "A7-P1-S2",
        "A7-P2-S1",
        "A7-P1-S1-C1",
        "A7-P1-S2-C1",
        "A7-P2-S1-C1",
    )
    assert draft.problems() == []
    # A key an earlier version held is never handed out again, so a link left on a retired node stays its own.
    again = DiagramDraft.of(draft.nodes, used_keys=["A7-P3", "A7-P1-S1-C2"])
    assert again.add_primary("Patients involved").nodes[-1].key == "A7-P4"
    assert again.add_change_idea("Bed rails check", ["A7-P1-S1"]).nodes[-1].key == "A7-P1-S1-C3"
    # The demo network numbers its change ideas across the diagram: a new one is N-C10 after N-C1 … N-C9.
    network = DiagramDraft.of(
        [
            DraftNode("N-P1", "driver", "Know each student", "primary"),
            DraftNode("N-C3", "change_idea", "Report", None, None, ("N-P1",)),
        ],
        used_keys=[f"N-C{k}" for k in range(1, 10)],
    )
    assert network.flat_ideas and network.add_change_idea("Buddies", ["N-P1"]).nodes[-1].key == "N-C10"
    assert key_prefix(["N-P1-S1", "N-C2"]) == "N-" and key_prefix([]) == ""


def test_a_change_idea_may_serve_several_drivers_and_a_move_keeps_its_key():
    draft = _trust_draft()
    socks = draft.node("A7-P2-S1-C1")
    assert socks.parents == ("A7-P2-S1", "A7-P1-S1") and socks.what == "change idea"
    moved = draft.move("A7-P2-S1-C1", ["A7-P1-S2", "A7-P2-S1"], weak=["A7-P2-S1"])
    assert moved.node("A7-P2-S1-C1").parents == ("A7-P1-S2", "A7-P2-S1")
    assert moved.node("A7-P2-S1-C1").strength("A7-P2-S1") == "weak"
    assert draft.node("A7-P2-S1-C1").parents == ("A7-P2-S1", "A7-P1-S1")  # the old draft is untouched
    reworded = moved.rename("A7-P2-S1-C1", "  Non-slip socks at every bedside ")
    assert reworded.node("A7-P2-S1-C1").title == "Non-slip socks at every bedside"
    assert reworded.keys == draft.keys


def test_every_edit_that_cannot_be_made_is_refused_in_words():
    draft = _trust_draft()
    cases = [
        (lambda: draft.add_primary("  "), "Give the primary driver a title of 1 to 200 characters."),
        (lambda: draft.add_change_idea("x" * 201, ["A7-P1"]), "Give the change idea a title of 1 to 200 characters."),
        (
            lambda: draft.add_primary("Safe  ENVIRONMENT"),
            "The aim already has a primary driver called “Safe environment”.",
        ),
        (
            lambda: draft.add_change_idea("pharmacist review", ["A7-P1-S2"]),
            "The secondary driver “Medication review” already has a change idea called “Pharmacist review”.",
        ),
        (
            lambda: draft.add_secondary("Footwear", []),
            "Choose the primary drivers this secondary driver serves (one or more): it cannot hang from nothing.",
        ),
        (
            lambda: draft.add_secondary("Footwear", ["A7-P1-S1"]),
            "A secondary driver serves a primary driver; the secondary driver “Risk assessed within 6 hours” is not one.",
        ),
        (
            lambda: draft.add_change_idea("Socks", ["A7-P1-S1-C1"]),
            "A change idea serves a driver; the change idea “Prompt in the admission form” is not one.",
        ),
        (lambda: draft.add_change_idea("Socks", ["A7-P9"]), "There is no driver “A7-P9” in this diagram"),
        (lambda: draft.rename("A7-P9", "x"), "There is no node “A7-P9” in this driver diagram."),
        (lambda: draft.move("A7-P1", ["A7-P2"]), "serves the aim itself and cannot hang from another driver"),
        (lambda: draft.move("A7-P1-S2", ["A7-P2"], weak=["A7-P1"]), "“A7-P1” is not one of them"),
        (
            lambda: draft.remove("A7-P1-S2"),
            "The change idea “Pharmacist review” would hang from nothing if you removed the secondary driver "
            "“Medication review”: move them under another driver first, or remove them with it.",
        ),
    ]
    for attempt, message in cases:
        with pytest.raises(Refused) as refused:
            attempt()
        assert message in str(refused.value), (message, str(refused.value))


def test_removing_says_which_children_would_hang_from_nothing_or_takes_them_too():
    draft = _trust_draft()
    # A primary driver: its only-child secondaries and, beneath them, the ideas serving nothing else.
    hanging = draft.hanging_if_removed("A7-P1")
    assert [n.key for n in hanging] == ["A7-P1-S1", "A7-P1-S1-C1"]  # A7-P1-S2 also serves A7-P2; socks serve A7-P2-S1
    with pytest.raises(
        Refused, match="“Risk assessed within 6 hours” and the change idea “Prompt in the admission form” would hang"
    ):
        draft.remove("A7-P1")
    gone = draft.remove("A7-P1", cascade=True)
    assert set(draft.keys) - set(gone.keys) == {"A7-P1", "A7-P1-S1", "A7-P1-S1-C1"}
    assert gone.node("A7-P1-S2").parents == ("A7-P2",) and gone.node("A7-P2-S1-C1").parents == ("A7-P2-S1",)
    assert gone.problems() == []
    # An idea serving two drivers just loses the link to the one removed.
    assert draft.remove("A7-P1-S1-C1").remove("A7-P1-S1").node("A7-P2-S1-C1").parents == ("A7-P2-S1",)


def test_a_draft_that_cannot_be_published_says_every_problem():
    assert DiagramDraft.empty(3).problems() == [
        "A driver diagram needs at least one primary driver: what most directly drives the aim?"
    ]
    nodes = [
        DraftNode("A3-P1", "driver", "People", "primary"),
        DraftNode("A3-P1-S1", "driver", "Skills", "secondary", None, ("A3-P1-S2",)),
        DraftNode("A3-P1-S2", "driver", "Time", "secondary", None, ("A3-P1-S1",)),
        DraftNode("A3-C1", "change_idea", "Huddles", None, None, ()),
        DraftNode("A3-C2", "change_idea", "Rota", None, None, ("A3-P9",)),
        DraftNode("A3-C3", "change_idea", "x" * 201, None, None, ("A3-P1",)),
        DraftNode("A3-C4", "change_idea", "Rota", None, None, ("A3-P1",)),
        DraftNode("A3-C5", "change_idea", "rota ", None, None, ("A3-P1",)),
    ]
    problems = DiagramDraft.of(nodes).problems()
    assert (
        "The secondary driver “Skills” can serve only a primary driver; the secondary driver “Time” is not one."
        in problems
    )
    assert "The change idea “Huddles” hangs from nothing: choose the driver it serves." in problems
    assert "The change idea “Rota” serves “A3-P9”, which is not in this diagram." in problems
    assert "Give the change idea A3-C3 a title of 1 to 200 characters." in problems
    assert "The primary driver “People” has 2 change ideas called “Rota”: give each its own words." in problems
    assert "“Skills” and “Time” serve each other in a circle." in problems
    with pytest.raises(Refused) as refused:
        DiagramDraft.of(nodes).check()
    assert refused.value.problems == problems


def test_changes_say_what_an_edit_adds_rewords_moves_and_removes_and_what_it_does_to_projects():
    before = _trust_draft()
    after = (
        before.rename("A7-P1", "Reliable, timely assessment")
        .move("A7-P1-S1-C1", ["A7-P1-S1", "A7-P1-S2"], weak=["A7-P1-S2"])
        .remove("A7-P1-S2-C1")
        .add_change_idea("Bed-rail check", ["A7-P2-S1"])
    )
    edit = changes(before, after)
    assert edit.sentences() == [
        "Added the change idea “Bed-rail check” (A7-P2-S1-C2) under “Equipment and footwear”.",
        "Reworded the primary driver “Reliable assessment” as “Reliable, timely assessment” (A7-P1).",
        "Moved the change idea “Prompt in the admission form” (A7-P1-S1-C1): it now serves “Risk assessed within 6 "
        "hours” and “Medication review” (weakly); it served “Risk assessed within 6 hours”.",
        "Removed the change idea “Pharmacist review” (A7-P1-S2-C1).",
    ]
    assert (
        edit.summary() == "Added 1 change idea; reworded 1 primary driver; moved 1 change idea; removed 1 change idea."
    )
    assert edit.record()["reworded"] == [
        {
            "key": "A7-P1",
            "what": "primary driver",
            "title": "Reliable, timely assessment",
            "before": "Reliable assessment",
            "after": "Reliable, timely assessment",
        }
    ]
    links = {"A7-P1-S2-C1": ["Pharmacy project", "Sedatives audit"], "A7-P1-S1-C1": ["E-form project"]}
    assert edit.stranded(links) == ["Pharmacy project", "Sedatives audit"]
    assert edit.consequences(links) == [
        (
            "warning",
            "2 projects link to nodes you remove (“Pharmacy project” and “Sedatives audit”); their links will stay on "
            "the retired version and be flagged “link to retired version” until someone links them to the new one.",
        ),
        (
            "info",
            "1 project link will move to the new version by node key, so each project keeps its place in the thread.",
        ),
    ]
    assert changes(before, before).empty and changes(before, before).summary() == "No changes."


def test_the_preview_draws_aim_to_change_ideas_left_to_right_with_the_edit_marked_and_titles_escaped():
    before = _trust_draft()
    after = (
        before.remove("A7-P1-S2-C1")
        .add_primary('Say "no" to \\N <b>harm</b>')
        .move("A7-P1-S1-C1", ["A7-P1-S1", "A7-P1-S2"], weak=["A7-P1-S2"])
    )
    dot = diagram_dot("Fewer falls", after, before=before)
    assert dot.startswith("digraph driver_diagram {") and "rankdir=LR" in dot
    assert 'aim [label="Fewer falls"' in dot
    assert 'label="Say \\"no\\" to \\\\N <b>harm</b>\\n(new)"' in dot  # quoted and backslash-escaped, never markup
    assert 'label="Pharmacist review\\n(removed)", style="rounded,dashed"' in dot  # the removed idea's ghost
    assert "(moved)" in dot and "style=dashed" in dot  # the moved idea; its weak link dashed
    assert dot.count("aim -> ") == 3  # three primary drivers serve the aim
    plain = diagram_dot("Fewer falls", before)
    assert "(new)" not in plain and "(removed)" not in plain
    assert "Add a primary driver" in diagram_dot("Fewer falls", DiagramDraft.empty(7))


# -- publishing: one way, keeping links by key -------------------------------------------------------------------------


def _flags(store: Store, rule: str) -> pl.DataFrame:
    return check_thread(store, DEMO_TODAY).filter(pl.col("rule") == rule)


def _tables(store: Store) -> dict[str, pl.DataFrame]:
    return {table: store.table(table) for table in (*DIAGRAM_TABLES, "project_link", "audit_log")}


def _unchanged(store: Store, before: dict[str, pl.DataFrame]) -> None:
    after = _tables(store)
    for table, frame in before.items():
        assert after[table].equals(frame), table


def test_publishing_keeps_every_projects_link_by_key_and_leaves_a_removed_nodes_link_on_the_retired_version(demo):
    draft, opened = demo.diagram_draft(FALLS)
    assert opened == 2
    links_before = demo.diagram_links(FALLS)
    socks = links_before.filter(pl.col("node_key") == "A1-P2-S2-C1")["project"].to_list()
    assert socks == ["Non-slip socks at the bedside"]
    assert _flags(demo, "link_to_retired_version").height == 0
    edited = (
        draft.rename("A1-P1", "Reliable, timely risk assessment")
        .move("A1-P1-S1-C2", ["A1-P1-S2"])
        .remove("A1-P2-S2-C1")
        .add_secondary("Staff know who is at risk", ["A1-P2"])
    )
    version = demo.publish_diagram_version(
        FALLS, edited, "Reworded after the falls summit", username="lead", today=DEMO_TODAY, opened_version=2
    )

    versions = demo.diagram_versions(FALLS)
    assert versions["version_number"].to_list() == [1, 2, 3]
    assert versions["status"].to_list() == ["retired", "retired", "active"]
    assert versions.filter(pl.col("version_number") == 3)["id"].item() == version
    assert (
        versions["change_note"][2] == "Reworded after the falls summit"
        and versions["author"][2] == "Improvement lead (demo)"
    )
    now, number = demo.diagram_draft(FALLS)
    assert number == 3 and {n.key: n for n in now.nodes} == {n.key: n for n in edited.nodes}  # the draft, by key
    assert now.node("A1-P1-S1-C2").parents == ("A1-P1-S2",)  # links between nodes rebuilt from the draft
    assert now.node("A1-P2-S3").title == "Staff know who is at risk"
    # Every project kept its place by key; the one linked to the removed idea stayed on version 2 and is flagged.
    links_after = demo.diagram_links(FALLS)
    assert (
        links_after.drop("is_primary")
        .sort("project_id")
        .equals(links_before.filter(pl.col("node_key") != "A1-P2-S2-C1").drop("is_primary").sort("project_id"))
    )
    assert _flags(demo, "link_to_retired_version")["title"].to_list() == socks
    # One audit record, in the write's transaction, with the version before and what changed after.
    record = demo.audit_log().filter(pl.col("action") == "new_version").row(0, named=True)
    assert (record["username"], record["entity_type"], record["entity_key"]) == ("lead", "driver_diagram", "1")
    assert record["reason"] == "Reworded after the falls summit"
    assert '"version": 2' in record["before_json"]
    for fragment in (
        '"version": 3',
        '"reworded": [{"key": "A1-P1"',
        '"removed": [{"key": "A1-P2-S2-C1"',
        '"project_links_moved": 6',
    ):
        assert fragment in record["after_json"], fragment
    assert '"projects_left_on_retired_version": ["Non-slip socks at the bedside"]' in record["after_json"]


def test_a_drivers_measures_follow_it_to_the_new_version_and_stay_on_the_board(demo):
    board_before = demo.board_measures()["id"].sort().to_list()
    on_drivers = demo.table("measure").filter(pl.col("driver_id").is_not_null())["id"].to_list()
    draft, opened = demo.diagram_draft(FALLS)
    demo.publish_diagram_version(
        FALLS,
        draft.rename("A1-P1", "Risk assessed on every admission"),
        "Reworded",
        username="lead",
        today=DEMO_TODAY,
        opened_version=opened,
    )
    assert demo.board_measures()["id"].sort().to_list() == board_before
    active = demo.table("driver").join(
        demo.table("driver_diagram_version").filter(pl.col("status") == "active"), left_on="version_id", right_on="id"
    )["id"]
    falls_measures = demo.table("measure").filter(pl.col("id").is_in(on_drivers) & pl.col("driver_id").is_not_null())
    assert falls_measures["driver_id"].is_in(active.to_list()).all()


def test_a_driver_without_a_change_idea_stops_being_flagged_once_one_is_added(demo):
    flagged = _flags(demo, "driver_without_change_idea")
    assert flagged.height == 1
    driver = demo._query("SELECT node_key FROM driver WHERE id = ?", [flagged["entity_id"][0]]).item()
    found = demo.diagram_of_node(driver)
    diagram = found["diagram_id"][0]
    draft, opened = demo.diagram_draft(diagram)
    demo.publish_diagram_version(
        diagram,
        draft.add_change_idea("Thank-you cards from the chief nurse", [driver]),
        "A first change idea for this driver",
        username="admin",
        today=DEMO_TODAY,
        opened_version=opened,
    )
    assert _flags(demo, "driver_without_change_idea").height == 0
    assert "Thank-you cards from the chief nurse" in _flags(demo, "untested_change_idea")["title"].to_list()


def test_the_wrong_person_an_unchanged_draft_and_a_stale_version_are_refused_and_nothing_is_written(demo):
    draft, opened = demo.diagram_draft(FALLS)
    edited = draft.rename("A1-P1", "Reliable, timely risk assessment")
    before = _tables(demo)
    refusals = [
        ("board", PermissionRefused, "Board viewers cannot change aims, driver diagrams"),
        ("team", PermissionRefused, "Improvement team members cannot change aims, driver diagrams"),
        ("nobody", PermissionRefused, "“nobody” is not an active user"),
    ]
    for user, error, message in refusals:
        with pytest.raises(error, match=message):
            demo.publish_diagram_version(FALLS, edited, "Note", username=user, today=DEMO_TODAY, opened_version=2)
    with pytest.raises(Refused) as refused:
        demo.publish_diagram_version(FALLS, draft, " ", username="lead", today=DEMO_TODAY, opened_version=2)
    assert refused.value.problems == [
        "Say what changed in this version, and why: everyone who reads the diagram sees the note beside it."
    ]
    with pytest.raises(Refused, match="Nothing would change: this is version 2 as it stands."):
        demo.publish_diagram_version(FALLS, draft, "Note", username="lead", today=DEMO_TODAY, opened_version=2)
    with pytest.raises(Refused, match="A driver diagram needs at least one primary driver"):
        empty = DiagramDraft.of([], draft.used_keys)
        demo.publish_diagram_version(FALLS, empty, "Note", username="lead", today=DEMO_TODAY, opened_version=2)
    with pytest.raises(Refused, match="a node keeps its kind"):
        swapped = DiagramDraft.of(
            [
                DraftNode("A1-P1", "change_idea", "x", None, None, ("A1-P2",)) if n.key == "A1-P1" else n
                for n in draft.nodes
            ],
            draft.used_keys,
        )
        demo.publish_diagram_version(FALLS, swapped, "Note", username="lead", today=DEMO_TODAY, opened_version=2)
    _unchanged(demo, before)

    # Someone publishes version 3 while another person still has version 2 open: the second save is refused.
    demo.publish_diagram_version(FALLS, edited, "Reworded", username="lead", today=DEMO_TODAY, opened_version=opened)
    before = _tables(demo)
    with pytest.raises(StaleEdit) as stale:
        demo.publish_diagram_version(
            FALLS, draft.remove("A1-P3-S1-C1"), "Mine", username="admin", today=DEMO_TODAY, opened_version=2
        )
    message = str(stale.value)
    assert message.startswith("Improvement lead (demo) published version 3 of this driver diagram at ")
    assert "(their note: “Reworded”), after you opened version 2. Your edit was not published" in message
    _unchanged(demo, before)


def test_an_aim_without_a_diagram_gets_its_first_version(demo):
    demo.insert_tables(
        {
            "aim": pl.DataFrame(
                {"id": [6], "objective_id": [1], "title": ["Fewer missed medicines doses"], "status": ["active"]}
            )
        }
    )
    assert demo.aims_without_diagram()["id"].to_list() == [6]
    with pytest.raises(Refused) as refused:
        demo.create_driver_diagram(6, " ", DiagramDraft.empty(6), "", username="lead", today=DEMO_TODAY)
    assert refused.value.problems == [
        "Give the driver diagram a title of 1 to 200 characters.",
        "Say what changed in this version, and why: everyone who reads the diagram sees the note beside it.",
        "A driver diagram needs at least one primary driver: what most directly drives the aim?",
    ]
    with pytest.raises(PermissionRefused, match="Improvement team members cannot"):
        demo.create_driver_diagram(
            6, "T", DiagramDraft.empty(6).add_primary("P"), "N", username="team", today=DEMO_TODAY
        )
    draft = (
        DiagramDraft.empty(6)
        .add_primary("Reliable prescribing")
        .add_change_idea("Pharmacist on ward rounds", ["A6-P1"])
    )
    diagram = demo.create_driver_diagram(
        6, "Missed doses: driver diagram", draft, "First version", username="lead", today=DEMO_TODAY
    )
    assert demo.aims_without_diagram().height == 0
    assert demo.diagram_versions(diagram)[["version_number", "status", "change_note"]].row(0) == (
        1,
        "active",
        "First version",
    )
    assert demo.diagram_draft(diagram)[0].keys == ("A6-P1", "A6-P1-C1")
    record = demo.audit_log().filter(pl.col("action") == "add").row(-1, named=True)
    assert (record["entity_type"], record["entity_key"], record["before_json"]) == (
        "driver_diagram",
        str(diagram),
        None,
    )
    assert '"added": [{"key": "A6-P1"' in record["after_json"]
    with pytest.raises(Refused, match="already has a driver diagram"):
        demo.create_driver_diagram(6, "Again", draft, "Again", username="lead", today=DEMO_TODAY)


# -- a network's shared diagram: the hub's alone, through the same publisher ------------------------------------------


@pytest.fixture(scope="module")
def network_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from golden_thread.seed.loading import load_demo

    path = tmp_path_factory.mktemp("diagram-network") / "network.duckdb"
    store = Store(path)
    load_demo(store, today=DEMO_TODAY, network=True)
    store.close()
    return path


@pytest.fixture
def net(network_db: Path, tmp_path: Path) -> Store:
    path = tmp_path / "network-copy.duckdb"
    shutil.copy(network_db, path)
    opened = Store(path)
    yield opened
    opened.close()


@pytest.mark.slow
def test_a_networks_shared_diagram_is_published_only_by_its_hub_through_the_same_publisher(net):
    from golden_thread.storage.accounts import operator_save_account

    network = net.networks()["id"][0]
    diagram = net.driver_diagrams().filter(pl.col("network_aim"))["id"].item()
    eastbrook = net.network_members(network, DEMO_TODAY).filter(pl.col("member").str.starts_with("Eastbrook"))
    operator_save_account(
        net, "eastlead", "Eastbrook lead", "improvement_lead", eastbrook["member_id"][0], "a long enough password"
    )
    schools = net.within(net.resolve_scope(network))
    draft, opened = schools.diagram_draft(diagram)
    edited = draft.rename("N-C2", "Grade-book check every Friday afternoon")
    before = _tables(net)
    with pytest.raises(PermissionRefused, match="Only the hub of Riverside"):
        net.publish_diagram_version(diagram, edited, "Mine", username="lead", today=DEMO_TODAY, opened_version=opened)
    with pytest.raises(PermissionRefused) as refused:
        schools.publish_diagram_version(
            diagram, edited, "Ours", username="eastlead", today=DEMO_TODAY, opened_version=opened
        )
    assert str(refused.value).startswith(
        "Only the hub of Riverside Ninth Grade On-Track Network can publish a new version of the network's shared "
        "driver diagram; you work at Eastbrook High School"
    )
    assert schools.diagram_refusal("eastlead", diagram_id=diagram).startswith("Only the hub of Riverside")
    assert schools.diagram_refusal("hub", diagram_id=diagram) is None
    _unchanged(net, before)
    projects = net.network_projects(network).select("project_id", "idea_key").sort("project_id")
    schools.publish_diagram_version(
        diagram, edited, "Reworded", username="hub", today=DEMO_TODAY, opened_version=opened
    )
    assert net.network_projects(network).select("project_id", "idea_key").sort("project_id").equals(projects)
    # The network page's quick edit goes through the same publisher, and so is refused the same way when stale.
    with pytest.raises(StaleEdit, match="published version 4 of this driver diagram"):
        net.publish_diagram_version(diagram, edited, "Again", username="hub", today=DEMO_TODAY, opened_version=opened)
    net.new_diagram_version(diagram, "Buddies", username="hub", today=DEMO_TODAY, add_ideas=[("N-P2-S1", "Buddies")])
    assert net.diagram_draft(diagram)[1] == 5 and net.diagram_draft(diagram)[0].node("N-C10").title == "Buddies"


# -- the screen --------------------------------------------------------------------------------------------------------


@pytest.fixture
def app_db(demo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "app.duckdb"
    shutil.copy(demo_db, path)
    monkeypatch.setenv("GOLDEN_THREAD_DB", str(path))
    st.cache_resource.clear()
    yield path
    st.cache_resource.clear()


def _screen(user: str, **query: str) -> AppTest:
    app = signed_in(AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60), user)
    for key, value in query.items():
        app.query_params[key] = value
    app.run()
    app.switch_page(str(ROOT / "screens" / "diagram.py"))
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def _dot(app: AppTest) -> str:
    return app.get("graphviz_chart")[0].proto.spec


def _said(elements) -> list[str]:
    """What the elements say, as a person reads it (markdown's escapes removed)."""
    return [e.value.replace("\\", "") for e in elements]


def _button(app: AppTest, label: str):
    return next(b for b in app.button if b.label.startswith(label))


def _open_store(path: Path) -> Store:
    store = Store(path)
    return store.within(store.choose_scope(None))


@pytest.mark.slow
def test_the_lead_adds_a_change_idea_from_the_flags_link_previews_it_and_publishes_it(app_db):
    store = _open_store(app_db)
    flagged = _flags(store, "driver_without_change_idea")
    driver = store._query("SELECT node_key, title FROM driver WHERE id = ?", [flagged["entity_id"][0]]).row(0)
    diagram = store.diagram_of_node(driver[0])["diagram_id"][0]
    store.close()
    app = _screen("lead", diagram=str(diagram), add_idea_to=driver[0])  # the flag's mend links here like this
    assert app.title[0].value == "Driver diagrams"
    state = app.selectbox(key="diagram-choice").value
    assert state == f"d:{diagram}"
    assert app.radio(key="diagram-action").value == "Add a change idea"
    prefix = f"diagram-edit-{state.split(':')[1]}"
    assert app.multiselect(key=f"{prefix}-idea-drivers").value == [driver[0]]
    _button(app, "Add to the draft").click().run()
    assert any("Give the change idea a title of 1 to 200 characters." in said for said in _said(app.error))
    app.text_input(key=f"{prefix}-idea-title").input("Thank-you cards from the chief nurse")
    _button(app, "Add to the draft").click().run()
    assert not app.error, _said(app.error)
    assert "Thank-you cards from the chief\\nnurse\\n(new)" in _dot(app)  # the preview marks the new idea
    assert any("Added the change idea “Thank-you cards from the chief nurse”" in said for said in _said(app.markdown))
    assert app.text_input(key=f"{prefix}-idea-title").value == ""  # the form is ready for the next idea
    _button(app, "Publish version").click().run()
    assert any("Say what changed in this version" in said for said in _said(app.error))
    app.text_area(key=f"{prefix}-note").input("A first change idea for staff engagement")
    _button(app, "Publish version").click().run()
    assert any("is published" in said for said in _said(app.success)), _said(app.error)
    assert app.text_area(key=f"{prefix}-note").value == ""  # the next version's note is its own
    store = _open_store(app_db)
    assert _flags(store, "driver_without_change_idea").height == 0
    store.close()


@pytest.mark.slow
def test_a_stale_draft_is_refused_on_the_page_naming_who_published(app_db):
    app = _screen("lead", diagram=str(FALLS))
    prefix = f"diagram-edit-{FALLS}"
    app.radio(key="diagram-action").set_value("Reword").run()
    app.selectbox(key=f"{prefix}-reword-node").set_value("A1-P1").run()
    app.text_input(key=f"{prefix}-reword-title-A1-P1").input("Reliable, timely risk assessment")
    _button(app, "Reword in the draft").click().run()
    app.text_area(key=f"{prefix}-note").input("Reworded")
    store = _open_store(app_db)  # meanwhile the administrator publishes version 3
    draft, opened = store.diagram_draft(FALLS)
    store.publish_diagram_version(
        FALLS, draft.remove("A1-P3-S1-C1"), "Leaflet retired", username="admin", today=DEMO_TODAY, opened_version=opened
    )
    store.close()
    _button(app, "Publish version 3").click().run()
    assert any(
        "Administrator (demo) published version 3 of this driver diagram" in said and "Leaflet retired" in said
        for said in _said(app.error)
    ), _said(app.error)
    assert any("after you opened version 2" in said for said in _said(app.warning))
    _button(app, "Start again from version 3").click().run()
    assert "Leaflet" not in _dot(app) and "Reliable risk assessment" in _dot(app)


@pytest.mark.slow
def test_a_new_aims_diagram_is_drawn_from_nothing_on_the_page(app_db):
    store = Store(app_db)
    store.insert_tables(
        {"aim": pl.DataFrame({"id": [6], "objective_id": [1], "title": ["Fewer missed doses"], "status": ["active"]})}
    )
    store.close()
    app = _screen("admin", aim="6")
    assert app.selectbox(key="diagram-choice").value == "a:6"
    assert "Add a primary driver" in _dot(app)
    assert app.radio(key="diagram-action").value == "Add a primary driver"
    app.text_input(key="diagram-new-6-primary-title").input("Reliable prescribing")
    _button(app, "Add to the draft").click().run()
    app.radio(key="diagram-action").set_value("Add a change idea").run()
    app.text_input(key="diagram-new-6-idea-title").input("Pharmacist on ward rounds")
    app.multiselect(key="diagram-new-6-idea-drivers").select("A6-P1")
    _button(app, "Add to the draft").click().run()
    app.text_area(key="diagram-new-6-note").input("First version")
    _button(app, "Create the driver diagram").click().run()
    assert any("published as version 1" in said for said in _said(app.success)), _said(app.error)
    assert app.selectbox(key="diagram-choice").value.startswith("d:")
    assert "Pharmacist on ward rounds" in _dot(app)


@pytest.mark.slow
def test_a_board_member_reads_the_diagram_and_is_told_why_they_cannot_edit_and_bad_links_are_explained(app_db):
    app = _screen("board", diagram=str(FALLS))
    assert any(
        "You can read this diagram but not change it. Board viewers cannot change aims, driver diagrams" in said
        for said in _said(app.info)
    )
    assert "Reliable risk assessment" in _dot(app) and not [b for b in app.button if b.label.startswith("Publish")]
    assert [s.value for s in app.subheader] == ["Versions"]
    team = _screen("team", diagram=str(FALLS))
    assert any("Improvement team members cannot change" in said for said in _said(team.info))
    bad = _screen("lead", diagram="<b>banana</b>", aim="999", add_idea_to="A1-P1-S1-C1")
    warnings = _said(bad.warning)
    assert any("There is no driver diagram “<b>banana</b>”" in w for w in warnings), warnings
    assert any("There is no active aim “999”" in w for w in warnings), warnings
    assert any("“A1-P1-S1-C1” is a change idea, not a driver" in w for w in warnings), warnings
    nowhere = _screen("lead", add_idea_to="Z9")
    assert any(
        "There is no driver “Z9” in the current version of any driver diagram" in said
        for said in _said(nowhere.warning)
    )
