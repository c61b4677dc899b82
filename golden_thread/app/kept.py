"""What the screens compute from the data, kept until a table it was computed from changes (issue 18).

A computation kept here is named, and keyed by its arguments, the organisation open and the newest data version
among the tables it read (``Store.table_versions``; the tables are learned from the SQL it ran, see
``storage/table_versions.py``). So the first view after a team enters its month's observations recomputes the
charts and the checks that read observations, and keeps the golden thread's tree, the other checks and the
leadership lines as they were; a write by another program sharing the file is seen the same way, since the
versions are in the file.

The values are kept as they are, not copied for each reader: polars frames are never changed in place, so readers
cannot disturb one another. Everything kept lives in one ``st.cache_resource`` holder, so clearing Streamlit's
caches clears it too.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import pickle
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager, nullcontext
from contextvars import ContextVar
from typing import TypeVar

import polars as pl
import streamlit as st

from golden_thread.domain.checks import QUIET_GRACE_PERIODS, RULES, STALE_PROJECT_DAYS
from golden_thread.draw.vega import vega_spec
from golden_thread.storage.store import Store
from golden_thread.storage.table_versions import EVERY_TABLE, note_read, reading, version_of

T = TypeVar("T")

# How many results of one computation are kept: the newest for each of its last few arguments and organisations.
KEPT_PER_COMPUTATION = 8
# How many charts of one kind are kept by what they are drawn from (a board draws about fifty).
KEPT_CHARTS = 256


class _Holder:
    """Each computation's results: for each (database, organisation, arguments), the newest one and the data
    version it was computed at; an older one is dropped when a newer one is kept, so a large trust's charts are
    held once, not once per write."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        # name -> key -> (data version, value, the version of each table it read when it was computed)
        self.values: dict[str, OrderedDict[tuple, tuple[int, object, dict[str, int]]]] = {}
        self.tables: dict[str, frozenset[str]] = {}  # the tables each computation has been seen to read
        # (name, key) -> the lock of whoever computes it now, and how many sessions hold it or wait for it
        self._computing: dict[tuple, list] = {}

    @contextmanager
    def one_at_a_time(self, name: str, key: tuple) -> Iterator[None]:
        """Held while computing ``name`` for ``key``: a second session asking for the same value meanwhile waits,
        then finds it kept, rather than computing it again beside the first (after a team enters a figure, every
        session arriving at the board needs the same new checks; on PostgreSQL each computation also holds pooled
        connections)."""
        with self.lock:
            computing = self._computing.setdefault((name, key), [threading.Lock(), 0])
            computing[1] += 1
        try:
            with computing[0]:
                yield
        finally:
            with self.lock:
                computing[1] -= 1
                if computing[1] == 0:
                    del self._computing[(name, key)]

    def find(self, name: str, key: tuple, version: int) -> tuple[bool, object]:
        with self.lock:
            found = self.values.get(name)
            if found is None or key not in found or found[key][0] != version:
                return False, None
            found.move_to_end(key)
            return True, found[key][1]

    def previous(self, name: str, key: tuple) -> tuple[object, dict[str, int]] | None:
        """The newest value kept for ``key`` whatever its version, and the table versions it was computed at."""
        with self.lock:
            found = self.values.get(name, {}).get(key)
            return None if found is None else (found[1], found[2])

    def keep(
        self,
        name: str,
        key: tuple,
        version: int,
        value: object,
        room: int = KEPT_PER_COMPUTATION,
        seen: dict[str, int] | None = None,
    ) -> None:
        with self.lock:
            found = self.values.setdefault(name, OrderedDict())
            if key in found and found[key][0] > version:
                return  # computed meanwhile from newer data by another session: keep that one
            found[key] = (version, value, seen or {})
            found.move_to_end(key)
            while len(found) > room:
                found.popitem(last=False)


@st.cache_resource(show_spinner=False)
def _holder() -> _Holder:
    return _Holder()


