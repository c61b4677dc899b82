"""The golden thread's checks, run: every rule of the one registry (``domain.checks.RULES``: the thread's rules and
the network's per-member rules) found through the store, and turned into flags with their owners.

The screens, ``golden-thread check`` and the board pack all come here, so they all run the same rules. A store
bound to one organisation finds only that organisation's records, so its checks yield only its flags.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from golden_thread.domain.checks import QUIET_GRACE_PERIODS, RULES, STALE_PROJECT_DAYS

FLAG_COLUMNS = ("rule", "severity", "entity_type", "entity_id", "title", "message")


def _found(store, today: dt.date, breaks: pl.DataFrame | None = None) -> pl.DataFrame:
    """Every rule's records as flags, in the registry's order: FLAG_COLUMNS plus the member_id and network_id a
    per-member network rule names (null for the thread's own rules). ``breaks``: ``Store.thread_breaks`` of every
    rule, read already (the app keeps each rule's records until a table it reads changes)."""
    rows = (
        store.thread_breaks(today, stale_days=STALE_PROJECT_DAYS, quiet_grace_periods=QUIET_GRACE_PERIODS)
        if breaks is None
        else breaks
    )
    rules = pl.DataFrame(
        [
            {
                "rule": r.name,
                "severity": r.severity,
                "entity_type": r.entity_type,
                "message": r.explanation,
                "_order": k,
            }
            for k, r in enumerate(RULES.values())
        ],
        schema={"rule": pl.Utf8, "severity": pl.Utf8, "entity_type": pl.Utf8, "message": pl.Utf8, "_order": pl.Int32},
    )
    return (
        rows.join(rules, on="rule", how="left")
        .sort(["_order", "entity_id", "title"])
        .select(*FLAG_COLUMNS, "member_id", "network_id")
    )


def check_thread(store, today: dt.date, breaks: pl.DataFrame | None = None) -> pl.DataFrame:
    """Every flag in the store's organisation (every organisation's, unscoped): rule, severity, entity_type,
    entity_id, title and message. ``breaks``: as ``_found`` takes it."""
    return _found(store, today, breaks).select(FLAG_COLUMNS)


def check_by_organisation(store, today: dt.date, breaks: pl.DataFrame | None = None) -> pl.DataFrame:
    """``check_thread``'s flags with whose they are: organisation_id and organisation (the trust, or the network,
    at the top of the record's organisation) and, in a network, network_id, member_id and member (null for the
    hub's own records: the network aim, its shared driver diagram and the uniform measures' definitions). A
    per-member network rule's flag belongs to the member it names, in its network. ``breaks``: as ``_found``
    takes it."""
    found = _found(store, today, breaks).rename({"member_id": "_member_id", "network_id": "_network_id"})
    owners = store.flag_owners()
    names = store.organisations().select(pl.col("id").alias("organisation_id"), pl.col("name").alias("organisation"))
    members = names.rename({"organisation_id": "member_id", "organisation": "member"})
    per_member = pl.col("_member_id").is_not_null()
    return (
        found.join(owners, on=["entity_type", "entity_id"], how="left")
        .with_columns(
            pl.when(per_member)
            .then(pl.col("_network_id"))
            .otherwise(pl.col("organisation_id"))
            .alias("organisation_id"),
            pl.when(per_member).then(pl.col("_network_id")).otherwise(pl.col("network_id")).alias("network_id"),
            pl.when(per_member).then(pl.col("_member_id")).otherwise(pl.col("member_id")).alias("member_id"),
        )
        .drop("_member_id", "_network_id")
        .join(names, on="organisation_id", how="left")
        .join(members, on="member_id", how="left")
    )


def network_memberships(store, today: dt.date) -> pl.DataFrame:
    """Every network's members as ``report_by_owner`` and ``choose_owner`` read them: network_id, member_id,
    member, joined_on, left_on, current (on ``today``) and the rest of ``Store.network_members``."""
    networks = store.networks()["id"].to_list()
    if not networks:
        return pl.DataFrame(
            schema={"network_id": pl.Int64, "member_id": pl.Int64, "member": pl.Utf8, "left_on": pl.Date}
        )
    return pl.concat([store.network_members(n, today).with_columns(network_id=pl.lit(n)) for n in networks])
