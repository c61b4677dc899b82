"""The schema: migrations from an empty file and from an older version; constraints refuse bad rows."""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl
import pytest

from golden_thread.errors import Refused
from golden_thread.storage.schema import LATEST_VERSION, MIGRATIONS
from golden_thread.storage.store import Store


def _minimal_organisation() -> dict[str, pl.DataFrame]:
    return {
        "organisation": pl.DataFrame(
            {"id": [1, 2], "name": ["Trust", "Ward 7"], "kind": ["trust", "team"], "parent_id": [None, 1]}
        ),
        "strategic_objective": pl.DataFrame(
            {"id": [1], "organisation_id": [1], "title": ["Safe care"], "category": ["Quality"]}
        ),
        "aim": pl.DataFrame({"id": [1], "objective_id": [1], "title": ["Fewer falls"]}),
        "measure": pl.DataFrame(
            {
                "id": [1],
                "name": ["Falls per 1,000 bed days"],
                "measure_type": ["outcome"],
                "aim_id": [1],
                "frequency": ["monthly"],
                "chart_type": ["u"],
            }
        ),
    }


def test_a_new_file_is_created_at_the_latest_version(tmp_path):
    store = Store(tmp_path / "new.duckdb")
    assert store.schema_version() == LATEST_VERSION
    assert store.is_empty()


def test_an_old_file_upgrades_in_place_and_keeps_its_rows(tmp_path):
    path = tmp_path / "old.duckdb"
    old = duckdb.connect(str(path))
    old.execute(
        "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, description VARCHAR NOT NULL, "
        "applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp)"
    )
    old.execute(MIGRATIONS[0][2])
    old.execute("INSERT INTO schema_version (version, description) VALUES (1, 'v1')")
    old.execute("INSERT INTO organisation (id, name, kind) VALUES (1, 'Old Trust', 'trust')")
    old.close()

    store = Store(path)
    assert store.schema_version() == LATEST_VERSION
    assert store.organisations()["name"].to_list() == ["Old Trust"]
    assert "reason" in store.columns("chart_phase") and "role" in store.columns("app_user")
    store.close()
    assert Store(path).schema_version() == LATEST_VERSION  # opening again applies nothing twice


def test_a_file_from_a_newer_version_is_refused_with_a_reason(tmp_path):
    path = tmp_path / "future.duckdb"
    Store(path).close()
    con = duckdb.connect(str(path))
    con.execute("INSERT INTO schema_version (version, description) VALUES (99, 'future')")
    con.close()
    with pytest.raises(ValueError, match="newer than this Golden Thread"):
        Store(path)


@pytest.mark.parametrize(
    ("table", "row", "complaint"),
    [
        ("observation", {"measure_id": 99, "period_start": dt.date(2026, 1, 1), "value": 3.0}, "foreign key"),
        (
            "observation",
            {"measure_id": 1, "period_start": dt.date(2026, 1, 1), "numerator": 3.0, "denominator": -10.0},
            "CHECK",
        ),
        (
            "observation",
            {"measure_id": 1, "period_start": dt.date(2026, 1, 1), "numerator": -1.0, "denominator": 10.0},
            "CHECK",
        ),
        ("observation", {"measure_id": 1, "period_start": dt.date(2026, 1, 1)}, "CHECK"),
        (
            "measure",
            {
                "id": 2,
                "name": "X",
                "measure_type": "outcomes",
                "aim_id": 1,
                "frequency": "monthly",
                "chart_type": "xmr",
            },
            "CHECK",
        ),
        ("strategic_objective", {"id": 2, "organisation_id": 1, "title": "Y", "category": "Fun"}, "CHECK"),
        ("project", {"id": 1, "team_id": 2, "title": "P", "progress_score": 3.3}, "CHECK"),
    ],
)
def test_constraints_refuse_bad_rows_and_keep_the_good_ones(store, table, row, complaint):
    store.insert_tables(_minimal_organisation())
    with pytest.raises(Refused, match=f"(?i){complaint}"):
        store.insert_tables({table: pl.DataFrame([row])})
    assert store.organisations().height == 2
    assert store.observations().height == 0


def test_a_measure_attached_to_nothing_is_refused_and_nothing_is_kept(store):
    """Since migration 9 the store, not a CHECK, holds a measure to exactly one aim, driver or project."""

    store.insert_tables(_minimal_organisation())
    row = {"id": 2, "name": "X", "measure_type": "outcome", "frequency": "monthly", "chart_type": "xmr"}
    with pytest.raises(Refused, match="exactly one of an aim, a driver or a project"):
        store.insert_tables({"measure": pl.DataFrame([row])})
    assert store.measures()["id"].to_list() == [1]  # the minimal organisation's own measure, and no other


def test_one_observation_per_measure_and_period(store):
    store.insert_tables(_minimal_organisation())
    first = pl.DataFrame(
        {"measure_id": [1], "period_start": [dt.date(2026, 1, 1)], "numerator": [3.0], "denominator": [5000.0]}
    )
    store.insert_tables({"observation": first})
    with pytest.raises(Refused, match="(?i)duplicate key"):
        store.insert_tables({"observation": first})
    assert store.observations()["numerator"].to_list() == [3.0]