# The table versions read so far in this run of a page, by file (``begin_run``): unset, each kept computation reads
# them again.
_versions_this_run: ContextVar[dict | None] = ContextVar("versions_this_run", default=None)


def begin_run() -> None:
    """Start a run of a page: from here to the next run, every kept computation reads the table versions once
    between this process's own writes (a page asks for them twenty or thirty times, a millisecond or two each). A
    write by another program during the run is seen on the next, as a page sees one consistent picture."""
    _versions_this_run.set({})


def _table_versions(db: Store) -> tuple[str, dict[str, int]]:
    memo = _versions_this_run.get()
    if memo is None:
        return db.table_versions()
    mark = db.write_mark()
    found = memo.get(db.path)
    if found is None or found[0] != mark:
        found = memo[db.path] = (mark, db.table_versions())
    return found[1]


def kept(
    db: Store,
    name: str,
    compute: Callable[..., T],
    *args: Hashable,
    spinner: str | None = None,
    update: Callable[..., T | None] | None = None,
) -> T:
    """``compute(db, *args)``, computed again only when a table it reads has changed since (or for another
    organisation, or other arguments). ``name`` names the computation (one name, one function); ``spinner``: what
    the page says while it computes. ``update(db, previous, changed, *args)``, if given, brings the previous value
    up to date knowing which of its tables ``changed`` (a set of names), or returns None to compute afresh: for a
    result made of many independent parts, of which one write changes a few."""
    holder = _holder()
    database, versions = _table_versions(db)  # before computing: a write meanwhile names a newer version
    key = (database, db.scope.organisation_id, args)
    found = _found(holder, name, key, versions)
    if found is not _MISSING:
        return found
    with holder.one_at_a_time(name, key):
        found = _found(holder, name, key, versions)  # computed by another session while this one waited
        if found is not _MISSING:
            return found
        return _compute(holder, db, name, key, versions, compute, args, spinner, update)


_MISSING = object()


def _found(holder: _Holder, name: str, key: tuple, versions: dict[str, int]) -> object:
    """The value kept for ``key`` at the current versions of the tables ``name`` reads, or ``_MISSING``."""
    tables = holder.tables.get(name)
    if tables is None:
        return _MISSING
    hit, value = holder.find(name, key, version_of(versions, tables))
    if not hit:
        return _MISSING
    note_read(tables)  # a computation that used this one depends on its tables too
    return value


def _compute(
    holder: _Holder,
    db: Store,
    name: str,
    key: tuple,
    versions: dict[str, int],
    compute: Callable[..., T],
    args: tuple,
    spinner: str | None,
    update: Callable[..., T | None] | None,
) -> T:
    tables = holder.tables.get(name)
    previous = holder.previous(name, key) if update is not None and tables is not None else None
    with reading() as read:
        with st.spinner(spinner, show_time=True) if spinner else nullcontext():
            value = None
            if previous is not None:
                value = update(db, previous[0], _changed(versions, previous[1], tables), *args)
            if value is None:
                value = compute(db, *args)
    with holder.lock:
        tables = holder.tables[name] = holder.tables.get(name, frozenset()) | frozenset(read)
    seen = {table: versions.get(table, 0) for table in (*tables, EVERY_TABLE)}
    holder.keep(name, key, version_of(versions, tables), value, seen=seen)
    note_read(tables)
    return value


def _changed(versions: dict[str, int], seen: dict[str, int], tables: frozenset[str]) -> frozenset[str]:
    """Which of ``tables`` have moved on from the versions ``seen``; every one of them after a write that stamped
    every table."""
    if versions.get(EVERY_TABLE, 0) != seen.get(EVERY_TABLE, 0):
        return frozenset(tables)
    return frozenset(table for table in tables if versions.get(table, 0) != seen.get(table, 0))


