"""State belongs to one account: the embedded sandbox's journal is not a real account's, a journal or plan
from another account is refused with a sentence, and each account's runs see only their own decisions."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from commops.paths import StateDir
from commops.sandbox import SandboxServer

from .cli import cli, seeded


def _standalone(home: Path) -> SandboxServer:
    """Another account whose tickets have the same ids as the embedded sandbox's."""
    server = SandboxServer(home / "other-account.sqlite3", limits=False)
    server.store.reset()
    server.store.seed(40, 11)
    return server


def _point_at(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("COMMOPS_ZENDESK_URL", url)
    monkeypatch.setenv("COMMOPS_ZENDESK_EMAIL", "commops-bot@community-demo.example")
    monkeypatch.setenv("COMMOPS_ZENDESK_TOKEN", "sandbox")


def test_a_home_that_served_the_sandbox_does_not_skip_another_accounts_tickets(
    commops_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seeded(commops_home, applications=40)
    before = len(cli("triage", "--offline", "--format", "json").jsonl())
    ran = cli("--quiet", "triage", "--offline", "--apply", "--unattended", "--sandbox")
    assert ran.code == 0, ran.err
    assert json.loads(ran.out)["applied"] > 0
    with _standalone(commops_home) as other:
        _point_at(monkeypatch, other.url)
        fresh = cli("--verbose", "triage", "--offline", "--format", "json")
        stats = cli("stats", "--format", "json")
    assert fresh.code == 0, fresh.err
    assert "already decided" not in fresh.err and "escalated earlier" not in fresh.err
    assert len(fresh.jsonl()) == before  # every application of the other account is proposed
    assert f"on {other.url}" in fresh.err
    assert stats.code == 0, stats.err
    assert (commops_home / "accounts").is_dir()
    assert StateDir(commops_home).for_account(other.url).journal.exists()


def test_a_journal_from_another_account_is_refused(commops_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seeded(commops_home, applications=10)
    assert cli("triage", "--offline").code == 0  # the embedded sandbox's journal, at the root
    with _standalone(commops_home) as other:
        target = StateDir(commops_home).for_account(other.url).journal
        target.parent.mkdir(parents=True)
        shutil.copy(StateDir(commops_home).journal, target)
        _point_at(monkeypatch, other.url)
        refused = cli("history")
        dry = cli("triage", "--offline")
    for result in (refused, dry):
        assert result.code == 78  # configuration: the state directory belongs to another account
        assert "belongs to the account embedded-sandbox" in result.err and other.url in result.err
        assert "Traceback" not in result.err


def test_a_plan_from_another_account_is_refused(commops_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seeded(commops_home, applications=10)
    plan = commops_home / "plan.json"
    assert cli("triage", "--offline", "--plan", str(plan)).code == 0
    assert json.loads(plan.read_text())["account"] == "embedded-sandbox"
    with _standalone(commops_home) as other:
        _point_at(monkeypatch, other.url)
        refused = cli("apply", str(plan), "--yes")
        written = [p for _m, p, _s in other.request_log() if "update" in p]
    assert refused.code == 2 and "the plan was made on the account embedded-sandbox" in refused.err
    assert "Nothing was written" in refused.err and written == []
