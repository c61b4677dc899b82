"""Schema for the leadership part of Golden Thread: its migrations, tables (export order) and export sort keys.

Kept apart from schema.py so the leadership model reads as one piece; schema.py appends these migrations.
Literal CHECK clauses only (this module must not import schema.py).
"""

MIGRATIONS: list[tuple[int, str, str]] = []
TABLES: tuple[str, ...] = ()
SORT_KEYS: dict[str, tuple[str, ...]] = {}
