from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest

from commops.config import load_settings
from commops.domain import Application, DecisionMarker, MacroRef, Outcome, Proposal, Reason
from commops.domain.calendar import BusinessCalendar
from commops.domain.states import RunMode
from commops.errors import GuardRailError, LockedError
from commops.journal import FileRunLock
from commops.ports import Journal, QueuePage, WriteResult
from commops.services.runs import record_dry_run, run_apply, run_unattended
from commops.services.triage import TriageOptions, TriagePorts, apply_proposals, evaluate_queue, resume_unfinished

from .fakes import FakeGateway, FieldEvaluator, application
from .memory_journal import MemoryJournal


@pytest.fixture
def journal() -> Journal:
    """In memory here; tests/integration/triage runs these tests again over SqliteJournal."""
    return MemoryJournal()


def make_ports(gateway: FakeGateway, journal: Journal) -> TriagePorts:
    evaluator = FieldEvaluator()
    return TriagePorts(
        settings=load_settings(),
        gateway=gateway,
        evaluator=evaluator,
        ruleset=evaluator,
        journal=journal,
        calendar=BusinessCalendar(),
        clock=lambda: datetime(2026, 11, 25, 12, 0, tzinfo=UTC),
        lock=FileRunLock(load_settings().state.run_lock),
    )


def test_dry_run_writes_nothing_and_journals_proposals(commops_home: Path, journal: Journal) -> None:
    gateway = FakeGateway([application(1), application(2, "reject"), application(3, program=None)])
    ports = make_ports(gateway, journal)
    summary = record_dry_run(ports, TriageOptions())
    assert gateway.written == []
    assert {p.ticket_id: p.decision.outcome for p in summary.batch.proposals} == {
        1: Outcome.QUALIFY, 2: Outcome.REJECT, 3: Outcome.SKIP,
    }
    assert {r.state for r in ports.journal.history()} == {"proposed"}
    assert summary.batch.proposals[0].age_business_days == 3  # Fri 20 → Wed 25 Nov 2026


def test_apply_then_retriage_skips_decided_and_unchanged(commops_home: Path, journal: Journal) -> None:
    gateway = FakeGateway([application(1, "ask"), application(2, "escalate")])
    ports = make_ports(gateway, journal)
    batch = evaluate_queue(ports, TriageOptions())
    run_apply(ports, batch, batch.proposals, mode=RunMode.APPLY)
    assert sorted(gateway.written) == [(1, "ask"), (2, "escalate")]
    again = evaluate_queue(ports, TriageOptions())
    assert again.proposals == []
    assert {s.ticket_id for s in again.skipped} == {1, 2}


def test_reply_with_new_fields_is_triaged_again_and_text_only_goes_to_manual(journal: Journal) -> None:
    gateway = FakeGateway([application(1, "ask"), application(2, "ask")])
    ports = make_ports(gateway, journal)
    batch = evaluate_queue(ports, TriageOptions())
    run_apply(ports, batch, batch.proposals, mode=RunMode.APPLY)
    gateway.reply(1, verdict="qualify")  # the applicant filled the form in
    gateway.reply(2)  # only text
    again = {p.ticket_id: p for p in evaluate_queue(ports, TriageOptions()).proposals}
    assert again[1].decision.outcome is Outcome.QUALIFY
    assert again[2].decision.outcome is Outcome.MANUAL
    assert again[2].note and "replied" in again[2].note


def test_unattended_applies_only_auto_rules_and_resumes_after_a_crash(commops_home: Path, journal: Journal) -> None:
    gateway = FakeGateway([application(1), application(2, manual_only=True), application(3)])
    ports = make_ports(gateway, journal)
    gateway.fail_next_write = ConnectionError("killed mid-write")
    with pytest.raises(ConnectionError):
        run_unattended(ports, TriageOptions(), max_writes=10, max_reject_share=1.0)
    assert gateway.written == []
    assert {r.ticket_id for r in ports.journal.unfinished_writes()} == {1, 3}
    assert ports.journal.unsettled_jobs() == ["job-0"]  # Zendesk took the job before the crash
    summary = run_unattended(ports, TriageOptions(), max_writes=10, max_reject_share=1.0)
    assert sorted(gateway.written) == [(1, "qualify"), (3, "qualify")]
    assert len(summary.resumed) == 2 and summary.results == []
    assert gateway.settled == ["job-0"]  # waited for the old job before looking again
    assert ports.journal.unsettled_jobs() == []
    assert ports.journal.unfinished_writes() == []
    assert resume_unfinished(ports) == []


