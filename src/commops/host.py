"""This machine as a lock or lease holder sees it: its name, its boot, whether a process still runs."""

from __future__ import annotations

import os
import socket
from pathlib import Path

__all__ = ["boot_id", "host_name", "pid_alive"]


def host_name() -> str:
    return socket.gethostname()


def boot_id() -> str:
    """This kernel boot's id: two machines that share a host name (CI containers) never share it."""
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text(encoding="ascii").strip()[:8]
    except OSError:
        return ""


def pid_alive(pid: int) -> bool:
    """Whether a process of this id runs on this machine (another user's process counts as running)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True
