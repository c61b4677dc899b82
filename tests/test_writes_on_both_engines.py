"""The writes no other engine-parametrised test makes (issue 19): each runs on a DuckDB file and on PostgreSQL, through
the service its screen calls where there is one, and is checked by what a person would notice: the row saved, or the
refusal said with nothing changed."""

from __future__ import annotations

import datetime as dt
import functools

import polars as pl
import pytest

from golden_thread.domain.observations import ProposedObservation
from golden_thread.errors import PermissionRefused, Refused, StaleEdit
from golden_thread.seed.demo_network import NETWORK, build_demo_network
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


# -- a network beside the trust ---------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _network_rows() -> dict[str, pl.DataFrame]:
    return build_demo_network(DEMO_TODAY)


def _network(demo: Store) -> tuple[Store, int, int]:
    """The demo network loaded beside the trust (its ids never meet the trust's), as its hub's screens see it: the
    network's store, its id and its aim's."""
    everything = demo.everything()
    # A column the network leaves empty (a project link's driver) takes the stored column's type: PostgreSQL casts
    # an untyped empty column only into text.
    everything.insert_tables(
        {
            table: frame.cast({c: everything.table(table).schema[c] for c, t in frame.schema.items() if t == pl.Null})
            for table, frame in _network_rows().items()
        }
    )
    network = demo.within(demo.choose_scope(NETWORK))
    network_id = network.scope.organisation_id
    return network, network_id, int(network.network_aims(network_id)["id"][0])


def test_a_school_joins_the_network_sets_its_local_aim_reports_the_uniform_measures_and_leaves(demo):
    net, network, aim = _network(demo)
    school = save_record(
        net,
        "organisation",
        {"name": "Riverbend High School", "kind": "division"},
        username="hubadmin",
        today=DEMO_TODAY,
        placed={"parent_id": network},
    )
    net = net.within(net.resolve_scope(network))  # the next page's scope holds the new school
    joined = dt.date(2026, 8, 15)
    with pytest.raises(Refused, match="cannot leave before it joins"):
        net.record_membership(network, school, username="hub", joined_on=joined, left_on=dt.date(2026, 1, 1))
    assert net.record_membership(network, school, username="hub", joined_on=joined) == "joined"
    local = {"title": "More on track at Riverbend", "statement": "From 60% to 80% by June 2027"}
    with pytest.raises(Refused, match="A local aim says how much by when"):
        net.save_local_aim(
            aim, school, username="hub", baseline_value=0.6, target_value=None, target_date=None, **local
        )
    local_aim = net.save_local_aim(
        aim, school, username="hub", baseline_value=0.6, target_value=0.8, target_date=dt.date(2027, 6, 30), **local
    )
    row = net.local_aims(network).filter(pl.col("aim_id") == local_aim).row(0, named=True)
    assert (row["member_id"], row["target_value"], row["status"]) == (school, 0.8, "active")
    with pytest.raises(Refused, match="already has a uniform measure called"):
        net.add_uniform_measure(
            aim,
            username="hub",
            name=net.uniform_measures(network)["name"][0],
            measure_type="outcome",
            chart_type="xmr",
            direction="increase",
            definition="x",
        )
    mentors = net.add_uniform_measure(
        aim,
        username="hub",
        name="Ninth-graders with a named mentor (%)",
        measure_type="process",
        chart_type="p",
        direction="increase",
        definition="Ninth-graders with a named adult mentor on the last school day.",
        numerator_definition="With a mentor",
        denominator_definition="Enrolled",
    )
    reports = net.member_measures(network).filter(pl.col("uniform_measure_id") == mentors)
    assert reports.height == 7 and school in reports["member_id"].to_list()
    assert net.record_membership(network, school, username="hub", joined_on=joined, left_on=DEMO_TODAY) == "left"
    assert net.local_aims(network).filter(pl.col("aim_id") == local_aim)["status"][0] == "retired"


def test_the_hub_rewords_the_network_aim_its_words_and_its_shared_diagram(demo):
    net, network, aim = _network(demo)
    with pytest.raises(Refused, match="Write the aim statement"):
        net.update_network_aim(aim, statement=" ", target_value=0.9, target_date=None, username="hub")
    net.update_network_aim(
        aim,
        statement="Raise it to 90% by June 2028",
        target_value=0.9,
        target_date=dt.date(2028, 6, 30),
        username="hub",
    )
    stored = net.network_aims(network).row(0, named=True)
    assert (stored["statement"], stored["target_value"]) == ("Raise it to 90% by June 2028", 0.9)
    with pytest.raises(Refused, match="Choose the words of one of"):
        net.set_vocabulary(network, "legal", username="hub")
    units = net.set_vocabulary(network, "health", username="hub")
    assert net.organisations()["vocabulary"].unique().to_list() == ["health"] and units == net.organisations().height
    diagram = int(net.network_aims(network)["diagram_id"][0])
    with pytest.raises(Refused, match="Nothing would change"):
        net.new_diagram_version(diagram, "Tidy", username="hub", today=DEMO_TODAY)
    version = net.new_diagram_version(
        diagram, "Plainer words", username="hub", today=DEMO_TODAY, rename={"N-C2": "Grade-book check on Fridays"}
    )
    versions = net.diagram_versions(diagram)
    assert versions.filter(pl.col("status") == "active")["id"].to_list() == [version]
    nodes = net.diagram_nodes(diagram).filter(pl.col("version_status") == "active")
    assert nodes.filter(pl.col("node_key") == "N-C2")["title"].to_list() == ["Grade-book check on Fridays"]


def test_a_school_corrects_its_own_report_but_not_over_a_colleague_nor_another_schools(demo):
    net, network, _ = _network(demo)
    reports = net.member_measures(network)
    own = int(reports.filter(pl.col("member").str.starts_with("Eastbrook"))["id"][0])
    other = int(reports.filter(pl.col("member").str.starts_with("Harbor"))["id"][0])
    october = dt.date(2026, 10, 1)
    seen = net.observations([own]).filter(pl.col("period_start") == october).row(0, named=True)
    corrected = ProposedObservation(october, numerator=str(seen["numerator"] + 1), denominator=str(seen["denominator"]))
    assert (
        net.save_member_observation(
            own, corrected, username="eastbrook", today=DEMO_TODAY, correcting=True, expected=seen
        )
        == "corrected"
    )
    again = ProposedObservation(october, numerator=str(seen["numerator"] - 1), denominator=str(seen["denominator"]))
    with pytest.raises(StaleEdit, match="changed October 2026 while you were editing it"):
        net.save_member_observation(own, again, username="hub", today=DEMO_TODAY, correcting=True, expected=seen)
    with pytest.raises(PermissionRefused, match="only for your own team"):
        net.save_member_observation(other, corrected, username="eastbrook", today=DEMO_TODAY, correcting=True)
    stored = net.observations([own]).filter(pl.col("period_start") == october).row(0, named=True)
    assert (stored["numerator"], stored["entered_by"]) == (seen["numerator"] + 1, "eastbrook")
