"""GitLab (gitlab.com and self-managed) namespace lookups, the API answered by respx in GitLab's shapes."""

from __future__ import annotations

import httpx
import respx
from pydantic import SecretStr
from tests.integration.verify.verify_forge_data import (
    GL,
    NOW,
    gl_group,
    gl_page_headers,
    gl_project,
    gl_user,
    router,
    settings,
    transport,
)

from commops.config import VerifySettings
from commops.domain import VerificationStatus
from commops.verify import NamespaceVerifier

NOT_FOUND = {"message": "404 Group Not Found"}


def make(
    mock: respx.MockRouter, conf: VerifySettings | None = None, sleeps: list[float] | None = None
) -> NamespaceVerifier:
    return NamespaceVerifier(
        conf or settings(),
        cache=None,
        transport=transport(mock),
        clock=lambda: NOW,
        sleep=sleeps.append if sleeps is not None else (lambda s: None),
    )


def licence_routes(mock: respx.MockRouter, api: str, projects: dict[int, tuple[str, str | None]]) -> None:
    for pid, (path, key) in projects.items():
        mock.get(f"{api}/projects/{pid}", params={"license": "true"}).respond(
            200, json=gl_project(path, pid, licence_key=key, with_licence=True)
        )


def test_group_with_subgroups_paginated_with_licences_is_verified() -> None:
    mock = router()
    mock.get(f"{GL}/groups/acme%2Fplatform").respond(200, json=gl_group("acme/platform", 42))
    listing = mock.get(f"{GL}/groups/42/projects")
    listing.side_effect = [
        httpx.Response(
            200,
            json=[gl_project("acme/platform/api", 1), gl_project("acme/platform/sub/cli", 2)],
            headers=gl_page_headers(1, 2),
        ),
        httpx.Response(200, json=[gl_project("acme/platform/sub/deep/web", 3)], headers=gl_page_headers(2, 2)),
    ]
    licence_routes(
        mock,
        GL,
        {
            1: ("acme/platform/api", "mit"),
            2: ("acme/platform/sub/cli", "apache-2.0"),
            3: ("acme/platform/sub/deep/web", "gpl-3.0"),
        },
    )
    verifier = make(mock)
    result = verifier.verify_namespace("https://gitlab.com/groups/acme/platform/-/shared")
    assert result.status is VerificationStatus.VERIFIED, result.reason
    assert result.facts["kind"] == "group"
    assert result.facts["public_projects"] == 3
    assert result.facts["private_projects"] == 0
    assert [d["license"] for d in result.facts["project_details"]] == ["mit", "apache-2.0", "gpl-3.0"]
    first, second = listing.calls[0].request, listing.calls[1].request
    assert first.url.params["include_subgroups"] == "true" and first.url.params["per_page"] == "100"
    assert second.url.params["page"] == "2"
    assert result.source_url == f"{GL}/groups/acme%2Fplatform"
    assert verifier.request_count() == 1 + 2 + 3


def test_group_project_without_licence_fails() -> None:
    mock = router()
    mock.get(f"{GL}/groups/acme").respond(200, json=gl_group("acme", 42))
    mock.get(f"{GL}/groups/42/projects").respond(
        200,
        json=[gl_project("acme/api", 1), gl_project("acme/docs", 2), gl_project("acme/fork", 3, fork=True)],
        headers=gl_page_headers(1, 1),
    )
    licence_routes(mock, GL, {1: ("acme/api", "mit"), 2: ("acme/docs", None)})
    verifier = make(mock)
    result = verifier.verify_namespace("https://gitlab.com/acme")
    assert result.status is VerificationStatus.FAILED
    assert result.facts["non_osi_projects"] == ["acme/docs"]
    assert result.facts["ignored_projects"] == ["acme/fork"]
    assert verifier.request_count() == 4  # the fork's licence is not asked for


def test_private_and_internal_projects_seen_with_a_token() -> None:
    mock = router()
    mock.get(f"{GL}/groups/acme").respond(200, json=gl_group("acme", 42))
    mock.get(f"{GL}/groups/42/projects").respond(
        200,
        json=[
            gl_project("acme/api", 1),
            gl_project("acme/secret", 2, visibility="private"),
            gl_project("acme/inner", 3, visibility="internal"),
        ],
    )
    licence_routes(mock, GL, {1: ("acme/api", "mit"), 2: ("acme/secret", None), 3: ("acme/inner", None)})
    conf = VerifySettings(gitlab_token=SecretStr("glpat-secret"))
    result = make(mock, conf).verify_namespace("https://gitlab.com/acme")
    assert mock.calls[0].request.headers["private-token"] == "glpat-secret"
    assert result.status is VerificationStatus.FAILED
    assert result.facts["private_projects"] == 2
    assert result.facts["non_osi_projects"] == []  # a private project's licence is not judged
    assert "glpat-secret" not in result.model_dump_json()


