"""The golden thread as a tree a person can read: filtered, flagged, iconed, and shaped for ECharts' tree series.

Pure functions over the frame ``thread_graph.build_thread`` returns, the flags ``services.checks.check_thread``
returns and the measure summaries ``measure_series.measure_charts`` returns. The page only draws the result.

At the scale of a large trust (thousands of projects, tens of thousands of PDSA cycles) one tree cannot be
read or drawn whole, so beyond ``MAX_DRAWN`` nodes the PDSA cycles, then the projects, are folded into a
count on their parent until the reader filters down to their part of the thread.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

import polars as pl

from golden_thread.domain.checks import RULES
from golden_thread.domain.thread_graph import ORPHANS, RETIRED_LINKS, SEVERITY_RANK
from golden_thread.draw.icons import assurance_icon_svg, icon_uri, variation_icon_svg

MAX_DRAWN = 1500
SEVERITY_COLOURS = {"error": "#C0392B", "warning": "#D68910", "info": "#5D6D7E"}
KIND_COLOURS = {
    "aim": "#1F3A5F",
    "primary driver": "#117A65",
    "secondary driver": "#48C9B0",
    "change idea": "#7D3C98",
    "project": "#2E86C1",
    "PDSA cycle": "#AAB7B8",
    "orphans": "#C0392B",
    "retired links": "#C0392B",
}
KIND_SIZES = {
    "aim": 16,
    "primary driver": 12,
    "secondary driver": 10,
    "change idea": 9,
    "project": 9,
    "PDSA cycle": 6,
    "orphans": 16,
    "retired links": 16,
}
MEASURE_PREFERENCE = {"outcome": 0, "process": 1, "balancing": 2}
LABEL_CHARACTERS = 40
PARENT_LABEL_CHARACTERS = 22


@dataclass(frozen=True)
class TreeFilter:
    """What the reader narrowed the tree to. Empty means everything."""

    aim: str | None = None
    divisions: tuple[str, ...] = ()
    teams: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()
    search: str = ""

    @property
    def narrows_work(self) -> bool:
        return bool(self.divisions or self.teams or self.statuses)

    @property
    def is_empty(self) -> bool:
        return not (self.aim or self.narrows_work or self.rules or self.search.strip())


@dataclass
class TreeView:
    """The nodes to draw, those folded away for size, and the ECharts data for the drawn ones."""

    visible: list[str]
    folded_kinds: list[str] = field(default_factory=list)
    roots: list[dict] = field(default_factory=list)


def node_icons(thread: pl.DataFrame, summaries: pl.DataFrame) -> pl.DataFrame:
    """node, measure_id, measure, variation_icon, assurance_icon, direction: each node's lead measure
    (its outcome measure where it has one), with the icons the measure's chart shows."""
    if summaries.height == 0 or "variation_icon" not in summaries.columns:
        return pl.DataFrame(
            schema={
                "node": pl.Utf8,
                "measure_id": pl.Int64,
                "measure": pl.Utf8,
                "variation_icon": pl.Utf8,
                "assurance_icon": pl.Utf8,
                "direction": pl.Utf8,
                "summary": pl.Utf8,
            }
        )
    measures = summaries.select(
        pl.col("id").cast(pl.Int64).alias("measure_id"),
        pl.col("name").alias("measure"),
        "measure_type",
        "variation_icon",
        "assurance_icon",
        pl.col("improvement_direction").alias("direction"),
        "summary",
    )
    return (
        thread.select("node", pl.col("measure_ids").alias("measure_id"))
        .explode("measure_id")
        .drop_nulls()
        .join(measures, on="measure_id")
        .sort(pl.col("measure_type").replace_strict(MEASURE_PREFERENCE, default=9, return_dtype=pl.Int8), "measure_id")
        .group_by("node", maintain_order=True)
        .first()
        .drop("measure_type")
    )


def _ancestors(parent_of: dict[str, str | None], nodes: set[str]) -> set[str]:
    seen = set(nodes)
    frontier = nodes
    while frontier:
        frontier = {parent_of[n] for n in frontier if parent_of.get(n)} - seen
        seen |= frontier
    return seen


