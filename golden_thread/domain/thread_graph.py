"""The golden thread as data: aim -> primary driver -> secondary driver -> change idea -> project -> PDSA cycle.

``build_thread`` returns the tree as nodes with their parent (one drawn parent each: a secondary driver
under its first primary driver, a change idea under its first driver, a project under its primary link)
and, per node, what else it is linked to, so a tree view can draw one thread and list the rest.
Orphan projects hang under a separate root so they are never silently dropped.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

ORPHANS = "orphans"
RETIRED_LINKS = "retired_links"


NODE_SCHEMA = {
    "node": pl.Utf8,
    "parent": pl.Utf8,
    "kind": pl.Utf8,
    "entity_id": pl.Int64,
    "label": pl.Utf8,
    "also": pl.List(pl.Utf8),
    "measures": pl.List(pl.Utf8),
    "measure_ids": pl.List(pl.Int64),
    "team": pl.Utf8,
    "division": pl.Utf8,
    "status": pl.Utf8,
}


def build_thread(rows: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """Nodes: node, parent, kind, entity_id, label, also (other links), the measures attached there, and for
    projects and their PDSA cycles the team, division and project status the tree is filtered by.

    Built with joins over whole tables, never a loop over nodes: a large trust's thread has tens of thousands."""
    return with_cycles(thread_structure(rows), rows["cycles"])


