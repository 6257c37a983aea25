"""What the journal remembers, as the core reads it: runs, proposals and applied decisions; and what the
account itself shows of decisions (the ticket markers), for a machine whose journal does not have them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from commops.domain.decision import Outcome

__all__ = ["JournalEntry", "MarkedDecision", "ProposalRecord", "RunRecord", "outcome_of"]

_DECIDED = tuple(o.value for o in Outcome if o.writes)


def outcome_of(value: object) -> str | None:
    """A decision field value (``qualify``, ``commops_qualify``) as an outcome, None when it is none."""
    if not isinstance(value, str):
        return None
    text = value.strip().lower()
    return next((o for o in _DECIDED if text == o or text.endswith("_" + o)), None)


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
    landed_at: datetime | None = None  # the ticket's updated_at after the write (Zendesk's time of it)


@dataclass(frozen=True, slots=True)
class MarkedDecision:
    """One ticket update that set commops' decision field, as the account's audits show it.

    ``write_id`` is set when the same update wrote commops' ruleset marker (a commops write); ``by`` is the
    mode of the run that wrote it (``unattended``, ``apply``…; None on markers older than that part) and
    ``rules`` the rules it named. ``outcome`` is None when the update re-wrote the marker but left the
    decision field as it was (the same outcome again): the reader knows the value from before.
    """

    ticket_id: int
    at: datetime
    outcome: str | None
    rules: tuple[str, ...] = ()
    write_id: str | None = None
    by: str | None = None
