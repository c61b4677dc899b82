"""Networks and education (issue 10): the network model, the hub's views in the network's own words, who may
change what, a new driver-diagram version that keeps members' links, per-member checks and the CLI."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path

import polars as pl
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from golden_thread.cli import main
from golden_thread.domain.observations import ProposedObservation
from golden_thread.domain.pdsa import ProposedCycle
from golden_thread.domain.vocabulary import EDUCATION, HEALTH, VOCABULARIES, words, words_for
from golden_thread.errors import PermissionRefused, Refused
from golden_thread.seed.demo import DEMO_BREAKS, build_demo_trust
from golden_thread.seed.demo_network import ID_BASE, NETWORK, NETWORK_BREAKS, build_demo_network, school_months
from golden_thread.seed.focus_demo import FOCUS_BREAKS
from golden_thread.seed.loading import load_demo
from golden_thread.services.checks import check_by_organisation, check_thread
from golden_thread.services.measure_series import pooled_observations
from golden_thread.services.network import (
    contrasts,
    flag_counts,
    idea_spread,
    learning_grid,
    member_flags,
    network_view,
    small_multiples,
    version_changes,
)
from golden_thread.storage.store import Store
from tests.conftest import DEMO_TODAY, copy_of, signed_in

ROOT = Path(__file__).resolve().parent.parent
USERS = {
    "hub": "improvement_lead",
    "hubadmin": "administrator",
    "eastbrook": "team_member",
    "harbor": "team_member",
    "lead": "improvement_lead",
    "team": "team_member",
    "board": "board_viewer",
    "admin": "administrator",
}


@pytest.fixture(scope="module")
def network_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo trust with the demo education network beside it, built once for this module."""
    path = tmp_path_factory.mktemp("network") / "network.duckdb"
    store = Store(path)
    load_demo(store, today=DEMO_TODAY, network=True)
    store.close()
    return path


@pytest.fixture
def net(engine: str, network_db: Path, tmp_path: Path, request: pytest.FixtureRequest) -> Store:
    """A private, writable copy of the trust and network, on each engine."""
    opened = Store(copy_of(engine, request, network_db, tmp_path))
    yield opened
    opened.close()


def _network_id(store: Store) -> int:
    return int(store.networks().filter(pl.col("name") == NETWORK)["id"][0])


def _member(store: Store, name: str) -> int:
    return int(
        store.network_members(_network_id(store), DEMO_TODAY).filter(pl.col("member").str.starts_with(name))[
            "member_id"
        ][0]
    )


def _diagram(store: Store) -> int:
    return int(store.network_aims(_network_id(store))["diagram_id"][0])


# -- the model and the demo ---------------------------------------------------------------------------------


def test_the_network_tables_come_in_migration_7_with_their_constraints(store):
    assert store.schema_version() >= 7
    assert list(store.columns("local_aim")) == ["aim_id", "network_aim_id", "member_id"]
    assert list(store.columns("member_measure")) == ["measure_id", "uniform_measure_id", "member_id"]
    frames = {
        "organisation": pl.DataFrame(
            {
                "id": [1, 2],
                "name": ["Network", "School"],
                "kind": ["network", "division"],
                "parent_id": [None, 1],
                "vocabulary": ["education"] * 2,
            }
        ),
        "strategic_objective": pl.DataFrame(
            {"id": [1], "organisation_id": [1], "title": ["O"], "category": ["Quality"]}
        ),
        "aim": pl.DataFrame({"id": [1, 2], "objective_id": [1, 1], "title": ["Network aim", "Local aim"]}),
        "local_aim": pl.DataFrame({"aim_id": [2, 2], "network_aim_id": [1, 1], "member_id": [2, 2]}),
    }
    with pytest.raises(Exception, match="(?i)duplicate key|primary key|unique"):
        store.insert_tables(frames)
    frames["local_aim"] = pl.DataFrame({"aim_id": [1], "network_aim_id": [1], "member_id": [2]})
    with pytest.raises(Exception, match="(?i)check"):
        store.insert_tables(frames)


@pytest.mark.slow
def test_the_demo_network_is_deterministic_and_never_meets_the_trusts_ids():
    first, again = build_demo_network(DEMO_TODAY), build_demo_network(DEMO_TODAY)
    assert first.keys() == again.keys()
    assert all(
        first[t].drop("password_hash", strict=False).equals(again[t].drop("password_hash", strict=False)) for t in first
    )
    trust = build_demo_trust(DEMO_TODAY)
    for table, frame in first.items():
        if "id" in frame.columns:
            assert frame["id"].min() > ID_BASE, table
            assert table not in trust or trust[table]["id"].max() < ID_BASE, table


def test_the_demo_network_is_a_hub_six_schools_and_three_school_years(network_db):
    store = Store(network_db)
    network = _network_id(store)
    members = store.network_members(network, DEMO_TODAY)
    versions = store.diagram_versions(_diagram(store))
    uniform, rows = store.uniform_measures(network), store.member_measures(network)
    counts = store.observations(rows["id"].to_list()).group_by("measure_id").len()
    store.close()
    assert members.filter(pl.col("current")).height == 6 and members.filter(~pl.col("current")).height == 1
    assert members.filter(pl.col("current"))["joined_on"].n_unique() == 2  # one school joined a year late
    assert versions["version_number"].to_list() == [1, 2, 3] and versions["status"].to_list()[-1] == "active"
    assert uniform.height == 4 and set(uniform["measure_type"]) == {"outcome", "process", "balancing"}
    assert rows.height == 4 * 7
    # Three full school years and this one's first months for the schools there from the start.
    assert counts["len"].max() == len(school_months(dt.date(2023, 9, 1), dt.date(2026, 10, 1))) == 32
    assert counts["len"].min() >= 10


def test_the_network_loads_beside_the_trust_and_the_trust_keeps_exactly_its_breaks(network_db):
    store = Store(network_db)
    flags = check_by_organisation(store, DEMO_TODAY)
    store.close()
    build_demo_trust(DEMO_TODAY)
    trust = flags.filter(pl.col("organisation_id") == 1)
    found: dict[str, list[int]] = {}
    for rule, entity in trust.select("rule", "entity_id").iter_rows():
        found.setdefault(rule, []).append(entity)
    assert {r: sorted(i) for r, i in found.items()} == {r: sorted(i) for r, i in (DEMO_BREAKS | FOCUS_BREAKS).items()}


