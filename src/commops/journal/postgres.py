"""The shared journal on PostgreSQL (psycopg 3): one history for several hosts or CI runners.

The same queries as the SQLite journal (``commops.journal._sql``) in real PostgreSQL transactions; the
schema comes from the numbered SQL files of ``commops/journal/migrations``, applied by ``commops journal
migrate`` (a journal whose schema is behind or ahead of this commops is refused with a sentence). A
writing run also holds a session advisory lock named after the account (:class:`PostgresRunLock`): a
second guard beside the lease, released by PostgreSQL itself when the run's connection ends.

Every error is a :class:`JournalError` (exit 12) whose sentence names the journal by a URL without its
password; the password itself is remembered by :mod:`commops.redact` and never printed.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import re
import socket
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from importlib import resources
from typing import Any

import psycopg
from psycopg import conninfo as pg_conninfo

from commops.errors import JournalError, LockedError
from commops.journal._sql import Row, SqlJournal
from commops.redact import redact, remember

__all__ = [
    "Migration",
    "PostgresJournal",
    "PostgresRunLock",
    "check_postgres",
    "display_url",
    "lock_key",
    "migrate",
    "migrations",
    "schema_version",
]

CONNECT_TIMEOUT_S = 10
_MIGRATION_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
_MIGRATE_LOCK = 0x636F6D6D6F70  # "commop": one `journal migrate` at a time per database
_TABLES = ("runs", "proposals", "attempts")
_MIGRATE_HINT = "run `commops journal migrate` (once per database, and after upgrading commops)"


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def migrations() -> list[Migration]:
    """The schema's migrations shipped with this commops, in order."""
    found = []
    for entry in resources.files("commops.journal.migrations").iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append(Migration(int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    return sorted(found, key=lambda m: m.version)


def display_url(url: str) -> str:
    """``url`` as messages show it: user, host, port and database, never a password."""
    try:
        params = pg_conninfo.conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return redact(re.sub(r"(?i)(://[^:/@]*):[^@/]*@", r"\1@", url))
    user = f"{params['user']}@" if params.get("user") else ""
    host = str(params.get("host") or "localhost")
    port = f":{params['port']}" if params.get("port") else ""
    database = f"/{params['dbname']}" if params.get("dbname") else ""
    return f"postgresql://{user}{host}{port}{database}"


def _remember_password(url: str) -> None:
    try:
        remember(str(pg_conninfo.conninfo_to_dict(url).get("password") or "") or None)
    except psycopg.ProgrammingError:
        return
    remember(os.environ.get("PGPASSWORD"))


def _sentence(exc: psycopg.Error, where: str) -> JournalError:
    """A connection failure as a sentence with a hint; the server's own words are kept, redacted."""
    raw = redact(str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__)
    low = raw.lower()
    if "password authentication failed" in low or "no password supplied" in low or "authentication failed" in low:
        return JournalError(
            f"PostgreSQL refused the journal's credentials at {where} ({raw})",
            hint="check the user and its password (in PGPASSWORD, ~/.pgpass or [journal] url)",
        )
    if "does not exist" in low and "database" in low:
        return JournalError(f"the journal's database does not exist at {where} ({raw})",
                            hint=f"create it (createdb), then {_MIGRATE_HINT}")
    if "does not exist" in low and "role" in low:
        return JournalError(f"PostgreSQL has no such user at {where} ({raw})",
                            hint="create the role, or fix the user in [journal] url")
    if "connection refused" in low or "no such file or directory" in low:
        return JournalError(f"nothing answers at {where}: is PostgreSQL running there? ({raw})",
                            hint="check the host and port of [journal] url / $COMMOPS_JOURNAL_URL")
    if "translate host name" in low or "name or service not known" in low or "nodename nor servname" in low:
        return JournalError(f"cannot resolve the journal's host in {where} ({raw})",
                            hint="check the host of [journal] url / $COMMOPS_JOURNAL_URL")
    if "timeout" in low:
        return JournalError(f"PostgreSQL at {where} did not answer within {CONNECT_TIMEOUT_S} s ({raw})")
    return JournalError(f"cannot use the PostgreSQL journal at {where}: {raw}")


def connect(url: str, *, purpose: str) -> psycopg.Connection[Any]:
    """An autocommit connection in UTC, named in ``pg_stat_activity`` after this host, process and purpose."""
    _remember_password(url)
    where = display_url(url)
    name = f"commops {purpose} {socket.gethostname()}:{os.getpid()}"[:63]
    try:
        db = psycopg.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S, application_name=name)
    except psycopg.Error as exc:
        raise _sentence(exc, where) from None
    try:
        db.execute("SET TIME ZONE 'UTC'")
    except psycopg.Error as exc:
        db.close()
        raise _sentence(exc, where) from None
    return db


def schema_version(db: psycopg.Connection[Any]) -> int:
    """The highest migration applied (0 for a database commops has never migrated)."""
    exists = db.execute("SELECT to_regclass('schema_migrations') IS NOT NULL").fetchone()
    if not exists or not exists[0]:
        return 0
    row = db.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchone()
    return int(row[0]) if row else 0


def migrate(url: str) -> tuple[int, list[Migration]]:
    """Apply every migration the database lacks, all in one transaction (PostgreSQL's DDL is transactional:
    a failure leaves the schema as it was). Returns the version before and the migrations applied."""
    where = display_url(url)
    with connect(url, purpose="migrate") as db:
        try:
            with db.transaction():
                db.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATE_LOCK,))
                db.execute(
                    "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
                    " applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
                )
                before = schema_version(db)
                known = migrations()
                if before > known[-1].version:
                    raise JournalError(
                        f"the journal at {where} has schema version {before}, newer than this commops knows "
                        f"({known[-1].version})", hint="upgrade commops on this host")
                applied = [m for m in known if m.version > before]
                for migration in applied:
                    db.execute(migration.sql.encode())
                    db.execute("INSERT INTO schema_migrations(version, name) VALUES (%s, %s)",
                               (migration.version, migration.name))
        except psycopg.Error as exc:
            raise JournalError(f"migrating the journal at {where} failed: {redact(str(exc).strip())}") from None
    return before, applied


