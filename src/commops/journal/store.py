"""The SQLite journal, the embedded default: one file in COMMOPS_HOME. The queries are shared with the
PostgreSQL journal (``commops.journal._sql``); this module opens, checks and guards the file."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from commops.domain.records import JournalEntry, ProposalRecord, RunRecord
from commops.errors import JournalError
from commops.journal._sql import Row, SqlJournal, row_form
from commops.paths import journal_path

__all__ = [
    "JournalEntry", "ProposalRecord", "RunRecord", "SqliteJournal", "check_journal", "refuse_damaged", "row_form",
]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY,
    mode TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    ruleset_version TEXT,
    status TEXT NOT NULL DEFAULT 'running',
    summary TEXT
);
CREATE TABLE IF NOT EXISTS proposals (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id TEXT NOT NULL REFERENCES runs(run_id),
    ticket_id INTEGER NOT NULL,
    program TEXT,
    outcome TEXT NOT NULL,
    rules TEXT NOT NULL,
    macros TEXT NOT NULL,
    ruleset_version TEXT NOT NULL,
    updated_stamp TEXT NOT NULL,
    fields_digest TEXT,
    proposal TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'proposed',
    stamp_after TEXT,
    created_at TEXT NOT NULL,
    decided_at TEXT
);
CREATE INDEX IF NOT EXISTS proposals_ticket ON proposals(ticket_id, id);
CREATE INDEX IF NOT EXISTS proposals_state ON proposals(state);
CREATE TABLE IF NOT EXISTS trace_shapes (
    key TEXT PRIMARY KEY,
    shape TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    proposal_id INTEGER NOT NULL REFERENCES proposals(id),
    ticket_id INTEGER NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    result TEXT,
    error TEXT,
    job_id TEXT,
    batch INTEGER NOT NULL DEFAULT 0
);
"""

_SQLITE_HEADER = b"SQLite format 3\x00"
_TABLES = ("runs", "proposals", "attempts")
_KEEP = "the file is left as it is: restore it from a backup, or move it away to start an empty journal"


def refuse_damaged(target: Path) -> None:
    """A journal file that exists must be a SQLite database; a 0-byte one is refused unless SQLite's
    write-ahead log beside it still holds the data (a journal killed while being created)."""
    try:
        if not target.exists():
            return
        with target.open("rb") as handle:
            head = handle.read(len(_SQLITE_HEADER))
    except OSError as exc:
        raise JournalError(f"cannot read the journal at {target}: {exc.strerror or exc}") from exc
    wal = target.with_name(target.name + "-wal")
    if not head and not (wal.exists() and wal.stat().st_size > 0):
        raise JournalError(
            f"the journal at {target} is empty (0 bytes): it no longer says which writes were sent",
            hint=f"{_KEEP}; `commops journal check` tells more",
        )
    if head and head != _SQLITE_HEADER:
        raise JournalError(f"{target} is not a commops journal (not a SQLite database)", hint=_KEEP)


def check_journal(target: Path) -> dict[str, Any]:
    """What ``commops journal check`` reports: SQLite's integrity check, the tables, the counts.

    Raises :class:`JournalError` with a sentence when the file is damaged; never writes to it.
    """
    if not target.exists():
        raise JournalError(f"there is no journal at {target} yet (the first run creates it)")
    refuse_damaged(target)
    try:
        db = sqlite3.connect(f"{target.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
        try:
            problems = [row[0] for row in db.execute("PRAGMA integrity_check")]
            tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            missing = [t for t in _TABLES if t not in tables]
            if problems != ["ok"] or missing:
                detail = "; ".join(problems[:5]) if problems != ["ok"] else f"tables missing: {', '.join(missing)}"
                raise JournalError(f"the journal at {target} is damaged: {detail}", hint=_KEEP)
            counts = {t: int(db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]) for t in _TABLES}
            pending = int(
                db.execute("SELECT count(*) FROM proposals WHERE state IN ('approved', 'writing')").fetchone()[0]
            )
            oldest = db.execute("SELECT min(started_at) FROM runs").fetchone()[0]
        finally:
            db.close()
    except sqlite3.Error as exc:
        raise JournalError(f"the journal at {target} is damaged: {exc}", hint=_KEEP) from exc
    return {"path": str(target), "bytes": target.stat().st_size, **counts, "pending_writes": pending,
            "oldest_run": oldest}


