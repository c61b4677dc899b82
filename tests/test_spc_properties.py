"""Invariants of the chart rules, over generated series (hypothesis)."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from golden_thread.spc.engine import analyse_series
from golden_thread.spc.options import SpcOptions

pytestmark = pytest.mark.slow  # generated series, run by the hundred
values = st.lists(st.integers(min_value=-500, max_value=500).map(lambda v: v / 4), min_size=3, max_size=40)
SIGNALS = [
    "sigma_signal",
    "run_signal",
    "special_cause_type",
    "point_type",
    "shift_flag",
    "trend_flag",
    "two_in_three_flag",
    "n_useful",
    "longest_run",
    "n_crossings",
]


def _chart(ys, **options):
    return analyse_series(list(range(1, len(ys) + 1)), ys, SpcOptions(**options))


@settings(max_examples=150, deadline=None)
@given(
    ys=values,
    shift=st.integers(min_value=-1000, max_value=1000),
    rules=st.sampled_from(["anhoej", "mdc"]),
    chart=st.sampled_from(["xmr", "run"]),
)
def test_adding_a_constant_moves_centre_and_limits_and_changes_no_signal(ys, shift, rules, chart):
    if chart == "run" and rules == "mdc":
        rules = "anhoej"
    before = _chart(ys, chart=chart, rules=rules)
    after = _chart([y + shift for y in ys], chart=chart, rules=rules)
    for column in ("cl", "lcl", "ucl", "lcl_95", "ucl_95"):
        moved = (after[column] - before[column] - shift).abs().fill_null(0)
        assert (moved <= 1e-6).all(), column
        assert (after[column].is_null() == before[column].is_null()).all()
    assert before.select(SIGNALS).equals(after.select(SIGNALS))


@settings(max_examples=150, deadline=None)
@given(ys=values)
def test_reversing_the_direction_swaps_improvement_and_concern(ys):
    up = _chart(ys, rules="mdc", improvement_direction="increase")["point_type"]
    down = _chart(ys, rules="mdc", improvement_direction="decrease")["point_type"]
    swapped = up.replace(
        {"special_cause_improvement": "special_cause_concern", "special_cause_concern": "special_cause_improvement"}
    )
    assert swapped.equals(down)


@settings(max_examples=100, deadline=None)
@given(ys=values, factor=st.sampled_from([0.5, 2.0, 100.0]))
def test_scaling_values_scales_limits_and_keeps_signals(ys, factor):
    before = _chart(ys, rules="mdc")
    after = _chart([y * factor for y in ys], rules="mdc")
    for column in ("cl", "ucl"):
        diff = (after[column] - before[column] * factor).abs().fill_null(0)
        assert (diff <= 1e-6 * (1 + before[column].abs().fill_null(0) * factor)).all()
    assert before.select(SIGNALS).equals(after.select(SIGNALS))


@settings(max_examples=100, deadline=None)
@given(ys=values)
def test_a_phase_alone_gives_the_same_chart_as_its_own_series(ys):
    """A phase is a rebase: its centre, limits and rules do not depend on what came before it."""
    cut = len(ys) // 2 + 1
    together = _chart(ys, rules="mdc", phase_starts=(cut,))
    alone = _chart(ys[cut - 1 :], rules="mdc")
    tail = together.filter(pl.col("phase") == 2)
    for column in ("cl", "ucl", "special_cause_type", "point_type"):
        left, right = tail[column], alone[column]
        if left.dtype == pl.Float64:
            assert ((left - right).abs().fill_null(0) <= 1e-9).all()
        else:
            assert left.equals(right)


@settings(max_examples=100, deadline=None)
@given(ys=values)
def test_every_rule_flag_means_special_cause_and_points_outside_limits_are_flagged(ys):
    chart = _chart(ys, rules="mdc")
    flagged = chart["shift_flag"] | chart["trend_flag"] | chart["two_in_three_flag"] | chart["sigma_signal"]
    assert (flagged == chart["special_cause_flag"]).all()
    assert (chart.filter(pl.col("sigma_signal"))["special_cause_type"].is_in(["Above UCL", "Below LCL"])).all()


@settings(max_examples=60, deadline=None)
@given(
    many=st.lists(
        st.tuples(
            st.lists(
                st.one_of(st.none(), st.integers(min_value=-200, max_value=200).map(lambda v: v / 4)), max_size=30
            ),
            st.sampled_from(["run", "xmr", "c"]),
            st.sampled_from(["anhoej", "mdc"]),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_series_computed_together_are_computed_as_each_alone(many):
    """One call over many series gives each series what a call with it alone gives."""
    from golden_thread.spc.engine import SETTINGS_SCHEMA, analyse, settings_row

    rows, settings_rows, alone = [], [], {}
    for s, (ys, chart, rules) in enumerate(many):
        if not ys:
            continue
        ys = [abs(y) if chart == "c" and y is not None else y for y in ys]
        options = SpcOptions(chart=chart, rules="anhoej" if chart == "run" else rules)
        alone[s] = _chart(ys, **{"chart": options.chart, "rules": options.rules})
        settings_rows.append(settings_row(s, options))
        rows += [
            {"series": s, "x": x, "y": y, "n": None, "phase_start": False, "exclude": False}
            for x, y in enumerate(ys, start=1)
        ]
    if not rows:
        return
    schema = {"series": pl.Int64, "x": pl.Int64, "y": pl.Float64, "n": pl.Float64}
    together = analyse(
        pl.DataFrame(rows, schema=schema | {"phase_start": pl.Boolean, "exclude": pl.Boolean}),
        pl.DataFrame(settings_rows, schema=SETTINGS_SCHEMA),
    )
    for s, expected in alone.items():
        assert together.filter(pl.col("series") == s).drop("row", "series").equals(expected.drop("row", "series"))
