"""Breaks in the golden thread: the demo's deliberate breaks are found exactly, by function and by CLI."""

from __future__ import annotations

import datetime as dt
import json

import polars as pl

from golden_thread.cli import main
from golden_thread.domain.checks import RULES
from golden_thread.seed.demo import DEMO_BREAKS, build_demo_trust
from golden_thread.services.checks import check_thread
from golden_thread.storage.store import Store
from tests.conftest import DEMO_TODAY


def _by_rule(flags: list[dict]) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for flag in flags:
        found.setdefault(flag["rule"], []).append(flag["entity_id"])
    return {rule: sorted(ids) for rule, ids in found.items()}


def test_the_demo_trust_yields_exactly_its_deliberate_breaks(demo_db):
    build_demo_trust(DEMO_TODAY)
    store = Store(demo_db)
    flags = check_thread(store, DEMO_TODAY)
    store.close()
    assert _by_rule(flags.to_dicts()) == {rule: sorted(ids) for rule, ids in DEMO_BREAKS.items()}
    assert set(flags["severity"]) <= {"error", "warning", "info"}
    assert flags.filter(pl.col("rule") == "orphan_project")["message"][0] == RULES["orphan_project"].explanation


def test_the_cli_lists_the_same_flags_as_json_and_exits_1_on_an_error(demo_db, capsys):
    build_demo_trust(DEMO_TODAY)
    code = main(["check", "--db", str(demo_db), "--format", "json", "--today", DEMO_TODAY.isoformat()])
    flags = json.loads(capsys.readouterr().out)
    assert code == 1
    assert _by_rule(flags) == {rule: sorted(ids) for rule, ids in DEMO_BREAKS.items()}
    assert {"rule", "severity", "entity_type", "entity_id", "title", "message"} <= set(flags[0])


def _small_trust() -> dict[str, pl.DataFrame]:
    """One aim with no target, one with an outcome but no balancing measure, a link into a retired version."""
    return {
        "organisation": pl.DataFrame(
            {"id": [1, 2], "name": ["Trust", "Ward"], "kind": ["trust", "team"], "parent_id": [None, 1]}
        ),
        "strategic_objective": pl.DataFrame(
            {"id": [1], "organisation_id": [1], "title": ["Safe"], "category": ["Quality"]}
        ),
        "aim": pl.DataFrame(
            {
                "id": [1, 2],
                "objective_id": [1, 1],
                "title": ["Vague aim", "Measured aim"],
                "target_value": [None, 5.0],
                "target_date": [None, dt.date(2027, 3, 31)],
            }
        ),
        "driver_diagram": pl.DataFrame({"id": [1], "aim_id": [2], "title": ["DD"]}),
        "driver_diagram_version": pl.DataFrame(
            {
                "id": [1, 2],
                "diagram_id": [1, 1],
                "version_number": [1, 2],
                "effective_from": [dt.date(2025, 1, 1), dt.date(2026, 1, 1)],
                "status": ["retired", "active"],
            }
        ),
        "driver": pl.DataFrame(
            {
                "id": [1, 2],
                "version_id": [1, 2],
                "node_key": ["P1", "P1"],
                "level": ["primary", "primary"],
                "title": ["Old wording", "New wording"],
            }
        ),
        "change_idea": pl.DataFrame({"id": [1], "version_id": [2], "node_key": ["C1"], "title": ["Huddle"]}),
        "change_idea_driver": pl.DataFrame({"change_idea_id": [1], "driver_id": [2]}),
        "project": pl.DataFrame(
            {
                "id": [1, 2],
                "team_id": [2, 2],
                "title": ["Linked to old", "Serves aim 1"],
                "status": ["active", "active"],
            }
        ),
        "project_link": pl.DataFrame(
            {
                "project_id": [1, 2],
                "is_primary": [True, True],
                "aim_id": [None, 1],
                "driver_id": [1, None],
                "change_idea_id": [None, None],
            }
        ),
        "pdsa_cycle": pl.DataFrame(
            {
                "id": [1, 2],
                "project_id": [1, 2],
                "change_idea_id": [1, None],
                "title": ["Test huddle", "Test"],
                "prediction": ["80%", "70%"],
                "study_notes": ["ok", "ok"],
                "act_decision": ["adopt", "adapt"],
                "start_date": [dt.date(2026, 11, 1)] * 2,
                "end_date": [dt.date(2026, 11, 10)] * 2,
            }
        ),
        "measure": pl.DataFrame(
            {
                "id": [1, 2, 3],
                "name": ["Outcome", "Project measure", "Project measure 2"],
                "measure_type": ["outcome", "process", "process"],
                "aim_id": [2, None, None],
                "project_id": [None, 1, 2],
                "frequency": ["monthly"] * 3,
                "chart_type": ["xmr"] * 3,
            }
        ),
        "observation": pl.DataFrame(
            {"measure_id": [1, 2, 3], "period_start": [dt.date(2026, 10, 1)] * 3, "value": [1.0, 2.0, 3.0]}
        ),
    }


def test_a_small_trust_with_known_breaks_yields_exactly_those(tmp_path):
    store = Store(tmp_path / "small.duckdb")
    store.insert_tables(_small_trust())
    flags = check_thread(store, dt.date(2026, 11, 23))
    store.close()
    assert _by_rule(flags.to_dicts()) == {
        "aim_not_smart": [1],
        "outcome_without_balancing": [2],
        "link_to_retired_version": [1],
    }
