"""The lease policy: who wins, when a lease is expired or orphaned, and the record read back as written."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from commops.domain.lease import (
    Lease,
    LeaseOwner,
    LeaseTerms,
    Standing,
    lease_note,
    released,
    renewal_due,
    standing,
    taken,
)

NOW = datetime(2026, 12, 2, 14, 0, tzinfo=UTC)
TERMS = LeaseTerms(ttl_s=300, renew_every_s=60, grace_s=30)
ME = LeaseOwner(host="cron-a", pid=100, run="20261202T140000-aaaaaa", boot="b1")
OTHER_HOST = LeaseOwner(host="cron-b", pid=100, run="20261202T135900-bbbbbb", boot="b2")
SAME_HOST = LeaseOwner(host="cron-a", pid=200, run="20261202T135900-cccccc", boot="b1")


def test_a_record_reads_back_as_written_and_names_its_holder() -> None:
    lease = taken(ME, NOW, TERMS)
    text = lease.encode()
    assert text.startswith("commops-lease=1;host=cron-a;")
    assert Lease.decode(text) == lease
    assert lease.expires_at == NOW + timedelta(seconds=300)
    assert "run 20261202T140000-aaaaaa (pid 100 on cron-a)" in lease.describe()


def test_separators_in_a_host_name_cannot_break_the_record() -> None:
    odd = LeaseOwner(host="a;b=c", pid=1, run="r")
    assert Lease.decode(taken(odd, NOW, TERMS).encode()).owner == LeaseOwner(host="a_b_c", pid=1, run="r")  # type: ignore[union-attr]


@pytest.mark.parametrize("text", [None, "", "  "])
def test_an_empty_field_is_a_free_lease(text: str | None) -> None:
    assert Lease.decode(text) == Lease(owner=None)


@pytest.mark.parametrize("text", ["somebody typed here", "commops-lease=1;host=x;pid=notanumber;run=r",
                                  "commops-lease=1;host=x;pid=1;run=r;expires=2026-12-02T14:00:00"])
def test_an_unreadable_record_is_not_a_lease(text: str) -> None:
    assert Lease.decode(text) is None


def test_free_and_released_leases_are_taken() -> None:
    assert standing(Lease(owner=None), ME, NOW, TERMS) is Standing.FREE
    assert standing(released(taken(OTHER_HOST, NOW, TERMS), NOW), ME, NOW, TERMS) is Standing.FREE


def test_a_live_lease_of_another_run_is_held_until_its_expiry_plus_the_grace() -> None:
    lease = taken(OTHER_HOST, NOW, TERMS)
    assert standing(lease, ME, NOW + timedelta(seconds=329), TERMS) is Standing.HELD
    assert standing(lease, ME, NOW + timedelta(seconds=330), TERMS) is Standing.EXPIRED
    assert not Standing.HELD.takeable and Standing.EXPIRED.takeover


def test_a_holder_on_another_machine_is_never_judged_by_its_pid() -> None:
    lease = taken(OTHER_HOST, NOW, TERMS)
    assert standing(lease, ME, NOW, TERMS, holder_alive=False) is Standing.HELD


def test_a_dead_holder_on_this_machine_is_orphaned_at_once() -> None:
    lease = taken(SAME_HOST, NOW, TERMS)
    assert standing(lease, ME, NOW, TERMS, holder_alive=False) is Standing.ORPHANED
    assert standing(lease, ME, NOW, TERMS, holder_alive=True) is Standing.HELD
    rebooted = LeaseOwner(host="cron-a", pid=200, run="r", boot="b-other")  # same name, another machine
    assert standing(taken(rebooted, NOW, TERMS), ME, NOW, TERMS, holder_alive=False) is Standing.HELD


def test_our_own_lease_is_ours_and_a_renewal_keeps_the_first_taken_time() -> None:
    first = taken(ME, NOW, TERMS)
    assert standing(first, ME, NOW, TERMS) is Standing.OURS
    later = NOW + timedelta(seconds=90)
    renewed = taken(ME, later, TERMS, first)
    assert renewed.taken_at == NOW and renewed.heartbeat_at == later
    assert renewed.expires_at == later + timedelta(seconds=300)


def test_renewals_are_spaced_to_respect_the_per_ticket_update_limit() -> None:
    lease = taken(ME, NOW, TERMS)
    assert not renewal_due(lease, NOW + timedelta(seconds=59), TERMS)
    assert renewal_due(lease, NOW + timedelta(seconds=60), TERMS)
    # 10 minutes of renewals at the fastest allowed pace stay under Zendesk's 30 updates per ticket
    assert 600 / TERMS.renew_every_s + 2 < 30


def test_the_takeover_note_names_the_previous_holder_and_why() -> None:
    note = lease_note(taken(OTHER_HOST, NOW, TERMS), Standing.EXPIRED, ME, NOW + timedelta(seconds=400))
    assert "took over the run lease" in note and "stopped renewing" in note
    assert "run 20261202T135900-bbbbbb (pid 100 on cron-b)" in note
