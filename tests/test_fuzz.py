"""Fuzzing what users hand us: over a thousand generated bad inputs, each refused with a specific message, none
crashing, none writing a single row.

Four doors are tried: the data-entry checks (``check_observation``, through ``Store.save_observation``), an
observation file (``read_observation_file`` -> ``plan_import`` -> ``Store.commit_import``), a whole
organisation (``transfer.import_organisation``, whose causes are also named once each, in words) and the command
line given a mistaken or damaged database (one sentence each, nothing changed). Every input is bad by construction (a wrong type, NaN or
infinity, a number too big, an empty file, a wrong encoding, random bytes, a formula, a missing or extra
column, a very long string...), so each must be refused, with the module's own refusal exception, naming
the field, file or line at fault; and the database must be the same afterwards.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import math
import shutil
import tempfile
from collections import Counter
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from golden_thread.domain.figures import read_date
from golden_thread.domain.observation_import import ObservationFileError, plan_import, read_observation_file
from golden_thread.domain.observations import ProposedObservation, check_observation, uses_denominator
from golden_thread.errors import Refused
from golden_thread.storage.store import TABLES, Store
from golden_thread.storage.transfer import ImportRefused, import_organisation
from tests.conftest import copy_of_the_demo

pytestmark = pytest.mark.slow
TODAY = dt.date(2026, 11, 23)
FUZZED: Counter = Counter()
SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

FORMULAS = [
    "=cmd|' /C calc'!A0",
    "+SUM(A1)",
    "@x",
    "-1+1",
    "=1+1",
    '=HYPERLINK("http://x","click")',
    "@SUM(1)",
    "-2-3",
    "=2+5+cmd|' /C calc'!A0",
]
NOT_NUMBERS = FORMULAS + [
    "NaN",
    "nan",
    "inf",
    "-inf",
    "Infinity",
    "1e400",
    "9" * 400,
    "-" + "9" * 400,
    "abc",
    "1.2.3",
    "12%",
    "£5",
    "x" * 50_000,
    "0x1A",
    "1 000 000",
    "half",
    "None",
    "\x00",
]
NOT_DATES = FORMULAS + [
    "2026-13-01",
    "2026-02-30",
    "31/01/2026",
    "01/31/2026",
    "January 2026",
    "NaN",
    "x" * 50_000,
    "2026/01/01",
    "yesterday",
    "\x00",
    "0000-01-01",
    "2026-00-01",
]


@pytest.fixture(scope="module")
def fuzz_store(engine: str, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Store:
    store = Store(copy_of_the_demo(engine, request, tmp_path_factory.mktemp("fuzz")))
    before = _full_fingerprint(store)
    yield store
    assert _full_fingerprint(store) == before, "fuzzing wrote to the database"
    store.close()
    print(f"\nfuzzed inputs: {dict(FUZZED)}, {sum(FUZZED.values())} in all")
    if len(FUZZED) == 4:  # every fuzzing test ran
        assert sum(FUZZED.values()) >= 1000


@pytest.fixture(scope="module")
def measures(fuzz_store: Store) -> dict[str, dict]:
    """One measure of each kind the checks treat differently."""
    return {
        "p": fuzz_store.measure(2),
        "u": fuzz_store.measure(1),
        "xmr": fuzz_store.measure(6),
        "c": fuzz_store.measure(7),
        "weekly ratio": fuzz_store.measure(21),
    }


def _fingerprint(store: Store) -> tuple:
    """What the entry and file-import doors could change: every observation (hashed) and the audit log."""
    return store.observations().hash_rows(seed=1).sum(), store.audit_log().height


def _full_fingerprint(store: Store) -> dict:
    return {t: (store.table(t).height, store.table(t).hash_rows(seed=1).sum()) for t in TABLES}


def _specific(message: str) -> bool:
    return isinstance(message, str) and len(message.strip()) >= 10


# -- the data-entry checks ----------------------------------------------------------------------------------

wrong_types = st.one_of(
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.booleans(),
    st.complex_numbers(allow_nan=False, allow_infinity=False).filter(lambda z: z.imag != 0),
    st.sets(st.integers(), max_size=2),
    st.builds(object),
    st.just(Ellipsis),
)


def _not_number_text(text: str) -> bool:
    try:
        float(text.replace(",", "").strip())
    except ValueError:
        return text.strip() != ""
    return False


bad_numbers = st.one_of(
    st.sampled_from([v for v in NOT_NUMBERS if v.strip()]),
    st.text(max_size=40).filter(_not_number_text),
    st.sampled_from([math.nan, math.inf, -math.inf]),
    st.integers(min_value=2**1024).map(lambda n: n * (-1) ** (n % 2)),  # beyond what a float holds
    st.sampled_from(["1,5", "12,50", "1,2,3", "1,0000"]),  # an ambiguous comma
    wrong_types,
)


@st.composite
def bad_entries(draw, measures: dict[str, dict]):
    """A proposed observation for a measure with exactly one field spoilt; returns (what was spoilt, measure, it)."""
    kind = draw(st.sampled_from(sorted(measures)))
    measure = measures[kind]
    ratio = uses_denominator(measure)
    period = dt.date(2019, draw(st.integers(1, 12)), 1)
    if measure["frequency"] == "weekly":
        period = dt.date(2019, 1, 7) + dt.timedelta(weeks=draw(st.integers(0, 50)))
    fields = {
        "period_start": period,
        "value": None if ratio else 4,
        "numerator": 3 if ratio else None,
        "denominator": 9 if ratio else None,
        "note": draw(st.sampled_from([None, "", "ok", *FORMULAS])),
    }
    spoilt = draw(st.sampled_from(["period_start", "note", "value"] + (["numerator", "denominator"] if ratio else [])))
    if spoilt == "period_start":
        fields[spoilt] = draw(
            st.one_of(
                st.sampled_from(NOT_DATES),
                st.text(max_size=30).filter(lambda t: not _is_iso_date(t)),
                wrong_types,
                st.none(),
                st.floats(allow_nan=True),
                st.dates(max_value=dt.date(9998, 1, 1)).filter(lambda d: _misaligned(d, measure)),  # not a period start
                st.dates(min_value=dt.date(2026, 12, 1)),  # has not ended
                st.datetimes(min_value=dt.datetime(2026, 12, 1)),
            )
        )
    elif spoilt == "note":
        fields[spoilt] = "x" * draw(st.integers(2001, 100_000)) + draw(st.sampled_from(FORMULAS))  # too long
    elif spoilt == "value" and ratio:
        fields[spoilt] = draw(st.one_of(st.floats(0, 1e308), bad_numbers))  # a single value on a ratio chart
    elif spoilt == "value":
        choices = [bad_numbers, st.none(), st.just("   ")]
        if measure["chart_type"] != "xmr":
            choices.append(st.floats(max_value=-1e-9, allow_nan=False, allow_infinity=False))  # negative
        if measure["chart_type"] == "c":
            choices.append(st.floats(0, 1e15).filter(lambda x: x != int(x)))  # not a whole count
        fields[spoilt] = draw(st.one_of(*choices))
    elif spoilt == "numerator":
        choices = [bad_numbers, st.none(), st.floats(max_value=-1e-9, allow_nan=False, allow_infinity=False)]
        if measure["chart_type"] == "p":
            choices.append(st.floats(9.000001, 1e300))  # above the denominator
        fields[spoilt] = draw(st.one_of(*choices))
    else:
        fields[spoilt] = draw(
            st.one_of(bad_numbers, st.none(), st.floats(max_value=0, allow_nan=False, allow_infinity=False))
        )
    return spoilt, measure, ProposedObservation(**fields)


def _is_iso_date(text: str) -> bool:
    """Whether ``text`` is a date: in ISO, or one the form reads (day/month/year in the default day-first locale)."""
    try:
        dt.date.fromisoformat(text.strip())
    except ValueError:
        return read_date(text)[0] is not None
    return True


def _misaligned(day: dt.date, measure: dict) -> bool:
    return day.weekday() != 0 if measure["frequency"] == "weekly" else day.day != 1


FIELD_WORDS = {
    "period_start": ("period",),
    "value": ("value", "count"),
    "numerator": ("numerator",),
    "denominator": ("denominator",),
    "note": ("note",),
}


def test_the_entry_checks_refuse_every_bad_entry_and_save_nothing(fuzz_store, measures):
    before = _fingerprint(fuzz_store)

    @settings(max_examples=600, **SETTINGS)
    @given(case=bad_entries(measures))
    def check(case):
        spoilt, measure, proposed = case
        FUZZED["entry checks"] += 1
        row, problems = check_observation(proposed, measure, TODAY)
        assert row is None and problems, f"accepted: {proposed}"
        assert all(_specific(p) for p in problems), problems
        assert any(word in p.lower() for p in problems for word in FIELD_WORDS[spoilt]), (spoilt, problems)
        with pytest.raises(Refused) as refused:
            fuzz_store.save_observation(measure["id"], proposed, username="admin", today=TODAY)
        assert refused.value.problems == problems

    check()
    assert _fingerprint(fuzz_store) == before


def test_an_integer_too_big_for_a_float_is_refused_not_a_crash(measures):
    row, problems = check_observation(ProposedObservation(dt.date(2019, 1, 1), value=10**400), measures["xmr"], TODAY)
    assert row is None and any("Value" in p for p in problems)


def test_a_decimal_comma_is_not_read_as_a_thousands_separator(measures):
    row, problems = check_observation(ProposedObservation(dt.date(2019, 1, 1), value="1,5"), measures["xmr"], TODAY)
    assert row is None and problems


def test_a_missing_numerator_on_a_run_chart_of_a_proportion_asks_for_the_numerator(measures):
    measure = measures["weekly ratio"]
    assert measure["chart_type"] == "run" and uses_denominator(measure)
    row, problems = check_observation(
        ProposedObservation(dt.date(2019, 1, 7), numerator=None, denominator=9), measure, TODAY
    )
    assert row is None and any("numerator" in p.lower() for p in problems), problems


def test_a_run_chart_of_a_proportion_refuses_a_value_beside_its_numerator_and_denominator(measures):
    row, problems = check_observation(
        ProposedObservation(dt.date(2019, 1, 7), value=0, numerator=3, denominator=9), measures["weekly ratio"], TODAY
    )
    assert row is None and problems


# -- observation files --------------------------------------------------------------------------------------


def _csv_cell(value: str) -> str:
    return '"' + value.replace('"', '""') + '"' if any(c in value for c in ',"\n\r') else value


def _valid_rows(measure: dict, n: int) -> list[dict[str, str]]:
    """n good rows for the measure, on periods long before its data (so they would all be new)."""
    if measure["frequency"] == "weekly":
        periods = [dt.date(1990, 1, 1) + dt.timedelta(weeks=i) for i in range(n)]
    else:
        periods = [dt.date(1990 + i // 12, i % 12 + 1, 1) for i in range(n)]
    if uses_denominator(measure):
        return [
            {"period_start": str(p), "numerator": str(i % 5), "denominator": "10", "note": "ok"}
            for i, p in enumerate(periods)
        ]
    return [{"period_start": str(p), "value": str(i % 5), "note": "ok"} for i, p in enumerate(periods)]


def _bad_cell(draw, measure: dict, row: dict[str, str]) -> None:
    ratio = uses_denominator(measure)
    column = draw(st.sampled_from(["period_start", "note"] + (["numerator", "denominator"] if ratio else ["value"])))
    if column == "period_start":
        row[column] = draw(
            st.one_of(
                st.sampled_from(NOT_DATES),
                st.just(""),
                st.sampled_from(["2019-01-15", "2019-01-02", "2999-01-01", "2026-11-01"]),
            )
        )
        if measure["frequency"] == "weekly" and row[column] in ("2019-01-15", "2999-01-01"):
            row[column] = "2019-01-16"  # a Wednesday
    elif column == "note":
        row[column] = "x" * draw(st.integers(2001, 20_000)) + draw(st.sampled_from(FORMULAS))
    elif column == "denominator":
        row[column] = draw(st.sampled_from([v for v in NOT_NUMBERS if v.strip()] + ["0", "-3", ""]))
    else:  # a value, or a numerator (which may never be negative; an XmR chart's value may)
        wrong = [v for v in NOT_NUMBERS if v.strip()] + [""] + (["-3"] if measure["chart_type"] != "xmr" else [])
        row[column] = draw(st.one_of(st.sampled_from(wrong), st.text(min_size=1, max_size=20).filter(_not_number_text)))


def _encode(rows: list[dict[str, str]], columns: list[str]) -> str:
    lines = [",".join(columns)] + [",".join(_csv_cell(r.get(c, "")) for c in columns) for r in rows]
    return "\n".join(lines) + "\n"


def _xlsx(rows: list[dict[str, str]], columns: list[str]) -> bytes:
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"strings_to_formulas": False, "strings_to_numbers": False})
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, columns)
    for i, row in enumerate(rows, start=1):
        for j, column in enumerate(columns):
            sheet.write_string(i, j, row.get(column, "")[:32_000])  # Excel's limit per cell
    book.close()
    return buffer.getvalue()


@st.composite
def bad_files(draw, measures: dict[str, dict]):
    """(measure, content, filename, lines that must be named or None, what kind of badness)."""
    measure = measures[draw(st.sampled_from(sorted(measures)))]
    rows = _valid_rows(measure, draw(st.integers(1, 25)))
    columns = list(rows[0])
    kind = draw(
        st.sampled_from(
            ["empty", "random bytes", "encoding", "structure", "bad cells", "bad cells", "duplicate period", "excel"]
        )
    )
    name = draw(st.sampled_from(["data.csv", "DATA.CSV", "export.txt", "data.xlsx"]))
    if kind == "empty":
        return measure, draw(st.sampled_from([b"", b"\xef\xbb\xbf", b"\n", b"\r\n\r\n", b" "])), name, None, kind
    if kind == "random bytes":
        return (
            measure,
            draw(st.binary(min_size=1, max_size=3000)),
            draw(st.sampled_from(["data.csv", "data.xlsx", "data.xls", "data.txt", "data.pdf", "data"])),
            None,
            kind,
        )
    if kind == "encoding":
        rows[0]["note"] = draw(st.sampled_from(["Café", "naïve £5", "Ward Ü", "señal"]))
        encoding = draw(st.sampled_from(["latin-1", "cp1252", "utf-16", "utf-16-le", "utf-16-be", "utf-32"]))
        return measure, _encode(rows, columns).encode(encoding), "data.csv", None, kind
    if kind == "structure":
        change = draw(
            st.sampled_from(
                [
                    "no period column",
                    "unknown column",
                    "identifier column",
                    "header only",
                    "duplicate column",
                    "ragged row",
                    "open quote",
                ]
            )
        )
        if change == "no period column":
            columns.remove("period_start")
        elif change in ("unknown column", "identifier column"):
            extra = draw(
                st.sampled_from(
                    ["colour", "value2", "Ward", "=1+1"]
                    if change == "unknown column"
                    else ["NHS Number", "nhs_no", "Date of birth", "DOB", "Postcode", "Surname", "Patient name", "MRN"]
                )
            )
            columns.insert(draw(st.integers(0, len(columns))), extra)
        elif change == "header only":
            rows = []
        elif change == "duplicate column":
            columns.append(draw(st.sampled_from(columns)))
        text = _encode(rows, columns)
        if change == "ragged row":  # one data row with two fields too many
            lines = text.split("\n")
            lines[1] += ",1,2"
            text = "\n".join(lines)
        elif change == "open quote":
            text = text.replace("\n", '\n"', 1)
        return measure, text.encode(), name if not name.endswith("xlsx") else "data.csv", None, kind
    if kind == "duplicate period":
        i = draw(st.integers(0, len(rows) - 1))
        rows.append(dict(rows[i]))
        return measure, _encode(rows, columns).encode(), "data.csv", {len(rows) + 1}, kind
    spoilt = draw(st.lists(st.integers(0, len(rows) - 1), min_size=1, max_size=3, unique=True))
    for i in spoilt:
        _bad_cell(draw, measure, rows[i])
    lines = {i + 2 for i in spoilt}
    if kind == "excel":
        return measure, _xlsx(rows, columns), "data.xlsx", lines, kind
    return measure, _encode(rows, columns).encode(), name if not name.endswith("xlsx") else "data.csv", lines, kind


def test_bad_observation_files_are_refused_by_line_and_write_nothing(fuzz_store, measures):
    before = _fingerprint(fuzz_store)
    stored = {m["id"]: fuzz_store.observations([m["id"]]) for m in measures.values()}

    @settings(max_examples=320, **SETTINGS)
    @given(case=bad_files(measures))
    def check(case):
        measure, content, filename, lines, kind = case
        FUZZED["observation files"] += 1
        try:
            rows = read_observation_file(content, filename)
        except ObservationFileError as refused:
            assert _specific(str(refused)) and filename in str(refused), str(refused)
            assert lines is None or kind == "excel", f"a file with good structure was refused whole: {refused}"
            return
        plan = plan_import(measure, rows, stored[measure["id"]], TODAY)
        assert not plan.ok, f"{kind}: accepted {rows.head(3)}"
        assert all(2 <= line <= rows.height + 1 and _specific(text) for line, text in plan.problems), plan.problems
        if lines is not None:
            assert lines <= {line for line, _ in plan.problems}, (lines, plan.problems)
        with pytest.raises(Refused, match="nothing was imported"):
            fuzz_store.commit_import(plan, username="admin", filename=filename)

    check()
    assert _fingerprint(fuzz_store) == before


def test_an_excel_date_cell_is_read_as_the_date_it_shows(fuzz_store, measures):
    """Found while fuzzing: calamine hands a date cell over as '2019-01-01 00:00:00', which was refused as
    'not a date' although the sheet shows 2019-01-01."""
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer)
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["period_start", "value"])
    sheet.write_datetime(1, 0, dt.datetime(2019, 1, 1), book.add_format({"num_format": "dd/mm/yyyy"}))
    sheet.write_number(1, 1, 4.5)
    sheet.write_datetime(2, 0, dt.datetime(2019, 2, 1, 13, 30), book.add_format({"num_format": "dd/mm/yyyy hh:mm"}))
    sheet.write_number(2, 1, 5)
    book.close()
    rows = read_observation_file(buffer.getvalue(), "dates.xlsx")
    plan = plan_import(measures["xmr"], rows, fuzz_store.observations([6]), TODAY)
    assert plan.new["period_start"].to_list() == [dt.date(2019, 1, 1)]
    assert [line for line, _ in plan.problems] == [3]  # a time of day is not a period start: still refused


# -- a whole organisation -----------------------------------------------------------------------------------

ORGANISATION = {
    "organisation": [
        {"id": "1", "name": "Northfield Café Trust", "kind": "trust", "parent_id": "", "vocabulary": "health"},
        {"id": "2", "name": "Medicine", "kind": "division", "parent_id": "1", "vocabulary": "health"},
    ],
    "strategic_objective": [
        {"id": "1", "organisation_id": "1", "title": "Safer care", "category": "Quality", "status": "active"},
    ],
    "aim": [
        {
            "id": "1",
            "objective_id": "1",
            "title": "Fewer falls",
            "baseline_value": "4.2",
            "target_value": "3.0",
            "target_date": "2027-03-31",
            "adopted_on": "2025-01-01",
            "status": "active",
        },
    ],
    "measure": [
        {
            "id": "1",
            "name": "Falls per 1,000 bed days",
            "measure_type": "outcome",
            "aim_id": "1",
            "frequency": "monthly",
            "chart_type": "u",
            "rules": "mdc",
            "improvement_direction": "decrease",
            "target_value": "3",
            "multiplier": "1000",
            "decimal_places": "1",
            "expected_lag_days": "30",
            "status": "active",
        },
        {
            "id": "2",
            "name": "Length of stay",
            "measure_type": "balancing",
            "aim_id": "1",
            "frequency": "monthly",
            "chart_type": "xmr",
            "rules": "mdc",
            "improvement_direction": "decrease",
            "target_value": "",
            "multiplier": "1",
            "decimal_places": "2",
            "expected_lag_days": "30",
            "status": "active",
        },
    ],
    "observation": [
        {
            "measure_id": "1",
            "period_start": "2024-01-01",
            "value": "",
            "numerator": "12",
            "denominator": "3000",
            "status": "validated",
        },
        {
            "measure_id": "1",
            "period_start": "2024-02-01",
            "value": "",
            "numerator": "9",
            "denominator": "2900",
            "status": "validated",
        },
        {
            "measure_id": "2",
            "period_start": "2024-01-01",
            "value": "6.5",
            "numerator": "",
            "denominator": "",
            "status": "validated",
        },
        {
            "measure_id": "2",
            "period_start": "2024-02-01",
            "value": "6.1",
            "numerator": "",
            "denominator": "",
            "status": "provisional",
        },
    ],
}
# (file, column) -> what kind of column it is, for choosing a value that is wrong there whatever the row.
COLUMN_KINDS = {
    ("organisation", "id"): "int",
    ("organisation", "name"): "title",
    ("organisation", "kind"): "enum",
    ("organisation", "parent_id"): "reference",
    ("organisation", "vocabulary"): "enum",
    ("strategic_objective", "id"): "int",
    ("strategic_objective", "organisation_id"): "reference",
    ("strategic_objective", "title"): "title",
    ("strategic_objective", "category"): "enum",
    ("strategic_objective", "status"): "enum",
    ("aim", "id"): "int",
    ("aim", "objective_id"): "reference",
    ("aim", "title"): "title",
    ("aim", "baseline_value"): "float",
    ("aim", "target_value"): "float",
    ("aim", "target_date"): "date",
    ("aim", "adopted_on"): "date",
    ("aim", "status"): "enum",
    ("measure", "id"): "int",
    ("measure", "name"): "title",
    ("measure", "measure_type"): "enum",
    ("measure", "aim_id"): "reference",
    ("measure", "frequency"): "enum",
    ("measure", "chart_type"): "enum",
    ("measure", "rules"): "enum",
    ("measure", "improvement_direction"): "enum",
    ("measure", "target_value"): "float",
    ("measure", "multiplier"): "float",
    ("measure", "decimal_places"): "int",
    ("measure", "expected_lag_days"): "int",
    ("measure", "status"): "enum",
    ("observation", "measure_id"): "reference",
    ("observation", "period_start"): "date",
    ("observation", "status"): "enum",
}
BAD_BY_KIND = {
    "int": FORMULAS + ["abc", "1.5", "9" * 30, "99999999999", "NaN", "inf", "true", "x" * 20_000, "1e3"],
    "float": FORMULAS + ["abc", "NaN", "nan", "inf", "-inf", "Infinity", "1e400", "9" * 400, "1,5", "x" * 20_000],
    # 31/01/2026 is 31 January in the default day-first locale: a fine date for an aim's target, so not fuzzed here.
    "date": [d for d in NOT_DATES if d != "31/01/2026"] + ["20260101", "2026-01-01T00:00:00", "31/02/2026"],
    "enum": FORMULAS + ["", "NaN", "x" * 20_000, "TRUST", "Active ", "<b>active</b>"],
    "title": ["", "   ", "\t"],
    "reference": ["424242", "-1", "0"],
}


def _vouch(folder: str | Path) -> None:
    """The manifest an export writes last, for the files as they are: the fuzzing spoils what is in the files, not
    whether the folder is complete (tests/test_reliability_files.py tries that)."""
    tables = {}
    for path in sorted(Path(folder).glob("*.csv")):
        try:
            rows = pl.read_csv(path, infer_schema_length=0).height
        except Exception:  # noqa: BLE001 - a file that cannot be read is refused for that, not for its count
            rows = 0
        tables[path.stem] = {"file": path.name, "rows": rows}
    manifest = {"format": "golden-thread-export", "format_version": 1, "tables": tables}
    Path(folder, "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


@st.composite
def bad_organisations(draw):
    """The small organisation above with one thing wrong: {file name: bytes}, and the file at fault."""
    files = {table: [dict(row) for row in rows] for table, rows in ORGANISATION.items()}
    kind = draw(
        st.sampled_from(
            [
                "cell",
                "cell",
                "cell",
                "empty file",
                "random bytes",
                "encoding",
                "unknown column",
                "missing column",
                "duplicate row",
                "ragged row",
                "stranger file",
                "parent emptied",
            ]
        )
    )
    table = draw(st.sampled_from(sorted(files)))
    if kind == "cell":
        table, column = draw(st.sampled_from(sorted(COLUMN_KINDS)))
        rows = files[table]
        i = draw(st.integers(0, len(rows) - 1))
        if COLUMN_KINDS[(table, column)] == "reference" and column == "parent_id":
            i = 1  # the division's parent (the trust has none, rightly)
        rows[i][column] = draw(st.sampled_from(BAD_BY_KIND[COLUMN_KINDS[(table, column)]]))
    elif kind == "missing column":
        column = draw(
            st.sampled_from(
                {
                    "organisation": ["id", "name", "kind"],
                    "strategic_objective": ["organisation_id", "title", "category"],
                    "aim": ["objective_id", "title"],
                    "measure": ["name", "measure_type", "frequency", "chart_type", "aim_id"],
                    "observation": ["measure_id", "period_start"],
                }[table]
            )
        )
        for row in files[table]:
            del row[column]
    elif kind == "duplicate row":
        files[table].append(dict(files[table][0]))
    elif kind == "parent emptied":  # its header stays, its rows go: the rows below it point at nothing
        table = draw(st.sampled_from(["organisation", "strategic_objective", "aim", "measure"]))
        files[table] = []
    content = {
        f"{t}.csv": _encode(
            rows, list(ORGANISATION[t][0]) if kind != "missing column" or t != table else list(rows[0])
        ).encode()
        for t, rows in files.items()
    }
    if kind == "empty file":
        content[f"{table}.csv"] = b""
    elif kind == "random bytes":
        content[f"{table}.csv"] = draw(st.binary(min_size=1, max_size=2000))
    elif kind == "encoding":
        encoding = draw(st.sampled_from(["latin-1", "cp1252", "utf-16", "utf-16-le", "utf-32"]))
        if encoding in ("latin-1", "cp1252"):
            table = "organisation"  # the file with an accented name (ASCII is the same in every one of these)
        content[f"{table}.csv"] = _encode(files[table], list(ORGANISATION[table][0])).encode(encoding)
    elif kind == "unknown column":
        column = draw(st.sampled_from(["colour", "Name", " id", "=1+1", "x" * 300]))
        text = content[f"{table}.csv"].decode()
        header, rest = text.split("\n", 1)
        content[f"{table}.csv"] = (
            f"{header},{_csv_cell(column)}\n" + "".join(line + ",1\n" for line in rest.splitlines())
        ).encode()
    elif kind == "ragged row":
        text = content[f"{table}.csv"].decode()
        header, first, rest = text.split("\n", 2)
        content[f"{table}.csv"] = f"{header}\n{first},1,2\n{rest}".encode()
    elif kind == "stranger file":
        content[draw(st.sampled_from(["patients.csv", "Organisation.csv", "observation .csv", "audit.csv"]))] = (
            b"id\n1\n"
        )
        table = None
    return content, f"{table}.csv" if table else None, kind


def test_a_bad_organisation_import_is_refused_by_file_and_line_and_writes_nothing(tmp_path_factory):
    folder = tmp_path_factory.mktemp("org")
    Store(folder / "empty.duckdb").close()
    shutil.copy(folder / "empty.duckdb", folder / "target.duckdb")
    target = Store(folder / "target.duckdb")

    # the organisation itself is fine: the fuzzing below spoils one thing at a time
    with tempfile.TemporaryDirectory() as folder:
        for table, rows in ORGANISATION.items():
            Path(folder, f"{table}.csv").write_text(_encode(rows, list(rows[0])), encoding="utf-8")
        _vouch(folder)
        check = Store(":memory:")
        assert import_organisation(check, folder)["observation"] == 4
        check.close()

    @settings(max_examples=100, **SETTINGS)
    @given(case=bad_organisations())
    def fuzz(case):
        nonlocal target
        content, at_fault, kind = case
        FUZZED["organisation imports"] += 1
        with tempfile.TemporaryDirectory() as files:
            for name, data in content.items():
                Path(files, name).write_bytes(data)
            _vouch(files)
            try:
                counts = import_organisation(target, files)
            except (ImportRefused, Refused) as error:
                refused = error
            else:  # start the next example from an empty database again, then fail on this one
                target.close()
                shutil.copy(folder / "empty.duckdb", folder / "target.duckdb")
                target = Store(folder / "target.duckdb")
                pytest.fail(f"a bad organisation ({kind}, {at_fault}) was imported: {counts}")
        if isinstance(refused, ImportRefused):
            problems = refused.problems
            assert problems and all(
                p.file.endswith(".csv") and p.line >= 1 and _specific(p.reason) for p in problems
            ), problems
            if at_fault and kind != "parent emptied":
                assert any(p.file == at_fault for p in problems), (at_fault, [str(p) for p in problems])
        else:
            assert _specific(str(refused))
        assert target.is_empty() and not any(target.totals().values())

    fuzz()
    assert all(target.table(t).height == 0 for t in TABLES)
    target.close()


@pytest.mark.parametrize(
    "table, column, value, message",
    [
        ("measure", "multiplier", "1e400", "measure.csv line 2: multiplier '1e400' is not a finite number"),
        ("aim", "target_value", "NaN", "aim.csv line 2: target_value 'NaN' is not a finite number"),
        (
            "observation",
            "period_start",
            "0000-01-01",
            "observation.csv line 2: period_start '0000-01-01' is not a date",
        ),
        ("organisation", "id", None, "organisation.csv line 1: has no id column"),
    ],
)
def test_what_the_organisation_fuzzing_found_is_refused_by_name(tmp_path, table, column, value, message):
    """Found by the fuzzing above: an infinite multiplier and a NaN target were imported (charts and targets then
    broke), a year-0 period was imported (no page can show it), and a file without ids crashed the import."""
    for name, rows in ORGANISATION.items():
        rows = [dict(row) for row in rows]
        if name == table:
            for row in rows:
                if value is None:
                    del row[column]
                else:
                    row[column] = value
        Path(tmp_path, f"{name}.csv").write_text(_encode(rows, list(rows[0])), encoding="utf-8")
    _vouch(tmp_path)
    store = Store(":memory:")
    with pytest.raises(ImportRefused) as refused:
        import_organisation(store, tmp_path)
    assert any(str(problem).startswith(message) for problem in refused.value.problems), refused.value.problems
    assert store.is_empty()
    store.close()


# -- issue 20: an import names each cause once, in words; the command line answers every bad path in a sentence ----


@pytest.fixture(scope="module")
def demo_export(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from golden_thread.storage.transfer import export_organisation

    folder = tmp_path_factory.mktemp("demo-export") / "export"
    source = Store(demo_db, read_only=True)
    export_organisation(source, folder, with_passwords=True)
    source.close()
    return folder


def _spoiled(demo_export: Path, into: Path, table: str, spoil) -> Path:
    """A copy of the demo export with one table's file spoiled (its manifest count following it)."""
    folder = into / "export"
    shutil.copytree(demo_export, folder)
    frame = spoil(pl.read_csv(folder / f"{table}.csv", infer_schema_length=0))
    frame.write_csv(folder / f"{table}.csv")
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["tables"][table]["rows"] = frame.height
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