def test_every_network_break_is_found_at_the_member_it_belongs_to(network_db):
    build_demo_network(DEMO_TODAY)
    store = Store(network_db)
    flags = check_by_organisation(store, DEMO_TODAY).filter(pl.col("network_id") == _network_id(store))
    store.close()
    found: dict[str | None, dict[str, list[int]]] = {}
    for member, rule, entity in flags.select("member", "rule", "entity_id").iter_rows():
        found.setdefault(member, {}).setdefault(rule, []).append(entity)
    assert found == NETWORK_BREAKS
    assert None in found and "Eastbrook High School" not in found  # the hub's own break; a school with none


# -- vocabulary ------------------------------------------------------------------------------------------------


def test_each_organisation_reads_its_own_words():
    from golden_thread.domain.enumerations import VOCABULARIES as SCHEMA_VOCABULARIES

    assert VOCABULARIES == SCHEMA_VOCABULARIES
    organisations = pl.DataFrame({"id": [1, 2], "vocabulary": ["health", "education"]})
    assert words_for(organisations, 1) is HEALTH and words_for(organisations, 2) is EDUCATION
    assert (HEALTH.organisation.singular, HEALTH.place.singular, HEALTH.person.plural) == ("trust", "ward", "patients")
    assert (EDUCATION.organisation.singular, EDUCATION.division.singular, EDUCATION.person.plural) == (
        "district",
        "school",
        "students",
    )
    assert EDUCATION.member.count(1) == "1 member school" and EDUCATION.member.count(6) == "6 member schools"
    assert EDUCATION.year_label(dt.date(2026, 11, 23)) == "2026–27" == EDUCATION.year_label(dt.date(2027, 6, 30))
    assert HEALTH.year_label(dt.date(2027, 3, 31)) == "2026–27" and HEALTH.year_label(dt.date(2027, 4, 1)) == "2027–28"
    assert EDUCATION.reporting_months([dt.date(2026, m, 1) for m in (6, 7, 8, 9)]) == [
        dt.date(2026, 6, 1),
        dt.date(2026, 9, 1),
    ]
    assert EDUCATION.for_kind("division").plural == "schools"
    assert (HEALTH.board.singular, EDUCATION.board.singular) == ("board", "leadership team")
    assert EDUCATION.named("Eastbrook High School", "division") == "Eastbrook High School"  # says so already
    assert EDUCATION.named("Millbrook Academy", "division") == "Millbrook Academy (school)"
    assert HEALTH.named("Ward 7", "team") == "Ward 7 (team)"
    assert HEALTH.kinds(["team", "division", "trust", "team"]) == "Trust, division or team"
    assert EDUCATION.kinds(["division", "network"]) == "Network or school"
    with pytest.raises(ValueError, match="There is no vocabulary “legal”; choose health or education"):
        words("legal")
    with pytest.raises(ValueError, match="There is no organisation kind “ward”"):
        HEALTH.for_kind("ward")
    with pytest.raises(ValueError, match="There is no organisation 9"):
        words_for(organisations, 9)


# -- the views' data -------------------------------------------------------------------------------------------


def test_the_network_series_pools_members_only_while_they_belong():
    members = pl.DataFrame(
        {
            "member_id": [1, 2],
            "joined_on": [dt.date(2025, 9, 1), dt.date(2025, 9, 1)],
            "left_on": [None, dt.date(2025, 10, 31)],
        }
    )
    rows = pl.DataFrame({"id": [11, 12], "uniform_measure_id": [10, 10], "member_id": [1, 2], "chart_type": ["p", "p"]})
    months = [dt.date(2025, 8, 1), dt.date(2025, 9, 1), dt.date(2025, 10, 1), dt.date(2025, 11, 1)]
    observations = pl.DataFrame(
        {
            "measure_id": [11] * 4 + [12] * 4,
            "period_start": months * 2,
            "value": [None] * 8,
            "numerator": [1.0, 2, 3, 4, 10, 20, 30, 40],
            "denominator": [10.0] * 4 + [100.0] * 4,
        }
    )
    pooled = pooled_observations(rows, observations, members)
    assert pooled["period_start"].to_list() == months[1:]  # August is before anyone joined
    assert pooled["numerator"].to_list() == [22.0, 33.0, 4.0]  # school 2 left at the end of October
    assert pooled["denominator"].to_list() == [110.0, 110.0, 10.0]
    assert pooled["members_reporting"].to_list() == [2, 2, 1]


def test_the_learning_grid_reads_each_members_latest_decision_by_idea_key():
    members = pl.DataFrame({"member_id": [1, 2], "member": ["A", "B"], "current": [True, True]})
    ideas = pl.DataFrame(
        {"node_key": ["C1", "C2"], "title": ["One", "Two"], "driver_key": ["P1", "P1"], "driver": ["D", "D"]}
    )
    projects = pl.DataFrame({"member_id": [1, 2], "idea_key": ["C1", "C1"], "project": ["p", "q"]})
    cycles = pl.DataFrame(
        {
            "cycle_id": [1, 2, 3, 4],
            "member_id": [1, 1, 2, 2],
            "idea_key": ["C1"] * 4,
            "start_date": [dt.date(2026, 1, d) for d in (1, 2, 1, 2)],
            "act_decision": ["adapt", "adopt", "adapt", "abandon"],
        }
    )
    grid = learning_grid(members, ideas, projects, cycles)
    state = {(m, k): s for m, k, s in grid.select("member", "idea_key", "state").iter_rows()}
    assert state == {
        ("A", "C1"): "adopted",
        ("B", "C1"): "abandoned",
        ("A", "C2"): "not tested",
        ("B", "C2"): "not tested",
    }
    spread = idea_spread(grid)
    assert spread.filter(pl.col("idea_key") == "C1").select("members_testing", "adopted", "abandoned", "cycles").row(
        0
    ) == (2, 1, 1, 4)
    assert contrasts(grid).select("idea_key", "adopted_by", "abandoned_by").to_dicts() == [
        {"idea_key": "C1", "adopted_by": ["A"], "abandoned_by": ["B"]}
    ]
    testing = learning_grid(members, ideas, projects, cycles.with_columns(act_decision=pl.lit(None, pl.Utf8)))
    assert set(testing.filter(pl.col("idea_key") == "C1")["state"]) == {"testing"}


