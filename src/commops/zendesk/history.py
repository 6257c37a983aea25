"""The decided history, read in bulk: every decision since a date, with the field values it was made on.

Two kinds of request, never one per ticket: the time-based incremental ticket event export (1,000 audits
a page, each with its changes and ``previous_value``), and ``tickets/show_many`` (100 tickets a request,
requesters side-loaded) for today's tickets. A ticket's state at its decision is today's state with
every later change undone (the export carries the value each change replaced), so a decision made before
the window's first event needs no older history.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from commops.domain import Application, Outcome
from commops.domain.operating import PastDecision
from commops.zendesk._mapping import custom_values, map_ticket, parse_marker, parse_time

if TYPE_CHECKING:
    from commops.zendesk.gateway import ZendeskGateway

__all__ = ["TicketEvent", "decided_history", "parse_events", "state_before"]


@dataclass
class TicketEvent:
    """One audit as the event export gives it."""

    id: int
    ticket_id: int
    at: datetime
    author_id: int | None
    changes: list[dict[str, Any]] = field(default_factory=list)  # Change/Create: field_name, value, previous
    macros: list[str] = field(default_factory=list)  # AgentMacroReference titles


def parse_events(raw: Iterable[dict[str, Any]]) -> Iterator[TicketEvent]:
    """Export rows (or audits: ``events``/``type`` are read as well as ``child_events``/``event_type``)."""
    for row in raw:
        try:
            at = parse_time(str(row["created_at"]))
            event = TicketEvent(int(row["id"]), int(row["ticket_id"]), at, row.get("updater_id", row.get("author_id")))
        except (KeyError, TypeError, ValueError):
            continue
        for child in row.get("child_events") or row.get("events") or []:
            kind = child.get("event_type") or child.get("type")
            if kind in ("Change", "Create"):
                event.changes += _changes(child)
            elif kind == "AgentMacroReference" and child.get("macro_title"):
                event.macros.append(str(child["macro_title"]))
        yield event


_KEYED = ("status", "priority", "type", "group_id", "assignee_id", "subject", "tags")


def _changes(child: dict[str, Any]) -> list[dict[str, Any]]:
    """A change as audits write it (``field_name``/``value``/``previous_value``), or keyed by what changed
    (``{"status": "solved", "previous_value": "open"}``, ``{"custom_ticket_fields": {"<id>": value}}``),
    as event exports may: both are read (the previous value only where the event names one field)."""
    if child.get("field_name") is not None:
        return [child]
    kind = child.get("event_type") or child.get("type")
    found = [(key, child[key]) for key in _KEYED if key in child]
    custom = child.get("custom_ticket_fields")
    if isinstance(custom, dict):
        found += [(str(fid), value) for fid, value in custom.items()]
    single = len(found) == 1
    return [{"event_type": kind, "field_name": name, "value": value,
             "previous_value": child.get("previous_value") if single else None} for name, value in found]


def _outcome(value: object) -> Outcome | None:
    if not isinstance(value, str):
        return None
    text = value.strip().lower().removeprefix("commops_")
    try:
        outcome = Outcome(text)
    except ValueError:
        return None
    return outcome if outcome.writes else None


def state_before(ticket: dict[str, Any], later: list[TicketEvent]) -> dict[str, Any]:
    """``ticket`` (today's JSON) with every change of ``later`` undone, newest first."""
    values = custom_values(ticket)
    state = dict(ticket)
    for event in sorted(later, key=lambda e: (e.at, e.id), reverse=True):
        for change in reversed(event.changes):
            name = str(change.get("field_name"))
            previous = change.get("previous_value")
            if change.get("event_type", change.get("type")) == "Create":
                previous = None
            if name.isdigit():
                values[int(name)] = previous
            elif name in ("status", "tags", "group_id", "assignee_id", "subject", "priority", "type"):
                state[name] = previous if previous is not None or name != "tags" else []
        state["updated_at"] = event.at.strftime("%Y-%m-%dT%H:%M:%SZ")
    state["custom_fields"] = [{"id": fid, "value": v} for fid, v in values.items()]
    state.pop("fields", None)
    return state


def _decision_events(events: list[TicketEvent], decision_id: int, ruleset_id: int
                     ) -> list[tuple[TicketEvent, Outcome, bool, tuple[str, ...]]]:
    """(event, outcome, by commops, commops' rules) for each event that set the decision field."""
    out = []
    for event in events:
        outcome = None
        marker = None
        for change in event.changes:
            name = str(change.get("field_name"))
            if name == str(decision_id):
                outcome = _outcome(change.get("value"))
            elif name == str(ruleset_id):
                marker = parse_marker(change.get("value"))
        if outcome is not None:
            by_commops = marker is not None and marker.write_id is not None
            out.append((event, outcome, by_commops, marker.rules if marker and by_commops else ()))
    return out


def decided_history(gateway: ZendeskGateway, since: datetime, *, tally: dict[str, int] | None = None
                    ) -> list[PastDecision]:
    """Every application decided since ``since`` (by a specialist in Zendesk or by commops), oldest first."""
    settings = gateway.settings
    decision_id = settings.fields[settings.markers.decision_field]
    ruleset_id = settings.fields[settings.markers.ruleset_field]
    by_ticket: dict[int, list[TicketEvent]] = {}
    for event in parse_events(gateway.ticket_events(int(since.timestamp()))):
        by_ticket.setdefault(event.ticket_id, []).append(event)
    decided = {tid: evs for tid, evs in by_ticket.items()
               if _decision_events(evs, decision_id, ruleset_id)}
    tickets, users = gateway.tickets_with_users(sorted(decided))
    numeric = gateway.numeric_keys_for(list(tickets.values()))
    out: list[PastDecision] = []
    for tid in sorted(decided):
        ticket = tickets.get(tid)
        if ticket is None:  # deleted since: nothing to replay
            continue
        events = sorted(decided[tid], key=lambda e: (e.at, e.id))
        decisions = _decision_events(events, decision_id, ruleset_id)
        first, _, _, _ = decisions[0]
        last, outcome, by_commops, rules = decisions[-1]
        later = [e for e in events if (e.at, e.id) >= (first.at, first.id)]
        before = state_before(ticket, later)
        mapped = map_ticket(before, users, settings, gateway.base_url, numeric_keys=numeric)
        if not isinstance(mapped, Application) or not mapped.is_application:
            continue
        mapped = mapped.model_copy(update={"marker": None})
        out.append(PastDecision(application=mapped, actor="commops" if by_commops else "specialist",
                                decided_at=first.at, outcome=outcome, macros=tuple(last.macros), rules=rules,
                                corrected=len(decisions) > 1, first_macros=tuple(first.macros)))
    if tally is not None:
        tally["events"] = sum(len(v) for v in by_ticket.values())
        tally["tickets"] = len(out)
    return sorted(out, key=lambda d: (d.decided_at, d.application.ticket_id))
