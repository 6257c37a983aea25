"""The benefits store (SQLite): code pools, provisioning intents, and the membership ledger.

Every change is one SQLite transaction (``BEGIN IMMEDIATE``): two runs at once never hand out one code,
and a run killed at any point leaves either the reservation or nothing.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from commops.domain.benefit import PoolStatus, Provision
from commops.domain.member import Member
from commops.errors import JournalError

__all__ = ["PoolStatus", "Provision", "SqliteBenefits"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS codes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    program TEXT NOT NULL,
    code TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'free',      -- free | reserved | assigned
    key TEXT UNIQUE,                          -- the provision key holding it
    ticket_id INTEGER,
    imported_at TEXT NOT NULL,
    reserved_at TEXT,
    assigned_at TEXT,
    UNIQUE(program, code)
);
CREATE INDEX IF NOT EXISTS codes_free ON codes(program, state, id);
CREATE TABLE IF NOT EXISTS provisions (
    key TEXT PRIMARY KEY,
    program TEXT NOT NULL,
    provisioner TEXT NOT NULL,
    ticket_id INTEGER NOT NULL,
    proposal_id INTEGER,
    write_id TEXT,
    state TEXT NOT NULL,                      -- intent | written | done | cancelled | failed
    payload TEXT NOT NULL,
    code TEXT,
    subscription_id TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS provisions_state ON provisions(state);
CREATE TABLE IF NOT EXISTS members (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    program TEXT NOT NULL,
    organisation TEXT,
    requester TEXT,
    email_domain TEXT,
    seats INTEGER,
    subscription_id TEXT,
    term_start TEXT NOT NULL,
    term_end TEXT NOT NULL,
    ticket_id INTEGER,
    decision_key TEXT UNIQUE,
    source TEXT NOT NULL,
    note TEXT,
    reminded TEXT NOT NULL DEFAULT '[]',
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS reminders (
    key TEXT PRIMARY KEY,                     -- the outbound ticket's external id
    member_id INTEGER NOT NULL,
    term_end TEXT NOT NULL,
    state TEXT NOT NULL,                      -- intent | sent
    job_id TEXT,
    ticket_id INTEGER,
    error TEXT,
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS members_subscription ON members(subscription_id);
CREATE INDEX IF NOT EXISTS members_end ON members(term_end);
"""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def _provision(row: sqlite3.Row) -> Provision:
    return Provision(
        key=row["key"], program=row["program"], provisioner=row["provisioner"], ticket_id=row["ticket_id"],
        proposal_id=row["proposal_id"], write_id=row["write_id"], state=row["state"],
        payload=json.loads(row["payload"]), code=row["code"], subscription_id=row["subscription_id"],
        attempts=row["attempts"], error=row["error"],
    )


def _member(row: sqlite3.Row) -> Member:
    return Member(
        id=row["id"], program=row["program"], organisation=row["organisation"], requester=row["requester"],
        email_domain=row["email_domain"], seats=row["seats"], subscription_id=row["subscription_id"],
        term_start=date.fromisoformat(row["term_start"]), term_end=date.fromisoformat(row["term_end"]),
        ticket_id=row["ticket_id"], decision_key=row["decision_key"], source=row["source"], note=row["note"],
        reminded=[date.fromisoformat(d) for d in json.loads(row["reminded"])],
    )


