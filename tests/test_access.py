"""Roles are enforced where data is written: every write function refuses a board viewer, team members change
only their own team's work, and a correction against figures someone else has changed is refused."""

from __future__ import annotations

import datetime as dt
import inspect

import polars as pl
import pytest

from golden_thread.domain import leadership as lp
from golden_thread.domain.leadership_frameworks import FIVE_ACTIONS, HUB_RUBRIC
from golden_thread.domain.observations import ProposedObservation
from golden_thread.domain.pdsa import ProposedCycle
from golden_thread.errors import PermissionRefused, Refused, StaleEdit
from golden_thread.storage.store import Store
from tests.conftest import DEMO_TODAY

SYSTEM_WRITES = {"insert_tables", "migrate", "check_rows"}  # the CLI and loaders: whoever runs the machine


def _writes() -> dict[str, object]:
    """Every Store method that opens a write transaction, found from the source so a new one cannot slip by."""
    sources = {
        name: inspect.getsource(inspect.unwrap(method))
        for name, method in inspect.getmembers(Store, inspect.isfunction)
    }
    # A private helper that opens a transaction makes every public method calling it a write too.
    writing = {"_transaction"} | {
        name for name, source in sources.items() if name.startswith("_") and "self._transaction()" in source
    }
    return {
        name: getattr(Store, name)
        for name, source in sources.items()
        if not name.startswith("_")
        and name not in SYSTEM_WRITES
        and any(f"self.{helper}(" in source for helper in writing)
    }


def test_every_write_function_is_guarded():
    writes = _writes()
    assert len(writes) >= 10
    unguarded = [name for name, method in writes.items() if not hasattr(method, "action")]
    assert unguarded == []


