"""The large synthetic trust the scale bench times: every part of the product, loaded whole, at a size a test can
afford (the bench builds it at its full size)."""

import datetime as dt

import polars as pl
import pytest

from golden_thread.seed.synthetic import NETWORK_ID_BASE, build_large_trust
from golden_thread.services.focus_boards import roll_up_view
from golden_thread.services.network import learning_grid, network_view
from golden_thread.storage.store import Store

TODAY = dt.date(2026, 12, 1)
LEADERS, MEMBERS, PROJECTS = 20, 6, 60


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    frames = build_large_trust(
        TODAY,
        aims=3,
        drivers=12,
        projects=PROJECTS,
        pdsa_cycles=150,
        measures=80,
        months=24,
        leaders=LEADERS,
        network_members=MEMBERS,
    )
    store = Store(tmp_path_factory.mktemp("synthetic") / "small.duckdb")
    counts = store.insert_tables(frames)  # one transaction: a broken foreign key or reference loads nothing
    yield frames, counts, store
    store.close()


def test_every_table_of_the_product_is_filled(small):
    frames, counts, _ = small
    empty = [table for table, frame in frames.items() if counts.get(table, 0) != frame.height]
    assert empty == []
    for table in (
        "leadership_assessment",
        "leadership_rating",
        "leadership_strategy",
        "focus_board",
        "focus_objective",
        "huddle",
        "focus_action",
        "huddle_action_review",
        "network_membership",
        "local_aim",
        "member_measure",
    ):
        assert counts[table] > 0, table


def test_the_network_sits_beside_the_trust_with_ids_of_its_own(small):
    frames, _, store = small
    organisations = frames["organisation"]
    network = organisations.filter(pl.col("kind") == "network")
    assert network["id"].to_list() == [NETWORK_ID_BASE + 1]
    assert frames["network_membership"].height == MEMBERS
    assert frames["local_aim"].height == MEMBERS
    assert (
        frames["member_measure"].height
        == MEMBERS * frames["measure"].filter(pl.col("aim_id") == NETWORK_ID_BASE + 1).height
    )
    for table in ("organisation", "aim", "project", "pdsa_cycle", "measure", "change_idea"):
        in_network = frames[table].filter(pl.col("id") > NETWORK_ID_BASE)
        assert in_network.height > 0, table
    # The trust, as its administrator sees it, holds its own projects only.
    trust = store.within(store.scopes_for("admin")[0])
    assert trust.project_alignment()["project_id"].n_unique() == PROJECTS


def test_the_network_page_has_a_learning_grid_of_every_member_and_idea(small):
    _, _, store = small
    hub = store.user("hubadmin")["organisation_id"]
    view = network_view(store.within(store.resolve_scope(hub)), hub, TODAY)
    grid = learning_grid(view.members, view.change_ideas, view.projects, view.cycles)
    assert grid.height == MEMBERS * view.change_ideas.height
    assert {"adopted", "abandoned", "not tested"} <= set(grid["state"])
    assert view.summaries.filter(pl.col("variation_icon").is_not_null()).height > 0  # the uniform measures chart


def test_focus_boards_meet_weekly_and_review_their_actions(small):
    frames, _, store = small
    objectives = frames["focus_objective"].group_by("board_id").len()["len"]
    actions = frames["focus_action"].group_by("board_id").len()["len"]
    assert objectives.min() >= 4 and objectives.max() <= 6
    assert actions.min() >= 10 and actions.max() <= 15
    done = frames["focus_action"].filter(pl.col("status") == "done")
    assert done["learning"].null_count() == 0 and done["done_on"].null_count() == 0
    # The last review of a done action is the huddle that closed it.
    last = frames["huddle_action_review"].sort("huddle_id").group_by("action_id").agg(pl.col("status").last())
    closed = last.join(done.select(pl.col("id").alias("action_id")), on="action_id")
    assert closed["status"].unique().to_list() == ["done"]
    roll_up = roll_up_view(store.within(store.scopes_for("admin")[0]), TODAY)
    assert roll_up.height == frames["focus_board"].height
    assert roll_up["huddles_per_month"].min() > 3  # weekly, a few weeks missed


def test_leaders_assess_themselves_and_every_unit_its_team(small):
    frames, _, _ = small
    assessments = frames["leadership_assessment"]
    assert assessments.filter(pl.col("subject") == "self")["person"].n_unique() == LEADERS
    trust_units = frames["organisation"].filter(pl.col("id") < NETWORK_ID_BASE)
    assessed = assessments.filter(pl.col("subject") == "team")["organisation_id"].unique()
    assert set(trust_units["id"]) == set(assessed)
    rated = frames["leadership_rating"].group_by("assessment_id").agg(pl.col("rater").n_unique())
    team = rated.join(
        assessments.filter(pl.col("subject") == "team").select(pl.col("id").alias("assessment_id")), on="assessment_id"
    )
    assert team["rater"].min() >= 3  # every rater's rating is kept
