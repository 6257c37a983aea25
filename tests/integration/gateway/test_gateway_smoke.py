"""Reading and writing one small queue end to end over HTTP."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.integration.gateway.helpers import FIRST_ID, applicants, decision, gateway_for, proposals_for

from commops.domain import Outcome, Proposal
from commops.errors import ConfigError
from commops.sandbox import SandboxServer


def test_pull_maps_and_write_applies(sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> None:
    sandbox.store.load(applicants(3))
    with gateway_for(sandbox.url, monkeypatch) as gw:
        pages = list(gw.pull_queue())
        apps = [a for p in pages for a in p.applications]
        assert [a.ticket_id for a in apps] == [FIRST_ID, FIRST_ID + 1, FIRST_ID + 2]
        first = apps[0]
        assert first.program == "education" and first.application_type == "new"
        assert first.requester.email == "grace@cs.stanford.edu"
        assert first.fields["seats"] == 20 and first.fields["funding_total_usd"] == 1500.5
        assert gw.request_counts()["GET /ticket_fields"] == 1  # "1500.5" arrived as a string: types read
        assert first.url == f"{sandbox.url}/agent/tickets/{FIRST_ID}"
        proposals = proposals_for(gw)
        results = gw.write_decisions(proposals)
    assert [r.status for r in results] == ["applied"] * 3, results
    ticket = sandbox.store.ticket(FIRST_ID)
    assert ticket["status"] == "solved"
    assert "commops_decided" in ticket["tags"]
    comments = sandbox.store.comments(FIRST_ID)
    assert comments[-1]["public"] is True
    assert comments[-1]["body"].startswith("Hi Grace,\n\nGood news: University 0 qualifies")


def test_single_write_and_skips(sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> None:
    sandbox.store.load(applicants(2))
    with gateway_for(sandbox.url, monkeypatch) as gw:
        stamp = sandbox.store.ticket(FIRST_ID)["updated_at"]
        manual = Proposal(decision=decision(FIRST_ID + 1, Outcome.MANUAL), updated_stamp=stamp)
        ask = Proposal(decision=decision(FIRST_ID, Outcome.ASK), updated_stamp=stamp)
        results = gw.write_decisions([manual, ask])
        assert [r.status for r in results] == ["skipped", "applied"]
        assert gw.request_counts()["PUT /tickets/{id}"] == 1
        again = gw.write_decisions([ask])
    assert again[0].status == "already_applied"
    body = sandbox.store.comments(FIRST_ID)[-1]["body"]
    assert body.count("Hi Grace,") == 1 and "institutional address" in body and "non-profit" in body


def test_writing_from_a_plan_reads_only_what_it_needs(sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> None:
    sandbox.store.load(applicants(2))
    stamps = {t: sandbox.store.ticket(t)["updated_at"] for t in (FIRST_ID, FIRST_ID + 1)}
    proposals = [Proposal(decision=decision(t), updated_stamp=s) for t, s in stamps.items()]
    with gateway_for(sandbox.url, monkeypatch) as gw:  # a new process applying a reviewed plan
        assert [r.status for r in gw.write_decisions(proposals)] == ["applied", "applied"]
        counts = gw.request_counts()
    assert set(counts) == {
        "GET /users/me", "GET /macros", "GET /tickets/show_many", "PUT /tickets/update_many",
        "GET /job_statuses/show_many", "POST /oauth/tokens",
        "GET /job_statuses", "GET /ticket_audits",  # the jobs already running; the window check after the job
    }


def test_a_second_plain_http_account_cannot_silently_redirect_the_first(
    sandbox: SandboxServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with gateway_for(sandbox.url, monkeypatch) as first, SandboxServer(tmp_path / "other.sqlite3") as other:
        other.store.reset()
        with gateway_for(other.url, monkeypatch) as second:
            assert second.me()["email"] == "commops-bot@sandbox.invalid"
            with pytest.raises(ConfigError, match="one plain-HTTP account per process"):
                first.me()


def test_audits_show_the_decision_field_change(sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> None:
    sandbox.store.load(applicants(1))
    with gateway_for(sandbox.url, monkeypatch) as gw:
        [result] = gw.write_decisions(proposals_for(gw, Outcome.REJECT))
        audits = gw.audits(FIRST_ID)
    assert result.status == "applied"
    changes = [e for a in audits for e in a["events"] if e.get("field_name") == "3600290"]
    assert changes and changes[-1]["value"] == "commops_reject"