def _attempt(store: Store, name: str, username: str):
    """Call one write as ``username`` with arguments that would otherwise succeed."""
    period = dt.date(2026, 10, 1)
    calls = {
        "save_observation": lambda: store.save_observation(
            1,
            ProposedObservation(period, numerator="3", denominator="9000"),
            username=username,
            today=DEMO_TODAY,
            correcting=True,
        ),
        "commit_import": lambda: store.commit_import(_plan(store), username=username, filename="x.csv"),
        "add_phase": lambda: store.add_phase(1, dt.date(2026, 1, 1), "Reason", username=username),
        "remove_phase": lambda: store.remove_phase(1, dt.date(2026, 1, 1), "Reason", username=username),
        "exclude_point": lambda: store.exclude_point(1, period, "Reason", username=username),
        "include_point": lambda: store.include_point(1, period, "Reason", username=username),
        "publish_board": lambda: store.publish_board(
            period, {"aims": "[]", "measures": "[]", "points": "[]"}, username=username
        ),
        "link_project": lambda: store.link_project(22, "aim", 1, username=username),
        "unlink_project": lambda: store.unlink_project(1, "change_idea", 1, username=username, reason="Moved"),
        "set_primary_link": lambda: store.set_primary_link(22, "aim", 1, username=username),
        "create_record": lambda: store.create_record(
            "strategic_objective", {"title": "New", "category": "Quality", "organisation_id": 1}, username=username
        ),
        "update_record": lambda: store.update_record(
            "strategic_objective", 1, {"title": "Renamed"}, username=username, opened=None
        ),
        "create_organisation": lambda: store.create_organisation("New Trust", "trust", username=username),
        "create_aim": lambda: store.create_aim(
            {"title": "New aim", "objective_id": 1},
            {"name": "M", "frequency": "monthly", "chart_type": "xmr", "definition": "D"},
            username=username,
        ),
        "log_pdsa_cycle": lambda: store.log_pdsa_cycle(
            1, ProposedCycle("Test", DEMO_TODAY, prediction="Most will"), username=username, today=DEMO_TODAY
        ),
        "record_pdsa_stage": lambda: store.record_pdsa_stage(
            1, "do", {"do_notes": "Done"}, username=username, today=DEMO_TODAY, opened=None
        ),
        "save_user": lambda: store.save_user(
            "new.person", "New Person", "board_viewer", 1, "a long password 1", username=username
        ),
        "save_assessment": lambda: store.save_assessment(_assessment(store), username=username, today=DEMO_TODAY),
        "add_framework": lambda: store.add_framework(
            {
                "title": "Our rubric",
                "scale": [{"level": 1, "label": "Not yet"}, {"level": 2, "label": "Yes"}],
                "sections": [{"title": "Connections", "items": [{"title": "Build trust"}]}],
            },
            username=username,
            today=DEMO_TODAY,
        ),
        "save_framework_version": lambda: store.save_framework_version(
            1,
            lp.version_spec(store.framework_version(store.active_version_id(HUB_RUBRIC))),
            "Reworded",
            username=username,
            today=DEMO_TODAY,
        ),
        "set_framework_status": lambda: store.set_framework_status(1, "retired", "Replaced", username=username),
        # A huddle at the demo's Ward 7 focus board (focus_queries.py).
        "record_huddle": lambda: store.record_huddle(
            1, {"held_on": DEMO_TODAY, "attendees": "Sister Okafor", "ran_to_time": True}, [], [], username=username
        ),
        # Driver diagrams (diagram_queries.py): a new version of the falls diagram, and a first diagram for an aim.
        "publish_diagram_version": lambda: store.publish_diagram_version(
            1,
            store.diagram_draft(1)[0].rename("A1-P1", "New wording"),
            "Reworded",
            username=username,
            today=DEMO_TODAY,
            opened_version=2,
        ),
        "create_driver_diagram": lambda: store.create_driver_diagram(
            1, "A second diagram", store.diagram_draft(1)[0], "First version", username=username, today=DEMO_TODAY
        ),
        # The network's writes (store_network.py): the role check comes before any look-up of the network.
        "new_diagram_version": lambda: store.new_diagram_version(
            1, "Reworded", username=username, today=DEMO_TODAY, rename={"A1-P1": "New wording"}
        ),
        "update_network_aim": lambda: store.update_network_aim(
            1, statement="Aim", target_value=1.0, target_date=None, username=username
        ),
        "add_uniform_measure": lambda: store.add_uniform_measure(
            1,
            name="M",
            measure_type="outcome",
            chart_type="xmr",
            direction="increase",
            definition="D",
            username=username,
        ),
        "record_membership": lambda: store.record_membership(1, 2, joined_on=DEMO_TODAY, username=username),
        "set_vocabulary": lambda: store.set_vocabulary(1, "education", username=username),
        "save_local_aim": lambda: store.save_local_aim(
            1,
            2,
            title="Local",
            statement="Local aim",
            baseline_value=1.0,
            target_value=2.0,
            target_date=DEMO_TODAY,
            username=username,
        ),
        "save_member_observation": lambda: store.save_member_observation(
            48, ProposedObservation(period, numerator="3", denominator="9"), username=username, today=DEMO_TODAY
        ),
    }
    return calls[name]()


def _assessment(store: Store):
    """A self-assessment for Ward 7 (the demo team member's own team) of one behavioural-action practice."""
    fv = store.framework_version(store.active_version_id(FIVE_ACTIONS))
    return lp.ProposedAssessment(
        version_id=fv.id,
        organisation_id=5,
        subject="self",
        person="Jo Bennett",
        assessed_on=DEMO_TODAY,
        raters=(),
        ratings={(fv.items["id"][0], "Jo Bennett"): 2},
    )


def _plan(store: Store):
    from golden_thread.domain.observation_import import plan_import, read_observation_file

    measure = store.measure(1)
    rows = read_observation_file(b"period_start,numerator,denominator\n2026-10-01,3,9000\n", "x.csv")
    return plan_import(measure, rows, store.observations([1]), DEMO_TODAY)


def _fingerprint(store: Store) -> dict[str, int]:
    return {
        table: store.table(table).height
        for table in (
            "observation",
            "chart_phase",
            "point_exclusion",
            "board_snapshot",
            "project_link",
            "pdsa_cycle",
            "app_user",
            "audit_log",
            "leadership_assessment",
            "leadership_framework_version",
            "huddle",
        )
    }


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(_writes()))
def test_a_board_viewer_is_refused_by_every_write_and_nothing_changes(demo, name):
    before = _fingerprint(demo)
    with pytest.raises(PermissionRefused) as refused:
        _attempt(demo, name, "board")
    assert "Board viewers cannot" in str(refused.value) and "Nothing was changed" in str(refused.value)
    assert _fingerprint(demo) == before


