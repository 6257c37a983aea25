"""The queue is selected by form ids: renaming a form in Zendesk keeps it whole; doctor reports a program
the queue query cannot reach, and lists its problems as JSON."""

from __future__ import annotations

import json

import pytest
from tests.integration.gateway.helpers import FIRST_ID, applicants, gateway_for
from typer.testing import CliRunner

from commops.sandbox import SandboxServer
from commops.zendesk import check_account


def _rename_education(sandbox: SandboxServer) -> None:
    forms = sandbox.store.resource("ticket_forms")
    for form in forms:
        if form["id"] == 3600301:
            form["name"] = "Academic licence request"
    sandbox.store.put_resource("ticket_forms", forms)


def test_renaming_a_form_keeps_the_queue_whole(sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> None:
    sandbox.store.load(applicants(7))
    with gateway_for(sandbox.url, monkeypatch) as gw:
        before = sum(len(p.applications) for p in gw.pull_queue())
    _rename_education(sandbox)
    with gateway_for(sandbox.url, monkeypatch) as gw:
        after = sum(len(p.applications) for p in gw.pull_queue())
        counts = gw.request_counts()
    assert before == after == 7
    assert counts["GET /ticket_forms"] == 1


def test_doctor_reports_a_program_the_queue_does_not_reach(
    sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    _rename_education(sandbox)
    with gateway_for(sandbox.url, monkeypatch) as gw:
        by_name = {c.name: c for c in check_account(gw, gw.settings)}
        assert by_name["queue reaches education"].ok  # by id: the rename changes nothing
        old = 'type:ticket status<solved form:"Education program application" form:3600302 form:3600303'
        gw.settings = gw.settings.model_copy(update={"queue": gw.settings.queue.model_copy(update={"query": old})})
        stale = {c.name: c for c in check_account(gw, gw.settings)}
        without_form = gw.settings.programs["startups"].model_copy(update={"form_id": None})
        programs = {**gw.settings.programs, "startups": without_form}
        gw.settings = gw.settings.model_copy(update={"programs": programs})
        fieldonly = {c.name: c for c in check_account(gw, gw.settings)}
    education = stale["queue reaches education"]
    assert not education.ok and "'Academic licence request' (3600301)" in education.detail
    assert "renamed?" in education.detail and education.fix and 'form:"Academic licence request"' in education.fix
    assert stale["queue reaches open_source"].ok
    assert not fieldonly["queue reaches startups"].ok and "program field" in fieldonly["queue reaches startups"].detail


def test_doctor_json_lists_the_problems(sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> None:
    from commops.cli.app import app

    monkeypatch.setenv("COMMOPS_ZENDESK_URL", sandbox.url)
    monkeypatch.setenv("COMMOPS_ZENDESK_EMAIL", "commops-bot@community-demo.example")
    monkeypatch.setenv("COMMOPS_ZENDESK_TOKEN", "sandbox")
    monkeypatch.setenv("COMMOPS_QUEUE_QUERY", 'type:ticket status<solved form:"Gone" form:3600302 form:3600303')
    result = CliRunner().invoke(app, ["doctor", "--format", "json"])
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    assert report["account"] == sandbox.url
    assert [p["name"] for p in report["problems"]] == ["queue reaches education"]
    assert all({"name", "ok", "detail", "fix"} <= set(c) for c in report["checks"])


def test_the_queue_can_be_limited_to_brands(sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> None:
    document = applicants(4)
    sandbox.store.put_resource("brands", [*sandbox.store.resource("brands"),
                                          {"id": 2000002, "name": "Second", "active": True, "default": False}])
    sandbox.store.load(document)
    sandbox.store.update_ticket(FIRST_ID + 3, {"brand_id": 2000002}, sandbox.store.agent_ids()[0])
    with gateway_for(sandbox.url, monkeypatch) as gw:
        every = [a.ticket_id for p in gw.pull_queue() for a in p.applications]
        queue = gw.settings.queue.model_copy(update={"brands": [2000002]})
        gw.settings = gw.settings.model_copy(update={"queue": queue})
        second = [(a.ticket_id, a.brand_id) for p in gw.pull_queue() for a in p.applications]
    assert len(every) == 4
    assert second == [(FIRST_ID + 3, 2000002)]
