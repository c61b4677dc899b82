"""The audit trail in people's words: "Sam Lee corrected Falls per 1,000 bed days for Nov 2026: 4.1 → 3.9".

The store keeps each write as who, what (a table and a key such as "22/2026-11-01"), the values before and after
as JSON, and the reason. Here each record becomes one sentence naming the person, the record and the change, with
numbers written to the measure's own precision, periods as months and choices in the forms' words.
"""

from __future__ import annotations

import datetime as dt
import json

import polars as pl

from golden_thread.domain.formatting import (
    DASH,
    RECORD_WORDS,
    code_words,
    column_words,
    format_day,
    format_month,
    format_number,
    format_period,
    format_value,
    is_missing,
)
from golden_thread.domain.records import RECORDS

FIGURES = ("value", "numerator", "denominator")
QUOTE_LIMIT = 80  # a changed text longer than this is cut, so one change stays one line
MEASURE_MARKERS = ("observation", "chart_phase", "point_exclusion", "annotation")
STAGES = {"plan": "Plan", "do": "Do", "study": "Study", "act": "Act"}
TRAIL_SCHEMA = {
    "when": pl.Datetime,
    "who": pl.Utf8,
    "what": pl.Utf8,
    "record": pl.Utf8,
    "change": pl.Utf8,
    "reason": pl.Utf8,
}


class Names:
    """What records and people are called (``Store.audit_names``: kind, key, name) and each measure's precision,
    unit and frequency (``Store.measures``), for the sentences."""

    def __init__(self, names: pl.DataFrame | None = None, measures: pl.DataFrame | None = None) -> None:
        self.names = (
            {} if names is None else {(k, str(key)): n for k, key, n in names.select("kind", "key", "name").iter_rows()}
        )
        self.measures = {}
        if measures is not None and measures.height:
            wanted = [
                c for c in ("id", "name", "decimal_places", "unit", "frequency", "multiplier") if c in measures.columns
            ]
            self.measures = {str(row["id"]): row for row in measures.select(wanted).iter_rows(named=True)}

    def of(self, kind: str, key: object) -> str | None:
        return self.names.get((kind, str(key)))

    def person(self, username: str | None) -> str:
        if not username:
            return "Someone"
        return self.of("app_user", username) or username

    def measure(self, key: object) -> dict:
        found = self.measures.get(str(key), {})
        return {"name": self.of("measure", key) or found.get("name") or f"measure {key}", **found}


def _load(text: str | None) -> dict | None:
    if not text:
        return None
    try:
        loaded = json.loads(text)
    except ValueError:
        return None
    return loaded if isinstance(loaded, dict) else None


def _figure(record: dict | None, measure: dict | None = None) -> str:
    """An observation's figures as the measure reads them: '4.1 days', or '0.16 per 1,000 bed days (1 / 6,348)'."""
    measure = measure or {}
    if not record:
        return "nothing"
    if not is_missing(record.get("value")):
        return format_value(record["value"], measure.get("decimal_places"), measure.get("unit"))
    if not is_missing(record.get("numerator")):
        counts = f"{format_number(record['numerator'])} / {format_number(record.get('denominator'))}"
        denominator, multiplier = record.get("denominator"), measure.get("multiplier")
        if is_missing(denominator) or not denominator or is_missing(multiplier):
            return counts
        rate = record["numerator"] / denominator * multiplier
        return f"{format_value(rate, measure.get('decimal_places'), measure.get('unit'))} ({counts})"
    return "blank"


def _period(text: str, frequency: str | None) -> str:
    try:
        return format_period(dt.date.fromisoformat(text[:10]), frequency)
    except ValueError:
        return text


def _quoted(name: str | None) -> str:
    return f"“{name}”" if name else ""


def _shown(value: object, table: str | None, field: str, names: Names) -> str:
    """One stored field's value in a sentence: choices in words, dates as days, numbers without '.0'."""
    if is_missing(value) or value == "":
        return "blank"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if field in ("team_id", "organisation_id", "parent_id", "member_id"):
        return names.of("organisation", value) or str(value)
    if field in ("aim_id", "project_id", "driver_id", "measure_id", "change_idea_id"):
        return names.of(field.removesuffix("_id"), value) or str(value)
    kind = RECORDS[table].field(field).kind if table in RECORDS and field in RECORDS[table].columns else None
    if kind == "choice" or field in ("role", "status", "act_decision", "purpose"):
        return code_words(value, field)
    if kind == "date" or (isinstance(value, str) and len(value) >= 10 and value[4:5] == "-" and value[7:8] == "-"):
        shown = format_day(value)
        if shown:
            return shown
    if isinstance(value, int | float):
        return format_number(value)
    text = str(value).replace("\n", " ")
    return f"“{text[:QUOTE_LIMIT]}…”" if len(text) > QUOTE_LIMIT else f"“{text}”"


