"""What keeps a writing run from overlapping another or running for ever: its heartbeats and its time limit.

A run asks ``proceed()`` before each new piece of work (a page of the queue, a batch of writes): the lock
and the account's lease are renewed (a lost one raises LockedError, so nothing more is written), and once
the time limit has passed the answer is False: the run takes nothing new, what is in flight finishes, and
the run ends with its summary and the time-limit exit code.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from commops.ports import Heartbeat

__all__ = ["RunGuard"]


@dataclass
class RunGuard:
    beats: Sequence[Heartbeat] = ()
    max_run_time_s: float | None = None  # None or 0: no limit
    clock: Callable[[], float] = time.monotonic
    started: float = field(default=-1.0)
    stopped: bool = False  # the time limit was reached: no new work was taken after that

    def __post_init__(self) -> None:
        if self.started < 0:
            self.started = self.clock()

    def beat(self) -> None:
        """Renew every heartbeat (when due); LockedError when another run took the lock or lease over."""
        for beat in self.beats:
            beat.beat()

    def proceed(self) -> bool:
        """Renew every heartbeat; False once the time limit has passed (and from then on)."""
        self.beat()
        if not self.stopped and self.max_run_time_s and self.clock() - self.started >= self.max_run_time_s:
            self.stopped = True
        return not self.stopped

    def elapsed(self) -> float:
        return self.clock() - self.started
