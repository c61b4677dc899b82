"""The golden-thread data model as versioned DuckDB migrations.

Each migration is applied once, in order, inside one transaction, and recorded in ``schema_version``;
an older database file is upgraded in place when it is opened. Migrations are never edited once
released: a change to the model is a new migration appended to ``MIGRATIONS``.

Vocabulary follows ``DOMAIN.md`` (Decisions 1-10): the thread runs organisation -> strategic objective
-> system-level aim -> driver diagram (versioned) -> primary/secondary drivers -> change ideas ->
projects -> PDSA cycles, with measures attached at every level.
"""

from __future__ import annotations

from golden_thread.domain.enumerations import (  # the closed vocabularies the CHECK constraints enforce
    ACT_DECISIONS,
    CHART_TYPES,
    DIRECTIONS,
    DRIVER_LEVELS,
    FREQUENCIES,
    LINK_STRENGTHS,
    MEASURE_TYPES,
    OBJECTIVE_CATEGORIES,
    OBSERVATION_STATUSES,
    ORGANISATION_KINDS,
    PDSA_PURPOSES,
    PROJECT_STATUSES,
    RECORD_STATUSES,
    ROLES,
    RULE_SETS,
    VOCABULARIES,
)


def _in(column: str, values: tuple[str, ...]) -> str:
    """A CHECK clause restricting ``column`` to a closed vocabulary (literals are ours, not user input)."""
    quoted = ", ".join(f"'{v}'" for v in values)
    return f"CHECK ({column} IN ({quoted}))"


