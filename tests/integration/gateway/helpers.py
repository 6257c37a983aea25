"""Exact tickets for the sandbox, proposals for them, and a gateway pointed at a running sandbox."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import SecretStr

from commops.bootstrap import sandbox_settings
from commops.config import Settings, load_settings
from commops.domain import Decision, MacroRef, Outcome, Proposal, Reason
from commops.sandbox import SandboxServer
from commops.sandbox.faults import FaultInjector, FaultSpec
from commops.zendesk import ZendeskGateway, ZendeskSession

# Run a module's tests against both sandboxes: update_many honouring safe_update, and ignoring it (Zendesk
# does not promise it there). ``pytestmark = both_modes`` at the top of a module.
both_modes = pytest.mark.parametrize("sandbox_mode", ["optimistic", "pessimistic"], indirect=True)

FIRST_ID = 5000
REQUESTER = 880001


def applicants(
    count: int, *, first_id: int = FIRST_ID, status: str = "open", funding: object = "1500.5"
) -> dict[str, Any]:
    """``count`` Education applications from one requester, ids from ``first_id``."""
    tickets = [
        {
            "id": first_id + i,
            "subject": f"Education application {i}",
            "description": "We would like licenses for our course.",
            "requester_id": REQUESTER,
            "ticket_form_id": 3600301,
            "status": status,
            "created_at": "2026-01-05T09:00:00Z",
            "custom_fields": [
                {"id": 3600202, "value": "app_new"},
                {"id": 3600205, "value": 20},
                {"id": 3600210, "value": "role_faculty"},
                {"id": 3600211, "value": f"University {i}"},
                {"id": 3600232, "value": funding},
            ],
        }
        for i in range(count)
    ]
    users = [{"id": REQUESTER, "name": "Grace Hopper", "email": "grace@cs.stanford.edu"}]
    return {"users": users, "tickets": tickets}


def decision(ticket_id: int, outcome: Outcome = Outcome.QUALIFY, *titles: str) -> Decision:
    titles = titles or ({
        Outcome.QUALIFY: ("EDU::Qualified - welcome",),
        Outcome.ASK: ("EDU::Ask - institutional email", "EDU::Ask - non-profit proof"),
        Outcome.REJECT: ("EDU::Reject - students",),
        Outcome.ESCALATE: ("Common::Escalate - trade compliance review",),
    }.get(outcome, ()))
    reasons = [
        Reason(rule=f"edu.rule{i}", message=f"reason {i}", outcome=outcome, macro=MacroRef(title=t))
        for i, t in enumerate(titles)
    ] or [Reason(rule="edu.manual", message="needs a person", outcome=outcome)]
    return Decision(ticket_id=ticket_id, program="education", outcome=outcome, reasons=reasons, ruleset_version="t1")


def proposals_for(gateway: ZendeskGateway, outcome: Outcome = Outcome.QUALIFY) -> list[Proposal]:
    """Pull the queue and propose ``outcome`` for every application in it."""
    out = []
    for page in gateway.pull_queue():
        for app in page.applications:
            assert app.updated_stamp is not None
            out.append(Proposal(decision=decision(app.ticket_id, outcome), updated_stamp=app.updated_stamp))
    return out


def gateway_for(
    url: str,
    monkeypatch: pytest.MonkeyPatch,
    *,
    token: str | None = None,
    session: ZendeskSession | None = None,
    **zendesk: Any,
) -> ZendeskGateway:
    """A gateway on the sandbox at ``url`` with its OAuth client; ``token``: the legacy API token instead."""
    # The gateway's factory sets these; registering them here lets the test undo it.
    monkeypatch.setenv("ZENPY_FORCE_SCHEME", "http")
    monkeypatch.setenv("ZENPY_FORCE_NETLOC", url.removeprefix("http://"))
    settings: Settings = sandbox_settings(load_settings(), url)
    legacy = {"auth": "api-token", "token": SecretStr(token)} if token is not None else {}
    settings.zendesk = settings.zendesk.model_copy(update={**legacy, **zendesk})
    return ZendeskGateway(settings, session=session)


class ScriptedFaults(FaultInjector):
    """Faults by request order from now on (``{2: "slow"}``: the second request is slow), none otherwise."""

    def __init__(self, script: dict[int, str], *, jobfail: bool = False) -> None:
        super().__init__(FaultSpec())
        self.script = script
        self.drawn = 0
        self.jobfail = jobfail

    def draw(self) -> str | None:
        self.drawn += 1
        return self.script.get(self.drawn)

    def job_fails(self) -> bool:
        return self.jobfail


def commops_comments(server: SandboxServer, ticket_id: int) -> list[dict[str, Any]]:
    """The comments a commops write left (the loaded ticket's own description comment excluded)."""
    return [c for c in server.store.comments(ticket_id)[1:]]
