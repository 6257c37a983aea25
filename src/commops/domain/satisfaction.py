"""Member satisfaction: Zendesk's satisfaction ratings, summarised per program and per outcome. Pure.

programs.md: "the share of good ratings among rated tickets, per program and per outcome". A survey is
*offered* when a ticket is solved; the member answers *good* or *bad*, optionally with a comment, or not
at all (the rating stays ``offered``). The response rate is rated / offered (answered or not); the good
share is good / rated. A share over no ticket is None, never 0: "nobody answered" is not "nobody was happy".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

__all__ = [
    "NOT_DECIDED",
    "Rating",
    "SatisfactionCounts",
    "SatisfactionReport",
    "SatisfactionTally",
    "Score",
    "latest_per_ticket",
    "summarize",
]

Score = Literal["good", "bad", "offered"]
NOT_DECIDED = "undecided"  # the outcome column of a rated ticket no decision is known for


@dataclass(frozen=True, slots=True)
class Rating:
    """One ticket's satisfaction rating as Zendesk keeps it (the latest per ticket)."""

    ticket_id: int
    score: Score
    comment: str | None = None
    created_at: datetime | None = None

    @property
    def rated(self) -> bool:
        return self.score in ("good", "bad")


class SatisfactionCounts(BaseModel):
    """Ratings of a group of tickets: offered surveys, answers, comments, and the two shares."""

    offered: int = 0  # surveys offered, answered or not
    rated: int = 0  # answered good or bad
    good: int = 0
    bad: int = 0
    comments: int = 0  # answers with a comment
    good_share: float | None = None  # good / rated
    response_rate: float | None = None  # rated / offered

    def add(self, rating: Rating) -> None:
        self.offered += 1
        if rating.rated:
            self.rated += 1
            self.good += rating.score == "good"
            self.bad += rating.score == "bad"
            self.comments += bool(rating.comment and rating.comment.strip())
        self.good_share = self.good / self.rated if self.rated else None
        self.response_rate = self.rated / self.offered


class SatisfactionReport(BaseModel):
    """The ``satisfaction`` section of ``commops stats``."""

    overall: SatisfactionCounts = Field(default_factory=SatisfactionCounts)
    programs: dict[str, SatisfactionCounts] = Field(default_factory=dict)
    outcomes: dict[str, SatisfactionCounts] = Field(default_factory=dict)  # the ticket's last decision
    by_program_outcome: dict[str, dict[str, SatisfactionCounts]] = Field(default_factory=dict)
    unmatched: int = 0  # ratings of tickets outside the report (another form, another period)


@dataclass
class SatisfactionTally:
    """Joins ratings (read first, in bulk) with the tickets of a report as they stream past, keeping only
    the rated ones: memory grows with the ratings, not with the tickets."""

    ratings: Mapping[int, Rating]
    report: SatisfactionReport = field(default_factory=SatisfactionReport)
    _seen: set[int] = field(default_factory=set)

    def add(self, ticket_id: int, program: str | None, outcome: str | None) -> None:
        """One ticket of the report: its program and the outcome of its last decision (None: undecided)."""
        rating = self.ratings.get(ticket_id)
        if rating is None or ticket_id in self._seen:
            return
        self._seen.add(ticket_id)
        program_name, outcome_name = program or "(no program)", outcome or NOT_DECIDED
        report = self.report
        report.overall.add(rating)
        report.programs.setdefault(program_name, SatisfactionCounts()).add(rating)
        report.outcomes.setdefault(outcome_name, SatisfactionCounts()).add(rating)
        report.by_program_outcome.setdefault(program_name, {}).setdefault(outcome_name, SatisfactionCounts()).add(
            rating)

    def finish(self) -> SatisfactionReport:
        self.report.unmatched = len(self.ratings) - len(self._seen)
        return self.report


def _when(rating: Rating) -> float:
    return rating.created_at.timestamp() if rating.created_at is not None else float("-inf")


def latest_per_ticket(ratings: Iterable[Rating]) -> dict[int, Rating]:
    """The latest rating of each ticket (a member may change their answer; Zendesk keeps the last)."""
    latest: dict[int, Rating] = {}
    for rating in ratings:
        known = latest.get(rating.ticket_id)
        if known is None or _when(rating) >= _when(known):
            latest[rating.ticket_id] = rating
    return latest


def summarize(ratings: Iterable[Rating], tickets: Iterable[tuple[int, str | None, str | None]]
              ) -> SatisfactionReport:
    """The report over ``tickets`` (id, program, outcome) of the latest rating per ticket in ``ratings``."""
    tally = SatisfactionTally(latest_per_ticket(ratings))
    for ticket_id, program, outcome in tickets:
        tally.add(ticket_id, program, outcome)
    return tally.finish()
