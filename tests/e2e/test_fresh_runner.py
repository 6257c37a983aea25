"""A fresh CI runner (an empty COMMOPS_HOME every time) reports what a long-lived host reports.

Two accounts with the same tickets live the same history: unattended runs (a few writes each), a
specialist deciding one ticket in Zendesk, an applicant answering a question. On one account every run
uses the same home (the journal knows everything); on the other every run, and then ``stats``, starts from
a new empty home, so stats must read commops' own decisions from the ticket markers and audits. The
figures are the same; only the request counts differ, within the budget.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

import commops.journal._sql as journal_sql
from commops.sandbox import SandboxServer
from commops.services.stats import BULK_AFTER

from .cli import cli, field

BASE = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # a Wednesday noon: every write of the test lands that day
DECISION, RULESET = 3600290, 3600291


def _clock() -> Callable[[], float]:
    started = time.monotonic()
    return lambda: BASE.timestamp() + (time.monotonic() - started)


def _account(path: Path, clock: Callable[[], float]) -> SandboxServer:
    server = SandboxServer(path, limits=False, clock=clock)
    server.store.reset()
    server.store.seed(40, 11, now=BASE.timestamp() - 3600)
    return server


def _use(monkeypatch: pytest.MonkeyPatch, server: SandboxServer, home: Path) -> None:
    home.mkdir(parents=True, exist_ok=True)
    monkeypatch.setenv("COMMOPS_HOME", str(home))
    monkeypatch.setenv("COMMOPS_ZENDESK_URL", server.url)
    monkeypatch.setenv("COMMOPS_ZENDESK_EMAIL", "commops-bot@community-demo.example")
    monkeypatch.setenv("COMMOPS_ZENDESK_TOKEN", "sandbox")


def _unattended() -> dict[str, Any]:
    ran = cli("--quiet", "triage", "--offline", "--apply", "--unattended", "--max-writes", "6")
    assert ran.code == 0, ran.err
    summary: dict[str, Any] = json.loads(ran.out)
    return summary


def _stats() -> dict[str, Any]:
    until = BASE.date()
    shown = cli("stats", "--format", "json", "--since", str(until - timedelta(weeks=12)), "--until", str(until))
    assert shown.code == 0, shown.err
    report: dict[str, Any] = json.loads(shown.out)
    return report


def _history(*ticket: str) -> list[dict[str, Any]]:
    shown = cli("history", *ticket, "--format", "json", "--limit", "500")
    assert shown.code == 0, shown.err
    return shown.jsonl()


def _figures(report: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in report.items() if k not in ("generated_at", "requests")}


def _between_runs(server: SandboxServer) -> None:
    """A specialist decides one undecided application in Zendesk; an applicant answers commops' question."""
    store = server.store
    docs = {int(doc["id"]): store.ticket(int(doc["id"])) for _, doc in store.ticket_docs()}
    agent = store.agent_ids()[0]
    undecided = min(t for t, d in docs.items() if field(d, DECISION) is None and field(d, 3600201) is not None
                    and d["status"] != "solved")
    store.update_ticket(undecided, {"custom_fields": [{"id": DECISION, "value": "commops_reject"}]}, agent)
    asked = [t for t, d in docs.items() if field(d, DECISION) == "commops_ask"]
    if asked:
        store.reply(min(asked), "Here is what you asked for: our website is https://example.edu")


def test_a_fresh_runner_reports_the_figures_of_a_long_lived_host(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = _clock()
    # The journal's clock is the accounts' clock, so a decision's time is the same seen from either side.
    monkeypatch.setattr(journal_sql, "now_text",
                        lambda: datetime.fromtimestamp(clock(), UTC).isoformat(timespec="microseconds"))
    monkeypatch.setenv("COMMOPS_ZENDESK_MAX_CLOCK_SKEW_S", "inf")  # the accounts live on a made-up day
    long_lived, fresh = tmp_path / "long-lived", tmp_path / "runners"
    with _account(tmp_path / "a.sqlite3", clock) as kept, _account(tmp_path / "b.sqlite3", clock) as bare:
        for run in range(3):
            _use(monkeypatch, kept, long_lived)
            one = _unattended()
            _use(monkeypatch, bare, fresh / f"run-{run}")
            other = _unattended()
            assert (one["applied"], one["outcomes"]) == (other["applied"], other["outcomes"])
            if run == 0:
                _between_runs(kept)
                _between_runs(bare)
        _use(monkeypatch, kept, long_lived)
        before = _stats()
        kept_history = _history()
        _use(monkeypatch, bare, fresh / "stats")
        after = _stats()
        _use(monkeypatch, bare, fresh / "history")
        bare_history = _history()
        one_ticket = _history(str(bare_history[0]["ticket_id"]))

    # history: the same decisions, each with the mode that wrote it, read from the account in bulk
    assert all(row["source"] == "account" for row in bare_history)
    applied = sorted((r["ticket_id"], r["outcome"], r["mode"]) for r in kept_history if r["state"] == "applied")
    assert sorted((r["ticket_id"], r["outcome"], r["mode"]) for r in bare_history if r["state"] == "applied") == applied
    assert [r for r in bare_history if r["state"] == "decided in Zendesk"]
    assert one_ticket == [r for r in bare_history if r["ticket_id"] == bare_history[0]["ticket_id"]]

    assert _figures(after) == _figures(before)
    decisions = before["overall"]["decisions"]
    assert decisions["automated_share"] and decisions["automated_share"] > 0.5
    assert decisions["by_actor"]["zendesk_specialist"] >= 1
    assert decisions["reject_reasons"] or decisions["ask_reasons"]
    # The long-lived host reads the account for the specialist's decision only; the fresh runner reads
    # a few tickets one by one, then the period's event export once.
    assert before["requests"]["audit_requests"] <= 2 and before["requests"]["event_export_reads"] == 0
    assert after["requests"]["audit_requests"] <= BULK_AFTER + 2
    assert after["requests"]["event_export_reads"] == 1
    assert not (fresh / "stats" / "accounts").exists() or all(
        p.stat().st_size > 0 for p in (fresh / "stats").rglob("journal.sqlite3"))
    assert date.fromisoformat(before["as_of"]) == BASE.date()
