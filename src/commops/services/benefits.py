"""Benefits after the decision: reserve a code before the welcome is written, provision after the qualify
is written, keep the membership ledger — exactly once, whatever crashes in between.

The discipline is the journal's: an intent is recorded before anything leaves (the provision row, and for
a coupon pool the code's reservation), keyed by the granting ticket and term; every step after it is
idempotent (the welcome carries the write id marker, the webhook an Idempotency-Key, the ledger the key),
and ``resume_provisions`` finishes what a killed run left.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from commops.config import BenefitSettings, Settings
from commops.domain import Outcome, Proposal
from commops.domain.benefit import (
    PoolStatus,
    Provision,
    Provisioner,
    ProvisioningRefused,
    ProvisionState,
    Term,
    days_of_cover,
    no_codes_left,
    provision_key,
    seats_granted,
)
from commops.domain.member import Member
from commops.domain.proposal import write_id
from commops.ports import BenefitStore, DecisionHistory, ProvisioningService, WriteResult

__all__ = [
    "BenefitPorts",
    "PoolReport",
    "benefit_section",
    "failed_provisions",
    "finish_provisions",
    "import_codes",
    "import_members",
    "list_members",
    "pool_reports",
    "pool_warnings",
    "prepare_benefits",
    "resume_provisions",
    "retry_provisions",
]

_WRITTEN = ("applied", "already_applied")


@dataclass
class BenefitPorts:
    """What benefits talk to; built by ``commops.bootstrap``."""

    settings: Settings
    store: BenefitStore
    clock: Callable[[], datetime]
    webhook: Callable[[str], ProvisioningService]  # program -> its provisioning service
    set_fields: Callable[[int, dict[str, Any]], None]  # ticket id, {field key: value}: after provisioning

    def benefit(self, program: str | None) -> BenefitSettings | None:
        settings = self.settings.programs.get(program or "")
        return settings.benefit if settings is not None else None


def _provisioner(ports: BenefitPorts, proposal: Proposal) -> tuple[str, BenefitSettings, Provisioner] | None:
    """(program, its benefit settings, provisioner) of a qualify whose program keeps or provisions a benefit."""
    program = proposal.decision.program
    if proposal.decision.outcome is not Outcome.QUALIFY or program is None:
        return None
    benefit = ports.benefit(program)
    if benefit is None:
        return None
    kind = Provisioner(benefit.provisioner)
    if kind is Provisioner.NONE and not benefit.ledger:
        return None
    return program, benefit, kind


def _payload(ports: BenefitPorts, proposal: Proposal, benefit: BenefitSettings) -> dict[str, Any]:
    grant = proposal.grant
    start = (grant.term_start if grant and grant.term_start else None) or ports.clock().date()
    term = Term.of(start, benefit.term_months)
    return {
        "program": proposal.decision.program,
        "ticket_id": proposal.ticket_id,
        "member": {
            "organisation": grant.organisation if grant else None,
            "requester": grant.requester if grant else None,
            "email_domain": grant.email_domain if grant else None,
        },
        "seats": seats_granted(grant.seats if grant else None, benefit.max_seats),
        "term": {"start": term.start.isoformat(), "end": term.end.isoformat(), "months": benefit.term_months},
        "renews": grant.renews if grant else None,
        "note": grant.note if grant else None,
    }


def prepare_benefits(
    ports: BenefitPorts, proposals: Sequence[Proposal], proposal_ids: dict[int, int]
) -> tuple[list[Proposal], list[Proposal]]:
    """Before writing: record each qualify's provisioning intent, and reserve its code when the program
    hands out codes. Returns (the proposals to write, code attached; the qualifies turned manual because
    their pool is empty)."""
    ready: list[Proposal] = []
    emptied: list[Proposal] = []
    for proposal in proposals:
        chosen = _provisioner(ports, proposal)
        if chosen is None:
            ready.append(proposal)
            continue
        program, benefit, kind = chosen
        key = provision_key(proposal.ticket_id, program, proposal.grant.renews if proposal.grant else None)
        existing = ports.store.provision(key)
        if existing is not None and existing.state == ProvisionState.DONE:
            ready.append(proposal.model_copy(update={"benefit_code": existing.code}))
            continue
        code = None
        if kind is Provisioner.COUPON_POOL:
            code = ports.store.reserve_code(program, key, proposal.ticket_id)  # committed before the write
            if code is None:
                emptied.append(proposal.model_copy(update={"decision": no_codes_left(proposal.decision, program)}))
                continue
        ports.store.begin_provision(
            key, program=program, provisioner=kind.value, ticket_id=proposal.ticket_id,
            proposal_id=proposal_ids.get(proposal.ticket_id),
            write_id=write_id(proposal.ticket_id, proposal.updated_stamp, proposal.decision),
            payload=_payload(ports, proposal, benefit), code=code,
        )
        ready.append(proposal.model_copy(update={"benefit_code": code}))
    return ready, emptied


def finish_provisions(ports: BenefitPorts, proposals: Sequence[Proposal], results: Sequence[WriteResult]) -> None:
    """After writing: provision each qualify Zendesk confirmed, once."""
    by_ticket = {r.ticket_id: r for r in results}
    for proposal in proposals:
        chosen = _provisioner(ports, proposal)
        result = by_ticket.get(proposal.ticket_id)
        if chosen is None or result is None or result.status not in _WRITTEN:
            continue  # not written: the intent (and any reserved code) waits for the retry of this write
        program = chosen[0]
        key = provision_key(proposal.ticket_id, program, proposal.grant.renews if proposal.grant else None)
        found = ports.store.provision(key)
        if found is not None and found.state in (ProvisionState.INTENT, ProvisionState.WRITTEN):
            ports.store.mark_provision(key, ProvisionState.WRITTEN)
            _complete(ports, found)


def _complete(ports: BenefitPorts, row: Provision) -> None:
    """Provision a written qualify: assign its code or call the webhook, then record the member."""
    benefit = ports.benefit(row.program)
    if benefit is None:
        ports.store.mark_provision(row.key, ProvisionState.FAILED,
                                   error=f"program {row.program} is no longer configured")
        return
    subscription = row.subscription_id
    if row.provisioner == Provisioner.COUPON_POOL.value:
        ports.store.assign_code(row.key)
        subscription = subscription or row.code
    elif row.provisioner == Provisioner.WEBHOOK.value and subscription is None:
        try:
            subscription = ports.webhook(row.program).provision(row.payload, row.write_id or row.key)
        except ProvisioningRefused as exc:  # a 4xx: failed for good, until a person retries (benefits retry)
            ports.store.mark_provision(row.key, ProvisionState.FAILED, error=str(exc), attempt=True)
            return
        except Exception as exc:  # recorded; resume_provisions retries with the same Idempotency-Key
            ports.store.mark_provision(row.key, ProvisionState.WRITTEN, error=str(exc), attempt=True)
            return
        ports.store.mark_provision(row.key, ProvisionState.WRITTEN, subscription_id=subscription, attempt=True)
    term = row.payload["term"]
    member = row.payload.get("member") or {}
    if benefit.ledger:
        ports.store.add_member(Member(
            program=row.program, organisation=member.get("organisation"), requester=member.get("requester"),
            email_domain=member.get("email_domain"), seats=row.payload.get("seats"),
            subscription_id=subscription, term_start=date.fromisoformat(term["start"]),
            term_end=date.fromisoformat(term["end"]), ticket_id=row.ticket_id, decision_key=row.key,
            note=row.payload.get("note"),
        ))
    fields = {"membership_ends_on": term["end"]}
    if row.provisioner == Provisioner.WEBHOOK.value and subscription:
        fields["current_subscription_id"] = subscription
    known = {k: v for k, v in fields.items() if k in ports.settings.fields}
    if known and row.provisioner == Provisioner.WEBHOOK.value:
        try:
            ports.set_fields(row.ticket_id, known)
        except Exception as exc:  # the member is provisioned; the ticket's fields are retried next run
            ports.store.mark_provision(row.key, ProvisionState.WRITTEN, subscription_id=subscription, error=str(exc))
            return
    ports.store.mark_provision(row.key, ProvisionState.DONE, subscription_id=subscription)


def failed_provisions(ports: BenefitPorts) -> list[Provision]:
    """Provisionings refused for good: the member qualified (the welcome is on the ticket) but holds nothing."""
    return ports.store.failed_provisions()


def retry_provisions(ports: BenefitPorts, tickets: Sequence[int] = ()) -> list[Provision]:
    """Try the failed provisionings of ``tickets`` (all when empty) once more, with the same idempotency key
    (after a person fixed the cause: the service's data, the program's configuration). Returns each as it
    stands afterwards: done, written (a transient error: the next run retries) or failed again."""
    after = []
    for row in ports.store.failed_provisions():
        if tickets and row.ticket_id not in tickets:
            continue
        ports.store.mark_provision(row.key, ProvisionState.WRITTEN)
        _complete(ports, row)
        after.append(ports.store.provision(row.key) or row)
    return after


def resume_provisions(ports: BenefitPorts, history: DecisionHistory) -> int:
    """Finish what a killed run left: a written qualify whose benefit was not provisioned yet. An intent
    whose write never landed stays (its code reserved for that ticket) until the write is retried."""
    finished = 0
    for row in ports.store.unfinished_provisions():
        if row.state == ProvisionState.INTENT:
            applied = history.last_applied([row.ticket_id]).get(row.ticket_id)
            if applied is None or applied.id != row.proposal_id or applied.outcome != Outcome.QUALIFY.value:
                continue
            ports.store.mark_provision(row.key, ProvisionState.WRITTEN)
        _complete(ports, row)
        finished += 1
    return finished


@dataclass(frozen=True)
class PoolReport:
    status: PoolStatus
    days_of_cover: float | None
    low: bool

    def as_dict(self) -> dict[str, Any]:
        s = self.status
        return {"program": s.program, "codes_left": s.free, "reserved": s.reserved, "assigned": s.assigned,
                "assigned_last_30_days": s.assigned_recently,
                "days_of_cover": None if self.days_of_cover is None else round(self.days_of_cover, 1),
                "low": self.low}


def pool_reports(ports: BenefitPorts) -> list[PoolReport]:
    """Codes left per coupon-pool program, with days of cover at the last 30 days' rate and a low flag."""
    by_program = {s.program: s for s in ports.store.pool_status(ports.clock())}
    reports = []
    for name, program in ports.settings.programs.items():
        if program.benefit.provisioner != Provisioner.COUPON_POOL.value:
            continue
        status = by_program.get(name) or PoolStatus(name, 0, 0, 0, 0, 30)
        cover = days_of_cover(status.free, status.assigned_recently, status.window_days)
        low = status.free == 0 or (cover is not None and cover < program.benefit.low_days)
        reports.append(PoolReport(status, cover, low))
    return reports


