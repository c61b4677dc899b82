"""PostgreSQL beside DuckDB (issue 19): the store's SQL, written once in DuckDB's dialect, as PostgreSQL runs it;
the same numbered migrations make the same tables on both engines; and PostgreSQL holds the same constraints.

The tests that need a server start a throw-away one (``postgres_server`` in conftest.py) and are skipped with a
message on a machine without PostgreSQL."""

from __future__ import annotations

import dataclasses
import datetime as dt

import polars as pl
import pytest

from golden_thread.storage.dialect import bind, to_postgres
from golden_thread.storage.schema import LATEST_VERSION, MIGRATIONS
from tests.conftest import DEMO_TODAY

# -- the dialect (no server needed) -----------------------------------------------------------------------------------


def test_the_organisation_scopes_positional_parameters_become_numbered_ones_in_the_order_given():
    # The scope puts ``unnest(?::INTEGER[])`` before every scoped read: sqlglot alone cannot read ``?::``.
    translated = to_postgres(
        "WITH scope_unit AS (SELECT unnest(?::INTEGER[]) AS id) "
        "SELECT title FROM project WHERE team_id IN (SELECT id FROM scope_unit) AND status = ?"
    )
    (statement,) = translated.statements
    assert "$1" in statement and "$2" in statement and "?" not in statement
    assert statement.index("$1") < statement.index("$2")
    assert bind(translated, [[3, 4], "active"]) == [[3, 4], "active"]


def test_named_parameters_are_numbered_once_each_in_the_order_they_are_first_used():
    translated = to_postgres("SELECT * FROM aim WHERE target_date < $today AND adopted_on < $today AND id = $aim")
    assert translated.order == ("today", "aim")
    assert translated.statements[0].count("$1") == 2 and "$2" in translated.statements[0]
    assert bind(translated, {"aim": 7, "today": dt.date(2026, 12, 1)}) == [dt.date(2026, 12, 1), 7]


def test_a_question_mark_in_quotes_or_a_comment_is_text_not_a_parameter():
    translated = to_postgres("SELECT 'why?' AS asked, ? AS given -- or not?\n")
    assert translated.order == (0,) and "'why?'" in translated.statements[0]


def test_group_by_all_becomes_the_positions_of_the_columns_that_are_not_aggregates():
    (statement,) = to_postgres("SELECT team_id, status, count(*) AS n FROM project GROUP BY ALL").statements
    assert statement.endswith("GROUP BY 1, 2")


def test_arg_max_becomes_the_first_of_an_array_ordered_by_its_key():
    (statement,) = to_postgres("SELECT arg_max(title, start_date) FROM pdsa_cycle").statements
    assert "ARRAY_AGG(title ORDER BY start_date DESC NULLS LAST)" in statement and statement.endswith(
        "[1] FROM pdsa_cycle"
    )


def test_a_subquery_in_from_gets_the_name_postgresql_15_requires():
    (statement,) = to_postgres("SELECT * FROM (SELECT id FROM aim) WHERE id > 1").statements
    assert "AS _subquery1" in statement


def test_duckdb_intervals_become_postgresqls():
    (statement,) = to_postgres("SELECT start_date + to_days(7 * $grace) FROM pdsa_cycle").statements
    assert "MAKE_INTERVAL(days => 7 * $1)" in statement


def test_a_migration_of_several_statements_becomes_as_many():
    version, _, sql = MIGRATIONS[0]
    assert version == 1 and len(to_postgres(sql).statements) == sql.count("CREATE TABLE")


def test_a_list_of_ids_as_a_condition_becomes_any_which_an_index_serves_and_stays_faithful_elsewhere():
    (statement,) = to_postgres("SELECT * FROM observation WHERE list_contains(?, measure_id) AND value > 1").statements
    assert statement == "SELECT * FROM observation WHERE measure_id = ANY($1) AND value > 1"
    (statement,) = to_postgres("SELECT list_contains(?, measure_id) AS chosen FROM observation").statements
    assert "CASE WHEN measure_id IS NULL THEN NULL" in statement  # a value, where NULL and false differ


def test_the_scopes_shadows_are_inlined_and_name_its_units_as_a_list_so_indexes_serve_and_other_ctes_are_left_as_is():
    from golden_thread.storage.scope import EVERYTHING, scoped_sql

    scoped, _ = scoped_sql(
        "WITH started AS (SELECT DISTINCT project_id FROM pdsa_cycle) "
        "SELECT p.id FROM project p WHERE p.id NOT IN (SELECT project_id FROM started) "
        "AND (SELECT max(c.start_date) FROM pdsa_cycle c WHERE c.project_id = p.id) < ?",
        [dt.date(2026, 1, 1)],
        EVERYTHING,
    )
    (statement,) = to_postgres(scoped).statements
    assert (
        "project AS NOT MATERIALIZED (SELECT * FROM main.project WHERE team_id = ANY(CAST($1 AS INT[])))" in statement
    )
    assert (
        "pdsa_cycle AS NOT MATERIALIZED (SELECT * FROM main.pdsa_cycle WHERE project_id IN (SELECT id FROM project))"
        in statement
    )
    assert "started AS (SELECT DISTINCT project_id FROM pdsa_cycle)" in statement  # PostgreSQL's own choice
    assert "< $2" in statement


