"""Runs that cannot hang: the time limit stops new work between batches, heartbeats run between them, a lost
lease stops the run; what was not written stays for the next run (nothing lost, nothing twice)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest

from commops.config import load_settings
from commops.domain.calendar import BusinessCalendar
from commops.errors import LockedError, TimeLimitError
from commops.journal import FileRunLock
from commops.services.guard import RunGuard
from commops.services.runs import RunLimits, RunSummary, run_unattended
from commops.services.triage import TriageOptions, TriagePorts

from .fakes import FakeGateway, FieldEvaluator, application
from .memory_journal import MemoryJournal


class Beats:
    def __init__(self, fail_after: int | None = None) -> None:
        self.count = 0
        self.fail_after = fail_after

    def beat(self) -> None:
        self.count += 1
        if self.fail_after is not None and self.count > self.fail_after:
            raise LockedError("this run lost the account's lease to run x")


class FakeLease:
    """The lease port: hands out a heartbeat, records holds and releases."""

    def __init__(self, beats: Beats) -> None:
        self.beats = beats
        self.held: list[str] = []
        self.released = 0

    @contextmanager
    def hold(self, run_id: str, wait_s: float) -> Iterator[Beats]:
        self.held.append(run_id)
        try:
            yield self.beats
        finally:
            self.released += 1


class Ticking:
    """A monotonic clock that moves ``step`` seconds each time it is read."""

    def __init__(self, step: float) -> None:
        self.now, self.step = 0.0, step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


def make_ports(gateway: FakeGateway, lease: FakeLease) -> TriagePorts:
    evaluator = FieldEvaluator()
    return TriagePorts(settings=load_settings(), gateway=gateway, evaluator=evaluator, ruleset=evaluator,
                       journal=MemoryJournal(), calendar=BusinessCalendar(),
                       clock=lambda: datetime(2026, 11, 25, 12, 0, tzinfo=UTC),
                       lock=FileRunLock(load_settings().state.run_lock), lease=lease)


def test_the_guard_renews_every_heartbeat_and_stops_once_the_time_is_up() -> None:
    beats = Beats()
    guard = RunGuard(beats=[beats], max_run_time_s=10, clock=Ticking(4))
    assert guard.proceed() and guard.proceed()  # 8 s, 12 s after start... the first read was the start
    assert not guard.proceed() and guard.stopped
    assert not guard.proceed()  # once stopped, stopped
    assert beats.count == 4
    assert RunGuard(beats=[], max_run_time_s=None, clock=Ticking(1e9)).proceed()  # no limit


def test_a_run_past_its_time_limit_writes_nothing_new_and_the_next_run_writes_the_rest(
        commops_home: Path) -> None:
    gateway = FakeGateway([application(i) for i in range(1, 6)])
    lease = FakeLease(Beats())
    ports = make_ports(gateway, lease)
    with pytest.raises(TimeLimitError) as stopped:
        run_unattended(ports, TriageOptions(), max_writes=100, max_reject_share=1.0,
                       limits=RunLimits(wait_s=0, max_run_time_s=150, clock=Ticking(100)))
    assert stopped.value.exit_code == 17
    summary = stopped.value.summary
    assert isinstance(summary, RunSummary) and summary.status == "time-limit"
    assert gateway.written == [] and lease.released == 1
    again = run_unattended(ports, TriageOptions(), max_writes=100, max_reject_share=1.0,
                           limits=RunLimits(wait_s=0, max_run_time_s=None))
    assert sorted(t for t, _ in gateway.written) == [1, 2, 3, 4, 5]  # nothing lost...
    assert len(gateway.written) == 5 and again.status == "ok"  # ...nothing twice


def test_a_run_that_loses_its_lease_stops_and_is_journaled_locked(commops_home: Path) -> None:
    gateway = FakeGateway([application(1), application(2)])
    lease = FakeLease(Beats(fail_after=0))
    ports = make_ports(gateway, lease)
    with pytest.raises(LockedError, match="lost the account's lease"):
        run_unattended(ports, TriageOptions(), max_writes=100, max_reject_share=1.0,
                       limits=RunLimits(wait_s=0))
    assert gateway.written == [] and lease.released == 1
    assert [run["status"] for run in ports.journal.runs.values()] == ["locked"]  # type: ignore[attr-defined]
