"""Local placeholder rendering and the merge of several public replies into one."""

from __future__ import annotations

from commops.zendesk._render import RenderContext, merge_public_bodies, render

CTX = RenderContext(
    ticket_id=42,
    requester_name="Ada King Lovelace",
    agent_name="Priya Raman",
    field_values={3600211: "Univ of Cambridge", 3600210: "role_faculty", 3600213: False, 3600205: 12},
    option_names={3600210: {"role_faculty": "Faculty"}},
)


def test_known_placeholders_render_like_zendesk() -> None:
    text = (
        "Hi {{ticket.requester.first_name}} ({{ ticket.requester.name }}), #{{ticket.id}} "
        "{{ticket.ticket_field_3600211}} {{ticket.ticket_field_3600210}} "
        "{{ticket.ticket_field_option_title_3600210}} {{ticket.ticket_field_3600213}} "
        "{{ticket.ticket_field_3600205}} [{{ticket.ticket_field_999}}] "
        "{{current_user.first_name}}/{{current_user.name}}"
    )
    rendered, unknown = render(text, CTX)
    assert unknown == []
    assert rendered == (
        "Hi Ada (Ada King Lovelace), #42 Univ of Cambridge role_faculty Faculty false 12 [] Priya/Priya Raman"
    )


def test_unknown_placeholders_are_reported_and_left_in_place() -> None:
    rendered, unknown = render("Hello {{ticket.requester.email}} {{ticket.id}}", CTX)
    assert unknown == ["ticket.requester.email"]
    assert rendered == "Hello {{ticket.requester.email}} 42"


def test_missing_requester_name_renders_empty() -> None:
    ctx = RenderContext(ticket_id=1, requester_name=None, agent_name=None, field_values={}, option_names={})
    assert render("Hi {{ticket.requester.first_name}},", ctx) == ("Hi ,", [])


def test_several_replies_keep_one_greeting_and_one_signature() -> None:
    sign = "Best regards,\nPriya\nCommunity Programs team"
    first = f"Hi Ada,\n\nPlease send your role.\n\n{sign}"
    second = f"Hi Ada,\n\nPlease send proof of non-profit status.\n\n{sign}"
    merged = merge_public_bodies([first, second, first])
    assert merged == f"Hi Ada,\n\nPlease send your role.\n\nPlease send proof of non-profit status.\n\n{sign}"
    assert merged.count("Hi Ada") == 1 and merged.count("Best regards") == 1


def test_merge_of_one_body_is_the_body() -> None:
    assert merge_public_bodies(["Just this."]) == "Just this."
    assert merge_public_bodies(["A\n\nB", "C"]) == "A\n\nB\n\nC"