def test_user_namespace() -> None:
    mock = router()
    mock.get(f"{GL}/groups/jane").respond(404, json=NOT_FOUND)
    mock.get(f"{GL}/users", params={"username": "jane"}).respond(200, json=[gl_user("jane", 77)])
    mock.get(f"{GL}/users/77/projects").respond(200, json=[gl_project("jane/dots", 5)])
    licence_routes(mock, GL, {5: ("jane/dots", "bsd-3-clause")})
    result = make(mock).verify_namespace("gitlab.com/jane")
    assert result.status is VerificationStatus.VERIFIED
    assert result.facts["kind"] == "user"


def test_missing_user_or_group_is_a_failed_claim() -> None:
    mock = router()
    mock.get(f"{GL}/groups/nobody").respond(404, json=NOT_FOUND)
    mock.get(f"{GL}/users", params={"username": "nobody"}).respond(200, json=[])
    result = make(mock).verify_namespace("https://gitlab.com/nobody")
    assert result.status is VerificationStatus.FAILED
    assert result.facts["exists"] is False


def test_single_project_url() -> None:
    mock = router()
    mock.get(f"{GL}/groups/acme%2Ftools%2Fcli").respond(404, json=NOT_FOUND)
    mock.get(f"{GL}/projects/acme%2Ftools%2Fcli", params={"license": "true"}).respond(
        200, json=gl_project("acme/tools/cli", 9, licence_key="mpl-2.0", with_licence=True)
    )
    result = make(mock).verify_namespace("https://gitlab.com/acme/tools/cli/-/tree/main")
    assert result.status is VerificationStatus.VERIFIED
    assert result.facts["kind"] == "project"
    assert result.facts["projects"] == 1


def test_missing_project_url_fails() -> None:
    mock = router()
    mock.get(f"{GL}/groups/acme%2Fgone").respond(404, json=NOT_FOUND)
    mock.get(f"{GL}/projects/acme%2Fgone").respond(404, json={"message": "404 Project Not Found"})
    result = make(mock).verify_namespace("https://gitlab.com/acme/gone")
    assert result.status is VerificationStatus.FAILED
    assert "404" in (result.reason or "")


def test_renamed_group_redirect_is_followed() -> None:
    mock = router()
    mock.get(f"{GL}/groups/old-name").respond(301, headers={"location": f"{GL}/groups/new-name"})
    mock.get(f"{GL}/groups/new-name").respond(200, json=gl_group("new-name", 43))
    mock.get(f"{GL}/groups/43/projects").respond(200, json=[gl_project("new-name/app", 1)])
    licence_routes(mock, GL, {1: ("new-name/app", "mit")})
    result = make(mock).verify_namespace("https://gitlab.com/old-name")
    assert result.status is VerificationStatus.VERIFIED
    assert result.facts["renamed_to"] == "new-name"


def test_self_managed_gitlab_from_config() -> None:
    api = "https://git.example.org/gitlab/api/v4"
    mock = router()
    mock.get(f"{api}/groups/team").respond(200, json=gl_group("team", 7))
    mock.get(f"{api}/groups/7/projects").respond(200, json=[gl_project("team/app", 1)])
    licence_routes(mock, api, {1: ("team/app", "apache-2.0")})
    conf = VerifySettings(gitlab_urls=["https://gitlab.com", "https://git.example.org/gitlab/"])
    result = make(mock, conf).verify_namespace("https://git.example.org/gitlab/team")
    assert result.status is VerificationStatus.VERIFIED
    assert result.facts["host"] == "git.example.org"
    unlisted = make(mock).verify_namespace("https://git.example.org/gitlab/team")
    assert unlisted.status is VerificationStatus.UNKNOWN


def test_gitlab_rate_limit_retry_after() -> None:
    mock = router()
    mock.get(f"{GL}/groups/acme").mock(
        side_effect=[
            httpx.Response(
                429,
                text="Retry later",
                headers={
                    "retry-after": "20",
                    "ratelimit-remaining": "0",
                    "ratelimit-reset": str(int(NOW.timestamp()) + 20),
                },
            ),
            httpx.Response(200, json=gl_group("acme", 42)),
        ]
    )
    mock.get(f"{GL}/groups/42/projects").respond(200, json=[gl_project("acme/api", 1)])
    licence_routes(mock, GL, {1: ("acme/api", "mit")})
    sleeps: list[float] = []
    result = make(mock, sleeps=sleeps).verify_namespace("https://gitlab.com/acme")
    assert result.status is VerificationStatus.VERIFIED
    assert sleeps == [20.0]


def test_gitlab_persistent_429_is_unknown() -> None:
    mock = router()
    mock.get(f"{GL}/groups/acme").respond(429, headers={"retry-after": "0"})
    verifier = make(mock)
    result = verifier.verify_namespace("https://gitlab.com/acme")
    assert result.status is VerificationStatus.UNKNOWN
    assert "rate limited" in (result.reason or "")
