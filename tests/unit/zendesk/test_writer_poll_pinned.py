"""Job polling pinned where mutation testing found it loose: a failed or killed job is handed to
confirmation on the poll that sees it (not at the deadline), every job of a round keeps its tickets, the
deadline counts from the job's own submission, the per-ticket estimate, and the give-up is logged."""

from __future__ import annotations

import logging

import pytest

from commops.zendesk._writer import _Batch, _Job

from .test_writer_poll import Clock, Http, item, writer


@pytest.mark.parametrize("status", ["failed", "killed"])
def test_a_failed_or_killed_job_is_handed_over_on_the_poll_that_sees_it(status: str) -> None:
    clock = Clock()
    w = writer(Http([{"job_statuses": [{"id": "J1", "status": status}]}]), clock)
    batch = _Batch()
    batch.open["J1"] = _Job("J1", [item(7)], 0.0, 0.25)
    w._poll(batch)
    assert batch.open == {} and [p.ticket_id for p, _ in batch.unsure] == [7]
    assert clock.pauses == [0.25]  # one look, no waiting for the deadline


def test_every_job_given_up_in_one_round_keeps_its_tickets() -> None:
    clock = Clock()
    answer = {"job_statuses": [{"id": "J1", "status": "failed"}, {"id": "J2", "status": "killed"}]}
    w = writer(Http([answer]), clock)
    batch = _Batch()
    batch.unsure.append(item(1))  # already unsure from an earlier chunk
    batch.open["J1"] = _Job("J1", [item(7)], 0.0, 0.25)
    batch.open["J2"] = _Job("J2", [item(8)], 0.0, 0.25)
    w._poll(batch)
    assert sorted(p.ticket_id for p, _ in batch.unsure) == [1, 7, 8]


def test_the_deadline_counts_from_the_jobs_own_submission(caplog: pytest.LogCaptureFixture) -> None:
    clock = Clock()
    clock.now = 8.0
    queued = {"job_statuses": [{"id": "J1", "status": "queued"}]}
    w = writer(Http([queued, queued, queued]), clock, wait=0.75)
    batch = _Batch()
    batch.unsure.append(item(1))
    batch.open["J1"] = _Job("J1", [item(7)], 8.0, 8.25)
    w._poll(batch)
    assert "J1" in batch.open  # 0.25 s after its submission: not given up
    with caplog.at_level(logging.INFO, logger="commops.zendesk.jobs"):
        for _ in range(5):
            if batch.open:
                w._poll(batch)
    assert batch.open == {} and clock.now == 8.75 and sorted(p.ticket_id for p, _ in batch.unsure) == [1, 7]
    assert "gave up waiting for job J1 after 0.75s; its tickets are re-read instead" in caplog.messages


def test_a_completed_job_sets_the_per_ticket_estimate() -> None:
    clock = Clock()
    done = {"job_statuses": [{"id": "J1", "status": "completed",
                              "results": [{"id": 7, "success": True}, {"id": 8, "success": True}]}]}
    w = writer(Http([done]), clock)
    batch = _Batch()
    clock.now = 10.0
    batch.open["J1"] = _Job("J1", [item(7), item(8)], 10.0, 11.0)
    w._poll(batch)
    assert w._per_ticket_s == pytest.approx(0.5)  # one second for two tickets
