"""The journal does not grow for ever: runs over an unchanged queue store nothing new but the run rows."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from .cli import cli, seeded


def _proposal_rows(home: Path) -> int:
    db = sqlite3.connect(home / "journal.sqlite3")
    try:
        return int(db.execute("SELECT count(*) FROM proposals").fetchone()[0])
    finally:
        db.close()


def _size(home: Path) -> int:
    db = sqlite3.connect(home / "journal.sqlite3")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return (home / "journal.sqlite3").stat().st_size


def test_ten_runs_over_an_unchanged_queue_keep_the_journal_within_a_fifth(commops_home: Path) -> None:
    seeded(commops_home, applications=120)
    first = cli("triage", "--offline", "--sandbox", "--apply", "--unattended")
    assert first.code in (0, 14), first.err
    rows, size = _proposal_rows(commops_home), _size(commops_home)
    for _ in range(9):
        again = cli("triage", "--offline", "--sandbox", "--apply", "--unattended")
        assert again.code in (0, 14), again.err
    assert _proposal_rows(commops_home) == rows, "unchanged proposals are not recorded again"
    assert _size(commops_home) <= 1.2 * size


def test_dry_runs_do_not_re_record_the_same_proposals(commops_home: Path) -> None:
    seeded(commops_home, applications=30)
    assert cli("triage", "--offline").code == 0
    rows = _proposal_rows(commops_home)
    for _ in range(3):
        assert cli("triage", "--offline").code == 0
    assert _proposal_rows(commops_home) == rows
    history = cli("history", "--format", "json").jsonl()
    assert len({(r["ticket_id"], r["outcome"]) for r in history}) == len(history)
