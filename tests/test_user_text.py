"""Titles and notes are shown as typed: HTML or markdown in user text never becomes markup on a page.

A copy of the demo trust has its titles, notes and definitions replaced by text full of markup (a script
tag, an image with an onerror handler, bold, a link, Streamlit's colour and LaTeX syntax); every page is
opened under AppTest and every string Streamlit renders as markdown (bodies, headings, alerts, captions,
widget and metric labels, help) is searched for that markup left as it was typed. Where the text is shown,
it must read exactly as typed once markdown's escapes are undone (tables show it as it is).
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import polars as pl
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from golden_thread.storage.store import Store
from tests.conftest import signed_in

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent
ENTRY = str(ROOT / "dashboard.py")


def payload(i: int) -> str:
    return (
        f"<script>alert({i})</script> <img src=x onerror=alert({i})> **bold{i}** <b>x{i}</b> "
        f"[link{i}](http://x{i}.example) :red[alarm{i}] $x{i}$ _it{i}_"
    )


def markup(i: int) -> list[str]:
    """Pieces of payload(i) that, left as typed inside markdown, would render as markup."""
    return [
        "<script>",
        f"<img src=x onerror=alert({i})>",
        f"**bold{i}**",
        f"<b>x{i}</b>",
        f"[link{i}](http://x{i}.example)",
        f":red[alarm{i}]",
        f"${'x'}{i}$",
        f"_it{i}_",
    ]


# (table, key column, key, column) -> the payload number written there
POISONED = {
    ("strategic_objective", "id", 1, "title"): 0,
    ("aim", "id", 1, "title"): 1,
    ("aim", "id", 1, "statement"): 2,
    ("aim", "id", 1, "responsible_leader"): 3,
    ("aim", "id", 5, "title"): 4,  # the aim no active project serves: named in an error on two pages
    ("project", "id", 22, "title"): 5,  # an orphan project
    ("measure", "id", 1, "name"): 6,
    ("measure", "id", 1, "numerator_definition"): 7,
    ("measure", "id", 1, "denominator_definition"): 8,
    ("measure", "id", 1, "unit"): 9,
    ("chart_phase", "measure_id", 1, "reason"): 10,
    ("driver", "id", 9, "title"): 11,
    ("change_idea", "id", 9, "title"): 12,
    ("project", "id", 1, "title"): 13,
    ("organisation", "name", "Acute Medical Unit", "name"): 14,
    ("pdsa_cycle", "project_id", 1, "title"): 15,
}
PAGES = {
    "home": ("screens/home.py", {}),
    "measure": ("screens/measures.py", {"measure": "1"}),
    "alignment": ("screens/alignment.py", {}),
    "thread": ("screens/thread.py", {"node": "aim:1"}),
    "board": ("screens/board.py", {}),
    "board aim": ("screens/board.py", {"aim": "1"}),
    "audit trail": ("screens/audit.py", {}),
    "users": ("screens/users.py", {}),
    "build aim": ("screens/build.py", {"record": "aim", "id": "1"}),
    "build project": ("screens/build.py", {"record": "project", "id": "22", "part": "links"}),
    "build measure": ("screens/build.py", {"record": "measure", "id": "1"}),
    "pdsa project": ("screens/pdsa.py", {"project": "1"}),
    "diagram": ("screens/diagram.py", {"aim": "1"}),
}
# Which payloads each page must show somewhere (as typed, once markdown escapes are undone).
SHOWN = {
    "home": {0, 1, 4},
    "measure": {6, 10},
    "alignment": {4, 5},
    "thread": {1},
    "board": {0, 1, 4},
    "board aim": {1, 2, 3},
    "audit trail": set(),
    "users": set(),
    "build aim": {1},
    "build project": {5},
    "build measure": {6},
    "pdsa project": {13, 15},
    "diagram": set(),
}
MARKDOWN_BODIES = {
    "markdown",
    "caption",
    "title",
    "header",
    "subheader",
    "error",
    "warning",
    "info",
    "success",
    "toast",
    "exception",
    "latex",
}


def _walk(node):
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _walk(child)


def _strings(message, prefix: str = ""):
    """(field path, text) for every string in a protobuf message."""
    for field, value in message.ListFields():
        repeated = field.is_repeated if hasattr(field, "is_repeated") else field.label == field.LABEL_REPEATED
        if field.type == field.TYPE_MESSAGE:
            for item in value if repeated else [value]:
                yield from _strings(item, f"{prefix}{field.name}.")
        elif field.type == field.TYPE_STRING:
            for item in value if repeated else [value]:
                yield f"{prefix}{field.name}", item


class Rendered:
    """What one page showed: markdown strings by kind, plain strings (table cells, options), component data."""

    def __init__(self, app: AppTest):
        self.bodies: list[tuple[str, str]] = []  # rendered as markdown: element bodies
        self.labels: list[tuple[str, str]] = []  # rendered as markdown: widget, metric and block labels, help
        self.plain: list[str] = []
        self.components: list[dict] = []
        for node in _walk(app._tree):
            proto = getattr(node, "proto", None)
            kind = getattr(node, "type", "")
            if proto is None:
                continue
            if kind in ("dataframe", "arrow_data_frame", "table"):
                frame = node.value
                self.plain += [str(v) for v in frame.to_numpy().ravel().tolist()] + [str(c) for c in frame.columns]
                continue
            if kind == "bidi_component" or "component" in kind:
                self.components.append(json.loads(getattr(proto, "json", "") or "{}"))
                continue
            for field, text in _strings(proto):
                name = field.rsplit(".", 1)[-1]
                if name == "body" and kind in MARKDOWN_BODIES:
                    self.bodies.append((kind, text))
                elif name in ("label", "help"):
                    self.labels.append((f"{kind}.{field}", text))
                else:
                    self.plain.append(text)

    def shown_as_typed(self) -> str:
        """Everything a reader sees, markdown escapes undone, as one text to search."""
        unescaped = [  # plain()'s invisible word joiners (they keep a bare address from becoming a link) too
            html.unescape(re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", text)).replace("\u2060", "")
            for _, text in self.bodies + self.labels
        ]
        return "\n".join(unescaped + self.plain)


def _leaks(strings: list[tuple[str, str]]) -> list[str]:
    found = []
    for where, text in strings:
        for i in set(POISONED.values()):
            for piece in markup(i):
                # A piece whose first character is escaped (label_text's "\\<script>") reads as typed, not as markup.
                if re.search(r"(?<!\\)" + re.escape(piece), text):
                    found.append(f"{where}: {piece!r} in {text[:160]!r}")
    return found


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Rendered]:
    from golden_thread.seed.demo import build_demo_trust
    from tests.conftest import DEMO_TODAY

    # (DuckDB refuses an UPDATE of a row other rows point at, so the text goes in before the demo is loaded.)
    frames = build_demo_trust(DEMO_TODAY)
    for (table, key, value, column), i in POISONED.items():
        hit = pl.col(key) == value
        assert frames[table].filter(hit).height, f"no {table} row with {key} = {value} in the demo"
        frames[table] = frames[table].with_columns(
            pl.when(hit).then(pl.lit(payload(i))).otherwise(pl.col(column)).alias(column)
        )
    path = tmp_path_factory.mktemp("user-text") / "poisoned.duckdb"
    store = Store(path)
    store.insert_tables(frames)
    store.close()
    pages = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GOLDEN_THREAD_DB", str(path))
        st.cache_resource.clear()
        st.cache_data.clear()
        for name, (page, query) in PAGES.items():
            app = signed_in(AppTest.from_file(ENTRY, default_timeout=90), "admin")
            for key, value in query.items():
                app.query_params[key] = value
            app.run()
            if page:
                app.switch_page(str(ROOT / page))
                app.run()
            assert not app.exception, [e.value for e in app.exception]
            pages[name] = Rendered(app)
        st.cache_resource.clear()
        st.cache_data.clear()
    return pages


@pytest.mark.parametrize("page", list(PAGES))
def test_markup_in_user_text_never_reaches_markdown_as_typed(rendered, page):
    assert rendered[page].bodies, "the page rendered no markdown at all"
    assert not _leaks(rendered[page].bodies)


@pytest.mark.parametrize("page", list(PAGES))
def test_markup_in_user_text_never_reaches_a_label_as_typed(rendered, page):
    assert rendered[page].labels
    assert not _leaks(rendered[page].labels)


@pytest.mark.parametrize("page", list(PAGES))
def test_user_text_reads_exactly_as_typed_where_it_is_shown(rendered, page):
    seen = rendered[page].shown_as_typed()
    missing = [i for i in sorted(SHOWN[page]) if payload(i) not in seen]
    assert not missing, f"not shown as typed: {[payload(i) for i in missing]}"


def test_thread_tree_tooltips_show_titles_as_text_not_html(rendered):
    formatters = []

    def collect(value):
        if isinstance(value, dict):
            for key, item in value.items():
                if key == "formatter" and isinstance(item, str):
                    formatters.append(item)
                collect(item)
        elif isinstance(value, list):
            for item in value:
                collect(item)

    collect(rendered["thread"].components)
    assert any("alert(" in f for f in formatters), "the poisoned titles are not in the tree's tooltips"
    assert not [f for f in formatters if "<script" in f or "<img" in f or "<b>" in f]
