"""The decided history's pure parts: events in either shape, and a ticket's state at its decision."""

from __future__ import annotations

from typing import Any

from commops.zendesk.history import parse_events, state_before


def _row(event_id: int, at: str, children: list[dict[str, Any]]) -> dict[str, Any]:
    return {"id": event_id, "ticket_id": 7, "created_at": at, "updater_id": 1, "child_events": children}


def test_changes_in_audit_shape_and_keyed_shape_are_both_read() -> None:
    rows = [
        _row(1, "2026-01-05T10:00:00Z", [
            {"event_type": "Change", "field_name": "3600290", "value": "commops_reject", "previous_value": None},
            {"event_type": "AgentMacroReference", "macro_id": 5, "macro_title": "EDU::Reject - students"},
            {"event_type": "Comment", "comment_present": True, "comment_public": True}]),
        _row(2, "2026-01-06T10:00:00Z", [
            {"event_type": "Change", "status": "solved", "previous_value": "open"},
            {"event_type": "Change", "custom_ticket_fields": {"3600205": 20}, "previous_value": 10}]),
        {"id": "broken"},
    ]
    events = list(parse_events(rows))
    assert [e.id for e in events] == [1, 2]
    assert events[0].macros == ["EDU::Reject - students"]
    assert [(c["field_name"], c["value"], c["previous_value"]) for c in events[1].changes] == [
        ("status", "solved", "open"), ("3600205", 20, 10)]


def test_state_before_undoes_every_later_change_newest_first() -> None:
    today = {"id": 7, "status": "solved", "tags": ["b"], "updated_at": "2026-01-09T00:00:00Z",
             "custom_fields": [{"id": 3600205, "value": 40}, {"id": 3600290, "value": "commops_qualify"}]}
    later = list(parse_events([
        _row(10, "2026-01-05T10:00:00Z", [
            {"event_type": "Change", "field_name": "3600290", "value": "commops_reject", "previous_value": None},
            {"event_type": "Change", "field_name": "status", "value": "solved", "previous_value": "new"},
            {"event_type": "Change", "field_name": "tags", "value": ["a"], "previous_value": []}]),
        _row(11, "2026-01-07T10:00:00Z", [
            {"event_type": "Change", "field_name": "3600205", "value": 20, "previous_value": 10},
            {"event_type": "Change", "field_name": "3600290", "value": "commops_qualify",
             "previous_value": "commops_reject"},
            {"event_type": "Change", "field_name": "tags", "value": ["b"], "previous_value": ["a"]}]),
        _row(12, "2026-01-08T10:00:00Z", [
            {"event_type": "Change", "field_name": "3600205", "value": 40, "previous_value": 20}]),
    ]))
    before = state_before(today, later)
    values = {e["id"]: e["value"] for e in before["custom_fields"]}
    assert values == {3600205: 10, 3600290: None}
    assert before["status"] == "new" and before["tags"] == []
    assert before["updated_at"] == "2026-01-05T10:00:00Z"