def _at(frame: pl.DataFrame, row: int, column: str, value: str) -> pl.DataFrame:
    return frame.with_columns(
        pl.when(pl.int_range(frame.height) == row).then(pl.lit(value)).otherwise(pl.col(column)).alias(column)
    )


def _loop_of_three(frame: pl.DataFrame) -> pl.DataFrame:
    a, b, c = frame["id"][5], frame["id"][6], frame["id"][7]
    return _at(_at(_at(frame, 5, "builds_on_id", b), 6, "builds_on_id", c), 7, "builds_on_id", a)


def _cause(table: str, spoil, expected):
    return pytest.param(table, spoil, expected, id=expected.__name__.strip("_"))


def _end_before_start(f):
    return f"project.csv line 5: end_date 2001-01-01 comes before start_date {f['start_date'][3]}"


def _builds_on_itself(f):
    return f"pdsa_cycle.csv line 6: PDSA cycle {f['id'][4]} builds on itself (builds_on_id {f['id'][4]})"


def _loop_of_cycles(f):
    a, b, c = f["id"][5], f["id"][6], f["id"][7]
    return f"pdsa_cycle.csv line 7: PDSA cycle {a} builds on itself through a loop of cycles: {a} → {b} → {c} → {a}"


def _own_ancestor(f):
    return f"organisation.csv line 2: organisation {f['id'][0]} is its own ancestor: {f['id'][0]} → {f['id'][3]}"


