"""Shadow mode's record (implements ShadowLog): proposals made without writing, and how each compared with
what a person then did. Tables of their own in the journal's SQLite file; every disagreement is kept."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from commops.domain import Decision
from commops.domain.operating import Comparison, Seen, ShadowProposal

__all__ = ["SqliteShadowLog"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS shadow_proposals (
    ticket_id INTEGER PRIMARY KEY, run_id TEXT NOT NULL, program TEXT, seen TEXT NOT NULL,
    proposed_at TEXT NOT NULL, ruleset_version TEXT NOT NULL, trace TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS shadow_comparisons (
    id INTEGER PRIMARY KEY, ticket_id INTEGER NOT NULL, program TEXT, kind TEXT NOT NULL,
    proposed TEXT NOT NULL, person TEXT NOT NULL, decided_at TEXT, agrees INTEGER NOT NULL,
    severity INTEGER NOT NULL, trace TEXT NOT NULL, recorded_at TEXT NOT NULL,
    UNIQUE (ticket_id, decided_at));
CREATE INDEX IF NOT EXISTS shadow_comparisons_decided ON shadow_comparisons (decided_at);
"""


def _utc(moment: datetime) -> str:
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC).isoformat()


class SqliteShadowLog:
    """One connection; each public method is one transaction."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    @classmethod
    def open(cls, path: Path) -> SqliteShadowLog:
        path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(str(path), timeout=30, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA journal_mode=WAL")
        db.executescript(_SCHEMA)
        return cls(db)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> SqliteShadowLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def record_shadow(self, run_id: str, proposals: Sequence[Decision], *, proposed_at: datetime) -> int:
        """Keep what commops would do with each open application (a newer proposal replaces an older one)."""
        rows = [
            (d.ticket_id, run_id, d.program, Seen.of(d).model_dump_json(), _utc(proposed_at), d.ruleset_version,
             json.dumps([t.model_dump(mode="json") for t in d.trace]))
            for d in proposals
        ]
        self._db.execute("BEGIN IMMEDIATE")
        try:
            self._db.executemany("INSERT OR REPLACE INTO shadow_proposals VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")
        return len(rows)

    def open_shadow(self) -> dict[int, ShadowProposal]:
        rows = self._db.execute("SELECT ticket_id, program, seen, proposed_at, ruleset_version, trace "
                                "FROM shadow_proposals").fetchall()
        return {int(r[0]): ShadowProposal(ticket_id=r[0], program=r[1], proposed=Seen.model_validate_json(r[2]),
                                          proposed_at=datetime.fromisoformat(r[3]), ruleset_version=r[4],
                                          trace=json.loads(r[5])) for r in rows}

    def record_comparisons(self, comparisons: Sequence[Comparison], *, kind: str) -> int:
        """Keep each comparison once (per ticket and decision time); close the tickets' open proposals.
        Returns how many were new."""
        now = _utc(datetime.now(UTC))
        added = 0
        self._db.execute("BEGIN IMMEDIATE")
        try:
            for c in comparisons:
                cursor = self._db.execute(
                    "INSERT OR IGNORE INTO shadow_comparisons (ticket_id, program, kind, proposed, person, "
                    "decided_at, agrees, severity, trace, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (c.ticket_id, c.program, kind, c.proposed.model_dump_json(), c.person.model_dump_json(),
                     _utc(c.decided_at) if c.decided_at else None, int(c.agrees), c.severity,
                     json.dumps(c.trace), now))
                added += cursor.rowcount
                if kind == "live":
                    self._db.execute("DELETE FROM shadow_proposals WHERE ticket_id = ?", (c.ticket_id,))
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")
        return added

    def comparisons(self, *, since: datetime | None = None) -> list[Comparison]:
        query = "SELECT ticket_id, program, proposed, person, decided_at, trace FROM shadow_comparisons"
        args: tuple[str, ...] = ()
        if since is not None:
            query += " WHERE decided_at >= ?"
            args = (_utc(since),)
        rows = self._db.execute(query + " ORDER BY decided_at, ticket_id", args).fetchall()
        return [Comparison(ticket_id=r[0], program=r[1], proposed=Seen.model_validate_json(r[2]),
                           person=Seen.model_validate_json(r[3]),
                           decided_at=datetime.fromisoformat(r[4]) if r[4] else None, trace=json.loads(r[5]))
                for r in rows]
