"""PostgreSQL beside DuckDB (issue 19): the store's SQL, written once in DuckDB's dialect, as PostgreSQL runs it;
the same numbered migrations make the same tables on both engines; and PostgreSQL holds the same constraints.

The tests that need a server start a throw-away one (``postgres_server`` in conftest.py) and are skipped with a
message on a machine without PostgreSQL."""

from __future__ import annotations

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


@pytest.fixture
def demo_on_both(demo_db, postgres_database):
    """The demo trust in DuckDB and the same rows copied into PostgreSQL: (the DuckDB store, the PostgreSQL one)."""
    from golden_thread.storage.postgres import copy_rows
    from golden_thread.storage.store import TABLES, Store

    duck = Store(demo_db, read_only=True)
    url = f"postgresql:///?{postgres_database.replace(' ', '&')}"
    postgres = Store(url)
    frames = {table: duck.table(table) for table in TABLES}
    frames |= {table: duck._query(f"SELECT * FROM {table}") for table in ("data_version", "table_version")}
    copy_rows(postgres_database, {table: frame for table, frame in frames.items() if frame.height})
    yield duck, postgres
    postgres.close()
    duck.close()


def test_every_read_of_the_demo_gives_the_same_frame_from_postgresql(demo_on_both):
    from polars.testing import assert_frame_equal

    from golden_thread.domain.checks import QUIET_GRACE_PERIODS, STALE_PROJECT_DAYS

    duck, postgres = demo_on_both
    trust = duck.choose_scope(None)
    for scope_name, (a, b) in {
        "whole": (duck, postgres),
        "trust": (duck.within(trust), postgres.within(trust)),
    }.items():
        reads = {
            "measures": lambda s: s.measures(),
            "observations": lambda s: s.observations(),
            "observations of two": lambda s: s.observations([1, 2]),
            "project_alignment": lambda s: s.project_alignment(),
            "objectives_overview": lambda s: s.objectives_overview(),
            "board_measures": lambda s: s.board_measures(),
            "aims": lambda s: s.aims(),
            "thread_breaks": lambda s: s.thread_breaks(  # in no promised order
                DEMO_TODAY, stale_days=STALE_PROJECT_DAYS, quiet_grace_periods=QUIET_GRACE_PERIODS
            ).sort(pl.all()),
            **{
                f"thread_rows {part}": (lambda s, part=part: s.thread_rows((part,))[part])
                for part in ("aims", "drivers", "driver_links", "change_ideas", "projects", "cycles", "measures")
            },
        }
        for name, read in reads.items():
            try:
                assert_frame_equal(read(b), read(a))
            except AssertionError as error:
                raise AssertionError(f"{scope_name}: {name}: {error}") from None


def test_a_chart_computed_from_postgresql_equals_the_one_computed_from_duckdb(demo_on_both):
    from polars.testing import assert_frame_equal

    from golden_thread.services.checks import check_thread
    from golden_thread.services.measure_series import measure_charts

    duck, postgres = demo_on_both
    trust = duck.choose_scope(None)
    for frame_from_postgres, frame_from_duckdb in zip(
        measure_charts(postgres.within(trust)), measure_charts(duck.within(trust)), strict=True
    ):
        assert_frame_equal(frame_from_postgres, frame_from_duckdb)
    assert_frame_equal(check_thread(postgres.within(trust), DEMO_TODAY), check_thread(duck.within(trust), DEMO_TODAY))
