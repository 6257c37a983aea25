"""`commops history`: what commops proposed and applied."""

from __future__ import annotations

from typing import Annotated

import typer

from commops.cli.context import state
from commops.cli.options import Format, FormatOpt
from commops.cli.render import write_jsonl, write_rows

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    app.command("history")(history)


def history(
    ctx: typer.Context,
    ticket: Annotated[int | None, typer.Argument(help="A ticket id; all recent proposals without.")] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="At most N rows.")] = 50,
    fmt: FormatOpt = Format.table,
) -> None:
    """What commops proposed and applied: when, by which run and mode, with which rules.

    Example: commops history 4211
    """
    from commops.bootstrap import open_journal
    from commops.services.history import history_rows

    app = state(ctx)
    with open_journal(app.settings) as journal:
        rows = history_rows(journal, ticket, limit=limit)
    if fmt is Format.json:
        write_jsonl(rows)
        return
    if fmt is Format.csv:
        write_rows(rows)
        return
    if not rows:
        app.info("no history" + (f" for ticket {ticket}" if ticket else ""))
        return
    from rich.table import Table

    table = Table(title=f"history{f' of ticket {ticket}' if ticket else ''}")
    for column in ("when", "ticket", "outcome", "state", "mode", "run", "ruleset", "rules"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(
            row["created_at"][:19],
            str(row["ticket_id"]),
            row["outcome"],
            row["state"],
            row["mode"],
            row["run_id"],
            row["ruleset_version"],
            ", ".join(row["rules"]),
        )
    app.out.print(table)
