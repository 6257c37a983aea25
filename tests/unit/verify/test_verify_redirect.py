"""[verify] forge_url: the redirecting transport, seen through a transport that records what it is sent."""

from __future__ import annotations

import httpx
import pytest
from pydantic import SecretStr

from commops.config import VerifySettings
from commops.verify._redirect import ForgeRedirectTransport, forge_transport

SANDBOX = "http://127.0.0.1:8765"


def recording() -> tuple[list[httpx.Request], httpx.MockTransport]:
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json={"ok": True})

    return sent, httpx.MockTransport(handler)


def client(settings: VerifySettings) -> tuple[list[httpx.Request], httpx.Client]:
    sent, inner = recording()
    return sent, httpx.Client(transport=ForgeRedirectTransport(SANDBOX, settings, inner))


def test_forge_apis_are_rewritten_onto_the_sandbox_and_tokens_stay_home() -> None:
    settings = VerifySettings(gitlab_urls=["https://gitlab.com", "https://git.example.org/gitlab"])
    sent, http = client(settings)
    http.get("https://api.github.com/orgs/acme/repos", params={"type": "all", "page": 2},
             headers={"Authorization": "Bearer ghp_secret"})
    http.get("https://gitlab.com/api/v4/groups/a%2Fb", headers={"PRIVATE-TOKEN": "glpat_secret"})
    http.get("https://git.example.org/gitlab/api/v4/projects/7?license=true")
    http.get(f"{SANDBOX}/_forges/github/orgs/acme/repos?page=3")  # the emulation's own links
    assert [str(r.url) for r in sent] == [
        f"{SANDBOX}/_forges/github/orgs/acme/repos?type=all&page=2",
        f"{SANDBOX}/_forges/gitlab/api/v4/groups/a%2Fb",
        f"{SANDBOX}/_forges/gitlab/api/v4/projects/7?license=true",
        f"{SANDBOX}/_forges/github/orgs/acme/repos?page=3",
    ]
    assert all("authorization" not in r.headers and "private-token" not in r.headers for r in sent)
    assert sent[0].headers["host"] == "127.0.0.1:8765"


def test_github_enterprise_base_path_is_replaced() -> None:
    sent, http = client(VerifySettings(github_api_url="https://ghe.example/api/v3"))
    http.get("https://ghe.example/api/v3/users/jane")
    assert str(sent[0].url) == f"{SANDBOX}/_forges/github/users/jane"


@pytest.mark.parametrize("url", ["https://example.com/x", "https://gitlab.gnome.org/api/v4/groups/a",
                                 "http://api.github.com/users/a", "https://git.example.org/other/api/v4/x"])
def test_anything_else_is_refused(url: str) -> None:
    sent, http = client(VerifySettings(gitlab_urls=["https://git.example.org/gitlab"]))
    with pytest.raises(httpx.ConnectError):
        http.get(url)
    assert sent == []


def test_only_set_when_configured() -> None:
    assert forge_transport(VerifySettings()) is None
    assert isinstance(forge_transport(VerifySettings(forge_url=SANDBOX, github_token=SecretStr("t"))),
                      ForgeRedirectTransport)
    with pytest.raises(ValueError):
        ForgeRedirectTransport("ftp://x", VerifySettings())
