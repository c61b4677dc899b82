"""Replay logged DuckDB statements (``sqllog``) against a throw-away PostgreSQL, transpiled by ``dialect``.

    python replay.py [--fixes] [--compat] LOG.pkl...      (PGHOST=/tmp/pgspike PGPORT=55432 PGUSER=postgres)

Each DuckDB database a test opened becomes a PostgreSQL database of its own (schema ``main`` first on the search
path, so the scope's ``main.project`` reads unchanged): a fresh one for a new file, a copy of the demo (``demo.pkl``
replayed first, kept as ``gt_demo_template``) for a file that already held a schema. A registered Arrow table
(``insert_tables``) becomes a temporary table filled with COPY. Within a transaction each statement runs in a
savepoint, so one failure does not poison the rest. Outcomes are compared with DuckDB's (error or not; the rows a
read returned) and summarised per distinct statement text in ``/tmp/pgspike/replay.json``.
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import decimal
import json
import pickle
import re
import sys
import uuid
from pathlib import Path

import psycopg
import pyarrow as pa
from psycopg import sql as pgsql

sys.path.insert(0, str(Path(__file__).parent))
from dialect import bind, to_postgres  # noqa: E402

from golden_thread.storage.schema import MIGRATIONS  # noqa: E402

MIGRATION_TEXTS = {sql for _, _, sql in MIGRATIONS}
ADMIN = "host=/tmp/pgspike port=55432 user=postgres dbname=postgres"
COMPAT = Path(__file__).with_name("compat.sql")


def pg_type(t: pa.DataType) -> str:
    if pa.types.is_boolean(t):
        return "BOOLEAN"
    if pa.types.is_integer(t):
        return "BIGINT" if t.bit_width == 64 else "INTEGER"
    if pa.types.is_floating(t):
        return "DOUBLE PRECISION"
    if pa.types.is_date(t):
        return "DATE"
    if pa.types.is_timestamp(t):
        return "TIMESTAMP"
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        return pg_type(t.value_type) + "[]"
    if pa.types.is_null(t):
        return "TEXT"
    return "TEXT"


def norm(value):
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, decimal.Decimal):
        return round(float(value), 6)
    if isinstance(value, list | tuple):
        return tuple(norm(v) for v in value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dt.datetime):
        # A default of current_timestamp differs between the DuckDB run and the replay: compare only its day.
        return (
            "a time today" if abs((value - dt.datetime.now()).total_seconds()) < 86400 else value.replace(microsecond=0)
        )
    return value


def kind_of(error: Exception) -> str:
    text = str(error).split("\n")[0]
    state = getattr(getattr(error, "diag", None), "sqlstate", None) or ""
    if m := re.search(r"function (\w+)\(", text):
        return f"function not in PostgreSQL: {m.group(1)}(…)"
    if m := re.search(r"operator does not exist: (.+)", text):
        return f"operator/type mismatch: {m.group(1)}"
    if state.startswith("23"):
        return f"constraint refused ({state})"
    return f"{state} {re.sub(r'[0-9]+', 'N', re.sub(chr(34) + r'[^' + chr(34) + r']*' + chr(34), 'X', text))[:90]}"


class Replayer:
    def __init__(self, fixes: bool, compat: bool):
        self.fixes = fixes
        self.compat = compat
        self.admin = psycopg.connect(ADMIN, autocommit=True)
        self.n = 0
        # text -> outcome counters; examples
        self.outcomes: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
        self.examples: dict[str, dict] = {}
        self._fresh_template()

    def _fresh_template(self):
        self.admin.execute("DROP DATABASE IF EXISTS gt_fresh")
        self.admin.execute("CREATE DATABASE gt_fresh")
        with psycopg.connect(
            ADMIN.replace("dbname=postgres", "dbname=gt_fresh"), autocommit=True, options="-c search_path=main"
        ) as c:
            c.execute("CREATE SCHEMA main")
            if self.compat:
                c.execute(COMPAT.read_text())

    def database(self, template: str) -> tuple[str, psycopg.Connection]:
        self.n += 1
        name = f"gt_replay_{self.n}"
        # Names of databases cannot be parameters: they are quoted as identifiers instead.
        self.admin.execute(pgsql.SQL("DROP DATABASE IF EXISTS {}").format(pgsql.Identifier(name)))
        self.admin.execute(
            pgsql.SQL("CREATE DATABASE {} TEMPLATE {}").format(pgsql.Identifier(name), pgsql.Identifier(template))
        )
        conn = psycopg.connect(
            ADMIN.replace("dbname=postgres", f"dbname={name}"), autocommit=True, options="-c search_path=main"
        )
        conn.cursor_factory = psycopg.RawCursor
        return name, conn

    def note(self, sql: str, outcome: str, example: dict | None = None):
        if sql in MIGRATION_TEXTS:
            return  # counted statement by statement by migrations.py
        key = " ".join(sql.split())
        self.outcomes[key][outcome] += 1
        if example and (key, outcome) not in self.examples:
            self.examples[(key, outcome)] = example

    def replay(self, events: list, keep_as: str | None = None):
        conns: dict[str, tuple[str, psycopg.Connection, list]] = {}
        for event in events:
            key = event[1]
            if key not in conns:
                template = "gt_fresh"
                if event[0] == "sql" and "information_schema.tables" in event[3] and event[5] not in (None, [(0,)]):
                    if event[5] == ("all", [(1,)]) or event[5] == [(1,)] or event[5] == ("one", [(1,)]):
                        template = "gt_demo_template"
                name, conn = self.database(template)
                conns[key] = (name, conn, [False])
            name, conn, in_txn = conns[key]
            if event[0] == "register":
                self.register(conn, event[2], event[3])
                continue
            if event[0] == "unregister":
                conn.execute(pgsql.SQL("DROP TABLE IF EXISTS pg_temp.{}").format(pgsql.Identifier(event[2])))
                continue
            self.statement(conn, in_txn, event)
        for name, conn, _ in conns.values():
            conn.close()
            if keep_as:
                self.admin.execute(pgsql.SQL("DROP DATABASE IF EXISTS {}").format(pgsql.Identifier(keep_as)))
                self.admin.execute(
                    pgsql.SQL("ALTER DATABASE {} RENAME TO {}").format(
                        pgsql.Identifier(name), pgsql.Identifier(keep_as)
                    )
                )
                keep_as = None
            else:
                self.admin.execute(pgsql.SQL("DROP DATABASE IF EXISTS {}").format(pgsql.Identifier(name)))

    def register(self, conn, name: str, table: pa.Table):
        # An all-null polars column is Arrow's null type: give it the type the schema gives that column name (the
        # store's real COPY goes straight into the target table, whose types PostgreSQL knows).
        known = dict(
            conn.execute(
                "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'main'"
            ).fetchall()
        )
        columns = pgsql.SQL(", ").join(
            pgsql.SQL("{} {}").format(
                pgsql.Identifier(f.name),
                pgsql.SQL(known.get(f.name, "TEXT") if pa.types.is_null(f.type) else pg_type(f.type)),
            )
            for f in table.schema
        )
        conn.execute(pgsql.SQL("DROP TABLE IF EXISTS {}").format(pgsql.Identifier("pg_temp", name)))
        conn.execute(pgsql.SQL("CREATE TEMP TABLE {} ({})").format(pgsql.Identifier(name), columns))
        with conn.cursor().copy(pgsql.SQL("COPY {} FROM STDIN").format(pgsql.Identifier(name))) as copy:
            for row in table.to_pylist():
                copy.write_row(list(row.values()))

    def statement(self, conn, in_txn: list, event: list):
        _, _, method, sql, params, duck_rows, duck_error = event
        try:
            statements, order = to_postgres(sql, self.fixes)
            args = bind(order, params)
        except Exception as error:  # noqa: BLE001 - every failure is a finding
            self.note(sql, f"transpile: {type(error).__name__}", {"sql": sql[:400], "error": str(error)[:300]})
            return
        word = " ".join(sql.split()).upper()
        if word in ("BEGIN TRANSACTION", "BEGIN"):
            conn.execute("BEGIN")
            in_txn[0] = True
            return
        if word in ("COMMIT", "ROLLBACK"):
            conn.execute(word)
            in_txn[0] = False
            return
        for text in statements:
            cursor = conn.cursor()
            if in_txn[0]:
                cursor.execute("SAVEPOINT s")
            try:
                cursor.execute(text, args if text.count("$") and args else None)
                rows = cursor.fetchall() if cursor.description else []
                if in_txn[0]:
                    cursor.execute("RELEASE SAVEPOINT s")
            except psycopg.Error as error:
                if in_txn[0]:
                    conn.execute("ROLLBACK TO SAVEPOINT s")
                kind = kind_of(error)
                if duck_error:
                    self.note(sql, "both refused" if kind.startswith("constraint") else f"both refused ({kind})")
                else:
                    self.note(
                        sql,
                        "PG error: " + kind,
                        {"duckdb": sql[:600], "postgres": text[:600], "error": str(error).split("\n")[0][:300]},
                    )
                continue
            if duck_error:
                self.note(sql, "DuckDB refused, PG accepted", {"duckdb": sql[:400], "error": duck_error[:300]})
                continue
            if len(statements) > 1 or duck_rows is None:
                self.note(sql, "ran")
                continue
            how, expected = duck_rows if isinstance(duck_rows, tuple) else ("frame", duck_rows)
            got = rows[:1] if how == "one" else rows
            if expected == [] and how == "one":
                got = rows[:0] if not rows else rows[:1]
            a = [norm(r) for r in expected]
            b = [norm(r) for r in got]
            if a == b:
                self.note(sql, "ran, same rows")
            elif sorted(map(repr, a)) == sorted(map(repr, b)):
                self.note(sql, "ran, same rows in another order")
            else:
                self.note(
                    sql,
                    "ran, different rows",
                    {
                        "duckdb": sql[:600],
                        "postgres": text[:600],
                        "duck_rows": repr(a[:3])[:300],
                        "pg_rows": repr(b[:3])[:300],
                    },
                )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("logs", nargs="+")
    parser.add_argument("--fixes", action="store_true")
    parser.add_argument("--compat", action="store_true")
    parser.add_argument("--out", default="/tmp/pgspike/replay.json")
    args = parser.parse_args()
    replayer = Replayer(args.fixes, args.compat)
    demo = pickle.load(open("/tmp/pgspike/logs/demo.pkl", "rb"))["capture_demo"]
    replayer.replay(demo, keep_as="gt_demo_template")
    for log in args.logs:
        if log.endswith("demo.pkl"):
            continue
        for test, events in pickle.load(open(log, "rb")).items():
            try:
                replayer.replay(events)
            except Exception as error:  # noqa: BLE001
                print("replay broke in", test, type(error).__name__, str(error)[:200])
    summary = collections.Counter()
    per_statement = {}
    for sql, outcomes in replayer.outcomes.items():
        failures = [o for o in outcomes if o.startswith(("PG error", "transpile", "DuckDB refused", "ran, different"))]
        status = failures[0] if failures else ("ran" if any(o.startswith("ran") for o in outcomes) else min(outcomes))
        per_statement[sql] = {"status": status, "outcomes": dict(outcomes)}
        summary[status.split(":")[0] if not status.startswith("PG error") else "PG error"] += 1
    kinds = collections.Counter(v["status"] for v in per_statement.values() if v["status"] not in ("ran",))
    report = {
        "distinct_statements": len(per_statement),
        "summary": dict(summary),
        "kinds": kinds.most_common(),
        "examples": {f"{o}": ex for (s, o), ex in replayer.examples.items()},
        "statements": per_statement,
    }
    Path(args.out).write_text(json.dumps(report, indent=1, default=str))
    print(json.dumps({k: report[k] for k in ("distinct_statements", "summary")}, indent=1))
    for kind, count in kinds.most_common(40):
        print(f"{count:4d}  {kind}")


if __name__ == "__main__":
    main()