def test_reject_ceiling_aborts_before_writing(commops_home: Path, journal: Journal) -> None:
    gateway = FakeGateway([application(1, "reject"), application(2, "reject"), application(3)])
    ports = make_ports(gateway, journal)
    with pytest.raises(GuardRailError, match="2 of 3"):
        run_unattended(ports, TriageOptions(), max_writes=10, max_reject_share=0.5)
    assert gateway.written == []


def test_reject_ceiling_needs_a_minimum_sample(commops_home: Path, journal: Journal) -> None:
    gateway = FakeGateway([application(1, "reject"), application(2)])
    ports = make_ports(gateway, journal)
    run_unattended(ports, TriageOptions(), max_writes=10, max_reject_share=0.2, min_decisions=3)
    assert sorted(gateway.written) == [(1, "reject"), (2, "qualify")]


def test_a_specialists_choice_supersedes_an_older_failed_write(commops_home: Path, journal: Journal) -> None:
    gateway = FakeGateway([application(1)])
    ports = make_ports(gateway, journal)
    first = evaluate_queue(ports, TriageOptions())
    gateway.fail_next_write = ConnectionError("network down")
    with pytest.raises(ConnectionError):
        run_apply(ports, first, first.proposals, mode=RunMode.APPLY)
    assert evaluate_queue(ports, TriageOptions()).skipped[0].reason.startswith("a write from an earlier run")
    batch = evaluate_queue(ports, TriageOptions(include_decided=True))
    override = batch.proposals[0].model_copy(
        update={"decision": batch.proposals[0].decision.model_copy(update={"outcome": Outcome.REJECT})}
    )
    run_apply(ports, batch, [override], mode=RunMode.INTERACTIVE)
    assert gateway.written == [(1, "reject")]


def test_refused_writes_are_abandoned_after_three_attempts(commops_home: Path, journal: Journal) -> None:
    from commops.ports import WriteResult

    gateway = FakeGateway([application(1)])
    ports = make_ports(gateway, journal)
    def refuse(proposals: list[Proposal], on_job: object = None, between_batches: object = None) -> list[WriteResult]:
        return [WriteResult(ticket_id=p.ticket_id, status="failed", error="RecordInvalid") for p in proposals]

    gateway.write_decisions = refuse  # type: ignore[method-assign,assignment]
    batch = evaluate_queue(ports, TriageOptions())
    run_apply(ports, batch, batch.proposals, mode=RunMode.APPLY)
    assert len(resume_unfinished(ports)) == 1
    assert len(resume_unfinished(ports)) == 1
    assert resume_unfinished(ports) == []  # third failure recorded: given up
    assert [r.state for r in ports.journal.history(1)] == ["abandoned"]


def test_new_rules_that_agree_write_nothing_again(commops_home: Path, journal: Journal) -> None:
    gateway = FakeGateway([application(1, "ask")])
    ports = make_ports(gateway, journal)
    batch = evaluate_queue(ports, TriageOptions())
    run_apply(ports, batch, batch.proposals, mode=RunMode.APPLY)
    ports.evaluator.version = "v2"  # type: ignore[misc]
    again = evaluate_queue(ports, TriageOptions())
    assert again.proposals == [] and again.skipped[0].reason == "decided; the new rules agree"


def test_max_writes_caps_and_leaves_the_rest_as_proposals(commops_home: Path, journal: Journal) -> None:
    gateway = FakeGateway([application(i) for i in range(1, 6)])
    ports = make_ports(gateway, journal)
    summary = run_unattended(ports, TriageOptions(), max_writes=2, max_reject_share=1.0)
    assert len(gateway.written) == 2 and summary.status == "capped"


def test_second_unattended_run_is_locked_out(commops_home: Path, journal: Journal) -> None:
    from filelock import FileLock

    ports = make_ports(FakeGateway([application(1)]), journal)
    with FileLock(str(commops_home / "unattended.lock")), pytest.raises(LockedError):
        run_unattended(ports, TriageOptions(), max_writes=10, max_reject_share=1.0)


def test_changed_ticket_is_a_conflict_not_overwritten(commops_home: Path, journal: Journal) -> None:
    gateway = FakeGateway([application(1)])
    ports = make_ports(gateway, journal)
    batch = evaluate_queue(ports, TriageOptions())
    gateway.reply(1)  # someone changed it after evaluation
    summary = run_apply(ports, batch, batch.proposals, mode=RunMode.APPLY)
    assert [r.status for r in summary.results] == ["conflict"]
    assert gateway.written == []


