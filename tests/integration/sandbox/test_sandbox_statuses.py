"""Custom ticket statuses, brands, locales, dynamic content and the newer macro actions, over HTTP."""

from __future__ import annotations

from typing import Any

import requests

from commops.sandbox import SandboxServer

API = "/api/v2"
AWAITING_PROOF = 7100


def _get(http: requests.Session, sandbox: SandboxServer, path: str) -> Any:
    answer = http.get(sandbox.url + API + path)
    assert answer.status_code == 200, answer.text
    return answer.json()


def _put(http: requests.Session, sandbox: SandboxServer, ticket_id: int, body: dict[str, Any]) -> requests.Response:
    return http.put(f"{sandbox.url}{API}/tickets/{ticket_id}.json", json={"ticket": body})


def _with_custom_status(sandbox: SandboxServer) -> None:
    statuses = sandbox.store.resource("custom_statuses")
    statuses.append({"id": AWAITING_PROOF, "status_category": "pending", "agent_label": "Awaiting proof",
                     "end_user_label": "Awaiting your reply", "description": "", "active": True, "default": False})
    statuses.append({"id": AWAITING_PROOF + 1, "status_category": "hold", "agent_label": "Retired",
                     "end_user_label": "Open", "description": "", "active": False, "default": False})
    sandbox.store.put_resource("custom_statuses", statuses)


def test_custom_statuses_list_and_filters(http: requests.Session, sandbox: SandboxServer) -> None:
    _with_custom_status(sandbox)
    everything = _get(http, sandbox, "/custom_statuses.json")
    assert "next_page" not in everything and "links" not in everything  # not paginated
    assert len(everything["custom_statuses"]) == 7
    pending = _get(http, sandbox, "/custom_statuses.json?status_categories=pending")["custom_statuses"]
    assert {s["agent_label"] for s in pending} == {"Pending", "Awaiting proof"}
    defaults = _get(http, sandbox, "/custom_statuses.json?default=true")["custom_statuses"]
    assert len(defaults) == 5 and all(s["default"] for s in defaults)
    assert len(_get(http, sandbox, "/custom_statuses.json?active=false")["custom_statuses"]) == 1


def test_status_alone_moves_to_the_category_default(http: requests.Session, sandbox: SandboxServer) -> None:
    _with_custom_status(sandbox)
    ticket_id = sandbox.store.ticket_docs()[0][1]["id"]
    moved = _put(http, sandbox, ticket_id, {"custom_status_id": AWAITING_PROOF})
    assert moved.status_code == 200, moved.text
    assert moved.json()["ticket"]["status"] == "pending"
    assert moved.json()["ticket"]["custom_status_id"] == AWAITING_PROOF
    again = _put(http, sandbox, ticket_id, {"status": "pending"}).json()["ticket"]
    default_pending = next(s["id"] for s in sandbox.store.resource("custom_statuses")
                           if s["status_category"] == "pending" and s["default"])
    assert again["status"] == "pending" and again["custom_status_id"] == default_pending
    audit = sandbox.store.audits(ticket_id)[-1]
    assert any(e.get("field_name") == "custom_status_id" for e in audit["events"])


def test_custom_status_refusals(http: requests.Session, sandbox: SandboxServer) -> None:
    _with_custom_status(sandbox)
    ticket_id = sandbox.store.ticket_docs()[0][1]["id"]
    for body in ({"custom_status_id": 999}, {"custom_status_id": AWAITING_PROOF + 1},
                 {"custom_status_id": AWAITING_PROOF, "status": "open"}):
        refused = _put(http, sandbox, ticket_id, body)
        assert refused.status_code == 422, body


def test_brand_form_and_followers(http: requests.Session, sandbox: SandboxServer) -> None:
    ticket_id = sandbox.store.ticket_docs()[0][1]["id"]
    agent = sandbox.store.agent_ids()[0]
    assert _put(http, sandbox, ticket_id, {"brand_id": 424242}).status_code == 422
    updated = _put(http, sandbox, ticket_id, {"followers": [{"user_id": agent, "action": "put"}]}).json()["ticket"]
    assert updated["follower_ids"] == [agent]
    requester = updated["requester_id"]
    assert _put(http, sandbox, ticket_id, {"followers": [{"user_id": requester}]}).status_code == 422
    brands = _get(http, sandbox, "/brands.json")["brands"]
    assert updated["brand_id"] == next(b["id"] for b in brands if b["default"])


def test_reference_data_routes(http: requests.Session, sandbox: SandboxServer) -> None:
    assert _get(http, sandbox, "/locales.json")["locales"][0]["locale"] == "en-US"
    assert _get(http, sandbox, "/dynamic_content/items.json")["items"] == []
    settings = _get(http, sandbox, "/account/settings.json")["settings"]
    assert settings["localization"]["default_locale_id"] == 1


def test_a_macro_with_an_unknown_action_is_refused_by_apply(http: requests.Session, sandbox: SandboxServer) -> None:
    macros = sandbox.store.resource("macros")
    macros.append({"id": 99, "title": "Odd", "active": True, "actions": [{"field": "teleport", "value": "x"}]})
    sandbox.store.put_resource("macros", macros)
    ticket_id = sandbox.store.ticket_docs()[0][1]["id"]
    assert http.get(f"{sandbox.url}{API}/tickets/{ticket_id}/macros/99/apply.json").status_code == 422
