"""What an organisation import refuses in its keys, references and rules: each cause once, in words, found over
whole columns at once (a million rows are judged in about a second).

The schema's own rules are read from the database (required columns, primary and unique keys, foreign keys) beside
the references the store holds itself (``store._REFERENCE_CHECKS``), and each is judged on the converted files before
any row is written anywhere. A row refused here or earlier (a cell of the wrong type, a figure the form refuses)
refuses, silently, every row that points at it: those are counted once per file, not listed, so one bad
organisation reads as one line and not as thousands of cascading foreign-key lines. A kind of problem on many lines
is listed for its first few lines, then counted.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

# Lines listed for one kind of problem in one file before the rest are counted.
SHOWN = 5

# References the store holds itself since migration 9 (``store._REFERENCE_CHECKS``), beside the schema's foreign
# keys: (table, column) -> (referenced table, column).
STORE_REFERENCES = {
    ("measure", "aim_id"): ("aim", "id"),
    ("measure", "driver_id"): ("driver", "id"),
    ("measure", "project_id"): ("project", "id"),
    ("project", "team_id"): ("organisation", "id"),
    ("pdsa_cycle", "change_idea_id"): ("change_idea", "id"),
    ("pdsa_cycle", "builds_on_id"): ("pdsa_cycle", "id"),
}

# Rows that point at a row of the same table, and how a loop of them reads.
CHAINS = {
    "organisation": ("parent_id", "organisation", "is its own parent", "is its own ancestor"),
    "pdsa_cycle": ("builds_on_id", "PDSA cycle", "builds on itself", "builds on itself through a loop of cycles"),
}

# Rules the schema checks, in words: (table, later column, earlier column, what the later one is).
DATE_ORDER = (
    ("project", "end_date", "start_date"),
    ("pdsa_cycle", "end_date", "start_date"),
    ("network_membership", "left_on", "joined_on"),
)
# Two columns of one row that must differ: (table, column, other column, why).
DIFFERENT = (
    ("driver_link", "child_driver_id", "parent_driver_id", "a driver cannot lead to itself"),
    ("local_aim", "network_aim_id", "aim_id", "a local aim cannot specialise itself"),
    ("member_measure", "uniform_measure_id", "measure_id", "a member's measure cannot report itself"),
)

_WORDS = {
    "organisation": "organisation",
    "network_membership": "membership",
    "strategic_objective": "strategic objective",
    "driver_diagram": "driver diagram",
    "driver_diagram_version": "driver diagram version",
    "change_idea": "change idea",
    "pdsa_cycle": "PDSA cycle",
    "app_user": "account",
}


@dataclass(frozen=True)
class RowProblem:
    file: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.file} line {self.line}: {self.reason}"


@dataclass(frozen=True)
class _Schema:
    required: dict[str, list[str]]  # table -> its NOT NULL columns
    defaulted: dict[str, set[str]]  # table -> those of them a missing column leaves to their default
    keys: dict[str, list[list[str]]]  # table -> its primary and unique keys
    references: dict[tuple[str, str], tuple[str, str]]  # (table, column) -> (table, column)


def check_tables(store, frames: dict[str, pl.DataFrame], earlier: list[RowProblem]) -> list[RowProblem]:
    """Every problem of keys, references and rules in the converted ``frames`` (table -> rows, line = index + 2),
    besides the ``earlier`` problems (whose rows count as refused), in table order (parents first)."""
    schema = _read_schema(store)
    refused: dict[str, set[int]] = {}  # table -> row indexes refused (for the rows that point at them)
    for problem in earlier:
        table = problem.file.removesuffix(".csv")
        if table in frames:
            if problem.line == 1:
                refused[table] = set(range(frames[table].height))
            else:
                refused.setdefault(table, set()).add(problem.line - 2)
    problems: list[RowProblem] = []
    waiting: dict[str, set[int]] = {}  # file -> rows that only point at refused rows
    for table, frame in frames.items():
        if frame.width == 0 or (table in refused and len(refused[table]) == frame.height and frame.height):
            continue
        file = f"{table}.csv"
        own = refused.setdefault(table, set())
        defaulted = schema.defaulted.get(table, set())
        missing = [c for c in schema.required.get(table, []) if c not in frame.columns and c not in defaulted]
        if missing:
            problems += [RowProblem(file, 1, f"has no {c} column; every row needs its {c}") for c in missing]
            own.update(range(frame.height))
            continue
        found = _blanks(frame, file, [c for c in schema.required.get(table, []) if c in frame.columns])
        found += _rules(table, frame, file)
        found += _duplicates(table, frame, file, schema.keys.get(table, []))
        found += _chains(table, frame, file)
        problems += [p for p, _ in found]
        own.update(i for _, rows in found for i in rows)
        found_here, waiting_here = _references(table, frame, file, schema, frames, refused)
        problems += found_here
        if waiting_here:
            waiting[file] = waiting_here
    if waiting:
        problems.append(_waiting(waiting))
    return problems


def _waiting(waiting: dict[str, set[int]]) -> RowProblem:
    """One line for every row that only points at a refused row: they need nothing of their own."""
    file, rows = next(iter(waiting.items()))
    others = [f for f in waiting if f != file]
    elsewhere = ""
    if others:
        named = ", ".join(others[:SHOWN]) + (f" and {len(others) - SHOWN} more files" if len(others) > SHOWN else "")
        elsewhere = f", and {sum(len(r) for f, r in waiting.items() if f != file):,} more in {named},"
    return RowProblem(
        file,
        min(rows) + 2,
        f"{len(rows):,} row(s) from this line on{elsewhere} point at rows refused above and wait for them; mend those "
        "and these follow",
    )


def _read_schema(store) -> _Schema:
    everything = store.everything()
    columns = everything._query(  # noqa: SLF001 - the schema's own description, read in the storage layer
        "SELECT table_name, column_name, column_default IS NOT NULL AS has_default FROM information_schema.columns "
        "WHERE table_schema = 'main' AND is_nullable = 'NO' ORDER BY table_name, ordinal_position"
    )
    required: dict[str, list[str]] = {}
    defaulted: dict[str, set[str]] = {}
    for table, column, has_default in columns.iter_rows():
        required.setdefault(table, []).append(column)
        if has_default:
            defaulted.setdefault(table, set()).add(column)
    constraints = everything.key_constraints()
    keys: dict[str, list[list[str]]] = {}
    references = dict(STORE_REFERENCES)
    for table, kind, names, referenced, referenced_names in constraints.iter_rows():
        if kind == "FOREIGN KEY":
            if len(names) == 1:
                references[(table, names[0])] = (referenced, referenced_names[0])
        elif list(names) not in keys.setdefault(table, []):
            keys[table].append(list(names))
    return _Schema(required, defaulted, keys, references)


# -- each kind of problem: (problem, the row indexes it refuses) ---------------------------------------------------


def listed(file: str, lines: list[int], reasons: list[str], kind: str) -> list[RowProblem]:
    """The first SHOWN lines of one kind of problem, then one line counting the rest."""
    shown = [RowProblem(file, line, reason) for line, reason in zip(lines[:SHOWN], reasons[:SHOWN])]
    if len(lines) > SHOWN:
        shown.append(RowProblem(file, lines[SHOWN], f"and {len(lines) - SHOWN:,} more lines from here on where {kind}"))
    return shown


def _blank(frame: pl.DataFrame, column: str) -> pl.Series:
    values = frame[column]
    if values.dtype == pl.Utf8:
        return values.is_null() | (values.str.strip_chars() == "")
    return values.is_null()


def _blanks(frame: pl.DataFrame, file: str, required: list[str]) -> list[tuple[RowProblem, list[int]]]:
    found = []
    for column in required:
        rows = _blank(frame, column).arg_true().to_list()
        if rows:
            reasons = [f"{column} is blank; every row needs one"] * min(len(rows), SHOWN)
            found += _refusing(listed(file, [i + 2 for i in rows], reasons, f"{column} is blank"), rows)
    return found


def _rules(table: str, frame: pl.DataFrame, file: str) -> list[tuple[RowProblem, list[int]]]:
    found = []
    for rule_table, later, earlier in DATE_ORDER:
        if rule_table != table or later not in frame.columns or earlier not in frame.columns:
            continue
        wrong = (frame[later] < frame[earlier]).fill_null(False)
        rows = wrong.arg_true().to_list()
        reasons = [f"{later} {frame[later][i]} comes before {earlier} {frame[earlier][i]}" for i in rows[:SHOWN]]
        found += _refusing(listed(file, [i + 2 for i in rows], reasons, f"{later} comes before {earlier}"), rows)
    for rule_table, column, other, why in DIFFERENT:
        if rule_table != table or column not in frame.columns or other not in frame.columns:
            continue
        rows = (frame[column] == frame[other]).fill_null(False).arg_true().to_list()
        reasons = [f"{column} and {other} are both {frame[column][i]}: {why}" for i in rows[:SHOWN]]
        found += _refusing(listed(file, [i + 2 for i in rows], reasons, f"{column} is {other}"), rows)
    return found


def _refusing(problems: list[RowProblem], rows: list[int]) -> list[tuple[RowProblem, list[int]]]:
    """Each problem listed, the first carrying every row the kind refuses."""
    return [(p, rows if k == 0 else []) for k, p in enumerate(problems)]


def _duplicates(table: str, frame: pl.DataFrame, file: str, keys: list[list[str]]) -> list[tuple[RowProblem, list]]:
    found = []
    for key in keys:
        if not all(c in frame.columns for c in key):
            continue
        rows = frame.select(key).with_row_index("row").drop_nulls(key)
        rows = rows.filter(pl.struct(key).is_duplicated())  # (a hash over the whole column; most files have none)
        if rows.height == 0:
            continue
        groups = (
            rows.group_by(key, maintain_order=True)
            .agg(pl.col("row"))
            .filter(pl.col("row").list.len() > 1)
            .sort(pl.col("row").list.first())
        )
        if groups.height == 0:
            continue
        named = " and ".join(key)
        lines, reasons, refused = [], [], []
        for group in groups.head(SHOWN + 1).iter_rows(named=True):
            at = [i + 2 for i in group["row"]]
            value = " and ".join(f"{c} {group[c]}" for c in key)
            more = "" if len(at) == 2 else f" (and on {len(at) - 2:,} more lines)"
            lines.append(at[1])
            reasons.append(f"{value} appears again (first on line {at[0]}){more}; each {named} must be unique")
        refused = groups["row"].explode().to_list()
        shown = listed(file, lines, reasons, f"a {named} appears again")
        if groups.height > SHOWN:  # count the remaining keys, not just the shown ones
            shown[-1] = RowProblem(
                file, lines[SHOWN], f"and {groups.height - SHOWN:,} more {named} values that appear more than once"
            )
        found += _refusing(shown, refused)
    return found


def _chains(table: str, frame: pl.DataFrame, file: str) -> list[tuple[RowProblem, list[int]]]:
    """Rows of a table that points at itself (a unit's parent, a cycle's earlier cycle) that lead back to
    themselves: each loop once, with its members."""
    if table not in CHAINS or "id" not in frame.columns or CHAINS[table][0] not in frame.columns:
        return []
    column, noun, itself, loop = CHAINS[table]
    rows = frame.select("id", column).with_row_index("row").drop_nulls("id").unique("id", keep="first")
    parent = dict(zip(rows["id"].to_list(), rows[column].to_list()))
    index = dict(zip(rows["id"].to_list(), rows["row"].to_list()))
    found = []
    seen: set = set()
    for start in parent:
        if start in seen:
            continue
        path, position = [], {}
        node = start
        while node is not None and node in parent and node not in seen and node not in position:
            position[node] = len(path)
            path.append(node)
            node = parent[node]
        seen.update(path)
        if node is None or node not in position:
            continue  # the chain ends (or joins one judged already)
        members = path[position[node] :]
        first = min(members, key=lambda m: index[m])
        if len(members) == 1:
            reason = f"{noun} {first} {itself} ({column} {first})"
        else:
            ring = members[members.index(first) :] + members[: members.index(first)] + [first]
            reason = f"{noun} {first} {loop}: " + " → ".join(str(m) for m in ring)
        found.append((RowProblem(file, index[first] + 2, reason), [index[m] for m in members]))
        if len(found) > SHOWN:
            break
    return found


def _references(
    table: str,
    frame: pl.DataFrame,
    file: str,
    schema: _Schema,
    frames: dict[str, pl.DataFrame],
    refused: dict[str, set[int]],
) -> tuple[list[RowProblem], set[int]]:
    """Rows pointing at nothing, listed; and the rows pointing at a refused row (of this table too, down its chains),
    which wait for it."""
    own = refused.setdefault(table, set())
    columns = [(c, ref) for (t, c), ref in schema.references.items() if t == table and c in frame.columns]
    problems: list[RowProblem] = []
    for column, (target, key) in columns:
        values = frame[column]
        target_frame = frames.get(target)
        present = target_frame is not None and key in target_frame.columns
        known = target_frame[key] if present else pl.Series(key, [], dtype=values.dtype)
        unknown = (values.is_not_null() & ~values.is_in(known.implode())).fill_null(False)
        rows = [i for i in unknown.arg_true().to_list() if i not in own]
        if rows:
            what = _WORDS.get(target, target.replace("_", " "))
            where = f"{target}.csv" if present else f"{target}.csv, which is not there"
            reasons = [f"{column} {values[i]} is not the {key} of any {what} in {where}" for i in rows[:SHOWN]]
            problems += listed(file, [i + 2 for i in rows], reasons, f"{column} is not the {key} of any {what}")
            own.update(rows)
    waiting: set[int] = set()
    chained = any(target == table for _, (target, _) in columns)
    for _ in range(frame.height if chained else 1):
        added: set[int] = set()
        for column, (target, key) in columns:
            target_frame = frames.get(target)
            bad = refused.get(target)
            if not bad or target_frame is None or key not in target_frame.columns:
                continue
            refused_keys = target_frame[key].gather(sorted(bad)).drop_nulls()
            hits = frame[column].is_in(refused_keys.implode()).fill_null(False).arg_true().to_list()
            added.update(i for i in hits if i not in own)
        if not added:
            break
        waiting |= added
        own |= added
    return problems, waiting
