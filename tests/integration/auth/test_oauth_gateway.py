"""OAuth on the sandbox through the real gateway: client credentials from nothing, expiry in the middle of
writes, and each refusal (revoked, wrong secret, read-only, clock skew) a clear error with nothing written."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from pydantic import SecretStr
from tests.integration.gateway.helpers import applicants, decision

from commops.config import load_settings
from commops.domain import Proposal
from commops.errors import AuthError, ClockSkewError, ScopeError, TokenExpiredError
from commops.sandbox import SandboxServer
from commops.sandbox.faults import FaultInjector, FaultSpec
from commops.zendesk import ZendeskGateway


class Clock:
    """The sandbox's clock: real time plus an offset a test moves."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


class ExpireAfter(FaultInjector):
    """After the n-th API request, move the sandbox's clock past the token lifetime (once)."""

    def __init__(self, clock: Clock, after: int, jump_s: float) -> None:
        super().__init__(FaultSpec())
        self.clock, self.after, self.jump_s, self.seen = clock, after, jump_s, 0

    def draw(self) -> str | None:
        self.seen += 1
        if self.seen == self.after:
            self.clock.offset += self.jump_s
        return None


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def sandbox(tmp_path: Path, clock: Clock) -> Iterator[SandboxServer]:
    with SandboxServer(tmp_path / "sandbox.sqlite3", limits=False, job_delay_s=0.2, clock=clock,
                       token_ttl_s=120) as server:
        server.store.reset()
        yield server


def oauth_gateway(url: str, monkeypatch: pytest.MonkeyPatch, **zendesk: Any) -> ZendeskGateway:
    """A gateway configured the way a cron job is: URL, client id and secret in the environment."""
    monkeypatch.setenv("COMMOPS_ZENDESK_URL", url)
    monkeypatch.setenv("COMMOPS_ZENDESK_CLIENT_ID", "commops-sandbox")
    monkeypatch.setenv("COMMOPS_ZENDESK_CLIENT_SECRET", zendesk.pop("secret", "sandbox-client-secret"))
    settings = load_settings()
    if zendesk:
        settings.zendesk = settings.zendesk.model_copy(update=zendesk)
    return ZendeskGateway(settings)


def proposals(gateway: ZendeskGateway) -> list[Proposal]:
    out = []
    for page in gateway.pull_queue():
        for app in page.applications:
            assert app.updated_stamp is not None
            out.append(Proposal(decision=decision(app.ticket_id), updated_stamp=app.updated_stamp))
    return out


def written(server: SandboxServer) -> dict[int, int]:
    """Over HTTP, as an auditor would: how many commops comments each ticket got."""
    session = requests.Session()
    session.auth = ("auditor@sandbox.invalid/token", "sandbox")
    counts: dict[int, int] = {}
    url: str | None = f"{server.url}/api/v2/tickets.json?per_page=100"
    while url:
        page = session.get(url, timeout=30).json()
        for ticket in page["tickets"]:
            comments = session.get(f"{server.url}/api/v2/tickets/{ticket['id']}/comments.json", timeout=30).json()
            counts[ticket["id"]] = sum(1 for c in comments["comments"] if c["author_id"] != ticket["requester_id"])
        url = page["next_page"]
    return counts


