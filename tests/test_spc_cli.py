"""``golden-thread spc --format json``: the chart's rows and its summary (icons, phases, runs analysis, sentence)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import polars as pl
import pytest

from golden_thread.cli import main
from golden_thread.spc.engine import analyse_series
from golden_thread.spc.series_file import read_options, read_series
from golden_thread.spc.summary import summarise

CASES = Path(__file__).parent / "spc_cases"
ANHOEJ_RUNS = ["n_obs", "n_useful", "longest_run", "longest_run_max", "n_crossings", "n_crossings_min", "run_signal"]


def _spc(case: Path, out: Path, *extra: str) -> int:
    return main(["spc", str(case / "input.csv"), "--options", str(case / "options.json"), "--out", str(out), *extra])


def _same(expected: str | None, actual) -> bool:
    if expected in (None, ""):
        return actual is None
    if expected in ("true", "false"):
        return actual is (expected == "true")
    if isinstance(actual, str) or actual is None:
        return actual == expected
    return abs(float(actual) - float(expected)) <= 1e-9 * abs(float(expected)) + 1e-12


@pytest.mark.parametrize("name", ["run_part_15", "na_ptd_30"])
def test_json_holds_the_rows_and_the_summary(name: str, tmp_path: Path) -> None:
    case = CASES / name
    assert _spc(case, tmp_path / "chart.json", "--format", "json") == 0
    document = json.loads((tmp_path / "chart.json").read_text())
    options = json.loads((case / "options.json").read_text())
    assert document["options"]["chart"] == options["chart"] and document["options"]["rules"] == options["rules"]

    # Rows: the reference's numbers, the same as the CSV gives.
    expected = pl.read_csv(case / "expected.csv", infer_schema_length=0)
    rows = document["rows"]
    assert len(rows) == expected.height
    for i, want in enumerate(expected.iter_rows(named=True)):
        for column, value in want.items():
            assert _same(value, rows[i][column]), f"row {i + 1} {column}: expected {value!r}, got {rows[i][column]!r}"
    assert _spc(case, tmp_path / "chart.csv") == 0
    csv_rows = pl.read_csv(tmp_path / "chart.csv", infer_schema_length=0)
    assert csv_rows.columns == list(rows[0])

    # Summary: the app's (summarise), dates as ISO text; icons on every row too.
    reference = read_options(case / "options.json")
    xs, ys, ns = read_series(case / "input.csv", reference)
    starts = tuple(x for x in xs if str(x) in map(str, reference.phase_starts))
    app = summarise(analyse_series(xs, ys, dataclasses.replace(reference, phase_starts=starts), n=ns))
    app_row = app.row(0, named=True)
    summary = document["summary"]
    for key in ("variation_icon", "assurance_icon", "state", "special_cause_type", "summary"):
        assert summary[key] == app_row[key], key
    assert str(summary["latest_x"]) == str(app_row["latest_x"])
    assert summary["summary"].endswith(".") and len(summary["summary"]) > 20
    assert {row["variation_icon"] for row in rows} == {summary["variation_icon"]}
    assert {row["assurance_icon"] for row in rows} == {summary["assurance_icon"]}
    icons = json.loads((case / "expected_summary.json").read_text())
    for key in ("variation_icon", "assurance_icon"):
        if key in icons:
            assert summary[key] == icons[key]

    # Phases: one per phase, each with its span, centre line and (Anhoej) runs analysis from the rows.
    phases = summary["phases"]
    assert [p["phase"] for p in phases] == sorted({int(v) for v in expected["phase"]})
    for phase in phases:
        mine = [r for r in rows if r["phase"] == phase["phase"]]
        assert phase["first_x"] == mine[0]["x"] and phase["last_x"] == mine[-1]["x"]
        assert phase["points"] == len(mine)
        assert phase["values"] == sum(r["y"] is not None for r in mine)
        assert phase["baseline_points"] == sum(r["baseline"] for r in mine)
        assert phase["cl"] == mine[0]["cl"]
        if options["rules"] == "anhoej":
            assert phase["runs_analysis"] == {key: mine[0][key] for key in ANHOEJ_RUNS}
        else:
            assert phase["short_group_warning"] == mine[0]["short_group_warning"]
            assert sum(phase["point_types"].values()) == phase["values"]


def test_json_of_a_run_chart_names_its_runs_analysis(tmp_path: Path) -> None:
    assert _spc(CASES / "run_part_15", tmp_path / "chart.json", "--format", "json") == 0
    summary = json.loads((tmp_path / "chart.json").read_text())["summary"]
    assert [p["runs_analysis"]["n_useful"] for p in summary["phases"]] == [14, 14]
    assert summary["assurance_icon"] is None and summary["lcl"] is None
    assert summary["summary"] == "Random variation: no signal in the runs analysis."


def test_json_of_a_making_data_count_chart_explains_its_icons(tmp_path: Path) -> None:
    assert _spc(CASES / "na_ptd_30", tmp_path / "chart.json", "--format", "json") == 0
    summary = json.loads((tmp_path / "chart.json").read_text())["summary"]
    assert summary["variation_icon"] == "special_cause_improvement"
    assert summary["assurance_icon"] == "consistent_pass"
    assert summary["latest_x"] == "2024-06-01"
    assert summary["summary"].startswith("Special cause improvement: the latest point (June 2024) is below the lower")
    assert "target of 60 lies outside the process limits on the good side" in summary["summary"]
    assert summary["suggested_phase_start"] is None  # 5 + 3 points above the mean: the missing row 20 ends the run
    (phase,) = summary["phases"]
    assert (phase["points"], phase["values"], phase["baseline_points"]) == (30, 27, 11)
    assert phase["point_types"]["special_cause_improvement"] == 1


def test_csv_is_the_default_and_carries_the_icons(tmp_path: Path) -> None:
    assert _spc(CASES / "ptd_target_inconsistent", tmp_path / "chart.csv") == 0
    frame = pl.read_csv(tmp_path / "chart.csv")
    assert frame.columns[-2:] == ["variation_icon", "assurance_icon"]
    assert frame["assurance_icon"].unique().to_list() == ["inconsistent"]
