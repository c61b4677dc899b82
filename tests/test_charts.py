"""Chart builders draw what the statistics computed: phase means labelled, colours by signal."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from golden_thread.domain.palette import variation_words
from golden_thread.draw.charts import POINT_COLOURS, chart_events, compact_spec, month_ticks, phase_labels, spc_chart
from golden_thread.spc.engine import analyse_series
from golden_thread.spc.options import SpcOptions


def _months(count: int) -> list[dt.date]:
    return [dt.date(2024 + (m // 12), m % 12 + 1, 1) for m in range(count)]


def test_each_new_phase_is_labelled_with_how_its_mean_moved():
    months = _months(24)
    ys = [12.0, 13, 12, 12.5, 11.9, 12.8, 12.1, 12.6, 12.3, 12.4, 12.2, 12.6] + [
        8.0,
        8.3,
        7.9,
        8.1,
        8.2,
        7.8,
        8.4,
        8.0,
        8.1,
        7.9,
        8.2,
        8.3,
    ]
    points = analyse_series(months, ys, SpcOptions(rules="mdc", phase_starts=(months[12],)))
    labels = phase_labels(points)
    assert [label["label"] for label in labels] == ["mean 12.4", "mean fell from 12.4 to 8.1"]
    assert labels[1]["x"] == months[12]


def test_the_chart_colours_points_the_making_data_count_way_and_draws_the_target():
    months = _months(15)
    ys = [10.0, 11, 10, 12, 11, 10, 9, 11, 10, 12, 11, 10, 11, 10, 40]
    points = analyse_series(months, ys, SpcOptions(rules="mdc", improvement_direction="decrease"))
    spec = spc_chart(points, target=9.0, unit="days").to_dict()
    colour = next(layer["encoding"]["color"] for layer in spec["layer"] if "color" in layer.get("encoding", {}))
    # Every earlier point is below the mean (a shift: improvement where lower is better); the last is above the
    # upper limit (concern). The legend names those two, in their colours, and nothing else.
    assert colour["scale"]["domain"] == ["Special cause: improvement", "Special cause: concern"]
    assert colour["scale"]["range"] == [
        POINT_COLOURS["special_cause_improvement"],
        POINT_COLOURS["special_cause_concern"],
    ]
    dots = next(layer for layer in spec["layer"] if layer["mark"]["type"] == "circle")
    last = dots["data"]["values"][-1]
    assert last["signal"] == "Special cause: concern" and last["value"] == 40.0
    assert any(
        layer["mark"]["type"] == "rule" and layer["data"]["values"] == [{"target": 9.0}] for layer in spec["layer"]
    )


def test_the_time_axis_names_each_month_once_and_labels_at_most_twelve():
    """Left to itself Vega-Lite ticks six months between months, and "%b %Y" then repeats each month's label."""
    weeks = [dt.date(2025, 1, 6) + dt.timedelta(weeks=w) for w in range(80)]  # 80 weeks: 19 months
    assert [
        month_ticks(analyse_series(x, [1.0] * len(x), SpcOptions()))["step"]
        for x in (_months(6), _months(12), _months(25), _months(60), weeks)
    ] == [1, 1, 3, 6, 2]
    points = analyse_series(_months(6), [10.0, 11, 10, 12, 11, 10], SpcOptions(rules="mdc"))
    axes = [
        layer["encoding"]["x"]["axis"] for layer in spc_chart(points).to_dict()["layer"] if "x" in layer["encoding"]
    ]
    assert axes and all(axis.get("tickCount") == {"interval": "month", "step": 1} for axis in axes)
    long = analyse_series(_months(60), [10.0, 11, 10, 12] * 15, SpcOptions(rules="mdc"))
    board = compact_spec(long, unit="", target=None)  # refilled from a one-point template: its ticks are the series'
    ticks = [
        layer["encoding"]["x"]["axis"]["tickCount"] for layer in board["layer"] if "axis" in layer["encoding"]["x"]
    ]
    assert ticks and all(tick == {"interval": "month", "step": 6} for tick in ticks)


