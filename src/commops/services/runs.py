"""Runs that write: specialist applies, plans, and unattended batches with their lock and guard-rails."""

from __future__ import annotations

import time
from array import array
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from commops.domain import Outcome, Plan, Proposal
from commops.domain.guardrail import reject_share
from commops.domain.states import ProposalState, RunMode, RunStatus, WriteStatus
from commops.errors import GuardRailError, LockedError, TimeLimitError, UsageError
from commops.ports import Heartbeat, WriteResult
from commops.services.guard import RunGuard
from commops.services.triage import (
    WRITE_CHUNK,
    TriageBatch,
    TriageOptions,
    TriagePorts,
    apply_proposals,
    evaluate_pages,
    evaluate_queue,
    resume_unfinished,
    settle_jobs,
    summary_counts,
)

SPECIALIST_LOCK_WAIT_S = 120.0  # a specialist's apply waits this long for a cron run to finish

__all__ = [
    "SPECIALIST_LOCK_WAIT_S",
    "RunLimits",
    "RunSummary",
    "TriageFlags",
    "apply_plan",
    "load_plan",
    "record_dry_run",
    "resolve_mode",
    "run_apply",
    "run_unattended",
    "write_plan",
]


@dataclass(frozen=True)
class TriageFlags:
    """The writing flags of ``commops triage``, as given."""

    apply: bool = False
    interactive: bool = False
    plan: bool = False
    unattended: bool = False


def resolve_mode(flags: TriageFlags) -> RunMode:
    """The one run mode a combination of flags means; a combination that means none is a UsageError.

    Dry-run unless asked: ``--plan`` writes a file, ``--interactive`` and ``--apply`` write after a review
    or a confirmation, ``--apply --unattended`` is cron's.
    """
    if flags.unattended and not flags.apply:
        raise UsageError(
            "--unattended writes decisions: combine it with --apply", hint="commops triage --apply --unattended"
        )
    if flags.plan and (flags.apply or flags.unattended or flags.interactive):
        raise UsageError("--plan writes a plan to review instead of applying: drop --apply/--unattended/--interactive")
    if flags.interactive and flags.unattended:
        raise UsageError("--interactive cannot be combined with --unattended")
    if flags.unattended:
        return RunMode.UNATTENDED
    if flags.interactive:
        return RunMode.INTERACTIVE
    if flags.apply:
        return RunMode.APPLY
    return RunMode.PLAN if flags.plan else RunMode.DRY_RUN


@dataclass
class RunSummary:
    run_id: str
    mode: RunMode
    batch: TriageBatch
    results: list[WriteResult] = field(default_factory=list)
    resumed: list[WriteResult] = field(default_factory=list)
    not_written: int = 0  # proposals left as proposals (not auto, over --max-writes, manual)
    status: RunStatus = RunStatus.OK
    written: Counter[str] | None = None  # every write's status, when ``results`` keeps only those needing a person

    def write_counts(self) -> Counter[str]:
        """The statuses of this run's writes, resumed ones included."""
        mine = Counter(r.status for r in self.results) if self.written is None else self.written
        return mine + Counter(r.status for r in self.resumed)

    def as_dict(self, request_counts: dict[str, int]) -> dict[str, Any]:
        data = summary_counts(self.batch, [], self.write_counts())
        data.update(
            {
                "run_id": self.run_id,
                "mode": self.mode,
                "status": self.status,
                "resumed": len(self.resumed),
                "left_as_proposals": self.not_written,
                "requests": sum(request_counts.values()),
                "requests_by_endpoint": dict(sorted(request_counts.items())),
            }
        )
        return data


def record_dry_run(ports: TriagePorts, options: TriageOptions, progress: Callable[[int], None] | None = None
                   ) -> RunSummary:
    """Evaluate and journal the proposals; nothing is written to Zendesk."""
    run_id = ports.journal.start_run(RunMode.DRY_RUN, ports.evaluator.version)
    batch = evaluate_queue(ports, options, progress=progress)
    ports.journal.record_proposals(run_id, batch.proposals)
    summary = RunSummary(run_id, RunMode.DRY_RUN, batch, not_written=len(batch.proposals))
    ports.journal.finish_run(run_id, RunStatus.OK, summary_counts(batch, []))
    return summary


