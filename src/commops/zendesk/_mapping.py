"""Zendesk ticket JSON → :class:`Application`: pure functions, driven by config (no ids in code)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from commops.config import Settings
from commops.domain import Application, DecisionMarker, Requester
from commops.ports import Unmapped

__all__ = ["Marker", "map_ticket", "parse_marker", "ruleset_marker_text"]


@dataclass(frozen=True)
class Marker:
    """The ruleset marker field's parts: ``ruleset=<version>;write=<write_id>;rules=<ids>;by=<run mode>``.

    ``by`` (the mode of the run that decided to write: unattended, apply, plan, interactive) lets a machine
    with no journal tell commops' automated decisions from its specialists'; markers written before it
    existed have none.
    """

    ruleset: str | None = None
    write_id: str | None = None
    rules: tuple[str, ...] = ()
    by: str | None = None


def ruleset_marker_text(ruleset: str, write_id: str, rules: list[str], by: str | None = None) -> str:
    text = f"ruleset={ruleset};write={write_id};rules={','.join(rules)}"
    return f"{text};by={by}" if by else text


def parse_marker(text: object) -> Marker:
    """Read the ruleset field; a hand-typed value without ``key=`` parts counts as the version."""
    if not isinstance(text, str) or not text.strip():
        return Marker()
    if "=" not in text:
        return Marker(ruleset=text.strip())
    parts: dict[str, str] = {}
    for chunk in text.split(";"):
        key, _, value = chunk.partition("=")
        parts[key.strip()] = value.strip()
    rules = tuple(r for r in parts.get("rules", "").split(",") if r)
    return Marker(ruleset=parts.get("ruleset") or None, write_id=parts.get("write") or None, rules=rules,
                  by=parts.get("by") or None)


def custom_values(ticket: dict[str, Any]) -> dict[int, Any]:
    """``custom_fields`` (or its alias ``fields``) as {field id: value}."""
    raw = ticket.get("custom_fields") or ticket.get("fields") or []
    values: dict[int, Any] = {}
    for item in raw:
        if isinstance(item, dict) and "id" in item:
            values[int(item["id"])] = item.get("value")
    return values


def parse_time(raw: str) -> datetime:
    return datetime.fromisoformat(raw.replace("Z", "+00:00"))


def _clean(value: Any) -> Any:
    """Zendesk's raw value as the domain wants it: "" and None are absent; decimal strings become numbers."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        stripped = value.strip()
        return stripped or None
    return value


def _number(value: Any) -> Any:
    """A numeric field's value as a number; anything else stays as it came, for the rules to read (an
    amount they cannot read is *unknown*: the application is asked or left to a person, not skipped)."""
    if isinstance(value, int | float):  # bool too: a number field that holds true is read by the rules
        return value
    try:
        number = Decimal(str(value).replace(",", "").strip())
    except InvalidOperation:
        return value
    if not number.is_finite():
        return value
    return int(number) if number == number.to_integral_value() and "." not in str(value) else float(number)


def map_ticket(
    ticket: dict[str, Any],
    users: dict[int, dict[str, Any]],
    settings: Settings,
    base_url: str,
    *,
    numeric_keys: frozenset[str] = frozenset(),
) -> Application | Unmapped:
    """One ticket as an application (``program`` None when it is not one), or why it cannot be read.

    ``numeric_keys`` are the field keys whose Zendesk type is integer/decimal: their string values are
    converted; a value that is not a number stays as text for the rules to read as *unknown*.
    """
    try:
        ticket_id = int(ticket["id"])
    except (KeyError, TypeError, ValueError):
        return Unmapped(ticket_id=0, reason="ticket without an id")
    try:
        return _map(ticket_id, ticket, users, settings, base_url, numeric_keys)
    except (KeyError, TypeError, ValueError) as exc:
        return Unmapped(ticket_id=ticket_id, reason=str(exc) or type(exc).__name__)


def _map(
    ticket_id: int,
    ticket: dict[str, Any],
    users: dict[int, dict[str, Any]],
    settings: Settings,
    base_url: str,
    numeric_keys: frozenset[str],
) -> Application:
    values = custom_values(ticket)
    fields: dict[str, Any] = {}
    for key, field_id in settings.fields.items():
        value = _clean(values.get(field_id))
        if value is None:
            continue
        fields[key] = _number(value) if key in numeric_keys else value

    form_id = ticket.get("ticket_form_id")
    # An application is a ticket with a program form or a `program` value; both are kept, so that a form
    # and a field naming different programs go to a person (rules/common.yaml, the contradiction rules).
    form_program = settings.program_for_form(form_id)
    program_value = fields.get("program")
    field_program = settings.program_for_value(program_value.strip() if isinstance(program_value, str) else None)
    program = form_program or field_program
    app_type_raw = fields.get("application_type")
    application_type = settings.application_types.get(app_type_raw) if isinstance(app_type_raw, str) else None

    requester_id = ticket.get("requester_id")
    user = users.get(int(requester_id)) if requester_id is not None else None
    requester = Requester(
        id=requester_id,
        name=(user or {}).get("name") or None,
        email=(user or {}).get("email") or None,
        locale=(user or {}).get("locale") or None,
    )

    marker = None
    decision_raw = fields.get(settings.markers.decision_field)
    ruleset_raw = fields.get(settings.markers.ruleset_field)
    if decision_raw is not None or ruleset_raw is not None:
        outcome = str(decision_raw).removeprefix("commops_") if decision_raw is not None else None
        parsed = parse_marker(ruleset_raw)
        marker = DecisionMarker(outcome=outcome, ruleset=parsed.ruleset, rules=tuple(parsed.rules),
                                write_id=parsed.write_id, by=parsed.by)

    updated_raw = ticket.get("updated_at")
    created_raw = ticket.get("created_at")
    if not isinstance(updated_raw, str) or not isinstance(created_raw, str):
        raise ValueError("ticket has no created_at/updated_at")
    return Application(
        ticket_id=ticket_id,
        program=program,
        form_program=form_program,
        field_program=field_program,
        application_type=application_type,
        requester=requester,
        fields=fields,
        subject=ticket.get("subject"),
        description=ticket.get("description"),
        status=ticket.get("status") or "new",
        custom_status_id=custom_status if isinstance(custom_status := ticket.get("custom_status_id"), int) else None,
        tags=list(ticket.get("tags") or []),
        form_id=form_id,
        group_id=ticket.get("group_id"),
        brand_id=ticket.get("brand_id"),
        created_at=parse_time(created_raw),
        updated_at=parse_time(updated_raw),
        updated_stamp=updated_raw,
        marker=marker,
        url=f"{base_url.rstrip('/')}/agent/tickets/{ticket_id}",
    )
