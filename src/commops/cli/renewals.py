"""`commops renewals`: members whose term ends soon, and their reminders."""

from __future__ import annotations

from typing import Annotated

import typer

from commops.cli.context import state
from commops.cli.options import Format, FormatOpt, SandboxOpt
from commops.cli.render import Column, render

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    app.command("renewals")(renewals)


def renewals(
    ctx: typer.Context,
    within: Annotated[int | None, typer.Option("--within", min=0, metavar="DAYS",
                                               help="Terms ending within DAYS (default: [renewals] within_days).")
                      ] = None,
    notify: Annotated[bool, typer.Option("--notify", help="Open one reminder ticket per member, once per term.")
                      ] = False,
    fmt: FormatOpt = Format.table,
    sandbox: SandboxOpt = False,
) -> None:
    """Members whose term ends within the renewal window; with --notify, send each one reminder.

    --notify writes on the members' behalf: with no account configured it needs --sandbox.

    Example: commops renewals --within 30 --notify
    """
    from commops.bootstrap import AccountUse, open_runtime
    from commops.services.renewals import due_members
    from commops.services.renewals import notify as send

    app = state(ctx)
    days = app.settings.renewals.within_days if within is None else within
    with open_runtime(app.settings, notice=app.info, account=AccountUse(sandbox=sandbox, on_behalf=notify)
                      ) as runtime:
        members = due_members(runtime.benefits, days)
        report = send(runtime.benefits, runtime.gateway, days) if notify else None
        members = due_members(runtime.benefits, days) if notify else members
    rows = [{"program": m.program, "organisation": m.organisation, "requester": m.requester,
             "subscription_id": m.subscription_id, "term_end": m.term_end.isoformat(),
             "reminded": m.term_end in m.reminded} for m in members]
    if not rows:
        app.info(f"no member's term ends within {days} days")
    render(fmt, rows, console=app.out, title="renewals", columns=[
        Column("term_end"), Column("program"), Column("organisation", wrap=True), Column("requester", wrap=True),
        Column("subscription_id", "subscription"), Column("reminded")])
    if report is not None:
        app.info(f"reminders: {len(report.sent)} sent, {len(report.already)} already sent, "
                 f"{len(report.failed)} failed, {len(report.skipped)} skipped")
        for key, error in report.failed.items():
            app.err.print(f"reminder {key}: {error}", highlight=False, markup=False, soft_wrap=True)
        for line in report.skipped:
            app.err.print(line, highlight=False, markup=False, soft_wrap=True)
        if report.failed:
            raise typer.Exit(15)
