"""Namespace lookups: an Open Source application's ``namespace_url`` looked up on its forge, as facts.

This adapter only fetches and caches what the forge shows (``NamespaceFacts``: the projects with their
visibility, licence, archived and fork flags, stars and last push; the owner; a rename); the verdict is
the domain's (``commops.domain.opensource.namespace_verdict``), computed over the facts — cached or fresh —
on every use, so a policy change applies without a cache purge.

*unknown* (never cached: no facts) when the host is not a supported forge, the lookup failed, or
``offline`` and nothing fresh is cached. A 404 is a fact (the namespace does not exist) and is cached.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import quote, unquote, urlsplit

import httpx

from commops.config import VerifySettings
from commops.domain import Verification, VerificationStatus
from commops.domain.opensource import NAMESPACE_KIND, NamespaceFacts, namespace_verdict
from commops.errors import VerificationError
from commops.verify._forges import Found, github_lookup, gitlab_lookup
from commops.verify._http import DEFAULT_RATE_WAIT_S, ForgeHttp, LookupUnknown, NamespaceMissing, RateState
from commops.verify._redirect import forge_transport
from commops.verify.cache import CachedFacts, VerificationCache
from commops.verify.datasets import OfflineDatasets

__all__ = ["KIND", "FactsLookup", "ForgeTarget", "NamespaceVerifier", "parse_namespace_url"]

KIND = NAMESPACE_KIND
USER_AGENT = "commops-verify (+https://github.com/commops)"


@dataclass(frozen=True)
class ForgeTarget:
    forge: str  # github | gitlab
    host: str
    api: str  # API base, no trailing slash
    parts: list[str]  # namespace path segments

    @property
    def namespace(self) -> str:
        return "/".join(self.parts)

    @property
    def source_url(self) -> str:
        """The API URL the lookup starts from: what the trace shows as the source."""
        if self.forge == "github":
            if len(self.parts) >= 2:
                return f"{self.api}/repos/{self.parts[0]}/{self.parts[1]}"
            return f"{self.api}/users/{self.parts[0]}"
        return f"{self.api}/groups/{quote(self.namespace, safe='')}"

    @property
    def key(self) -> str:
        """The cache key: the normalised namespace URL (forges treat paths case-insensitively)."""
        return f"{self.forge}:{self.api}/{self.namespace}".lower()


def _github_web_host(api_url: str) -> set[str]:
    parts = urlsplit(api_url)
    host = (parts.hostname or "").lower()
    if host == "api.github.com":
        return {"github.com", "www.github.com"}
    return {host}  # GitHub Enterprise Server: https://ghe.example/api/v3 serves ghe.example


def parse_namespace_url(url: str, settings: VerifySettings) -> ForgeTarget | str:
    """The forge and namespace ``url`` names, or a sentence saying why it names none we support."""
    text = (url or "").strip()
    try:
        parts = urlsplit(text if "://" in text else f"https://{text}")
    except ValueError:
        return f"{url!r} is not an http(s) URL"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"{url!r} is not an http(s) URL"
    host = parts.hostname.lower()
    segments = [seg for seg in (unquote(s).strip() for s in parts.path.split("/")) if seg]
    if "-" in segments:  # GitLab's /-/tree/main etc.
        segments = segments[: segments.index("-")]
    if host in _github_web_host(settings.github_api_url):
        # github.com/orgs/acme/... and github.com/users/jane/... name the owner only.
        segments = segments[1:2] if segments and segments[0] in ("orgs", "users") else segments[:2]
        if segments and segments[-1].endswith(".git"):
            segments[-1] = segments[-1][:-4]
        if not segments:
            return f"{url} names no GitHub user, organization or repository"
        return ForgeTarget("github", host, settings.github_api_url.rstrip("/"), segments)
    for base in settings.gitlab_urls:
        base_parts = urlsplit(base)
        base_path = [s for s in base_parts.path.split("/") if s]
        if (base_parts.hostname or "").lower() == host and segments[: len(base_path)] == base_path:
            rest = segments[len(base_path) :]
            if rest and rest[0] in ("groups", "users"):
                rest = rest[1:]
            if rest and rest[-1].endswith(".git"):
                rest[-1] = rest[-1][:-4]
            if not rest:
                return f"{url} names no GitLab group, user or project"
            return ForgeTarget("gitlab", host, base.rstrip("/") + "/api/v4", rest)
    return f"{host} is not a supported forge (GitHub, or a GitLab listed in [verify] gitlab_urls)"


class NamespaceVerifier:
    """Implements :class:`commops.ports.NamespaceVerifier` over httpx. Never raises for lookup trouble."""

    def __init__(
        self,
        settings: VerifySettings,
        *,
        cache: VerificationCache | None,
        transport: httpx.BaseTransport | None = None,
        offline: bool = False,
        refresh: bool = False,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        sleep: Callable[[float], None] = time.sleep,
        rate_wait_budget_s: float = DEFAULT_RATE_WAIT_S,
    ) -> None:
        self._settings = settings
        self._cache = cache
        # [verify] forge_url: every lookup goes to the sandbox's forge emulation (an explicit transport wins).
        self._transport = transport if transport is not None else forge_transport(settings)
        self._offline = offline
        self._refresh = refresh
        self._clock = clock
        self._sleep = sleep
        self._rate = RateState(budget_s=rate_wait_budget_s)
        self._requests = 0
        self._datasets = OfflineDatasets()

    def request_count(self) -> int:
        """HTTP requests sent so far (retries included)."""
        return self._requests

    def verify_namespace(self, url: str) -> Verification:
        """The domain's verdict over the namespace's facts (cached or looked up); unknown without facts."""
        looked = self.namespace_facts(url)
        if looked.facts is None:
            facts = {"host": looked.target.host, "namespace": looked.target.namespace} if looked.target else {}
            return Verification(kind=KIND, status=VerificationStatus.UNKNOWN, reason=looked.reason, facts=facts,
                                source_url=looked.source_url, checked_at=looked.checked_at)
        verdict = namespace_verdict(looked.facts, osi_approved=self._osi, source_url=looked.source_url,
                                    checked_at=looked.checked_at)
        return verdict.model_copy(update={"from_cache": True}) if looked.from_cache else verdict

    def namespace_facts(self, url: str) -> FactsLookup:
        """What the forge shows of ``url``'s namespace: from the cache when fresh, else looked up (and cached)."""
        now = self._clock()
        target = parse_namespace_url(url, self._settings)
        if isinstance(target, str):
            return FactsLookup(None, None, target, None, now)
        cached = self._from_cache(target, now)
        if cached is not None:
            return FactsLookup(target, cached.facts, None, cached.source_url, cached.checked_at, from_cache=True)
        if self._offline:
            reason = (
                f"offline: no lookup of {target.host}/{target.namespace} cached in the last "
                f"{self._settings.cache_ttl_hours:g} hours"
            )
            return FactsLookup(target, None, reason, None, now)
        source = target.source_url
        try:
            found = self._lookup(target)
        except NamespaceMissing as exc:
            facts = NamespaceFacts(host=target.host, namespace=target.namespace, exists=False, missing=str(exc))
        except LookupUnknown as exc:
            return FactsLookup(target, None, str(exc), source, now)
        except (httpx.HTTPError, httpx.InvalidURL, ValueError, KeyError, TypeError) as exc:  # a shape we did not expect
            return FactsLookup(target, None, f"{target.host} lookup failed: {type(exc).__name__}", source, now)
        else:
            facts = _facts(target, found)
        self._store(target, facts, source, now)
        return FactsLookup(target, facts, None, source, now)

    # -- steps -------------------------------------------------------------------------------------

    def _from_cache(self, target: ForgeTarget, now: datetime) -> CachedFacts | None:
        if self._cache is None or self._refresh:
            return None
        hit = self._cache.get(target.key)
        if hit is None or now - hit.checked_at > timedelta(hours=self._settings.cache_ttl_hours):
            return None
        return hit

    def _store(self, target: ForgeTarget, facts: NamespaceFacts, source: str, now: datetime) -> None:
        if self._cache is None:
            return
        # A cache that cannot be written costs a lookup next time, not this result.
        with contextlib.suppress(VerificationError):
            self._cache.put(target.key, facts, source, now)

    def _count(self, request: httpx.Request) -> None:
        self._requests += 1  # an event hook: redirects and retries are requests too

    def _lookup(self, target: ForgeTarget) -> Found:
        headers = {"User-Agent": USER_AGENT}
        if target.forge == "github":
            headers["Accept"] = "application/vnd.github+json"
            headers["X-GitHub-Api-Version"] = "2022-11-28"
            if self._settings.github_token is not None:
                headers["Authorization"] = f"Bearer {self._settings.github_token.get_secret_value()}"
        elif self._settings.gitlab_token is not None:
            headers["PRIVATE-TOKEN"] = self._settings.gitlab_token.get_secret_value()
        with httpx.Client(
            transport=self._transport,
            headers=headers,
            timeout=self._settings.timeout_s,
            follow_redirects=True,  # renamed namespaces answer 301 to their new place
            event_hooks={"request": [self._count]},
        ) as client:
            http = ForgeHttp(client, target.host, self._rate, clock=self._clock, sleep=self._sleep)
            if target.forge == "github":
                return github_lookup(http, target.api, target.parts)
            return gitlab_lookup(http, target.api, target.parts)

    def _osi(self, licence: str) -> bool:
        return self._datasets.spdx(licence).osi_approved is True


@dataclass(frozen=True)
class FactsLookup:
    """One lookup: the facts (None when the lookup could not be done, ``reason`` says why) and their source."""

    target: ForgeTarget | None
    facts: NamespaceFacts | None
    reason: str | None
    source_url: str | None
    checked_at: datetime
    from_cache: bool = False


def _facts(target: ForgeTarget, found: Found) -> NamespaceFacts:
    return NamespaceFacts(
        host=target.host, namespace=target.namespace, kind=found.kind, name=found.name,
        owner=found.owner or found.name, projects=found.projects, private_total=found.private_total,
        single=found.single, renamed_to=found.renamed_to,
    )
