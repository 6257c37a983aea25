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
from commops.reports.render_csv import render_json, ticket_row, write_summary_csv, write_ticket_csv
from commops.reports.render_html import render_html
from commops.reports.render_text import render_table

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
    "render_html",
    "render_json",
    "render_table",
    "ticket_facts",
    "ticket_row",
    "write_summary_csv",
    "write_ticket_csv",
]
