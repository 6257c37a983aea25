"""A decided history for the sandbox: weeks of applications that specialists decided with macros in Zendesk.

What operating the rules needs to be demonstrable: each decision is an audit made in the agent interface
(``via.source.rel = "macro_reference"`` and an ``AgentMacroReference`` event per macro, the macros'
changes to status, tags and the decision field), at a time in the past. Specialists mostly follow the
policy — the caller passes ``policy``, the macros the rules give a ticket as it is at decision time —
but not always: some pick another macro, some decisions are corrected later by a colleague, some fields
are corrected by a specialist just before deciding (so the values seen at decision time differ from the
submitted ones) and some change after the decision (so today's values differ from those decided on).
Deterministic for a seed.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from typing import Any

from pydantic import BaseModel

from commops.sandbox.placeholders import render_placeholders
from commops.sandbox.store import SandboxStore, parse_iso
from commops.sandbox.tickets import macro_changes

__all__ = ["HistorySummary", "Policy", "apply_macros", "seed_history"]

# (ticket JSON as the API returns it, its requester) -> the macro titles the rules give, [] for a person
Policy = Callable[[dict[str, Any], dict[str, Any]], list[str]]

_HOUR = 3600.0
_DAY = 86400.0

def _history(store: SandboxStore) -> Mapping[str, Any]:
    """How the account's macros are titled (its ``account.json``, ``seeding.history``): the prefix of each
    program's macros, of the macros for every program, and the word of each kind of decision."""
    seeding = store.profile().get("seeding") or {}
    return dict(seeding.get("history") or {})


class HistorySummary(BaseModel):
    tickets: int = 0
    decided: int = 0
    as_policy: int = 0  # the specialist applied exactly the policy's macros
    differing: int = 0  # another macro than the policy's
    by_judgement: int = 0  # the policy left it to a person
    corrected: int = 0  # a colleague applied another macro later
    edited_before: int = 0  # a field corrected just before the decision
    edited_after: int = 0  # a field changed after the decision


def apply_macros(store: SandboxStore, ticket_id: int, titles: list[str], agent_id: int, *, at: float
                 ) -> dict[str, Any]:
    """A specialist applies macros in the agent interface at ``at``: one audit, as Zendesk records it.
    Single-valued changes keep the first macro's value; tags add up; comments are joined."""
    macros = {str(m["title"]): m for m in store.resource("macros")}
    ticket = store.ticket(ticket_id)
    requester = store.user(int(ticket["requester_id"])) or {}
    agent = store.user(agent_id) or {}
    merged: dict[str, Any] = {}
    bodies: list[str] = []
    public = True
    references: list[dict[str, Any]] = []
    for title in titles:
        macro = macros[title]
        changes, comment = macro_changes(macro)
        for key, value in changes.items():
            if key == "additional_tags":
                tags = merged.setdefault("additional_tags", [])
                tags += [t for t in (value.split() if isinstance(value, str) else value) if t not in tags]
            elif key == "custom_fields":
                have = {e["id"] for e in merged.setdefault("custom_fields", [])}
                merged["custom_fields"] += [e for e in value if e["id"] not in have]
            else:
                merged.setdefault(key, value)
        if comment is not None:
            context = {"ticket": ticket, "requester": requester, "current_user": agent,
                       "ticket_fields": store.account().fields}
            bodies.append(render_placeholders(str(comment.get("body", "")), context))
            public = public and bool(comment.get("public", True))
        references.append({"type": "AgentMacroReference", "macro_id": macro["id"], "macro_title": title,
                           "macro_deleted": False})
    if bodies:
        merged["comment"] = {"body": "\n\n".join(bodies), "public": public, "author_id": agent_id}
    first = macros[titles[0]]
    via = {"channel": "web", "source": {"from": {"id": first["id"], "title": first["title"]}, "to": {},
                                        "rel": "macro_reference"}}
    return store.record_update(ticket_id, merged, agent_id, at=at, via=via, extra_events=references,
                               client="Mozilla/5.0 (agent interface)")


def _program_macros(store: SandboxStore, ticket: Mapping[str, Any]) -> list[str]:
    forms = (store.profile().get("seeding") or {}).get("forms") or {}
    program = next((p for p, fid in forms.items() if fid == ticket.get("ticket_form_id")), None)
    prefix = (_history(store).get("macro_prefixes") or {}).get(program) if program else None
    if not prefix:
        return []
    return sorted(str(m["title"]) for m in store.resource("macros") if str(m["title"]).startswith(prefix))


