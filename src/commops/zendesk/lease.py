"""The run lease kept in the account: one internal ticket, swapped with compare-and-swap (implements RunLease).

The lease ticket is found by its ``external_id`` (``GET /tickets.json?external_id=``, read from the
database, not the search index, so a ticket just created is found at once) and holds the record in a
text field (``[lease] field``). Every change is a single-ticket ``PUT`` with ``safe_update`` and the
``updated_stamp`` read: Zendesk answers 409 when anyone changed the ticket since, so of two runs swapping
the same record one wins and the other reads again. If two runs create the ticket at once, the lowest id
is the lease and the other is closed; a run re-reads the list after taking the lease, so both agree.

What the record means (free, held, expired, orphaned) is decided by ``commops.domain.lease``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from commops.config import Settings
from commops.domain.lease import (
    Lease,
    LeaseOwner,
    LeaseTerms,
    lease_note,
    released,
    renewal_due,
    standing,
    taken,
)
from commops.errors import ConflictError, LockedError, NotFoundError, ValidationError, ZendeskError
from commops.host import boot_id, host_name, pid_alive
from commops.zendesk._client import ZendeskHttp
from commops.zendesk._mapping import custom_values

__all__ = ["LEASE_EXTERNAL_PREFIX", "LeaseHold", "ZendeskLease", "local_owner"]

LEASE_EXTERNAL_PREFIX = "commops-lease:"
_SWAP_TRIES = 8  # compare-and-swap rounds before giving up (each lost round means someone else wrote)


def local_owner(run_id: str) -> LeaseOwner:
    return LeaseOwner(host=host_name(), pid=os.getpid(), run=run_id, boot=boot_id())


def _utcnow() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


class LeaseHold:
    """A held lease: ``beat()`` between batches renews it when due and raises LockedError when it was lost."""

    def __init__(self, lease: ZendeskLease, me: LeaseOwner, ticket_id: int, record: Lease, stamp: str) -> None:
        self._lease = lease
        self.me = me
        self.ticket_id = ticket_id
        self.record = record
        self.stamp = stamp
        self.renewals = 0

    @property
    def holder(self) -> str:
        return self.me.describe()

    def beat(self) -> None:
        if renewal_due(self.record, self._lease.clock(), self._lease.terms):
            self._lease.renew(self)


class ZendeskLease:
    """The account's run lease over the gateway's HTTP client (its requests are counted with the rest)."""

    def __init__(self, http: ZendeskHttp, settings: Settings, *,
                 clock: Callable[[], datetime] = _utcnow,
                 sleep: Callable[[float], None] = time.sleep,
                 monotonic: Callable[[], float] = time.monotonic,
                 owner: Callable[[str], LeaseOwner] = local_owner,
                 alive: Callable[[int], bool] = pid_alive,
                 notice: Callable[[str], None] = lambda _m: None) -> None:
        config = settings.lease
        self.http = http
        self.terms = LeaseTerms(ttl_s=config.ttl_s, renew_every_s=config.renew_every_s, grace_s=config.grace_s)
        self.external_id = f"{LEASE_EXTERNAL_PREFIX}{config.name}"
        self.field_id = settings.fields[config.field]
        self.tag = config.tag
        self.poll_s = config.poll_s
        self.settle_s = config.settle_s
        self.clock = clock
        self._sleep = sleep
        self._monotonic = monotonic
        self._owner = owner
        self._alive = alive
        self._notice = notice

    # -- the port --------------------------------------------------------------------------------

    @contextmanager
    def hold(self, run_id: str, wait_s: float) -> Iterator[LeaseHold]:
        """Held for the block, released after it; LockedError naming the holder after ``wait_s`` seconds."""
        hold = self.acquire(run_id, wait_s)
        try:
            yield hold
        finally:
            self.release(hold)

    def acquire(self, run_id: str, wait_s: float) -> LeaseHold:
        me = self._owner(run_id)
        deadline = self._monotonic() + max(wait_s, 0.0)
        while True:
            outcome = self._try_take(me)
            if isinstance(outcome, LeaseHold):
                return outcome
            left = deadline - self._monotonic()
            if left <= 0:
                waited = f" after waiting {wait_s:g} s" if wait_s > 0 else ""
                raise LockedError(
                    f"another commops run holds this account's lease: {outcome.describe()}; "
                    f"this run did nothing{waited}",
                    hint=f"wait for it (--wait SECONDS), or look at the lease ticket "
                         f"(external_id {self.external_id}); an expired lease is taken over by the next run",
                )
            self._sleep(min(self.poll_s, left))

    # -- the record ------------------------------------------------------------------------------

    def _find(self) -> list[dict[str, Any]]:
        """Every open lease ticket of this name, lowest id first (the lowest is the lease)."""
        data = self.http.get(f"tickets.json?external_id={quote(self.external_id, safe='')}",
                             what="reading the run lease")
        # A closed ticket cannot be updated any more: a new lease ticket replaces it.
        found = [t for t in data.get("tickets") or []
                 if t.get("external_id") == self.external_id and t.get("status") != "closed"]
        return sorted(found, key=lambda t: int(t["id"]))

    def _create(self, me: LeaseOwner, record: Lease) -> dict[str, Any]:
        body = {"ticket": {
            "subject": "commops run lease (do not edit, solve or merge)",
            "comment": {"body": "commops keeps its run lease on this ticket: one writing run at a time for "
                                "this account, whichever machine it runs on. The field holds who has it and "
                                "until when. Leave the ticket open; exclude the tag from your views.",
                        "public": False},
            "external_id": self.external_id,
            "tags": [self.tag],
            "custom_fields": [{"id": self.field_id, "value": record.encode()}],
        }}
        data = self.http.post("tickets.json", body, what="creating the run lease ticket")
        ticket: dict[str, Any] = data["ticket"]
        return ticket

    def _record(self, ticket: dict[str, Any]) -> Lease:
        decoded = Lease.decode(custom_values(ticket).get(self.field_id))
        return decoded if decoded is not None else Lease(owner=None)

    def _swap(self, ticket_id: int, stamp: str, record: Lease, note: str | None = None) -> dict[str, Any] | None:
        """The compare-and-swap: the ticket as written, or None when someone changed it since ``stamp``."""
        body: dict[str, Any] = {"ticket": {"custom_fields": [{"id": self.field_id, "value": record.encode()}],
                                           "safe_update": True, "updated_stamp": stamp}}
        if note:
            body["ticket"]["comment"] = {"body": note, "public": False}
        try:
            data = self.http.put(f"tickets/{ticket_id}.json", body, what="swapping the run lease")
        except ConflictError:
            return None
        ticket: dict[str, Any] = data["ticket"]
        return ticket

    def _try_take(self, me: LeaseOwner) -> LeaseHold | Lease:
        """Take the lease if it may be taken now: the hold, or the record of whoever holds it."""
        for _ in range(_SWAP_TRIES):
            tickets = self._find()
            now = self.clock()
            if not tickets:
                record = taken(me, now, self.terms)
                ticket = self._create(me, record)
                hold = self._confirm(me, ticket, record)
                if hold is not None:
                    return hold
                continue
            ticket = tickets[0]
            current = self._record(ticket)
            owner = current.owner
            alive = self._alive(owner.pid) if owner is not None and owner.same_machine(me) else None
            verdict = standing(current, me, now, self.terms, holder_alive=alive)
            if not verdict.takeable:
                return current
            record = taken(me, now, self.terms)
            note = lease_note(current, verdict, me, now) if verdict.takeover else None
            written = self._swap(int(ticket["id"]), str(ticket["updated_at"]), record, note)
            if written is None:
                continue  # someone wrote first: read again
            if note:
                self._notice(note)
            hold = self._confirm(me, written, record)
            if hold is not None:
                return hold
        raise LockedError(
            f"the run lease (external_id {self.external_id}) kept changing while this run tried to take it; "
            "this run did nothing",
            hint="another run is taking it at the same moment; the next run will find it settled",
        )

    def _confirm(self, me: LeaseOwner, ticket: dict[str, Any], record: Lease) -> LeaseHold | None:
        """Read the lease again once Zendesk's clock has passed the second of our write: ``updated_at`` has
        one-second resolution, so a rival's swap in that same second could have passed ``safe_update``
        too; whichever record is there now wins. Two lease tickets created at once: the lowest id wins."""
        if self.settle_s > 0:
            self._sleep(self.settle_s)
        tickets = self._find()
        if tickets and int(tickets[0]["id"]) != int(ticket["id"]):
            self._retire(ticket, record)
            return None
        if not tickets or self._record(tickets[0]).owner != me:
            return None
        return LeaseHold(self, me, int(ticket["id"]), record, str(tickets[0]["updated_at"]))

    def _retire(self, ticket: dict[str, Any], record: Lease) -> None:
        """A duplicate lease ticket (created in the same instant as another) loses its external_id, so it
        is never found again, and is solved."""
        body = {"ticket": {"status": "solved", "safe_update": True, "updated_stamp": str(ticket["updated_at"]),
                           "external_id": f"{self.external_id}:retired",
                           "custom_fields": [{"id": self.field_id, "value": released(record, self.clock()).encode()}],
                           "comment": {"body": "commops: a second run lease ticket was created at the same moment; "
                                               "the lower ticket id is the lease, this one is not used.",
                                       "public": False}}}
        # Someone else retired or edited it meanwhile: it is not the lease either way.
        with suppress(ConflictError, ValidationError, NotFoundError):
            self.http.put(f"tickets/{ticket['id']}.json", body, what="retiring a duplicate run lease ticket")

    def renew(self, hold: LeaseHold) -> None:
        """A heartbeat: read the record (still ours?), then swap it for a fresh expiry. LockedError when
        another run took it over (this run paused longer than the lease lives)."""
        for _ in range(_SWAP_TRIES):
            ticket = self.http.get(f"tickets/{hold.ticket_id}.json", what="reading the run lease")["ticket"]
            current = self._record(ticket)
            if current.owner != hold.me:
                raise LockedError(
                    f"this run lost the account's lease to {current.describe()} (it did not renew it in time); "
                    "it stopped before writing more",
                    hint="its unfinished writes are finished exactly once by a later run; raise [lease] ttl_s "
                         "if runs pause this long",
                )
            record = taken(hold.me, self.clock(), self.terms, hold.record)
            written = self._swap(hold.ticket_id, str(ticket["updated_at"]), record)
            if written is not None:
                hold.record, hold.stamp = record, str(written["updated_at"])
                hold.renewals += 1
                return
        raise LockedError("the run lease kept changing while this run renewed it; it stopped before writing more")

    def release(self, hold: LeaseHold) -> None:
        """Let go, if it is still ours: the next run need not wait for the expiry."""
        for _ in range(_SWAP_TRIES):
            try:
                written = self._swap(hold.ticket_id, hold.stamp, released(hold.record, self.clock()))
                if written is not None:
                    return
                ticket = self.http.get(f"tickets/{hold.ticket_id}.json", what="reading the run lease")["ticket"]
            except ZendeskError as exc:  # the run's result stands; the lease expires by itself
                self._notice(f"could not release the run lease ({exc}); it expires by itself")
                return
            if self._record(ticket).owner != hold.me:
                return  # taken over meanwhile: not ours to release
            hold.stamp = str(ticket["updated_at"])
