"""GitHub namespace lookups through the real adapter, the API answered by respx in GitHub's shapes."""

from __future__ import annotations

from datetime import datetime

import httpx
from pydantic import SecretStr
from tests.integration.verify.verify_forge_data import (
    GH,
    NOW,
    gh_owner,
    gh_rate_headers,
    gh_repo,
    router,
    settings,
    transport,
)

from commops.config import VerifySettings
from commops.domain import VerificationStatus
from commops.verify import NamespaceVerifier


def make(mock: object, sleeps: list[float] | None = None, **kw: object) -> NamespaceVerifier:
    return NamespaceVerifier(
        kw.pop("settings", settings()),  # type: ignore[arg-type]
        cache=None,
        transport=transport(mock),  # type: ignore[arg-type]
        clock=lambda: NOW,
        sleep=(sleeps.append if sleeps is not None else lambda s: None),
        **kw,  # type: ignore[arg-type]
    )


def test_org_paginated_to_the_end_all_osi_is_verified() -> None:
    mock = router()
    mock.get(f"{GH}/users/acme").respond(200, json=gh_owner("acme", org=True), headers=gh_rate_headers())
    page2 = f"{GH}/organizations/1004/repos?type=all&per_page=100&page=2"
    mock.get(f"{GH}/organizations/1004/repos").respond(200, json=[gh_repo("acme/three", "GPL-3.0")])
    mock.get(f"{GH}/orgs/acme/repos").respond(
        200,
        json=[gh_repo("acme/one", "MIT"), gh_repo("acme/two", "Apache-2.0")],
        headers={"link": f'<{page2}>; rel="next", <{page2}>; rel="last"'},
    )
    verifier = make(mock)
    result = verifier.verify_namespace("https://github.com/acme")
    assert result.status is VerificationStatus.VERIFIED
    assert result.facts["public_projects"] == 3
    assert result.facts["projects"] == 3
    assert result.facts["private_projects"] == 0  # as far as an anonymous API can tell
    assert result.facts["private_count_source"] == "listing"
    assert result.facts["non_osi_projects"] == []
    assert result.facts["kind"] == "organization"
    assert result.facts["host"] == "github.com" and result.facts["namespace"] == "acme"
    assert [p["path"] for p in result.facts["project_details"]] == ["acme/one", "acme/two", "acme/three"]
    assert result.source_url == f"{GH}/users/acme"
    assert result.checked_at == NOW and not result.from_cache
    assert verifier.request_count() == 3
    listing = mock.calls[1].request
    assert listing.url.params["type"] == "all" and listing.url.params["per_page"] == "100"
    assert listing.headers["accept"] == "application/vnd.github+json"


def test_user_repos_use_the_users_endpoint() -> None:
    mock = router()
    mock.get(f"{GH}/users/jane").respond(200, json=gh_owner("jane", org=False))
    route = mock.get(f"{GH}/users/jane/repos").respond(200, json=[gh_repo("jane/tool", "BSD-3-Clause")])
    result = make(mock).verify_namespace("https://github.com/jane/")
    assert result.status is VerificationStatus.VERIFIED
    assert result.facts["kind"] == "user"
    assert route.calls.last.request.url.params["type"] == "owner"


def test_non_osi_and_noassertion_and_missing_licences_fail() -> None:
    mock = router()
    mock.get(f"{GH}/users/acme").respond(200, json=gh_owner("acme", org=True))
    mock.get(f"{GH}/orgs/acme/repos").respond(
        200,
        json=[
            gh_repo("acme/ok", "MIT"),
            gh_repo("acme/bsl", "BUSL-1.1"),
            gh_repo("acme/custom", "NOASSERTION"),
            gh_repo("acme/none", None),
        ],
    )
    result = make(mock).verify_namespace("https://github.com/acme")
    assert result.status is VerificationStatus.FAILED
    assert result.facts["non_osi_projects"] == ["acme/bsl", "acme/custom", "acme/none"]
    assert "3 public project(s) without an OSI-approved licence" in (result.reason or "")


def test_forks_and_archived_projects_do_not_count() -> None:
    mock = router()
    mock.get(f"{GH}/users/acme").respond(200, json=gh_owner("acme", org=True))
    mock.get(f"{GH}/orgs/acme/repos").respond(
        200,
        json=[
            gh_repo("acme/main", "Apache-2.0"),
            gh_repo("acme/forked", None, fork=True),
            gh_repo("acme/old", "BUSL-1.1", archived=True),
        ],
    )
    result = make(mock).verify_namespace("https://github.com/acme")
    assert result.status is VerificationStatus.VERIFIED
    assert result.facts["projects"] == 1
    assert result.facts["ignored_projects"] == ["acme/forked", "acme/old"]


