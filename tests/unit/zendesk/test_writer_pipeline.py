"""The pipelined batch writer over a fake account: job ids handed over at once, re-checks overlapping the
jobs before them, the job-slot limit, Zendesk's TooManyJobs, and polls scheduled by progress."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from commops.domain import Decision, MacroRef, Outcome, Proposal, Reason
from commops.ports import WriteResult
from commops.zendesk._client import JobQueueFull, ZendeskHttp
from commops.zendesk._compose import ComposedUpdate
from commops.zendesk._writer import Writer, WriteSide
from tests.unit.zendesk.test_writer_poll import Clock, Http, drain, item, writer


def proposal(ticket_id: int) -> Proposal:
    reason = Reason(rule="r", message="m", outcome=Outcome.QUALIFY, macro=MacroRef(title="Welcome"))
    decision = Decision(ticket_id=ticket_id, program="education", outcome=Outcome.QUALIFY, reasons=[reason],
                        ruleset_version="v1")
    return Proposal(decision=decision, updated_stamp="s")


class Account:
    """update_many queues a job that completes on its ``finish_after``-th poll; at most ``capacity`` jobs
    may be open (then 429 TooManyJobs). Every call lands in ``log``, in order."""

    def __init__(self, *, capacity: int = 30, finish_after: int = 1) -> None:
        self.capacity, self.finish_after = capacity, finish_after
        self.log: list[tuple[Any, ...]] = []
        self.jobs: dict[str, dict[str, Any]] = {}

    def open_jobs(self) -> int:
        return sum(1 for j in self.jobs.values() if not j["done"])

    def submit_job(self, path: str, body: dict[str, Any], *, what: str) -> dict[str, Any]:
        if self.open_jobs() >= self.capacity:
            self.log.append(("full",))
            raise JobQueueFull("rate-limited by Zendesk: TooManyJobs", status=429)
        job_id = f"J{len(self.jobs) + 1}"
        self.jobs[job_id] = {"tickets": [t["id"] for t in body["tickets"]], "polls": 0, "done": False}
        self.log.append(("submit", job_id, self.open_jobs()))
        return {"job_status": {"id": job_id, "status": "queued"}}

    def get(self, path: str, *, what: str) -> dict[str, Any]:
        ids = path.split("ids=", 1)[1].split(",")
        self.log.append(("poll", tuple(ids)))
        answers: list[dict[str, Any]] = []
        for job_id in ids:
            job = self.jobs[job_id]
            job["polls"] += 1
            if job["polls"] >= self.finish_after:
                job["done"] = True
                answers.append({"id": job_id, "status": "completed",
                                "results": [{"id": t, "success": True} for t in job["tickets"]]})
            else:
                answers.append({"id": job_id, "status": "working", "progress": 50, "total": 100})
        return {"job_statuses": answers}

    def prepare(self, proposals: Sequence[Proposal]) -> tuple[list[tuple[Proposal, ComposedUpdate]],
                                                             dict[int, WriteResult]]:
        self.log.append(("prepare", proposals[0].ticket_id))
        return [(p, ComposedUpdate(p.ticket_id, f"wid-{p.ticket_id}", {})) for p in proposals], {}


def run(account: Account, count: int, *, in_flight: int = 10, wait: float = 60.0,
        clock: Clock | None = None) -> tuple[list[WriteResult], Writer]:
    clock = clock or Clock()
    side = WriteSide(http=cast(ZendeskHttp, account), prepare=account.prepare, fetch=lambda ids: {},
                     written=lambda t: None, now=lambda: clock.now, pause=clock.pause, job_wait_s=wait,
                     jobs_in_flight=in_flight)
    w = Writer(side, on_job=lambda job_id, ids: account.log.append(("on_job", job_id, len(ids))),
               between_batches=lambda: account.log.append(("between",)))
    return w.write([proposal(1000 + i) for i in range(count)]), w


def test_each_job_id_is_handed_over_before_the_next_request() -> None:
    account = Account()
    results, _ = run(account, 350)
    assert {r.status for r in results} == {"applied"} and len(results) == 350
    submits = [i for i, entry in enumerate(account.log) if entry[0] == "submit"]
    assert len(submits) == 4
    for i in submits:
        assert account.log[i + 1][:2] == ("on_job", account.log[i][1])  # journaled before anything else
    assert [e[2] for e in account.log if e[0] == "on_job"] == [100, 100, 100, 50]


def test_each_chunk_is_rechecked_right_before_its_job_while_the_earlier_jobs_run() -> None:
    account = Account()
    run(account, 300)
    kinds = [e[0] for e in account.log]
    assert kinds == ["between", "prepare", "submit", "on_job"] * 3 + ["poll"]  # one poll, for all three jobs
    assert account.log[-1] == ("poll", ("J1", "J2", "J3"))


def test_never_more_jobs_open_than_allowed_and_every_chunk_sent_once() -> None:
    account = Account(finish_after=2)
    results, _ = run(account, 500, in_flight=2)
    assert {r.status for r in results} == {"applied"}
    assert max(e[2] for e in account.log if e[0] == "submit") == 2
    sent = [t for job in account.jobs.values() for t in job["tickets"]]
    assert sorted(sent) == list(range(1000, 1500))  # no ticket in two jobs


def test_too_many_jobs_lowers_the_limit_and_waits_for_its_own_jobs() -> None:
    account = Account(capacity=2)  # the account's other jobs take the rest of the 30
    results, w = run(account, 600, in_flight=10)
    assert {r.status for r in results} == {"applied"}
    assert ("full",) in account.log and w._limit == 2
    sent = [t for job in account.jobs.values() for t in job["tickets"]]
    assert sorted(sent) == list(range(1000, 1600))  # a refused job was queued by nobody: sent again, once


def test_a_queue_full_of_other_jobs_fails_the_chunk_safely_after_job_wait() -> None:
    clock = Clock()
    results, _ = run(Account(capacity=0), 150, wait=3.0, clock=clock)
    assert {r.status for r in results} == {"failed"}
    assert all("nothing was sent" in (r.error or "") and "retry is safe" in (r.error or "") for r in results)
    assert clock.pauses == [1.0] * 6  # 3 s for each of the two chunks


def test_the_next_poll_is_timed_by_the_jobs_progress() -> None:
    clock = Clock()
    answers: list[dict[str, Any]] = [
        {"job_statuses": [{"id": "J1", "status": "working", "progress": 25, "total": 100}]},
        {"job_statuses": [{"id": "J1", "status": "completed", "results": [{"id": 7, "success": True}]}]},
    ]
    batch = drain(writer(Http(answers), clock), clock, {"J1": [item()]})
    assert batch.results[7].status == "applied"
    assert clock.pauses == [0.25, 0.75]  # a quarter done after 0.25 s: the rest takes 0.75 s


def test_later_jobs_are_first_looked_at_after_the_time_earlier_ones_took() -> None:
    clock = Clock()
    account = Account(finish_after=2, capacity=30)
    run(account, 300, in_flight=1, clock=clock)
    # Job 1: first look after 0.25 s (nothing known), working at half → done 0.25 s later: 0.5 s in all.
    # Jobs 2 and 3 are first looked at after 0.5 s, then at their progress.
    assert clock.pauses == [0.25, 0.25, 0.5, 0.5, 0.5, 0.5]
