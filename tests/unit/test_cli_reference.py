"""docs/cli.md is generated from the commands: it must be current, and name every command."""

from __future__ import annotations

from pathlib import Path

import typer

from commops.cli.app import app
from commops.cli.reference import markdown, walk

DOC = Path(__file__).resolve().parents[2] / "docs" / "cli.md"


def test_cli_reference_is_current() -> None:
    assert DOC.read_text(encoding="utf-8") == markdown(), (
        "docs/cli.md is stale: run `python -m commops.cli.reference > docs/cli.md`"
    )


def test_every_command_is_in_the_reference() -> None:
    root = typer.main.get_command(app)
    text = DOC.read_text(encoding="utf-8")
    names = [" ".join(path[1:]) for path, _ in walk(root, typer.Context(root, info_name="commops"), ["commops"])]
    assert {"triage", "apply", "queue", "history", "init", "doctor", "stats", "sandbox serve", "rules lint",
            "version", "help"} <= set(names)
    for name in names[1:]:
        assert f"## `commops {name}`" in text, name


def test_the_exit_code_table_is_in_the_reference() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert "## Exit codes" in text
    for code, name in ((1, "ProblemsFound"), (2, "UsageError"), (78, "ConfigError"), (6, "NotFoundError")):
        assert f"| {code} |" in text and f"`{name}`" in text
