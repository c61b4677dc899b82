"""The demo's focus boards and huddles (issue 17): three wards of the trust and two schools of the network, each a
board a team could run its huddle from, with one deliberate break for the alignment check to find."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from golden_thread.domain.enumerations import ACTION_STATUSES, OBJECTIVE_CATEGORIES
from golden_thread.seed.demo_network import ID_BASE
from golden_thread.seed.focus_demo import FOCUS_BREAKS
from golden_thread.seed.loading import load_demo
from golden_thread.services.checks import check_thread
from golden_thread.services.focus_boards import focus_board_view
from golden_thread.storage.store import Store
from tests.conftest import DEMO_TODAY

TRUST_WARDS = {"Ward 7 (Elderly Care)", "Ward 9 (Respiratory)", "Emergency Department"}
SCHOOLS = {"Eastbrook High School", "Harbor View High School"}


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory):
    """The demo trust and the demo network in one database (built once for this module), and their scopes."""
    path = tmp_path_factory.mktemp("focus") / "focus.duckdb"
    store = Store(path)
    load_demo(store, today=DEMO_TODAY, network=True)
    network_id = store.everything().top_organisations().filter(pl.col("id") > ID_BASE)["id"][0]
    yield {"trust": store.within(store.choose_scope(1)), "network": store.within(store.choose_scope(network_id))}
    store.close()


def _every_board(both):
    for scope in both.values():
        for board_id in scope.focus_boards()["id"]:
            yield scope, board_id


def test_three_wards_and_two_schools_each_see_only_their_own_boards(both):
    trust, network = both["trust"].focus_boards(), both["network"].focus_boards()
    assert set(trust["unit"]) == TRUST_WARDS and set(network["unit"]) == SCHOOLS
    assert trust["id"].max() < ID_BASE < network["id"].min()
    assert set(trust["purpose"]) == {"Safe, kind, effective care for every patient, every time"}
    assert set(network["purpose"]) == {"Every student known, every student learning"}
    ward_7 = trust.filter(pl.col("unit") == "Ward 7 (Elderly Care)").row(0, named=True)
    assert ward_7["unit_id"] == 5 and ward_7["huddle_rhythm"] == "Tuesdays 10:30 at the board"
    assert ward_7["huddle_minutes"] == 15
    assert both["trust"].huddles()["board_id"].is_in(trust["id"].implode()).all()
    assert not both["network"].huddles()["board_id"].is_in(trust["id"].implode()).any()


def test_the_trust_alone_loads_its_three_boards(demo_db: Path):
    store = Store(demo_db)
    boards = store.everything().focus_boards()
    store.close()
    assert set(boards["unit"]) == TRUST_WARDS


def test_every_board_has_objectives_in_all_four_categories_and_most_show_their_measure(both):
    shown = 0
    total = 0
    for scope, board_id in _every_board(both):
        view = focus_board_view(scope, board_id, DEMO_TODAY)
        objectives = view.objectives
        assert set(objectives["category"]) == set(OBJECTIVE_CATEGORIES), view.board["name"]
        assert 3 <= objectives.height <= 6
        shown += objectives.filter(pl.col("latest_value").is_not_null() & pl.col("variation_icon").is_not_null()).height
        total += objectives.height
    assert shown >= total - 1  # only the ED's debriefs have no measure in the demo


def test_exactly_one_objective_serves_no_strategy_and_the_check_flags_it(both):
    trust = check_thread(both["trust"], DEMO_TODAY).filter(pl.col("rule") == "unlinked_focus_objective")
    network = check_thread(both["network"], DEMO_TODAY).filter(pl.col("rule") == "unlinked_focus_objective")
    assert trust["entity_id"].to_list() == FOCUS_BREAKS["unlinked_focus_objective"]
    assert trust["title"][0] == "Stream walk-in patients at the front door (ED focus board)"
    assert network.height == 0


def test_every_board_has_actions_in_every_state_and_a_huddle_sized_list_of_open_ones(both):
    for scope, board_id in _every_board(both):
        view = focus_board_view(scope, board_id, DEMO_TODAY)
        actions, name = view.actions, view.board["name"]
        assert set(actions["status"]) == set(ACTION_STATUSES), name
        assert 4 <= actions.filter(pl.col("status") != "done").height <= 7, name
        assert actions["overdue"].any(), name
        assert set(actions["risk_level"]) == {"low", "medium", "high"}, name
        assert (actions["raised_on"] <= actions["due_date"]).all()
        done = actions.filter(pl.col("status") == "done")
        assert done["learning"].is_not_null().all() and (done["done_on"] >= done["raised_on"]).all()
        assert (done["done_on"] <= DEMO_TODAY).all()
        assert actions["raised_at_huddle_id"].is_not_null().mean() > 0.5
        assert actions["project_id"].is_not_null().any()
        assert view.opening.height == actions.filter(pl.col("status") != "done").height


def test_linked_projects_and_cycles_are_the_boards_own_teams(both):
    for scope in both.values():
        units = dict(scope.focus_boards().select("id", "unit_id").iter_rows())
        parents = dict(scope.organisations().select("id", "parent_id").iter_rows())
        actions = scope.focus_actions().filter(pl.col("project_id").is_not_null())
        assert actions.height
        for action in actions.iter_rows(named=True):
            team = scope.project_team(action["project_id"])
            assert units[action["board_id"]] in (team, parents[team]), action["title"]
        cycles = scope.focus_actions().filter(pl.col("pdsa_cycle_id").is_not_null())
        assert cycles.height and cycles["pdsa_cycle"].is_not_null().all()


def test_six_months_of_weekly_huddles_that_mostly_run_to_time(both):
    for scope, board_id in _every_board(both):
        huddles = scope.huddles([board_id])
        name = scope.focus_boards().filter(pl.col("id") == board_id)["name"][0]
        assert 20 <= huddles.height <= 26, name
        latest = huddles["held_on"].max()
        assert DEMO_TODAY - dt.timedelta(days=14) <= latest < DEMO_TODAY - dt.timedelta(days=DEMO_TODAY.weekday())
        if board_id < ID_BASE:  # a ward's six months; a school's are six months of school weeks, around the summer
            assert (latest - huddles["held_on"].min()).days <= 26 * 7
        assert 0.6 <= huddles["ran_to_time"].mean() <= 0.95, name
        overran = huddles.filter(~pl.col("ran_to_time"))
        assert overran["why_not_to_time"].is_not_null().all()
        ordered = huddles.sort("held_on")
        for column in ("went_well", "learned", "not_working", "changes_to_make"):
            assert (ordered[column] != ordered[column].shift(1)).fill_null(True).all(), (name, column)
        assert huddles["attendees"].str.contains(",").all()


def test_each_huddle_reviews_the_actions_open_at_the_time_and_the_last_review_is_the_actions_state(both):
    for scope, board_id in _every_board(both):
        actions = scope.focus_actions([board_id])
        reviews = scope.huddle_reviews([board_id])
        for huddle in scope.huddles([board_id]).iter_rows(named=True):
            held = huddle["held_on"]
            expected = actions.filter(
                (pl.col("raised_on") < held) & (pl.col("done_on").is_null() | (pl.col("done_on") >= held))
            )
            reviewed = reviews.filter(pl.col("huddle_id") == huddle["id"])
            assert set(reviewed["action_id"]) == set(expected["id"]), held
        last = reviews.sort("held_on").group_by("action_id").agg(pl.col("status").last(), pl.col("held_on").last())
        state = actions.join(last, left_on="id", right_on="action_id", suffix="_reviewed")
        assert (state["status"] == state["status_reviewed"]).all()
        closed = state.filter(pl.col("status") == "done")
        assert (closed["done_on"] == closed["held_on"]).all()
