"""`commops queue`: the inbound applications, soonest deadline first."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from commops.cli.context import AppState, state
from commops.cli.options import STATUSES, Format, FormatOpt, ProgramOpt, check_choices
from commops.cli.progress import progress_bar
from commops.cli.render import Column, render
from commops.domain import SlaState
from commops.ports import Unmapped

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    app.command("queue")(queue)


def queue(
    ctx: typer.Context,
    program: ProgramOpt = None,
    status: Annotated[
        list[str] | None, typer.Option("--status", metavar="STATUS",
                                       help="Only this status: a category (new, open, pending, hold) or one of "
                                            "the account's custom statuses by label (repeatable).")
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

    from commops.bootstrap import open_runtime
    from commops.cli.writes import pending_notice
    from commops.services.queue import list_queue
    from commops.services.triage import pending_writes

    app = state(ctx)
    settings = app.settings
    check_choices("program", program, settings.programs)
    check_choices("SLA state", sla, [s.value for s in SlaState])
    problems: list[Unmapped] = []
    with open_runtime(settings, notice=app.info) as runtime, progress_bar(app, "reading the queue") as advance:
        pending = pending_writes(runtime.journal)
        labels = _status_labels(runtime.gateway.custom_statuses(), status or [])
        rows = list_queue(runtime.gateway, runtime.journal, settings, runtime.calendar, datetime.now(UTC),
                          programs=program or (), statuses=status or (), sla=sla or (), progress=advance,
                          problems=problems, pending=pending.outcomes, status_labels=labels)
    records = [json.loads(r.model_dump_json()) for r in rows]
    render(fmt, records, columns=QUEUE_COLUMNS, title=f"{len(rows)} applications in the queue", console=app.out)
    _problems(app, problems)
    pending_notice(app, pending)


def _status_labels(custom: list[dict[str, Any]], wanted: list[str]) -> dict[int, str]:
    """The account's active custom statuses by id; each --status must be a category or one of their labels."""
    labels = {int(s["id"]): str(s.get("agent_label")) for s in custom if s.get("active", True)}
    known = {label.casefold() for label in labels.values()}
    check_choices("status", [s for s in wanted if s.casefold() not in known],
                  STATUSES + tuple(sorted(set(labels.values()))))
    return labels


def _problems(app: AppState, problems: list[Unmapped]) -> None:
    """Tickets left out of the queue, each with its id and reason, and how many (stderr)."""
    for bad in problems:
        app.err.print(f"ticket {bad.ticket_id} skipped: {bad.reason}", highlight=False, markup=False)
    if problems:
        app.info(f"{len(problems)} ticket{'s' if len(problems) != 1 else ''} could not be read")


_SLA_STYLE = {"ok": "green", "at_risk": "yellow", "breached": "red"}

QUEUE_COLUMNS = (
    Column("ticket_id", "ticket", justify="right"),
    Column("program"),
    Column("status", value=lambda r: f"{r['status']} ({r['custom_status']})"
           if r.get("custom_status") and str(r["custom_status"]).casefold() != str(r["status"]).casefold()
           else r["status"]),
    Column("age_business_days", "age (bd)", justify="right"),
    Column("sla", "SLA", style=lambda r: _SLA_STYLE.get(str(r["sla"]), "")),
    Column("due"),
    Column("requester", wrap=True),
    Column("last_decision", "last decision"),
    Column("pending_write", "pending write", style="bold yellow"),
)
