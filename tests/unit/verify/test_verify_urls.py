"""Which forge and namespace an applicant's URL names."""

from __future__ import annotations

import pytest

from commops.config import VerifySettings
from commops.verify import ForgeTarget, parse_namespace_url

CONF = VerifySettings(gitlab_urls=["https://gitlab.com", "https://code.example.org/git"])


@pytest.mark.parametrize(
    ("url", "forge", "api", "parts"),
    [
        ("https://github.com/acme", "github", "https://api.github.com", ["acme"]),
        ("http://www.github.com/Acme/", "github", "https://api.github.com", ["Acme"]),
        ("github.com/acme/tool.git", "github", "https://api.github.com", ["acme", "tool"]),
        ("https://github.com/acme/tool/tree/main/docs", "github", "https://api.github.com", ["acme", "tool"]),
        ("https://github.com/orgs/acme/repositories", "github", "https://api.github.com", ["acme"]),
        ("https://gitlab.com/acme/platform/sub", "gitlab", "https://gitlab.com/api/v4", ["acme", "platform", "sub"]),
        ("https://gitlab.com/groups/acme/-/shared", "gitlab", "https://gitlab.com/api/v4", ["acme"]),
        ("https://gitlab.com/acme/app/-/tree/main", "gitlab", "https://gitlab.com/api/v4", ["acme", "app"]),
        ("https://code.example.org/git/team/app.git", "gitlab", "https://code.example.org/git/api/v4", ["team", "app"]),
    ],
)
def test_supported_urls(url: str, forge: str, api: str, parts: list[str]) -> None:
    target = parse_namespace_url(url, CONF)
    assert isinstance(target, ForgeTarget)
    assert (target.forge, target.api, target.parts) == (forge, api, parts)


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("https://bitbucket.org/acme", "not a supported forge"),
        ("https://code.example.org/other/team", "not a supported forge"),
        ("ftp://github.com/acme", "not an http(s) URL"),
        ("", "not an http(s) URL"),
        ("http://[abc", "not an http(s) URL"),
        ("https://github.com/", "names no GitHub"),
        ("https://gitlab.com/-/explore", "names no GitLab"),
    ],
)
def test_unsupported_urls_say_why(url: str, why: str) -> None:
    reason = parse_namespace_url(url, CONF)
    assert isinstance(reason, str) and why in reason


def test_cache_key_is_the_normalised_namespace() -> None:
    a = parse_namespace_url("https://GitHub.com/Acme/", CONF)
    b = parse_namespace_url("github.com/acme", CONF)
    assert isinstance(a, ForgeTarget) and isinstance(b, ForgeTarget)
    assert a.key == b.key == "github:https://api.github.com/acme"


def test_github_enterprise_host_follows_the_api_url() -> None:
    conf = VerifySettings(github_api_url="https://ghe.example.com/api/v3")
    target = parse_namespace_url("https://ghe.example.com/team", conf)
    assert isinstance(target, ForgeTarget) and target.api == "https://ghe.example.com/api/v3"
    assert isinstance(parse_namespace_url("https://github.com/team", conf), str)
