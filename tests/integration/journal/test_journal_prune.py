"""The journal's prune, on both backends: what no run needs goes, what exactly-once and re-triage read stays;
the SQLite file shrinks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from tests.integration.journal.test_journal import apply, proposal

from commops.domain import Outcome
from commops.domain.retention import parse_duration
from commops.journal import SqliteJournal, SqlJournal

LATER = datetime.now(UTC) + timedelta(days=1)  # every row of the test is older than this


def _fill(journal: SqlJournal) -> SqlJournal:
    run = journal.start_run("dry-run", "v1")
    journal.record_proposals(run, [proposal(1, Outcome.MANUAL)])  # only shown
    journal.finish_run(run, "ok", {})
    apply(journal, "apply", proposal(2, stamp="s1"), "applied")  # an older decision of ticket 2...
    apply(journal, "apply", proposal(2, Outcome.REJECT, stamp="s2"), "applied")  # ...and its last one
    apply(journal, "plan", proposal(3), "applied")
    apply(journal, "plan", proposal(3), "already_applied")  # the same plan applied twice: one write
    run = journal.start_run("apply", "v1")
    ids = journal.record_proposals(run, [proposal(4), proposal(5)], state="approved")  # interrupted...
    attempts = journal.begin_writes([ids[5]], batch=True)
    journal.record_job([attempts[ids[5]]], "job-5")  # ...with a job still queued for ticket 5
    pid = apply(journal, "apply", proposal(6), "failed")
    for _ in range(2):
        attempt = journal.begin_writes([pid])[pid]
        journal.finish_write(pid, attempt, "failed", "refused", None)
    journal.set_state([pid], "abandoned")  # refused three times: a person's to act on
    apply(journal, "apply", proposal(7), "conflict")
    superseded = apply(journal, "apply", proposal(8), "failed")
    journal.set_state([superseded], "superseded")
    for run_record in journal.runs(100):
        journal.finish_run(run_record.run_id, "ok", {})
    return journal


def _states(journal: SqlJournal) -> list[tuple[int, str]]:
    return sorted((r.ticket_id, r.state) for r in journal.history(limit=1000))


def test_prune_keeps_pending_given_up_and_each_tickets_last_decision(journal: SqlJournal) -> None:
    _fill(journal)
    report = journal.prune(LATER, decisions=True)
    assert report.by_state == {"applied": 1, "conflict": 1, "proposed": 1, "superseded": 1}
    assert report.proposals == 4 and report.attempts == 3  # ticket 2's first, 7's and 8's attempts
    assert _states(journal) == [(2, "applied"), (3, "already_applied"), (3, "applied"), (4, "approved"),
                                (5, "writing"), (6, "abandoned")]
    assert journal.last_applied([2])[2].outcome == "reject"  # re-triage still reads the last decision
    assert journal.unsettled_jobs() == ["job-5"] and journal.lost_job_ids() is False
    assert journal.pending_tickets([4, 5]) == {4, 5}
    assert 6 in journal.abandoned([6])
    assert (report.kept_pending, report.kept_abandoned, report.kept_decisions) == (2, 1, 3)
    assert sorted((e.ticket_id, e.outcome) for e in journal.applied_decisions()) == [(2, "reject"), (3, "qualify")]
    assert report.runs == 4  # the dry run, ticket 2's first, 7's and 8's: nothing left in them


def test_without_decisions_every_applied_decision_stays(journal: SqlJournal) -> None:
    _fill(journal)
    report = journal.prune(LATER)
    assert "applied" not in report.by_state and report.kept_decisions == 4
    assert len(list(journal.applied_decisions())) == 3  # ticket 2's two decisions and ticket 3's one


def test_a_dry_run_counts_exactly_and_removes_nothing(journal: SqlJournal) -> None:
    _fill(journal)
    before = _states(journal)
    dry = journal.prune(LATER, decisions=True, dry_run=True)
    assert _states(journal) == before and dry.bytes_after == dry.bytes_before
    real = journal.prune(LATER, decisions=True)
    assert dry.model_dump(exclude={"dry_run", "bytes_after"}) == real.model_dump(exclude={"dry_run", "bytes_after"})


def test_nothing_newer_than_the_cut_is_touched(journal: SqlJournal) -> None:
    _fill(journal)
    before = _states(journal)
    report = journal.prune(datetime.now(UTC) - timedelta(days=1), decisions=True)
    assert report.proposals == report.runs == report.attempts == 0 and _states(journal) == before


def test_the_file_shrinks(tmp_path: Path) -> None:
    journal = SqliteJournal.open(tmp_path / "j.sqlite3")
    for start in range(0, 3000, 500):
        run = journal.start_run("dry-run", "v1")
        shown = [proposal(t, Outcome.MANUAL, stamp=f"s{start}") for t in range(start, start + 500)]
        journal.record_proposals(run, shown)
        journal.finish_run(run, "ok", {})
    report = journal.prune(LATER)
    assert report.proposals == 3000 and report.runs == 6
    assert report.bytes_after is not None and report.bytes_before is not None
    assert report.bytes_after < report.bytes_before / 4


@pytest.mark.parametrize(("text", "days"), [("36h", 1.5), ("90d", 90), ("12w", 84), ("1y", 365), (" 7D ", 7)])
def test_durations(text: str, days: float) -> None:
    assert parse_duration(text) == timedelta(days=days)


@pytest.mark.parametrize("text", ["", "90", "d", "-3d", "1.5d", "3 months", "0d", "9999999d"])
def test_bad_durations_say_what_is_expected(text: str) -> None:
    with pytest.raises(ValueError, match=r"duration|at least"):
        parse_duration(text)
