"""Liquid and dynamic content: commops' local rendering equals the sandbox's apply endpoint (which renders
as Zendesk does, independently), and raw template text never reaches a public comment."""

from __future__ import annotations

from typing import Any

import pytest
from tests.integration.gateway.helpers import FIRST_ID, REQUESTER, applicants, decision, gateway_for

from commops.domain import Outcome, Proposal
from commops.sandbox import SandboxServer
from commops.zendesk._compose import compose_update

SPANISH = 2
LOCALES = [
    {"id": 1, "locale": "en-US", "name": "English", "default": True},
    {"id": SPANISH, "locale": "es", "name": "Español", "default": False},
]
DYNAMIC = [
    {"id": 91, "name": "greeting", "placeholder": "{{dc.greeting}}", "default_locale_id": 1, "variants": [
        {"id": 1, "locale_id": 1, "content": "Hello {{ticket.requester.first_name}}", "active": True, "default": True},
        {"id": 2, "locale_id": SPANISH, "content": "Hola {{ticket.requester.first_name}}", "active": True,
         "default": False},
    ]},
    {"id": 92, "name": "signature", "placeholder": "{{dc.signature}}", "default_locale_id": 1, "variants": [
        {"id": 3, "locale_id": 1, "content": "The Programs team", "active": True, "default": True},
        {"id": 4, "locale_id": SPANISH, "content": "El equipo (inactive)", "active": False, "default": False},
    ]},
]


def _macro(macro_id: int, title: str, text: str, public: bool = True) -> dict[str, Any]:
    return {"id": macro_id, "title": title, "active": True, "actions": [
        {"field": "status", "value": "pending"},
        {"field": "comment_value", "value": text},
        {"field": "comment_mode_is_public", "value": "true" if public else "false"},
        {"field": "custom_fields_3600290", "value": "commops_ask"},
    ]}


LIQUID_MACROS = [
    _macro(7001, "Liquid::dc greeting", "{{dc.greeting}},\n\nThanks for {{ticket.ticket_field_3600211}}.\n\n"
                                        "{{dc.signature}}"),
    _macro(7002, "Liquid::language branch",
           "{% if ticket.requester.language == 'Español' %}Hola{% else %}Hi{% endif %} "
           "{{ ticket.requester.first_name | capitalize }} ({{ ticket.requester.name | upcase }}),\n\n"
           "{% case ticket.ticket_field_option_title_3600210 %}{% when 'Faculty' %}Faculty seats: "
           "{{ ticket.ticket_field_3600205 | plus: 0 }}{% else %}Seats{% endcase %}"
           "{% unless ticket.ticket_field_3600213 == 'true' %} (no proof yet){% endunless %}"),
    _macro(7003, "Liquid::assign and loop",
           "{% assign words = ticket.title | split: ' ' %}{% for w in words %}[{{ w | downcase }}]{% endfor %} "
           "#{{ticket.id}} {{current_user.first_name}} {{ticket.brand.name}} {{ ticket.nothing_here }}"),
    _macro(7004, "Liquid::needs Zendesk", "Rate us: {{satisfaction.rating_url}} ({{ticket.status}})"),
]


def _account(sandbox: SandboxServer, locale_id: int) -> None:
    document = applicants(1)
    document["users"][0].update({"locale_id": locale_id, "locale": "es" if locale_id == SPANISH else "en-US"})
    sandbox.store.load(document)
    store = sandbox.store
    store.put_resource("locales", LOCALES)
    store.put_resource("dynamic_content", DYNAMIC)
    store.put_resource("macros", [*store.resource("macros"), *LIQUID_MACROS])


@pytest.mark.parametrize("locale_id", [1, SPANISH])
def test_every_macro_renders_locally_as_the_apply_endpoint_renders_it(
    sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch, locale_id: int
) -> None:
    _account(sandbox, locale_id)
    with gateway_for(sandbox.url, monkeypatch) as gw:
        tickets, users = gw._fetch([FIRST_ID])
        ticket = tickets[FIRST_ID]
        macros = [m for m in gw.macro_records() if any(a["field"] == "comment_value" for a in m["actions"])]
        reference = gw._render_reference(macros)
        fallbacks: list[int] = []

        def through_zendesk(ticket_id: int, macro_id: int) -> dict[str, Any]:
            fallbacks.append(macro_id)
            return gw._apply_comment(ticket_id, macro_id)

        for macro in macros:
            d = decision(FIRST_ID, Outcome.ASK, macro["title"])
            ours = compose_update(
                d, ticket["updated_at"], context=gw._render_context(ticket, users, reference),
                macros={macro["title"]: macro}, settings=gw.settings,
                apply_fallback=through_zendesk,
            ).body["comment"]
            theirs = gw.preview_macro(FIRST_ID, macro["id"])["ticket"]["comment"]
            if theirs["public"]:
                assert ours["body"] == theirs["body"], macro["title"]
            else:
                assert ours["body"].startswith(theirs["body"] + "\n\ncommops: "), macro["title"]
    # only what commops cannot render exactly goes to Zendesk: a rating link, a name commops does not know
    assert fallbacks == [7003, 7004]
    greeting = "Hola Grace" if locale_id == SPANISH else "Hello Grace"
    preview = gw_preview(sandbox, monkeypatch, 7001)
    assert preview.startswith(f"{greeting},\n\nThanks for University 0.") and preview.endswith("The Programs team")


