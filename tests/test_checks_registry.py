"""One registry of golden-thread checks (domain.checks.RULES): every rule, the network's per-member rules too, is
found by the store's one query on a fixture built to break it, and ``golden-thread check`` reports the network's
rules member by member."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import duckdb
import polars as pl
import pytest

from golden_thread.cli import main
from golden_thread.domain.checks import RULES, rule_title
from golden_thread.seed.demo_network import NETWORK, NETWORK_BREAKS, build_demo_network
from golden_thread.seed.loading import load_demo
from golden_thread.services.checks import check_by_organisation, check_thread
from golden_thread.storage.store import Store
from tests.conftest import DEMO_TODAY

TODAY = dt.date(2026, 11, 23)
NETWORK_RULES = ("member_without_local_aim", "uniform_measure_not_reported")

# What the fixture breaks, rule by rule: the ids of the records each rule must flag (and nothing else).
BROKEN: dict[str, list[int]] = {
    "member_without_local_aim": [14],  # School D: a current member with no local aim
    "uniform_measure_not_reported": [11],  # School B reports the outcome but not the balancing uniform measure
    "orphan_project": [3],
    "unlinked_focus_objective": [2, 3],  # serves nothing; serves only the retired aim 4
    "aim_without_project": [3, 12],  # the trust's unserved aim; School B's local aim
    "aim_not_smart": [1],
    "outcome_without_balancing": [2, 12],
    "driver_without_change_idea": [3],
    "untested_change_idea": [3],  # not 2: a cycle tested its key (C1) in the diagram's retired version
    "project_without_measure": [3],
    "measure_gone_quiet": [7],
    "stale_project": [4],
    "pdsa_overdue": [3],
    "pdsa_without_prediction": [2],
    "project_serves_retired_aim": [5],  # linked only to aim 4, retired
    "link_to_retired_version": [1],
}


def _broken_world() -> dict[str, pl.DataFrame]:
    """A trust (1, its ward 2) and a network (10: schools A 11, B 12, C 13 who left, D 14) that break every rule
    of the registry once or twice, and no more (BROKEN)."""
    nov = dt.date(2026, 11, 1)
    return {
        "organisation": pl.DataFrame(
            {
                "id": [1, 2, 10, 11, 12, 13, 14],
                "name": ["Trust", "Ward", "Net", "School A", "School B", "School C", "School D"],
                "kind": ["trust", "team", "network", "division", "division", "division", "division"],
                "parent_id": [None, 1, None, 10, 10, 10, 10],
            }
        ),
        "network_membership": pl.DataFrame(
            {
                "network_id": [10] * 4,
                "member_id": [11, 12, 13, 14],
                "joined_on": [dt.date(2025, 9, 1)] * 4,
                "left_on": [None, None, dt.date(2026, 6, 30), None],
            }
        ),
        "strategic_objective": pl.DataFrame(
            {
                "id": [1, 10],
                "organisation_id": [1, 10],
                "title": ["Safe", "On track"],
                "category": ["Quality", "Quality"],
            }
        ),
        "aim": pl.DataFrame(
            {
                "id": [1, 2, 3, 4, 10, 11, 12],
                "objective_id": [1, 1, 1, 1, 10, 10, 10],
                "title": [
                    "Vague aim",
                    "Measured aim",
                    "Unserved aim",
                    "Retired aim",
                    "Network aim",
                    "A's aim",
                    "B's aim",
                ],
                "target_value": [None, 5.0, 1.0, 1.0, 0.85, 0.8, 0.8],
                "target_date": [None] + [dt.date(2027, 6, 30)] * 6,
                "status": ["active"] * 3 + ["retired"] + ["active"] * 3,
            }
        ),
        "local_aim": pl.DataFrame({"aim_id": [11, 12], "network_aim_id": [10, 10], "member_id": [11, 12]}),
        "driver_diagram": pl.DataFrame({"id": [1, 10], "aim_id": [2, 10], "title": ["DD", "Network DD"]}),
        "driver_diagram_version": pl.DataFrame(
            {
                "id": [1, 2, 10],
                "diagram_id": [1, 1, 10],
                "version_number": [1, 2, 1],
                "effective_from": [dt.date(2025, 1, 1), dt.date(2026, 1, 1), dt.date(2025, 9, 1)],
                "status": ["retired", "active", "active"],
            }
        ),
        "driver": pl.DataFrame(
            {
                "id": [1, 2, 3, 10],
                "version_id": [1, 2, 2, 10],
                "node_key": ["P1", "P1", "P2", "N1"],
                "level": ["primary"] * 4,
                "title": ["Old wording", "New wording", "Lonely driver", "Network driver"],
            }
        ),
        "change_idea": pl.DataFrame(
            {
                "id": [1, 2, 3, 10],
                "version_id": [1, 2, 2, 10],
                "node_key": ["C1", "C1", "C2", "N-C1"],
                "title": ["Huddle (old words)", "Huddle", "Untried", "Mentors"],
            }
        ),
        "change_idea_driver": pl.DataFrame({"change_idea_id": [1, 2, 3, 10], "driver_id": [1, 2, 2, 10]}),
        "project": pl.DataFrame(
            {
                "id": [1, 2, 3, 4, 5, 10],
                "team_id": [2, 2, 2, 2, 2, 11],
                "title": ["Linked to old", "Serves aim 1", "Orphan", "Stale", "Serves a retired aim", "Mentoring at A"],
                "status": ["active", "active", "planning", "active", "active", "active"],
                # Stale: started in January with no cycle since (a project with nothing to date it is not judged).
                "start_date": [None, None, None, dt.date(2026, 1, 1), None, None],
            }
        ),
        "project_link": pl.DataFrame(
            {
                "project_id": [1, 2, 4, 5, 10, 10],
                "is_primary": [True, True, True, True, True, False],
                "aim_id": [None, 1, 1, 4, None, 11],
                "driver_id": [1, None, None, None, None, None],
                "change_idea_id": [None, None, None, None, 10, None],
            }
        ),
        "pdsa_cycle": pl.DataFrame(
            {
                "id": [1, 2, 3, 10],
                "project_id": [1, 2, 2, 10],
                "change_idea_id": [1, None, None, 10],
                "title": ["Test huddle", "No prediction", "Overdue", "Test mentors"],
                "prediction": ["80%", None, "70%", "60%"],
                "study_notes": ["ok", None, None, "ok"],
                "act_decision": ["adopt", None, None, "adapt"],
                "start_date": [nov, dt.date(2026, 11, 15), nov, nov],
                "end_date": [
                    dt.date(2026, 11, 10),
                    dt.date(2026, 11, 30),
                    dt.date(2026, 11, 10),
                    dt.date(2026, 11, 10),
                ],
            }
        ),
        "measure": pl.DataFrame(
            {
                "id": [1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 15],
                "name": [
                    "Outcome",
                    "P1 measure",
                    "P2 measure",
                    "Aim 3 outcome",
                    "Aim 3 balancing",
                    "P4 measure",
                    "Quiet",
                    "P5 measure",
                    "On track",
                    "Workload",
                    "On track (A)",
                    "Workload (A)",
                    "On track (B)",
                    "Mentored",
                ],
                "measure_type": [
                    "outcome",
                    "process",
                    "process",
                    "outcome",
                    "balancing",
                    "process",
                    "process",
                    "process",
                    "outcome",
                    "balancing",
                    "outcome",
                    "balancing",
                    "outcome",
                    "process",
                ],
                "aim_id": [2, None, None, 3, 3, None, None, None, 10, 10, 11, 11, 12, None],
                "project_id": [None, 1, 2, None, None, 4, 2, 5, None, None, None, None, None, 10],
                "frequency": ["monthly"] * 14,
                "chart_type": ["xmr"] * 14,
            }
        ),
        "member_measure": pl.DataFrame(
            {"measure_id": [12, 13, 14], "uniform_measure_id": [10, 11, 10], "member_id": [11, 11, 12]}
        ),
        "observation": pl.DataFrame(
            {
                # Every measure expected to report has (the uniform measures 10 and 11 are their members'), but 7.
                "measure_id": [1, 2, 3, 7, 15, 6, 12, 13, 14, 8],
                "period_start": [dt.date(2026, 10, 1)] * 3 + [dt.date(2026, 1, 1)] + [dt.date(2026, 10, 1)] * 6,
                "value": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0],
            }
        ),
        # The ward's focus board: one objective serves the trust's objective, one serves nothing, one serves only a
        # retired aim; a retired objective that served nothing is not judged.
        "focus_board": pl.DataFrame({"id": [1], "unit_id": [2], "name": ["Ward board"]}),
        "focus_objective": pl.DataFrame(
            {
                "id": [1, 2, 3, 4],
                "board_id": [1, 1, 1, 1],
                "category": ["Quality", "People", "Efficiency", "Financial"],
                "title": ["Fewer falls", "Happier staff", "Faster discharge", "Old objective"],
                "strategic_objective_id": [1, None, None, None],
                "aim_id": [None, None, 4, None],
                "status": ["active", "active", "active", "retired"],
            }
        ),
    }


@pytest.fixture
def broken(tmp_path: Path) -> Store:
    opened = Store(tmp_path / "broken.duckdb")
    opened.insert_tables(_broken_world())
    yield opened
    opened.close()


def _by_rule(rows: pl.DataFrame) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for rule, entity in rows.select("rule", "entity_id").iter_rows():
        found.setdefault(rule, []).append(entity)
    return {rule: sorted(ids) for rule, ids in found.items()}


def test_every_rule_of_the_registry_has_a_fixture_that_breaks_it():
    assert list(BROKEN) == list(RULES)  # a new rule needs its break here, in the registry's order
    assert all(rule.finder.strip().upper().startswith(("SELECT", "WITH")) for rule in RULES.values())


def test_a_rules_heading_writes_the_committees_acronyms_as_it_does():
    assert rule_title("aim_not_smart") == "Aim not SMART"
    assert rule_title("pdsa_without_prediction") == "PDSA without prediction"


@pytest.mark.slow
@pytest.mark.parametrize("name", list(RULES))
def test_each_rule_is_found_by_the_stores_query_on_its_fixture(broken, name):
    rows = broken.thread_breaks(TODAY, stale_days=60, quiet_grace_periods=2, rules=[RULES[name]])
    assert rows.columns == ["rule", "entity_id", "title", "member_id", "network_id"]
    assert set(rows["rule"]) == {name}
    assert sorted(rows["entity_id"]) == BROKEN[name]


def test_the_whole_registry_is_one_query_and_finds_exactly_the_fixtures_breaks(broken):
    flags = check_thread(broken, TODAY)
    assert _by_rule(flags) == BROKEN
    assert flags["rule"].unique(maintain_order=True).to_list() == list(RULES)  # the registry's order
    for row in flags.iter_rows(named=True):
        rule = RULES[row["rule"]]
        assert (row["severity"], row["entity_type"], row["message"]) == (
            rule.severity,
            rule.entity_type,
            rule.explanation,
        )


def test_the_network_rules_belong_to_the_member_they_name(broken):
    flags = check_by_organisation(broken, TODAY).filter(pl.col("rule").is_in(NETWORK_RULES))
    assert flags.select("rule", "entity_type", "entity_id", "title", "organisation", "network_id", "member").rows() == [
        ("member_without_local_aim", "organisation", 14, "School D", "Net", 10, "School D"),
        ("uniform_measure_not_reported", "measure", 11, "Workload (School B)", "Net", 10, "School B"),
    ]
    # The thread's own flags keep the owner of their record (School B's local aim is School B's).
    aim = check_by_organisation(broken, TODAY).filter(
        (pl.col("rule") == "aim_without_project") & (pl.col("entity_id") == 12)
    )
    assert aim.select("organisation", "member").row(0) == ("Net", "School B")


@pytest.mark.slow
def test_a_scoped_store_finds_only_its_organisations_breaks(broken):
    trust = broken.within(broken.resolve_scope(1))
    network = broken.within(broken.resolve_scope(10))
    in_trust, in_network = check_thread(trust, TODAY), check_thread(network, TODAY)
    assert not set(in_trust["rule"]) & set(NETWORK_RULES)
    assert _by_rule(in_network) == {
        "member_without_local_aim": [14],
        "uniform_measure_not_reported": [11],
        "aim_without_project": [12],
        "outcome_without_balancing": [12],
    }
    assert in_trust.height + in_network.height == check_thread(broken, TODAY).height


# -- golden-thread check on the demo trust and the demo network ------------------------------------------------


@pytest.fixture(scope="module")
def network_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("registry") / "network.duckdb"
    store = Store(path)
    load_demo(store, today=DEMO_TODAY, network=True)
    store.close()
    return path


def _section(out: str, heading: str) -> list[str]:
    """The lines the table output lists under one member's heading (indented deeper than the heading)."""
    lines = out.splitlines()
    start = next(k for k, line in enumerate(lines) if line.startswith(f"  {heading}:"))
    under = []
    for line in lines[start + 1 :]:
        if not line.startswith("    "):
            break
        under.append(line.strip())
    return under


