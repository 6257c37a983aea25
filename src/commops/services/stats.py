"""Gather what statistics read: tickets of a period from Zendesk, joined with the decisions made on them.

Decisions commops applied are in the journal (unattended runs, or specialists through commops). A ticket
whose decision marker shows a decision the journal does not explain was decided directly in Zendesk, or by
commops on another machine (a fresh CI runner has an empty journal): for those the account's own record
is read (:class:`commops.domain.records.MarkedDecision`: commops' marker says its write id, rules and the
deciding run's mode). The first few are read one ticket at a time (audits: one request each); from the
``BULK_AFTER``-th on, the event export since the period's start is read once (1,000 audits a request)
and answers for the rest, so a machine with no journal costs a few requests per thousand tickets, and a
long-lived host no more than before.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from commops.config import Settings
from commops.domain import Application
from commops.domain.records import MarkedDecision, outcome_of
from commops.domain.states import RunMode
from commops.errors import NotFoundError
from commops.ports import DecisionJournal, StatsGateway
from commops.reports import Actor, DecisionEvent, SlaPolicy, StatsAggregator, StatsReport, TicketRecord
from commops.services.sla import calendar_from

__all__ = [
    "BULK_AFTER",
    "account_events",
    "backlog_query",
    "build_report",
    "collect",
    "default_period",
    "outcome_of",
    "sla_policy",
    "stats_query",
]

DEFAULT_WEEKS = 12
# Tickets read one by one before the account's event export is read once for the rest of the period.
BULK_AFTER = 10
# A decision change in the audits this close to a journal entry with the same outcome is commops' own write.
_SAME_WRITE = timedelta(minutes=15)
_FORM_TERM = re.compile(r'(?<!\S)(?:form|ticket_form_id):(?:"[^"]*"|\S+)')


def default_period(since: date | None, until: date | None, today: date) -> tuple[date, date]:
    """Until today, since twelve weeks before ``until``, unless given."""
    end = until or today
    return since or end - timedelta(weeks=DEFAULT_WEEKS), end


def sla_policy(settings: Settings) -> SlaPolicy:
    sla = settings.sla
    return SlaPolicy(
        calendar_from(sla),
        at_risk_day=sla.at_risk_day,
        due_day=sla.due_day,
        holiday_country=sla.holiday_country,
        extra_holidays=tuple(sla.extra_holidays),
    )


def stats_query(settings: Settings, since: date, until: date) -> str:
    """Tickets of every status created from ``since`` to ``until`` (both included) on the application forms.

    The forms are those of the configured queue query, so an account's forms live in one place.
    """
    forms = _FORM_TERM.findall(settings.queue.query)
    window = [
        f"created>{(since - timedelta(days=1)).isoformat()}",
        f"created<{(until + timedelta(days=1)).isoformat()}",
    ]
    return " ".join(["type:ticket", *window, *forms])


def _journal_index(
    journal: DecisionJournal, since: datetime, until: datetime, backlog: set[int]
) -> dict[int, list[DecisionEvent]]:
    """Journal decisions of the period, plus every earlier one on a backlog ticket (one pass over the journal)."""
    index: dict[int, list[DecisionEvent]] = {}
    for entry in journal.applied_decisions(since=None if backlog else since, until=until):
        # Zendesk's time of the write when the journal has it: what a machine reading the account sees.
        moment = getattr(entry, "landed_at", None) or entry.applied_at
        at = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        if at < since and entry.ticket_id not in backlog:
            continue
        actor: Actor = "unattended" if entry.mode == "unattended" else "commops_specialist"
        event = DecisionEvent(outcome=entry.outcome, at=at, actor=actor, rules=tuple(entry.rules))
        index.setdefault(entry.ticket_id, []).append(event)
    return index


def account_events(marked: list[MarkedDecision], current: str | None) -> list[DecisionEvent]:
    """The account's decisions of one ticket as statistics count them: commops' own (a write id on the
    marker) by the mode that wrote it — unattended, else a specialist through commops; a marker that
    does not say (written before the mode was recorded) is not counted as automated — and the others
    as a specialist's in Zendesk. An update that re-wrote the marker with the decision field unchanged
    carries the outcome before it (or the ticket's current one when it is the first seen)."""
    events: list[DecisionEvent] = []
    last: str | None = None
    for index, decision in enumerate(marked):
        outcome = decision.outcome or last
        if outcome is None and not any(m.outcome for m in marked[index + 1:]):
            outcome = current  # nothing later changed the field: it still holds what this update kept
        if outcome is None:
            continue
        last = outcome
        actor: Actor
        if decision.write_id is None:
            actor = "zendesk_specialist"
        elif decision.by == RunMode.UNATTENDED:
            actor = "unattended"
        else:
            actor = "commops_specialist"
        events.append(DecisionEvent(outcome=outcome, at=decision.at, actor=actor, rules=decision.rules))
    return events


@dataclass
class _Account:
    """The account's record of decisions, read as cheaply as the journal's gaps allow."""

    gateway: StatsGateway
    since: datetime
    tally: Counter[str]
    bulk: dict[int, list[MarkedDecision]] | None = None

    def decisions(self, app: Application) -> list[MarkedDecision]:
        if self.bulk is None and self.tally["account_tickets"] >= BULK_AFTER:
            self.tally["event_export_reads"] += 1
            self.bulk = self.gateway.decisions_since(self.since)
        self.tally["account_tickets"] += 1
        current = outcome_of(app.marker.outcome if app.marker else None)
        if self.bulk is not None:
            found = self.bulk.get(app.ticket_id, [])
            events = account_events(found, current)
            if events and events[-1].outcome == current:
                return found
            # Not in the export (yet): its last minute is left out, and a ticket created before the
            # period may have been decided before it.
        self.tally["audit_requests"] += 1
        try:
            return self.gateway.ticket_decisions(app.ticket_id)
        except NotFoundError:
            return []


def _from_account(app: Application, known: list[DecisionEvent], account: _Account, tally: Counter[str]
                  ) -> list[DecisionEvent]:
    """Decisions the journal does not have, from the account: each one no journal entry explains (the same
    outcome within a quarter of an hour is our own write, seen from the other side)."""
    current = outcome_of(app.marker.outcome if app.marker else None)
    found = [
        event for event in account_events(account.decisions(app), current)
        if not any(e.outcome == event.outcome and abs(e.at - event.at) <= _SAME_WRITE for e in known)
    ]
    if not found and not known and current is not None:
        # No trace of when: the last update is the best bound Zendesk offers.
        updated = app.updated_at if app.updated_at.tzinfo else app.updated_at.replace(tzinfo=UTC)
        found = [DecisionEvent(outcome=current, at=updated, actor="zendesk_specialist",
                               rules=app.marker.rules if app.marker and app.marker.write_id else ())]
        tally["decision_time_from_updated_at"] += 1
    return found


def backlog_query(settings: Settings, since: date) -> str:
    """Tickets still open that were created before the period: the queue's oldest part."""
    forms = _FORM_TERM.findall(settings.queue.query)
    return " ".join(["type:ticket", "status<solved", f"created<{since.isoformat()}", *forms])


def _record(
    app: Application,
    index: dict[int, list[DecisionEvent]],
    account: _Account,
    counts: Counter[str],
    *,
    in_period: bool,
) -> TicketRecord:
    events = sorted(index.pop(app.ticket_id, []), key=lambda e: e.at)
    marker = outcome_of(app.marker.outcome if app.marker else None)
    if marker is not None and (not events or events[-1].outcome != marker):
        events = sorted([*events, *_from_account(app, events, account, counts)], key=lambda e: e.at)
    return TicketRecord(
        ticket_id=app.ticket_id,
        program=app.program,
        status=app.status,
        created_at=app.created_at,
        requester_name=app.requester.name,
        requester_email=app.requester.email,
        decisions=tuple(events),
        in_period=in_period,
    )


def _applications(
    gateway: StatsGateway, query: str, program: str | None, counts: Counter[str]
) -> Iterator[Application]:
    for page in gateway.pull_queue(query):
        counts["pages"] += 1
        counts["unmapped"] += len(page.unmapped)
        for app in page.applications:
            if not app.is_application or (program is not None and app.program != program):
                counts["skipped"] += 1
                continue
            yield app


def collect(
    gateway: StatsGateway,
    journal: DecisionJournal,
    settings: Settings,
    *,
    since: date,
    until: date,
    program: str | None = None,
    backlog: bool = True,
    tally: Counter[str] | None = None,
) -> Iterator[TicketRecord]:
    """Stream one record per application created in the period, with every decision known for it.

    With ``backlog``, open applications created before the period come first, marked ``in_period=False``
    (the queue measures count them; nothing else does). ``tally`` (optional) counts pages, tickets,
    backlog tickets, skipped tickets and the audit requests spent.
    """
    counts: Counter[str] = tally if tally is not None else Counter()
    start = datetime.combine(since, time.min, tzinfo=UTC)
    end = datetime.combine(until + timedelta(days=1), time.min, tzinfo=UTC)
    old = list(_applications(gateway, backlog_query(settings, since), program, counts)) if backlog else []
    index = _journal_index(journal, start, end, {app.ticket_id for app in old})
    account = _Account(gateway, start, counts)
    for app in old:
        counts["backlog"] += 1
        yield _record(app, index, account, counts, in_period=False)
    for app in _applications(gateway, stats_query(settings, since, until), program, counts):
        counts["tickets"] += 1
        yield _record(app, index, account, counts, in_period=True)


def build_report(
    gateway: StatsGateway,
    journal: DecisionJournal,
    settings: Settings,
    *,
    since: date,
    until: date,
    program: str | None = None,
    redact: bool = False,
    as_of: date | None = None,
    generated_at: datetime | None = None,
    observe: Callable[[TicketRecord], None] | None = None,
) -> StatsReport:
    """Collect the period and aggregate it as of ``as_of`` (default ``until``), in one streaming pass;
    ``observe`` sees every record too (the satisfaction section joins its ratings with them)."""
    tally: Counter[str] = Counter()
    before = sum(gateway.request_counts().values())
    aggregator = StatsAggregator(sla_policy(settings), as_of or until)
    for record in collect(gateway, journal, settings, since=since, until=until, program=program, tally=tally):
        aggregator.add(record.redacted() if redact else record)
        if observe is not None:
            observe(record)
    requests = {
        "zendesk_requests": sum(gateway.request_counts().values()) - before,
        "search_pages": tally["pages"],
        "audit_requests": tally["audit_requests"],
        "event_export_reads": tally["event_export_reads"],
        "account_tickets": tally["account_tickets"],
        "tickets": tally["tickets"],
        "backlog_tickets": tally["backlog"],
        "skipped": tally["skipped"] + tally["unmapped"],
        "decision_time_from_updated_at": tally["decision_time_from_updated_at"],
    }
    return aggregator.report(
        generated_at=generated_at or datetime.now(UTC),
        since=since,
        until=until,
        program=program,
        redacted=redact,
        requests=requests,
    )
