"""The store's SQL, written once in DuckDB's dialect, as PostgreSQL runs it (issue 19).

``to_postgres(sql)`` turns one text (a query, a write, or a migration of several statements) into PostgreSQL's
statements with its native ``$1``-style placeholders, and ``order``: for each ``$k``, the parameter of the DuckDB
text it takes (an index for ``?``, a name for ``$name``); ``bind(translated, params)`` lays a call's parameters out
in that order. Native placeholders (psycopg's ``RawCursor``) mean a literal ``%`` in a LIKE or a date format needs
no escaping. Each text is translated once: the store's SQL is a few hundred fixed strings.

sqlglot reads DuckDB and writes PostgreSQL; ``_rewrite`` adds what it leaves (``GROUP BY ALL``, ``arg_max``, a
subquery in FROM without a name, ``to_days``), found by replaying every statement the demo and the storage tests
run (``spikes/postgres/FINDINGS.md``). ``COMPAT_SQL`` makes, once per database, the one function the schema needs
that PostgreSQL lacks.
"""

from __future__ import annotations

import functools
import itertools
import re
from dataclasses import dataclass

import sqlglot
from sqlglot import exp

# DuckDB's isfinite takes a double; PostgreSQL's only dates and timestamps, and the observation table's CHECK calls
# it (IMMUTABLE, so that a CHECK may).
COMPAT_SQL = """
CREATE OR REPLACE FUNCTION isfinite(double precision) RETURNS boolean
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT $1 <> 'Infinity'::float8 AND $1 <> '-Infinity'::float8 AND $1 <> 'NaN'::float8 $$
"""


@dataclass(frozen=True)
class Translated:
    """PostgreSQL's statements for one DuckDB text, and which DuckDB parameter each ``$k`` takes."""

    statements: tuple[str, ...]
    order: tuple[int | str, ...]


# A ``?`` outside quotes and comments (which are matched first and kept as they are).
_QUESTION = re.compile(r"""('(?:[^']|'')*'|"(?:[^"]|"")*"|--[^\n]*)|\?""")
_PLACEHOLDER = re.compile(r"%\((\w+)\)s")
# Text rewrites done more simply on text than on the tree: sqlglot drops the expression of DuckDB's
# ``INTERVAL (expr) DAY``, and PostgreSQL spells a transaction's start BEGIN.
_BEFORE = [
    (re.compile(r"INTERVAL \(([^()]+)\) (DAY|MONTH|YEAR)S?", re.IGNORECASE), r"(\1) * INTERVAL '1 \2'"),
    (re.compile(r"\bBEGIN TRANSACTION\b", re.IGNORECASE), "BEGIN"),
]
_AFTER = [
    (re.compile(r"\bTO_DAYS\(", re.IGNORECASE), "MAKE_INTERVAL(days => "),
    (re.compile(r"\bTO_MONTHS\(", re.IGNORECASE), "MAKE_INTERVAL(months => "),
]


@functools.lru_cache(maxsize=4096)
def to_postgres(sql: str) -> Translated:
    """``sql`` (DuckDB's dialect, ``?`` or ``$name`` parameters) as PostgreSQL statements with ``$1``…``$n``."""
    # sqlglot's DuckDB reader cannot parse ``?::TYPE`` (the organisation scope's ``unnest(?::INTEGER[])``) but reads
    # ``$name::TYPE``: each ``?`` is named by its position first.
    counter = itertools.count()
    text = _QUESTION.sub(lambda match: match.group(1) or f"$__q{next(counter)}", sql)
    for pattern, replacement in _BEFORE:
        text = pattern.sub(replacement, text)
    order: list[int | str] = []

    def number(match: re.Match) -> str:
        name = match.group(1)
        key: int | str = int(name[3:]) if name.startswith("__q") else name
        if key not in order:
            order.append(key)
        return f"${order.index(key) + 1}"

    statements = []
    for tree in sqlglot.parse(text, read="duckdb"):
        if tree is None:
            continue
        rewrite = functools.partial(_rewrite, names=itertools.count(1), units=_scope_units(tree))
        out = tree.transform(rewrite).sql(dialect="postgres")
        out = _PLACEHOLDER.sub(number, out)
        for pattern, replacement in _AFTER:
            out = pattern.sub(replacement, out)
        statements.append(out)
    return Translated(tuple(statements), tuple(order))


def bind(translated: Translated, params: list | tuple | dict | None) -> list:
    """A call's parameters in the order of the translated text's ``$1``…``$n``."""
    if not translated.order:
        return []
    if params is None:
        raise ValueError("the statement takes parameters and none were given")
    return [params[key] for key in translated.order]


def _scope_units(tree: exp.Expression) -> exp.Expression | None:
    """The organisation scope's list of units (``scope_unit AS (SELECT unnest(<list>) AS id)``), if the text has it."""
    for cte in tree.find_all(exp.CTE):
        if cte.alias == "scope_unit" and isinstance(cte.this, exp.Select):
            (unit,) = cte.this.expressions
            if isinstance(unit, exp.Alias) and isinstance(unit.this, exp.Explode):
                return unit.this.this
    return None