def _label(table: str | None, field: str) -> str:
    if table in RECORDS and field in RECORDS[table].columns:
        return RECORDS[table].field(field).label
    return column_words(field)


def _changes(before: dict | None, after: dict | None, table: str | None, names: Names) -> str:
    """'Target: 0.3 → 0.25; Status: active → on hold' for the fields an edit changed."""
    before, after = before or {}, after or {}
    parts = []
    for field in [*before, *(f for f in after if f not in before)]:
        old, new = before.get(field), after.get(field)
        if isinstance(old, dict | list) or isinstance(new, dict | list) or old == new:
            continue
        if field in before:
            parts.append(
                f"{_label(table, field)}: {_shown(old, table, field, names)} → {_shown(new, table, field, names)}"
            )
        else:
            parts.append(f"{_label(table, field)}: {_shown(new, table, field, names)}")
    return "; ".join(parts)


def _target(link: dict | None, names: Names) -> str:
    """The aim, driver or change idea a project link names ({'driver': 12} or {'link': 'also', 'aim': 3})."""
    for kind in ("aim", "driver", "change_idea"):
        if link and kind in link:
            return f"the {RECORD_WORDS[kind]} {_quoted(names.of(kind, link[kind]) or str(link[kind]))}"
    return "the thread"


def sentence(row: dict, names: Names) -> str:
    """One audit record as a sentence: who did what to which record, and what changed."""
    who = names.person(row.get("username"))
    action, table, key = row["action"], row["entity_type"], str(row["entity_key"])
    before, after = _load(row.get("before_json")), _load(row.get("after_json"))
    noun = RECORD_WORDS.get(table, code_words(table))

    if table in MEASURE_MARKERS:
        measure_key, _, rest = key.partition("/")
        measure = names.measure(measure_key)
        name = measure["name"]
        if table == "observation":
            period = _period(rest, measure.get("frequency"))
            if action == "import":
                counts = after or {}
                return (
                    f"{who} imported {rest} into {name}: {counts.get('added', 0):,} new "
                    f"period{'s' if counts.get('added', 0) != 1 else ''} and {counts.get('corrected', 0):,} corrected"
                )
            if before is None:
                return f"{who} entered {name} for {period}: {_figure(after, measure)}"
            return f"{who} corrected {name} for {period}: {_figure(before, measure)} → {_figure(after, measure)}"
        period = _period(rest, measure.get("frequency"))
        if table == "chart_phase":
            done = "started a new phase of" if action == "add" else "removed the phase of"
            return f"{who} {done} {name} from {period}"
        if table == "point_exclusion":
            if action == "add":
                return f"{who} left {period} out of the limits of {name}"
            return f"{who} brought {period} back into the limits of {name}"
        return f"{who} {code_words(action, 'action')} a note on {name} at {period}"

    if table == "board_snapshot":
        return f"{who} published the board report for {format_month(key) or key}"
    if table == "network_membership":
        network_key, _, member_key = key.partition("/")
        member = names.of("organisation", member_key) or f"member {member_key}"
        network = names.of("organisation", network_key) or "the network"
        now = after or {}
        if before is None:
            return f"{who} recorded that {member} joined {network} on {format_day(now.get('joined_on')) or DASH}"
        if now.get("left_on") and not before.get("left_on"):
            return f"{who} recorded that {member} left {network} on {format_day(now['left_on'])}"
        return f"{who} changed the membership of {member} in {network}: {_changes(before, now, None, names)}"
    if table == "app_user":
        person = names.of("app_user", key) or key
        if action == "sign_in_failed":  # nobody is signed in: the sentence names the username tried
            source = (after or {}).get("source")
            tried = person if names.of("app_user", key) else f"“{key}” (no such account)"
            return f"Someone failed to sign in as {tried}" + (f" from {source}" if source else "")
        if action == "unlock":
            return f"{who} unlocked the account of {person} after failed sign-ins"
        if action == "add":
            role = code_words((after or {}).get("role"), "role")
            return f"{who} added the account of {person}" + (f" ({role})" if role else "")
        password = bool((after or {}).get("password_changed"))
        before, after = ({k: v for k, v in (d or {}).items() if k != "password_changed"} for d in (before, after))
        changed = "; ".join(
            part for part in (_changes(before, after, None, names), password * "a new password") if part
        )
        return f"{who} changed the account of {person}" + (f": {changed}" if changed else "")

    kind_name = names.of(table, key) or (after or {}).get("title") or (after or {}).get("name")
    record = f"the {noun} {_quoted(kind_name)}".rstrip() if kind_name else f"{noun} {key}"
    if table == "project" and action in ("link", "unlink", "primary_link", "move_link"):
        if action == "link":
            how = " (its primary link)" if (after or {}).get("link") == "primary" else " (also contributes)"
            return f"{who} linked {record} to {_target(after, names)}{how}"
        if action == "unlink":
            return f"{who} removed the link from {record} to {_target(before, names)}"
        new = _target((after or {}).get("primary"), names)
        if action == "move_link":
            return f"{who} moved the primary link of {record} from {_target((before or {}).get('primary'), names)} to {new}"
        return f"{who} made {new} the primary link of {record}"
    if table == "pdsa_cycle":
        if action in STAGES:
            changed = _changes(before, after, None, names)
            return f"{who} recorded the {STAGES[action]} of {record}" + (f": {changed}" if changed else "")
        if action == "add":
            return f"{who} added {record}"
    if table == "focus_action" and action == "review":
        moved = {k: v for k, v in (after or {}).items() if k in (before or {})}
        changed = _changes(before, moved, table, names)
        feedback = (after or {}).get("feedback")
        return f"{who} went through {record} at a huddle" + "".join(
            f"; {part}" for part in (changed, feedback and f"feedback: {_quoted(str(feedback))}") if part
        )
    if table == "driver_diagram":
        version = (after or {}).get("version")
        if action == "new_version":
            return f"{who} published version {version} of {record}" if version else f"{who} published {record}"
        if action == "add":
            return f"{who} created {record}"
    if action == "add":
        return f"{who} added {record}"
    verb = code_words(action, "action")
    changed = _changes(before, after, table, names) if action in ("edit", "change") else ""
    return f"{who} {verb} {record}" + (f": {changed}" if changed else "")


