"""`commops init`, `queue`, `triage`, `apply`, `history`: the commands specialists and cron use daily."""

from __future__ import annotations

import json
import sys
import webbrowser
from collections.abc import Callable, Iterable
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from commops.cli.context import AppState, state
from commops.cli.progress import progress_bar
from commops.cli.render import proposal_record, write_csv, write_jsonl, write_rows, write_table
from commops.config import default_config_text
from commops.domain import Application, Decision, MacroRef, Outcome, Proposal, Reason, SlaState
from commops.errors import ConfigError, GuardRailError
from commops.ports import WriteResult
from commops.services.queue import QueueRow
from commops.services.runs import RunSummary
from commops.services.triage import OVERRIDE_RULE

__all__ = ["register"]

EXIT_WRITE_ERRORS = 15


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


ProgramOpt = Annotated[
    list[str] | None, typer.Option("--program", "-p", metavar="PROGRAM", help="Only this program (repeatable).")
]
TicketOpt = Annotated[
    list[int] | None, typer.Option("--ticket", "-t", metavar="ID", help="Only this ticket id (repeatable).")
]
FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="table (terminal), json (JSON Lines) or csv.")]


STATUSES = ("new", "open", "pending", "hold", "solved", "closed")


def _check_choices(what: str, given: list[str] | None, known: Iterable[str]) -> None:
    """A filter value nothing can match is a mistake: say so instead of printing an empty queue."""
    allowed = list(known)
    wrong = [g for g in given or [] if g not in allowed]
    if wrong:
        raise ConfigError(f"unknown {what} {', '.join(map(repr, wrong))}; one of: {', '.join(allowed)}")


def register(app: typer.Typer) -> None:
    app.command("init")(init)
    app.command("queue")(queue)
    app.command("triage")(triage)
    app.command("apply")(apply)
    app.command("history")(history)


