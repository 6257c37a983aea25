"""The renewal policy of programs.md ("Benefits and renewals"): matching a renewal to its ledger entry,
and when a member is due a reminder. Pure."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from commops.domain.decision import Decision, Outcome, Reason
from commops.domain.member import Member

__all__ = [
    "GRACE_DAYS",
    "RENEWAL_RULE",
    "RENEW_BEFORE_DAYS",
    "Reminder",
    "RenewalKind",
    "RenewalVerdict",
    "apply_verdict",
    "judge_renewal",
    "reminder_due",
]

RENEW_BEFORE_DAYS = 30  # a member may renew from 30 days before the term ends...
GRACE_DAYS = 60  # ...until 60 days after it ended
RENEWAL_RULE = "benefit.renewal"


class RenewalKind(StrEnum):
    NOT_MATCHED = "not_matched"  # not a renewal the ledger judges: the rules alone decide
    RENEW = "renew"  # inside the window: a qualify renews from the previous term's end
    MANUAL = "manual"  # unknown id, another program's, or too early: a specialist looks
    AS_NEW = "as_new"  # the term ended long ago: judge as a new application


@dataclass(frozen=True)
class RenewalVerdict:
    kind: RenewalKind
    reason: str = ""
    member: Member | None = None

    @property
    def term_start(self) -> date | None:
        """Where the renewed term starts: the previous term's end."""
        return self.member.term_end if self.kind is RenewalKind.RENEW and self.member else None


def judge_renewal(
    program: str | None, subscription_id: str | None, entry: Member | None, today: date
) -> RenewalVerdict:
    """How the ledger judges a renewal application of ``program`` carrying ``subscription_id``."""
    if program is None or not subscription_id:
        return RenewalVerdict(RenewalKind.NOT_MATCHED)
    if entry is None:
        return RenewalVerdict(RenewalKind.MANUAL, f"subscription {subscription_id} is not in the membership ledger")
    if entry.program != program:
        return RenewalVerdict(
            RenewalKind.MANUAL,
            f"subscription {subscription_id} belongs to the {entry.program} program, not {program}",
            entry,
        )
    if today > entry.term_end + timedelta(days=GRACE_DAYS):
        return RenewalVerdict(
            RenewalKind.AS_NEW,
            f"subscription {subscription_id} ended on {entry.term_end.isoformat()}, more than {GRACE_DAYS} days "
            "ago: judged as a new application",
            entry,
        )
    if today < entry.term_end - timedelta(days=RENEW_BEFORE_DAYS):
        return RenewalVerdict(
            RenewalKind.MANUAL,
            f"subscription {subscription_id} runs until {entry.term_end.isoformat()}; renewals open "
            f"{RENEW_BEFORE_DAYS} days before",
            entry,
        )
    return RenewalVerdict(RenewalKind.RENEW, f"renews subscription {subscription_id} (ends {entry.term_end})", entry)


def apply_verdict(decision: Decision, verdict: RenewalVerdict) -> Decision:
    """The rules' decision as the ledger's verdict changes it. Escalate, reject and ask stand (a person or
    the applicant acts first); a qualify becomes manual when the ledger cannot vouch for the renewal."""
    if verdict.kind is not RenewalKind.MANUAL or decision.outcome not in (Outcome.MANUAL, Outcome.QUALIFY):
        return decision
    reason = Reason(rule=RENEWAL_RULE, message=verdict.reason, outcome=Outcome.MANUAL, auto=True)
    if decision.outcome is Outcome.MANUAL:
        return decision.model_copy(update={"reasons": [*decision.reasons, reason]})
    return decision.model_copy(update={"outcome": Outcome.MANUAL, "reasons": [reason],
                                       "other_reasons": [*decision.reasons, *decision.other_reasons]})


@dataclass(frozen=True)
class Reminder:
    """One renewal reminder to send: ``key`` is its identity (the outbound ticket's external id)."""

    key: str
    member_id: int
    program: str
    email: str
    subscription_id: str | None
    term_end: date
    ticket_id: int | None  # the granting ticket (its requester's name greets the member)

    @classmethod
    def of(cls, member: Member) -> Reminder | None:
        if member.id is None or not member.requester:
            return None
        raw = f"{member.program}:{member.subscription_id or member.id}:{member.term_end.isoformat()}"
        key = "commops-renewal-" + hashlib.sha256(raw.encode()).hexdigest()[:16]
        return cls(key, member.id, member.program, member.requester, member.subscription_id, member.term_end,
                   member.ticket_id)


def reminder_due(member: Member, today: date, within_days: int) -> bool:
    """Whether ``member``'s term ends within ``within_days`` from ``today`` and no reminder went out for it."""
    if member.term_end in member.reminded:
        return False
    return today <= member.term_end <= today + timedelta(days=within_days)