_V1_CORE = f"""
CREATE TABLE organisation (
    id INTEGER PRIMARY KEY,
    name VARCHAR NOT NULL CHECK (length(trim(name)) > 0),
    kind VARCHAR NOT NULL {_in("kind", ORGANISATION_KINDS)},
    parent_id INTEGER REFERENCES organisation(id),
    vocabulary VARCHAR NOT NULL DEFAULT 'health' {_in("vocabulary", VOCABULARIES)}
);

CREATE TABLE network_membership (
    network_id INTEGER NOT NULL REFERENCES organisation(id),
    member_id INTEGER NOT NULL REFERENCES organisation(id),
    joined_on DATE NOT NULL,
    left_on DATE,
    PRIMARY KEY (network_id, member_id),
    CHECK (left_on IS NULL OR left_on >= joined_on)
);

CREATE TABLE strategic_objective (
    id INTEGER PRIMARY KEY,
    organisation_id INTEGER NOT NULL REFERENCES organisation(id),
    title VARCHAR NOT NULL CHECK (length(trim(title)) > 0),
    category VARCHAR NOT NULL {_in("category", OBJECTIVE_CATEGORIES)},
    description VARCHAR,
    status VARCHAR NOT NULL DEFAULT 'active' {_in("status", RECORD_STATUSES)}
);

CREATE TABLE aim (
    id INTEGER PRIMARY KEY,
    objective_id INTEGER NOT NULL REFERENCES strategic_objective(id),
    title VARCHAR NOT NULL CHECK (length(trim(title)) > 0),
    statement VARCHAR,
    population VARCHAR,
    location VARCHAR,
    baseline_value DOUBLE,
    baseline_period VARCHAR,
    target_value DOUBLE,
    target_date DATE,
    responsible_leader VARCHAR,
    adopted_on DATE,
    status VARCHAR NOT NULL DEFAULT 'active' {_in("status", RECORD_STATUSES)}
);

CREATE TABLE driver_diagram (
    id INTEGER PRIMARY KEY,
    aim_id INTEGER NOT NULL REFERENCES aim(id),
    title VARCHAR NOT NULL CHECK (length(trim(title)) > 0)
);

CREATE TABLE driver_diagram_version (
    id INTEGER PRIMARY KEY,
    diagram_id INTEGER NOT NULL REFERENCES driver_diagram(id),
    version_number INTEGER NOT NULL CHECK (version_number >= 1),
    effective_from DATE NOT NULL,
    author VARCHAR,
    change_note VARCHAR,
    status VARCHAR NOT NULL DEFAULT 'active' {_in("status", RECORD_STATUSES)},
    UNIQUE (diagram_id, version_number)
);

-- A driver belongs to one diagram version; node_key is stable across versions (DOMAIN Decision 4).
CREATE TABLE driver (
    id INTEGER PRIMARY KEY,
    version_id INTEGER NOT NULL REFERENCES driver_diagram_version(id),
    node_key VARCHAR NOT NULL,
    level VARCHAR NOT NULL {_in("level", DRIVER_LEVELS)},
    title VARCHAR NOT NULL CHECK (length(trim(title)) > 0),
    description VARCHAR,
    UNIQUE (version_id, node_key)
);

-- Secondary drivers may serve several primary drivers, with a strength (DOMAIN 2.1).
CREATE TABLE driver_link (
    parent_driver_id INTEGER NOT NULL REFERENCES driver(id),
    child_driver_id INTEGER NOT NULL REFERENCES driver(id),
    strength VARCHAR NOT NULL DEFAULT 'strong' {_in("strength", LINK_STRENGTHS)},
    PRIMARY KEY (parent_driver_id, child_driver_id),
    CHECK (parent_driver_id <> child_driver_id)
);

CREATE TABLE change_idea (
    id INTEGER PRIMARY KEY,
    version_id INTEGER NOT NULL REFERENCES driver_diagram_version(id),
    node_key VARCHAR NOT NULL,
    title VARCHAR NOT NULL CHECK (length(trim(title)) > 0),
    description VARCHAR,
    UNIQUE (version_id, node_key)
);

CREATE TABLE change_idea_driver (
    change_idea_id INTEGER NOT NULL REFERENCES change_idea(id),
    driver_id INTEGER NOT NULL REFERENCES driver(id),
    strength VARCHAR NOT NULL DEFAULT 'strong' {_in("strength", LINK_STRENGTHS)},
    PRIMARY KEY (change_idea_id, driver_id)
);

CREATE TABLE project (
    id INTEGER PRIMARY KEY,
    team_id INTEGER NOT NULL REFERENCES organisation(id),
    title VARCHAR NOT NULL CHECK (length(trim(title)) > 0),
    lead VARCHAR,
    sponsor VARCHAR,
    status VARCHAR NOT NULL DEFAULT 'planning' {_in("status", PROJECT_STATUSES)},
    start_date DATE,
    end_date DATE,
    local_aim VARCHAR,
    progress_score DOUBLE CHECK (progress_score IS NULL OR
        (progress_score BETWEEN 0.5 AND 5.0 AND progress_score * 2 = floor(progress_score * 2))),
    CHECK (end_date IS NULL OR start_date IS NULL OR end_date >= start_date)
);

-- A project's links into the thread: exactly one target per row; at most one row per project is primary
-- (DOMAIN Decision 2). The primary link is drawn in the tree, the others listed as "also contributes to".
CREATE TABLE project_link (
    project_id INTEGER NOT NULL REFERENCES project(id),
    is_primary BOOLEAN NOT NULL,
    aim_id INTEGER REFERENCES aim(id),
    driver_id INTEGER REFERENCES driver(id),
    change_idea_id INTEGER REFERENCES change_idea(id),
    CHECK ((aim_id IS NOT NULL)::INTEGER + (driver_id IS NOT NULL)::INTEGER
           + (change_idea_id IS NOT NULL)::INTEGER = 1)
);

CREATE TABLE pdsa_cycle (
    id INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES project(id),
    change_idea_id INTEGER REFERENCES change_idea(id),
    builds_on_id INTEGER REFERENCES pdsa_cycle(id),
    cycle_number INTEGER CHECK (cycle_number IS NULL OR cycle_number >= 1),
    title VARCHAR NOT NULL CHECK (length(trim(title)) > 0),
    purpose VARCHAR {_in("purpose", PDSA_PURPOSES)},
    objective VARCHAR,
    questions VARCHAR,
    prediction VARCHAR,
    plan VARCHAR,
    do_notes VARCHAR,
    study_notes VARCHAR,
    act_decision VARCHAR {_in("act_decision", ACT_DECISIONS)},
    act_notes VARCHAR,
    scale_up BOOLEAN NOT NULL DEFAULT false,
    implement BOOLEAN NOT NULL DEFAULT false,
    scale VARCHAR,
    start_date DATE NOT NULL,
    end_date DATE,
    CHECK (end_date IS NULL OR end_date >= start_date)
);

CREATE TABLE measure (
    id INTEGER PRIMARY KEY,
    name VARCHAR NOT NULL CHECK (length(trim(name)) > 0),
    measure_type VARCHAR NOT NULL {_in("measure_type", MEASURE_TYPES)},
    aim_id INTEGER REFERENCES aim(id),
    driver_id INTEGER REFERENCES driver(id),
    project_id INTEGER REFERENCES project(id),
    definition VARCHAR,
    numerator_definition VARCHAR,
    denominator_definition VARCHAR,
    inclusions VARCHAR,
    exclusions VARCHAR,
    data_source VARCHAR,
    owner VARCHAR,
    unit VARCHAR,
    frequency VARCHAR NOT NULL {_in("frequency", FREQUENCIES)},
    chart_type VARCHAR NOT NULL {_in("chart_type", CHART_TYPES)},
    rules VARCHAR NOT NULL DEFAULT 'mdc' {_in("rules", RULE_SETS)},
    improvement_direction VARCHAR NOT NULL DEFAULT 'increase' {_in("improvement_direction", DIRECTIONS)},
    target_value DOUBLE,
    multiplier DOUBLE NOT NULL DEFAULT 1 CHECK (multiplier > 0),
    decimal_places INTEGER NOT NULL DEFAULT 1 CHECK (decimal_places BETWEEN 0 AND 6),
    expected_lag_days INTEGER NOT NULL DEFAULT 30 CHECK (expected_lag_days >= 0),
    status VARCHAR NOT NULL DEFAULT 'active' {_in("status", RECORD_STATUSES)},
    CHECK ((aim_id IS NOT NULL)::INTEGER + (driver_id IS NOT NULL)::INTEGER
           + (project_id IS NOT NULL)::INTEGER = 1)
);

-- Aggregate data only (DOMAIN Decision 6): a value, or a numerator and denominator, per period.
CREATE TABLE observation (
    measure_id INTEGER NOT NULL REFERENCES measure(id),
    period_start DATE NOT NULL,
    value DOUBLE,
    numerator DOUBLE CHECK (numerator IS NULL OR numerator >= 0),
    denominator DOUBLE CHECK (denominator IS NULL OR denominator > 0),
    note VARCHAR,
    status VARCHAR NOT NULL DEFAULT 'validated' {_in("status", OBSERVATION_STATUSES)},
    entered_by VARCHAR,
    entered_at TIMESTAMP,
    PRIMARY KEY (measure_id, period_start),
    CHECK ((value IS NOT NULL) OR (numerator IS NOT NULL AND denominator IS NOT NULL)),
    CHECK ((numerator IS NULL) = (denominator IS NULL)),
    CHECK (isfinite(coalesce(value, 0)) AND isfinite(coalesce(numerator, 0))
           AND isfinite(coalesce(denominator, 1)))
);
"""

