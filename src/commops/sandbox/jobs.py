"""Background jobs (``update_many``, ``create_many``): queued at once, run when first polled or after a short delay.

A job moves ``queued`` → ``working`` → ``completed`` (or ``failed``) across successive polls. The writes
happen when the job *runs*: on its first poll, or once ``delay_s`` has passed since it was queued (the
server checks every 50 ms and on every request), so a client that never polls — or was killed — still
sees its writes land, as on Zendesk. Jobs a previous server process accepted but never ran run as soon
as the next one starts. A job failed by the ``jobfail`` fault writes nothing.

Zendesk documents ``safe_update`` for a single ticket's PUT, not inside ``update_many``. By default the
sandbox honours it there too (kind); *pessimistic* mode ignores it, as Zendesk may: a job then overwrites a
ticket changed since the client read it, and only the client's own re-check before sending protects it.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from typing import Any

from commops.sandbox.apierror import ApiError
from commops.sandbox.store import SandboxStore

__all__ = ["JobRunner", "public_job"]


class JobRunner:
    def __init__(self, store: SandboxStore, *, delay_s: float = 1.0, pessimistic: bool = False) -> None:
        self.store = store
        self.delay_s = delay_s
        self.pessimistic = pessimistic  # ignore safe_update inside update_many (not documented by Zendesk)
        self._lock = threading.Lock()  # a job must run once even when polled from two threads

    def submit(self, updates: list[dict[str, Any]], author_id: int, *, fail: bool,
               action: str = "update") -> dict[str, Any]:
        job = {"id": f"V3-{uuid.uuid4().hex}", "created": self.store.clock(), "status": "queued", "action": action,
               "total": len(updates), "progress": None, "message": None, "results": None,
               "payload": updates, "author_id": author_id, "fail": fail, "ran": False, "final": None}
        self.store.save_job(job)
        return job

    def active(self) -> int:
        return len(self.store.jobs(("queued", "working")))

    def run_due(self, *, everything: bool = False) -> None:
        """Run queued jobs older than ``delay_s`` (all of them with ``everything``)."""
        now = self.store.clock()
        with self._lock:
            for job in self.store.jobs(("queued",)):
                if everything or now - job["created"] >= self.delay_s:
                    self._run(job)

    def poll(self, job_id: str) -> dict[str, Any] | None:
        with self._lock:
            return self._poll(job_id)

    def _poll(self, job_id: str) -> dict[str, Any] | None:
        job = self.store.job(job_id)
        if job is None:
            return None
        if job["status"] == "queued":
            self._run(job)
            job["shown_working"] = True
        elif job["status"] == "working" and job["final"] is not None:
            if job.get("shown_working"):
                job.update(job["final"])
                job["final"] = None
            job["shown_working"] = True
        else:
            return job
        self.store.save_job(job)
        return job

    def _run(self, job: dict[str, Any]) -> None:
        stamp = time.strftime("%Y-%m-%d %H:%M:%S +0000", time.gmtime(self.store.clock()))
        if job["fail"]:
            final = {"status": "failed", "message": f"Failed at {stamp}: the job could not be processed",
                     "progress": 0, "results": None}
        else:
            if job.get("action") == "create":
                results = [self._create_one(i, entry, job["author_id"]) for i, entry in enumerate(job["payload"])]
            else:
                results = [self._update_one(entry, job["author_id"]) for entry in job["payload"]]
            final = {"status": "completed", "message": f"Completed at {stamp}", "progress": job["total"],
                     "results": results}
        job.update(status="working", progress=max(1, job["total"] // 2), ran=True, final=final,
                   message=f"Updating ticket #{max(1, job['total'] // 2)}")
        self.store.save_job(job)

    def _update_one(self, entry: dict[str, Any], author_id: int) -> dict[str, Any]:
        ticket_id = entry.get("id")
        ignored = ("id", "safe_update", "updated_stamp") if self.pessimistic else ("id",)
        changes = {k: v for k, v in entry.items() if k not in ignored}
        try:
            self.store.update_ticket(int(str(ticket_id)), changes, author_id, client="update_many")
        except ApiError as exc:
            details = exc.body.get("description") or exc.body.get("details") or str(exc.body)
            error = {404: "TicketNotFound", 409: "UpdateConflict"}.get(exc.status, str(exc.body.get("error")))
            return {"id": ticket_id, "action": "update", "status": "Failed", "success": False,
                    "error": error, "details": details if isinstance(details, str) else str(details)}
        return {"id": ticket_id, "action": "update", "status": "Updated", "success": True}


    def _create_one(self, index: int, entry: dict[str, Any], author_id: int) -> dict[str, Any]:
        try:
            ticket = self.store.create_ticket(entry, author_id)
        except ApiError as exc:
            details = exc.body.get("details") or exc.body.get("description") or exc.body
            return {"index": index, "action": "create", "status": "Failed", "success": False,
                    "error": str(exc.body.get("error")), "details": json.dumps(details) if not isinstance(
                        details, str) else details}
        return {"index": index, "id": ticket["id"], "action": "create", "status": "Created", "success": True}


def public_job(job: dict[str, Any], base_url: str) -> dict[str, Any]:
    return {"id": job["id"], "url": f"{base_url}/api/v2/job_statuses/{job['id']}.json", "status": job["status"],
            "total": job["total"], "progress": job["progress"], "message": job["message"],
            "results": job["results"]}
