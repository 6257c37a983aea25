"""Auth modes without a server: which mode is chosen, when tokens are renewed, where logins are kept."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import requests
from pydantic import SecretStr

from commops.config import ZendeskSettings
from commops.errors import ConfigError, ScopeError, TokenExpiredError
from commops.zendesk.auth import (
    ApiTokenAuth,
    ClientCredentialsAuth,
    LoginStore,
    TokenAnswer,
    TokenCache,
    TokenClient,
    resolve_mode,
)


def settings(**values: Any) -> ZendeskSettings:
    return ZendeskSettings(url="https://acme.zendesk.com", **values)


@pytest.mark.parametrize(("values", "mode"), [
    ({"client_id": "c", "client_secret": SecretStr("s")}, "oauth-client"),
    ({"client_id": "c"}, "oauth-login"),
    ({"oauth_token": SecretStr("t")}, "bearer"),
    ({"email": "a@b.example", "token": SecretStr("t")}, "api-token"),
    ({"client_id": "c", "client_secret": SecretStr("s"), "auth": "oauth-login"}, "oauth-login"),
    ({"client_id": "c", "client_secret": SecretStr("s"), "email": "a@b.example", "token": SecretStr("t")},
     "oauth-client"),
])
def test_the_mode_follows_the_credentials_present(values: dict[str, Any], mode: str) -> None:
    assert resolve_mode(settings(**values)) == mode


def test_no_credentials_or_an_unknown_mode_is_a_configuration_error() -> None:
    with pytest.raises(ConfigError) as caught:
        resolve_mode(settings())
    assert "COMMOPS_ZENDESK_CLIENT_ID" in caught.value.message and caught.value.exit_code == ConfigError.exit_code
    with pytest.raises(ConfigError, match="oauth-client, oauth-login, api-token, bearer"):
        resolve_mode(settings(auth="password"))


class FakeClient(TokenClient):
    """A token endpoint that hands out numbered tokens of a fixed lifetime on a fake clock."""

    def __init__(self, now: list[float], lifetime: float = 100.0, scopes: str = "read write") -> None:
        self.now, self.lifetime, self.scopes, self.issued = now, lifetime, scopes, 0

    def post(self, body: dict[str, Any], *, what: str) -> TokenAnswer:
        self.issued += 1
        return TokenAnswer(access=SecretStr(f"token-{self.issued}"), scopes=frozenset(self.scopes.split()),
                           expires_at=self.now[0] + self.lifetime, lifetime_s=self.lifetime)

    def close(self) -> None:
        return None


def client_auth(now: list[float], **kw: Any) -> tuple[ClientCredentialsAuth, FakeClient]:
    fake = FakeClient(now, **kw)
    hook = ClientCredentialsAuth(settings(client_id="c", client_secret=SecretStr("s")), fake)
    hook._clock = lambda: now[0]
    return hook, fake


def test_a_token_is_renewed_a_fifth_of_its_life_before_it_expires() -> None:
    now = [0.0]
    hook, fake = client_auth(now)
    assert hook.token().get_secret_value() == "token-1"
    now[0] = 79.0
    assert hook.token().get_secret_value() == "token-1"
    now[0] = 80.0
    assert hook.token().get_secret_value() == "token-2" and fake.issued == 2


def response(status: int, body: dict[str, Any], header: str = "") -> requests.Response:
    answer = requests.Response()
    answer.status_code = status
    answer._content = __import__("json").dumps(body).encode()
    if header:
        answer.headers["WWW-Authenticate"] = header
    return answer


def test_an_expired_401_renews_once_and_a_revoked_one_stops() -> None:
    now = [0.0]
    hook, fake = client_auth(now)
    sent = hook.header()
    expired = response(401, {"error": "invalid_token", "error_description": "The access token expired"})
    assert hook.renew_after(expired, sent) is True and fake.issued == 2
    assert hook.renew_after(expired, sent) is True and fake.issued == 2  # already renewed by another thread
    revoked = response(401, {"error": "invalid_token", "error_description": "The access token was revoked"})
    with pytest.raises(TokenExpiredError, match="was revoked"):
        hook.renew_after(revoked, hook.header())
    assert hook.renew_after(response(401, {"error": "Couldn't authenticate you"}), sent) is False


def test_a_read_only_token_cannot_write() -> None:
    hook, _fake = client_auth([0.0], scopes="read")
    hook.require("read")
    with pytest.raises(ScopeError, match="'write'"):
        hook.require("write")
    resource, _ = client_auth([0.0], scopes="tickets:read tickets:write")
    resource.require("write", "tickets")
    with pytest.raises(ScopeError, match="global scope 'read'"):
        resource.require_audits()
    hook.require_audits()
    wide, _ = client_auth([0.0], scopes="read tickets:write")
    wide.require("write", "tickets")
    wide.require_audits()


def test_an_api_token_warns_once_per_run_with_the_end_date(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ApiTokenAuth, "_warned", set())
    said: list[str] = []
    ApiTokenAuth("a@b.example", SecretStr("t"), said.append)
    ApiTokenAuth("a@b.example", SecretStr("t"), said.append)
    assert len(said) == 1 and "2027-04-30" in said[0]


def test_the_login_file_is_private_and_replaced_in_one_step(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = LoginStore(tmp_path, "k", use_keyring=False)
    store.put(SecretStr("first"))
    assert oct(store.file.stat().st_mode & 0o777) == "0o600"
    def crash(src: str, dst: str) -> None:
        raise KeyboardInterrupt  # killed between writing the new file and renaming it

    with monkeypatch.context() as patched:
        patched.setattr(os, "replace", crash)
        with pytest.raises(KeyboardInterrupt):
            store.put(SecretStr("second"))
    assert store.get() == SecretStr("first")
    assert [p.name for p in store.file.parent.iterdir() if p.name.startswith(".")] == []
    store.put(SecretStr("second"))
    assert store.get() == SecretStr("second")
    store.delete()
    assert store.get() is None


def test_no_keyring_backend_falls_back_to_the_file(tmp_path: Path) -> None:
    store = LoginStore(tmp_path, "k")  # the suite sets COMMOPS_NO_KEYRING
    said: list[str] = []
    store._warn = said.append
    store.warn_if_file()
    assert store.where == str(store.file) and "no OS keyring" in said[0]


def test_secrets_stay_out_of_repr() -> None:
    hook, _ = client_auth([0.0])
    hook.token()
    assert repr(hook) == "<ClientCredentialsAuth mode=oauth-client>"


def test_the_token_cache_is_private_and_forgets_expired_tokens(tmp_path: Path) -> None:
    cache = TokenCache(tmp_path / "auth" / "token-x.json")
    now = [1000.0]
    answer = TokenAnswer(access=SecretStr("cached"), scopes=frozenset({"read", "write"}), expires_at=1060.0,
                         lifetime_s=60.0)
    cache.save(answer, clock=lambda: now[0])
    assert oct(cache.path.stat().st_mode & 0o777) == "0o600"
    loaded = cache.load(clock=lambda: now[0])
    assert loaded is not None and loaded.access == SecretStr("cached") and loaded.scopes == answer.scopes
    assert loaded.expires_at is not None and 1055.0 < loaded.expires_at <= 1060.0
    expired = TokenAnswer(access=SecretStr("old"), scopes=frozenset(), expires_at=now[0] - 1, lifetime_s=60.0)
    cache.save(expired, clock=lambda: now[0])
    assert cache.load(clock=lambda: now[0]) is None
