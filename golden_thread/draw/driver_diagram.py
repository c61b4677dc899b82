"""A driver diagram drawn as IHI draws one (DOMAIN §2.1): the aim on the left, then the primary drivers, the
secondary drivers and the change ideas, left to right; a weaker link dashed. Pure: returns Graphviz DOT text,
which ``st.graphviz_chart`` lays out in the browser.

Given the draft it was edited from (``before``), the drawing is a preview of the edit: new nodes in green, reworded
or moved nodes in amber, and removed nodes as grey dashed ghosts where they stood, so a person sees what they are
about to publish before they publish it.

Every title is the user's own text: it goes into the DOT only escaped, so a title can never become markup.
"""

from __future__ import annotations

import textwrap

from golden_thread.domain.diagram_draft import DiagramDraft, DraftChanges, DraftNode, changes
from golden_thread.draw.thread_tree import KIND_COLOURS

# (fill, border, text) for each column, from the thread tree's colours so a driver looks alike on both screens.
NODE_STYLE: dict[str, tuple[str, str, str]] = {
    "aim": (KIND_COLOURS["aim"], KIND_COLOURS["aim"], "#FFFFFF"),
    "primary": (KIND_COLOURS["primary driver"], KIND_COLOURS["primary driver"], "#FFFFFF"),
    "secondary": (KIND_COLOURS["secondary driver"], KIND_COLOURS["secondary driver"], "#0B2E27"),
    "tertiary": ("#D1F2EB", KIND_COLOURS["secondary driver"], "#0B2E27"),
    "change_idea": ("#F4ECF7", KIND_COLOURS["change idea"], "#2E1437"),
}
# How an edit shows in the preview (NHS England identity colours: green, warm yellow, mid grey).
CHANGE_STYLE: dict[str, tuple[str, str]] = {  # change -> (border colour, the word under the title)
    "added": ("#007F3B", "new"),
    "reworded": ("#ED8B00", "reworded"),
    "moved": ("#ED8B00", "moved"),
    "described": ("#ED8B00", "description changed"),
}
REMOVED_COLOUR = "#768692"
COLUMNS = ("Aim", "Primary drivers", "Secondary drivers", "Change ideas")  # left to right
LEGEND: tuple[tuple[str, str], ...] = (
    ("new", CHANGE_STYLE["added"][0]),
    ("reworded or moved", CHANGE_STYLE["reworded"][0]),
    ("removed", REMOVED_COLOUR),
)
WRAP = 30  # characters per line of a node's title
MIN_WIDTH = 2.6  # inches: every box of a column at least this wide, so the columns line up


def diagram_dot(aim: str, draft: DiagramDraft, *, before: DiagramDraft | None = None) -> str:
    """The diagram as DOT: aim → primary → secondary (→ tertiary) drivers → change ideas, left to right, one
    column each, every link of a node that serves several drivers drawn. With ``before``, the edit shows."""
    edit = changes(before, draft) if before is not None else DraftChanges()
    marks = {c.key: c.change for c in reversed(edit.changes) if c.change != "removed"}
    ghosts = [n for n in before.nodes if n.key in edit.removed_keys] if before is not None else []
    ids = {n.key: f"n{k}" for k, n in enumerate([*draft.nodes, *ghosts])}
    lines = [
        "digraph driver_diagram {",
        '  graph [rankdir=LR, ordering=out, nodesep=0.18, ranksep=0.6, bgcolor="transparent", fontname="Helvetica"];',
        '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=12, margin="0.14,0.07"];',
        '  edge [arrowhead=none, color="#8A9BA8", penwidth=1.2];',
        f'  aim [label={_label(aim, 26)}, fillcolor="{NODE_STYLE["aim"][0]}", color="{NODE_STYLE["aim"][1]}", '
        f'fontcolor="{NODE_STYLE["aim"][2]}", fontsize=13, tooltip={_quoted("Aim: " + aim)}];',
    ]
    columns: dict[str, list[str]] = {"primary": [], "secondary": [], "tertiary": [], "change_idea": []}
    for node in draft.ordered():
        lines.append(f"  {ids[node.key]} [{_node_attributes(node, marks.get(node.key))}];")
        columns[_column(node)].append(ids[node.key])
    for node in ghosts:
        lines.append(f"  {ids[node.key]} [{_ghost_attributes(node)}];")
        columns[_column(node)].append(ids[node.key])
    if not draft.drivers("primary"):
        lines.append(
            '  empty [label="Add a primary driver:\\nwhat most directly drives the aim?", style="rounded,dashed", '
            f'color="{REMOVED_COLOUR}", fontcolor="{REMOVED_COLOUR}", fillcolor="#FFFFFF"];'
        )
        columns["primary"].append("empty")
        lines.append('  aim -> empty [style=dashed, color="#C4CDD3"];')
    for column in ("primary", "secondary", "tertiary", "change_idea"):
        if columns[column]:
            lines.append(f"  {{ rank=same; {' '.join(m + ';' for m in columns[column])} }}")
    for node in draft.ordered():
        if node.level == "primary":
            lines.append(f"  aim -> {ids[node.key]};")
        for parent in node.parents:
            if parent in ids:
                style = ' [style=dashed, color="#A9B6BF"]' if parent in node.weak else ""
                lines.append(f"  {ids[parent]} -> {ids[node.key]}{style};")
    for node in ghosts:
        source = [ids[p] for p in node.parents if p in ids] or (["aim"] if node.level == "primary" else [])
        for parent in source:
            lines.append(f'  {parent} -> {ids[node.key]} [style=dashed, color="#C4CDD3"];')
    lines.append("}")
    return "\n".join(lines)


def _column(node: DraftNode) -> str:
    return "change_idea" if node.kind == "change_idea" else (node.level or "secondary")


def _node_attributes(node: DraftNode, change: str | None) -> str:
    fill, border, text = NODE_STYLE[_column(node)]
    tag = None
    width = 1.0
    if change in CHANGE_STYLE:
        border, tag = CHANGE_STYLE[change]
        width = 3.0
    tooltip = f"{node.what.capitalize()} {node.key}: {node.title}" + (
        f"\n\n{node.description}" if node.description else ""
    )
    return (
        f'label={_label(node.title, WRAP, tag)}, fillcolor="{fill}", color="{border}", '
        f'fontcolor="{text}", penwidth={width}, width={MIN_WIDTH}, tooltip={_quoted(tooltip)}'
    )


def _ghost_attributes(node: DraftNode) -> str:
    return (
        f'label={_label(node.title, WRAP, "removed")}, style="rounded,dashed", fillcolor="#FFFFFF", '
        f'color="{REMOVED_COLOUR}", fontcolor="{REMOVED_COLOUR}", penwidth=1.5, width={MIN_WIDTH}, '
        f"tooltip={_quoted(f'Removed in this edit: {node.what} {node.key}: {node.title}')}"
    )


def _label(title: str, width: int, tag: str | None = None) -> str:
    """A node's label: the title wrapped to lines (and the edit's word beneath it), as one escaped DOT string. Plain
    lines, not an HTML-like label: the browser's layout measures them as Graphviz does, so no line overflows."""
    wrapped = textwrap.wrap(" ".join(str(title).split()), width) or [""]
    if tag:
        wrapped.append(f"({tag})")
    return _quoted("\n".join(wrapped))


def _quoted(text: str) -> str:
    """A DOT string: quotes and backslashes escaped, new lines kept as DOT's line breaks."""
    escaped = str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\r", "").replace("\n", "\\n")
    return f'"{escaped}"'
