"""Building the thread in the app: objectives, aims, projects and measures created, edited, linked and retired;
every refusal (bad input, wrong role, stale save) leaves nothing changed; every flag has its mend."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from golden_thread.domain.access import ACTIONS
from golden_thread.domain.checks import RULES
from golden_thread.domain.mends import MENDS
from golden_thread.domain.records import check_record
from golden_thread.errors import PermissionRefused, Refused, StaleEdit
from golden_thread.services.checks import check_thread
from golden_thread.services.editing import create_aim, getting_started, opened_values, save_record
from golden_thread.services.mends import flag_mends
from screens.registry import SCREENS
from tests.conftest import DEMO_TODAY

AIM = {
    "title": "Fewer pressure ulcers",
    "statement": "Reduce category 2+ pressure ulcers from 1.2 to 0.6 per 1,000 bed days by March 2028 on adult wards",
    "population": "Adult inpatients",
    "baseline_value": 1.2,
    "baseline_period": "Apr 2025 to Mar 2026",
    "target_value": 0.6,
    "target_date": dt.date(2028, 3, 31),
    "responsible_leader": "Chief Nurse",
}
OUTCOME = {
    "name": "Pressure ulcers per 1,000 bed days",
    "definition": "Category 2 and above ulcers acquired in hospital",
    "numerator_definition": "Hospital-acquired category 2+ ulcers",
    "denominator_definition": "Occupied bed days",
    "data_source": "Datix",
    "owner": "Tissue viability lead",
    "frequency": "monthly",
    "chart_type": "u",
    "rules": "mdc",
    "improvement_direction": "decrease",
    "multiplier": 1000,
    "decimal_places": 2,
    "expected_lag_days": 30,
}
PROJECT = {"title": "Skin bundle on Ward 7", "team_id": 5, "lead": "Sam Jones", "status": "active"}


def _snapshot(store) -> dict[str, pl.DataFrame]:
    return {
        t: store.everything().table(t) for t in ("strategic_objective", "aim", "project", "project_link", "measure")
    }


def _unchanged(store, before: dict[str, pl.DataFrame], audit_rows: int) -> None:
    after = _snapshot(store)
    for table, frame in before.items():
        assert after[table].equals(frame), f"{table} changed"
    assert store.everything().table("audit_log").height == audit_rows


# -- the record descriptions --------------------------------------------------------------------------------------


def test_a_new_aim_must_be_smart_and_ahead_of_today():
    row, problems = check_record("aim", {**AIM, "target_date": dt.date(2026, 1, 1)}, today=DEMO_TODAY)
    assert problems == ["The target date 01 January 2026 has passed: a new aim needs a date still ahead of you."]
    _, problems = check_record("aim", {"title": "Better care"}, today=DEMO_TODAY)
    assert "Fill in “Aim statement”." in problems and "Fill in “Target”." in problems
    _, problems = check_record("aim", {**AIM, "target_value": 1.2}, today=DEMO_TODAY)
    assert problems == ["The target equals the baseline: say how much better the aim will make things."]
    # an existing aim whose date has passed can still be edited (its history is not rewritten)
    old = {**AIM, "target_date": dt.date(2025, 1, 1)}
    _, problems = check_record("aim", {"title": "Renamed"}, today=DEMO_TODAY, before=old)
    assert problems == []


def test_a_rate_measure_needs_its_numerator_and_denominator_defined():
    _, problems = check_record(
        "measure", {**OUTCOME, "measure_type": "process", "numerator_definition": ""}, today=DEMO_TODAY
    )
    assert problems == [
        "A u chart plots a numerator over a denominator: define the numerator (what is counted, from where)."
    ]
    _, problems = check_record(
        "measure", {**OUTCOME, "measure_type": "process", "decimal_places": 2.5, "multiplier": 0}, today=DEMO_TODAY
    )
    assert "“Decimal places” must be a whole number; 2.5 is not." in problems
    assert "“Multiplier” must be above 0." in problems


def test_a_project_cannot_end_before_it_starts_or_close_without_an_end():
    _, problems = check_record(
        "project",
        {**PROJECT, "start_date": dt.date(2026, 5, 1), "end_date": dt.date(2026, 4, 1)},
        today=DEMO_TODAY,
    )
    assert problems == ["The project ends (01 April 2026) before it starts (01 May 2026)."]
    _, problems = check_record(
        "project", {**PROJECT, "start_date": dt.date(2026, 5, 1), "status": "closed"}, today=DEMO_TODAY
    )
    assert problems == ["Give the date the project finished: a completed or closed project has an end date."]


# -- writes -------------------------------------------------------------------------------------------------------


def test_an_objective_aim_project_and_measure_are_built_and_audited(demo):
    objective = save_record(
        demo,
        "strategic_objective",
        {"title": "Harm-free care", "category": "Quality"},
        username="admin",
        today=DEMO_TODAY,
        placed={"organisation_id": 1},
    )
    aim, outcome = create_aim(demo, AIM, OUTCOME, objective_id=objective, username="lead", today=DEMO_TODAY)
    assert demo.record("aim", aim)["objective_id"] == objective
    assert demo.record("measure", outcome)["measure_type"] == "outcome"
    assert demo.record("measure", outcome)["aim_id"] == aim
    project = save_record(
        demo,
        "project",
        {**PROJECT, "start_date": DEMO_TODAY},
        username="team",  # a team member starts a project for their own team
        today=DEMO_TODAY,
        placed={"team_id": 5},
        link=("aim", aim),
    )
    assert demo.project_links(project).select("kind", "target_id", "is_primary").rows() == [("aim", aim, True)]
    measure = save_record(
        demo,
        "measure",
        {**OUTCOME, "name": "Skin checks done", "measure_type": "process", "chart_type": "p", "multiplier": 100},
        username="team",
        today=DEMO_TODAY,
        placed={"project_id": project},
    )
    assert demo.record("measure", measure)["project_id"] == project
    audit = demo.audit_log().tail(5)
    assert audit.select("username", "action", "entity_type").rows() == [
        ("admin", "add", "strategic_objective"),
        ("lead", "add", "aim"),
        ("lead", "add", "measure"),
        ("team", "add", "project"),
        ("team", "add", "measure"),
    ]
    # an edit records only what changed, before and after
    opened = opened_values(demo.record("aim", aim), "aim")
    save_record(demo, "aim", {"target_value": 0.5}, username="lead", today=DEMO_TODAY, record_id=aim, opened=opened)
    last = demo.audit_log().row(-1, named=True)
    assert (last["action"], last["before_json"], last["after_json"]) == (
        "edit",
        '{"target_value": 0.6}',
        '{"target_value": 0.5}',
    )


def test_refusals_leave_nothing_changed(demo):
    before, audit_rows = _snapshot(demo), demo.everything().table("audit_log").height
    attempts = [
        # bad input
        (
            Refused,
            lambda: create_aim(
                demo,
                {**AIM, "target_date": dt.date(2025, 1, 1)},
                OUTCOME,
                objective_id=1,
                username="lead",
                today=DEMO_TODAY,
            ),
        ),
        (
            Refused,
            lambda: create_aim(demo, AIM, {**OUTCOME, "name": ""}, objective_id=1, username="lead", today=DEMO_TODAY),
        ),
        (
            Refused,
            lambda: save_record(
                demo,
                "project",
                {**PROJECT, "start_date": DEMO_TODAY, "end_date": dt.date(2020, 1, 1)},
                username="lead",
                today=DEMO_TODAY,
                placed={"team_id": 5},
            ),
        ),
        (
            Refused,
            lambda: save_record(
                demo, "measure", {**OUTCOME, "measure_type": "process"}, username="lead", today=DEMO_TODAY
            ),
        ),  # attached to nothing
        # wrong role
        (PermissionRefused, lambda: create_aim(demo, AIM, OUTCOME, objective_id=1, username="team", today=DEMO_TODAY)),
        (
            PermissionRefused,
            lambda: save_record(
                demo,
                "strategic_objective",
                {"title": "Mine", "category": "Quality"},
                username="board",
                today=DEMO_TODAY,
                placed={"organisation_id": 1},
            ),
        ),
        (
            PermissionRefused,
            lambda: save_record(
                demo,
                "project",
                {**PROJECT, "team_id": 9, "start_date": DEMO_TODAY},
                username="team",
                today=DEMO_TODAY,
                placed={"team_id": 9},
            ),
        ),
        (
            PermissionRefused,
            lambda: save_record(
                demo,
                "project",
                {"title": "Taken over"},
                username="team",
                today=DEMO_TODAY,
                record_id=_other_teams_project(demo),
            ),
        ),
        (PermissionRefused, lambda: demo.unlink_project(1, "change_idea", 1, username="board", reason="x")),
        # a record outside the organisation
        (
            Refused,
            lambda: save_record(demo, "aim", {"title": "x"}, username="admin", today=DEMO_TODAY, record_id=999_999),
        ),
    ]
    for refusal, attempt in attempts:
        with pytest.raises(refusal):
            attempt()
        _unchanged(demo, before, audit_rows)


def _other_teams_project(store) -> int:
    teams = store.user_teams("team")
    return store.table("project").filter(~pl.col("team_id").is_in(list(teams)))["id"][0]


def test_a_stale_save_is_refused_with_who_changed_what(demo):
    opened = opened_values(demo.record("aim", 1), "aim")
    save_record(demo, "aim", {"target_value": 0.25}, username="lead", today=DEMO_TODAY, record_id=1, opened=opened)
    before, audit_rows = _snapshot(demo), demo.everything().table("audit_log").height
    with pytest.raises(StaleEdit) as stale:
        save_record(demo, "aim", {"title": "Mine"}, username="admin", today=DEMO_TODAY, record_id=1, opened=opened)
    message = stale.value.problems[0]
    assert message.startswith("Improvement lead (demo) (at ")
    assert "target value is now “0.25” (you opened “0.3”)" in message
    _unchanged(demo, before, audit_rows)


def test_links_are_added_moved_and_removed_and_the_flags_follow(demo):
    flags = check_thread(demo, DEMO_TODAY)
    orphan = flags.filter(pl.col("rule") == "orphan_project")["entity_id"][0]
    assert demo.link_project(orphan, "aim", 1, username="lead") == "primary"
    assert orphan not in check_thread(demo, DEMO_TODAY).filter(pl.col("rule") == "orphan_project")["entity_id"]
    # the last link goes only with a reason
    with pytest.raises(Refused, match="last link"):
        demo.unlink_project(orphan, "aim", 1, username="lead")
    demo.set_primary_link(orphan, "aim", 2, username="lead")  # the old one stays as "also"
    assert demo.project_links(orphan).select("target_id", "is_primary").sort("target_id").rows() == [
        (1, False),
        (2, True),
    ]
    demo.unlink_project(orphan, "aim", 2, username="lead", reason="Wrong aim")  # the other becomes primary
    assert demo.project_links(orphan).select("target_id", "is_primary").rows() == [(1, True)]
    # retiring the only aim it serves flags it; moving its link to an active aim clears the flag
    demo.set_status("aim", 1, "retired", username="admin", reason="Merged into aim 2")
    retired_flags = check_thread(demo, DEMO_TODAY).filter(pl.col("rule") == "project_serves_retired_aim")
    assert orphan in retired_flags["entity_id"]
    demo.set_primary_link(orphan, "aim", 2, username="lead", keep_old=False)
    assert (
        orphan not in check_thread(demo, DEMO_TODAY).filter(pl.col("rule") == "project_serves_retired_aim")["entity_id"]
    )
    actions = demo.audit_log().filter(pl.col("entity_key") == str(orphan))["action"].to_list()
    assert actions[-5:] == ["link", "primary_link", "unlink", "move_link"][-4:] or "move_link" in actions


def test_a_retired_measure_keeps_its_data_and_is_never_quiet(demo):
    quiet = check_thread(demo, DEMO_TODAY).filter(pl.col("rule") == "measure_gone_quiet")
    measure = quiet["entity_id"][0]
    points = demo.observations([measure]).height
    with pytest.raises(Refused, match="Say why"):
        demo.set_status("measure", measure, "retired", username="lead", reason=" ")
    demo.set_status("measure", measure, "retired", username="lead", reason="Replaced by the e-obs measure")
    assert demo.observations([measure]).height == points
    assert measure not in check_thread(demo, DEMO_TODAY).filter(pl.col("rule") == "measure_gone_quiet")["entity_id"]
    last = demo.audit_log().row(-1, named=True)
    assert (last["action"], last["reason"]) == ("retire", "Replaced by the e-obs measure")


def test_an_objective_with_active_aims_cannot_be_retired(demo):
    with pytest.raises(Refused, match="Retire or move its active aims first"):
        demo.set_status("strategic_objective", 1, "retired", username="admin", reason="Old strategy")


# -- every flag has its mend --------------------------------------------------------------------------------------


def test_every_rule_has_a_mend_on_a_screen_that_exists():
    urls = {screen.url for screen in SCREENS}
    assert set(MENDS) == set(RULES)
    for rule, mends in MENDS.items():
        assert mends, rule
        for mend in mends:
            assert mend.screen in urls, (rule, mend.screen)
            assert mend.action in ACTIONS, (rule, mend.action)
            assert mend.needs() <= {"id", "diagram_id", "node_key", "network_id", "member_id"}, rule


def test_each_flag_is_placed_on_its_record(demo):
    flags = check_thread(demo, DEMO_TODAY)
    mends = flag_mends(demo, flags)
    orphan = flags.filter(pl.col("rule") == "orphan_project").row(0, named=True)
    (placed,) = mends[("orphan_project", orphan["entity_id"])]
    assert placed.query == {"record": "project", "id": str(orphan["entity_id"]), "part": "links"}  # on its links
    assert placed.team_id == demo.project_team(orphan["entity_id"])
    driver = flags.filter(pl.col("rule") == "driver_without_change_idea").row(0, named=True)
    (placed,) = mends[("driver_without_change_idea", driver["entity_id"])]
    stored = demo.table("driver").filter(pl.col("id") == driver["entity_id"]).row(0, named=True)
    assert placed.query["add_idea_to"] == stored["node_key"]
    assert placed.query["diagram"].isdigit()


def test_an_empty_organisation_is_guided_step_by_step(store):
    from golden_thread.storage.accounts import operator_save_account

    store.insert_tables(
        {
            "organisation": pl.DataFrame(
                {"id": [1], "name": ["St Elsewhere"], "kind": ["trust"], "vocabulary": ["health"]}
            )
        }
    )
    operator_save_account(store, "chief", "Chief", "administrator", 1, "a long password 1")
    db = store.within(store.choose_scope(None))
    assert [step.done for step in getting_started(db)] == [False] * 5
    objective = save_record(
        db,
        "strategic_objective",
        {"title": "Safe care", "category": "Quality"},
        username="chief",
        today=DEMO_TODAY,
        placed={"organisation_id": 1},
    )
    assert [step.done for step in getting_started(db)] == [True, False, False, False, False]
    create_aim(db, AIM, OUTCOME, objective_id=objective, username="chief", today=DEMO_TODAY)
    assert [step.done for step in getting_started(db)] == [True, True, False, False, False]


def test_migration_9_keeps_every_measure_and_its_data_and_lets_a_measure_be_edited(tmp_path):
    """A version-8 file's measures, data, phases, exclusions and annotations come through the rebuild unchanged, and
    a measure with data can then be retired (DuckDB refused it under the old CHECK)."""
    import duckdb

    from golden_thread.storage.schema import LATEST_VERSION, MIGRATIONS
    from golden_thread.storage.store import Store

    path = tmp_path / "v8.duckdb"
    old = duckdb.connect(str(path))
    old.execute(
        "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, description VARCHAR NOT NULL, "
        "applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp)"
    )
    for version, description, sql in MIGRATIONS[:8]:
        old.execute(sql)
        old.execute("INSERT INTO schema_version (version, description) VALUES (?, ?)", [version, description])
    old.execute("INSERT INTO organisation (id, name, kind) VALUES (1, 'Old Trust', 'trust')")
    old.execute(
        "INSERT INTO app_user (username, display_name, role, organisation_id) VALUES ('chief', 'C', 'administrator', 1)"
    )
    old.execute("INSERT INTO strategic_objective (id, organisation_id, title, category) VALUES (1, 1, 'O', 'Quality')")
    old.execute("INSERT INTO aim (id, objective_id, title) VALUES (1, 1, 'A')")
    old.execute(
        "INSERT INTO measure (id, name, measure_type, aim_id, frequency, chart_type, unit) "
        "VALUES (1, 'Falls', 'outcome', 1, 'monthly', 'c', 'falls')"
    )
    old.execute(
        "INSERT INTO observation (measure_id, period_start, value, note) VALUES "
        "(1, DATE '2026-01-01', 4, 'audited'), (1, DATE '2026-02-01', 6, NULL)"
    )
    old.execute("INSERT INTO chart_phase (measure_id, starts_on, reason) VALUES (1, DATE '2026-02-01', 'New ward')")
    old.execute(
        "INSERT INTO point_exclusion (measure_id, period_start, reason) VALUES (1, DATE '2026-01-01', 'Outage')"
    )
    old.execute("INSERT INTO annotation (id, measure_id, on_date, text) VALUES (1, 1, DATE '2026-01-15', 'Go-live')")
    old.execute(
        "INSERT INTO organisation (id, name, kind, parent_id) VALUES (2, 'Ward 1', 'team', 1), (3, 'Ward 2', 'team', 1)"
    )
    old.execute("INSERT INTO project (id, team_id, title, status) VALUES (1, 2, 'Safer nights', 'active')")
    old.execute("INSERT INTO project_link (project_id, is_primary, aim_id) VALUES (1, true, 1)")
    old.execute(
        "INSERT INTO pdsa_cycle (id, project_id, title, start_date) VALUES (1, 1, 'First', DATE '2026-01-05'), "
        "(2, 1, 'Second', DATE '2026-02-02')"
    )
    old.execute("UPDATE pdsa_cycle SET builds_on_id = 1 WHERE id = 2")
    tables = ("measure", "observation", "chart_phase", "annotation", "project", "project_link", "pdsa_cycle")
    before = {t: old.sql(f"SELECT * FROM {t}").pl() for t in tables}
    old.close()

    store = Store(path)
    assert store.schema_version() == LATEST_VERSION
    for table, frame in before.items():
        assert store.table(table).equals(frame), table
    store.update_record("measure", 1, {"status": "retired"}, username="chief", opened=None)
    assert store.record("measure", 1)["status"] == "retired"
    # a project with a link and a ramp of cycles passes to another team (DuckDB refused it under the old keys)
    store.update_record("project", 1, {"team_id": 3}, username="chief", opened=None)
    assert store.record("project", 1)["team_id"] == 3
    with pytest.raises(Refused, match="exactly one of an aim, a driver or a project"):
        store.insert_tables(
            {
                "measure": pl.DataFrame(
                    {
                        "id": [2],
                        "name": ["Orphan"],
                        "measure_type": ["process"],
                        "frequency": ["monthly"],
                        "chart_type": ["run"],
                    }
                )
            }
        )
    store.close()


def test_an_account_changed_by_another_administrator_is_not_overwritten_unseen(demo):
    opened = {k: demo.user("team")[k] for k in ("display_name", "role", "organisation_id", "active")}
    demo.save_user("team", "Jo Bennett", "improvement_lead", opened["organisation_id"], None, username="admin")
    before = demo.everything().table("app_user")
    with pytest.raises(StaleEdit, match="role is now “improvement_lead” \\(you opened “team_member”\\)"):
        demo.save_user(
            "team",
            opened["display_name"],
            "team_member",
            opened["organisation_id"],
            None,
            username="admin",
            active=False,
            opened=opened,
        )
    assert demo.everything().table("app_user").equals(before)


def test_a_retired_aims_drivers_and_ideas_are_no_longer_offered_and_links_into_them_are_marked(demo):
    linked = demo.table("project_link").filter(pl.col("change_idea_id").is_not_null())
    ideas = demo.link_targets().filter(pl.col("kind") == "change_idea")
    idea = ideas.filter(pl.col("target_id").is_in(linked["change_idea_id"].to_list())).row(0, named=True)
    project = linked.filter(pl.col("change_idea_id") == idea["target_id"])["project_id"][0]
    aim_id = demo.aims().filter(pl.col("title") == idea["aim"])["id"][0]
    assert not demo.project_links(project)["retired"].any()
    demo.set_status("aim", aim_id, "retired", username="admin", reason="Achieved and sustained")
    assert idea["aim"] not in demo.link_targets()["aim"].to_list()
    links = demo.project_links(project).filter(pl.col("target_id") == idea["target_id"])
    assert links["retired"].to_list() == [True]