def import_codes(ports: BenefitPorts, program: str, codes: Sequence[str]) -> tuple[int, int]:
    """Add ``codes`` to ``program``'s pool: (added, already in the pool). The program must hand out codes."""
    from commops.errors import ConfigError, UsageError

    benefit = ports.benefit(program)
    if benefit is None:
        raise UsageError(f"unknown program {program!r}; one of: {', '.join(ports.settings.programs)}")
    if benefit.provisioner != Provisioner.COUPON_POOL.value:
        raise ConfigError(f"program {program!r} does not hand out codes (provisioner = {benefit.provisioner!r})",
                          hint=f'set provisioner = "coupon-pool" in [programs.{program}.benefit]')
    return ports.store.add_codes(program, codes)


def list_members(ports: BenefitPorts, *, programs: Sequence[str] = (), ending_within: int | None = None,
                 ) -> list[Member]:
    """The ledger, filtered by program and by terms ending within ``ending_within`` days from today."""
    from datetime import timedelta

    today = ports.clock().date()
    before = today + timedelta(days=ending_within) if ending_within is not None else None
    after = today if ending_within is not None else None
    members = ports.store.members(ending_before=before, ending_after=after)
    return [m for m in members if not programs or m.program in programs]


def import_members(ports: BenefitPorts, members: Sequence[Member]) -> int:
    """Add CRM members to the ledger (one entry per member and term)."""
    for member in members:
        ports.store.add_member(member)
    return len(members)


