"""Log every statement the storage layer sends to DuckDB, with its parameters, its outcome and its result.

Used two ways: as a pytest plugin (``-p sqllog`` with this folder on PYTHONPATH; the log of each test goes to
``$SQLLOG_DIR/<test file>.pkl``) and from ``capture_demo.py`` (``install()`` then ``dump()``).

Connections are wrapped where the store opens them (``connection.open_database``); a wrapped cursor records
``execute``/``sql``/``register`` calls and what the caller fetched. Nothing in the repository is edited.
"""

from __future__ import annotations

import os
import pickle
import re
from pathlib import Path

import duckdb
import polars as pl
import pytest

EVENTS: list[tuple] = []  # (kind, connection key, ...) in the order they happened
_KEYS: dict[int, str] = {}
_N = [0]


def _key(connection, path: str) -> str:
    if id(connection) not in _KEYS:
        _N[0] += 1
        # One DuckDB instance per file within a process: same path, same database. ":memory:" is private.
        _KEYS[id(connection)] = f"mem{_N[0]}" if path == ":memory:" else "file_" + re.sub(r"\W", "_", path)[-40:]
    return _KEYS[id(connection)]


def _rows(value):
    if isinstance(value, pl.DataFrame):
        return [tuple(r) for r in value.rows()]
    if isinstance(value, tuple):
        return [value]
    if value is None:
        return []
    return [tuple(r) for r in value]


class _Relation:
    """Stands in for a DuckDBPyRelation: materialised once, so the rows can be logged."""

    def __init__(self, event: list, relation):
        self._table = relation.to_arrow_table()
        event[5] = _rows(pl.from_arrow(self._table)) if self._table.num_rows < 5000 else None

    def pl(self):
        return pl.from_arrow(self._table)

    def to_arrow_table(self):
        return self._table

    def fetchall(self):
        return [tuple(r) for r in pl.from_arrow(self._table).rows()]


class Logged:
    def __init__(self, inner, key: str):
        self._inner = inner
        self._key = key
        self._last: list | None = None

    def cursor(self):
        return Logged(self._inner.cursor(), self._key)

    def _log(self, method: str, sql: str, params):
        event = ["sql", self._key, method, sql, params, None, None]  # ..., result rows, error text
        EVENTS.append(event)
        self._last = event
        return event

    def execute(self, sql, parameters=None, *args, **kwargs):
        event = self._log("execute", sql, parameters)
        try:
            self._inner.execute(sql, parameters, *args, **kwargs)
        except duckdb.Error as error:
            event[6] = f"{type(error).__name__}: {error}"
            raise
        return self

    def sql(self, sql, *args, params=None, **kwargs):
        event = self._log("sql", sql, params)
        try:
            relation = self._inner.sql(sql, *args, params=params, **kwargs)
            return _Relation(event, relation) if relation is not None else None
        except duckdb.Error as error:
            event[6] = f"{type(error).__name__}: {error}"
            raise

    def fetchone(self):
        row = self._inner.fetchone()
        if self._last is not None and self._last[5] is None:
            self._last[5] = ("one", _rows(row))
        return row

    def fetchall(self):
        rows = self._inner.fetchall()
        if self._last is not None and self._last[5] is None:
            self._last[5] = ("all", _rows(rows))
        return rows

    def register(self, name, table):
        EVENTS.append(["register", self._key, name, table])
        return self._inner.register(name, table)

    def unregister(self, name):
        EVENTS.append(["unregister", self._key, name])
        return self._inner.unregister(name)

    def __getattr__(self, name):
        return getattr(self._inner, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return self._inner.__exit__(*exc)


def install() -> None:
    from golden_thread.storage import connection as connection_module
    from golden_thread.storage import opening

    original = opening.open_database

    def logged_open(path, *args, **kwargs):
        inner = original(path, *args, **kwargs)
        return Logged(inner, _key(inner, str(path)))

    connection_module.open_database = logged_open


def dump(path: str | Path, events: list | None = None) -> None:
    with open(path, "wb") as out:
        pickle.dump(events if events is not None else EVENTS, out)


# -- pytest plugin -------------------------------------------------------------------------------------------------

_BY_TEST: dict[str, list] = {}


def pytest_configure(config):
    install()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    EVENTS.clear()
    _KEYS.clear()


def pytest_runtest_teardown(item, nextitem):
    _BY_TEST[item.nodeid] = list(EVENTS)
    EVENTS.clear()


def pytest_sessionfinish(session, exitstatus):
    folder = Path(os.environ.get("SQLLOG_DIR", "/tmp/pgspike/logs"))
    folder.mkdir(parents=True, exist_ok=True)
    files: dict[str, dict] = {}
    for nodeid, events in _BY_TEST.items():
        files.setdefault(nodeid.split("::")[0].replace("/", "_"), {})[nodeid] = events
    for name, tests in files.items():
        with open(folder / f"{name}.pkl", "wb") as out:
            pickle.dump(tests, out)
