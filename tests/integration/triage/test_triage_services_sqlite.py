"""The triage service tests of tests/unit, again over the real SQLite journal: the fake must not drift."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.unit.triage.test_triage_services import *  # noqa: F403 - the same tests, collected here too

from commops.journal import SqliteJournal


@pytest.fixture  # type: ignore[no-redef]  # replaces the in-memory journal of the imported tests
def journal(commops_home: Path) -> Iterator[SqliteJournal]:
    with SqliteJournal.open(commops_home / "journal.sqlite3") as real:
        yield real
