"""Ctrl-C during a specialist's `triage --apply`: the writes in flight are pending, every command that shows
the queue says so and names the command that finishes them, and the next writing run finishes them first
(also when it has nothing new to write), each exactly once."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from commops.config import load_settings
from commops.journal import SqliteJournal
from commops.zendesk.gateway import ZendeskGateway

from .cli import cli, commops_process, field, seeded, store

DECISION_FIELD = load_settings().fields["commops_decision"]
HINT = "`commops triage --apply` finishes them"


def _states(home: Path) -> dict[str, int]:
    with sqlite3.connect(home / "journal.sqlite3") as db:
        return {str(s): int(n) for s, n in db.execute("SELECT state, count(*) FROM proposals GROUP BY state")}


@pytest.fixture(params=["sending", "before sending"])
def interrupted(commops_home: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> Iterator[int]:
    """A seeded sandbox and a specialist's `triage --apply --yes` stopped by Ctrl-C as its writes go out
    (left `writing`) or just before (left `approved`, never sent); yields how many writes it left."""
    seeded(commops_home, applications=30, seed=3)

    def ctrl_c(*_args: Any, **_kwargs: Any) -> Any:
        raise KeyboardInterrupt

    owner: type = ZendeskGateway if request.param == "sending" else SqliteJournal
    with monkeypatch.context() as patch:
        patch.setattr(owner, "write_decisions" if request.param == "sending" else "begin_writes", ctrl_c)
        result = cli("triage", "--offline", "--sandbox", "--apply", "--yes")
    assert result.code == 130, result.err
    states = _states(commops_home)
    left = states.get("writing", 0) + states.get("approved", 0)
    assert left > 0 and states.get("writing" if request.param == "sending" else "approved", 0) == left
    assert f"interrupted while writing: {left} writes left by an earlier, interrupted run are pending: " \
           f"{HINT}" in result.err
    yield left


def test_queue_and_triage_show_the_pending_writes_and_the_command(interrupted: int) -> None:
    queue = cli("queue", "--format", "json")
    assert queue.code == 0, queue.err
    rows = queue.jsonl()
    assert sum(1 for r in rows if r["pending_write"]) == interrupted
    assert {r["pending_write"] for r in rows if r["pending_write"]} <= {"qualify", "reject", "ask", "escalate"}
    assert f"{interrupted} writes left by an earlier, interrupted run are pending: {HINT}" in queue.err
    dry = cli("triage", "--offline", "--sandbox")
    assert dry.code == 0, dry.err
    assert f"{interrupted} with a write pending" in dry.err and HINT in dry.err


def test_the_next_writing_run_finishes_them_first_even_with_nothing_new(commops_home: Path, interrupted: int) -> None:
    sandbox = store(commops_home)
    before = {tid: len(sandbox.comments(tid)) for tid in range(1, 40) if _exists(sandbox, tid)}
    again = cli("triage", "--offline", "--sandbox", "--apply", "--yes")
    assert again.code == 0, again.err
    assert f"{interrupted} writes left by an earlier, interrupted run will be finished first" in again.err
    assert f"also finished {interrupted} of {interrupted} writes left by an earlier run" in again.err
    assert "nothing to write" not in again.err
    assert _states(commops_home).get("writing", 0) == _states(commops_home).get("approved", 0) == 0
    decided = [tid for tid in before if field(sandbox.ticket(tid), DECISION_FIELD)]
    assert len(decided) == interrupted
    assert all(len(sandbox.comments(tid)) == before[tid] + 1 for tid in decided), "each decision posted once"
    quiet = cli("triage", "--offline", "--sandbox", "--apply", "--yes")
    assert quiet.code == 0 and "nothing to write" in quiet.err and "interrupted" not in quiet.err


def test_a_confirmation_names_the_pending_writes(interrupted: int) -> None:
    declined = cli("triage", "--offline", "--sandbox", "--apply", input="n\n")
    assert f"Finish {interrupted} writes left by an interrupted run on " in declined.err
    assert "nothing written" in declined.err


def test_piped_queue_has_the_pending_write_column(commops_home: Path, interrupted: int) -> None:
    """As a real process with stdout a pipe: TSV with the column, the notice on stderr."""
    process = commops_process("queue", env={"COMMOPS_HOME": str(commops_home)})
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    header, *lines = out.splitlines()
    assert header.split("\t")[-1] == "pending_write"
    assert sum(1 for line in lines if line.split("\t")[-1]) == interrupted
    assert HINT in err
    unattended = commops_process("triage", "--offline", "--sandbox", "--apply", "--unattended",
                                 env={"COMMOPS_HOME": str(commops_home)})
    out, err = unattended.communicate(timeout=120)
    assert unattended.returncode == 0, err
    assert json.loads(out)["resumed"] == interrupted


def _exists(sandbox: Any, tid: int) -> bool:
    try:
        sandbox.ticket(tid)
    except Exception:
        return False
    return True


def test_applying_a_plan_finishes_them_first(commops_home: Path, tmp_path: Path, interrupted: int) -> None:
    plan = tmp_path / "plan.json"
    assert cli("triage", "--offline", "--sandbox", "--plan", str(plan)).code == 0
    declined = cli("apply", str(plan), "--sandbox", input="n\n")
    assert f"First finish {interrupted} writes left by an interrupted run, then write " in declined.err \
        or f"Finish {interrupted} writes left by an interrupted run on " in declined.err
    applied = cli("apply", str(plan), "--sandbox", "--yes")
    assert applied.code == 0, applied.err
    assert f"also finished {interrupted} of {interrupted} writes left by an earlier run" in applied.err
    assert _states(commops_home).get("writing", 0) == _states(commops_home).get("approved", 0) == 0
