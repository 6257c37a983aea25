"""Every CLI command is thin: parse, call one service, render. Each command the real typer app registers
(hidden ones too) is measured from its source (AST), so a command that grows logic fails here, not in
review: at most 25 lines of logic and a cyclomatic complexity of at most 10 (ruff's C901 holds every
function under src/commops/cli to 10 as well; pyproject.toml)."""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import typer

from commops.cli.app import app

MAX_LINES = 25
MAX_COMPLEXITY = 10
_BRANCHES = (ast.If, ast.For, ast.AsyncFor, ast.While, ast.ExceptHandler, ast.IfExp, ast.Assert, ast.match_case)


@dataclass(frozen=True)
class Command:
    where: str
    lines: int
    complexity: int


def _logic(node: ast.FunctionDef) -> list[ast.stmt]:
    """The body without its docstring and its (lazy) imports: what the command does."""
    body = node.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    return [s for s in body if not isinstance(s, ast.Import | ast.ImportFrom)]


def logic_lines(node: ast.FunctionDef, source: list[str]) -> int:
    """Source lines of the body holding code (not blank, not a comment), docstring and imports left out."""
    lines: set[int] = set()
    for stmt in _logic(node):
        for number in range(stmt.lineno, (stmt.end_lineno or stmt.lineno) + 1):
            text = source[number - 1].strip()
            if text and not text.startswith("#"):
                lines.add(number)
    return len(lines)


def complexity(node: ast.FunctionDef) -> int:
    """McCabe's number as mccabe/ruff C901 count it: 1 + each decision point (nested functions apart)."""
    count = 1
    stack: list[ast.AST] = list(node.body)
    while stack:
        child = stack.pop()
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef):
            continue
        if isinstance(child, _BRANCHES):
            count += 1
        elif isinstance(child, ast.BoolOp):
            count += len(child.values) - 1
        elif isinstance(child, ast.comprehension):
            count += 1 + len(child.ifs)
        elif isinstance(child, ast.Try) and child.orelse:
            count += 1
        stack.extend(ast.iter_child_nodes(child))
    return count


def _all(command: Any, ctx: typer.Context, path: str) -> list[tuple[str, Callable[..., Any]]]:
    found = [(path, command.callback)] if command.callback is not None else []
    if hasattr(command, "list_commands"):
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is not None:
                found += _all(sub, typer.Context(sub, info_name=name, parent=ctx), f"{path} {name}")
    return found


def commands() -> list[Command]:
    """Every command (and group callback with a body) of ``commops``, loaded through the real app."""
    root = typer.main.get_command(app)
    found, seen = [], set()
    for path, callback in _all(root, typer.Context(root, info_name="commops"), "commops"):
        function = inspect.unwrap(callback)
        if function in seen:
            continue
        seen.add(function)
        source = textwrap.dedent(inspect.getsource(function))
        node = ast.parse(source).body[0]
        assert isinstance(node, ast.FunctionDef), path
        where = f"{path} ({function.__module__}.{function.__name__})"
        found.append(Command(where, logic_lines(node, source.splitlines()), complexity(node)))
    return found


def test_the_measure_finds_every_command() -> None:
    paths = {c.where.split(" (")[0] for c in commands()}
    assert {"commops triage", "commops queue", "commops history", "commops stats", "commops doctor",
            "commops members", "commops members import", "commops benefits retry", "commops shadow report"} <= paths
    assert len(paths) > 30


@pytest.mark.parametrize("command", commands(), ids=lambda c: c.where)
def test_every_command_is_thin(command: Command) -> None:
    assert command.lines <= MAX_LINES, f"{command.where}: {command.lines} lines of logic (at most {MAX_LINES})"
    assert command.complexity <= MAX_COMPLEXITY, (
        f"{command.where}: cyclomatic complexity {command.complexity} (at most {MAX_COMPLEXITY})")


def test_the_measure_counts_what_it_says() -> None:
    code = '''
@app.command()
def cmd(x: int) -> None:
    """Docstring, not counted."""
    from a import b  # imports are wiring

    # a comment, not counted
    if x and b:
        y = [i for i in range(x) if i]
    elif x:
        try:
            y = 1
        except ValueError:
            y = 2
    while x:
        x -= 1
    print(
        y,
    )
'''
    node = ast.parse(code).body[0]
    assert isinstance(node, ast.FunctionDef)
    assert logic_lines(node, code.splitlines()) == 12
    # 1 + if + and + elif + comprehension + its if + except + while
    assert complexity(node) == 8
