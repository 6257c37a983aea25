"""The journal's queries, written once for both backends (SQLite embedded, PostgreSQL shared).

Every write is recorded as an intent before it is sent and as a result after, so a run killed at any moment
leaves enough behind for the next run to finish the work exactly once. A backend supplies the connection:
how a statement runs, how a transaction begins, how a new row's id comes back, how a long result streams.
Statements use ``?`` placeholders; the PostgreSQL backend turns them into ``%s``.
"""

from __future__ import annotations

import json
import uuid
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from typing import Any

from commops.domain import Proposal
from commops.domain.records import JournalEntry, ProposalRecord, RunRecord
from commops.domain.retention import PRUNABLE_STATES, PruneReport
from commops.domain.trace import TraceShape, from_journal, journal_trace, shape_from_json
from commops.errors import ConfigError, JournalError
from commops.redact import redact

__all__ = ["CHUNK", "Row", "SqlJournal", "as_datetime", "as_json", "now_text", "row_form"]

CHUNK = 500  # ids per IN (...) list: below SQLite's variable limit, small for PostgreSQL's planner

# proposal states: proposed (shown, not to be written) · approved (to be written) · writing (sent, no
# answer recorded yet) · applied · already_applied · conflict · failed · superseded · abandoned (failed
# MAX_ATTEMPTS times: reported, no longer retried) · skipped


# A row with a compact trace stores it in its own column; the readings are derived from the trace.
_COMPACT_EXCLUDE = {"trace", "readings"}


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


class Row(dict[str, Any]):
    """A result row read by column name or by position (what ``sqlite3.Row`` offers, for both backends)."""

    def __init__(self, names: Sequence[str], values: Sequence[Any]) -> None:
        super().__init__(zip(names, values, strict=True))
        self._values = tuple(values)

    def __getitem__(self, key: str | int) -> Any:  # type: ignore[override]
        if isinstance(key, int):
            return self._values[key]
        return super().__getitem__(key)


def now_text() -> str:
    """Now, as the journal stores it (UTC, ISO 8601 with microseconds: sorts as text in SQLite)."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


def as_datetime(value: object) -> datetime | None:
    """A stored time as an aware datetime: SQLite keeps ISO text, PostgreSQL a timestamptz."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    moment = datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def as_json(value: object) -> Any:
    """A stored JSON value: SQLite keeps text, PostgreSQL's jsonb arrives decoded."""
    return json.loads(value) if isinstance(value, str | bytes) else value


