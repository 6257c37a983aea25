"""Manager statistics: pure aggregation of ticket records into a report, and its renderings.

The renderings (rich, HTML, CSV) load on first use: the statistics use case imports the aggregation
alone, so it never pulls a terminal library in.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:
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

_RENDERERS = {
    "render_json": "render_csv",
    "ticket_row": "render_csv",
    "write_summary_csv": "render_csv",
    "write_ticket_csv": "render_csv",
    "render_html": "render_html",
    "render_table": "render_text",
}


def __getattr__(name: str) -> Any:
    home = _RENDERERS.get(name)
    if home is None:
        raise AttributeError(f"module 'commops.reports' has no attribute {name!r}")
    value = getattr(import_module(f"commops.reports.{home}"), name)
    globals()[name] = value
    return value