_V2_CHART_CHANGES = """
-- A chart phase starts at a period, with its reason (a rebase: new centre line and limits).
CREATE TABLE chart_phase (
    measure_id INTEGER NOT NULL REFERENCES measure(id),
    starts_on DATE NOT NULL,
    reason VARCHAR NOT NULL CHECK (length(trim(reason)) > 0),
    created_by VARCHAR,
    created_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    PRIMARY KEY (measure_id, starts_on)
);

-- An excluded point stays on the chart but is left out of the centre line, limits and runs analysis.
CREATE TABLE point_exclusion (
    measure_id INTEGER NOT NULL REFERENCES measure(id),
    period_start DATE NOT NULL,
    reason VARCHAR NOT NULL CHECK (length(trim(reason)) > 0),
    created_by VARCHAR,
    created_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    PRIMARY KEY (measure_id, period_start)
);

CREATE TABLE annotation (
    id INTEGER PRIMARY KEY,
    measure_id INTEGER NOT NULL REFERENCES measure(id),
    on_date DATE NOT NULL,
    text VARCHAR NOT NULL CHECK (length(trim(text)) > 0)
);
"""

_V3_USERS_AND_AUDIT = f"""
CREATE TABLE app_user (
    username VARCHAR PRIMARY KEY CHECK (length(trim(username)) > 0),
    display_name VARCHAR NOT NULL,
    role VARCHAR NOT NULL {_in("role", ROLES)},
    organisation_id INTEGER REFERENCES organisation(id),
    password_hash VARCHAR,
    active BOOLEAN NOT NULL DEFAULT true
);

CREATE TABLE audit_log (
    id BIGINT PRIMARY KEY,
    occurred_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    username VARCHAR,
    action VARCHAR NOT NULL,
    entity_type VARCHAR NOT NULL,
    entity_key VARCHAR NOT NULL,
    before_json VARCHAR,
    after_json VARCHAR,
    reason VARCHAR
);
"""