def test_an_address_names_postgresql_by_its_scheme_or_libpqs_keywords_and_anything_else_is_a_file():
    from golden_thread.storage.addresses import is_postgres_address

    assert is_postgres_address("postgresql://golden@db.internal/golden_thread")
    assert is_postgres_address("postgres://db/golden_thread")
    assert is_postgres_address("host=/run/postgresql dbname=golden_thread")
    assert is_postgres_address(" dbname=golden_thread user=golden")
    assert not is_postgres_address("data/golden_thread.duckdb")
    assert not is_postgres_address("/srv/exports/host=1.duckdb")  # a folder's odd name is still a file's path


# -- a real PostgreSQL ------------------------------------------------------------------------------------------------


def _tables(connection) -> dict[str, list[str]]:
    return _tables_of(
        connection.execute(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'main' "
            "ORDER BY table_name, ordinal_position"
        ).fetchall()
    )


def _tables_of(rows) -> dict[str, list[str]]:
    """Each table's columns in order, from (table, column) rows."""
    tables: dict[str, list[str]] = {}
    for table, column in rows:
        tables.setdefault(table, []).append(column)
    return tables


@pytest.mark.duckdb_only  # its store is the DuckDB side of the comparison
def test_the_migrations_make_on_postgresql_every_table_and_column_they_make_on_duckdb(postgres_database, store):
    from golden_thread.storage.postgres import connect, migrate

    assert migrate(postgres_database) == LATEST_VERSION
    duckdb_tables = _tables_of(
        store._query(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'main' "
            "ORDER BY table_name, ordinal_position"
        ).rows()
    )
    with connect(postgres_database) as connection:
        assert _tables(connection) == duckdb_tables
        applied = connection.execute("SELECT version FROM schema_version ORDER BY version").fetchall()
    assert [version for (version,) in applied] == [version for version, _, _ in MIGRATIONS]


def test_every_reference_has_an_index_as_duckdb_joins_without_one_and_migrating_again_adds_none(postgres_database):
    from golden_thread.storage.postgres import _UNINDEXED_REFERENCES, SCHEMA, connect, migrate

    migrate(postgres_database)
    indexes = "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'main' ORDER BY indexname"
    with connect(postgres_database) as connection:
        assert connection.execute(_UNINDEXED_REFERENCES, [SCHEMA]).fetchall() == []
        made = dict(connection.execute(indexes).fetchall())
        assert made["pdsa_cycle_project_id_index"].endswith("ON main.pdsa_cycle USING btree (project_id)")  # a key
        assert made["measure_project_id_index"].endswith("ON main.measure USING btree (project_id)")  # checked
        assert made["audit_log_record_index"].endswith("ON main.audit_log USING btree (entity_type, entity_key)")
        connection.execute("DROP INDEX main.pdsa_cycle_project_id_index")
    migrate(postgres_database)  # a database that lost one (or predates them) gets it back, and only it
    with connect(postgres_database) as connection:
        assert dict(connection.execute(indexes).fetchall()) == made


def test_migrating_an_up_to_date_database_again_changes_nothing(postgres_database):
    from golden_thread.storage.postgres import connect, migrate

    migrate(postgres_database)
    with connect(postgres_database) as connection:
        connection.execute("INSERT INTO organisation (id, name, kind) VALUES (1, 'Northfield', 'trust')")
    assert migrate(postgres_database) == LATEST_VERSION
    with connect(postgres_database) as connection:
        assert connection.execute("SELECT count(*) FROM schema_version").fetchone()[0] == len(MIGRATIONS)
        assert connection.execute("SELECT name FROM organisation").fetchall() == [("Northfield",)]