def test_the_network_rules_flag_a_member_without_a_local_aim_or_a_uniform_measure_row(tmp_path):
    # The rules are the registry's (domain.checks.RULES), found by the store; member_flags names them by member.
    store = Store(tmp_path / "rules.duckdb")
    store.insert_tables(
        {
            "organisation": pl.DataFrame(
                {
                    "id": [1, 2, 3, 4],
                    "name": ["Net", "A", "B", "C"],
                    "kind": ["network", "division", "division", "division"],
                    "parent_id": [None, 1, 1, 1],
                    "vocabulary": ["education"] * 4,
                }
            ),
            "network_membership": pl.DataFrame(
                {
                    "network_id": [1, 1, 1],
                    "member_id": [2, 3, 4],
                    "joined_on": [dt.date(2024, 9, 1)] * 3,
                    "left_on": [None, None, dt.date(2025, 6, 30)],
                }
            ),
            "strategic_objective": pl.DataFrame(
                {"id": [1], "organisation_id": [1], "title": ["O"], "category": ["Quality"]}
            ),
            "aim": pl.DataFrame({"id": [1, 2], "objective_id": [1, 1], "title": ["Network aim", "A's aim"]}),
            "local_aim": pl.DataFrame({"aim_id": [2], "network_aim_id": [1], "member_id": [2]}),
            "measure": pl.DataFrame(
                {
                    "id": [10, 20, 11],
                    "name": ["On track", "Attendance", "On track (A)"],
                    "measure_type": ["outcome", "process", "outcome"],
                    "aim_id": [1, 1, 2],
                    "frequency": ["monthly"] * 3,
                    "chart_type": ["p"] * 3,
                }
            ),
            "member_measure": pl.DataFrame({"measure_id": [11], "uniform_measure_id": [10], "member_id": [2]}),
        }
    )
    today = dt.date(2026, 11, 23)
    members = store.network_members(1, today)
    network_rules = ["member_without_local_aim", "uniform_measure_not_reported"]
    flags = member_flags(check_by_organisation(store, today).filter(pl.col("rule").is_in(network_rules)), members)
    store.close()
    assert flags.select("member", "rule", "entity_id", "title").rows() == [
        ("A", "uniform_measure_not_reported", 20, "Attendance (A)"),
        ("B", "member_without_local_aim", 3, "B"),
    ]
    counts = flag_counts(flags, members, "The hub")
    assert counts.select("member", "errors", "warnings").rows() == [
        ("The hub", 0, 0),
        ("A", 0, 1),
        ("B", 1, 0),
        ("C", 0, 0),
    ]


def test_the_hubs_view_has_every_member_on_one_scale_and_the_whole_network(network_db):
    store = Store(network_db)
    view = network_view(store, _network_id(store), DEMO_TODAY)
    store.close()
    outcome = int(view.uniform.filter(pl.col("measure_type") == "outcome")["id"][0])
    multiples = small_multiples(view, outcome)
    assert multiples["member"].n_unique() == 7 and any("(left Jun 2024)" in m for m in multiples["member"].unique())
    network = view.points.filter(pl.col("series") == outcome)
    assert network.height == 32 and network["x"].max() == dt.date(2026, 10, 1)
    summary = view.summaries.filter(pl.col("id") == outcome).row(0, named=True)
    assert summary["variation_icon"] == "special_cause_improvement"
    assert view.words is EDUCATION
    changes = version_changes(view.nodes)
    assert set(changes.filter(pl.col("version_number") == 2)["change"]) == {"reworded", "retired"}
    assert changes.filter(pl.col("version_number") == 3).select("change", "node_key").rows() == [("added", "N-C9")]


def test_each_schools_panel_draws_its_own_target_as_the_members_table_shows_it(network_db):
    """The members table shows each school's own (local aim) target: its panel in the small multiples draws
    that target, not the network's, and the legend names only the signals the schools' points show."""
    from golden_thread.draw.network_charts import small_multiples_chart
    from golden_thread.services.network import member_summary

    store = Store(network_db)
    view = network_view(store, _network_id(store), DEMO_TODAY)
    store.close()
    outcome = view.uniform.filter(pl.col("measure_type") == "outcome").row(0, named=True)
    table = member_summary(view, outcome["id"])
    own = {
        row["member"]: round(row["local_target"] * outcome["multiplier"], 6)
        for row in table.filter(pl.col("current")).iter_rows(named=True)
    }
    assert len(set(own.values())) > 1 and outcome["target_value"] == 85  # schools' targets differ from the network's

    spec = small_multiples_chart(
        small_multiples(view, outcome["id"]), unit="%", target=outcome["target_value"]
    ).to_dict()
    drawn = {v["member"]: round(v["member_target"], 6) for v in spec["data"]["values"]}
    assert {member: drawn[member] for member in own} == own
    rule = next(layer for layer in spec["spec"]["layer"] if layer["mark"]["type"] == "rule")
    assert rule["encoding"]["y"] == {"aggregate": "max", "field": "member_target", "type": "quantitative"}
    colour = next(layer["encoding"]["color"] for layer in spec["spec"]["layer"] if "color" in layer["encoding"])
    assert colour["scale"]["domain"] == ["Common cause", "Special cause: improvement", "Special cause: concern"]

    # Another uniform measure has no local aim behind it: each school's panel draws its own measure's target.
    process = view.uniform.filter(pl.col("measure_type") == "process").row(0, named=True)
    points = small_multiples(view, process["id"])
    assert points["member_target"].drop_nulls().unique().to_list() == [process["target_value"]]


# -- who may change what ------------------------------------------------------------------------------------------


def test_a_member_cannot_enter_or_log_another_members_work(net):
    network = _network_id(net)
    rows = net.member_measures(network)
    own = int(rows.filter(pl.col("member").str.starts_with("Eastbrook"))["id"][0])
    other = int(rows.filter(pl.col("member").str.starts_with("Harbor"))["id"][0])
    october = dt.date(2026, 10, 1)
    seen = net.observations([own]).filter(pl.col("period_start") == october).row(0, named=True)
    figures = ProposedObservation(october, numerator=str(seen["numerator"] + 1), denominator=str(seen["denominator"]))
    assert (
        net.save_member_observation(
            own, figures, username="eastbrook", today=DEMO_TODAY, correcting=True, expected=seen
        )
        == "corrected"
    )
    before = net.observations([other])
    with pytest.raises(PermissionRefused, match="only for your own team"):
        net.save_member_observation(other, figures, username="eastbrook", today=DEMO_TODAY, correcting=True)
    with pytest.raises(PermissionRefused, match="you work at Northfield Teaching Hospitals"):
        net.save_member_observation(other, figures, username="lead", today=DEMO_TODAY, correcting=True)
    assert net.observations([other]).equals(before)
    assert (
        net.save_member_observation(other, figures, username="hub", today=DEMO_TODAY, correcting=True) == "corrected"
    )  # the hub's leads support their members
    with pytest.raises(Refused, match="is the hub's definition"):
        net.save_member_observation(
            int(net.uniform_measures(network)["id"][0]), figures, username="hub", today=DEMO_TODAY
        )
    projects = net.network_projects(network)
    harbor_project = int(projects.filter(pl.col("member").str.starts_with("Harbor"))["project_id"][0])
    eastbrook_project = int(projects.filter(pl.col("member").str.starts_with("Eastbrook"))["project_id"][0])
    with pytest.raises(PermissionRefused, match="only for your own team"):
        net.log_pdsa_cycle(
            harbor_project,
            ProposedCycle("Test at Harbor", DEMO_TODAY, prediction="Most will"),
            username="eastbrook",
            today=DEMO_TODAY,
        )
    assert (
        net.log_pdsa_cycle(
            eastbrook_project,
            ProposedCycle("Next test", DEMO_TODAY, prediction="Most will"),
            username="eastbrook",
            today=DEMO_TODAY,
        )
        > ID_BASE
    )
    audit = net.audit_log()
    assert audit.filter(pl.col("entity_type") == "observation").height == 2


