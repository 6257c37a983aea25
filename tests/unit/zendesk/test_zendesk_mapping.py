"""Ticket JSON → Application, driven by config; unmappable tickets are reported, never raised."""

from __future__ import annotations

from datetime import UTC, datetime

from commops.config import Settings
from commops.domain import Application
from commops.ports import Unmapped
from commops.zendesk._mapping import map_ticket, parse_marker, ruleset_marker_text
from tests.unit.zendesk.samples import make_ticket, shared_json

USERS = {900: {"id": 900, "name": "Ada Lovelace", "email": "ada@Cam.AC.uk"}}
NUMERIC = frozenset({"seats", "funding_total_usd"})


def _map(ticket: dict[str, object], settings: Settings) -> Application | Unmapped:
    return map_ticket(ticket, USERS, settings, "https://acme.zendesk.com", numeric_keys=NUMERIC)


def test_education_ticket_maps_fields_by_key(settings: Settings) -> None:
    ticket = make_ticket(
        fields={
            3600202: "app_renewal",
            3600205: 12,
            3600210: "role_student",
            3600211: "Univ of Cambridge",
            3600213: True,
            3600212: "",
            3600240: None,
        }
    )
    app = _map(ticket, settings)
    assert isinstance(app, Application)
    assert app.program == "education"
    assert app.application_type == "renewal"
    assert app.fields == {
        "application_type": "app_renewal",
        "seats": 12,
        "applicant_role": "role_student",
        "institution_name": "Univ of Cambridge",
        "institution_nonprofit": True,
    }
    assert app.requester.name == "Ada Lovelace"
    assert app.requester.email_domain == "cam.ac.uk"
    assert app.updated_stamp == "2026-01-06T10:11:12Z"
    assert app.updated_at == datetime(2026, 1, 6, 10, 11, 12, tzinfo=UTC)
    assert app.url == "https://acme.zendesk.com/agent/tickets/101"
    assert app.marker is None


def test_program_from_field_when_form_is_not_an_application_form(settings: Settings) -> None:
    app = _map(make_ticket(fields={3600201: "program_startups"}, ticket_form_id=42), settings)
    assert isinstance(app, Application) and app.program == "startups"


def test_ticket_that_is_no_application_is_still_returned(settings: Settings) -> None:
    app = _map(make_ticket(ticket_form_id=None), settings)
    assert isinstance(app, Application)
    assert app.program is None and not app.is_application


def test_decimal_string_becomes_a_number_and_garbage_stays_for_the_rules(settings: Settings) -> None:
    good = _map(make_ticket(fields={3600232: "4500000.50", 3600205: "7"}), settings)
    assert isinstance(good, Application)
    assert good.fields["funding_total_usd"] == 4500000.5
    assert good.fields["seats"] == 7 and isinstance(good.fields["seats"], int)
    text = _map(make_ticket(7, fields={3600232: "lots"}), settings)  # read as unknown by the rules, not skipped
    assert isinstance(text, Application) and text.fields["funding_total_usd"] == "lots"


def test_form_and_program_field_are_both_kept(settings: Settings) -> None:
    both = _map(make_ticket(fields={3600201: "program_startups"}, ticket_form_id=3600301), settings)
    assert isinstance(both, Application)
    assert (both.program, both.form_program, both.field_program) == ("education", "education", "startups")
    field_only = _map(make_ticket(fields={3600201: "program_open_source"}, ticket_form_id=None), settings)
    assert isinstance(field_only, Application)
    assert (field_only.program, field_only.form_program, field_only.field_program) == (
        "open_source", None, "open_source")


def test_markers_are_read_back(settings: Settings) -> None:
    text = ruleset_marker_text("2026.01", "abc123", ["edu.student", "common.renewal"])
    app = _map(make_ticket(fields={3600290: "commops_reject", 3600291: text}), settings)
    assert isinstance(app, Application) and app.marker is not None
    assert (app.marker.outcome, app.marker.ruleset) == ("reject", "2026.01")
    marker = parse_marker(text)
    assert marker.write_id == "abc123"
    assert marker.rules == ("edu.student", "common.renewal")
    assert parse_marker("v7").ruleset == "v7" and parse_marker("").write_id is None


def test_recorded_zendesk_tickets_map_without_errors(settings: Settings) -> None:
    tickets = shared_json("tickets-show-many.json")["tickets"]
    mapped = [map_ticket(t, {}, settings, "https://x.zendesk.com") for t in tickets]
    assert all(isinstance(m, Application) and m.program is None for m in mapped)
    assert [m.ticket_id for m in mapped] == [t["id"] for t in tickets]


def test_ticket_without_dates_is_unmapped_not_fatal(settings: Settings) -> None:
    ticket = make_ticket()
    del ticket["updated_at"]
    result = _map(ticket, settings)
    assert isinstance(result, Unmapped) and "updated_at" in result.reason


def test_requester_locale_and_brand_are_read(settings: Settings) -> None:
    users = {900: {"id": 900, "name": "Ana Ruiz", "email": "ana@uni.es", "locale": "es", "locale_id": 2}}
    ticket = {**make_ticket(fields={}), "brand_id": 7}
    app = map_ticket(ticket, users, settings, "https://acme.zendesk.com", numeric_keys=NUMERIC)
    assert isinstance(app, Application)
    assert app.requester.locale == "es" and app.brand_id == 7
