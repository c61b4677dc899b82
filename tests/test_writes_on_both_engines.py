"""The writes no other engine-parametrised test makes (issue 19): each runs on a DuckDB file and on PostgreSQL, through
the service its screen calls where there is one, and is checked by what a person would notice: the row saved, or the
refusal said with nothing changed. (A network's writes run on both engines in tests/test_network.py.)"""

from __future__ import annotations

import polars as pl
import pytest

from golden_thread.errors import PermissionRefused, Refused, StaleEdit
from golden_thread.services.editing import opened_values, save_record
from golden_thread.storage.accounts import operator_save_account
from golden_thread.storage.store import Store
from tests.conftest import DEMO_TODAY

WARD_7, MEDICINE = 5, 2  # a team of the demo trust and the division above it


def _length_of_stay(db: Store) -> int:
    return db.measures().filter(pl.col("name").str.starts_with("Average length of stay"))["id"][0]


# -- the trust's own records ------------------------------------------------------------------------------------------


def test_a_point_left_out_of_the_limits_is_brought_back_with_its_reason(demo):
    measure_id = _length_of_stay(demo)
    period = demo.observations([measure_id])["period_start"][3]
    with pytest.raises(Refused, match="There is no excluded point at"):
        demo.include_point(measure_id, period, "Not excluded", username="lead")
    demo.exclude_point(measure_id, period, "Data migration error", username="lead")
    assert demo.point_exclusions([measure_id])["period_start"].to_list() == [period]
    with pytest.raises(Refused, match="Give a reason"):
        demo.include_point(measure_id, period, " ", username="lead")
    demo.include_point(measure_id, period, "The figures were right after all", username="lead")
    assert demo.point_exclusions([measure_id]).height == 0
    log = demo.audit_log()
    assert log["action"].to_list() == ["add", "remove"]
    assert log["reason"][1] == "The figures were right after all" and "Data migration error" in log["before_json"][1]


def test_an_administrator_of_the_whole_database_sets_up_a_new_organisation(demo):
    everything = demo.everything()
    operator_save_account(everything, "root", "Whole-database administrator", "administrator", None, "x" * 12)
    with pytest.raises(PermissionRefused, match="Only an administrator of the whole database"):
        everything.create_organisation("Riverside Schools", "network", username="admin")
    with pytest.raises(Refused, match="There is already an organisation called"):
        everything.create_organisation("northfield teaching hospitals nhs foundation trust", "trust", username="root")
    network = everything.create_organisation("Riverside Schools", "network", username="root", vocabulary="education")
    top = everything.top_organisations().filter(pl.col("id") == network).row(0, named=True)
    assert (top["name"], top["kind"]) == ("Riverside Schools", "network")
    assert everything.audit_log().filter(pl.col("entity_type") == "organisation")["entity_key"].to_list() == [
        str(network)
    ]


def test_a_new_team_gets_its_focus_board_and_a_stale_edit_of_it_is_refused(demo):
    team = save_record(
        demo,
        "organisation",
        {"name": "Ward 12 (Stroke)", "kind": "team"},
        username="admin",
        today=DEMO_TODAY,
        placed={"parent_id": MEDICINE},
    )
    demo = demo.within(demo.resolve_scope(1))  # the next page's scope holds the new team
    assert demo.record("organisation", team)["parent_id"] == MEDICINE
    board = save_record(
        demo,
        "focus_board",
        {"name": "Ward 12 focus board", "huddle_minutes": 15},
        username="lead",
        today=DEMO_TODAY,
        placed={"unit_id": team},
    )
    opened = opened_values(demo.record("focus_board", board), "focus_board")
    save_record(
        demo,
        "focus_board",
        {**opened, "huddle_rhythm": "Mondays 09:00 at the board"},
        username="lead",
        today=DEMO_TODAY,
        record_id=board,
        opened=opened,
    )
    with pytest.raises(StaleEdit, match="changed this focus board while you were editing it"):
        save_record(
            demo,
            "focus_board",
            {**opened, "huddle_minutes": 20},
            username="admin",
            today=DEMO_TODAY,
            record_id=board,
            opened=opened,
        )
    stored = demo.record("focus_board", board)
    assert (stored["unit_id"], stored["huddle_rhythm"], stored["huddle_minutes"]) == (
        team,
        "Mondays 09:00 at the board",
        15,
    )


def test_an_objective_is_retired_with_its_reason_and_brought_back(demo):
    objective = save_record(
        demo,
        "strategic_objective",
        {"title": "Greener hospitals", "category": "Quality"},
        username="lead",
        today=DEMO_TODAY,
        placed={"organisation_id": 1},
    )
    with pytest.raises(Refused, match="Say why the strategic objective is retired"):
        demo.set_status("strategic_objective", objective, "retired", username="lead", reason=" ")
    opened = opened_values(demo.record("strategic_objective", objective), "strategic_objective")
    demo.set_status("strategic_objective", objective, "retired", username="lead", reason="Merged", opened=opened)
    assert demo.record("strategic_objective", objective)["status"] == "retired"
    with pytest.raises(StaleEdit, match="changed this strategic objective"):
        demo.set_status("strategic_objective", objective, "active", username="lead", reason="", opened=opened)
    demo.set_status("strategic_objective", objective, "active", username="lead", reason="")
    assert demo.record("strategic_objective", objective)["status"] == "active"
    assert demo.audit_log()["action"].to_list() == ["add", "retire", "reinstate"]
    focus_objective = demo.focus_objectives().filter(pl.col("board_id") == 1)["id"][0]
    demo.set_status("focus_objective", focus_objective, "retired", username="team", reason="Achieved")
    assert demo.record("focus_objective", focus_objective)["status"] == "retired"


def test_an_imports_bad_rows_are_named_one_by_one_and_none_is_kept(demo):
    everything = demo.everything()
    before = everything.table("strategic_objective")
    rows = pl.DataFrame(
        {
            "id": [90, 91, 92],
            "organisation_id": [1, 1, 1],
            "title": ["Fine", None, "Also fine"],
            "category": ["Quality", "Quality", "No such category"],
        }
    )
    problems = everything.check_rows("strategic_objective", rows)
    assert [row for row, _ in problems] == [1, 2]
    assert "title" in problems[0][1] and "category" in problems[1][1]
    assert everything.table("strategic_objective").equals(before)
