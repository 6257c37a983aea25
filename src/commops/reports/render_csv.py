"""CSV and JSON exports: one row per ticket (streamed), or the summary table (``--aggregate``).

Every CSV cell goes through :func:`commops.safe_text.csv_cell` (no control characters, no live formulas)."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from datetime import date
from typing import IO, Any

from commops.reports.measures import SlaPolicy, TicketFacts, ticket_facts
from commops.reports.model import Measures, StatsReport
from commops.reports.records import ACTORS, TicketRecord
from commops.safe_text import csv_row, json_safe

__all__ = ["SUMMARY_COLUMNS", "TICKET_COLUMNS", "render_json", "ticket_row", "write_summary_csv", "write_ticket_csv"]

TICKET_COLUMNS = (
    "ticket_id",
    "program",
    "status",
    "created_at",
    "backlog",
    "requester_name",
    "requester_email",
    "age_business_days",
    "sla",
    "first_decision",
    "first_decision_at",
    "first_decision_by",
    "time_to_decision_days",
    "last_outcome",
    "last_outcome_at",
    "last_outcome_by",
    "decisions",
    "rules",
)
_PERSONAL = ("requester_name", "requester_email")
_OUTCOMES = ("qualify", "reject", "ask", "escalate", "manual")
SUMMARY_COLUMNS = (
    "scope",
    "program",
    "week",
    "tickets",
    "queue",
    "at_risk",
    "breached",
    "oldest_days",
    "backlog",
    "decisions",
    *ACTORS,
    "automated_share",
    *_OUTCOMES,
    "decided",
    "decided_late",
    "ttd_median",
    "ttd_p90",
    "top_reject_reason",
    "top_ask_reason",
)


def render_json(report: StatsReport) -> str:
    return json_safe(json.dumps(report.model_dump(mode="json"), indent=2, ensure_ascii=False))


def ticket_row(facts: TicketFacts) -> dict[str, Any]:
    record, first = facts.record, facts.first_decision
    last = facts.events[-1] if facts.events else None
    rules = sorted({rule for event in facts.events for rule in event.rules})
    return {
        "ticket_id": record.ticket_id,
        "program": record.program or "",
        "status": record.status,
        "created_at": record.created_at.isoformat(),
        "backlog": "" if record.in_period else "yes",
        "requester_name": record.requester_name or "",
        "requester_email": record.requester_email or "",
        "age_business_days": facts.age_days if facts.is_open else "",
        "sla": facts.sla,
        "first_decision": first.outcome if first else "",
        "first_decision_at": first.at.isoformat() if first else "",
        "first_decision_by": first.actor if first else "",
        "time_to_decision_days": "" if facts.ttd_days is None else facts.ttd_days,
        "last_outcome": last.outcome if last else "",
        "last_outcome_at": last.at.isoformat() if last else "",
        "last_outcome_by": last.actor if last else "",
        "decisions": len(facts.events),
        "rules": " ".join(rules),
    }


def write_ticket_csv(
    records: Iterable[TicketRecord], policy: SlaPolicy, as_of: date, out: IO[str], *, redact: bool = False
) -> int:
    """Stream one row per ticket; with ``redact`` the requester columns are left out. Returns the row count."""
    columns = [c for c in TICKET_COLUMNS if not (redact and c in _PERSONAL)]
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    rows = 0
    for record in records:
        writer.writerow(csv_row(ticket_row(ticket_facts(record, policy, as_of))))
        rows += 1
    return rows


def _summary(scope: str, program: str, week: str, m: Measures) -> dict[str, Any]:
    d = m.decisions
    share = "" if d.automated_share is None else round(d.automated_share, 4)
    return {
        "scope": scope,
        "program": program,
        "week": week,
        "tickets": m.tickets,
        "queue": m.queue.size,
        "at_risk": m.queue.at_risk,
        "breached": m.queue.breached,
        "oldest_days": "" if m.queue.oldest_days is None else m.queue.oldest_days,
        "backlog": m.queue.backlog,
        "decisions": d.total,
        **{actor: d.by_actor.get(actor, 0) for actor in ACTORS},
        "automated_share": share,
        **{outcome: d.outcomes.get(outcome, 0) for outcome in _OUTCOMES},
        "decided": d.decided,
        "decided_late": d.decided_late,
        "ttd_median": "" if d.time_to_decision.median is None else d.time_to_decision.median,
        "ttd_p90": "" if d.time_to_decision.p90 is None else d.time_to_decision.p90,
        "top_reject_reason": d.reject_reasons[0].rule if d.reject_reasons else "",
        "top_ask_reason": d.ask_reasons[0].rule if d.ask_reasons else "",
    }


def summary_rows(report: StatsReport) -> Iterator[dict[str, Any]]:
    """Everything, each program, each week, each program's week: one flat table for spreadsheets."""
    yield _summary("all", "", "", report.overall)
    for name, group in report.programs.items():
        yield _summary("program", name, "", group)
    for week in report.overall.weeks:
        yield _summary("week", "", week.week, week)
    for name, group in report.programs.items():
        for week in group.weeks:
            yield _summary("program_week", name, week.week, week)


def write_summary_csv(report: StatsReport, out: IO[str]) -> int:
    writer = csv.DictWriter(out, fieldnames=list(SUMMARY_COLUMNS), lineterminator="\n")
    writer.writeheader()
    rows = 0
    for row in summary_rows(report):
        writer.writerow(csv_row(row))
        rows += 1
    return rows
