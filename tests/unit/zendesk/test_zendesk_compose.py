"""A decision becomes one update: macro effects, one comment, markers; write ids are deterministic."""

from __future__ import annotations

from typing import Any

import pytest

from commops.config import Settings
from commops.domain import Decision, MacroRef, Outcome, Reason
from commops.errors import NotFoundError, ValidationError
from commops.zendesk._compose import ComposedUpdate, RawTemplateError, compose_update, write_id
from commops.zendesk._mapping import parse_marker
from commops.zendesk._render import RenderContext
from tests.unit.zendesk.samples import make_ticket

AGENT = {"id": 36000500003, "name": "Commops Automation"}
STAMP = "2026-01-06T10:11:12Z"


def decision(outcome: Outcome, *titles: str, ticket_id: int = 101) -> Decision:
    reasons = [
        Reason(rule=f"rule{i}", message=f"because {i}", outcome=outcome, macro=MacroRef(title=t))
        for i, t in enumerate(titles)
    ] or [Reason(rule="only", message="no macro", outcome=outcome)]
    return Decision(ticket_id=ticket_id, program="education", outcome=outcome, reasons=reasons, ruleset_version="v1")


def compose(
    d: Decision, settings: Settings, macros: dict[str, dict[str, Any]], fallback: Any = None
) -> ComposedUpdate:
    def no_fallback(ticket_id: int, macro_id: int) -> dict[str, Any]:
        raise AssertionError("the apply endpoint should not be needed")

    return compose_update(
        d,
        STAMP,
        context=RenderContext(
            ticket=make_ticket(fields={3600211: "Univ of Cambridge"}),
            requester={"id": 1, "name": "Ada Lovelace"},
            current_user=AGENT,
        ),
        macros=macros,
        settings=settings,
        apply_fallback=fallback or no_fallback,
    )


def fields_of(body: dict[str, Any]) -> dict[int, Any]:
    return {f["id"]: f["value"] for f in body["custom_fields"]}


def test_qualify_is_one_public_reply_with_markers(settings: Settings, macros: dict[str, dict[str, Any]]) -> None:
    d = decision(Outcome.QUALIFY, "EDU::Qualified - welcome")
    update = compose(d, settings, macros)
    body = update.body
    assert body["status"] == "solved"
    assert body["additional_tags"] == ["edu_qualified", "commops_decided"]
    assert body["comment"]["public"] is True
    text = body["comment"]["body"]
    assert text.startswith("Hi Ada,\n\nGood news: Univ of Cambridge qualifies")
    assert text.endswith("Best regards,\nCommops\nCommunity Programs team")
    assert "{{" not in text and "because" not in text  # the explanation is not sent to the applicant
    marker = parse_marker(fields_of(body)[3600291])
    assert marker.ruleset == "v1" and marker.write_id == update.write_id and marker.rules == ("rule0",)
    assert fields_of(body)[3600290] == "commops_qualify"


def test_several_asks_become_one_reply(settings: Settings, macros: dict[str, dict[str, Any]]) -> None:
    d = decision(Outcome.ASK, "EDU::Ask - institutional email", "EDU::Ask - non-profit proof")
    text = compose(d, settings, macros).body["comment"]["body"]
    assert text.count("Hi Ada,") == 1 and text.count("Best regards,") == 1
    assert "institutional address" in text and "accredited and non-profit" in text
    assert compose(d, settings, macros).body["status"] == "pending"


def test_escalation_is_an_internal_note_with_the_explanation(
    settings: Settings, macros: dict[str, dict[str, Any]]
) -> None:
    d = decision(Outcome.ESCALATE, "Common::Escalate - trade compliance review")
    body = compose(d, settings, macros).body
    assert body["comment"]["public"] is False
    assert body["group_id"] == 36000100002 and body["status"] == "open"
    note = body["comment"]["body"]
    assert note.startswith("Applicant country requires a trade compliance review")
    assert "commops: escalate (ruleset v1" in note and "- rule0: because 0" in note


def test_the_first_escalation_keeps_its_group_when_two_macros_route_differently(
    settings: Settings, macros: dict[str, dict[str, Any]]
) -> None:
    """A sanctioned-country applicant with a .gov email: compliance, not Sales, must get the ticket."""
    d = decision(
        Outcome.ESCALATE, "Common::Escalate - trade compliance review", "Common::Escalate - public sector handoff"
    )
    body = compose(d, settings, macros).body
    assert body["group_id"] == 36000100002
    assert {"trade_compliance_review", "federal_exception"} <= set(body["additional_tags"])


def test_decision_without_macro_writes_markers_and_a_note(
    settings: Settings, macros: dict[str, dict[str, Any]]
) -> None:
    body = compose(decision(Outcome.REJECT), settings, macros).body
    assert body["comment"] == {"body": body["comment"]["body"], "public": False}
    assert "- only: no macro" in body["comment"]["body"]
    assert "status" not in body and fields_of(body)[3600290] == "commops_reject"


