"""SQLite journal. Every write is recorded as an intent before it is sent and as a result after, so a run
killed at any moment leaves enough behind for the next run to finish the work exactly once."""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from commops.domain import Proposal
from commops.domain.records import JournalEntry, ProposalRecord, RunRecord
from commops.domain.retention import PRUNABLE_STATES, PruneReport
from commops.domain.trace import TraceShape, from_journal, journal_trace, shape_from_json
from commops.errors import ConfigError, JournalError
from commops.paths import journal_path
from commops.redact import redact

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

# proposal states: proposed (shown, not to be written) · approved (to be written) · writing (sent, no
# answer recorded yet) · applied · already_applied · conflict · failed · superseded · abandoned (failed
# MAX_ATTEMPTS times: reported, no longer retried)


# A row with a compact trace stores it in its own column; the readings are derived from the trace.
_COMPACT_EXCLUDE = {"trace", "readings"}
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


def row_form(proposal: Proposal) -> tuple[str, TraceShape | None, str | None]:
    """``(proposal, shape, trace)`` as a journal row stores a proposal: a trace the rules recorded in its
    compact form (the ``trace`` column; its shape once in ``trace_shapes``), any other trace (a plan's,
    an old row's) inside the proposal's JSON."""
    compact = journal_trace(proposal.decision.trace)
    if compact is None:
        return proposal.model_dump_json(), None, None
    shape, trace = compact
    # the decision first, as pydantic orders it (a nested ``exclude`` costs as much again as the dump)
    rest = proposal.model_dump_json(exclude={"decision"})
    return '{"decision":' + proposal.decision.model_dump_json(exclude=_COMPACT_EXCLUDE) + "," + rest[1:], shape, trace


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