def test_limit_counts_evaluated_applications_not_decided_ones(commops_home: Path, journal: Journal) -> None:
    gateway = FakeGateway([application(i, "ask") for i in range(1, 7)])
    ports = make_ports(gateway, journal)
    first = evaluate_queue(ports, TriageOptions(limit=2))
    run_apply(ports, first, first.proposals, mode=RunMode.APPLY)
    second = evaluate_queue(ports, TriageOptions(limit=2))
    assert [p.ticket_id for p in second.proposals] == [3, 4]
    assert {s.ticket_id for s in second.skipped} == {1, 2}


def test_a_write_whose_job_id_was_lost_waits_for_all_running_jobs(commops_home: Path, journal: Journal) -> None:
    gateway = FakeGateway([application(1), application(2)])  # two writes: an update_many job
    ports = make_ports(gateway, journal)
    gateway.lose_job_answer = True
    gateway.fail_next_write = TimeoutError("no answer to update_many")
    with pytest.raises(TimeoutError):
        run_unattended(ports, TriageOptions(), max_writes=10, max_reject_share=1.0)
    assert ports.journal.unsettled_jobs() == [] and ports.journal.lost_job_ids()
    run_unattended(ports, TriageOptions(), max_writes=10, max_reject_share=1.0)
    assert getattr(gateway, "listed_jobs", False)
    assert sorted(gateway.written) == [(1, "qualify"), (2, "qualify")]


def test_a_single_write_that_failed_does_not_wait_for_the_accounts_jobs(commops_home: Path, journal: Journal) -> None:
    gateway = FakeGateway([application(1)])
    ports = make_ports(gateway, journal)
    gateway.lose_job_answer = True
    gateway.fail_next_write = TimeoutError("no answer to the PUT")
    with pytest.raises(TimeoutError):
        run_unattended(ports, TriageOptions(), max_writes=10, max_reject_share=1.0)
    assert not ports.journal.lost_job_ids()  # a single write is a PUT: no job can be in flight


def test_a_specialists_override_is_never_overruled_by_the_rules(commops_home: Path, journal: Journal) -> None:
    gateway = FakeGateway([application(1, "qualify")])
    ports = make_ports(gateway, journal)
    batch = evaluate_queue(ports, TriageOptions())
    proposal = batch.proposals[0]
    ask = Reason(rule="override", message="need proof", outcome=Outcome.ASK, macro=MacroRef(title="ask macro"))
    override = proposal.model_copy(
        update={"decision": proposal.decision.model_copy(update={"outcome": Outcome.ASK, "reasons": [ask]})}
    )
    run_apply(ports, batch, [override], mode=RunMode.INTERACTIVE)
    ports.evaluator.version = "v2"  # type: ignore[misc]
    assert evaluate_queue(ports, TriageOptions()).skipped[0].reason == "decided by a specialist (ask)"
    gateway.reply(1)  # the applicant answers with text only
    again = evaluate_queue(ports, TriageOptions()).proposals
    assert again[0].decision.outcome is Outcome.MANUAL and "specialist" in (again[0].note or "")


def test_a_decision_made_in_zendesk_after_ours_wins(commops_home: Path, journal: Journal) -> None:
    gateway = FakeGateway([application(1, "ask")])
    ports = make_ports(gateway, journal)
    batch = evaluate_queue(ports, TriageOptions())
    run_apply(ports, batch, batch.proposals, mode=RunMode.APPLY)
    gateway.reply(1, verdict="qualify")
    gateway.decide_in_zendesk(1, "escalate", status="open")  # a person escalated it by macro
    again = evaluate_queue(ports, TriageOptions())
    assert again.proposals == [] and again.skipped[0].reason.startswith("escalated earlier")


def test_an_ask_made_by_hand_in_zendesk_is_not_asked_again(commops_home: Path, journal: Journal) -> None:
    gateway = FakeGateway([application(1, "ask")])
    ports = make_ports(gateway, journal)
    gateway.decide_in_zendesk(1, "ask", status="pending")
    assert evaluate_queue(ports, TriageOptions()).skipped[0].reason == "decided by a specialist (ask)"
    gateway.reply(1)
    assert evaluate_queue(ports, TriageOptions()).proposals[0].decision.outcome is Outcome.MANUAL


