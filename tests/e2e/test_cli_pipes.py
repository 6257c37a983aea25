"""The data commands as real processes writing into a pipe (not a terminal): TSV with a header, never box
drawing or cut headers; JSON documents that parse; and a confirmation that shows what it asks about on
stderr while stdout keeps the JSON alone."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

from .cli import cli, seeded

BOXES = set("─│┃━┏┡╇┌└├")


def _piped(home: Path, *args: str) -> tuple[int, str, str]:
    env = {**os.environ, "COMMOPS_HOME": str(home), "NO_COLOR": "1", "COLUMNS": "80"}
    done = subprocess.run([sys.executable, "-m", "commops", *args], capture_output=True, text=True, env=env,
                          timeout=300)
    return done.returncode, done.stdout, done.stderr


def test_piped_lists_are_tsv_with_a_header(commops_home: Path) -> None:
    seeded(commops_home, applications=8)
    assert cli("triage", "--offline", "--sandbox").code == 0
    expected = {
        ("history",): ["created_at", "ticket_id", "outcome", "state", "mode", "run_id", "ruleset_version", "rules"],
        ("queue",): ["ticket_id", "program", "status", "age_business_days", "sla", "due", "requester",
                     "last_decision", "pending_write"],
        ("version",): ["component", "version", "detail"],
        ("help", "exit-codes"): ["code", "meaning", "errors"],
    }
    for args, header in expected.items():
        code, out, err = _piped(commops_home, *args)
        assert code == 0, (args, err)
        first, *rows = out.splitlines()
        assert first.split("\t") == header, args
        assert rows and all(len(r.split("\t")) == len(header) for r in rows), args
        assert not set(out) & BOXES and "…" not in out, args


def test_piped_stats_cuts_no_header(commops_home: Path) -> None:
    seeded(commops_home, applications=8)
    code, out, err = _piped(commops_home, "stats")
    assert code == 0, err
    assert "…" not in out and "tickets" in out and "breach" in out


def test_piped_documents_parse(commops_home: Path) -> None:
    seeded(commops_home, applications=3)
    code, out, err = _piped(commops_home, "doctor", "--format", "csv")
    assert code == 0, err
    checks = list(csv.DictReader(io.StringIO(out)))
    assert checks and all(c["ok"] == "true" for c in checks) and {"name", "ok", "detail", "fix"} == set(checks[0])
    for args in (("doctor", "--format", "json"), ("version", "--format", "json"),
                 ("rules", "test", "--format", "json"), ("help", "exit-codes", "--format", "json")):
        code, out, err = _piped(commops_home, *args)
        assert code == 0, (args, err)
        assert [json.loads(line) for line in out.splitlines()], args


def test_a_confirmation_with_json_shows_the_proposals_on_stderr(commops_home: Path) -> None:
    seeded(commops_home, applications=6)
    declined = cli("triage", "--offline", "--sandbox", "--apply", "--format", "json", input="n\n")
    assert declined.code == 0, declined.err
    assert declined.out.strip() in ("", "n")  # no JSON: nothing written (the runner echoes the typed answer)
    assert "\nticket_id\tprogram\toutcome\t" in declined.err  # the proposals, as TSV: stderr is not a terminal
    assert "Write " in declined.err and "nothing written" in declined.err
    written = cli("triage", "--offline", "--sandbox", "--apply", "--format", "csv", "--yes")
    assert written.code == 0, written.err
    rows = list(csv.DictReader(io.StringIO(written.out)))
    assert rows and all(r["applied"] in ("true", "false") for r in rows)
    assert "ticket_id\tprogram" not in written.err  # --yes: nothing to ask about, no table on stderr


def test_exit_codes_debug_and_the_config_directory_as_real_processes(commops_home: Path, tmp_path: Path) -> None:
    seeded(commops_home, applications=3)
    assert _piped(commops_home, "triage", "--no-such-option")[0] == 2  # usage
    assert _piped(commops_home, "triage", "--offline", "--ticket", "9999")[0] == 6  # no such ticket
    bad = tmp_path / "bad.yaml"
    bad.write_text("rules: [\n")
    assert _piped(commops_home, "rules", "lint", "--no-account", str(bad))[0] == 1  # problems found
    code, _out, err = _piped(commops_home, "queue", "--format", "json", "--debug")  # global option after
    assert code == 0 and "commops.http" in err and "Traceback" not in err
    xdg = tmp_path / "xdg"
    (xdg / "commops").mkdir(parents=True)
    (xdg / "commops" / "config.toml").write_text("[unattended]\nmax_writes = -1\n")
    env = {k: v for k, v in os.environ.items() if k != "COMMOPS_HOME"}
    env.update({f"XDG_{kind}_HOME": str(tmp_path / kind.lower()) for kind in ("DATA", "STATE", "CACHE")})
    env["XDG_CONFIG_HOME"] = str(xdg)
    done = subprocess.run([sys.executable, "-m", "commops", "queue"], capture_output=True, text=True, env=env,
                          timeout=120)
    assert done.returncode == 78, done.stderr  # configuration, read from $XDG_CONFIG_HOME/commops/config.toml
    assert "max_writes" in done.stderr and "Traceback" not in done.stderr


def test_the_review_prompt_names_its_keys(commops_home: Path) -> None:
    seeded(commops_home, applications=3)
    result = cli("triage", "--offline", "--sandbox", "--interactive", input="z\nq\n")
    assert result.code == 0, result.err
    assert "choose one of [a]ccept [o]verride [s]kip [t]race [u]rl [q]uit" in result.err
