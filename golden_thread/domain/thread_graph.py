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
    projects and their PDSA cycles the team, division and project status the tree is filtered by."""
    nodes: list[dict] = []
    attached: dict[str, tuple[list[str], list[int]]] = {}
    for kind in ("aim", "driver", "project"):
        grouped = rows["measures"].filter(pl.col(f"{kind}_id").is_not_null()).group_by(f"{kind}_id").agg("name", "id")
        for owner, names, ids in grouped.iter_rows():
            attached[f"{kind}:{owner}"] = (names, ids)

    def node(
        key: str,
        parent: str | None,
        kind: str,
        entity_id: int | None,
        label: str,
        also: list[str],
        team: str | None = None,
        division: str | None = None,
        status: str | None = None,
    ) -> None:
        names, ids = attached.get(key, ([], []))
        nodes.append(
            dict(
                node=key,
                parent=parent,
                kind=kind,
                entity_id=entity_id,
                label=label,
                also=also,
                measures=names,
                measure_ids=ids,
                team=team,
                division=division,
                status=status,
            )
        )

    for aim in rows["aims"].iter_rows(named=True):
        node(f"aim:{aim['id']}", None, "aim", aim["id"], aim["title"], [])
    parents = rows["driver_links"].group_by("child_driver_id", maintain_order=True).agg(pl.col("parent_driver_id"))
    parent_of = {r["child_driver_id"]: r["parent_driver_id"] for r in parents.iter_rows(named=True)}
    for driver in rows["drivers"].iter_rows(named=True):
        linked = parent_of.get(driver["id"], [])
        parent = f"driver:{linked[0]}" if linked else f"aim:{driver['aim_id']}"
        node(
            f"driver:{driver['id']}",
            parent,
            f"{driver['level']} driver",
            driver["id"],
            driver["title"],
            [f"driver:{p}" for p in linked[1:]],
        )
    ideas = rows["change_ideas"].group_by("id", "title", maintain_order=True).agg(pl.col("driver_id"))
    for idea in ideas.iter_rows(named=True):
        node(
            f"change_idea:{idea['id']}",
            f"driver:{idea['driver_id'][0]}",
            "change idea",
            idea["id"],
            idea["title"],
            [f"driver:{d}" for d in idea["driver_id"][1:]],
        )
    known = {n["node"] for n in nodes}
    projects = (
        rows["projects"]
        .group_by("id", "title", "status", "team", "division", maintain_order=True)
        .agg(pl.struct("is_primary", "aim_id", "driver_id", "change_idea_id").alias("links"))
    )
    project_of: dict[int, dict] = {}
    for project in projects.iter_rows(named=True):
        targets = []
        for link in project["links"]:
            for kind in ("change_idea", "driver", "aim"):
                if link[f"{kind}_id"] is not None:
                    targets.append((bool(link["is_primary"]), f"{kind}:{link[f'{kind}_id']}"))
        primary = next((t for is_primary, t in targets if is_primary and t in known), None)
        project_of[project["id"]] = project
        # A project whose links all point into a retired diagram version is not an orphan, but its thread is broken.
        unplaced = RETIRED_LINKS if targets else ORPHANS
        node(
            f"project:{project['id']}",
            primary or unplaced,
            "project",
            project["id"],
            project["title"],
            [t for is_primary, t in targets if t != primary],
            project["team"],
            project["division"],
            project["status"],
        )
    if any(n["parent"] == ORPHANS for n in nodes):
        node(ORPHANS, None, "orphans", None, "Projects with no link to any aim", [])
    if any(n["parent"] == RETIRED_LINKS for n in nodes):
        node(RETIRED_LINKS, None, "retired links", None, "Projects linked only into a retired driver diagram", [])
    for cycle in _numbered(rows["cycles"]).iter_rows(named=True):
        project = project_of.get(cycle["project_id"], {})
        decision = cycle["act_decision"] or "no decision yet"
        # A project's cycles often share most of a title; the number and the months tell them apart.
        when = month_span(cycle["start_date"], cycle.get("end_date"))
        node(
            f"pdsa_cycle:{cycle['id']}",
            f"project:{cycle['project_id']}",
            "PDSA cycle",
            cycle["id"],
            f"Cycle {cycle['cycle_number']}{' · ' + when if when else ''}: {cycle['title']} ({decision})",
            [],
            project.get("team"),
            project.get("division"),
            project.get("status"),
        )
    return pl.DataFrame(nodes, schema=NODE_SCHEMA)


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
    return keyed.group_by("node").agg(
        "rule",
        "severity",
        "message",
        "title",
        pl.col("severity").sort_by("rank").first().alias("worst"),
    )
