"""Breaks in the golden thread: each a named rule with a severity, a plain explanation and its threshold.

The rules are DOMAIN §5.4's checks. Their thresholds live here, in one place; the store finds the
records behind each rule (``Store.thread_breaks``) and this module turns them into flags.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

import polars as pl

Severity = Literal["error", "warning", "info"]


@dataclass(frozen=True)
class Rule:
    name: str
    severity: Severity
    entity_type: str
    explanation: str


# Thresholds (days). Stale: DOMAIN §5.4 suggests "no PDSA in N weeks"; the issue sets 60 days.
STALE_PROJECT_DAYS = 60
# A measure is quiet when its next period is overdue by its expected lag: last period + 2 periods + lag.
QUIET_GRACE_PERIODS = 2

RULES: dict[str, Rule] = {rule.name: rule for rule in (
    Rule("orphan_project", "error", "project",
         "This project has no link to any system-level aim, directly or through a driver diagram."),
    Rule("aim_without_project", "error", "aim", "No active improvement project serves this system-level aim."),
    Rule("aim_not_smart", "warning", "aim",
         "This aim is not SMART: it lacks a target value, a target date or an outcome measure."),
    Rule("outcome_without_balancing", "warning", "aim",
         "This aim has an outcome measure but no balancing measure to watch for side effects."),
    Rule("driver_without_change_idea", "warning", "driver",
         "This driver has no change idea (and no secondary driver) to act on it."),
    Rule("untested_change_idea", "info", "change_idea", "No PDSA cycle has tested this change idea yet."),
    Rule("project_without_measure", "warning", "project", "This project has no measure to show whether it works."),
    Rule("measure_gone_quiet", "warning", "measure",
         f"No new data: the latest period is more than {QUIET_GRACE_PERIODS} periods plus the expected lag ago."),
    Rule("stale_project", "warning", "project",
         f"This active project has started no PDSA cycle in {STALE_PROJECT_DAYS} days."),
    Rule("pdsa_overdue", "warning", "pdsa_cycle", "This PDSA cycle is past its end date with no Study or Act recorded."),
    Rule("pdsa_without_prediction", "info", "pdsa_cycle",
         "This PDSA cycle has no prediction, so there is nothing to learn against."),
    Rule("link_to_retired_version", "warning", "project",
         "This project links to a driver or change idea in a retired version of its driver diagram."),
)}


def rule_title(name: str) -> str:
    """A rule's name as a heading: 'pdsa_without_prediction' -> 'PDSA without prediction'."""
    return name.replace("_", " ").capitalize().replace("Pdsa", "PDSA")


def check_thread(store, today: dt.date) -> pl.DataFrame:
    """Every flag in the store's organisation (every organisation's, unscoped): rule, severity, entity_type,
    entity_id, title and message."""
    rows = store.thread_breaks(today, stale_days=STALE_PROJECT_DAYS, quiet_grace_periods=QUIET_GRACE_PERIODS)
    # A cycle keeps the change idea it tested as worded then; through its stable key it still tests the idea in
    # every later version of the diagram (DOMAIN Decision 4), so the idea is not "untested".
    rows = rows.filter(~((pl.col("rule") == "untested_change_idea")
                         & pl.col("entity_id").is_in(store.ideas_tested_by_key())))
    rules = pl.DataFrame(
        [{"rule": r.name, "severity": r.severity, "entity_type": r.entity_type, "message": r.explanation}
         for r in RULES.values()]
    )
    order = {name: i for i, name in enumerate(RULES)}
    return (
        rows.join(rules, on="rule", how="left")
        .with_columns(pl.col("rule").replace_strict(order, return_dtype=pl.Int32).alias("_order"))
        .sort(["_order", "entity_id"])
        .select("rule", "severity", "entity_type", "entity_id", "title", "message")
    )


def check_by_organisation(store, today: dt.date) -> pl.DataFrame:
    """``check_thread``'s flags with whose they are: organisation_id and organisation (the trust, or the network,
    at the top of the record's organisation) and, in a network, network_id, member_id and member (null for the
    hub's own records: the network aim, its shared driver diagram and the uniform measures' definitions)."""
    flags = check_thread(store, today)
    names = store.organisations().select(pl.col("id").alias("organisation_id"), pl.col("name").alias("organisation"))
    members = names.rename({"organisation_id": "member_id", "organisation": "member"})
    return (
        flags.join(store.flag_owners(), on=["entity_type", "entity_id"], how="left")
        .join(names, on="organisation_id", how="left")
        .join(members, on="member_id", how="left")
    )