def kept_spec(db: Store, name: str, arguments_of: Callable[..., tuple | None], *args: Hashable) -> dict | None:
    """The Vega-Lite spec of the chart ``name``, drawn again only when what it shows changes.
    ``arguments_of(db, *args)`` gives (the chart's builder, its keyword arguments), or None when there is nothing to
    draw; those are kept until a table they were read from changes, and the spec by their content: a write that
    leaves the chart's points as they were (a figure entered elsewhere) does not draw it again, and drawing a chart
    (altair) costs far more than reading its points."""

    def read(db: Store, *args: Hashable) -> tuple | None:
        found = arguments_of(db, *args)
        if found is None:
            return None
        builder, arguments = found
        return _digest(arguments), builder, arguments

    found = kept(db, f"{name}.arguments", read, *args)
    if found is None:
        return None
    digest, builder, arguments = found
    return _drawn(name, digest, builder, arguments)


def drawn_once(name: str, builder: Callable[..., object], arguments: dict) -> dict:
    """``builder(**arguments)`` (a chart: an altair chart or a Vega-Lite spec) as a spec, kept by what it is drawn
    from, for a page that draws many charts from a view recomputed as a whole (the board's fifty rows): only the
    charts whose points changed are drawn again."""
    return _drawn(name, _digest(arguments), builder, arguments)


def _digest(arguments: dict) -> str:
    """What a chart is drawn from, as a digest: a frame by its schema and its rows' values, not by its pickle, which
    also carries how it was built (sortedness flags), so that equal points read or merged differently match."""
    digest = hashlib.sha256()
    for name, value in sorted(arguments.items()):
        digest.update(name.encode())
        if isinstance(value, pl.DataFrame):
            digest.update(repr(value.schema).encode())
            digest.update(value.hash_rows().to_numpy().tobytes())
        else:
            digest.update(pickle.dumps(value))
    return digest.hexdigest()


def _drawn(name: str, digest: str, builder: Callable[..., object], arguments: dict) -> dict:
    holder = _holder()
    hit, spec = holder.find(name, (digest,), 0)
    if not hit:
        chart = builder(**arguments)
        spec = chart if isinstance(chart, dict) else vega_spec(chart)
        holder.keep(name, (digest,), 0, spec, room=KEPT_CHARTS)
    return spec


def thread_breaks(db: Store, today: dt.date) -> pl.DataFrame:
    """``Store.thread_breaks`` for every rule of the registry, each rule's records kept until a table its finder
    reads changes: the rules that must run again run together in one query."""
    holder = _holder()
    database, versions = _table_versions(db)
    rules = list(RULES.values())
    versions_of = {rule.name: version_of(versions, db.thread_break_tables(rule)) for rule in rules}
    keys = {rule.name: (rule.name, database, db.scope.organisation_id, today) for rule in rules}

    def kept_parts() -> dict[str, pl.DataFrame]:
        parts = {}
        for rule in rules:
            hit, value = holder.find("thread_breaks", keys[rule.name], versions_of[rule.name])
            if hit:
                parts[rule.name] = value
        return parts

    parts = kept_parts()
    if len(parts) < len(rules):
        with holder.one_at_a_time("thread_breaks", (database, db.scope.organisation_id, today)):
            parts = kept_parts()  # another session may have run them while this one waited
            missing = [rule for rule in rules if rule.name not in parts]
            if missing:
                rows = db.thread_breaks(
                    today, stale_days=STALE_PROJECT_DAYS, quiet_grace_periods=QUIET_GRACE_PERIODS, rules=missing
                )
                room = KEPT_PER_COMPUTATION * len(rules)
                for rule in missing:
                    parts[rule.name] = rows.filter(pl.col("rule") == rule.name)
                    holder.keep("thread_breaks", keys[rule.name], versions_of[rule.name], parts[rule.name], room)
    for rule in rules:
        note_read(db.thread_break_tables(rule))
    return pl.concat([parts[rule.name] for rule in rules], how="vertical_relaxed")