class SqliteBenefits:
    """One SQLite file (WAL, synchronous=FULL) under the account's state."""

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self._db = connection
        self.path = path

    @classmethod
    def open(cls, path: Path) -> SqliteBenefits:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
            db.row_factory = sqlite3.Row
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            db.executescript(_SCHEMA)
        except sqlite3.Error as exc:
            raise JournalError(f"cannot open the benefits store at {path}: {exc}") from exc
        return cls(db, path)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> SqliteBenefits:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken before reading (IMMEDIATE): no two runs read the same free code."""
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise JournalError(f"benefits store is busy or unwritable ({self.path}): {exc}") from exc
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        else:
            self._db.execute("COMMIT")

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        try:
            return self._db.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise JournalError(f"benefits store read failed ({self.path}): {exc}") from exc

    # code pools -----------------------------------------------------------------------------------
    def add_codes(self, program: str, codes: Iterable[str]) -> tuple[int, int]:
        """Add codes to ``program``'s pool in one transaction: (added, already there)."""
        added = dupes = 0
        now = _now()
        with self._tx() as db:
            for code in codes:
                cur = db.execute("INSERT OR IGNORE INTO codes(program, code, imported_at) VALUES (?,?,?)",
                                 (program, code, now))
                added += cur.rowcount
                dupes += 1 - cur.rowcount
        return added, dupes

    def reserve_code(self, program: str, key: str, ticket_id: int) -> str | None:
        """The code held by ``key``, or a free one reserved for it now; None when the pool is empty."""
        with self._tx() as db:
            held = db.execute("SELECT code FROM codes WHERE key=?", (key,)).fetchone()
            if held is not None:
                return str(held["code"])
            free = db.execute("SELECT id, code FROM codes WHERE program=? AND state='free' ORDER BY id LIMIT 1",
                              (program,)).fetchone()
            if free is None:
                return None
            db.execute("UPDATE codes SET state='reserved', key=?, ticket_id=?, reserved_at=? WHERE id=? "
                       "AND state='free'", (key, ticket_id, _now(), free["id"]))
            return str(free["code"])

    def assign_code(self, key: str) -> None:
        """The welcome carrying the code was written: the code is the member's for good."""
        with self._tx() as db:
            db.execute("UPDATE codes SET state='assigned', assigned_at=? WHERE key=? AND state='reserved'",
                       (_now(), key))

    def release_code(self, key: str) -> None:
        """The decision holding the code was never written (superseded or refused): back to the pool."""
        with self._tx() as db:
            db.execute("UPDATE codes SET state='free', key=NULL, ticket_id=NULL, reserved_at=NULL "
                       "WHERE key=? AND state='reserved'", (key,))

    def pool_status(self, now: datetime, window_days: int = 30) -> list[PoolStatus]:
        since = (now - timedelta(days=window_days)).isoformat()
        rows = self._query(
            "SELECT program, SUM(state='free') AS free, SUM(state='reserved') AS reserved, "
            "SUM(state='assigned') AS assigned, SUM(state='assigned' AND assigned_at >= ?) AS recent "
            "FROM codes GROUP BY program ORDER BY program", (since,))
        return [PoolStatus(r["program"], r["free"] or 0, r["reserved"] or 0, r["assigned"] or 0, r["recent"] or 0,
                           window_days) for r in rows]

    def codes(self, program: str | None = None) -> list[dict[str, Any]]:
        sql = "SELECT program, code, state, ticket_id, assigned_at FROM codes"
        where, params = (" WHERE program=?", (program,)) if program else ("", ())
        rows = self._query(sql + where + " ORDER BY id", params)
        return [dict(r) for r in rows]

    # provisioning intents ---------------------------------------------------------------------------
    def begin_provision(self, key: str, *, program: str, provisioner: str, ticket_id: int, proposal_id: int | None,
                        write_id: str | None, payload: dict[str, Any], code: str | None) -> Provision:
        """The intent, recorded before anything is sent; an existing intent for ``key`` is returned as is."""
        now = _now()
        with self._tx() as db:
            db.execute(
                "INSERT OR IGNORE INTO provisions(key, program, provisioner, ticket_id, proposal_id, write_id, state, "
                "payload, code, created_at, updated_at) VALUES (?,?,?,?,?,?,'intent',?,?,?,?)",
                (key, program, provisioner, ticket_id, proposal_id, write_id, json.dumps(payload, default=str), code,
                 now, now))
            db.execute("UPDATE provisions SET proposal_id=?, write_id=?, updated_at=? WHERE key=? AND state='intent'",
                       (proposal_id, write_id, now, key))
            row = db.execute("SELECT * FROM provisions WHERE key=?", (key,)).fetchone()
        return _provision(row)

    def provision(self, key: str) -> Provision | None:
        rows = self._query("SELECT * FROM provisions WHERE key=?", (key,))
        return _provision(rows[0]) if rows else None

    def mark_provision(self, key: str, state: str, *, subscription_id: str | None = None, error: str | None = None,
                       attempt: bool = False) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE provisions SET state=?, subscription_id=COALESCE(?, subscription_id), error=?, "
                "attempts=attempts+?, updated_at=? WHERE key=?",
                (state, subscription_id, error, 1 if attempt else 0, _now(), key))

    def unfinished_provisions(self) -> list[Provision]:
        """Intents and written qualifies not provisioned yet: what the next run finishes (failed ones wait)."""
        rows = self._query("SELECT * FROM provisions WHERE state IN ('intent','written') ORDER BY created_at")
        return [_provision(r) for r in rows]

    def failed_provisions(self) -> list[Provision]:
        """Provisionings refused for good (a 4xx, a program no longer configured): for a person to retry."""
        rows = self._query("SELECT * FROM provisions WHERE state='failed' ORDER BY updated_at, key")
        return [_provision(r) for r in rows]

    # the membership ledger ----------------------------------------------------------------------
    def add_member(self, member: Member) -> Member:
        """Record ``member``; a member already recorded for the same decision is returned unchanged."""
        with self._tx() as db:
            if member.decision_key:
                found = db.execute("SELECT * FROM members WHERE decision_key=?", (member.decision_key,)).fetchone()
                if found is not None:
                    return _member(found)
            cur = db.execute(
                "INSERT INTO members(program, organisation, requester, email_domain, seats, subscription_id, "
                "term_start, term_end, ticket_id, decision_key, source, note, reminded, created_at) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (member.program, member.organisation, member.requester, member.email_domain, member.seats,
                 member.subscription_id, member.term_start.isoformat(), member.term_end.isoformat(), member.ticket_id,
                 member.decision_key, member.source, member.note,
                 json.dumps([d.isoformat() for d in member.reminded]), _now()))
            return member.model_copy(update={"id": cur.lastrowid})

    def count_members(self, program: str) -> int:
        return int(self._query("SELECT COUNT(*) FROM members WHERE program=?", (program,))[0][0])

    def member_by_subscription(self, subscription_id: str) -> Member | None:
        """The latest term of ``subscription_id`` (a renewal keeps its id)."""
        rows = self._query("SELECT * FROM members WHERE subscription_id=? ORDER BY term_end DESC LIMIT 1",
                           (subscription_id,))
        return _member(rows[0]) if rows else None

    def members(self, *, program: str | None = None, ending_before: date | None = None,
                ending_after: date | None = None) -> list[Member]:
        sql, params = "SELECT * FROM members WHERE 1=1", list[str]()
        if program:
            sql, params = sql + " AND program=?", [*params, program]
        if ending_before:
            sql, params = sql + " AND term_end<=?", [*params, ending_before.isoformat()]
        if ending_after:
            sql, params = sql + " AND term_end>=?", [*params, ending_after.isoformat()]
        return [_member(r) for r in self._query(sql + " ORDER BY term_end, id", params)]

    def mark_reminded(self, member_id: int, term_end: date) -> None:
        with self._tx() as db:
            row = db.execute("SELECT reminded FROM members WHERE id=?", (member_id,)).fetchone()
            if row is None:
                return
            done = set(json.loads(row["reminded"])) | {term_end.isoformat()}
            db.execute("UPDATE members SET reminded=? WHERE id=?", (json.dumps(sorted(done)), member_id))

    # renewal reminders (intent before create_many, the job id when accepted, sent after) ----------
    def begin_reminders(self, reminders: Sequence[tuple[str, int, date]]) -> None:
        now = _now()
        with self._tx() as db:
            for key, member_id, term_end in reminders:
                db.execute("INSERT OR IGNORE INTO reminders(key, member_id, term_end, state, updated_at) "
                           "VALUES (?,?,?,'intent',?)", (key, member_id, term_end.isoformat(), now))

    def record_reminder_job(self, job_id: str, keys: Sequence[str]) -> None:
        with self._tx() as db:
            for key in keys:
                db.execute("UPDATE reminders SET job_id=?, updated_at=? WHERE key=?", (job_id, _now(), key))

    def finish_reminder(self, key: str, *, ticket_id: int | None, error: str | None = None) -> None:
        with self._tx() as db:
            row = db.execute("SELECT member_id, term_end FROM reminders WHERE key=?", (key,)).fetchone()
            state = "sent" if error is None else "intent"
            db.execute("UPDATE reminders SET state=?, ticket_id=COALESCE(?, ticket_id), error=?, updated_at=? "
                       "WHERE key=?", (state, ticket_id, error, _now(), key))
        if row is not None and error is None:
            self.mark_reminded(int(row["member_id"]), date.fromisoformat(row["term_end"]))

    def reminder_jobs(self) -> list[str]:
        """Job ids of reminders not yet seen created: a killed run's job may still be running."""
        rows = self._query("SELECT DISTINCT job_id FROM reminders WHERE state='intent' AND job_id IS NOT NULL")
        return [str(r["job_id"]) for r in rows]

    def sent_reminders(self) -> set[str]:
        return {str(r["key"]) for r in self._query("SELECT key FROM reminders WHERE state='sent'")}
