"""Macro comments rendered as Zendesk renders them: the sandbox's "Zendesk truth" for the apply endpoint.

Pure. A comment is a Liquid template (python-liquid, Shopify's dialect as Zendesk uses it) over
Zendesk's placeholder objects. ``context`` holds API JSON: ``ticket``, ``requester``, ``assignee``,
``current_user``, ``ticket_fields`` (by id), ``brands``/``groups``/``locales`` (by id),
``dynamic_content`` (items by name) and ``base_url``. Behaviour follows Zendesk's placeholder reference:

- ``{{ticket.ticket_field_<id>}}`` is the stored value (a drop-down's tag, ``true``/``false`` for a
  checkbox, a number as stored); ``{{ticket.ticket_field_option_title_<id>}}`` the option's name.
- ``first_name`` is the first word of the user's name, ``last_name`` the last; ``language`` the name
  of the user's locale.
- ``{{dc.<name>}}`` renders the item's active variant in the requester's locale, else its default
  variant; the variant is itself a template.
- Anything that names nothing renders as empty text. A template Liquid cannot parse is left as it is
  (what reaches the client is then raw template text: the client must refuse to post it).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from liquid import Environment
from liquid.exceptions import LiquidError

__all__ = ["render_placeholders"]

_LIQUID = Environment()
_DEPTH = 4


def render_placeholders(text: str, context: Mapping[str, Any]) -> str:
    """``text`` rendered for the ticket in ``context`` as Zendesk would."""
    return _render(text, context, _DEPTH)


def _render(text: str, context: Mapping[str, Any], depth: int) -> str:
    if "{" not in text:
        return text
    try:
        template = _LIQUID.from_string(text)
        return template.render(**_objects(context, depth))
    except LiquidError:
        return text


def _objects(context: Mapping[str, Any], depth: int) -> dict[str, Any]:
    ticket: Mapping[str, Any] = context.get("ticket") or {}
    locales: Mapping[int, Mapping[str, Any]] = context.get("locales") or {}
    base = str(context.get("base_url") or "")
    rating = ticket.get("satisfaction_rating") or {}
    return {
        "ticket": _ticket(ticket, context),
        "current_user": _person(context.get("current_user"), locales),
        "satisfaction": {
            "rating_url": f"{base}/requests/{ticket.get('id')}/satisfaction/new" if ticket.get("id") else "",
            "current_rating": str(rating.get("score") or "").capitalize() if isinstance(rating, dict) else "",
            "current_comment": rating.get("comment") if isinstance(rating, dict) else "",
        },
        "dc": _DynamicContent(context, depth),
    }


class _DynamicContent(Mapping[str, str]):
    """``dc.<name>``: looked up (and rendered) only when a template asks for it."""

    def __init__(self, context: Mapping[str, Any], depth: int) -> None:
        self._context = context
        self._items: Mapping[str, Mapping[str, Any]] = context.get("dynamic_content") or {}
        self._depth = depth

    def __getitem__(self, name: str) -> str:
        item = self._items.get(name)
        if item is None or self._depth <= 0:
            raise KeyError(name)
        requester = self._context.get("requester") or {}
        return _render(_pick_variant(item, requester.get("locale_id")), self._context, self._depth - 1)

    def __iter__(self) -> Any:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)


def _pick_variant(item: Mapping[str, Any], locale_id: Any) -> str:
    active = [v for v in item.get("variants") or [] if v.get("active", True)]
    chosen = next((v for v in active if v.get("locale_id") == locale_id), None)
    chosen = chosen or next((v for v in active if v.get("default")), None)
    chosen = chosen or next((v for v in active if v.get("locale_id") == item.get("default_locale_id")), None)
    return str((chosen or {}).get("content") or "")


def _person(user: Mapping[str, Any] | None, locales: Mapping[int, Mapping[str, Any]]) -> dict[str, Any]:
    user = user or {}
    words = str(user.get("name") or "").split()
    return {
        "id": user.get("id"),
        "name": " ".join(words),
        "first_name": words[0] if words else None,
        "last_name": words[-1] if words else None,
        "email": user.get("email"),
        "phone": user.get("phone"),
        "language": (locales.get(user.get("locale_id") or 0) or {}).get("name"),
        "details": user.get("details"),
        "notes": user.get("notes"),
    }


def _ticket(ticket: Mapping[str, Any], context: Mapping[str, Any]) -> dict[str, Any]:
    locales: Mapping[int, Mapping[str, Any]] = context.get("locales") or {}
    brands: Mapping[int, Mapping[str, Any]] = context.get("brands") or {}
    groups: Mapping[int, Mapping[str, Any]] = context.get("groups") or {}
    base = str(context.get("base_url") or "")
    objects: dict[str, Any] = {
        "id": ticket.get("id"),
        "title": ticket.get("subject"),
        "description": ticket.get("description"),
        "status": str(ticket.get("status") or "").capitalize(),
        "priority": str(ticket.get("priority") or "").capitalize(),
        "ticket_type": str(ticket.get("type") or "").capitalize(),
        "tags": " ".join(ticket.get("tags") or []),
        "external_id": ticket.get("external_id"),
        "url": f"{base.removeprefix('https://').removeprefix('http://')}/agent/tickets/{ticket.get('id')}",
        "link": f"{base}/agent/tickets/{ticket.get('id')}",
        "requester": _person(context.get("requester"), locales),
        "assignee": _person(context.get("assignee"), locales),
        "brand": {"name": (brands.get(ticket.get("brand_id") or 0) or {}).get("name")},
        "group": {"name": (groups.get(ticket.get("group_id") or 0) or {}).get("name")},
    }
    fields: Mapping[int, Mapping[str, Any]] = context.get("ticket_fields") or {}
    for entry in ticket.get("custom_fields") or []:
        value = entry.get("value")
        definition = fields.get(entry.get("id")) or {}
        names = {o.get("value"): o.get("name") for o in definition.get("custom_field_options") or []}
        if isinstance(value, bool):
            shown: Any = "true" if value else "false"
        elif isinstance(value, list):
            shown = " ".join(str(v) for v in value)
        else:
            shown = value
        objects[f"ticket_field_{entry.get('id')}"] = shown
        title = names.get(value) if not isinstance(value, list) else ", ".join(str(names.get(v, v)) for v in value)
        objects[f"ticket_field_option_title_{entry.get('id')}"] = title if value is not None else None
    return objects
