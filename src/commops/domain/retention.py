"""How long the journal keeps what no run needs any more, and what pruning it did.

Pruning never removes what exactly-once needs: writes still pending (approved, sent, failed but to be
retried) with their attempts and job ids, writes given up (a person must act), and each ticket's last
applied decision (re-triage, the markers on the ticket and benefit provisioning read it). What it removes,
once older than the retention, are proposals only shown (the dry runs' and cron's re-found manual
tickets), superseded ones, conflicts and skipped ones, their write attempts, and runs left with nothing;
with ``decisions`` also the older applied decisions of a ticket (statistics then start at the cut).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from pydantic import BaseModel, Field

__all__ = ["DEFAULT_RETENTION", "PRUNABLE_STATES", "PruneReport", "parse_duration"]

DEFAULT_RETENTION = "180d"
PRUNABLE_STATES = ("proposed", "superseded", "conflict", "skipped")

_DURATION = re.compile(r"(?i)^\s*(\d{1,6})\s*(h|d|w|y)\s*$")
_UNIT = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1), "y": timedelta(days=365)}


def parse_duration(text: str) -> timedelta:
    """``36h``, ``90d``, ``12w`` or ``1y`` (365 days) as a timedelta; ValueError with a sentence otherwise."""
    match = _DURATION.match(text)
    if match is None:
        raise ValueError(f"{text!r} is not a duration: a whole number and a unit, h, d, w or y (e.g. 90d)")
    amount = int(match[1])
    if amount == 0:
        raise ValueError(f"{text!r} would prune everything up to now: give a duration of at least 1h")
    return amount * _UNIT[match[2].lower()]


class PruneReport(BaseModel):
    """What a prune removed (or, dry, would remove) and what it kept although old."""

    before: datetime  # rows created before this instant were considered
    dry_run: bool
    decisions: bool  # older applied decisions were pruned too
    proposals: int = 0  # rows removed, by the states in PRUNABLE_STATES (+ applied with ``decisions``)
    by_state: dict[str, int] = Field(default_factory=dict)
    attempts: int = 0
    runs: int = 0
    kept_pending: int = 0  # old rows kept: writes still to finish
    kept_abandoned: int = 0  # old rows kept: writes given up, a person's to act on
    kept_decisions: int = 0  # old rows kept: applied decisions (each ticket's last, or all without ``decisions``)
    bytes_before: int | None = None  # the store's size, when it can tell
    bytes_after: int | None = None
