"""Namespace verification: an Open Source application's ``namespace_url`` looked up on its forge.

Decisions (programs.md, Open Source): *failed* when the namespace does not exist (a 404 is a claim that
does not hold), has no public project, has a public project without an OSI-approved licence, or more
than one private project; *verified* otherwise; *unknown* (never cached) when the host is not a
supported forge, the lookup failed, or ``offline`` and nothing fresh is cached.

Forks and archived projects of a namespace are listed in the facts but do not count: a fork carries
someone else's licence, an archived project is no longer the work the programme supports. A single
project URL counts whatever its flags. Licences are checked on public projects only (a private
project's licence is not visible).

``private_projects`` is what the forge shows: its own total when it gives one (GitHub, to a member's
token), else the private projects the listing showed, which without the owner's credentials is usually 0.
``private_count_source`` (forge_total | listing | project) says which, so a reader can weigh it. It is
an int, never None, because the policy rejects on private projects the check *finds*; a None would make
every anonymous lookup unknown. A missing namespace carries zero counts, so the rules reject it.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import httpx

from commops.config import VerifySettings
from commops.domain import Verification, VerificationStatus
from commops.errors import VerificationError
from commops.verify._forges import Found, github_lookup, gitlab_lookup
from commops.verify._http import DEFAULT_RATE_WAIT_S, ForgeHttp, LookupUnknown, NamespaceMissing, RateState
from commops.verify._redirect import forge_transport
from commops.verify.cache import VerificationCache
from commops.verify.datasets import OfflineDatasets

__all__ = ["KIND", "ForgeTarget", "NamespaceVerifier", "parse_namespace_url"]

KIND = "namespace"
MAX_PROJECT_DETAILS = 50
# A namespace the forge does not have: nothing public, nothing counted (the rules reject on these facts).
_MISSING_FACTS: dict[str, Any] = {
    "exists": False,
    "projects": 0,
    "public_projects": 0,
    "private_projects": 0,
    "private_count_source": "listing",
    "non_osi_projects": [],
    "ignored_projects": [],
}
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
        now = self._clock()
        target = parse_namespace_url(url, self._settings)
        if isinstance(target, str):
            return Verification(kind=KIND, status=VerificationStatus.UNKNOWN, reason=target, checked_at=now)
        cached = self._from_cache(target, now)
        if cached is not None:
            return cached
        facts: dict[str, Any] = {"host": target.host, "namespace": target.namespace}
        if self._offline:
            reason = (
                f"offline: no lookup of {target.host}/{target.namespace} cached in the last "
                f"{self._settings.cache_ttl_hours:g} hours"
            )
            return Verification(
                kind=KIND, status=VerificationStatus.UNKNOWN, reason=reason, facts=facts, checked_at=now
            )
        source = target.source_url
        try:
            found = self._lookup(target)
        except NamespaceMissing as exc:
            result = Verification(
                kind=KIND,
                status=VerificationStatus.FAILED,
                reason=f"{exc} (404)",
                facts={**facts, **_MISSING_FACTS},
                source_url=source,
                checked_at=now,
            )
        except LookupUnknown as exc:
            return Verification(
                kind=KIND,
                status=VerificationStatus.UNKNOWN,
                reason=str(exc),
                facts=facts,
                source_url=source,
                checked_at=now,
            )
        except (httpx.HTTPError, httpx.InvalidURL, ValueError, KeyError, TypeError) as exc:  # a shape we did not expect
            return Verification(
                kind=KIND,
                status=VerificationStatus.UNKNOWN,
                reason=f"{target.host} lookup failed: {type(exc).__name__}",
                facts=facts,
                source_url=source,
                checked_at=now,
            )
        else:
            result = self._decide(found, facts, source, now)
        self._store(target, result, now)
        return result

    # -- steps -------------------------------------------------------------------------------------

    def _from_cache(self, target: ForgeTarget, now: datetime) -> Verification | None:
        if self._cache is None or self._refresh:
            return None
        hit = self._cache.get(target.key)
        if hit is None:
            return None
        verification, checked_at = hit
        if now - checked_at > timedelta(hours=self._settings.cache_ttl_hours):
            return None
        return verification.model_copy(update={"from_cache": True})

    def _store(self, target: ForgeTarget, result: Verification, now: datetime) -> None:
        if self._cache is None:
            return
        # A cache that cannot be written costs a lookup next time, not this result.
        with contextlib.suppress(VerificationError):
            self._cache.put(target.key, result, now)

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

    def _osi(self, licence: str | None) -> bool:
        return licence is not None and self._datasets.spdx(licence).osi_approved is True

    def _decide(self, found: Found, facts: dict[str, Any], source: str, now: datetime) -> Verification:
        counted = found.projects if found.single else [p for p in found.projects if not (p.fork or p.archived)]
        ignored = [] if found.single else [p.path for p in found.projects if p.fork or p.archived]
        public = [p for p in counted if p.visibility == "public"]
        seen_private = [p for p in counted if p.visibility != "public"]
        if found.single:
            private, private_source = len(seen_private), "project"
        elif found.private_total is not None:
            private, private_source = max(found.private_total, len(seen_private)), "forge_total"
        else:
            private, private_source = len(seen_private), "listing"
        non_osi = [p.path for p in public if not self._osi(p.license)]
        facts = {
            **facts,
            "kind": found.kind,
            "projects": len(counted),
            "public_projects": len(public),
            "private_projects": private,
            "private_count_source": private_source,
            "non_osi_projects": non_osi,
            "ignored_projects": ignored,
        }
        if found.renamed_to:
            facts["renamed_to"] = found.renamed_to
        if len(found.projects) <= MAX_PROJECT_DETAILS:
            facts["project_details"] = [p.as_fact() for p in found.projects]
        problems = []
        if not public:
            problems.append("no public project")
        if non_osi:
            shown = ", ".join(non_osi[:5]) + (" …" if len(non_osi) > 5 else "")
            problems.append(f"{len(non_osi)} public project(s) without an OSI-approved licence: {shown}")
        if private > 1:
            problems.append(f"{private} private projects (at most 1 allowed)")
        where = f"{found.kind} {found.name} on {facts['host']}"
        if problems:
            return Verification(
                kind=KIND,
                status=VerificationStatus.FAILED,
                reason=f"{where}: " + "; ".join(problems),
                facts=facts,
                source_url=source,
                checked_at=now,
            )
        reason = f"{where}: {len(public)} public project(s), all OSI-licensed"
        return Verification(
            kind=KIND, status=VerificationStatus.VERIFIED, reason=reason, facts=facts, source_url=source, checked_at=now
        )
