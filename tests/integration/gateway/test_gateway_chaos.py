"""Under mixed faults a decision lands at most once; a retry finishes the rest exactly once."""

from __future__ import annotations

import pytest
from tests.integration.gateway.helpers import (
    FIRST_ID,
    ScriptedFaults,
    applicants,
    both_modes,
    commops_comments,
    gateway_for,
    proposals_for,
)

from commops.sandbox import SandboxServer
from commops.sandbox.faults import FaultInjector, parse_faults
from commops.zendesk import ZendeskSession

pytestmark = both_modes


def test_refused_single_write_is_checked_then_resent_once(
    sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox.store.load(applicants(1))
    with gateway_for(sandbox.url, monkeypatch) as gw:
        proposals = proposals_for(gw)
        gw.me(), gw.macro_records(), gw.ticket_fields()
        gw.wait_for_running_jobs()
        sandbox.app.faults = ScriptedFaults({2: "502"})  # the PUT is answered 502 and not performed
        [result] = gw.write_decisions(proposals)
        counts = gw.request_counts()
    assert result.status == "applied"
    assert counts["PUT /tickets/{id}"] == 2  # looked at the ticket first, then resent with safe update
    assert len(commops_comments(sandbox, FIRST_ID)) == 1


def test_refused_batch_is_reported_failed_and_a_retry_applies_it_once(
    sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox.store.load(applicants(3))
    with gateway_for(sandbox.url, monkeypatch) as gw:
        proposals = proposals_for(gw)
        gw.me(), gw.macro_records(), gw.ticket_fields()
        gw.wait_for_running_jobs()
        sandbox.app.faults = ScriptedFaults({2: "500"})
        first = gw.write_decisions(proposals)
        second = gw.write_decisions(proposals)
        counts = gw.request_counts()
    assert [r.status for r in first] == ["failed"] * 3
    assert [r.status for r in second] == ["applied"] * 3
    assert counts["PUT /tickets/update_many"] == 2
    assert all(len(commops_comments(sandbox, t)) == 1 for t in range(FIRST_ID, FIRST_ID + 3))


@pytest.mark.parametrize("seed", [1, 2])
def test_mixed_faults_never_post_twice(sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch, seed: int) -> None:
    size = 250
    sandbox.store.load(applicants(size))
    ids = range(FIRST_ID, FIRST_ID + size)
    session = ZendeskSession(rate_budget_s=60.0, sleep=lambda _s: None, backoff_s=0.01)
    with gateway_for(sandbox.url, monkeypatch, session=session, timeout_s=0.5, job_wait_s=5.0) as gw:
        proposals = proposals_for(gw)
        sandbox.app.faults = FaultInjector(parse_faults("429=0.1,5xx=0.1,drop=0.05,slow=0.03"), seed=seed)
        statuses = [r.status for r in gw.write_decisions(proposals)]
        assert set(statuses) <= {"applied", "failed"}
        for ticket_id, status in zip(ids, statuses, strict=True):
            assert len(commops_comments(sandbox, ticket_id)) == (1 if status == "applied" else 0)
        sandbox.app.faults = FaultInjector(parse_faults(""), seed=seed)
        retried = [r.status for r in gw.write_decisions(proposals)]
    assert retried == ["already_applied" if s == "applied" else "applied" for s in statuses]
    assert all(len(commops_comments(sandbox, t)) == 1 for t in ids)