@pytest.mark.parametrize(
    ("statement", "refusal"),
    [
        ("INSERT INTO organisation (id, name, kind) VALUES (9, 'A club', 'club')", "CheckViolation"),
        ("INSERT INTO organisation (id, name, kind) VALUES (9, '   ', 'team')", "CheckViolation"),
        (
            "INSERT INTO organisation (id, name, kind, parent_id) VALUES (9, 'Ward 9', 'team', 404)",
            "ForeignKeyViolation",
        ),
        ("INSERT INTO project (id, team_id, title, progress_score) VALUES (9, 1, 'Falls', 2.2)", "CheckViolation"),
        (
            "INSERT INTO observation (measure_id, period_start, value) VALUES (1, DATE '2026-10-01', 4)",
            "UniqueViolation",
        ),
        (
            "INSERT INTO observation (measure_id, period_start, value) VALUES (1, DATE '2026-11-01', 'Infinity')",
            "CheckViolation",
        ),
        (
            "INSERT INTO observation (measure_id, period_start, numerator) VALUES (1, DATE '2026-11-01', 3)",
            "CheckViolation",
        ),
        (
            "INSERT INTO measure (id, name, measure_type, frequency, chart_type) VALUES (9, 'Orphan', 'outcome', "
            "'monthly', 'i')",
            "CheckViolation",
        ),
        # What DuckDB's store checks in Python, PostgreSQL holds itself: one primary link per project.
        ("INSERT INTO project_link (project_id, is_primary, aim_id) VALUES (1, TRUE, 1)", "UniqueViolation"),
    ],
)
def test_postgresql_refuses_what_duckdb_refuses(postgres_database, statement, refusal):
    import psycopg

    from golden_thread.storage.postgres import connect, migrate

    migrate(postgres_database)
    with connect(postgres_database) as connection:
        connection.execute("INSERT INTO organisation (id, name, kind) VALUES (1, 'Northfield', 'trust')")
        connection.execute("INSERT INTO project (id, team_id, title) VALUES (1, 1, 'Falls')")
        connection.execute(
            "INSERT INTO measure (id, name, measure_type, project_id, frequency, chart_type) "
            "VALUES (1, 'Falls per 1,000 bed days', 'outcome', 1, 'monthly', 'u')"
        )
        connection.execute("INSERT INTO observation (measure_id, period_start, value) VALUES (1, DATE '2026-10-01', 3)")
        connection.execute(
            "INSERT INTO strategic_objective (id, organisation_id, title, category) VALUES (1, 1, 'Safe care', 'Quality')"
        )
        connection.execute("INSERT INTO aim (id, objective_id, title) VALUES (1, 1, 'Fewer falls')")
        connection.execute("INSERT INTO project_link (project_id, is_primary, aim_id) VALUES (1, TRUE, 1)")
        with pytest.raises(psycopg.errors.IntegrityError) as refused:
            connection.execute(statement)
        assert type(refused.value).__name__ == refusal


# -- reading the demo through PostgreSQL ------------------------------------------------------------------------------


# A measure's latest figure moved by a number, written straight into PostgreSQL (as another program would).
_LATEST_VALUE_PLUS = (
    "UPDATE observation SET value = value + %s WHERE measure_id = %s "
    "AND period_start = (SELECT max(period_start) FROM observation WHERE measure_id = %s)"
)


@pytest.fixture(scope="module")
def both(tmp_path_factory, postgres_server):
    """The demo trust and its education network in DuckDB, and the same rows copied into PostgreSQL: (the DuckDB
    store, the PostgreSQL one, the network's id). Read only: the tests share it."""
    from golden_thread.seed.loading import load_demo
    from golden_thread.storage.store import Store
    from golden_thread.storage.throwaway_postgres import address
    from tests.conftest import postgres_copy_of

    path = tmp_path_factory.mktemp("both") / "demo.duckdb"
    duck = Store(path)
    load_demo(duck, today=DEMO_TODAY, network=True)
    _publish_and_correct(duck)
    duck.close()  # which checkpoints those writes into the file: the screens' test copies the file alone
    postgres = Store(address(f"{postgres_server} dbname={postgres_copy_of(postgres_server, path)}"))
    duck = Store(path)
    yield duck, postgres, int(duck.networks()["id"][0])
    postgres.close()
    duck.close()


# The demo publishes no board and corrects no figure: one of each gives a published board and a measure's audit to read.
_PUBLISHED_MONTH = dt.date(2026, 10, 1)
_CORRECTED_MEASURE = 21


def _publish_and_correct(store) -> None:
    from golden_thread.domain.observations import ProposedObservation

    trust = store.within(store.choose_scope(1))
    trust.publish_board(_PUBLISHED_MONTH, {"aims": "[]", "measures": "[]", "points": "[]"}, username="admin")
    latest = trust.observations([_CORRECTED_MEASURE]).sort("period_start").row(-1, named=True)
    corrected = ProposedObservation(
        latest["period_start"], numerator=latest["numerator"] + 1, denominator=latest["denominator"]
    )
    trust.save_observation(_CORRECTED_MEASURE, corrected, username="lead", today=DEMO_TODAY, correcting=True)