def _missing_column(f):
    return "measure.csv line 1: has no name column; every row needs its name"


def _duplicate_id(f):
    return f"aim.csv line {f.height + 1}: id {f['id'][0]} appears again (first on line 2); each id must be unique"


def _duplicate_key(f):
    first = f.row(0, named=True)
    return (
        f"observation.csv line {f.height + 1}: measure_id {first['measure_id']} and period_start "
        f"{first['period_start']} appears again (first on line 2); each measure_id and period_start must be unique"
    )


CAUSES = [
    _cause("project", lambda f: _at(f, 3, "end_date", "2001-01-01"), _end_before_start),
    _cause("pdsa_cycle", lambda f: _at(f, 4, "builds_on_id", f["id"][4]), _builds_on_itself),
    _cause("pdsa_cycle", _loop_of_three, _loop_of_cycles),
    _cause("organisation", lambda f: _at(f, 0, "parent_id", f["id"][3]), _own_ancestor),
    _cause("measure", lambda f: f.drop("name"), _missing_column),
    _cause("aim", lambda f: pl.concat([f, _at(f.head(1), 0, "title", "Another aim, the same id")]), _duplicate_id),
    _cause("observation", lambda f: pl.concat([f, f.head(1)]), _duplicate_key),
]


@pytest.fixture
def no_row_by_row_trials(monkeypatch):
    """The causes below are found over whole columns: trying rows one by one (``Store.check_rows``, what named them
    before, as thousands of cascading foreign-key lines) must not be needed."""

    def refuse(*args, **kwargs):
        raise AssertionError("the import fell back to trying rows one by one")

    monkeypatch.setattr(Store, "check_rows", refuse)


