"""Macro comments rendered locally as Zendesk renders them: Liquid over Zendesk's placeholders.

Zendesk treats a macro comment as a Liquid template: ``{{ ... }}`` outputs with filters and the tags
``if``/``unless``/``case``/``for``/``assign``/``capture``. Dynamic content ``{{dc.<name>}}`` is replaced
first by the item's variant in the requester's locale (else the item's default variant); an unknown
placeholder renders as empty text. ``{{commops.<name>}}`` is commops' own (the benefit code a coupon-pool
program hands out), rendered only for a write that carries it.

Only what commops can render *exactly* is rendered here (:data:`LOCAL_PLACEHOLDERS`,
:data:`LOCAL_FILTERS`, :data:`LOCAL_TAGS`, docs/zendesk.md lists them). A template using anything else
(``{{satisfaction.rating_url}}``, ``{{ticket.organization.name}}``, an ``include``) is reported by
:func:`render` and the caller asks Zendesk's macro apply endpoint instead. A dynamic-content
placeholder naming no item is refused outright: it would post a hole to the applicant.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from liquid import Environment
from liquid.exceptions import LiquidError

__all__ = [
    "LOCAL_FILTERS",
    "LOCAL_PLACEHOLDERS",
    "LOCAL_TAGS",
    "RenderContext",
    "Rendered",
    "dynamic_content_names",
    "merge_public_bodies",
    "raw_template_left",
    "render",
]

USER_ATTRIBUTES = ("id", "name", "first_name", "last_name", "email", "phone", "language")
LOCAL_PLACEHOLDERS = (
    "ticket.id",
    "ticket.title",
    "ticket.description",
    "ticket.external_id",
    "ticket.ticket_field_<id>",
    "ticket.ticket_field_option_title_<id>",
    "ticket.brand.name",
    "ticket.group.name",
    *(f"ticket.requester.{a}" for a in USER_ATTRIBUTES),
    *(f"ticket.assignee.{a}" for a in USER_ATTRIBUTES),
    *(f"current_user.{a}" for a in USER_ATTRIBUTES),
    "dc.<name>",
)
# Shopify Liquid's standard filters (Zendesk's Liquid); python-liquid's own extras are not Zendesk's.
LOCAL_FILTERS = frozenset({
    "abs", "append", "at_least", "at_most", "capitalize", "ceil", "compact", "concat", "date", "default",
    "divided_by", "downcase", "escape", "escape_once", "first", "floor", "join", "last", "lstrip", "map",
    "minus", "modulo", "newline_to_br", "plus", "prepend", "remove", "remove_first", "replace",
    "replace_first", "reverse", "round", "rstrip", "size", "slice", "sort", "sort_natural", "split", "strip",
    "strip_html", "strip_newlines", "times", "truncate", "truncatewords", "uniq", "upcase", "url_decode",
    "url_encode", "where",
})
LOCAL_TAGS = frozenset({
    "if", "unless", "case", "for", "assign", "capture", "comment", "raw", "break", "continue", "cycle",
    "increment", "decrement", "echo", "liquid",
})

_DC = re.compile(r"\{\{\s*dc\.([A-Za-z0-9_]+)\s*\}\}")
_FIELD = re.compile(r"^ticket_field_(?:option_title_)?\d+$")
_LEFTOVER = ("{{", "}}", "{%", "%}")
_ENV = Environment()


@dataclass(frozen=True)
class RenderContext:
    """What a comment can refer to, as the API answers it (JSON objects)."""

    ticket: Mapping[str, Any]
    requester: Mapping[str, Any] = field(default_factory=dict)
    current_user: Mapping[str, Any] = field(default_factory=dict)
    assignee: Mapping[str, Any] | None = None
    ticket_fields: Mapping[int, Mapping[str, Any]] = field(default_factory=dict)  # by id
    dynamic_content: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # items by name
    locales: Mapping[int, Mapping[str, Any]] = field(default_factory=dict)  # by locale id
    brands: Mapping[int, Mapping[str, Any]] = field(default_factory=dict)  # by id
    groups: Mapping[int, Mapping[str, Any]] = field(default_factory=dict)  # by id
    default_locale_id: int | None = None
    commops: Mapping[str, str] = field(default_factory=dict)  # {{commops.<name>}}: e.g. the benefit code


@dataclass(frozen=True)
class Rendered:
    """The rendered text, or why it cannot be rendered here (``text`` is then None)."""

    text: str | None
    unsupported: tuple[str, ...] = ()


def dynamic_content_names(text: str) -> list[str]:
    return [m.group(1) for m in _DC.finditer(text)]


def raw_template_left(text: str) -> list[str]:
    """The template delimiters still in ``text`` (the last guard before a public comment)."""
    return [mark for mark in _LEFTOVER if mark in text]


def _variant(item: Mapping[str, Any], locale_id: int | None) -> str:
    variants = [v for v in item.get("variants") or [] if v.get("active", True)]
    for variant in variants:
        if locale_id is not None and variant.get("locale_id") == locale_id:
            return str(variant.get("content") or "")
    for variant in variants:
        if variant.get("default"):
            return str(variant.get("content") or "")
    for variant in variants:
        if variant.get("locale_id") == item.get("default_locale_id"):
            return str(variant.get("content") or "")
    return ""


def _expand_dynamic_content(text: str, ctx: RenderContext) -> str:
    locale_id = ctx.requester.get("locale_id")
    for _ in range(5):  # an item's content may hold another item's placeholder
        names = dynamic_content_names(text)
        if not names:
            return text
        missing = [n for n in names if n not in ctx.dynamic_content]
        if missing:
            raise LookupError(f"dynamic content {{{{dc.{missing[0]}}}}} does not exist in the account")
        text = _DC.sub(lambda m: _variant(ctx.dynamic_content[m.group(1)], locale_id), text)
    raise LookupError("dynamic content refers to itself")


def _user(user: Mapping[str, Any] | None, locales: Mapping[int, Mapping[str, Any]]) -> dict[str, Any]:
    if not user:
        return {}
    name = str(user.get("name") or "").strip()
    words = name.split()
    locale = locales.get(int(user.get("locale_id") or 0)) or {}
    return {
        "id": user.get("id"),
        "name": name,
        "first_name": words[0] if words else "",
        "last_name": words[-1] if words else "",
        "email": user.get("email"),
        "phone": user.get("phone"),
        "language": locale.get("name") or "",
    }


def _text(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def _ticket(ctx: RenderContext) -> dict[str, Any]:
    ticket = ctx.ticket
    out: dict[str, Any] = {
        "id": ticket.get("id"),
        "title": ticket.get("subject"),
        "description": ticket.get("description"),
        "external_id": ticket.get("external_id"),
        "requester": _user(ctx.requester, ctx.locales),
        "assignee": _user(ctx.assignee, ctx.locales),
        "brand": {"name": (ctx.brands.get(int(ticket.get("brand_id") or 0)) or {}).get("name")},
        "group": {"name": (ctx.groups.get(int(ticket.get("group_id") or 0)) or {}).get("name")},
    }
    for entry in ticket.get("custom_fields") or []:
        fid, value = entry.get("id"), entry.get("value")
        definition = ctx.ticket_fields.get(int(fid)) or {}
        options = {str(o.get("value")): str(o.get("name")) for o in definition.get("custom_field_options") or []}
        out[f"ticket_field_{fid}"] = _text(value)
        out[f"ticket_field_option_title_{fid}"] = options.get(str(value), "") if value is not None else ""
    return out


def _unsupported(template: Any, ctx: RenderContext) -> list[str]:
    analysis = template.analyze(include_partials=False)
    problems: list[str] = []
    for uses in analysis.globals.values():
        for use in uses:
            path = [str(s) if not isinstance(s, str) else s for s in use.segments]
            if not _supported_path(path, ctx):
                problems.append(".".join(path))
    problems += [f"filter {f}" for f in analysis.filters if f not in LOCAL_FILTERS]
    problems += [f"tag {t}" for t in analysis.tags if t not in LOCAL_TAGS]
    return list(dict.fromkeys(problems))


def _supported_path(path: list[str], ctx: RenderContext) -> bool:
    head, rest = path[0], path[1:]
    if head == "commops":  # commops' own values (the benefit code): rendered only when this write has them
        return len(rest) == 1 and rest[0] in ctx.commops
    if head == "current_user":
        return len(rest) <= 1 and (not rest or rest[0] in USER_ATTRIBUTES)
    if head != "ticket" or not rest:
        return False
    if rest[0] in ("requester", "assignee"):
        return len(rest) == 2 and rest[1] in USER_ATTRIBUTES
    if rest[0] in ("brand", "group"):
        return rest[1:] == ["name"]
    if _FIELD.match(rest[0]):
        return len(rest) == 1 and _field_renders_exactly(rest[0], ctx)
    return len(rest) == 1 and rest[0] in ("id", "title", "description", "external_id")


def _field_renders_exactly(name: str, ctx: RenderContext) -> bool:
    """A multi-select list is left to Zendesk; a drop-down's title needs the field's options."""
    field_id = int(name.rsplit("_", 1)[1])
    definition = ctx.ticket_fields.get(field_id)
    value = next((e.get("value") for e in ctx.ticket.get("custom_fields") or [] if e.get("id") == field_id), None)
    if isinstance(value, list) or (definition or {}).get("type") == "multiselect":
        return False
    return not (name.startswith("ticket_field_option_title_") and definition is None and value is not None)


def render(text: str, ctx: RenderContext) -> Rendered:
    """``text`` as Zendesk would render it for this ticket, or what stops commops from rendering it.

    Raises LookupError for a dynamic-content placeholder naming no item of the account."""
    expanded = _expand_dynamic_content(text, ctx)
    try:
        template = _ENV.from_string(expanded)
    except LiquidError as exc:
        return Rendered(None, (f"Liquid syntax: {exc}",))
    unsupported = _unsupported(template, ctx)
    if unsupported:
        return Rendered(None, tuple(unsupported))
    try:
        out = template.render(ticket=_ticket(ctx), current_user=_user(ctx.current_user, ctx.locales),
                              commops=dict(ctx.commops))
    except LiquidError as exc:
        return Rendered(None, (f"Liquid: {exc}",))
    return Rendered(out)


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
