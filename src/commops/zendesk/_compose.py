"""A decision as ONE ticket update: the macros' effects, the comment, and the idempotency markers.

Zendesk takes one comment per update. Public replies (qualify, reject, ask) are merged into one reply
and the explanation goes into the ruleset marker field's ``rules=`` part; internal notes (escalate)
get the explanation appended. See docs/zendesk.md.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from commops.config import Settings
from commops.domain import Decision, Outcome
from commops.domain.proposal import write_id
from commops.errors import NotFoundError, ValidationError
from commops.zendesk._mapping import ruleset_marker_text
from commops.zendesk._render import RenderContext, merge_public_bodies, raw_template_left, render

__all__ = [
    "SUPPORTED_ACTIONS",
    "ApplyFallback",
    "ComposedUpdate",
    "RawTemplateError",
    "compose_update",
    "explanation",
    "write_id",
]

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
        "custom_status_id",
        "ticket_form_id",
        "brand_id",
        "follower",
    }
)
_SINGLE_IDS = ("group_id", "custom_status_id", "ticket_form_id", "brand_id")


class RawTemplateError(ValidationError):
    """The last guard: a public comment that would still show template text to the applicant."""

# (ticket id, macro id) → the apply endpoint's rendered comment {"body"/"html_body", "public"}.
ApplyFallback = Callable[[int, int], dict[str, Any]]


@dataclass
class ComposedUpdate:
    ticket_id: int
    write_id: str
    body: dict[str, Any]  # the "ticket" object of the update, without id / safe-update keys
    used_apply_endpoint: list[int] = field(default_factory=list)


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
    context: RenderContext,
    macros: Mapping[str, dict[str, Any]],
    settings: Settings,
    apply_fallback: ApplyFallback,
    status_ids: Mapping[str, int] | None = None,
    benefit_code: str | None = None,
    by: str | None = None,
) -> ComposedUpdate:
    """One ticket update for ``decision``; comments rendered locally where commops renders exactly
    (``context``), else through ``apply_fallback`` (Zendesk's macro apply endpoint). ``by`` (the deciding
    run's mode) goes into the ruleset marker, so a machine without the journal can tell who decided."""
    ticket_id = decision.ticket_id
    program = settings.programs.get(decision.program or "")
    placeholder = program.benefit.placeholder if program else "benefit_code"
    if (decision.outcome is Outcome.QUALIFY and program is not None
            and program.benefit.provisioner == "coupon-pool" and not benefit_code):
        raise ValidationError(
            f"ticket {ticket_id}: the {decision.program} welcome needs a benefit code and none was reserved",
            hint="a welcome never goes out without its code; triage again (codes are reserved before writing)",
        )
    wid = write_id(ticket_id, updated_stamp, decision)
    body: dict[str, Any] = {}
    add_tags: list[str] = []
    remove_tags: list[str] = []
    set_tags: list[str] | None = None
    custom: dict[int, Any] = {}
    followers: list[Any] = []
    comments: list[tuple[str, bool, bool, str]] = []  # (text, public, is_html, macro title)
    agent = context.current_user
    if benefit_code:
        context = replace(context, commops={**context.commops, placeholder: benefit_code})
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
            elif name in _SINGLE_IDS:
                body.setdefault(str(name), _as_int(value))
            elif name == "assignee_id":
                body.setdefault("assignee_id", agent.get("id") if value == "current_user" else _as_int(value))
            elif name == "follower":
                followers.append(agent.get("id") if value == "current_user" else _as_int(value))
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
        try:
            outcome = render(source, context)
        except LookupError as exc:
            raise ValidationError(f"macro {macro.get('title')!r}: {exc}",
                                  hint="add the dynamic content item in Zendesk or fix the macro") from None
        rendered = outcome.text
        if rendered is None:
            effect = apply_fallback(ticket_id, int(macro["id"]))
            rendered = str((effect.get("html_body") if is_html else effect.get("body")) or "")
            used_apply.append(int(macro["id"]))
        if public and raw_template_left(rendered):
            raise RawTemplateError(
                f"macro {macro.get('title')!r} would post template text to the applicant of ticket {ticket_id} "
                f"({', '.join(raw_template_left(rendered))} left after rendering); nothing was sent",
                hint="fix the macro's Liquid in Zendesk (`commops doctor` lists the macros it cannot render)",
            )
        comments.append((rendered, public, is_html, str(macro.get("title"))))
    mapped = (status_ids or {}).get(decision.outcome.value)
    if mapped is not None:  # [statuses] in the config: the outcome's custom status wins over the macro's
        body["custom_status_id"] = mapped
    if "custom_status_id" in body and "status" in body:
        body.pop("status")  # the custom status carries its category; both could only disagree

    markers = settings.markers
    decision_field = settings.fields[markers.decision_field]
    ruleset_field = settings.fields[markers.ruleset_field]
    custom[decision_field] = f"commops_{decision.outcome.value}"
    custom[ruleset_field] = ruleset_marker_text(decision.ruleset_version, wid, [r.rule for r in decision.reasons], by)
    add_tags.append(markers.tag)

    note = explanation(decision, markers.author_note_prefix, wid)
    if comments and all(public for _, public, _, _ in comments):
        merged = merge_public_bodies([c for c, _, _, _ in comments])
        key = "html_body" if all(h for _, _, h, _ in comments) else "body"
        if raw_template_left(merged):
            titles = ", ".join(repr(t) for *_, t in comments)
            raise RawTemplateError(f"the reply to ticket {ticket_id} from {titles} still holds template text; "
                                   "nothing was sent", hint="fix the macros' Liquid in Zendesk")
        if benefit_code and benefit_code not in merged:  # a welcome whose macro has no placeholder
            line = f"Your benefit code: {benefit_code}"
            merged += f"<p>{line}</p>" if key == "html_body" else f"\n\n{line}"
        body["comment"] = {key: merged, "public": True}
    elif comments and not any(public for _, public, _, _ in comments):
        body["comment"] = {"body": "\n\n".join([*(c for c, _, _, _ in comments), note]), "public": False}
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
    if followers:
        body["followers"] = [{"user_id": uid, "action": "put"} for uid in dict.fromkeys(followers)]
    return ComposedUpdate(ticket_id=ticket_id, write_id=wid, body=body, used_apply_endpoint=used_apply)
