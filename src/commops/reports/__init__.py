"""Manager statistics: pure aggregation of ticket records into a report, and its renderings."""

from commops.reports.measures import (
    SlaPolicy,
    StatsAggregator,
    TicketFacts,
    aggregate,
    iso_week,
    quantiles,
    ticket_facts,
)
from commops.reports.model import (
    DecisionStats,
    GroupStats,
    Measures,
    QueueStats,
    ReasonCount,
    SlaInfo,
    StatsReport,
    TicketLine,
    TimeToDecision,
    WeekStats,
)
from commops.reports.records import ACTORS, FINAL_OUTCOMES, OPEN_STATUSES, Actor, DecisionEvent, TicketRecord

__all__ = [
    "ACTORS",
    "FINAL_OUTCOMES",
    "OPEN_STATUSES",
    "Actor",
    "DecisionEvent",
    "DecisionStats",
    "GroupStats",
    "Measures",
    "QueueStats",
    "ReasonCount",
    "SlaInfo",
    "SlaPolicy",
    "StatsAggregator",
    "StatsReport",
    "TicketFacts",
    "TicketLine",
    "TicketRecord",
    "TimeToDecision",
    "WeekStats",
    "aggregate",
    "iso_week",
    "quantiles",
    "ticket_facts",
]
