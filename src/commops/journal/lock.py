"""The run lock: one writing run at a time per COMMOPS_HOME, as a file lock beside the journal.

The lock is ``filelock`` (the OS releases it when its process dies). Beside it, a small holder record
(``<lock>.json``: host, pid, what kind of run, since, heartbeat) says who holds it; the holder refreshes
its heartbeat between batches. A run that finds the lock held reads the record: a holder whose process is
gone from this machine, or whose heartbeat is older than ``stale_after_s`` (a hung run), is taken over —
the record is rewritten under a second lock so that two newcomers never both take it over — and the hung
holder, should it wake, finds the record no longer its own at its next heartbeat and stops.
"""

from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from commops.errors import LockedError
from commops.host import pid_alive
from commops.ports import Heartbeat, RunLock

__all__ = ["AllLocks", "FileRunLock", "LockHold"]

_POLL_S = 0.5  # how often a waiting run looks at the lock again
_BEAT_EVERY_S = 1.0  # the record is rewritten at most this often
_CONFIRM_S = 1.0  # a silent holder's record must stay the same this long before it is taken over


def _iso(when: float) -> str:
    return datetime.fromtimestamp(when, UTC).isoformat(timespec="seconds")


@dataclass
class LockHold:
    """The held lock: ``beat()`` refreshes the heartbeat; LockedError when another run took it over."""

    lock: FileRunLock
    token: str
    last: float = 0.0
    taken_over: str | None = None  # whom this run took the lock from, if it did

    def beat(self) -> None:
        now = self.lock.clock()
        if now - self.last < _BEAT_EVERY_S:
            return
        record = self.lock.holder()
        if record is not None and record.get("token") != self.token:
            raise LockedError(
                f"this run's lock was taken over by {_describe(record)} (this run's heartbeat was older than "
                f"{self.lock.stale_after_s:g} s); it stopped before writing more",
            )
        self.lock.write_holder({**(record or {}), "token": self.token, "heartbeat": now})
        self.last = now


def _describe(record: dict[str, Any]) -> str:
    return (f"a {record.get('who', 'commops')} run (pid {record.get('pid')} on {record.get('host')}, since "
            f"{_iso(float(record.get('since', 0)))}, last heartbeat {_iso(float(record.get('heartbeat', 0)))})")


