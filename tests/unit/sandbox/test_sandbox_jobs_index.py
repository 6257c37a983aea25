"""Finished jobs stay out of the request path: asking for the queued jobs decodes only those."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from commops.sandbox.store import SandboxStore


def _job(n: int, status: str) -> dict[str, Any]:
    return {"id": f"V3-{n:04d}", "created": float(n), "status": status, "total": 1}


def test_queued_jobs_are_found_without_decoding_finished_ones(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sandbox = SandboxStore(tmp_path / "s.sqlite3")
    for n in range(300):
        sandbox.save_job(_job(n, "completed" if n % 3 else "failed"))
    sandbox.save_job(_job(999, "queued"))
    decoded: list[str] = []
    real = json.loads

    def counting(text: str, *args: Any, **kwargs: Any) -> Any:
        decoded.append(text)
        return real(text, *args, **kwargs)

    monkeypatch.setattr(json, "loads", counting)
    assert [j["id"] for j in sandbox.jobs(("queued", "working"))] == ["V3-0999"]
    assert len(decoded) == 1
    finished = _job(999, "completed")
    sandbox.save_job(finished)
    assert sandbox.jobs(("queued",)) == []


def test_a_sandbox_file_from_before_the_status_column_is_upgraded(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    SandboxStore(path).close()
    db = sqlite3.connect(path)
    db.execute("DROP TABLE jobs")
    db.execute("CREATE TABLE jobs (id TEXT PRIMARY KEY, created REAL NOT NULL, doc TEXT NOT NULL)")
    db.execute("INSERT INTO jobs VALUES (?, ?, ?)", ("V3-old", 1.0, json.dumps(_job(1, "queued") | {"id": "V3-old"})))
    db.commit()
    db.close()
    assert [j["id"] for j in SandboxStore(path).jobs(("queued",))] == ["V3-old"]
