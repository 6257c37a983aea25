"""Members: who holds a program's benefit, for which term, granted by which decision. Pure."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

__all__ = ["Member", "email_domain"]


def email_domain(email: str | None) -> str | None:
    if not email or "@" not in email:
        return None
    return email.rsplit("@", 1)[1].strip().lower() or None


class Member(BaseModel):
    """One ledger entry: a member's benefit for one term."""

    id: int | None = None
    program: str
    organisation: str | None = None
    requester: str | None = None  # the requester's email
    email_domain: str | None = None
    seats: int | None = None
    subscription_id: str | None = None
    term_start: date
    term_end: date
    ticket_id: int | None = None
    decision_key: str | None = None  # the provision key of the decision that granted it
    source: str = "commops"  # commops | import
    note: str | None = None
    reminded: list[date] = Field(default_factory=list)  # term ends a reminder was sent for