def _rewrite(node: exp.Expression, names: itertools.count, units: exp.Expression | None) -> exp.Expression:
    """One tree node as PostgreSQL needs it where sqlglot (30.x) leaves DuckDB's form."""
    if isinstance(node, exp.Select) and node.args.get("group") is not None and node.args["group"].args.get("all"):
        # GROUP BY ALL: PostgreSQL has none; the positions of the projections that hold no aggregate.
        keys = [
            exp.Literal.number(position)
            for position, projection in enumerate(node.expressions, start=1)
            if not projection.find(exp.AggFunc) and not projection.find(exp.Window)
        ]
        node.set("group", exp.Group(expressions=keys))
        return node
    if isinstance(node, exp.Subquery) and not node.alias and isinstance(node.parent, exp.From | exp.Join):
        # PostgreSQL before 16 wants a name for every subquery in FROM (Debian 12 ships 15).
        node.set("alias", exp.TableAlias(this=exp.to_identifier(f"_subquery{next(names)}")))
        return node
    if isinstance(node, exp.Anonymous) and node.name.lower() == "hash":
        # DuckDB's hash of several values (a fingerprint, compared only with one from the same engine) as
        # PostgreSQL's 64-bit hash of their text, a missing value spelled apart from any text.
        parts = [
            exp.Coalesce(
                this=exp.Cast(this=part.copy(), to=exp.DataType.build("text")), expressions=[exp.Literal.string("\\N")]
            )
            for part in node.expressions
        ]
        text = exp.Anonymous(this="concat_ws", expressions=[exp.Literal.string("|"), *parts])
        return exp.Anonymous(this="hashtextextended", expressions=[text, exp.Literal.number(0)])
    if units is not None and isinstance(node, exp.In) and _reads_the_scope_units(node):
        # ``team_id IN (SELECT id FROM scope_unit)`` as ``team_id = ANY(<the list>)``: PostgreSQL guesses an unnest
        # at 200 rows and may then join the scope's shadows row by row (a project list for one aim, 0.6 s on a
        # large trust); a list it counts, and an index serves.
        return exp.EQ(this=node.this.copy(), expression=exp.Any(this=exp.Paren(this=units.copy())))
    if isinstance(node, exp.CTE) and _shadows_a_table(node):
        # The organisation scope's shadow of a table (``project AS (SELECT * FROM main.project WHERE ...)``), read
        # twice, PostgreSQL would materialise by default: a table with no index, scanned whole for each row of the
        # outer query (the stale-project check, 8 s on a large trust). Inlined, the table's own indexes serve.
        node.set("materialized", False)
        return node
    if isinstance(node, exp.ArrayContains) and _is_a_condition(node):
        # list_contains(ids, column) as a condition: ``column = ANY(ids)``, which an index on the column serves.
        # (sqlglot's faithful form wraps it in CASE and COALESCE for a missing column value, which no index serves,
        # so a page reading one measure's figures read every figure; as a condition, NULL and false agree.)
        return exp.EQ(this=node.expression.copy(), expression=exp.Any(this=exp.Paren(this=node.this.copy())))
    for kinds, functions, descending in (
        (exp.ArgMax, {"arg_max", "max_by"}, True),
        (exp.ArgMin, {"arg_min", "min_by"}, False),
    ):
        if isinstance(node, kinds) or (isinstance(node, exp.Anonymous) and node.name.lower() in functions):
            # arg_max(value, key) -> (array_agg(value ORDER BY key DESC NULLS LAST))[1]
            value, key = (node.this, node.expression) if isinstance(node, kinds) else node.expressions[:2]
            ordered = exp.Ordered(this=key.copy(), desc=descending, nulls_first=False)
            aggregate = exp.ArrayAgg(this=exp.Order(this=value.copy(), expressions=[ordered]))
            return exp.Bracket(this=exp.Paren(this=aggregate), expressions=[exp.Literal.number(1)], offset=1)
    return node


def _reads_the_scope_units(node: exp.In) -> bool:
    """Whether ``node`` is ``<column> IN (SELECT id FROM scope_unit)``."""
    query = node.args.get("query")
    select = query.this if isinstance(query, exp.Subquery) else query
    if not isinstance(select, exp.Select) or select.args.get("where") or select.args.get("joins"):
        return False
    source = select.args.get("from_")
    return (
        [column.sql() for column in select.expressions] == ["id"]
        and source is not None
        and isinstance(source.this, exp.Table)
        and source.this.name == "scope_unit"
        and not node.args.get("expressions")
    )


def _shadows_a_table(cte: exp.CTE) -> bool:
    """Whether a CTE is ``SELECT * FROM main.<table> WHERE ...``: one table's rows, filtered."""
    query = cte.this
    if not isinstance(query, exp.Select) or not query.is_star or query.args.get("joins"):
        return False
    source = query.args.get("from_")
    table = source.this if source is not None else None
    return (
        isinstance(table, exp.Table)
        and table.db == "main"
        and not any(query.args.get(part) for part in ("group", "having", "distinct", "limit", "order", "qualify"))
    )


def _is_a_condition(node: exp.Expression) -> bool:
    """Whether a node's value decides which rows a WHERE, ON or HAVING keeps (through AND, OR and brackets only)."""
    parent = node.parent
    while isinstance(parent, exp.And | exp.Or | exp.Paren):
        parent = parent.parent
    return isinstance(parent, exp.Where | exp.Having) or (isinstance(parent, exp.Join) and node.arg_key != "this")
