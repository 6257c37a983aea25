"""Pipelined update_many jobs on the sandbox: Zendesk's job limit (429 TooManyJobs) and the polls."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.integration.gateway.helpers import FIRST_ID, applicants, commops_comments, gateway_for, proposals_for

from commops.sandbox import SandboxServer
from commops.sandbox.limits import MAX_ACTIVE_JOBS
from commops.zendesk import ZendeskSession


@pytest.mark.parametrize("pessimistic", [False, True], ids=["optimistic", "pessimistic"])
def test_a_job_queue_full_of_other_jobs_is_waited_out_on_our_own_jobs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pessimistic: bool
) -> None:
    """Another integration holds 28 of the account's 30 job slots: the writer's third job is refused with
    TooManyJobs; it polls its own two jobs (which frees their slots) rather than sleeping, and sends the
    refused chunk again — once — until every decision is written once."""
    # Jobs run only when polled (the delay is never reached), so the other integration's never finish.
    with SandboxServer(tmp_path / "sb.sqlite3", limits=False, job_delay_s=10_000, pessimistic=pessimistic) as sb:
        sb.store.reset()
        sb.store.load(applicants(500))
        submit = sb.app.jobs.submit

        def others_first(updates: list[dict[str, Any]], author_id: int, **kw: Any) -> dict[str, Any]:
            if not sb.app.jobs.active():  # they arrive just before our first job
                for _ in range(MAX_ACTIVE_JOBS - 2):
                    submit([{"id": 1, "status": "open"}], 1, fail=False)
            return submit(updates, author_id, **kw)

        monkeypatch.setattr(sb.app.jobs, "submit", others_first)
        sleeps: list[float] = []
        session = ZendeskSession(rate_budget_s=60.0, sleep=sleeps.append)
        with gateway_for(sb.url, monkeypatch, session=session, jobs_in_flight=10) as gw:
            results = gw.write_decisions(proposals_for(gw))
            counts = gw.request_counts()
        refused = [s for m, p, s in sb.request_log() if p.endswith("/update_many.json") and s == 429]
    assert [r.status for r in results] == ["applied"] * 500
    assert refused, "the sandbox never answered TooManyJobs"
    assert counts["PUT /tickets/update_many"] == 5 + len(refused)
    assert sleeps == []  # the session waited out no 429: the writer polled instead
    for ticket_id in range(FIRST_ID, FIRST_ID + 500, 50):
        assert len(commops_comments(sb, ticket_id)) == 1


def test_the_sandbox_refuses_a_job_over_the_limit_with_too_many_jobs(tmp_path: Path) -> None:
    import httpx

    with SandboxServer(tmp_path / "sb.sqlite3", limits=False, job_delay_s=10_000) as sb:
        sb.store.reset()
        sb.store.load(applicants(1))
        for _ in range(MAX_ACTIVE_JOBS):
            sb.app.jobs.submit([{"id": FIRST_ID, "status": "open"}], author_id=1, fail=False)
        answer = httpx.put(f"{sb.url}/api/v2/tickets/update_many.json", json={"tickets": [{"id": FIRST_ID}]},
                           headers={"Authorization": "Bearer sandbox"})
    assert answer.status_code == 429
    assert answer.json()["error"] == "TooManyJobs"


def test_a_later_call_reads_the_audits_only_down_to_where_the_call_before_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two calls of one run: the second's window check stops at the first's newest audit (those happened
    before its re-checks), and still sees an edit made while its own job was queued."""
    with SandboxServer(tmp_path / "sb.sqlite3", limits=False, job_delay_s=10_000, pessimistic=True) as sb:
        sb.store.reset()
        sb.store.load(applicants(500))
        with gateway_for(sb.url, monkeypatch) as gw:
            proposals = proposals_for(gw)
            first = gw.write_decisions(proposals[:250])
            before = gw.request_counts()["GET /ticket_audits"]
            submit = sb.app.jobs.submit

            def edit_after_queueing(updates: list[dict[str, Any]], author_id: int, **kw: Any) -> dict[str, Any]:
                job = submit(updates, author_id, **kw)
                sb.store.reply(int(updates[0]["id"]), "One more thing.")
                return job

            monkeypatch.setattr(sb.app.jobs, "submit", edit_after_queueing)
            second = gw.write_decisions(proposals[250:])
            pages = gw.request_counts()["GET /ticket_audits"] - before
    assert {r.status for r in first} == {"applied"}
    conflicts = [r.ticket_id for r in second if r.status == "conflict"]
    assert conflicts == [FIRST_ID + 250, FIRST_ID + 350, FIRST_ID + 450]  # the first ticket of each job
    assert pages == 3  # 250 audits of its own + 3 replies, not the first call's 250 again