@dataclass(frozen=True)
class RunLimits:
    """How long a writing run waits for another to finish, and how long it may run (None: no limit)."""

    wait_s: float = SPECIALIST_LOCK_WAIT_S
    max_run_time_s: float | None = None
    clock: Callable[[], float] = time.monotonic  # what the time limit is measured on


@contextmanager
def _exclusive(ports: TriagePorts, mode: RunMode, limits: RunLimits) -> Iterator[tuple[str, RunGuard]]:
    """This machine's lock, a journaled run, and the account's lease, for the life of the block; the guard
    renews both between batches and watches the time limit. A run refused the lease, or that lost it,
    is journaled as ``locked``."""
    with ports.lock.hold(limits.wait_s, mode) as local:
        run_id = ports.journal.start_run(mode, ports.evaluator.version)
        try:
            with ExitStack() as stack:
                beats: list[Heartbeat] = [] if local is None else [local]
                if ports.lease is not None:
                    beats.append(stack.enter_context(ports.lease.hold(run_id, limits.wait_s)))
                yield run_id, RunGuard(beats=beats, max_run_time_s=limits.max_run_time_s, clock=limits.clock)
        except LockedError:
            ports.journal.finish_run(run_id, RunStatus.LOCKED, {})
            raise


def _time_limit(summary: RunSummary, guard: RunGuard) -> None:
    """A run stopped by its time limit ends with its own exit code, its summary still printed."""
    if not guard.stopped:
        return
    done = sum(summary.write_counts().values())
    error = TimeLimitError(
        f"the run reached its time limit ({guard.max_run_time_s:g} s) and stopped taking new work; what it "
        f"wrote stands ({done} writes), the rest is for the next run",
        hint="raise --max-run-time ([unattended] max_run_time_s) if runs this long are expected",
    )
    error.summary = summary
    raise error


def run_apply(
    ports: TriagePorts,
    batch: TriageBatch,
    chosen: Sequence[Proposal],
    *,
    mode: RunMode,
    progress: Callable[[int], None] | None = None,
    limits: RunLimits | None = None,
) -> RunSummary:
    """Write the proposals a specialist accepted (``chosen``); the rest of the batch is journaled as proposed."""
    with _exclusive(ports, mode, limits or RunLimits()) as (run_id, guard):
        summary = _run_apply(ports, run_id, guard, batch, chosen, mode=mode, progress=progress)
    _time_limit(summary, guard)
    return summary


def _run_apply(
    ports: TriagePorts,
    run_id: str,
    guard: RunGuard,
    batch: TriageBatch,
    chosen: Sequence[Proposal],
    *,
    mode: RunMode,
    progress: Callable[[int], None] | None,
) -> RunSummary:
    chosen_ids = {p.ticket_id for p in chosen}
    settle_jobs(ports)  # an older write's queued job must land (or not) before it can be superseded
    ports.journal.supersede(sorted(chosen_ids))  # what the specialist chose now beats older pending writes
    resumed = resume_unfinished(ports, guard)
    others = [p for p in batch.proposals if p.ticket_id not in chosen_ids]
    writable = [_by(p, mode) for p in chosen if p.decision.outcome.writes]
    held = [p for p in chosen if not p.decision.outcome.writes]  # e.g. overridden to manual: journaled too
    ports.journal.record_proposals(run_id, [*others, *held])
    ids = ports.journal.record_proposals(run_id, writable, state=ProposalState.APPROVED)
    results = apply_proposals(ports, ids, writable, progress=progress, guard=guard)
    summary = RunSummary(run_id, mode, batch, results, resumed, not_written=len(batch.proposals) - len(results))
    failed = any(r.status == WriteStatus.FAILED for r in [*resumed, *results])
    summary.status = RunStatus.ERRORS if failed else RunStatus.TIME_LIMIT if guard.stopped else RunStatus.OK
    ports.journal.finish_run(run_id, summary.status, summary_counts(batch, results))
    return summary


