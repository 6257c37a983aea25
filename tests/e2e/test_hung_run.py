"""Runs that cannot hang for ever, with real `commops` processes on the pessimistic sandbox.

1. A run stopped by its time limit (--max-run-time) takes no new batch, finishes the one in flight and
   exits 17 with its summary; the next run writes the rest: every decision once, none lost.
2. A run that hangs mid-write (SIGSTOP, holding this machine's lock and the account's lease) is taken over
   once its heartbeat and lease are stale: the next run finishes everything, with a note on the lease
   ticket; the hung run, woken up, finds both taken and stops (exit 13) without writing again.
"""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from commops.config import load_settings
from commops.sandbox import SandboxServer

from .cli import commops_process

SETTINGS = load_settings()
DECISION_FIELD = SETTINGS.fields["commops_decision"]
ARGS = ("--quiet", "triage", "--offline", "--apply", "--unattended")
TTL_S = 10  # the least [lease] ttl_s and stale_lock_s allow


@pytest.fixture
def account(tmp_path: Path) -> Iterator[SandboxServer]:
    with SandboxServer(tmp_path / "account.sqlite3", pessimistic=True, job_delay_s=0.5) as server:
        server.store.reset()
        yield server


def _env(server: SandboxServer, home: Path) -> dict[str, str]:
    return {"COMMOPS_HOME": str(home), "COMMOPS_ZENDESK_URL": server.url,
            "COMMOPS_ZENDESK_CLIENT_ID": SETTINGS.sandbox.client_id,
            "COMMOPS_ZENDESK_CLIENT_SECRET": SETTINGS.sandbox.client_secret,
            "COMMOPS_UNATTENDED_BATCH_SIZE": "10", "COMMOPS_LEASE_TTL_S": str(TTL_S),
            "COMMOPS_LEASE_RENEW_EVERY_S": "2", "COMMOPS_LEASE_GRACE_S": "0",
            "COMMOPS_LEASE_STALE_LOCK_S": str(TTL_S), "COMMOPS_LEASE_SETTLE_S": "0.3"}


def _sent_jobs(home: Path) -> int:
    """Write attempts whose update_many job id is journaled (the batch is in flight at Zendesk)."""
    for path in home.glob("accounts/*/journal.sqlite3"):
        try:
            with sqlite3.connect(path, timeout=1) as db:
                return int(db.execute("SELECT COUNT(*) FROM attempts WHERE job_id IS NOT NULL").fetchone()[0])
        except sqlite3.Error:
            return 0
    return 0


def _written(server: SandboxServer, tickets: list[int]) -> dict[int, int]:
    """Ticket → commops comments on it (the comments after the application's own)."""
    return {t: len(server.store.comments(t)) - 1 for t in tickets}


def _decided(server: SandboxServer, tickets: list[int]) -> list[int]:
    return [t for t in tickets
            if any(f["id"] == DECISION_FIELD and f["value"] for f in server.store.ticket(t)["custom_fields"])]


def _run(server: SandboxServer, home: Path, *extra: str) -> tuple[int, str, str]:
    process = commops_process(*ARGS, *extra, env=_env(server, home))
    out, err = process.communicate(timeout=120)
    return process.returncode, out, err


def test_a_run_stopped_by_its_time_limit_leaves_no_duplicate_and_no_lost_write(
        account: SandboxServer, tmp_path: Path) -> None:
    tickets = account.store.seed(60, seed=21)
    home = tmp_path / "cron"
    code, out, err = _run(account, home, "--max-run-time", "2")
    assert code == 17, err
    summary = json.loads(out)
    assert summary["status"] == "time-limit" and "time limit (2 s)" in err
    first = _written(account, tickets)
    assert max(first.values()) <= 1 and summary["applied"] == sum(first.values())
    code, out, err = _run(account, home)
    assert code == 0, err
    after = _written(account, tickets)
    assert max(after.values()) == 1  # nothing twice
    decided = _decided(account, tickets)
    assert decided and all(after[t] == 1 for t in decided)  # every decision that writes, written once
    assert sum(first.values()) < len(decided)  # the first run stopped with work left for the second
    assert json.loads(_run(account, home)[1])["applied"] == 0  # nothing was left behind


def test_a_hung_run_is_taken_over_and_stops_when_it_wakes(account: SandboxServer, tmp_path: Path) -> None:
    tickets = account.store.seed(60, seed=22)
    home = tmp_path / "cron"
    hung = commops_process(*ARGS, env=_env(account, home))
    deadline = time.monotonic() + 90
    while _sent_jobs(home) == 0 and hung.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert hung.poll() is None, hung.communicate()
    hung.send_signal(signal.SIGSTOP)  # hung mid-write: its first batch is in flight
    try:
        time.sleep(TTL_S + 1)  # its heartbeat and its lease go stale
        code, _out, err = _run(account, home)
        assert code == 0, err
        assert "took over the run lock" in err and "took over the run lease" in err
        assert f"pid {hung.pid}" in err
    finally:
        hung.send_signal(signal.SIGCONT)
    try:
        _hung_out, hung_err = hung.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        hung.kill()
        raise
    assert hung.returncode == 13, hung_err  # woken: its lock and lease are another run's; it stops
    assert "taken over" in hung_err or "lost the account's lease" in hung_err
    written = _written(account, tickets)
    assert max(written.values()) == 1, {t: n for t, n in written.items() if n > 1}
    decided = _decided(account, tickets)
    assert decided and all(written[t] == 1 for t in decided)
    lease = next(doc for _seq, doc in account.store.ticket_docs()
                 if doc.get("external_id") == "commops-lease:default")
    notes = [c["body"] for c in account.store.comments(int(lease["id"])) if not c["public"]]
    assert any("took over the run lease" in n and f"pid {hung.pid}" in n for n in notes)
