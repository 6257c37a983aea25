"""`commops triage`: pull, verify, evaluate and propose; write when asked."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from commops.cli.context import AppState, state
from commops.cli.options import (
    EXIT_WRITE_ERRORS,
    ConfirmOverridesOpt,
    Format,
    FormatOpt,
    MaxRunTimeOpt,
    ProgramOpt,
    SandboxOpt,
    TicketOpt,
    WaitOpt,
    check_choices,
)
from commops.cli.progress import progress_bar
from commops.cli.review import review
from commops.cli.writes import (
    confirm_and_write,
    emit,
    footer,
    pending_notice,
    report_writes,
    show_requests,
    write_question,
)
from commops.domain.states import RunMode, RunStatus
from commops.errors import GuardRailError, TimeLimitError, UsageError
from commops.services.runs import RunLimits, RunSummary
from commops.services.triage import TriageBatch, TriageOptions, TriagePorts, pending_writes

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
    confirm_overrides: ConfirmOverridesOpt = False,
    wait: WaitOpt = None,
    max_run_time: MaxRunTimeOpt = None,
    sandbox: SandboxOpt = False,
    fmt: FormatOpt = Format.table,
) -> None:
    """Pull, verify, evaluate and propose. Dry-run unless --apply, --interactive or --plan.

    A writing run holds this machine's lock and the account's lease (one writer per account, whichever
    machine runs it): another run holding them makes it wait (--wait) or exit 13 naming the holder.

    Examples:
      commops triage                       # proposals for the whole queue, nothing written
      commops triage --program education --interactive
      commops triage --plan plan.json && commops apply plan.json
      commops triage --apply --unattended  # from cron
    """
    from commops.bootstrap import AccountUse, open_triage
    from commops.services.runs import TriageFlags, resolve_mode

    app = state(ctx)
    mode = resolve_mode(TriageFlags(apply=do_apply, interactive=interactive, plan=plan is not None,
                                    unattended=unattended))
    if confirm_overrides and mode is not RunMode.INTERACTIVE:
        raise UsageError("--confirm-overrides confirms overrides made in the review: use it with --interactive")
    check_choices("program", program, app.settings.programs)
    options = TriageOptions(programs=program or (), ticket_ids=ticket or (), limit=limit)
    account = AccountUse(sandbox=sandbox, on_behalf=mode is RunMode.UNATTENDED)
    limits = _run_limits(app, mode, wait, max_run_time)
    with open_triage(app.settings, notice=app.info, offline=offline, refresh=refresh, account=account) as ports:
        if mode is RunMode.UNATTENDED:
            _unattended(app, ports, options, max_writes, limits)
        elif mode in (RunMode.DRY_RUN, RunMode.PLAN):
            _dry_run(app, ports, options, plan, fmt)
        else:
            _write(app, ports, options, mode, yes=yes, fmt=fmt, confirm_overrides=confirm_overrides, limits=limits)


def _run_limits(app: AppState, mode: RunMode, wait: float | None, max_run_time: float | None) -> RunLimits:
    """--wait and --max-run-time, else cron's configured defaults; a specialist waits two minutes, no limit."""
    if mode is RunMode.UNATTENDED:
        configured = app.settings.unattended
        return RunLimits(wait_s=configured.lock_timeout_s if wait is None else wait,
                         max_run_time_s=(configured.max_run_time_s if max_run_time is None else max_run_time) or None)
    if wait is None:
        return RunLimits(max_run_time_s=max_run_time or None)
    return RunLimits(wait_s=wait, max_run_time_s=max_run_time or None)


def _unattended(app: AppState, ports: TriagePorts, options: TriageOptions, max_writes: int | None,
                run_limits: RunLimits) -> None:
    """Cron: a JSON summary on stdout, also when a guard-rail or the time limit stops the run."""
    from commops.services.runs import run_unattended

    limits = app.settings.unattended
    try:
        with progress_bar(app, "triaging") as advance:
            summary = run_unattended(
                ports,
                options,
                max_writes=limits.max_writes if max_writes is None else max_writes,
                max_reject_share=limits.max_reject_share,
                min_decisions=limits.reject_share_min_decisions,
                progress=advance,
                limits=run_limits,
            )
    except (GuardRailError, TimeLimitError) as stopped:  # cron still gets its summary on stdout
        if isinstance(stopped.summary, RunSummary):
            print(json.dumps({**stopped.summary.as_dict(ports.gateway.request_counts()), "account": ports.account},
                             sort_keys=True))
        raise
    print(json.dumps({**summary.as_dict(ports.gateway.request_counts()), "account": ports.account}, sort_keys=True))
    if summary.status == RunStatus.ERRORS:
        raise typer.Exit(EXIT_WRITE_ERRORS)


