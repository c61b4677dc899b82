"""The thread as data: every PDSA cycle hangs from an aim through its project, or from the orphans root."""

from __future__ import annotations

import polars as pl

from golden_thread.domain.thread_graph import ORPHANS, build_thread, path_to_root
from golden_thread.seed.demo import DEMO_BREAKS, build_demo_trust
from golden_thread.storage.store import Store
from tests.conftest import DEMO_TODAY


def test_every_node_has_a_known_parent_and_orphans_hang_apart(demo_db):
    build_demo_trust(DEMO_TODAY)
    store = Store(demo_db)
    thread = build_thread(store.thread_rows())
    cycles = store.table("pdsa_cycle").height
    store.close()
    nodes = set(thread["node"])
    assert thread.filter(pl.col("parent").is_not_null())["parent"].is_in(list(nodes)).all()
    assert thread.filter(pl.col("kind") == "PDSA cycle").height == cycles
    orphans = thread.filter(pl.col("parent") == ORPHANS)["entity_id"].to_list()
    assert sorted(orphans) == sorted(DEMO_BREAKS["orphan_project"])
    roots = thread.filter(pl.col("parent").is_null())
    assert set(roots["kind"]) == {"aim", "orphans"}


def test_a_linked_cycle_traces_up_to_its_aim_and_lists_other_links(demo_db):
    store = Store(demo_db)
    thread = build_thread(store.thread_rows())
    store.close()
    first_cycle = thread.filter(pl.col("kind") == "PDSA cycle")["node"][0]
    path = path_to_root(thread, first_cycle)
    aims = set(thread.filter(pl.col("kind") == "aim")["label"])
    assert path[-1] in aims and len(path) >= 5  # cycle, project, change idea, secondary, primary, aim
    assert thread.filter(pl.col("kind") == "project")["also"].list.len().sum() > 0
    falls = thread.filter(pl.col("node") == "aim:1").row(0, named=True)
    assert "Inpatient falls with harm per 1,000 occupied bed days" in falls["measures"]


def test_a_cycle_is_named_by_its_number_and_months_even_where_no_number_was_recorded(demo_db):
    store = Store(demo_db)
    rows = store.thread_rows()
    store.close()
    labels = build_thread(rows).filter(pl.col("kind") == "PDSA cycle")["label"]
    assert labels.str.contains(r"^Cycle \d+ · [A-Z][a-z]{2}").all() and labels.n_unique() == labels.len()
    # A store that keeps no cycle number (or no end date) numbers a project's cycles by when they started.
    bare = {**rows, "cycles": rows["cycles"].drop("cycle_number", "end_date")}
    numbered = build_thread(bare).filter(pl.col("kind") == "PDSA cycle")
    first = rows["cycles"].sort("project_id", "start_date", "id").row(0, named=True)
    label = numbered.filter(pl.col("entity_id") == first["id"])["label"][0]
    assert label.startswith(f"Cycle 1 · from {first['start_date']:%b %Y}: {first['title']}")