def test_only_the_hub_changes_the_network_aim_and_uniform_measures(net):
    network = _network_id(net)
    aim = int(net.network_aims(network)["id"][0])
    with pytest.raises(
        PermissionRefused,
        match="Only the hub of Riverside Ninth Grade On-Track Network can change "
        "the network aim; you work at Northfield",
    ):
        net.update_network_aim(
            aim, statement="New", target_value=0.9, target_date=dt.date(2028, 6, 30), username="admin"
        )
    with pytest.raises(PermissionRefused, match="Improvement team members cannot change a network's aim"):
        net.update_network_aim(aim, statement="New", target_value=0.9, target_date=None, username="eastbrook")
    with pytest.raises(Refused, match="Write the aim statement"):
        net.update_network_aim(aim, statement=" ", target_value=0.9, target_date=None, username="hub")
    net.update_network_aim(
        aim,
        statement="Raise it to 90% by June 2028",
        target_value=0.9,
        target_date=dt.date(2028, 6, 30),
        username="hubadmin",
    )
    assert net.network_aims(network)["target_value"][0] == 0.9
    with pytest.raises(Refused, match="Give the operational definition.*The chart is one of"):
        net.add_uniform_measure(
            aim,
            username="hub",
            name="Students with a mentor (%)",
            measure_type="process",
            chart_type="pie",
            direction="increase",
            definition="",
        )
    with pytest.raises(Refused, match="already has a uniform measure called"):
        net.add_uniform_measure(
            aim,
            username="hub",
            name="Ninth-graders on track to graduate (%)",
            measure_type="outcome",
            chart_type="p",
            direction="increase",
            definition="x",
            numerator_definition="a",
            denominator_definition="b",
        )
    definition = net.add_uniform_measure(
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
    rows = net.member_measures(network).filter(pl.col("uniform_measure_id") == definition)
    assert rows.height == 6  # every current member with a local aim reports it; the school that left does not
    view = network_view(net, network, DEMO_TODAY)
    assert view.flags.filter(pl.col("rule") == "uniform_measure_not_reported").height == 0


def test_members_set_their_own_local_aim_and_the_hub_keeps_membership(net):
    network = _network_id(net)
    aim = int(net.network_aims(network)["id"][0])
    harbor, eastbrook = _member(net, "Harbor"), _member(net, "Eastbrook")
    with pytest.raises(PermissionRefused, match="Improvement team members cannot change aims"):
        net.save_local_aim(
            aim,
            eastbrook,
            username="eastbrook",
            title="t",
            statement="s",
            baseline_value=0.6,
            target_value=0.8,
            target_date=dt.date(2027, 6, 30),
        )
    with pytest.raises(PermissionRefused, match="you work at Northfield Teaching Hospitals NHS Foundation Trust"):
        net.save_local_aim(
            aim,
            harbor,
            username="lead",
            title="t",
            statement="s",
            baseline_value=0.6,
            target_value=0.8,
            target_date=dt.date(2027, 6, 30),
        )
    with pytest.raises(Refused, match="A local aim says how much by when"):
        net.save_local_aim(
            aim,
            harbor,
            username="hub",
            title="More on track",
            statement="Raise it",
            baseline_value=0.7,
            target_value=None,
            target_date=None,
        )
    local = net.save_local_aim(
        aim,
        harbor,
        username="hub",
        title="More on track at Harbor View",
        statement="Raise Harbor View's share on track from 70% to 88% by June 2027",
        baseline_value=0.7,
        target_value=0.88,
        target_date=dt.date(2027, 6, 30),
    )
    assert net.local_aims(network).filter(pl.col("aim_id") == local)["target_value"][0] == 0.88
    with pytest.raises(Refused, match="cannot leave before it joins"):
        net.record_membership(
            network, harbor, username="hub", joined_on=dt.date(2023, 8, 15), left_on=dt.date(2020, 1, 1)
        )
    with pytest.raises(PermissionRefused, match="Only the hub"):
        net.record_membership(network, harbor, username="admin", joined_on=dt.date(2023, 8, 15))
    assert (
        net.record_membership(
            network, harbor, username="hub", joined_on=dt.date(2023, 8, 15), left_on=dt.date(2026, 11, 1)
        )
        == "left"
    )
    members = net.network_members(network, DEMO_TODAY)
    assert not members.filter(pl.col("member_id") == harbor)["current"][0]
    assert net.local_aims(network).filter(pl.col("member_id") == harbor)["status"][0] == "retired"
    with pytest.raises(Refused, match="Choose the words of one of health, education, not “legal”"):
        net.set_vocabulary(network, "legal", username="hub")
    assert net.set_vocabulary(network, "health", username="hubadmin") == 1 + 7 * 2
    assert network_view(net, network, DEMO_TODAY).words is HEALTH


# -- a new version of the shared driver diagram keeps members' links ----------------------------------------------


@pytest.mark.slow
def test_a_new_driver_diagram_version_keeps_every_members_links(net):
    network = _network_id(net)
    diagram = _diagram(net)
    projects_before = net.network_projects(network).select("project_id", "member", "idea_key").sort("project_id")
    grid_before = learning_grid(
        net.network_members(network, DEMO_TODAY),
        net.network_change_ideas(network),
        net.network_projects(network),
        net.network_cycles(network),
    )
    flags_before = check_by_organisation(net, DEMO_TODAY).filter(pl.col("network_id") == network)
    with pytest.raises(Refused, match="Say what changed in this version"):
        net.new_diagram_version(diagram, " ", username="hub", today=DEMO_TODAY, rename={"N-C2": "Grade check"})
    with pytest.raises(Refused, match="There is no node “N-C99” in the current version to reword"):
        net.new_diagram_version(diagram, "Tidy", username="hub", today=DEMO_TODAY, rename={"N-C99": "x"})
    with pytest.raises(Refused, match="Nothing would change: reword, add or retire at least one node"):
        net.new_diagram_version(diagram, "Tidy", username="hub", today=DEMO_TODAY)
    with pytest.raises(Refused, match="“N-C1” is not one"):
        net.new_diagram_version(diagram, "Add", username="hub", today=DEMO_TODAY, add_ideas=[("N-C1", "Idea")])
    with pytest.raises(Refused, match="would hang from nothing"):
        net.new_diagram_version(diagram, "Drop a driver", username="hub", today=DEMO_TODAY, retire=["N-P3-S1"])
    with pytest.raises(PermissionRefused, match="Only the hub of Riverside"):
        net.new_diagram_version(diagram, "Mine", username="lead", today=DEMO_TODAY, rename={"N-C2": "x"})
    with pytest.raises(PermissionRefused, match="Improvement team members cannot change a network's aim, shared"):
        net.new_diagram_version(diagram, "Mine", username="eastbrook", today=DEMO_TODAY, rename={"N-C2": "x"})
    with pytest.raises(Refused, match="not a network's shared diagram"):
        net.new_diagram_version(1, "Trust's", username="admin", today=DEMO_TODAY, rename={"A1-P1": "x"})

    version = net.new_diagram_version(
        diagram,
        "Grade-book checks reworded; conferences dropped; a mentoring idea added",
        username="hub",
        today=DEMO_TODAY,
        rename={"N-C2": "Grade-book check every Friday afternoon"},
        retire=["N-C9"],
        add_ideas=[("N-P2-S1", "Peer attendance buddies")],
    )

    versions = net.diagram_versions(diagram)
    assert versions.filter(pl.col("status") == "active")["id"].to_list() == [version]
    assert versions["version_number"].to_list() == [1, 2, 3, 4]
    nodes = net.diagram_nodes(diagram).filter(pl.col("version_number") == 4)
    assert "N-C9" not in set(nodes["node_key"]) and "N-C10" in set(nodes["node_key"])
    assert nodes.filter(pl.col("node_key") == "N-C2")["title"][0] == "Grade-book check every Friday afternoon"
    # Every project still tests the same idea (by key), now through the new version's node.
    projects_after = net.network_projects(network).select("project_id", "member", "idea_key").sort("project_id")
    assert projects_after.equals(projects_before)
    links = net._query(
        "SELECT pl.project_id, ci.version_id FROM project_link pl JOIN change_idea ci "
        "ON ci.id = pl.change_idea_id WHERE pl.project_id > ?",
        [ID_BASE],
    )
    assert set(links["version_id"]) == {version}
    # PDSA cycles logged against earlier wordings still count for their ideas, member by member.
    grid_after = learning_grid(
        net.network_members(network, DEMO_TODAY),
        net.network_change_ideas(network),
        net.network_projects(network),
        net.network_cycles(network),
    )
    keep = ["member", "idea_key", "cycles", "state"]
    assert (
        grid_after.filter(pl.col("idea_key") != "N-C10")
        .select(keep)
        .sort(keep[:2])
        .equals(grid_before.filter(pl.col("idea_key") != "N-C9").select(keep).sort(keep[:2]))
    )
    assert grid_after.filter(pl.col("change_idea") == "Grade-book check every Friday afternoon")["cycles"].sum() == 5
    # No member's thread broke: the only change in the checks is the untested idea swapped for the new one.
    flags_after = check_by_organisation(net, DEMO_TODAY).filter(pl.col("network_id") == network)
    assert (
        flags_after.filter(pl.col("rule") != "untested_change_idea")
        .drop("entity_id", "title")
        .equals(flags_before.filter(pl.col("rule") != "untested_change_idea").drop("entity_id", "title"))
    )
    assert flags_after.filter(pl.col("rule") == "untested_change_idea")["title"].to_list() == [
        "Peer attendance buddies"
    ]
    assert net.audit_log().filter(pl.col("action") == "new_version").height == 1


# -- the command line -----------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_golden_thread_check_reports_the_network_member_by_member(network_db, capsys):
    build_demo_network(DEMO_TODAY)
    code = main(["check", "--db", str(network_db), "--today", DEMO_TODAY.isoformat()])
    out = capsys.readouterr().out
    assert code == 1
    assert f"{NETWORK} (network): 6 flag(s)" in out
    assert "  Eastbrook High School: no breaks" in out and "  Millbrook Academy: 1 flag(s): 1 error" in out
    assert "    error    orphan_project              project" in out
    assert "  Southside Preparatory School (left 2024-06-30): no breaks" in out
    code = main(
        [
            "check",
            "--db",
            str(network_db),
            "--today",
            DEMO_TODAY.isoformat(),
            "--member",
            "westfield community high school",
            "--format",
            "json",
        ]
    )
    flags = json.loads(capsys.readouterr().out)
    assert code == 0 and [(f["member"], f["rule"]) for f in flags] == [
        ("Westfield Community High School", "measure_gone_quiet")
    ]
    code = main(
        ["check", "--db", str(network_db), "--today", DEMO_TODAY.isoformat(), "--organisation", "1", "--format", "json"]
    )
    assert {f["organisation"] for f in json.loads(capsys.readouterr().out)} == {
        "Northfield Teaching Hospitals NHS Foundation Trust"
    }
    code = main(["check", "--db", str(network_db), "--member", "Nowhere High"])
    assert code == 2 and "There is no network member “Nowhere High”; choose one of: " in capsys.readouterr().err


# -- the page -------------------------------------------------------------------------------------------------------


@pytest.fixture
def app_db(network_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "app.duckdb"
    shutil.copy(network_db, path)
    monkeypatch.setenv("GOLDEN_THREAD_DB", str(path))
    st.cache_resource.clear()
    st.cache_data.clear()
    yield path
    st.cache_resource.clear()
    st.cache_data.clear()


def _network_page(user: str, **query: str) -> AppTest:
    app = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    app.session_state["user"] = {"username": user, "display_name": user, "role": USERS[user]}
    for key, value in query.items():
        app.query_params[key] = value
    app.run()
    app.switch_page(str(ROOT / "screens" / "network.py"))  # AppTest registers widget clicks only on a switched-to page
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def _tab(app: AppTest, label: str) -> AppTest:
    """Open a tab of the network page: only the open tab's content runs."""
    app.session_state["network-tab"] = label
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def _texts(app: AppTest) -> list[str]:
    texts = [
        e.value
        for kind in ("title", "header", "subheader", "caption", "markdown", "info", "warning", "success", "error")
        for e in getattr(app, kind)
    ]
    texts += [m.label for m in app.metric] + [t.label for t in app.tabs]
    texts += [w.label for kind in ("selectbox", "multiselect", "text_input") for w in getattr(app, kind)]
    texts += [c for frame in app.dataframe for c in frame.value.columns]
    return texts


@pytest.mark.slow  # drives the page under AppTest
def test_the_network_page_shows_the_network_in_education_words(app_db):
    app = _network_page("hub")
    texts, specs, infos, frames = [], [], [], []
    for tab in [t.label for t in app.tabs]:  # only the open tab's content runs: open each in turn
        _tab(app, tab)
        texts += _texts(app)
        specs += [json.loads(c.proto.spec) for c in app.get("vega_lite_chart") or app.get("arrow_vega_lite_chart")]
        infos += [i.value.replace("\\", "") for i in app.info]
        frames += [f.value for f in app.dataframe]
    words_seen = " ".join(texts).replace("\\", "").lower()
    assert [t.label for t in app.tabs] == [
        "Member schools",
        "Uniform measures",
        "Where learning is happening",
        "Golden thread",
        "Checks by school",
        "Driver diagram",
        "Report data",
    ]
    for word in ("school", "student", "school year", "member school"):
        assert word in words_seen, word
    for word in ("trust", "ward", "patient", "division", "financial year"):
        assert not re.search(rf"\b{word}", words_seen), word
    metrics = {m.label.replace("\\", ""): m.value for m in app.metric}
    assert metrics["Member schools"] == "6" and metrics["Change ideas tested"] == "7 of 8"
    assert metrics["Network, Oct 2026"] == "72.8%" and metrics["Variation"] == "Improvement"
    assert any(s.get("facet", {}).get("field") == "member" for s in specs)  # the small multiples
    grid = next(s for s in specs if s.get("layer") and s["layer"][0].get("mark", {}).get("type") == "rect")
    assert grid["layer"][0]["encoding"]["color"]["field"] == "state"  # members x change ideas, by latest decision
    assert any("was adopted at Eastbrook High School and abandoned at Lincoln Park High School" in i for i in infos)
    checks = next(f for f in frames if "Errors" in f.columns)
    assert checks.set_index("Member school").loc["Millbrook Academy", "Errors"] == 1


@pytest.mark.slow  # drives the page under AppTest
def test_a_member_school_cannot_report_another_schools_data_on_the_page(app_db):
    app = _network_page("eastbrook")
    store = Store(app_db)
    harbor = _member(store, "Harbor")
    harbor_rows = store.member_measures(_network_id(store)).filter(pl.col("member_id") == harbor)["id"].to_list()
    before = store.observations(harbor_rows)
    store.close()
    _tab(app, "Report data")
    assert app.selectbox(key="report-member").value == _member_id_by_name(app_db, "Eastbrook")
    app.selectbox(key="report-member").set_value(harbor).run()
    refused = [w.value.replace("\\", "") for w in app.warning]
    assert any(
        "Only Harbor View High School's own people or the hub can report Harbor View High School's data; "
        "you work at Eastbrook High School" in w
        for w in refused
    ), refused
    assert not [b for b in app.button if b.label == "Save"]
    app.selectbox(key="report-member").set_value(_member_id_by_name(app_db, "Eastbrook")).run()
    measure = app.selectbox(key="report-measure").value
    app.selectbox(key=f"report-{measure}-period").set_value(dt.date(2026, 9, 1))
    app.text_input(key=f"report-{measure}-numerator").input("250")
    app.text_input(key=f"report-{measure}-denominator").input("abc")
    next(b for b in app.button if b.label == "Save").click().run()
    assert any("'abc' is not a number" in e.value for e in app.error)
    app.text_input(key=f"report-{measure}-denominator").input("320")
    next(b for b in app.button if b.label == "Save").click().run()
    assert any("Saved: " in s.value.replace("\\", "") for s in app.success), [e.value for e in app.error]
    # The form starts again blank on last month: what was typed was September's, and is saved.
    assert app.text_input(key=f"report-{measure}-1-numerator").value == ""  # a new key: see forms.new_record_form
    assert app.selectbox(key=f"report-{measure}-1-period").value != dt.date(2026, 9, 1)
    store = Store(app_db)
    assert store.observations(harbor_rows).equals(before)
    saved = store.observations([measure]).filter(pl.col("period_start") == dt.date(2026, 9, 1)).row(0, named=True)
    store.close()
    assert (saved["numerator"], saved["denominator"], saved["entered_by"]) == (250.0, 320.0, "eastbrook")


@pytest.mark.slow  # drives the page under AppTest
def test_the_hub_publishes_a_new_diagram_version_on_the_page_and_others_cannot(app_db):
    # The trust's lead has no Network screen at all: a trust is not a network, and the network is not theirs.
    trust_lead = signed_in(AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120), "lead")
    trust_lead.run()
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        trust_lead.switch_page(str(ROOT / "screens" / "network.py"))
    app = _network_page("eastbrook", network="<b>banana</b>")
    assert any(
        "There is no network “<b>banana</b>”; showing Riverside" in w.value.replace("\\", "") for w in app.warning
    )
    _tab(app, "Driver diagram")
    assert any("Improvement team members cannot change a network" in c.value.replace("\\", "") for c in app.caption)
    app = _tab(_network_page("hub"), "Driver diagram")
    app.selectbox(key="diagram-version-reword").set_value("N-C2")
    app.text_input(key="diagram-version-wording").input("Grade-book check every Friday afternoon")
    next(b for b in app.button if b.label == "Publish the new version").click().run()
    assert any("Say what changed in this version" in e.value for e in app.error)
    app.text_area(key="diagram-version-note").input("Reworded after Harbor View's adoption")
    next(b for b in app.button if b.label == "Publish the new version").click().run()
    assert any("Version 4 is published" in s.value for s in app.success), [e.value for e in app.error]
    assert app.text_area(key="diagram-version-1-note").value == ""  # the next version's note is its own
    assert app.selectbox(key="diagram-version-1-reword").value is None
    store = Store(app_db)
    projects = store.network_projects(_network_id(store))
    store.close()
    harbor = projects.filter(pl.col("idea_key") == "N-C2")
    assert harbor["change_idea"].to_list() == ["Grade-book check every Friday afternoon"]


def _member_id_by_name(path: Path, name: str) -> int:
    store = Store(path)
    member = _member(store, name)
    store.close()
    return member


# -- every word from the network's vocabulary; labels read as typed ---------------------------------------------------

# Words of a hospital trust that a school should never read (the tester saw "(division)" and "Board checklist").
HEALTH_WORDS = re.compile(
    r"\b(trusts?|wards?|patients?|divisions?|financial years?|hospitals?|NHS|boards?|physicians?)\b", re.IGNORECASE
)
ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")  # a markdown backslash escape
SCHOOL_SCREENS = {"network.py": "network-tab", "leadership.py": "leadership-tab"}


def _walk(node):
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _walk(child)


def _leaves(value):
    if isinstance(value, dict):
        for item in value.values():
            yield from _leaves(item)
    elif isinstance(value, list):
        for item in value:
            yield from _leaves(item)
    elif isinstance(value, str):
        yield value


def _strings(message, name: str = ""):
    """(field name, text) for every string a protobuf message holds; a chart's or component's JSON by its values."""
    for field, value in message.ListFields():
        for item in value if field.is_repeated else [value]:
            if field.type == field.TYPE_MESSAGE:
                yield from _strings(item, field.name)
            elif field.type == field.TYPE_STRING and item[:1] in "{[":
                try:
                    yield from ((field.name, leaf) for leaf in _leaves(json.loads(item)))
                except ValueError:
                    yield field.name, item
            elif field.type == field.TYPE_STRING:
                yield field.name, item


def _rendered(app: AppTest) -> list[tuple[str, str]]:
    """(where, text) for everything the page shows: bodies, labels, help, options, charts, table headings and cells."""
    found = []
    for node in _walk(app._tree):
        proto, kind = getattr(node, "proto", None), getattr(node, "type", "")
        if proto is None:
            continue
        if kind in ("dataframe", "arrow_data_frame", "table"):
            frame = node.value
            found += [(f"{kind} cell", str(v)) for v in frame.to_numpy().ravel().tolist()]
            found += [(f"{kind} column", str(c)) for c in frame.columns]
        else:
            found += [(f"{kind}.{name}", text) for name, text in _strings(proto)]
    return found


@pytest.fixture(scope="module")
def school_pages(network_db: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """What the Network and Leadership pages show a school network's hub and a member school, tab by tab:
    {(user, screen, tab): [(where, text)]}."""
    path = tmp_path_factory.mktemp("school-pages") / "app.duckdb"
    shutil.copy(network_db, path)
    shown = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GOLDEN_THREAD_DB", str(path))
        st.cache_resource.clear()
        st.cache_data.clear()
        for user in ("hub", "eastbrook"):
            for screen, key in SCHOOL_SCREENS.items():
                app = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
                app.session_state["user"] = {"username": user, "display_name": user, "role": USERS[user]}
                app.run()
                app.switch_page(str(ROOT / "screens" / screen))
                app.run()
                for tab in [t.label for t in app.tabs]:  # only the open tab's content runs: open each
                    app.session_state[key] = tab
                    app.run()
                    assert not app.exception, f"{user} on {screen}, {tab}: {[e.value for e in app.exception]}"
                    shown[(user, screen, tab)] = _rendered(app)
        st.cache_resource.clear()
        st.cache_data.clear()
    store = Store(path)
    # A framework's own words are quoted as its authors published them (IHI's seven leverage points are a board's).
    quoted = [
        line.strip()
        for table, columns in (
            ("leadership_framework_version", ("title", "description", "source", "change_note")),
            ("leadership_section", ("title", "description", "challenges")),
            ("leadership_subsection", ("title", "description", "challenges")),
            ("leadership_item", ("title", "guidance")),
            ("leadership_scale_level", ("label",)),
        )
        for column in columns
        if column in store.columns(table)
        for text in store.table(table)[column].drop_nulls().to_list()
        for line in text.split("|")
    ]
    store.close()
    shown["quoted"] = sorted({q for q in quoted if q}, key=len, reverse=True)
    return shown


@pytest.mark.slow  # drives both pages, every tab, under AppTest
def test_a_school_user_reads_school_words_everywhere_on_the_network_and_leadership_pages(school_pages):
    quoted = school_pages["quoted"]
    leaks = []
    for (user, screen, tab), shown in ((k, v) for k, v in school_pages.items() if k != "quoted"):
        for where, text in shown:
            text = ESCAPED.sub(r"\1", text)
            for framework_text in quoted:
                text = text.replace(framework_text, "")
            leaks += [f"{user} · {screen} · {tab} · {where}: {text[:140]!r}" for _ in HEALTH_WORDS.findall(text)][:1]
    assert not leaks, "\n".join(leaks)
    tabs = {tab for user, screen, tab in (k for k in school_pages if k != "quoted") if screen == "leadership.py"}
    assert "Leadership team checklist" in tabs and "Board checklist" not in tabs
    picker = [t for w, t in school_pages[("hub", "leadership.py", "Radar and heat-map")] if w == "selectbox.options"]
    assert "Eastbrook High School" in picker and "Millbrook Academy (school)" in picker, picker


@pytest.mark.slow  # drives both pages, every tab, under AppTest
def test_no_label_on_the_network_and_leadership_pages_shows_a_markdown_escape(school_pages):
    labels = [
        (key, where, text)
        for key, shown in school_pages.items()
        if key != "quoted"
        for where, text in shown
        if where.endswith(".label")
    ]
    assert len(labels) > 50
    escaped = [f"{key} · {where}: {text!r}" for key, where, text in labels if ESCAPED.search(text)]
    assert not escaped, "\n".join(escaped)
    # The definitions' own words, as a screen reader reads the box's name.
    report = school_pages[("hub", "network.py", "Report data")]
    assert ("text_input.label", "Ninth-graders on track") in report, [t for w, t in report if w.endswith(".label")]


def _navigation(user: str, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The titles of the pages the app registers in its navigation (the sidebar's menu) for ``user``."""
    registered: list[str] = []
    navigation = st.navigation

    def recording(pages, *args, **kwargs):
        registered.extend(page.title for section in dict(pages).values() for page in section)
        return navigation(pages, *args, **kwargs)

    monkeypatch.setattr(st, "navigation", recording)
    app = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    app.session_state["user"] = {"username": user, "display_name": user, "role": USERS[user]}
    app.run()
    monkeypatch.setattr(st, "navigation", navigation)
    assert not app.exception, [e.value for e in app.exception]
    return registered


@pytest.mark.slow  # drives the entry under AppTest
def test_a_school_users_navigation_names_every_screen_in_school_words(app_db, monkeypatch):
    for user in ("eastbrook", "hub", "hubadmin"):
        titles = _navigation(user, monkeypatch)
        assert "Leadership team report" in titles and "Network" in titles, (user, titles)
        assert not [t for t in titles if HEALTH_WORDS.search(t)], (user, titles)
    assert "Board report" in _navigation("board", monkeypatch)  # a trust's board keeps its own words


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="Debian's chromium is not installed")
def test_in_a_browser_a_shared_tab_opens_and_each_box_is_named_as_typed(network_db, tmp_path):
    """What a screen reader reads: the accessible name of the report's boxes is the definition's own words."""
    from playwright.sync_api import sync_playwright

    from tests.test_browser import CHROMIUM, running_app, sign_in

    database = tmp_path / "app.duckdb"
    shutil.copy(network_db, database)
    with running_app(database, tmp_path) as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox"])
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.goto(f"{url}/network?network-tab=Report+data")  # a link to one tab, sent by a colleague
        sign_in(page, "hub")
        page.get_by_role("textbox", name="Ninth-graders on track", exact=True).wait_for(timeout=60_000)
        names = [box.get_attribute("aria-label") or "" for box in page.get_by_role("textbox").all()]
        assert "Ninth-graders enrolled on the last school day of the month" in names, names
        assert not [name for name in names if ESCAPED.search(name)], names
        page.get_by_role("tab", name="Member schools").click()  # the first tab: the link loses its ?network-tab
        page.get_by_role("heading", name="Member schools at a glance").wait_for(timeout=60_000)
        page.wait_for_selector("[data-testid='stVegaLiteChart'] svg.marks, canvas", timeout=60_000)
        page.wait_for_url(lambda url: "network-tab" not in url, timeout=60_000)
        assert not page.query_selector("[data-testid='stException']")
        browser.close()


def test_a_label_keeps_its_words_and_escapes_only_markup():
    from golden_thread.app.ui import label_text

    for typed in ("Ninth-graders on track", "Attendance (%) per 1,000 days", "Note: see_the 3.5 rule", "#1 - a > b"):
        assert label_text(typed) == typed
    for typed in (
        "**bold** _it_ `code` ~gone~ $x$",
        "[link](http://x.example) :red[alarm] :material/home: <b>x</b> &amp;",
        "- a list",
        "1. a numbered list",
        "# a heading",
        "> a quote",
        "back\\*slash",
        "www.example.com",
    ):
        escaped = label_text(typed)
        assert escaped != typed and ESCAPED.sub(r"\1", escaped) == typed, escaped
    assert label_text("**bold**") == "\\*\\*bold\\*\\*" and label_text("1. one") == "1\\. one"


# -- one organisation at a time --------------------------------------------------------------------------------------


@pytest.mark.slow
def test_each_organisation_reads_only_its_own_rows(network_db):
    store = Store(network_db)
    network = _network_id(store)
    tops = store.top_organisations()
    trust, schools = store.within(store.resolve_scope(1)), store.within(store.resolve_scope(network))
    today = DEMO_TODAY
    assert tops["name"].to_list() == ["Northfield Teaching Hospitals NHS Foundation Trust", NETWORK]
    assert (store.home_organisation("team"), store.home_organisation("eastbrook"), store.home_organisation("hub")) == (
        1,
        network,
        network,
    )
    assert store.home_network("eastbrook") == network and store.home_network("lead") is None
    assert trust.aims()["id"].to_list() == [1, 2, 3, 4, 5]
    assert set(schools.aims()["id"]) == set(
        store.local_aims(network)["aim_id"].filter(store.local_aims(network)["status"] == "active")
    ) | set(store.network_aims(network)["id"])
    assert trust.aims().height + schools.aims().height == store.aims().height
    assert trust.totals()["aims"] == 5 and schools.totals()["projects"] == 13
    assert trust.totals()["observations"] + schools.totals()["observations"] == store.totals()["observations"]
    assert trust.top_organisations()["id"].to_list() == [1] and schools.networks()["id"].to_list() == [network]
    assert trust.networks().height == 0 and schools.organisations()["id"].min() >= network
    rows = trust.thread_rows()
    assert rows["aims"].height == 5 and rows["projects"]["id"].max() < ID_BASE
    targets = schools.link_targets()
    assert targets.height and (targets["target_id"] > ID_BASE).all()
    found: dict[str, list[int]] = {}
    for rule, entity in check_thread(trust, today).select("rule", "entity_id").iter_rows():
        found.setdefault(rule, []).append(entity)
    assert {r: sorted(i) for r, i in found.items()} == {r: sorted(i) for r, i in (DEMO_BREAKS | FOCUS_BREAKS).items()}
    assert check_thread(schools, today).height == 6
    assert check_thread(store, today).height == check_thread(trust, today).height + 6
    store.close()


@pytest.mark.slow
def test_an_export_of_the_trust_and_network_imports_back_row_for_row(network_db, tmp_path):
    from golden_thread.storage.store import TABLES
    from golden_thread.storage.transfer import export_organisation, import_organisation

    source = Store(network_db)
    export_organisation(source, tmp_path / "export")
    target = Store(tmp_path / "imported.duckdb")
    import_organisation(target, tmp_path / "export")
    for table in ("local_aim", "member_measure", "network_membership", "organisation", "measure"):
        assert target.table(table).equals(source.table(table)), table
    assert {"local_aim", "member_measure"} <= set(TABLES)
    source.close()
    target.close()


@pytest.mark.slow
def test_the_network_board_shows_the_pooled_figure_the_network_page_shows(network_db):
    from golden_thread.services.board import live_board

    store = Store(network_db)
    network = store.within(store.choose_scope(NETWORK))
    board, _ = live_board(network, dt.date(2026, 10, 1), DEMO_TODAY)
    view = network_view(network, network.scope.organisation_id, DEMO_TODAY)
    aim = view.aim
    on_board = board.aims.filter(pl.col("aim_id") == aim["id"]).row(0, named=True)
    outcome = view.uniform.filter(pl.col("measure_type") == "outcome")["id"][0]
    pooled = view.summaries.filter(pl.col("id") == outcome).row(0, named=True)
    assert on_board["latest_value"] is not None, "the network aim reads 'No data' on its board"
    assert on_board["latest_value"] == pytest.approx(pooled["latest_value"], rel=1e-12)
    assert on_board["variation_icon"] == pooled["variation_icon"]
    # The trust's board in the same database shows none of the network's aims, and the reverse.
    trust_board, _ = live_board(store.within(store.resolve_scope(1)), dt.date(2026, 10, 1), DEMO_TODAY)
    assert set(trust_board.aims["aim_id"]).isdisjoint(board.aims["aim_id"])
    store.close()
