from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from commops.domain import Decision, Outcome, Proposal, Reason
from commops.errors import JournalError
from commops.journal import SqliteJournal


def proposal(ticket_id: int, outcome: Outcome = Outcome.QUALIFY, stamp: str = "2026-11-20T10:00:00Z") -> Proposal:
    decision = Decision(
        ticket_id=ticket_id, program="education", outcome=outcome, ruleset_version="v1",
        reasons=[Reason(rule="r", message="m", outcome=outcome)],
    )
    return Proposal(decision=decision, updated_stamp=stamp, answers_digest="d1")


def apply(journal: SqliteJournal, mode: str, p: Proposal, result: str) -> int:
    run = journal.start_run(mode, "v1")
    ids = journal.record_proposals(run, [p], state="approved")
    attempts = journal.begin_writes([ids[p.ticket_id]])
    journal.finish_write(ids[p.ticket_id], attempts[ids[p.ticket_id]], result, None, None)
    return ids[p.ticket_id]


def test_a_write_found_already_applied_is_not_a_second_decision(tmp_path: Path) -> None:
    journal = SqliteJournal.open(tmp_path / "j.sqlite3")
    apply(journal, "plan", proposal(1), "applied")
    apply(journal, "plan", proposal(1), "already_applied")  # the same plan applied twice
    apply(journal, "unattended", proposal(2), "already_applied")  # landed in a run that was killed
    apply(journal, "unattended", proposal(2), "already_applied")
    apply(journal, "unattended", proposal(3, stamp="later"), "applied")
    apply(journal, "unattended", proposal(3, Outcome.REJECT, stamp="much later"), "applied")  # a new decision
    entries = list(journal.applied_decisions())
    assert sorted((e.ticket_id, e.outcome) for e in entries) == [(1, "qualify"), (2, "qualify"), (3, "qualify"),
                                                                   (3, "reject")]
    assert {e.mode for e in entries if e.ticket_id == 1} == {"plan"}


def test_digest_travels_with_the_proposal_and_unknown_results_are_refused(tmp_path: Path) -> None:
    journal = SqliteJournal.open(tmp_path / "j.sqlite3")
    pid = apply(journal, "apply", proposal(7), "applied")
    record = journal.last_applied([7])[7]
    assert record.fields_digest == "d1" and record.id == pid
    assert journal.load_proposal(pid).answers_digest == "d1"
    with pytest.raises(JournalError, match="unknown write result"):
        journal.finish_write(pid, 1, "skipped", None, None)


def test_applied_decisions_filters_by_time(tmp_path: Path) -> None:
    journal = SqliteJournal.open(tmp_path / "j.sqlite3")
    apply(journal, "apply", proposal(1), "applied")
    future = datetime(2100, 1, 1, tzinfo=UTC)
    assert list(journal.applied_decisions(since=future)) == []
    assert len(list(journal.applied_decisions(until=future))) == 1