# What the board saw, frozen when a month's board pack is published (DOMAIN §7.4): later corrections to the
# data never rewrite it. Each frame is kept as polars JSON records; golden_thread.services.board owns their schemas.
_V4_BOARD_SNAPSHOTS = """
CREATE TABLE board_snapshot (
    month DATE PRIMARY KEY,
    published_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    published_by VARCHAR NOT NULL,
    aims_json VARCHAR NOT NULL,
    measures_json VARCHAR NOT NULL,
    points_json VARCHAR NOT NULL
);
"""

# Settings of this database, such as whether it holds the demo organisation (which shows the demo sign-ins).
_V5_SETTINGS = """
CREATE TABLE app_setting (
    key VARCHAR PRIMARY KEY,
    value VARCHAR NOT NULL
);
"""

# Columns restricted to a closed vocabulary, so an import can say which words are allowed.
ENUMERATIONS: dict[tuple[str, str], tuple[str, ...]] = {
    ("organisation", "kind"): ORGANISATION_KINDS,
    ("organisation", "vocabulary"): VOCABULARIES,
    ("strategic_objective", "category"): OBJECTIVE_CATEGORIES,
    ("strategic_objective", "status"): RECORD_STATUSES,
    ("aim", "status"): RECORD_STATUSES,
    ("driver_diagram_version", "status"): RECORD_STATUSES,
    ("driver", "level"): DRIVER_LEVELS,
    ("driver_link", "strength"): LINK_STRENGTHS,
    ("change_idea_driver", "strength"): LINK_STRENGTHS,
    ("project", "status"): PROJECT_STATUSES,
    ("pdsa_cycle", "purpose"): PDSA_PURPOSES,
    ("pdsa_cycle", "act_decision"): ACT_DECISIONS,
    ("measure", "measure_type"): MEASURE_TYPES,
    ("measure", "frequency"): FREQUENCIES,
    ("measure", "chart_type"): CHART_TYPES,
    ("measure", "rules"): RULE_SETS,
    ("measure", "improvement_direction"): DIRECTIONS,
    ("measure", "status"): RECORD_STATUSES,
    ("observation", "status"): OBSERVATION_STATUSES,
    ("app_user", "role"): ROLES,
}

from golden_thread.storage.schema_focus import ENUMERATIONS as _FOCUS_ENUMERATIONS  # noqa: E402
from golden_thread.storage.schema_focus import MIGRATIONS as _FOCUS_MIGRATIONS  # noqa: E402
from golden_thread.storage.schema_leadership import ENUMERATIONS as _LEADERSHIP_ENUMERATIONS  # noqa: E402
from golden_thread.storage.schema_leadership import MIGRATIONS as _LEADERSHIP_MIGRATIONS  # noqa: E402
from golden_thread.storage.schema_network import MIGRATIONS as _NETWORK_MIGRATIONS  # noqa: E402

ENUMERATIONS.update(_LEADERSHIP_ENUMERATIONS)
ENUMERATIONS.update(_FOCUS_ENUMERATIONS)