def _descendants(children_of: dict[str, list[str]], root: str) -> set[str]:
    seen, stack = {root}, [root]
    while stack:
        for child in children_of.get(stack.pop(), []):
            if child not in seen:
                seen.add(child)
                stack.append(child)
    return seen


def visible_nodes(thread: pl.DataFrame, flags: pl.DataFrame, chosen: TreeFilter) -> set[str]:
    """The nodes the filter keeps, with every ancestor of each so a kept node is always seen in its thread."""
    parent_of = dict(zip(thread["node"], thread["parent"]))
    keep = set(thread["node"])
    if chosen.aim:
        children_of: dict[str, list[str]] = {}
        for node, parent in parent_of.items():
            if parent:
                children_of.setdefault(parent, []).append(node)
        keep &= _descendants(children_of, chosen.aim)
    if chosen.narrows_work:
        work = thread.filter(pl.col("team").is_not_null())
        for column, wanted in (("division", chosen.divisions), ("team", chosen.teams), ("status", chosen.statuses)):
            if wanted:
                work = work.filter(pl.col(column).is_in(list(wanted)))
        keep &= _ancestors(parent_of, set(work["node"]) & keep)
    if chosen.rules or chosen.search.strip():
        candidates = thread.filter(pl.col("node").is_in(list(keep)))
        if chosen.rules:
            flagged = flags.filter(pl.col("rule").list.eval(pl.element().is_in(list(chosen.rules))).list.any())
            candidates = candidates.filter(pl.col("node").is_in(flagged["node"].implode()))
        if chosen.search.strip():
            candidates = candidates.filter(
                pl.col("label").str.to_lowercase().str.contains(chosen.search.strip().lower(), literal=True)
            )
        keep &= _ancestors(parent_of, set(candidates["node"]))
    return keep


def icon_styles() -> dict[str, dict]:
    """ECharts rich-text styles, one per icon, defined once for the series and named by each node's label."""
    styles = {}
    for point_type in (
        "common_cause",
        "special_cause_improvement",
        "special_cause_concern",
        "special_cause_neutral_high",
        "special_cause_neutral_low",
        None,
    ):
        for direction in ("increase", "decrease", "neutral"):
            styles[f"v_{point_type}_{direction}"] = {
                "backgroundColor": {"image": icon_uri(variation_icon_svg(point_type, direction))},
                "width": 16,
                "height": 16,
            }
    for assurance in ("consistent_pass", "consistent_fail", "inconsistent", None):
        styles[f"a_{assurance}"] = {
            "backgroundColor": {"image": icon_uri(assurance_icon_svg(assurance))},
            "width": 16,
            "height": 16,
        }
    styles["flag_error"] = {"color": SEVERITY_COLOURS["error"], "fontWeight": "bold"}
    styles["flag_warning"] = {"color": SEVERITY_COLOURS["warning"], "fontWeight": "bold"}
    styles["flag_info"] = {"color": SEVERITY_COLOURS["info"]}
    return styles


