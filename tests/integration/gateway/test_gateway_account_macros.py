"""Every macro of both packaged sandbox accounts renders locally exactly as the sandbox's macro apply
endpoint (an independent renderer, as Zendesk's) renders it, for requesters in each of the account's
locales; no rendered public comment keeps template text."""

from __future__ import annotations

from typing import Any

import pytest
from tests.integration.gateway.helpers import gateway_for

from commops.sandbox import SandboxServer
from commops.zendesk._render import raw_template_left, render


@pytest.mark.parametrize("account", ["reference", "northwind"])
def test_every_macro_of_the_account_renders_locally_as_zendesk_renders_it(
    sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch, account: str
) -> None:
    sandbox.store.reset(account)
    sandbox.store.seed(40, 5)
    forms = set(sandbox.store.profile()["seeding"]["forms"].values())
    tickets = [doc for _id, doc in sandbox.store.ticket_docs() if doc.get("ticket_form_id") in forms]
    by_locale: dict[Any, int] = {}
    for doc in tickets:
        locale = (sandbox.store.user(int(doc["requester_id"])) or {}).get("locale_id")
        by_locale.setdefault(locale, int(doc["id"]))
    assert len(by_locale) == len({loc["id"] for loc in sandbox.store.resource("locales")})
    with gateway_for(sandbox.url, monkeypatch) as gw:
        macros = [m for m in gw.macro_records() if any(a["field"] == "comment_value" for a in m["actions"])]
        assert len(macros) >= 20
        reference = gw._render_reference(macros)
        compared = 0
        for ticket_id in by_locale.values():
            found, users = gw._fetch([ticket_id])
            context = gw._render_context(found[ticket_id], users, reference)
            for macro in macros:
                text = next(str(a["value"]) for a in macro["actions"] if a["field"] == "comment_value")
                ours = render(text, context)
                theirs = gw.preview_macro(ticket_id, macro["id"])["ticket"]["comment"]
                assert ours.text is not None, (macro["title"], ours.unsupported)  # nothing needs Zendesk here
                assert ours.text == theirs["body"], macro["title"]
                assert raw_template_left(ours.text) == [], macro["title"]
                compared += 1
    assert compared == len(macros) * len(by_locale)