# One organisation at a time: a board snapshot is an organisation's month (a trust and a network each publish
# their own), and every audit record names the organisation it happened in. Rows already there keep the
# organisation of the person who wrote them (the top of their organisation: their trust or their network).
_PUBLISHERS_ORGANISATION = """
    WITH RECURSIVE up(username, id, kind, parent_id, depth) AS (
        SELECT u.username, o.id, o.kind, o.parent_id, 0 FROM app_user u JOIN organisation o ON o.id = u.organisation_id
        UNION ALL
        SELECT up.username, o.id, o.kind, o.parent_id, up.depth + 1 FROM organisation o JOIN up ON o.id = up.parent_id
        WHERE up.kind <> 'network' AND up.depth < 64
    ), top AS (
        SELECT username, arg_max(id, depth) AS organisation_id FROM up GROUP BY username
    )
"""
_V8_ORGANISATION_SCOPE = f"""
CREATE TABLE board_snapshot_by_organisation (
    organisation_id INTEGER NOT NULL REFERENCES organisation(id),
    month DATE NOT NULL,
    published_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    published_by VARCHAR NOT NULL,
    aims_json VARCHAR NOT NULL,
    measures_json VARCHAR NOT NULL,
    points_json VARCHAR NOT NULL,
    PRIMARY KEY (organisation_id, month)
);
INSERT INTO board_snapshot_by_organisation
{_PUBLISHERS_ORGANISATION}
SELECT coalesce(top.organisation_id, (SELECT min(id) FROM organisation WHERE parent_id IS NULL)), s.month,
       s.published_at, s.published_by, s.aims_json, s.measures_json, s.points_json
FROM board_snapshot s LEFT JOIN top ON top.username = s.published_by;
DROP TABLE board_snapshot;
ALTER TABLE board_snapshot_by_organisation RENAME TO board_snapshot;
ALTER TABLE audit_log ADD COLUMN organisation_id INTEGER;
UPDATE audit_log SET organisation_id = owner.organisation_id FROM (
    {_PUBLISHERS_ORGANISATION} SELECT * FROM top
) owner WHERE owner.username = audit_log.username;
"""

