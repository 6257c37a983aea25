"""The states a proposal, a write and a run go through, and who decided: one name each, no loose strings.

They are ``StrEnum``: stored and printed as the same words as before (the journal's columns, JSON output),
so a value read back from SQLite or a plan compares equal to its member.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["Actor", "ProposalState", "RunMode", "RunStatus", "WriteStatus"]


class WriteStatus(StrEnum):
    """What happened to one proposal's write (``WriteResult.status``)."""

    APPLIED = "applied"  # the update landed now
    ALREADY_APPLIED = "already_applied"  # the markers show this decision is on the ticket already
    CONFLICT = "conflict"  # the ticket changed since it was evaluated; nothing written
    FAILED = "failed"  # refused, or could not be confirmed; retry is safe
    SKIPPED = "skipped"  # the outcome writes nothing (manual, skip)

    @property
    def landed(self) -> bool:
        """The decision is on the ticket (now or before)."""
        return self in (WriteStatus.APPLIED, WriteStatus.ALREADY_APPLIED)


class ProposalState(StrEnum):
    """A journaled proposal's life: proposed → approved → writing → a write status, or superseded/abandoned."""

    PROPOSED = "proposed"  # shown, not to be written
    APPROVED = "approved"  # to be written
    WRITING = "writing"  # sent, no answer recorded yet
    APPLIED = "applied"
    ALREADY_APPLIED = "already_applied"
    CONFLICT = "conflict"
    FAILED = "failed"
    SKIPPED = "skipped"
    SUPERSEDED = "superseded"  # a newer proposal for the ticket was chosen
    ABANDONED = "abandoned"  # refused MAX_ATTEMPTS times: reported, no longer retried

    @property
    def unfinished(self) -> bool:
        """A write that was wanted and has not been seen to land or be refused for good."""
        return self in UNFINISHED


UNFINISHED = frozenset({ProposalState.APPROVED, ProposalState.WRITING, ProposalState.FAILED})


class RunMode(StrEnum):
    """How a run was started; the journal records it with every proposal."""

    DRY_RUN = "dry-run"
    APPLY = "apply"
    INTERACTIVE = "interactive"
    PLAN = "plan"
    UNATTENDED = "unattended"


class RunStatus(StrEnum):
    RUNNING = "running"
    OK = "ok"
    ERRORS = "errors"  # some writes failed
    CAPPED = "capped"  # --max-writes left proposals unwritten
    GUARD_RAIL = "guard-rail"  # the reject share tripped the ceiling: nothing written
    LOCKED = "locked"  # another run held the account's lease: nothing done
    TIME_LIMIT = "time-limit"  # --max-run-time reached: no new work taken, the rest is for the next run


class Actor(StrEnum):
    """Who made a decision, as statistics count it."""

    UNATTENDED = "unattended"
    COMMOPS_SPECIALIST = "commops_specialist"
    ZENDESK_SPECIALIST = "zendesk_specialist"