def choose_owner(flags: pl.DataFrame, organisations: pl.DataFrame, memberships: pl.DataFrame, *,
                 organisation: str | None = None, member: str | None = None) -> pl.DataFrame:
    """The flags of one organisation (a trust or a network) and/or one network member, each named by id or by
    name (case-insensitive). Refuses, naming the choices, an organisation or member that is not there."""
    chosen = flags
    if organisation is not None:
        tops = organisations.filter(pl.col("parent_id").is_null() | (pl.col("kind") == "network"))
        match = tops.filter((pl.col("id").cast(pl.Utf8) == organisation.strip())
                            | (pl.col("name").str.to_lowercase() == organisation.strip().lower()))
        if match.height == 0:
            raise ValueError(f"There is no organisation or network “{organisation}”; choose one of: "
                             + "; ".join(f"{i} {n}" for i, n in tops.select("id", "name").iter_rows()) + ".")
        chosen = chosen.filter(pl.col("organisation_id") == match["id"][0])
    if member is not None:
        match = memberships.filter((pl.col("member_id").cast(pl.Utf8) == member.strip())
                                   | (pl.col("member").str.to_lowercase() == member.strip().lower()))
        if match.height == 0:
            raise ValueError(f"There is no network member “{member}”; choose one of: "
                             + "; ".join(f"{i} {n}" for i, n in memberships.select("member_id", "member").unique()
                                         .sort("member").iter_rows()) + ".")
        chosen = chosen.filter(pl.col("member_id") == match["member_id"][0])
    return chosen


def report_by_owner(flags: pl.DataFrame, organisations: pl.DataFrame, memberships: pl.DataFrame, *,
                    hubs: bool = True) -> list[str]:
    """``golden-thread check``'s table, organisation by organisation and, in a network, member by member (the hub
    first, every member listed, clean ones as 'no breaks'). ``flags`` from ``check_by_organisation``;
    ``memberships``: network_id, member_id, member, left_on. ``hubs`` False leaves out the hubs' own lines."""
    def line(row: dict, indent: str) -> str:
        return (f"{indent}{row['severity']:<8} {row['rule']:<27} {row['entity_type']} {row['entity_id']}: "
                f"{row['title']}")

    def tally(frame: pl.DataFrame) -> str:
        counts = frame.group_by("severity").len().sort("severity")
        return (f"{frame.height} flag(s): " + ", ".join(f"{n} {s}" for s, n in counts.iter_rows())
                if frame.height else "no breaks")

    lines: list[str] = []
    tops = organisations.filter(pl.col("parent_id").is_null() | (pl.col("kind") == "network")).sort(
        pl.col("kind") == "network", "name")
    for top in tops.iter_rows(named=True):
        own = flags.filter(pl.col("organisation_id") == top["id"])
        network = top["kind"] == "network"
        lines.append(f"{top['name']}{' (network)' if network else ''}: {tally(own)}")
        if not network:
            lines += [line(row, "  ") for row in own.iter_rows(named=True)]
            continue
        hub = own.filter(pl.col("member_id").is_null())
        if hubs:
            lines.append(f"  The hub (network aim, shared driver diagram, uniform measures): {tally(hub)}")
            lines += [line(row, "    ") for row in hub.iter_rows(named=True)]
        for member in memberships.filter(pl.col("network_id") == top["id"]).sort("member").iter_rows(named=True):
            theirs = own.filter(pl.col("member_id") == member["member_id"])
            left = f" (left {member['left_on']})" if member["left_on"] is not None else ""
            lines.append(f"  {member['member']}{left}: {tally(theirs)}")
            lines += [line(row, "    ") for row in theirs.iter_rows(named=True)]
    unowned = flags.filter(pl.col("organisation_id").is_null())
    if unowned.height:
        lines.append(f"Belonging to no organisation: {tally(unowned)}")
        lines += [line(row, "  ") for row in unowned.iter_rows(named=True)]
    lines.append(f"In all, {tally(flags)}.")
    return lines
