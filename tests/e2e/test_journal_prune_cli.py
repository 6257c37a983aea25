"""`commops journal prune`: counts first, asks, keeps pending writes, shrinks; durations and config checked."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from .cli import cli, commops_process, seeded

OLD = "2020-01-01T00:00:00.000000+00:00"


def _age_everything(home: Path) -> int:
    """Every row as if written in 2020; returns how many proposals there are."""
    with sqlite3.connect(home / "journal.sqlite3") as db:
        db.execute("UPDATE proposals SET created_at = ?", (OLD,))
        db.execute("UPDATE runs SET started_at = ?", (OLD,))
        return int(db.execute("SELECT count(*) FROM proposals").fetchone()[0])


@pytest.fixture
def old_journal(commops_home: Path) -> int:
    seeded(commops_home, applications=20, seed=4)
    assert cli("triage", "--offline", "--sandbox").code == 0
    return _age_everything(commops_home)


def test_dry_run_then_decline_then_yes(commops_home: Path, old_journal: int) -> None:
    dry = cli("journal", "prune", "--dry-run")
    assert dry.code == 0, dry.err
    assert f"would remove {old_journal} proposals (proposed {old_journal}), 0 write attempts and 1 runs" in dry.err
    declined = cli("journal", "prune", input="n\n")
    assert "Remove them?" in declined.err and "nothing removed" in declined.err
    closed = cli("journal", "prune")  # stdin closed at the confirmation
    assert closed.code == 2 and "pass --yes" in closed.err
    assert _age_everything(commops_home) == old_journal
    done = cli("journal", "prune", "--yes", "--format", "json")
    assert done.code == 0, done.err
    report = json.loads(done.out)
    assert report["proposals"] == old_journal and report["dry_run"] is False
    assert report["bytes_after"] <= report["bytes_before"]
    assert json.loads(cli("journal", "check", "--format", "json").out)["proposals"] == 0


def test_pending_writes_survive_a_prune(commops_home: Path, old_journal: int) -> None:
    with sqlite3.connect(commops_home / "journal.sqlite3") as db:
        db.execute("UPDATE proposals SET state = 'approved' WHERE id IN (SELECT id FROM proposals LIMIT 3)")
    done = cli("journal", "prune", "--yes", "--decisions", "--format", "json")
    report = json.loads(done.out)
    assert report["kept_pending"] == 3 and report["proposals"] == old_journal - 3
    assert json.loads(cli("journal", "check", "--format", "json").out)["pending_writes"] == 3


def test_recent_rows_stay_with_the_default_retention(commops_home: Path) -> None:
    seeded(commops_home, applications=10, seed=4)
    assert cli("triage", "--offline", "--sandbox").code == 0
    kept = cli("journal", "prune", "--format", "json")  # nothing to ask about: no prompt
    assert kept.code == 0, kept.err
    assert json.loads(kept.out)["proposals"] == 0


def test_bad_durations_and_retention(monkeypatch: pytest.MonkeyPatch) -> None:
    bad = cli("journal", "prune", "--older-than", "3 months")
    assert bad.code == 2 and "--older-than: '3 months' is not a duration" in bad.err
    monkeypatch.setenv("COMMOPS_JOURNAL_RETENTION", "forever")
    config = cli("journal", "prune", "--dry-run")
    assert config.code == 78 and "journal.retention" in config.err


def test_piped_json_from_a_real_process(commops_home: Path, old_journal: int) -> None:
    process = commops_process("journal", "prune", "--dry-run", "--format", "json",
                              env={"COMMOPS_HOME": str(commops_home)})
    out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert json.loads(out)["proposals"] == old_journal and json.loads(out)["dry_run"] is True
