"""Which engine a database's address names: a DuckDB file, or a PostgreSQL database (issue 19)."""

from __future__ import annotations

import os

POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def is_postgres_address(address: str | os.PathLike) -> bool:
    """Whether ``--db`` or ``GOLDEN_THREAD_DB`` names a PostgreSQL database rather than a DuckDB file."""
    return str(address).startswith(POSTGRES_SCHEMES)