@pytest.mark.slow
def test_unknown_and_deactivated_users_are_refused(demo):
    with pytest.raises(PermissionRefused, match="not an active user"):
        _attempt(demo, "link_project", "somebody")
    demo.save_user("board", "Board member (demo)", "board_viewer", 1, None, active=False, username="admin")
    with pytest.raises(PermissionRefused, match="not an active user"):
        _attempt(demo, "save_observation", "board")


@pytest.mark.slow
def test_a_team_member_changes_only_their_own_teams_work(demo):
    team = demo.user_teams("team")
    own = demo._query(
        "SELECT m.id FROM measure m JOIN project p ON p.id = m.project_id "
        "WHERE p.team_id IN (SELECT unnest(?)) ORDER BY m.id",
        [list(team)],
    )["id"]
    other = demo._query(
        "SELECT m.id FROM measure m JOIN project p ON p.id = m.project_id "
        "WHERE p.team_id NOT IN (SELECT unnest(?)) ORDER BY m.id",
        [list(team)],
    )["id"]
    assert own.len() and other.len()
    last = demo.observations([own[0]])["period_start"].max()
    stored = demo.observations([own[0]]).filter(pl.col("period_start") == last).row(0, named=True)
    figures = (
        {"value": str(stored["value"] + 1)}
        if stored["value"] is not None
        else {"numerator": str(stored["numerator"]), "denominator": str(stored["denominator"] + 1)}
    )
    assert (
        demo.save_observation(
            own[0], ProposedObservation(last, **figures), username="team", today=DEMO_TODAY, correcting=True
        )
        == "corrected"
    )
    with pytest.raises(PermissionRefused, match="only for your own team"):
        demo.save_observation(
            other[0], ProposedObservation(last, value="1"), username="team", today=DEMO_TODAY, correcting=True
        )
    with pytest.raises(PermissionRefused, match="no team"):  # an aim's outcome measure is an improvement lead's
        _attempt(demo, "save_observation", "team")
    with pytest.raises(PermissionRefused, match="Improvement team members cannot confirm chart phases"):
        _attempt(demo, "add_phase", "team")


def test_a_correction_against_changed_figures_is_refused_not_overwritten(demo):
    period = dt.date(2026, 9, 1)
    seen = demo.observations([1]).filter(pl.col("period_start") == period).row(0, named=True)
    # Someone else corrects September first...
    demo.save_observation(
        1,
        ProposedObservation(period, numerator=str(seen["numerator"] + 2), denominator=str(seen["denominator"])),
        username="admin",
        today=DEMO_TODAY,
        correcting=True,
    )
    # ...then the lead saves the correction they started from the old figures.
    with pytest.raises(StaleEdit, match="Someone else changed September 2026") as refused:
        demo.save_observation(
            1,
            ProposedObservation(period, numerator=str(seen["numerator"] + 5), denominator=str(seen["denominator"])),
            username="lead",
            today=DEMO_TODAY,
            correcting=True,
            expected=seen,
        )
    assert "saved by admin" in str(refused.value)
    now = demo.observations([1]).filter(pl.col("period_start") == period).row(0, named=True)
    assert now["numerator"] == seen["numerator"] + 2  # the first person's work stands


@pytest.mark.slow
def test_passwords_are_verified_against_argon2_hashes_only(demo):
    assert demo.verify_password("lead", "demo")["role"] == "improvement_lead"
    assert demo.verify_password("lead", "wrong") is None
    assert demo.verify_password("nobody", "demo") is None
    with pytest.raises(Refused, match="at least 12 characters"):
        demo.save_user("new.person", "New Person", "team_member", 1, "short", username="admin")
    demo.save_user("new.person", "New Person", "team_member", 1, "correct horse battery", username="admin")
    stored = demo.user("new.person")["password_hash"]
    assert stored.startswith("$argon2") and "correct horse" not in stored
    assert demo.verify_password("new.person", "correct horse battery")["username"] == "new.person"