def _short(text: str, limit: int) -> str:
    # ECharts rich text treats braces and pipes as markup; a title is only ever text.
    text = text.replace("{", "(").replace("}", ")").replace("|", "/")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def tree_view(
    thread: pl.DataFrame,
    flags: pl.DataFrame,
    icons: pl.DataFrame,
    chosen: TreeFilter,
    *,
    selected: str | None = None,
    max_drawn: int = MAX_DRAWN,
) -> TreeView:
    """The ECharts tree data for the filtered thread: flags colour a node, broken links are dashed red,
    each node with a measure carries its variation and assurance icons."""
    keep = visible_nodes(thread, flags, chosen)
    shown = thread.filter(pl.col("node").is_in(list(keep)))
    folded: list[str] = []
    for kind in ("PDSA cycle", "project"):
        if shown.height <= max_drawn:
            break
        folded.append(kind)
        shown = shown.filter(pl.col("kind") != kind)
    visible = shown["node"].to_list()
    drawn = set(visible)

    flag_of = {row["node"]: row for row in flags.filter(pl.col("node").is_in(visible)).iter_rows(named=True)}
    icon_of = {row["node"]: row for row in icons.filter(pl.col("node").is_in(visible)).iter_rows(named=True)}
    hidden_children: dict[str, dict[str, int]] = {}
    for _node, parent, kind in (
        thread.filter(pl.col("node").is_in(list(keep - drawn))).select("node", "parent", "kind").iter_rows()
    ):
        if parent in drawn:
            hidden_children.setdefault(parent, {}).setdefault(kind, 0)
            hidden_children[parent][kind] += 1

    parents_drawn = set(shown["parent"].drop_nulls())
    expand_all = not chosen.is_empty and len(visible) <= 400
    parent_of = dict(zip(thread["node"], thread["parent"]))
    opened = _ancestors(parent_of, {selected}) if selected in drawn else set()
    items: dict[str, dict] = {}
    for row in shown.iter_rows(named=True):
        node, kind = row["node"], row["kind"]
        flag = flag_of.get(node)
        icon = icon_of.get(node)
        expanded = node in parents_drawn and (
            kind in ("aim", "primary driver", "secondary driver", "orphans", "retired links")
            or node in opened
            or (expand_all and kind != "project")
        )
        # Only an expanded node's label competes for room with its children's column.
        text = _short(row["label"], PARENT_LABEL_CHARACTERS if expanded else LABEL_CHARACTERS)
        if kind == "project" and row["team"]:
            text += f" · {row['team']}"
        badges = []
        if icon:
            badges.append(f"{{v_{icon['variation_icon']}_{icon['direction']}|}}{{a_{icon['assurance_icon']}|}}")
        if flag:
            badges.append(f"{{flag_{flag['worst']}|⚑{len(flag['rule'])}}}")
        for hidden_kind, count in hidden_children.get(node, {}).items():
            text += f" (+{count} {hidden_kind}{'s' if count != 1 else ''})"
        colour = SEVERITY_COLOURS[flag["worst"]] if flag else KIND_COLOURS.get(kind, "#888888")
        item = {
            "name": " ".join([*badges, text]),
            "value": node,
            # ECharts sets a formatter as HTML: a title is escaped so it can only ever be text.
            "tooltip": {"formatter": html.escape(f"{kind}: {row['label']}").replace("{", "(").replace("}", ")")},
            "itemStyle": {"color": colour, "borderColor": colour},
            "symbolSize": KIND_SIZES.get(kind, 8),
            "children": [],
        }
        if node == selected:
            item["itemStyle"] = {"color": "#F1C40F", "borderColor": "#000000", "borderWidth": 2}
            item["label"] = {"fontWeight": "bold"}
        # A project's PDSA cycles open on a click: six levels side by side would not be readable.
        item["collapsed"] = not expanded
        if row["parent"] in (ORPHANS, RETIRED_LINKS) or (flag and "link_to_retired_version" in flag["rule"]):
            item["lineStyle"] = {"color": SEVERITY_COLOURS["error"], "type": "dashed", "width": 2}
        items[node] = item
    roots = []
    for row in shown.select("node", "parent").iter_rows(named=True):
        parent = row["parent"]
        if parent in items:
            items[parent]["children"].append(items[row["node"]])
        elif parent is None or parent not in drawn:
            roots.append(items[row["node"]])
    for item in items.values():
        if not item["children"]:
            del item["children"]
            item.pop("collapsed", None)
    return TreeView(visible=visible, folded_kinds=folded, roots=roots)


