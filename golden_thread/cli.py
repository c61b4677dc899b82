"""``golden-thread``: the command line. Every command takes ``--db PATH`` (default from GOLDEN_THREAD_DB).

A command runs while the app runs: the app lets go of the database between pages, and a command that finds the file
held waits for it (``--wait``, 30 seconds unless said), saying so once on stderr. It then holds the file until it
ends, so everything it reads is one moment of the data.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from golden_thread.config import default_db_path
from golden_thread.errors import Refused, StorageProblem

# The exit code of a command that could not run at all (the database or a file could not be used, or a fault of
# Golden Thread's), apart from 1 (the command's own refusal, or `check`'s error-severity break) and 2 (bad input): a
# scheduled check tells "could not check" from "found errors".
COULD_NOT_RUN = 3
# Problems of one import listed on the terminal before the rest are counted.
PROBLEMS_SHOWN = 50
# How long a command waits for the app (or another program) to finish its current work with the database.
DEFAULT_WAIT = 30.0
# The stores this run opened: closed when the command ends, so the file is let go of at once.
_OPENED: list = []


def _store(args: argparse.Namespace, *, read_only: bool = False):
    """The database a command names (``--db``), held until the command ends; ``read_only`` for a command that only
    reads (it then works on a read-only file). A file another program holds is waited for, up to ``--wait``."""
    from golden_thread.storage.store import Store

    store = Store(args.db, read_only=read_only, wait=args.wait, waiting=_say_waiting(args))
    _OPENED.append(store)
    return store


def _say_waiting(args: argparse.Namespace):
    """What tells the person at the terminal (or the job's log) that the command is waiting for the file."""
    command = " ".join(filter(None, [args.command, getattr(args, "users_command", None)]))
    return lambda sentence: print(f"golden-thread {command}: {sentence}", file=sys.stderr, flush=True)


def _refuse_to_overwrite(out: Path, force: bool, what: str, example: str) -> str | None:
    """Why ``out`` is not a place to write ``what``, or None: a folder, or an existing file without --force."""
    if out.is_dir():
        return f"{out} is a folder; give the file to write {what} to (for example {out / example})."
    if out.exists() and not force:
        return f"{out} already exists; choose another name, or add --force to replace it."
    return None


def cmd_init(args: argparse.Namespace) -> int:
    store = _store(args)
    print(
        f"{_named(args.db)}: schema version {store.schema_version()}, {'empty' if store.is_empty() else 'already holds data'}"
    )
    if store.users().height == 0:  # the next step of a new organisation's first run
        print("Add the first administrator: golden-thread users add NAME --role administrator" + _db_option(args))
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    store = _store(args)  # opening a store applies every migration it lacks, under the engine's lock
    print(f"{_named(args.db)}: schema version {store.schema_version()}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from golden_thread.seed.loading import load_demo

    store = _store(args)
    if not store.is_empty():
        print(
            f"{_named(args.db)} already holds an organisation; the demo loads only into an empty database.",
            file=sys.stderr,
        )
        return 1
    counts = load_demo(store, today=dt.date.fromisoformat(args.today) if args.today else None)
    print(f"Demo trust loaded into {_named(args.db)}: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from golden_thread.storage.transfer import export_organisation

    counts = export_organisation(_store(args, read_only=True), args.directory, with_passwords=args.with_passwords)
    print(f"Exported {sum(counts.values())} rows in {len(counts)} files to {args.directory} (readable by you only)")
    if args.with_passwords:
        print(
            "Warning: app_user.csv holds every account's password hash. Keep the folder where only you can read it, "
            "and delete it once imported.",
            file=sys.stderr,
        )
    else:
        print(
            "Password hashes were left out: accounts imported from it need a new password "
            "(golden-thread users reset-password USERNAME); add --with-passwords to keep them."
        )
    return 0


def cmd_import(args: argparse.Namespace) -> int:

    from golden_thread.storage.transfer import ImportRefused, import_organisation

    try:
        counts = import_organisation(_store(args), args.directory)
    except ImportRefused as refused:
        for problem in refused.problems[:PROBLEMS_SHOWN]:
            print(problem, file=sys.stderr)
        if len(refused.problems) > PROBLEMS_SHOWN:
            print(f"... and {len(refused.problems) - PROBLEMS_SHOWN:,} more problem(s).", file=sys.stderr)
        print(f"{len(refused.problems):,} problem(s) found; nothing was imported.", file=sys.stderr)
        return 1
    except StorageProblem:
        raise  # the database could not be used: said by main, as for every command
    except Refused as error:
        print(error, file=sys.stderr)
        return 1
    print(f"Imported {sum(counts.values())} rows into {_named(args.db)}")
    return 0


def cmd_copy(args: argparse.Namespace) -> int:
    from golden_thread.storage.store import Store
    from golden_thread.storage.transfer import copy_database

    if args.source == args.target:
        print("golden-thread copy: --from and --to name the same database.", file=sys.stderr)
        return 1
    source = Store(args.source, read_only=True, wait=args.wait, waiting=_say_waiting(args))
    _OPENED.append(source)
    target = Store(args.target, wait=args.wait, waiting=_say_waiting(args))
    _OPENED.append(target)
    try:
        counts = copy_database(source, target)
    except StorageProblem:
        raise
    except Refused as error:
        print(f"golden-thread copy: {error}", file=sys.stderr)
        return 1
    print(
        f"Copied {sum(counts.values())} rows in {len(counts)} tables from {_named(args.source)} to {_named(args.target)}"
    )
    return 0


def _named(db: str) -> str:
    """The database a command worked on, for its output: a file's path; a PostgreSQL database's name, host and port,
    never the password its address may carry."""
    from golden_thread.storage.addresses import is_postgres_address

    if not is_postgres_address(db):
        return db
    from golden_thread.storage.postgres import described

    return described(db)


def cmd_backup(args: argparse.Namespace) -> int:
    from golden_thread.storage.backup import BackupError, backup_database

    try:
        manifest = backup_database(args.db, args.directory, wait=args.wait, waiting=_say_waiting(args))
    except BackupError as error:
        print(f"golden-thread backup: {error}", file=sys.stderr)
        return 1
    tables = manifest["tables"]
    print(
        f"Backed up {_named(args.db)} (schema version {manifest['schema_version']}) to {args.directory}: "
        f"{sum(t['rows'] for t in tables.values())} rows in {len(tables)} tables"
    )
    for table, entry in tables.items():
        print(f"  {table:<24} {entry['rows']:>8}")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from golden_thread.storage.backup import BackupError, read_manifest, restore_database

    try:
        counts = restore_database(args.directory, args.db, replace=args.replace, without_accounts=args.without_accounts)
        version = read_manifest(args.directory)["schema_version"]
    except BackupError as error:
        print(f"golden-thread restore: {error}", file=sys.stderr)
        return 1
    print(
        f"Restored {sum(counts.values())} rows in {len(counts)} tables (schema version {version}) "
        f"from {args.directory} into {_named(args.db)}"
    )
    for table, rows in counts.items():
        print(f"  {table:<24} {rows:>8}")
    if args.without_accounts:
        print(
            "Accounts and sign-ins were left out: add an administrator with golden-thread users add NAME "
            f"--role administrator{_db_option(args)}."
        )
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    """Every rule of the one registry (the thread's and each network's per-member rules), organisation by
    organisation and, in a network, member by member."""
    import json

    import polars as pl

    from golden_thread.domain.checks import choose_owner, report_by_owner
    from golden_thread.services.checks import check_by_organisation, network_memberships

    today = dt.date.fromisoformat(args.today) if args.today else dt.date.today()
    store = _store(args, read_only=True)
    flags = check_by_organisation(store, today)
    organisations = store.organisations()
    memberships = network_memberships(store, today)
    try:
        if args.organisation:  # a member is looked for in the chosen organisation only, and named from it
            chosen = store.choose_scope(args.organisation)
            memberships = memberships.filter(pl.col("network_id") == chosen.organisation_id)
        flags = choose_owner(flags, organisations, memberships, organisation=args.organisation, member=args.member)
    except StorageProblem:
        raise
    except (ValueError, Refused) as wrong:
        print(f"golden-thread check: {wrong}", file=sys.stderr)
        return 2
    tops = organisations.filter(pl.col("parent_id").is_null() | (pl.col("kind") == "network"))
    if args.format == "json":
        print(json.dumps(flags.to_dicts(), indent=2))
    elif tops.height <= 1 and not (tops["kind"] == "network").any():  # one trust: its flags, one list
        for row in flags.iter_rows(named=True):
            print(f"{row['severity']:<8} {row['rule']:<27} {row['entity_type']} {row['entity_id']}: {row['title']}")
        counts = flags.group_by("severity").len().sort("severity")
        print(
            f"{flags.height} flag(s): " + ", ".join(f"{n} {s}" for s, n in counts.iter_rows())
            if flags.height
            else "No breaks in the thread."
        )
    else:  # several organisations, or a network: each organisation, and each network's members, apart
        chosen_tops = set(flags["organisation_id"].drop_nulls()) if (args.organisation or args.member) else None
        shown = organisations if chosen_tops is None else organisations.filter(pl.col("id").is_in(list(chosen_tops)))
        members = (
            memberships
            if args.member is None
            else memberships.filter(pl.col("member_id").is_in(flags["member_id"].drop_nulls().implode()))
        )
        print("\n".join(report_by_owner(flags, shown, members, hubs=args.member is None)))
    return 1 if (flags["severity"] == "error").any() else 0


def _organisation_month(args: argparse.Namespace, command: str, *, read_only: bool = False):
    """(the organisation's store, the month, today) a board command names, or None after saying what is wrong."""
    from golden_thread.services.board import board_months, parse_month

    today = dt.date.fromisoformat(args.today) if args.today else dt.date.today()
    try:
        month = parse_month(args.month)
        store = _store(args, read_only=read_only)
        store = store.within(store.choose_scope(args.organisation))
    except StorageProblem:
        raise  # the database could not be used: said by main, as for every command
    except (ValueError, Refused) as wrong:
        print(f"golden-thread {command}: {wrong}", file=sys.stderr)
        return None
    months = board_months(store, today)
    if month not in months:
        print(
            f"golden-thread {command}: {store.scope.name} has no board for {month:%B %Y}; its boards run from "
            f"{months[-1]:%B %Y} to {months[0]:%B %Y}.",
            file=sys.stderr,
        )
        return None
    return store, month, today


def cmd_board_pack(args: argparse.Namespace) -> int:
    from golden_thread.report.board_pack import board_pack_pdf
    from golden_thread.services.board_pack import board_pack_for_month
    from golden_thread.storage.files import write_file_whole

    chosen = _organisation_month(args, "board-pack", read_only=True)
    if chosen is None:
        return 2
    store, month, today = chosen
    wrong = _refuse_to_overwrite(args.out, args.force, "the board pack", "board-pack.pdf")
    if wrong:
        print(f"golden-thread board-pack: {wrong}", file=sys.stderr)
        return 2
    pdf = board_pack_for_month(store, month, today=today, render=board_pack_pdf)
    try:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        write_file_whole(args.out, lambda scratch: scratch.write_bytes(pdf), "the board pack")
    except StorageProblem as problem:
        print(f"golden-thread board-pack: {problem}", file=sys.stderr)
        return 1
    except OSError as error:
        print(f"golden-thread board-pack: cannot write {args.out}: {error.strerror or error}.", file=sys.stderr)
        return 1
    print(f"Board pack of {store.scope.name} for {month:%B %Y} written to {args.out} ({len(pdf) // 1024} KiB)")
    return 0


def cmd_publish(args: argparse.Namespace) -> int:
    """Publish a month's board from the command line (a scheduled job), with the same rules as the button."""
    from golden_thread.services.board import live_board, publish

    chosen = _organisation_month(args, "publish")
    if chosen is None:
        return 2
    store, month, today = chosen
    view, _ = live_board(store, month, today)
    try:
        publish(store, view, username=args.user)
    except Refused as refused:
        print(f"golden-thread publish: {refused}", file=sys.stderr)
        return 2
    print(f"Published the board of {store.scope.name} for {month:%B %Y} as {args.user}.")
    return 0


def cmd_spc(args: argparse.Namespace) -> int:
    from golden_thread.spc.options import SpcInputError, SpcOptions
    from golden_thread.spc.series_file import compute, read_options, write_json, write_output
    from golden_thread.storage.files import write_file_whole

    try:
        options = read_options(args.options) if args.options else SpcOptions()
        result = compute(args.input, options)
    except SpcInputError as error:
        print(f"golden-thread spc: {error}", file=sys.stderr)
        return 2
    wrong = _refuse_to_overwrite(args.out, args.force, "the chart", f"chart.{args.format}")
    if wrong:
        print(f"golden-thread spc: {wrong}", file=sys.stderr)
        return 2
    try:
        if args.format == "json":
            write_file_whole(args.out, lambda scratch: write_json(result, scratch), "the chart")
        else:
            write_file_whole(args.out, lambda scratch: write_output(result.rows, scratch), "the chart")
    except StorageProblem as problem:
        print(f"golden-thread spc: {problem}", file=sys.stderr)
        return 2
    return 0


# -- golden-thread users: accounts, written as the machine's operator (storage/accounts.py) ----------------------


class _Bad(Exception):
    """Bad input to a users command: one sentence for stderr, then exit 2."""


def _db_option(args: argparse.Namespace) -> str:
    """' --db PATH' when the command was given a database other than the default, for a command it suggests."""
    return "" if args.db == default_db_path() else f" --db {args.db}"


def _role(text: str | None) -> str:
    """The role a person typed: its name (administrator, team_member...) or its title, in any case."""
    from golden_thread.domain.access import ROLE_TITLES

    if text is None:
        raise _Bad(f"Say the account's role with --role: one of {', '.join(ROLE_TITLES)}.")
    wanted = text.strip().lower().replace("-", "_").replace(" ", "_")
    for role, title in ROLE_TITLES.items():
        if wanted in (role, title.lower().replace(" ", "_")):
            return role
    raise _Bad(f"“{text}” is not a role; choose one of: {', '.join(ROLE_TITLES)}.")


def _password(args: argparse.Namespace) -> str:
    """The new password: one line of standard input with --password-stdin, else typed twice without echo."""
    import getpass

    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    try:
        first = getpass.getpass("Password (at least 12 characters): ")
        again = getpass.getpass("The same password again: ")
    except (EOFError, KeyboardInterrupt):
        raise _Bad("No password was given; nothing was changed.") from None
    if first != again:
        raise _Bad("The two passwords differ; nothing was changed.")
    return first


def _account(store, username: str) -> dict:
    account = store.user(username.strip())
    if account is None:
        raise _Bad(f"There is no account “{username.strip()}”; golden-thread users list shows every account.")
    return account


def _works_at(organisations, organisation_id: int | None) -> str:
    """Where a person works, in words: their unit and, beneath it, the trust or network it belongs to."""
    from golden_thread.storage.accounts import top_organisation

    if organisation_id is None:
        return "every organisation (the whole database)"
    names = dict(zip(organisations["id"], organisations["name"]))
    if organisation_id not in names:
        return f"organisation {organisation_id}"
    top = top_organisation(organisations, organisation_id)
    return names[organisation_id] if top == organisation_id else f"{names[organisation_id]} ({names[top]})"


def _placement(store, args: argparse.Namespace) -> int | None:
    """Where a new account works: the --unit within the --organisation (by id or name); the organisation itself
    without --unit; the only organisation when the database holds one; nowhere (the whole database) when none."""
    import polars as pl

    organisations = store.organisations()
    if organisations.height == 0:
        if args.organisation or args.unit:
            raise _Bad(
                "This database holds no organisation yet: leave out --organisation and --unit, and the "
                "administrator you add administers the whole database."
            )
        return None
    try:
        scope = store.choose_scope(args.organisation)
    except Refused as refused:
        raise _Bad(str(refused)) from None
    if not args.unit:
        return scope.organisation_id
    wanted = args.unit.strip()
    units = organisations.filter(pl.col("id").is_in(list(scope.units)))
    match = units.filter((pl.col("id").cast(str) == wanted) | (pl.col("name").str.to_lowercase() == wanted.lower()))
    if match.height == 0:
        raise _Bad(
            f"There is no unit “{wanted}” in {scope.name}; choose one of: "
            + "; ".join(f"{i} {n}" for i, n in units.select("id", "name").iter_rows())
            + "."
        )
    if match.height > 1:
        raise _Bad(
            f"{scope.name} has {match.height} units called “{wanted}”; give its id instead: "
            + "; ".join(str(i) for i in match["id"])
            + "."
        )
    return match["id"][0]


def _users_command(handler):
    """A users command: bad input and refused writes are one sentence on stderr and exit code 2."""

    def run(args: argparse.Namespace) -> int:
        try:
            return handler(args)
        except StorageProblem:
            raise  # the database could not be used: said by main, as for every command
        except (_Bad, Refused) as problem:
            print(f"golden-thread users {args.users_command}: {problem}", file=sys.stderr)
            return 2

    return run


@_users_command
def cmd_users_add(args: argparse.Namespace) -> int:
    from golden_thread.storage.accounts import operator_save_account

    store = _store(args)
    role = _role(args.role)
    username = args.username.strip()
    if store.user(username) is not None:
        raise _Bad(
            f"There is already an account “{username}”; to give it a new password use "
            f"golden-thread users reset-password {username}."
        )
    organisation_id = _placement(store, args)
    first = store.users().height == 0
    name = args.name if args.name is not None else username
    operator_save_account(store, username, name, role, organisation_id, _password(args))
    print(f"Added {username} ({name.strip()}), {role}, working at {_works_at(store.organisations(), organisation_id)}.")
    if first:
        print(f"Next: start the app (make run) and sign in as {username} with that password.")
    return 0


@_users_command
def cmd_users_list(args: argparse.Namespace) -> int:
    store = _store(args, read_only=True)
    accounts = store.table("app_user").drop("password_hash")  # never a hash, not even in memory for long
    if accounts.height == 0:
        print("No accounts yet. Add the first administrator: golden-thread users add NAME --role administrator")
        return 0
    organisations = store.organisations()
    rows = [
        (
            row["username"],
            row["display_name"],
            row["role"],
            _works_at(organisations, row["organisation_id"]),
            "yes" if row["active"] else "no",
        )
        for row in accounts.iter_rows(named=True)
    ]
    heading = ("username", "name", "role", "works at", "active")
    widths = [max(len(str(r[k])) for r in [heading, *rows]) for k in range(len(heading) - 1)]
    for row in [heading, *rows]:
        print("  ".join(f"{str(cell):<{width}}" for cell, width in zip(row, widths)) + "  " + row[-1])
    return 0


@_users_command
def cmd_users_reset_password(args: argparse.Namespace) -> int:
    from golden_thread.storage.accounts import operator_save_account

    store = _store(args)
    account = _account(store, args.username)
    operator_save_account(
        store,
        account["username"],
        account["display_name"],
        account["role"],
        account["organisation_id"],
        _password(args),
        active=account["active"],
    )
    print(
        f"New password set for {account['username']}."
        + ("" if account["active"] else " The account is inactive: an administrator reactivates it in Users.")
    )
    return 0


@_users_command
def cmd_users_deactivate(args: argparse.Namespace) -> int:
    from golden_thread.storage.accounts import operator_save_account

    store = _store(args)
    account = _account(store, args.username)
    if not account["active"]:
        print(f"{account['username']} is already inactive; nothing was changed.")
        return 0
    operator_save_account(
        store,
        account["username"],
        account["display_name"],
        account["role"],
        account["organisation_id"],
        None,
        active=False,
    )
    print(f"Deactivated {account['username']}: they can no longer sign in.")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="golden-thread", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    def command(name: str, handler, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text)
        sub.add_argument(
            "--db", default=default_db_path(), help="DuckDB file or postgresql://… address (default: %(default)s)"
        )
        _wait_option(sub)
        sub.set_defaults(handler=handler)
        return sub

    command("init", cmd_init, "create (or upgrade) an empty database")
    command("migrate", cmd_migrate, "bring the database's schema up to this release (a deployment step), and stop")
    demo = command("demo", cmd_demo, "load the demo trust into an empty database")
    demo.add_argument("--today", help="pretend today is this ISO date (the data end the month before)")
    export = command("export", cmd_export, "write the whole organisation as one CSV per table")
    export.add_argument("directory", type=Path, help="a new or empty folder")
    export.add_argument(
        "--with-passwords",
        action="store_true",
        help="keep the accounts' password hashes in app_user.csv (left out unless asked)",
    )
    imp = command("import", cmd_import, "read an export into an empty database (all or nothing)")
    imp.add_argument("directory", type=Path)
    copy = commands.add_parser(
        "copy", help="copy a whole database into an empty one: a DuckDB file or postgresql://… either way"
    )
    copy.add_argument("--from", dest="source", required=True, help="the database to copy (a file or postgresql://…)")
    copy.add_argument("--to", dest="target", required=True, help="an empty database (a file or postgresql://…)")
    _wait_option(copy)
    copy.set_defaults(handler=cmd_copy)
    backup = command("backup", cmd_backup, "write a consistent copy of the database (Parquet files and a manifest)")
    backup.add_argument("directory", type=Path, help="a new or empty folder")
    restore = command("restore", cmd_restore, "restore a backup (all or nothing); refuses a database holding data")
    restore.add_argument("directory", type=Path, help="a folder written by golden-thread backup")
    restore.add_argument("--replace", action="store_true", help="replace a database that already holds data")
    restore.add_argument(
        "--without-accounts",
        action="store_true",
        help="restore everything but the accounts and sign-ins (for a backup this machine's key cannot vouch for)",
    )
    check = command("check", cmd_check, "list the breaks in the golden thread; exit 1 if any is an error")
    check.add_argument("--format", choices=["table", "json"], default="table")
    check.add_argument("--today", help="judge as of this ISO date (default: today)")
    check.add_argument("--organisation", help="only this trust or network (its id or name)")
    check.add_argument("--member", help="only this member of a network (its id or name)")
    pack = command("board-pack", cmd_board_pack, "write the board pack PDF for a month")
    pack.add_argument("--month", required=True, help="the board's month, YYYY-MM")
    pack.add_argument("--out", type=Path, required=True, help="where to write the PDF")
    pack.add_argument("--force", action="store_true", help="replace the file at --out if there is one")
    pack.add_argument("--today", help="judge as of this ISO date (default: today)")
    pack.add_argument(
        "--organisation",
        help="whose board: a trust or network's id or name (needed when the database holds more than one)",
    )
    publish = command("publish", cmd_publish, "publish a month's board (freeze what the board saw)")
    publish.add_argument("--month", required=True, help="the board's month, YYYY-MM")
    publish.add_argument(
        "--organisation",
        help="whose board: a trust or network's id or name (needed when the database holds more than one)",
    )
    publish.add_argument(
        "--user", required=True, help="the administrator who publishes (as the audit trail names them)"
    )
    publish.add_argument("--today", help="judge as of this ISO date (default: today)")
    spc = command("spc", cmd_spc, "compute a run or control chart for one series")
    spc.add_argument("input", type=Path, help="CSV with x, y and optionally n")
    spc.add_argument("--options", type=Path, help="chart options (JSON)")
    spc.add_argument("--out", type=Path, required=True, help="where to write the computed chart")
    spc.add_argument("--force", action="store_true", help="replace the file at --out if there is one")
    spc.add_argument(
        "--format",
        choices=["csv", "json"],
        default="csv",
        help="csv: one row per point (default); json: the rows and the chart's summary (icons, "
        "phases, runs analysis and the sentence the app shows)",
    )
    users = commands.add_parser("users", help="add, list, reset the password of or deactivate accounts")
    users_commands = users.add_subparsers(dest="users_command", required=True)

    def users_command(name: str, handler, help_text: str) -> argparse.ArgumentParser:
        sub = users_commands.add_parser(name, help=help_text, description=help_text)
        sub.add_argument(
            "--db", default=default_db_path(), help="DuckDB file or postgresql://… address (default: %(default)s)"
        )
        _wait_option(sub)
        sub.set_defaults(handler=handler)
        return sub

    add = users_command("add", cmd_users_add, "add an account (the first one: an administrator)")
    add.add_argument("username", help="what the person signs in with (no spaces)")
    add.add_argument("--role", help="administrator, improvement_lead, team_member or board_viewer")
    add.add_argument("--name", help="the person's name as colleagues know it (default: the username)")
    add.add_argument(
        "--organisation", help="the trust or network they work for, by id or name (needed when there are several)"
    )
    add.add_argument("--unit", help="their unit within it (a division, team or school), by id or name")
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    users_command("list", cmd_users_list, "list the accounts (never their passwords)")
    reset = users_command("reset-password", cmd_users_reset_password, "give an account a new password")
    reset.add_argument("username")
    reset.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    deactivate = users_command("deactivate", cmd_users_deactivate, "stop an account signing in")
    deactivate.add_argument("username")
    return parser


def _seconds(text: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds <= 86_400:  # also false for nan
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds from 0 to 86400")
    return seconds


def _wait_option(sub: argparse.ArgumentParser) -> None:
    sub.add_argument(
        "--wait",
        type=_seconds,
        default=DEFAULT_WAIT,
        metavar="SECONDS",
        help="while the app (or another program) is using the database, wait this long for it to finish "
        "(default: %(default)g)",
    )


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    command = " ".join(filter(None, [args.command, getattr(args, "users_command", None)]))
    try:
        return args.handler(args)
    except StorageProblem as problem:  # the database or a file could not be used: one sentence, never a traceback
        print(f"golden-thread {command}: {problem}", file=sys.stderr)
        return COULD_NOT_RUN
    except Exception as fault:  # noqa: BLE001 - a fault of ours is "could not run" too, never `check`'s 1 (findings)
        first = str(fault).strip().split("\n")[0]
        print(
            f"golden-thread {command} could not run: {type(fault).__name__}: {first}. This is a fault in Golden "
            "Thread; please report it with the command you ran.",
            file=sys.stderr,
        )
        return COULD_NOT_RUN
    finally:
        while _OPENED:  # let go of the file now, not when the interpreter gets round to it
            _OPENED.pop().close()


if __name__ == "__main__":
    sys.exit(main())