def _key_rows(constraints: pl.DataFrame) -> set[tuple]:
    """The schema's keys, without their order: each engine lists them in the order its catalogue holds them."""
    return {
        (
            row["table_name"],
            row["constraint_type"],
            tuple(row["constraint_column_names"]),
            row["referenced_table"],
            tuple(row["referenced_column_names"] or ()),
        )
        for row in constraints.iter_rows(named=True)
    }


def _reads(network_id: int) -> dict:
    """Every read of the store a screen or a service makes, by name, each a function of a store."""
    from golden_thread.storage.store import TABLES

    reads = {
        name: (lambda store, name=name: getattr(store, name)())
        for name in (
            "aims",
            "aims_leadership",
            "aims_without_diagram",
            "attach_points",
            "audit_log",
            "audit_names",
            "board_measures",
            "board_snapshots",
            "chart_phases",
            "driver_diagrams",
            "flag_owners",
            "flag_places",
            "focus_boards",
            "focus_objectives",
            "framework_keys",
            "frameworks",
            "huddle_reviews",
            "huddles",
            "ideas_tested_by_key",
            "leadership_assessments",
            "leadership_strategies",
            "link_targets",
            "measure_owners",
            "measures",
            "networks",
            "objectives_overview",
            "observations",
            "organisations",
            "pdsa_projects",
            "point_exclusions",
            "project_alignment",
            "teams",
            "top_organisations",
            "totals",
            "users",
            "thread_progress",
            "is_empty",
        )
    }
    reads |= {
        f"{name}(network)": (lambda store, name=name: getattr(store, name)(network_id))
        for name in (
            "member_measures",
            "network_aims",
            "network_change_ideas",
            "network_cycles",
            "network_local_measures",
            "network_projects",
            "local_aims",
            "uniform_measures",
            "network_thread_rows",
        )
    }
    reads |= {
        "network_members": lambda store: store.network_members(network_id, DEMO_TODAY),
        "thread_rows": lambda store: store.thread_rows(),
        "thread_breaks": lambda store: store.thread_breaks(DEMO_TODAY, stale_days=60, quiet_grace_periods=2).sort(
            pl.all()  # in no promised order
        ),
        "aim_projects": lambda store: store.aim_projects(1),
        "aim_activity": lambda store: store.aim_activity(dt.date(2026, 10, 1), dt.date(2026, 11, 1)),
        "pdsa_cycles": lambda store: store.pdsa_cycles(1),
        "pdsa_cycles_for_measure": lambda store: store.pdsa_cycles_for_measure(1),
        "annotations": lambda store: store.annotations([1, 2, 3]),
        "first_period": lambda store: store.first_period([1, 2]),
        "leadership_evidence_facts": lambda store: store.leadership_evidence_facts(DEMO_TODAY),
        "diagram_nodes": lambda store: store.diagram_nodes(1),
        "diagram_links": lambda store: store.diagram_links(1),
        "diagram_versions": lambda store: store.diagram_versions(1),
        "user": lambda store: store.user("lead"),
        "scopes_for": lambda store: store.scopes_for("hub"),
        "records of projects": lambda store: store.records("project"),
        "records of measures": lambda store: store.records("measure"),
    }
    # The demo's ids, several of each so that every kind of row is read. Cycle 1's project has measures at project,
    # driver and aim level, cycle 8's at project and aim, cycle 30's at aim only, cycle 118's at project only, and
    # cycle 10034 is a network member's. Measure 1 is an aim's, 4 a driver's, 21 a project's, 10001 the network's
    # uniform measure and 10005 a member's report of it.
    cycles, measures, projects = (1, 8, 30, 118, 10034), (1, 4, 21, 10001, 10005, 10033), (1, 5, 24, 28, 10001)
    reads |= {f"cycle_measures({c})": (lambda store, c=c: store.cycle_measures(c)) for c in cycles}
    reads |= {f"pdsa_cycle({c})": (lambda store, c=c: store.pdsa_cycle(c)) for c in cycles}
    reads |= {f"pdsa_cycle_team({c})": (lambda store, c=c: store.pdsa_cycle_team(c)) for c in cycles}
    for name in ("projects_for_measure", "measure_member", "measure_team"):
        reads |= {f"{name}({m})": (lambda store, m=m, name=name: getattr(store, name)(m)) for m in measures}
    for name in ("change_ideas_for_project", "project_links", "project_team"):
        reads |= {f"{name}({p})": (lambda store, p=p, name=name: getattr(store, name)(p)) for p in projects}
    reads |= {f"assessment({a})": (lambda store, a=a: store.assessment(a)) for a in (1, 4, 11, 13)}
    for ids in ([1, 2, 11, 12], []):  # []: what the board pack asks when no assessment is the board's
        reads |= {
            f"assessment_ratings({ids})": lambda store, ids=ids: store.assessment_ratings(ids),
            f"assessment_strategies({ids})": lambda store, ids=ids: store.assessment_strategies(ids),
        }
    for key in ("five-behavioural-actions", "seven-leadership-leverage-points", "no-such-framework"):
        reads[f"active_version_id({key})"] = lambda store, key=key: store.active_version_id(key)
    reads |= {f"framework_version({v})": (lambda store, v=v: store.framework_version(v)) for v in (1, 3, 6)}
    reads |= {f"framework_versions({f})": (lambda store, f=f: store.framework_versions(f)) for f in (1, 3, 6)}
    reads["leadership_next_ids"] = lambda store: store.leadership_next_ids()
    for diagram in (1, 10001):  # the trust's falls diagram and the network's, each with a retired version
        reads[f"diagram_draft({diagram})"] = lambda store, diagram=diagram: store.diagram_draft(diagram)
        reads[f"diagram_drafts({diagram})"] = lambda store, diagram=diagram: store.diagram_drafts(diagram)
    for key in ("A1-P1-S1", "A1-P1-S1-C1", "N-P1", "N-C1"):
        reads[f"diagram_of_node({key})"] = lambda store, key=key: store.diagram_of_node(key)
    for boards in (None, [1], [1, 3, 10001], []):  # []: the roll-up of a unit that has no boards
        reads[f"focus_actions({boards})"] = lambda store, boards=boards: store.focus_actions(boards)
    for table, record_id, row in (
        ("focus_board", 1, {}),
        ("focus_board", 10002, {}),
        ("focus_objective", 6, {}),
        ("focus_action", 15, {}),
        ("focus_action", None, {"board_id": 10001}),
    ):
        reads[f"focus_board_unit({table}, {record_id})"] = lambda store, a=(table, record_id, row): (
            store.focus_board_unit(*a)
        )
    reads["board_snapshot"] = lambda store: store.board_snapshot(_PUBLISHED_MONTH)
    reads["observation_audit"] = lambda store: store.observation_audit(_CORRECTED_MEASURE)
    reads["reports_of_uniform_measures"] = lambda store: store.reports_of_uniform_measures(
        store.uniform_measures(network_id)["id"].to_list()
    )
    for key in ("demo_mode", "no_such_setting"):
        reads[f"setting({key})"] = lambda store, key=key: store.setting(key)
    for table, record_ids in (
        ("organisation", (5, 10002)),
        ("strategic_objective", (1, 10001)),
        ("aim", (1, 10001)),
        ("project", (1, 10001)),
        ("measure", (1, 21, 10005)),
        ("focus_board", (1, 10001)),
        ("focus_objective", (1, 10001)),
        ("focus_action", (1, 10001)),
    ):
        for record_id in record_ids:
            reads[f"record({table}, {record_id})"] = lambda store, a=(table, record_id): store.record(*a)
    reads |= {f"table({table})": (lambda store, table=table: store.table(table)) for table in TABLES}
    reads["schema_version"] = lambda store: store.schema_version()
    reads["key_constraints"] = lambda store: _key_rows(store.key_constraints())
    return reads


