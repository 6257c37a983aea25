"""How the daily commands show proposals and writes: one table/JSON/CSV emitter, counts, what failed and why."""

from __future__ import annotations

from collections.abc import Callable

import typer

from commops.cli.context import AppState
from commops.cli.options import Format
from commops.cli.progress import progress_bar
from commops.cli.render import PROPOSAL_COLUMNS, proposal_record, reason_lines, render
from commops.domain import Proposal
from commops.ports import WriteResult
from commops.services.runs import RunSummary
from commops.services.triage import PENDING_REASON, PendingWrites, TriageBatch

__all__ = [
    "FINISH_PENDING",
    "confirm_and_write",
    "emit",
    "footer",
    "pending_notice",
    "report_writes",
    "show_requests",
    "write_question",
]

# The one command that finishes writes an interrupted run left, said wherever they are shown.
FINISH_PENDING = "`commops triage --apply` finishes them (so does the next `commops triage --apply --unattended`)"


def _writes(count: int) -> str:
    return f"{count} write{'s' if count != 1 else ''}"


def pending_notice(app: AppState, pending: PendingWrites, *, lead: str = "") -> None:
    """On stderr, when an earlier run left writes unfinished: how many, and the command that finishes them."""
    if pending.count:
        app.info(f"{lead}{_writes(pending.count)} left by an earlier, interrupted run "
                 f"{'are' if pending.count != 1 else 'is'} pending: {FINISH_PENDING}")


def write_question(new: int, pending: int, where: str, source: str = "") -> str:
    """The one confirmation of a writing run: the new decisions, and the pending writes it finishes first."""
    origin = f" from {source}" if source else ""
    if not pending:
        return f"Write {new} decisions{origin} to {where}?"
    left = f"finish {_writes(pending)} left by an interrupted run"
    if not new:
        return f"{left[0].upper()}{left[1:]} on {where}?"
    return f"First {left}, then write {new} decisions{origin} to {where}?"


def confirm_and_write(
    app: AppState, yes: bool, question: str, count: int, write: Callable[[Callable[[int], None]], RunSummary]
) -> RunSummary | None:
    """One confirmation (unless --yes), then the write with a progress bar; None when declined."""
    if not yes and not typer.confirm(question, default=False, err=True):
        app.info("nothing written")
        return None
    with progress_bar(app, "writing", total=count) as advance:
        return write(advance)


def show_requests(app: AppState, counts: dict[str, int]) -> None:
    """With --verbose: what the run cost in Zendesk requests (the rate limit is the real ceiling)."""
    if app.verbose:
        detail = ", ".join(f"{name} {n}" for name, n in sorted(counts.items()))
        app.info(f"Zendesk requests: {sum(counts.values())} ({detail})")


def emit(app: AppState, fmt: Format, proposals: list[Proposal], results: dict[int, WriteResult], *,
         to_stderr: bool = False) -> None:
    """The proposals (with their writes' results) as ``fmt`` on stdout, or with ``to_stderr`` as a table on
    stderr (what a confirmation asks about, while stdout is kept for the JSON or CSV that follows)."""
    records = [proposal_record(p, results.get(p.ticket_id)) for p in proposals]
    if fmt is Format.csv:  # reasons as `rule: message` text, not JSON objects
        records = [{**r, "reasons": reason_lines(r["reasons"]),
                    "other_reasons": reason_lines(r["other_reasons"], outcome=True)} for r in records]
    render(Format.table if to_stderr else fmt, records, columns=PROPOSAL_COLUMNS,
           title=f"{len(records)} applications", console=app.err if to_stderr else app.out)


def report_writes(
    app: AppState,
    fmt: Format,
    proposals: list[Proposal],
    results: list[WriteResult],
    resumed: list[WriteResult] | None = None,
) -> None:
    by_ticket = {r.ticket_id: r for r in results}
    emit(app, fmt, proposals, by_ticket)
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


def footer(app: AppState, batch: TriageBatch, *, written: bool, explain: bool = False, account: str = "") -> None:
    """Counts on stderr, with the account they are from; why tickets were passed over with --verbose, or
    when they were asked for by id."""
    counts = ", ".join(f"{k} {v}" for k, v in batch.counts().items()) or "no applications"
    extra = []
    waiting = sum(1 for s in batch.skipped if s.reason == PENDING_REASON)
    if waiting:
        extra.append(f"{waiting} with a write pending")
    if len(batch.skipped) > waiting:
        extra.append(f"{len(batch.skipped) - waiting} already decided")
    if batch.unmapped:
        extra.append(f"{len(batch.unmapped)} could not be read")
    tail = "" if written else " — dry run, nothing written"
    where = f" on {account}" if account else ""
    app.info(f"{counts}" + (f" ({'; '.join(extra)})" if extra else "") + tail + where)
    for bad in batch.unmapped:
        app.err.print(f"ticket {bad.ticket_id} skipped: {bad.reason}", highlight=False, markup=False)
    if app.verbose or explain:
        for skipped in batch.skipped:
            app.info(f"ticket {skipped.ticket_id} not evaluated: {skipped.reason}")
