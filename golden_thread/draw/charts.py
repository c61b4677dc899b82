"""Chart builders: computed series in, altair charts out. No statistics here; nothing but drawing.

Colours follow Making Data Count (DOMAIN Decision 7): improvement blue, concern orange, common cause
grey, neutral purple. Words follow the chart type: a control chart speaks of common and special cause, a run
chart (no limits) of random and non-random variation; a legend names only the categories its points have.
"""

from __future__ import annotations

import datetime as dt
import functools

import altair as alt
import polars as pl

from golden_thread.domain.palette import (
    COMMON_CAUSE_GREY,
    ICONS,
    RULE_WORDS,
    RUN_SIGNALS,
    VARIATION_ICONS,
    is_run_chart,
    legend_entries,
)

POINT_COLOURS = {icon: ICONS[icon].colour for icon in VARIATION_ICONS}
POINT_LABELS = {icon: ICONS[icon].label for icon in VARIATION_ICONS}
RUN_LABELS = {code: words.label for code, words in RUN_SIGNALS.items()}
LINE_COLOUR = "#7F7F7F"
LIMIT_COLOUR = "#231F20"
TARGET_COLOUR = "#DE1B1B"
ANNOTATION_COLOUR = "#005EB8"  # NHS blue


def month_ticks(points: pl.DataFrame, most: int = 12) -> dict:
    """The time axis's ticks: on the first of a month, every month or every few months so that at most ``most``
    are labelled. Left to itself Vega-Lite ticks a short series between months, and its "%b %Y" labels then
    repeat each month ("Jun 2026, Jun 2026, Jul 2026…")."""
    first, last = points["x"].min(), points["x"].max()
    months = 1 if first is None else (last.year - first.year) * 12 + last.month - first.month + 1
    step = next((s for s in (1, 2, 3, 6, 12, 24, 60) if months <= most * s), 120)
    return {"interval": "month", "step": step}


def chart_type_of(points: pl.DataFrame, chart_type: str | None = None) -> str | None:
    """The chart type a series is drawn as: the one given, else the ``chart`` column ``analyse`` adds (a board's
    stored points may not carry it: they are then read as the control charts a board shows)."""
    if chart_type is not None or "chart" not in points.columns:
        return chart_type
    charts = points["chart"].drop_nulls()
    return charts[0] if charts.len() else None


def point_signals(points: pl.DataFrame, chart_type: str | None = None) -> pl.DataFrame:
    """Each point's category (``signal_code``), its legend words (``signal``) and its tooltip words
    (``signal_detail``): a control chart's Making Data Count variation and the rule behind a special cause; a run
    chart's random or non-random variation, from the runs analysis of the point's phase."""
    if is_run_chart(chart_type_of(points, chart_type)):
        run_signal = pl.col("run_signal") if "run_signal" in points.columns else pl.lit(None, dtype=pl.Boolean)
        code = (
            pl.when(run_signal)
            .then(pl.lit("non_random_variation"))
            .when(run_signal.not_())
            .then(pl.lit("random_variation"))
        )
        labelled = points.with_columns(signal_code=code).with_columns(
            signal=pl.col("signal_code").replace_strict(RUN_LABELS, default=None, return_dtype=pl.Utf8)
        )
        return labelled.with_columns(signal_detail=pl.col("signal"))
    signal = pl.col("point_type").replace_strict(POINT_LABELS, default=POINT_LABELS["common_cause"])
    rule = pl.col("special_cause_type").replace_strict(RULE_WORDS, default=None, return_dtype=pl.Utf8)
    return points.with_columns(
        signal_code=pl.col("point_type").fill_null("common_cause"),
        signal=signal,
        signal_detail=pl.coalesce(pl.concat_str(signal, pl.lit(" — "), rule), signal),
    )


def _drawn_codes(data: pl.DataFrame) -> list[str | None]:
    """The categories of the points drawn: a missing period has no dot, so it puts nothing in the legend."""
    return data.filter(pl.col("value").is_not_null())["signal_code"].unique(maintain_order=True).to_list()


def signal_colour(codes, *, legend: bool) -> alt.Color | dict:
    """The points' colour: a scale of the categories present only, so the legend lists what the chart shows."""
    entries = legend_entries(c for c in codes if c is not None)
    if not entries:  # a run chart without its runs analysis: nothing to say, so no legend
        return alt.value(COMMON_CAUSE_GREY)
    return alt.Color(
        "signal:N",
        scale=alt.Scale(domain=[label for label, _ in entries], range=[colour for _, colour in entries]),
        legend=alt.Legend(title=None, orient="bottom", labelLimit=360) if legend else None,
    )


