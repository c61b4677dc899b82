"""The golden thread as data: aim -> primary driver -> secondary driver -> change idea -> project -> PDSA cycle.

``build_thread`` returns the tree as nodes with their parent (one drawn parent each: a secondary driver
under its first primary driver, a change idea under its first driver, a project under its primary link)
and, per node, what else it is linked to, so a tree view can draw one thread and list the rest.
Orphan projects hang under a separate root so they are never silently dropped.
"""

from __future__ import annotations

import polars as pl

ORPHANS = "orphans"


def build_thread(rows: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """Nodes: node, parent, kind, entity_id, label, also (other links), measures (names attached here)."""
    nodes: list[dict] = []
    measures = rows["measures"]

    def attached(column: str, entity_id: int) -> list[str]:
        return measures.filter(pl.col(column) == entity_id)["name"].to_list()

    for aim in rows["aims"].iter_rows(named=True):
        nodes.append(dict(node=f"aim:{aim['id']}", parent=None, kind="aim", entity_id=aim["id"], label=aim["title"],
                          also=[], measures=attached("aim_id", aim["id"])))
    parents = rows["driver_links"].group_by("child_driver_id", maintain_order=True).agg(pl.col("parent_driver_id"))
    parent_of = {r["child_driver_id"]: r["parent_driver_id"] for r in parents.iter_rows(named=True)}
    for driver in rows["drivers"].iter_rows(named=True):
        linked = parent_of.get(driver["id"], [])
        parent = f"driver:{linked[0]}" if linked else f"aim:{driver['aim_id']}"
        nodes.append(dict(node=f"driver:{driver['id']}", parent=parent, kind=f"{driver['level']} driver",
                          entity_id=driver["id"], label=driver["title"],
                          also=[f"driver:{p}" for p in linked[1:]], measures=attached("driver_id", driver["id"])))
    ideas = rows["change_ideas"].group_by("id", "title", maintain_order=True).agg(pl.col("driver_id"))
    for idea in ideas.iter_rows(named=True):
        nodes.append(dict(node=f"change_idea:{idea['id']}", parent=f"driver:{idea['driver_id'][0]}",
                          kind="change idea", entity_id=idea["id"], label=idea["title"],
                          also=[f"driver:{d}" for d in idea["driver_id"][1:]], measures=[]))
    known = {n["node"] for n in nodes}
    projects = rows["projects"].group_by("id", "title", "status", "team", maintain_order=True).agg(
        pl.struct("is_primary", "aim_id", "driver_id", "change_idea_id").alias("links"))
    for project in projects.iter_rows(named=True):
        targets = []
        for link in project["links"]:
            for kind in ("change_idea", "driver", "aim"):
                if link[f"{kind}_id"] is not None:
                    targets.append((bool(link["is_primary"]), f"{kind}:{link[f'{kind}_id']}"))
        primary = next((t for is_primary, t in targets if is_primary and t in known), None)
        nodes.append(dict(node=f"project:{project['id']}", parent=primary or ORPHANS, kind="project",
                          entity_id=project["id"], label=f"{project['title']} ({project['team']}, {project['status']})",
                          also=[t for is_primary, t in targets if t != primary],
                          measures=attached("project_id", project["id"])))
    if any(n["parent"] == ORPHANS for n in nodes):
        nodes.append(dict(node=ORPHANS, parent=None, kind="orphans", entity_id=None,
                          label="Projects with no link to any aim", also=[], measures=[]))
    for cycle in rows["cycles"].iter_rows(named=True):
        decision = cycle["act_decision"] or "no decision yet"
        nodes.append(dict(node=f"pdsa_cycle:{cycle['id']}", parent=f"project:{cycle['project_id']}",
                          kind="PDSA cycle", entity_id=cycle["id"], label=f"{cycle['title']} ({decision})",
                          also=[], measures=[]))
    return pl.DataFrame(nodes, schema={"node": pl.Utf8, "parent": pl.Utf8, "kind": pl.Utf8, "entity_id": pl.Int64,
                                       "label": pl.Utf8, "also": pl.List(pl.Utf8), "measures": pl.List(pl.Utf8)})


def path_to_root(thread: pl.DataFrame, node: str) -> list[str]:
    """The labels from a node up to its aim (or to the orphans root): the thread a PDSA cycle hangs from."""
    parent_of = dict(zip(thread["node"], thread["parent"]))
    label_of = dict(zip(thread["node"], thread["label"]))
    path, current = [], node
    while current is not None and current in label_of and len(path) < 50:
        path.append(label_of[current])
        current = parent_of.get(current)
    return path
