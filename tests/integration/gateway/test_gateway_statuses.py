"""[statuses]: an outcome's custom status, resolved against the account before any write, and checked by doctor."""

from __future__ import annotations

import pytest
from tests.integration.gateway.helpers import FIRST_ID, applicants, decision, gateway_for

from commops.domain import Outcome, Proposal
from commops.errors import ConfigError
from commops.sandbox import SandboxServer
from commops.zendesk import check_account

AWAITING = 7200


def _statuses(sandbox: SandboxServer) -> None:
    statuses = sandbox.store.resource("custom_statuses")
    statuses.append({"id": AWAITING, "status_category": "pending", "agent_label": "Awaiting applicant",
                     "end_user_label": "Awaiting your reply", "description": "", "active": True, "default": False})
    sandbox.store.put_resource("custom_statuses", statuses)


def test_the_outcomes_custom_status_is_set_and_wins_over_the_macros_status(
    sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    _statuses(sandbox)
    sandbox.store.load(applicants(2))
    with gateway_for(sandbox.url, monkeypatch) as gw:
        gw.settings = gw.settings.model_copy(update={"statuses": {"ask": "awaiting APPLICANT", "qualify": 1004}})
        tickets = gw._fetch([FIRST_ID, FIRST_ID + 1])[0]
        results = gw.write_decisions([
            Proposal(decision=decision(FIRST_ID, Outcome.ASK), updated_stamp=tickets[FIRST_ID]["updated_at"]),
            Proposal(decision=decision(FIRST_ID + 1), updated_stamp=tickets[FIRST_ID + 1]["updated_at"]),
        ])
        checks = {c.name: c for c in check_account(gw, gw.settings)}
    assert [r.status for r in results] == ["applied", "applied"]
    asked, qualified = sandbox.store.ticket(FIRST_ID), sandbox.store.ticket(FIRST_ID + 1)
    assert asked["status"] == "pending" and asked["custom_status_id"] == AWAITING
    assert qualified["status"] == "solved" and qualified["custom_status_id"] == 1004
    assert checks["status for ask"].ok and "'Awaiting applicant' (7200)" in checks["status for ask"].detail


def test_a_status_the_account_lacks_stops_the_run_before_any_write(
    sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox.store.load(applicants(1))
    with gateway_for(sandbox.url, monkeypatch) as gw:
        gw.settings = gw.settings.model_copy(update={"statuses": {"ask": "Awaiting applicant"}})
        stamp = gw._fetch([FIRST_ID])[0][FIRST_ID]["updated_at"]
        doctor = {c.name: c for c in check_account(gw, gw.settings)}
        with pytest.raises(ConfigError, match=r"statuses\.ask = 'Awaiting applicant' is no active custom status"):
            gw.write_decisions([Proposal(decision=decision(FIRST_ID, Outcome.ASK), updated_stamp=stamp)])
    assert not doctor["statuses"].ok and "'Pending' (1002)" in doctor["statuses"].detail
    assert sandbox.store.ticket(FIRST_ID)["updated_at"] == stamp
