"""The journal port in memory, for unit tests of the use cases: the same states as SqliteJournal, no SQLite.

tests/integration/triage runs the same service tests against SqliteJournal, so the two cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from commops.domain import Proposal
from commops.domain.records import ProposalRecord
from commops.domain.states import UNFINISHED, ProposalState

LANDED = ("applied", "already_applied")


class MemoryJournal:
    def __init__(self) -> None:
        self.runs: dict[str, dict[str, Any]] = {}
        self.rows: dict[int, dict[str, Any]] = {}  # proposal id -> record fields + "proposal"
        self.tries: dict[int, dict[str, Any]] = {}  # attempt id -> proposal_id, job_id, result, batch

    def start_run(self, mode: str, ruleset_version: str | None) -> str:
        run_id = f"run-{len(self.runs) + 1}"
        self.runs[run_id] = {"mode": mode, "status": "running"}
        return run_id

    def finish_run(self, run_id: str, status: str, summary: dict[str, Any]) -> None:
        self.runs[run_id].update(status=status, summary=summary)

    def record_proposals(self, run_id: str, proposals: Sequence[Proposal], state: str = "proposed", *,
                         fresh: bool = False) -> dict[int, int]:
        ids = {}
        for p in proposals:
            pid = ids[p.ticket_id] = len(self.rows) + 1
            d = p.decision
            self.rows[pid] = dict(
                id=pid, run_id=run_id, mode=self.runs[run_id]["mode"], ticket_id=p.ticket_id, program=d.program,
                outcome=d.outcome.value, rules=[r.rule for r in d.reasons], macros=[m.title for m in d.macros],
                ruleset_version=d.ruleset_version, updated_stamp=p.updated_stamp, fields_digest=p.answers_digest,
                state=state, stamp_after=None, created_at=datetime.now(UTC), decided_at=None, proposal=p,
            )
        return ids

    def set_state(self, proposal_ids: Sequence[int], state: str) -> None:
        for pid in proposal_ids:
            self.rows[pid]["state"] = state

    def begin_writes(self, proposal_ids: Sequence[int], *, batch: bool = False) -> dict[int, int]:
        out = {}
        for pid in proposal_ids:
            out[pid] = len(self.tries) + 1
            self.tries[out[pid]] = {"proposal_id": pid, "job_id": None, "result": None, "error": None, "batch": batch}
            self.rows[pid]["state"] = ProposalState.WRITING
        return out

    def record_job(self, attempt_ids: Sequence[int], job_id: str) -> None:
        for aid in attempt_ids:
            self.tries[aid]["job_id"] = job_id

    def finish_write(self, proposal_id: int, attempt_id: int, result: str, error: str | None,
                     stamp_after: str | None) -> None:
        self.tries[attempt_id].update(result=result, error=error)
        row = self.rows[proposal_id]
        row.update(state=result, stamp_after=stamp_after or row["stamp_after"])
        if result in LANDED:
            row["decided_at"] = row["decided_at"] or datetime.now(UTC)

    def _records(self, keep: Any) -> list[ProposalRecord]:
        rows = [r for r in self.rows.values() if keep(r)]
        return [ProposalRecord(**{k: v for k, v in r.items() if k != "proposal"}) for r in rows]

    def unfinished_writes(self) -> list[ProposalRecord]:
        return self._records(lambda r: r["state"] in UNFINISHED)

    def _open_tries(self) -> list[dict[str, Any]]:
        return [a for a in self.tries.values() if self.rows[a["proposal_id"]]["state"] in UNFINISHED]

    def unsettled_jobs(self) -> list[str]:
        return list(dict.fromkeys(a["job_id"] for a in self._open_tries() if a["job_id"] is not None))

    def lost_job_ids(self) -> bool:
        return any(a["batch"] and a["job_id"] is None and a["result"] in (None, "failed")
                   and self.rows[a["proposal_id"]]["state"] != ProposalState.APPROVED for a in self._open_tries())

    def supersede(self, ticket_ids: Sequence[int]) -> None:
        for r in self.rows.values():
            if r["ticket_id"] in ticket_ids and r["state"] in UNFINISHED:
                r["state"] = ProposalState.SUPERSEDED

    def pending_tickets(self, ticket_ids: Sequence[int]) -> set[int]:
        return {r["ticket_id"] for r in self.rows.values() if r["ticket_id"] in ticket_ids and r["state"] in UNFINISHED}

    def failed_attempts(self, proposal_id: int) -> int:
        return sum(1 for a in self.tries.values() if a["proposal_id"] == proposal_id and a["result"] == "failed")

    def abandoned(self, ticket_ids: Sequence[int]) -> dict[int, str]:
        return {r["ticket_id"]: r["updated_stamp"] for r in self.rows.values()
                if r["ticket_id"] in ticket_ids and r["state"] == ProposalState.ABANDONED}

    def load_proposal(self, proposal_id: int) -> Proposal:
        proposal: Proposal = self.rows[proposal_id]["proposal"]
        return proposal

    def last_applied(self, ticket_ids: Sequence[int]) -> dict[int, ProposalRecord]:
        return {r.ticket_id: r for r in self._records(lambda r: r["ticket_id"] in ticket_ids and r["state"] in LANDED)}

    def history(self, ticket_id: int | None = None, limit: int = 200) -> list[ProposalRecord]:
        found = self._records(lambda r: ticket_id is None or r["ticket_id"] == ticket_id)
        return found[::-1][:limit]

    def attempts(self, proposal_id: int) -> list[dict[str, Any]]:
        return [a for a in self.tries.values() if a["proposal_id"] == proposal_id]
