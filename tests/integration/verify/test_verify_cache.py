"""The SQLite cache under COMMOPS_HOME: hits cost no request, TTL expiry, offline and refresh modes."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import respx
from tests.integration.verify.verify_forge_data import GH, NOW, gh_owner, gh_repo, router, settings, transport

from commops.domain import Verification, VerificationStatus
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
            "INSERT INTO verifications (key, kind, checked_at, payload) VALUES ('k', 'namespace', 'x', '{')"
        )
        assert cache.get("k") is None
        cache.put("k", Verification(kind="namespace", status=VerificationStatus.VERIFIED), NOW)
        hit = cache.get("k")
        assert hit is not None and hit[1] == NOW
        cache.clear()
        assert len(cache) == 0
