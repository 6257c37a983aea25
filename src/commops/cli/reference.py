"""The CLI reference (docs/cli.md), generated from the commands themselves so it cannot drift.

Regenerate with ``python -m commops.cli.reference > docs/cli.md``; a test fails when it is stale.
"""

from __future__ import annotations

import sys
from typing import Any

import typer

__all__ = ["markdown"]


def _walk(command: Any, path: list[str]) -> list[tuple[list[str], Any]]:
    found = [(path, command)]
    for name in sorted(getattr(command, "commands", {}) or {}):
        sub = command.commands[name]
        if not getattr(sub, "hidden", False):
            found += _walk(sub, [*path, name])
    return found


def _param_line(param: Any) -> str | None:
    if getattr(param, "hidden", False) or param.name == "help":
        return None
    if param.param_type_name == "argument":
        label = f"`{param.name.upper()}`"
        return f"- {label}: {getattr(param, 'help', None) or ''}".rstrip(": ")
    names = ", ".join(f"`{o}`" for o in [*param.opts, *param.secondary_opts])
    text = getattr(param, "help", None) or ""
    default = param.default
    if default not in (None, False, (), []) and not callable(default):
        shown = getattr(default, "value", default)
        text += f" (default: `{shown}`)"
    envvar = getattr(param, "envvar", None)
    if envvar:
        text += f" [env: `{envvar}`]"
    return f"- {names}: {text}".rstrip()


def markdown() -> str:
    from commops.cli.app import app

    root = typer.main.get_command(app)
    lines = [
        "# Command reference",
        "",
        "Generated from the commands (`python -m commops.cli.reference > docs/cli.md`); do not edit by hand.",
        "",
    ]
    for path, command in _walk(root, ["commops"]):
        title = " ".join(path)
        lines += [f"## `{title}`", ""]
        help_text = (command.help or "").strip()
        if help_text:
            lines += ["```text", help_text, "```", ""]
        params = [line for p in command.params if (line := _param_line(p))]
        if params:
            lines += [*params, ""]
    return "\n".join(lines).rstrip() + "\n"


if __name__ == "__main__":
    sys.stdout.write(markdown())
