"""Every reference chart in tests/spc_cases (computed by qicharts2 and NHSRplotthedots) agrees through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from golden_thread.cli import main

CASES = sorted(p for p in (Path(__file__).parent / "spc_cases").iterdir() if p.is_dir())
MDC_CASES = [c for c in CASES if "variation_icon" in json.loads((c / "expected_summary.json").read_text())]


def _agree(expected: str | None, actual: str | None) -> bool:
    if expected in (None, ""):
        return actual in (None, "")
    if expected in ("true", "false"):
        return actual == expected
    try:
        want = float(expected)
    except ValueError:
        return actual == expected
    if actual in (None, ""):
        return False
    return abs(float(actual) - want) <= 1e-9 * abs(want) + 1e-12


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_case_agrees_with_reference(case: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    assert main(["spc", str(case / "input.csv"), "--options", str(case / "options.json"), "--out", str(out)]) == 0
    expected = pl.read_csv(case / "expected.csv", infer_schema_length=0)
    actual = pl.read_csv(out, infer_schema_length=0)
    assert actual.height == expected.height
    mismatches = [
        f"row {i + 1} {column}: expected {e!r}, got {a!r}"
        for column in expected.columns
        for i, (e, a) in enumerate(zip(expected[column], actual[column]))
        if not _agree(e, a)
    ]
    assert not mismatches, "\n".join(mismatches[:20])


@pytest.mark.parametrize("case", MDC_CASES, ids=[c.name for c in MDC_CASES])
def test_case_icons_agree(case: Path, tmp_path: Path) -> None:
    """The icons ``golden-thread spc`` writes (the chart's, at its last point, on every row) are the reference's."""
    summary = json.loads((case / "expected_summary.json").read_text())
    out = tmp_path / "out.csv"
    assert main(["spc", str(case / "input.csv"), "--options", str(case / "options.json"), "--out", str(out)]) == 0
    actual = pl.read_csv(out, infer_schema_length=0)
    for column in ("variation_icon", "assurance_icon"):
        assert actual[column].n_unique() == 1, f"{column} differs between rows"
        assert actual[column][-1] == summary[column], column
