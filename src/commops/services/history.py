"""``commops history``: what commops proposed and applied, each with how many write attempts it took.

A machine whose journal holds nothing (a fresh CI runner) shows what the account records instead: the
decisions of the ticket markers and audits (one ticket: its audits; all: the event export of the last
``ACCOUNT_DAYS`` days, in bulk), marked ``"source": "account"``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from commops.domain.records import MarkedDecision
from commops.ports import AccountDecisions, DecisionHistory

__all__ = ["ACCOUNT_DAYS", "account_rows", "history_rows"]

ACCOUNT_DAYS = 30


def history_rows(journal: DecisionHistory, ticket_id: int | None = None, *, limit: int = 50,
                 account: Callable[[], AccountDecisions] | None = None, now: datetime | None = None
                 ) -> list[dict[str, Any]]:
    """The newest ``limit`` proposals (of one ticket, or all), as JSON-ready rows with an ``attempts`` count;
    with an empty journal and ``account`` (built only then), the account's own record of decisions."""
    rows = [
        {**json.loads(record.model_dump_json()), "attempts": len(journal.attempts(record.id))}
        for record in journal.history(ticket_id, limit=limit)
    ]
    if rows or account is None:
        return rows
    reader = account()
    if ticket_id is not None:
        marked = {ticket_id: reader.ticket_decisions(ticket_id)}
    else:
        since = (now or datetime.now(UTC)) - timedelta(days=ACCOUNT_DAYS)
        marked = reader.decisions_since(since)
    found = [row for decisions in marked.values() for row in account_rows(decisions)]
    return sorted(found, key=lambda r: (r["decided_at"], r["ticket_id"]), reverse=True)[:limit]


def account_rows(decisions: list[MarkedDecision]) -> list[dict[str, Any]]:
    """One ticket's decisions (oldest first) as history rows: commops' writes say the mode that wrote them;
    an update that kept the decision field carries the outcome before it."""
    rows: list[dict[str, Any]] = []
    last: str | None = None
    for decision in decisions:
        outcome = decision.outcome or last
        last = outcome
        ours = decision.write_id is not None
        at = decision.at.isoformat()
        rows.append({
            "source": "account", "id": None, "run_id": None, "ticket_id": decision.ticket_id, "program": None,
            "outcome": outcome or "unchanged", "rules": list(decision.rules), "macros": [],
            "mode": (decision.by or "commops") if ours else "zendesk",
            "state": "applied" if ours else "decided in Zendesk", "write_id": decision.write_id,
            "created_at": at, "decided_at": at, "attempts": 0,
        })
    return rows