def test_a_failing_multi_table_write_leaves_nothing_behind(store):
    frames = _minimal_organisation()
    frames["observation"] = pl.DataFrame(
        {"measure_id": [1, 1], "period_start": [dt.date(2026, 1, 1)] * 2, "value": [1.0, 2.0]}
    )
    with pytest.raises(Refused, match="(?i)duplicate key"):
        store.insert_tables(frames)
    assert store.is_empty()
    assert store.measures().height == 0


def test_linking_a_project_refuses_unknown_targets_and_duplicates(demo):
    import polars as pl
    import pytest

    from golden_thread.errors import Refused

    driver = demo.link_targets().filter(pl.col("kind") == "driver")["target_id"][0]
    retired = demo.table("driver").join(
        demo.table("driver_diagram_version").filter(pl.col("status") == "retired"), left_on="version_id", right_on="id"
    )["id"][0]
    orphan = 22
    with pytest.raises(Refused, match="no active driver"):
        demo.link_project(orphan, "driver", retired, username="lead")
    with pytest.raises(Refused, match="not to"):
        demo.link_project(orphan, "project", 1, username="lead")
    with pytest.raises(Refused, match="no project"):
        demo.link_project(999_999, "driver", driver, username="lead")
    assert demo.link_project(orphan, "driver", driver, username="lead") == "primary"
    with pytest.raises(Refused, match="already linked"):
        demo.link_project(orphan, "driver", driver, username="lead")
    aim = demo.link_targets().filter(pl.col("kind") == "aim")["target_id"][0]
    assert demo.link_project(orphan, "aim", aim, username="lead") == "also"
    links = demo.table("project_link").filter(pl.col("project_id") == orphan)
    assert links["is_primary"].to_list().count(True) == 1 and links.height == 2


def test_migration_8_gives_each_published_board_and_audit_record_its_publishers_organisation(tmp_path):
    """Board snapshots and audit records written before organisations were kept apart keep their rows, each
    now belonging to the organisation of the person who wrote it (the top of their trust, or their network)."""
    path = tmp_path / "v7.duckdb"
    old = duckdb.connect(str(path))
    old.execute(
        "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, description VARCHAR NOT NULL, "
        "applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp)"
    )
    for version, description, sql in MIGRATIONS[:7]:
        old.execute(sql)
        old.execute("INSERT INTO schema_version (version, description) VALUES (?, ?)", [version, description])
    old.execute("INSERT INTO organisation (id, name, kind) VALUES (1, 'Old Trust', 'trust'), (10, 'Net', 'network')")
    old.execute(
        "INSERT INTO organisation (id, name, kind, parent_id) VALUES (2, 'Ward 1', 'team', 1), (11, 'S', 'division', 10)"
    )
    old.execute(
        "INSERT INTO app_user (username, display_name, role, organisation_id) VALUES "
        "('wardadmin', 'W', 'administrator', 2), ('schooladmin', 'S', 'administrator', 11)"
    )
    old.execute(
        "INSERT INTO board_snapshot (month, published_by, aims_json, measures_json, points_json) VALUES "
        "(DATE '2026-09-01', 'schooladmin', '[]', '[]', '[]'), (DATE '2026-10-01', 'wardadmin', '[]', '[]', '[]')"
    )
    old.execute(
        "INSERT INTO audit_log (id, username, action, entity_type, entity_key) VALUES "
        "(1, 'wardadmin', 'add', 'observation', '1/2026-10-01'), (2, 'schooladmin', 'add', 'observation', '9/x'), "
        "(3, 'gone', 'add', 'observation', '9/y')"
    )
    old.close()

    store = Store(path)
    assert store.schema_version() == LATEST_VERSION
    snapshots = store.board_snapshots()
    assert sorted(zip(snapshots["organisation_id"], snapshots["month"].cast(str))) == [
        (1, "2026-10-01"),
        (10, "2026-09-01"),
    ]
    audit = store.audit_log().sort("id")
    assert audit["organisation_id"].to_list() == [1, 10, None]  # an account no longer there belongs to none
    trust = store.within(store.resolve_scope(1))
    assert trust.audit_log()["id"].to_list() == [1] and trust.board_snapshots()["month"].cast(str).to_list() == [
        "2026-10-01"
    ]
    store.close()


def test_no_part_of_the_store_hides_another_parts_method():
    """Store is assembled from parts by subject (mixins); a method defined in two of them would silently win by the
    order of inheritance (a diagram helper once replaced the leadership one of the same name)."""
    parts = [cls for cls in Store.__mro__ if cls is not object]
    seen: dict[str, str] = {}
    clashes = []
    for cls in parts:
        for name in vars(cls):
            if name.startswith("__"):
                continue
            if name in seen:
                clashes.append(f"{name}: {seen[name]} and {cls.__name__}")
            seen.setdefault(name, cls.__name__)
    assert clashes == []
