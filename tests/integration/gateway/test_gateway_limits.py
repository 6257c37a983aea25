"""Rate limits, credentials, rendering parity with the apply endpoint, and the request budget."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.integration.gateway.helpers import (
    FIRST_ID,
    ScriptedFaults,
    applicants,
    both_modes,
    decision,
    gateway_for,
    proposals_for,
)

from commops.domain import Outcome, Proposal
from commops.errors import AuthError, RateBudgetError, UnreachableError
from commops.sandbox import SandboxServer
from commops.sandbox.faults import FaultInjector, parse_faults
from commops.zendesk import ZendeskSession
from commops.zendesk._compose import compose_update


class RecordingSleep:
    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@both_modes
def test_429_storm_finishes_within_the_budget(sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> None:
    sandbox.store.load(applicants(120))
    sandbox.app.faults = FaultInjector(parse_faults("429=0.4"), seed=3)
    sleep = RecordingSleep()
    session = ZendeskSession(rate_budget_s=60.0, sleep=sleep)
    with gateway_for(sandbox.url, monkeypatch, session=session) as gw:
        results = gw.write_decisions(proposals_for(gw))
    assert [r.status for r in results] == ["applied"] * 120
    rate_waits = [w for w in sleep.waits if w == 1.0]  # the sandbox's Retry-After
    assert rate_waits and session.rate_waited_s == pytest.approx(sum(rate_waits))
    assert session.rate_waited_s <= 60.0
    assert sum(s == 429 for _, _, s in sandbox.request_log()) == len(rate_waits)


def test_429_storm_beyond_the_budget_stops_with_the_budget_error(
    sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox.store.load(applicants(3))
    sandbox.app.faults = FaultInjector(parse_faults("429=1"), seed=0)
    session = ZendeskSession(rate_budget_s=3.0, sleep=RecordingSleep())
    with gateway_for(sandbox.url, monkeypatch, session=session) as gw, pytest.raises(RateBudgetError) as caught:
        list(gw.pull_queue())
    assert "rate-limit budget" in str(caught.value) and caught.value.exit_code == 9
    assert session.rate_waited_s == 3.0


def test_real_rate_limit_is_waited_out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Limits on, a team plan, a moved clock: Retry-After from the limiter is honoured."""
    now = [1_000_000.0]
    with SandboxServer(tmp_path / "limits.sqlite3", plan="team", clock=lambda: now[0]) as server:
        server.store.reset()
        server.store.load(applicants(2))

        def sleep(seconds: float) -> None:
            now[0] += seconds

        session = ZendeskSession(rate_budget_s=120.0, sleep=sleep)
        # The sandbox runs on a made-up clock, far from this machine's.
        with gateway_for(server.url, monkeypatch, session=session, max_clock_skew_s=float("inf")) as gw:
            for _ in range(210):  # team plan: 200 requests a minute
                gw.current_stamps([FIRST_ID])
    assert 0 < session.rate_waited_s <= 120.0
    log = server.request_log()
    assert len(log) >= 210 and all(status in (200, 429) for _, _, status in log)


