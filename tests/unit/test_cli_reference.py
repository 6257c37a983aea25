"""docs/cli.md is generated from the commands: it must be current, and name every command."""

from __future__ import annotations

from pathlib import Path

import typer

from commops.cli.app import app
from commops.cli.reference import markdown

DOC = Path(__file__).resolve().parents[2] / "docs" / "cli.md"


def test_cli_reference_is_current() -> None:
    assert DOC.read_text(encoding="utf-8") == markdown(), (
        "docs/cli.md is stale: run `python -m commops.cli.reference > docs/cli.md`"
    )


def test_every_command_is_in_the_reference() -> None:
    root = typer.main.get_command(app)
    text = DOC.read_text(encoding="utf-8")
    names = []
    for name, command in root.commands.items():  # type: ignore[attr-defined]
        names.append(name)
        names += [f"{name} {sub}" for sub in getattr(command, "commands", {})]
    assert {"triage", "apply", "queue", "history", "init", "doctor", "stats", "sandbox serve", "rules lint"} <= set(
        names
    )
    for name in names:
        assert f"## `commops {name}`" in text, name
