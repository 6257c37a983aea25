"""Reference account JSON and recorded Zendesk answers for the unit tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DATA = Path(__file__).parent / "data"  # copies of /work/shared/zendesk-{instance,samples}


def shared_json(name: str) -> Any:
    data = json.loads((DATA / name).read_text(encoding="utf-8"))
    return data["body"] if isinstance(data, dict) and "body" in data and "status" in data else data


def make_ticket(ticket_id: int = 101, fields: dict[int, Any] | None = None, **overrides: Any) -> dict[str, Any]:
    """A ticket on the reference account's Education form; ``fields`` are {field id: value}."""
    ticket = {
        "id": ticket_id,
        "subject": "Application",
        "description": "Please",
        "status": "new",
        "tags": ["edu"],
        "requester_id": 900,
        "ticket_form_id": 3600301,
        "group_id": None,
        "created_at": "2026-01-05T09:00:00Z",
        "updated_at": "2026-01-06T10:11:12Z",
        "custom_fields": [{"id": fid, "value": value} for fid, value in (fields or {}).items()],
    }
    ticket.update(overrides)
    return ticket
