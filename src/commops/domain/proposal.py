"""A proposal is a decision about to be applied to a ticket as it was seen; a plan is a reviewable list."""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, Field, model_validator

from commops.domain.decision import Decision

__all__ = ["Grant", "Plan", "Proposal", "SlaState", "write_id"]


class SlaState(StrEnum):
    OK = "ok"
    AT_RISK = "at_risk"  # from business day 5
    BREACHED = "breached"  # after business day 10


class Grant(BaseModel):
    """Who a qualify grants the benefit to, as read at evaluation (a resumed write needs no re-read)."""

    organisation: str | None = None
    requester: str | None = None  # email
    email_domain: str | None = None
    seats: int | None = None
    renews: str | None = None  # the subscription id a renewal continues
    term_start: date | None = None  # a renewal's: the previous term's end; None: the day it is written
    note: str | None = None  # e.g. the old subscription of a lapsed member judged as new


class Proposal(BaseModel):
    decision: Decision
    updated_stamp: str  # the ticket's updated_at as read at evaluation: writes refuse a newer ticket
    age_business_days: int | None = None
    sla: SlaState | None = None
    note: str | None = None  # e.g. "the applicant replied with text the rules cannot read"
    answers_digest: str | None = None  # what the applicant had told us when evaluated (re-triage compares)
    grant: Grant | None = None  # a qualify's member facts, for the program's benefit
    benefit_code: str | None = None  # the code reserved for this qualify, rendered into the welcome
    by: str | None = None  # the run mode that chose to write it (unattended, apply…): the marker's by= part

    @property
    def ticket_id(self) -> int:
        return self.decision.ticket_id


def write_id(ticket_id: int, updated_stamp: str, decision: Decision) -> str:
    """Deterministic across processes: a retry after a crash computes the same id and finds it."""
    key = json.dumps(
        [ticket_id, updated_stamp, decision.outcome.value, decision.ruleset_version, [m.title for m in decision.macros]]
    )
    return hashlib.sha256(key.encode()).hexdigest()[:12]


class Plan(BaseModel):
    """What ``commops triage --plan`` writes and ``commops apply`` reads."""

    format: int = 1
    created_at: datetime
    ruleset_version: str
    account: str = ""  # the account the proposals were made on (its URL, or "embedded-sandbox")
    account_id: str = ""  # and its id (the default brand's, "brand:<id>"), when the account told it
    proposals: list[Proposal] = Field(default_factory=list)

    @model_validator(mode="after")
    def _one_entry_per_ticket(self) -> Plan:
        """A hand-edited plan may repeat an entry: the same entry twice is one write (and is counted once);
        two different decisions for one ticket, or an id no ticket can have, make the plan unusable."""
        unique: dict[int, Proposal] = {}
        for proposal in self.proposals:
            tid = proposal.ticket_id
            if not 0 < tid < 2**63:
                raise ValueError(f"ticket id {tid} is not a Zendesk ticket id")
            _check_reasons(proposal.decision)
            seen = unique.get(tid)
            if seen is None:
                unique[tid] = proposal
            elif seen != proposal:
                raise ValueError(f"ticket {tid} appears twice with different decisions; keep one")
        self.proposals = list(unique.values())
        return self


def _check_reasons(decision: Decision) -> None:
    """A hand-edited outcome must not borrow the rules' reasons and macros: the rules behind an outcome
    carry that outcome (an override carries its own, under the ``override`` rule)."""
    other = sorted({r.outcome.value for r in decision.reasons if r.outcome is not decision.outcome})
    if other:
        raise ValueError(
            f"ticket {decision.ticket_id}: the outcome is {decision.outcome.value} but the rules behind it say "
            f"{', '.join(other)}; decide otherwise with an override (commops triage --interactive)"
        )
