"""Triage: pull the queue, skip what is decided, verify, evaluate, and (when asked) write, exactly once.

The flow every front end shares (interactive review, plans, unattended runs):
``evaluate_queue`` → proposals (journaled) → ``apply_proposals`` (journaled intent → gateway → result).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from commops.config import Settings
from commops.domain import Application, Decision, Outcome, Proposal
from commops.domain.calendar import BusinessCalendar
from commops.domain.decision import OVERRIDE_RULE
from commops.domain.records import ProposalRecord
from commops.domain.retriage import REPLY_RULE, Previous, Why, after_reply, agrees, why_evaluate
from commops.domain.sla import sla_state
from commops.errors import JournalError, LockedError, ZendeskError
from commops.ports import (
    Evaluator,
    Journal,
    NamespaceVerifier,
    RuleSetLike,
    RunLease,
    RunLock,
    TicketGateway,
    Unmapped,
    WriteLog,
    WriteResult,
)
from commops.services.benefits import BenefitPorts, finish_provisions, prepare_benefits, resume_provisions
from commops.services.guard import RunGuard
from commops.services.renewals import grant_for, judge
from commops.services.sla import sla_terms
from commops.services.verification import verify_applications

__all__ = [
    "MAX_ATTEMPTS",
    "NO_SUCH_TICKET",
    "OVERRIDE_RULE",
    "PENDING_REASON",
    "WRITE_CHUNK",
    "PendingWrites",
    "TriageBatch",
    "TriageOptions",
    "TriagePorts",
    "apply_proposals",
    "decide",
    "evaluate_pages",
    "evaluate_queue",
    "fields_digest",
    "pending_writes",
    "resume_unfinished",
    "settle_jobs",
    "verify",
]


WRITE_CHUNK = 1000  # proposals per gateway call (it splits them into update_many jobs of 100 itself)
MAX_ATTEMPTS = 3  # a write Zendesk refused this often (deleted ticket, invalid macro) is not retried again


@dataclass
class TriagePorts:
    """Everything a triage run talks to; built once by ``commops.bootstrap``."""

    settings: Settings
    gateway: TicketGateway
    evaluator: Evaluator
    ruleset: RuleSetLike
    journal: Journal
    calendar: BusinessCalendar
    clock: Callable[[], datetime]
    lock: RunLock
    lease: RunLease | None = None  # the account's run lease (None: this machine's lock only, e.g. unit fakes)
    verifier: NamespaceVerifier | None = None  # None: offline, verification outcomes are "unknown"
    account: str = ""  # the account's name for summaries: its URL, or "the embedded sandbox (URL)"
    account_key: str = ""  # what state is tied to: the account's URL, or "embedded-sandbox"
    account_id: str = ""  # the account's id ("brand:<id>"), when it is known
    benefits: BenefitPorts | None = None  # None: no ledger, no provisioning (qualify ends with the welcome)


@dataclass
class TriageOptions:
    programs: Sequence[str] = ()
    ticket_ids: Sequence[int] = ()
    limit: int | None = None
    query: str | None = None
    include_decided: bool = False  # evaluate decided and pending tickets too (a deliberate re-evaluation)


@dataclass
class Skipped:
    ticket_id: int
    reason: str


@dataclass
class TriageBatch:
    """The result of evaluating a queue (or one page of it): proposals to show or write, and everything
    left aside. A run that journals page by page keeps only the outcome counts of the proposals it let go
    (``evaluated``), so its memory does not grow with the queue."""

    proposals: list[Proposal] = field(default_factory=list)
    applications: dict[int, Application] = field(default_factory=dict)
    skipped: list[Skipped] = field(default_factory=list)
    unmapped: list[Unmapped] = field(default_factory=list)
    evaluated: Counter[str] = field(default_factory=Counter)  # outcomes of proposals journaled and let go

    def counts(self) -> dict[str, int]:
        counter = Counter(p.decision.outcome.value for p in self.proposals) + self.evaluated
        return dict(sorted(counter.items()))

    @property
    def size(self) -> int:
        """How many applications were evaluated into proposals (held here or let go)."""
        return len(self.proposals) + sum(self.evaluated.values())

    def extend(self, page: TriageBatch) -> None:
        """Keep everything of ``page``."""
        self.proposals.extend(page.proposals)
        self.applications.update(page.applications)
        self.skipped.extend(page.skipped)
        self.unmapped.extend(page.unmapped)
        self.evaluated.update(page.evaluated)

    def tally(self, page: TriageBatch) -> None:
        """Keep what was left aside of ``page`` and only the outcome counts of its proposals."""
        self.skipped.extend(page.skipped)
        self.unmapped.extend(page.unmapped)
        self.evaluated.update(p.decision.outcome.value for p in page.proposals)
        self.evaluated.update(page.evaluated)


def fields_digest(application: Application, ignore: Collection[str] = ()) -> str:
    """What the applicant has told us, as a short hash: an unchanged digest means nothing new to read.

    ``ignore`` names fields that are not the applicant's answers (commops' own markers).
    """
    answers = {k: v for k, v in application.fields.items() if k not in ignore}
    payload = json.dumps(
        {"fields": answers, "email": application.requester.email, "type": application.application_type},
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


NO_SUCH_TICKET = "no such ticket in Zendesk"
PENDING_REASON = "a write from an earlier run is pending; it goes first"


def _pull(ports: TriagePorts, options: TriageOptions, progress: Callable[[int], None] | None) -> Iterable[
    tuple[list[Application], list[Unmapped]]
]:
    if options.ticket_ids:
        found = ports.gateway.get_applications(list(options.ticket_ids))
        seen = {a.ticket_id for a in found}
        missing = [Unmapped(ticket_id=t, reason=NO_SUCH_TICKET) for t in options.ticket_ids
                   if t not in seen]
        yield found, missing
        return
    for page in ports.gateway.pull_queue(options.query or ports.settings.queue.query):
        if progress:
            progress(len(page.applications) + len(page.unmapped))
        applications, unmapped = page.applications, page.unmapped
        del page  # nothing of this page is held here while the next one is read
        yield applications, unmapped
        del applications, unmapped


def verify(ports: TriagePorts, applications: list[Application]) -> list[Application]:
    """The forge lookups the rules will read, through the verifier port (none offline)."""
    if ports.verifier is None:
        return applications
    return verify_applications(applications, ports.verifier, ports.ruleset.verifications_needed,
                               ports.evaluator.read_input)


def decide(
    ports: TriagePorts, application: Application, *, why: Why = Why.NEW, previous: Previous | None = None
) -> Decision | None:
    """The decision the rules reach for a (verified) application now, with re-triage applied: None when
    new rules agree with what the applicant was already told; manual when a reply needs a person."""
    decision = judge(ports.benefits, ports.evaluator, application)
    if previous is None:
        return decision
    if why is Why.RULES and agrees(decision, previous):
        return None
    if why is Why.CAME_BACK:
        return after_reply(decision, previous, fields_digest(application, _marker_keys(ports)))
    return decision


def _marker_keys(ports: TriagePorts) -> set[str]:
    return {ports.settings.markers.decision_field, ports.settings.markers.ruleset_field}


def _passed_over(app: Application, pending: set[int], given_up: dict[int, str]) -> str | None:
    """Why a write already in the journal keeps this ticket out of the run, if it does."""
    if app.ticket_id in pending:
        return PENDING_REASON
    if given_up.get(app.ticket_id) == app.updated_stamp:
        return "Zendesk refused this write 3 times; a person must act (commops history)"
    return None


def _select(
    ports: TriagePorts, selected: list[Application], options: TriageOptions, room: int | None, batch: TriageBatch
) -> list[tuple[Application, Why, Previous | None]]:
    """The applications of one page to evaluate, with why; the rest go to ``batch.skipped``."""
    ids = [a.ticket_id for a in selected]
    history = ports.journal.last_applied(ids)
    pending = ports.journal.pending_tickets(ids)
    given_up = ports.journal.abandoned(ids)
    version = ports.evaluator.version
    chosen: list[tuple[Application, Why, Previous | None]] = []
    for app in selected:
        if room is not None and len(chosen) >= room:
            break  # the limit counts applications evaluated, not those passed over as decided
        held = None if options.include_decided else _passed_over(app, pending, given_up)
        if held is None and app.status == "pending" and ports.settings.renewals.tag in app.tags:
            held = "a renewal reminder waiting for the member's reply"
        if held is not None:
            batch.skipped.append(Skipped(app.ticket_id, held))
            continue
        previous = Previous.of(app, history.get(app.ticket_id))
        # Not an application: nothing to re-triage, it is looked at as new (and skipped by the rules).
        why, reason = why_evaluate(app, previous if app.program is not None else None, version)
        if why is Why.SKIP and not options.include_decided:
            batch.skipped.append(Skipped(app.ticket_id, reason))
            continue
        chosen.append((app, why, previous))
    return chosen


def _proposal(ports: TriagePorts, app: Application, decision: Decision, now: datetime) -> Proposal:
    age, sla = sla_state(app.created_at, now, ports.calendar, sla_terms(ports.settings.sla))
    first = decision.reasons[0] if decision.reasons else None
    return Proposal(
        decision=decision,
        updated_stamp=app.updated_stamp or app.updated_at.isoformat(),
        age_business_days=age,
        sla=sla if decision.outcome is not Outcome.SKIP else None,
        note=first.message if first is not None and first.rule == REPLY_RULE else None,
        answers_digest=fields_digest(app, _marker_keys(ports)),
        grant=grant_for(ports.benefits, app, decision),
    )


# Failures of the account, the journal or the lock stop the run; anything else raised while evaluating
# one application is reported as that ticket's problem.
_BATCH_ERRORS = (ZendeskError, JournalError, LockedError)


def evaluate_queue(
    ports: TriagePorts, options: TriageOptions, *, progress: Callable[[int], None] | None = None,
    guard: RunGuard | None = None,
) -> TriageBatch:
    """Pull → skip decided → verify → decide, the whole queue in one batch. Writes nothing to Zendesk."""
    batch = TriageBatch()
    for page in evaluate_pages(ports, options, progress=progress, guard=guard):
        batch.extend(page)
    return batch


def evaluate_pages(
    ports: TriagePorts, options: TriageOptions, *, progress: Callable[[int], None] | None = None,
    guard: RunGuard | None = None,
) -> Iterator[TriageBatch]:
    """:func:`evaluate_queue` one page of the queue at a time: each batch holds that page only, so a
    caller that journals each page and lets it go keeps O(page) in memory, not O(queue). With a
    ``guard``, each page is taken only while the run may go on (lease renewed, time limit not reached)."""
    now = ports.clock()
    wanted_programs = set(options.programs)
    proposed = 0
    for applications, unmapped in _pull(ports, options, progress):
        if guard is not None and not guard.proceed():
            break
        batch = TriageBatch(unmapped=list(unmapped))
        selected = [a for a in applications if not wanted_programs or a.program in wanted_programs]
        room = None if options.limit is None else options.limit - proposed
        chosen = _select(ports, selected, options, room, batch) if selected else []
        why_of = {app.ticket_id: (why, previous) for app, why, previous in chosen}
        for app in verify(ports, [app for app, _, _ in chosen]):
            why, previous = why_of[app.ticket_id]
            try:
                decision = decide(ports, app, why=why, previous=previous)
                proposal = None if decision is None else _proposal(ports, app, decision, now)
            except _BATCH_ERRORS:
                raise
            except Exception as exc:  # one ticket's failure is that ticket's error, never the batch's
                batch.unmapped.append(Unmapped(ticket_id=app.ticket_id, reason=f"could not be evaluated: {exc}"))
                continue
            if proposal is None:
                batch.skipped.append(Skipped(app.ticket_id, "decided; the new rules agree"))
                continue
            batch.proposals.append(proposal)
            batch.applications[app.ticket_id] = app
        proposed += len(batch.proposals)
        del applications, unmapped, selected, chosen, why_of  # held by the caller only, while it wants them
        yield batch
        del batch
        if options.limit is not None and proposed >= options.limit:
            break


@dataclass
class ApplyReport:
    results: list[WriteResult] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return dict(sorted(Counter(r.status for r in self.results).items()))


def apply_proposals(
    ports: TriagePorts,
    proposal_ids: dict[int, int],
    proposals: Sequence[Proposal],
    *,
    progress: Callable[[int], None] | None = None,
    chunk: int = WRITE_CHUNK,
    guard: RunGuard | None = None,
) -> list[WriteResult]:
    """Write proposals through the gateway, recording intent before and result after each chunk.

    Chunks are large (the gateway splits them into update_many jobs of 100 itself): every gateway call
    pays one stamp re-check and one round of job polls, so fewer calls mean fewer requests.

    ``proposal_ids`` maps ticket id → journal row. A run killed anywhere in here leaves rows in state
    ``writing``; ``resume_unfinished`` sends them again, and the gateway's write markers make that safe.
    With a ``guard``, each chunk starts only while the run may go on; chunks not started stay approved
    in the journal, and the next run resumes them (re-checked against the ticket, as every write is).
    """
    results: list[WriteResult] = []
    writable = [p for p in proposals if p.decision.outcome.writes]
    if writable:
        ports.gateway.check_write_access()  # a read-only token stops here: nothing journaled, nothing sent
    for start in range(0, len(writable), chunk):
        if guard is not None and not guard.proceed():
            break
        part = writable[start : start + chunk]
        if ports.benefits is not None:  # codes are reserved (committed) before the welcome that carries them
            part, emptied = prepare_benefits(ports.benefits, part, proposal_ids)
            for turned in emptied:
                ports.journal.set_state([proposal_ids[turned.ticket_id]], "skipped")
                results.append(WriteResult(ticket_id=turned.ticket_id, status="skipped",
                                           error=turned.decision.reasons[0].message))
            if not part:
                continue
        ids = [proposal_ids[p.ticket_id] for p in part]
        attempts = ports.journal.begin_writes(ids, batch=len(part) > 1)  # one write is a PUT, more a job
        attempt_of = {p.ticket_id: attempts[proposal_ids[p.ticket_id]] for p in part}

        def record_job(job_id: str, ticket_ids: list[int], attempt_of: dict[int, int] = attempt_of) -> None:
            ports.journal.record_job([attempt_of[t] for t in ticket_ids if t in attempt_of], job_id)

        try:
            if guard is None:
                outcome = ports.gateway.write_decisions(part, on_job=record_job)
            else:  # the lease and the lock renewed between the gateway's chunks of 100 too
                outcome = ports.gateway.write_decisions(part, on_job=record_job, between_batches=guard.beat)
        except Exception as exc:
            for pid in ids:
                ports.journal.finish_write(pid, attempts[pid], "failed", str(exc), None)
            raise
        by_ticket = {r.ticket_id: r for r in outcome}
        for proposal in part:
            pid = proposal_ids[proposal.ticket_id]
            result = by_ticket.get(proposal.ticket_id) or WriteResult(
                ticket_id=proposal.ticket_id, status="failed", error="no result from Zendesk"
            )
            ports.journal.finish_write(pid, attempts[pid], result.status, result.error, result.updated_stamp)
            results.append(result)
        if ports.benefits is not None:  # after the journal says written: provision, once
            finish_provisions(ports.benefits, part, outcome)
        if progress:
            progress(len(part))
    return results


def settle_jobs(ports: TriagePorts) -> None:
    """Wait for update_many jobs of unfinished writes: a killed run's queued job may still land.

    When a job id was never seen (the answer to update_many was lost), or the journal is empty (a machine
    that has never run here), every job the account still runs may be it. Only after this do the tickets'
    markers tell whether a write landed.
    """
    jobs = ports.journal.unsettled_jobs()
    # A journal that holds nothing (a fresh CI runner, a new home) cannot know a run killed on another
    # machine: any job the account still runs may be its write, so that is waited for as well.
    if ports.journal.lost_job_ids() or not ports.journal.history(limit=1):
        jobs = [*jobs, *ports.gateway.active_jobs()]
    if jobs:
        ports.gateway.settle_jobs(jobs)


@dataclass(frozen=True)
class PendingWrites:
    """Writes an earlier run approved but never saw finished (interrupted, killed, failed and to be
    retried): what the next writing run sends first, ticket id → the outcome it writes."""

    outcomes: dict[int, str] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return len(self.outcomes)


def pending_writes(journal: WriteLog) -> PendingWrites:
    """What :func:`resume_unfinished` would send now (the newest write per ticket; not those given up)."""
    latest: dict[int, str] = {}
    for record in journal.unfinished_writes():
        if record.state == "failed" and journal.failed_attempts(record.id) >= MAX_ATTEMPTS:
            continue  # the next resume marks it abandoned: a person's to act on, not a pending write
        latest[record.ticket_id] = record.outcome
    return PendingWrites(latest)


def resume_unfinished(ports: TriagePorts, guard: RunGuard | None = None) -> list[WriteResult]:
    """Finish writes an earlier run approved or sent but never saw answered (killed, crashed, failed)."""
    settle_jobs(ports)
    if ports.benefits is not None:  # written qualifies a killed run did not provision yet
        resume_provisions(ports.benefits, ports.journal)
    pending = []
    for record in ports.journal.unfinished_writes():
        if record.state == "failed" and ports.journal.failed_attempts(record.id) >= MAX_ATTEMPTS:
            ports.journal.set_state([record.id], "abandoned")  # reported by `commops history`; a person decides
        else:
            pending.append(record)
    if not pending:
        return []
    latest: dict[int, ProposalRecord] = {}
    for record in pending:
        latest[record.ticket_id] = record  # the newest proposal per ticket wins
    for record in pending:
        if latest[record.ticket_id].id != record.id:
            ports.journal.set_state([record.id], "superseded")
    records = list(latest.values())
    proposals = [ports.journal.load_proposal(r.id) for r in records]
    return apply_proposals(ports, {r.ticket_id: r.id for r in records}, proposals, guard=guard)


def summary_counts(batch: TriageBatch, results: Sequence[WriteResult],
                   statuses: Counter[str] | None = None) -> dict[str, Any]:
    """The run's counts; ``statuses``, when given, counts the write results (a long run keeps only those)."""
    statuses = Counter(r.status for r in results) if statuses is None else statuses
    return {
        "applications": batch.size,
        "outcomes": batch.counts(),
        "applied": statuses.get("applied", 0) + statuses.get("already_applied", 0),
        "conflicts": statuses.get("conflict", 0),
        "errors": statuses.get("failed", 0),
        "skipped": len(batch.skipped),
        "unmapped": len(batch.unmapped),
    }
