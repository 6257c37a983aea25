"""The satisfaction step of stats over a fake source: the join with the report's records (the last
decision is the outcome; backlog records do not count), and an account that may not read ratings."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest

from commops.domain.satisfaction import Rating
from commops.errors import AuthError, UnreachableError
from commops.reports.records import DecisionEvent, TicketRecord
from commops.reports.render_satisfaction import satisfaction_rows
from commops.services.satisfaction import last_outcome, start_satisfaction

T0 = datetime(2026, 11, 2, 9, tzinfo=UTC)


class Source:
    def __init__(self, ratings: list[Rating], error: Exception | None = None) -> None:
        self.ratings, self.error, self.asked = ratings, error, list[datetime]()

    def satisfaction_ratings(self, since: datetime) -> Iterator[Rating]:
        self.asked.append(since)
        if self.error is not None:
            raise self.error
        yield from self.ratings


def record(ticket: int, program: str, *outcomes: str, in_period: bool = True) -> TicketRecord:
    events = tuple(DecisionEvent(outcome=o, at=T0 + timedelta(days=i), actor="unattended")
                   for i, o in enumerate(outcomes))
    return TicketRecord(ticket_id=ticket, program=program, status="solved", created_at=T0, decisions=events,
                        in_period=in_period)


def test_ratings_join_the_records_by_ticket_with_the_last_decision_as_outcome() -> None:
    source = Source([Rating(1, "good", "thanks"), Rating(2, "bad"), Rating(3, "good"), Rating(4, "offered")])
    step = start_satisfaction(source, date(2026, 11, 1))
    assert source.asked == [datetime(2026, 11, 1, tzinfo=UTC)]
    for r in (record(1, "education", "ask", "qualify"), record(2, "education", "reject"),
              record(3, "startups", "qualify", in_period=False), record(4, "open_source")):
        step.observe(r)
    section = step.finish()
    assert section is not None and step.reason is None
    assert (section.overall.offered, section.overall.rated, section.overall.good) == (3, 2, 1)
    assert section.outcomes["qualify"].good == 1 and section.outcomes["reject"].bad == 1
    assert section.outcomes["undecided"].offered == 1 and section.unmatched == 1  # 3: a backlog record
    rows = satisfaction_rows(section)
    assert rows[0] == ["all", 3, 2, "67%", 1, 1, "50%", 1]
    assert ["program education", 2, 2, "100%", 1, 1, "50%", 1] in rows


def test_last_outcome_is_the_latest_decision() -> None:
    assert last_outcome(record(1, "education")) is None
    assert last_outcome(record(1, "education", "ask", "escalate", "qualify")) == "qualify"


@pytest.mark.parametrize("status", [403, 404])
def test_an_account_that_may_not_read_ratings_gets_no_section_and_a_sentence(status: int) -> None:
    said: list[str] = []
    error = AuthError("Zendesk at https://x refused the credentials (403)", status=status)
    step = start_satisfaction(Source([], error), date(2026, 11, 1), notice=said.append)
    step.observe(record(1, "education", "qualify"))
    assert step.finish() is None and step.reason is not None and said == [step.reason]
    assert "not readable with these credentials" in said[0]


def test_other_failures_are_not_hidden() -> None:
    with pytest.raises(UnreachableError):
        start_satisfaction(Source([], UnreachableError("Zendesk did not answer")), date(2026, 11, 1))
