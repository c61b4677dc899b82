"""The network's charts: each member on one scale (small multiples) and the learning grid of Act decisions."""

from __future__ import annotations

import altair as alt
import polars as pl

from golden_thread.draw.charts import POINT_COLOURS, POINT_LABELS

# Each learning state's colour: adopted in Making Data Count's improvement blue, abandoned in common-cause grey.
STATES: tuple[str, ...] = ("adopted", "adapting", "abandoned", "testing", "not tested")
STATE_COLOURS = {
    "adopted": "#289DE0",
    "adapting": "#F2C14E",
    "abandoned": "#A6A6A6",
    "testing": "#CFE8F7",
    "not tested": "#FFFFFF",
}


def small_multiples_chart(
    points: pl.DataFrame,
    *,
    unit: str = "",
    target: float | None = None,
    columns: int = 3,
    width: int = 170,
    height: int = 120,
) -> alt.FacetChart:
    """One panel per member on a shared scale, so members can be compared at a glance: the values, centre line
    and process limits, points coloured by Making Data Count signal."""
    data = points.select(
        "member", "order", "x", "value", "cl", "lcl", "ucl", "point_type", "special_cause_type"
    ).with_columns(signal=pl.col("point_type").replace_strict(POINT_LABELS, default="Common cause"))
    base = alt.Chart().encode(x=alt.X("x:T", title=None, axis=alt.Axis(format="%b %y", labelAngle=0, tickCount=4)))
    colour = alt.Color(
        "signal:N",
        scale=alt.Scale(domain=list(POINT_LABELS.values()), range=list(POINT_COLOURS.values())),
        legend=alt.Legend(title=None, orient="bottom"),
    )
    layers = [
        base.mark_line(color="#7F7F7F", strokeWidth=1.2).encode(
            y=alt.Y("value:Q", title=unit or None, scale=alt.Scale(zero=False))
        ),
        base.mark_line(color="#231F20", strokeWidth=1, interpolate="step-after").encode(y="cl:Q"),
        base.mark_line(color="#231F20", strokeDash=[4, 3], strokeWidth=0.8, interpolate="step-after").encode(y="ucl:Q"),
        base.mark_line(color="#231F20", strokeDash=[4, 3], strokeWidth=0.8, interpolate="step-after").encode(y="lcl:Q"),
        base.mark_circle(size=22, opacity=1).encode(
            y="value:Q",
            color=colour,
            tooltip=[
                alt.Tooltip("member:N", title="Member"),
                alt.Tooltip("x:T", title="Period", format="%B %Y"),
                alt.Tooltip("value:Q", title="Value", format=",.1f"),
                alt.Tooltip("special_cause_type:N", title="Signal"),
            ],
        ),
    ]
    if target is not None:
        layers.append(
            alt.Chart().mark_rule(color="#DE1B1B", strokeDash=[6, 3], strokeWidth=1).encode(y=alt.datum(target))
        )
    return (
        alt.layer(*layers, data=alt.Data(values=_records(data)))
        .properties(height=height, width=width)
        .facet(
            facet=alt.Facet(
                "member:N",
                title=None,
                sort=alt.SortField("order"),
                header=alt.Header(labelFontWeight="bold", labelFontSize=12, labelLimit=width),
            ),
            columns=columns,
        )
    )


def learning_grid_chart(grid: pl.DataFrame, *, member_word: str = "Member") -> alt.LayerChart:
    """Change ideas (rows, in the diagram's order) × members (columns): each cell coloured by what the member
    decided last (adopted, adapting, abandoned, still testing, not tested), labelled with its PDSA cycles."""
    data = grid.with_columns(
        label=pl.when(pl.col("cycles") > 0).then(pl.col("cycles").cast(pl.Utf8)).otherwise(pl.lit("")),
        idea=pl.col("change_idea"),
        who=pl.when(pl.col("current")).then(pl.col("member")).otherwise(pl.col("member") + pl.lit(" (left)")),
    ).select("who", "idea", "state", "label", "cycles", "adopt", "adapt", "abandon", "latest_decision")
    base = alt.Chart(alt.Data(values=_records(data))).encode(
        y=alt.Y("idea:N", title=None, sort=None, axis=alt.Axis(labelLimit=340, labelFontSize=12)),
        x=alt.X(
            "who:N",
            title=None,
            sort=None,
            axis=alt.Axis(
                orient="top", labelAngle=-35, labelLimit=200, labelAlign="left", labelOverlap=False, labelFontSize=12
            ),
        ),
    )
    cells = base.mark_rect(stroke="#D0D5DA", strokeWidth=1).encode(
        color=alt.Color(
            "state:N",
            scale=alt.Scale(domain=list(STATES), range=list(STATE_COLOURS.values())),
            legend=alt.Legend(
                title="Latest Act decision", orient="bottom", direction="horizontal", symbolStrokeColor="#888888"
            ),
        ),
        tooltip=[
            alt.Tooltip("who:N", title=member_word),
            alt.Tooltip("idea:N", title="Change idea"),
            alt.Tooltip("state:N", title="State"),
            alt.Tooltip("cycles:Q", title="PDSA cycles"),
            alt.Tooltip("adopt:Q", title="Adopt"),
            alt.Tooltip("adapt:Q", title="Adapt"),
            alt.Tooltip("abandon:Q", title="Abandon"),
        ],
    )
    labels = base.mark_text(fontSize=12, fontWeight="bold", color="#1F2D3D").encode(text="label:N")
    return alt.layer(cells, labels).properties(height=alt.Step(32), width=alt.Step(72))


def _records(frame: pl.DataFrame) -> list[dict]:
    """A frame's rows for a chart's inline data: dates as ISO text, which Vega-Lite reads as times."""
    dates = [c for c, t in frame.schema.items() if t in (pl.Date, pl.Datetime)]
    return frame.with_columns(pl.col(c).dt.strftime("%Y-%m-%d") for c in dates).to_dicts()
