"""The golden thread as a tree a person can read: filtered, flagged, iconed, laid out and shaped for ECharts.

Pure functions over the frame ``thread_graph.build_thread`` returns, the flags ``services.checks.check_thread``
returns and the measure summaries ``measure_series.measure_charts`` returns. The page only draws the result.

The tree is drawn as boxes in columns (aims, drivers, change ideas, projects, PDSA cycles) placed by
``tree_layout``, so every word is shown whole and no box covers another; a branch opens when the reader asks
for it, and the page says how much of the thread the drawing holds.

At the scale of a large trust (thousands of projects, tens of thousands of PDSA cycles) one tree cannot be
read or drawn whole, so beyond ``MAX_DRAWN`` nodes the PDSA cycles, then the projects, are folded into a
count on their parent until the reader filters down to their part of the thread.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass, field

import polars as pl

from golden_thread.domain.checks import RULES
from golden_thread.domain.thread_graph import ORPHANS, RETIRED_LINKS, SEVERITY_RANK
from golden_thread.draw.icons import assurance_icon_svg, icon_uri, variation_icon_svg
from golden_thread.draw.tree_layout import (
    FONT_FAMILY,
    FONT_SIZE,
    LINE_HEIGHT,
    NOTE_GAP,
    NOTE_SIZE,
    PAD_X,
    PAD_Y,
    Block,
    Layout,
    lay_out,
    text_width,
)

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
# The column each kind stands in, left to right: a project hanging straight from a driver still reads as a project.
KIND_COLUMN = {
    "aim": 0,
    "orphans": 0,
    "retired links": 0,
    "primary driver": 1,
    "secondary driver": 2,
    "change idea": 3,
    "project": 4,
    "PDSA cycle": 5,
}
MEASURE_PREFERENCE = {"outcome": 0, "process": 1, "balancing": 2}
TREE_WIDTH = 960  # fits the page beside the menu at 1,440 pixels; a narrower window scrolls sideways
ICON_WIDTH = 16
BADGE_GAP = 4
SELECTED_FILL = "#FCF3CF"
TEXT_COLOUR = "#1B2631"
NOTE_COLOUR = "#5D6D7E"


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
    """The nodes the filter keeps (``visible``, less any folded away for size), and the tree of them, each
    branch open or closed (``collapsed``); ``total`` counts every node the filter keeps, folded or not."""

    visible: list[str]
    folded_kinds: list[str] = field(default_factory=list)
    roots: list[dict] = field(default_factory=list)
    total: int = 0

    @property
    def drawn(self) -> int:
        """How many boxes the drawing holds: the nodes on open branches, not those inside closed ones."""
        return sum(1 for _ in _open_items(self.roots))


def _open_items(items: list[dict]):
    for item in items:
        yield item
        if not item.get("collapsed"):
            yield from _open_items(item.get("children", []))


ICON_SCHEMA = {
    "node": pl.Utf8,
    "measure_id": pl.Int64,
    "measure": pl.Utf8,
    "variation_icon": pl.Utf8,
    "assurance_icon": pl.Utf8,
    "direction": pl.Utf8,
    "summary": pl.Utf8,
}


def node_icons(thread: pl.DataFrame, summaries: pl.DataFrame) -> pl.DataFrame:
    """node, measure_id, measure, variation_icon, assurance_icon, direction: each node's lead measure
    (its outcome measure where it has one), with the icons the measure's chart shows."""
    if summaries.height == 0 or "variation_icon" not in summaries.columns:
        return pl.DataFrame(schema=ICON_SCHEMA)
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
        .cast(ICON_SCHEMA)  # a few measures may all lack an icon: the column is still text
    )


def _ancestors(parent_of: dict[str, str | None], nodes: set[str]) -> set[str]:
    seen = set(nodes)
    frontier = nodes
    while frontier:
        frontier = {parent_of[n] for n in frontier if parent_of.get(n)} - seen
        seen |= frontier
    return seen


def _subtree(thread: pl.DataFrame, root: str) -> pl.DataFrame:
    """``thread``'s rows from ``root`` down, found level by level (a thread is six levels deep; a large trust's has
    tens of thousands of nodes, too many to walk one by one)."""
    seen = pl.Series("node", [root])
    frontier = seen
    while frontier.len():
        frontier = thread.filter(pl.col("parent").is_in(frontier.implode()) & ~pl.col("node").is_in(seen.implode()))[
            "node"
        ]
        seen = pl.concat([seen, frontier])
    return thread.filter(pl.col("node").is_in(seen.implode()))