def test_client_credentials_from_nothing(sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> None:
    with oauth_gateway(sandbox.url, monkeypatch) as gw:
        assert gw.me()["email"] == "commops-bot@sandbox.invalid"
        status = gw.auth_status()
        counts = gw.request_counts()
    assert status["mode"] == "oauth-client" and status["scopes"] == ["read", "write"]
    assert 0 < status["expires_in_s"] <= 120
    assert counts["POST /oauth/tokens"] == 1
    assert ("POST", "/oauth/tokens", 200) in sandbox.request_log()


def test_a_token_expiring_mid_write_is_renewed_and_every_decision_lands_once(
    sandbox: SandboxServer, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox.store.load(applicants(250))
    # The token dies on Zendesk's side between the pull and the writes (after the 4th API request):
    # the client still thinks it fresh, sends a write, gets 401 "expired", renews and sends it again.
    sandbox.app.faults = ExpireAfter(clock, after=4, jump_s=121)
    with oauth_gateway(sandbox.url, monkeypatch) as gw:
        results = gw.write_decisions(proposals(gw))
        counts = gw.request_counts()
    assert {r.status for r in results} == {"applied"} and len(results) == 250
    assert counts["POST /oauth/tokens"] == 2
    assert any(status == 401 for _m, _p, status in sandbox.request_log())
    assert set(written(sandbox).values()) == {1}


def test_revoked_token_is_a_clear_error_and_nothing_is_written(
    sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox.store.load(applicants(3))
    with oauth_gateway(sandbox.url, monkeypatch) as gw:
        todo = proposals(gw)
        sandbox.oauth.revoke_all()  # an admin revoked the client's tokens
        with pytest.raises(TokenExpiredError) as caught:
            gw.write_decisions(todo)
    assert "revoked" in caught.value.message and caught.value.exit_code == 5
    assert set(written(sandbox).values()) == {0}


def test_wrong_secret_is_a_clear_error(sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> None:
    with oauth_gateway(sandbox.url, monkeypatch, secret="not-the-secret") as gw, pytest.raises(AuthError) as caught:
        gw.me()
    assert "refused the OAuth client" in caught.value.message and "invalid_client" in caught.value.message
    assert caught.value.exit_code == 5
    assert "not-the-secret" not in str(caught.value)


@pytest.mark.parametrize(("scope", "lacking"), [
    ("read", "'write'"),
    # tickets:read does not reach /ticket_audits, which the after-write window check reads: such a token
    # could send the jobs but never check them, so it must stop before anything is journaled or sent.
    ("tickets:read tickets:write users:read macros:read", "global scope 'read'"),
], ids=["read-only", "no-global-read"])
def test_a_token_short_of_a_scope_is_refused_before_the_first_write(
    sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch, scope: str, lacking: str
) -> None:
    sandbox.store.load(applicants(3))
    with oauth_gateway(sandbox.url, monkeypatch, scope=scope) as gw:
        todo = proposals(gw)
        with pytest.raises(ScopeError) as caught:
            gw.write_decisions(todo)
    assert lacking in caught.value.message and caught.value.exit_code == 5
    assert not [r for r in sandbox.request_log() if r[0] == "PUT"]
    assert set(written(sandbox).values()) == {0}


def test_the_sandbox_serves_ticket_audits_to_global_read_only(sandbox: SandboxServer) -> None:
    def token(scope: str) -> str:
        answer = requests.post(f"{sandbox.url}/oauth/tokens", json={
            "grant_type": "client_credentials", "client_id": "commops-sandbox",
            "client_secret": "sandbox-client-secret", "scope": scope}, timeout=10)
        return str(answer.json()["access_token"])

    url = f"{sandbox.url}/api/v2/ticket_audits.json"
    narrow = requests.get(url, headers={"Authorization": f"Bearer {token('tickets:read')}"}, timeout=10)
    assert narrow.status_code == 403
    wide = requests.get(url, headers={"Authorization": f"Bearer {token('read')}"}, timeout=10)
    assert wide.status_code == 200 and "audits" in wide.json()


def test_the_sandbox_enforces_scopes_in_zendesks_body(sandbox: SandboxServer) -> None:
    token = requests.post(f"{sandbox.url}/oauth/tokens", json={
        "grant_type": "client_credentials", "client_id": "commops-sandbox",
        "client_secret": "sandbox-client-secret", "scope": "read"}, timeout=10).json()["access_token"]
    answer = requests.put(f"{sandbox.url}/api/v2/tickets/update_many.json", json={"tickets": [{"id": 1}]},
                          headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert answer.status_code == 403
    assert answer.json() == {"error": "Forbidden",
                             "description": "You are missing the following required scopes: write"}


def test_clock_skew_is_a_clear_error(sandbox: SandboxServer, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> None:
    clock.offset = 3600.0  # Zendesk's clock an hour ahead of ours
    with oauth_gateway(sandbox.url, monkeypatch) as gw, pytest.raises(ClockSkewError) as caught:
        gw.me()
    assert "behind Zendesk's" in caught.value.message and caught.value.exit_code == 5
    assert not [r for r in sandbox.request_log() if r[1].startswith("/api/")]


def test_bearer_token_expiry_names_the_fix(sandbox: SandboxServer, clock: Clock,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    token = requests.post(f"{sandbox.url}/oauth/tokens", json={
        "grant_type": "client_credentials", "client_id": "commops-sandbox",
        "client_secret": "sandbox-client-secret"}, timeout=10).json()["access_token"]
    monkeypatch.setenv("COMMOPS_ZENDESK_URL", sandbox.url)
    monkeypatch.setenv("COMMOPS_ZENDESK_OAUTH_TOKEN", token)
    with ZendeskGateway(load_settings()) as gw:
        assert gw.auth_status()["scopes"] == ["read", "write"]
        clock.offset = 121
        with pytest.raises(TokenExpiredError) as caught:
            gw.me()
    assert "expired" in caught.value.message and "COMMOPS_ZENDESK_OAUTH_TOKEN" in (caught.value.hint or "")
    assert token not in str(caught.value)


def test_an_oauth_only_account_refuses_api_tokens(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with SandboxServer(tmp_path / "northwind.sqlite3", limits=False, api_tokens=False) as server:
        server.store.reset()
        answer = requests.get(f"{server.url}/api/v2/users/me.json", auth=("a@b.example/token", "sandbox"), timeout=10)
        assert answer.status_code == 401 and "OAuth" in answer.json()["description"]
        with oauth_gateway(server.url, monkeypatch) as gw:
            assert gw.me()["role"] == "admin"  # a client-credentials token acts as the client's owner, an admin


def test_secrets_never_reach_repr_or_settings_dump(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMMOPS_ZENDESK_URL", "https://acme.zendesk.com")
    monkeypatch.setenv("COMMOPS_ZENDESK_CLIENT_ID", "commops")
    monkeypatch.setenv("COMMOPS_ZENDESK_CLIENT_SECRET", "hush-hush")
    settings = load_settings()
    assert isinstance(settings.zendesk.client_secret, SecretStr)
    assert "hush-hush" not in repr(settings) and "hush-hush" not in settings.model_dump_json()
    with ZendeskGateway(settings) as gw:
        assert "hush-hush" not in repr(gw.auth) and gw.auth.mode == "oauth-client"


def test_doctor_names_the_missing_global_read(sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> None:
    from commops.zendesk import check_account

    with oauth_gateway(sandbox.url, monkeypatch, scope="tickets:read tickets:write users:read macros:read") as gw:
        checks = {c.name: c for c in check_account(gw, gw.settings, [])}
    assert not checks["auth"].ok and "cannot read ticket audits" in checks["auth"].detail
    assert checks["auth"].fix and "read write" in checks["auth"].fix
