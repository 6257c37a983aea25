"""Macro placeholders rendered locally, so a batch needs no per-ticket macro preview.

As Zendesk does: ``{{ticket.ticket_field_<id>}}`` is the stored value (a drop-down's tag),
``{{ticket.ticket_field_option_title_<id>}}`` the option's name, a checkbox ``true``/``false``,
``first_name`` the first word of the name. Only the placeholders our macros use are rendered;
:func:`render` reports any other one, and the caller falls back to Zendesk's macro apply endpoint.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["RenderContext", "merge_public_bodies", "placeholders", "render"]

_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z0-9_.]+)\s*\}\}")
_TICKET_FIELD = re.compile(r"^ticket\.ticket_field_(option_title_)?(\d+)$")


@dataclass(frozen=True)
class RenderContext:
    ticket_id: int
    requester_name: str | None
    agent_name: str | None
    field_values: Mapping[int, Any]
    option_names: Mapping[int, Mapping[str, str]]  # tagger field id → {option value: option name}


def _first(name: str | None) -> str:
    return name.split()[0] if name and name.split() else ""


def placeholders(text: str) -> list[str]:
    return [m.group(1) for m in _PLACEHOLDER.finditer(text)]


def _value(name: str, ctx: RenderContext) -> str | None:
    simple = {
        "ticket.id": str(ctx.ticket_id),
        "ticket.requester.name": ctx.requester_name or "",
        "ticket.requester.first_name": _first(ctx.requester_name),
        "current_user.name": ctx.agent_name or "",
        "current_user.first_name": _first(ctx.agent_name),
    }
    if name in simple:
        return simple[name]
    match = _TICKET_FIELD.match(name)
    if not match:
        return None
    field_id = int(match.group(2))
    raw = ctx.field_values.get(field_id)
    if raw is None:
        return ""
    options = ctx.option_names.get(field_id)
    if match.group(1):  # option_title_: a drop-down's option name
        return options.get(str(raw), "") if options else ""
    if isinstance(raw, bool):
        return "true" if raw else "false"
    return str(raw)


def render(text: str, ctx: RenderContext) -> tuple[str, list[str]]:
    """The text with known placeholders filled, and the placeholders left unrendered (empty if none)."""
    unknown: list[str] = []

    def fill(match: re.Match[str]) -> str:
        value = _value(match.group(1), ctx)
        if value is None:
            unknown.append(match.group(1))
            return match.group(0)
        return value

    return _PLACEHOLDER.sub(fill, text), unknown


def merge_public_bodies(bodies: list[str]) -> str:
    """Several replies as one: the paragraphs they all open with (greeting) and close with (signature)
    once, and each body's own paragraphs between, in order."""
    if len(bodies) <= 1:
        return bodies[0] if bodies else ""
    split = [[p for p in b.strip().split("\n\n")] for b in bodies]
    head = 0
    while all(len(s) > head + 1 for s in split) and len({s[head] for s in split}) == 1:
        head += 1
    tail = 0
    while all(len(s) > head + tail + 1 for s in split) and len({s[-1 - tail] for s in split}) == 1:
        tail += 1
    middle: list[str] = []
    for s in split:
        for paragraph in s[head : len(s) - tail]:
            if paragraph not in middle:
                middle.append(paragraph)
    first = split[0]
    return "\n\n".join([*first[:head], *middle, *first[len(first) - tail :]])
