"""The journal: a record of runs, proposals and every write attempt, so nothing is lost or repeated. SQLite
in COMMOPS_HOME by default; PostgreSQL (``commops.journal.postgres``, loaded only when configured) shared."""

from commops.journal._sql import SqlJournal
from commops.journal.lock import AllLocks, FileRunLock
from commops.journal.shadow import SqliteShadowLog
from commops.journal.store import JournalEntry, ProposalRecord, RunRecord, SqliteJournal, check_journal

__all__ = [
    "AllLocks",
    "FileRunLock",
    "JournalEntry",
    "ProposalRecord",
    "RunRecord",
    "SqlJournal",
    "SqliteJournal",
    "SqliteShadowLog",
    "check_journal",
]
