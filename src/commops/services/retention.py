"""Pruning the journal: what a retention asks for, under the run lock, so no writing run is in between."""

from __future__ import annotations

from datetime import datetime

from commops.domain.retention import PruneReport
from commops.ports import JournalRetention, RunLock

__all__ = ["PRUNE_LOCK_WAIT_S", "prune_journal"]

PRUNE_LOCK_WAIT_S = 120.0  # as long as a specialist's apply waits for a cron run


def prune_journal(journal: JournalRetention, lock: RunLock, *, before: datetime, decisions: bool = False,
                  dry_run: bool = False) -> PruneReport:
    """Remove (or, ``dry_run``, count) what no run needs from before ``before``; what must stay for
    exactly-once is kept by the journal itself (``commops.domain.retention``)."""
    if dry_run:
        return journal.prune(before, decisions=decisions, dry_run=True)
    with lock.hold(PRUNE_LOCK_WAIT_S, "journal prune"):
        return journal.prune(before, decisions=decisions, dry_run=False)
