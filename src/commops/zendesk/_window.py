"""The update_many window: an edit landing between the re-check and the job, found after the job.

Zendesk does not promise ``safe_update`` inside ``update_many``, so the re-check before a job leaves a
window as long as the account's job queue. After the jobs the account's newest audits (``GET
/ticket_audits``) say, for each ticket written, whether anyone else updated it after the stamp that was
evaluated and before our job's audit. Such a ticket is a conflict, never "applied": the values the
other update set are put back where our job wrote over them (only fields still holding what our job
set), the decision's markers stay (its reply was sent), and an internal note says what happened.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from commops.zendesk._mapping import custom_values, parse_time

__all__ = ["Intrusion", "audit_time", "find_intrusions", "restore_update"]

# Ticket properties a job may write and that can be put back as they were (besides custom fields, tags).
_PLAIN = ("status", "custom_status_id", "group_id", "assignee_id", "priority", "type", "subject")


@dataclass(frozen=True)
class Intrusion:
    """Updates by someone else between the evaluated stamp and our job's audit on one ticket."""

    ticket_id: int
    ours: dict[str, Any]  # our job's audit
    others: list[dict[str, Any]]  # the other audits in the window, newest first
    doubled: bool  # one of them carried this very write (a late job of the same decision)


def audit_time(audit: Mapping[str, Any]) -> float:
    try:
        return parse_time(str(audit.get("created_at"))).timestamp()
    except ValueError:
        return float("inf")  # unreadable: treated as inside every window


def find_intrusions(
    written: Mapping[int, tuple[str, str]],
    audits: Iterable[Mapping[str, Any]],
    write_id_of: Callable[[Mapping[str, Any]], str | None],
) -> tuple[dict[int, Intrusion], list[int]]:
    """``written``: ticket id → (our write_id, the evaluated ``updated_at``); ``audits``: newest first,
    reaching back past the earliest re-check. Returns the intruded tickets and those whose own audit is
    not among ``audits`` (to be looked at one by one).

    In the window are the audits older than ours and not older than the evaluated stamp, less the one
    that made that stamp. Zendesk's stamps have second resolution: when two audits share the evaluated
    second, the second counts as an intrusion (a conflict too many, never an overwrite missed).
    """
    by_ticket: dict[int, list[Mapping[str, Any]]] = {tid: [] for tid in written}
    for audit in audits:
        try:
            tid = int(audit.get("ticket_id") or 0)
        except (TypeError, ValueError):
            continue
        if tid in by_ticket:
            by_ticket[tid].append(audit)
    found: dict[int, Intrusion] = {}
    unseen: list[int] = []
    for tid, (wid, stamp) in written.items():
        seq = by_ticket[tid]
        mine = [i for i, a in enumerate(seq) if write_id_of(a) == wid]
        if not mine:
            unseen.append(tid)
            continue
        try:
            since = parse_time(stamp).timestamp()
        except ValueError:
            since = float("-inf")
        before = [a for a in seq[mine[0] + 1 :] if audit_time(a) >= since]
        made_stamp = next((i for i in range(len(before) - 1, -1, -1) if audit_time(before[i]) == since), None)
        if made_stamp is not None:
            before.pop(made_stamp)
        if before:
            found[tid] = Intrusion(tid, dict(seq[mine[0]]), [dict(a) for a in before],
                                   doubled=any(write_id_of(a) == wid for a in before))
    return found, unseen


def restore_update(
    intrusion: Intrusion,
    current: Mapping[str, Any],
    *,
    marker_fields: Collection[str],
    marker_tags: Collection[str],
    note: str,
) -> tuple[dict[str, Any], list[str]]:
    """The ticket update that puts back what our job wrote over, and the names of what it puts back.

    Only a field still holding the value our job set is put back (someone may have changed it since);
    the decision's markers stay. Status ``new`` cannot be set again once a ticket is open: ``open``.
    """
    changes: dict[str, Any] = {}
    custom: list[dict[str, Any]] = []
    restored: list[str] = []
    values = custom_values(dict(current))
    for event in intrusion.ours.get("events") or []:
        if not isinstance(event, dict) or event.get("type") != "Change":
            continue
        name, ours, previous = str(event.get("field_name")), event.get("value"), event.get("previous_value")
        if name in marker_fields:
            continue
        if name == "tags":
            tags = _tags_back(list(current.get("tags") or []), ours, previous, marker_tags)
            if tags is not None:
                changes["tags"] = tags
                restored.append("tags")
        elif name.isdigit():
            if values.get(int(name)) == ours:
                custom.append({"id": int(name), "value": previous})
                restored.append(f"field {name}")
        elif name in _PLAIN and current.get(name) == ours:
            changes[name] = previous
            restored.append(name)
    if changes.get("status") == "new":
        changes["status"] = "open"
        changes.pop("custom_status_id", None)  # the open category's default status
    if custom:
        changes["custom_fields"] = custom
    changes["comment"] = {"body": note, "public": False}
    return changes, restored


def _tags_back(current: list[str], ours: Any, previous: Any, keep: Collection[str]) -> list[str] | None:
    ours_set = set(ours) if isinstance(ours, list) else set()
    before = set(previous) if isinstance(previous, list) else set()
    added, removed = ours_set - before - set(keep), before - ours_set
    tags = [t for t in current if t not in added] + sorted(t for t in removed if t not in current)
    return tags if tags != current else None
