"""One organisation at a time, enforced in SQL.

A ``Scope`` names the organisation a person is looking at (a trust, or a network with its members) and every
organisation unit beneath it. A store bound to a scope (``Store.within``) runs each read with the tables of the
golden thread *shadowed*: before the query's own text come common table expressions that carry the tables' own
names and hold only the scope's rows (``project AS (SELECT * FROM main.project WHERE team_id IN …)``). A query
that reads ``project`` therefore reads the organisation's projects whether or not its author remembered to filter,
and a join through ``measure`` into ``observation`` only ever reaches the organisation's figures.

``OWNERSHIP`` is the one statement of which rows belong to an organisation: each table's rows belong to it through
an organisation column or through a parent table that is already scoped (the entries are in dependency order and
each may name the ones above it). A new table of the thread is one entry here. Tables not listed (settings, the
schema's own) belong to the whole database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# table -> the condition its rows meet to belong to the scope. ``scope_unit`` holds the scope's organisation ids;
# any other table named in a condition is the scoped one above it.
OWNERSHIP: dict[str, str] = {
    "organisation": "id IN (SELECT id FROM scope_unit)",
    "network_membership": "network_id IN (SELECT id FROM scope_unit) AND member_id IN (SELECT id FROM scope_unit)",
    "strategic_objective": "organisation_id IN (SELECT id FROM scope_unit)",
    "aim": "objective_id IN (SELECT id FROM strategic_objective)",
    "local_aim": "aim_id IN (SELECT id FROM aim) AND member_id IN (SELECT id FROM scope_unit)",
    "driver_diagram": "aim_id IN (SELECT id FROM aim)",
    "driver_diagram_version": "diagram_id IN (SELECT id FROM driver_diagram)",
    "driver": "version_id IN (SELECT id FROM driver_diagram_version)",
    "driver_link": "child_driver_id IN (SELECT id FROM driver)",
    "change_idea": "version_id IN (SELECT id FROM driver_diagram_version)",
    "change_idea_driver": "change_idea_id IN (SELECT id FROM change_idea)",
    "project": "team_id IN (SELECT id FROM scope_unit)",
    "project_link": "project_id IN (SELECT id FROM project)",
    "pdsa_cycle": "project_id IN (SELECT id FROM project)",
    "member_measure": "member_id IN (SELECT id FROM scope_unit)",
    # A member's uniform measure hangs off the network aim; it belongs to the member that reports it.
    "measure": "(project_id IN (SELECT id FROM project) OR aim_id IN (SELECT id FROM aim) "
    "OR driver_id IN (SELECT id FROM driver)) "
    "AND id NOT IN (SELECT measure_id FROM main.member_measure WHERE member_id NOT IN (SELECT id FROM scope_unit))",
    "observation": "measure_id IN (SELECT id FROM measure)",
    "chart_phase": "measure_id IN (SELECT id FROM measure)",
    "point_exclusion": "measure_id IN (SELECT id FROM measure)",
    "annotation": "measure_id IN (SELECT id FROM measure)",
    "app_user": "organisation_id IN (SELECT id FROM scope_unit)",
    "audit_log": "organisation_id IN (SELECT id FROM scope_unit)",
    "board_snapshot": "organisation_id IN (SELECT id FROM scope_unit)",
    # The seeded frameworks belong to no organisation and are everyone's; a network's own rubric is its own.
    "leadership_framework": "organisation_id IS NULL OR organisation_id IN (SELECT id FROM scope_unit)",
    "leadership_framework_version": "framework_id IN (SELECT id FROM leadership_framework)",
    "leadership_scale_level": "version_id IN (SELECT id FROM leadership_framework_version)",
    "leadership_section": "version_id IN (SELECT id FROM leadership_framework_version)",
    "leadership_subsection": "section_id IN (SELECT id FROM leadership_section)",
    "leadership_item": "version_id IN (SELECT id FROM leadership_framework_version)",
    "leadership_assessment": "organisation_id IN (SELECT id FROM scope_unit)",
    "leadership_rating": "assessment_id IN (SELECT id FROM leadership_assessment)",
    "leadership_strategy": "assessment_id IN (SELECT id FROM leadership_assessment)",
    # A team's (or division's) focus board and everything on it belong to the unit's organisation.
    "focus_board": "unit_id IN (SELECT id FROM scope_unit)",
    "focus_objective": "board_id IN (SELECT id FROM focus_board)",
    "huddle": "board_id IN (SELECT id FROM focus_board)",
    "focus_action": "board_id IN (SELECT id FROM focus_board)",
    "huddle_action_review": "huddle_id IN (SELECT id FROM huddle)",
}

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_DEPENDS = {
    table: [other for other in OWNERSHIP if other != table and re.search(rf"(?<![.\w]){other}\b", condition)]
    for table, condition in OWNERSHIP.items()
}


@dataclass(frozen=True)
class Scope:
    """The organisation a session or a command works in, resolved once: its id, name, kind and vocabulary, and
    every organisation unit whose records are its own (its divisions and teams; for a network, its members and
    theirs). ``EVERYTHING`` (no organisation) is the whole database, for maintenance commands only."""

    organisation_id: int | None
    name: str = "every organisation"
    kind: str | None = None
    vocabulary: str = "health"
    units: tuple[int, ...] = ()

    @property
    def is_everything(self) -> bool:
        return self.organisation_id is None

    @property
    def is_network(self) -> bool:
        return self.kind == "network"


EVERYTHING = Scope(None)


def tables_read(sql: str) -> list[str]:
    """The scoped tables a query names, with the scoped tables their own conditions read, in dependency order."""
    named = {word for word in _WORD.findall(sql)} & OWNERSHIP.keys()
    needed: set[str] = set()
    stack = list(named)
    while stack:
        table = stack.pop()
        if table not in needed:
            needed.add(table)
            stack.extend(_DEPENDS[table])
    return [table for table in OWNERSHIP if table in needed]


def scoped_sql(sql: str, params: list | dict | None, scope: Scope) -> tuple[str, list | dict]:
    """``sql`` with the tables it reads shadowed by the scope's rows, and its parameters with the scope's units
    added (first for positional parameters, as ``$scope_units`` for named ones)."""
    tables = tables_read(sql)
    if not tables:
        return sql, params if params is not None else []
    named = isinstance(params, dict)
    units = list(scope.units)
    placeholder = "$scope_units" if named else "?"
    shadows = [f"scope_unit AS (SELECT unnest({placeholder}::INTEGER[]) AS id)"]
    shadows += [f"{table} AS (SELECT * FROM main.{table} WHERE {OWNERSHIP[table]})" for table in tables]
    prefix = ",\n".join(shadows)
    body = sql.strip()
    match = re.match(r"WITH(\s+RECURSIVE)?\s", body, flags=re.IGNORECASE)
    if match:
        text = f"WITH{match.group(1) or ''} {prefix},\n{body[match.end() :]}"
    else:
        text = f"WITH {prefix}\n{body}"
    if named:
        return text, {**params, "scope_units": units}
    return text, [units, *(params or [])]
