"""The writer's job polling and confirmation over a fake account side: backoff, deadline, re-reads."""

from __future__ import annotations

from typing import Any, cast

import pytest

from commops.domain import Decision, MacroRef, Outcome, Proposal, Reason
from commops.errors import AuthError, ZendeskError
from commops.zendesk._client import ZendeskHttp
from commops.zendesk._compose import ComposedUpdate
from commops.zendesk._writer import Writer, WriteSide, _Batch, _Job


class Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.pauses: list[float] = []

    def pause(self, seconds: float) -> None:
        self.pauses.append(round(seconds, 6))
        self.now += seconds


class Http:
    def __init__(self, answers: list[dict[str, Any]]) -> None:
        self.answers = answers

    def get(self, path: str, *, what: str) -> dict[str, Any]:
        return self.answers.pop(0) if self.answers else {}


def item(ticket_id: int = 7) -> tuple[Proposal, ComposedUpdate]:
    reason = Reason(rule="r", message="m", outcome=Outcome.QUALIFY, macro=MacroRef(title="Welcome"))
    decision = Decision(ticket_id=ticket_id, program="education", outcome=Outcome.QUALIFY, reasons=[reason],
                        ruleset_version="v1")
    return Proposal(decision=decision, updated_stamp="s"), ComposedUpdate(ticket_id, "wid-7", {})


def writer(http: Http, clock: Clock, *, wait: float = 60.0, fetch: Any = None) -> Writer:
    side = WriteSide(http=cast(ZendeskHttp, http), prepare=lambda ps: ([], {}), fetch=fetch or (lambda ids: {}),
                     written=lambda t: t.get("marker"), now=lambda: clock.now, pause=clock.pause, job_wait_s=wait)
    return Writer(side)


def job(status: str, results: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"job_statuses": [{"id": "J1", "status": status, "results": results}]}


def drain(w: Writer, clock: Clock, jobs: dict[str, list[tuple[Proposal, ComposedUpdate]]]) -> _Batch:
    """Jobs just accepted, then polled until none is open (as at the end of a pipelined batch)."""
    batch = _Batch()
    for job_id, chunk in jobs.items():
        batch.open[job_id] = _Job(job_id, chunk, clock.now, clock.now + 0.25)
    while batch.open:
        w._poll(batch)
    return batch


def test_polls_back_off_until_the_job_completes() -> None:
    clock = Clock()
    answers = [job("queued"), job("working"), job("completed", [{"id": 7, "success": True}])]
    batch = drain(writer(Http(answers), clock), clock, {"J1": [item()]})
    assert batch.unsure == [] and batch.results[7].status == "applied"
    assert clock.pauses == [0.25, 0.5, 1.0]


def test_polling_stops_at_the_deadline_and_hands_the_job_to_confirmation() -> None:
    clock = Clock()
    batch = drain(writer(Http([job("queued")] * 5), clock, wait=0.6), clock, {"J1": [item()]})
    assert clock.pauses == [0.25, 0.35]  # the last pause ends exactly at the deadline
    assert [p.ticket_id for p, _ in batch.unsure] == [7]


def test_a_failed_job_goes_to_confirmation() -> None:
    clock = Clock()
    batch = drain(writer(Http([job("failed")]), clock), clock, {"J1": [item()]})
    assert [p.ticket_id for p, _ in batch.unsure] == [7]


def test_confirmation_retries_a_failed_re_read_and_finds_the_write() -> None:
    clock = Clock()
    reads: list[list[int]] = []

    def fetch(ids: list[int]) -> dict[int, dict[str, Any]]:
        reads.append(ids)
        if len(reads) == 1:
            raise ZendeskError("502 while re-reading")
        return {7: {"id": 7, "marker": "wid-7", "updated_at": "t2"}}

    found = writer(Http([]), clock, fetch=fetch)._confirm([item()], delays=(0.0, 0.5), conflict_if_absent=False)
    assert (found[7].status, found[7].updated_stamp) == ("applied", "t2")
    assert reads == [[7], [7]] and clock.pauses == [0.5]


def test_confirmation_that_never_finds_the_write_says_a_retry_is_safe() -> None:
    clock = Clock()
    found = writer(Http([]), clock, fetch=lambda ids: {7: {"id": 7, "marker": None}})._confirm(
        [item()], delays=(0.0, 0.5, 1.5), conflict_if_absent=False
    )
    assert found[7].status == "failed" and "retry is safe" in (found[7].error or "")
    assert clock.pauses == [0.5, 1.5]


def test_a_failed_poll_is_polled_again() -> None:
    clock = Clock()

    class FlakyHttp(Http):
        def get(self, path: str, *, what: str) -> dict[str, Any]:
            if not clock.pauses[1:]:  # the first poll fails
                raise ZendeskError(f"502 while {what}")
            return super().get(path, what=what)

    batch = drain(writer(FlakyHttp([job("completed", [{"id": 7, "success": True}])]), clock), clock,
                  {"J1": [item()]})
    assert batch.unsure == [] and batch.results[7].status == "applied" and clock.pauses == [0.25, 0.5]


def test_an_auth_failure_while_polling_stops_the_run_and_says_what_it_was_doing() -> None:
    class Refused(Http):
        def get(self, path: str, *, what: str) -> dict[str, Any]:
            raise AuthError(f"401 while {what}")

    with pytest.raises(AuthError, match=r"while waiting for update jobs$"):
        clock = Clock()
        drain(writer(Refused([]), clock), clock, {"J1": [item()]})


def test_every_job_of_a_poll_round_is_read_and_every_unconfirmed_ticket_kept() -> None:
    clock = Clock()
    first = {"job_statuses": [{"id": "J2", "status": "completed", "results": []}]}  # J1 not answered yet
    second = {"job_statuses": [{"id": "J1", "status": "completed", "results": [{"id": 7, "success": True}]}]}
    batch = drain(writer(Http([first, second]), clock), clock, {"J1": [item(7), item(8)], "J2": [item(9)]})
    assert batch.results[7].status == "applied"
    assert sorted(p.ticket_id for p, _ in batch.unsure) == [8, 9]  # not in their jobs' results: re-read
    assert clock.pauses == [0.25, 0.5]  # two rounds: J2 read in the first, J1 in the second
