"""The statistics report: every measure managers follow, as one pydantic document (``--format json``)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from commops.domain.satisfaction import SatisfactionReport

__all__ = [
    "AutomationPotential",
    "DecisionStats",
    "GroupStats",
    "Measures",
    "QueueStats",
    "ReasonCount",
    "SlaInfo",
    "StatsReport",
    "TicketLine",
    "TimeToDecision",
    "WeekStats",
]


class TimeToDecision(BaseModel):
    """Business days from creation to the first qualify or reject.

    ``median`` is the middle value (the mean of the two middle values for an even count); ``p90`` is the
    nearest-rank 90th percentile (the smallest value with at least 90% of tickets at or below it).
    """

    count: int = 0
    median: float | None = None
    p90: int | None = None
    histogram: dict[int, int] = Field(default_factory=dict)  # business days -> tickets


class QueueStats(BaseModel):
    """Tickets still open (new, open, pending, hold), their age in business days and SLA state."""

    size: int = 0
    by_status: dict[str, int] = Field(default_factory=dict)
    age_histogram: dict[int, int] = Field(default_factory=dict)  # business days -> tickets
    age_bands: dict[str, int] = Field(default_factory=dict)  # ok / at_risk / breached, open and undecided
    at_risk: int = 0
    breached: int = 0
    oldest_days: int | None = None
    backlog: int = 0  # of ``size``: open tickets created before the period (counted in the queue only)


class ReasonCount(BaseModel):
    rule: str
    count: int


class DecisionStats(BaseModel):
    """Decisions applied (every outcome), who made them, and how long the first yes/no took."""

    total: int = 0
    by_actor: dict[str, int] = Field(default_factory=dict)
    automated_share: float | None = None  # unattended / total
    outcomes: dict[str, int] = Field(default_factory=dict)
    decided: int = 0  # tickets with a first qualify/reject
    decided_late: int = 0  # ... later than the due day
    time_to_decision: TimeToDecision = Field(default_factory=TimeToDecision)
    reject_reasons: list[ReasonCount] = Field(default_factory=list)
    ask_reasons: list[ReasonCount] = Field(default_factory=list)


class Measures(BaseModel):
    tickets: int = 0  # created in the period (in the week, for a week)
    by_status: dict[str, int] = Field(default_factory=dict)
    queue: QueueStats = Field(default_factory=QueueStats)
    decisions: DecisionStats = Field(default_factory=DecisionStats)


class WeekStats(Measures):
    """One ISO week: tickets and queue by creation week, decisions by the week they were made."""

    week: str  # "2026-W03"


class GroupStats(Measures):
    weeks: list[WeekStats] = Field(default_factory=list)


class TicketLine(BaseModel):
    """An open ticket listed by name in the report (the oldest in breach)."""

    ticket_id: int
    program: str | None
    status: str
    created_at: datetime
    age_days: int
    requester_name: str | None = None
    requester_email: str | None = None


class SlaInfo(BaseModel):
    at_risk_day: int
    due_day: int
    holiday_country: str = ""
    extra_holidays: list[str] = Field(default_factory=list)


class AutomationPotential(BaseModel):
    """Of the applications shadow mode compared in the period, how many the rules promoted so far (``auto``)
    would have decided unattended and right: the same reply the specialist sent."""

    compared: int = 0
    could: int = 0
    share: float | None = None
    promoted_rules: list[str] = Field(default_factory=list)


class StatsReport(BaseModel):
    generated_at: datetime
    as_of: date
    since: date | None = None
    until: date | None = None
    program: str | None = None
    redacted: bool = False
    sla: SlaInfo
    overall: GroupStats
    programs: dict[str, GroupStats] = Field(default_factory=dict)
    breached_tickets: list[TicketLine] = Field(default_factory=list)
    requests: dict[str, int] = Field(default_factory=dict)  # Zendesk requests spent gathering the data
    automation_potential: AutomationPotential | None = None  # from shadow mode, when it has compared any
    satisfaction: SatisfactionReport | None = None  # members' ratings of the period's tickets, when readable
