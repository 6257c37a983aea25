"""The satisfaction section of ``commops stats``: members' ratings joined with the report's tickets.

The ratings are read first, in bulk (two cursor-paginated reads, whatever the number of tickets); the
report's tickets then stream past and only the rated ones are kept (``SatisfactionTally``). A ticket's
outcome is its last decision in the period's records. An account whose credentials may not read ratings
(Zendesk allows admins; CSAT may be off) gets a report without the section and one sentence saying why.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from commops.domain.satisfaction import SatisfactionReport, SatisfactionTally, latest_per_ticket
from commops.errors import ZendeskError
from commops.ports import SatisfactionSource
from commops.reports.records import TicketRecord

__all__ = ["SatisfactionStep", "last_outcome", "start_satisfaction"]

_UNAVAILABLE = (403, 404)  # not an admin, or CSAT is not enabled on the account


def last_outcome(record: TicketRecord) -> str | None:
    """The outcome of a ticket's latest decision (None: not decided)."""
    if not record.decisions:
        return None
    return max(record.decisions, key=lambda d: d.at).outcome


@dataclass
class SatisfactionStep:
    """Feed it the report's records (``observe``); ``finish`` gives the section, or None with ``reason``."""

    tally: SatisfactionTally | None
    reason: str | None = None

    def observe(self, record: TicketRecord) -> None:
        if self.tally is not None and record.in_period:
            self.tally.add(record.ticket_id, record.program, last_outcome(record))

    def finish(self) -> SatisfactionReport | None:
        return self.tally.finish() if self.tally is not None else None


def start_satisfaction(source: SatisfactionSource, since: date,
                       notice: Callable[[str], None] | None = None) -> SatisfactionStep:
    """Read the ratings made since ``since`` (tickets of the period are rated after they are created)."""
    start = datetime.combine(since, time.min, tzinfo=UTC)
    try:
        ratings = latest_per_ticket(source.satisfaction_ratings(start))
    except ZendeskError as exc:
        if exc.status not in _UNAVAILABLE:
            raise
        reason = f"satisfaction ratings are not readable with these credentials: {exc}"
        if notice is not None:
            notice(reason)
        return SatisfactionStep(None, reason)
    return SatisfactionStep(SatisfactionTally(ratings))
