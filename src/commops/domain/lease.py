"""The run lease: who may write to an account now, decided from a lease record and the clock. Pure.

A writing run holds the account's lease for its whole life: it takes it when free, released, expired or
orphaned (its holder's process is gone from this very machine), renews it while it works, and releases it
at the end. Another run finding a live lease waits or stops and names the holder. The adapter keeps the
record in the account and swaps it with compare-and-swap; this module only says what the record means.
The record is one line of ``key=value`` pairs so a person reading the ticket can read it too.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

__all__ = [
    "LEASE_PREFIX",
    "Lease",
    "LeaseOwner",
    "LeaseTerms",
    "Standing",
    "lease_note",
    "released",
    "renewal_due",
    "standing",
    "taken",
]

LEASE_PREFIX = "commops-lease=1"


@dataclass(frozen=True)
class LeaseOwner:
    """A run on a machine: ``boot`` tells two machines of the same host name apart (a kernel boot id)."""

    host: str
    pid: int
    run: str
    boot: str = ""

    def same_machine(self, other: LeaseOwner) -> bool:
        return self.host == other.host and self.boot == other.boot

    def describe(self) -> str:
        return f"run {self.run} (pid {self.pid} on {self.host})"


@dataclass(frozen=True)
class LeaseTerms:
    """How long a lease lives without a renewal, how often a holder renews, the clock margin allowed."""

    ttl_s: float = 300.0
    renew_every_s: float = 60.0
    grace_s: float = 30.0  # clocks of two machines may differ a little: expiry counts this late


@dataclass(frozen=True)
class Lease:
    """The lease record as stored. ``owner`` None: nobody holds it (never taken, or released)."""

    owner: LeaseOwner | None
    taken_at: datetime | None = None
    heartbeat_at: datetime | None = None
    expires_at: datetime | None = None

    def encode(self) -> str:
        parts = [LEASE_PREFIX]
        if self.owner is not None:
            parts += [f"host={_clean(self.owner.host)}", f"boot={_clean(self.owner.boot)}",
                      f"pid={self.owner.pid}", f"run={_clean(self.owner.run)}"]
        for key, when in (("taken", self.taken_at), ("heartbeat", self.heartbeat_at), ("expires", self.expires_at)):
            if when is not None:
                parts.append(f"{key}={when.isoformat()}")
        return ";".join(parts)

    @classmethod
    def decode(cls, text: object) -> Lease | None:
        """The record in ``text``; an empty value is a free lease; None when the text is not a lease
        (someone typed into the field): the adapter treats that as free too, with a note."""
        if text is None or (isinstance(text, str) and not text.strip()):
            return cls(owner=None)
        if not isinstance(text, str) or not text.startswith(LEASE_PREFIX):
            return None
        parts: dict[str, str] = {}
        for chunk in text.split(";")[1:]:
            key, _, value = chunk.partition("=")
            parts[key.strip()] = value.strip()
        try:
            times = {k: datetime.fromisoformat(parts[k]) if parts.get(k) else None
                     for k in ("taken", "heartbeat", "expires")}
            owner = (LeaseOwner(host=parts["host"], pid=int(parts["pid"]), run=parts["run"], boot=parts.get("boot", ""))
                     if parts.get("host") and parts.get("pid") and parts.get("run") else None)
        except (KeyError, ValueError):
            return None
        if any(t is not None and t.tzinfo is None for t in times.values()):
            return None
        return cls(owner=owner, taken_at=times["taken"], heartbeat_at=times["heartbeat"], expires_at=times["expires"])

    def describe(self) -> str:
        """The holder in a sentence: who, since when, last heartbeat, until when."""
        if self.owner is None:
            return "nobody"
        when = [f"since {self.taken_at:%Y-%m-%d %H:%M:%S %Z}" if self.taken_at else "",
                f"last heartbeat {self.heartbeat_at:%H:%M:%S %Z}" if self.heartbeat_at else "",
                f"expires {self.expires_at:%H:%M:%S %Z}" if self.expires_at else ""]
        return f"{self.owner.describe()}, " + ", ".join(w for w in when if w)


def _clean(value: str) -> str:
    """No separator of the record inside a value."""
    return value.replace(";", "_").replace("=", "_").strip()


class Standing(StrEnum):
    """What a lease record means to the run reading it."""

    FREE = "free"  # never taken, released, or unreadable: take it
    OURS = "ours"  # this run holds it
    HELD = "held"  # another run holds it and is alive as far as anyone can tell: wait or stop
    EXPIRED = "expired"  # its holder stopped renewing (hung, killed elsewhere): take it over, with a note
    ORPHANED = "orphaned"  # its holder's process is gone from this machine (kill -9): take it over, with a note

    @property
    def takeable(self) -> bool:
        return self is not Standing.HELD

    @property
    def takeover(self) -> bool:
        """Taking it means overruling a holder who never released it: say so on the record."""
        return self in (Standing.EXPIRED, Standing.ORPHANED)


def standing(lease: Lease, me: LeaseOwner, now: datetime, terms: LeaseTerms,
             *, holder_alive: bool | None = None) -> Standing:
    """Who wins. ``holder_alive``: whether the holder's pid lives, known only when it is on this machine
    (None elsewhere). A holder on another machine is trusted until its lease expires (plus the grace)."""
    owner = lease.owner
    if owner is None:
        return Standing.FREE
    if owner.run == me.run and owner.pid == me.pid and owner.same_machine(me):
        return Standing.OURS
    if owner.same_machine(me) and holder_alive is False:
        return Standing.ORPHANED
    if lease.expires_at is None or now >= lease.expires_at + timedelta(seconds=terms.grace_s):
        return Standing.EXPIRED
    return Standing.HELD


def taken(me: LeaseOwner, now: datetime, terms: LeaseTerms, previous: Lease | None = None) -> Lease:
    """The record that says ``me`` holds the lease from ``now`` (a renewal keeps the first taken time)."""
    first = previous.taken_at if previous is not None and previous.owner == me and previous.taken_at else now
    return Lease(owner=me, taken_at=first, heartbeat_at=now, expires_at=now + timedelta(seconds=terms.ttl_s))


def released(lease: Lease, now: datetime) -> Lease:
    """The record after its holder let go: no owner, the last heartbeat kept for whoever reads it."""
    return replace(lease, owner=None, expires_at=now, heartbeat_at=now)


def renewal_due(lease: Lease, now: datetime, terms: LeaseTerms) -> bool:
    """Renew at most every ``renew_every_s``: Zendesk takes 30 updates per ticket per 10 minutes."""
    if lease.heartbeat_at is None:
        return True
    return now - lease.heartbeat_at >= timedelta(seconds=terms.renew_every_s)


def lease_note(previous: Lease, why: Standing, me: LeaseOwner, now: datetime) -> str:
    """The internal note left on the record when a run takes over a lease nobody released."""
    reason = {
        Standing.EXPIRED: "its holder stopped renewing it (hung or stopped on another machine)",
        Standing.ORPHANED: "its holder's process no longer runs on this machine",
    }.get(why, str(why))
    return (f"commops: {me.describe()} took over the run lease at {now:%Y-%m-%d %H:%M:%S %Z}: {reason}. "
            f"Previous holder: {previous.describe()}. Its unfinished writes are finished exactly once from "
            "the journal and the ticket markers.")
