"""The requests session every Zendesk call goes through: accounting, pacing, 429 budget, read retries.

zenpy retries 429s without bound and (on sessions it builds) resends PUTs after a read timeout. This
session answers for both before zenpy sees a response: a 429 is waited out here within one shared
budget (a 429 was not processed, so resending any method is safe), 5xx and connection failures are
retried with jitter for reads only, and writes are never resent by the transport — with one exception:
a 401 saying the OAuth token expired. Zendesk refuses such a request before doing anything, so after
the auth hook renews the token the request (read or write) is sent once more; a write whose answer was
lost is still never resent (the gateway settles it by its marker).
"""

from __future__ import annotations

import logging
import random
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

from commops.errors import RateBudgetError

__all__ = ["ZendeskSession", "endpoint_key"]

_ID_SEGMENT = re.compile(r"^(\d+|V\d-[0-9a-f]+|[0-9a-f]{32})$")
_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_RETRY_STATUSES = frozenset({500, 502, 503, 504})
_RATE_HEADERS = ("x-rate-limit", "x-rate-limit-remaining", "ratelimit-limit", "ratelimit-remaining",
                 "ratelimit-reset", "retry-after", "zendesk-ratelimit-tickets-index")

# --debug shows this logger: method, path (never the query: searches carry applicants' emails), status,
# duration and the rate-limit headers. Never credentials, headers other than those, or bodies.
_log = logging.getLogger("commops.http")


def _trace(verb: str, target: str, status: int | str, started: float, headers: Mapping[str, str]) -> None:
    if not _log.isEnabledFor(logging.DEBUG):
        return
    parts = urlsplit(target)
    path = parts.path + ("?…" if parts.query else "")
    limits = " ".join(f"{name}={headers[name]}" for name in _RATE_HEADERS if name in headers)
    _log.debug("%s %s -> %s in %.0f ms%s", verb.upper(), path, status, (time.monotonic() - started) * 1000,
               f" [{limits}]" if limits else "")


def endpoint_key(method: str, url: str) -> str:
    """``GET https://x/api/v2/tickets/12/macros/3/apply.json?a=b`` → ``GET /tickets/{id}/macros/{id}/apply``."""
    path = urlsplit(url).path
    if path.startswith("/api/v2"):
        path = path[len("/api/v2") :]
    if path.endswith(".json"):
        path = path[: -len(".json")]
    parts = ["{id}" if _ID_SEGMENT.match(part) else part for part in path.split("/")]
    return f"{method.upper()} {'/'.join(parts) or '/'}"


