"""Schema for the leadership part of Golden Thread: its migrations, tables (export order) and export sort keys.

Kept apart from schema.py so the leadership model reads as one piece; schema.py appends these migrations.
Literal CHECK clauses only (this module must not import schema.py).

The model (LEADERSHIP.md): a framework (stable key) has immutable versions; a version holds its rating scale,
its sections (domains, actions, leverage points…), optional sub-sections, and items (skills, practices,
criteria…) with their guidance (methods, look-fors). Editing a framework writes a new version, so an assessment
made against an earlier version keeps the wording it was made against; items keep their key across versions so
trends follow them. An assessment is a person's (self) or a team's ratings of one version's items at a date, for
an organisation or network; every rater's rating is kept (a hub team's spread matters), with a strategy and its
evidence where the rating is high, and a growth edge.
"""

FRAMEWORK_STATUSES = ("active", "retired")
SUBJECTS = ("self", "team")

_V6_LEADERSHIP = """
CREATE TABLE leadership_framework (
    id INTEGER PRIMARY KEY,
    framework_key VARCHAR NOT NULL UNIQUE CHECK (length(trim(framework_key)) > 0),
    -- the organisation or network that added it; NULL for the frameworks Golden Thread ships with
    organisation_id INTEGER REFERENCES organisation(id),
    status VARCHAR NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'retired'))
);

-- Immutable once written: an edit is a new version; the one in use is 'active', earlier ones 'retired'.
CREATE TABLE leadership_framework_version (
    id INTEGER PRIMARY KEY,
    framework_id INTEGER NOT NULL REFERENCES leadership_framework(id),
    version_number INTEGER NOT NULL CHECK (version_number >= 1),
    title VARCHAR NOT NULL CHECK (length(trim(title)) > 0),
    source VARCHAR,
    description VARCHAR,
    section_word VARCHAR NOT NULL CHECK (length(trim(section_word)) > 0),
    item_word VARCHAR NOT NULL CHECK (length(trim(item_word)) > 0),
    guidance_word VARCHAR NOT NULL CHECK (length(trim(guidance_word)) > 0),
    -- a rating at or above this asks for a strategy and its evidence; NULL: never asked
    strategy_from INTEGER CHECK (strategy_from IS NULL OR strategy_from >= 1),
    effective_from DATE NOT NULL,
    author VARCHAR,
    change_note VARCHAR,
    status VARCHAR NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'retired')),
    UNIQUE (framework_id, version_number)
);

CREATE TABLE leadership_scale_level (
    version_id INTEGER NOT NULL REFERENCES leadership_framework_version(id),
    level INTEGER NOT NULL CHECK (level BETWEEN 1 AND 10),
    label VARCHAR NOT NULL CHECK (length(trim(label)) > 0),
    PRIMARY KEY (version_id, level)
);

CREATE TABLE leadership_section (
    id INTEGER PRIMARY KEY,
    version_id INTEGER NOT NULL REFERENCES leadership_framework_version(id),
    section_key VARCHAR NOT NULL CHECK (length(trim(section_key)) > 0),
    position INTEGER NOT NULL,
    title VARCHAR NOT NULL CHECK (length(trim(title)) > 0),
    description VARCHAR,
    challenges VARCHAR,
    UNIQUE (version_id, section_key)
);

-- A second level where a framework has one (the hub rubric's domain 2 has four sub-sections of skills).
CREATE TABLE leadership_subsection (
    id INTEGER PRIMARY KEY,
    section_id INTEGER NOT NULL REFERENCES leadership_section(id),
    subsection_key VARCHAR NOT NULL CHECK (length(trim(subsection_key)) > 0),
    position INTEGER NOT NULL,
    title VARCHAR NOT NULL CHECK (length(trim(title)) > 0),
    description VARCHAR,
    challenges VARCHAR,
    UNIQUE (section_id, subsection_key)
);

-- guidance: the item's methods, look-fors or questions, one per line.
CREATE TABLE leadership_item (
    id INTEGER PRIMARY KEY,
    version_id INTEGER NOT NULL REFERENCES leadership_framework_version(id),
    section_id INTEGER NOT NULL REFERENCES leadership_section(id),
    subsection_id INTEGER REFERENCES leadership_subsection(id),
    item_key VARCHAR NOT NULL CHECK (length(trim(item_key)) > 0),
    position INTEGER NOT NULL,
    title VARCHAR NOT NULL CHECK (length(trim(title)) > 0),
    guidance VARCHAR,
    UNIQUE (version_id, item_key)
);

CREATE TABLE leadership_assessment (
    id INTEGER PRIMARY KEY,
    version_id INTEGER NOT NULL REFERENCES leadership_framework_version(id),
    organisation_id INTEGER NOT NULL REFERENCES organisation(id),
    subject VARCHAR NOT NULL CHECK (subject IN ('self', 'team')),
    person VARCHAR,
    assessed_on DATE NOT NULL,
    growth_edge_item_id INTEGER REFERENCES leadership_item(id),
    growth_edge_note VARCHAR,
    entered_by VARCHAR,
    entered_at TIMESTAMP,
    CHECK (subject = 'team' OR length(trim(coalesce(person, ''))) > 0)
);

-- Every rater's rating is kept: a team's spread is part of the picture.
CREATE TABLE leadership_rating (
    assessment_id INTEGER NOT NULL REFERENCES leadership_assessment(id),
    item_id INTEGER NOT NULL REFERENCES leadership_item(id),
    rater VARCHAR NOT NULL CHECK (length(trim(rater)) > 0),
    rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 10),
    PRIMARY KEY (assessment_id, item_id, rater)
);

-- Learning from each other: challenge -> strategy -> evidence, for an item rated well.
CREATE TABLE leadership_strategy (
    id INTEGER PRIMARY KEY,
    assessment_id INTEGER NOT NULL REFERENCES leadership_assessment(id),
    item_id INTEGER NOT NULL REFERENCES leadership_item(id),
    challenge VARCHAR,
    strategy VARCHAR NOT NULL CHECK (length(trim(strategy)) > 0),
    evidence VARCHAR NOT NULL CHECK (length(trim(evidence)) > 0),
    UNIQUE (assessment_id, item_id)
);
"""

MIGRATIONS: list[tuple[int, str, str]] = [
    (6, "leadership practice: frameworks (versioned), assessments, ratings and strategies", _V6_LEADERSHIP),
]
TABLES: tuple[str, ...] = (
    "leadership_framework",
    "leadership_framework_version",
    "leadership_scale_level",
    "leadership_section",
    "leadership_subsection",
    "leadership_item",
    "leadership_assessment",
    "leadership_rating",
    "leadership_strategy",
)
SORT_KEYS: dict[str, tuple[str, ...]] = {
    "leadership_scale_level": ("version_id", "level"),
    "leadership_rating": ("assessment_id", "item_id", "rater"),
}
# Columns restricted to a closed vocabulary, for schema.ENUMERATIONS (so an import names the allowed words).
ENUMERATIONS: dict[tuple[str, str], tuple[str, ...]] = {
    ("leadership_framework", "status"): FRAMEWORK_STATUSES,
    ("leadership_framework_version", "status"): FRAMEWORK_STATUSES,
    ("leadership_assessment", "subject"): SUBJECTS,
}
