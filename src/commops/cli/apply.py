"""`commops apply PLAN`: write a reviewed plan."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from commops.cli.context import state
from commops.cli.options import EXIT_WRITE_ERRORS, Format, FormatOpt, SandboxOpt
from commops.cli.writes import confirm_and_write, report_writes, write_question

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    app.command("apply")(apply)


def apply(
    ctx: typer.Context,
    plan: Annotated[Path, typer.Argument(help="A plan written by `commops triage --plan`.")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    sandbox: SandboxOpt = False,
    fmt: FormatOpt = Format.table,
) -> None:
    """Apply a reviewed plan; tickets changed since the plan was made are refused (conflict).

    Example: commops apply plan.json --yes
    """
    from commops.bootstrap import AccountUse, open_triage
    from commops.services.runs import apply_plan, load_plan
    from commops.services.triage import pending_writes

    app = state(ctx)
    loaded = load_plan(plan)
    writable = [p for p in loaded.proposals if p.decision.outcome.writes]
    with open_triage(app.settings, notice=app.info, offline=True,
                     account=AccountUse(sandbox=sandbox, on_behalf=True)) as ports:
        if loaded.ruleset_version != ports.evaluator.version:
            app.info(
                f"note: the plan was made with rules {loaded.ruleset_version}; the rules are now "
                f"{ports.evaluator.version} (the plan is applied as reviewed)"
            )
        pending = pending_writes(ports.journal)  # an interrupted run's writes go first
        if not writable and not pending.count:
            app.info("the plan has nothing to write")
            return
        summary = confirm_and_write(
            app,
            yes,
            write_question(len(writable), pending.count, ports.account, source=str(plan)),
            len(writable),
            lambda advance: apply_plan(ports, loaded, progress=advance),
        )
        if summary is None:
            return
    report_writes(app, fmt, loaded.proposals, summary.results, summary.resumed)
    if summary.status == "errors":
        raise typer.Exit(EXIT_WRITE_ERRORS)