def thread_structure(rows: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """``build_thread``'s nodes but the PDSA cycles': aims, drivers, change ideas, projects and the roots of the
    unlinked. ``rows`` need no "cycles"."""
    aims = rows["aims"].select(
        _key("aim", "id").alias("node"),
        pl.lit(None, dtype=pl.Utf8).alias("parent"),
        pl.lit("aim").alias("kind"),
        pl.col("id").alias("entity_id"),
        _text("title").alias("label"),
        _NO_LINKS,
    )
    parents = (
        rows["driver_links"]
        .group_by("child_driver_id", maintain_order=True)
        .agg(pl.col("parent_driver_id").alias("linked"))
    )
    drivers = (
        rows["drivers"]
        .join(parents, left_on="id", right_on="child_driver_id", how="left", maintain_order="left")
        .select(
            _key("driver", "id").alias("node"),
            pl.when(pl.col("linked").list.len() > 0)
            .then(_key("driver", pl.col("linked").list.first()))
            .otherwise(_key("aim", "aim_id"))
            .alias("parent"),
            (_text("level") + " driver").alias("kind"),
            pl.col("id").alias("entity_id"),
            _text("title").alias("label"),
            _keys("driver", pl.col("linked").list.slice(1)).fill_null([]).alias("also"),
        )
    )
    ideas = (
        rows["change_ideas"]
        .group_by("id", "title", maintain_order=True)
        .agg(pl.col("driver_id"))
        .select(
            _key("change_idea", "id").alias("node"),
            _key("driver", pl.col("driver_id").list.first()).alias("parent"),
            pl.lit("change idea").alias("kind"),
            pl.col("id").alias("entity_id"),
            _text("title").alias("label"),
            _keys("driver", pl.col("driver_id").list.slice(1)).alias("also"),
        )
    )
    known = pl.concat([aims["node"], drivers["node"], ideas["node"]])
    project_rows = rows["projects"]
    projects = project_rows.unique("id", keep="first", maintain_order=True).select(
        "id", "title", "status", "team", "division"
    )
    # Each link's target (a change idea, else a driver, else an aim), in the order of the project's links.
    links = project_rows.with_row_index("_link").with_columns(pl.col("is_primary").fill_null(False))
    targets = pl.concat(
        [
            links.filter(pl.col(f"{kind}_id").is_not_null()).select(
                "_link",
                pl.lit(rank, dtype=pl.UInt32).alias("_rank"),
                "id",
                "is_primary",
                _key(kind, f"{kind}_id").alias("target"),
            )
            for rank, kind in enumerate(("change_idea", "driver", "aim"))
        ]
    ).sort("_link", "_rank")
    primary = (
        targets.filter(pl.col("is_primary") & pl.col("target").is_in(known.implode()))
        .group_by("id", maintain_order=True)
        .agg(pl.col("target").first().alias("primary"))
    )
    others = (
        targets.join(primary, on="id", how="left", maintain_order="left")
        .filter(pl.col("primary").is_null() | (pl.col("target") != pl.col("primary")))
        .group_by("id", maintain_order=True)
        .agg(pl.col("target").alias("also"))
    )
    linked = targets.select("id").unique().with_columns(pl.lit(True).alias("_linked"))
    project_nodes = (
        projects.join(primary, on="id", how="left", maintain_order="left")
        .join(others, on="id", how="left", maintain_order="left")
        .join(linked, on="id", how="left", maintain_order="left")
        .select(
            _key("project", "id").alias("node"),
            # A project whose links all point into a retired diagram version is not an orphan, but its thread is broken.
            pl.coalesce(
                "primary", pl.when(pl.col("_linked")).then(pl.lit(RETIRED_LINKS)).otherwise(pl.lit(ORPHANS))
            ).alias("parent"),
            pl.lit("project").alias("kind"),
            pl.col("id").alias("entity_id"),
            _text("title").alias("label"),
            pl.col("also").fill_null([]),
            "team",
            "division",
            "status",
        )
    )
    roots = [
        {"node": root, "parent": None, "kind": kind, "entity_id": None, "label": label, "also": []}
        for root, kind, label in (
            (ORPHANS, "orphans", "Projects with no link to any aim"),
            (RETIRED_LINKS, "retired links", "Projects linked only into a retired driver diagram"),
        )
        if (project_nodes["parent"] == root).any()
    ]
    attached = pl.concat(
        [
            rows["measures"]
            .filter(pl.col(f"{kind}_id").is_not_null())
            .group_by(f"{kind}_id", maintain_order=True)
            .agg(pl.col("name").alias("measures"), pl.col("id").cast(pl.Int64).alias("measure_ids"))
            .select(_key(kind, f"{kind}_id").alias("node"), "measures", "measure_ids")
            for kind in ("aim", "driver", "project")
        ]
    ).unique("node", keep="first")
    parts = [aims, drivers, ideas, project_nodes, pl.DataFrame(roots, schema=_PART_SCHEMA)]
    return _with_measures(pl.concat([_as_part(part) for part in parts]), attached)


def with_cycles(structure: pl.DataFrame, cycles: pl.DataFrame) -> pl.DataFrame:
    """``thread_structure``'s nodes and each PDSA cycle's under its project, carrying that project's team, division
    and status: ``build_thread``'s nodes. Apart, so that a cycle logged adds its box without tracing the rest again."""
    cycles = _numbered(cycles)
    projects = structure.filter(pl.col("kind") == "project").select(
        pl.col("entity_id").cast(cycles.schema["project_id"]).alias("project_id"), "team", "division", "status"
    )
    if "end_date" not in cycles.columns:
        cycles = cycles.with_columns(pl.lit(None, dtype=pl.Date).alias("end_date"))
    decision = pl.when(pl.col("act_decision").fill_null("") == "").then(pl.lit("no decision yet"))
    when = _month_span(pl.col("start_date"), pl.col("end_date"))
    cycle_nodes = cycles.join(projects, on="project_id", how="left", maintain_order="left").select(
        _key("pdsa_cycle", "id").alias("node"),
        _key("project", "project_id").alias("parent"),
        pl.lit("PDSA cycle").alias("kind"),
        pl.col("id").alias("entity_id"),
        # A project's cycles often share most of a title; the number and the months tell them apart.
        pl.concat_str(
            pl.lit("Cycle "),
            pl.col("cycle_number").cast(pl.Utf8),
            pl.when(when != "").then(pl.lit(" · ") + when).otherwise(pl.lit("")),
            pl.lit(": "),
            _text("title"),
            pl.lit(" ("),
            decision.otherwise(pl.col("act_decision")),
            pl.lit(")"),
        ).alias("label"),
        _NO_LINKS,
        "team",
        "division",
        "status",
    )
    return pl.concat([structure, _with_measures(_as_part(cycle_nodes), _NO_MEASURES)])


def _with_measures(nodes: pl.DataFrame, attached: pl.DataFrame) -> pl.DataFrame:
    """Nodes in ``NODE_SCHEMA``, each with the measures ``attached`` to it (none: empty lists)."""
    return (
        nodes.join(attached.cast({"measures": pl.List(pl.Utf8)}), on="node", how="left", maintain_order="left")
        .with_columns(pl.col("measures").fill_null([]), pl.col("measure_ids").fill_null([]))
        .select(list(NODE_SCHEMA))
        .cast(NODE_SCHEMA)
    )


_PART_SCHEMA = {name: dtype for name, dtype in NODE_SCHEMA.items() if name not in ("measures", "measure_ids")}
_NO_LINKS = pl.lit([], dtype=pl.List(pl.Utf8)).alias("also")
_NO_MEASURES = pl.DataFrame(schema={"node": pl.Utf8, "measures": pl.List(pl.Utf8), "measure_ids": pl.List(pl.Int64)})


def _as_part(part: pl.DataFrame) -> pl.DataFrame:
    """A kind's nodes in the columns every kind shares; a kind without team, division and status has them empty."""
    return part.select(
        pl.col(name).cast(dtype) if name in part.columns else pl.lit(None, dtype=dtype).alias(name)
        for name, dtype in _PART_SCHEMA.items()
    )


def _text(column: str | pl.Expr) -> pl.Expr:
    """A value as text as Python's formatting writes it (a missing one as "None"), as node labels always were."""
    expr = pl.col(column) if isinstance(column, str) else column
    return expr.cast(pl.Utf8).fill_null("None")


def _key(kind: str, column: str | pl.Expr) -> pl.Expr:
    """A node's key, "kind:id"."""
    return pl.lit(f"{kind}:") + _text(column)


def _keys(kind: str, ids: pl.Expr) -> pl.Expr:
    """A list of ids as a list of node keys."""
    return ids.list.eval(pl.lit(f"{kind}:") + pl.element().cast(pl.Utf8).fill_null("None"))


def _month_span(start: pl.Expr, end: pl.Expr) -> pl.Expr:
    """``month_span`` over columns."""
    same_month = (start.dt.year() == end.dt.year()) & (start.dt.month() == end.dt.month())
    return (
        pl.when(start.is_null())
        .then(pl.lit(""))
        .when(end.is_null())
        .then(pl.lit("from ") + start.dt.strftime("%b %Y"))
        .when(same_month)
        .then(start.dt.strftime("%b %Y"))
        .when(start.dt.year() == end.dt.year())
        .then(start.dt.strftime("%b") + pl.lit("–") + end.dt.strftime("%b %Y"))
        .otherwise(start.dt.strftime("%b %Y") + pl.lit("–") + end.dt.strftime("%b %Y"))
    )


def _numbered(cycles: pl.DataFrame) -> pl.DataFrame:
    """The cycles with a cycle number each: the one recorded, else its place among its project's cycles by start."""
    if "cycle_number" not in cycles.columns:
        cycles = cycles.with_columns(pl.lit(None, dtype=pl.Int64).alias("cycle_number"))
    place = pl.int_range(1, pl.len() + 1, dtype=pl.Int64).over("project_id")
    return (
        cycles.sort("project_id", "start_date", "id")
        .with_columns(pl.coalesce(pl.col("cycle_number").cast(pl.Int64), place).alias("cycle_number"))
        .sort("id")
    )


def month_span(start: dt.date | None, end: dt.date | None) -> str:
    """The months a cycle ran: "Mar 2026", "Mar–Apr 2026", "Dec 2025–Jan 2026", or "from Mar 2026" while it runs."""
    if start is None:
        return ""
    if end is None:
        return f"from {start:%b %Y}"
    if (start.year, start.month) == (end.year, end.month):
        return f"{start:%b %Y}"
    if start.year == end.year:
        return f"{start:%b}–{end:%b %Y}"
    return f"{start:%b %Y}–{end:%b %Y}"


def path_to_root(thread: pl.DataFrame, node: str) -> list[str]:
    """The labels from a node up to its aim (or to the orphans root): the thread a PDSA cycle hangs from."""
    parent_of = dict(zip(thread["node"], thread["parent"]))
    label_of = dict(zip(thread["node"], thread["label"]))
    path, current = [], node
    while current is not None and current in label_of and len(path) < 50:
        path.append(label_of[current])
        current = parent_of.get(current)
    return path


# Worst first: how flags on one node are ordered and which colours the node.
SEVERITY_RANK = {"error": 0, "warning": 1, "info": 2}


def flag_nodes(thread: pl.DataFrame, flags: pl.DataFrame) -> pl.DataFrame:
    """The checks' flags, each with the ``node`` of the tree it concerns (a measure's flag sits on the node the
    measure is attached to) and its severity's ``rank``."""
    measure_nodes = (
        thread.select("node", pl.col("measure_ids").alias("entity_id"))
        .explode("entity_id")
        .drop_nulls()
        .with_columns(pl.lit("measure").alias("entity_type"))
    )
    return flags.join(measure_nodes, on=["entity_type", "entity_id"], how="left").with_columns(
        pl.coalesce("node", pl.concat_str("entity_type", pl.lit(":"), pl.col("entity_id").cast(pl.Utf8))).alias("node"),
        pl.col("severity").replace_strict(SEVERITY_RANK, return_dtype=pl.Int8).alias("rank"),
    )


def flags_by_node(thread: pl.DataFrame, flags: pl.DataFrame) -> pl.DataFrame:
    """node, rules, severities, messages and the worst severity: each flag on the node it concerns.

    A measure's flag (gone quiet) sits on the node the measure is attached to.
    """
    keyed = flag_nodes(thread, flags)
    return keyed.group_by("node", maintain_order=True).agg(  # in the flags' order: the same flags, the same frame
        "rule",
        "severity",
        "message",
        "title",
        pl.col("severity").sort_by("rank").first().alias("worst"),
    )
