"""HTTP for forge lookups: retries with backoff on 5xx and transport errors, the forges' rate-limit
headers honoured within a bounded wait, pagination to the end. Anything that makes a lookup impossible
becomes :class:`LookupUnknown` (a sentence); a missing namespace is the caller's to judge from the 404."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from commops.errors import VerificationError

__all__ = ["ForgeHttp", "LookupUnknown", "NamespaceMissing", "RateState"]

MAX_PAGES = 100  # 100 pages of 100: a namespace bigger than that is a specialist's job
RETRIES = 3
BACKOFF_S = 0.5
DEFAULT_RATE_WAIT_S = 60.0


class LookupUnknown(VerificationError):
    """The lookup could not be done (rate limit, outage, refused token): the result is *unknown*."""


class NamespaceMissing(VerificationError):
    """The forge says the namespace does not exist (or is not public): the claim *failed*."""


@dataclass
class RateState:
    """Shared by every lookup of one verifier: how much waiting is left, and which hosts are blocked."""

    budget_s: float
    blocked_until: dict[str, float] = field(default_factory=dict)


class ForgeHttp:
    """One forge host's requests for one lookup."""

    def __init__(
        self,
        client: httpx.Client,
        host: str,
        rate: RateState,
        *,
        clock: Callable[[], datetime],
        sleep: Callable[[float], None],
    ) -> None:
        self._client = client
        self._host = host
        self._rate = rate
        self._clock = clock
        self._sleep = sleep

    def get(self, url: str, params: dict[str, Any] | None = None) -> httpx.Response:
        """A 2xx or 404 response; anything else that persists raises LookupUnknown."""
        attempt = limited = 0
        while True:
            self._wait_if_blocked()
            try:
                response = self._client.get(url, params=params)
            except httpx.TransportError as exc:
                attempt += 1
                if attempt >= RETRIES:
                    raise LookupUnknown(f"{self._host} did not answer ({type(exc).__name__})") from exc
                self._sleep(BACKOFF_S * 2 ** (attempt - 1))
                continue
            self._note_remaining(response)
            if response.is_success or response.status_code == 404:
                return response
            if self._is_rate_limited(response):
                limited += 1
                if limited > RETRIES:
                    raise LookupUnknown(f"{self._host} kept answering {response.status_code} (rate limited)")
                self._block(response)
                continue
            if response.status_code >= 500:
                attempt += 1
                if attempt >= RETRIES:
                    raise LookupUnknown(f"{self._host} answered {response.status_code} {RETRIES} times")
                self._sleep(BACKOFF_S * 2 ** (attempt - 1))
                continue
            if response.status_code in (401, 403):
                raise LookupUnknown(f"{self._host} refused the lookup ({response.status_code}); check the token")
            raise LookupUnknown(f"{self._host} answered {response.status_code} for {response.request.url.path}")

    def json(self, url: str, params: dict[str, Any] | None = None) -> Any:
        response = self.get(url, params)
        if response.status_code == 404:
            raise NamespaceMissing(f"{self._host} has no {response.request.url.path}")
        return response.json()

    def paginate(self, url: str, params: dict[str, Any]) -> Iterator[dict[str, Any]]:
        """Every item of a list endpoint: ``Link: rel=next`` (GitHub, GitLab), else GitLab's x-next-page."""
        next_url: str | None = url
        next_params: dict[str, Any] | None = params
        for _ in range(MAX_PAGES):
            if next_url is None:
                return
            response = self.get(next_url, next_params)
            if response.status_code == 404:
                raise NamespaceMissing(f"{self._host} has no {response.request.url.path}")
            page = response.json()
            if not isinstance(page, list):
                raise LookupUnknown(f"{self._host} answered a list request with {type(page).__name__}")
            yield from (item for item in page if isinstance(item, dict))
            link = response.links.get("next", {}).get("url")
            next_page = response.headers.get("x-next-page", "").strip()
            if link:
                next_url, next_params = str(link), None
            elif next_page and page:
                next_params = {**(next_params or params), "page": next_page}
            else:
                next_url = None
        raise LookupUnknown(f"more than {MAX_PAGES} pages of projects on {self._host}")

    # -- rate limits -----------------------------------------------------------------------------

    def _now(self) -> float:
        return self._clock().timestamp()

    @staticmethod
    def _is_rate_limited(response: httpx.Response) -> bool:
        if response.status_code == 429:
            return True
        headers = response.headers
        remaining = headers.get("x-ratelimit-remaining", headers.get("ratelimit-remaining"))
        return response.status_code == 403 and (remaining == "0" or "retry-after" in headers)

    def _reset_at(self, response: httpx.Response) -> float | None:
        headers = response.headers
        retry_after = headers.get("retry-after")
        if retry_after:
            try:
                return self._now() + max(0.0, float(retry_after))
            except ValueError:
                try:
                    return parsedate_to_datetime(retry_after).timestamp()
                except (TypeError, ValueError):
                    pass
        reset = headers.get("x-ratelimit-reset", headers.get("ratelimit-reset"))
        if reset:
            try:
                return float(reset)
            except ValueError:
                return None
        return None

    def _note_remaining(self, response: httpx.Response) -> None:
        """A success that spent the last request blocks the host until the window resets."""
        headers = response.headers
        remaining = headers.get("x-ratelimit-remaining", headers.get("ratelimit-remaining"))
        if response.is_success and remaining == "0":
            reset = self._reset_at(response)
            if reset is not None:
                self._rate.blocked_until[self._host] = reset

    def _block(self, response: httpx.Response) -> None:
        reset = self._reset_at(response)
        self._rate.blocked_until[self._host] = reset if reset is not None else self._now() + DEFAULT_RATE_WAIT_S

    def _wait_if_blocked(self) -> None:
        until = self._rate.blocked_until.get(self._host)
        if until is None:
            return
        wait = until - self._now()
        if wait <= 0:
            del self._rate.blocked_until[self._host]
            return
        if wait > self._rate.budget_s:
            when = datetime.fromtimestamp(until, tz=self._clock().tzinfo).isoformat(timespec="seconds")
            raise LookupUnknown(f"{self._host} rate limit reached; it resets at {when}")
        self._rate.budget_s -= wait
        self._sleep(wait)
        del self._rate.blocked_until[self._host]