def gw_preview(sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch, macro_id: int) -> str:
    with gateway_for(sandbox.url, monkeypatch) as gw:
        return str(gw.preview_macro(FIRST_ID, macro_id)["ticket"]["comment"]["body"])


def test_raw_template_text_never_reaches_the_applicant(sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> None:
    _account(sandbox, 1)
    broken = _macro(7009, "Liquid::broken", "Hi {{ticket.requester.first_name,\n\n{% if x %}unclosed")
    sandbox.store.put_resource("macros", [*sandbox.store.resource("macros"), broken])
    with gateway_for(sandbox.url, monkeypatch) as gw:
        ticket = gw._fetch([FIRST_ID])[0][FIRST_ID]
        proposal = Proposal(decision=decision(FIRST_ID, Outcome.ASK, "Liquid::broken"),
                            updated_stamp=ticket["updated_at"])
        [result] = gw.write_decisions([proposal])
    assert result.status == "failed"
    assert "Liquid::broken" in str(result.error) and "template text" in str(result.error)
    public = [c for c in sandbox.store.comments(FIRST_ID) if c["public"]]
    assert all("{{" not in c["body"] and "{%" not in c["body"] for c in public)
    assert sandbox.store.ticket(FIRST_ID)["updated_at"] == ticket["updated_at"]  # nothing was written


def test_a_reply_with_dynamic_content_lands_in_the_requesters_language(
    sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    _account(sandbox, SPANISH)
    with gateway_for(sandbox.url, monkeypatch) as gw:
        ticket = gw._fetch([FIRST_ID])[0][FIRST_ID]
        proposal = Proposal(decision=decision(FIRST_ID, Outcome.ASK, "Liquid::dc greeting"),
                            updated_stamp=ticket["updated_at"])
        [result] = gw.write_decisions([proposal])
        counts = gw.request_counts()
    assert result.status == "applied"
    last = sandbox.store.comments(FIRST_ID)[-1]
    assert last["public"] and last["body"].startswith("Hola Grace,") and last["author_id"] != REQUESTER
    assert counts["GET /dynamic_content/items"] == 1 and "GET /tickets/{id}/macros/{id}/apply" not in counts


def test_doctor_refuses_macros_that_would_fail_before_any_run(
    sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from commops.zendesk import check_account

    _account(sandbox, 1)
    bad = [
        {"id": 7101, "title": "Bad::status", "active": True, "actions": [{"field": "custom_status_id", "value": "1"}]},
        {"id": 7102, "title": "Bad::brand", "active": True, "actions": [{"field": "brand_id", "value": "77"}]},
        _macro(7103, "Bad::dc", "{{dc.nowhere}}"),
        _macro(7104, "Bad::liquid", "{% if ticket.id %}never closed"),
        {"id": 7105, "title": "Bad::cc", "active": True, "actions": [{"field": "cc", "value": "1"}]},
    ]
    sandbox.store.put_resource("macros", [*sandbox.store.resource("macros"), *bad])
    titles = [m["title"] for m in bad] + ["Liquid::dc greeting", "Liquid::needs Zendesk"]
    with gateway_for(sandbox.url, monkeypatch) as gw:
        checks = {c.name: c for c in check_account(gw, gw.settings, titles)}
    assert "custom_status_id names 1" in checks["macro Bad::status"].detail
    assert "brand_id names 77" in checks["macro Bad::brand"].detail
    assert "dc.nowhere" in checks["macro Bad::dc"].detail
    assert "not valid Liquid" in checks["macro Bad::liquid"].detail
    assert "cc" in checks["macro Bad::cc"].detail
    assert not any(checks[f"macro {m['title']}"].ok for m in bad)
    assert checks["macro Liquid::dc greeting"].ok
    needs = checks["macro Liquid::needs Zendesk"]
    assert needs.ok and "apply endpoint" in needs.detail and "satisfaction.rating_url" in needs.detail
