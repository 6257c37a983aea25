"""`commops triage`: pull, verify, evaluate and propose; write when asked."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from commops.cli.context import state
from commops.cli.options import EXIT_WRITE_ERRORS, Format, FormatOpt, ProgramOpt, TicketOpt, check_choices
from commops.cli.progress import progress_bar
from commops.cli.review import review
from commops.cli.writes import confirm_and_write, emit, footer, report_writes, show_requests
from commops.errors import ConfigError, GuardRailError
from commops.services.runs import RunSummary

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    app.command("triage")(triage)


def triage(
    ctx: typer.Context,
    program: ProgramOpt = None,
    ticket: TicketOpt = None,
    limit: Annotated[
        int | None, typer.Option("--limit", "-n", min=1, metavar="N", help="At most N applications.")
    ] = None,
    offline: Annotated[bool, typer.Option("--offline", help="No forge lookups: cache or unknown.")] = False,
    refresh: Annotated[bool, typer.Option("--refresh", help="Ignore cached verifications.")] = False,
    interactive: Annotated[bool, typer.Option("--interactive", "-i", help="Review one by one, then apply.")] = False,
    plan: Annotated[
        Path | None, typer.Option("--plan", metavar="FILE", help="Write a reviewable plan file instead of applying.")
    ] = None,
    do_apply: Annotated[bool, typer.Option("--apply", help="Write the proposals (after one confirmation).")] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    unattended: Annotated[
        bool,
        typer.Option(
            "--unattended", help="Cron mode: no prompts, auto rules only, locked, guard-rails, JSON summary on stdout."
        ),
    ] = False,
    max_writes: Annotated[
        int | None, typer.Option("--max-writes", min=0, metavar="N", help="Unattended: write at most N.")
    ] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Pull, verify, evaluate and propose. Dry-run unless --apply, --interactive or --plan.

    Examples:
      commops triage                       # proposals for the whole queue, nothing written
      commops triage --program education --interactive
      commops triage --plan plan.json && commops apply plan.json
      commops triage --apply --unattended  # from cron
    """
    from commops.bootstrap import open_triage
    from commops.services.runs import record_dry_run, run_apply, run_unattended, write_plan
    from commops.services.triage import TriageOptions, evaluate_queue

    app = state(ctx)
    settings = app.settings
    if unattended and not do_apply:
        raise ConfigError(
            "--unattended writes decisions: combine it with --apply", hint="commops triage --apply --unattended"
        )
    if plan is not None and (do_apply or unattended or interactive):
        raise ConfigError("--plan writes a plan to review instead of applying: drop --apply/--unattended/--interactive")
    if interactive and unattended:
        raise ConfigError("--interactive cannot be combined with --unattended")
    check_choices("program", program, settings.programs)
    options = TriageOptions(programs=program or (), ticket_ids=ticket or (), limit=limit)
    with open_triage(settings, notice=app.info, offline=offline, refresh=refresh) as ports:
        if unattended:
            try:
                with progress_bar(app, "triaging") as advance:
                    summary = run_unattended(
                        ports,
                        options,
                        max_writes=settings.unattended.max_writes if max_writes is None else max_writes,
                        max_reject_share=settings.unattended.max_reject_share,
                        min_decisions=settings.unattended.reject_share_min_decisions,
                        progress=advance,
                    )
            except GuardRailError as stopped:  # cron still gets its summary on stdout
                if isinstance(stopped.summary, RunSummary):
                    print(json.dumps(stopped.summary.as_dict(ports.gateway.request_counts()), sort_keys=True))
                raise
            print(json.dumps(summary.as_dict(ports.gateway.request_counts()), sort_keys=True))
            if summary.status == "errors":
                raise typer.Exit(EXIT_WRITE_ERRORS)
            return
        if not (do_apply or interactive):
            with progress_bar(app, "triaging") as advance:
                summary = record_dry_run(ports, options, progress=advance)
            batch = summary.batch
            if plan is not None:
                write_plan(batch, ports.evaluator.version, plan)
                app.info(f"wrote a plan of {len(batch.proposals)} proposals to {plan}")
                app.info(f"review it, then apply it with `commops apply {plan}`")
            emit(app, fmt, batch.proposals, {})
            footer(app, batch, written=False, explain=bool(ticket))
            show_requests(app, ports.gateway.request_counts())
            return
        with progress_bar(app, "triaging") as advance:
            batch = evaluate_queue(ports, options, progress=advance)
        if interactive:
            titles = {m.title for m in ports.gateway.macros() if m.active}
            chosen = review(app, batch.proposals, batch.applications, titles)
        else:
            chosen = [p for p in batch.proposals if p.decision.outcome.writes]
            if not yes and fmt is Format.table:
                emit(app, fmt, batch.proposals, {})  # what the confirmation is about
        writable = [p for p in chosen if p.decision.outcome.writes]
        footer(app, batch, written=True, explain=bool(ticket))
        if not writable:
            app.info("nothing to write")
            return
        mode = "interactive" if interactive else "apply"
        done = confirm_and_write(
            app,
            yes,
            f"Write {len(writable)} decisions to Zendesk?",
            len(writable),
            lambda advance: run_apply(ports, batch, chosen, mode=mode, progress=advance),
        )
        if done is None:
            return
        report_writes(app, fmt, chosen, done.results, done.resumed)
        show_requests(app, ports.gateway.request_counts())
        if done.status == "errors":
            raise typer.Exit(EXIT_WRITE_ERRORS)
