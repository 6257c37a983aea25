"""What statistics read: one record per ticket with the decisions made on it. Plain, small, immutable."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

__all__ = ["ACTORS", "FINAL_OUTCOMES", "OPEN_STATUSES", "Actor", "DecisionEvent", "TicketRecord"]

Actor = Literal["unattended", "commops_specialist", "zendesk_specialist"]

# Unattended commops runs are the automated share; the two specialist kinds are not.
ACTORS: tuple[Actor, ...] = ("unattended", "commops_specialist", "zendesk_specialist")

# The decisions the service level is about (programs.md): the applicant gets a yes or a no.
FINAL_OUTCOMES = frozenset({"qualify", "reject"})

# Zendesk statuses that keep a ticket in somebody's queue.
OPEN_STATUSES = frozenset({"new", "open", "pending", "hold"})


@dataclass(frozen=True, slots=True)
class DecisionEvent:
    """One decision applied to a ticket: what, when, by whom, and which rules chose it."""

    outcome: str
    at: datetime
    actor: Actor
    rules: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class TicketRecord:
    """A ticket as statistics see it. Slotted dataclasses keep 100,000 of them cheap to stream."""

    ticket_id: int
    program: str | None
    status: str
    created_at: datetime
    requester_name: str | None = None
    requester_email: str | None = None
    decisions: tuple[DecisionEvent, ...] = ()
    in_period: bool = True  # False: an open ticket created before the period, counted in the queue only

    def redacted(self) -> TicketRecord:
        """The same record without the requester's name and email (``--redact``)."""
        return replace(self, requester_name=None, requester_email=None)
