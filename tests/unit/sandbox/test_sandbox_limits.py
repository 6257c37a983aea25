from __future__ import annotations

import pytest

from commops.sandbox.limits import TICKET_UPDATE, TICKET_UPDATE_PER_TICKET, RateLimiter, plan_limit


class Clock:
    def __init__(self, now: float = 1_000_020.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_plans() -> None:
    assert plan_limit("team") == 200
    assert plan_limit("Enterprise") == 700
    assert plan_limit("high-volume") == 2500
    with pytest.raises(ValueError):
        plan_limit("platinum")


def test_account_window_refuses_then_resets_with_the_clock() -> None:
    clock = Clock()
    limiter = RateLimiter("team", clock=clock)
    decisions = [limiter.hit([]) for _ in range(201)]
    assert all(d.allowed for d in decisions[:200])
    assert decisions[0].headers["X-Rate-Limit"] == "200"
    assert decisions[0].headers["X-Rate-Limit-Remaining"] == "199"
    assert decisions[199].headers["ratelimit-remaining"] == "0"
    refused = decisions[200]
    assert not refused.allowed
    assert 1 <= refused.retry_after <= 60
    assert refused.headers["ratelimit-reset"] == str(refused.retry_after)
    clock.now += refused.retry_after
    assert limiter.hit([]).allowed


def test_per_ticket_update_limit_and_header() -> None:
    clock = Clock()
    limiter = RateLimiter("enterprise", clock=clock)
    bucket = [TICKET_UPDATE, (f"{TICKET_UPDATE_PER_TICKET[0]}:7", 30, 600)]
    results = [limiter.hit(bucket) for _ in range(31)]
    assert all(r.allowed for r in results[:30]) and not results[30].allowed
    assert results[0].headers["Zendesk-Rate-Limit-Tickets-Update"].startswith("total=100; remaining=99; resets=")
    assert results[30].retry_after > 60  # the per-ticket window is ten minutes


def test_disabled_limits_still_send_headers() -> None:
    limiter = RateLimiter("team", enabled=False, clock=Clock())
    decisions = [limiter.hit([]) for _ in range(250)]
    assert all(d.allowed for d in decisions)
    assert decisions[-1].headers["X-Rate-Limit-Remaining"] == "0"
