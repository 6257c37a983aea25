"""Drive the real `commops` entry point in-process (Typer's runner) and as a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from commops.cli.app import main
from commops.sandbox import SandboxStore


@dataclass
class Result:
    code: int
    out: str
    err: str

    def jsonl(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.out.splitlines() if line.strip()]


def cli(*args: str, input: str | None = None) -> Result:
    runner = CliRunner()
    with runner.isolation(input=input) as (out, err, _):
        try:
            main(list(args))
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        sys.stdout.flush()
        sys.stderr.flush()
        return Result(code, out.getvalue().decode(), err.getvalue().decode())


def commops_process(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", "from commops.cli.app import main; main()", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, **(env or {})},
    )


def store(home: Path) -> SandboxStore:
    return SandboxStore(home / "sandbox.sqlite3")


def seeded(home: Path, applications: int = 40, seed: int = 11) -> SandboxStore:
    assert cli("sandbox", "reset").code == 0
    result = cli("sandbox", "seed", "--applications", str(applications), "--seed", str(seed))
    assert result.code == 0, result.err
    return store(home)


def snapshot(sandbox: SandboxStore) -> dict[int, Any]:
    return {tid: (sandbox.ticket(tid), len(sandbox.comments(tid))) for tid, _ in _ids(sandbox)}


def _ids(sandbox: SandboxStore) -> list[tuple[int, Any]]:
    return [(int(doc["id"]), doc) for _seq, doc in sandbox.ticket_docs()]


def field(ticket: dict[str, Any], field_id: int) -> Any:
    return next((f["value"] for f in ticket["custom_fields"] if f["id"] == field_id), None)