def test_only_forks_means_no_public_project() -> None:
    mock = router()
    mock.get(f"{GH}/users/acme").respond(200, json=gh_owner("acme", org=True))
    mock.get(f"{GH}/orgs/acme/repos").respond(200, json=[gh_repo("acme/forked", "MIT", fork=True)])
    result = make(mock).verify_namespace("https://github.com/acme")
    assert result.status is VerificationStatus.FAILED
    assert result.facts["public_projects"] == 0
    assert "no public project" in (result.reason or "")


def test_token_is_sent_and_private_count_from_the_org_fails() -> None:
    mock = router()
    owner = mock.get(f"{GH}/users/acme").respond(200, json=gh_owner("acme", org=True, total_private_repos=3))
    mock.get(f"{GH}/orgs/acme/repos").respond(200, json=[gh_repo("acme/one", "MIT")])
    conf = VerifySettings(github_token=SecretStr("ghp_secret123"))
    result = make(mock, settings=conf).verify_namespace("https://github.com/acme")
    assert owner.calls.last.request.headers["authorization"] == "Bearer ghp_secret123"
    assert result.status is VerificationStatus.FAILED
    assert result.facts["private_projects"] == 3
    assert result.facts["private_count_source"] == "forge_total"
    assert "3 private projects" in (result.reason or "")
    assert "ghp_secret123" not in result.model_dump_json()


def test_private_repos_seen_in_the_listing_are_counted() -> None:
    mock = router()
    mock.get(f"{GH}/users/acme").respond(200, json=gh_owner("acme", org=True))
    mock.get(f"{GH}/orgs/acme/repos").respond(
        200,
        json=[gh_repo("acme/one", "MIT"), gh_repo("acme/p1", None, private=True)],
    )
    one_private = make(mock).verify_namespace("https://github.com/acme")
    assert one_private.status is VerificationStatus.VERIFIED  # one private project is allowed
    assert one_private.facts["private_projects"] == 1
    mock.get(f"{GH}/orgs/acme/repos").respond(
        200,
        json=[gh_repo("acme/one", "MIT"), gh_repo("acme/p1", None, private=True), gh_repo("acme/p2", private=True)],
    )
    two_private = make(mock).verify_namespace("https://github.com/acme")
    assert two_private.status is VerificationStatus.FAILED
    assert two_private.facts["private_projects"] == 2


def test_missing_namespace_is_a_failed_claim() -> None:
    mock = router()
    mock.get(f"{GH}/users/ghost").respond(
        404, json={"message": "Not Found", "documentation_url": "https://docs.github.com/rest", "status": "404"}
    )
    result = make(mock).verify_namespace("https://github.com/ghost")
    assert result.status is VerificationStatus.FAILED
    assert result.facts["exists"] is False
    assert result.facts["public_projects"] == 0  # the rules reject on the facts
    assert "404" in (result.reason or "")


def test_single_repository_and_renamed_repository_redirect() -> None:
    mock = router()
    mock.get(f"{GH}/repos/Old-Org/tool").respond(
        301,
        json={"message": "Moved Permanently", "url": f"{GH}/repositories/4242"},
        headers={"location": f"{GH}/repositories/4242"},
    )
    mock.get(f"{GH}/repositories/4242").respond(200, json=gh_repo("new-org/tool", "Apache-2.0"))
    verifier = make(mock)
    result = verifier.verify_namespace("https://github.com/Old-Org/tool.git")
    assert result.status is VerificationStatus.VERIFIED
    assert result.facts["kind"] == "project"
    assert result.facts["renamed_to"] == "new-org/tool"
    assert result.facts["private_projects"] == 0
    assert verifier.request_count() == 2


def test_single_repository_with_a_non_osi_licence_fails() -> None:
    mock = router()
    mock.get(f"{GH}/repos/acme/db").respond(200, json=gh_repo("acme/db", "BUSL-1.1"))
    result = make(mock).verify_namespace("https://github.com/acme/db/tree/main/src")
    assert result.status is VerificationStatus.FAILED
    assert result.facts["non_osi_projects"] == ["acme/db"]


def test_primary_rate_limit_waits_for_the_reset_within_budget() -> None:
    mock = router()
    reset = int(NOW.timestamp()) + 30
    mock.get(f"{GH}/users/acme").mock(
        side_effect=[
            httpx.Response(403, json={"message": "API rate limit exceeded"}, headers=gh_rate_headers(0, reset)),
            httpx.Response(200, json=gh_owner("acme", org=True), headers=gh_rate_headers(58)),
        ]
    )
    mock.get(f"{GH}/orgs/acme/repos").respond(200, json=[gh_repo("acme/one")])
    sleeps: list[float] = []
    result = make(mock, sleeps).verify_namespace("https://github.com/acme")
    assert result.status is VerificationStatus.VERIFIED
    assert sleeps == [30.0]


