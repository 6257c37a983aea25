"""A job queued by a process that was killed runs late: the retry still posts each decision once."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.integration.gateway.helpers import FIRST_ID, applicants, commops_comments, gateway_for, proposals_for

from commops.sandbox import SandboxServer
from commops.sandbox.faults import FaultInjector, FaultSpec
from commops.zendesk._writer import update_many_body


class ClockJump(FaultInjector):
    """No faults; the ``at``-th request moves the sandbox clock ``by`` seconds (queued jobs fall due)."""

    def __init__(self, now: list[float], at: int, by: float) -> None:
        super().__init__(FaultSpec())
        self.now, self.at, self.by, self.drawn = now, at, by, 0

    def draw(self) -> str | None:
        self.drawn += 1
        if self.drawn == self.at:
            self.now[0] += self.by
        return None


@pytest.mark.parametrize("lands_at", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("pessimistic", [False, True], ids=["optimistic", "pessimistic"])
def test_orphan_job_landing_between_recheck_and_write_is_not_doubled(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pessimistic: bool, lands_at: int
) -> None:
    """A killed process's job, never journaled, still queued when the retry starts, runs when the
    ``lands_at``-th request of the retry arrives (the sandbox clock jumps past its delay). The retry
    first waits for the jobs the account runs, so it re-checks only after the orphan ran: whatever the
    request, no decision is posted twice, even where update_many ignores safe_update."""
    now = [1_800_000_000.0]
    with SandboxServer(tmp_path / "sb.sqlite3", limits=False, clock=lambda: now[0], job_delay_s=30,
                       pessimistic=pessimistic) as sandbox:
        sandbox.store.reset()
        sandbox.store.load(applicants(3))
        with gateway_for(sandbox.url, monkeypatch, max_clock_skew_s=float("inf")) as killed:
            proposals = proposals_for(killed)
            ready, _ = killed._prepare(proposals)
            orphan = killed.http.put("tickets/update_many.json", update_many_body(ready), what="orphan")
        assert orphan["job_status"]["status"] == "queued"  # then the process died: never polled
        with gateway_for(sandbox.url, monkeypatch, max_clock_skew_s=float("inf")) as retry:
            retry.me(), retry.macro_records()
            sandbox.app.faults = ClockJump(now, at=lands_at, by=60)
            results = retry.write_decisions(proposals)
        assert {r.status for r in results} <= {"applied", "already_applied"}, results
        for ticket_id in range(FIRST_ID, FIRST_ID + 3):
            assert len(commops_comments(sandbox, ticket_id)) == 1


@pytest.mark.parametrize("pessimistic", [False, True], ids=["optimistic", "pessimistic"])
def test_settle_jobs_waits_for_an_orphan_job_then_the_markers_show_it_landed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pessimistic: bool
) -> None:
    """The journal recorded the killed run's job id: the next run waits for it instead of resending."""
    with SandboxServer(tmp_path / "sb.sqlite3", limits=False, job_delay_s=0.3, pessimistic=pessimistic) as sandbox:
        sandbox.store.reset()
        sandbox.store.load(applicants(2))
        with gateway_for(sandbox.url, monkeypatch, max_clock_skew_s=float("inf")) as killed:
            proposals = proposals_for(killed)
            ready, _ = killed._prepare(proposals)
            orphan = killed.http.put("tickets/update_many.json", update_many_body(ready), what="orphan")
        job_id = str(orphan["job_status"]["id"])
        with gateway_for(sandbox.url, monkeypatch, max_clock_skew_s=float("inf")) as retry:
            assert job_id in retry.active_jobs()  # found even when its id was never recorded
            assert retry.settle_jobs([job_id, "V3-unknown"]) == {job_id: "completed", "V3-unknown": "gone"}
            results = retry.write_decisions(proposals)
        assert [r.status for r in results] == ["already_applied"] * 2
        assert "PUT /tickets/update_many" not in retry.request_counts()
        for ticket_id in range(FIRST_ID, FIRST_ID + 2):
            assert len(commops_comments(sandbox, ticket_id)) == 1
