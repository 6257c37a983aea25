"""The CLI reference (docs/cli.md), generated from the commands and the error tree so it cannot drift.

Regenerate with ``python -m commops.cli.reference > docs/cli.md``; a test fails when it is stale.
"""

from __future__ import annotations

import sys
from typing import Any

import typer

__all__ = ["exit_code_table", "markdown", "walk"]


def walk(command: Any, ctx: Any, path: list[str]) -> list[tuple[list[str], Any]]:
    """Every visible command under ``command`` (loaded on demand), depth first, with its name path."""
    found = [(path, command)]
    if hasattr(command, "list_commands"):
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is not None and not getattr(sub, "hidden", False):
                found += walk(sub, typer.Context(sub, info_name=name, parent=ctx), [*path, name])
    return found


def _param_line(param: Any) -> str | None:
    if getattr(param, "hidden", False) or param.name in ("help", "install_completion", "show_completion"):
        return None
    if param.param_type_name == "argument":
        label = f"`{(param.metavar or param.name).upper()}`"
        return f"- {label}: {getattr(param, 'help', None) or ''}".rstrip(": ")
    names = ", ".join(f"`{o}`" for o in [*param.opts, *param.secondary_opts])
    if not getattr(param, "is_flag", False) and param.metavar:
        names += f" `{param.metavar}`"
    text = getattr(param, "help", None) or ""
    default = param.default
    if default not in (None, False, (), []) and not callable(default):
        shown = getattr(default, "value", default)
        text += f" (default: `{shown}`)"
    envvar = getattr(param, "envvar", None)
    if envvar:
        text += f" (env: `{envvar}`)"
    return f"- {names}: {text}".rstrip()


def exit_code_table() -> list[str]:
    """The exit codes as a markdown table, from ``commops.errors.exit_codes``."""
    from commops.errors import exit_codes

    lines = ["| code | meaning | raised as |", "|---:|---|---|"]
    for row in exit_codes():
        errors = ", ".join(f"`{name}`" for name in row.errors)
        lines.append(f"| {row.code} | {row.meaning} | {errors} |")
    return lines


def markdown() -> str:
    from commops.cli.app import app

    root = typer.main.get_command(app)
    ctx = typer.Context(root, info_name="commops")
    lines = [
        "# Command reference",
        "",
        "Generated from the commands and the error tree (`python -m commops.cli.reference > docs/cli.md`);",
        "do not edit by hand. Global options (`--config`, `--debug`, `--quiet`, `--verbose`) go before or",
        "after the command. With `--format table`, a terminal gets a table and a pipe gets tab-separated",
        "values with a header line of the JSON field names; `--format json` prints JSON Lines (one object",
        "per row) unless the command says otherwise. [docs/json.md](json.md) lists each command's fields.",
        "",
        "## Exit codes",
        "",
        "Also printed by `commops help exit-codes` (`--format json` for scripts).",
        "",
        *exit_code_table(),
        "",
    ]
    for path, command in walk(root, ctx, ["commops"]):
        title = " ".join(path)
        lines += [f"## `{title}`", ""]
        help_text = "\n".join(line for line in (command.help or "").strip().splitlines() if line != "\b")
        if help_text:
            lines += ["```text", help_text, "```", ""]
        params = [line for p in command.params if (line := _param_line(p))]
        if params:
            lines += [*params, ""]
    return "\n".join(lines).rstrip() + "\n"


if __name__ == "__main__":
    sys.stdout.write(markdown())
