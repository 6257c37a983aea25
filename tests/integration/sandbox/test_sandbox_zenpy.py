"""zenpy, unchanged, against the sandbox: reads to the end of every pagination style, writes, jobs, macros."""

from __future__ import annotations

import pytest
from zenpy import Zenpy
from zenpy.lib.api_objects import Comment, Ticket
from zenpy.lib.exception import APIException, RecordNotFoundException

from commops.sandbox import SandboxServer


def unsolved_application_ids(sandbox: SandboxServer) -> set[int]:
    forms = {f["id"] for f in sandbox.store.resource("ticket_forms")}
    return {doc["id"] for _s, doc in sandbox.store.ticket_docs()
            if doc.get("ticket_form_id") in forms and doc["status"] not in ("solved", "closed")}


def test_me_and_ticket(zenpy: Zenpy, sandbox: SandboxServer) -> None:
    me = zenpy.users.me()
    assert me.name == "Priya Raman" and me.role == "agent"
    ticket = zenpy.tickets(id=1)
    assert ticket.id == 1 and ticket.requester.email
    assert ticket.created_at.endswith("Z") and len(ticket.created_at) == 20
    with pytest.raises(RecordNotFoundException):
        zenpy.tickets(id=99999)


def test_search_export_pages_to_the_end(zenpy: Zenpy, sandbox: SandboxServer, queue_query: str) -> None:
    found = [t.id for t in zenpy.search_export(query=queue_query, type="ticket", cursor_pagination=7)]
    assert len(found) == len(set(found))
    assert set(found) == unsolved_application_ids(sandbox)
    pages = [p for m, p, s in sandbox.request_log() if "export" in p]
    assert len(pages) >= len(found) // 7


def test_incremental_cursor_pages_to_the_end(zenpy: Zenpy, sandbox: SandboxServer) -> None:
    found = [t.id for t in zenpy.tickets.incremental(start_time=0, per_page=9)]
    assert sorted(found) == list(range(1, 41))


def test_tickets_list_cursor_and_show_many(zenpy: Zenpy) -> None:
    listed = [t.id for t in zenpy.tickets(cursor_pagination=15)]
    assert listed == list(range(1, 41))
    many = [t.id for t in zenpy.tickets(ids=[3, 5, 7, 12345])]
    assert sorted(many) == [3, 5, 7]


def test_search_offset(zenpy: Zenpy, sandbox: SandboxServer, queue_query: str) -> None:
    found = [t.id for t in zenpy.search(queue_query)]
    assert set(found) == unsolved_application_ids(sandbox)


def test_update_with_comment_and_audit(zenpy: Zenpy, sandbox: SandboxServer) -> None:
    ticket = zenpy.tickets(id=2)
    ticket.comment = Comment(body="Internal: checked", public=False)
    ticket.status = "pending"
    ticket.tags.append("checked")
    audit = zenpy.tickets.update(ticket)
    kinds = {(e["type"], e.get("field_name")) for e in audit.audit.events}
    assert ("Comment", None) in kinds and ("Change", "status") in kinds and ("Change", "tags") in kinds
    fresh = zenpy.tickets(id=2)
    assert fresh.status == "pending" and "checked" in fresh.tags
    assert sandbox.store.comments(2)[-1]["public"] is False


def test_update_many_job_progresses_and_reports_missing_ticket(zenpy: Zenpy, sandbox: SandboxServer) -> None:
    tickets = [Ticket(id=4, status="open", tags=["batch"]), Ticket(id=99999, status="open")]
    job = zenpy.tickets.update(tickets)
    assert job.status == "queued"
    seen = [job.status]
    for _ in range(5):
        job = zenpy.job_status(id=job.id)
        seen.append(job.status)
        if job.status == "completed":
            break
    assert seen[:3] == ["queued", "working", "completed"]
    results = {r.id: r for r in job.results}
    assert results[4].success is True and results[4].status == "Updated"
    assert results[99999].success is False and results[99999].error
    assert sandbox.store.ticket(4)["tags"][-1] == "batch"


def test_macro_effect_is_rendered_and_not_saved(zenpy: Zenpy, sandbox: SandboxServer) -> None:
    macro = next(m for m in zenpy.macros() if m.title == "EDU::Qualified - welcome")
    edu_form = next(f["id"] for f in sandbox.store.resource("ticket_forms") if f["name"].startswith("Education"))
    ticket_id = next(d["id"] for _s, d in sandbox.store.ticket_docs() if d.get("ticket_form_id") == edu_form)
    before = sandbox.store.ticket(ticket_id)
    effect = zenpy.tickets.show_macro_effect(ticket_id, macro.id)
    requester = sandbox.store.user(before["requester_id"])
    assert requester is not None
    institution = next(f["value"] for f in before["custom_fields"] if f["id"] == 3600211)
    body = effect.ticket.comment.body
    assert body.startswith(f"Hi {requester['name'].split()[0]},")
    assert f"Good news: {institution} qualifies" in body
    assert "Priya\nCommunity Programs team" in body
    assert effect.ticket.status == "solved" and "edu_qualified" in effect.ticket.tags
    assert sandbox.store.ticket(ticket_id) == before


def test_wrong_token_is_refused(sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZENPY_FORCE_SCHEME", "http")
    monkeypatch.setenv("ZENPY_FORCE_NETLOC", sandbox.url.removeprefix("http://"))
    client = Zenpy(subdomain="x", email="someone@example.com", token="wrong", disable_cache=True)
    with pytest.raises(APIException) as info:
        client.users.me()
    assert info.value.response.status_code == 401
