"""`commops history`: what commops proposed and applied."""

from __future__ import annotations

from typing import Annotated

import typer

from commops.cli.context import state
from commops.cli.options import Format, FormatOpt
from commops.cli.render import Column, render

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

    With an empty journal (a fresh CI runner) and an account configured, what the account records instead:
    the decisions of the ticket markers and audits (rows with "source": "account").

    Example: commops history 4211
    """
    from commops.bootstrap import open_runtime
    from commops.services.history import history_rows

    app = state(ctx)
    with open_runtime(app.settings, notice=app.info) as runtime:
        account = (lambda: runtime.gateway) if app.settings.zendesk.configured else None
        rows = history_rows(runtime.journal, ticket, limit=limit, account=account)
        if rows and rows[0].get("source") == "account":
            app.info("the journal here is empty: these are the decisions the account records (markers, audits)")
    if not rows:
        app.info("no history" + (f" for ticket {ticket}" if ticket else ""))
    render(fmt, rows, columns=HISTORY_COLUMNS, title=f"history{f' of ticket {ticket}' if ticket else ''}",
           console=app.out)


HISTORY_COLUMNS = (
    Column("created_at", "when", value=lambda r: str(r["created_at"])[:19]),
    Column("ticket_id", "ticket", justify="right"),
    Column("outcome"),
    Column("state"),
    Column("mode"),
    Column("run_id", "run"),
    Column("ruleset_version", "ruleset"),
    Column("rules", wrap=True),
)