def test_renaming_a_rule_re_asks_nobody(commops_home: Path, journal: Journal) -> None:
    gateway = FakeGateway([application(1, "ask")])
    ports = make_ports(gateway, journal)
    batch = evaluate_queue(ports, TriageOptions())
    run_apply(ports, batch, batch.proposals, mode=RunMode.APPLY)

    class Renamed(FieldEvaluator):
        version = "v2"

        def evaluate(self, application):  # type: ignore[no-untyped-def]
            decision = super().evaluate(application)
            renamed = [r.model_copy(update={"rule": r.rule + ".renamed"}) for r in decision.reasons]
            return decision.model_copy(update={"reasons": renamed, "ruleset_version": "v2"})

    ports.evaluator = Renamed()
    again = evaluate_queue(ports, TriageOptions())
    assert again.proposals == [] and again.skipped[0].reason == "decided; the new rules agree"


def test_abandoned_writes_are_not_proposed_again_until_the_ticket_changes(commops_home: Path, journal: Journal) -> None:
    from commops.ports import WriteResult

    gateway = FakeGateway([application(1)])
    ports = make_ports(gateway, journal)

    def refuse(proposals: list[Proposal], on_job: object = None, between_batches: object = None) -> list[WriteResult]:
        return [WriteResult(ticket_id=p.ticket_id, status="failed", error="RecordInvalid") for p in proposals]

    real = gateway.write_decisions
    gateway.write_decisions = refuse  # type: ignore[method-assign,assignment]
    for _ in range(3):
        run_unattended(ports, TriageOptions(), max_writes=10, max_reject_share=1.0)
    summary = run_unattended(ports, TriageOptions(), max_writes=10, max_reject_share=1.0)
    assert summary.results == [] and summary.batch.skipped[0].reason.startswith("Zendesk refused this write")
    gateway.write_decisions = real  # type: ignore[method-assign]
    gateway.reply(1)  # the ticket changed: worth another try
    run_unattended(ports, TriageOptions(), max_writes=10, max_reject_share=1.0)
    assert gateway.written == [(1, "qualify")]


def test_resuming_sends_only_the_newest_unfinished_write_per_ticket(journal: Journal) -> None:
    """Two runs left writes for the same tickets (killed before sending): the newest wins, the older are
    superseded, and each ticket is written once."""
    gateway = FakeGateway([application(1), application(2)])
    ports = make_ports(gateway, journal)
    older = journal.start_run(RunMode.APPLY, "v1")
    first = evaluate_queue(ports, TriageOptions())
    old_ids = journal.record_proposals(older, first.proposals, state="approved")
    newer = journal.start_run(RunMode.APPLY, "v1")
    gateway.tickets[1] = gateway.tickets[1].model_copy(update={"fields": {"verdict": "reject"}})
    second = evaluate_queue(ports, TriageOptions(include_decided=True))
    new_ids = journal.record_proposals(newer, second.proposals, state="approved")
    results = resume_unfinished(ports)
    assert sorted((r.ticket_id, r.status) for r in results) == [(1, "applied"), (2, "applied")]
    assert sorted(gateway.written) == [(1, "reject"), (2, "qualify")]
    states = {r.id: r.state for r in journal.history()}
    assert [states[old_ids[t]] for t in (1, 2)] == ["superseded", "superseded"]
    assert [states[new_ids[t]] for t in (1, 2)] == ["applied", "applied"]


def _approved(ports: TriagePorts, journal: Journal) -> tuple[dict[int, int], list[Proposal]]:
    batch = evaluate_queue(ports, TriageOptions())
    run_id = journal.start_run(RunMode.APPLY, "v1")
    return journal.record_proposals(run_id, batch.proposals, state="approved"), batch.proposals


def test_apply_records_each_result_with_the_stamp_after_and_counts_progress(journal: Journal) -> None:
    gateway = FakeGateway([application(1), application(2), application(3)])
    ports = make_ports(gateway, journal)
    ids, proposals = _approved(ports, journal)
    seen: list[int] = []
    calls: list[list[int]] = []
    write = gateway.write_decisions

    def counted(part: Sequence[Proposal], on_job: Callable[[str, list[int]], None] | None = None
                ) -> list[WriteResult]:
        calls.append([p.ticket_id for p in part])
        return write(part, on_job=on_job)

    gateway.write_decisions = counted  # type: ignore[method-assign,assignment]
    results = apply_proposals(ports, ids, proposals, progress=seen.append, chunk=2)
    assert calls == [[1, 2], [3]] and seen == [2, 1]
    assert [(r.ticket_id, r.status) for r in results] == [(1, "applied"), (2, "applied"), (3, "applied")]
    stamps = {r.id: r.stamp_after for r in journal.history()}
    assert [stamps[ids[t]] for t in (1, 2, 3)] == ["s1+w", "s2+w", "s3+w"]