def run_unattended(
    ports: TriagePorts,
    options: TriageOptions,
    *,
    max_writes: int,
    max_reject_share: float,
    min_decisions: int = 0,
    progress: Callable[[int], None] | None = None,
    limits: RunLimits | None = None,
) -> RunSummary:
    """The cron job: locked (this machine) and leased (the account), resumes unfinished writes, applies
    only ``auto`` decisions, within guard-rails and its time limit.

    The queue is evaluated and journaled page by page and nothing of a page is kept but counts and the
    journal rows to write (O(page) in memory, whatever the queue's size); the writes start only once the
    whole queue is judged, so the guard-rails see everything the run would write.
    """
    if limits is None:
        unattended = ports.settings.unattended
        limits = RunLimits(wait_s=unattended.lock_timeout_s, max_run_time_s=unattended.max_run_time_s or None)
    with _exclusive(ports, RunMode.UNATTENDED, limits) as (run_id, guard):
        summary = _unattended(ports, run_id, guard, options, max_writes=max_writes,
                              max_reject_share=max_reject_share, min_decisions=min_decisions, progress=progress)
    _time_limit(summary, guard)
    return summary


def _unattended(
    ports: TriagePorts,
    run_id: str,
    guard: RunGuard,
    options: TriageOptions,
    *,
    max_writes: int,
    max_reject_share: float,
    min_decisions: int,
    progress: Callable[[int], None] | None,
) -> RunSummary:
    resumed = resume_unfinished(ports, guard)
    batch = TriageBatch()
    tickets, rows = array("q"), array("q")  # the auto proposals within --max-writes: ticket, journal row
    auto_outcomes: Counter[Outcome] = Counter()
    over = 0
    for page in evaluate_pages(ports, options, progress=progress, guard=guard):
        batch.tally(page)
        auto = [p for p in page.proposals if p.decision.outcome.writes and p.decision.auto]
        auto_outcomes.update(p.decision.outcome for p in auto)
        auto_ids = {p.ticket_id for p in auto}
        room = max(0, max_writes - len(rows))
        within, beyond = [_by(p, RunMode.UNATTENDED) for p in auto[:room]], auto[room:]
        over += len(beyond)
        ports.journal.record_proposals(run_id, [*(p for p in page.proposals if p.ticket_id not in auto_ids),
                                                *beyond])
        # proposed until the guard-rails below allow them; a row of its own, never an older one reused
        ids = ports.journal.record_proposals(run_id, within, fresh=True)
        for p in within:
            tickets.append(p.ticket_id)
            rows.append(ids[p.ticket_id])
        del page, auto, within, beyond  # journaled: nothing of the page is kept while the next is read
    # The share is over everything this run would write, before --max-writes slices it: a small
    # --max-writes must not let a run of rejects through a few at a time.
    verdict = reject_share(auto_outcomes.elements(), ceiling=max_reject_share, min_decisions=min_decisions)
    if verdict.tripped:
        summary = RunSummary(run_id, RunMode.UNATTENDED, batch, [], resumed, not_written=batch.size)
        summary.status = RunStatus.GUARD_RAIL
        ports.journal.finish_run(run_id, RunStatus.GUARD_RAIL, summary_counts(batch, resumed))
        error = GuardRailError(
            verdict.message(),
            hint="review with `commops triage`; raise [unattended] max_reject_share if this is expected",
        )
        error.summary = summary
        raise error
    if guard.stopped:  # evaluated, not written: they stay proposed, the next run evaluates them afresh
        tickets, rows = array("q"), array("q")
    ports.journal.set_state(list(rows), ProposalState.APPROVED)  # one transaction, before anything is sent
    attention, written = _write_rows(ports, tickets, rows, progress, guard)
    summary = RunSummary(run_id, RunMode.UNATTENDED, batch, attention, resumed,
                         not_written=batch.size - len(rows), written=written)
    failed = written[WriteStatus.FAILED] > 0 or any(r.status == WriteStatus.FAILED for r in resumed)
    summary.status = (RunStatus.ERRORS if failed else RunStatus.TIME_LIMIT if guard.stopped
                      else RunStatus.CAPPED if over else RunStatus.OK)
    ports.journal.finish_run(run_id, summary.status, summary_counts(batch, [], written))
    return summary


