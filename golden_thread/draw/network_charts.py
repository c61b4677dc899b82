"""The network's charts: each member on one scale (small multiples) and the learning grid of Act decisions."""

from __future__ import annotations

import altair as alt
import polars as pl

from golden_thread.domain.formatting import format_month, format_number
from golden_thread.domain.palette import is_run_chart
from golden_thread.draw.charts import TARGET_COLOUR, chart_type_of, point_signals, signal_colour

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
    chart_type: str | None = None,
    decimals: int | None = None,
    member_word: str = "Member",
) -> alt.FacetChart:
    """One panel per member on a shared scale, so members can be compared at a glance: the values, centre line
    and process limits, points coloured by Making Data Count signal (a run chart's by its runs analysis), and
    each member's own target.

    A member's target is its points' ``member_target`` column, else their ``target`` (the target of the
    member's own measure, as the engine carried it); ``target`` is drawn only for points that carry neither.
    The tooltips write values and targets as every table does (``domain.formatting``), to ``decimals`` places,
    the measure's own precision."""
    run = is_run_chart(chart_type_of(points, chart_type))
    own = next((c for c in ("member_target", "target") if c in points.columns), None)
    data = (
        point_signals(points, chart_type)
        .with_columns(member_target=pl.col(own) if own else pl.lit(target, dtype=pl.Float64))
        .select(
            "member",
            "order",
            "x",
            "value",
            "cl",
            "lcl",
            "ucl",
            "signal_code",
            "signal",
            "signal_detail",
            "member_target",
        )
        .with_columns(
            pl.col("x").map_elements(format_month, return_dtype=pl.Utf8).alias("period"),
            pl.col("value").map_elements(lambda v: format_number(v, decimals), return_dtype=pl.Utf8).alias("shown"),
            pl.col("member_target")
            .map_elements(lambda v: format_number(v, decimals), return_dtype=pl.Utf8)
            .alias("target_shown"),
        )
    )
    base = alt.Chart().encode(x=alt.X("x:T", title=None, axis=alt.Axis(format="%b %y", labelAngle=0, tickCount=4)))
    colour = signal_colour(
        data.filter(pl.col("value").is_not_null())["signal_code"].unique(maintain_order=True).to_list(), legend=True
    )
    layers = [
        base.mark_line(color="#7F7F7F", strokeWidth=1.2).encode(
            y=alt.Y("value:Q", title=unit or None, scale=alt.Scale(zero=False))
        ),
        base.mark_line(color="#231F20", strokeWidth=1, interpolate="step-after").encode(y="cl:Q"),
        *(
            base.mark_line(color="#231F20", strokeDash=[4, 3], strokeWidth=0.8, interpolate="step-after").encode(
                y=f"{limit}:Q"
            )
            for limit in (() if run else ("ucl", "lcl"))  # a run chart has a median and no process limits
        ),
        base.mark_circle(size=22, opacity=1).encode(
            y="value:Q",
            color=colour,
            tooltip=[
                alt.Tooltip("member:N", title=member_word),
                alt.Tooltip("period:N", title="Period"),
                alt.Tooltip("shown:N", title="Value"),
                alt.Tooltip("signal_detail:N", title="Variation"),
            ],
        ),
    ]
    if data["member_target"].is_not_null().any():
        # One rule per panel at that member's own target (every row of a member carries it; a member without
        # one gets no line).
        layers.append(
            alt.Chart()
            .transform_filter("isValid(datum.member_target)")
            .mark_rule(color=TARGET_COLOUR, strokeDash=[6, 3], strokeWidth=1)
            .encode(
                y=alt.Y("max(member_target):Q"),
                # every row of a member carries the same words for its target, so this groups nothing apart
                tooltip=[alt.Tooltip("target_shown:N", title="Target")],
            )
        )
    return (
        alt.layer(*layers, data=alt.Data(values=_records(data.drop("signal_code"))))
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