def test_a_proposal_zendesk_gave_no_result_for_is_a_recorded_failure(journal: Journal) -> None:
    gateway = FakeGateway([application(1)])
    ports = make_ports(gateway, journal)
    ids, proposals = _approved(ports, journal)
    gateway.write_decisions = lambda part, on_job=None: []  # type: ignore[method-assign,assignment,misc]
    [result] = apply_proposals(ports, ids, proposals)
    assert (result.ticket_id, result.status, result.error) == (1, "failed", "no result from Zendesk")
    [attempt] = journal.attempts(ids[1])
    assert (attempt["result"], attempt["error"]) == ("failed", "no result from Zendesk")
    assert [r.state for r in journal.history(1)] == ["failed"]


def test_a_write_that_raised_is_recorded_failed_with_the_reason(journal: Journal) -> None:
    gateway = FakeGateway([application(1)])
    ports = make_ports(gateway, journal)
    ids, proposals = _approved(ports, journal)
    gateway.fail_next_write = ConnectionError("network down")
    with pytest.raises(ConnectionError):
        apply_proposals(ports, ids, proposals)
    [attempt] = journal.attempts(ids[1])
    assert (attempt["result"], attempt["error"]) == ("failed", "network down")


def test_passed_over_tickets_are_named_and_the_rest_still_evaluated(journal: Journal) -> None:
    gateway = FakeGateway([application(1), application(2), application(3, program=None)])
    ports = make_ports(gateway, journal)
    first = evaluate_queue(ports, TriageOptions(ticket_ids=[1]))
    gateway.fail_next_write = ConnectionError("network down")
    with pytest.raises(ConnectionError):
        run_apply(ports, first, first.proposals, mode=RunMode.APPLY)  # ticket 1 now has a write pending
    # A non-application carrying a decision marker is still looked at (and skipped as not an application).
    gateway.tickets[3] = gateway.tickets[3].model_copy(update={"marker": DecisionMarker(outcome="qualify")})
    batch = evaluate_queue(ports, TriageOptions())
    assert [(s.ticket_id, s.reason) for s in batch.skipped] == [
        (1, "a write from an earlier run is pending; it goes first")
    ]
    assert {p.ticket_id: p.decision.outcome for p in batch.proposals} == {2: Outcome.QUALIFY, 3: Outcome.SKIP}


def test_a_reply_that_only_moved_commops_markers_still_goes_to_a_person(journal: Journal) -> None:
    """The answers digest leaves commops' own marker fields out, when proposing and when comparing."""
    gateway = FakeGateway([application(1, "ask")])
    ports = make_ports(gateway, journal)
    batch = evaluate_queue(ports, TriageOptions())
    run_apply(ports, batch, batch.proposals, mode=RunMode.APPLY)
    marked = {"commops_decision": "commops_ask", "commops_ruleset": "ruleset=v1;write=x"}
    app = gateway.tickets[1]
    gateway.tickets[1] = app.model_copy(update={"fields": {**app.fields, **marked}})
    gateway.reply(1)  # text only: nothing the rules read changed
    [proposal] = evaluate_queue(ports, TriageOptions()).proposals
    assert proposal.decision.outcome is Outcome.MANUAL


class PagedGateway(FakeGateway):
    """The queue in pages of two, noting how many journal rows existed when each page was read."""

    def __init__(self, applications: list[Application], journal: Journal) -> None:
        super().__init__(applications)
        self.journal = journal
        self.rows_before_page: list[int] = []

    def pull_queue(self, query: str | None = None, *, cursor: str | None = None) -> Iterator[QueuePage]:
        apps = [a for a in self.tickets.values() if a.status not in ("solved", "closed")]
        for start in range(0, len(apps), 2):
            self.rows_before_page.append(len(self.journal.history(limit=10**6)))
            yield QueuePage(applications=apps[start:start + 2])


