"""A throw-away PostgreSQL server in a temporary folder, for the tests and the load bench (issue 19).

``throwaway_postgres()`` starts one with Debian's server programs (``apt-get install postgresql``), reached only
through a Unix socket in its folder (no TCP port, so several at once on one machine never meet), with durability
off (``fsync``, full-page writes: it is thrown away), and stops it and removes the folder at the end. PostgreSQL
refuses to run as root: as root, its programs run as the ``postgres`` user the package creates, who is given the
folder. The folder is made under the system's temporary folder, not a test runner's, which only root may enter, and
its path stays short: a socket's path must fit in about 100 characters.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

import psycopg
from psycopg import sql

# Where Debian's postgresql package puts each major version's server programs.
DEBIAN_BINARIES = Path("/usr/lib/postgresql")


class PostgresUnavailable(RuntimeError):
    """No throw-away PostgreSQL can be started on this machine; the message says what to install or change."""


def server_binaries() -> Path | None:
    """The newest installed version's folder of server programs (``initdb``, ``pg_ctl``), or None."""
    found = [path.parent for path in DEBIAN_BINARIES.glob("*/bin/initdb")]
    return max(found, key=lambda folder: int(folder.parent.name) if folder.parent.name.isdigit() else 0, default=None)


@contextmanager
def throwaway_postgres() -> Iterator[str]:
    """A new PostgreSQL server for as long as the block runs; yields its connection string (``host=FOLDER
    port=5432 user=postgres``, a superuser, no password: add ``dbname=...``). Raises ``PostgresUnavailable`` when
    the server programs are not installed, or when running as root with no ``postgres`` user to run them as."""
    binaries = server_binaries()
    if binaries is None:
        raise PostgresUnavailable(
            f"PostgreSQL's server programs are not installed here (no {DEBIAN_BINARIES}/*/bin/initdb): "
            "apt-get install postgresql"
        )
    folder = Path(tempfile.mkdtemp(prefix="gt-pg-"))
    as_postgres: list[str] = []
    if os.geteuid() == 0:
        try:
            shutil.chown(folder, "postgres")
        except LookupError:
            shutil.rmtree(folder, ignore_errors=True)
            raise PostgresUnavailable(
                "PostgreSQL refuses to run as root and there is no postgres user to run it as "
                "(apt-get install postgresql creates one)"
            ) from None
        as_postgres = ["runuser", "-u", "postgres", "--"]
    data = folder / "data"
    settings = f"-k {folder} -p 5432 -c listen_addresses='' -c fsync=off -c full_page_writes=off"
    started = False
    try:
        for step in (
            [binaries / "initdb", "-D", data, "-A", "trust", "-U", "postgres", "--no-sync"],
            [binaries / "pg_ctl", "-D", data, "-l", folder / "log", "-w", "start", "-o", settings],
        ):
            done = subprocess.run([*as_postgres, *step], capture_output=True, text=True)
            if done.returncode != 0:
                raise PostgresUnavailable(
                    f"A throw-away PostgreSQL did not start ({Path(step[0]).name} exited {done.returncode}): "
                    + (done.stderr or done.stdout).strip()[-500:]
                )
        started = True
        yield f"host={folder} port=5432 user=postgres"
    finally:
        if started:
            subprocess.run(
                [*as_postgres, binaries / "pg_ctl", "-D", data, "-m", "immediate", "stop"], capture_output=True
            )
        shutil.rmtree(folder, ignore_errors=True)


def create_database(
    server: str, name: str, settings: dict[str, str] | None = None, *, template: str | None = None
) -> str:
    """A new database on ``server`` (a connection string without ``dbname``), empty or a copy of ``template``; its
    connection string. ``settings``: server settings every connection to it starts with (``ALTER DATABASE ... SET``),
    as a deployment's database administrator may give them (``{"jit": "off"}``)."""
    statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
    if template:
        statement += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
    with psycopg.connect(f"{server} dbname=postgres", autocommit=True) as admin:
        admin.execute(statement)
        for setting, value in (settings or {}).items():
            admin.execute(
                sql.SQL("ALTER DATABASE {} SET {} = {}").format(
                    sql.Identifier(name), sql.Identifier(setting), sql.Literal(value)
                )
            )
    return f"{server} dbname={name}"


def address(conninfo: str) -> str:
    """A connection string as the ``postgresql://`` address that ``--db``, ``GOLDEN_THREAD_DB`` and ``Store`` take
    (a Unix socket's folder is a ``host`` parameter of the address)."""
    return "postgresql:///?" + urlencode(psycopg.conninfo.conninfo_to_dict(conninfo))
