"""The collector joins tickets with the journal and reads the account's record of decisions only for tickets
the journal does not explain: one ticket at a time for a few, then once in bulk (a fresh runner)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import pytest

from commops.config import Settings, load_settings
from commops.domain import Application, DecisionMarker, Requester
from commops.domain.records import MarkedDecision
from commops.ports import QueuePage
from commops.services.stats import (
    BULK_AFTER,
    account_events,
    build_report,
    collect,
    default_period,
    outcome_of,
    stats_query,
)

DECISION_FIELD = 3600290  # the reference account's decision field (from the packaged config)


def t(text: str) -> datetime:
    return datetime.fromisoformat(text + "+00:00")


def app(ticket_id: int, program: str | None, marker: str | None = None, status: str = "solved") -> Application:
    return Application(
        ticket_id=ticket_id,
        program=program,
        status=status,
        requester=Requester(name=f"Person {ticket_id}", email=f"p{ticket_id}@example.org"),
        created_at=t("2026-01-05T09:00:00"),
        updated_at=t("2026-01-09T16:00:00"),
        marker=DecisionMarker(outcome=marker) if marker else None,
    )


def marked(ticket_id: int, when: str, outcome: str | None, *, write_id: str | None = None, by: str | None = None,
           rules: tuple[str, ...] = ()) -> MarkedDecision:
    return MarkedDecision(ticket_id=ticket_id, at=t(when.removesuffix("Z")), outcome=outcome, rules=rules,
                          write_id=write_id, by=by)


@dataclass
class FakeGateway:
    pages: list[QueuePage]
    backlog: list[QueuePage] = field(default_factory=list)
    account: dict[int, list[MarkedDecision]] = field(default_factory=dict)
    exported: set[int] | None = None  # the tickets the event export has (None: all of them)
    queries: list[str | None] = field(default_factory=list)
    audited: list[int] = field(default_factory=list)
    exports: list[datetime] = field(default_factory=list)

    def pull_queue(self, query: str | None = None, *, cursor: str | None = None) -> Iterator[QueuePage]:
        self.queries.append(query)
        yield from self.backlog if query and "status<solved" in query else self.pages

    def ticket_decisions(self, ticket_id: int) -> list[MarkedDecision]:
        self.audited.append(ticket_id)
        return self.account.get(ticket_id, [])

    def decisions_since(self, start: datetime) -> dict[int, list[MarkedDecision]]:
        self.exports.append(start)
        return {tid: found for tid, found in self.account.items() if self.exported is None or tid in self.exported}

    def request_counts(self) -> dict[str, int]:
        return {"GET /search/export": len(self.queries), "GET /tickets/{id}/audits": len(self.audited),
                "GET /incremental/ticket_events": len(self.exports)}


@dataclass
class Entry:
    ticket_id: int
    outcome: str
    mode: str
    applied_at: datetime
    rules: list[str] = field(default_factory=list)


@dataclass
class FakeJournal:
    entries: list[Entry]
    calls: list[tuple[datetime | None, datetime | None]] = field(default_factory=list)

    def applied_decisions(self, *, since: datetime | None = None, until: datetime | None = None) -> Iterator[Entry]:
        self.calls.append((since, until))
        return iter(self.entries)


@pytest.fixture
def settings() -> Settings:
    return load_settings()


def run(
    gateway: FakeGateway, journal: FakeJournal, settings: Settings, **kw: Any
) -> tuple[dict[int, Any], Counter[str]]:
    tally: Counter[str] = Counter()
    records = collect(gateway, journal, settings, since=date(2026, 1, 1), until=date(2026, 1, 31), tally=tally, **kw)
    return {r.ticket_id: r for r in records}, tally


def test_journal_decisions_are_joined_and_zendesk_decisions_come_from_audits(settings: Settings) -> None:
    gateway = FakeGateway(
        pages=[
            QueuePage(applications=[app(1, "education", "qualify"), app(2, "education", "reject")], has_more=True),
            QueuePage(applications=[app(3, "startups", "commops_reject"), app(4, "startups"), app(5, None)]),
        ],
        account={
            # 2: commops asked (its own write, already in the journal), then a specialist rejected in Zendesk
            2: [marked(2, "2026-01-06T10:00:05Z", "ask", write_id="w2", by="interactive"),
                marked(2, "2026-01-08T11:00:00Z", "reject")],
            3: [marked(3, "2026-01-07T12:30:00Z", "reject")],
        },
    )
    journal = FakeJournal(
        [
            Entry(1, "qualify", "unattended", t("2026-01-05T10:00:00"), ["edu_ok"]),
            Entry(2, "ask", "interactive", t("2026-01-06T10:00:06"), ["edu_ask_email"]),
            Entry(99, "reject", "apply", t("2026-01-06T10:00:00")),  # a ticket outside the period
        ]
    )
    records, tally = run(gateway, journal, settings)

    assert sorted(records) == [1, 2, 3, 4]  # 5 is not an application
    assert [(e.outcome, e.actor, e.rules) for e in records[1].decisions] == [("qualify", "unattended", ("edu_ok",))]
    assert [(e.outcome, e.actor, e.at) for e in records[2].decisions] == [
        ("ask", "commops_specialist", t("2026-01-06T10:00:06")),
        ("reject", "zendesk_specialist", t("2026-01-08T11:00:00")),
    ]
    assert [(e.outcome, e.actor, e.at) for e in records[3].decisions] == [
        ("reject", "zendesk_specialist", t("2026-01-07T12:30:00"))
    ]
    assert records[4].decisions == ()
    assert (records[3].requester_name, records[3].status) == ("Person 3", "solved")
    assert gateway.audited == [2, 3]  # only where the marker is not explained by the journal
    assert (tally["pages"], tally["tickets"], tally["skipped"], tally["audit_requests"]) == (2, 4, 1, 2)
    assert all(r.in_period for r in records.values())
    assert journal.calls == [(t("2026-01-01T00:00:00"), t("2026-02-01T00:00:00"))]


def test_the_query_covers_every_status_of_the_period_on_the_configured_forms(settings: Settings) -> None:
    gateway = FakeGateway(pages=[])
    run(gateway, FakeJournal([]), settings)
    assert gateway.queries[0] is not None and gateway.queries[0].startswith(
        "type:ticket status<solved created<2026-01-01 "
    )
    query = gateway.queries[1]
    assert query == stats_query(settings, date(2026, 1, 1), date(2026, 1, 31))
    assert query is not None and query.startswith("type:ticket created>2025-12-31 created<2026-02-01 ")
    assert "form:3600301" in query  # the gateway sends the form's current name
    assert "status" not in query


def test_program_filter_keeps_one_program(settings: Settings) -> None:
    gateway = FakeGateway(pages=[QueuePage(applications=[app(1, "education"), app(2, "startups")])])
    records, tally = run(gateway, FakeJournal([]), settings, program="startups")
    assert list(records) == [2]
    assert tally["skipped"] == 1


def test_a_zendesk_decision_without_audit_trail_falls_back_to_the_last_update(settings: Settings) -> None:
    gateway = FakeGateway(pages=[QueuePage(applications=[app(7, "open_source", "qualify")])])
    records, tally = run(gateway, FakeJournal([]), settings)
    assert [(e.outcome, e.actor, e.at) for e in records[7].decisions] == [
        ("qualify", "zendesk_specialist", t("2026-01-09T16:00:00"))
    ]
    assert tally["decision_time_from_updated_at"] == 1


def fresh(count: int) -> FakeGateway:
    """``count`` tickets commops decided on another machine (unattended), as the account records them."""
    apps = [app(i, "education", "commops_qualify") for i in range(1, count + 1)]
    for application in apps:
        assert application.marker is not None
    account = {i: [marked(i, "2026-01-06T10:00:00Z", "qualify", write_id=f"w{i}", by="unattended",
                          rules=("edu_ok",))] for i in range(1, count + 1)}
    return FakeGateway(pages=[QueuePage(applications=apps)], account=account)


def test_a_machine_without_journal_reads_a_few_tickets_then_the_export_once(settings: Settings) -> None:
    gateway = fresh(BULK_AFTER + 25)
    records, tally = run(gateway, FakeJournal([]), settings)
    assert gateway.audited == list(range(1, BULK_AFTER + 1))  # the first few one by one
    assert gateway.exports == [t("2026-01-01T00:00:00")]  # then the period's export, once
    assert all([(e.outcome, e.actor, e.rules) for e in r.decisions] == [("qualify", "unattended", ("edu_ok",))]
               for r in records.values())
    assert (tally["audit_requests"], tally["event_export_reads"], tally["account_tickets"]) == (
        BULK_AFTER, 1, BULK_AFTER + 25)


def test_a_ticket_the_export_does_not_have_yet_is_read_on_its_own(settings: Settings) -> None:
    gateway = fresh(BULK_AFTER + 3)
    last = BULK_AFTER + 3
    gateway.exported = set(range(1, last))  # decided within the export's last minute
    records, _ = run(gateway, FakeJournal([]), settings)
    assert gateway.audited == [*range(1, BULK_AFTER + 1), last]
    assert [e.actor for e in records[last].decisions] == ["unattended"]


def test_the_account_says_who_decided_and_carries_an_unchanged_outcome() -> None:
    found = [
        marked(1, "2026-01-06T10:00:00Z", "ask", write_id="a", by="unattended", rules=("edu_ask",)),
        marked(1, "2026-01-07T10:00:00Z", None, write_id="b", by="apply"),  # asked again: the field kept ask
        marked(1, "2026-01-08T10:00:00Z", "reject"),  # a specialist, in Zendesk
        marked(1, "2026-01-09T10:00:00Z", "qualify", write_id="c"),  # an older commops: no mode on the marker
    ]
    assert [(e.outcome, e.actor, e.rules) for e in account_events(found, "qualify")] == [
        ("ask", "unattended", ("edu_ask",)),
        ("ask", "commops_specialist", ()),
        ("reject", "zendesk_specialist", ()),
        ("qualify", "commops_specialist", ()),  # not counted as automated when the marker does not say
    ]
    assert [e.outcome for e in account_events([marked(1, "2026-01-07T10:00:00Z", None, write_id="b")], "ask")] == [
        "ask"]


@pytest.mark.parametrize(
    ("value", "outcome"),
    [
        ("qualify", "qualify"),
        ("commops_reject", "reject"),
        ("ESCALATE", "escalate"),
        ("", None),
        (None, None),
        ("x", None),
    ],
)
def test_outcome_of_marker_values(value: object, outcome: str | None) -> None:
    assert outcome_of(value) == outcome


def test_default_period_is_twelve_weeks_to_today() -> None:
    assert default_period(None, None, date(2026, 3, 27)) == (date(2026, 1, 2), date(2026, 3, 27))
    assert default_period(date(2026, 3, 1), date(2026, 3, 10), date(2026, 3, 27)) == (
        date(2026, 3, 1),
        date(2026, 3, 10),
    )


def test_build_report_aggregates_redacts_and_counts_requests(settings: Settings) -> None:
    gateway = FakeGateway(
        pages=[QueuePage(applications=[app(1, "education", "qualify"), app(2, "startups", "reject", status="open")])],
        account={2: [marked(2, "2026-01-07T12:30:00Z", "reject")]},
    )
    journal = FakeJournal([Entry(1, "qualify", "unattended", t("2026-01-05T10:00:00"))])
    report = build_report(
        gateway, journal, settings, since=date(2026, 1, 1), until=date(2026, 1, 31), redact=True, as_of=date(2026, 1, 9)
    )
    assert report.overall.tickets == 2
    assert report.overall.decisions.by_actor == {"unattended": 1, "commops_specialist": 0, "zendesk_specialist": 1}
    assert report.overall.decisions.automated_share == 0.5
    assert report.overall.decisions.time_to_decision.histogram == {0: 1, 2: 1}  # Mon 5th -> Mon 5th, Wed 7th
    assert (report.redacted, report.as_of, report.since) == (True, date(2026, 1, 9), date(2026, 1, 1))
    assert report.requests["zendesk_requests"] == 3  # the backlog search, the period search, one audit
    assert (report.requests["audit_requests"], report.requests["search_pages"]) == (1, 1)  # the backlog is empty
    assert "Person" not in report.model_dump_json()


def test_backlog_tickets_come_first_with_their_whole_journal_history(settings: Settings) -> None:
    old = app(40, "education", status="open")
    gateway = FakeGateway(
        pages=[QueuePage(applications=[app(41, "education")])],
        backlog=[QueuePage(applications=[old, app(42, None, status="open")])],
    )
    journal = FakeJournal(
        [
            Entry(40, "ask", "unattended", t("2025-12-20T10:00:00"), ["edu_ask_email"]),  # before the period: kept
            Entry(43, "qualify", "unattended", t("2025-12-21T10:00:00")),  # before, not a backlog ticket: dropped
        ]
    )
    tally: Counter[str] = Counter()
    records = list(collect(gateway, journal, settings, since=date(2026, 1, 1), until=date(2026, 1, 31), tally=tally))
    assert [(r.ticket_id, r.in_period) for r in records] == [(40, False), (41, True)]
    assert [(e.outcome, e.at) for e in records[0].decisions] == [("ask", t("2025-12-20T10:00:00"))]
    assert journal.calls == [(None, t("2026-02-01T00:00:00"))]  # one pass, back far enough for the backlog
    assert (tally["backlog"], tally["tickets"], tally["pages"]) == (1, 1, 2)
    none = list(
        collect(gateway, FakeJournal([]), settings, since=date(2026, 1, 1), until=date(2026, 1, 31), backlog=False)
    )
    assert [r.ticket_id for r in none] == [41]