@pytest.mark.slow
def test_golden_thread_check_runs_the_network_rules_member_by_member(network_db, tmp_path, capsys):
    build_demo_network(DEMO_TODAY)
    # The demo network breaks only thread rules (NETWORK_BREAKS), so the network rules find nothing in it...
    assert not {rule for breaks in NETWORK_BREAKS.values() for rule in breaks} & set(NETWORK_RULES)
    main(["check", "--db", str(network_db), "--format", "json", "--today", DEMO_TODAY.isoformat()])
    assert not [f for f in json.loads(capsys.readouterr().out) if f["rule"] in NETWORK_RULES]

    # ...until a copy breaks them: Harbor View's local aim retired, one of Eastbrook's uniform-measure rows gone.
    path = tmp_path / "broken-network.duckdb"
    shutil.copy(network_db, path)
    with duckdb.connect(str(path)) as db:
        harbor, eastbrook = (
            db.execute("SELECT id FROM organisation WHERE name = ?", [name]).fetchone()[0]
            for name in ("Harbor View High School", "Eastbrook High School")
        )
        db.execute(
            "UPDATE aim SET status = 'retired' WHERE id IN (SELECT aim_id FROM local_aim WHERE member_id = ?)", [harbor]
        )
        uniform, unreported = db.execute(
            "SELECT mm.uniform_measure_id, u.name FROM member_measure mm JOIN measure u ON u.id = mm.uniform_measure_id "
            "WHERE mm.member_id = ? ORDER BY mm.uniform_measure_id DESC LIMIT 1",
            [eastbrook],
        ).fetchone()
        db.execute("DELETE FROM member_measure WHERE member_id = ? AND uniform_measure_id = ?", [eastbrook, uniform])

    code = main(["check", "--db", str(path), "--format", "json", "--today", DEMO_TODAY.isoformat()])
    flags = json.loads(capsys.readouterr().out)
    assert code == 1
    network_flags = [
        (f["organisation"], f["member"], f["rule"], f["entity_id"], f["title"])
        for f in flags
        if f["rule"] in NETWORK_RULES
    ]
    assert network_flags == [
        (NETWORK, "Harbor View High School", "member_without_local_aim", harbor, "Harbor View High School"),
        (
            NETWORK,
            "Eastbrook High School",
            "uniform_measure_not_reported",
            uniform,
            f"{unreported} (Eastbrook High School)",
        ),
    ]

    code = main(["check", "--db", str(path), "--today", DEMO_TODAY.isoformat()])
    out = capsys.readouterr().out
    assert code == 1
    assert "  Eastbrook High School: 1 flag(s): 1 warning" in out
    assert _section(out, "Eastbrook High School") == [
        f"warning  uniform_measure_not_reported measure {uniform}: {unreported} (Eastbrook High School)"
    ]
    harbor_lines = _section(out, "Harbor View High School")
    assert harbor_lines[0] == (f"error    member_without_local_aim    organisation {harbor}: Harbor View High School")
    # The trust's part of the report is untouched by the network's rules.
    trust = out.split(f"{NETWORK} (network)")[0]
    assert "member_without_local_aim" not in trust and "uniform_measure_not_reported" not in trust

    code = main(
        [
            "check",
            "--db",
            str(path),
            "--today",
            DEMO_TODAY.isoformat(),
            "--member",
            "Eastbrook High School",
            "--format",
            "json",
        ]
    )
    assert code == 0 and [(f["member"], f["rule"]) for f in json.loads(capsys.readouterr().out)] == [
        ("Eastbrook High School", "uniform_measure_not_reported")
    ]
