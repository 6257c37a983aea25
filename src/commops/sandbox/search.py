"""The search query language, compiled to a predicate over stored tickets. Pure.

Terms: ``key:value``, ``key<value``, ``key>value``, ``key<=value``, ``key>=value``, ``-key:value`` and
free text (words or ``"quoted phrases"``, matched in subject and description). Repeated ``key:`` terms
of one keyword are OR'ed (``form:"A" form:"B"``), different keywords and negated terms are AND'ed.
A keyword or value the sandbox does not understand raises :class:`SearchSyntaxError` (the API answers
400), so a typo never silently matches everything.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

__all__ = ["STATUS_ORDER", "SearchCatalog", "SearchSyntaxError", "compile_query", "parse_time", "sort_directives"]

_ORDER_KEYS = {"created": "created_at", "created_at": "created_at", "updated": "updated_at",
               "updated_at": "updated_at", "priority": "priority", "status": "status", "ticket_type": "type"}

STATUS_ORDER = ("new", "open", "pending", "hold", "solved", "closed")
Predicate = Callable[[Mapping[str, Any]], bool]

_TERM = re.compile(r'(-?)(?:([A-Za-z_][A-Za-z0-9_]*)(:|<=|>=|<|>))?("([^"]*)"?|\S+)')
_RELATIVE = re.compile(r"^(\d+)(minutes?|hours?|days?|weeks?|months?|years?)$")
_UNITS = {"minute": 60, "hour": 3600, "day": 86400, "week": 604800, "month": 2592000, "year": 31536000}


class SearchSyntaxError(ValueError):
    """The query uses a keyword, operator or value the sandbox cannot evaluate."""


@dataclass
class SearchCatalog:
    """Names the query may use: form and group names (lower-cased) to ids, user emails to ids."""

    forms: dict[str, int] = field(default_factory=dict)
    groups: dict[str, int] = field(default_factory=dict)
    users: dict[str, int] = field(default_factory=dict)
    tagger_fields: set[int] = field(default_factory=set)


@dataclass
class _Term:
    negated: bool
    key: str | None
    op: str
    value: str


def _tokenize(query: str) -> list[_Term]:
    terms: list[_Term] = []
    for match in _TERM.finditer(query):
        negated, key, op, raw, quoted = match.groups()
        value = quoted if quoted is not None else raw
        if key is None and raw.startswith('"'):
            value = raw.strip('"')
        terms.append(_Term(bool(negated), key.lower() if key else None, op or ":", value))
    return terms


def parse_time(value: str, now: datetime) -> tuple[datetime, datetime]:
    """A date, datetime or relative age (``4hours``) as the half-open interval it names."""
    relative = _RELATIVE.match(value.lower())
    if relative:
        unit = relative.group(2).rstrip("s")
        moment = now - timedelta(seconds=int(relative.group(1)) * _UNITS[unit])
        return moment, moment
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            start = datetime(day.year, day.month, day.day, tzinfo=UTC)
            return start, start + timedelta(days=1)
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise SearchSyntaxError(f"invalid date {value!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment, moment + timedelta(seconds=1)


def _stamp(text: str | None) -> datetime | None:
    if not text:
        return None
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _compare(op: str, left: Any, low: Any, high: Any | None = None) -> bool:
    """``left`` against a point (``low``) or half-open interval [low, high) for ``:``."""
    if left is None:
        return False
    if op == ":":
        return bool(low <= left < high) if high is not None else bool(left == low)
    if op == "<":
        return bool(left < low)
    if op == "<=":
        return bool(left < high) if high is not None else bool(left <= low)
    if op == ">":
        return bool(left >= high) if high is not None else bool(left > low)
    return bool(left >= low)


def _number(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        return None


def _term_predicate(term: _Term, catalog: SearchCatalog, now: datetime) -> Predicate:
    key, op, value = term.key, term.op, term.value
    lowered = value.lower()
    if key is None:
        return lambda t: lowered in f"{t.get('subject') or ''}\n{t.get('description') or ''}".lower()
    if key in ("order_by", "sort"):
        if op != ":" or (key == "order_by" and lowered not in _ORDER_KEYS) or (
                key == "sort" and lowered not in ("asc", "desc")):
            raise SearchSyntaxError(f"invalid {key}:{value}")
        return lambda t: True
    if key == "type":
        if op != ":" or lowered != "ticket":
            raise SearchSyntaxError(f"the sandbox searches tickets only, not type{op}{value}")
        return lambda t: True
    if key == "status":
        if lowered not in STATUS_ORDER:
            raise SearchSyntaxError(f"invalid status {value!r}")
        rank = STATUS_ORDER.index(lowered)
        return lambda t: _compare(op, STATUS_ORDER.index(str(t.get("status"))), rank)
    if key in ("created", "updated", "solved"):
        low, high = parse_time(value, now)
        attribute = f"{key}_at"
        return lambda t: _compare(op, _stamp(t.get(attribute)), low, high if op in (":", ">", "<=") else None)
    if op != ":" and not key.startswith("custom_field_"):
        raise SearchSyntaxError(f"operator {op!r} is not supported for {key}")
    if key in ("form", "ticket_form_id"):
        form = int(value) if value.isdigit() else catalog.forms.get(lowered, -1)
        return lambda t: t.get("ticket_form_id") == form
    if key in ("group", "group_id"):
        if lowered == "none":
            return lambda t: t.get("group_id") is None
        group = int(value) if value.isdigit() else catalog.groups.get(lowered, -1)
        return lambda t: t.get("group_id") == group
    if key in ("tags", "tag"):
        if lowered == "none":
            return lambda t: not t.get("tags")
        return lambda t: lowered in (t.get("tags") or [])
    if key in ("requester", "requester_id", "assignee", "assignee_id", "submitter"):
        attribute = key.removesuffix("_id") + "_id"
        if lowered == "none":
            return lambda t: t.get(attribute) is None
        user = int(value) if value.isdigit() else catalog.users.get(lowered, -1)
        return lambda t: t.get(attribute) == user
    if key in ("priority", "ticket_type"):
        attribute = "type" if key == "ticket_type" else key
        return lambda t: str(t.get(attribute) or "none").lower() == lowered
    if key in ("subject", "description"):
        return lambda t: lowered in str(t.get(key) or "").lower()
    if key.startswith("custom_field_") and key.removeprefix("custom_field_").isdigit():
        return _custom_field_predicate(int(key.removeprefix("custom_field_")), op, value)
    raise SearchSyntaxError(f"unsupported search keyword {key!r}")


def _custom_field_predicate(field_id: int, op: str, value: str) -> Predicate:
    lowered = value.lower()
    number = _number(value)

    def current(ticket: Mapping[str, Any]) -> Any:
        for entry in ticket.get("custom_fields") or []:
            if entry.get("id") == field_id:
                return entry.get("value")
        return None

    def predicate(ticket: Mapping[str, Any]) -> bool:
        stored = current(ticket)
        if op == ":":
            if lowered == "none":
                return stored in (None, "", False)
            if lowered == "*":
                return stored not in (None, "", False)
            if isinstance(stored, bool):
                return str(stored).lower() == lowered
            return str(stored).lower() == lowered if stored is not None else False
        if number is None:
            raise SearchSyntaxError(f"custom_field_{field_id}{op}{value}: comparisons need a number")
        left = _number(str(stored)) if stored not in (None, "") and not isinstance(stored, bool) else None
        return _compare(op, left, number)

    if op != ":" and number is None:
        raise SearchSyntaxError(f"custom_field_{field_id}{op}{value}: comparisons need a number")
    return predicate


def compile_query(query: str, catalog: SearchCatalog, now: datetime) -> Predicate:
    """Compile a query; raise SearchSyntaxError for anything not understood (including an empty query)."""
    terms = _tokenize(query)
    if not terms:
        raise SearchSyntaxError("query is empty")
    alternatives: dict[str, list[Predicate]] = {}
    required: list[Predicate] = []
    for term in terms:
        predicate = _term_predicate(term, catalog, now)
        if term.negated:
            required.append(_negate(predicate))
        elif term.key is not None and term.op == ":" and term.key not in ("type", "order_by", "sort"):
            alternatives.setdefault(term.key, []).append(predicate)
        else:
            required.append(predicate)
    checks = required + [_any(preds) for preds in alternatives.values()]
    return lambda t: all(check(t) for check in checks)


def _negate(predicate: Predicate) -> Predicate:
    return lambda t: not predicate(t)


def _any(predicates: list[Predicate]) -> Predicate:
    return lambda t: any(p(t) for p in predicates)


def sort_directives(query: str) -> tuple[str | None, bool]:
    """``order_by:``/``sort:`` in the query: (ticket attribute to sort by or None, descending)."""
    attribute, descending = None, True
    for term in _tokenize(query):
        if term.key == "order_by" and not term.negated:
            attribute = _ORDER_KEYS.get(term.value.lower())
        elif term.key == "sort" and not term.negated:
            descending = term.value.lower() != "asc"
    return attribute, descending
