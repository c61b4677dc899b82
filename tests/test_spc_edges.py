"""Edge cases: explicit states instead of misleading output."""

from __future__ import annotations

import datetime as dt

from golden_thread.spc.engine import analyse_series
from golden_thread.spc.options import SpcOptions
from golden_thread.spc.summary import summarise


def _run(ys, **options):
    chart = analyse_series(list(range(1, len(ys) + 1)), ys, SpcOptions(**options))
    return chart, summarise(chart).row(0, named=True)


def test_all_values_equal_has_no_limits_and_says_so():
    chart, summary = _run([5.0] * 15, rules="mdc")
    assert chart["cl"].to_list() == [5.0] * 15
    assert chart["ucl"].is_null().all() and chart["lcl"].is_null().all()
    assert not chart["sigma_signal"].any()
    assert summary["state"] == "no_variation"
    assert "no process limits" in summary["summary"]


def test_all_points_on_the_median_leave_nothing_useful_for_runs():
    chart, summary = _run([3.0] * 12, chart="run")
    assert chart["n_useful"].to_list() == [0] * 12
    assert not chart["run_signal"].any()
    assert chart["longest_run"].is_null().all()
    assert "Too few useful points (0)" in summary["summary"]


def test_one_point_is_too_few_to_judge():
    chart, summary = _run([7.0], rules="mdc")
    assert chart["cl"].to_list() == [7.0]
    assert chart["ucl"].to_list() == [None]
    assert summary["state"] == "too_few_points"
    assert summary["variation_icon"] is None
    assert summary["summary"].startswith("Too few points to judge")


def test_missing_values_are_skipped_not_zero():
    ys = [10, 12, None, 11, 13, 9, None, 10, 12, 11, 10, 12, 11, 9]
    chart, _ = _run(ys, chart="xmr")
    present = [y for y in ys if y is not None]
    assert abs(chart["cl"][0] - sum(present) / len(present)) < 1e-12
    assert chart.filter(chart["value"].is_null())["sigma_signal"].to_list() == [False, False]
    assert chart["n_obs"][0] == 14 and chart["n_useful"][0] <= 12


def test_excluded_point_is_left_out_of_the_centre_but_still_tested():
    ys = [10, 11, 10, 12, 11, 10, 60, 11, 10, 12, 11, 10]
    chart, _ = _run(ys, chart="xmr", exclude=(7,))
    assert abs(chart["cl"][0] - (sum(ys) - 60) / 11) < 1e-12
    assert chart["include"].to_list()[6] is False
    assert chart["sigma_signal"].to_list()[6] is True


def test_no_target_or_neutral_direction_gives_no_assurance_icon():
    ys = [10, 11, 10, 12, 11, 10, 9, 11, 10, 12, 11, 10, 11]
    assert _run(ys, rules="mdc")[1]["assurance_icon"] is None
    assert _run(ys, rules="mdc", target=50, improvement_direction="neutral")[1]["assurance_icon"] is None
    assert _run(ys, rules="mdc", target=50)[1]["assurance_icon"] == "consistent_fail"
    assert _run(ys, rules="mdc", target=50, improvement_direction="decrease")[1]["assurance_icon"] == "consistent_pass"


def test_neutral_direction_names_high_and_low():
    ys = [10, 11, 10, 12, 11, 10, 9, 11, 10, 12, 11, 10, 40]
    chart, summary = _run(ys, rules="mdc", improvement_direction="neutral")
    assert chart["point_type"][-1] == "special_cause_neutral_high"
    assert summary["variation_icon"] == "special_cause_neutral_high"


def test_sustained_shift_suggests_a_new_phase_and_a_summary_in_words():
    months = [dt.date(2025, m, 1) for m in range(1, 13)] + [dt.date(2026, m, 1) for m in range(1, 13)]
    ys = [20, 22, 19, 21, 20, 23, 19, 21, 22, 20, 21, 20, 16, 15, 16, 14, 15, 16, 15, 14, 16, 15, 14, 15]
    chart = analyse_series(months, ys, SpcOptions(rules="mdc", improvement_direction="decrease", target=10))
    summary = summarise(chart).row(0, named=True)
    assert summary["variation_icon"] == "special_cause_improvement"
    assert summary["suggested_phase_start"] == dt.date(2026, 1, 1)
    assert summary["summary"].startswith("Special cause improvement: 12 points below the mean since January 2026")
    assert summary["assurance_icon"] in {"consistent_fail", "inconsistent"}


