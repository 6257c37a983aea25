"""Local Liquid rendering over Zendesk's placeholders, and the merge of several public replies into one."""

from __future__ import annotations

from commops.zendesk._render import RenderContext, merge_public_bodies, raw_template_left, render

FIELDS = {3600210: {"id": 3600210, "type": "tagger", "custom_field_options": [
    {"name": "Faculty", "value": "role_faculty"}]}}
CTX = RenderContext(
    ticket={"id": 42, "subject": "EDU application", "brand_id": 7, "group_id": 3, "custom_fields": [
        {"id": 3600211, "value": "Univ of Cambridge"}, {"id": 3600210, "value": "role_faculty"},
        {"id": 3600213, "value": False}, {"id": 3600205, "value": 12}, {"id": 3600240, "value": ["a", "b"]}]},
    requester={"id": 1, "name": "Ada King Lovelace", "email": "ada@example.org", "locale_id": 2},
    current_user={"id": 2, "name": "Priya Raman"},
    ticket_fields=FIELDS,
    locales={2: {"id": 2, "locale": "es", "name": "Español"}},
    brands={7: {"id": 7, "name": "Northwind"}},
    groups={3: {"id": 3, "name": "Programs"}},
)


def test_placeholders_render_like_zendesk() -> None:
    text = (
        "Hi {{ticket.requester.first_name}} ({{ ticket.requester.name }}), #{{ticket.id}} "
        "{{ticket.ticket_field_3600211}} {{ticket.ticket_field_3600210}} "
        "{{ticket.ticket_field_option_title_3600210}} {{ticket.ticket_field_3600213}} "
        "{{ticket.ticket_field_3600205}} [{{ticket.ticket_field_999}}] "
        "{{current_user.first_name}}/{{current_user.name}} {{ticket.brand.name}} {{ticket.group.name}} "
        "{{ticket.requester.language}} {{ticket.requester.email}} {{ticket.title}}"
    )
    assert render(text, CTX).text == (
        "Hi Ada (Ada King Lovelace), #42 Univ of Cambridge role_faculty Faculty false 12 [] Priya/Priya Raman "
        "Northwind Programs Español ada@example.org EDU application"
    )


def test_filters_and_tags() -> None:
    text = ("{% assign n = ticket.requester.first_name | upcase %}{{ n }}"
            "{% if ticket.requester.language == 'Español' %} hola{% else %} hello{% endif %}"
            "{% case ticket.ticket_field_3600210 %}{% when 'role_faculty' %} prof{% endcase %}"
            "{% unless ticket.ticket_field_3600213 == 'true' %} for-profit?{% endunless %}"
            "{% assign ws = 'a,b' | split: ',' %}{% for w in ws %}-{{ w }}{% endfor %} "
            "{{ ticket.ticket_field_3600205 | plus: 1 }}")
    assert render(text, CTX).text == "ADA hola prof for-profit?-a-b 13"


def test_what_commops_cannot_render_exactly_is_reported_for_the_apply_endpoint() -> None:
    for text, reason in [
        ("{{satisfaction.rating_url}}", "satisfaction.rating_url"),
        ("{{ticket.organization.name}}", "ticket.organization.name"),
        ("{{ticket.status}}", "ticket.status"),
        ("{{ticket.ticket_field_3600240}}", "ticket.ticket_field_3600240"),  # a multi-select list
        ("{{ ticket.title | squish }}", "filter squish"),
        ("{% include 'x' %}", "tag include"),
    ]:
        result = render(text, CTX)
        assert result.text is None and reason in result.unsupported, text
    assert render("Hi {{ticket.requester.first_name", CTX).text is None  # Liquid syntax: Zendesk decides


def test_option_title_needs_the_fields_definition() -> None:
    bare = RenderContext(ticket=CTX.ticket)
    assert render("{{ticket.ticket_field_option_title_3600210}}", bare).text is None
    assert render("{{ticket.ticket_field_3600210}}", bare).text == "role_faculty"


def test_missing_requester_name_renders_empty() -> None:
    assert render("Hi {{ticket.requester.first_name}},", RenderContext(ticket={"id": 1})).text == "Hi ,"


def test_raw_template_left() -> None:
    assert raw_template_left("Hi {{x}} {% if %}") == ["{{", "}}", "{%", "%}"]
    assert raw_template_left("Hi Ada, {braces} are fine") == []


def test_public_replies_are_merged_with_one_greeting_and_signature() -> None:
    first = "Hi Ada,\n\nPlease send your role.\n\nBest regards,\nCommops"
    second = "Hi Ada,\n\nPlease send proof of non-profit status.\n\nBest regards,\nCommops"
    merged = merge_public_bodies([first, second, first])
    assert merged == (
        "Hi Ada,\n\nPlease send your role.\n\nPlease send proof of non-profit status.\n\nBest regards,\nCommops"
    )


def test_single_body_is_unchanged() -> None:
    assert merge_public_bodies(["Just this."]) == "Just this."
    assert merge_public_bodies(["A\n\nB", "C"]) == "A\n\nB\n\nC"
