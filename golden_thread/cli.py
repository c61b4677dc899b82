"""``golden-thread``: the command line. Every command takes ``--db PATH`` (default from GOLDEN_THREAD_DB)."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from golden_thread.config import default_db_path


def _store(path: str):
    from golden_thread.store import Store

    return Store(path)


def cmd_init(args: argparse.Namespace) -> int:
    store = _store(args.db)
    print(f"{args.db}: schema version {store.schema_version()}, {'empty' if store.is_empty() else 'already holds data'}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from golden_thread.loading import load_demo

    store = _store(args.db)
    if not store.is_empty():
        print(f"{args.db} already holds an organisation; the demo loads only into an empty database.", file=sys.stderr)
        return 1
    counts = load_demo(store, today=dt.date.fromisoformat(args.today) if args.today else None)
    print(f"Demo trust loaded into {args.db}: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from golden_thread.transfer import export_organisation

    counts = export_organisation(_store(args.db), args.directory)
    print(f"Exported {sum(counts.values())} rows in {len(counts)} files to {args.directory}")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from golden_thread.store import StoreError
    from golden_thread.transfer import ImportRefused, import_organisation

    try:
        counts = import_organisation(_store(args.db), args.directory)
    except ImportRefused as refused:
        for problem in refused.problems:
            print(problem, file=sys.stderr)
        print(f"{len(refused.problems)} problem(s) found; nothing was imported.", file=sys.stderr)
        return 1
    except StoreError as error:
        print(error, file=sys.stderr)
        return 1
    print(f"Imported {sum(counts.values())} rows into {args.db}")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    import json

    from golden_thread.thread_checks import check_thread

    today = dt.date.fromisoformat(args.today) if args.today else dt.date.today()
    flags = check_thread(_store(args.db), today)
    if args.format == "json":
        print(json.dumps(flags.to_dicts(), indent=2))
    else:
        for row in flags.iter_rows(named=True):
            print(f"{row['severity']:<8} {row['rule']:<27} {row['entity_type']} {row['entity_id']}: {row['title']}")
        counts = flags.group_by("severity").len().sort("severity")
        print(f"{flags.height} flag(s): " + ", ".join(f"{n} {s}" for s, n in counts.iter_rows()) if flags.height
              else "No breaks in the thread.")
    return 1 if (flags["severity"] == "error").any() else 0


def cmd_spc(args: argparse.Namespace) -> int:
    from golden_thread.spc.options import SpcInputError, SpcOptions
    from golden_thread.spc.series_file import compute_file, read_options, write_output

    try:
        options = read_options(args.options) if args.options else SpcOptions()
        result = compute_file(args.input, options)
    except SpcInputError as error:
        print(f"golden-thread spc: {error}", file=sys.stderr)
        return 2
    write_output(result, args.out)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="golden-thread", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    def command(name: str, handler, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text)
        sub.add_argument("--db", default=default_db_path(), help="DuckDB file (default: %(default)s)")
        sub.set_defaults(handler=handler)
        return sub

    command("init", cmd_init, "create (or upgrade) an empty database")
    demo = command("demo", cmd_demo, "load the demo trust into an empty database")
    demo.add_argument("--today", help="pretend today is this ISO date (the data end the month before)")
    export = command("export", cmd_export, "write the whole organisation as one CSV per table")
    export.add_argument("directory", type=Path)
    imp = command("import", cmd_import, "read an export into an empty database (all or nothing)")
    imp.add_argument("directory", type=Path)
    check = command("check", cmd_check, "list the breaks in the golden thread; exit 1 if any is an error")
    check.add_argument("--format", choices=["table", "json"], default="table")
    check.add_argument("--today", help="judge as of this ISO date (default: today)")
    spc = command("spc", cmd_spc, "compute a run or control chart for one series")
    spc.add_argument("input", type=Path, help="CSV with x, y and optionally n")
    spc.add_argument("--options", type=Path, help="chart options (JSON)")
    spc.add_argument("--out", type=Path, required=True, help="where to write the computed chart (CSV)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
