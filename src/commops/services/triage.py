"""Triage: pull the queue, skip what is decided, verify, evaluate, and (when asked) write, exactly once.

The flow every front end shares (interactive review, plans, unattended runs):
``evaluate_queue`` → proposals (journaled) → ``apply_proposals`` (journaled intent → gateway → result).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from commops.config import Settings
from commops.domain import Application, Decision, Outcome, Proposal, Reason
from commops.domain.calendar import BusinessCalendar
from commops.domain.records import ProposalRecord
from commops.ports import Evaluator, Journal, NamespaceVerifier, RuleSetLike, TicketGateway, Unmapped, WriteResult
from commops.services.sla import sla_state

__all__ = [
    "MAX_ATTEMPTS",
    "TriageBatch",
    "TriageOptions",
    "TriagePorts",
    "apply_proposals",
    "evaluate_queue",
    "fields_digest",
    "resume_unfinished",
    "settle_jobs",
]


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
    verifier: NamespaceVerifier | None = None  # None: offline, verification outcomes are "unknown"


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
    """The result of evaluating a queue: proposals to show or write, and everything left aside."""

    proposals: list[Proposal] = field(default_factory=list)
    applications: dict[int, Application] = field(default_factory=dict)
    skipped: list[Skipped] = field(default_factory=list)
    unmapped: list[Unmapped] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        counter = Counter(p.decision.outcome.value for p in self.proposals)
        return dict(sorted(counter.items()))


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


def _pull(ports: TriagePorts, options: TriageOptions, progress: Callable[[int], None] | None) -> Iterable[
    tuple[list[Application], list[Unmapped]]
]:
    if options.ticket_ids:
        found = ports.gateway.get_applications(list(options.ticket_ids))
        seen = {a.ticket_id for a in found}
        missing = [Unmapped(ticket_id=t, reason="no such ticket in Zendesk") for t in options.ticket_ids
                   if t not in seen]
        yield found, missing
        return
    for page in ports.gateway.pull_queue(options.query or ports.settings.queue.query):
        if progress:
            progress(len(page.applications) + len(page.unmapped))
        yield page.applications, page.unmapped


OVERRIDE_RULE = "override"  # the rule id a specialist's override carries (see the interactive review)


@dataclass(frozen=True)
class Previous:
    """The last decision on a ticket: what commops wrote (journal), or what the ticket says (markers).

    ``by_person`` is a decision a specialist made — an override in commops, or a macro applied in Zendesk
    after (or instead of) commops' own write. The rules never overrule a person: such a ticket is left
    alone while it stays settled, and goes to manual when the applicant comes back.
    """

    outcome: str
    rules: tuple[str, ...]
    macros: tuple[str, ...] | None  # None: not known (the markers do not carry macro titles)
    ruleset: str | None
    digest: str | None  # None: not known (decided in Zendesk, from another machine, or by an older commops)
    by_person: bool

    @classmethod
    def of(cls, app: Application, record: ProposalRecord | None) -> Previous | None:
        marker = app.marker if app.marker is not None and app.marker.outcome else None
        if record is not None:
            ours = marker is None or (
                marker.outcome == record.outcome and marker.ruleset == record.ruleset_version
            )
            if ours:
                return cls(
                    record.outcome,
                    tuple(record.rules),
                    tuple(record.macros),
                    record.ruleset_version,
                    record.fields_digest,
                    by_person=OVERRIDE_RULE in record.rules,
                )
        if marker is not None and marker.outcome:
            # No ruleset on the marker: a person applied a macro that sets the decision field.
            return cls(
                marker.outcome.removeprefix("commops_"), marker.rules, None, marker.ruleset, None,
                by_person=marker.ruleset is None or OVERRIDE_RULE in marker.rules,
            )
        return None


def _retriage(app: Application, previous: Previous | None, version: str) -> tuple[str, str | None]:
    """Why a ticket is evaluated: ``new``, ``came_back`` (the applicant answered or the ticket was reopened),
    ``rules`` (the rules changed, the ticket did not) — or ``skip`` with the reason.

    The ticket's status says whether the applicant came back (Zendesk reopens a pending or solved ticket
    on a reply); its ``updated_at`` does not, since triggers and internal notes move it too.
    """
    if previous is None:
        return "new", None
    if previous.outcome == Outcome.ESCALATE.value:
        return "skip", "escalated earlier; a specialist owns it"
    settled = {Outcome.ASK.value: ("pending",)}.get(previous.outcome, ("solved", "closed"))
    if app.status not in settled:
        return "came_back", None
    if previous.by_person:
        return "skip", f"decided by a specialist ({previous.outcome})"
    if previous.ruleset != version:
        return "rules", None
    if app.status == "pending":
        return "skip", "waiting for the applicant's answer"
    return "skip", f"decided ({previous.outcome}) and unchanged since"


def _agrees(decision: Decision, previous: Previous) -> bool:
    """New rules that say what the applicant was already told: nothing to write again.

    Compared by what the applicant sees (outcome and macros), so renaming a rule re-asks nobody.
    """
    if decision.outcome.value != previous.outcome:
        return False
    if previous.macros is not None:
        return {m.title for m in decision.macros} <= set(previous.macros)
    return {r.rule for r in decision.reasons} == set(previous.rules)


def _after_reply(decision: Decision, previous: Previous, digest: str) -> Decision:
    """The applicant came back. If nothing the rules read has changed — or a person made the last
    decision — a person has to read the answer: manual, with a note."""
    if previous.outcome not in (Outcome.ASK.value, Outcome.QUALIFY.value, Outcome.REJECT.value):
        return decision
    if previous.by_person:
        unchanged = True
    elif previous.digest is not None:
        unchanged = previous.digest == digest
    else:
        unchanged = _agrees(decision, previous)
    if not unchanged:
        return decision
    if previous.by_person:
        message = f"the applicant came back after a specialist's {previous.outcome} decision: read the reply"
    elif previous.outcome == Outcome.ASK.value:
        message = "the applicant replied, but nothing the rules read has changed: read the reply"
    else:
        message = f"the ticket was reopened after a {previous.outcome} decision"
    reason = Reason(rule="commops.reply-needs-reading", message=message, outcome=Outcome.MANUAL)
    return decision.model_copy(
        update={
            "outcome": Outcome.MANUAL,
            "reasons": [reason],
            "other_reasons": [*decision.reasons, *decision.other_reasons],
        }
    )


def evaluate_queue(
    ports: TriagePorts, options: TriageOptions, *, progress: Callable[[int], None] | None = None
) -> TriageBatch:
    """Pull → skip decided → verify → evaluate. Writes nothing to Zendesk."""
    batch = TriageBatch()
    now = ports.clock()
    wanted_programs = set(options.programs)
    version = ports.evaluator.version
    markers = {ports.settings.markers.decision_field, ports.settings.markers.ruleset_field}
    for applications, unmapped in _pull(ports, options, progress):
        batch.unmapped.extend(unmapped)
        selected = [a for a in applications if not wanted_programs or a.program in wanted_programs]
        if not selected:
            continue
        ids = [a.ticket_id for a in selected]
        history = ports.journal.last_applied(ids)
        pending = ports.journal.pending_tickets(ids)
        given_up = ports.journal.abandoned(ids)
        fresh: list[Application] = []
        why_evaluated: dict[int, tuple[str, Previous | None]] = {}
        for app in selected:
            if options.limit is not None and len(batch.proposals) + len(fresh) >= options.limit:
                break  # the limit counts applications evaluated, not those passed over as decided
            if app.ticket_id in pending and not options.include_decided:
                batch.skipped.append(Skipped(app.ticket_id, "a write from an earlier run is pending; it goes first"))
                continue
            if given_up.get(app.ticket_id) == app.updated_stamp and not options.include_decided:
                batch.skipped.append(
                    Skipped(app.ticket_id, "Zendesk refused this write 3 times; a person must act (commops history)")
                )
                continue
            previous = Previous.of(app, history.get(app.ticket_id))
            kind, why = ("new", None) if app.program is None else _retriage(app, previous, version)
            if kind == "skip" and not options.include_decided:
                batch.skipped.append(Skipped(app.ticket_id, why or "decided"))
                continue
            fresh.append(app)
            why_evaluated[app.ticket_id] = (kind, previous)
        if ports.verifier is not None:
            from commops.verify import verify_applications  # imports httpx: only when a verifier is used

            fresh = verify_applications(fresh, ports.verifier, ports.ruleset.verifications_needed)
        for app in fresh:
            decision = ports.evaluator.evaluate(app)
            digest = fields_digest(app, markers)
            kind, previous = why_evaluated[app.ticket_id]
            if kind == "rules" and previous is not None and _agrees(decision, previous):
                batch.skipped.append(Skipped(app.ticket_id, "decided; the new rules agree"))
                continue
            if kind == "came_back" and previous is not None:
                decision = _after_reply(decision, previous, digest)
            age, sla = sla_state(app.created_at, now, ports.calendar, ports.settings.sla)
            batch.proposals.append(
                Proposal(
                    decision=decision,
                    updated_stamp=app.updated_stamp or app.updated_at.isoformat(),
                    age_business_days=age,
                    sla=sla if decision.outcome is not Outcome.SKIP else None,
                    note=decision.reasons[0].message
                    if decision.reasons and decision.reasons[0].rule == "commops.reply-needs-reading"
                    else None,
                    answers_digest=digest,
                )
            )
            batch.applications[app.ticket_id] = app
        if options.limit is not None and len(batch.proposals) >= options.limit:
            break
    return batch


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
    chunk: int = 1000,
) -> list[WriteResult]:
    """Write proposals through the gateway, recording intent before and result after each chunk.

    Chunks are large (the gateway splits them into update_many jobs of 100 itself): every gateway call
    pays one stamp re-check and one round of job polls, so fewer calls mean fewer requests.

    ``proposal_ids`` maps ticket id → journal row. A run killed anywhere in here leaves rows in state
    ``writing``; ``resume_unfinished`` sends them again, and the gateway's write markers make that safe.
    """
    results: list[WriteResult] = []
    writable = [p for p in proposals if p.decision.outcome.writes]
    for start in range(0, len(writable), chunk):
        part = writable[start : start + chunk]
        ids = [proposal_ids[p.ticket_id] for p in part]
        attempts = ports.journal.begin_writes(ids, batch=len(part) > 1)  # one write is a PUT, more a job
        attempt_of = {p.ticket_id: attempts[proposal_ids[p.ticket_id]] for p in part}

        def record_job(job_id: str, ticket_ids: list[int], attempt_of: dict[int, int] = attempt_of) -> None:
            ports.journal.record_job([attempt_of[t] for t in ticket_ids if t in attempt_of], job_id)

        try:
            outcome = ports.gateway.write_decisions(part, on_job=record_job)
        except Exception as exc:
            for pid in ids:
                ports.journal.finish_write(pid, attempts[pid], "failed", str(exc), None)
            raise
        by_ticket = {r.ticket_id: r for r in outcome}
        for proposal, pid in zip(part, ids, strict=True):
            result = by_ticket.get(proposal.ticket_id) or WriteResult(
                ticket_id=proposal.ticket_id, status="failed", error="no result from Zendesk"
            )
            ports.journal.finish_write(pid, attempts[pid], result.status, result.error, result.updated_stamp)
            results.append(result)
        if progress:
            progress(len(part))
    return results


def settle_jobs(ports: TriagePorts) -> None:
    """Wait for update_many jobs of unfinished writes: a killed run's queued job may still land.

    When a job id was never seen (the answer to update_many was lost), every job the account still runs
    may be it. Only after this do the tickets' markers tell whether a write landed.
    """
    jobs = ports.journal.unsettled_jobs()
    if ports.journal.lost_job_ids():
        jobs = [*jobs, *ports.gateway.active_jobs()]
    if jobs:
        ports.gateway.settle_jobs(jobs)


def resume_unfinished(ports: TriagePorts) -> list[WriteResult]:
    """Finish writes an earlier run approved or sent but never saw answered (killed, crashed, failed)."""
    settle_jobs(ports)
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
    return apply_proposals(ports, {r.ticket_id: r.id for r in records}, proposals)


def summary_counts(batch: TriageBatch, results: Sequence[WriteResult]) -> dict[str, Any]:
    statuses = Counter(r.status for r in results)
    return {
        "applications": len(batch.proposals),
        "outcomes": batch.counts(),
        "applied": statuses.get("applied", 0) + statuses.get("already_applied", 0),
        "conflicts": statuses.get("conflict", 0),
        "errors": statuses.get("failed", 0),
        "skipped": len(batch.skipped),
        "unmapped": len(batch.unmapped),
    }
