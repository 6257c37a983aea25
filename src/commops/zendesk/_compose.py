"""A decision as ONE ticket update: the macros' effects, the comment, and the idempotency markers.

Zendesk takes one comment per update. Public replies (qualify, reject, ask) are merged into one reply
and the explanation goes into the ruleset marker field's ``rules=`` part; internal notes (escalate)
get the explanation appended. See docs/zendesk.md.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from commops.config import Settings
from commops.domain import Decision
from commops.errors import NotFoundError, ValidationError
from commops.zendesk._mapping import custom_values, ruleset_marker_text
from commops.zendesk._render import RenderContext, merge_public_bodies, render

__all__ = ["SUPPORTED_ACTIONS", "ComposedUpdate", "compose_update", "explanation", "write_id"]

SUPPORTED_ACTIONS = frozenset(
    {
        "status",
        "priority",
        "type",
        "subject",
        "group_id",
        "assignee_id",
        "current_tags",
        "set_tags",
        "remove_tags",
        "comment_value",
        "comment_value_html",
        "comment_mode_is_public",
    }
)

# (ticket id, macro id) → the apply endpoint's rendered comment {"body"/"html_body", "public"}.
ApplyFallback = Callable[[int, int], dict[str, Any]]


@dataclass
class ComposedUpdate:
    ticket_id: int
    write_id: str
    body: dict[str, Any]  # the "ticket" object of the update, without id / safe-update keys
    used_apply_endpoint: list[int] = field(default_factory=list)


def write_id(ticket_id: int, updated_stamp: str, decision: Decision) -> str:
    """Deterministic across processes: a retry after a crash computes the same id and finds it."""
    key = json.dumps(
        [ticket_id, updated_stamp, decision.outcome.value, decision.ruleset_version, [m.title for m in decision.macros]]
    )
    return hashlib.sha256(key.encode()).hexdigest()[:12]


def explanation(decision: Decision, prefix: str, wid: str) -> str:
    lines = [f"{prefix}: {decision.outcome.value} (ruleset {decision.ruleset_version}, write {wid})"]
    lines += [f"- {r.rule}: {r.message}" for r in decision.reasons]
    return "\n".join(lines)


def _find_macro(ref_title: str, ref_id: int | None, macros: Mapping[str, dict[str, Any]]) -> dict[str, Any]:
    if ref_id is not None:
        for macro in macros.values():
            if macro.get("id") == ref_id:
                return macro
    found = macros.get(ref_title)
    if found is None:
        raise NotFoundError(f"macro {ref_title!r} does not exist in the Zendesk account", hint="run `commops doctor`")
    return found


def _as_int(value: Any) -> Any:
    return int(value) if isinstance(value, str) and value.isdigit() else value


def _comment_text(value: Any) -> str:
    # Zendesk sometimes stores comment_value as ["channel:all", "text"].
    if isinstance(value, list):
        return str(value[-1]) if value else ""
    return str(value)


def compose_update(
    decision: Decision,
    updated_stamp: str,
    *,
    ticket: dict[str, Any],
    requester_name: str | None,
    agent: dict[str, Any],
    macros: Mapping[str, dict[str, Any]],
    option_names: Mapping[int, Mapping[str, str]],
    settings: Settings,
    apply_fallback: ApplyFallback,
) -> ComposedUpdate:
    ticket_id = decision.ticket_id
    wid = write_id(ticket_id, updated_stamp, decision)
    body: dict[str, Any] = {}
    add_tags: list[str] = []
    remove_tags: list[str] = []
    set_tags: list[str] | None = None
    custom: dict[int, Any] = {}
    comments: list[tuple[str, bool, bool]] = []  # (text, public, is_html)
    ctx = RenderContext(
        ticket_id=ticket_id,
        requester_name=requester_name,
        agent_name=agent.get("name"),
        field_values=custom_values(ticket),
        option_names=option_names,
    )
    used_apply: list[int] = []

    for ref in decision.macros:
        macro = _find_macro(ref.title, ref.id, macros)
        text: str | None = None
        html: str | None = None
        public = True
        for action in macro.get("actions") or []:
            name, value = action.get("field"), action.get("value")
            # Single-valued effects: the first macro wins. Macros come in rule order, and the rules list
            # the graver checks first (a trade-compliance escalation must not be re-routed to Sales).
            if name in ("status", "priority", "type", "subject"):
                body.setdefault(name, value)
            elif name == "group_id":
                body.setdefault("group_id", _as_int(value))
            elif name == "assignee_id":
                body.setdefault("assignee_id", agent.get("id") if value == "current_user" else _as_int(value))
            elif name == "current_tags":
                add_tags += str(value).split()
            elif name == "set_tags":
                set_tags = str(value).split()
            elif name == "remove_tags":
                remove_tags += str(value).split()
            elif name == "comment_value":
                text = _comment_text(value)
            elif name == "comment_value_html":
                html = _comment_text(value)
            elif name == "comment_mode_is_public":
                public = str(value).lower() == "true"
            elif isinstance(name, str) and name.startswith("custom_fields_"):
                custom[int(name.removeprefix("custom_fields_"))] = value
            else:
                raise ValidationError(
                    f"macro {macro.get('title')!r} uses the action {name!r}, which commops cannot apply",
                    hint="remove the action from the macro, or apply this decision by hand",
                )
        source, is_html = (text, False) if text is not None else (html, True)
        if source is None:
            continue
        rendered, unknown = render(source, ctx)
        if unknown:
            effect = apply_fallback(ticket_id, int(macro["id"]))
            fallback = effect.get("html_body") if is_html else effect.get("body")
            rendered = str(fallback if fallback is not None else rendered)
            used_apply.append(int(macro["id"]))
        comments.append((rendered, public, is_html))

    markers = settings.markers
    decision_field = settings.fields[markers.decision_field]
    ruleset_field = settings.fields[markers.ruleset_field]
    custom[decision_field] = f"commops_{decision.outcome.value}"
    custom[ruleset_field] = ruleset_marker_text(decision.ruleset_version, wid, [r.rule for r in decision.reasons])
    add_tags.append(markers.tag)

    note = explanation(decision, markers.author_note_prefix, wid)
    if comments and all(public for _, public, _ in comments):
        merged = merge_public_bodies([c for c, _, _ in comments])
        key = "html_body" if all(h for _, _, h in comments) else "body"
        body["comment"] = {key: merged, "public": True}
    elif comments and not any(public for _, public, _ in comments):
        body["comment"] = {"body": "\n\n".join([*(c for c, _, _ in comments), note]), "public": False}
    elif comments:
        raise ValidationError(
            f"the macros for ticket {ticket_id} mix a public reply and an internal note; Zendesk takes one comment",
            hint="give the rules of one outcome macros of one kind",
        )
    else:
        body["comment"] = {"body": note, "public": False}

    if set_tags is not None:
        body["tags"] = sorted({*set_tags, *add_tags} - set(remove_tags))
    else:
        body["additional_tags"] = list(dict.fromkeys(add_tags))
        if remove_tags:
            body["remove_tags"] = list(dict.fromkeys(remove_tags))
    body["custom_fields"] = [{"id": fid, "value": value} for fid, value in custom.items()]
    return ComposedUpdate(ticket_id=ticket_id, write_id=wid, body=body, used_apply_endpoint=used_apply)
