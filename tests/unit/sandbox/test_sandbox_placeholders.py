from __future__ import annotations

from typing import Any

from commops.sandbox import render_placeholders

FIELDS = {
    10: {"id": 10, "type": "tagger", "custom_field_options": [{"name": "Open Source", "value": "program_oss"}]},
    11: {"id": 11, "type": "text"},
    12: {"id": 12, "type": "checkbox"},
    13: {"id": 13, "type": "integer"},
}


def context(**ticket: Any) -> dict[str, Any]:
    base = {"id": 42, "subject": "Application", "status": "open",
            "custom_fields": [{"id": 10, "value": "program_oss"}, {"id": 11, "value": "ETH Zurich"},
                              {"id": 12, "value": True}, {"id": 13, "value": 25}]}
    base.update(ticket)
    return {"ticket": base, "requester": {"name": "Ada Maria Lovelace", "email": "ada@example.org"},
            "current_user": {"name": "Priya Raman", "email": "priya@example.com"}, "ticket_fields": FIELDS}


def test_people_and_ticket() -> None:
    text = ("#{{ticket.id}} {{ticket.requester.first_name}}/{{ticket.requester.name}}/"
            "{{ticket.requester.last_name}} {{current_user.first_name}} {{current_user.name}} {{ticket.title}} "
            "{{ ticket.status }}")
    assert render_placeholders(text, context()) == (
        "#42 Ada/Ada Maria Lovelace/Lovelace Priya Priya Raman Application Open"
    )


def test_custom_fields_render_like_zendesk() -> None:
    ctx = context()
    assert render_placeholders("{{ticket.ticket_field_11}}", ctx) == "ETH Zurich"
    assert render_placeholders("{{ticket.ticket_field_10}}", ctx) == "program_oss"
    assert render_placeholders("{{ticket.ticket_field_option_title_10}}", ctx) == "Open Source"
    assert render_placeholders("{{ticket.ticket_field_12}}", ctx) == "true"
    assert render_placeholders("{{ticket.ticket_field_13}}", ctx) == "25"


def test_missing_and_unknown_placeholders_are_blank() -> None:
    ctx = context(custom_fields=[])
    assert render_placeholders("[{{ticket.ticket_field_11}}][{{ticket.nonsense}}][{{foo.bar}}]", ctx) == "[][][]"
    assert render_placeholders("Hi {{ticket.requester.first_name}},", {"ticket": {}}) == "Hi ,"


def test_text_without_placeholders_is_unchanged() -> None:
    assert render_placeholders("Plain {text} and }} braces", context()) == "Plain {text} and }} braces"
