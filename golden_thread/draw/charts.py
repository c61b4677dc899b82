"""Chart builders: computed series in, altair charts out. No statistics here; nothing but drawing.

Colours follow Making Data Count (DOMAIN Decision 7): improvement blue, concern orange, common cause
grey, neutral purple.
"""

from __future__ import annotations

import datetime as dt
import functools

import altair as alt
import polars as pl

from golden_thread.domain.palette import ICONS, VARIATION_ICONS

POINT_COLOURS = {icon: ICONS[icon].colour for icon in VARIATION_ICONS}
POINT_LABELS = {icon: ICONS[icon].short for icon in VARIATION_ICONS}
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
) -> alt.LayerChart:
    """A run or SPC chart of one series from ``analyse`` output (columns x, value, cl, lcl, ucl, phase...)."""
    data = points.select(
        "x",
        "value",
        "phase",
        "cl",
        "lcl",
        "ucl",
        "lcl_95",
        "ucl_95",
        "point_type",
        "special_cause_type",
        *(c for c in ("n", "y") if c in points.columns),
    ).with_columns(signal=pl.col("point_type").replace_strict(POINT_LABELS, default="Common cause"))
    base = alt.Chart(alt.Data(values=_jsonable(data.to_dicts()))).encode(
        x=alt.X("x:T", title=None, axis=alt.Axis(format="%b %Y", labelAngle=0, tickCount=month_ticks(points)))
    )
    y_title = None if compact else (unit or "value")
    # Not from zero: a length of stay of 7.4 days on a 0–8 axis would hide every movement a board must see.
    line = base.mark_line(color=LINE_COLOUR, strokeWidth=1.5).encode(
        y=alt.Y("value:Q", title=y_title, scale=alt.Scale(zero=False))
    )
    colour = alt.Color(
        "signal:N",
        scale=alt.Scale(domain=list(POINT_LABELS.values()), range=list(POINT_COLOURS.values())),
        legend=None if compact else alt.Legend(title=None, orient="bottom"),
    )
    # A compact chart (a board row) keeps the limits, colours and target, and drops what needs room to read.
    dots = base.mark_circle(size=25 if compact else 60, opacity=1).encode(
        y="value:Q",
        color=colour,
        tooltip=[
            alt.Tooltip("x:T", title="Period", format="%B %Y"),
            alt.Tooltip("value:Q", title="Value", format=",.3~f"),
            *(
                [
                    alt.Tooltip("y:Q", title="Numerator", format=",~f"),
                    alt.Tooltip("n:Q", title="Denominator", format=",~f"),
                ]
                if "n" in data.columns and data["n"].is_not_null().any()
                else []
            ),
            alt.Tooltip("special_cause_type:N", title="Signal"),
            alt.Tooltip("cl:Q", title="Centre", format=",.3~f"),
            alt.Tooltip("ucl:Q", title="Upper limit", format=",.3~f"),
            alt.Tooltip("lcl:Q", title="Lower limit", format=",.3~f"),
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
            .encode(y="target:Q", tooltip=[alt.Tooltip("target:Q", title="Target")])
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
    labels = [] if compact else phase_labels(points)
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


def chart_events(annotations: pl.DataFrame, cycles: pl.DataFrame, first=None) -> pl.DataFrame:
    """Change annotations and PDSA cycles as markers for the time axis (on_date, kind, label, detail)."""
    notes = annotations.select(
        "on_date", pl.lit("Change").alias("kind"), pl.col("text").alias("label"), pl.lit("").alias("detail")
    )
    if first is not None:
        cycles = cycles.filter(pl.col("start_date") >= first)
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
        )
    events = pl.concat([notes, tests]).sort("on_date")
    return events.filter(pl.col("on_date") >= first) if first is not None else events


def compact_spec(points: pl.DataFrame, *, unit: str, target: float | None, height: int = 150) -> dict:
    """The compact chart (a board row) as a Vega-Lite spec, built once per shape and refilled per series:
    altair's build and schema check cost a quarter of a second a chart, fifty of which a board cannot wait for."""
    template = _compact_template(target is not None, height)  # compact charts carry no unit title
    records = _jsonable(
        points.select("x", "value", "phase", "cl", "lcl", "ucl", "lcl_95", "ucl_95", "point_type", "special_cause_type")
        .with_columns(signal=pl.col("point_type").replace_strict(POINT_LABELS, default="Common cause"))
        .to_dicts()
    )
    ticks = month_ticks(points)  # the template's were worked out for its one-point sample
    layers = []
    for layer in template["layer"]:
        values = layer.get("data", {}).get("values", [{}])
        if values and "target" in values[0]:
            layers.append({**layer, "data": {"values": [{"target": target}]}})
            continue
        layer = {**layer, "data": {"values": records}}
        x = layer.get("encoding", {}).get("x", {})
        if "axis" in x:
            layer["encoding"] = {**layer["encoding"], "x": {**x, "axis": {**x["axis"], "tickCount": ticks}}}
        layers.append(layer)
    return {**template, "layer": layers}


@functools.lru_cache(maxsize=8)
def _compact_template(has_target: bool, height: int) -> dict:
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
        },
        schema_overrides={"special_cause_type": pl.Utf8},
    )
    return spc_chart(sample, target=0.0 if has_target else None, height=height, compact=True).to_dict(validate=False)


def phase_labels(points: pl.DataFrame, decimals: int = 3) -> list[dict]:
    """One label per phase at its start: its mean, and from the second phase on how it moved."""
    starts = points.filter(pl.col("cl").is_not_null()).group_by("phase", maintain_order=True).first()
    labels, previous = [], None
    for row in starts.iter_rows(named=True):
        value = f"{row['cl']:.{decimals}g}"
        if previous is None:
            text = f"mean {value}" if starts.height > 1 else ""
        else:
            way = "fell" if row["cl"] < previous else "rose" if row["cl"] > previous else "stayed"
            text = f"mean {way} from {previous:.{decimals}g} to {value}"
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