def number_format(decimals: int | None) -> str:
    """A d3 number format writing values as the formatter does: to the measure's precision with thousands
    separated, or up to three places with trailing zeros dropped when the precision is not known."""
    return ",.3~f" if decimals is None else f",.{max(0, min(int(decimals), 6))}f"


def spc_chart(
    points: pl.DataFrame,
    *,
    title: str = "",
    unit: str = "",
    target: float | None = None,
    annotations: pl.DataFrame | None = None,
    height: int = 320,
    show_near_limits: bool = False,
    compact: bool = False,
    chart_type: str | None = None,
    decimals: int | None = None,
) -> alt.LayerChart:
    """A run or SPC chart of one series from ``analyse`` output (columns x, value, cl, lcl, ucl, phase...).

    ``chart_type``: "run" for a run chart; default the points' ``chart`` column, else a control chart.
    ``decimals``: the measure's precision, so a tooltip says 82.1 where the table says 82.1."""
    number = number_format(decimals)
    run = is_run_chart(chart_type_of(points, chart_type))
    data = point_signals(points, chart_type).select(
        "x",
        "value",
        "phase",
        "cl",
        "lcl",
        "ucl",
        "lcl_95",
        "ucl_95",
        "signal_code",
        "signal",
        "signal_detail",
        *(c for c in ("n", "y") if c in points.columns),
    )
    base = alt.Chart(alt.Data(values=_jsonable(data.drop("signal_code").to_dicts()))).encode(
        x=alt.X("x:T", title=None, axis=alt.Axis(format="%b %Y", labelAngle=0, tickCount=month_ticks(points)))
    )
    y_title = None if compact else (unit or "value")
    # Not from zero: a length of stay of 7.4 days on a 0–8 axis would hide every movement a board must see.
    line = base.mark_line(color=LINE_COLOUR, strokeWidth=1.5).encode(
        y=alt.Y("value:Q", title=y_title, scale=alt.Scale(zero=False))
    )
    colour = signal_colour(_drawn_codes(data), legend=not compact)
    # A compact chart (a board row) keeps the limits, colours and target, and drops what needs room to read.
    dots = base.mark_circle(size=25 if compact else 60, opacity=1).encode(
        y="value:Q",
        color=colour,
        tooltip=[
            alt.Tooltip("x:T", title="Period", format="%B %Y"),
            alt.Tooltip("value:Q", title="Value", format=number),
            *(
                [
                    alt.Tooltip("y:Q", title="Numerator", format=",~f"),
                    alt.Tooltip("n:Q", title="Denominator", format=",~f"),
                ]
                if "n" in data.columns and data["n"].is_not_null().any()
                else []
            ),
            alt.Tooltip("signal_detail:N", title="Variation"),
            alt.Tooltip("cl:Q", title="Median" if run else "Mean", format=number),
            *(
                []
                if run  # a run chart has no process limits
                else [
                    alt.Tooltip("ucl:Q", title="Upper limit", format=number),
                    alt.Tooltip("lcl:Q", title="Lower limit", format=number),
                ]
            ),
        ],
    )
    # Lines step at each phase: one line per phase (detail), drawn as steps between periods.
    centre = base.mark_line(color=LIMIT_COLOUR, strokeWidth=1.2, interpolate="step-after").encode(
        y="cl:Q", detail="phase:N"
    )
    layers = [line, centre]
    for column in ("ucl", "lcl") + (("ucl_95", "lcl_95") if show_near_limits else ()):
        layers.append(
            base.mark_line(color=LIMIT_COLOUR, strokeDash=[4, 3], strokeWidth=1, interpolate="step-after").encode(
                y=f"{column}:Q", detail="phase:N"
            )
        )
    if target is not None:
        layers.append(
            alt.Chart(alt.Data(values=[{"target": target}]))
            .mark_rule(color=TARGET_COLOUR, strokeDash=[6, 3])
            .encode(y="target:Q", tooltip=[alt.Tooltip("target:Q", title="Target", format=number)])
        )
    if annotations is not None and annotations.height:
        if "kind" not in annotations.columns:
            annotations = annotations.with_columns(kind=pl.lit("Change"))
        notes = alt.Chart(
            alt.Data(values=_jsonable(annotations.select("on_date", "kind", "label", "detail").to_dicts()))
        )
        tooltip = [
            alt.Tooltip("kind:N", title="Event"),
            alt.Tooltip("label:N", title="What"),
            alt.Tooltip("detail:N", title="Decision"),
        ]
        changes = notes.transform_filter(alt.datum.kind == "Change")
        layers.append(
            changes.mark_rule(color=ANNOTATION_COLOUR, strokeDash=[2, 2], opacity=0.6).encode(
                x="on_date:T", tooltip=tooltip
            )
        )
        layers.append(
            notes.mark_point(filled=True, size=70, opacity=0.9).encode(
                x="on_date:T",
                y=alt.value(4),  # a row of markers along the top edge
                shape=alt.Shape(
                    "kind:N",
                    scale=alt.Scale(domain=["Change", "PDSA cycle"], range=["triangle-down", "diamond"]),
                    legend=alt.Legend(title=None, orient="bottom"),
                ),
                color=alt.value(ANNOTATION_COLOUR),
                tooltip=tooltip,
            )
        )
    labels = [] if compact else phase_labels(points, centre="median" if run else "mean")
    if labels:
        layers.append(
            alt.Chart(alt.Data(values=_jsonable(labels)))
            .mark_text(align="left", baseline="bottom", dx=3, dy=-3, fontSize=11, color=LIMIT_COLOUR)
            .encode(x="x:T", y="cl:Q", text="label:N")
        )
    layers.append(dots)
    return alt.layer(*layers).properties(title=title, height=height)


