"""Shared fixtures: every test gets its own temporary database; nothing touches data/."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from golden_thread.store import Store

ROOT = Path(__file__).resolve().parent.parent
DEMO_TODAY = dt.date(2026, 11, 23)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    opened = Store(tmp_path / "test.duckdb")
    yield opened
    opened.close()


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database file holding the demo trust, built once per test session (copy it to change it)."""
    from golden_thread.loading import load_demo

    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    demo = Store(path)
    load_demo(demo, today=DEMO_TODAY)
    demo.close()
    return path