def _same(from_postgres, from_duckdb) -> None:
    from polars.testing import assert_frame_equal

    if isinstance(from_duckdb, pl.DataFrame):
        assert_frame_equal(from_postgres, from_duckdb)
    elif isinstance(from_duckdb, dict) and all(isinstance(v, pl.DataFrame) for v in from_duckdb.values()):
        assert from_postgres.keys() == from_duckdb.keys()
        for key, frame in from_duckdb.items():
            assert_frame_equal(from_postgres[key], frame)
    elif dataclasses.is_dataclass(from_duckdb) and any(
        isinstance(getattr(from_duckdb, field.name), pl.DataFrame) for field in dataclasses.fields(from_duckdb)
    ):
        # A framework version holds frames, which == cannot compare: field by field.
        assert type(from_postgres) is type(from_duckdb)
        for field in dataclasses.fields(from_duckdb):
            _same(getattr(from_postgres, field.name), getattr(from_duckdb, field.name))
    else:
        assert from_postgres == from_duckdb


@pytest.mark.parametrize("seen_as", ["the whole database", "the trust", "the network"])
def test_every_read_gives_the_same_frame_from_postgresql_as_from_duckdb(both, seen_as):
    duck, postgres, network_id = both
    scope = {"the trust": duck.choose_scope(1), "the network": duck.resolve_scope(network_id)}.get(seen_as)
    a, b = (duck, postgres) if scope is None else (duck.within(scope), postgres.within(scope))
    differences = []
    for name, read in _reads(network_id).items():
        try:
            expected = read(a)
        except Exception:  # noqa: BLE001 - not a read this organisation may make (the refusal is DuckDB's own test)
            continue
        try:
            _same(read(b), expected)
        except Exception as error:  # noqa: BLE001 - every difference listed at once
            differences.append(f"{name}: {type(error).__name__}: {str(error).splitlines()[0]}")
    assert differences == []