@pytest.mark.parametrize("table, spoil, expected", CAUSES)
def test_an_import_names_each_cause_once_on_its_own_line_in_words(
    demo_export, tmp_path, no_row_by_row_trials, table, spoil, expected
):
    folder = _spoiled(demo_export, tmp_path, table, spoil)
    cause = expected(pl.read_csv(folder / f"{table}.csv", infer_schema_length=0))
    target = Store(tmp_path / "target.duckdb")
    with pytest.raises(ImportRefused) as refused:
        import_organisation(target, folder)
    lines = [str(problem) for problem in refused.value.problems]
    assert [line for line in lines if line.startswith(cause)] == [lines[0]], lines
    # at most one more line: the rows that only wait for the refused one, counted once for every file
    assert len(lines) <= 2 and all("wait for them" in line for line in lines[1:]), lines
    assert not any(word in " ".join(lines).lower() for word in ("constraint", "violates", "foreign key")), lines
    assert target.is_empty() and not any(target.totals().values())
    target.close()


def test_a_million_rows_each_with_a_wrong_id_are_answered_with_the_first_few_and_the_count(
    demo_export, tmp_path, no_row_by_row_trials
):
    rows = 1_000_000

    def a_million_wrong(frame: pl.DataFrame) -> pl.DataFrame:
        return pl.DataFrame(
            {
                "measure_id": ["424242"] * rows,
                "period_start": pl.date_range(
                    dt.date(1000, 1, 1), dt.date(1000, 1, 1) + dt.timedelta(days=rows - 1), eager=True
                ).dt.to_string("%Y-%m-%d"),
                "value": ["1.5"] * rows,
                "status": ["provisional"] * rows,
            }
        )

    folder = _spoiled(demo_export, tmp_path, "observation", a_million_wrong)
    target = Store(tmp_path / "target.duckdb")
    with pytest.raises(ImportRefused) as refused:
        import_organisation(target, folder)
    assert [str(p) for p in refused.value.problems] == [
        *(
            f"observation.csv line {line}: measure_id 424242 is not the id of any measure in measure.csv"
            for line in range(2, 7)
        ),
        "observation.csv line 7: and 999,995 more lines from here on where measure_id is not the id of any measure",
    ]
    assert target.is_empty()
    target.close()


