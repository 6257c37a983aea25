"""The account's run lease over HTTP against the sandbox: compare-and-swap, holders named, takeovers noted."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from tests.integration.gateway.helpers import applicants, gateway_for

from commops.domain.lease import Lease, LeaseOwner
from commops.errors import ConflictError, LockedError
from commops.sandbox import SandboxServer
from commops.zendesk import ZendeskGateway
from commops.zendesk.lease import ZendeskLease

RULESET_FIELD = 3600291
HOST_A = LeaseOwner(host="cron-a", pid=11, run="run-a", boot="boot-a")
HOST_B = LeaseOwner(host="cron-b", pid=22, run="run-b", boot="boot-b")


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 2, 14, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[SandboxServer]:
    with SandboxServer(tmp_path / "sandbox.sqlite3", limits=False, job_delay_s=0.2) as server:
        server.store.reset()
        yield server


@pytest.fixture
def gateway(sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[ZendeskGateway]:
    with gateway_for(sandbox.url, monkeypatch) as gw:
        yield gw


def lease_for(gw: ZendeskGateway, owner: LeaseOwner, clock: Clock, *, alive: bool = True,
              settle_s: float = 0.0, sleeps: list[float] | None = None, **lease: object) -> ZendeskLease:
    settings = gw.settings.model_copy(update={"lease": gw.settings.lease.model_copy(
        update={"settle_s": settle_s, **lease})})
    return ZendeskLease(gw.http, settings, clock=clock, owner=lambda run: LeaseOwner(owner.host, owner.pid, run,
                                                                                    owner.boot),
                        alive=lambda _pid: alive, sleep=(sleeps.append if sleeps is not None else lambda _s: None))


def lease_tickets(sandbox: SandboxServer) -> list[dict[str, object]]:
    return [doc for _seq, doc in sandbox.store.ticket_docs()
            if str(doc.get("external_id") or "").startswith("commops-lease:")]


def record(sandbox: SandboxServer) -> Lease | None:
    ticket = sandbox.store.ticket(int(lease_tickets(sandbox)[0]["id"]))  # type: ignore[call-overload]
    value = next(f["value"] for f in ticket["custom_fields"] if f["id"] == RULESET_FIELD)
    return Lease.decode(value)


def test_the_sandbox_refuses_a_single_update_with_a_stale_stamp_as_zendesk_does(
        sandbox: SandboxServer, gateway: ZendeskGateway) -> None:
    sandbox.store.load(applicants(1))
    ticket = gateway.http.get("tickets/5000.json", what="t")["ticket"]
    stale = ticket["updated_at"]
    body = {"ticket": {"comment": {"body": "first", "public": False}, "safe_update": True, "updated_stamp": stale}}
    gateway.http.put("tickets/5000.json", body, what="t")
    with pytest.raises(ConflictError):
        gateway.http.put("tickets/5000.json", {"ticket": {**body["ticket"], "comment": {"body": "again"}}}, what="t")
    assert [c["body"] for c in sandbox.store.comments(5000)][-1] == "first"


def test_the_first_run_creates_the_lease_ticket_and_a_second_is_refused_naming_the_holder(
        sandbox: SandboxServer, gateway: ZendeskGateway) -> None:
    clock = Clock()
    first = lease_for(gateway, HOST_A, clock)
    with first.hold("run-a", wait_s=0):
        [ticket] = lease_tickets(sandbox)
        assert ticket["external_id"] == "commops-lease:default" and "commops_lease" in ticket["tags"]  # type: ignore[operator]
        assert sandbox.store.comments(int(ticket["id"]))[0]["public"] is False  # type: ignore[call-overload]
        held = record(sandbox)
        assert held is not None and held.owner == HOST_A
        with pytest.raises(LockedError, match=r"run run-a \(pid 11 on cron-a\)") as refused:
            lease_for(gateway, HOST_B, clock).hold("run-b", wait_s=0).__enter__()
        assert refused.value.exit_code == 13
    released = record(sandbox)
    assert released is not None and released.owner is None
    with lease_for(gateway, HOST_B, clock).hold("run-b", wait_s=0):  # released: the next run takes it at once
        assert record(sandbox).owner == HOST_B  # type: ignore[union-attr]
    assert len(lease_tickets(sandbox)) == 1


def test_a_waiting_run_takes_the_lease_once_the_holder_releases_it(gateway: ZendeskGateway) -> None:
    clock = Clock()
    holder = lease_for(gateway, HOST_A, clock).acquire("run-a", wait_s=0)
    polls: list[float] = []

    def sleep(seconds: float) -> None:
        polls.append(seconds)
        if len(polls) == 2:
            holder._lease.release(holder)

    waiting = lease_for(gateway, HOST_B, clock, poll_s=5.0)
    waiting._sleep = sleep
    hold = waiting.acquire("run-b", wait_s=60)
    assert hold.me.run == "run-b" and polls == [5.0, 5.0]


def test_an_expired_lease_is_taken_over_with_an_internal_note(sandbox: SandboxServer,
                                                               gateway: ZendeskGateway) -> None:
    clock = Clock()
    hung = lease_for(gateway, HOST_A, clock).acquire("run-a", wait_s=0)
    clock.now += timedelta(seconds=300 + 29)
    with pytest.raises(LockedError):
        lease_for(gateway, HOST_B, clock).acquire("run-b", wait_s=0)  # within the grace: still held
    clock.now += timedelta(seconds=1)
    with lease_for(gateway, HOST_B, clock).hold("run-b", wait_s=0):
        ticket_id = hung.ticket_id
        note = sandbox.store.comments(ticket_id)[-1]
        assert note["public"] is False
        assert "took over the run lease" in note["body"] and "run run-a (pid 11 on cron-a)" in note["body"]
        with pytest.raises(LockedError, match="lost the account's lease to run run-b"):
            hung.beat()  # the hung run wakes up: its renewal finds another holder, it stops


def test_a_lease_of_a_dead_process_on_this_machine_is_taken_over_at_once(sandbox: SandboxServer,
                                                                          gateway: ZendeskGateway) -> None:
    clock = Clock()
    lease_for(gateway, HOST_A, clock).acquire("run-a", wait_s=0)  # then kill -9: never released
    again = LeaseOwner(host="cron-a", pid=12, run="x", boot="boot-a")
    with lease_for(gateway, again, clock, alive=False).hold("run-a2", wait_s=0):
        ticket_id = int(lease_tickets(sandbox)[0]["id"])  # type: ignore[call-overload]
        assert "no longer runs on this machine" in sandbox.store.comments(ticket_id)[-1]["body"]


def test_renewals_are_spaced_and_move_the_expiry(sandbox: SandboxServer, gateway: ZendeskGateway) -> None:
    clock = Clock()
    hold = lease_for(gateway, HOST_A, clock).acquire("run-a", wait_s=0)
    before = gateway.request_counts().get("PUT /tickets/{id}", 0)
    hold.beat()
    assert hold.renewals == 0 and gateway.request_counts().get("PUT /tickets/{id}", 0) == before
    clock.now += timedelta(seconds=61)
    hold.beat()
    assert hold.renewals == 1
    assert record(sandbox).expires_at == clock.now + timedelta(seconds=300)  # type: ignore[union-attr]
    assert record(sandbox).taken_at == clock.now - timedelta(seconds=61)  # type: ignore[union-attr]


def test_a_lease_ticket_edited_by_a_person_is_still_renewed(sandbox: SandboxServer, gateway: ZendeskGateway) -> None:
    clock = Clock()
    hold = lease_for(gateway, HOST_A, clock).acquire("run-a", wait_s=0)
    sandbox.store.update_ticket(hold.ticket_id, {"comment": {"body": "what is this?", "public": False}},
                                int(gateway.me()["id"]))
    clock.now += timedelta(seconds=61)
    hold.beat()
    assert hold.renewals == 1 and record(sandbox).owner == HOST_A  # type: ignore[union-attr]


def test_two_runs_swapping_from_the_same_read_cannot_both_win(sandbox: SandboxServer,
                                                              gateway: ZendeskGateway) -> None:
    clock = Clock()
    a, b = lease_for(gateway, HOST_A, clock), lease_for(gateway, HOST_B, clock)
    a.release(a.acquire("run-a", wait_s=0))  # the lease ticket exists, free
    [ticket] = a._find()
    stamp = str(ticket["updated_at"])
    from commops.domain.lease import taken
    assert a._swap(int(ticket["id"]), stamp, taken(HOST_A, clock(), a.terms)) is not None
    assert b._swap(int(ticket["id"]), stamp, taken(HOST_B, clock(), b.terms)) is None  # 409: read again
    assert record(sandbox).owner == HOST_A  # type: ignore[union-attr]


def test_of_two_lease_tickets_created_at_once_the_lowest_id_is_the_lease(sandbox: SandboxServer,
                                                                        gateway: ZendeskGateway) -> None:
    clock = Clock()
    for _ in range(2):  # two runs that both found no lease ticket and created one
        sandbox.store.create_ticket({"subject": "lease", "comment": {"body": "x", "public": False},
                                     "external_id": "commops-lease:default"}, int(gateway.me()["id"]))
    first, second = sorted(int(t["id"]) for t in lease_tickets(sandbox))  # type: ignore[call-overload]
    lease = lease_for(gateway, HOST_A, clock)
    hold = lease.acquire("run-a", wait_s=0)
    assert hold.ticket_id == first
    created = lease._create(HOST_B, Lease(owner=None))  # a late duplicate is retired when confirmed
    assert lease._confirm(HOST_B, created, Lease(owner=None)) is None
    assert sandbox.store.ticket(int(created["id"]))["external_id"] == "commops-lease:default:retired"
    assert second in {int(t["id"]) for t in lease_tickets(sandbox)}  # type: ignore[call-overload]


def test_taking_the_lease_waits_for_zendesks_stamp_to_move_on_before_trusting_it(
        gateway: ZendeskGateway) -> None:
    sleeps: list[float] = []
    lease_for(gateway, HOST_A, Clock(), settle_s=1.2, sleeps=sleeps).acquire("run-a", wait_s=0)
    assert sleeps == [1.2]


def test_the_lease_ticket_never_joins_the_queue(sandbox: SandboxServer, gateway: ZendeskGateway) -> None:
    sandbox.store.load(applicants(2))
    lease_for(gateway, HOST_A, Clock()).acquire("run-a", wait_s=0)
    pulled = [a.ticket_id for page in gateway.pull_queue("type:ticket status<solved") for a in page.applications]
    assert sorted(pulled) == [5000, 5001]


def test_a_lease_costs_four_requests_a_run_and_two_per_renewal(gateway: ZendeskGateway) -> None:
    clock = Clock()
    lease = lease_for(gateway, HOST_A, clock)
    lease.release(lease.acquire("first", wait_s=0))  # creates the ticket
    before = sum(gateway.request_counts().values())
    with lease.hold("run-a", wait_s=0) as hold:
        clock.now += timedelta(seconds=60)
        hold.beat()
    assert sum(gateway.request_counts().values()) - before == 4 + 2