def test_wrong_token_is_a_clear_auth_error(sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> None:
    with gateway_for(sandbox.url, monkeypatch, token="wrong") as gw, pytest.raises(AuthError) as caught:
        list(gw.pull_queue())
    message = str(caught.value)
    assert "refused the credentials (401)" in message and "COMMOPS_ZENDESK_TOKEN" in message
    assert "wrong" not in message  # the secret is never shown
    proposal = Proposal(decision=decision(FIRST_ID), updated_stamp="2026-01-05T09:00:00Z")
    with gateway_for(sandbox.url, monkeypatch, token="wrong") as gw, pytest.raises(AuthError):
        gw.write_decisions([proposal, proposal.model_copy(update={"decision": decision(FIRST_ID + 1)})])


def test_nothing_listening_is_unreachable(monkeypatch: pytest.MonkeyPatch) -> None:
    with gateway_for("http://127.0.0.1:9", monkeypatch, timeout_s=1.0) as gw, pytest.raises(UnreachableError):
        gw.me()


def test_local_rendering_matches_the_apply_endpoint_for_every_macro(
    sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox.store.load(applicants(1))
    with gateway_for(sandbox.url, monkeypatch) as gw:
        tickets, users = gw._fetch([FIRST_ID])
        ticket = tickets[FIRST_ID]
        # Decision macros only (they set the decision field); the renewal reminder is no decision.
        macros = [m for m in gw.macro_records()
                  if any(a["field"] == "comment_value" for a in m["actions"])
                  and any(a["field"] == "custom_fields_3600290" for a in m["actions"])]
        assert len(macros) >= 20
        reference = gw._render_reference(macros)
        for macro in macros:
            outcome = Outcome(next(a["value"] for a in macro["actions"] if a["field"] == "custom_fields_3600290")
                              .removeprefix("commops_"))
            d = decision(FIRST_ID, outcome, macro["title"])

            def no_fallback(ticket_id: int, macro_id: int) -> dict[str, object]:
                raise AssertionError(f"macro {macro_id} needed the apply endpoint")

            ours = compose_update(
                d, ticket["updated_at"], context=gw._render_context(ticket, users, reference),
                macros={macro["title"]: macro}, settings=gw.settings, apply_fallback=no_fallback,
            ).body["comment"]
            theirs = gw.preview_macro(FIRST_ID, macro["id"])["ticket"]["comment"]
            assert ours["public"] == theirs["public"], macro["title"]
            if theirs["public"]:
                assert ours["body"] == theirs["body"], macro["title"]
            else:  # an internal note carries the explanation after the macro's text
                assert ours["body"].startswith(theirs["body"] + "\n\ncommops: "), macro["title"]


@both_modes
def test_requests_per_1000_applications_pulled_and_written(
    sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox.store.load(applicants(1000, funding=1500.5))  # numbers as numbers: no ticket_fields needed
    with gateway_for(sandbox.url, monkeypatch) as gw:
        proposals = proposals_for(gw)
        results = gw.write_decisions(proposals)
        counts = gw.request_counts()
        also = len(gw.settings.queue.also)  # the applications on no program form: one query more
    assert len(results) == 1000 and {r.status for r in results} == {"applied"}
    assert counts["GET /search/export"] == 1 + also
    assert counts["GET /tickets/show_many"] == 10
    assert counts["PUT /tickets/update_many"] == 10
    assert counts["GET /job_statuses/show_many"] <= 2
    assert counts["GET /job_statuses"] == 1  # the account's running jobs, once, before the first job
    assert counts["GET /ticket_audits"] <= 11  # the window check: the account's audits since the re-check
    assert "GET /ticket_fields" not in counts
    print(f"\nrequests for 1,000 applications pulled and written: {sum(counts.values())} {counts}")
    assert counts["GET /ticket_forms"] == 1  # the queue's form ids as the forms' current names, once per run
    assert counts["POST /oauth/tokens"] == 1  # the run's one OAuth token, counted like any request
    assert sum(counts.values()) <= 39 + also, counts


def test_reads_retry_5xx_with_backoff(sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> None:
    sandbox.store.load(applicants(2))
    sandbox.app.faults = ScriptedFaults({1: "503", 2: "500"})
    sleep = RecordingSleep()
    session = ZendeskSession(rate_budget_s=10.0, sleep=sleep)
    with gateway_for(sandbox.url, monkeypatch, session=session) as gw:
        pages = list(gw.pull_queue())
        counts = gw.request_counts()
        also = len(gw.settings.queue.also)
    assert [a.ticket_id for a in pages[0].applications] == [FIRST_ID, FIRST_ID + 1]
    # the first read (the queue's forms, before the export) is answered 503, then 500, then served
    assert counts["GET /ticket_forms"] == 3 and counts["GET /search/export"] == 1 + also
    assert sleep.waits[0] == 1.0 and 0 <= sleep.waits[1] <= 1.0  # Retry-After of the 503, then jitter
    assert session.rate_waited_s == 0  # 5xx waits are not rate-limit waits
