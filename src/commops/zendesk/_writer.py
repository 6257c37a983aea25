"""Exactly-once writes: re-check, send, poll, and — when an answer is lost — look before resending.

A single proposal is one ``PUT /tickets/{id}`` with ``safe_update``; a batch is ``update_many`` in
chunks of 100, all chunks sent before one ``job_statuses/show_many`` poll loop. After a timeout, a
dropped connection, a 5xx or a lost job the tickets are re-read and the write_id marker decides.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from commops.domain import Proposal
from commops.errors import AuthError, ConflictError, RateBudgetError, UnreachableError, ZendeskError
from commops.ports import WriteResult
from commops.zendesk._client import ZendeskHttp
from commops.zendesk._compose import ComposedUpdate, write_id
from commops.zendesk._mapping import parse_time

_log = logging.getLogger("commops.zendesk.jobs")

__all__ = ["WriteSide", "Writer", "recheck", "same_stamp", "update_many_body"]

CHUNK = 100
_CONFIRM_DELAYS = (0.0, 0.5, 1.5)  # re-reads after an unconfirmed write: the job may still be running


JobCallback = Callable[[str, list[int]], None]


def _uncertain(exc: ZendeskError) -> bool:
    """Did the request maybe land? Timeouts, dropped connections and 5xx: we cannot tell."""
    return isinstance(exc, UnreachableError) or (exc.status is not None and exc.status >= 500) or exc.status is None


def same_stamp(a: str | None, b: str | None) -> bool:
    """Two ``updated_at`` values name the same instant (Zendesk writes them in more than one format)."""
    if a is None or b is None:
        return a == b
    try:
        return parse_time(a) == parse_time(b)
    except ValueError:
        return a == b


def recheck(proposal: Proposal, ticket: dict[str, Any] | None, written: str | None) -> WriteResult | None:
    """The re-check before anything is sent, on the ticket as re-read now (``written``: its write_id marker).

    Already applied (the marker carries this decision's write_id), gone, or changed since it was evaluated
    (a conflict: nothing is written, the ticket goes back to the queue); None when it may be written.
    Where update_many ignores safe_update this check is all that protects a ticket edited meanwhile.
    """
    tid = proposal.ticket_id
    if ticket is None:
        return WriteResult(ticket_id=tid, status="failed", error=f"ticket {tid} was not found")
    stamp = ticket.get("updated_at")
    if written == write_id(tid, proposal.updated_stamp, proposal.decision):
        return WriteResult(ticket_id=tid, status="already_applied", updated_stamp=stamp)
    if not same_stamp(stamp, proposal.updated_stamp):
        return WriteResult(
            ticket_id=tid,
            status="conflict",
            error=f"ticket {tid} changed since it was evaluated ({proposal.updated_stamp} → {stamp})",
            updated_stamp=stamp,
        )
    return None


def update_many_body(chunk: Sequence[tuple[Proposal, ComposedUpdate]]) -> dict[str, Any]:
    """safe_update inside update_many is not documented, so the re-check is what protects; sent anyway,
    it keeps a job queued by a killed process from landing twice where Zendesk honours it."""
    return {
        "tickets": [
            {"id": c.ticket_id, **c.body, "safe_update": True, "updated_stamp": p.updated_stamp} for p, c in chunk
        ]
    }


Ready = list[tuple[Proposal, ComposedUpdate]]


@dataclass(frozen=True)
class WriteSide:
    """What the writer needs of the account, handed over by the gateway (the writer never imports it).

    ``prepare`` re-reads the tickets and sorts proposals into ready (with the composed update) and done
    (already applied, conflict, not found); ``fetch`` re-reads tickets by id; ``written`` reads a
    ticket's write_id marker.
    """

    http: ZendeskHttp
    prepare: Callable[[Sequence[Proposal]], tuple[Ready, dict[int, WriteResult]]]
    fetch: Callable[[list[int]], dict[int, dict[str, Any]]]
    written: Callable[[dict[str, Any]], str | None]
    now: Callable[[], float]
    pause: Callable[[float], None]
    job_wait_s: float


class Writer:
    def __init__(self, side: WriteSide, on_job: JobCallback | None = None) -> None:
        self.gw = side
        self._on_job = on_job
        self._conflicted: list[tuple[Proposal, ComposedUpdate]] = []

    def write(self, proposals: Sequence[Proposal]) -> list[WriteResult]:
        results: dict[int, WriteResult] = {}
        writing: list[Proposal] = []
        for proposal in proposals:
            tid = proposal.ticket_id
            if not proposal.decision.outcome.writes:
                results.setdefault(tid, WriteResult(ticket_id=tid, status="skipped"))
            elif any(p.ticket_id == tid for p in writing):
                results[tid] = WriteResult(ticket_id=tid, status="failed", error="two proposals for one ticket")
            else:
                writing.append(proposal)
        if writing:
            ready, done = self.gw.prepare(writing)
            results.update(done)
            if len(writing) == 1 and ready:
                results.update(self._single(*ready[0]))
            elif ready:
                results.update(self._batch(ready))
        return [results[p.ticket_id] for p in proposals]

    # -- one ticket: safe update ----------------------------------------------------------------

    def _single(self, proposal: Proposal, composed: ComposedUpdate, *, resent: bool = False) -> dict[int, WriteResult]:
        tid = proposal.ticket_id
        body = {"ticket": {**composed.body, "safe_update": True, "updated_stamp": proposal.updated_stamp}}
        try:
            data = self.gw.http.put(f"tickets/{tid}.json", body, what=f"writing ticket {tid}")
        except (RateBudgetError, AuthError):
            raise
        except ConflictError:
            return self._confirm([(proposal, composed)], delays=(0.0,), conflict_if_absent=True)
        except ZendeskError as exc:
            if not _uncertain(exc):
                return {tid: WriteResult(ticket_id=tid, status="failed", error=str(exc))}
            confirmed = self._confirm([(proposal, composed)], delays=(0.0,), conflict_if_absent=False)
            if confirmed[tid].status != "failed" or resent:
                return confirmed
            # Not on the ticket and the ticket unchanged: resending with safe_update cannot double-post,
            # a late landing of the first attempt makes Zendesk answer 409.
            return self._single(proposal, composed, resent=True)
        stamp = (data.get("ticket") or {}).get("updated_at")
        return {tid: WriteResult(ticket_id=tid, status="applied", updated_stamp=stamp)}

    # -- many tickets: update_many + job polling --------------------------------------------------

    def _batch(self, ready: list[tuple[Proposal, ComposedUpdate]]) -> dict[int, WriteResult]:
        results: dict[int, WriteResult] = {}
        jobs: dict[str, list[tuple[Proposal, ComposedUpdate]]] = {}
        unsure: list[tuple[Proposal, ComposedUpdate]] = []
        for start in range(0, len(ready), CHUNK):
            chunk = ready[start : start + CHUNK]
            body = update_many_body(chunk)
            try:
                data = self.gw.http.put("tickets/update_many.json", body, what="writing decisions (update_many)")
            except (RateBudgetError, AuthError):
                raise
            except ZendeskError as exc:
                if _uncertain(exc):
                    unsure += chunk
                else:
                    for p, _ in chunk:
                        results[p.ticket_id] = WriteResult(ticket_id=p.ticket_id, status="failed", error=str(exc))
                continue
            job = data.get("job_status") or {}
            if job.get("status") == "completed":
                unsure += self._job_results(job, chunk, results)
            elif job.get("id"):
                jobs[str(job["id"])] = chunk
                if self._on_job is not None:  # the caller records it: a later run waits for it to settle
                    self._on_job(str(job["id"]), [p.ticket_id for p, _ in chunk])
            else:
                unsure += chunk
        unsure += self._poll(jobs, results)
        if unsure:
            results.update(self._confirm(unsure, delays=_CONFIRM_DELAYS, conflict_if_absent=False))
        if self._conflicted:  # the ticket changed under the job: maybe by this very write, sent earlier
            results.update(self._confirm(self._conflicted, delays=(0.0,), conflict_if_absent=True))
        return results

    def _poll(
        self, jobs: dict[str, list[tuple[Proposal, ComposedUpdate]]], results: dict[int, WriteResult]
    ) -> list[tuple[Proposal, ComposedUpdate]]:
        """Poll every open job in one show_many call per round, with backoff, until done or job_wait_s."""
        lost: list[tuple[Proposal, ComposedUpdate]] = []
        deadline = self.gw.now() + self.gw.job_wait_s
        delay = 0.25
        _log.info("waiting for %d update_many job(s) %s to finish (up to %gs)", len(jobs), ", ".join(jobs),
                  self.gw.job_wait_s)
        while jobs:
            self.gw.pause(min(delay, max(deadline - self.gw.now(), 0.0)))
            ids = ",".join(jobs)
            try:
                data = self.gw.http.get(f"job_statuses/show_many.json?ids={ids}", what="waiting for update jobs")
            except (RateBudgetError, AuthError):
                raise
            except ZendeskError:
                data = {}
            seen = {str(j.get("id")): j for j in data.get("job_statuses") or [] if isinstance(j, dict)}
            for job_id in list(jobs):
                job = seen.get(job_id)
                if job is None:
                    continue
                if job.get("status") == "completed":
                    lost += self._job_results(job, jobs.pop(job_id), results)
                elif job.get("status") in ("failed", "killed"):
                    lost += jobs.pop(job_id)
            if jobs and self.gw.now() >= deadline:
                _log.info("gave up waiting for job(s) %s after %gs; the tickets are re-read instead",
                          ", ".join(jobs), self.gw.job_wait_s)
                for chunk in jobs.values():
                    lost += chunk
                break
            delay = min(delay * 2, 5.0)
        return lost

    def _job_results(
        self, job: dict[str, Any], chunk: list[tuple[Proposal, ComposedUpdate]], results: dict[int, WriteResult]
    ) -> list[tuple[Proposal, ComposedUpdate]]:
        """Per-ticket results of a completed job; tickets the job does not mention are returned to confirm."""
        entries = {int(r["id"]): r for r in job.get("results") or [] if isinstance(r, dict) and "id" in r}
        missing: list[tuple[Proposal, ComposedUpdate]] = []
        for proposal, composed in chunk:
            entry = entries.get(proposal.ticket_id)
            if entry is None:
                missing.append((proposal, composed))
            elif entry.get("success", entry.get("status") == "Updated"):
                results[proposal.ticket_id] = WriteResult(ticket_id=proposal.ticket_id, status="applied")
            elif "conflict" in str(entry.get("error", "")).lower() or entry.get("status") == 409:
                self._conflicted.append((proposal, composed))
            else:
                why = ": ".join(str(entry[k]) for k in ("error", "details") if entry.get(k)) or "no reason given"
                results[proposal.ticket_id] = WriteResult(
                    ticket_id=proposal.ticket_id, status="failed", error=f"Zendesk refused the update: {why}"
                )
        return missing

    # -- look before resending --------------------------------------------------------------------

    def _confirm(
        self,
        items: list[tuple[Proposal, ComposedUpdate]],
        *,
        delays: Sequence[float],
        conflict_if_absent: bool,
    ) -> dict[int, WriteResult]:
        """Re-read the tickets: the write_id marker says whether the write landed. Never resends."""
        pending = {p.ticket_id: (p, c) for p, c in items}
        results: dict[int, WriteResult] = {}
        for delay in delays:
            if not pending:
                break
            if delay:
                self.gw.pause(delay)
            try:
                tickets = self.gw.fetch(list(pending))
            except (RateBudgetError, AuthError):
                raise
            except ZendeskError:
                continue
            for tid, (_, composed) in list(pending.items()):
                ticket = tickets.get(tid)
                if ticket is not None and self.gw.written(ticket) == composed.write_id:
                    results[tid] = WriteResult(ticket_id=tid, status="applied", updated_stamp=ticket.get("updated_at"))
                    del pending[tid]
        for tid in pending:
            if conflict_if_absent:
                results[tid] = WriteResult(
                    ticket_id=tid, status="conflict", error=f"ticket {tid} changed since it was evaluated"
                )
            else:
                results[tid] = WriteResult(
                    ticket_id=tid,
                    status="failed",
                    error=f"the write to ticket {tid} could not be confirmed and is not on the ticket; retry is safe",
                )
        return results