def test_unattended_journals_each_page_before_reading_the_next_and_keeps_only_counts(
        commops_home: Path, journal: Journal) -> None:
    """O(page), not O(queue): each page's proposals are journaled before the next page is read, the summary
    keeps counts (no proposal, no application), and the writes are read back from the journal."""
    verdicts = ["qualify", "reject", "manual", "qualify", "ask", "qualify"]
    gateway = PagedGateway([application(i + 1, v) for i, v in enumerate(verdicts)], journal)
    ports = make_ports(gateway, journal)
    summary = run_unattended(ports, TriageOptions(), max_writes=10, max_reject_share=1.0)
    assert gateway.rows_before_page == [0, 2, 4]
    assert summary.batch.proposals == [] and summary.batch.applications == {}
    assert summary.batch.size == 6
    assert summary.batch.counts() == {"ask": 1, "manual": 1, "qualify": 3, "reject": 1}
    assert sorted(gateway.written) == [(1, "qualify"), (2, "reject"), (4, "qualify"), (5, "ask"), (6, "qualify")]
    counts = summary.as_dict({})
    assert counts["applied"] == 5 and counts["applications"] == 6 and counts["left_as_proposals"] == 1
    assert summary.results == []  # every write landed: nothing for a person to look at


def test_an_unattended_write_is_a_row_of_its_own_run(commops_home: Path, journal: Journal) -> None:
    """An equal proposal an earlier dry run journaled is not reused for the write: the applied row belongs
    to the unattended run (history and statistics count it as that run's)."""
    gateway = FakeGateway([application(1), application(2, "manual")])
    ports = make_ports(gateway, journal)
    dry = record_dry_run(ports, TriageOptions())
    summary = run_unattended(ports, TriageOptions(), max_writes=10, max_reject_share=1.0)
    applied = [r for r in journal.history(1) if r.state == "applied"]
    assert [r.run_id for r in applied] == [summary.run_id] and summary.run_id != dry.run_id
    assert [r.mode for r in applied] == ["unattended"]


def test_over_max_writes_and_a_tripped_guard_rail_leave_proposals(commops_home: Path, journal: Journal) -> None:
    gateway = FakeGateway([application(i, "reject") for i in range(1, 5)])
    ports = make_ports(gateway, journal)
    with pytest.raises(GuardRailError):
        run_unattended(ports, TriageOptions(), max_writes=2, max_reject_share=0.5)
    assert gateway.written == [] and ports.journal.unfinished_writes() == []
    assert {r.state for r in journal.history()} == {"proposed"}


def test_a_pending_renewal_reminder_is_held_until_the_member_replies(commops_home: Path, journal: Journal) -> None:
    tag = load_settings().renewals.tag
    waiting = application(1).model_copy(update={"status": "pending", "tags": [tag]})
    replied = application(2).model_copy(update={"status": "open", "tags": [tag]})  # the member answered
    other_pending = application(3).model_copy(update={"status": "pending", "tags": ["vip"]})
    ports = make_ports(FakeGateway([waiting, replied, other_pending]), journal)
    batch = evaluate_queue(ports, TriageOptions())
    assert [(s.ticket_id, s.reason) for s in batch.skipped] == [
        (1, "a renewal reminder waiting for the member's reply")]
    assert sorted(p.ticket_id for p in batch.proposals) == [2, 3]
    held_too = evaluate_queue(ports, TriageOptions(include_decided=True))  # still held: it is not decided
    assert [s.ticket_id for s in held_too.skipped] == [1]

def test_a_machine_with_an_empty_journal_waits_for_the_accounts_running_jobs(
    commops_home: Path, journal: Journal
) -> None:
    """A run killed on another host left an update_many job running; this fresh runner cannot know its id,
    so it waits for every job the account runs before the markers say what landed."""
    gateway = FakeGateway([application(1), application(2)])
    gateway.active_jobs = lambda: ["job-from-elsewhere"]  # type: ignore[method-assign]
    ports = make_ports(gateway, journal)
    run_unattended(ports, TriageOptions(), max_writes=10, max_reject_share=1.0)
    assert gateway.settled == ["job-from-elsewhere"]
    assert sorted(gateway.written) == [(1, "qualify"), (2, "qualify")]
    gateway.settled = []
    run_unattended(ports, TriageOptions(), max_writes=10, max_reject_share=1.0)
    assert gateway.settled == []  # the journal knows this machine's writes now: nothing to wait for