def _judged(rng: random.Random, choices: list[str], kinds: Mapping[str, str]) -> str:
    """What a specialist picks where the rules leave it to people: mostly qualify or ask."""
    for kind, share in (("qualify", 0.5), ("ask", 0.35), ("reject", 1.0)):
        matching = [c for c in choices if kinds.get(kind, "\0") in c]
        if matching and rng.random() < share:
            return rng.choice(matching)
    return rng.choice(choices)


def _other(rng: random.Random, choices: list[str], not_these: list[str]) -> str | None:
    left = [c for c in choices if c not in not_these]
    return rng.choice(left) if left else None


def _edit(rng: random.Random, store: SandboxStore, ticket: Mapping[str, Any]) -> dict[str, Any] | None:
    """A plausible correction of one answer (seats, most often)."""
    keys = {str(f.get("key")): fid for fid, f in store.account().fields.items() if f.get("key")}
    values = {e["id"]: e.get("value") for e in ticket.get("custom_fields") or []}
    renamed = (store.profile().get("seeding") or {}).get("fields") or {}
    seats = keys.get(renamed.get("seats", "seats"))
    if seats is None:
        return None
    current = values.get(seats)
    new = rng.choice([5, 10, 25, 50]) if current in (None, 0) else (0 if rng.random() < 0.3 else int(current) * 2)
    return {"custom_fields": [{"id": seats, "value": new}]}


def seed_history(store: SandboxStore, *, weeks: int, per_week: int, seed: int, policy: Policy,
                 now: float | None = None) -> HistorySummary:
    """Add ``weeks`` weeks of ``per_week`` applications each, decided by specialists (see the module)."""
    rng = random.Random(seed * 7919 + 17)
    now = store.clock() if now is None else now
    agents = [u for u in store.users(store.agent_ids()) if "bot" not in str(u.get("email"))]
    if not agents:
        raise ValueError("the sandbox has no specialist agents: run `commops sandbox reset` first")
    summary = HistorySummary()
    titles = _history(store)
    common, kinds = str(titles.get("common_prefix") or "\0"), dict(titles.get("kinds") or {})
    for week in range(weeks):
        week_end = now - (weeks - 1 - week) * 7 * _DAY - 4 * _DAY
        for ticket_id in store.seed(per_week, seed * 1000 + week, now=week_end):
            summary.tickets += 1
            ticket = store.ticket(ticket_id)
            choices = _program_macros(store, ticket)
            if not choices:
                continue
            created = parse_iso(ticket["created_at"])
            specialist = rng.choice(agents)
            decided_at = min(created + rng.uniform(2 * _HOUR, 3 * _DAY), now - 2 * _HOUR)
            if rng.random() < 0.10:
                edit = _edit(rng, store, ticket)
                if edit is not None:
                    store.record_update(ticket_id, edit, int(specialist["id"]), at=decided_at - _HOUR)
                    summary.edited_before += 1
                    ticket = store.ticket(ticket_id)
            requester = store.user(int(ticket["requester_id"])) or {}
            wanted = [t for t in policy(ticket, requester) if t in choices or t.startswith(common)]
            if not wanted:
                chosen = [_judged(rng, choices, kinds)]
                summary.by_judgement += 1
            elif rng.random() < 0.08:
                other = _other(rng, choices, wanted)
                chosen = [other] if other else wanted
                summary.differing += other is not None
                summary.as_policy += other is None
            else:
                chosen = wanted
                summary.as_policy += 1
            apply_macros(store, ticket_id, chosen, int(specialist["id"]), at=decided_at)
            summary.decided += 1
            later = decided_at + rng.uniform(2 * _HOUR, 2 * _DAY)
            if rng.random() < 0.05 and later < now - _HOUR:
                fix = wanted if chosen != wanted and wanted else [x for x in [_other(rng, choices, chosen)] if x]
                if fix:
                    colleague = next((a for a in agents if a["id"] != specialist["id"]), specialist)
                    apply_macros(store, ticket_id, fix, int(colleague["id"]), at=later)
                    summary.corrected += 1
            elif rng.random() < 0.08 and later < now - _HOUR:
                edit = _edit(rng, store, store.ticket(ticket_id))
                if edit is not None and store.ticket(ticket_id)["status"] != "closed":
                    store.record_update(ticket_id, edit, int(specialist["id"]), at=later)
                    summary.edited_after += 1
    return summary
