"""``commops history``: what commops proposed and applied, each with how many write attempts it took."""

from __future__ import annotations

import json
from typing import Any

from commops.ports import DecisionHistory

__all__ = ["history_rows"]


def history_rows(journal: DecisionHistory, ticket_id: int | None = None, *, limit: int = 50) -> list[dict[str, Any]]:
    """The newest ``limit`` proposals (of one ticket, or all), as JSON-ready rows with an ``attempts`` count."""
    return [
        {**json.loads(record.model_dump_json()), "attempts": len(journal.attempts(record.id))}
        for record in journal.history(ticket_id, limit=limit)
    ]
