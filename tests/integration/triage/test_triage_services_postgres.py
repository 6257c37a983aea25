"""The triage service tests of tests/unit, again over the PostgreSQL journal (a real server, a schema of its
own per test): the shared journal keeps the same states as the SQLite one and the in-memory fake."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tests.unit.triage.test_triage_services import *  # noqa: F403 - the same tests, collected here too

from commops.journal import SqlJournal


@pytest.fixture  # type: ignore[no-redef]  # replaces the in-memory journal of the imported tests
def journal(journal_url: str) -> Iterator[SqlJournal]:
    from commops.journal.postgres import PostgresJournal

    with PostgresJournal.open(journal_url) as real:
        yield real
