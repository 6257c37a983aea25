"""`commops help`: a command's help (as `--help` prints it) or a topic such as the exit codes."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from commops.cli.context import state
from commops.cli.render import Column, Format, render
from commops.errors import UsageError, exit_codes

__all__ = ["TOPICS", "exit_code_rows", "register"]

TOPICS = {"exit-codes": "what each exit code means (also in docs/cli.md)"}


def register(app: typer.Typer) -> None:
    app.command("help")(help_command)


def exit_code_rows() -> list[dict[str, Any]]:
    """The exit-code table, from the error tree (commops.errors)."""
    return [{"code": row.code, "meaning": row.meaning, "errors": list(row.errors)} for row in exit_codes()]


def help_command(
    ctx: typer.Context,
    topic: Annotated[
        list[str] | None, typer.Argument(help="exit-codes, or a command (e.g. `rules lint`).", show_default=False)
    ] = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="For exit-codes: table, json or csv.")] = Format.table,
) -> None:
    """Help on a command or a topic (exit-codes).

    Examples:
      commops help exit-codes
      commops help rules lint --format json
    """
    words = list(topic or [])
    if words == ["exit-codes"]:
        render(fmt, exit_code_rows(), columns=[Column("code", justify="right"), Column("meaning", wrap=True),
                                               Column("errors", wrap=True)],
               title="exit codes", console=state(ctx).out)
        return
    root = ctx.find_root()
    command: Any = root.command
    parent = root
    for word in words:
        sub = command.get_command(parent, word) if hasattr(command, "get_command") else None
        if sub is None:
            known = ", ".join([*TOPICS, *(command.list_commands(parent) if hasattr(command, "list_commands") else [])])
            raise UsageError(f"no help on {' '.join(words)!r}", hint=f"one of: {known}")
        parent = typer.Context(sub, info_name=word, parent=parent)
        command = sub
    typer.echo(command.get_help(parent))