class SqliteJournal(SqlJournal):
    """One SQLite file (WAL, synchronous=FULL): cheap to open, safe against kill -9. The embedded default."""

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self._db = connection
        self.path = path
        self.where = str(path)
        self._shapes = {}

    @classmethod
    def open(cls, path: Path | None = None) -> SqliteJournal:
        """Open (or, when there is no file yet, create) the journal; an empty or foreign file is refused.

        SQLite would quietly turn a 0-byte file into a new, empty database, and with it forget every write
        in flight: the journal is the only record of those, so a damaged one stops the run with a sentence.
        """
        target = path or journal_path()
        refuse_damaged(target)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(target, timeout=30, isolation_level=None, check_same_thread=False)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            db.executescript(_SCHEMA)
            columns = {row[1] for row in db.execute("PRAGMA table_info(attempts)")}
            if "job_id" not in columns:  # journals written before job ids were recorded
                db.execute("ALTER TABLE attempts ADD COLUMN job_id TEXT")
            if "batch" not in columns:
                db.execute("ALTER TABLE attempts ADD COLUMN batch INTEGER NOT NULL DEFAULT 0")
            if "trace" not in {row[1] for row in db.execute("PRAGMA table_info(proposals)")}:
                # journals written before the compact trace: their rows keep the trace inside `proposal`
                db.execute("ALTER TABLE proposals ADD COLUMN trace TEXT")
        except sqlite3.Error as exc:
            raise JournalError(
                f"cannot open the journal at {target}: {exc}", hint=f"run `commops journal check` ({_KEEP})"
            ) from exc
        return cls(db, target)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> SqliteJournal:
        return self

    def _ensure_meta(self) -> None:
        self._exec("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")

    def _exec(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        try:
            cursor = self._db.execute(sql, params)
            names = [c[0] for c in cursor.description or ()]
            return [Row(names, values) for values in cursor.fetchall()]
        except sqlite3.Error as exc:
            raise JournalError(f"journal write failed ({self.path}): {exc}") from exc

    def _many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        try:
            self._db.executemany(sql, rows)
        except sqlite3.Error as exc:
            raise JournalError(f"journal write failed ({self.path}): {exc}") from exc

    def _insert(self, sql: str, params: Sequence[Any]) -> int:
        try:
            return int(self._db.execute(sql, params).lastrowid or 0)
        except sqlite3.Error as exc:
            raise JournalError(f"journal write failed ({self.path}): {exc}") from exc

    def _change(self, sql: str, params: Sequence[Any] = ()) -> int:
        try:
            return int(self._db.execute(sql, params).rowcount)
        except sqlite3.Error as exc:
            raise JournalError(f"journal write failed ({self.path}): {exc}") from exc

    @contextmanager
    def _transaction(self, *, rollback: bool = False) -> Iterator[None]:
        try:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("ROLLBACK" if rollback else "COMMIT")
        except sqlite3.Error as exc:
            raise JournalError(f"journal write failed ({self.path}): {exc}") from exc

    def _size(self) -> int:
        """The journal's bytes on disk: the file and its write-ahead log."""
        wal = self.path.with_name(self.path.name + "-wal")
        return sum(p.stat().st_size for p in (self.path, wal) if p.exists())

    def _compact(self) -> None:
        """Checkpoint the write-ahead log and VACUUM, so the file shrinks."""
        try:
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self._db.execute("VACUUM")
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.Error as exc:
            raise JournalError(f"journal prune failed ({self.path}): {exc}") from exc

    def _stream(self, sql: str, params: Sequence[Any]) -> Iterator[Row]:
        try:
            cursor = self._db.execute(sql, params)
            names = [c[0] for c in cursor.description or ()]
            for values in cursor:
                yield Row(names, values)
        except sqlite3.Error as exc:
            raise JournalError(f"journal read failed ({self.path}): {exc}") from exc
