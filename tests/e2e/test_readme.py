"""README's tour runs as written: every `commops` line in it, in order, against a scratch COMMOPS_HOME."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def tour_commands() -> list[str]:
    text = README.read_text(encoding="utf-8")
    tour = text.split("## A five-minute tour", 1)[1].split("\n## ", 1)[0]
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", tour, flags=re.S):
        for line in block.splitlines():
            line = re.sub(r"\s+#\s.*$", "", line).strip()
            if line.startswith("commops "):
                commands.append(line)
    return commands


def test_readme_names_the_two_setup_commands() -> None:
    text = README.read_text(encoding="utf-8")
    assert "pip install -e '.[dev]' && commops triage" in text
    assert "python -m pytest" in text


def test_readme_tour_runs_as_written(commops_home: Path, tmp_path: Path) -> None:
    commands = tour_commands()
    assert len(commands) >= 12
    bindir = tmp_path / "bin"
    bindir.mkdir()
    launcher = bindir / "commops"
    launcher.write_text(f"#!/bin/sh\nexec {sys.executable} -c 'from commops.cli.app import main; main()' \"$@\"\n")
    launcher.chmod(0o755)
    env = {**os.environ, "PATH": f"{bindir}{os.pathsep}{os.environ['PATH']}", "COMMOPS_HOME": str(commops_home)}
    workdir = tmp_path / "work"
    workdir.mkdir()
    for command in commands:
        # The interactive review reads answers from a person: skip every proposal, decline to write.
        answers = "s\n" * 10 + "n\n" if "--interactive" in command else ""
        # A reader's `| head` closes the pipe early by design, so pipes are judged by their last command.
        result = subprocess.run(
            ["bash", "-c", command], cwd=workdir, env=env, input=answers,
            capture_output=True, text=True, timeout=120,
        )
        assert result.returncode == 0, f"{command!r} exited {result.returncode}\n{result.stderr[-2000:]}"
        if "|" not in command:
            assert result.stdout.strip() or result.stderr.strip(), f"{command!r} said nothing"
        assert "Traceback" not in result.stderr, command
    assert (workdir / "report.html").exists() and (workdir / "plan.json").exists()
    assert shutil.which("bash")
