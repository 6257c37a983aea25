"""Gather what statistics read: tickets of a period from Zendesk, joined with the journal's applied decisions.

Decisions commops applied are in the journal (unattended runs, or specialists through commops). A ticket
whose decision marker shows a decision the journal does not explain was decided directly in Zendesk: only
for those tickets are the audits read (one request each), to learn when.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from commops.config import Settings
from commops.domain import Application, Outcome
from commops.errors import NotFoundError
from commops.ports import DecisionJournal, StatsGateway
from commops.reports import Actor, DecisionEvent, SlaPolicy, StatsAggregator, StatsReport, TicketRecord
from commops.services.sla import calendar_from

__all__ = [
    "backlog_query",
    "build_report",
    "collect",
    "decision_changes",
    "default_period",
    "outcome_of",
    "sla_policy",
    "stats_query",
]

DEFAULT_WEEKS = 12
# A decision change in the audits this close to a journal entry with the same outcome is commops' own write.
_SAME_WRITE = timedelta(minutes=15)
_FORM_TERM = re.compile(r'(?<!\S)(?:form|ticket_form_id):(?:"[^"]*"|\S+)')
_DECIDED = tuple(o.value for o in Outcome if o.writes)


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


def outcome_of(value: object) -> str | None:
    """A decision marker value (``qualify``, ``commops_qualify``) as an outcome, None when it is none."""
    if not isinstance(value, str):
        return None
    text = value.strip().lower()
    return next((o for o in _DECIDED if text == o or text.endswith("_" + o)), None)


def _parse_time(raw: object) -> datetime | None:
    if not isinstance(raw, str):
        return None
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def decision_changes(audits: Iterable[dict[str, Any]], field_id: int) -> list[tuple[datetime, str]]:
    """Every time the decision field was set, from Zendesk audit JSON, in time order."""
    changes: list[tuple[datetime, str]] = []
    for audit in audits:
        when = _parse_time(audit.get("created_at"))
        for event in audit.get("events") or []:
            if event.get("type") not in ("Create", "Change") or str(event.get("field_name")) != str(field_id):
                continue
            outcome = outcome_of(event.get("value"))
            if when is not None and outcome is not None:
                changes.append((when, outcome))
    return sorted(changes)


def _journal_index(
    journal: DecisionJournal, since: datetime, until: datetime, backlog: set[int]
) -> dict[int, list[DecisionEvent]]:
    """Journal decisions of the period, plus every earlier one on a backlog ticket (one pass over the journal)."""
    index: dict[int, list[DecisionEvent]] = {}
    for entry in journal.applied_decisions(since=None if backlog else since, until=until):
        at = entry.applied_at if entry.applied_at.tzinfo else entry.applied_at.replace(tzinfo=UTC)
        if at < since and entry.ticket_id not in backlog:
            continue
        actor: Actor = "unattended" if entry.mode == "unattended" else "commops_specialist"
        event = DecisionEvent(outcome=entry.outcome, at=at, actor=actor, rules=tuple(entry.rules))
        index.setdefault(entry.ticket_id, []).append(event)
    return index


def _zendesk_decisions(
    app: Application, known: list[DecisionEvent], gateway: StatsGateway, field_id: int, tally: Counter[str]
) -> list[DecisionEvent]:
    """Decisions made in Zendesk itself: audit changes of the decision field that no journal entry explains."""
    tally["audit_requests"] += 1
    try:
        audits = gateway.audits(app.ticket_id)
    except NotFoundError:
        audits = []
    found = [
        DecisionEvent(outcome=outcome, at=when, actor="zendesk_specialist")
        for when, outcome in decision_changes(audits, field_id)
        if not any(e.outcome == outcome and abs(e.at - when) <= _SAME_WRITE for e in known)
    ]
    if not found and not known:
        # No trace of when: the last update is the best bound Zendesk offers.
        marker = outcome_of(app.marker.outcome if app.marker else None)
        if marker is not None:
            updated = app.updated_at if app.updated_at.tzinfo else app.updated_at.replace(tzinfo=UTC)
            found = [DecisionEvent(outcome=marker, at=updated, actor="zendesk_specialist")]
            tally["decision_time_from_updated_at"] += 1
    return found


def backlog_query(settings: Settings, since: date) -> str:
    """Tickets still open that were created before the period: the queue's oldest part."""
    forms = _FORM_TERM.findall(settings.queue.query)
    return " ".join(["type:ticket", "status<solved", f"created<{since.isoformat()}", *forms])


def _record(
    app: Application,
    index: dict[int, list[DecisionEvent]],
    gateway: StatsGateway,
    field_id: int,
    counts: Counter[str],
    *,
    in_period: bool,
) -> TicketRecord:
    events = sorted(index.pop(app.ticket_id, []), key=lambda e: e.at)
    marker = outcome_of(app.marker.outcome if app.marker else None)
    if marker is not None and (not events or events[-1].outcome != marker):
        events = sorted([*events, *_zendesk_decisions(app, events, gateway, field_id, counts)], key=lambda e: e.at)
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
    field_id = settings.fields[settings.markers.decision_field]
    old = list(_applications(gateway, backlog_query(settings, since), program, counts)) if backlog else []
    index = _journal_index(journal, start, end, {app.ticket_id for app in old})
    for app in old:
        counts["backlog"] += 1
        yield _record(app, index, gateway, field_id, counts, in_period=False)
    for app in _applications(gateway, stats_query(settings, since, until), program, counts):
        counts["tickets"] += 1
        yield _record(app, index, gateway, field_id, counts, in_period=True)


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
