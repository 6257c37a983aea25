"""Writes: never over a changed ticket, exactly once when answers are lost, per-ticket job results."""

from __future__ import annotations

import pytest
from tests.integration.gateway.helpers import (
    FIRST_ID,
    ScriptedFaults,
    applicants,
    both_modes,
    commops_comments,
    decision,
    gateway_for,
    proposals_for,
)

from commops.domain import Outcome, Proposal
from commops.sandbox import SandboxServer
from commops.zendesk import ZendeskGateway

pytestmark = both_modes


def _warm(gw: ZendeskGateway) -> None:
    """Read the reference data (and look at the account's running jobs) now, so the scripted faults below
    hit the write's own requests."""
    gw.me()
    gw.macro_records()
    gw.ticket_fields()
    gw.wait_for_running_jobs()


def test_ticket_edited_between_read_and_write_is_not_overwritten(
    sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox.store.load(applicants(5))
    with gateway_for(sandbox.url, monkeypatch) as gw:
        proposals = proposals_for(gw)
        sandbox.store.reply(FIRST_ID + 2, "Here is more information.")  # the applicant answers meanwhile
        results = gw.write_decisions(proposals)
    assert [r.status for r in results] == ["applied", "applied", "conflict", "applied", "applied"]
    assert "changed since it was evaluated" in (results[2].error or "")
    changed = sandbox.store.ticket(FIRST_ID + 2)
    assert changed["status"] == "open" and "commops_decided" not in changed["tags"]
    assert [c["body"] for c in commops_comments(sandbox, FIRST_ID + 2)] == ["Here is more information."]


def test_single_write_refused_by_safe_update_is_a_conflict(
    sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox.store.load(applicants(1))
    with gateway_for(sandbox.url, monkeypatch) as gw:
        [proposal] = proposals_for(gw)
        sandbox.store.reply(FIRST_ID, "Changed my mind.")
        [result] = gw.write_decisions([proposal])
    assert result.status == "conflict"
    assert len(commops_comments(sandbox, FIRST_ID)) == 1


@pytest.mark.parametrize("fault", ["slow", "drop"])
@pytest.mark.parametrize("size", [1, 3])
def test_write_whose_answer_is_lost_is_applied_once(
    sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch, fault: str, size: int
) -> None:
    sandbox.store.load(applicants(size))
    with gateway_for(sandbox.url, monkeypatch, timeout_s=0.5) as gw:
        proposals = proposals_for(gw)
        _warm(gw)
        # request 1 re-reads the tickets; request 2 is the write: performed, its answer lost.
        sandbox.app.faults = ScriptedFaults({2: fault})
        results = gw.write_decisions(proposals)
        retried = gw.write_decisions(proposals)  # a retry (e.g. a new run) finds the markers
        counts = gw.request_counts()
    assert [r.status for r in results] == ["applied"] * size, results
    assert [r.status for r in retried] == ["already_applied"] * size
    write = "PUT /tickets/{id}" if size == 1 else "PUT /tickets/update_many"
    assert counts[write] == 1  # never resent
    for ticket_id in range(FIRST_ID, FIRST_ID + size):
        assert len(commops_comments(sandbox, ticket_id)) == 1
        assert sandbox.store.ticket(ticket_id)["status"] == "solved"
    for result in results:  # the stamp after the write, read back from the ticket that was confirmed
        assert result.updated_stamp == sandbox.store.ticket(result.ticket_id)["updated_at"]


def test_update_many_failure_reports_exactly_that_ticket(
    sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    document = applicants(4)
    document["tickets"][1]["status"] = "closed"  # Zendesk refuses to update a closed ticket
    sandbox.store.load(document)
    with gateway_for(sandbox.url, monkeypatch) as gw:
        stamps = gw.current_stamps(list(range(FIRST_ID, FIRST_ID + 4)))
        proposals = [Proposal(decision=decision(t), updated_stamp=s) for t, s in sorted(stamps.items())]
        results = gw.write_decisions(proposals)
    assert [r.status for r in results] == ["applied", "failed", "applied", "applied"]
    assert (results[1].error or "").startswith("Zendesk refused the update: ")
    assert commops_comments(sandbox, FIRST_ID + 1) == []


def test_failed_job_is_checked_on_the_tickets_and_safe_to_retry(
    sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox.store.load(applicants(3))
    with gateway_for(sandbox.url, monkeypatch) as gw:
        proposals = proposals_for(gw)
        sandbox.app.faults = ScriptedFaults({}, jobfail=True)
        results = gw.write_decisions(proposals)
        assert [r.status for r in results] == ["failed"] * 3
        assert all("retry is safe" in (r.error or "") for r in results)
        sandbox.app.faults = ScriptedFaults({})
        retried = gw.write_decisions(proposals)
    assert [r.status for r in retried] == ["applied"] * 3
    assert all(len(commops_comments(sandbox, t)) == 1 for t in range(FIRST_ID, FIRST_ID + 3))


def test_escalation_writes_an_internal_note_with_reasons(
    sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox.store.load(applicants(1))
    with gateway_for(sandbox.url, monkeypatch) as gw:
        [app] = gw.get_applications([FIRST_ID])
        assert app.updated_stamp is not None
        proposal = Proposal(decision=decision(FIRST_ID, Outcome.ESCALATE), updated_stamp=app.updated_stamp)
        [result] = gw.write_decisions([proposal])
        [after] = gw.get_applications([FIRST_ID])
    assert result.status == "applied" and result.updated_stamp
    [note] = commops_comments(sandbox, FIRST_ID)
    assert note["public"] is False and "- edu.rule0: reason 0" in note["body"]
    ticket = sandbox.store.ticket(FIRST_ID)
    assert ticket["group_id"] == 36000100002 and "trade_compliance_review" in ticket["tags"]
    assert after.marker is not None and (after.marker.outcome, after.marker.ruleset) == ("escalate", "t1")


class EditOnRequest(ScriptedFaults):
    """No faults; just before the ``at``-th request from now, the applicant replies to ``ticket_id``."""

    def __init__(self, sandbox: SandboxServer, at: int, ticket_id: int) -> None:
        super().__init__({})
        self.sandbox, self.at, self.ticket_id = sandbox, at, ticket_id

    def draw(self) -> str | None:
        if super().draw() is None and self.drawn == self.at:
            self.sandbox.store.reply(self.ticket_id, "An answer written while the decision was on its way.")
        return None


def test_an_edit_between_the_recheck_and_a_single_put_is_a_conflict(
    sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox.store.load(applicants(1))
    with gateway_for(sandbox.url, monkeypatch) as gw:
        [proposal] = proposals_for(gw)
        _warm(gw)
        sandbox.app.faults = EditOnRequest(sandbox, at=2, ticket_id=FIRST_ID)  # 1: re-check, 2: the PUT
        [result] = gw.write_decisions([proposal])
    assert (result.ticket_id, result.status) == (FIRST_ID, "conflict")
    assert result.error == f"ticket {FIRST_ID} changed since it was evaluated"
    assert [c["body"] for c in commops_comments(sandbox, FIRST_ID)] == [
        "An answer written while the decision was on its way."
    ]


def test_an_edit_between_the_recheck_and_update_many_is_a_conflict(
    sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch, sandbox_mode: str
) -> None:
    """Pessimistic: the job writes over the applicant's reply (update_many ignores safe_update); the
    audits after the job show it, so the ticket is a conflict with the applicant's status put back."""
    sandbox.store.load(applicants(3))
    with gateway_for(sandbox.url, monkeypatch) as gw:
        proposals = proposals_for(gw)
        _warm(gw)
        sandbox.app.faults = EditOnRequest(sandbox, at=2, ticket_id=FIRST_ID + 1)  # 2: the update_many
        results = gw.write_decisions(proposals)
    assert [(r.ticket_id, r.status) for r in results] == [
        (FIRST_ID, "applied"), (FIRST_ID + 1, "conflict"), (FIRST_ID + 2, "applied")
    ]
    assert (results[1].error or "").startswith(f"ticket {FIRST_ID + 1} changed since it was evaluated")
    edited = sandbox.store.ticket(FIRST_ID + 1)
    assert edited["status"] == "open"
    bodies = [c["body"] for c in commops_comments(sandbox, FIRST_ID + 1)]
    assert bodies[0] == "An answer written while the decision was on its way."
    if sandbox_mode == "pessimistic":  # the reply went out; an internal note says so, the status is the reply's
        assert len(bodies) == 3 and "while commops's decision (qualify) waited in a bulk update" in bodies[2]
        assert "put back: status" in (results[1].error or "")
    else:  # refused inside the job by safe_update: nothing of the decision on the ticket
        assert len(bodies) == 1
