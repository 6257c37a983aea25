"""People editing tickets through the API while commops's update_many jobs are queued: 0 silent overwrites.

An editor thread changes tickets through the sandbox's HTTP API at fixed points of the write: just after
a job is queued (before it runs: the window update_many does not guard) and just after a job ran (not an
overwrite: ours came first). The points are hooks in the sandbox's job runner that hand the edit to the
thread and wait for it (events, no sleeps), so each run is the same. Jobs run only when polled.
"""

from __future__ import annotations

import queue
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.integration.gateway.helpers import FIRST_ID, applicants, commops_comments, gateway_for, proposals_for

from commops.sandbox import SandboxServer

NOTE = "Checking this one by hand."
EDIT: dict[str, Any] = {"status": "hold", "priority": "urgent", "comment": {"body": NOTE, "public": False}}


class Editor:
    """A person at another desk: edits arrive on a queue, each is done over HTTP, then acknowledged."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.asks: queue.Queue[tuple[int, threading.Event] | None] = queue.Queue()
        self.done: list[int] = []
        self.failed: list[str] = []
        self.thread = threading.Thread(target=self._run, name="editor", daemon=True)

    def _run(self) -> None:
        with httpx.Client(headers={"Authorization": "Bearer sandbox"}, timeout=10) as client:
            while (ask := self.asks.get()) is not None:
                ticket_id, finished = ask
                answer = client.put(f"{self.url}/api/v2/tickets/{ticket_id}.json", json={"ticket": EDIT})
                if answer.status_code == 200:
                    self.done.append(ticket_id)
                else:
                    self.failed.append(f"{ticket_id}: {answer.status_code} {answer.text[:200]}")
                finished.set()

    def edit(self, ticket_id: int) -> None:
        """Called inside the sandbox (a request thread): returns once the edit has landed."""
        finished = threading.Event()
        self.asks.put((ticket_id, finished))
        if not finished.wait(30):
            raise AssertionError(f"the editor never edited ticket {ticket_id}")


@pytest.mark.parametrize("pessimistic", [True, False], ids=["pessimistic", "optimistic"])
def test_edits_timed_while_jobs_are_queued_are_never_silently_overwritten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pessimistic: bool
) -> None:
    with SandboxServer(tmp_path / "sb.sqlite3", limits=False, job_delay_s=10_000, pessimistic=pessimistic) as sb:
        sb.store.reset()
        sb.store.load(applicants(450))
        editor = Editor(sb.url)
        editor.thread.start()
        queued_edits: list[int] = []  # edited after their job was queued, before it ran
        later_edits: list[int] = []  # edited just after their job ran
        submit, poll = sb.app.jobs.submit, sb.app.jobs.poll

        def submit_then_edit(updates: list[dict[str, Any]], author_id: int, **kw: Any) -> dict[str, Any]:
            job = submit(updates, author_id, **kw)
            for entry in (updates[3], updates[-1]):  # two tickets of every job, while it is queued
                editor.edit(int(entry["id"]))
                queued_edits.append(int(entry["id"]))
            return job

        def poll_then_edit(job_id: str) -> dict[str, Any] | None:
            job = poll(job_id)  # the poll that finds a job queued runs it (its lock released on return)
            if job is not None and job.get("ran") and job_id not in ran:
                ran.add(job_id)
                ticket_id = int(job["payload"][7]["id"])
                editor.edit(ticket_id)
                later_edits.append(ticket_id)
            return job

        ran: set[str] = set()
        monkeypatch.setattr(sb.app.jobs, "submit", submit_then_edit)
        monkeypatch.setattr(sb.app.jobs, "poll", poll_then_edit)
        try:
            with gateway_for(sb.url, monkeypatch, jobs_in_flight=2) as gw:
                results = {r.ticket_id: r for r in gw.write_decisions(proposals_for(gw))}
        finally:
            editor.asks.put(None)
            editor.thread.join(10)

        assert editor.failed == []
        assert len(queued_edits) == 10 and len(later_edits) == 5  # 5 jobs of 100, 100, 100, 100, 50
        silent = []
        for ticket_id in range(FIRST_ID, FIRST_ID + 450):
            ticket, result = sb.store.ticket(ticket_id), results[ticket_id]
            edited = ticket_id in queued_edits or ticket_id in later_edits
            if edited and (ticket["status"], ticket["priority"]) != ("hold", "urgent"):
                silent.append((ticket_id, result.status, ticket["status"], ticket["priority"]))
            if ticket_id in queued_edits:
                assert result.status == "conflict", (ticket_id, result)
            else:
                assert result.status == "applied", (ticket_id, result)
                ours = [c for c in commops_comments(sb, ticket_id) if c["body"] != NOTE]
                assert len(ours) == 1, ticket_id
        assert silent == []  # 0 silent overwrites: every edit's values are on its ticket
        for ticket_id in queued_edits:
            notes = [c["body"] for c in commops_comments(sb, ticket_id)]
            assert "Checking this one by hand." in notes
            if pessimistic:  # the job wrote over the edit: the reply went, the edit's values came back
                assert "put back: status" in (results[ticket_id].error or "")
                assert any("waited in a bulk update" in n for n in notes)
