"""The run lock: one writing run at a time per COMMOPS_HOME, as a file lock beside the journal."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from commops.errors import LockedError
from commops.ports import RunLock

__all__ = ["AllLocks", "FileRunLock"]


class FileRunLock:
    """Implements :class:`commops.ports.RunLock` with ``filelock`` (works across processes)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @contextmanager
    def hold(self, timeout: float, who: str) -> Iterator[None]:
        lock = FileLock(str(self.path))
        try:
            lock.acquire(timeout=timeout)
        except Timeout as exc:
            raise LockedError(
                f"another commops run is writing (lock held); this {who} run did nothing",
                hint=f"lock file: {lock.lock_file}",
            ) from exc
        try:
            yield
        finally:
            lock.release()


class AllLocks:
    """Several run locks held together, in order (the file lock first, then e.g. the shared journal's):
    a run writes only while it holds every one; the first it cannot get raises LockedError."""

    def __init__(self, *locks: RunLock) -> None:
        self.locks = locks

    @contextmanager
    def hold(self, timeout: float, who: str) -> Iterator[None]:
        with ExitStack() as stack:
            for lock in self.locks:
                stack.enter_context(lock.hold(timeout, who))
            yield

    def beat(self) -> None:
        """Renew (or check) each lock that keeps a heartbeat; one that is lost raises LockedError."""
        for lock in self.locks:
            beat = getattr(lock, "beat", None)
            if callable(beat):
                beat()
