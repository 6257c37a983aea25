"""docs/cron.md's recipes run when pasted: each block parses (bash -n, a crontab line check, systemd units,
YAML), uses the commops executable by absolute path where no PATH is set up, and runs a command commops has."""

from __future__ import annotations

import configparser
import re
import shlex
import subprocess
from pathlib import Path

from ruamel.yaml import YAML

from tests.e2e.cli import cli

DOC = Path(__file__).resolve().parents[2] / "docs" / "cron.md"
_FIELD = re.compile(r"^(\*|\d+(-\d+)?)(/\d+)?(,(\*|\d+(-\d+)?)(/\d+)?)*$")
_RANGES = [(0, 59), (0, 23), (1, 31), (1, 12), (0, 7)]


def _blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)


def _commops_args(command: str) -> list[str]:
    words = shlex.split(command)
    start = next(i for i, w in enumerate(words) if w.endswith("/commops") or w == "commops")
    end = next((i for i, w in enumerate(words[start:], start) if w in ("|", ">>", "2>>", ">", "&&")), len(words))
    return words[start + 1 : end]


def _check_commops_command(args: list[str]) -> None:
    """The command line parses: its --help works (so every option named exists)."""
    options = [a for a in args if a.startswith("-")]
    path = [a for a in args if not a.startswith("-") and not a.isdigit()][:1]
    result = cli(*path, "--help")
    assert result.code == 0, (args, result.err)
    for option in options:
        assert option in result.out or option in cli("--help").out, (option, args)


def test_shell_blocks_parse_with_bash_n() -> None:
    blocks = _blocks("bash") + _blocks("sh")
    assert blocks
    for block in blocks:
        done = subprocess.run(["bash", "-n"], input=block, capture_output=True, text=True, timeout=30)
        assert done.returncode == 0, (block, done.stderr)


def test_crontab_lines_are_valid_and_use_absolute_paths() -> None:
    blocks = _blocks("crontab")
    assert blocks
    for block in blocks:
        lines = [line for line in block.splitlines() if line.strip() and not line.startswith("#")]
        for line in lines:
            if re.match(r"^[A-Z_]+=", line):
                continue  # SHELL=, PATH=
            assert not line.rstrip().endswith("\\"), "cron has no line continuation"
            fields = line.split(None, 5)
            assert len(fields) == 6, line
            for field, (low, high) in zip(fields[:5], _RANGES, strict=True):
                assert _FIELD.match(field), (field, line)
                for number in map(int, re.findall(r"\d+", field.split("/")[0])):
                    assert low <= number <= high, (field, line)
            command = fields[5]
            done = subprocess.run(["bash", "-n"], input=command, capture_output=True, text=True, timeout=30)
            assert done.returncode == 0, (command, done.stderr)
            assert re.search(r"(^|\s)/\S+/commops\s", command), "cron's PATH lacks commops: use its absolute path"
            _check_commops_command(_commops_args(command))


def test_systemd_units_parse_and_run_commops_by_absolute_path() -> None:
    units = _blocks("ini")
    assert len(units) >= 2
    for unit in units:
        parser = configparser.ConfigParser(strict=True, interpolation=None)
        parser.optionxform = str  # type: ignore[assignment,method-assign]
        parser.read_string(unit)
        assert "Unit" in parser
        if "Service" in parser:
            exec_start = parser["Service"]["ExecStart"]
            assert exec_start.startswith("/") and "/commops " in exec_start
            assert parser["Service"]["EnvironmentFile"].startswith("/")
            _check_commops_command(_commops_args(exec_start))
        if "Timer" in parser:
            assert parser["Timer"]["OnCalendar"]


def test_ci_workflows_load_as_yaml_and_keep_state_and_secrets_right() -> None:
    documents = [YAML(typ="safe").load(block) for block in _blocks("yaml")]
    gitlab = next(d for d in documents if "commops-triage" in d)
    job = gitlab["commops-triage"]
    assert ".commops/" in job["cache"]["paths"] and job["variables"]["COMMOPS_HOME"].endswith("/.commops")
    github = next(d for d in documents if "jobs" in d)
    text = DOC.read_text(encoding="utf-8")
    assert "secrets.COMMOPS_ZENDESK_TOKEN" in text and "secrets.COMMOPS_ZENDESK_CLIENT_SECRET" in text
    steps = github["jobs"]["triage"]["steps"]
    assert any(str(s.get("uses", "")).startswith("actions/cache") and s["with"]["path"] == ".commops" for s in steps)
    for command in [*job["script"], *(s["run"] for s in steps if "run" in s)]:
        if "commops " in command and "pip install" not in command:
            _check_commops_command(_commops_args(command))