def test_many_series_in_one_call_match_one_at_a_time():
    import polars as pl

    from golden_thread.spc.engine import SETTINGS_SCHEMA, analyse, settings_row

    series = {1: [5, 6, 7, 5, 6, 30, 5, 6], 2: [1, 2, 3, 4, 5, 6, 7, 8, 9], 3: [4, 4, 5, 4, 6]}
    points = pl.DataFrame(
        [
            {"series": s, "x": i + 1, "y": float(y), "n": None, "phase_start": False, "exclude": False}
            for s, ys in series.items()
            for i, y in enumerate(ys)
        ],
        schema={
            "series": pl.Int64,
            "x": pl.Int64,
            "y": pl.Float64,
            "n": pl.Float64,
            "phase_start": pl.Boolean,
            "exclude": pl.Boolean,
        },
    )
    settings = pl.DataFrame([settings_row(s, SpcOptions(rules="mdc")) for s in series], schema=SETTINGS_SCHEMA)
    together = analyse(points, settings)
    for s, ys in series.items():
        alone = analyse_series(list(range(1, len(ys) + 1)), ys, SpcOptions(rules="mdc"))
        mine = together.filter(pl.col("series") == s)
        assert mine["ucl"].to_list() == alone["ucl"].to_list()
        assert mine["point_type"].to_list() == alone["point_type"].to_list()


def test_short_group_warning_below_twelve_rows_missing_values_counted():
    """NHSRplotthedots: ``dplyr::n() < 12`` per rebase group (see constants.MDC_SHORT_GROUP_POINTS)."""
    ys = [10, 11, 10, 12, 11, 10, 9, 11, 10, 12, 11, 10]
    assert not _run(ys, rules="mdc")[0]["short_group_warning"].any()
    assert _run(ys[:11], rules="mdc")[0]["short_group_warning"].all()
    with_gap = ys[:10] + [None, 10]  # 12 rows, 11 values: n() counts the rows
    assert not _run(with_gap, rules="mdc")[0]["short_group_warning"].any()
    chart, summary = _run(ys, rules="mdc")
    assert summary["state"] == "ok"


def test_a_missing_numerator_has_no_limits_on_p_and_u_charts_but_keeps_them_on_c_and_xmr():
    import polars as pl

    x = list(range(1, 8))
    y = [12, 15, None, 11, 14, 13, 12]
    n = [100, 120, 110, 90, 130, 100, 105]
    for chart in ("p", "p_prime", "u", "u_prime"):
        frame = analyse_series(x, y, SpcOptions(chart=chart), n=n)
        missing = frame.filter(pl.col("x") == 3)
        assert missing.select("lcl", "ucl", "lcl_95", "ucl_95").null_count().row(0) == (1, 1, 1, 1), chart
        assert frame.filter(pl.col("x") != 3)["ucl"].is_not_null().all(), chart
        pooled = sum(v for v in y if v is not None) / sum(d for v, d in zip(y, n) if v is not None)
        assert abs(frame["cl"][0] - pooled) < 1e-15, chart
    for chart in ("xmr", "c"):
        frame = analyse_series(x, y, SpcOptions(chart=chart))
        assert frame.filter(pl.col("x") == 3)["ucl"].is_not_null().all(), chart


def test_a_missing_value_breaks_a_making_data_count_run_and_is_not_in_the_baseline():
    ys = [10, 12, 9, 11, 10, 12, 9, 11, 10, 12, 9, 11, 14, 14, 13, 14, None, 13, 14, 13]
    chart, _ = _run(ys, rules="mdc")
    assert chart["baseline"].to_list() == [y is not None for y in ys]
    assert not chart["shift_flag"].any()  # 4 + 3 above the mean, not 7
    filled = ys[:16] + [14] + ys[17:]
    assert _run(filled, rules="mdc")[0]["shift_flag"].to_list()[12:] == [True] * 8
    assert _run(ys, chart="xmr")[0]["baseline"].all()  # qicharts2 reports its freeze flag as is


def test_a_numerator_without_its_denominator_is_missing_not_a_proportion():
    """qicharts2 charts only complete cases (R/qic.R lines 261-266); the app's path gets no CLI check."""
    frame = analyse_series([1, 2, 3, 4], [5, 7, 6, 4], SpcOptions(chart="p"), n=[50, None, 60, 40])
    assert frame["value"].to_list()[1] is None
    assert frame["ucl"].to_list()[1] is None
    assert abs(frame["cl"][0] - 15 / 150) < 1e-15


