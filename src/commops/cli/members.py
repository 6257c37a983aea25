"""`commops members`: the membership ledger (list, filter, import a CRM export)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from commops.cli.context import state
from commops.cli.options import Format, FormatOpt, ProgramOpt, check_choices
from commops.cli.render import Column, render
from commops.errors import ConfigError

__all__ = ["register"]

members_app = typer.Typer(help="The membership ledger: who holds which benefit until when.",
                          invoke_without_command=True)


def register(app: typer.Typer) -> None:
    app.add_typer(members_app, name="members")


@members_app.callback()
def members(
    ctx: typer.Context,
    program: ProgramOpt = None,
    ending_within: Annotated[int | None, typer.Option("--ending-within", min=0, metavar="DAYS",
                                                      help="Only terms ending within DAYS from today.")] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """List the ledger's members, oldest term end first.

    Example: commops members --program education --format json
    """
    if ctx.invoked_subcommand is not None:
        return
    from commops.bootstrap import open_benefits
    from commops.cli.benefits import warn_failed
    from commops.services.benefits import list_members

    app = state(ctx)
    check_choices("program", program, app.settings.programs)
    with open_benefits(app.settings, notice=app.info) as ports:
        rows = [m.model_dump(mode="json") for m in list_members(ports, programs=program or (),
                                                                 ending_within=ending_within)]
        warn_failed(app, ports)
    if not rows:
        app.info("no members in the ledger")
    render(fmt, rows, console=app.out, title="members", columns=[
        Column("program"), Column("organisation", wrap=True), Column("requester", wrap=True),
        Column("seats", justify="right"), Column("subscription_id", "subscription"), Column("term_start"),
        Column("term_end"), Column("ticket_id", "ticket", justify="right"), Column("source")])


def _mapping(pairs: list[str] | None) -> dict[str, str]:
    mapping = {}
    for pair in pairs or []:
        field, sep, column = pair.partition("=")
        if not sep or not field.strip() or not column.strip():
            raise ConfigError(f"--map {pair!r} is not FIELD=COLUMN", hint="e.g. --map subscription_id=\"Contract ID\"")
        mapping[field.strip()] = column.strip()
    return mapping


@members_app.command("import")
def import_members(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(metavar="FILE", help="A CSV export of the CRM.")],
    mapping: Annotated[list[str] | None, typer.Option(
        "--map", metavar="FIELD=COLUMN", help="Read a ledger field from this column (repeatable).")] = None,
) -> None:
    """Import members from a CRM export; bad rows are reported by line and the rest imported.

    Ledger fields: program, organisation, requester (email), seats, subscription_id, term_start,
    term_end (YYYY-MM-DD), ticket_id. Columns are named like the fields unless --map says otherwise.

    Example: commops members import crm.csv --map subscription_id="Contract ID" --map requester=Email
    """
    from commops.benefits.csvfiles import read_members
    from commops.bootstrap import open_benefits
    from commops.services.benefits import import_members as add

    app = state(ctx)
    result = read_members(file, _mapping(mapping), set(app.settings.programs))
    with open_benefits(app.settings, notice=app.info) as ports:
        added = add(ports, result.members)
    for row in result.bad:
        app.err.print(f"{file}:{row.line}: {row.reason}", highlight=False, markup=False, soft_wrap=True)
    app.out.print(f"{added} member(s) imported, {len(result.bad)} bad row(s)", highlight=False, markup=False)
    if result.bad:
        raise typer.Exit(1)
