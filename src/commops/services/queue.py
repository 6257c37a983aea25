"""The inbound queue as specialists see it: age, SLA and last decision, soonest deadline first."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime

from pydantic import BaseModel

from commops.config import Settings
from commops.domain import SlaState
from commops.domain.calendar import BusinessCalendar
from commops.domain.sla import sla_state
from commops.ports import DecisionHistory, TicketGateway, Unmapped
from commops.services.sla import sla_terms

__all__ = ["QueueRow", "list_queue"]


class QueueRow(BaseModel):
    ticket_id: int
    program: str
    status: str  # the category: what the SLA and re-triage go by
    custom_status: str | None = None  # the account's label for the ticket's custom status, when it has them
    subject: str | None
    requester: str | None
    created_at: datetime
    age_business_days: int
    sla: SlaState
    due: date
    last_decision: str | None
    pending_write: str | None = None  # the outcome of a write an earlier run left unfinished, to be sent first


def list_queue(
    gateway: TicketGateway,
    journal: DecisionHistory,
    settings: Settings,
    calendar: BusinessCalendar,
    now: datetime,
    *,
    programs: Sequence[str] = (),
    statuses: Sequence[str] = (),
    sla: Sequence[str] = (),
    progress: Callable[[int], None] | None = None,
    problems: list[Unmapped] | None = None,
    pending: dict[int, str] | None = None,
    status_labels: Mapping[int, str] | None = None,
) -> list[QueueRow]:
    """The queue as rows, soonest deadline first. A ticket that cannot be read or placed (a date out of
    range, say) is appended to ``problems`` with its id and reason, and the other rows are listed.
    ``pending`` (ticket id → outcome, from :func:`commops.services.triage.pending_writes`) marks the
    tickets with a write still to finish. ``statuses`` are categories or the account's custom status
    labels (``status_labels``: id → label), so "Awaiting applicant" lists just those, "pending" every
    ticket in the category."""
    labels = dict(status_labels or {})
    wanted = {s.casefold() for s in statuses}
    rows: list[QueueRow] = []
    problems = [] if problems is None else problems
    pending = pending or {}
    for page in gateway.pull_queue(settings.queue.query):
        if progress:
            progress(len(page.applications))
        problems.extend(page.unmapped)
        apps = [a for a in page.applications if a.program is not None]
        last = journal.last_applied([a.ticket_id for a in apps])
        for app in apps:
            assert app.program is not None
            if programs and app.program not in programs:
                continue
            label = labels.get(app.custom_status_id) if app.custom_status_id is not None else None
            if wanted and app.status not in wanted and (label or "").casefold() not in wanted:
                continue
            try:
                age, state = sla_state(app.created_at, now, calendar, sla_terms(settings.sla))
                due = calendar.add_business_days(app.created_at, settings.sla.due_day)
            except (OverflowError, ValueError) as exc:
                problems.append(Unmapped(ticket_id=app.ticket_id, reason=f"its dates cannot be placed: {exc}"))
                continue
            if sla and state.value not in sla:
                continue
            record = last.get(app.ticket_id)
            decided = record.outcome if record else (app.marker.outcome if app.marker else None)
            rows.append(
                QueueRow(
                    ticket_id=app.ticket_id,
                    program=app.program,
                    status=app.status,
                    custom_status=label,
                    subject=app.subject,
                    requester=app.requester.email or app.requester.name,
                    created_at=app.created_at,
                    age_business_days=age,
                    sla=state,
                    due=due,
                    last_decision=decided.removeprefix("commops_") if decided else None,
                    pending_write=pending.get(app.ticket_id),
                )
            )
    rows.sort(key=lambda r: (r.due, r.created_at, r.ticket_id))
    return rows
