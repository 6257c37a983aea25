"""A real `commops` process killed with SIGKILL mid-apply, then run again: every decision lands once."""

from __future__ import annotations

import json
import signal
import sqlite3
import time
from pathlib import Path

import pytest

from commops.config import load_settings

from .cli import commops_process, field, seeded, store

DECISION_FIELD = load_settings().fields["commops_decision"]
ARGS = ("--quiet", "triage", "--offline", "--apply", "--unattended", "--sandbox")


def _attempts(home: Path) -> int:
    path = home / "journal.sqlite3"
    if not path.exists():
        return 0
    try:
        with sqlite3.connect(path, timeout=1) as db:
            return int(db.execute("SELECT COUNT(*) FROM attempts").fetchone()[0])
    except sqlite3.Error:
        return 0


def _kill_after_first_write(home: Path, delay: float) -> bool:
    """Start a run, SIGKILL it ``delay`` seconds after its first write attempt; True if it was killed."""
    process = commops_process(*ARGS)
    start = _attempts(home)
    deadline = time.monotonic() + 60
    while _attempts(home) == start and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    time.sleep(delay)
    if process.poll() is not None:
        process.communicate()
        return False
    process.send_signal(signal.SIGKILL)
    process.communicate()
    return process.returncode == -signal.SIGKILL


@pytest.mark.parametrize("mode", ["optimistic", "pessimistic"])
def test_kill_9_mid_apply_then_rerun_applies_every_decision_exactly_once(
    commops_home: Path, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    """Also where update_many ignores safe_update (pessimistic): the journal's job ids and the account's
    running jobs are waited for before anything is resent."""
    monkeypatch.setenv("COMMOPS_SANDBOX_PESSIMISTIC", str(mode == "pessimistic").lower())
    seeded(commops_home, applications=300, seed=5)
    killed = [_kill_after_first_write(commops_home, delay) for delay in (0.0, 0.02, 0.15)]
    assert any(killed), "at least one run was killed mid-apply"
    final = commops_process(*ARGS)
    out, err = final.communicate(timeout=120)
    assert final.returncode == 0, err
    summary = json.loads(out)
    assert summary["errors"] == 0

    sandbox = store(commops_home)
    decided = 0
    for _seq, doc in sandbox.ticket_docs():
        ticket = sandbox.ticket(int(doc["id"]))
        ours = [c for c in sandbox.comments(ticket["id"]) if c["author_id"] != ticket["requester_id"]]
        assert len(ours) <= 1, f"ticket {ticket['id']} got {len(ours)} decisions"
        if field(ticket, DECISION_FIELD) is not None:
            decided += 1
            assert len(ours) == 1, f"ticket {ticket['id']} has a decision marker but no comment"
    assert decided > 100

    with sqlite3.connect(commops_home / "journal.sqlite3") as db:
        unfinished = db.execute(
            "SELECT COUNT(*) FROM proposals WHERE state IN ('approved', 'writing', 'failed')"
        ).fetchone()[0]
        applied = {row[0] for row in db.execute(
            "SELECT ticket_id FROM proposals WHERE state IN ('applied', 'already_applied')"
        )}
    assert unfinished == 0
    assert len(applied) == decided
