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
    """Every flag in the organisation: rule, severity, entity_type, entity_id, title and message."""
    rows = store.thread_breaks(today, stale_days=STALE_PROJECT_DAYS, quiet_grace_periods=QUIET_GRACE_PERIODS)
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
