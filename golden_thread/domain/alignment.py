"""Alignment for quality committees: which work serves which aim, and the share that serves none.

Pure functions over the store's frames; the page only lays them out.
"""

from __future__ import annotations

import polars as pl

from golden_thread.domain.checks import RULES


def flags_by_rule(flags: pl.DataFrame) -> pl.DataFrame:
    """Counts per rule, worst severity first, with the rule's explanation."""
    severity_order = {"error": 0, "warning": 1, "info": 2}
    return (
        flags.group_by("rule", "severity", "entity_type", maintain_order=True)
        .agg(count=pl.len(), items=pl.col("title"))
        .with_columns(
            explanation=pl.col("rule").replace_strict({r.name: r.explanation for r in RULES.values()}),
            _order=pl.col("severity").replace_strict(severity_order, return_dtype=pl.Int8),
        )
        .sort("_order", "count", descending=[False, True])
        .drop("_order")
    )


def aligned_share_by_division(alignment: pl.DataFrame) -> pl.DataFrame:
    """Active projects per division and the share that reach at least one system-level aim."""
    projects = (
        alignment.filter(pl.col("status") == "active")
        .group_by("project_id", "division")
        .agg(aligned=pl.col("aim_id").is_not_null().any())
    )
    return (
        projects.group_by("division")
        .agg(active_projects=pl.len(), aligned=pl.col("aligned").sum())
        .with_columns(share_aligned=(pl.col("aligned") / pl.col("active_projects")).round(3))
        .sort("division")
    )


# The coverage grid's own headings and those the Alignment page and its download add: no aim's column takes one.
GRID_COLUMNS = frozenset(
    ("project_id", "project", "team", "serves", "node")
    + ("Project", "Team", "Aims served", "Lead measure", "Variation", "Assurance")
)


def aim_columns(aims: pl.DataFrame) -> list[str]:
    """Each aim's column heading in the coverage grid, in ``aims``' order: its title, or, when another aim shares
    it (or it is one of ``GRID_COLUMNS``), its title and number ("Reduce falls (aim 7)"), so no two columns clash."""
    titles = [title or f"Aim {aim_id}" for aim_id, title in zip(aims["id"], aims["title"])]
    shared = {t for t in titles if titles.count(t) > 1} | GRID_COLUMNS
    taken = set(GRID_COLUMNS) | {t for t in titles if t not in shared}
    labels = []
    for aim_id, title in zip(aims["id"], titles):
        label = title
        if title in shared:
            label, n = f"{title} (aim {aim_id})", 1
            while label in taken:
                n += 1
                label = f"{title} (aim {aim_id}, {n})"
        taken.add(label)
        labels.append(label)
    return labels


def coverage_grid(alignment: pl.DataFrame, aims: pl.DataFrame) -> pl.DataFrame:
    """Projects (rows) by aims (columns headed ``aim_columns``): 'primary', 'also' or empty; unaligned projects and
    unserved aims show."""
    cells = alignment.filter(pl.col("status").is_in(["active", "planning", "on_hold"])).with_columns(
        link=pl.when(pl.col("is_primary")).then(pl.lit("primary")).otherwise(pl.lit("also"))
    )
    projects = cells.select("project_id", "project", "team").unique(maintain_order=True)
    # A project reaching an aim both ways shows its primary link ('primary' sorts after 'also'). Aims are told
    # apart by id: two may share a title.
    linked = (
        cells.filter(pl.col("aim_id").is_not_null())
        .group_by("project_id", "aim_id")
        .agg(pl.col("link").sort(descending=True).first())
    )
    grid = projects
    labels = aim_columns(aims)
    for aim_id, label in zip(aims["id"], labels):
        column = linked.filter(pl.col("aim_id") == aim_id).select("project_id", pl.col("link").alias(label))
        grid = grid.join(column, on="project_id", how="left")
    return grid.with_columns(
        serves=pl.sum_horizontal(pl.col(c).is_not_null() for c in labels) if labels else pl.lit(0)
    ).sort("serves", "project_id")
