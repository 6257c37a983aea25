"""A journal belongs to one account; each real account's state lives in its own directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from commops.errors import ConfigError
from commops.paths import StateDir

from .conftest import OpenJournal


def test_the_first_account_binds_the_journal_and_another_is_refused(open_journal: OpenJournal) -> None:
    with open_journal() as journal:
        assert journal.account() is None
        journal.bind_account("https://acme.zendesk.com")
        journal.bind_account("https://acme.zendesk.com")  # the same account again: fine
    with open_journal() as journal, pytest.raises(ConfigError) as refused:
        journal.bind_account("https://other.zendesk.com")
    assert "belongs to the account https://acme.zendesk.com, not to https://other.zendesk.com" in str(refused.value)
    assert refused.value.exit_code == 78  # configuration


def test_each_account_has_its_own_state_directory(tmp_path: Path) -> None:
    root = StateDir(tmp_path)
    acme = root.for_account("https://acme.zendesk.com")
    local = root.for_account("http://127.0.0.1:8765")
    assert acme.journal == tmp_path / "accounts" / "acme.zendesk.com" / "journal.sqlite3"
    assert local.run_lock == tmp_path / "accounts" / "127.0.0.1_8765" / "unattended.lock"
    assert acme.journal != root.journal != local.journal
