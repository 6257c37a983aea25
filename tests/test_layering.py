"""The layers hold: the domain, the rule engine and the use cases import no I/O library and no adapter.

Two checks: a fresh interpreter imports each core module and looks at ``sys.modules`` (catches transitive
imports), and an AST walk over the source finds every import statement, also those inside functions,
which importing alone never runs.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "commops"
FORBIDDEN = ("zenpy", "httpx", "requests", "sqlite3", "typer", "rich", "werkzeug", "filelock")
ADAPTERS = ("commops.zendesk", "commops.sandbox", "commops.verify", "commops.journal", "commops.cli",
            "commops.bootstrap", "commops.reports.render_csv", "commops.reports.render_html",
            "commops.reports.render_text")
SERVICES = sorted(f"commops.services.{p.stem}" for p in (SRC / "services").glob("*.py") if p.stem != "__init__")
CORE_FILES = sorted([*(SRC / "domain").rglob("*.py"), *(SRC / "rules").rglob("*.py"), SRC / "ports.py",
                     *(SRC / "services").glob("*.py")])


def _loaded_after_import(modules: list[str]) -> list[str]:
    code = (
        "import sys, json, importlib\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        f"bad = [m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r} or m.startswith({ADAPTERS!r})]\n"
        "print(json.dumps(sorted(bad)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return list(json.loads(out.stdout))


def test_domain_rules_and_ports_import_no_io_and_no_adapter() -> None:
    assert _loaded_after_import(["commops.domain", "commops.rules", "commops.ports"]) == []


def test_every_use_case_depends_on_ports_not_on_adapters() -> None:
    """Every ``commops.services`` module: Zendesk, the journal, the forges and the lock only through ports."""
    assert SERVICES, "no services found"
    assert _loaded_after_import(SERVICES) == []


def _imports(tree: ast.AST) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


@pytest.mark.parametrize("path", CORE_FILES, ids=lambda p: str(p.relative_to(SRC)))
def test_no_import_statement_in_the_core_names_an_adapter(path: Path) -> None:
    """Also function-level imports (``from commops.verify import ...`` inside a function is a dependency)."""
    wrong = [
        f"{path.relative_to(SRC)}:{line}: {module}"
        for line, module in _imports(ast.parse(path.read_text(encoding="utf-8")))
        if module.split(".")[0] in FORBIDDEN or module.startswith(ADAPTERS)
    ]
    assert wrong == []


def test_the_ast_check_sees_function_level_imports() -> None:
    tree = ast.parse("def f():\n    from commops.verify import verify_applications\n    import sqlite3\n")
    assert [m for _, m in _imports(tree)] == ["commops.verify", "sqlite3"]