def _truncated_demo(demo_db: Path, path: Path, fraction: float) -> None:
    data = demo_db.read_bytes()
    path.write_bytes(data[: max(1, int(len(data) * fraction))])


def _newer_schema(demo_db: Path, path: Path) -> None:
    import duckdb

    shutil.copy(demo_db, path)
    connection = duckdb.connect(str(path))
    connection.execute("INSERT INTO schema_version (version, description) VALUES (999, 'from the future')")
    connection.close()


# Every command that opens the database, as a person types it ({db}: the database, {tmp}: a fresh folder).
COMMAND_LINES = {
    "init": ["init"],
    "demo": ["demo"],
    "check": ["check"],
    "export": ["export", "{tmp}/export"],
    "import": ["import", "{tmp}/export"],
    "board-pack": ["board-pack", "--month", "2026-10", "--out", "{tmp}/pack.pdf"],
    "publish": ["publish", "--month", "2026-10", "--user", "admin"],
    "backup": ["backup", "{tmp}/backup"],
    "users list": ["users", "list"],
    "users deactivate": ["users", "deactivate", "team"],
}


@st.composite
def bad_databases(draw):
    """A command and the mistaken or damaged thing given to it as --db: (command, how to make it, what it is)."""
    command = draw(st.sampled_from(sorted(COMMAND_LINES)))
    kind = draw(
        st.sampled_from(
            ["a folder", "a .csv name", "random bytes", "zero bytes", "truncated", "another program's", "newer schema"]
        )
    )
    if command == "backup" and kind == "newer schema":  # a copy of it is a fine backup (restore then refuses it)
        kind = "zero bytes"
    noise = draw(st.binary(min_size=1, max_size=4096)) if kind == "random bytes" else b""
    fraction = draw(st.floats(min_value=0.0005, max_value=0.95)) if kind == "truncated" else 0.0
    return command, kind, noise, fraction