def benefit_section(program: str, provisioner: str, *, url: str = "", placeholder: str = "") -> list[str]:
    """The lines of a ``[programs.<program>.benefit]`` section (``commops benefits configure``)."""
    import json

    from commops.errors import UsageError

    kinds = [p.value for p in Provisioner]
    if provisioner not in kinds:
        raise UsageError(f"unknown provisioner {provisioner!r}; one of: {', '.join(kinds)}")
    lines = [f"provisioner = {json.dumps(provisioner)}", "term_months = 12"]
    if url:
        lines.append(f"url = {json.dumps(url)}")
    if placeholder:
        lines.append(f"placeholder = {json.dumps(placeholder)}")
    return lines


def pool_warnings(ports: BenefitPorts) -> list[str]:
    """One sentence per coupon pool that is empty or runs low (``low_days`` of cover at the recent rate)."""
    warnings = []
    for report in pool_reports(ports):
        status = report.status
        if status.free == 0:
            warnings.append(f"the {status.program} code pool is empty: qualifies go to manual until codes are "
                            f"imported (commops benefits import-codes FILE --program {status.program})")
        elif report.low and report.days_of_cover is not None:
            warnings.append(f"the {status.program} code pool runs low: {status.free} codes left, about "
                            f"{report.days_of_cover:.0f} days at the last 30 days' rate")
    return warnings