# Beyond this many PDSA cycles on one chart, one marker per month says how many started: hundreds of
# overlapping diamonds (an aim served by a large trust's whole portfolio) tell a reader nothing.
MAX_CYCLE_MARKERS = 40


def chart_events(annotations: pl.DataFrame, cycles: pl.DataFrame, first=None, before=None) -> pl.DataFrame:
    """Change annotations and PDSA cycles as markers for the time axis (on_date, kind, label, detail, count).

    The one place the app's charts and the board pack's get their markers from. ``first``: the chart's first
    period (earlier events are off the chart); ``before``: the end of the chart's last period (a past month's
    board stops there, and so do its markers). ``count`` is the PDSA cycles a marker stands for (1 each, or a
    month's when there are too many to draw one by one) and 1 for a change."""
    notes = annotations.select(
        "on_date",
        pl.lit("Change").alias("kind"),
        pl.col("text").alias("label"),
        pl.lit("").alias("detail"),
        pl.lit(1, dtype=pl.UInt32).alias("count"),
    )
    if first is not None:
        cycles = cycles.filter(pl.col("start_date") >= first)
    if before is not None:
        cycles = cycles.filter(pl.col("start_date") < before)
        notes = notes.filter(pl.col("on_date") < before)
    if cycles.height > MAX_CYCLE_MARKERS:
        tests = (
            cycles.sort("start_date")
            .group_by(pl.col("start_date").dt.truncate("1mo").alias("on_date"), maintain_order=True)
            .agg(pl.len().alias("n"), pl.col("title").first().alias("example"))
            .select(
                "on_date",
                pl.lit("PDSA cycle").alias("kind"),
                pl.concat_str(pl.col("n").cast(pl.Utf8), pl.lit(" PDSA cycles started")).alias("label"),
                pl.concat_str(pl.lit("e.g. "), pl.col("example")).alias("detail"),
                pl.col("n").cast(pl.UInt32).alias("count"),
            )
        )
    else:
        tests = cycles.select(
            pl.col("start_date").alias("on_date"),
            pl.lit("PDSA cycle").alias("kind"),
            pl.col("title").alias("label"),
            pl.concat_str(
                pl.lit("Act: "), pl.col("act_decision").fill_null("not yet decided"), pl.lit(" · "), pl.col("project")
            ).alias("detail"),
            pl.lit(1, dtype=pl.UInt32).alias("count"),
        )
    events = pl.concat([notes, tests]).sort("on_date")
    return events.filter(pl.col("on_date") >= first) if first is not None else events


