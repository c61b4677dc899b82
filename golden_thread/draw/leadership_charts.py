"""Leadership charts: the radar, the rubric heat-map and the trends. Computed frames in, altair charts out.

Vega-Lite has no radar mark, so ``leadership.radar_geometry`` computes each polygon's corners and these builders
only draw lines, points and text at them. Colours: NHS identity colours (self blue, team warm yellow-orange, so
they stay apart for colour-blind readers and in greyscale by their dash), the heat-map in NHS blues (pale grey
where no one chose a level).
"""

from __future__ import annotations

import altair as alt
import polars as pl

from golden_thread.domain.formatting import format_day, format_number

# https://www.england.nhs.uk/nhsidentity/identity-guidelines/colours/
SELF_COLOUR = "#005EB8"  # NHS blue
TEAM_COLOUR = "#ED8B00"  # NHS orange
GRID_COLOUR = "#D8DDE0"
TEXT_COLOUR = "#212B32"
MUTED_TEXT = "#4C6272"
HEAT_SCHEME = ["#F0F4F5", "#C6DBEF", "#6BAED6", "#2171B5", "#003087"]  # 0 raters … most raters (NHS dark blue)
WHO_COLOURS = {"Self": SELF_COLOUR, "Team": TEAM_COLOUR}
WHEN_DASH = {"Now": [1, 0], "Last time": [5, 4]}


def _values(frame: pl.DataFrame) -> alt.Data:
    return alt.Data(
        values=[
            {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row.items()} for row in frame.to_dicts()
        ]
    )


