"""The layers of golden_thread, read from the imports: each package imports only the layers beneath it.

docs/ARCHITECTURE.md draws the same picture. A failure names the module, the import and the rule it breaks.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "golden_thread"

# layer -> the golden_thread layers it may import (besides itself). Pure layers at the bottom.
MAY_IMPORT: dict[str, set[str]] = {
    "errors": set(),
    "config": set(),
    "spc": {"errors"},
    "domain": {"errors", "spc"},
    "storage": {"errors", "spc", "domain"},
    "draw": {"errors", "spc", "domain"},
    "services": {"errors", "spc", "domain", "storage"},
    "seed": {"errors", "spc", "domain", "storage"},
    "report": {"errors", "spc", "domain", "draw", "services"},
    "app": {"errors", "config", "spc", "domain", "storage", "draw", "services", "seed", "report"},
    "cli": {"errors", "config", "spc", "domain", "storage", "services", "seed", "report"},
}
# Third-party packages only one layer may import.
ONLY_IN = {
    "streamlit": {"app"},
    "duckdb": {"storage"},
    "psycopg": {"storage"},
    "sqlglot": {"storage"},
    "streamlit_echarts": {"app"},
    "reportlab": {"report"},
}


def _layer(path: Path) -> str:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return parts[0]


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if p.name != "__init__.py" or p.parent != PACKAGE)


def test_every_module_sits_in_a_known_layer():
    unknown = {str(p.relative_to(ROOT)) for p in _modules() if _layer(p) not in MAY_IMPORT}
    assert not unknown, f"modules outside every layer (add the folder to MAY_IMPORT and ARCHITECTURE.md): {unknown}"


def test_no_layer_imports_one_above_it():
    broken = []
    for path in _modules():
        layer = _layer(path)
        for line, module in _imports(path):
            parts = module.split(".")
            if parts[0] == "golden_thread" and len(parts) > 1:
                target = parts[1]
                if target != layer and target not in MAY_IMPORT[layer]:
                    broken.append(f"{path.relative_to(ROOT)}:{line} imports {module} ({layer} may not use {target})")
            elif parts[0] in ONLY_IN and layer not in ONLY_IN[parts[0]]:
                broken.append(f"{path.relative_to(ROOT)}:{line} imports {module} (only {ONLY_IN[parts[0]]} may)")
    assert not broken, "\n".join(broken)


def test_screens_and_the_entry_reach_data_only_through_the_app_layer_and_services():
    """A screen never opens the database itself: it asks golden_thread.app for the organisation's store."""
    broken = []
    for path in [ROOT / "dashboard.py", *sorted((ROOT / "screens").glob("*.py"))]:
        for line, module in _imports(path):
            if module == "duckdb" or module.startswith("golden_thread.seed"):
                broken.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    assert not broken, "\n".join(broken)


def test_the_layer_rule_catches_an_upward_import(tmp_path):
    """The check above can fail: a domain module importing storage is reported."""
    bad = ast.parse("from golden_thread.storage.store import Store\n")
    module = bad.body[0].module
    assert module.split(".")[1] not in MAY_IMPORT["domain"]


def _stops(source: str) -> list[int]:
    """The lines of ``source`` that call ``st.stop()``."""
    return [
        node.lineno
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "stop"
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "st"
    ]


def test_no_screen_ends_its_run_with_st_stop():
    """``st.stop()`` ends a run unfinished, and Streamlit then keeps what other pages' forms were loaded with while
    the browser draws them blank on the way back (a PDSA cycle's plan was saved blank). Screens end early with
    ``golden_thread.app.page_end.end_page()`` instead."""
    places = [ROOT / "dashboard.py", *sorted((ROOT / "screens").glob("*.py")), *sorted((PACKAGE / "app").glob("*.py"))]
    found = [f"{path.relative_to(ROOT)}:{line}" for path in places for line in _stops(path.read_text())]
    assert not found, "use end_page() instead of st.stop() at: " + ", ".join(found)
    assert _stops("import streamlit as st\nif True:\n    st.stop()\n") == [3]  # the check finds one where there is one