class ZendeskSession(requests.Session):
    """A session with no transport retries, request counts by endpoint, and rate-limit handling.

    ``sleep`` and ``clock`` are injectable so tests can observe waits; ``rate_budget_s`` is the total
    time this session may spend waiting for rate limits (429 Retry-After and pacing) before
    :class:`RateBudgetError`.
    """

    def __init__(
        self,
        *,
        rate_budget_s: float,
        read_retries: int = 3,
        backoff_s: float = 0.5,
        pace_floor: int = 2,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        super().__init__()
        adapter = HTTPAdapter(max_retries=0)
        self.mount("https://", adapter)
        self.mount("http://", adapter)
        self.rate_budget_s = rate_budget_s
        self.rate_waited_s = 0.0
        self.read_retries = read_retries
        self.backoff_s = backoff_s
        self.pace_floor = pace_floor
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._counts: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._pause_until: float = 0.0
        self.server_time: float | None = None  # Zendesk's clock (Date header) at the last answer, unix s

    # -- accounting -------------------------------------------------------------------------------

    def count(self, key: str) -> None:
        """Count a request sent on another session (the OAuth token endpoint's)."""
        with self._lock:
            self._counts[key] += 1

    @property
    def authorized(self) -> bool:
        """True once an auth hook is set: zenpy then leaves the session's credentials alone."""
        return self.auth is not None

    def request_counts(self) -> dict[str, int]:
        with self._lock:
            return dict(sorted(self._counts.items()))

    @property
    def total_requests(self) -> int:
        with self._lock:
            return sum(self._counts.values())

    # -- the one entry point requests uses for every verb -----------------------------------------

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        verb = method.decode() if isinstance(method, bytes) else method
        target = url.decode() if isinstance(url, bytes) else url
        key = endpoint_key(verb, target)
        read = verb.upper() in _READ_METHODS
        job_queue = bool(kwargs.pop("commops_job_queue", False))  # hand a TooManyJobs 429 to the caller
        attempt = 0
        renewed = False
        while True:
            self._pace()
            with self._lock:
                self._counts[key] += 1
            started = time.monotonic()
            try:
                response = super().request(method, url, *args, **kwargs)
            except (requests.ConnectionError, requests.Timeout) as exc:
                _trace(verb, target, type(exc).__name__, started, {})
                if not read or attempt >= self.read_retries:
                    raise
                attempt += 1
                self._sleep(self._backoff(attempt))
                continue
            _trace(verb, target, response.status_code, started, response.headers)
            self._note_limits(response.headers)
            self._note_date(response.headers)
            if response.status_code == 401 and not renewed and self._renew_after(response):
                renewed = True
                continue
            if response.status_code == 429 and job_queue and _too_many_jobs(response):
                response.headers.pop("Retry-After", None)  # zenpy would sleep on it and resend
                return response
            if response.status_code == 429:
                self._wait_rate(_retry_after(response.headers), key)
                continue
            if response.status_code in _RETRY_STATUSES and read and attempt < self.read_retries:
                attempt += 1
                wait = _retry_after(response.headers)
                self._sleep(wait if wait is not None else self._backoff(attempt))
                continue
            return response

    def _renew_after(self, response: requests.Response) -> bool:
        renew = getattr(self.auth, "renew_after", None)
        if renew is None:
            return False
        sent = response.request.headers.get("Authorization") if response.request is not None else None
        return bool(renew(response, sent))

    # -- waiting ----------------------------------------------------------------------------------

    def _backoff(self, attempt: int) -> float:
        """Full jitter: uniform in [0, base·2^attempt]."""
        return self._rng.uniform(0, self.backoff_s * (2 ** (attempt - 1)))

    def _wait_rate(self, seconds: float | None, key: str) -> None:
        wait = 1.0 if seconds is None else max(seconds, 0.0)
        left = self.rate_budget_s - self.rate_waited_s
        if wait > left:
            raise RateBudgetError(
                f"Zendesk kept rate-limiting {key}: waiting {wait:g}s more would exceed the "
                f"{self.rate_budget_s:g}s rate-limit budget ({self.rate_waited_s:g}s already spent)",
                status=429,
                hint="run again later, or raise zendesk.rate_wait_budget_s",
            )
        self.rate_waited_s += wait
        _log.info("waiting %gs for Zendesk's rate limit (%s; %gs of the %gs budget left)", wait, key,
                  left - wait, self.rate_budget_s)
        self._sleep(wait)

    def _note_limits(self, headers: Mapping[str, str]) -> None:
        """Pace: when the account's remaining requests hit the floor, pause until the window resets."""
        remaining = _int_header(headers, "x-rate-limit-remaining", "ratelimit-remaining")
        if remaining is None or remaining > self.pace_floor:
            return
        reset = _int_header(headers, "ratelimit-reset")
        pause = float(reset) if reset is not None else 1.0
        with self._lock:
            self._pause_until = max(self._pause_until, time.monotonic() + pause)

    def _note_date(self, headers: Mapping[str, str]) -> None:
        raw = headers.get("date")
        if not raw:
            return
        try:
            self.server_time = parsedate_to_datetime(raw).timestamp()
        except (TypeError, ValueError):
            return

    def _pace(self) -> None:
        with self._lock:
            pause = self._pause_until - time.monotonic()
            self._pause_until = 0.0
        if pause > 0:
            self._wait_rate(pause, "pacing")


def _too_many_jobs(response: requests.Response) -> bool:
    """The account's job queue is full (not its request rate): the body names it, when it has one."""
    return "TooManyJobs" in response.text[:500]


def _int_header(headers: Mapping[str, str], *names: str) -> int | None:
    for name in names:
        raw = headers.get(name)
        if raw is None:
            continue
        try:
            return int(float(raw))
        except ValueError:
            continue
    return None


def _retry_after(headers: Mapping[str, str]) -> float | None:
    raw = headers.get("retry-after")
    if raw is None:
        return None
    try:
        return float(raw)
    except ValueError:
        return None
