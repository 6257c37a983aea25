"""The shared PostgreSQL journal through the command line: migrate, check, a writing run, history; bad
settings and a refused password are sentences with the journal's exit code, never showing the password."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from commops.sandbox import SandboxServer

from .cli import cli


@pytest.fixture
def account(commops_home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SandboxServer]:
    """A sandbox account reached by URL, as a real one is (the embedded sandbox keeps a local journal)."""
    server = SandboxServer(commops_home.parent / "account.sqlite3", limits=False)
    server.store.reset()
    server.store.seed(30, 11)
    with server:
        monkeypatch.setenv("COMMOPS_ZENDESK_URL", server.url)
        monkeypatch.setenv("COMMOPS_ZENDESK_EMAIL", "commops-bot@community-demo.example")
        monkeypatch.setenv("COMMOPS_ZENDESK_TOKEN", "sandbox")
        yield server


def test_migrate_then_runs_share_one_history_in_postgresql(
    postgres_url: str, account: SandboxServer, commops_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COMMOPS_JOURNAL_URL", postgres_url)
    refused = cli("triage", "--offline")
    assert refused.code == 12 and "commops journal migrate" in refused.err

    migrated = cli("journal", "migrate", "--format", "json")
    assert migrated.code == 0, migrated.err
    report = json.loads(migrated.out)
    assert report["backend"] == "postgresql" and report["applied"] == ["0001_journal"]
    again = cli("journal", "migrate")
    assert again.code == 0 and "nothing to apply" in again.out

    ran = cli("--quiet", "triage", "--offline", "--apply", "--unattended")
    assert ran.code == 0, ran.err
    applied = json.loads(ran.out)["applied"]
    assert applied > 0
    assert not list(commops_home.rglob("journal.sqlite3"))  # nothing kept locally

    checked = cli("journal", "check", "--format", "json")
    assert checked.code == 0, checked.err
    counts = json.loads(checked.out)
    assert counts["runs"] == 1 and counts["pending_writes"] == 0 and counts["schema_version"] == 1
    pruned = cli("journal", "prune", "--older-than", "1h", "--dry-run", "--format", "json")
    assert pruned.code == 0, pruned.err
    assert json.loads(pruned.out)["proposals"] == 0  # nothing is an hour old yet
    history = cli("history", "--format", "json", "--limit", "500")
    assert history.code == 0, history.err
    assert sum(1 for row in history.jsonl() if row["state"] == "applied") == applied


def test_a_refused_password_and_a_bad_url_are_sentences_without_the_password(
    journal_url: str, account: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    parts = urlsplit(journal_url)
    wrong = urlunsplit(parts._replace(netloc=f"{parts.username}:Wr0ng-s3cret@{parts.hostname}:{parts.port}"))
    monkeypatch.setenv("COMMOPS_JOURNAL_URL", wrong)
    for args in (("history",), ("journal", "check"), ("--debug", "triage", "--offline")):
        result = cli(*args)
        assert result.code == 12, (args, result.err)
        assert "refused the journal's credentials" in result.err
        assert "Wr0ng-s3cret" not in result.err + result.out
    monkeypatch.setenv("COMMOPS_JOURNAL_URL", "mysql://app:Wr0ng-s3cret@db/commops")
    bad = cli("history")
    assert bad.code == 78 and "journal.url" in bad.err and "postgresql://" in bad.err
    assert "Wr0ng-s3cret" not in bad.err


def test_the_embedded_sandbox_keeps_its_journal_at_home(
    journal_url: str, commops_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COMMOPS_JOURNAL_URL", journal_url)
    ran = cli("triage", "--offline", "--sandbox")
    assert ran.code == 0, ran.err
    assert "keeps its journal in COMMOPS_HOME" in ran.err
    assert (commops_home / "journal.sqlite3").exists()