@pytest.mark.slow
def test_a_chart_exports_as_png_and_svg():
    from golden_thread.draw.charts import chart_png, chart_svg

    months = _months(15)
    points = analyse_series(
        months, [10.0, 11, 10, 12, 11, 10, 9, 11, 10, 12, 11, 10, 11, 10, 40], SpcOptions(rules="mdc")
    )
    chart = spc_chart(points, title="Agency spend (£k)")
    png = chart_png(chart)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000
    svg = chart_svg(chart)
    assert svg.lstrip().startswith("<svg") and "Agency spend (£k)" in svg


def test_measure_data_export_carries_each_period_with_its_lines(demo_db):
    import polars as pl

    from golden_thread.services.measure_series import measure_charts, measure_data_csv
    from golden_thread.storage.store import Store

    store = Store(demo_db)
    measure = store.measure(1)
    points, _ = measure_charts(store, [1])
    csv_text = measure_data_csv(measure, points, store.observations([1]))
    store.close()
    assert csv_text.startswith("\ufeff")  # the UTF-8 mark: Excel opens the file as UTF-8
    table = pl.read_csv(csv_text.encode())
    assert table.height == points.height
    assert {"Period", "Numerator", "Denominator", "Charted value", "Centre line", "Upper limit", "Signal"} <= set(
        table.columns
    )
    assert table["Measure"].unique().to_list() == [measure["name"]]
    assert table["Period"][0] == f"{points['x'].min():%b %Y}"  # a monthly period is its month


def test_pdsa_cycles_appear_on_the_time_axis_with_their_act_decision(demo_db):
    from golden_thread.services.measure_series import measure_charts
    from golden_thread.storage.store import Store

    store = Store(demo_db)
    points, _ = measure_charts(store, [1])
    cycles = store.pdsa_cycles_for_measure(1)
    events = chart_events(store.annotations([1]), cycles, first=points["x"].min())
    store.close()
    assert cycles.height > 5  # the falls outcome measure watches every falls project's cycles
    spec = spc_chart(points, annotations=events).to_dict()
    markers = next(layer for layer in spec["layer"] if layer["mark"].get("type") == "point")
    kinds = {v["kind"] for v in markers["data"]["values"]}
    assert kinds == {"Change", "PDSA cycle"}
    decided = [v for v in markers["data"]["values"] if v["kind"] == "PDSA cycle" and "Act: adopt" in v["detail"]]
    assert decided and all(v["label"] for v in decided)


def _legend(spec: dict) -> list[str]:
    colour = next(layer["encoding"]["color"] for layer in spec["layer"] if "color" in layer.get("encoding", {}))
    return colour["scale"]["domain"]


def _dots(spec: dict) -> dict:
    """The points' layer, with its data (altair lifts data every layer shares to the top)."""
    dots = next(layer for layer in spec["layer"] if layer["mark"]["type"] == "circle")
    return {"data": spec.get("data"), **dots}


def test_a_legend_lists_only_the_categories_the_chart_shows():
    """A measure with a direction never shows the neutral pair: only what its points are."""
    months = _months(15)
    steady = [10.0, 11, 10, 12, 11, 10, 9, 11, 10, 12, 11, 10, 11, 10, 11]
    points = analyse_series(months, steady, SpcOptions(rules="mdc", improvement_direction="decrease"))
    spec = spc_chart(points, unit="days").to_dict()
    assert _legend(spec) == ["Common cause"]
    assert "Neutral" not in str(spec) and "higher" not in str(spec)
    # The board's compact chart (one template refilled per series) colours only what it shows too.
    compact = compact_spec(points, unit="", target=None)
    assert _legend(compact) == ["Common cause"]
    # A measure where neither direction is better shows its neutral signals, each named once.
    jump = [10.0, 11, 10, 12, 11, 10, 9, 11, 10, 12, 11, 10, 11, 10, 40]
    neutral = analyse_series(months, jump, SpcOptions(rules="mdc", improvement_direction="neutral"))
    assert _legend(spc_chart(neutral).to_dict()) == ["Special cause: higher", "Special cause: lower"]
    assert _legend(compact_spec(neutral, unit="", target=None)) == ["Special cause: higher", "Special cause: lower"]