@pytest.mark.parametrize("seen_as", ["the trust", "the network"])
def test_charts_and_checks_computed_from_postgresql_equal_those_from_duckdb(both, seen_as):
    from golden_thread.services.checks import check_thread
    from golden_thread.services.measure_series import measure_charts

    duck, postgres, network_id = both
    scope = duck.choose_scope(1) if seen_as == "the trust" else duck.resolve_scope(network_id)
    for from_postgres, from_duckdb in zip(
        measure_charts(postgres.within(scope)), measure_charts(duck.within(scope)), strict=True
    ):
        _same(from_postgres, from_duckdb)
    _same(check_thread(postgres.within(scope), DEMO_TODAY), check_thread(duck.within(scope), DEMO_TODAY))


def test_a_corrected_figure_changes_its_measures_fingerprint_on_postgresql_and_no_other(both):
    from golden_thread.storage.postgres import connect

    duck, postgres, _ = both
    before = postgres.observation_fingerprints()
    # The fingerprints differ between the engines (each its own hash) but cover the same measures and periods.
    _same(before.select("measure_id", "periods"), duck.observation_fingerprints().select("measure_id", "periods"))
    assert before["fingerprint"].n_unique() == before.height
    measure_id = int(duck.observations().drop_nulls("value")["measure_id"][0])
    with connect(postgres.path) as connection:
        connection.execute(_LATEST_VALUE_PLUS, [1, measure_id, measure_id])
        try:
            after = postgres.observation_fingerprints()
        finally:
            connection.execute(_LATEST_VALUE_PLUS, [-1, measure_id, measure_id])
    moved = after.join(before, on=["measure_id", "fingerprint"], how="anti")["measure_id"].to_list()
    assert moved == [measure_id]


# -- writing through PostgreSQL ---------------------------------------------------------------------------------------

# Columns that say when a row was written, or hold a salted hash: they differ between two loads of the same demo.
_MOMENTS = ("created_at", "occurred_at", "applied_at", "published_at", "entered_at", "password_hash", "updated_at")


def _without_moments(value):
    if isinstance(value, pl.DataFrame):
        return value.drop([column for column in value.columns if column in _MOMENTS])
    if isinstance(value, dict) and all(isinstance(v, pl.DataFrame) for v in value.values()):
        return {key: _without_moments(frame) for key, frame in value.items()}
    if isinstance(value, dict):
        return {key: v for key, v in value.items() if key not in _MOMENTS}
    return value


@pytest.fixture
def loaded(both, postgres_database):
    """The demo with its network loaded into an empty PostgreSQL database through the store, as ``golden-thread
    demo`` loads it: the address of that database."""
    from golden_thread.seed.loading import load_demo
    from golden_thread.storage.store import Store

    url = f"postgresql:///?{postgres_database.replace(' ', '&')}"
    store = Store(url)
    load_demo(store, today=DEMO_TODAY, network=True)
    _publish_and_correct(store)
    store.close()
    return url


def test_the_demo_loaded_through_the_store_into_postgresql_reads_as_it_does_from_duckdb(both, loaded):
    from golden_thread.storage.store import Store

    duck, _, network_id = both
    postgres = Store(loaded)
    differences = []
    try:
        for scope in (None, duck.choose_scope(1), duck.resolve_scope(network_id)):
            a, b = (duck, postgres) if scope is None else (duck.within(scope), postgres.within(scope))
            for name, read in _reads(network_id).items():
                if name in ("observation_fingerprints", "audit_log"):
                    continue  # the engines' own hashes; when each record was written
                try:
                    expected = _without_moments(read(a))
                except Exception:  # noqa: BLE001 - not a read this organisation may make
                    continue
                try:
                    _same(_without_moments(read(b)), expected)
                except Exception as error:  # noqa: BLE001 - every difference listed at once
                    differences.append(f"{scope and scope.name}: {name}: {str(error).splitlines()[0]}")
    finally:
        postgres.close()
    assert differences == []


