"""The run lock: one writing run at a time per COMMOPS_HOME, as a file lock beside the journal."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from commops.errors import LockedError

__all__ = ["FileRunLock"]


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
