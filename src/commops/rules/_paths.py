"""Field paths: which ones rules may name, and fast getters that read them from an Application.

A getter returns ``None`` for anything missing (absent, None, blank text, empty list) so that every
operator sees one notion of "missing", which the engine turns into *unknown*.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from commops.domain import Application

__all__ = ["Getter", "check_path", "getter_for", "known_paths"]

Getter = Callable[[Application], Any]

# Top-level Application attributes a rule may read (not ``fields``/``requester``/``verifications``,
# which take a sub-path).
_TOP = (
    "ticket_id", "program", "application_type", "subject", "description", "status", "tags",
    "form_id", "group_id", "brand_id", "created_at", "updated_at", "url", "form_program", "field_program",
)
_REQUESTER = ("id", "name", "email", "email_domain", "first_name", "locale")
_VERIFICATION = ("status", "reason", "source_url", "checked_at", "from_cache")


def known_paths(field_keys: Collection[str], kinds: Collection[str]) -> list[str]:
    """Every concrete path (facts excluded: their names are free), for did-you-mean suggestions."""
    paths = list(_TOP)
    paths += [f"requester.{name}" for name in _REQUESTER]
    paths += [f"fields.{key}" for key in field_keys]
    for kind in kinds:
        paths += [f"verifications.{kind}.{name}" for name in _VERIFICATION]
        paths.append(f"verifications.{kind}.facts.<name>")
    return paths


def check_path(path: str, field_keys: Collection[str], kinds: Collection[str]) -> str | None:
    """None when ``path`` names something on the Application model, else why not."""
    head, _, rest = path.partition(".")
    if head in _TOP and not rest:
        return None
    if head == "fields" and rest:
        return None if rest in field_keys else f"no field {rest!r} in the config's [fields]"
    if head == "requester" and rest in _REQUESTER:
        return None
    if head == "verifications" and rest:
        kind, _, sub = rest.partition(".")
        if kind not in kinds:
            return f"unknown verification kind {kind!r} (known: {', '.join(sorted(kinds))})"
        if sub in _VERIFICATION or (sub.startswith("facts.") and len(sub) > len("facts.")):
            return None
        return f"verifications.{kind} has status, reason, source_url, checked_at, from_cache, facts.<name>"
    return "not a field of the application"


def _blank(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, list | tuple | dict | set) and not value:
        return None
    return value


def getter_for(path: str) -> Getter:
    """A closure reading ``path``; assumes :func:`check_path` accepted it."""
    head, _, rest = path.partition(".")
    if head == "fields":
        key = rest

        def get_field(app: Application) -> Any:
            value = app.fields.get(key)
            if value is None or value == "" or value == []:
                return None
            if isinstance(value, str) and not value.strip():
                return None
            return value

        return get_field
    if head == "requester":
        name = rest

        def get_requester(app: Application) -> Any:
            return _blank(getattr(app.requester, name))

        return get_requester
    if head == "verifications":
        kind, _, sub = rest.partition(".")
        if sub.startswith("facts."):
            fact = sub[len("facts."):]

            def get_fact(app: Application) -> Any:
                found = app.verifications.get(kind)
                return None if found is None else _blank(found.facts.get(fact))

            return get_fact

        def get_verification(app: Application) -> Any:
            found = app.verifications.get(kind)
            return None if found is None else _blank(getattr(found, sub))

        return get_verification

    def get_top(app: Application) -> Any:
        return _blank(getattr(app, head))

    return get_top
