"""Bad input to ``golden-thread spc`` exits non-zero with a message naming the row and the problem."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from golden_thread.cli import main


def _spc(tmp_path: Path, csv_text: str, options: dict, capsys) -> tuple[int, str]:
    (tmp_path / "in.csv").write_text(csv_text)
    (tmp_path / "o.json").write_text(json.dumps(options))
    code = main(
        ["spc", str(tmp_path / "in.csv"), "--options", str(tmp_path / "o.json"), "--out", str(tmp_path / "out.csv")]
    )
    return code, capsys.readouterr().err


@pytest.mark.parametrize(
    ("csv_text", "options", "message"),
    [
        ("x,y\n1,4\n2,abc\n3,5\n", {"chart": "xmr"}, "in.csv line 3: y 'abc' is not a number"),
        ("x,y,n\n1,4,10\n2,3,0\n", {"chart": "p"}, "in.csv line 3: denominator n must be greater than 0, not 0"),
        ("x,y,n\n1,4,10\n2,3,-5\n", {"chart": "u"}, "in.csv line 3: denominator n must be greater than 0, not -5"),
        ("x,y,n\n1,4,10\n2,12,10\n", {"chart": "p"}, "in.csv line 3: numerator y (12) is above its denominator n (10)"),
        ("x,y\n1,4\n", {"chart": "xmr", "colour": "red"}, "unknown option 'colour'"),
        ("x,y\n2024-01-01,4\n2024-13-01,5\n", {"chart": "xmr"}, "in.csv line 3: x '2024-13-01' is not an ISO date"),
        ("x,y\n1,4\nthree,5\n", {"chart": "xmr"}, "in.csv line 3: x 'three' is not a whole-number index"),
        ("x,y\n1,4\n1,5\n", {"chart": "xmr"}, "in.csv line 3: x 1 repeats line 2"),
        ("x,y\n1,4\n2,5\n", {"chart": "pie"}, "option 'chart' must be one of"),
        ("x,y\n1,4\n2,5\n", {"chart": "p"}, "a p chart needs a denominator column n"),
        ("x,y\n1,4\n2,5\n", {"chart": "xmr", "phase_starts": [7]}, "option phase_starts: 7 is not an x value"),
        ("x,y\n1,4\n2,5\n", {"chart": "xmr", "multiply": -3}, "option 'multiply' must be a positive number"),
        ("x,y\n1,-4\n2,5\n", {"chart": "c"}, "in.csv line 2: a c chart counts events; y cannot be negative"),
        ("", {"chart": "xmr"}, "the file is empty"),
        ("x,y\n1,\n2,\n", {"chart": "xmr"}, "in.csv: every y is empty; there is nothing to chart"),
        ("x,y,n\n1,4,10\n2,5,\n", {"chart": "run"}, "in.csv line 3: y is given but its denominator n is missing"),
        ("x,y,n\n1,4,10\n2,5,\n", {"chart": "u"}, "in.csv line 3: y is given but its denominator n is missing"),
    ],
)
def test_bad_input_names_the_row_and_the_problem(tmp_path, capsys, csv_text, options, message):
    code, err = _spc(tmp_path, csv_text, options, capsys)
    assert code != 0
    assert message in err
    assert not (tmp_path / "out.csv").exists()


def test_good_input_writes_one_row_per_input_row(tmp_path, capsys):
    code, err = _spc(tmp_path, "x,y\n1,4\n2,5\n3,\n4,6\n", {"chart": "xmr"}, capsys)
    assert code == 0, err
    lines = (tmp_path / "out.csv").read_text().splitlines()
    assert len(lines) == 5 and lines[0].startswith("x,y,phase,baseline,include,cl")


def test_an_unknown_output_format_is_refused(tmp_path, capsys):
    (tmp_path / "in.csv").write_text("x,y\n1,4\n2,5\n")
    with pytest.raises(SystemExit) as stopped:
        main(["spc", str(tmp_path / "in.csv"), "--out", str(tmp_path / "out.xml"), "--format", "xml"])
    assert stopped.value.code == 2
    assert "argument --format: invalid choice: 'xml' (choose from 'csv', 'json')" in capsys.readouterr().err
    assert not (tmp_path / "out.xml").exists()


@pytest.mark.parametrize("output_format", ["csv", "json"])
def test_an_output_that_cannot_be_written_is_named(tmp_path, capsys, output_format):
    (tmp_path / "in.csv").write_text("x,y\n1,4\n2,5\n")
    out = tmp_path / "no such folder" / "out.txt"
    code = main(["spc", str(tmp_path / "in.csv"), "--out", str(out), "--format", output_format])
    assert code == 2
    assert f"golden-thread spc: cannot write {out}: No such file or directory" in capsys.readouterr().err
