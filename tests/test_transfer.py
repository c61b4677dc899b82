"""Export and import: lossless round trip; one bad row anywhere writes nothing and is named."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from golden_thread.cli import main
from golden_thread.storage.store import TABLES, Store

pytestmark = pytest.mark.slow


@pytest.fixture
def exported(demo_db: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "export"
    assert main(["export", str(folder), "--db", str(demo_db), "--with-passwords"]) == 0
    return folder


def test_export_then_import_into_an_empty_database_is_lossless(demo_db, exported, tmp_path, empty_address):
    target = empty_address
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
    assert main(["export", str(again), "--db", str(target), "--with-passwords"]) == 0
    for table in TABLES:
        assert (again / f"{table}.csv").read_bytes() == (exported / f"{table}.csv").read_bytes(), table


def _read(address: str, read):
    """One read of the database at ``address``, closing it after (a PostgreSQL store holds a pool of connections)."""
    store = Store(address)
    try:
        return read(store)
    finally:
        store.close()


def _break_line(path: Path, line: int, column: str, value: str) -> None:
    """Put ``value`` in one cell of an exported CSV, as a person editing it in a spreadsheet would."""
    frame = pl.read_csv(path, infer_schema_length=0)
    index = line - 2
    frame = frame.with_columns(
        pl.when(pl.int_range(frame.height) == index).then(pl.lit(value)).otherwise(pl.col(column)).alias(column)
    )
    frame.write_csv(path)


def test_an_import_with_one_bad_row_writes_nothing_and_names_that_row(exported, tmp_path, capsys, empty_address):
    _break_line(exported / "observation.csv", 40, "measure_id", "9999")
    target = empty_address
    assert main(["import", str(exported), "--db", str(target)]) == 1
    err = capsys.readouterr().err
    assert "observation.csv line 40" in err and "9999" in err
    assert "nothing was imported" in err
    store = Store(target)
    assert store.is_empty() and store.observations().height == 0
    store.close()


def test_every_bad_row_is_listed_with_its_reason(exported, tmp_path, capsys, empty_address):
    _break_line(exported / "observation.csv", 5, "value", "twelve")
    _break_line(exported / "measure.csv", 3, "chart_type", "pie")
    _break_line(exported / "project.csv", 2, "start_date", "31/02/2025")
    target = empty_address
    assert main(["import", str(exported), "--db", str(target)]) == 1
    err = capsys.readouterr().err
    assert "observation.csv line 5: value 'twelve' is not a number" in err
    assert (
        "project.csv line 2: start_date '31/02/2025' is not a date: February 2025 has no day 31 (read as "
        "day/month/year); write it as YYYY-MM-DD (2026-10-01) or day/month/year (01/10/2026)\n" in err
    )
    assert _read(target, Store.is_empty)


def test_a_refused_schema_rule_is_named_by_line(exported, tmp_path, capsys, empty_address):
    _break_line(exported / "measure.csv", 3, "chart_type", "pie")
    target = empty_address
    assert main(["import", str(exported), "--db", str(target)]) == 1
    err = capsys.readouterr().err
    assert "measure.csv line 3: chart_type 'pie' is not one of run, xmr, p, p_prime, u, u_prime, c" in err
    assert _read(target, Store.is_empty)


def test_import_into_a_database_that_already_holds_data_is_refused(demo_db, exported, tmp_path, capsys, demo_address):
    target = demo_address
    before = _read(target, lambda store: store.observations().height)
    assert main(["import", str(exported), "--db", str(target)]) == 1
    assert "already holds an organisation" in capsys.readouterr().err
    assert _read(target, lambda store: store.observations().height) == before


def test_an_unknown_file_or_column_is_refused(exported, tmp_path, capsys, empty_address):
    (exported / "patients.csv").write_text("nhs_number\n1234567890\n")
    assert main(["import", str(exported), "--db", empty_address]) == 1
    assert "patients.csv line 1: not a Golden Thread table" in capsys.readouterr().err


def test_a_project_with_two_primary_links_is_refused(exported, tmp_path, capsys, empty_address):
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
    target = empty_address
    assert main(["import", str(exported), "--db", str(target)]) == 1
    assert "more than one primary link" in capsys.readouterr().err
    assert _read(target, Store.is_empty)


def _line_of_a_p_chart_observation(folder: Path) -> tuple[int, dict]:
    """The line of observation.csv holding the first observation of a p-chart measure, and its cells."""
    measures = pl.read_csv(folder / "measure.csv", infer_schema_length=0)
    p_charts = measures.filter(pl.col("chart_type") == "p")["id"].to_list()
    rows = pl.read_csv(folder / "observation.csv", infer_schema_length=0).with_row_index("index")
    row = rows.filter(pl.col("measure_id").is_in(p_charts)).row(0, named=True)
    return row["index"] + 2, row


def test_the_organisation_import_refuses_what_the_form_refuses_and_writes_nothing(
    exported, tmp_path, capsys, empty_address
):
    """Numerator above denominator and a fractional count on a p chart, a month that does not start on the 1st:
    each named by file, line and reason, as the form and the CSV import name them; nothing written."""
    line, row = _line_of_a_p_chart_observation(exported)
    _break_line(exported / "observation.csv", line, "numerator", str(int(float(row["denominator"])) + 10))
    _break_line(exported / "observation.csv", line + 1, "numerator", "30.5")
    _break_line(exported / "observation.csv", line + 1, "denominator", "40")
    _break_line(exported / "observation.csv", line + 2, "period_start", "2019-01-15")
    target = empty_address
    assert main(["import", str(exported), "--db", str(target)]) == 1
    err = capsys.readouterr().err
    over = int(float(row["denominator"]))
    assert (
        f"observation.csv line {line}: {over + 10} of {over} — the numerator (eligible cases meeting the standard) "
        "cannot be more than the denominator (all eligible cases): a proportion cannot be above 100%\n"
    ) in err
    assert (
        f"observation.csv line {line + 1}: 30.5 of 40 — the numerator (eligible cases meeting the standard) counts "
        "patients, cases or events, so it must be a whole number\n"
    ) in err
    assert (
        f"observation.csv line {line + 2}: 15 January 2019 is not the start of a month; monthly periods start on "
        "the 1st (e.g. 2019-01-01)\n"
    ) in err
    assert "nothing was imported" in err
    store = Store(target)
    try:
        assert store.is_empty() and store.observations().height == 0 and store.audit_log().height == 0
    finally:
        store.close()


def test_day_first_dates_are_read_as_a_spreadsheet_saves_them(demo_db, exported, tmp_path, empty_address):
    """A British spreadsheet saves 2024-03-01 as 01/03/2024: the import reads it as the same day."""
    projects = pl.read_csv(exported / "project.csv", infer_schema_length=0)
    projects.with_columns(
        pl.col("start_date").str.to_date().dt.strftime("%d/%m/%Y"),
    ).write_csv(exported / "project.csv")
    target = empty_address
    assert main(["import", str(exported), "--db", str(target)]) == 0
    original, copy = Store(demo_db), Store(target)
    try:
        assert copy.table("project").equals(original.table("project"))
    finally:
        original.close()
        copy.close()
