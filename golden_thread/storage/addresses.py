"""Which engine a database's address names: a DuckDB file, or a PostgreSQL database (issue 19)."""

from __future__ import annotations

import os
import re

POSTGRES_SCHEMES = ("postgresql://", "postgres://")
# libpq's other form of address, ``host=db.internal dbname=golden_thread``: never a file's name.
_KEYWORD_ADDRESS = re.compile(r"\s*(host|hostaddr|port|dbname|user|service)\s*=")


def is_postgres_address(address: str | os.PathLike) -> bool:
    """Whether ``--db`` or ``GOLDEN_THREAD_DB`` names a PostgreSQL database (``postgresql://…``, or libpq's
    ``host=… dbname=…``) rather than a DuckDB file."""
    text = str(address)
    return text.startswith(POSTGRES_SCHEMES) or _KEYWORD_ADDRESS.match(text) is not None