def _stamp(value: object) -> datetime | None:
    """A ticket's ``updated_at`` as Zendesk wrote it (``…Z``); None when absent or not a time."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return as_datetime(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _chunks(ids: Sequence[int]) -> Iterator[tuple[list[int], str]]:
    """``ids`` in parts of :data:`CHUNK`, each with its ``?,?,…`` placeholder list."""
    items = list(ids)
    for start in range(0, len(items), CHUNK):
        part = items[start : start + CHUNK]
        yield part, ",".join("?" * len(part))


def _time_text(value: object) -> object:
    moment = as_datetime(value) if isinstance(value, datetime) else value
    return moment.isoformat(timespec="microseconds") if isinstance(moment, datetime) else moment


class SqlJournal(ABC):
    """The journal ports (:class:`commops.ports.Journal`, ``DecisionJournal``) over one SQL connection."""

    #: what messages call this journal: a file path, or a URL without its password
    where: str
    #: trace shapes stored or read, by key (set by each backend's constructor)
    _shapes: dict[str, TraceShape]

    # the backend ------------------------------------------------------------------------------------
    @abstractmethod
    def _exec(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """Run one statement (outside or inside :meth:`_transaction`); errors become JournalError."""

    @abstractmethod
    def _many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """Run one statement for each parameter row."""

    @abstractmethod
    def _insert(self, sql: str, params: Sequence[Any]) -> int:
        """Run one INSERT and return the new row's id."""

    @abstractmethod
    def _change(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one UPDATE or DELETE and return how many rows it changed."""

    @abstractmethod
    def _transaction(self, *, rollback: bool = False) -> AbstractContextManager[None]:
        """One transaction that takes the write lock at once (nothing else writes in between); rolled back
        at the end when ``rollback`` (a dry run counts exactly what a real one would change)."""

    @abstractmethod
    def _size(self) -> int | None:
        """The journal's bytes in storage, when the backend can tell."""

    @abstractmethod
    def _compact(self) -> None:
        """Give the space of removed rows back (after a prune)."""

    @abstractmethod
    def _stream(self, sql: str, params: Sequence[Any]) -> Iterator[Row]:
        """Rows of a long result, without holding them all in memory."""

    @abstractmethod
    def close(self) -> None: ...

    @abstractmethod
    def _ensure_meta(self) -> None:
        """The ``meta`` table exists (SQLite creates it on first use; PostgreSQL's migrations made it)."""

    def __enter__(self) -> SqlJournal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # the account ------------------------------------------------------------------------------------
    def bind_account(self, account: str, *, account_id: str | None = None) -> None:
        """Tie the journal to ``account`` (its URL) on first use, and to ``account_id`` once it is known;
        a journal of another account is refused, so a decision made on one account is never taken for
        another's (ticket ids repeat across accounts). The id catches what the URL cannot: another
        account behind the same URL (a sandbox reset to another account, a moved host mapping)."""
        self._ensure_meta()
        bound = self._bind("account", account)
        if bound != account:
            raise ConfigError(
                f"the journal {self.where} belongs to the account {bound}, not to {account}; "
                "commops refuses to mix the decisions of two accounts",
                hint="point COMMOPS_HOME (or [journal] url) elsewhere for this account, or configure the "
                "account the journal is for",
            )
        if not account_id:
            return
        known = self._bind("account_id", account_id)
        if known != account_id:
            raise ConfigError(
                f"the journal {self.where} belongs to the account {account} ({known}), but {account} is now "
                f"another account ({account_id}); commops refuses to mix the decisions of two accounts",
                hint="point COMMOPS_HOME (or [journal] url) elsewhere for this account (a sandbox reset to "
                     "another account needs its own COMMOPS_HOME)",
            )

    def _bind(self, key: str, value: str) -> str:
        """``meta[key]``, set to ``value`` if it has none. Two hosts binding a new shared journal at once:
        the first insert wins and both read the winner."""
        self._exec("INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING", (key, value))
        return str(self._exec("SELECT value FROM meta WHERE key = ?", (key,))[0][0])

    def account(self) -> str | None:
        """The account the journal belongs to (None before its first use)."""
        self._ensure_meta()
        rows = self._exec("SELECT value FROM meta WHERE key = 'account'")
        return str(rows[0][0]) if rows else None

    # runs -------------------------------------------------------------------------------------------
    def start_run(self, mode: str, ruleset_version: str | None) -> str:
        run_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
        self._exec(
            "INSERT INTO runs(run_id, mode, started_at, ruleset_version) VALUES (?,?,?,?)",
            (run_id, mode, now_text(), ruleset_version),
        )
        return run_id

    def finish_run(self, run_id: str, status: str, summary: dict[str, Any]) -> None:
        self._exec(
            "UPDATE runs SET finished_at=?, status=?, summary=? WHERE run_id=?",
            (now_text(), status, json.dumps(summary, sort_keys=True), run_id),
        )

    def runs(self, limit: int = 20) -> list[RunRecord]:
        rows = self._exec("SELECT * FROM runs ORDER BY started_at DESC LIMIT ?", (limit,))
        return [
            RunRecord(
                run_id=r["run_id"],
                mode=r["mode"],
                started_at=as_datetime(r["started_at"]) or datetime.now(UTC),
                finished_at=as_datetime(r["finished_at"]),
                ruleset_version=r["ruleset_version"],
                status=r["status"],
                summary=as_json(r["summary"]) if r["summary"] else None,
            )
            for r in rows
        ]

    # proposals --------------------------------------------------------------------------------------
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
        now = now_text()
        with self._transaction():
            unchanged = self._unchanged(proposals) if state == "proposed" and not fresh else {}
            for proposal in proposals:
                decision = proposal.decision
                if decision.ticket_id in unchanged:
                    ids[decision.ticket_id] = unchanged[decision.ticket_id]
                    continue
                text, trace = self._row_text(proposal)
                ids[decision.ticket_id] = self._insert(
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
        return ids

    def _row_text(self, proposal: Proposal) -> tuple[str, str | None]:
        """``(proposal, trace)`` as the row stores them (see :func:`row_form`); a new shape is stored once."""
        text, shape, trace = row_form(proposal)
        if shape is not None and shape.key not in self._shapes:
            self._exec("INSERT INTO trace_shapes(key, shape) VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
                       (shape.key, shape.json))
            self._shapes[shape.key] = shape
        return text, trace

    def _shape(self, key: str) -> TraceShape:
        shape = self._shapes.get(key)
        if shape is None:
            rows = self._exec("SELECT shape FROM trace_shapes WHERE key=?", (key,))
            if not rows:
                raise JournalError(f"the journal {self.where} has lost the trace shape {key}")
            shape = self._shapes[key] = shape_from_json(rows[0][0])
        return shape

    def _unchanged(self, proposals: Sequence[Proposal]) -> dict[int, int]:
        """Ticket id → row id of the tickets whose last row is a ``proposed`` one equal to the new proposal."""
        wanted = {
            p.decision.ticket_id: (
                p.decision.outcome.value,
                [r.rule for r in p.decision.reasons],
                [m.title for m in p.decision.macros],
                p.decision.ruleset_version,
                p.updated_stamp,
                p.answers_digest,
            )
            for p in proposals
        }
        same: dict[int, int] = {}
        for part, marks in _chunks(list(wanted)):
            rows = self._exec(
                "SELECT id, ticket_id, state, outcome, rules, macros, ruleset_version, updated_stamp, fields_digest"
                f" FROM proposals WHERE id IN (SELECT max(id) FROM proposals WHERE ticket_id IN ({marks})"
                " GROUP BY ticket_id)",
                part,
            )
            for row in rows:
                key = (row[3], as_json(row[4]), as_json(row[5]), row[6], row[7], row[8])
                if row[2] == "proposed" and wanted.get(int(row[1])) == key:
                    same[int(row[1])] = int(row[0])
        return same

    def set_state(self, proposal_ids: Sequence[int], state: str) -> None:
        with self._transaction():
            self._many("UPDATE proposals SET state=? WHERE id=?", [(state, pid) for pid in proposal_ids])

    def begin_writes(self, proposal_ids: Sequence[int], *, batch: bool = False) -> dict[int, int]:
        """Record the intent to write (before anything is sent); returns proposal id → attempt id.

        ``batch``: the writes go out as update_many jobs, whose ids may be lost with the answer.
        """
        attempts: dict[int, int] = {}
        now = now_text()
        with self._transaction():
            for pid in proposal_ids:
                rows = self._exec("SELECT ticket_id FROM proposals WHERE id=?", (pid,))
                if not rows:
                    raise JournalError(f"no proposal {pid} in the journal {self.where}")
                attempts[pid] = self._insert(
                    "INSERT INTO attempts(proposal_id, ticket_id, started_at, batch) VALUES (?,?,?,?)",
                    (pid, rows[0]["ticket_id"], now, int(batch)),
                )
                self._exec("UPDATE proposals SET state='writing' WHERE id=?", (pid,))
        return attempts

    def finish_write(
        self, proposal_id: int, attempt_id: int, result: str, error: str | None, stamp_after: str | None
    ) -> None:
        """Record what one write did. ``result`` is a WriteResult status."""
        now = now_text()
        if result not in ("applied", "already_applied", "conflict", "failed"):
            raise JournalError(f"unknown write result {result!r} for proposal {proposal_id}")
        decided = now if result in ("applied", "already_applied") else None
        with self._transaction():
            self._exec(
                "UPDATE attempts SET finished_at=?, result=?, error=? WHERE id=?",
                (now, result, None if error is None else redact(error), attempt_id),  # stores no secret
            )
            self._exec(
                "UPDATE proposals SET state=?, stamp_after=COALESCE(?, stamp_after),"
                " decided_at=COALESCE(?, decided_at) WHERE id=?",
                (result, stamp_after, decided, proposal_id),
            )

    def record_job(self, attempt_ids: Sequence[int], job_id: str) -> None:
        """Zendesk accepted a job for these attempts: a run killed before it ends knows what to wait for."""
        with self._transaction():
            self._many("UPDATE attempts SET job_id=? WHERE id=?", [(job_id, aid) for aid in attempt_ids])

    def unsettled_jobs(self) -> list[str]:
        """Jobs behind writes that never saw a success: they may still land, so wait before resending."""
        rows = self._exec(
            "SELECT DISTINCT a.job_id FROM attempts a JOIN proposals p ON p.id = a.proposal_id"
            " WHERE a.job_id IS NOT NULL AND p.state IN ('approved', 'writing', 'failed')"
        )
        return sorted(str(r[0]) for r in rows)

    def lost_job_ids(self) -> bool:
        """Did an unfinished write go out without Zendesk's answer (so no job id is known)? Then any of the
        account's running jobs may be it, and a retry waits for them all."""
        rows = self._exec(
            "SELECT 1 FROM attempts a JOIN proposals p ON p.id = a.proposal_id"
            " WHERE a.batch = 1 AND a.job_id IS NULL AND (a.result IS NULL OR a.result = 'failed')"
            " AND p.state IN ('writing', 'failed') LIMIT 1"
        )
        return bool(rows)

    def unfinished_writes(self) -> list[ProposalRecord]:
        """Proposals approved or sent but with no result: a run stopped mid-write. Also failed ones."""
        return self._records("WHERE p.state IN ('approved', 'writing', 'failed') ORDER BY p.id")

    def supersede(self, ticket_ids: Sequence[int]) -> None:
        """A specialist's fresh decision wins over unfinished writes of earlier runs for the same tickets."""
        with self._transaction():
            self._many(
                "UPDATE proposals SET state='superseded' WHERE ticket_id=?"
                " AND state IN ('approved','writing','failed')",
                [(tid,) for tid in ticket_ids],
            )

    def pending_tickets(self, ticket_ids: Sequence[int]) -> set[int]:
        """Tickets with a write still to finish: they are not evaluated again until it is settled."""
        found: set[int] = set()
        for chunk, marks in _chunks(ticket_ids):
            rows = self._exec(
                f"SELECT DISTINCT ticket_id FROM proposals WHERE ticket_id IN ({marks})"
                " AND state IN ('approved','writing','failed')",
                chunk,
            )
            found.update(int(r[0]) for r in rows)
        return found

    def abandoned(self, ticket_ids: Sequence[int]) -> dict[int, str]:
        """Tickets whose write was given up, with the ``updated_at`` it was evaluated at."""
        found: dict[int, str] = {}
        for chunk, marks in _chunks(ticket_ids):
            for row in self._exec(
                f"SELECT ticket_id, updated_stamp FROM proposals WHERE ticket_id IN ({marks})"
                " AND state = 'abandoned' ORDER BY id",
                chunk,
            ):
                found[int(row[0])] = str(row[1])
        return found

    def failed_attempts(self, proposal_id: int) -> int:
        rows = self._exec("SELECT COUNT(*) FROM attempts WHERE proposal_id=? AND result='failed'", (proposal_id,))
        return int(rows[0][0])

    def load_proposal(self, proposal_id: int) -> Proposal:
        rows = self._exec("SELECT proposal, trace FROM proposals WHERE id=?", (proposal_id,))
        if not rows:
            raise JournalError(f"no proposal {proposal_id} in the journal")
        stored = rows[0]["proposal"]
        proposal = Proposal.model_validate_json(stored if isinstance(stored, str) else json.dumps(stored))
        if rows[0]["trace"] is not None:  # the compact form (older rows hold the full trace in `proposal`)
            proposal.decision.trace = from_journal(rows[0]["trace"], self._shape)
        return proposal

    def last_applied(self, ticket_ids: Sequence[int]) -> dict[int, ProposalRecord]:
        """The most recent applied decision per ticket."""
        found: dict[int, ProposalRecord] = {}
        for chunk, marks in _chunks(ticket_ids):
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
        """One proposal's write attempts, as plain values (times as ISO text) whichever the backend."""
        rows = self._exec(
            "SELECT id, proposal_id, ticket_id, started_at, finished_at, result, error, job_id, batch"
            " FROM attempts WHERE proposal_id=? ORDER BY id",
            (proposal_id,),
        )
        return [{key: _time_text(value) for key, value in row.items()} for row in rows]

    def applied_decisions(
        self, *, since: datetime | None = None, until: datetime | None = None
    ) -> Iterator[JournalEntry]:
        """Applied decisions, oldest first, streamed (statistics read years of them)."""
        # A write found already on the ticket counts only when no row of ours applied that same write
        # (same ticket, evaluated stamp and outcome): re-applying a plan is not a second decision.
        sql = (
            "SELECT p.ticket_id, p.program, p.outcome, p.rules, p.run_id, r.mode, p.decided_at, p.ruleset_version,"
            " p.stamp_after FROM proposals p JOIN runs r ON r.run_id = p.run_id "
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
        sql += " ORDER BY p.decided_at, p.id"
        for row in self._stream(sql, params):
            yield JournalEntry(
                ticket_id=row["ticket_id"],
                program=row["program"],
                outcome=row["outcome"],
                rules=as_json(row["rules"]),
                run_id=row["run_id"],
                mode=row["mode"],
                applied_at=as_datetime(row["decided_at"]) or datetime.now(UTC),
                ruleset_version=row["ruleset_version"],
                landed_at=_stamp(row["stamp_after"]),
            )

    # retention ------------------------------------------------------------------------------------
    def prune(self, before: datetime, *, decisions: bool = False, dry_run: bool = False) -> PruneReport:
        """Remove what no run needs, created before ``before`` (``commops.domain.retention`` says what is kept).

        One transaction, so a dry run counts exactly what a real one removes (it rolls back); a real one
        then gives the space back (:meth:`_compact`). The caller holds the run lock.
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
        # A run still 'running' a day before the cut was killed long ago (no run lasts a day).
        killed = (before - timedelta(days=1)).astimezone(UTC).isoformat(timespec="microseconds")
        with self._transaction(rollback=dry_run):
            by_state = {str(r[0]): int(r[1]) for r in self._exec(
                f"SELECT p.state, count(*) {doomed} GROUP BY p.state", [cutoff, *states])}
            self._exec("CREATE TEMP TABLE IF NOT EXISTS doomed (id BIGINT PRIMARY KEY)")
            self._exec("DELETE FROM doomed")
            self._exec(f"INSERT INTO doomed SELECT p.id {doomed}", [cutoff, *states])
            report.attempts = self._change("DELETE FROM attempts WHERE proposal_id IN (SELECT id FROM doomed)")
            report.proposals = self._change("DELETE FROM proposals WHERE id IN (SELECT id FROM doomed)")
            report.runs = self._change(
                "DELETE FROM runs WHERE started_at < ? AND (status != 'running' OR started_at < ?)"
                " AND NOT EXISTS (SELECT 1 FROM proposals p WHERE p.run_id = runs.run_id)",
                (cutoff, killed))
            kept = {str(r[0]): int(r[1]) for r in self._exec(
                "SELECT state, count(*) FROM proposals WHERE created_at < ? GROUP BY state", (cutoff,))}
            self._exec("DELETE FROM doomed")
        if not dry_run and report.proposals + report.runs:
            self._compact()
        report.by_state = dict(sorted(by_state.items()))
        report.kept_pending = sum(kept.get(s, 0) for s in ("approved", "writing", "failed"))
        report.kept_abandoned = kept.get("abandoned", 0)
        report.kept_decisions = kept.get("applied", 0) + kept.get("already_applied", 0)
        report.bytes_after = report.bytes_before if dry_run else self._size()
        return report

    def _records(self, where: str, params: Sequence[Any] = ()) -> list[ProposalRecord]:
        sql = (
            "SELECT p.id, p.run_id, r.mode, p.ticket_id, p.program, p.outcome, p.rules, p.macros, p.ruleset_version,"
            " p.updated_stamp, p.fields_digest, p.state, p.stamp_after, p.created_at, p.decided_at"
            f" FROM proposals p JOIN runs r ON r.run_id = p.run_id {where}"
        )
        return [
            ProposalRecord(
                id=row["id"],
                run_id=row["run_id"],
                mode=row["mode"],
                ticket_id=row["ticket_id"],
                program=row["program"],
                outcome=row["outcome"],
                rules=as_json(row["rules"]),
                macros=as_json(row["macros"]),
                ruleset_version=row["ruleset_version"],
                updated_stamp=row["updated_stamp"],
                fields_digest=row["fields_digest"],
                state=row["state"],
                stamp_after=row["stamp_after"],
                created_at=as_datetime(row["created_at"]) or datetime.now(UTC),
                decided_at=as_datetime(row["decided_at"]),
            )
            for row in self._exec(sql, params)
        ]
