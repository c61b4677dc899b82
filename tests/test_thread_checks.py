"""Breaks in the golden thread: the demo's deliberate breaks are found exactly, by function and by CLI."""

from __future__ import annotations

import datetime as dt
import json

import polars as pl

from golden_thread.cli import main
from golden_thread.domain.checks import RULES
from golden_thread.seed.demo import DEMO_BREAKS, build_demo_trust
from golden_thread.seed.focus_demo import FOCUS_BREAKS
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
    assert _by_rule(flags.to_dicts()) == {rule: sorted(ids) for rule, ids in (DEMO_BREAKS | FOCUS_BREAKS).items()}
    assert set(flags["severity"]) <= {"error", "warning", "info"}
    assert flags.filter(pl.col("rule") == "orphan_project")["message"][0] == RULES["orphan_project"].explanation


def test_the_cli_lists_the_same_flags_as_json_and_exits_1_on_an_error(demo_db, capsys):
    build_demo_trust(DEMO_TODAY)
    code = main(["check", "--db", str(demo_db), "--format", "json", "--today", DEMO_TODAY.isoformat()])
    flags = json.loads(capsys.readouterr().out)
    assert code == 1
    assert _by_rule(flags) == {rule: sorted(ids) for rule, ids in (DEMO_BREAKS | FOCUS_BREAKS).items()}
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


# -- the rules as a committee judges them: one test per decision written in a rule's explanation -----------------


def _found(store: Store, rule: str, today: dt.date) -> list[int]:
    from golden_thread.domain.checks import QUIET_GRACE_PERIODS, STALE_PROJECT_DAYS

    rows = store.thread_breaks(
        today, stale_days=STALE_PROJECT_DAYS, quiet_grace_periods=QUIET_GRACE_PERIODS, rules=[RULES[rule]]
    )
    return sorted(rows["entity_id"])


def _trust(tmp_path, projects: dict, **tables: pl.DataFrame) -> Store:
    """A trust (1) with one ward (2) and an aim (1) its projects may link to, plus ``tables``."""
    store = Store(tmp_path / "trust.duckdb")
    frames = {
        "organisation": pl.DataFrame(
            {"id": [1, 2], "name": ["Trust", "Ward"], "kind": ["trust", "team"], "parent_id": [None, 1]}
        ),
        "strategic_objective": pl.DataFrame(
            {"id": [1], "organisation_id": [1], "title": ["Safe"], "category": ["Quality"]}
        ),
        "aim": pl.DataFrame({"id": [1], "objective_id": [1], "title": ["An aim"]}),
        "project": pl.DataFrame({"team_id": 2, **projects}).with_columns(pl.col("team_id").cast(pl.Int64)),
        **tables,
    }
    store.insert_tables(frames)
    return store


def _cycles(*rows: tuple[int, int, dt.date]) -> pl.DataFrame:
    """PDSA cycles (id, project, start), each with a prediction and its Study and Act."""
    return pl.DataFrame(
        {
            "id": [r[0] for r in rows],
            "project_id": [r[1] for r in rows],
            "title": [f"Cycle {r[0]}" for r in rows],
            "prediction": ["70%"] * len(rows),
            "study_notes": ["ok"] * len(rows),
            "act_decision": ["adopt"] * len(rows),
            "start_date": [r[2] for r in rows],
        }
    )


def test_a_project_is_stale_only_60_days_after_its_start_or_its_last_cycle(tmp_path):
    started = dt.date(2026, 9, 1)
    store = _trust(
        tmp_path,
        {
            "id": [1, 2, 3],
            "title": ["Just started, no cycle yet", "Started long ago, cycled lately", "No start date"],
            "status": ["active"] * 3,
            "start_date": [started, dt.date(2025, 1, 1), None],
        },
        pdsa_cycle=_cycles((1, 2, dt.date(2026, 10, 1)), (2, 3, dt.date(2026, 1, 5)), (3, 3, started)),
    )
    # A new project with no cycle is not stale on its first day, nor on its 60th...
    assert _found(store, "stale_project", started) == []
    assert _found(store, "stale_project", started + dt.timedelta(days=60)) == []
    # ...but on its 61st; without a start date, its last cycle dates a project (here the same day).
    assert _found(store, "stale_project", started + dt.timedelta(days=61)) == [1, 3]
    # A project started long ago is judged from its last cycle (1 October): 60 days on, it is not yet stale.
    assert _found(store, "stale_project", dt.date(2026, 11, 30)) == [1, 3]
    assert _found(store, "stale_project", dt.date(2026, 12, 1)) == [1, 2, 3]
    store.close()


def test_a_project_with_no_start_date_and_no_cycle_is_dated_by_the_day_it_was_added_or_not_judged(tmp_path):
    added = dt.datetime(2026, 6, 1, 9, 30)
    store = _trust(
        tmp_path,
        {"id": [1, 2], "title": ["Added in June", "Nothing dates it"], "status": ["active", "active"]},
        audit_log=pl.DataFrame(
            {
                "id": [1, 2],
                "occurred_at": [added, added + dt.timedelta(days=90)],
                "username": ["lead", "lead"],
                "action": ["add", "change"],
                "entity_type": ["project", "project"],
                "entity_key": ["1", "2"],  # project 2 was changed, never added here: no date to judge it by
                "organisation_id": [1, 1],
            }
        ),
    )
    assert _found(store, "stale_project", dt.date(2026, 7, 31)) == []
    assert _found(store, "stale_project", dt.date(2026, 8, 1)) == [1]
    assert _found(store, "stale_project", dt.date(2030, 1, 1)) == [1]
    assert "not judged" in RULES["stale_project"].explanation and "start date" in RULES["stale_project"].explanation
    store.close()