_SETTLED = frozenset({WriteStatus.APPLIED, WriteStatus.ALREADY_APPLIED})


def _write_rows(ports: TriagePorts, tickets: Sequence[int], rows: Sequence[int],
                progress: Callable[[int], None] | None, guard: RunGuard | None = None,
                ) -> tuple[list[WriteResult], Counter[str]]:
    """Write approved journal rows a batch (``[unattended] batch_size``) at a time, each batch read back
    from the journal: the results that need a person (conflicts, failures, skips) and the count of every
    status. With a ``guard``, a batch starts only while the run may go on: rows not started stay approved
    and the next run resumes them (re-checked against the ticket, as every write is)."""
    attention: list[WriteResult] = []
    written: Counter[str] = Counter()
    size = min(WRITE_CHUNK, ports.settings.unattended.batch_size)
    for start in range(0, len(rows), size):
        if guard is not None and not guard.proceed():
            break
        part_rows = rows[start:start + size]
        part = [ports.journal.load_proposal(row) for row in part_rows]
        ids = dict(zip(tickets[start:start + size], part_rows, strict=True))
        for result in apply_proposals(ports, ids, part, progress=progress, guard=guard):
            written[result.status] += 1
            if result.status not in _SETTLED:
                attention.append(result)
    return attention, written


def _by(proposal: Proposal, mode: RunMode) -> Proposal:
    """The proposal as this run writes it: its marker will say which mode decided (a fresh runner's stats
    tell automated decisions from specialists' by it)."""
    return proposal.model_copy(update={"by": str(mode)})


def write_plan(batch: TriageBatch, version: str, path: Path, *, account: str = "", account_id: str = "") -> Plan:
    plan = Plan(created_at=datetime.now(UTC), ruleset_version=version, proposals=batch.proposals, account=account,
                account_id=account_id)
    path.write_text(plan.model_dump_json(indent=2), encoding="utf-8")
    return plan


def load_plan(path: Path) -> Plan:
    try:
        return Plan.model_validate_json(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise UsageError(f"plan file {path} does not exist") from exc
    except IsADirectoryError as exc:
        raise UsageError(
            f"{path} is a directory, not a plan file", hint="name the file: commops apply plan.json"
        ) from exc
    except OSError as exc:
        raise UsageError(f"cannot read the plan {path}: {exc.strerror or exc}") from exc
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "the document"
        raise UsageError(
            f"{path} is not a commops plan ({where}: {first['msg']})",
            hint="write one with `commops triage --plan FILE`",
        ) from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path} is not a commops plan: {exc}") from exc


def apply_plan(
    ports: TriagePorts, plan: Plan, *, progress: Callable[[int], None] | None = None
) -> RunSummary:
    """Apply a reviewed plan as written. The gateway refuses tickets changed since the plan was made; a
    plan made on another account is refused whole (ticket ids repeat across accounts)."""
    if plan.account and ports.account_key and plan.account != ports.account_key:
        raise UsageError(
            f"the plan was made on the account {plan.account}; this command talks to {ports.account_key}. "
            "Nothing was written",
            hint="apply it with the account it was made on, or make a new plan on this one",
        )
    if plan.account_id and ports.account_id and plan.account_id != ports.account_id:
        raise UsageError(
            f"the plan was made on the account {plan.account} ({plan.account_id}); {ports.account_key} is now "
            f"another account ({ports.account_id}). Nothing was written",
            hint="make a new plan on this account",
        )
    batch = TriageBatch(proposals=list(plan.proposals))
    return run_apply(ports, batch, plan.proposals, mode=RunMode.PLAN, progress=progress)
