"""``commops rules explain``: the decision the rules reach for one ticket now, by the same steps as triage."""

from __future__ import annotations

from commops.domain import Decision
from commops.errors import NotFoundError
from commops.services.triage import TriagePorts, decide, verify

__all__ = ["explain_ticket"]


def explain_ticket(ports: TriagePorts, ticket_id: int) -> Decision:
    """Read the ticket, verify what the rules need, decide (as a new application: the full trace)."""
    found = ports.gateway.get_applications([ticket_id])
    if not found:
        raise NotFoundError(f"ticket {ticket_id} was not found or is not readable as an application")
    (application,) = verify(ports, found[:1])
    decision = decide(ports, application)
    assert decision is not None  # a new application always gets a decision
    return decision