class SqliteJournal:
    """One SQLite file (WAL, synchronous=FULL): cheap to open, safe against kill -9."""

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self._db = connection
        self.path = path
        self._shapes: dict[str, TraceShape] = {}  # trace shapes stored or read, by key

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
            db.row_factory = sqlite3.Row
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

    def bind_account(self, account: str, *, account_id: str | None = None) -> None:
        """Tie the journal to ``account`` (its URL) on first use, and to ``account_id`` once it is known;
        a journal of another account is refused, so a decision made on one account is never taken for
        another's (ticket ids repeat across accounts). The id catches what the URL cannot: another
        account behind the same URL (a sandbox reset to another account, a moved host mapping)."""
        self._exec("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        row = self._exec("SELECT value FROM meta WHERE key = 'account'").fetchone()
        if row is None:
            self._exec("INSERT INTO meta VALUES ('account', ?)", (account,))
        elif row[0] != account:
            raise ConfigError(
                f"the journal {self.path} belongs to the account {row[0]}, not to {account}; "
                "commops refuses to mix the decisions of two accounts",
                hint="point COMMOPS_HOME elsewhere for this account, or configure the account the journal is for",
            )
        if not account_id:
            return
        known = self._exec("SELECT value FROM meta WHERE key = 'account_id'").fetchone()
        if known is None:
            self._exec("INSERT INTO meta VALUES ('account_id', ?)", (account_id,))
        elif known[0] != account_id:
            raise ConfigError(
                f"the journal {self.path} belongs to the account {account} ({known[0]}), but {account} is now "
                f"another account ({account_id}); commops refuses to mix the decisions of two accounts",
                hint="point COMMOPS_HOME elsewhere for this account (a sandbox reset to another account "
                     "needs its own COMMOPS_HOME)",
            )

    def account(self) -> str | None:
        """The account the journal belongs to (None before its first use)."""
        self._exec("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        row = self._exec("SELECT value FROM meta WHERE key = 'account'").fetchone()
        return str(row[0]) if row else None

    def __enter__(self) -> SqliteJournal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _exec(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Cursor:
        try:
            return self._db.execute(sql, params)
        except sqlite3.Error as exc:
            raise JournalError(f"journal write failed ({self.path}): {exc}") from exc

    # runs -----------------------------------------------------------------------------------------
    def start_run(self, mode: str, ruleset_version: str | None) -> str:
        run_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
        self._exec(
            "INSERT INTO runs(run_id, mode, started_at, ruleset_version) VALUES (?,?,?,?)",
            (run_id, mode, _now(), ruleset_version),
        )
        return run_id

    def finish_run(self, run_id: str, status: str, summary: dict[str, Any]) -> None:
        self._exec(
            "UPDATE runs SET finished_at=?, status=?, summary=? WHERE run_id=?",
            (_now(), status, json.dumps(summary, sort_keys=True), run_id),
        )

    def runs(self, limit: int = 20) -> list[RunRecord]:
        rows = self._exec("SELECT * FROM runs ORDER BY started_at DESC LIMIT ?", (limit,)).fetchall()
        return [
            RunRecord(
                run_id=r["run_id"],
                mode=r["mode"],
                started_at=datetime.fromisoformat(r["started_at"]),
                finished_at=_dt(r["finished_at"]),
                ruleset_version=r["ruleset_version"],
                status=r["status"],
                summary=json.loads(r["summary"]) if r["summary"] else None,
            )
            for r in rows
        ]

    # proposals ------------------------------------------------------------------------------------
    def record_proposals(
        self, run_id: str, proposals: Sequence[Proposal], state: str = "proposed", *, fresh: bool = False
    ) -> dict[int, int]:
        """Store proposals in one transaction; returns ticket id → proposal row id.

        A proposal only shown (``proposed``) that is the same as the ticket's last row (same outcome,
        rules, macros, ruleset, ticket stamp and answers) is not stored again: the row already says it,
        and cron re-finding the same manual tickets every run must not grow the journal for ever. ``fresh``:
        always a new row (an unattended run approves it once its guard-rails allow).
        """
        ids: dict[int, int] = {}
        now = _now()
        try:
            with self._db:
                self._db.execute("BEGIN IMMEDIATE")
                unchanged = self._unchanged(proposals) if state == "proposed" and not fresh else {}
                for proposal in proposals:
                    decision = proposal.decision
                    if decision.ticket_id in unchanged:
                        ids[decision.ticket_id] = unchanged[decision.ticket_id]
                        continue
                    text, trace = self._row_text(proposal)
                    cursor = self._db.execute(
                        "INSERT INTO proposals(run_id, ticket_id, program, outcome, rules, macros, ruleset_version,"
                        " updated_stamp, fields_digest, proposal, trace, state, created_at)"
                        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                        (
                            run_id,
                            decision.ticket_id,
                            decision.program,
                            decision.outcome.value,
                            json.dumps([r.rule for r in decision.reasons]),
                            json.dumps([m.title for m in decision.macros]),
                            decision.ruleset_version,
                            proposal.updated_stamp,
                            proposal.answers_digest,
                            text,
                            trace,
                            state,
                            now,
                        ),
                    )
                    ids[decision.ticket_id] = int(cursor.lastrowid or 0)
        except sqlite3.Error as exc:
            raise JournalError(f"journal write failed ({self.path}): {exc}") from exc
        return ids

    def _row_text(self, proposal: Proposal) -> tuple[str, str | None]:
        """``(proposal, trace)`` as the row stores them (see :func:`row_form`); a new shape is stored once."""
        text, shape, trace = row_form(proposal)
        if shape is not None and shape.key not in self._shapes:
            self._db.execute("INSERT OR IGNORE INTO trace_shapes(key, shape) VALUES (?, ?)", (shape.key, shape.json))
            self._shapes[shape.key] = shape
        return text, trace

    def _shape(self, key: str) -> TraceShape:
        shape = self._shapes.get(key)
        if shape is None:
            row = self._exec("SELECT shape FROM trace_shapes WHERE key=?", (key,)).fetchone()
            if row is None:
                raise JournalError(f"the journal {self.path} has lost the trace shape {key}", hint=_KEEP)
            shape = self._shapes[key] = shape_from_json(row[0])
        return shape

    def _unchanged(self, proposals: Sequence[Proposal]) -> dict[int, int]:
        """Ticket id → row id of the tickets whose last row is a ``proposed`` one equal to the new proposal."""
        wanted = {
            p.decision.ticket_id: (
                p.decision.outcome.value,
                json.dumps([r.rule for r in p.decision.reasons]),
                json.dumps([m.title for m in p.decision.macros]),
                p.decision.ruleset_version,
                p.updated_stamp,
                p.answers_digest,
            )
            for p in proposals
        }
        same: dict[int, int] = {}
        tickets = list(wanted)
        for start in range(0, len(tickets), 500):
            part = tickets[start : start + 500]
            marks = ",".join("?" * len(part))
            rows = self._db.execute(
                "SELECT id, ticket_id, state, outcome, rules, macros, ruleset_version, updated_stamp, fields_digest"
                f" FROM proposals WHERE id IN (SELECT max(id) FROM proposals WHERE ticket_id IN ({marks})"
                " GROUP BY ticket_id)",
                part,
            ).fetchall()
            for row in rows:
                key = (row[3], row[4], row[5], row[6], row[7], row[8])
                if row[2] == "proposed" and wanted.get(row[1]) == key:
                    same[int(row[1])] = int(row[0])
        return same

    def set_state(self, proposal_ids: Sequence[int], state: str) -> None:
        try:
            with self._db:
                self._db.execute("BEGIN IMMEDIATE")
                self._db.executemany(
                    "UPDATE proposals SET state=? WHERE id=?", [(state, pid) for pid in proposal_ids]
                )
        except sqlite3.Error as exc:
            raise JournalError(f"journal write failed ({self.path}): {exc}") from exc

    def begin_writes(self, proposal_ids: Sequence[int], *, batch: bool = False) -> dict[int, int]:
        """Record the intent to write (before anything is sent); returns proposal id → attempt id.

        ``batch``: the writes go out as update_many jobs, whose ids may be lost with the answer.
        """
        attempts: dict[int, int] = {}
        now = _now()
        try:
            with self._db:
                self._db.execute("BEGIN IMMEDIATE")
                for pid in proposal_ids:
                    row = self._db.execute("SELECT ticket_id FROM proposals WHERE id=?", (pid,)).fetchone()
                    cursor = self._db.execute(
                        "INSERT INTO attempts(proposal_id, ticket_id, started_at, batch) VALUES (?,?,?,?)",
                        (pid, row["ticket_id"], now, int(batch)),
                    )
                    attempts[pid] = int(cursor.lastrowid or 0)
                    self._db.execute("UPDATE proposals SET state='writing' WHERE id=?", (pid,))
        except sqlite3.Error as exc:
            raise JournalError(f"journal write failed ({self.path}): {exc}") from exc
        return attempts

    def finish_write(
        self, proposal_id: int, attempt_id: int, result: str, error: str | None, stamp_after: str | None
    ) -> None:
        """Record what one write did. ``result`` is a WriteResult status."""
        now = _now()
        if result not in ("applied", "already_applied", "conflict", "failed"):
            raise JournalError(f"unknown write result {result!r} for proposal {proposal_id}")
        state = result
        try:
            with self._db:
                self._db.execute("BEGIN IMMEDIATE")
                self._db.execute(
                    "UPDATE attempts SET finished_at=?, result=?, error=? WHERE id=?",
                    (now, result, None if error is None else redact(error), attempt_id),  # stores no secret
                )
                decided = now if state in ("applied", "already_applied") else None
                self._db.execute(
                    "UPDATE proposals SET state=?, stamp_after=COALESCE(?, stamp_after),"
                    " decided_at=COALESCE(?, decided_at) WHERE id=?",
                    (state, stamp_after, decided, proposal_id),
                )
        except sqlite3.Error as exc:
            raise JournalError(f"journal write failed ({self.path}): {exc}") from exc

    def record_job(self, attempt_ids: Sequence[int], job_id: str) -> None:
        """Zendesk accepted a job for these attempts: a run killed before it ends knows what to wait for."""
        try:
            with self._db:
                self._db.execute("BEGIN IMMEDIATE")
                self._db.executemany(
                    "UPDATE attempts SET job_id=? WHERE id=?", [(job_id, aid) for aid in attempt_ids]
                )
        except sqlite3.Error as exc:
            raise JournalError(f"journal write failed ({self.path}): {exc}") from exc

    def unsettled_jobs(self) -> list[str]:
        """Jobs behind writes that never saw a success: they may still land, so wait before resending."""
        rows = self._exec(
            "SELECT DISTINCT a.job_id FROM attempts a JOIN proposals p ON p.id = a.proposal_id"
            " WHERE a.job_id IS NOT NULL AND p.state IN ('approved', 'writing', 'failed')"
        ).fetchall()
        return [str(r[0]) for r in rows]

    def lost_job_ids(self) -> bool:
        """Did an unfinished write go out without Zendesk's answer (so no job id is known)? Then any of the
        account's running jobs may be it, and a retry waits for them all."""
        row = self._exec(
            "SELECT 1 FROM attempts a JOIN proposals p ON p.id = a.proposal_id"
            " WHERE a.batch = 1 AND a.job_id IS NULL AND (a.result IS NULL OR a.result = 'failed')"
            " AND p.state IN ('writing', 'failed') LIMIT 1"
        ).fetchone()
        return row is not None

    def unfinished_writes(self) -> list[ProposalRecord]:
        """Proposals approved or sent but with no result: a run stopped mid-write. Also failed ones."""
        return self._records("WHERE p.state IN ('approved', 'writing', 'failed') ORDER BY p.id")

    def supersede(self, ticket_ids: Sequence[int]) -> None:
        """A specialist's fresh decision wins over unfinished writes of earlier runs for the same tickets."""
        try:
            with self._db:
                self._db.execute("BEGIN IMMEDIATE")
                self._db.executemany(
                    "UPDATE proposals SET state='superseded' WHERE ticket_id=?"
                    " AND state IN ('approved','writing','failed')",
                    [(tid,) for tid in ticket_ids],
                )
        except sqlite3.Error as exc:
            raise JournalError(f"journal write failed ({self.path}): {exc}") from exc

    def pending_tickets(self, ticket_ids: Sequence[int]) -> set[int]:
        """Tickets with a write still to finish: they are not evaluated again until it is settled."""
        found: set[int] = set()
        ids = list(ticket_ids)
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._exec(
                f"SELECT DISTINCT ticket_id FROM proposals WHERE ticket_id IN ({marks})"
                " AND state IN ('approved','writing','failed')",
                chunk,
            ).fetchall()
            found.update(int(r[0]) for r in rows)
        return found

    def abandoned(self, ticket_ids: Sequence[int]) -> dict[int, str]:
        """Tickets whose write was given up, with the ``updated_at`` it was evaluated at."""
        found: dict[int, str] = {}
        ids = list(ticket_ids)
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for row in self._exec(
                f"SELECT ticket_id, updated_stamp FROM proposals WHERE ticket_id IN ({marks})"
                " AND state = 'abandoned' ORDER BY id",
                chunk,
            ).fetchall():
                found[int(row[0])] = str(row[1])
        return found

    def failed_attempts(self, proposal_id: int) -> int:
        row = self._exec(
            "SELECT COUNT(*) FROM attempts WHERE proposal_id=? AND result='failed'", (proposal_id,)
        ).fetchone()
        return int(row[0])

    def load_proposal(self, proposal_id: int) -> Proposal:
        row = self._exec("SELECT proposal, trace FROM proposals WHERE id=?", (proposal_id,)).fetchone()
        if row is None:
            raise JournalError(f"no proposal {proposal_id} in the journal")
        proposal = Proposal.model_validate_json(row["proposal"])
        if row["trace"] is not None:  # the compact form (older rows hold the full trace in `proposal`)
            proposal.decision.trace = from_journal(row["trace"], self._shape)
        return proposal

    def last_applied(self, ticket_ids: Sequence[int]) -> dict[int, ProposalRecord]:
        """The most recent applied decision per ticket."""
        found: dict[int, ProposalRecord] = {}
        ids = list(ticket_ids)
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for record in self._records(
                f"WHERE p.ticket_id IN ({marks}) AND p.state IN ('applied','already_applied') ORDER BY p.id",
                chunk,
            ):
                found[record.ticket_id] = record
        return found

    def history(self, ticket_id: int | None = None, limit: int = 200) -> list[ProposalRecord]:
        if ticket_id is None:
            return self._records("ORDER BY p.id DESC LIMIT ?", (limit,))
        return self._records("WHERE p.ticket_id=? ORDER BY p.id DESC LIMIT ?", (ticket_id, limit))

    def attempts(self, proposal_id: int) -> list[dict[str, Any]]:
        rows = self._exec("SELECT * FROM attempts WHERE proposal_id=? ORDER BY id", (proposal_id,)).fetchall()
        return [dict(r) for r in rows]

    def applied_decisions(
        self, *, since: datetime | None = None, until: datetime | None = None
    ) -> Iterator[JournalEntry]:
        """Applied decisions, oldest first, streamed (statistics read years of them)."""
        # A write found already on the ticket counts only when no row of ours applied that same write
        # (same ticket, evaluated stamp and outcome): re-applying a plan is not a second decision.
        sql = (
            "SELECT p.*, r.mode FROM proposals p JOIN runs r ON r.run_id = p.run_id "
            "WHERE p.decided_at IS NOT NULL AND (p.state = 'applied' OR (p.state = 'already_applied' AND NOT EXISTS"
            " (SELECT 1 FROM proposals q WHERE q.ticket_id = p.ticket_id AND q.updated_stamp = p.updated_stamp"
            " AND q.outcome = p.outcome AND q.id != p.id AND (q.state = 'applied' OR"
            " (q.state = 'already_applied' AND q.id < p.id)))))"
        )
        params: list[Any] = []
        if since is not None:
            sql += " AND p.decided_at >= ?"
            params.append(since.astimezone(UTC).isoformat(timespec="microseconds"))
        if until is not None:
            sql += " AND p.decided_at < ?"
            params.append(until.astimezone(UTC).isoformat(timespec="microseconds"))
        sql += " ORDER BY p.decided_at"
        for row in self._exec(sql, params):
            yield JournalEntry(
                ticket_id=row["ticket_id"],
                program=row["program"],
                outcome=row["outcome"],
                rules=json.loads(row["rules"]),
                run_id=row["run_id"],
                mode=row["mode"],
                applied_at=datetime.fromisoformat(row["decided_at"]),
                ruleset_version=row["ruleset_version"],
            )

    # retention ------------------------------------------------------------------------------------
    def prune(self, before: datetime, *, decisions: bool = False, dry_run: bool = False) -> PruneReport:
        """Remove what no run needs, created before ``before`` (``commops.domain.retention`` says what is kept).

        One transaction, so a dry run counts exactly what a real one removes (it rolls back); a real one
        then checkpoints the write-ahead log and VACUUMs, so the file shrinks. The caller holds the run lock.
        """
        cutoff = before.astimezone(UTC).isoformat(timespec="microseconds")
        report = PruneReport(before=before, dry_run=dry_run, decisions=decisions, bytes_before=self._size())
        states = list(PRUNABLE_STATES) + (["applied", "already_applied"] if decisions else [])
        marks = ",".join("?" * len(states))
        # Each ticket's last applied decision, and any row of that same write (a plan applied twice reads
        # as already_applied beside the applied one): re-triage, markers and provisioning read it.
        keep_last = (
            "p.state IN ('applied', 'already_applied') AND EXISTS (SELECT 1 FROM proposals l WHERE l.id ="
            " (SELECT max(m.id) FROM proposals m WHERE m.ticket_id = p.ticket_id"
            " AND m.state IN ('applied', 'already_applied'))"
            " AND l.updated_stamp = p.updated_stamp AND l.outcome = p.outcome)"
        )
        doomed = f"FROM proposals p WHERE p.created_at < ? AND p.state IN ({marks}) AND NOT ({keep_last})"
        try:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                by_state = {str(r[0]): int(r[1]) for r in self._db.execute(
                    f"SELECT p.state, count(*) {doomed} GROUP BY p.state", [cutoff, *states])}
                self._db.execute("CREATE TEMP TABLE IF NOT EXISTS doomed (id INTEGER PRIMARY KEY)")
                self._db.execute("DELETE FROM doomed")
                self._db.execute(f"INSERT INTO doomed SELECT p.id {doomed}", [cutoff, *states])
                report.attempts = self._db.execute(
                    "DELETE FROM attempts WHERE proposal_id IN (SELECT id FROM doomed)").rowcount
                report.proposals = self._db.execute(
                    "DELETE FROM proposals WHERE id IN (SELECT id FROM doomed)").rowcount
                # A run still 'running' a day before the cut was killed long ago (no run lasts a day).
                killed = (before - timedelta(days=1)).astimezone(UTC).isoformat(timespec="microseconds")
                report.runs = self._db.execute(
                    "DELETE FROM runs WHERE started_at < ? AND (status != 'running' OR started_at < ?)"
                    " AND NOT EXISTS (SELECT 1 FROM proposals p WHERE p.run_id = runs.run_id)",
                    (cutoff, killed)).rowcount
                kept = {str(r[0]): int(r[1]) for r in self._db.execute(
                    "SELECT state, count(*) FROM proposals WHERE created_at < ? GROUP BY state", (cutoff,))}
                self._db.execute("DELETE FROM doomed")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("ROLLBACK" if dry_run else "COMMIT")
            if not dry_run and report.proposals + report.runs:
                self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                self._db.execute("VACUUM")
                self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.Error as exc:
            raise JournalError(f"journal prune failed ({self.path}): {exc}") from exc
        report.by_state = dict(sorted(by_state.items()))
        report.kept_pending = sum(kept.get(s, 0) for s in ("approved", "writing", "failed"))
        report.kept_abandoned = kept.get("abandoned", 0)
        report.kept_decisions = kept.get("applied", 0) + kept.get("already_applied", 0)
        report.bytes_after = report.bytes_before if dry_run else self._size()
        return report

    def _size(self) -> int:
        """The journal's bytes on disk: the file and its write-ahead log."""
        wal = self.path.with_name(self.path.name + "-wal")
        return sum(p.stat().st_size for p in (self.path, wal) if p.exists())

    def _records(self, where: str, params: Sequence[Any] = ()) -> list[ProposalRecord]:
        sql = f"SELECT p.*, r.mode FROM proposals p JOIN runs r ON r.run_id = p.run_id {where}"
        return [
            ProposalRecord(
                id=row["id"],
                run_id=row["run_id"],
                mode=row["mode"],
                ticket_id=row["ticket_id"],
                program=row["program"],
                outcome=row["outcome"],
                rules=json.loads(row["rules"]),
                macros=json.loads(row["macros"]),
                ruleset_version=row["ruleset_version"],
                updated_stamp=row["updated_stamp"],
                fields_digest=row["fields_digest"],
                state=row["state"],
                stamp_after=row["stamp_after"],
                created_at=datetime.fromisoformat(row["created_at"]),
                decided_at=_dt(row["decided_at"]),
            )
            for row in self._exec(sql, params).fetchall()
        ]