def visible_nodes(thread: pl.DataFrame, flags: pl.DataFrame, chosen: TreeFilter) -> set[str]:
    """The nodes the filter keeps, with every ancestor of each so a kept node is always seen in its thread."""
    if chosen.aim:
        # The filters below need look no further: a node under the aim has only the aim and nodes under it above it.
        thread = _subtree(thread, chosen.aim)
    keep = set(thread["node"].to_list())
    if not (chosen.narrows_work or chosen.rules or chosen.search.strip()):
        return keep
    parent_of = dict(zip(thread["node"].to_list(), thread["parent"].to_list()))
    if chosen.narrows_work:
        work = thread.filter(pl.col("team").is_not_null())
        for column, wanted in (("division", chosen.divisions), ("team", chosen.teams), ("status", chosen.statuses)):
            if wanted:
                work = work.filter(pl.col(column).is_in(list(wanted)))
        keep &= _ancestors(parent_of, set(work["node"].to_list()) & keep)
    if chosen.rules or chosen.search.strip():
        candidates = thread.filter(pl.col("node").is_in(list(keep)))
        if chosen.rules:
            flagged = flags.filter(pl.col("rule").list.eval(pl.element().is_in(list(chosen.rules))).list.any())
            candidates = candidates.filter(pl.col("node").is_in(flagged["node"].implode()))
        if chosen.search.strip():
            candidates = candidates.filter(
                pl.col("label").str.to_lowercase().str.contains(chosen.search.strip().lower(), literal=True)
            )
        keep &= _ancestors(parent_of, set(candidates["node"].to_list()))
    return keep


def icon_styles() -> dict[str, dict]:
    """ECharts rich-text styles, one per icon, defined once for the series and named by each node's label."""
    icon = {"width": ICON_WIDTH, "height": ICON_WIDTH, "lineHeight": LINE_HEIGHT}
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
                **icon,
            }
    for assurance in ("consistent_pass", "consistent_fail", "inconsistent", None):
        styles[f"a_{assurance}"] = {"backgroundColor": {"image": icon_uri(assurance_icon_svg(assurance))}, **icon}
    text = {"fontSize": FONT_SIZE, "lineHeight": LINE_HEIGHT, "fontFamily": FONT_FAMILY}
    styles["gap"] = {"width": BADGE_GAP, "lineHeight": LINE_HEIGHT}
    styles["notegap"] = {"width": NOTE_GAP, "lineHeight": LINE_HEIGHT}
    styles["flag_error"] = {"color": SEVERITY_COLOURS["error"], "fontWeight": "bold", **text}
    styles["flag_warning"] = {"color": SEVERITY_COLOURS["warning"], "fontWeight": "bold", **text}
    styles["flag_info"] = {"color": SEVERITY_COLOURS["info"], "fontWeight": "bold", **text}
    styles["note"] = {"color": NOTE_COLOUR, **text, "fontSize": NOTE_SIZE}
    return styles


def _plain(text: str) -> str:
    # ECharts rich text treats braces and pipes as markup; a title is only ever text, on one line.
    return " ".join(text.replace("{", "(").replace("}", ")").replace("|", "/").split())


