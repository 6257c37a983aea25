"""Rate limits as Zendesk counts them: fixed one-minute windows per account and per endpoint.

Windows are keyed by ``floor(clock() / window)``, so a test moves an injected clock instead of sleeping.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["PLANS", "Decision", "RateLimiter", "plan_limit"]

PLANS: dict[str, int] = {
    "team": 200,
    "growth": 400,
    "professional": 400,
    "enterprise": 700,
    "enterprise-plus": 2500,
    "high-volume": 2500,
}

# Endpoint limits from the contract: (name, limit, window seconds).
TICKET_UPDATE = ("tickets-update", 100, 60)
TICKET_UPDATE_PER_TICKET = ("ticket-updates-per-ticket", 30, 600)
INCREMENTAL = ("incremental-exports", 10, 60)
SEARCH_EXPORT = ("search-export", 100, 60)
VIEW_EXECUTE = ("views-execute", 5, 60)
MAX_ACTIVE_JOBS = 30


def plan_limit(plan: str) -> int:
    """Requests per minute for a plan name; unknown names raise ValueError."""
    try:
        return PLANS[plan.strip().lower().replace("_", "-").replace(" ", "-")]
    except KeyError:
        raise ValueError(f"unknown plan {plan!r}; one of {', '.join(PLANS)}") from None


@dataclass
class Decision:
    """The outcome of counting one request: allowed or not, and the headers to send either way."""

    allowed: bool
    retry_after: int = 0
    headers: dict[str, str] = field(default_factory=dict)


class RateLimiter:
    """Counts requests in fixed windows. ``enabled=False`` still sends headers but never refuses."""

    def __init__(self, plan: str = "enterprise", *, enabled: bool = True,
                 clock: Callable[[], float] | None = None) -> None:
        import time

        self.limit = plan_limit(plan)
        self.enabled = enabled
        self._clock = clock or time.time
        self._counts: dict[tuple[str, int, int], int] = {}
        self._lock = threading.Lock()

    def _window(self, key: str, limit: int, seconds: int, now: float) -> tuple[int, int, int]:
        """Count one hit; return (used after this hit, limit, seconds to reset)."""
        slot = math.floor(now / seconds)
        used = self._counts.get((key, seconds, slot), 0) + 1
        self._counts[(key, seconds, slot)] = used
        reset = max(1, math.ceil((slot + 1) * seconds - now))
        return used, limit, reset

    def hit(self, buckets: list[tuple[str, int, int]]) -> Decision:
        """Count a request against the account and the given endpoint buckets ``(key, limit, seconds)``."""
        now = self._clock()
        with self._lock:
            self._prune(now)
            used, limit, reset = self._window("account", self.limit, 60, now)
            headers = {
                "X-Rate-Limit": str(limit),
                "X-Rate-Limit-Remaining": str(max(0, limit - used)),
                "ratelimit-limit": str(limit),
                "ratelimit-remaining": str(max(0, limit - used)),
                "ratelimit-reset": str(reset),
            }
            over = [reset] if used > limit else []
            for key, blimit, seconds in buckets:
                bused, _, breset = self._window(key, blimit, seconds, now)
                if key == TICKET_UPDATE[0]:
                    headers["Zendesk-Rate-Limit-Tickets-Update"] = (
                        f"total={blimit}; remaining={max(0, blimit - bused)}; resets={breset}"
                    )
                if bused > blimit:
                    over.append(breset)
        if over and self.enabled:
            return Decision(False, max(over), headers)
        return Decision(True, 0, headers)

    def _prune(self, now: float) -> None:
        if len(self._counts) > 4096:
            for key in [k for k in self._counts if (k[2] + 1) * k[1] < now - 60]:
                del self._counts[key]
