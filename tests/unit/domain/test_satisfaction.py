"""Member satisfaction summarised per program and per outcome (programs.md: the share of good ratings among
rated tickets), pure: the join of ratings with the report's tickets, shares over nothing are None."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from commops.domain.satisfaction import (
    NOT_DECIDED,
    Rating,
    SatisfactionCounts,
    SatisfactionTally,
    latest_per_ticket,
    summarize,
)

T0 = datetime(2026, 11, 2, tzinfo=UTC)


def rating(ticket: int, score: str, comment: str | None = None, hours: int = 0) -> Rating:
    return Rating(ticket_id=ticket, score=score, comment=comment, created_at=T0 + timedelta(hours=hours))  # type: ignore[arg-type]


def test_counts_shares_and_comments() -> None:
    counts = SatisfactionCounts()
    assert counts.good_share is None and counts.response_rate is None
    for r in (rating(1, "good", "thanks"), rating(2, "good"), rating(3, "bad", "  "), rating(4, "bad", "slow"),
              rating(5, "offered")):
        counts.add(r)
    assert (counts.offered, counts.rated, counts.good, counts.bad, counts.comments) == (5, 4, 2, 2, 2)
    assert counts.good_share == 0.5 and counts.response_rate == 0.8
    nobody = SatisfactionCounts()
    nobody.add(rating(9, "offered"))
    assert nobody.good_share is None and nobody.response_rate == 0.0  # offered, unanswered: not "unhappy"


def test_per_program_per_outcome_and_both() -> None:
    ratings = [rating(1, "good"), rating(2, "bad", "slow"), rating(3, "good"), rating(4, "offered"),
               rating(5, "good"), rating(99, "bad")]  # 99: not a ticket of the report
    tickets = [(1, "education", "qualify"), (2, "education", "reject"), (3, "open_source", "qualify"),
               (4, "open_source", "qualify"), (5, None, None), (6, "startups", "ask")]
    report = summarize(ratings, tickets)
    assert (report.overall.offered, report.overall.rated, report.overall.good) == (5, 4, 3)
    assert report.unmatched == 1
    assert set(report.programs) == {"education", "open_source", "(no program)"}
    assert report.programs["education"].good_share == 0.5 and report.programs["open_source"].response_rate == 0.5
    assert report.outcomes["qualify"].good_share == 1.0 and report.outcomes["qualify"].offered == 3
    assert report.outcomes["reject"].bad == 1 and report.outcomes["reject"].comments == 1
    assert report.outcomes[NOT_DECIDED].good == 1
    assert report.by_program_outcome["education"]["reject"].bad == 1
    assert "startups" not in report.programs  # a ticket without a rating adds nothing


def test_a_ticket_counts_once_with_its_latest_rating() -> None:
    latest = latest_per_ticket([rating(1, "bad", hours=1), rating(1, "good", hours=5), rating(1, "offered", hours=0)])
    assert latest[1].score == "good"
    undated = Rating(ticket_id=2, score="good")
    assert latest_per_ticket([rating(2, "bad"), undated])[2].score == "bad"
    tally = SatisfactionTally(latest)
    tally.add(1, "education", "qualify")
    tally.add(1, "education", "qualify")  # the same ticket seen twice (a backlog and a period record)
    assert tally.finish().overall.offered == 1
