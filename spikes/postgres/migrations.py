"""Transpile migrations 1..13 statement by statement and run them, in order, on a fresh PostgreSQL database.

    python migrations.py [--fixes] [--compat]

Prints, per migration, how many statements ran and each failure (the statement's start and PostgreSQL's words).
With neither flag: sqlglot alone. A failed statement is skipped and the run goes on (later ones may then fail
for want of its table: counted as "cascade")."""

import argparse
import sys
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).parent))
from dialect import to_postgres  # noqa: E402

from golden_thread.storage.schema import MIGRATIONS  # noqa: E402

ADMIN = "host=/tmp/pgspike port=55432 user=postgres dbname=postgres"

parser = argparse.ArgumentParser()
parser.add_argument("--fixes", action="store_true")
parser.add_argument("--compat", action="store_true")
args = parser.parse_args()

admin = psycopg.connect(ADMIN, autocommit=True)
admin.execute("DROP DATABASE IF EXISTS gt_migrations")
admin.execute("CREATE DATABASE gt_migrations")
conn = psycopg.connect(
    ADMIN.replace("dbname=postgres", "dbname=gt_migrations"), autocommit=True, options="-c search_path=main"
)
conn.execute("CREATE SCHEMA main")
if args.compat:
    conn.execute(Path(__file__).with_name("compat.sql").read_text())
total = ok = 0
failed_migrations = []
for version, description, sql in MIGRATIONS:
    statements, _ = to_postgres(sql, args.fixes)
    good = 0
    for text in statements:
        total += 1
        try:
            conn.execute(text)
            good += 1
        except psycopg.Error as error:
            words = str(error).split("\n")[0]
            kind = "cascade" if "does not exist" in words and "function" not in words else "FAIL"
            print(f"  v{version} {kind}: {words}\n      {text[:160]}")
    ok += good
    print(f"migration {version:2d}: {good}/{len(statements)} statements ran  ({description})")
print(f"TOTAL {ok}/{total} DDL statements ran")