def _dry_run(app: AppState, ports: TriagePorts, options: TriageOptions, plan: Path | None, fmt: Format) -> None:
    """Proposals journaled and shown (and written to a plan file with --plan); nothing sent to Zendesk."""
    from commops.services.runs import record_dry_run, write_plan

    with progress_bar(app, "triaging") as advance:
        summary = record_dry_run(ports, options, progress=advance)
    batch = summary.batch
    if plan is not None:
        write_plan(batch, ports.evaluator.version, plan, account=ports.account_key, account_id=ports.account_id)
        app.info(f"wrote a plan of {len(batch.proposals)} proposals to {plan}")
        app.info(f"review it, then apply it with `commops apply {plan}`")
    emit(app, fmt, batch.proposals, {})
    footer(app, batch, written=False, explain=bool(options.ticket_ids), account=ports.account)
    pending_notice(app, pending_writes(ports.journal))
    show_requests(app, ports.gateway.request_counts())
    _refuse_missing(batch)


def _interruptible(app: AppState, ports: TriagePorts, write: Callable[[], RunSummary | None]) -> RunSummary | None:
    """Ctrl-C while writing: what was sent is in the journal; say how many writes wait and which command
    finishes them, then stop as interrupted (exit 130)."""
    try:
        return write()
    except KeyboardInterrupt:
        try:
            left = pending_writes(ports.journal)
        except Exception:  # the journal itself was interrupted: the next run reads it anyway
            app.info("interrupted while writing: `commops triage --apply` finishes what is left")
        else:
            pending_notice(app, left, lead="interrupted while writing: ")
        raise


def _refuse_missing(batch: TriageBatch) -> None:
    """A ticket asked for by id that does not exist is an error (exit 6), after the others were shown."""
    from commops.errors import NotFoundError
    from commops.services.triage import NO_SUCH_TICKET

    missing = [u.ticket_id for u in batch.unmapped if u.reason == NO_SUCH_TICKET]
    if missing:
        raise NotFoundError(f"no such ticket in Zendesk: {', '.join(map(str, missing))}")


def _write(app: AppState, ports: TriagePorts, options: TriageOptions, mode: RunMode, *, yes: bool,
           fmt: Format, confirm_overrides: bool = False, limits: RunLimits | None = None) -> None:
    """--apply (one confirmation) or --interactive (one by one), then the write."""
    from commops.services.runs import run_apply
    from commops.services.triage import evaluate_queue

    with progress_bar(app, "triaging") as advance:
        batch = evaluate_queue(ports, options, progress=advance)
    if mode is RunMode.INTERACTIVE:
        titles = {m.title for m in ports.gateway.macros() if m.active}
        chosen = review(app, batch.proposals, batch.applications, titles, confirm_overrides=confirm_overrides)
    else:
        chosen = [p for p in batch.proposals if p.decision.outcome.writes]
        if not yes:  # what the confirmation is about; with json/csv on stderr, stdout keeps the data alone
            emit(app, fmt, batch.proposals, {}, to_stderr=fmt is not Format.table)
    writable = [p for p in chosen if p.decision.outcome.writes]
    footer(app, batch, written=True, explain=bool(options.ticket_ids), account=ports.account)
    # An interrupted run's writes go first, and this run finishes them even when it has nothing new.
    pending = pending_writes(ports.journal)
    if not writable and not pending.count:
        app.info("nothing to write")
        _refuse_missing(batch)
        return
    if pending.count:
        app.info(f"{pending.count} write{'s' if pending.count != 1 else ''} left by an earlier, interrupted run "
                 "will be finished first")
    done = _interruptible(app, ports, lambda: confirm_and_write(
        app,
        yes,
        write_question(len(writable), pending.count, ports.account or "Zendesk"),
        len(writable),
        lambda advance: run_apply(ports, batch, chosen, mode=mode, progress=advance, limits=limits),
    ))
    if done is None:
        return
    report_writes(app, fmt, chosen, done.results, done.resumed)
    show_requests(app, ports.gateway.request_counts())
    _refuse_missing(batch)
    if done.status == RunStatus.ERRORS:
        raise typer.Exit(EXIT_WRITE_ERRORS)
