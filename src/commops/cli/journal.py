"""`commops journal`: look after the journal (check it; prune what no run needs any more)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from commops.cli.context import state

__all__ = ["register"]

group = typer.Typer(help="Look after the journal: check it, prune old proposals.", no_args_is_help=True)


@group.command("check")
def check(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="The counts as one JSON object.")] = False,
) -> None:
    """Check the journal without changing it: SQLite's integrity check, its tables, what it holds.

    A damaged or empty journal is an error (exit 12) and is never replaced; writes still pending are
    counted (the next writing run settles them first).

    Example: commops journal check
    """
    from commops.journal import check_journal

    app = state(ctx)
    report = check_journal(app.settings.state.journal)
    if as_json:
        typer.echo(json.dumps(report, sort_keys=True))
        return
    app.out.print(
        f"journal {report['path']} is intact: {report['bytes']} bytes, {report['runs']} runs, "
        f"{report['proposals']} proposals, {report['attempts']} write attempts, "
        f"{report['pending_writes']} writes pending",
        soft_wrap=True,
    )


def register(app: typer.Typer) -> None:
    """Add the ``journal`` group to the root app."""
    app.add_typer(group, name="journal")
