"""Export and import: lossless round trip; one bad row anywhere writes nothing and is named."""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
import pytest

from golden_thread.cli import main
from golden_thread.storage.store import TABLES, Store

pytestmark = pytest.mark.slow


@pytest.fixture
def exported(demo_db: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "export"
    assert main(["export", str(folder), "--db", str(demo_db)]) == 0
    return folder


def test_export_then_import_into_an_empty_database_is_lossless(demo_db, exported, tmp_path):
    target = tmp_path / "copy.duckdb"
    assert main(["import", str(exported), "--db", str(target)]) == 0
    original, copy = Store(demo_db), Store(target)
    try:
        for table in TABLES:
            assert copy.table(table).equals(original.table(table)), table
        assert copy.observations().height > 1000
    finally:
        original.close()
        copy.close()
    again = tmp_path / "again"
    assert main(["export", str(again), "--db", str(target)]) == 0
    for table in TABLES:
        assert (again / f"{table}.csv").read_bytes() == (exported / f"{table}.csv").read_bytes(), table


def _break_line(path: Path, line: int, column: str, value: str) -> None:
    """Put ``value`` in one cell of an exported CSV, as a person editing it in a spreadsheet would."""
    frame = pl.read_csv(path, infer_schema_length=0)
    index = line - 2
    frame = frame.with_columns(
        pl.when(pl.int_range(frame.height) == index).then(pl.lit(value)).otherwise(pl.col(column)).alias(column)
    )
    frame.write_csv(path)


def test_an_import_with_one_bad_row_writes_nothing_and_names_that_row(exported, tmp_path, capsys):
    _break_line(exported / "observation.csv", 40, "measure_id", "9999")
    target = tmp_path / "copy.duckdb"
    assert main(["import", str(exported), "--db", str(target)]) == 1
    err = capsys.readouterr().err
    assert "observation.csv line 40" in err and "9999" in err
    assert "nothing was imported" in err
    store = Store(target)
    assert store.is_empty() and store.observations().height == 0
    store.close()


def test_every_bad_row_is_listed_with_its_reason(exported, tmp_path, capsys):
    _break_line(exported / "observation.csv", 5, "value", "twelve")
    _break_line(exported / "measure.csv", 3, "chart_type", "pie")
    _break_line(exported / "project.csv", 2, "start_date", "31/02/2025")
    target = tmp_path / "copy.duckdb"
    assert main(["import", str(exported), "--db", str(target)]) == 1
    err = capsys.readouterr().err
    assert "observation.csv line 5: value 'twelve' is not a number" in err
    assert "project.csv line 2: start_date '31/02/2025' is not a date (YYYY-MM-DD)" in err
    assert Store(target).is_empty()


def test_a_refused_schema_rule_is_named_by_line(exported, tmp_path, capsys):
    _break_line(exported / "measure.csv", 3, "chart_type", "pie")
    target = tmp_path / "copy.duckdb"
    assert main(["import", str(exported), "--db", str(target)]) == 1
    err = capsys.readouterr().err
    assert "measure.csv line 3: chart_type 'pie' is not one of run, xmr, p, p_prime, u, u_prime, c" in err
    assert Store(target).is_empty()


def test_import_into_a_database_that_already_holds_data_is_refused(demo_db, exported, tmp_path, capsys):
    target = tmp_path / "busy.duckdb"
    shutil.copy(demo_db, target)
    before = Store(target).observations().height
    assert main(["import", str(exported), "--db", str(target)]) == 1
    assert "already holds an organisation" in capsys.readouterr().err
    assert Store(target).observations().height == before


def test_an_unknown_file_or_column_is_refused(exported, tmp_path, capsys):
    (exported / "patients.csv").write_text("nhs_number\n1234567890\n")
    assert main(["import", str(exported), "--db", str(tmp_path / "x.duckdb")]) == 1
    assert "patients.csv line 1: not a Golden Thread table" in capsys.readouterr().err


def test_a_project_with_two_primary_links_is_refused(exported, tmp_path, capsys):
    links = pl.read_csv(exported / "project_link.csv", infer_schema_length=0)
    extra = (
        links.filter(pl.col("is_primary") == "true")
        .head(1)
        .with_columns(
            pl.lit(None, dtype=pl.Utf8).alias("change_idea_id"),
            pl.lit(None, dtype=pl.Utf8).alias("driver_id"),
            pl.lit("1").alias("aim_id"),
        )
    )
    pl.concat([links, extra]).write_csv(exported / "project_link.csv")
    target = tmp_path / "copy.duckdb"
    assert main(["import", str(exported), "--db", str(target)]) == 1
    assert "more than one primary link" in capsys.readouterr().err
    assert Store(target).is_empty()