class FileRunLock:
    """Implements :class:`commops.ports.RunLock` with ``filelock`` (works across processes)."""

    def __init__(self, path: Path, *, stale_after_s: float = 600.0, clock: Callable[[], float] = time.time,
                 alive: Callable[[int], bool] = pid_alive, notice: Callable[[str], None] = lambda _m: None) -> None:
        self.path = path
        self.record_path = path.with_name(path.name + ".json")
        self.stale_after_s = stale_after_s
        self.clock = clock
        self._alive = alive
        self._notice = notice

    # -- the holder record -----------------------------------------------------------------------

    def holder(self) -> dict[str, Any] | None:
        try:
            data = json.loads(self.record_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def write_holder(self, record: dict[str, Any]) -> None:
        temp = self.record_path.with_name(f"{self.record_path.name}.{os.getpid()}.tmp")
        temp.write_text(json.dumps(record, sort_keys=True), encoding="utf-8")
        os.replace(temp, self.record_path)

    def _mine(self, who: str) -> dict[str, Any]:
        now = self.clock()
        return {"host": socket.gethostname(), "pid": os.getpid(), "who": who, "since": now, "heartbeat": now,
                "token": f"{socket.gethostname()}:{os.getpid()}:{now}"}

    def stale(self, record: dict[str, Any] | None) -> str | None:
        """Why the holder of ``record`` no longer counts, or None while it does (or nobody can tell)."""
        if record is None:
            return None
        try:
            pid, beat = int(record["pid"]), float(record["heartbeat"])
        except (KeyError, TypeError, ValueError):
            return None
        if record.get("host") == socket.gethostname() and not self._alive(pid):
            return f"its process {pid} no longer runs"  # (a child that inherited the lock may hold it)
        age = self.clock() - beat
        if age > self.stale_after_s:
            return f"its last heartbeat is {age:.0f} s old (more than {self.stale_after_s:g} s)"
        return None

    # -- the port --------------------------------------------------------------------------------

    @contextmanager
    def hold(self, timeout: float, who: str) -> Iterator[LockHold]:
        lock = FileLock(str(self.path))
        deadline = time.monotonic() + max(timeout, 0.0)
        owned = False
        hold: LockHold | None = None
        suspect: tuple[str, float] | None = None  # a silent holder's token, and when it was first seen
        while hold is None:
            try:
                lock.acquire(timeout=max(0.0, min(_POLL_S, deadline - time.monotonic())))
                owned = True
            except Timeout:
                record = self.holder()
                if record is not None and self.stale(record) is not None:
                    # The same silent record seen twice, a second apart: not the record of a holder that
                    # has just taken the lock and not yet written its own.
                    token = str(record.get("token"))
                    if suspect is None or suspect[0] != token:
                        suspect = (token, time.monotonic())
                    elif time.monotonic() - suspect[1] >= _CONFIRM_S:
                        hold = self._take_over(who, token)
                    if hold is None:
                        time.sleep(_POLL_S / 5)
                    continue
                if time.monotonic() >= deadline:
                    held_by = _describe(record) if record else "another commops run"
                    raise LockedError(
                        f"{held_by} is writing (lock held); this {who} run did nothing",
                        hint=f"lock file: {lock.lock_file}; a holder silent for more than "
                             f"{self.stale_after_s:g} s is taken over",
                    ) from None
                continue
            left = self.holder()
            if left is not None:  # the last holder never released: it was killed (the OS freed the lock)
                self._notice(f"took over the run lock from {_describe(left)}: it stopped without releasing it")
            record = self._mine(who)
            self.write_holder(record)
            hold = LockHold(self, str(record["token"]), last=self.clock())
        try:
            yield hold
        finally:
            with suppress(OSError):
                current = self.holder()
                if current is not None and current.get("token") == hold.token:
                    self.record_path.unlink()
            if owned:
                lock.release()

    def _take_over(self, who: str, token: str) -> LockHold | None:
        """The lock of a silent holder, taken over under a second lock (one newcomer wins), if the record
        is still the one seen silent."""
        guard = FileLock(str(self.path) + ".takeover")
        try:
            guard.acquire(timeout=0)
        except Timeout:
            return None
        try:
            previous = self.holder()
            why = self.stale(previous)
            if why is None or previous is None or str(previous.get("token")) != token:
                return None
            record = self._mine(who)
            record["took_over"] = _describe(previous)
            self.write_holder(record)
        finally:
            guard.release()
        self._notice(f"took over the run lock from {_describe(previous)}: {why}")
        return LockHold(self, str(record["token"]), last=self.clock(), taken_over=_describe(previous))


class _Beats:
    """The heartbeats of several held locks, as one."""

    def __init__(self, beats: list[Heartbeat]) -> None:
        self.beats = beats

    def beat(self) -> None:
        for beat in self.beats:
            beat.beat()


class AllLocks:
    """Several run locks held together, in order (the file lock first, then e.g. the shared journal's):
    a run writes only while it holds every one; the first it cannot get raises LockedError."""

    def __init__(self, *locks: RunLock) -> None:
        self.locks = locks

    @contextmanager
    def hold(self, timeout: float, who: str) -> Iterator[_Beats]:
        with ExitStack() as stack:
            held = [stack.enter_context(lock.hold(timeout, who)) for lock in self.locks]
            yield _Beats([h for h in held if h is not None])

    def beat(self) -> None:
        """Renew (or check) each lock that keeps a heartbeat; one that is lost raises LockedError."""
        for lock in self.locks:
            beat = getattr(lock, "beat", None)
            if callable(beat):
                beat()
