"""The local run lock: a holder is named, a killed holder's lock is free, a silent (hung) holder is taken over."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from commops.errors import LockedError
from commops.journal import FileRunLock


def test_a_second_run_is_refused_and_told_who_holds_the_lock(tmp_path: Path) -> None:
    path = tmp_path / "unattended.lock"
    with FileRunLock(path).hold(0, "unattended"):
        record = json.loads((tmp_path / "unattended.lock.json").read_text())
        assert record["who"] == "unattended" and record["pid"] > 0
        with (pytest.raises(LockedError, match=r"a unattended run \(pid \d+ on .*, since .*last heartbeat") as refused,
              FileRunLock(path).hold(0, "apply")):
            pass
        assert refused.value.exit_code == 13
    assert not (tmp_path / "unattended.lock.json").exists()  # released: the record goes with it
    with FileRunLock(path).hold(0, "apply"):
        pass


def test_the_lock_of_a_killed_run_is_free_and_the_takeover_is_said(tmp_path: Path) -> None:
    path = tmp_path / "unattended.lock"
    (tmp_path / "unattended.lock.json").write_text(json.dumps(
        {"host": "cron-a", "pid": 999_999, "who": "unattended", "since": 1.0, "heartbeat": 2.0, "token": "old"}))
    notes: list[str] = []
    with FileRunLock(path, notice=notes.append).hold(0, "unattended"):
        pass
    assert notes and "stopped without releasing it" in notes[0] and "pid 999999" in notes[0]


def test_a_silent_holder_is_taken_over_and_stops_at_its_next_heartbeat(tmp_path: Path) -> None:
    path = tmp_path / "unattended.lock"
    clock = [1_000.0]
    hung_lock = FileRunLock(path, stale_after_s=60, clock=lambda: clock[0])
    notes: list[str] = []
    newcomer = FileRunLock(path, stale_after_s=60, clock=lambda: clock[0], notice=notes.append)
    with hung_lock.hold(0, "unattended") as hung:
        with pytest.raises(LockedError), newcomer.hold(0, "unattended"):  # alive and beating: held
            pass
        clock[0] += 61  # the holder has not beaten for more than stale_after_s
        started = time.monotonic()
        with newcomer.hold(0, "unattended") as taken:
            assert time.monotonic() - started >= 1.0  # the silent record was seen twice, a second apart
            assert taken.taken_over is not None and "pid" in taken.taken_over
            assert "last heartbeat is 61 s old" in notes[0]
            clock[0] += 2
            with pytest.raises(LockedError, match="taken over"):
                hung.beat()
            taken.beat()  # the newcomer's own heartbeat is fine


def test_heartbeats_refresh_the_record(tmp_path: Path) -> None:
    clock = [1_000.0]
    lock = FileRunLock(tmp_path / "unattended.lock", clock=lambda: clock[0])
    with lock.hold(0, "unattended") as hold:
        clock[0] += 30
        hold.beat()
        assert lock.holder()["heartbeat"] == 1_030.0  # type: ignore[index]
