"""Triage asks the ledger about renewals (programs.md "Benefits and renewals"), in process over the real
SQLite store: a renewal whose subscription the ledger does not hold goes to a person, even where the rules
alone would qualify it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from tests.unit.triage.fakes import FakeGateway, application
from tests.unit.triage.memory_journal import MemoryJournal
from tests.unit.triage.test_triage_services import make_ports

from commops.benefits import SqliteBenefits
from commops.config import load_settings
from commops.domain import Outcome
from commops.domain.member import Member
from commops.services.benefits import BenefitPorts
from commops.services.triage import TriageOptions, evaluate_queue

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteBenefits]:
    with SqliteBenefits.open(tmp_path / "benefits.sqlite3") as opened:
        yield opened


def benefit_ports(store: SqliteBenefits) -> BenefitPorts:
    def no_service(program: str) -> Any:
        raise AssertionError("triage's evaluation provisions nothing")

    def no_fields(ticket: int, values: dict[str, Any]) -> None:
        raise AssertionError("triage's evaluation writes no field")

    return BenefitPorts(settings=load_settings(), store=store, clock=lambda: NOW, webhook=no_service,
                        set_fields=no_fields)


def test_a_renewal_the_ledger_does_not_know_goes_to_a_person(commops_home: Path, store: SqliteBenefits) -> None:
    store.add_member(Member(program="education", subscription_id="SUB-1", requester="a@uni.edu",
                            term_start=date(2026, 1, 1), term_end=date(2026, 12, 31)))
    renewal = application(1, current_subscription_id="SUB-404").model_copy(update={"application_type": "renewal"})
    gateway = FakeGateway([renewal])
    without_ledger = evaluate_queue(make_ports(gateway, MemoryJournal()), TriageOptions())
    assert [p.decision.outcome for p in without_ledger.proposals] == [Outcome.QUALIFY]  # the rules alone
    ports = make_ports(gateway, MemoryJournal())
    ports.benefits = benefit_ports(store)
    [proposal] = evaluate_queue(ports, TriageOptions()).proposals
    assert proposal.decision.outcome is Outcome.MANUAL
    assert "SUB-404 is not in the membership ledger" in proposal.decision.reasons[0].message
    assert proposal.grant is None  # a manual decision grants nothing
