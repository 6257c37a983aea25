"""Benefits: what a qualified member is granted, for how long, and how it is provisioned. Pure."""

from __future__ import annotations

import calendar
import hashlib
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict

from commops.domain.decision import Decision, Outcome, Reason

__all__ = [
    "DEFAULT_PLACEHOLDER",
    "NO_CODES_RULE",
    "PoolStatus",
    "Provision",
    "ProvisionState",
    "Provisioner",
    "ProvisioningRefused",
    "Term",
    "add_months",
    "days_of_cover",
    "no_codes_left",
    "provision_key",
    "seats_granted",
]

NO_CODES_RULE = "benefit.no_codes_left"
DEFAULT_PLACEHOLDER = "benefit_code"  # rendered as {{commops.benefit_code}}


class Provisioner(StrEnum):
    """How a program's benefit reaches the member."""

    COUPON_POOL = "coupon-pool"  # a code from the program's pool, in the welcome reply
    WEBHOOK = "webhook"  # a signed POST to the team's provisioning service
    NONE = "none"  # nothing: the specialist provisions by hand (the behaviour before benefits)


class ProvisionState(StrEnum):
    """Where one member's provisioning is: intent (before the write) → written → done; or failed, for good."""

    INTENT = "intent"  # recorded before the welcome is written; a code may be reserved for it
    WRITTEN = "written"  # the qualify is on the ticket; the benefit is not provisioned yet (retried each run)
    DONE = "done"  # provisioned and in the ledger
    CANCELLED = "cancelled"
    FAILED = "failed"  # refused (a 4xx, a program no longer configured): a person looks, then `benefits retry`


class ProvisioningRefused(Exception):
    """The provisioning service said no (a 4xx): retrying the same request cannot help, a person must look."""


class Term(BaseModel):
    """A membership term: from ``start`` (inclusive) to ``end`` (the day it ends)."""

    model_config = ConfigDict(frozen=True)

    start: date
    end: date

    @classmethod
    def of(cls, start: date, months: int) -> Term:
        return cls(start=start, end=add_months(start, months))


def add_months(day: date, months: int) -> date:
    """``day`` plus ``months`` calendar months; the 31st becomes the month's last day."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def seats_granted(requested: int | None, max_seats: int | None) -> int | None:
    """The seats a member gets: what they asked for, capped by the program's maximum (Open Source: 1,000)."""
    if requested is None or requested < 1:
        return None
    return min(requested, max_seats) if max_seats else requested


def provision_key(ticket_id: int, program: str, renews: str | None) -> str:
    """One key per granting ticket and term (a renewal names the subscription it continues): a retry after
    a crash, or a re-triage of the same ticket, computes the same key and finds its code or its webhook
    call, so a benefit is never provisioned twice for one term."""
    raw = f"{program}:{ticket_id}:{renews or 'new'}"
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def no_codes_left(decision: Decision, program: str) -> Decision:
    """A qualify that cannot carry its code: manual, so no welcome goes out without one."""
    reason = Reason(
        rule=NO_CODES_RULE,
        message=f"no codes left in the {program} pool: import codes (commops benefits import-codes), then triage again",
        outcome=Outcome.MANUAL,
        auto=True,
    )
    return decision.model_copy(update={"outcome": Outcome.MANUAL, "reasons": [reason],
                                       "other_reasons": [*decision.reasons, *decision.other_reasons]})


def days_of_cover(codes_left: int, assigned_recently: int, window_days: int) -> float | None:
    """How many days the pool lasts at the recent rate; None when nothing was assigned recently."""
    if assigned_recently <= 0 or window_days <= 0:
        return None
    return codes_left / (assigned_recently / window_days)


@dataclass(frozen=True)
class PoolStatus:
    program: str
    free: int
    reserved: int
    assigned: int
    assigned_recently: int  # in the last ``window_days``
    window_days: int


@dataclass(frozen=True)
class Provision:
    """One member's provisioning for one term: intent (before the write) → written → done (or cancelled)."""

    key: str
    program: str
    provisioner: str
    ticket_id: int
    proposal_id: int | None
    write_id: str | None
    state: str
    payload: dict[str, Any]
    code: str | None
    subscription_id: str | None
    attempts: int
    error: str | None