def test_two_processes_on_one_postgresql_see_each_others_entries_and_refuse_a_stale_correction(loaded):
    from golden_thread.domain.observations import ProposedObservation
    from golden_thread.errors import StaleEdit
    from golden_thread.storage.store import Store

    first, second = Store(loaded), Store(loaded)  # each as its own process would hold it: its own pool
    try:
        trust = first.choose_scope(1)
        here, there = first.within(trust), second.within(trust)
        measure_id = int(here.observations().drop_nulls("value")["measure_id"][0])
        latest = here.observations([measure_id]).sort("period_start").row(-1, named=True)
        seen = {key: latest[key] for key in ("value", "numerator", "denominator")}
        _, versions_before = there.table_versions()
        here.save_observation(
            measure_id,
            ProposedObservation(latest["period_start"], value=str(latest["value"] + 1)),
            username="lead",
            today=DEMO_TODAY,
            correcting=True,
            expected=seen,
        )
        # The other process sees the entry on its next read, and the observation table's version has moved on.
        assert there.observations([measure_id]).sort("period_start")["value"][-1] == latest["value"] + 1
        _, versions_after = there.table_versions()
        assert versions_after["observation"] > versions_before.get("observation", 0)
        # A correction made against the figure as it was before is refused, and nothing is written.
        with pytest.raises(StaleEdit):
            there.save_observation(
                measure_id,
                ProposedObservation(latest["period_start"], value=str(latest["value"] + 5)),
                username="lead",
                today=DEMO_TODAY,
                correcting=True,
                expected=seen,
            )
        assert here.observations([measure_id]).sort("period_start")["value"][-1] == latest["value"] + 1
    finally:
        first.close()
        second.close()


# -- the commands on PostgreSQL ---------------------------------------------------------------------------------------


def test_the_commands_work_on_postgresql_and_its_export_equals_duckdbs(postgres_database, tmp_path, capsys):
    """``init``, ``demo``, ``check``, ``board-pack`` and ``export`` with ``--db postgresql://…``; the export holds the
    same files with the same rows as one made from the demo in a DuckDB file, but for when each row was written."""
    from golden_thread.cli import main

    url = f"postgresql:///?{postgres_database.replace(' ', '&')}"
    duck = str(tmp_path / "demo.duckdb")
    for db in (url, duck):
        assert main(["init", "--db", db]) == 0
        assert main(["demo", "--db", db]) == 0
        assert main(["export", str(tmp_path / ("from-postgres" if db == url else "from-duckdb")), "--db", db]) == 0
    capsys.readouterr()
    assert main(["check", "--db", url, "--organisation", "1"]) in (0, 1)  # 1: it found flags, as on the demo
    from_postgres_check = capsys.readouterr().out
    assert main(["check", "--db", duck, "--organisation", "1"]) in (0, 1)
    assert from_postgres_check == capsys.readouterr().out and "flag(s)" in from_postgres_check
    pack = tmp_path / "pack.pdf"
    assert main(["board-pack", "--db", url, "--organisation", "1", "--month", "2026-10", "--out", str(pack)]) == 0
    assert pack.read_bytes().startswith(b"%PDF") and pack.stat().st_size > 10_000

    from golden_thread.storage.transfer import read_export_manifest

    rows = read_export_manifest(tmp_path / "from-postgres")
    assert rows == read_export_manifest(tmp_path / "from-duckdb") and rows["observation"] > 1000
    postgres_files = sorted(path.name for path in (tmp_path / "from-postgres").iterdir())
    assert postgres_files == sorted(path.name for path in (tmp_path / "from-duckdb").iterdir())
    assert len(postgres_files) > 30
    for name in postgres_files:
        if not name.endswith(".csv"):
            continue
        frames = [
            pl.read_csv(tmp_path / folder / name, infer_schema=False) for folder in ("from-postgres", "from-duckdb")
        ]
        frames = [_without_moments(frame).drop(["generation"], strict=False) for frame in frames]
        if name == "audit_log.csv":
            frames = [frame.drop("id", strict=False) for frame in frames]
        _same(*frames)


def test_copy_moves_the_demo_from_duckdb_to_postgresql_and_back_with_nothing_lost(
    demo_db, postgres_database, tmp_path, capsys
):
    from golden_thread.cli import main
    from golden_thread.storage.store import TABLES, Store

    url = f"postgresql:///?{postgres_database.replace(' ', '&')}"
    back = tmp_path / "back.duckdb"
    assert main(["copy", "--from", str(demo_db), "--to", url]) == 0
    assert main(["copy", "--from", url, "--to", str(back)]) == 0
    assert "Copied" in capsys.readouterr().out
    original, returned, on_postgres = Store(demo_db, read_only=True), Store(back, read_only=True), Store(url)
    try:
        for table in TABLES:
            _same(on_postgres.table(table), original.table(table))
            _same(returned.table(table), original.table(table))
        assert (
            original.table("observation").height > 1000
            and original.table("app_user")["password_hash"].null_count() == 0
        )
        # PostgreSQL has counted the rows that arrived (ANALYZE), so the first pages are planned for them: a table
        # never analysed counts -1.
        counted = on_postgres._state.read(
            "SELECT reltuples::bigint AS counted FROM pg_class WHERE oid = 'main.observation'::regclass", native=True
        )
        assert counted["counted"].item() == original.table("observation").height
    finally:
        for store in (original, returned, on_postgres):
            store.close()
    # A database that holds data is never copied over.
    assert main(["copy", "--from", str(demo_db), "--to", url]) == 1
    assert "already holds data" in capsys.readouterr().err