def test_secondary_rate_limit_honours_retry_after() -> None:
    mock = router()
    mock.get(f"{GH}/repos/acme/one").mock(
        side_effect=[
            httpx.Response(429, json={"message": "secondary rate limit"}, headers={"retry-after": "7"}),
            httpx.Response(200, json=gh_repo("acme/one")),
        ]
    )
    sleeps: list[float] = []
    assert make(mock, sleeps).verify_namespace("https://github.com/acme/one").status is VerificationStatus.VERIFIED
    assert sleeps == [7.0]


def test_spent_limit_on_success_waits_before_the_next_request() -> None:
    mock = router()
    reset = int(NOW.timestamp()) + 12
    mock.get(f"{GH}/users/acme").respond(200, json=gh_owner("acme", org=True), headers=gh_rate_headers(0, reset))
    mock.get(f"{GH}/orgs/acme/repos").respond(200, json=[gh_repo("acme/one")])
    sleeps: list[float] = []
    assert make(mock, sleeps).verify_namespace("https://github.com/acme").status is VerificationStatus.VERIFIED
    assert sleeps == [12.0]


def test_rate_limit_beyond_the_budget_is_unknown_and_stops_asking() -> None:
    mock = router()
    reset = int(NOW.timestamp()) + 3600
    route = mock.get(f"{GH}/users/acme").respond(
        403, json={"message": "API rate limit exceeded"}, headers=gh_rate_headers(0, reset)
    )
    sleeps: list[float] = []
    verifier = make(mock, sleeps, rate_wait_budget_s=60.0)
    result = verifier.verify_namespace("https://github.com/acme")
    assert result.status is VerificationStatus.UNKNOWN
    assert "rate limit" in (result.reason or "")
    assert datetime.fromtimestamp(reset, tz=NOW.tzinfo).isoformat(timespec="seconds") in (result.reason or "")
    assert sleeps == []
    again = verifier.verify_namespace("https://github.com/other")
    assert again.status is VerificationStatus.UNKNOWN
    assert route.call_count == 1 and verifier.request_count() == 1  # the blocked host is not asked again


def test_server_errors_are_retried_with_backoff() -> None:
    mock = router()
    mock.get(f"{GH}/repos/acme/one").mock(
        side_effect=[httpx.Response(502), httpx.Response(503), httpx.Response(200, json=gh_repo("acme/one"))]
    )
    sleeps: list[float] = []
    verifier = make(mock, sleeps)
    assert verifier.verify_namespace("https://github.com/acme/one").status is VerificationStatus.VERIFIED
    assert sleeps == [0.5, 1.0]
    assert verifier.request_count() == 3


def test_persistent_server_errors_are_unknown() -> None:
    mock = router()
    mock.get(f"{GH}/repos/acme/one").respond(500)
    result = make(mock).verify_namespace("https://github.com/acme/one")
    assert result.status is VerificationStatus.UNKNOWN
    assert "500" in (result.reason or "")


def test_timeouts_are_retried_then_unknown() -> None:
    mock = router()
    mock.get(f"{GH}/repos/acme/one").mock(side_effect=httpx.ConnectTimeout("timed out"))
    verifier = make(mock)
    result = verifier.verify_namespace("https://github.com/acme/one")
    assert result.status is VerificationStatus.UNKNOWN
    assert "did not answer" in (result.reason or "")
    assert verifier.request_count() == 3


def test_refused_token_is_unknown() -> None:
    mock = router()
    mock.get(f"{GH}/users/acme").respond(401, json={"message": "Bad credentials"})
    conf = VerifySettings(github_token=SecretStr("bad"))
    result = make(mock, settings=conf).verify_namespace("https://github.com/acme")
    assert result.status is VerificationStatus.UNKNOWN
    assert "401" in (result.reason or "") and "bad" not in (result.reason or "").split()


def test_unexpected_body_is_unknown_not_an_exception() -> None:
    mock = router()
    mock.get(f"{GH}/users/acme").respond(200, text="<html>maintenance</html>")
    result = make(mock).verify_namespace("https://github.com/acme")
    assert result.status is VerificationStatus.UNKNOWN


def test_unknown_host_needs_no_request() -> None:
    mock = router()
    verifier = make(mock)
    result = verifier.verify_namespace("https://bitbucket.org/acme")
    assert result.status is VerificationStatus.UNKNOWN
    assert "not a supported forge" in (result.reason or "")
    assert verifier.request_count() == 0
