"""The journal contract, run against both backends (SQLite and PostgreSQL: see conftest.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from commops.domain import Decision, Outcome, Proposal, Reason
from commops.errors import JournalError
from commops.journal import SqlJournal

from .conftest import OpenJournal


def proposal(ticket_id: int, outcome: Outcome = Outcome.QUALIFY, stamp: str = "2026-11-20T10:00:00Z") -> Proposal:
    decision = Decision(
        ticket_id=ticket_id, program="education", outcome=outcome, ruleset_version="v1",
        reasons=[Reason(rule="r", message="m", outcome=outcome)],
    )
    return Proposal(decision=decision, updated_stamp=stamp, answers_digest="d1")


def apply(journal: SqlJournal, mode: str, p: Proposal, result: str) -> int:
    run = journal.start_run(mode, "v1")
    ids = journal.record_proposals(run, [p], state="approved")
    attempts = journal.begin_writes([ids[p.ticket_id]])
    journal.finish_write(ids[p.ticket_id], attempts[ids[p.ticket_id]], result, None, None)
    return ids[p.ticket_id]


def test_a_write_found_already_applied_is_not_a_second_decision(journal: SqlJournal) -> None:
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


def test_digest_travels_with_the_proposal_and_unknown_results_are_refused(journal: SqlJournal) -> None:
    pid = apply(journal, "apply", proposal(7), "applied")
    record = journal.last_applied([7])[7]
    assert record.fields_digest == "d1" and record.id == pid
    assert journal.load_proposal(pid).answers_digest == "d1"
    with pytest.raises(JournalError, match="unknown write result"):
        journal.finish_write(pid, 1, "skipped", None, None)


def test_applied_decisions_filters_by_time(journal: SqlJournal) -> None:
    apply(journal, "apply", proposal(1), "applied")
    future = datetime(2100, 1, 1, tzinfo=UTC)
    assert list(journal.applied_decisions(since=future)) == []
    assert len(list(journal.applied_decisions(until=future))) == 1


def test_two_connections_share_one_history(open_journal: OpenJournal) -> None:
    """Two runs (or hosts) on the same journal: one sequence of ids, each sees the other's writes."""
    first, second = open_journal(), open_journal()
    a = apply(first, "unattended", proposal(1), "applied")
    b = apply(second, "unattended", proposal(2), "applied")
    assert a != b
    assert sorted(first.last_applied([1, 2])) == [1, 2] == sorted(second.last_applied([1, 2]))
    assert [r.ticket_id for r in second.history()] == [2, 1]


def test_a_write_in_flight_is_what_the_next_run_resumes(open_journal: OpenJournal) -> None:
    killed = open_journal()
    run = killed.start_run("unattended", "v1")
    ids = killed.record_proposals(run, [proposal(5), proposal(6)], state="approved")
    attempts = killed.begin_writes(list(ids.values()), batch=True)
    killed.record_job([attempts[ids[5]]], "job-1")
    killed.close()  # killed here: intents recorded, one job id known, no result
    nxt = open_journal()
    assert [r.ticket_id for r in nxt.unfinished_writes()] == [5, 6]
    assert nxt.unsettled_jobs() == ["job-1"]
    assert nxt.lost_job_ids()  # ticket 6's job id never came back
    assert nxt.pending_tickets([5, 6, 7]) == {5, 6}
    assert nxt.load_proposal(ids[6]) == proposal(6)
    shown = nxt.attempts(ids[5])
    assert [(a["job_id"], a["batch"], a["result"]) for a in shown] == [("job-1", 1, None)]
    assert isinstance(shown[0]["started_at"], str)
    nxt.supersede([6])
    assert [r.ticket_id for r in nxt.unfinished_writes()] == [5]


def test_shown_proposals_equal_to_the_last_row_are_not_stored_again(journal: SqlJournal) -> None:
    run = journal.start_run("dry-run", "v1")
    first = journal.record_proposals(run, [proposal(9)])
    again = journal.record_proposals(journal.start_run("dry-run", "v1"), [proposal(9)])
    assert first == again and len(journal.history(9)) == 1
    changed = journal.record_proposals(run, [proposal(9, stamp="2026-11-21T10:00:00Z")])
    assert changed != first and len(journal.history(9)) == 2


def test_runs_keep_their_summary_and_abandoned_writes_their_stamp(journal: SqlJournal) -> None:
    run = journal.start_run("unattended", "v1")
    journal.finish_run(run, "ok", {"applied": 3, "modes": ["a"]})
    [record] = journal.runs()
    assert record.run_id == run and record.summary == {"applied": 3, "modes": ["a"]} and record.finished_at
    ids = journal.record_proposals(run, [proposal(4)], state="approved")
    for _ in range(3):
        attempt = journal.begin_writes([ids[4]])
        journal.finish_write(ids[4], attempt[ids[4]], "failed", "token=abcdef123456 refused", None)
    assert journal.failed_attempts(ids[4]) == 3
    assert "abcdef123456" not in str(journal.attempts(ids[4]))  # errors are stored redacted
    journal.set_state([ids[4]], "abandoned")
    assert journal.abandoned([4, 5]) == {4: "2026-11-20T10:00:00Z"}