def tree_view(
    thread: pl.DataFrame,
    flags: pl.DataFrame,
    icons: pl.DataFrame | Callable[[frozenset[str]], pl.DataFrame],
    chosen: TreeFilter,
    *,
    selected: str | None = None,
    opened: frozenset[str] | set[str] = frozenset(),
    closed: frozenset[str] | set[str] = frozenset(),
    max_drawn: int = MAX_DRAWN,
) -> TreeView:
    """The tree of the filtered thread: flags colour a node, broken links are dashed red, each node with a
    measure carries its variation and assurance icons.

    Aims and drivers start open, change ideas too when a filter has narrowed the thread; a branch the reader
    ``opened`` is open and one they ``closed`` is closed, except that every branch on the way to the ``selected``
    node is open, so the chosen box is always drawn. ``icons`` may be a function giving the icons of the nodes
    drawn, so that only their measures need charting."""
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
    if callable(icons):
        icons = icons(frozenset(drawn))

    flag_of = {row["node"]: row for row in flags.filter(pl.col("node").is_in(visible)).iter_rows(named=True)}
    icon_of = {row["node"]: row for row in icons.filter(pl.col("node").is_in(visible)).iter_rows(named=True)}
    hidden_children: dict[str, dict[str, int]] = {}  # a drawn box's children not drawn, counted by kind
    for parent, kind, count in (
        thread.filter(pl.col("node").is_in(list(keep - drawn)) & pl.col("parent").is_in(list(drawn)))
        .group_by("parent", "kind", maintain_order=True)
        .len()
        .iter_rows()
    ):
        hidden_children.setdefault(parent, {})[kind] = count

    parents_drawn = set(shown["parent"].drop_nulls().to_list())
    expand_all = not chosen.is_empty and len(visible) <= 400
    # A drawn box's ancestors are all drawn: only projects and PDSA cycles are ever folded away, and nothing but
    # projects and cycles hangs under those.
    parent_of = dict(zip(shown["node"].to_list(), shown["parent"].to_list()))
    label_of = dict(zip(shown["node"].to_list(), shown["label"].to_list()))
    on_the_way = _ancestors(parent_of, {selected}) - {selected} if selected in drawn else set()
    items: dict[str, dict] = {}
    for row in shown.iter_rows(named=True):
        node, kind = row["node"], row["kind"]
        flag = flag_of.get(node)
        icon = icon_of.get(node)
        starts_open = kind in ("aim", "primary driver", "secondary driver", "orphans", "retired links") or (
            expand_all and kind != "project"
        )
        expanded = node in parents_drawn and (
            node in on_the_way or (node not in closed and (starts_open or node in opened))
        )
        badges = []
        if icon:
            badges.append(f"{{v_{icon['variation_icon']}_{icon['direction']}|}}{{a_{icon['assurance_icon']}|}}")
        if flag:
            badges.append(f"{{flag_{flag['worst']}|⚑{len(flag['rule'])}}}")
        colour = SEVERITY_COLOURS[flag["worst"]] if flag else KIND_COLOURS.get(kind, "#888888")
        title = _plain(row["label"])
        item = {
            "name": title,
            # What the box says, whole: the layout wraps it, so nothing upstream needs to shorten it.
            "title": _cycle_text(title, label_of.get(row["parent"])) if kind == "PDSA cycle" else title,
            "value": node,
            "kind": kind,
            "team": row["team"] if kind == "project" else None,
            "badges": badges,
            "badge_width": _badge_width(icon is not None, flag),
            "folded": hidden_children.get(node, {}),
            "flag": flag["worst"] if flag else None,
            # ECharts sets a formatter as HTML: a title is escaped so it can only ever be text.
            "tooltip": {"formatter": html.escape(f"{kind}: {row['label']}").replace("{", "(").replace("}", ")")},
            "itemStyle": {"color": colour, "borderColor": colour},
            "selected": node == selected,
            "children": [],
            "collapsed": not expanded,
        }
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
    return TreeView(visible=visible, folded_kinds=folded, roots=roots, total=len(keep))


def _cycle_text(label: str, project: str | None) -> str:
    """A cycle's box: its number and months kept whole on a line, its title without its project's title where it
    repeats it (the box hangs beside that project)."""
    number, colon, title = label.partition(": ")
    if not colon:
        return label
    number = " · ".join(part.replace(" ", "\u00a0") for part in number.split(" · "))
    if project and title.lower().startswith(project.lower()):
        title = title[len(project) :].lstrip(" :–-")
    return f"{number}: {title}" if title else number


@dataclass(frozen=True)
class TreeState:
    """What the reader has done to the tree: the box they chose, and the branches they opened and closed."""

    selected: str | None = None
    opened: frozenset[str] = frozenset()
    closed: frozenset[str] = frozenset()

    def click(self, node: str, view: TreeView) -> tuple[TreeState, bool]:
        """After a click on a box, and whether to show its details: a new box is chosen and its branch opened;
        a click on the box already chosen opens or closes its branch, as a person expects of a tree."""
        if node != self.selected:
            # The branches open on the way to the box chosen before stay open: the tree never shrinks by surprise.
            kept = _path_to(view.roots, self.selected) if self.selected else set()
            return TreeState(node, self.opened | kept | {node}, self.closed - kept - {node}), True
        item = next((i for i in _open_items(view.roots) if i["value"] == node), None)
        if item is not None and item.get("children") and not item.get("collapsed"):
            return TreeState(node, self.opened - {node}, self.closed | {node}), False
        return TreeState(node, self.opened | {node}, self.closed - {node}), False