# -- the app on PostgreSQL --------------------------------------------------------------------------------------------


def _screen_words(app) -> list[str]:
    """What a reader sees first on a screen: its headings, captions' absence aside, and its figures."""
    return [element.value for element in (*app.header, *app.subheader)] + [
        f"{metric.label}: {metric.value}" for metric in app.metric
    ]


@pytest.mark.slow
def test_every_screen_opens_on_postgresql_and_shows_what_it_shows_on_duckdb(both, loaded, tmp_path, monkeypatch):
    import shutil

    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from screens.registry import SCREENS
    from tests.conftest import ROOT, signed_in

    duck, _, _ = both
    copy = tmp_path / "demo.duckdb"
    shutil.copy(duck.path, copy)
    seen: dict[str, dict[str, list[str]]] = {}
    for engine, address in (("duckdb", str(copy)), ("postgres", loaded)):
        monkeypatch.setenv("GOLDEN_THREAD_DB", address)
        st.cache_resource.clear()  # the app's store is kept per process: each engine opens its own
        for screen in SCREENS:
            if screen.networks_only:
                continue
            app = signed_in(AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60), "admin")
            app.run()
            app.switch_page(str(ROOT / "screens" / screen.file))
            app.run()
            assert not app.exception, (engine, screen.file, [e.value for e in app.exception])
            seen.setdefault(screen.file, {})[engine] = _screen_words(app)
    st.cache_resource.clear()
    for screen, words in seen.items():
        assert words["postgres"] == words["duckdb"], screen
    assert any(words["duckdb"] for words in seen.values())


def test_an_export_imports_into_postgresql_and_a_database_it_cannot_reach_is_said_in_one_sentence(
    demo_db, postgres_database, tmp_path, capsys
):
    from golden_thread.cli import main
    from golden_thread.storage.store import Store

    url = f"postgresql:///?{postgres_database.replace(' ', '&')}"
    assert main(["export", str(tmp_path / "export"), "--db", str(demo_db), "--with-passwords"]) == 0
    assert main(["import", str(tmp_path / "export"), "--db", url]) == 0
    imported, original = Store(url), Store(demo_db, read_only=True)
    try:
        _same(imported.table("observation"), original.table("observation"))
    finally:
        imported.close()
        original.close()
    capsys.readouterr()
    nowhere = url.replace("dbname=", "dbname=no_such_")
    assert main(["check", "--db", nowhere]) != 0
    said = capsys.readouterr().err.strip()
    assert (
        said.count("\n") == 0 and "could not reach the PostgreSQL database no_such_" in said and "Traceback" not in said
    )


def test_a_sign_in_made_through_one_process_is_honoured_by_another_and_ends_everywhere(loaded):
    from golden_thread.storage.accounts import end_sessions, record_sign_in_failure, session_account, start_session
    from golden_thread.storage.store import Store

    first, second = Store(loaded), Store(loaded)
    try:
        _, versions = first.table_versions()
        token = start_session(first, "lead", dt.timedelta(hours=10))
        assert session_account(second, token)["username"] == "lead"  # the other process serves the next page
        record_sign_in_failure(second, "lead", "192.0.2.7")
        assert first.table_versions()[1] == versions  # sign-ins are not data: no kept chart is emptied
        assert end_sessions(second, "lead") == 1
        assert session_account(first, token) is None
    finally:
        first.close()
        second.close()


def test_a_registered_frame_and_a_copy_keep_column_names_that_hold_quotes_and_spaces(postgres_database):
    """A column may be named by a person's file: its name is quoted as an identifier, never pasted into the SQL."""
    from golden_thread.storage.postgres import PostgresCursor, connect

    frame = pl.DataFrame({'say "hi"; --': [1, 2], "period start": ["a", None]})
    with connect(postgres_database) as connection, connection.transaction():
        cursor = PostgresCursor(connection.cursor())
        cursor.register('rows "odd"', frame)
        read = cursor.sql('SELECT * FROM "rows ""odd""" ORDER BY 1').pl()
        cursor.unregister('rows "odd"')
    assert read.columns == frame.columns and read.rows() == [(1, "a"), (2, None)]
