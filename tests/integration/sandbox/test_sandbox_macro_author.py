"""A macro's effect PUT back as zenpy does it: the comment's author is the agent, as in Zendesk."""

from __future__ import annotations

import requests
from zenpy import Zenpy

from commops.sandbox import SandboxServer


def test_macro_effect_round_trips_through_zenpy(zenpy: Zenpy, sandbox: SandboxServer) -> None:
    me = zenpy.users.me()
    macro = next(m for m in zenpy.macros() if m.title == "EDU::Qualified - welcome")
    edu_form = next(f["id"] for f in sandbox.store.resource("ticket_forms") if f["name"].startswith("Education"))
    ticket_id = next(d["id"] for _s, d in sandbox.store.ticket_docs() if d.get("ticket_form_id") == edu_form)
    effect = zenpy.tickets.show_macro_effect(ticket_id, macro.id)
    assert effect.comment.author_id == me.id and effect.ticket.comment.author_id == me.id
    zenpy.tickets.update(effect.ticket)
    last = sandbox.store.comments(ticket_id)[-1]
    assert last["author_id"] == me.id and last["public"] is True
    assert sandbox.store.ticket(ticket_id)["status"] == "solved"


def test_a_null_comment_author_is_the_authenticated_user(http: requests.Session, sandbox: SandboxServer) -> None:
    me = http.get(f"{sandbox.url}/api/v2/users/me.json", timeout=5).json()["user"]
    answer = http.put(f"{sandbox.url}/api/v2/tickets/3.json", timeout=5,
                      json={"ticket": {"comment": {"body": "Noted.", "public": False, "author_id": None}}})
    assert answer.status_code == 200, answer.text
    assert sandbox.store.comments(3)[-1]["author_id"] == me["id"]
    unknown = http.put(f"{sandbox.url}/api/v2/tickets/3.json", timeout=5,
                       json={"ticket": {"comment": {"body": "x", "author_id": 123}}})
    assert unknown.status_code == 422