# The thread's records are edited in the app (issue 15). DuckDB (2.0) cannot update a foreign-key column of a row
# that other rows reference (it rewrites the update as a delete and an insert), nor any column of a measure with data
# under its CHECK over its foreign keys. So a measure with data could not be retired or moved, a project with cycles
# could not pass to another team, and a driver's measures could not follow it into a new diagram version. These
# tables are rebuilt, rows unchanged, with the columns a person edits as plain columns: a measure's aim, driver and
# project, a project's team, a cycle's change idea and the cycle it builds on. The store holds those rules instead:
# a write names a parent in the writer's organisation (``Store.require_in_scope``), and a whole import is checked
# (``Store._check_references``).
_REBUILT = ("member_measure", "annotation", "point_exclusion", "chart_phase", "observation", "measure")
_REBUILT += ("pdsa_cycle", "project_link", "project")  # referencing tables first: the order they are dropped in
_V9_EDITABLE_RECORDS = (
    "".join(f"CREATE TEMP TABLE kept_{t} AS SELECT * FROM {t};\n" for t in _REBUILT)
    + "".join(f"DROP TABLE {t};\n" for t in _REBUILT)
    + f"""
CREATE TABLE project (
    id INTEGER PRIMARY KEY,
    team_id INTEGER NOT NULL,
    title VARCHAR NOT NULL CHECK (length(trim(title)) > 0),
    lead VARCHAR,
    sponsor VARCHAR,
    status VARCHAR NOT NULL DEFAULT 'planning' {_in("status", PROJECT_STATUSES)},
    start_date DATE,
    end_date DATE,
    local_aim VARCHAR,
    progress_score DOUBLE CHECK (progress_score IS NULL OR
        (progress_score BETWEEN 0.5 AND 5.0 AND progress_score * 2 = floor(progress_score * 2))),
    CHECK (end_date IS NULL OR start_date IS NULL OR end_date >= start_date)
);
CREATE TABLE project_link (
    project_id INTEGER NOT NULL REFERENCES project(id),
    is_primary BOOLEAN NOT NULL,
    aim_id INTEGER REFERENCES aim(id),
    driver_id INTEGER REFERENCES driver(id),
    change_idea_id INTEGER REFERENCES change_idea(id),
    CHECK ((aim_id IS NOT NULL)::INTEGER + (driver_id IS NOT NULL)::INTEGER
           + (change_idea_id IS NOT NULL)::INTEGER = 1)
);
CREATE TABLE pdsa_cycle (
    id INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES project(id),
    change_idea_id INTEGER,
    builds_on_id INTEGER,
    cycle_number INTEGER CHECK (cycle_number IS NULL OR cycle_number >= 1),
    title VARCHAR NOT NULL CHECK (length(trim(title)) > 0),
    purpose VARCHAR {_in("purpose", PDSA_PURPOSES)},
    objective VARCHAR,
    questions VARCHAR,
    prediction VARCHAR,
    plan VARCHAR,
    do_notes VARCHAR,
    study_notes VARCHAR,
    act_decision VARCHAR {_in("act_decision", ACT_DECISIONS)},
    act_notes VARCHAR,
    scale_up BOOLEAN NOT NULL DEFAULT false,
    implement BOOLEAN NOT NULL DEFAULT false,
    scale VARCHAR,
    start_date DATE NOT NULL,
    end_date DATE,
    CHECK (end_date IS NULL OR end_date >= start_date),
    CHECK (builds_on_id IS NULL OR builds_on_id <> id)
);
CREATE TABLE measure (
    id INTEGER PRIMARY KEY,
    name VARCHAR NOT NULL CHECK (length(trim(name)) > 0),
    measure_type VARCHAR NOT NULL {_in("measure_type", MEASURE_TYPES)},
    aim_id INTEGER,
    driver_id INTEGER,
    project_id INTEGER,
    definition VARCHAR,
    numerator_definition VARCHAR,
    denominator_definition VARCHAR,
    inclusions VARCHAR,
    exclusions VARCHAR,
    data_source VARCHAR,
    owner VARCHAR,
    unit VARCHAR,
    frequency VARCHAR NOT NULL {_in("frequency", FREQUENCIES)},
    chart_type VARCHAR NOT NULL {_in("chart_type", CHART_TYPES)},
    rules VARCHAR NOT NULL DEFAULT 'mdc' {_in("rules", RULE_SETS)},
    improvement_direction VARCHAR NOT NULL DEFAULT 'increase' {_in("improvement_direction", DIRECTIONS)},
    target_value DOUBLE,
    multiplier DOUBLE NOT NULL DEFAULT 1 CHECK (multiplier > 0),
    decimal_places INTEGER NOT NULL DEFAULT 1 CHECK (decimal_places BETWEEN 0 AND 6),
    expected_lag_days INTEGER NOT NULL DEFAULT 30 CHECK (expected_lag_days >= 0),
    status VARCHAR NOT NULL DEFAULT 'active' {_in("status", RECORD_STATUSES)}
);
CREATE TABLE observation (
    measure_id INTEGER NOT NULL REFERENCES measure(id),
    period_start DATE NOT NULL,
    value DOUBLE,
    numerator DOUBLE CHECK (numerator IS NULL OR numerator >= 0),
    denominator DOUBLE CHECK (denominator IS NULL OR denominator > 0),
    note VARCHAR,
    status VARCHAR NOT NULL DEFAULT 'validated' {_in("status", OBSERVATION_STATUSES)},
    entered_by VARCHAR,
    entered_at TIMESTAMP,
    PRIMARY KEY (measure_id, period_start),
    CHECK ((value IS NOT NULL) OR (numerator IS NOT NULL AND denominator IS NOT NULL)),
    CHECK ((numerator IS NULL) = (denominator IS NULL)),
    CHECK (isfinite(coalesce(value, 0)) AND isfinite(coalesce(numerator, 0))
           AND isfinite(coalesce(denominator, 1)))
);
CREATE TABLE chart_phase (
    measure_id INTEGER NOT NULL REFERENCES measure(id),
    starts_on DATE NOT NULL,
    reason VARCHAR NOT NULL CHECK (length(trim(reason)) > 0),
    created_by VARCHAR,
    created_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    PRIMARY KEY (measure_id, starts_on)
);
CREATE TABLE point_exclusion (
    measure_id INTEGER NOT NULL REFERENCES measure(id),
    period_start DATE NOT NULL,
    reason VARCHAR NOT NULL CHECK (length(trim(reason)) > 0),
    created_by VARCHAR,
    created_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    PRIMARY KEY (measure_id, period_start)
);
CREATE TABLE annotation (
    id INTEGER PRIMARY KEY,
    measure_id INTEGER NOT NULL REFERENCES measure(id),
    on_date DATE NOT NULL,
    text VARCHAR NOT NULL CHECK (length(trim(text)) > 0)
);
CREATE TABLE member_measure (
    measure_id INTEGER PRIMARY KEY REFERENCES measure(id),
    uniform_measure_id INTEGER NOT NULL REFERENCES measure(id),
    member_id INTEGER NOT NULL REFERENCES organisation(id),
    UNIQUE (uniform_measure_id, member_id),
    CHECK (measure_id <> uniform_measure_id)
);
"""
    + "".join(f"INSERT INTO {t} SELECT * FROM kept_{t};\nDROP TABLE kept_{t};\n" for t in reversed(_REBUILT))
)

