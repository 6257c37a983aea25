"""What the journal remembers, as the core reads it: runs, proposals and applied decisions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

__all__ = ["JournalEntry", "ProposalRecord", "RunRecord"]


class RunRecord(BaseModel):
    run_id: str
    mode: str
    started_at: datetime
    finished_at: datetime | None
    ruleset_version: str | None
    status: str
    summary: dict[str, Any] | None


class ProposalRecord(BaseModel):
    id: int
    run_id: str
    mode: str
    ticket_id: int
    program: str | None
    outcome: str
    rules: list[str]
    macros: list[str]
    ruleset_version: str
    updated_stamp: str
    fields_digest: str | None
    state: str
    stamp_after: str | None
    created_at: datetime
    decided_at: datetime | None


class JournalEntry(BaseModel):
    """An applied decision, as managers' statistics read it."""

    ticket_id: int
    program: str | None
    outcome: str
    rules: list[str]
    run_id: str
    mode: str
    applied_at: datetime
    ruleset_version: str