def _measures(*rows: tuple) -> pl.DataFrame:
    """Measures (id, project, frequency, status[, aim]): process measures of a project, or an aim's outcome."""
    return pl.DataFrame(
        {
            "id": [r[0] for r in rows],
            "name": [f"Measure {r[0]}" for r in rows],
            "measure_type": ["process" if r[1] is not None else "outcome" for r in rows],
            "aim_id": [r[4] if len(r) > 4 else None for r in rows],
            "project_id": [r[1] for r in rows],
            "frequency": [r[2] for r in rows],
            "chart_type": ["xmr"] * len(rows),
            "status": [r[3] for r in rows],
            "expected_lag_days": [30 if r[2] == "monthly" else 7 for r in rows],
        },
        schema_overrides={"aim_id": pl.Int64, "project_id": pl.Int64},
    )


def test_a_measure_that_never_reported_is_flagged_once_its_first_period_is_due(tmp_path):
    store = _trust(
        tmp_path,
        {
            "id": [1, 2],
            "title": ["Started mid-September", "Started on a Wednesday"],
            "status": ["active", "active"],
            "start_date": [dt.date(2026, 9, 15), dt.date(2026, 10, 14)],
        },
        measure=_measures((1, 1, "monthly", "active"), (2, 2, "weekly", "active")),
    )
    # The weekly one's first period is the week of Monday 12 October: due a week later plus 7 days' lag (26 October).
    assert _found(store, "measure_gone_quiet", dt.date(2026, 10, 26)) == []
    assert _found(store, "measure_gone_quiet", dt.date(2026, 10, 27)) == [2]
    # The monthly one's is September: due at the end of September plus 30 days' lag (31 October).
    assert _found(store, "measure_gone_quiet", dt.date(2026, 10, 31)) == [2]
    assert _found(store, "measure_gone_quiet", dt.date(2026, 11, 1)) == [1, 2]
    assert "never reported" in RULES["measure_gone_quiet"].explanation
    store.close()


def test_an_aim_measure_is_dated_by_the_aims_adoption_and_a_measure_nothing_dates_is_not_judged(tmp_path):
    store = Store(tmp_path / "aims.duckdb")
    store.insert_tables(
        {
            "organisation": pl.DataFrame({"id": [1], "name": ["Trust"], "kind": ["trust"]}),
            "strategic_objective": pl.DataFrame(
                {"id": [1], "organisation_id": [1], "title": ["Safe"], "category": ["Quality"]}
            ),
            "aim": pl.DataFrame(
                {
                    "id": [1, 2],
                    "objective_id": [1, 1],
                    "title": ["Adopted", "Undated"],
                    "adopted_on": [dt.date(2026, 3, 1), None],
                }
            ),
            "measure": _measures((1, None, "monthly", "active", 1), (2, None, "monthly", "active", 2)),
        }
    )
    # Adopted in March: its first figure (March's) is due at the end of March plus 30 days' lag (1 May).
    assert _found(store, "measure_gone_quiet", dt.date(2026, 5, 1)) == []
    assert _found(store, "measure_gone_quiet", dt.date(2026, 5, 2)) == [1]
    assert _found(store, "measure_gone_quiet", dt.date(2030, 1, 1)) == [1]
    store.close()


def test_a_retired_measure_is_never_gone_quiet(tmp_path):
    store = _trust(
        tmp_path,
        {"id": [1], "title": ["Long running"], "status": ["active"], "start_date": [dt.date(2024, 1, 1)]},
        measure=_measures((1, 1, "monthly", "retired"), (2, 1, "monthly", "retired"), (3, 1, "monthly", "active")),
        observation=pl.DataFrame(
            {"measure_id": [1, 3], "period_start": [dt.date(2024, 6, 1)] * 2, "value": [1.0, 2.0]}
        ),
    )
    # Retired with old data, retired with none: neither is quiet; the active one with old data is.
    assert _found(store, "measure_gone_quiet", dt.date(2026, 11, 23)) == [3]
    assert "retired measure is never quiet" in RULES["measure_gone_quiet"].explanation
    store.close()


def test_completed_and_closed_projects_are_judged_alike_by_every_rule(tmp_path):
    """A finished project (completed or closed) is no orphan, needs no measure, is not stale, and its measure is
    not expected to report; the same project in planning or on hold is judged as before."""
    store = _trust(
        tmp_path,
        {
            "id": [1, 2, 3, 4],
            "title": ["Completed", "Closed", "Planning", "On hold"],
            "status": ["completed", "closed", "planning", "on_hold"],
            "start_date": [dt.date(2024, 1, 1)] * 4,
        },
        measure=_measures((1, 1, "monthly", "active"), (2, 2, "monthly", "active")),
    )
    today = dt.date(2026, 11, 23)
    flags = check_thread(store, today)
    finished = flags.filter(pl.col("entity_type").is_in(["project", "measure"]) & (pl.col("entity_id") <= 2))
    assert finished.height == 0, finished
    assert _found(store, "orphan_project", today) == [3, 4]
    assert _found(store, "project_without_measure", today) == [3, 4]
    for rule in ("orphan_project", "project_without_measure", "measure_gone_quiet"):
        assert "completed or closed" in RULES[rule].explanation, rule
    store.close()
