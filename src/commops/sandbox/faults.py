"""Fault injection: one spec syntax for ``serve --faults`` and ``COMMOPS_SANDBOX_FAULTS``, seeded draws.

Every request draws exactly one number from a ``random.Random(seed)`` (and a second one to pick the 5xx
status), so the same requests in the same order meet the same faults. Jobs draw from their own stream.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass

from commops.errors import ConfigError

__all__ = ["FAULT_KINDS", "FaultInjector", "FaultSpec", "parse_faults"]

FAULT_KINDS = ("429", "5xx", "slow", "drop", "jobfail")


@dataclass(frozen=True)
class FaultSpec:
    """Shares (0..1) of requests that meet each fault; ``jobfail`` is a share of update_many jobs."""

    rate_limited: float = 0.0
    server_error: float = 0.0
    slow: float = 0.0
    drop: float = 0.0
    jobfail: float = 0.0

    @property
    def any(self) -> bool:
        return any((self.rate_limited, self.server_error, self.slow, self.drop, self.jobfail))


_KEYS = {"429": "rate_limited", "5xx": "server_error", "slow": "slow", "drop": "drop", "jobfail": "jobfail"}


def parse_faults(text: str) -> FaultSpec:
    """Parse ``"429=0.2,5xx=0.05,slow=0.02,drop=0.01,jobfail=0.01"``; empty text means no faults."""
    values: dict[str, float] = {}
    for raw in text.replace(";", ",").split(","):
        item = raw.strip()
        if not item:
            continue
        key, sep, share = item.partition("=")
        key = key.strip().lower()
        if not sep or key not in _KEYS:
            raise ConfigError(
                f"fault {item!r} is not understood",
                hint=f"use KIND=SHARE with KIND one of {', '.join(FAULT_KINDS)}, e.g. 429=0.2,5xx=0.05",
            )
        try:
            number = float(share)
        except ValueError:
            raise ConfigError(f"fault {key} share {share.strip()!r} is not a number between 0 and 1") from None
        if not 0.0 <= number <= 1.0:
            raise ConfigError(f"fault {key} share {number} is not between 0 and 1")
        values[_KEYS[key]] = number
    spec = FaultSpec(**values)
    if spec.rate_limited + spec.server_error + spec.slow + spec.drop > 1.0 + 1e-9:
        raise ConfigError("fault shares 429 + 5xx + slow + drop add up to more than 1")
    return spec


class FaultInjector:
    """Draws the fault for each request (``"429"``, ``"500"``, ``"502"``, ``"503"``, ``"slow"``, ``"drop"``
    or ``None``) and whether each job fails. Thread-safe; reproducible for a seed."""

    def __init__(self, spec: FaultSpec, seed: int = 0) -> None:
        self.spec = spec
        self._rng = random.Random(seed)
        self._job_rng = random.Random(f"jobs-{seed}")
        self._lock = threading.Lock()

    def draw(self) -> str | None:
        with self._lock:
            u = self._rng.random()
            pick = self._rng.random()
        spec = self.spec
        edge = spec.rate_limited
        if u < edge:
            return "429"
        edge += spec.server_error
        if u < edge:
            return ("500", "502", "503")[int(pick * 3) % 3]
        edge += spec.slow
        if u < edge:
            return "slow"
        edge += spec.drop
        if u < edge:
            return "drop"
        return None

    def job_fails(self) -> bool:
        with self._lock:
            return self._job_rng.random() < self.spec.jobfail