def echarts_options(view: TreeView) -> dict:
    """One ECharts tree series per root would scatter the page; one series under a hidden root keeps one tree."""
    root = (
        view.roots[0]
        if len(view.roots) == 1
        else {
            "name": "System-level aims",
            "value": "",
            "children": view.roots,
            "symbolSize": 10,
            "collapsed": False,
            "itemStyle": {"color": "#FFFFFF", "borderColor": KIND_COLOURS["aim"]},
        }
    )
    return {
        "tooltip": {"trigger": "item", "triggerOn": "mousemove", "formatter": "{b}"},
        "series": [
            {
                "type": "tree",
                "data": [root],
                "top": 20,
                "left": 30,
                "bottom": 20,
                "right": 340,
                "orient": "LR",
                "expandAndCollapse": True,
                "roam": True,
                "animationDuration": 250,
                "animationDurationUpdate": 350,
                "label": {
                    "position": "right",
                    "verticalAlign": "middle",
                    "align": "left",
                    "fontSize": 11,
                    "backgroundColor": "rgba(255,255,255,0.85)",
                    "rich": icon_styles(),
                },
                "leaves": {"label": {"position": "right", "verticalAlign": "middle", "align": "left"}},
                "emphasis": {"focus": "ancestor"},
                "lineStyle": {"color": "#B0B7BF", "width": 1.2},
            }
        ],
    }


def node_details(thread: pl.DataFrame, flags: pl.DataFrame, icons: pl.DataFrame, node: str) -> dict | None:
    """What a person needs on clicking a node: what it is, its thread up to the aim, its other links,
    its lead measure's icons and every flag on it with the rule's explanation."""
    rows = thread.filter(pl.col("node") == node)
    if rows.height == 0:
        return None
    row = rows.row(0, named=True)
    label_of = dict(zip(thread["node"], thread["label"]))
    kind_of = dict(zip(thread["node"], thread["kind"]))
    parent_of = dict(zip(thread["node"], thread["parent"]))
    path, current = [], row["parent"]
    while current:
        path.append((kind_of.get(current, ""), label_of.get(current, current)))
        current = parent_of.get(current)
    flag_rows = flags.filter(pl.col("node") == node)
    node_flags = []
    if flag_rows.height:
        flag = flag_rows.row(0, named=True)
        node_flags = [
            {"rule": rule, "severity": severity, "message": RULES[rule].explanation}
            for rule, severity in zip(flag["rule"], flag["severity"])
        ]
        node_flags.sort(key=lambda f: SEVERITY_RANK[f["severity"]])
    icon_rows = icons.filter(pl.col("node") == node)
    children = thread.filter(pl.col("parent") == node).group_by("kind").len().sort("kind")
    return {
        "node": node,
        "kind": row["kind"],
        "entity_id": row["entity_id"],
        "label": row["label"],
        "team": row["team"],
        "division": row["division"],
        "status": row["status"],
        "thread": path,
        "also": [(kind_of.get(n, n.split(":")[0].replace("_", " ")), label_of.get(n, n)) for n in row["also"]],
        "measures": list(zip(row["measure_ids"], row["measures"])),
        "lead_measure": icon_rows.row(0, named=True) if icon_rows.height else None,
        "flags": node_flags,
        "children": dict(children.iter_rows()),
    }


def height_for(view: TreeView) -> int:
    """Pixels for the drawn tree: enough rows for the expanded leaves, within reason."""

    def leaves(items: list[dict]) -> int:
        total = 0
        for item in items:
            children = item.get("children")
            total += leaves(children) if children and not item.get("collapsed") else 1
        return total

    return max(480, min(5000, leaves(view.roots) * 30 + 60))


def lead_measure_images(icons: pl.DataFrame) -> pl.DataFrame:
    """node, measure, Variation, Assurance: each node's lead-measure icons as images for a table's image column."""
    rows = [
        {
            "node": row["node"],
            "measure": row["measure"],
            "Variation": icon_uri(variation_icon_svg(row["variation_icon"], row["direction"] or "increase", size=28)),
            "Assurance": icon_uri(assurance_icon_svg(row["assurance_icon"], size=28)),
        }
        for row in icons.iter_rows(named=True)
    ]
    return pl.DataFrame(rows, schema={"node": pl.Utf8, "measure": pl.Utf8, "Variation": pl.Utf8, "Assurance": pl.Utf8})