def _with_words(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with its mean ratings (``score``, to one place) and assessment dates (``assessed_on``) also as the
    words a tooltip shows, written as every table writes them (``domain.formatting``)."""
    words = []
    if "score" in frame.columns:
        words.append(
            pl.col("score").map_elements(lambda v: format_number(v, 1), return_dtype=pl.Utf8).alias("score_shown")
        )
    if "assessed_on" in frame.columns:
        words.append(pl.col("assessed_on").map_elements(format_day, return_dtype=pl.Utf8).alias("assessed_shown"))
    return frame.with_columns(words) if words else frame


def radar_chart(geometry: dict[str, pl.DataFrame], *, size: int = 420, title: str = "") -> alt.LayerChart:
    """The radar: grid rings per scale level, spokes labelled with the sections, one closed polygon per series
    (colour = self or team, dash = now or last time)."""
    axis_off = dict(axis=None, scale=alt.Scale(domain=[-1.5, 1.5]))
    x, y = alt.X("x:Q", **axis_off), alt.Y("y:Q", **axis_off)
    rings = (
        alt.Chart(_values(geometry["rings"]))
        .mark_line(color=GRID_COLOUR, strokeWidth=1)
        .encode(x=x, y=y, detail="level:N", order="order:Q")
    )
    spokes = (
        alt.Chart(_values(geometry["axes"]))
        .mark_line(color=GRID_COLOUR, strokeWidth=1)
        .encode(x=x, y=y, detail="spoke:N", order="order:Q")
    )
    ticks = (
        alt.Chart(_values(geometry["ticks"]))
        .mark_text(color=MUTED_TEXT, fontSize=10, align="left", dy=-2)
        .encode(x=x, y=y, text="label:N")
    )
    labels = alt.layer(
        *[
            alt.Chart(_values(geometry["labels"].filter(pl.col("align") == align)))
            .mark_text(align=align, color=TEXT_COLOUR, fontSize=13, fontWeight="bold")
            .encode(x=x, y=y, text="spoke:N")
            for align in ("left", "right", "center")
            if geometry["labels"].filter(pl.col("align") == align).height
        ]
    )
    polygons = _with_words(geometry["polygons"])
    who = [w for w in WHO_COLOURS if w in set(polygons["who"].to_list())] if polygons.height else list(WHO_COLOURS)
    when = [w for w in WHEN_DASH if w in set(polygons["when"].to_list())] if polygons.height else list(WHEN_DASH)
    who_scale = alt.Scale(domain=who, range=[WHO_COLOURS[w] for w in who])
    colour = alt.Color("who:N", title=None, scale=who_scale, legend=alt.Legend(orient="bottom", title=None))
    dash = alt.StrokeDash(
        "when:N",
        title=None,
        scale=alt.Scale(domain=when, range=[WHEN_DASH[w] for w in when]),
        legend=alt.Legend(orient="bottom", title=None),
    )
    tooltip = [
        alt.Tooltip("series:N", title="Assessment"),
        alt.Tooltip("spoke:N", title="Action"),
        alt.Tooltip("score_shown:N", title="Mean rating"),
    ]
    lines = (
        alt.Chart(_values(polygons))
        .mark_line(strokeWidth=2.5)
        .encode(x=x, y=y, color=colour, strokeDash=dash, detail="series:N", order="order:Q", tooltip=tooltip)
    )
    points = (
        alt.Chart(_values(polygons.filter(pl.col("order") > 0) if polygons.height else polygons))
        .mark_point(filled=True, size=45)
        .encode(
            x=x,
            y=y,
            color=alt.Color("who:N", scale=who_scale, legend=None),
            opacity=alt.condition("datum.when == 'Now'", alt.value(1), alt.value(0.45)),
            tooltip=tooltip,
        )
    )
    chart = alt.layer(rings, spokes, ticks, labels, lines, points).properties(width=size, height=size)
    if title:
        chart = chart.properties(title=alt.Title(title, anchor="start", fontSize=15))
    return chart.configure_view(stroke=None)


def _wrap(text: str, width: int = 16) -> list[str]:
    """Words of a scale label on lines of about ``width`` characters (Vega-Lite draws a list as lines)."""
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines


def heatmap_chart(
    cells: pl.DataFrame, *, title: str = "", row_height: int = 30, column_width: int = 132, label_width: int = 330
) -> alt.VConcatChart:
    """The paper rubric as a grid: the scale's levels across the top, then each group's items (a section or
    sub-section, titled above its rows); each cell is shaded by how many raters placed their initials there and
    shows the initials. The item labels have one fixed width so every group's columns line up."""
    levels = cells.select("level", "label").unique().sort("level")
    most = max(int(cells["count"].max() or 0), 1)
    x = alt.X("level:O", title=None, axis=None, scale=alt.Scale(domain=levels["level"].to_list()))
    width = column_width * levels.height
    header = (
        alt.Chart(
            _values(
                levels.with_columns(
                    pl.struct("level", "label")
                    .map_elements(lambda r: [f"{r['level']}", *_wrap(r["label"])], return_dtype=pl.List(pl.Utf8))
                    .alias("lines"),
                    pl.lit("").alias("blank"),
                )
            )
        )
        .mark_text(fontSize=12, fontWeight="bold", color=TEXT_COLOUR, baseline="top", lineHeight=15)
        .encode(
            x=x, y=alt.Y("blank:N", title=None, axis=alt.Axis(labels=False, ticks=False, domain=False)), text="lines:N"
        )
        .properties(width=width, height=58)
    )
    colour = alt.Color(
        "count:Q",
        title="Raters who chose it",
        scale=alt.Scale(domain=[0, most], range=HEAT_SCHEME[: most + 1] if most < 4 else HEAT_SCHEME),
        legend=alt.Legend(orient="bottom", tickMinStep=1, format="d", gradientLength=160),
    )
    tooltip = [
        alt.Tooltip("item:N", title="Item"),
        alt.Tooltip("column:N", title="Rating"),
        alt.Tooltip("count:Q", title="Raters"),
        alt.Tooltip("initials:N", title="Initials"),
    ]
    blocks = []
    for (group,), rows in cells.group_by("group", maintain_order=True):
        items = rows.sort("order")["item"].unique(maintain_order=True).to_list()
        y = alt.Y(
            "item:N",
            sort=items,
            title=None,
            axis=alt.Axis(labelLimit=label_width, labelFontSize=12, domain=False, ticks=False, labelPadding=8),
        )
        base = alt.Chart(_values(rows)).encode(x=x, y=y)
        rect = base.mark_rect(stroke="white", strokeWidth=2).encode(color=colour, tooltip=tooltip)
        text = base.mark_text(fontSize=11, fontWeight="bold").encode(
            text="initials:N",
            color=alt.condition(
                f"datum.count >= {max(2, (most + 1) // 2)}", alt.value("white"), alt.value(TEXT_COLOUR)
            ),
            tooltip=tooltip,
        )
        blocks.append(
            alt.layer(rect, text).properties(
                width=width,
                height=row_height * len(items),
                title=alt.Title(group, anchor="start", fontSize=13, color=TEXT_COLOUR, offset=6),
            )
        )
    chart = alt.vconcat(header, *blocks, spacing=10).resolve_scale(color="shared")
    if title:
        chart = chart.properties(title=alt.Title(title, anchor="start", fontSize=15))
    return chart.configure_view(stroke=None).configure_axisY(minExtent=label_width + 10, maxExtent=label_width + 10)


def trend_chart(trend: pl.DataFrame, *, max_level: int, height: int = 260) -> alt.Chart:
    """Mean rating per section at each assessment date: one line per section, on the scale's own range."""
    return (
        alt.Chart(_values(_with_words(trend)))
        .mark_line(point=alt.OverlayMarkDef(size=60, filled=True), strokeWidth=2)
        .encode(
            x=alt.X("assessed_on:T", title=None, axis=alt.Axis(format="%b %Y", labelAngle=0, tickCount="month")),
            y=alt.Y(
                "score:Q",
                title="Mean rating",
                scale=alt.Scale(domain=[1, max_level]),
                axis=alt.Axis(tickMinStep=1, values=list(range(1, max_level + 1))),
            ),
            color=alt.Color(
                "section:N",
                title=None,
                sort=alt.SortField("position"),
                scale=alt.Scale(scheme="tableau10"),
                legend=alt.Legend(orient="right", labelLimit=320),
            ),
            tooltip=[
                alt.Tooltip("section:N", title="Section"),
                alt.Tooltip("assessed_shown:N", title="Assessed"),
                alt.Tooltip("score_shown:N", title="Mean rating"),
            ],
        )
        .properties(height=height)
    )
