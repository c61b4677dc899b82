"""Schema for the network part of Golden Thread: its migrations, tables (export order) and export sort keys.

Kept apart from schema.py so the network model reads as one piece; schema.py appends these migrations.
Literal CHECK clauses only (this module must not import schema.py).

The model (DOMAIN §6.2) reuses the core tables as far as they go and adds only the two links they lack:

- a **network** is an ``organisation`` of kind 'network' (the hub); its **members** are organisations beneath
  it (a school is kind 'division', its improvement teams kind 'team'), each with the dates it joined and left
  in ``network_membership``;
- the **network aim** is an ``aim`` whose objective belongs to the network; its **shared driver diagram** is
  that aim's ``driver_diagram``, versioned with stable node keys like every other diagram;
- a **local aim** is an ``aim`` that specialises the network aim for one member (``local_aim``);
- a **uniform measure** is a ``measure`` on the network aim, defined once by the hub; each member reports it
  in a measure row of its own on its local aim (``member_measure``), so every member's data sit in
  ``observation`` exactly as any other measure's do. A member's **local measures** are its projects' measures.

Both links are new tables rather than columns on ``aim`` and ``measure``: DuckDB (2.0) adds a column to a
table that others reference, but not a column with a foreign key, and these links must be foreign keys.
"""

_V7_NETWORKS = """
-- A local aim specialises a network aim for one member: its own baseline, target and wording, measured with
-- the hub's definitions (DOMAIN 6.2). One local aim per member per network aim.
CREATE TABLE local_aim (
    aim_id INTEGER PRIMARY KEY REFERENCES aim(id),
    network_aim_id INTEGER NOT NULL REFERENCES aim(id),
    member_id INTEGER NOT NULL REFERENCES organisation(id),
    UNIQUE (network_aim_id, member_id),
    CHECK (aim_id <> network_aim_id)
);

-- A member's report of a uniform measure: measure_id is the member's own measure row (its data), and
-- uniform_measure_id the hub's definition it follows. One row per member per uniform measure.
CREATE TABLE member_measure (
    measure_id INTEGER PRIMARY KEY REFERENCES measure(id),
    uniform_measure_id INTEGER NOT NULL REFERENCES measure(id),
    member_id INTEGER NOT NULL REFERENCES organisation(id),
    UNIQUE (uniform_measure_id, member_id),
    CHECK (measure_id <> uniform_measure_id)
);
"""

MIGRATIONS: list[tuple[int, str, str]] = [
    (7, "networks: local aims and members' reports of uniform measures", _V7_NETWORKS),
]
TABLES: tuple[str, ...] = ("local_aim", "member_measure")
SORT_KEYS: dict[str, tuple[str, ...]] = {
    "local_aim": ("aim_id",),
    "member_measure": ("measure_id",),
}
