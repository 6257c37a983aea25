"""The journal: a SQLite record of runs, proposals and every write attempt, so nothing is lost or repeated."""

from commops.journal.lock import FileRunLock
from commops.journal.shadow import SqliteShadowLog
from commops.journal.store import JournalEntry, ProposalRecord, RunRecord, SqliteJournal, check_journal

__all__ = [
    "FileRunLock",
    "JournalEntry",
    "ProposalRecord",
    "RunRecord",
    "SqliteJournal",
    "SqliteShadowLog",
    "check_journal",
]
