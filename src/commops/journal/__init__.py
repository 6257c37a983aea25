"""The journal: a SQLite record of runs, proposals and every write attempt, so nothing is lost or repeated."""

from commops.journal.store import Journal, JournalEntry, ProposalRecord, RunRecord

__all__ = ["Journal", "JournalEntry", "ProposalRecord", "RunRecord"]
