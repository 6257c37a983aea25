"""Exactly-once writes: re-check, send, poll, and — when an answer is lost — look before resending.

A single proposal is one ``PUT /tickets/{id}`` with ``safe_update``. A batch is pipelined: each chunk of
100 is re-checked (re-read) right before its own ``update_many``, while the jobs of the chunks before it
run; up to ``jobs_in_flight`` jobs are kept open and polled together (``job_statuses/show_many``) when
their progress says one should be done. A job id is handed to ``on_job`` (the journal) before the next
request. After a timeout, a dropped connection, a 5xx or a lost job the tickets are re-read and the
write_id marker decides.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from commops.domain import Proposal
from commops.errors import AuthError, ConflictError, RateBudgetError, UnreachableError, ZendeskError
from commops.ports import WriteResult
from commops.zendesk._client import JobQueueFull, ZendeskHttp
from commops.zendesk._compose import ComposedUpdate, write_id
from commops.zendesk._mapping import parse_time
from commops.zendesk._window import Intrusion, find_intrusions, restore_update

_log = logging.getLogger("commops.zendesk.jobs")

__all__ = ["MAX_JOBS", "WriteSide", "Writer", "recheck", "same_stamp", "update_many_body"]

CHUNK = 100
MAX_JOBS = 30  # Zendesk's limit of background jobs queued or running per account
_CONFIRM_DELAYS = (0.0, 0.5, 1.5)  # re-reads after an unconfirmed write: the job may still be running
_FIRST_POLL_S = 0.25  # before any job of this run has finished: the first look at a new job
_MIN_WAIT_S, _MAX_WAIT_S = 0.02, 5.0


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
    ticket's write_id marker. ``jobs_in_flight``: how many of this run's update_many jobs may be open at
    once (at most the account's 30; other integrations' jobs count against the same limit, and a
    ``TooManyJobs`` answer lowers it for the rest of the run).
    """

    http: ZendeskHttp
    prepare: Callable[[Sequence[Proposal]], tuple[Ready, dict[int, WriteResult]]]
    fetch: Callable[[list[int]], dict[int, dict[str, Any]]]
    written: Callable[[dict[str, Any]], str | None]
    now: Callable[[], float]
    pause: Callable[[float], None]
    job_wait_s: float
    jobs_in_flight: int = 20
    # The window check after the jobs (none: not checked): the account's audits since a time (server
    # unix seconds), newest first; one ticket's audits, oldest first; the write_id an audit wrote.
    recent_audits: Callable[[float], list[dict[str, Any]]] | None = None
    ticket_audits: Callable[[int], list[dict[str, Any]]] = lambda _tid: []
    audit_write_id: Callable[[Mapping[str, Any]], str | None] = lambda _audit: None
    server_time: Callable[[], float | None] = lambda: None  # Zendesk's clock at its last answer
    marker_fields: frozenset[str] = frozenset()  # audit field names of the decision's markers
    marker_tags: frozenset[str] = frozenset()


@dataclass
class _Job:
    """One open update_many job: its chunk, when it was accepted, and when to look at it next."""

    id: str
    chunk: Ready
    submitted: float
    due: float
    wait: float = _FIRST_POLL_S


@dataclass
class _Batch:
    results: dict[int, WriteResult] = field(default_factory=dict)
    unsure: Ready = field(default_factory=list)  # the write may or may not have landed: look at the tickets
    conflicted: Ready = field(default_factory=list)  # refused by safe_update: maybe by this very write
    open: dict[str, _Job] = field(default_factory=dict)


