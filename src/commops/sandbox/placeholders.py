"""Zendesk placeholder rendering for macro comments: the sandbox's "Zendesk truth".

Pure. ``context`` is ``{"ticket": ticket JSON, "requester": user JSON, "current_user": user JSON,
"ticket_fields": {field id: field JSON}}``. Behaviour follows Zendesk's placeholder reference:

- ``{{ticket.ticket_field_<id>}}`` renders the stored value; for a drop-down (tagger) that is the
  option's *value* (its tag), as Zendesk does; ``{{ticket.ticket_field_option_title_<id>}}`` renders the
  option's *name*. A checkbox renders ``true``/``false`` (Liquid's rendering of a boolean, unconfirmed
  against Zendesk); a number renders as sent (``12``, ``5000000.0`` stays as stored).
- ``first_name`` is the first word of the user's name, ``last_name`` the last word.
- A placeholder that names nothing, or a field without a value, renders as the empty string.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

__all__ = ["render_placeholders"]

_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z0-9_.]+)\s*\}\}")
_FIELD = re.compile(r"ticket\.ticket_field_(option_title_)?(\d+)$")


def render_placeholders(text: str, context: Mapping[str, Any]) -> str:
    """Replace every ``{{...}}`` in ``text`` as Zendesk would; unknown ones become empty."""
    return _PLACEHOLDER.sub(lambda m: _value(m.group(1), context), text)


def _value(name: str, context: Mapping[str, Any]) -> str:
    ticket: Mapping[str, Any] = context.get("ticket") or {}
    field = _FIELD.match(name)
    if field:
        return _field_value(int(field.group(2)), bool(field.group(1)), ticket, context)
    head, _, rest = name.partition(".")
    if head == "current_user":
        return _user_value(context.get("current_user") or {}, rest)
    if head != "ticket":
        return ""
    if rest.startswith("requester."):
        return _user_value(context.get("requester") or {}, rest.removeprefix("requester."))
    simple = {
        "id": ticket.get("id"),
        "title": ticket.get("subject"),
        "description": ticket.get("description"),
        "status": str(ticket.get("status") or "").capitalize() or None,
        "priority": str(ticket.get("priority") or "").capitalize() or None,
        "ticket_type": str(ticket.get("type") or "").capitalize() or None,
        "tags": " ".join(ticket.get("tags") or []) or None,
        "external_id": ticket.get("external_id"),
    }
    return _text(simple.get(rest))


def _user_value(user: Mapping[str, Any], attribute: str) -> str:
    name = str(user.get("name") or "").strip()
    words = name.split()
    values = {
        "name": name or None,
        "first_name": words[0] if words else None,
        "last_name": words[-1] if words else None,
        "email": user.get("email"),
        "id": user.get("id"),
        "phone": user.get("phone"),
    }
    return _text(values.get(attribute))


def _field_value(field_id: int, title: bool, ticket: Mapping[str, Any], context: Mapping[str, Any]) -> str:
    value = None
    for entry in ticket.get("custom_fields") or []:
        if entry.get("id") == field_id:
            value = entry.get("value")
    if value is None:
        return ""
    definition = (context.get("ticket_fields") or {}).get(field_id) or {}
    options = definition.get("custom_field_options") or []
    if options:
        for option in options:
            if option.get("value") == value:
                return str(option.get("name")) if title else str(value)
        return "" if title else str(value)
    if title:
        return ""
    return _text(value)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
