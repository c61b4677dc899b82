"""Where the database lives: ``GOLDEN_THREAD_DB`` if set, else ``data/golden_thread.duckdb``."""

from __future__ import annotations

import os

DEFAULT_DB = "data/golden_thread.duckdb"


def default_db_path() -> str:
    return os.environ.get("GOLDEN_THREAD_DB") or DEFAULT_DB