def test_a_run_chart_speaks_of_random_variation_and_a_control_chart_of_cause():
    months = _months(24)
    shifted = [10.0, 11, 10, 12, 11, 10, 9, 11, 10, 12, 11, 10, 15, 16, 15, 17, 16, 15, 16, 17, 15, 16, 17, 16]
    run = analyse_series(months, shifted, SpcOptions(chart="run", rules="anhoej"))
    spec = spc_chart(run, unit="%").to_dict()
    assert _legend(spec) == ["Non-random variation (shift or too few crossings)"]
    tooltips = {t["title"] for t in _dots(spec)["encoding"]["tooltip"]}
    assert {"Variation", "Median"} <= tooltips and not {"Mean", "Upper limit", "Lower limit"} & tooltips
    words = str(spec).lower()
    assert "common cause" not in words and "special cause" not in words
    assert {v["signal_detail"] for v in _dots(spec)["data"]["values"]} == {
        "Non-random variation (shift or too few crossings)"
    }
    steady = analyse_series(months[:14], shifted[:14], SpcOptions(chart="run", rules="anhoej"))
    assert _legend(spc_chart(steady).to_dict()) == ["Random variation"]
    assert _legend(compact_spec(steady, unit="", target=None)) == ["Random variation"]
    two_phases = analyse_series(months, shifted, SpcOptions(chart="run", rules="anhoej", phase_starts=(months[12],)))
    assert [label["label"] for label in phase_labels(two_phases, centre="median")] == [
        "median 10.5",
        "median rose from 10.5 to 16",
    ]
    assert any(
        layer["mark"]["type"] == "text" and "median" in layer["data"]["values"][0]["label"]
        for layer in spc_chart(two_phases).to_dict()["layer"]
    )
    # The same words where the screens name the latest point.
    assert variation_words("common_cause", "run", run_signal=True).short == "Non-random variation"
    assert variation_words("common_cause", "run", run_signal=False).short == "Random variation"
    assert variation_words("common_cause", "p").short == "Common cause"

    # A control chart speaks of common and special cause, with the rule that found it and its limits.
    jump = [10.0, 11, 10, 12, 11, 10, 9, 11, 10, 12, 11, 10, 11, 10, 40]
    spc = spc_chart(analyse_series(months[:15], jump, SpcOptions(rules="mdc", improvement_direction="increase")))
    spec = spc.to_dict()
    assert "random variation" not in str(spec).lower()
    tooltips = {t["title"] for t in _dots(spec)["encoding"]["tooltip"]}
    assert {"Variation", "Mean", "Upper limit", "Lower limit"} <= tooltips and "Median" not in tooltips
    assert _dots(spec)["data"]["values"][-1]["signal_detail"] == (
        "Special cause: improvement — above the upper process limit"
    )


def test_markers_stop_where_the_chart_stops():
    """A past month's board chart ends with its month: so do its change and PDSA markers."""
    annotations = pl.DataFrame(
        {"measure_id": [1, 1], "on_date": [dt.date(2026, 3, 1), dt.date(2026, 11, 2)], "text": ["Bundle", "Later"]}
    )
    cycles = pl.DataFrame(
        {
            "title": ["Early", "In October", "In November"],
            "start_date": [dt.date(2025, 12, 1), dt.date(2026, 10, 31), dt.date(2026, 11, 1)],
            "act_decision": ["adopt", None, None],
            "project": ["P"] * 3,
        }
    )
    events = chart_events(annotations, cycles, first=dt.date(2026, 1, 1), before=dt.date(2026, 11, 1))
    assert events.select("kind", "label", "count").rows() == [("Change", "Bundle", 1), ("PDSA cycle", "In October", 1)]


def test_a_tooltip_writes_values_to_the_measures_own_precision():
    months = _months(20)
    points = analyse_series(months, [82.14 + (m % 3) * 0.31 for m in range(20)], SpcOptions(rules="mdc"))
    tooltips = {
        t["title"]: t.get("format") for t in _dots(spc_chart(points, decimals=1).to_dict())["encoding"]["tooltip"]
    }
    assert tooltips["Value"] == tooltips["Mean"] == tooltips["Upper limit"] == ",.1f"  # 82.1, as the table says
    unknown = {t["title"]: t.get("format") for t in _dots(spc_chart(points).to_dict())["encoding"]["tooltip"]}
    assert unknown["Value"] == ",.3~f"
