"""Audits and event-export rows read into the account's record of decisions (commops' and specialists')."""

from __future__ import annotations

from datetime import UTC, datetime

from commops.zendesk.marked import marked_decisions

DECISION, RULESET = 3600290, 3600291


def change(field: int, value: str, kind: str = "Change") -> dict[str, object]:
    return {"type": kind, "field_name": str(field), "value": value, "previous_value": None}


def test_decisions_come_from_updates_of_the_decision_field_and_commops_marker() -> None:
    audits = [
        {"id": 1, "ticket_id": 7, "created_at": "2026-01-02T09:00:00Z",
         "events": [change(DECISION, "not-an-outcome", "Create")]},
        {"id": 2, "ticket_id": 7, "created_at": "2026-01-03T09:00:00Z", "events": [change(123, "reject")]},
        {"id": 3, "ticket_id": 7, "created_at": "2026-01-04T09:00:00Z",
         "events": [change(DECISION, "commops_ask"),
                    change(RULESET, "ruleset=v1;write=abc;rules=edu_ask,common;by=unattended")]},
        {"id": 4, "ticket_id": 7, "created_at": "2026-01-05T09:00:00Z",  # asked again: only the marker changed
         "events": [change(RULESET, "ruleset=v1;write=def;rules=edu_ask")]},
        {"id": 5, "ticket_id": 7, "created_at": "2026-01-06T09:00:00Z", "events": [change(DECISION, "reject")]},
        {"id": 6, "ticket_id": 8, "created_at": "2026-01-06T09:00:00Z",  # an export row: child_events
         "child_events": [{"event_type": "Change", "field_name": str(DECISION), "value": "commops_qualify"},
                          {"event_type": "Change", "field_name": str(RULESET), "value": "v7"}]},
    ]
    found = marked_decisions(audits, DECISION, RULESET)
    assert [(d.at.day, d.outcome, d.write_id, d.by, d.rules) for d in found[7]] == [
        (4, "ask", "abc", "unattended", ("edu_ask", "common")),
        (5, None, "def", None, ("edu_ask",)),
        (6, "reject", None, None, ()),
    ]
    [qualify] = found[8]  # a hand-typed ruleset value has no write id: a specialist's decision
    assert (qualify.outcome, qualify.write_id, qualify.at) == ("qualify", None, datetime(2026, 1, 6, 9, tzinfo=UTC))