def test_a_phase_with_no_usable_baseline_value_has_no_centre_line_rather_than_an_error():
    """A P chart whose second phase starts with a missing subgroup and takes one baseline point: there is
    nothing to pool, so that phase has no centre line and no limits, and nothing is flagged there."""
    x = list(range(1, 9))
    y = [5, 6, 4, 5, None, 6, 5, 4]
    n = [50, 60, 40, 50, 50, 60, 50, 40]
    frame = analyse_series(x, y, SpcOptions(chart="p", baseline_points=1, phase_starts=(5,)), n=n)
    second = frame.filter(frame["phase"] == 2)
    assert second.select("cl", "lcl", "ucl").null_count().row(0) == (4, 4, 4)
    assert not second["sigma_signal"].any() and not second["run_signal"].any()
    assert frame.filter(frame["phase"] == 1)["cl"].to_list() == [5 / 50] * 4


def test_a_point_exactly_on_the_mean_is_on_it_as_r_finds_it():
    """R's mean is correctly rounded (src/main/summary.c sums in long double): mean(c(0.1, 0.2, 0.3)) == 0.2,
    so 0.2 is on the mean, neither above nor below it, though 0.1 + 0.2 + 0.3 summed in doubles over 3 is not
    0.2. On the mean, a point breaks a run of one side."""
    chart, _ = _run([0.1, 0.2, 0.3] * 4, chart="xmr", rules="mdc")
    assert chart["cl"][0] == 0.2
    assert chart["relative_to_mean"].to_list() == [-1, 0, 1] * 4


def test_every_chart_type_many_series_in_one_call_match_each_alone_in_any_order():
    """The engine computes all series at once over one flat array: a call with many series of every chart
    type, phases, exclusions, baselines, missing values and rows in no order gives each series exactly what
    a call with that series alone gives."""
    import random

    import polars as pl

    from golden_thread.spc.engine import SETTINGS_SCHEMA, analyse, settings_row

    rng = random.Random(7)
    rows, settings, alone = [], [], {}
    for s, (chart, rules) in enumerate(
        [(c, "anhoej") for c in ("run", "xmr", "p", "p_prime", "u", "u_prime", "c")]
        + [(c, "mdc") for c in ("xmr", "p", "p_prime", "u", "u_prime", "c")]
    ):
        length = rng.choice([1, 2, 5, 11, 12, 24, 40])
        ratio = chart in ("p", "p_prime", "u", "u_prime")
        ns = [float(rng.randint(20, 60)) if ratio else None for _ in range(length)]
        ys = [float(rng.randint(0, 15)) if ratio or chart == "c" else round(rng.gauss(50, 8), 1) for _ in range(length)]
        ys = [None if rng.random() < 0.1 else y for y in ys]
        xs = list(range(1, length + 1))
        options = SpcOptions(
            chart=chart,
            rules=rules,
            baseline_points=rng.choice([None, 6]),
            phase_starts=tuple(x for x in xs[1:] if rng.random() < 0.08),
            exclude=tuple(x for x in xs if rng.random() < 0.08),
            improvement_direction=rng.choice(["increase", "decrease", "neutral"]),
            multiply=rng.choice([1, 100]),
        )
        alone[s] = analyse_series(xs, ys, options, n=ns if ratio else None)
        settings.append(settings_row(s, options))
        rows += [
            {
                "series": s,
                "x": x,
                "y": y,
                "n": d,
                "phase_start": x in options.phase_starts,
                "exclude": x in options.exclude,
            }
            for x, y, d in zip(xs, ys, ns)
        ]
    rng.shuffle(rows)
    together = analyse(
        pl.DataFrame(
            rows,
            schema={
                "series": pl.Int64,
                "x": pl.Int64,
                "y": pl.Float64,
                "n": pl.Float64,
                "phase_start": pl.Boolean,
                "exclude": pl.Boolean,
            },
        ),
        pl.DataFrame(settings[::-1], schema=SETTINGS_SCHEMA),
    )
    assert together.height == len(rows)
    for s, expected in alone.items():
        mine = together.filter(pl.col("series") == s).sort("x").drop("row", "series")
        assert mine.equals(expected.drop("row", "series")), s
