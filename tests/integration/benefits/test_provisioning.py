"""The provisioning use case in process, over the real SQLite store: intent before the write, one effect per
key, a crash between write and provisioning finished by the next run, and a refusal (4xx) that is recorded
as failed for good — never retried on its own, never left ambiguous — until a person retries it."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from commops.benefits import SqliteBenefits
from commops.benefits.webhook import WebhookError, WebhookRefused
from commops.config import Settings, load_settings
from commops.domain import Decision, MacroRef, Outcome, Proposal, Reason
from commops.domain.benefit import ProvisionState, provision_key
from commops.domain.proposal import Grant, write_id
from commops.domain.records import ProposalRecord
from commops.ports import WriteResult
from commops.services.benefits import (
    BenefitPorts,
    failed_provisions,
    finish_provisions,
    list_members,
    prepare_benefits,
    resume_provisions,
    retry_provisions,
)

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


class Service:
    """A provisioning service that answers from a script and counts the effects per idempotency key."""

    def __init__(self, *answers: str | BaseException) -> None:
        self.answers = list(answers)
        self.calls: list[tuple[dict[str, Any], str]] = []
        self.effects: dict[str, str] = {}

    def provision(self, payload: dict[str, Any], idempotency_key: str) -> str | None:
        self.calls.append((payload, idempotency_key))
        answer = self.answers.pop(0) if self.answers else "SUB-default"
        if isinstance(answer, BaseException):
            raise answer
        return self.effects.setdefault(idempotency_key, answer)


class History:
    """The decision history: which proposal was last applied per ticket."""

    def __init__(self) -> None:
        self.applied: dict[int, ProposalRecord] = {}

    def apply(self, proposal_id: int, proposal: Proposal, outcome: str | None = None) -> None:
        self.applied[proposal.ticket_id] = ProposalRecord(
            id=proposal_id, run_id="r1", mode="apply", ticket_id=proposal.ticket_id,
            program=proposal.decision.program, outcome=outcome or proposal.decision.outcome.value, rules=[],
            macros=[],
            ruleset_version="v1", updated_stamp=proposal.updated_stamp, fields_digest=None, state="applied",
            stamp_after=None, created_at=NOW, decided_at=NOW)

    def last_applied(self, ticket_ids: Sequence[int]) -> dict[int, ProposalRecord]:
        return {t: self.applied[t] for t in ticket_ids if t in self.applied}

    def history(self, ticket_id: int | None = None, limit: int = 200) -> list[ProposalRecord]:
        return list(self.applied.values())

    def attempts(self, proposal_id: int) -> list[dict[str, Any]]:
        return []


def settings(home: Path, provisioner: str, **extra: str) -> Settings:
    lines = [f'provisioner = "{provisioner}"'] + ([] if "term_months" in extra else ["term_months = 12"])
    if provisioner == "webhook":
        lines.append('url = "https://provision.example.test/members"')
    lines += [f"{k} = {v}" for k, v in extra.items()]
    path = home / "config.toml"
    path.write_text("[programs.education.benefit]\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return load_settings(path)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteBenefits]:
    with SqliteBenefits.open(tmp_path / "benefits.sqlite3") as opened:
        yield opened


def ports_for(config: Settings, store: SqliteBenefits, service: Service,
              fields: list[tuple[int, dict[str, Any]]] | None = None) -> BenefitPorts:
    written = fields if fields is not None else []
    return BenefitPorts(settings=config, store=store, clock=lambda: NOW, webhook=lambda program: service,
                        set_fields=lambda ticket, values: written.append((ticket, values)))


def qualify(ticket_id: int, *, program: str = "education", outcome: Outcome = Outcome.QUALIFY, seats: int = 30,
            renews: str | None = None, start: date | None = date(2026, 12, 1), note: str | None = None) -> Proposal:
    macro = MacroRef(title="Education::Qualified - welcome", id=1)
    reason = Reason(rule="edu.ok", message="ok", outcome=outcome, macro=macro, auto=True)
    decision = Decision(ticket_id=ticket_id, program=program, outcome=outcome, reasons=[reason],
                        ruleset_version="v1")
    grant = Grant(organisation="Uni", requester=f"a{ticket_id}@uni.edu", email_domain="uni.edu", seats=seats,
                  renews=renews, term_start=start, note=note)
    return Proposal(decision=decision, updated_stamp=f"s{ticket_id}", grant=grant)


def written(*proposals: Proposal, status: str = "applied") -> list[WriteResult]:
    return [WriteResult(ticket_id=p.ticket_id, status=status) for p in proposals]


def key_of(proposal: Proposal) -> str:
    return provision_key(proposal.ticket_id, "education", proposal.grant.renews if proposal.grant else None)


def test_a_written_qualify_is_provisioned_once_with_its_write_id_and_recorded(tmp_path: Path,
                                                                             store: SqliteBenefits) -> None:
    service, fields = Service("SUB-1"), list[tuple[int, dict[str, Any]]]()
    ports = ports_for(settings(tmp_path, "webhook"), store, service, fields)
    proposal = qualify(7)
    ready, emptied = prepare_benefits(ports, [proposal], {7: 70})
    assert emptied == [] and [p.ticket_id for p in ready] == [7]
    row = store.provision(key_of(proposal))
    assert row is not None and row.state == ProvisionState.INTENT and row.proposal_id == 70
    assert row.write_id == write_id(7, "s7", proposal.decision)
    assert row.payload["seats"] == 30 and row.payload["term"] == {"start": "2026-12-01", "end": "2027-12-01",
                                                                   "months": 12}
    assert service.calls == []  # nothing leaves before the write

    finish_provisions(ports, ready, written(proposal))
    finish_provisions(ports, ready, written(proposal, status="already_applied"))  # a retry of the same write
    assert [key for _payload, key in service.calls] == [row.write_id]
    done = store.provision(key_of(proposal))
    assert done is not None and done.state == ProvisionState.DONE and done.subscription_id == "SUB-1"
    assert fields == [(7, {"membership_ends_on": "2027-12-01", "current_subscription_id": "SUB-1"})]
    [member] = list_members(ports)
    assert (member.ticket_id, member.subscription_id, member.seats, member.term_end) == (7, "SUB-1", 30,
                                                                                         date(2027, 12, 1))
    assert (member.program, member.organisation, member.requester, member.email_domain) == (
        "education", "Uni", "a7@uni.edu", "uni.edu")
    assert (member.term_start, member.decision_key, member.source) == (date(2026, 12, 1), key_of(proposal), "commops")
    payload, _key = service.calls[0]
    assert payload == {"program": "education", "ticket_id": 7, "seats": 30, "renews": None, "note": None,
                       "member": {"organisation": "Uni", "requester": "a7@uni.edu", "email_domain": "uni.edu"},
                       "term": {"start": "2026-12-01", "end": "2027-12-01", "months": 12}}


def test_only_written_qualifies_are_provisioned_and_a_program_without_provisioner_only_keeps_the_ledger(
        tmp_path: Path, store: SqliteBenefits) -> None:
    service = Service()
    ports = ports_for(settings(tmp_path, "webhook"), store, service)
    asked, startup, conflicted = qualify(1, outcome=Outcome.ASK), qualify(2, program="startups"), qualify(3)
    ready, _ = prepare_benefits(ports, [asked, startup, conflicted], {})
    assert len(ready) == 3 and store.provision(key_of(asked)) is None
    finish_provisions(ports, ready, [*written(asked, startup), *written(conflicted, status="conflict")])
    assert service.calls == []  # startups names no provisioner; the conflicted write did not land
    row = store.provision(key_of(conflicted))
    assert row is not None and row.state == ProvisionState.INTENT  # waits for the retry of its write
    assert [(m.program, m.ticket_id) for m in list_members(ports)] == [("startups", 2)]


def test_a_coupon_pool_hands_each_written_qualify_its_own_code_and_an_empty_pool_turns_manual(
        tmp_path: Path, store: SqliteBenefits) -> None:
    ports = ports_for(settings(tmp_path, "coupon-pool"), store, Service())
    store.add_codes("education", ["EDU-1", "EDU-2"])
    first, second, third = qualify(1), qualify(2), qualify(3)
    ready, emptied = prepare_benefits(ports, [first, second, third], {})
    assert [(p.ticket_id, p.benefit_code) for p in ready] == [(1, "EDU-1"), (2, "EDU-2")]
    assert [p.ticket_id for p in emptied] == [3] and emptied[0].decision.outcome is Outcome.MANUAL
    assert store.provision(key_of(third)) is None
    again, _ = prepare_benefits(ports, [first], {})  # the same ticket evaluated again: the same code
    assert again[0].benefit_code == "EDU-1"
    finish_provisions(ports, ready, written(first, second))
    assert {c["code"]: c["state"] for c in store.codes("education")} == {"EDU-1": "assigned", "EDU-2": "assigned"}
    assert sorted(m.subscription_id or "" for m in list_members(ports)) == ["EDU-1", "EDU-2"]
    done, _ = prepare_benefits(ports, [first], {})  # provisioned: the welcome keeps the code it carried
    assert done[0].benefit_code == "EDU-1"


def test_a_run_killed_after_the_write_is_finished_by_the_next_one_and_only_for_the_applied_proposal(
        tmp_path: Path, store: SqliteBenefits) -> None:
    service, history = Service("SUB-9"), History()
    ports = ports_for(settings(tmp_path, "webhook"), store, service)
    landed, lost, other = qualify(1), qualify(2), qualify(3)
    prepare_benefits(ports, [landed, lost, other], {1: 10, 2: 20, 3: 30})
    history.apply(10, landed)  # the qualify landed, the process died before provisioning
    history.apply(99, other)  # a later proposal of ticket 3 was applied, not the one this intent belongs to
    assert resume_provisions(ports, history) == 1
    assert [key for _p, key in service.calls] == [write_id(1, "s1", landed.decision)]
    states = {p.ticket_id: getattr(store.provision(key_of(p)), "state", None) for p in (landed, lost, other)}
    assert states == {1: ProvisionState.DONE, 2: ProvisionState.INTENT, 3: ProvisionState.INTENT}
    assert resume_provisions(ports, history) == 0  # nothing left to finish: no second effect
    assert len(service.calls) == 1


def test_a_transient_failure_is_retried_by_the_next_run_with_the_same_key(tmp_path: Path,
                                                                         store: SqliteBenefits) -> None:
    service = Service(WebhookError("provisioning service answered 503", retryable=True), "SUB-2")
    ports = ports_for(settings(tmp_path, "webhook"), store, service)
    proposal = qualify(5)
    ready, _ = prepare_benefits(ports, [proposal], {5: 50})
    finish_provisions(ports, ready, written(proposal))
    row = store.provision(key_of(proposal))
    assert row is not None and row.state == ProvisionState.WRITTEN and row.attempts == 1
    assert row.error == "provisioning service answered 503" and failed_provisions(ports) == []
    assert resume_provisions(ports, History()) == 1
    done = store.provision(key_of(proposal))
    assert done is not None and done.state == ProvisionState.DONE and done.error is None and done.attempts == 2
    assert len({key for _p, key in service.calls}) == 1


def test_a_refusal_is_failed_for_good_visible_and_retried_only_when_a_person_asks(tmp_path: Path,
                                                                                 store: SqliteBenefits) -> None:
    refused = WebhookRefused('provisioning service answered 422: {"error": "unknown organisation"}')
    service, history = Service(refused, "SUB-3"), History()
    ports = ports_for(settings(tmp_path, "webhook"), store, service)
    proposal, fine = qualify(8), qualify(9)
    ready, _ = prepare_benefits(ports, [proposal, fine], {8: 80, 9: 90})
    history.apply(80, proposal)
    finish_provisions(ports, ready[:1], written(proposal))
    [failed] = failed_provisions(ports)
    assert failed.state == ProvisionState.FAILED and failed.ticket_id == 8 and failed.attempts == 1
    assert failed.error is not None and "422" in failed.error and "unknown organisation" in failed.error
    assert list_members(ports) == []  # no member holds a benefit that was not provisioned

    assert resume_provisions(ports, history) == 0  # never retried on its own: the same request gets the same no
    finish_provisions(ports, ready[:1], written(proposal, status="already_applied"))
    assert len(service.calls) == 1 and store.unfinished_provisions() == [store.provision(key_of(fine))]

    assert retry_provisions(ports, [1234]) == []  # another ticket: nothing to retry
    [after] = retry_provisions(ports, [8])
    assert after.state == ProvisionState.DONE and after.subscription_id == "SUB-3" and after.error is None
    assert [key for _p, key in service.calls] == [failed.write_id, failed.write_id]
    assert failed_provisions(ports) == [] and [m.ticket_id for m in list_members(ports)] == [8]


def test_a_retry_that_is_refused_again_stays_failed(tmp_path: Path, store: SqliteBenefits) -> None:
    service = Service(WebhookRefused("provisioning service answered 400"),
                      WebhookRefused("provisioning service answered 409"))
    ports = ports_for(settings(tmp_path, "webhook"), store, service)
    proposal = qualify(4)
    ready, _ = prepare_benefits(ports, [proposal], {})
    finish_provisions(ports, ready, written(proposal))
    [again] = retry_provisions(ports)
    assert again.state == ProvisionState.FAILED and again.error == "provisioning service answered 409"
    assert again.attempts == 2 and failed_provisions(ports) == [again]


def test_a_program_no_longer_configured_fails_its_provisioning_until_retried(tmp_path: Path,
                                                                             store: SqliteBenefits) -> None:
    service = Service("SUB-4")
    configured = ports_for(settings(tmp_path, "webhook"), store, service)
    proposal = qualify(6)
    prepare_benefits(configured, [proposal], {6: 60})
    history = History()
    history.apply(60, proposal)
    (tmp_path / "config.toml").write_text("", encoding="utf-8")
    gone = ports_for(load_settings(tmp_path / "config.toml"), store, service)
    gone.settings.programs.pop("education")
    assert resume_provisions(gone, history) == 1
    [failed] = failed_provisions(gone)
    assert failed.error == "program education is no longer configured" and service.calls == []
    [done] = retry_provisions(configured)
    assert done.state == ProvisionState.DONE and len(service.calls) == 1


def test_retry_takes_only_the_named_tickets_wherever_they_are_in_the_list(tmp_path: Path,
                                                                          store: SqliteBenefits) -> None:
    no = [WebhookRefused("provisioning service answered 422") for _ in range(3)]
    service = Service(*no, "SUB-B")
    ports = ports_for(settings(tmp_path, "webhook"), store, service)
    proposals = [qualify(1), qualify(2), qualify(3)]
    ready, _ = prepare_benefits(ports, proposals, {})
    finish_provisions(ports, ready, written(*proposals))
    assert [p.ticket_id for p in failed_provisions(ports)] == [1, 2, 3]
    [retried] = retry_provisions(ports, [2])  # neither the first nor the last failed one
    assert retried.ticket_id == 2 and retried.state == ProvisionState.DONE
    assert [p.ticket_id for p in failed_provisions(ports)] == [1, 3]


def test_a_retry_killed_midway_is_finished_by_the_next_run_not_left_failed(tmp_path: Path,
                                                                          store: SqliteBenefits) -> None:
    service = Service(WebhookRefused("provisioning service answered 422"))
    ports = ports_for(settings(tmp_path, "webhook"), store, service)
    proposal = qualify(4)
    ready, _ = prepare_benefits(ports, [proposal], {})
    finish_provisions(ports, ready, written(proposal))

    service.answers = [Killed()]
    with pytest.raises(Killed):
        retry_provisions(ports, [4])
    row = store.provision(key_of(proposal))
    assert row is not None and row.state == ProvisionState.WRITTEN  # taken back from "failed" before calling
    service.answers = ["SUB-4"]
    assert resume_provisions(ports, History()) == 1
    done = store.provision(key_of(proposal))
    assert done is not None and done.state == ProvisionState.DONE and done.subscription_id == "SUB-4"


def test_a_term_starts_today_unless_the_renewal_continues_one_and_seats_are_capped(tmp_path: Path,
                                                                                   store: SqliteBenefits) -> None:
    service = Service("SUB-N", "SUB-R")
    ports = ports_for(settings(tmp_path, "webhook", max_seats="1000", term_months="6"), store, service)
    new, renewal = qualify(1, start=None, seats=1500), qualify(2, renews="SUB-OLD", note="lapsed: SUB-OLD")
    ready, _ = prepare_benefits(ports, [new, renewal], {})
    finish_provisions(ports, ready, written(new, renewal))
    first, second = (payload for payload, _key in service.calls)
    assert first["term"] == {"start": "2026-11-20", "end": "2027-05-20", "months": 6} and first["seats"] == 1000
    assert second["term"]["start"] == "2026-12-01" and second["renews"] == "SUB-OLD"
    assert second["note"] == "lapsed: SUB-OLD"
    assert key_of(new) != key_of(renewal) and store.provision(key_of(renewal)) is not None
    notes = {m.ticket_id: m.note for m in list_members(ports)}
    assert notes == {1: None, 2: "lapsed: SUB-OLD"}


def test_no_intent_for_a_program_unknown_or_keeping_nothing(tmp_path: Path, store: SqliteBenefits) -> None:
    ports = ports_for(settings(tmp_path, "none", ledger="false"), store, Service())
    unknown, nothing = qualify(1, program="unknown"), qualify(2)
    ready, emptied = prepare_benefits(ports, [unknown, nothing], {})
    assert [p.ticket_id for p in ready] == [1, 2] and emptied == []
    assert store.unfinished_provisions() == []
    finish_provisions(ports, ready, written(unknown, nothing))
    assert list_members(ports) == []


def test_a_webhook_program_without_ledger_provisions_but_keeps_no_member(tmp_path: Path,
                                                                         store: SqliteBenefits) -> None:
    service, fields = Service("SUB-L"), list[tuple[int, dict[str, Any]]]()
    ports = ports_for(settings(tmp_path, "webhook", ledger="false"), store, service, fields)
    proposal = qualify(3)
    ready, _ = prepare_benefits(ports, [proposal], {})
    finish_provisions(ports, ready, written(proposal))
    done = store.provision(key_of(proposal))
    assert done is not None and done.state == ProvisionState.DONE and list_members(ports) == []
    assert fields == [(3, {"membership_ends_on": "2027-12-01", "current_subscription_id": "SUB-L"})]


def test_a_coupon_welcome_writes_no_ticket_fields(tmp_path: Path, store: SqliteBenefits) -> None:
    fields: list[tuple[int, dict[str, Any]]] = []
    ports = ports_for(settings(tmp_path, "coupon-pool"), store, Service(), fields)
    store.add_codes("education", ["EDU-9"])
    proposal = qualify(9)
    ready, _ = prepare_benefits(ports, [proposal], {})
    finish_provisions(ports, ready, written(proposal))
    row = store.provision(key_of(proposal))
    assert row is not None and row.state == ProvisionState.DONE and row.subscription_id == "EDU-9"
    assert fields == []  # the code travels in the welcome itself


def test_ticket_fields_that_cannot_be_written_are_retried_without_a_second_effect(tmp_path: Path,
                                                                                  store: SqliteBenefits) -> None:
    service = Service("SUB-F")
    failing: list[tuple[int, dict[str, Any]]] = []

    def set_fields(ticket: int, values: dict[str, Any]) -> None:
        failing.append((ticket, values))
        if len(failing) == 1:
            raise RuntimeError("Zendesk answered 503")

    ports = BenefitPorts(settings=settings(tmp_path, "webhook"), store=store, clock=lambda: NOW,
                         webhook=lambda program: service, set_fields=set_fields)
    proposal = qualify(5)
    ready, _ = prepare_benefits(ports, [proposal], {})
    finish_provisions(ports, ready, written(proposal))
    row = store.provision(key_of(proposal))
    assert row is not None and row.state == ProvisionState.WRITTEN and row.subscription_id == "SUB-F"
    assert row.error == "Zendesk answered 503" and len(list_members(ports)) == 1
    assert resume_provisions(ports, History()) == 1
    done = store.provision(key_of(proposal))
    assert done is not None and done.state == ProvisionState.DONE
    assert len(service.calls) == 1 and len(failing) == 2 and len(list_members(ports)) == 1


def test_an_intent_is_finished_only_when_the_journal_applied_its_qualify(tmp_path: Path,
                                                                         store: SqliteBenefits) -> None:
    service, history = Service(), History()
    ports = ports_for(settings(tmp_path, "webhook"), store, service)
    overridden, missing = qualify(1), qualify(2)
    prepare_benefits(ports, [overridden, missing], {1: 10, 2: 20})
    history.apply(10, overridden, outcome="reject")  # the same proposal, applied as another outcome
    assert resume_provisions(ports, history) == 0 and service.calls == []
    finish_provisions(ports, [overridden, missing], written(overridden))  # ticket 2: no result at all
    assert [p.ticket_id for p in store.unfinished_provisions() if p.state == ProvisionState.INTENT] == [2]


def test_a_qualify_without_member_facts_still_provisions_from_today(tmp_path: Path, store: SqliteBenefits) -> None:
    service = Service("SUB-G")
    ports = ports_for(settings(tmp_path, "webhook"), store, service)
    bare = qualify(6).model_copy(update={"grant": None})  # a plan made before benefits had member facts
    ready, _ = prepare_benefits(ports, [bare], {})
    finish_provisions(ports, ready, written(bare))
    [(payload, _key)] = service.calls
    assert payload["member"] == {"organisation": None, "requester": None, "email_domain": None}
    assert payload["seats"] is None and payload["renews"] is None and payload["term"]["start"] == "2026-11-20"
    row = store.provision(provision_key(6, "education", None))
    assert row is not None and row.state == ProvisionState.DONE


def test_one_unwritten_qualify_does_not_hold_back_the_others(tmp_path: Path, store: SqliteBenefits) -> None:
    service, history = Service("SUB-1", "SUB-2"), History()
    ports = ports_for(settings(tmp_path, "webhook"), store, service)
    conflicted, landed, later = qualify(1), qualify(2), qualify(3)
    ready, _ = prepare_benefits(ports, [conflicted, landed, later], {1: 10, 2: 20, 3: 30})
    finish_provisions(ports, ready, [*written(conflicted, status="conflict"), *written(landed)])
    assert {p.ticket_id for p in store.unfinished_provisions()} == {1, 3}
    history.apply(30, later)  # its write landed, the run died before provisioning
    assert resume_provisions(ports, history) == 1  # ticket 1 (first in line, never applied) does not stop it
    assert {p.ticket_id for p in store.unfinished_provisions()} == {1}


def test_resume_counts_every_provision_it_finishes(tmp_path: Path, store: SqliteBenefits) -> None:
    service, history = Service("SUB-1", "SUB-2", "SUB-3"), History()
    ports = ports_for(settings(tmp_path, "webhook"), store, service)
    proposals = [qualify(1), qualify(2), qualify(3)]
    prepare_benefits(ports, proposals, {1: 10, 2: 20, 3: 30})
    for pid, proposal in zip((10, 20, 30), proposals, strict=True):
        history.apply(pid, proposal)
    assert resume_provisions(ports, history) == 3 and len(service.calls) == 3


class Killed(BaseException):
    """The process dies while the provisioning service is being called."""


@pytest.mark.parametrize("where", ["after the write", "on resume"])
def test_a_provision_killed_while_calling_the_service_is_marked_written_first(tmp_path: Path, store: SqliteBenefits,
                                                                             where: str) -> None:
    service, history = Service(Killed()), History()
    ports = ports_for(settings(tmp_path, "webhook"), store, service)
    proposal = qualify(7)
    ready, _ = prepare_benefits(ports, [proposal], {7: 70})
    with pytest.raises(Killed):
        if where == "after the write":
            finish_provisions(ports, ready, written(proposal))
        else:
            history.apply(70, proposal)
            resume_provisions(ports, history)
    row = store.provision(key_of(proposal))
    assert row is not None and row.state == ProvisionState.WRITTEN  # the write is known to have landed
    service.answers = ["SUB-7"]
    assert resume_provisions(ports, History()) == 1  # finished without asking the journal again
    done = store.provision(key_of(proposal))
    assert done is not None and done.state == ProvisionState.DONE


def test_each_provision_calls_its_own_programs_service(tmp_path: Path, store: SqliteBenefits) -> None:
    asked: list[str] = []
    service = Service("SUB-P")

    def webhook(program: str) -> Service:
        asked.append(program)
        return service

    ports = BenefitPorts(settings=settings(tmp_path, "webhook"), store=store, clock=lambda: NOW, webhook=webhook,
                         set_fields=lambda ticket, values: None)
    proposal = qualify(11)
    ready, _ = prepare_benefits(ports, [proposal], {})
    finish_provisions(ports, ready, written(proposal))
    assert asked == ["education"] and len(service.calls) == 1