def compact_spec(
    points: pl.DataFrame, *, unit: str, target: float | None, height: int = 150, chart_type: str | None = None
) -> dict:
    """The compact chart (a board row) as a Vega-Lite spec, built once per shape and refilled per series:
    altair's build and schema check cost a quarter of a second a chart, fifty of which a board cannot wait for."""
    run = is_run_chart(chart_type_of(points, chart_type))
    template = _compact_template(target is not None, height, run)  # compact charts carry no unit title
    signals = point_signals(points, "run" if run else chart_type).select(
        "x", "value", "phase", "cl", "lcl", "ucl", "lcl_95", "ucl_95", "signal_code", "signal", "signal_detail"
    )
    records = _jsonable(signals.drop("signal_code").to_dicts())
    entries = legend_entries(c for c in _drawn_codes(signals) if c is not None)
    colour = (  # as ``signal_colour`` draws it, written out: no altair build per board row
        {
            "field": "signal",
            "type": "nominal",
            "legend": None,
            "scale": {"domain": [label for label, _ in entries], "range": [colour for _, colour in entries]},
        }
        if entries
        else {"value": COMMON_CAUSE_GREY}
    )
    ticks = month_ticks(points)  # the template's were worked out for its one-point sample
    layers = []
    for layer in template["layer"]:
        values = layer.get("data", {}).get("values", [{}])
        if values and "target" in values[0]:
            layers.append({**layer, "data": {"values": [{"target": target}]}})
            continue
        # The points once, for the whole chart (every other layer reads them): a board sends fifty of these charts
        # on every run, each a fifth of the size it would be with the points in every layer.
        layer = {key: value for key, value in layer.items() if key != "data"}
        x = layer.get("encoding", {}).get("x", {})
        if "axis" in x:
            layer["encoding"] = {**layer["encoding"], "x": {**x, "axis": {**x["axis"], "tickCount": ticks}}}
        if "color" in layer.get("encoding", {}):  # the template's one sample point coloured only common cause
            layer["encoding"] = {**layer["encoding"], "color": colour}
        layers.append(layer)
    return {**template, "data": {"values": records}, "layer": layers}


@functools.lru_cache(maxsize=8)
def _compact_template(has_target: bool, height: int, run: bool = False) -> dict:
    sample = pl.DataFrame(
        {
            "x": [dt.date(2000, 1, 1)],
            "value": [0.0],
            "phase": [1],
            "cl": [0.0],
            "lcl": [0.0],
            "ucl": [0.0],
            "lcl_95": [0.0],
            "ucl_95": [0.0],
            "point_type": ["common_cause"],
            "special_cause_type": [None],
            "run_signal": [False],
        },
        schema_overrides={"special_cause_type": pl.Utf8},
    )
    return spc_chart(
        sample, target=0.0 if has_target else None, height=height, compact=True, chart_type="run" if run else "xmr"
    ).to_dict(validate=False)


def phase_labels(points: pl.DataFrame, decimals: int = 3, centre: str = "mean") -> list[dict]:
    """One label per phase at its start: its centre line (a control chart's mean, a run chart's median), and from
    the second phase on how it moved."""
    starts = points.filter(pl.col("cl").is_not_null()).group_by("phase", maintain_order=True).first()
    labels, previous = [], None
    for row in starts.iter_rows(named=True):
        value = f"{row['cl']:.{decimals}g}"
        if previous is None:
            text = f"{centre} {value}" if starts.height > 1 else ""
        else:
            way = "fell" if row["cl"] < previous else "rose" if row["cl"] > previous else "stayed"
            text = f"{centre} {way} from {previous:.{decimals}g} to {value}"
        if text:
            labels.append({"x": row["x"], "cl": row["cl"], "label": text})
        previous = row["cl"]
    return labels


def _jsonable(records: list[dict]) -> list[dict]:
    import datetime as dt

    out = []
    for record in records:
        out.append({k: (v.isoformat() if isinstance(v, (dt.date, dt.datetime)) else v) for k, v in record.items()})
    return out


def chart_svg(chart: alt.TopLevelMixin) -> str:
    """The chart rendered to SVG by vl-convert (the Vega-Lite reference renderer, no browser needed)."""
    import vl_convert

    return vl_convert.vegalite_to_svg(chart.to_dict(validate=False))


def chart_png(chart: alt.TopLevelMixin, scale: float = 2.0) -> bytes:
    import vl_convert

    return vl_convert.vegalite_to_png(chart.to_dict(validate=False), scale=scale)