def audit_trail(audit: pl.DataFrame, names: Names | None = None) -> pl.DataFrame:
    """when, who, what, record, change, reason: each audit record in words, newest first (``change`` is the
    sentence; ``record`` the record's name, or what it is when it has none)."""
    names = names or Names()
    rows = []
    for row in audit.sort("id", descending=True).iter_rows(named=True):
        table, key = row["entity_type"], str(row["entity_key"])
        if table in MEASURE_MARKERS:
            record = names.measure(key.partition("/")[0])["name"]
        elif table == "app_user":
            record = names.of("app_user", key) or key
        elif table == "board_snapshot":
            record = format_month(key) or key
        elif table == "network_membership":
            record = names.of("organisation", key.partition("/")[2]) or key
        else:
            after = _load(row.get("after_json")) or {}
            record = names.of(table, key) or after.get("title") or after.get("name") or f"{key}"
        rows.append(
            {
                "when": row["occurred_at"],
                "who": names.person(row["username"]),
                "what": RECORD_WORDS.get(table, code_words(table)).capitalize().replace("Pdsa", "PDSA"),
                "record": record,
                "change": sentence(row, names),
                "reason": row.get("reason") or None,
            }
        )
    return pl.DataFrame(rows, schema=TRAIL_SCHEMA)


def value_history(audit: pl.DataFrame, measure: dict | None = None, names: Names | None = None) -> pl.DataFrame:
    """period, when, who, change: each add and correction of a measure's observations, newest first, in words
    ('Nov 2026', 'corrected: 4.1 → 3.9'); ``measure`` (its row) gives the precision, unit and frequency."""
    names = names or Names()
    measure = measure or {}
    rows = []
    for record in audit.sort("id", descending=True).iter_rows(named=True):
        before, after = _load(record["before_json"]), _load(record["after_json"])
        period = record["entity_key"].split("/", 1)[-1]
        if record["action"] == "import":
            added = (after or {}).get("added", 0)
            change = f"imported {added:,} new and {(after or {}).get('corrected', 0):,} corrected period(s)"
            period = "file " + period
        elif before is None:
            change = f"entered: {_figure(after, measure)}"
            period = _period(period, measure.get("frequency"))
        else:
            change = f"corrected: {_figure(before, measure)} → {_figure(after, measure)}"
            period = _period(period, measure.get("frequency"))
        rows.append(
            {"period": period, "when": record["occurred_at"], "who": names.person(record["username"]), "change": change}
        )
    return pl.DataFrame(rows, schema={"period": pl.Utf8, "when": pl.Datetime, "who": pl.Utf8, "change": pl.Utf8})