def init(
    ctx: typer.Context,
    path: Annotated[
        Path | None, typer.Option("--config", help="Where to write (default $COMMOPS_HOME/config.toml).")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
    store_token: Annotated[
        bool, typer.Option("--store-token", help="Also write $COMMOPS_ZENDESK_TOKEN into the file (mode 0600).")
    ] = False,
) -> None:
    """Write a commented starter config mapped to the reference account.

    The API token stays in the environment (COMMOPS_ZENDESK_TOKEN) unless --store-token asks otherwise.

    Example: commops init && $EDITOR "$COMMOPS_HOME/config.toml"
    """
    import os

    import tomlkit

    from commops.paths import config_path

    app = state(ctx)
    target = path or app.config or config_path()
    if target.exists() and not force:
        raise ConfigError(f"{target} already exists", hint="use --force to overwrite it")
    text = default_config_text()
    if store_token:
        token = os.environ.get("COMMOPS_ZENDESK_TOKEN")
        if not token:
            raise ConfigError("--store-token needs the token in COMMOPS_ZENDESK_TOKEN")
        document = tomlkit.parse(text)
        zendesk = document["zendesk"]
        assert isinstance(zendesk, tomlkit.items.Table)
        zendesk["token"] = token
        text = tomlkit.dumps(document)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    if store_token:
        target.chmod(0o600)
    app.out.print(f"wrote {target}", highlight=False)
    if not store_token:
        app.info("the API token is read from COMMOPS_ZENDESK_TOKEN; it is not stored in the file")


def queue(
    ctx: typer.Context,
    program: ProgramOpt = None,
    status: Annotated[
        list[str] | None, typer.Option("--status", metavar="STATUS", help="Only this ticket status (repeatable).")
    ] = None,
    sla: Annotated[
        list[str] | None, typer.Option("--sla", metavar="STATE", help="ok, at_risk or breached (repeatable).")
    ] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """The inbound applications, soonest deadline first: program, status, age, SLA, last decision.

    Example: commops queue --sla at_risk --sla breached
    """
    from datetime import UTC, datetime

    from commops.bootstrap import open_gateway
    from commops.journal import Journal
    from commops.services.queue import list_queue
    from commops.services.sla import calendar_from

    app = state(ctx)
    settings = app.settings
    _check_choices("program", program, settings.programs)
    _check_choices("status", status, STATUSES)
    _check_choices("SLA state", sla, [s.value for s in SlaState])
    with (
        open_gateway(settings, notice=app.info) as gateway,
        Journal.open(settings.home / "journal.sqlite3") as journal,
        progress_bar(app, "reading the queue") as advance,
    ):
        rows = list_queue(
            gateway,
            journal,
            settings,
            calendar_from(settings.sla),
            datetime.now(UTC),
            programs=program or (),
            statuses=status or (),
            sla=sla or (),
            progress=advance,
        )
    records = [json.loads(r.model_dump_json()) for r in rows]
    if fmt is Format.json:
        write_jsonl(records)
        return
    if fmt is Format.csv:
        write_rows(records)
        return
    _queue_table(app, rows)


def _queue_table(app: AppState, rows: list[QueueRow]) -> None:
    from rich.table import Table

    if not app.out.is_terminal:
        for r in rows:
            app.out.print(
                f"{r.ticket_id}\t{r.program}\t{r.status}\t{r.age_business_days}\t{r.sla.value}\t{r.due}\t"
                f"{r.requester or '-'}\t{r.last_decision or '-'}",
                highlight=False,
                soft_wrap=True,
            )
        return
    style = {"ok": "green", "at_risk": "yellow", "breached": "red"}
    table = Table(title=f"{len(rows)} applications in the queue")
    for column in ("ticket", "program", "status", "age (bd)", "SLA", "due", "requester", "last decision"):
        table.add_column(column)
    for r in rows:
        table.add_row(
            str(r.ticket_id),
            r.program,
            r.status,
            str(r.age_business_days),
            f"[{style[r.sla.value]}]{r.sla.value}[/]",
            str(r.due),
            r.requester or "-",
            r.last_decision or "-",
        )
    app.out.print(table)


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
    from commops.services.runs import record_dry_run, run_apply, run_unattended, write_plan
    from commops.services.triage import TriageOptions, evaluate_queue
    from commops.services.wiring import open_triage

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
    _check_choices("program", program, settings.programs)
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
            _emit(app, fmt, batch.proposals, {})
            _footer(app, batch, written=False, explain=bool(ticket))
            _requests(app, ports.gateway.request_counts())
            return
        with progress_bar(app, "triaging") as advance:
            batch = evaluate_queue(ports, options, progress=advance)
        if interactive:
            titles = {m.title for m in ports.gateway.macros() if m.active}
            chosen = _review(app, batch.proposals, batch.applications, titles)
        else:
            chosen = [p for p in batch.proposals if p.decision.outcome.writes]
            if not yes and fmt is Format.table:
                _emit(app, fmt, batch.proposals, {})  # what the confirmation is about
        writable = [p for p in chosen if p.decision.outcome.writes]
        _footer(app, batch, written=True, explain=bool(ticket))
        if not writable:
            app.info("nothing to write")
            return
        mode = "interactive" if interactive else "apply"
        done = _confirm_and_write(
            app,
            yes,
            f"Write {len(writable)} decisions to Zendesk?",
            len(writable),
            lambda advance: run_apply(ports, batch, chosen, mode=mode, progress=advance),
        )
        if done is None:
            return
        _report_writes(app, fmt, chosen, done.results, done.resumed)
        _requests(app, ports.gateway.request_counts())
        if done.status == "errors":
            raise typer.Exit(EXIT_WRITE_ERRORS)


def _confirm_and_write(
    app: AppState, yes: bool, question: str, count: int, write: Callable[[Callable[[int], None]], RunSummary]
) -> RunSummary | None:
    """One confirmation (unless --yes), then the write with a progress bar; None when declined."""
    if not yes and not typer.confirm(question, default=False, err=True):
        app.info("nothing written")
        return None
    with progress_bar(app, "writing", total=count) as advance:
        return write(advance)


def _requests(app: AppState, counts: dict[str, int]) -> None:
    """With --verbose: what the run cost in Zendesk requests (the rate limit is the real ceiling)."""
    if app.verbose:
        detail = ", ".join(f"{name} {n}" for name, n in sorted(counts.items()))
        app.info(f"Zendesk requests: {sum(counts.values())} ({detail})")


def apply(
    ctx: typer.Context,
    plan: Annotated[Path, typer.Argument(help="A plan written by `commops triage --plan`.")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    fmt: FormatOpt = Format.table,
) -> None:
    """Apply a reviewed plan; tickets changed since the plan was made are refused (conflict).

    Example: commops apply plan.json --yes
    """
    from commops.services.runs import apply_plan, load_plan
    from commops.services.wiring import open_triage

    app = state(ctx)
    loaded = load_plan(plan)
    writable = [p for p in loaded.proposals if p.decision.outcome.writes]
    with open_triage(app.settings, notice=app.info, offline=True) as ports:
        if loaded.ruleset_version != ports.evaluator.version:
            app.info(
                f"note: the plan was made with rules {loaded.ruleset_version}; the rules are now "
                f"{ports.evaluator.version} (the plan is applied as reviewed)"
            )
        if not writable:
            app.info("the plan has nothing to write")
            return
        summary = _confirm_and_write(
            app,
            yes,
            f"Write {len(writable)} decisions from {plan}?",
            len(writable),
            lambda advance: apply_plan(ports, loaded, progress=advance),
        )
        if summary is None:
            return
    _report_writes(app, fmt, loaded.proposals, summary.results, summary.resumed)
    if summary.status == "errors":
        raise typer.Exit(EXIT_WRITE_ERRORS)


def history(
    ctx: typer.Context,
    ticket: Annotated[int | None, typer.Argument(help="A ticket id; all recent proposals without.")] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="At most N rows.")] = 50,
    fmt: FormatOpt = Format.table,
) -> None:
    """What commops proposed and applied: when, by which run and mode, with which rules.

    Example: commops history 4211
    """
    from commops.journal import Journal

    app = state(ctx)
    with Journal.open(app.settings.home / "journal.sqlite3") as journal:
        records = journal.history(ticket, limit=limit)
        rows = []
        for r in records:
            attempts = journal.attempts(r.id)
            rows.append({**json.loads(r.model_dump_json()), "attempts": len(attempts)})
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


def _emit(app: AppState, fmt: Format, proposals: list[Proposal], results: dict[int, WriteResult]) -> None:
    records = [proposal_record(p, results.get(p.ticket_id)) for p in proposals]
    if fmt is Format.json:
        write_jsonl(records)
    elif fmt is Format.csv:
        write_csv(records)
    else:
        write_table(app.out, records, title=f"{len(records)} applications")


def _report_writes(
    app: AppState,
    fmt: Format,
    proposals: list[Proposal],
    results: list[WriteResult],
    resumed: list[WriteResult] | None = None,
) -> None:
    by_ticket = {r.ticket_id: r for r in results}
    _emit(app, fmt, proposals, by_ticket)
    resumed = resumed or []
    if resumed:
        done = sum(1 for r in resumed if r.status in ("applied", "already_applied"))
        app.info(f"also finished {done} of {len(resumed)} writes left by an earlier run")
    results = [*resumed, *results]
    counts: dict[str, int] = {}
    for r in results:
        counts[r.status] = counts.get(r.status, 0) + 1
    app.info("writes: " + (", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "none"))
    for r in results:
        if r.status == "failed":
            app.err.print(
                f"ticket {r.ticket_id}: write failed: {r.error} (recorded; later runs retry it, up to 3 attempts)",
                highlight=False,
                markup=False,
            )
        elif r.status == "conflict":
            app.info(f"ticket {r.ticket_id}: changed since it was evaluated; left for the next triage")


def _footer(app: AppState, batch: object, *, written: bool, explain: bool = False) -> None:
    """Counts on stderr; why tickets were passed over with --verbose, or when they were asked for by id."""
    from commops.services.triage import TriageBatch

    assert isinstance(batch, TriageBatch)
    counts = ", ".join(f"{k} {v}" for k, v in batch.counts().items()) or "no applications"
    extra = []
    if batch.skipped:
        extra.append(f"{len(batch.skipped)} already decided")
    if batch.unmapped:
        extra.append(f"{len(batch.unmapped)} could not be read")
    tail = "" if written else " — dry run, nothing written"
    app.info(f"{counts}" + (f" ({'; '.join(extra)})" if extra else "") + tail)
    for bad in batch.unmapped:
        app.err.print(f"ticket {bad.ticket_id} skipped: {bad.reason}", highlight=False, markup=False)
    if app.verbose or explain:
        for skipped in batch.skipped:
            app.info(f"ticket {skipped.ticket_id} not evaluated: {skipped.reason}")


_CHOICES = "[a]ccept [o]verride [s]kip [t]race [u]rl [q]uit"


def _review(
    app: AppState,
    proposals: list[Proposal],
    applications: dict[int, Application],
    macro_titles: set[str],
) -> list[Proposal]:
    """One by one: accept, override the outcome/macro, skip, show the trace, open the URL, quit."""
    accepted: list[Proposal] = []
    reviewable = [p for p in proposals if p.decision.outcome is not Outcome.SKIP]
    for index, proposal in enumerate(reviewable, 1):
        decision = proposal.decision
        application = applications.get(proposal.ticket_id)
        app.err.print(
            f"\n[bold]{index}/{len(reviewable)}  ticket {decision.ticket_id}[/] · {decision.program} · "
            f"SLA {proposal.sla.value if proposal.sla else '-'} · proposed [bold]{decision.outcome.value}[/]"
        )
        for reason in decision.reasons:
            app.err.print(f"  - {reason.rule}: {reason.message}", highlight=False, markup=False)
        if decision.macros:
            app.err.print("  macros: " + ", ".join(m.title for m in decision.macros), highlight=False, markup=False)
        while True:
            choice = typer.prompt(_CHOICES, default="a", err=True).strip().lower()[:1]
            if choice == "a":
                accepted.append(proposal)
                break
            if choice == "s":
                break
            if choice == "q":
                return accepted
            if choice == "t":
                _show_trace(app, decision)
            elif choice == "u":
                url = application.url if application is not None else None
                app.err.print(f"  {url or 'no URL known for this ticket'}", highlight=False)
                if url and sys.stdin.isatty():
                    webbrowser.open(url)
            elif choice == "o":
                accepted.append(_override(app, proposal, macro_titles))
                break
            else:
                app.err.print(f"  choose one of {_CHOICES}")
    return accepted


def _override(app: AppState, proposal: Proposal, macro_titles: set[str]) -> Proposal:
    outcomes = [o.value for o in Outcome if o is not Outcome.SKIP]
    while True:
        value = typer.prompt(f"  outcome ({'/'.join(outcomes)})", err=True).strip().lower()
        if value in outcomes:
            break
        app.err.print(f"  not an outcome: {value}")
    outcome = Outcome(value)
    macros: list[MacroRef] = []
    while outcome.writes:
        titles = typer.prompt("  macro titles (separate with ';')", err=True)
        macros = [MacroRef(title=t.strip()) for t in titles.split(";") if t.strip()]
        unknown = [m.title for m in macros if m.title not in macro_titles]
        if macros and not unknown:
            break
        app.err.print(
            f"  {'no such macro: ' + ', '.join(unknown) if unknown else 'an override that writes needs a macro'}",
            highlight=False,
            markup=False,
        )
    note = typer.prompt("  reason for the override", default="specialist override", err=True)
    reasons = [Reason(rule=OVERRIDE_RULE, message=note, outcome=outcome, macro=m) for m in macros] or [
        Reason(rule=OVERRIDE_RULE, message=note, outcome=outcome)
    ]
    decision: Decision = proposal.decision.model_copy(
        update={"outcome": outcome, "reasons": reasons, "other_reasons": proposal.decision.reasons}
    )
    return proposal.model_copy(update={"decision": decision})


def _show_trace(app: AppState, decision: Decision) -> None:
    try:
        from commops.cli.rules import render_trace  # type: ignore[attr-defined]
    except ImportError:
        app.err.print_json(json.dumps([t.model_dump(mode="json") for t in decision.trace]))
        return
    app.err.print(render_trace(decision))