class Writer:
    """Writes one call's proposals. ``between_batches`` runs before each chunk's re-check (a run's lease
    renewal, progress): nothing of a chunk is in the air then but the jobs already journaled."""

    def __init__(
        self,
        side: WriteSide,
        on_job: JobCallback | None = None,
        *,
        between_batches: Callable[[], None] | None = None,
    ) -> None:
        self.gw = side
        self._on_job = on_job
        self._between = between_batches
        self._limit = max(1, min(side.jobs_in_flight, MAX_JOBS))
        self._per_ticket_s: float | None = None  # this run's quickest job, submission to completion, a ticket

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
        if len(writing) == 1:
            if self._between is not None:
                self._between()
            ready, done = self.gw.prepare(writing)
            results.update(done)
            if ready:
                results.update(self._single(*ready[0]))
        elif writing:
            results.update(self._pipeline(writing))
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

    # -- many tickets: pipelined update_many jobs ------------------------------------------------

    def _pipeline(self, writing: list[Proposal]) -> dict[int, WriteResult]:
        """Chunk by chunk: re-check, then submit while earlier jobs run; poll only what is due."""
        batch = _Batch()
        server_now = self.gw.server_time()
        # Every re-check below happens after this instant; a second early for Zendesk's rounding.
        since = (server_now if server_now is not None else time.time() - 300.0) - 1.0
        sent: Ready = []
        for start in range(0, len(writing), CHUNK):
            if self._between is not None:
                self._between()
            ready, done = self.gw.prepare(writing[start : start + CHUNK])  # the re-check, just before its job
            batch.results.update(done)
            if ready:
                sent += ready
                self._submit(ready, batch)  # polls only when every job slot is taken
        _log.info("waiting for %d update_many job(s) to finish (up to %gs each)", len(batch.open),
                  self.gw.job_wait_s)
        while batch.open:
            self._poll(batch)
        if batch.unsure:
            batch.results.update(self._confirm(batch.unsure, delays=_CONFIRM_DELAYS, conflict_if_absent=False))
        if batch.conflicted:  # the ticket changed under the job: maybe by this very write, sent earlier
            batch.results.update(self._confirm(batch.conflicted, delays=(0.0,), conflict_if_absent=True))
        if self.gw.recent_audits is not None:
            self._check_window(sent, batch.results, since)
        return batch.results

    # -- the window between the re-check and the job ---------------------------------------------

    def _check_window(self, sent: Ready, results: dict[int, WriteResult], since: float) -> None:
        """Applied by a job, but did someone else update the ticket after its re-check and before the
        job ran? (update_many is not guarded by safe_update.) Such a ticket becomes a conflict, with the
        other update's values put back; never "applied"."""
        assert self.gw.recent_audits is not None
        written = {p.ticket_id: (c.write_id, p.updated_stamp) for p, c in sent
                   if results.get(p.ticket_id) is not None and results[p.ticket_id].status == "applied"}
        if not written:
            return
        found, unseen = find_intrusions(written, self.gw.recent_audits(since), self.gw.audit_write_id)
        for tid in unseen:  # our audit was not among the account's newest: read this ticket's own
            more, _ = find_intrusions({tid: written[tid]}, list(reversed(self.gw.ticket_audits(tid))),
                                      self.gw.audit_write_id)
            found.update(more)
        doubled = [tid for tid, i in found.items() if all(self.gw.audit_write_id(a) == written[tid][0]
                                                           for a in i.others)]
        for tid in doubled:  # only another copy of this same write: nothing of a person's to put back
            _log.warning("ticket %s: a late job of this same decision landed inside the window too; "
                         "Zendesk did not guard update_many, so its reply was posted twice", tid)
            del found[tid]
        if not found:
            return
        by_id = {p.ticket_id: p for p, _ in sent}
        current = self.gw.fetch(list(found))
        for tid, intrusion in found.items():
            results[tid] = self._put_back(by_id[tid], intrusion, current.get(tid))

    def _put_back(self, proposal: Proposal, intrusion: Intrusion, ticket: dict[str, Any] | None) -> WriteResult:
        tid = proposal.ticket_id
        _log.warning("ticket %s was updated by someone else while its update_many job was queued; "
                     "putting back what that update set and reporting a conflict", tid)
        why = f"ticket {tid} changed since it was evaluated (while its update_many job was queued"
        for attempt in range(2):
            if ticket is None:
                break
            note = _window_note(proposal, len(intrusion.others))
            body, restored = restore_update(intrusion, ticket, marker_fields=self.gw.marker_fields,
                                            marker_tags=self.gw.marker_tags, note=note)
            update = {"ticket": {**body, "safe_update": True, "updated_stamp": ticket.get("updated_at")}}
            try:
                data = self.gw.http.put(f"tickets/{tid}.json", update, what=f"putting back ticket {tid}")
            except (RateBudgetError, AuthError):
                raise
            except ConflictError:  # changed again meanwhile: read it again, put back what is still ours
                if attempt == 0:
                    ticket = self.gw.fetch([tid]).get(tid)
                continue
            except ZendeskError as exc:
                return WriteResult(ticket_id=tid, status="conflict", error=f"{why}; the decision's reply was "
                                   f"sent, and putting back the other update's values failed: {exc})")
            what = ", ".join(restored) if restored else "nothing: it had been changed again since"
            return WriteResult(ticket_id=tid, status="conflict",
                               updated_stamp=(data.get("ticket") or {}).get("updated_at"),
                               error=f"{why}; the decision's reply was sent; put back: {what})")
        return WriteResult(ticket_id=tid, status="conflict", error=f"{why}; the decision's reply was sent, and "
                           "the ticket kept changing, so nothing was put back: look at it)")

    def _submit(self, chunk: Ready, batch: _Batch) -> None:
        """One update_many for ``chunk``, once a job slot is free; the job id goes to ``on_job`` at once."""
        deadline = self.gw.now() + self.gw.job_wait_s
        while True:
            while len(batch.open) >= self._limit:
                self._poll(batch)
            try:
                data = self.gw.http.submit_job("tickets/update_many.json", update_many_body(chunk),
                                               what="writing decisions (update_many)")
            except JobQueueFull:
                # Nothing was queued (429). Our own open jobs free slots as they finish; with none open the
                # account is full of other jobs: wait for them, within job_wait_s.
                if batch.open:
                    self._limit = max(1, len(batch.open))
                    _log.info("Zendesk's job queue is full; keeping at most %d job(s) open", self._limit)
                    continue
                if self.gw.now() >= deadline:
                    for p, _ in chunk:
                        batch.results[p.ticket_id] = WriteResult(
                            ticket_id=p.ticket_id, status="failed",
                            error=f"Zendesk's job queue stayed full for {self.gw.job_wait_s:g}s; nothing was "
                            "sent for this ticket; retry is safe")
                    return
                self.gw.pause(1.0)
                continue
            except (RateBudgetError, AuthError):
                raise
            except ZendeskError as exc:
                if _uncertain(exc):
                    batch.unsure += chunk
                else:
                    for p, _ in chunk:
                        batch.results[p.ticket_id] = WriteResult(ticket_id=p.ticket_id, status="failed",
                                                                 error=str(exc))
                return
            break
        job = data.get("job_status") or {}
        if job.get("status") == "completed":
            batch.unsure += self._job_results(job, chunk, batch)
        elif job.get("id"):
            job_id = str(job["id"])
            if self._on_job is not None:  # the caller records it: a later run waits for it to settle
                self._on_job(job_id, [p.ticket_id for p, _ in chunk])
            now = self.gw.now()
            first = _FIRST_POLL_S if self._per_ticket_s is None else _clamp(self._per_ticket_s * len(chunk))
            batch.open[job_id] = _Job(job_id, chunk, now, now + first, first)
        else:
            batch.unsure += chunk

    def _poll(self, batch: _Batch) -> None:
        """One ``show_many`` over every open job, once the earliest is due by its progress (sleeping until
        then: called only when a slot is needed or every chunk is sent, so no re-check waits on it)."""
        if not batch.open:
            return
        due = min(j.due for j in batch.open.values())
        now = self.gw.now()
        if due > now:
            self.gw.pause(due - now)
        ids = ",".join(batch.open)
        try:
            data = self.gw.http.get(f"job_statuses/show_many.json?ids={ids}", what="waiting for update jobs")
        except (RateBudgetError, AuthError):
            raise
        except ZendeskError:
            data = {}
        seen = {str(j.get("id")): j for j in data.get("job_statuses") or [] if isinstance(j, dict)}
        now = self.gw.now()
        for job_id, open_job in list(batch.open.items()):
            job = seen.get(job_id)
            status = job.get("status") if job is not None else None
            if job is not None and status == "completed":
                del batch.open[job_id]
                # Seen done, so it took at most this long a ticket: the shortest such time is the guess
                # for the next job's first look (too early costs one poll, too late the run's time).
                took = (now - open_job.submitted) / max(len(open_job.chunk), 1)
                self._per_ticket_s = took if self._per_ticket_s is None else min(self._per_ticket_s, took)
                batch.unsure += self._job_results(job, open_job.chunk, batch)
            elif status in ("failed", "killed"):
                del batch.open[job_id]
                batch.unsure += open_job.chunk
            elif now - open_job.submitted >= self.gw.job_wait_s:
                _log.info("gave up waiting for job %s after %gs; its tickets are re-read instead", job_id,
                          self.gw.job_wait_s)
                del batch.open[job_id]
                batch.unsure += open_job.chunk
            else:
                open_job.wait = _next_wait(open_job, job, now)
                open_job.due = min(now + open_job.wait, open_job.submitted + self.gw.job_wait_s)

    def _job_results(self, job: dict[str, Any], chunk: Ready, batch: _Batch) -> Ready:
        """Per-ticket results of a completed job; tickets the job does not mention are returned to confirm."""
        entries = {int(r["id"]): r for r in job.get("results") or [] if isinstance(r, dict) and "id" in r}
        missing: Ready = []
        for proposal, composed in chunk:
            entry = entries.get(proposal.ticket_id)
            if entry is None:
                missing.append((proposal, composed))
            elif entry.get("success", entry.get("status") == "Updated"):
                batch.results[proposal.ticket_id] = WriteResult(ticket_id=proposal.ticket_id, status="applied")
            elif "conflict" in str(entry.get("error", "")).lower() or entry.get("status") == 409:
                batch.conflicted.append((proposal, composed))
            else:
                why = ": ".join(str(entry[k]) for k in ("error", "details") if entry.get(k)) or "no reason given"
                batch.results[proposal.ticket_id] = WriteResult(
                    ticket_id=proposal.ticket_id, status="failed", error=f"Zendesk refused the update: {why}"
                )
        return missing

    # -- look before resending --------------------------------------------------------------------

    def _confirm(
        self,
        items: Ready,
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


def _window_note(proposal: Proposal, others: int) -> str:
    outcome = proposal.decision.outcome.value
    return (f"commops: this ticket was updated ({others} update(s)) while commops's decision ({outcome}) "
            "waited in a bulk update (update_many), which Zendesk does not check against changes made "
            "meanwhile. The decision's reply was sent; commops put back the values that update set where "
            "its own write had replaced them. Please look at it before anything else is sent.")


def _clamp(seconds: float) -> float:
    return min(max(seconds, _MIN_WAIT_S), _MAX_WAIT_S)


def _next_wait(job: _Job, status: dict[str, Any] | None, now: float) -> float:
    """When to look again: from the job's progress where it reports some (the rest at the rate so far),
    else twice the last wait (a queued job, or an answer that did not come)."""
    if status is not None:
        try:
            done, total = float(status.get("progress") or 0), float(status.get("total") or 0)
        except (TypeError, ValueError):
            done = total = 0.0
        if status.get("status") == "working" and 0 < done < total:
            return _clamp((now - job.submitted) * (total - done) / done)
    return _clamp(job.wait * 2)
