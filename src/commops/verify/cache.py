"""The verification cache: forge answers kept in SQLite under ``COMMOPS_HOME`` so a queue re-run is free.

One row per normalised namespace URL holds the Verification as JSON and when it was looked up; the TTL
is the reader's business (the verifier knows the clock and the settings). Tokens are never stored: a
Verification carries none.
"""

from __future__ import annotations

import sqlite3
import threading
from datetime import datetime
from pathlib import Path

from commops.domain import Verification
from commops.errors import VerificationError
from commops.paths import verify_cache_path

__all__ = ["VerificationCache", "open_cache"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS verifications (
    key        TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,
    checked_at TEXT NOT NULL,
    payload    TEXT NOT NULL
)
"""


class VerificationCache:
    """Verifications by key. Safe to share between threads (one connection, one lock)."""

    def __init__(self, connection: sqlite3.Connection, path: Path | None = None) -> None:
        self._db = connection
        self._lock = threading.Lock()
        self.path = path

    def get(self, key: str) -> tuple[Verification, datetime] | None:
        """The stored Verification and when it was looked up, or None."""
        with self._lock:
            row = self._db.execute("SELECT payload, checked_at FROM verifications WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None
        try:
            return Verification.model_validate_json(row[0]), datetime.fromisoformat(row[1])
        except ValueError:  # a row written by an incompatible version: as good as absent
            return None

    def put(self, key: str, verification: Verification, checked_at: datetime) -> None:
        payload = verification.model_copy(update={"from_cache": False}).model_dump_json()
        try:
            with self._lock, self._db:
                self._db.execute(
                    "INSERT OR REPLACE INTO verifications (key, kind, checked_at, payload) VALUES (?, ?, ?, ?)",
                    (key, verification.kind, checked_at.isoformat(), payload),
                )
        except sqlite3.Error as exc:
            raise VerificationError(f"could not write the verification cache: {exc}") from exc

    def __len__(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM verifications").fetchone()[0])

    def clear(self) -> None:
        with self._lock, self._db:
            self._db.execute("DELETE FROM verifications")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> VerificationCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_cache(path: Path | None = None) -> VerificationCache:
    """Open (creating if needed) the cache at ``path``, by default ``$COMMOPS_HOME/verify-cache.sqlite3``."""
    target = path or verify_cache_path()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(target, check_same_thread=False, isolation_level="DEFERRED")
        db.execute("PRAGMA journal_mode=WAL")
        db.execute(_SCHEMA)
        db.commit()
    except (sqlite3.Error, OSError) as exc:
        raise VerificationError(
            f"could not open the verification cache {target}: {exc}",
            hint="check that COMMOPS_HOME is writable, or delete the file to start afresh",
        ) from exc
    return VerificationCache(db, target)