def test_every_command_answers_a_mistaken_or_damaged_database_in_one_sentence(demo_db, capsys):
    import duckdb

    from golden_thread.cli import main

    @settings(max_examples=60, **SETTINGS)
    @given(case=bad_databases())
    def fuzz(case):
        command, kind, noise, fraction = case
        FUZZED["command lines"] += 1
        with tempfile.TemporaryDirectory() as tmp:
            db = Path(tmp, "data.csv" if kind == "a .csv name" else "golden.duckdb")
            if kind == "a folder":
                db.mkdir()
            elif kind == "a .csv name":
                db.write_text("measure_id,value\n6,4.5\n")
            elif kind == "random bytes":
                db.write_bytes(noise)
            elif kind == "zero bytes":
                db.write_bytes(b"")
            elif kind == "truncated":
                _truncated_demo(demo_db, db, fraction)
            elif kind == "another program's":
                connection = duckdb.connect(str(db))
                connection.execute("CREATE TABLE patients AS SELECT range AS nhs_number FROM range(5)")
                connection.close()
            else:
                _newer_schema(demo_db, db)
            before = sorted(p.name for p in Path(tmp).iterdir())
            content = db.read_bytes() if db.is_file() else None
            argv = [a.format(tmp=tmp) for a in COMMAND_LINES[command]] + ["--db", str(db)]
            code = main(argv)
            out, err = capsys.readouterr()
            lines = err.strip().splitlines()
            assert code in (1, 3) and not out, (argv, kind, code, out, err)
            assert len(lines) == 1 and lines[0].startswith(f"golden-thread {command}: {db}"), (argv, kind, err)
            assert "Traceback" not in err and "Error:" not in err, err
            assert sorted(p.name for p in Path(tmp).iterdir()) == before, "a refused command left a file behind"
            assert (db.read_bytes() if db.is_file() else None) == content, "a refused command changed the file"

    fuzz()