def _path_to(items: list[dict], node: str) -> set[str]:
    """The open branches the drawn tree passes through to reach ``node`` (empty where it is not drawn)."""
    for item in items:
        if item["value"] == node:
            return {node}
        if not item.get("collapsed"):
            below = _path_to(item.get("children", []), node)
            if below:
                return below | {item["value"]}
    return set()


def _badge_width(has_icons: bool, flag: dict | None) -> float:
    width = 2 * ICON_WIDTH + BADGE_GAP if has_icons else 0
    if flag:
        width += text_width(f"⚑{len(flag['rule'])}", bold=True) + BADGE_GAP
    return width


def _plural(kind: str, count: int) -> str:
    return f"{count} {kind}{'s' if count != 1 else ''}"


def _note(item: dict) -> str:
    """The grey line under a box's title: the project's team, what a closed branch holds, what was folded."""
    parts = [item["team"]] if item.get("team") else []
    children = item.get("children", [])
    if children and item.get("collapsed"):
        kinds: dict[str, int] = {}
        for child in children:
            kinds[child["kind"]] = kinds.get(child["kind"], 0) + 1
        parts.append(", ".join(f"+{_plural(kind, count)}" for kind, count in kinds.items()))
    for kind, count in item.get("folded", {}).items():
        parts.append(f"{_plural(kind, count)} not drawn")
    return _plain(" · ".join(parts))


def _blocks(items: list[dict]) -> list[Block]:
    return [
        Block(
            key=item["value"],
            text=item["title"],
            column=KIND_COLUMN.get(item["kind"], 0),
            prefix=item["badge_width"],
            note=_note(item),
            bold=item["selected"],
            children=[] if item.get("collapsed") else _blocks(item.get("children", [])),
        )
        for item in items
    ]


def _tint(colour: str, share: float = 0.12) -> str:
    """The colour mixed into white: a box's fill, light enough for dark text."""
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return "#" + "".join(f"{round(255 - (255 - c) * share):02X}" for c in (red, green, blue))


def _heading(kinds: list[str]) -> str:
    real = [k for k in kinds if k not in ("orphans", "retired links")]
    if not real:
        return ""
    kind = max(set(real), key=real.count)
    return kind[:1].upper() + kind[1:] + "s"


@dataclass
class TreeDrawing:
    """The ECharts option for a laid-out tree and the pixel size it is laid out for."""

    options: dict
    width: int
    height: int
    layout: Layout