def test_unknown_placeholder_uses_the_apply_endpoint(settings: Settings, macros: dict[str, dict[str, Any]]) -> None:
    custom = {
        "id": 77,
        "title": "Custom",
        "actions": [{"field": "comment_value", "value": "Rate us: {{satisfaction.rating_url}}"}],
    }
    calls: list[tuple[int, int]] = []

    def fallback(ticket_id: int, macro_id: int) -> dict[str, Any]:
        calls.append((ticket_id, macro_id))
        return {"body": "Rate us: https://x/requests/101/satisfaction/new", "public": True}

    update = compose(decision(Outcome.ASK, "Custom"), settings, {"Custom": custom}, fallback)
    assert calls == [(101, 77)] and update.used_apply_endpoint == [77]
    assert update.body["comment"] == {"body": "Rate us: https://x/requests/101/satisfaction/new", "public": True}


def test_missing_macro_and_unsupported_action_are_errors(settings: Settings) -> None:
    with pytest.raises(NotFoundError, match="Nope"):
        compose(decision(Outcome.ASK, "Nope"), settings, {})
    odd = {"id": 5, "title": "Odd", "actions": [{"field": "cc", "value": "1"}]}
    with pytest.raises(ValidationError, match="'cc'"):
        compose(decision(Outcome.ASK, "Odd"), settings, {"Odd": odd})


def test_set_tags_replace_and_keep_the_marker_tag(settings: Settings) -> None:
    actions = [{"field": "set_tags", "value": "a b"}, {"field": "remove_tags", "value": "b"}]
    macro = {"id": 6, "title": "T", "actions": actions}
    body = compose(decision(Outcome.REJECT, "T"), settings, {"T": macro}).body
    assert body["tags"] == ["a", "commops_decided"] and "additional_tags" not in body


def test_write_id_is_deterministic_and_specific() -> None:
    d = decision(Outcome.ASK, "EDU::Ask - institutional email")
    assert write_id(101, STAMP, d) == write_id(101, STAMP, d.model_copy(deep=True))
    assert len(write_id(101, STAMP, d)) == 12
    assert write_id(101, "2026-01-07T00:00:00Z", d) != write_id(101, STAMP, d)
    assert write_id(101, STAMP, decision(Outcome.REJECT, "EDU::Ask - institutional email")) != write_id(101, STAMP, d)


def test_liquid_and_dynamic_content_render_locally_in_the_requesters_locale(settings: Settings) -> None:
    macro = {"id": 80, "title": "Liquid", "actions": [
        {"field": "comment_value", "value": "{{dc.greeting}} {{ ticket.requester.first_name | upcase }},"
                                            "{% if ticket.requester.language == 'Español' %} gracias{% endif %}"},
        {"field": "comment_mode_is_public", "value": "true"},
    ]}
    item = {"name": "greeting", "default_locale_id": 1, "variants": [
        {"locale_id": 1, "content": "Hello", "active": True, "default": True},
        {"locale_id": 2, "content": "Hola", "active": True, "default": False},
    ]}

    def composed(locale_id: int) -> str:
        update = compose_update(
            decision(Outcome.ASK, "Liquid"), STAMP,
            context=RenderContext(ticket=make_ticket(), requester={"id": 1, "name": "ana ruiz", "locale_id": locale_id},
                                  current_user=AGENT, dynamic_content={"greeting": item},
                                  locales={1: {"id": 1, "name": "English"}, 2: {"id": 2, "name": "Español"}}),
            macros={"Liquid": macro}, settings=settings, apply_fallback=lambda t, m: {})
        return str(update.body["comment"]["body"])

    assert composed(2) == "Hola ANA, gracias"
    assert composed(1) == "Hello ANA,"
    assert composed(9) == "Hello ANA,"  # no variant in that locale: the default one


def test_the_last_guard_refuses_a_reply_still_holding_template_text(settings: Settings) -> None:
    broken = {"id": 81, "title": "Broken", "actions": [
        {"field": "comment_value", "value": "Hi {{ticket.requester.first_name"},
        {"field": "comment_mode_is_public", "value": "true"},
    ]}

    def zendesk_leaves_it_raw(ticket_id: int, macro_id: int) -> dict[str, Any]:
        return {"body": "Hi {{ticket.requester.first_name", "public": True}

    with pytest.raises(RawTemplateError, match="'Broken' would post template text"):
        compose(decision(Outcome.ASK, "Broken"), settings, {"Broken": broken}, zendesk_leaves_it_raw)
    missing_dc = {"id": 82, "title": "No dc", "actions": [{"field": "comment_value", "value": "{{dc.nope}}"}]}
    with pytest.raises(ValidationError, match=r"'No dc'.*dc\.nope"):
        compose(decision(Outcome.ASK, "No dc"), settings, {"No dc": missing_dc})


def test_custom_status_brand_form_and_follower_actions(settings: Settings) -> None:
    macro = {"id": 83, "title": "Statused", "actions": [
        {"field": "status", "value": "pending"}, {"field": "custom_status_id", "value": "7001"},
        {"field": "ticket_form_id", "value": "42"}, {"field": "brand_id", "value": "9"},
        {"field": "follower", "value": "current_user"},
    ]}
    body = compose(decision(Outcome.ASK, "Statused"), settings, {"Statused": macro}).body
    assert body["custom_status_id"] == 7001 and "status" not in body  # the custom status carries its category
    assert body["ticket_form_id"] == 42 and body["brand_id"] == 9
    assert body["followers"] == [{"user_id": AGENT["id"], "action": "put"}]
