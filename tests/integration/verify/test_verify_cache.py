"""The SQLite cache under COMMOPS_HOME: hits cost no request, TTL expiry, offline and refresh modes."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
import respx
from tests.integration.verify.verify_forge_data import GH, NOW, gh_owner, gh_repo, router, settings, transport

from commops.domain import VerificationStatus, opensource
from commops.domain.opensource import NamespaceFacts
from commops.verify import NamespaceVerifier, VerificationCache, open_cache

URL = "https://github.com/acme"


def acme(mock: respx.MockRouter, licence: str = "MIT") -> None:
    mock.get(f"{GH}/users/acme").respond(200, json=gh_owner("acme", org=True))
    mock.get(f"{GH}/orgs/acme/repos").respond(200, json=[gh_repo("acme/one", licence)])


def make(
    mock: respx.MockRouter, cache: VerificationCache, *, hours: float = 0, offline: bool = False, refresh: bool = False
) -> NamespaceVerifier:
    return NamespaceVerifier(
        settings(cache_ttl_hours=24),
        cache=cache,
        transport=transport(mock),
        offline=offline,
        refresh=refresh,
        clock=lambda: NOW + timedelta(hours=hours),
        sleep=lambda s: None,
    )


def test_default_cache_lives_under_commops_home(commops_home: Path) -> None:
    with open_cache() as cache:
        assert cache.path == commops_home / "verify-cache.sqlite3"
        assert cache.path.exists()
        assert len(cache) == 0


def test_warm_cache_costs_no_request_and_says_so() -> None:
    mock = router()
    acme(mock)
    with open_cache() as cache:
        first = make(mock, cache).verify_namespace(URL)
        later = make(mock, cache, hours=5)
        again = later.verify_namespace("https://GitHub.com/Acme/")
    assert first.status is VerificationStatus.VERIFIED and not first.from_cache
    assert again.from_cache and again.status is VerificationStatus.VERIFIED
    assert again.checked_at == NOW  # the trace shows when it was really looked up
    assert again.source_url == f"{GH}/users/acme"
    assert again.facts == first.facts
    assert later.request_count() == 0


def test_cache_survives_reopening(tmp_path: Path) -> None:
    mock = router()
    acme(mock)
    path = tmp_path / "c.sqlite3"
    with open_cache(path) as cache:
        make(mock, cache).verify_namespace(URL)
    with open_cache(path) as cache:
        verifier = make(mock, cache, hours=1)
        assert verifier.verify_namespace(URL).from_cache
        assert verifier.request_count() == 0


def test_expired_entries_are_looked_up_again() -> None:
    mock = router()
    acme(mock)
    with open_cache() as cache:
        make(mock, cache).verify_namespace(URL)
        stale = make(mock, cache, hours=25)
        result = stale.verify_namespace(URL)
    assert not result.from_cache
    assert stale.request_count() == 2
    assert result.checked_at == NOW + timedelta(hours=25)


def test_offline_uses_the_cache_or_says_unknown() -> None:
    mock = router()
    acme(mock)
    with open_cache() as cache:
        make(mock, cache).verify_namespace(URL)
        offline = make(mock, cache, hours=2, offline=True)
        hit = offline.verify_namespace(URL)
        miss = offline.verify_namespace("https://github.com/other")
        expired = make(mock, cache, hours=30, offline=True).verify_namespace(URL)
    assert hit.from_cache and hit.status is VerificationStatus.VERIFIED
    assert miss.status is VerificationStatus.UNKNOWN and (miss.reason or "").startswith("offline")
    assert expired.status is VerificationStatus.UNKNOWN
    assert offline.request_count() == 0


def test_refresh_ignores_the_cache_but_writes_it() -> None:
    mock = router()
    acme(mock)
    with open_cache() as cache:
        make(mock, cache).verify_namespace(URL)
        acme(mock, licence="BUSL-1.1")  # the namespace changed since
        refreshing = make(mock, cache, hours=1, refresh=True)
        fresh = refreshing.verify_namespace(URL)
        reread = make(mock, cache, hours=2).verify_namespace(URL)
    assert refreshing.request_count() == 2
    assert fresh.status is VerificationStatus.FAILED and not fresh.from_cache
    assert reread.from_cache and reread.status is VerificationStatus.FAILED
    assert reread.checked_at == NOW + timedelta(hours=1)


def test_failed_claims_are_cached_unknown_results_are_not() -> None:
    mock = router()
    mock.get(f"{GH}/users/ghost").respond(404, json={"message": "Not Found"})
    mock.get(f"{GH}/users/flaky").respond(503)
    with open_cache() as cache:
        verifier = make(mock, cache)
        verifier.verify_namespace("https://github.com/ghost")
        verifier.verify_namespace("https://github.com/flaky")
        verifier.verify_namespace("https://example.com/acme")  # unsupported host
        assert len(cache) == 1
        second = make(mock, cache, hours=1)
        assert second.verify_namespace("https://github.com/ghost").status is VerificationStatus.FAILED
        assert second.request_count() == 0


def test_unreadable_rows_are_misses() -> None:
    with open_cache() as cache:
        cache._db.execute(
            "INSERT INTO forge_facts (key, source_url, checked_at, payload) VALUES ('k', NULL, 'x', '{')"
        )
        assert cache.get("k") is None
        cache.put("k", NamespaceFacts(host="github.com", namespace="acme"), None, NOW)
        hit = cache.get("k")
        assert hit is not None and hit.checked_at == NOW and hit.facts.namespace == "acme"
        cache.clear()
        assert len(cache) == 0


def test_the_cache_stores_the_forges_facts_never_a_verdict() -> None:
    mock = router()
    acme(mock, licence="BUSL-1.1")
    with open_cache() as cache:
        verdict = make(mock, cache).verify_namespace(URL)
        [payload] = [row[0] for row in cache._db.execute("SELECT payload FROM forge_facts")]
    assert verdict.status is VerificationStatus.FAILED
    stored = json.loads(payload)
    assert "status" not in stored and "reason" not in stored and "non_osi_projects" not in stored
    assert stored["projects"][0]["path"] == "acme/one" and stored["projects"][0]["license"] == "BUSL-1.1"
    assert stored["owner"] == "acme" and stored["kind"] == "organization"


def test_a_policy_change_applies_to_cached_facts_without_a_purge(monkeypatch: pytest.MonkeyPatch) -> None:
    mock = router()
    mock.get(f"{GH}/users/acme").respond(200, json=gh_owner("acme", org=True))
    mock.get(f"{GH}/orgs/acme/repos").respond(200, json=[
        gh_repo("acme/one", "MIT"), gh_repo("acme/two", "MIT", private=True),
        gh_repo("acme/three", "MIT", private=True)])
    with open_cache() as cache:
        before = make(mock, cache).verify_namespace(URL)
        assert before.status is VerificationStatus.FAILED and before.facts["private_projects"] == 2
        monkeypatch.setattr(opensource, "MAX_PRIVATE_PROJECTS", 2)  # programs.md allows two private projects
        later = make(mock, cache, hours=1)
        after = later.verify_namespace(URL)
    assert after.from_cache and later.request_count() == 0
    assert after.status is VerificationStatus.VERIFIED and after.checked_at == NOW