def tree_drawing(view: TreeView, *, width: int = TREE_WIDTH) -> TreeDrawing:
    """The tree as ECharts draws it: a graph whose nodes sit where ``tree_layout`` put them, one chart pixel to
    one layout pixel, with elbow connectors and a heading over each column."""
    layout = lay_out(_blocks(view.roots), width=width)
    items = {item["value"]: item for item in _open_items(view.roots)}
    nodes = []
    for key, box in layout.boxes.items():
        item = items[key]
        lines = [_plain(line) for line in box.lines]
        lines[0] = "".join(f"{b}{{gap|}}" for b in item["badges"]) + lines[0]
        notes = [f"{{note|{_plain(line)}}}" for line in box.note_lines]
        if box.note_inline:
            lines[-1] += "{notegap|}" + notes.pop()
        text = "\n".join([*lines, *notes])
        kind_colour = KIND_COLOURS.get(item["kind"], "#888888")
        border = item["itemStyle"]["borderColor"]
        # The label is the box (its background and border), so every border is as thin on the sides as on top;
        # the node's own symbol, the same size and transparent, is what a click and a tooltip find.
        label = {
            "backgroundColor": _tint(kind_colour),
            "borderColor": border,
            "borderWidth": 2.5 if item["flag"] in ("error", "warning") else 1.5,
            "width": box.width - 2 * PAD_X,
            "height": box.height - 2 * PAD_Y,
        }
        if item["selected"]:
            label |= {"backgroundColor": SELECTED_FILL, "borderColor": TEXT_COLOUR, "borderWidth": 3}
            label["fontWeight"] = "bold"
        x, y = box.centre
        nodes.append(
            {
                "id": key,
                "name": text,  # drawn as SVG text by the series' label, never as HTML
                "value": key,
                "x": x,
                "y": y,
                "symbolSize": [box.width, box.height],
                "label": label,
                "tooltip": item["tooltip"],
            }
        )
    # Two invisible corners pin the graph's extent to the layout's, so ECharts neither scales nor shifts it.
    for corner, (x, y) in (("corner:top-left", (0, 0)), ("corner:bottom-right", (layout.width, layout.height))):
        nodes.append(
            {
                "id": corner,
                "name": "",
                "x": x,
                "y": y,
                "symbolSize": 0,
                "label": {"show": False},
                "tooltip": {"show": False},
                "itemStyle": {"opacity": 0},
            }
        )
    graphics = []
    for connector in layout.connectors:
        line = items[connector.child].get("lineStyle") or {}
        graphics.append(
            {
                "type": "polyline",
                "silent": True,
                "z": 1,
                "shape": {"points": [list(point) for point in connector.points]},
                "style": {
                    "stroke": line.get("color", "#A6ACB3"),
                    "lineWidth": line.get("width", 1.2),
                    "lineDash": [6, 4] if line.get("type") == "dashed" else None,
                    "fill": None,
                },
            }
        )
    kinds_in: dict[int, list[str]] = {}
    for key, box in layout.boxes.items():
        kinds_in.setdefault(box.column, []).append(items[key]["kind"])
    for column, (left, _width) in enumerate(layout.columns):
        graphics.append(
            {
                "type": "text",
                "silent": True,
                "left": left + PAD_X,
                "top": 6,
                "style": {
                    "text": _heading(kinds_in.get(column, [])),
                    "fill": NOTE_COLOUR,
                    "font": f"bold {FONT_SIZE}px {FONT_FAMILY}",
                },
            }
        )
    options = {
        "animation": False,
        "tooltip": {"trigger": "item", "confine": True},
        "graphic": {"elements": graphics},
        "series": [
            {
                "type": "graph",
                "layout": "none",
                "roam": False,
                "left": 0,
                "top": 0,
                "width": layout.width,
                "height": layout.height,
                "symbol": "rect",
                "itemStyle": {"color": "rgba(0, 0, 0, 0)", "borderWidth": 0},
                "label": {
                    "show": True,
                    "position": [0, "50%"],
                    "align": "left",
                    "verticalAlign": "middle",
                    "padding": [PAD_Y, PAD_X],
                    "borderRadius": 4,
                    "color": TEXT_COLOUR,
                    "fontSize": FONT_SIZE,
                    "lineHeight": LINE_HEIGHT,
                    "fontFamily": FONT_FAMILY,
                    "rich": icon_styles(),
                },
                "emphasis": {"scale": False, "label": {"shadowBlur": 0}},
                "data": nodes,
                "links": [],
            }
        ],
    }
    return TreeDrawing(options, round(layout.width), round(layout.height), layout)


def echarts_options(view: TreeView) -> dict:
    return tree_drawing(view).options


# What a click on a box sends back: the node, made unique by the moment, so a second click on it counts too.
CLICK_HANDLER = (
    "function(params) { if (params.dataType === 'node' && params.data && params.data.value) "
    "{ return params.data.value + '@' + Date.now(); } }"
)


def node_details(thread: pl.DataFrame, flags: pl.DataFrame, icons: pl.DataFrame, node: str) -> dict | None:
    """What a person needs on clicking a node: what it is, its thread up to the aim, its other links,
    its lead measure's icons and every flag on it with the rule's explanation."""
    rows = thread.filter(pl.col("node") == node)
    if rows.height == 0:
        return None
    row = rows.row(0, named=True)
    label_of = dict(zip(thread["node"].to_list(), thread["label"].to_list()))
    kind_of = dict(zip(thread["node"].to_list(), thread["kind"].to_list()))
    parent_of = dict(zip(thread["node"].to_list(), thread["parent"].to_list()))
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
