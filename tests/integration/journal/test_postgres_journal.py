"""What only the PostgreSQL journal has: migrations, connection errors as sentences, the advisory lock."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from urllib.parse import urlsplit, urlunsplit

import pytest

from commops.domain import Decision, Proposal
from commops.errors import JournalError, LockedError

from .test_compact_trace import decisions, full_form

psycopg = pytest.importorskip("psycopg", reason="psycopg is not installed (pip install -e '.[dev]' again)")

from commops.journal.postgres import (  # noqa: E402 - only once psycopg is known to be there
    PostgresJournal,
    PostgresRunLock,
    display_url,
    migrate,
    migrations,
)

__all__ = ["decisions"]  # the shipped rules' fixture-case decisions, shared with the SQLite test


def _with_password(url: str, password: str) -> str:
    parts = urlsplit(url)
    netloc = f"{parts.username}:{password}@{parts.hostname}:{parts.port}"
    return urlunsplit(parts._replace(netloc=netloc))


def test_migrate_applies_each_file_once_and_a_journal_is_refused_until_then(postgres_url: str) -> None:
    with pytest.raises(JournalError) as empty:
        PostgresJournal.open(postgres_url)
    assert "has no commops tables yet" in str(empty.value) and "commops journal migrate" in str(empty.value)
    assert empty.value.exit_code == 12

    before, applied = migrate(postgres_url)
    assert before == 0 and [m.version for m in applied] == [m.version for m in migrations()]
    assert migrate(postgres_url) == (migrations()[-1].version, [])  # again: nothing to do
    with PostgresJournal.open(postgres_url) as journal:
        assert journal.runs() == []


def test_migrations_are_numbered_without_gaps() -> None:
    versions = [m.version for m in migrations()]
    assert versions == list(range(1, len(versions) + 1))
    assert all(m.sql.strip() and m.name for m in migrations())


def test_a_schema_newer_than_this_commops_is_refused(journal_url: str) -> None:
    with psycopg.connect(journal_url, autocommit=True) as db:
        db.execute("INSERT INTO schema_migrations(version, name) VALUES (999, 'from_the_future')")
    with pytest.raises(JournalError, match="schema version 999, newer than this commops knows"):
        PostgresJournal.open(journal_url)
    with pytest.raises(JournalError, match="newer than this commops knows"):
        migrate(journal_url)


def test_a_wrong_password_is_a_sentence_that_never_shows_the_password(journal_url: str) -> None:
    wrong = _with_password(journal_url, "not-the-Pa55word")
    with pytest.raises(JournalError) as refused:
        PostgresJournal.open(wrong)
    text = str(refused.value)
    assert "refused the journal's credentials" in text and refused.value.exit_code == 12
    assert "not-the-Pa55word" not in text
    real = urlsplit(journal_url).password
    assert real and real not in text
    assert display_url(wrong).startswith("postgresql://") and "not-the-Pa55word" not in display_url(wrong)


def test_nothing_listening_is_a_sentence(journal_url: str) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    parts = urlsplit(journal_url)
    closed = urlunsplit(parts._replace(netloc=f"{parts.username}:{parts.password}@127.0.0.1:{port}"))
    with pytest.raises(JournalError) as refused:
        PostgresJournal.open(closed)
    assert "nothing answers at" in str(refused.value) and "is PostgreSQL running there?" in str(refused.value)
    assert str(parts.password) not in str(refused.value)


def test_a_transaction_that_fails_leaves_nothing_behind(journal_url: str) -> None:
    from tests.integration.journal.test_journal import proposal

    with PostgresJournal.open(journal_url) as journal:
        run = journal.start_run("apply", "v1")
        ids = journal.record_proposals(run, [proposal(1)], state="approved")
        with pytest.raises(JournalError, match="no proposal 999999"):
            journal.begin_writes([ids[1], 999999])
        assert journal.attempts(ids[1]) == []  # the first intent was rolled back with the second
        assert journal.unfinished_writes()[0].state == "approved"


def test_the_advisory_lock_admits_one_writer_per_account_and_names_the_holder(journal_url: str) -> None:
    first = PostgresRunLock(journal_url, "https://acme.zendesk.com")
    second = PostgresRunLock(journal_url, "https://acme.zendesk.com", poll_s=0.05)
    other = PostgresRunLock(journal_url, "https://other.zendesk.com")
    with first.hold(0, "unattended"):
        with pytest.raises(LockedError) as locked, second.hold(0.2, "apply"):
            pytest.fail("two writers held the lock at once")
        assert locked.value.exit_code == 13
        assert f"{socket.gethostname()}:" in str(locked.value) and "advisory lock" in str(locked.value)
        with other.hold(0, "unattended"):  # another account's writer is not held up
            pass
    with second.hold(0, "apply"):  # released with the block
        pass


def test_the_lock_of_a_killed_run_is_released_by_the_server(journal_url: str) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time\n"
         "from commops.journal.postgres import PostgresRunLock\n"
         "with PostgresRunLock(sys.argv[1], 'acct').hold(0, 'unattended'):\n"
         "    print('held', flush=True)\n"
         "    time.sleep(120)\n",
         journal_url],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(LockedError), PostgresRunLock(journal_url, "acct").hold(0, "unattended"):
            pass
    finally:
        holder.kill()
        holder.wait(timeout=30)
    # PostgreSQL ends the killed run's session (and its lock) as soon as it sees the connection close.
    lock = PostgresRunLock(journal_url, "acct", poll_s=0.1)
    started = time.monotonic()
    with lock.hold(20, "unattended"):
        assert time.monotonic() - started < 20


def test_the_compact_trace_reads_back_from_postgresql(journal_url: str, decisions: list[Decision]) -> None:
    """The rules' compact trace (a column, its shapes once in trace_shapes) survives jsonb and a second host."""
    proposals = [Proposal(decision=d.model_copy(update={"ticket_id": n + 1}), updated_stamp=f"s{n}")
                 for n, d in enumerate(decisions)]
    with PostgresJournal.open(journal_url) as writer:
        ids = writer.record_proposals(writer.start_run("dry-run", "v1"), proposals)
    with PostgresJournal.open(journal_url) as reader:  # knows no shape yet: reads them from the table
        for p in proposals:
            loaded = reader.load_proposal(ids[p.ticket_id])
            assert [r.model_dump(mode="json") for r in loaded.decision.readings] == full_form(p.decision)["readings"]
            assert loaded.decision.outcome == p.decision.outcome and loaded.updated_stamp == p.updated_stamp
    with psycopg.connect(journal_url) as db:
        assert db.execute("SELECT count(*) FROM trace_shapes").fetchone() == (3,)  # one per program


def test_a_writer_whose_session_ended_learns_it_lost_the_lock(journal_url: str) -> None:
    lock = PostgresRunLock(journal_url, "https://acme.zendesk.com")
    with lock.hold(0, "unattended"):
        lock.beat()  # still ours
        with psycopg.connect(journal_url, autocommit=True) as admin:  # the server ends the holder's session
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                          " WHERE application_name LIKE 'commops unattended run %' AND pid != pg_backend_pid()")
        with pytest.raises(LockedError, match="advisory lock"):
            lock.beat()
        with PostgresRunLock(journal_url, "https://acme.zendesk.com").hold(0, "apply"):
            pass  # released with the session: another writer may take it