def _check_schema(db: psycopg.Connection[Any], where: str) -> int:
    version = schema_version(db)
    latest = migrations()[-1].version
    if version == 0:
        raise JournalError(f"the PostgreSQL journal at {where} has no commops tables yet", hint=_MIGRATE_HINT)
    if version < latest:
        raise JournalError(
            f"the PostgreSQL journal at {where} has schema version {version}; this commops needs {latest}",
            hint=_MIGRATE_HINT)
    if version > latest:
        raise JournalError(
            f"the PostgreSQL journal at {where} has schema version {version}, newer than this commops knows "
            f"({latest})", hint="upgrade commops on this host")
    return version


def check_postgres(url: str) -> dict[str, Any]:
    """What ``commops journal check`` reports for a PostgreSQL journal; never writes to it."""
    where = display_url(url)
    with connect(url, purpose="check") as db:
        try:
            version = _check_schema(db, where)
            counts = {t: int(db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]) for t in _TABLES}  # type: ignore[index]
            pending = db.execute("SELECT count(*) FROM proposals WHERE state IN ('approved', 'writing')").fetchone()
            oldest = db.execute("SELECT min(started_at) FROM runs").fetchone()
            size = db.execute("SELECT pg_database_size(current_database())").fetchone()
        except psycopg.Error as exc:
            raise JournalError(f"cannot read the journal at {where}: {redact(str(exc).strip())}") from None
    return {"path": where, "bytes": int(size[0]) if size else 0, **counts,
            "pending_writes": int(pending[0]) if pending else 0,
            "oldest_run": oldest[0].isoformat() if oldest and oldest[0] else None, "schema_version": version}


