"""The dialect seam, prototyped: a statement written once in DuckDB's dialect becomes PostgreSQL's, once per text.

``to_postgres(sql, fixes=...)`` returns ``(statements, order)``: the PostgreSQL statements (a migration holds
several) with native ``$1``-style placeholders (for psycopg's ``RawCursor`` and ADBC alike, so a literal ``%`` in a
LIKE or a date format needs no escaping), and ``order``: for each ``$k``, the DuckDB parameter it takes (an index for
``?``, a name for ``$name``). ``bind(order, params)`` then lays a call's parameters out in that order.

``fixes=False`` is sqlglot alone (what the spike counts first); ``fixes=True`` adds the few rewrites sqlglot lacks
(``FIXES``). Both are cached per text (the store's SQL is a few hundred fixed strings).
"""

from __future__ import annotations

import functools
import re

import sqlglot
from sqlglot import exp

_QUESTION = re.compile(r"""('(?:[^']|'')*'|"(?:[^"]|"")*"|--[^\n]*)|\?""")


def _name_questions(sql: str) -> str:
    """``?`` -> ``$__q0``, ``$__q1``…: sqlglot's DuckDB reader cannot parse ``?::TYPE`` (the scope's
    ``unnest(?::INTEGER[])``) but reads ``$name::TYPE``."""
    counter = iter(range(10_000))
    return _QUESTION.sub(lambda m: m.group(1) or f"$__q{next(counter)}", sql)


# -- the rewrites sqlglot (30.x) does not make from DuckDB to PostgreSQL ---------------------------------------------


_ALIASES = [0]


def _fix(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.Select) and node.args.get("group") is not None and node.args["group"].args.get("all"):
        # GROUP BY ALL (PostgreSQL has none): the positions of the projections that hold no aggregate.
        keys = [
            exp.Literal.number(i + 1)
            for i, projection in enumerate(node.expressions)
            if not projection.find(exp.AggFunc) and not projection.find(exp.Window)
        ]
        node.set("group", exp.Group(expressions=keys))
        return node
    if isinstance(node, exp.Subquery) and not node.alias and isinstance(node.parent, exp.From | exp.Join):
        # PostgreSQL before 16 wants a name for every subquery in FROM.
        _ALIASES[0] += 1
        node.set("alias", exp.TableAlias(this=exp.to_identifier(f"_sub{_ALIASES[0]}")))
        return node
    if isinstance(node, exp.ArgMax) or (isinstance(node, exp.Anonymous) and node.name.lower() in {"arg_max", "max_by"}):
        # arg_max(value, key) -> (array_agg(value ORDER BY key DESC NULLS LAST))[1]
        value, key = (node.this, node.expression) if isinstance(node, exp.ArgMax) else node.expressions[:2]
        ordered = exp.Order(expressions=[exp.Ordered(this=key.copy(), desc=True, nulls_first=False)])
        agg = exp.ArrayAgg(this=exp.Order(this=value.copy(), expressions=ordered.expressions))
        return exp.Bracket(this=exp.Paren(this=agg), expressions=[exp.Literal.number(1)], offset=1)
    if isinstance(node, exp.ArgMin) or (isinstance(node, exp.Anonymous) and node.name.lower() in {"arg_min", "min_by"}):
        value, key = (node.this, node.expression) if isinstance(node, exp.ArgMin) else node.expressions[:2]
        agg = exp.ArrayAgg(
            this=exp.Order(this=value.copy(), expressions=[exp.Ordered(this=key.copy(), desc=False, nulls_first=False)])
        )
        return exp.Bracket(this=exp.Paren(this=agg), expressions=[exp.Literal.number(1)], offset=1)
    return node


@functools.lru_cache(maxsize=4096)
def to_postgres(sql: str, fixes: bool = False) -> tuple[tuple[str, ...], tuple]:
    text = _name_questions(sql)
    if fixes:
        text = _pre_fix(text)
    trees = [t for t in sqlglot.parse(text, read="duckdb") if t is not None]
    order: list = []
    statements = []
    for tree in trees:
        if fixes:
            tree = tree.transform(_fix)
        out = tree.sql(dialect="postgres")

        def number(match: re.Match) -> str:
            name = match.group(1)
            key = int(name[3:]) if name.startswith("__q") else name
            if key not in order:
                order.append(key)
            return f"${order.index(key) + 1}"

        out = re.sub(r"%\((\w+)\)s", number, out)
        if fixes:
            out = _post_fix(out)
        statements.append(out)
    return tuple(statements), tuple(order)


def bind(order: tuple, params) -> list:
    if not order:
        return []
    if isinstance(params, dict):
        return [params[key] for key in order]
    return [params[key] for key in order]


# Text-level rewrites, where one is simpler than a tree transform (each one is a failure kind the spike met).
_PRE = [
    # DuckDB's ``INTERVAL (expr) DAY``: sqlglot drops the expression.
    (re.compile(r"INTERVAL \(([^()]+)\) (DAY|MONTH|YEAR)S?", re.I), r"(\1) * INTERVAL '1 \2'"),
    (re.compile(r"\bBEGIN TRANSACTION\b", re.I), "BEGIN"),
]
_POST = [
    # DuckDB's to_days/to_months make intervals; PostgreSQL spells them make_interval.
    (re.compile(r"\bTO_DAYS\(", re.I), "MAKE_INTERVAL(days => "),
    (re.compile(r"\bTO_MONTHS\(", re.I), "MAKE_INTERVAL(months => "),
]


def _pre_fix(text: str) -> str:
    for pattern, replacement in _PRE:
        text = pattern.sub(replacement, text)
    return text


def _post_fix(text: str) -> str:
    for pattern, replacement in _POST:
        text = pattern.sub(replacement, text)
    return text
