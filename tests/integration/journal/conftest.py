"""The journal contract: every test here that takes ``journal`` (or ``open_journal``) runs against both
backends, the SQLite file and a real PostgreSQL server (a schema of its own per test)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from commops.journal import SqliteJournal, SqlJournal

OpenJournal = Callable[[], SqlJournal]


@pytest.fixture(params=["sqlite", "postgresql"])
def open_journal(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[OpenJournal]:
    """Opens the same journal again each call (a second connection, as a second run or host would)."""
    opened: list[SqlJournal] = []
    if request.param == "sqlite":
        path = tmp_path / "journal.sqlite3"

        def again() -> SqlJournal:
            opened.append(SqliteJournal.open(path))
            return opened[-1]
    else:
        from commops.journal.postgres import PostgresJournal

        url = request.getfixturevalue("journal_url")

        def again() -> SqlJournal:
            opened.append(PostgresJournal.open(url))
            return opened[-1]

    yield again
    for journal in opened:
        journal.close()


@pytest.fixture
def journal(open_journal: OpenJournal) -> SqlJournal:
    return open_journal()
