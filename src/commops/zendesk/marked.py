"""commops' decisions as the account shows them: audits (one ticket's, or the incremental event export's,
1,000 a request) read into :class:`MarkedDecision` records, for a machine whose journal does not have them.

An update that set the decision field is a decision; it is commops' own when the same update wrote the
ruleset marker with a write id (``ruleset=…;write=…;rules=…;by=…``), else a specialist's in Zendesk. An
update that re-wrote commops' marker but left the decision field unchanged (the same outcome decided
again) is a decision too, with the outcome left for the reader to carry over.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from commops.domain.records import MarkedDecision, outcome_of
from commops.zendesk._mapping import parse_marker
from commops.zendesk.history import parse_events

__all__ = ["marked_decisions"]

def marked_decisions(audits: Iterable[dict[str, Any]], decision_id: int, ruleset_id: int
                     ) -> dict[int, list[MarkedDecision]]:
    """Ticket id → its decisions in time order, from audits or export rows (any mix of tickets)."""
    found: dict[int, list[MarkedDecision]] = {}
    for event in parse_events(audits):
        outcome: str | None = None
        decided = False
        marker = None
        for change in event.changes:
            name = str(change.get("field_name"))
            if name == str(decision_id):
                outcome = outcome_of(change.get("value"))
                decided = decided or outcome is not None
            elif name == str(ruleset_id):
                marker = parse_marker(change.get("value"))
        ours = marker is not None and marker.write_id is not None
        if not decided and not ours:
            continue
        found.setdefault(event.ticket_id, []).append(MarkedDecision(
            ticket_id=event.ticket_id, at=event.at, outcome=outcome,
            rules=marker.rules if marker is not None and ours else (),
            write_id=marker.write_id if marker is not None else None,
            by=marker.by if marker is not None and ours else None,
        ))
    for decisions in found.values():
        decisions.sort(key=lambda d: d.at)
    return found
