"""Views: their conditions (``all`` AND'ed, ``any`` OR'ed) evaluated over stored tickets. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from commops.sandbox.apierror import invalid
from commops.sandbox.search import STATUS_ORDER

__all__ = ["view_matches"]


def _current(ticket: Mapping[str, Any], field: str) -> Any:
    if field.startswith("custom_fields_"):
        wanted = int(field.removeprefix("custom_fields_"))
        return next((e.get("value") for e in ticket.get("custom_fields") or [] if e.get("id") == wanted), None)
    return ticket.get(field)


def _condition(ticket: Mapping[str, Any], condition: Mapping[str, Any]) -> bool:
    field, operator, value = condition.get("field", ""), condition.get("operator", "is"), condition.get("value")
    if field == "current_tags":
        wanted = set(str(value or "").split())
        present = bool(wanted & set(ticket.get("tags") or []))
        return present if operator == "includes" else not present
    current = _current(ticket, str(field))
    if field == "status" and operator in ("less_than", "greater_than"):
        rank, limit = STATUS_ORDER.index(str(current)), STATUS_ORDER.index(str(value))
        return rank < limit if operator == "less_than" else rank > limit
    same = str(current) == str(value) if current is not None else value in (None, "", "none")
    if operator == "is":
        return same
    if operator == "is_not":
        return not same
    raise invalid("conditions", f"the sandbox does not evaluate operator {operator!r}")


def view_matches(view: Mapping[str, Any], ticket: Mapping[str, Any]) -> bool:
    conditions = view.get("conditions") or {}
    every = all(_condition(ticket, c) for c in conditions.get("all") or [])
    some = conditions.get("any") or []
    return every and (not some or any(_condition(ticket, c) for c in some))