# A sign-in lasts a working session across reloads and new tabs (issue 16): the browser keeps a random token in a
# cookie and this table keeps only its SHA-256, whose account it signs in, and until when. Signing out stamps
# revoked_at on every session of the account ("everywhere"), as does deactivating it. Not organisation data: it is
# neither exported nor scoped (``storage/accounts.py`` reads it through the whole database).
_V10_SIGN_IN_SESSIONS = """
CREATE TABLE sign_in_session (
    token_hash VARCHAR PRIMARY KEY CHECK (length(token_hash) = 64),
    username VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP,
    CHECK (expires_at > created_at)
);
"""

# Failed sign-ins (issue 20): a lock per username and a slowing per address, the same in every browser session and
# after a restart (``services/sign_ins.py`` holds the policy). Each row is one refused password: the username as
# typed (an account's or not: nothing is created for a name that is no account), the address it came from, and when
# a successful sign-in or an administrator's unlock cleared it. Times are local, as the audit trail's. Not the
# organisation's data: neither exported nor scoped; each failure is also in the audit trail.
_V11_SIGN_IN_FAILURES = """
CREATE TABLE sign_in_failure (
    attempted_at TIMESTAMP NOT NULL,
    username VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    cleared_at TIMESTAMP
);
"""

# The data's version, kept in the file (issue 20): the app lets go of the file between pages and a command may write
# meanwhile, so the version the app keys its cached charts and boards by must travel with the data. One row: the
# database's random generation (given by its first write) and a count every committed write moves on
# (``Store._transaction``). Sign-ins are not data and leave it as it is. Not organisation data: neither exported nor
# scoped; a backup carries it, so a restored database names its data as it was when backed up.
_V12_DATA_VERSION = """
CREATE TABLE data_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    generation VARCHAR NOT NULL,
    version BIGINT NOT NULL CHECK (version > 0)
);
"""
DATA_VERSION_SINCE = 12

# Each table's data version (issue 18): every committed write stamps the tables it changed with the version it moved
# the data on to (``table_versions.STAMP_TABLES``), so what was computed from other tables is kept. A row named "*"
# stands for every table (a write not read table by table). Like ``data_version``, not organisation data.
_V14_TABLE_VERSIONS = """
CREATE TABLE table_version (
    table_name VARCHAR PRIMARY KEY,
    version BIGINT NOT NULL CHECK (version > 0)
);
"""
TABLE_VERSIONS_SINCE = 14

# (version, description, sql). Append only.
MIGRATIONS: list[tuple[int, str, str]] = [
    (1, "golden-thread core: organisations to observations", _V1_CORE),
    (2, "chart phases, excluded points and annotations", _V2_CHART_CHANGES),
    (3, "users and the audit log", _V3_USERS_AND_AUDIT),
    (4, "published board snapshots", _V4_BOARD_SNAPSHOTS),
    (5, "settings", _V5_SETTINGS),
    *_LEADERSHIP_MIGRATIONS,  # 6
    *_NETWORK_MIGRATIONS,  # 7
    (8, "board snapshots and audit records belong to an organisation", _V8_ORGANISATION_SCOPE),
    (9, "measures, projects and PDSA cycles can be edited, moved and retired in the app", _V9_EDITABLE_RECORDS),
    (10, "sign-ins that last across reloads and new tabs", _V10_SIGN_IN_SESSIONS),
    (11, "failed sign-ins lock a username and slow an address", _V11_SIGN_IN_FAILURES),
    (DATA_VERSION_SINCE, "the data version every program sharing the file reads", _V12_DATA_VERSION),
    *_FOCUS_MIGRATIONS,  # 13
    (TABLE_VERSIONS_SINCE, "each table's data version, so a write recomputes only what read it", _V14_TABLE_VERSIONS),
]

LATEST_VERSION = MIGRATIONS[-1][0]