def _row_factory(cursor: psycopg.Cursor[Any]) -> Any:
    names = [c.name for c in cursor.description or ()]

    def make(values: Sequence[Any]) -> Row:
        return Row(names, values)

    return make


def _sql(statement: str) -> bytes:
    """The shared statements' ``?`` placeholders in psycopg's ``%s`` style (they hold no ``%`` or ``?`` else)."""
    return statement.replace("?", "%s").encode()


class PostgresJournal(SqlJournal):
    """The journal ports over one PostgreSQL connection; each multi-statement change is one transaction."""

    def __init__(self, connection: psycopg.Connection[Any], url: str) -> None:
        self._db = connection
        self.url = url
        self.where = display_url(url)
        self._cursors = itertools.count(1)
        self._shapes = {}

    @classmethod
    def open(cls, url: str) -> PostgresJournal:
        """Connect and check the schema is the one this commops writes (``commops journal migrate`` makes it)."""
        db = connect(url, purpose="journal")
        try:
            _check_schema(db, display_url(url))
        except psycopg.Error as exc:
            db.close()
            raise _sentence(exc, display_url(url)) from None
        except JournalError:
            db.close()
            raise
        return cls(db, url)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> PostgresJournal:
        return self

    def _error(self, exc: psycopg.Error) -> JournalError:
        if isinstance(exc, psycopg.OperationalError) and self._db.closed:
            return JournalError(f"lost the connection to the PostgreSQL journal at {self.where}: "
                                f"{redact(str(exc).strip())}",
                                hint="the next run settles any write in flight (the markers say what landed)")
        return JournalError(f"journal write failed ({self.where}): {redact(str(exc).strip())}")

    def _ensure_meta(self) -> None:
        """The migrations made it."""

    def _exec(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        try:
            with self._db.cursor(row_factory=_row_factory) as cursor:
                cursor.execute(_sql(sql), tuple(params))
                return list(cursor.fetchall()) if cursor.description else []
        except psycopg.Error as exc:
            raise self._error(exc) from None

    def _many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        try:
            with self._db.cursor() as cursor:
                cursor.executemany(_sql(sql), [tuple(r) for r in rows])
        except psycopg.Error as exc:
            raise self._error(exc) from None

    def _insert(self, sql: str, params: Sequence[Any]) -> int:
        rows = self._exec(sql + " RETURNING id", params)
        return int(rows[0][0])

    def _change(self, sql: str, params: Sequence[Any] = ()) -> int:
        try:
            with self._db.cursor() as cursor:
                cursor.execute(_sql(sql), tuple(params))
                return int(cursor.rowcount)
        except psycopg.Error as exc:
            raise self._error(exc) from None

    @contextmanager
    def _transaction(self, *, rollback: bool = False) -> Iterator[None]:
        try:
            with self._db.transaction() as transaction:
                yield
                if rollback:
                    raise psycopg.Rollback(transaction)
        except psycopg.Error as exc:
            raise self._error(exc) from None

    def _size(self) -> int | None:
        """The journal tables' bytes, indexes included (the database may hold more than the journal)."""
        rows = self._exec("SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c"
                          " WHERE c.oid IN (to_regclass('runs'), to_regclass('proposals'), to_regclass('attempts'))")
        return int(rows[0][0]) if rows and rows[0][0] is not None else None

    def _compact(self) -> None:
        """PostgreSQL's autovacuum reuses the space of removed rows; VACUUM now makes it visible at once."""
        try:
            for table in ("attempts", "proposals", "runs"):
                self._db.execute(f"VACUUM (ANALYZE) {table}".encode())
        except psycopg.Error as exc:
            raise self._error(exc) from None

    def _stream(self, sql: str, params: Sequence[Any]) -> Iterator[Row]:
        """A server-side cursor inside its own transaction: years of decisions, 2,000 rows at a time."""
        try:
            name = f"commops_stream_{next(self._cursors)}"  # two streams may be open at once
            with self._db.transaction(), self._db.cursor(name=name, row_factory=_row_factory) as cursor:
                cursor.itersize = 2000
                cursor.execute(_sql(sql), tuple(params))
                yield from cursor
        except psycopg.Error as exc:
            raise self._error(exc) from None


def lock_key(account: str) -> int:
    """The advisory lock's key for ``account``: a signed 64-bit number from its name."""
    return int.from_bytes(hashlib.sha256(f"commops-writer:{account}".encode()).digest()[:8], "big", signed=True)


class PostgresRunLock:
    """Implements :class:`commops.ports.RunLock` with a PostgreSQL session advisory lock for the account.

    Held on a connection of its own for the whole ``with`` block; if the run dies, PostgreSQL ends the
    session and the lock with it, so it is never stale. A run that finds it taken waits up to ``timeout``
    seconds, then raises :class:`LockedError` naming the holder as ``pg_stat_activity`` shows it.
    """

    def __init__(self, url: str, account: str, *, poll_s: float = 0.5) -> None:
        self.url = url
        self.account = account
        self.key = lock_key(account)
        self.poll_s = poll_s
        self._held: psycopg.Connection[Any] | None = None

    @contextmanager
    def hold(self, timeout: float, who: str) -> Iterator[None]:
        where = display_url(self.url)
        db = connect(self.url, purpose=f"{who} run")
        try:
            deadline = time.monotonic() + max(timeout, 0.0)
            while not self._try(db, where):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise LockedError(
                        f"another commops run is writing to {self.account} (it holds the shared journal's "
                        f"advisory lock: {self._holder(db)}); this {who} run did nothing",
                        hint=f"journal: {where}; the lock ends with that run's connection",
                    )
                time.sleep(min(self.poll_s, left))
            self._held = db
            try:
                yield
            finally:
                self._held = None
                with suppress(psycopg.Error):  # a lost connection: PostgreSQL released the lock with the session
                    db.execute("SELECT pg_advisory_unlock(%s)", (self.key,))
        finally:
            db.close()

    def beat(self) -> None:
        """Between batches of a writing run: the lock is still ours. A session PostgreSQL has ended (a
        network cut, a restart) released it, and another host may be writing now: stop with LockedError."""
        db = self._held
        if db is None:
            return
        try:
            row = db.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid = pg_backend_pid()"
                " AND classid::bigint = %s AND objid::bigint = %s AND objsubid = 1",
                ((self.key >> 32) & 0xFFFFFFFF, self.key & 0xFFFFFFFF)).fetchone()
        except psycopg.Error as exc:
            raise LockedError(f"lost the shared journal's advisory lock for {self.account} "
                              f"({redact(str(exc).strip())}); this run stops writing",
                              hint="another host may be writing now; the next run settles what was in flight") from None
        if not row or not row[0]:
            raise LockedError(f"the shared journal's advisory lock for {self.account} is no longer held; "
                              "this run stops writing")

    def _try(self, db: psycopg.Connection[Any], where: str) -> bool:
        try:
            row = db.execute("SELECT pg_try_advisory_lock(%s)", (self.key,)).fetchone()
        except psycopg.Error as exc:
            raise _sentence(exc, where) from None
        return bool(row and row[0])

    def _holder(self, db: psycopg.Connection[Any]) -> str:
        """Who holds the lock: the holder's application name (host:pid), address and since when."""
        high, low = (self.key >> 32) & 0xFFFFFFFF, self.key & 0xFFFFFFFF
        try:
            row = db.execute(
                "SELECT a.application_name, host(a.client_addr), a.backend_start FROM pg_locks l"
                " JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted"
                " AND l.classid::bigint = %s AND l.objid::bigint = %s AND l.objsubid = 1 LIMIT 1",
                (high, low),
            ).fetchone()
        except psycopg.Error:
            row = None
        if not row or not row[0]:
            return "a session this user may not inspect"
        since = f" since {row[2]:%Y-%m-%d %H:%M:%S} UTC" if row[2] else ""
        return f"{row[0]}{f' from {row[1]}' if row[1] else ''}{since}"
