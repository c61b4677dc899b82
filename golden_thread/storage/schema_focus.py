"""Schema for focus boards and huddles (issue 17, DOMAIN §4.5): migration, tables (export order), sort keys.

Kept apart from schema.py so the focus-board model reads as one piece; schema.py appends this migration. Literal
CHECK clauses from the shared enumerations only (this module must not import schema.py).

The model follows the focus-board template a ward keeps on its wall:

- a **focus board** belongs to one team or division (``unit_id``), with the purpose it puts at its top and the
  rhythm and length of its huddle;
- its **objectives** sit in the four categories of the trust's strategy (Quality, Efficiency, Financial, People),
  each with the problem being worked on, where the team is focusing, the measure that shows it (current against
  target comes from the measure's data, never a typed number) and the strategic objective or system-level aim it
  serves (an objective with neither is flagged, as an orphan project is);
- its **actions** carry an owner, a due date, a status, a risk level and notes, optionally the project or PDSA
  cycle they serve; a done action keeps what was learned;
- a **huddle** is one meeting at the board: when, who was there, what was decided and the reflection on the
  meeting itself; each action it reviewed is a ``huddle_action_review`` (the status it left the action in and the
  feedback given), so the next huddle opens on what the last one asked for.

Their links are plain columns, not foreign keys: DuckDB (2.0) refuses to update a row that a foreign key of another
table points at when the row's table has CHECK constraints (a PDSA cycle, a measure, a project, a board), so an
action pointing at a cycle would freeze the cycle's record. The store holds these links instead, as it does since
migration 9 for the thread's own editable records: a write names records in the writer's organisation
(``Store.require_in_scope``) and a whole import is checked (``Store._check_references``).
"""

from golden_thread.domain.enumerations import ACTION_STATUSES, OBJECTIVE_CATEGORIES, RECORD_STATUSES, RISK_LEVELS


def _in(column: str, values: tuple[str, ...]) -> str:
    quoted = ", ".join(f"'{v}'" for v in values)
    return f"CHECK ({column} IN ({quoted}))"


_V13_FOCUS_BOARDS = f"""
CREATE TABLE focus_board (
    id INTEGER PRIMARY KEY,
    unit_id INTEGER NOT NULL UNIQUE,
    name VARCHAR NOT NULL CHECK (length(trim(name)) > 0),
    purpose VARCHAR,
    huddle_rhythm VARCHAR,
    huddle_minutes INTEGER NOT NULL DEFAULT 15 CHECK (huddle_minutes BETWEEN 5 AND 120),
    status VARCHAR NOT NULL DEFAULT 'active' {_in("status", RECORD_STATUSES)}
);

CREATE TABLE focus_objective (
    id INTEGER PRIMARY KEY,
    board_id INTEGER NOT NULL,
    category VARCHAR NOT NULL {_in("category", OBJECTIVE_CATEGORIES)},
    title VARCHAR NOT NULL CHECK (length(trim(title)) > 0),
    problem VARCHAR,
    focus VARCHAR,
    measure_id INTEGER,
    strategic_objective_id INTEGER,
    aim_id INTEGER,
    status VARCHAR NOT NULL DEFAULT 'active' {_in("status", RECORD_STATUSES)}
);

CREATE TABLE huddle (
    id INTEGER PRIMARY KEY,
    board_id INTEGER NOT NULL,
    held_on DATE NOT NULL,
    attendees VARCHAR NOT NULL CHECK (length(trim(attendees)) > 0),
    decisions VARCHAR,
    ran_to_time BOOLEAN NOT NULL,
    why_not_to_time VARCHAR,
    went_well VARCHAR,
    learned VARCHAR,
    not_working VARCHAR,
    changes_to_make VARCHAR,
    recorded_by VARCHAR NOT NULL,
    UNIQUE (board_id, held_on),
    CHECK (ran_to_time OR length(trim(coalesce(why_not_to_time, ''))) > 0)
);

CREATE TABLE focus_action (
    id INTEGER PRIMARY KEY,
    board_id INTEGER NOT NULL,
    focus_objective_id INTEGER,
    title VARCHAR NOT NULL CHECK (length(trim(title)) > 0),
    owner VARCHAR NOT NULL CHECK (length(trim(owner)) > 0),
    due_date DATE NOT NULL,
    status VARCHAR NOT NULL DEFAULT 'not_started' {_in("status", ACTION_STATUSES)},
    risk_level VARCHAR NOT NULL DEFAULT 'low' {_in("risk_level", RISK_LEVELS)},
    notes VARCHAR,
    project_id INTEGER,
    pdsa_cycle_id INTEGER,
    learning VARCHAR,
    raised_on DATE NOT NULL,
    done_on DATE,
    raised_at_huddle_id INTEGER,
    CHECK (status <> 'done' OR (length(trim(coalesce(learning, ''))) > 0 AND done_on IS NOT NULL))
);

CREATE TABLE huddle_action_review (
    huddle_id INTEGER NOT NULL,
    action_id INTEGER NOT NULL,
    status VARCHAR NOT NULL {_in("status", ACTION_STATUSES)},
    feedback VARCHAR,
    PRIMARY KEY (huddle_id, action_id)
);
"""

MIGRATIONS: list[tuple[int, str, str]] = [
    (13, "focus boards, their actions and the huddles that run them", _V13_FOCUS_BOARDS),
]
TABLES: tuple[str, ...] = ("focus_board", "focus_objective", "huddle", "focus_action", "huddle_action_review")
SORT_KEYS: dict[str, tuple[str, ...]] = {"huddle_action_review": ("huddle_id", "action_id")}
ENUMERATIONS: dict[tuple[str, str], tuple[str, ...]] = {
    ("focus_board", "status"): RECORD_STATUSES,
    ("focus_objective", "category"): OBJECTIVE_CATEGORIES,
    ("focus_objective", "status"): RECORD_STATUSES,
    ("focus_action", "status"): ACTION_STATUSES,
    ("focus_action", "risk_level"): RISK_LEVELS,
    ("huddle_action_review", "status"): ACTION_STATUSES,
}
