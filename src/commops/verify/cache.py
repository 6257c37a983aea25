"""The verification cache: what forges showed, kept in SQLite under ``COMMOPS_HOME`` so a queue re-run is free.

One row per normalised namespace URL holds the forge's *facts* (``commops.domain.opensource.NamespaceFacts``:
projects, visibility, licences, flags) as JSON, the URL they were read from, and when; never a verdict —
the domain judges the facts on every use, so a change of policy needs no cache purge. The TTL is the
reader's business (the verifier knows the clock and the settings). Tokens are never stored: facts carry
none. Rows of the older verdict cache (table ``verifications``) are dropped on open.
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from commops.domain.opensource import NamespaceFacts
from commops.errors import VerificationError
from commops.paths import verify_cache_path

__all__ = ["CachedFacts", "VerificationCache", "open_cache"]

_SCHEMA = """
DROP TABLE IF EXISTS verifications;
CREATE TABLE IF NOT EXISTS forge_facts (
    key        TEXT PRIMARY KEY,
    source_url TEXT,
    checked_at TEXT NOT NULL,
    payload    TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class CachedFacts:
    facts: NamespaceFacts
    source_url: str | None
    checked_at: datetime


class VerificationCache:
    """Verifications by key. Safe to share between threads (one connection, one lock)."""

    def __init__(self, connection: sqlite3.Connection, path: Path | None = None) -> None:
        self._db = connection
        self._lock = threading.Lock()
        self.path = path

    def get(self, key: str) -> CachedFacts | None:
        """The stored facts, where they were read from and when, or None."""
        with self._lock:
            row = self._db.execute(
                "SELECT payload, source_url, checked_at FROM forge_facts WHERE key = ?", (key,)
            ).fetchone()
        if row is None:
            return None
        try:
            return CachedFacts(NamespaceFacts.model_validate_json(row[0]), row[1], datetime.fromisoformat(row[2]))
        except ValueError:  # a row written by an incompatible version: as good as absent
            return None

    def put(self, key: str, facts: NamespaceFacts, source_url: str | None, checked_at: datetime) -> None:
        try:
            with self._lock, self._db:
                self._db.execute(
                    "INSERT OR REPLACE INTO forge_facts (key, source_url, checked_at, payload) VALUES (?, ?, ?, ?)",
                    (key, source_url, checked_at.isoformat(), facts.model_dump_json()),
                )
        except sqlite3.Error as exc:
            raise VerificationError(f"could not write the verification cache: {exc}") from exc

    def __len__(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM forge_facts").fetchone()[0])

    def clear(self) -> None:
        with self._lock, self._db:
            self._db.execute("DELETE FROM forge_facts")

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
        db.executescript(_SCHEMA)
    except (sqlite3.Error, OSError) as exc:
        raise VerificationError(
            f"could not open the verification cache {target}: {exc}",
            hint="check that COMMOPS_HOME is writable, or delete the file to start afresh",
        ) from exc
    return VerificationCache(db, target)
