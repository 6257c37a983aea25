"""docs/configuration.md, "Connect a real account in ten minutes": its sandbox walk-through runs as written,
on the northwind account, with nothing but the config `init --from-account` writes."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from .cli import cli

DOC = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"


def walkthrough() -> list[str]:
    section = DOC.read_text(encoding="utf-8").split("## Connect a real account in ten minutes", 1)[1]
    section = section.split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", section, flags=re.S)
    return [line.strip() for line in blocks[-1].splitlines() if line.strip().startswith("commops ")]


def test_the_sandbox_walkthrough_runs_as_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    commands = walkthrough()
    assert any("--from-account" in c for c in commands) and any(c.endswith("doctor") for c in commands)
    for command in commands:
        result = cli(*shlex.split(command)[1:])
        assert result.code == 0, (command, result.out, result.err)
    assert "Academic::Decline - student applicant" in (tmp_path / "northwind.toml").read_text()
    assert "dry run, nothing written" in result.err
