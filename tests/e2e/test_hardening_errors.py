"""Secrets, exit codes and the cases that used to be internal errors (exit 70): each is now a sentence
with the exit code of its kind, --debug included; a damaged journal is refused, never replaced."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from commops.redact import redact

from .cli import cli, seeded


def test_redact_masks_user_info_keyed_values_and_pydantic_inputs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOME_API_TOKN", "canary-4c1f9e")
    text = redact(
        "cannot reach https://bob:hunter2@acme.zendesk.com/api; token=abc123 'password': 'p4ss' "
        "Authorization: Bearer xyz987 [input_value='zzz', input_type=str] and canary-4c1f9e again"
    )
    for secret in ("hunter2", "bob:", "abc123", "p4ss", "xyz987", "zzz", "canary-4c1f9e"):
        assert secret not in text
    assert "https://***@acme.zendesk.com/api" in text


def test_a_token_under_a_misspelled_key_is_not_printed_even_with_debug(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COMMOPS_ZENDESK_TOKN", "canary-token-7781")
    for args in (("queue",), ("--debug", "queue")):
        result = cli(*args)
        assert result.code == 78, result.err  # a configuration error, with or without --debug
        assert "canary-token-7781" not in result.out + result.err
        assert "zendesk.tokn" in result.err


def test_url_user_info_is_masked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMMOPS_ZENDESK_URL", "https://bob:hunter2-canary@127.0.0.1:9")
    monkeypatch.setenv("COMMOPS_ZENDESK_EMAIL", "bob@example.org")
    monkeypatch.setenv("COMMOPS_ZENDESK_TOKEN", "token-canary-5531")
    for args in (("queue",), ("--debug", "queue")):
        result = cli(*args)
        assert result.code == 10, result.err  # unreachable
        assert "hunter2-canary" not in result.err and "token-canary-5531" not in result.err
        assert "https://***@127.0.0.1:9" in result.err


def test_debug_keeps_the_exit_code_and_shows_the_traceback(tmp_path: Path) -> None:
    result = cli("--debug", "apply", str(tmp_path / "missing.json"))
    assert result.code == 2
    assert "Traceback" in result.err and "does not exist" in result.err


def test_apply_on_a_directory_is_a_sentence(tmp_path: Path) -> None:
    result = cli("apply", str(tmp_path))
    assert result.code == 2, result.err
    assert "is a directory" in result.err and "internal error" not in result.err


def _plan(commops_home: Path, tmp_path: Path) -> tuple[dict[str, object], dict[str, object]]:
    seeded(commops_home, applications=12)
    path = tmp_path / "plan.json"
    assert cli("triage", "--offline", "--plan", str(path)).code == 0
    plan = json.loads(path.read_text())
    writable = next(p for p in plan["proposals"] if p["decision"]["outcome"] in ("qualify", "reject", "ask"))
    return plan, writable


def test_plan_with_a_huge_ticket_id_is_a_sentence(commops_home: Path, tmp_path: Path) -> None:
    plan, entry = _plan(commops_home, tmp_path)
    entry["decision"]["ticket_id"] = 10**30  # type: ignore[index]
    plan["proposals"] = [entry]
    path = tmp_path / "big.json"
    path.write_text(json.dumps(plan))
    result = cli("apply", str(path), "--yes", "--sandbox")
    assert result.code == 2, result.err
    assert "not a Zendesk ticket id" in result.err


def test_a_duplicated_plan_entry_is_one_write(commops_home: Path, tmp_path: Path) -> None:
    plan, entry = _plan(commops_home, tmp_path)
    plan["proposals"] = [entry, entry]
    path = tmp_path / "dup.json"
    path.write_text(json.dumps(plan))
    result = cli("apply", str(path), "--yes", "--sandbox", "--format", "json")
    assert result.code == 0, result.err
    assert "applied 1" in result.err and "applied 2" not in result.err
    assert len(result.jsonl()) == 1


def test_init_where_nothing_can_be_written_is_a_sentence(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    result = cli("init", "--config", str(blocker / "config.toml"))
    assert result.code == 2, result.err
    assert "cannot write" in result.err


@pytest.mark.parametrize(
    "value",
    ['{"id": 3600232, "value": 1e999}', '{"id": 3600232, "value": NaN}', '{"id": 3600205, "value": "Infinity"}'],
)
def test_sandbox_load_refuses_non_finite_numbers(tmp_path: Path, value: str) -> None:
    assert cli("sandbox", "reset").code == 0
    path = tmp_path / "t.json"
    path.write_text(
        '{"users": [{"id": 900, "email": "a@b.org"}], "tickets": [{"id": 5000, "requester_id": 900, '
        f'"subject": "x", "description": "d", "custom_fields": [{value}]}}]}}'
    )
    result = cli("sandbox", "load", str(path))
    assert result.code == 8, result.err
    assert "finite" in result.err


@pytest.mark.parametrize("stamp", ["yesterday", "9999-99-99", "2026-13-01T00:00:00Z"])
def test_sandbox_load_refuses_bad_dates(tmp_path: Path, stamp: str) -> None:
    assert cli("sandbox", "reset").code == 0
    path = tmp_path / "t.json"
    path.write_text(json.dumps({"users": [{"id": 900, "email": "a@b.org"}], "tickets": [
        {"id": 5000, "requester_id": 900, "subject": "x", "description": "d", "created_at": stamp}]}))
    result = cli("sandbox", "load", str(path))
    assert result.code == 8, result.err
    assert "ISO 8601" in result.err


def test_an_empty_journal_is_refused_and_kept(commops_home: Path) -> None:
    seeded(commops_home, applications=5)
    journal = commops_home / "journal.sqlite3"
    journal.write_bytes(b"")
    for args in (("triage", "--offline"), ("history",), ("journal", "check")):
        result = cli(*args)
        assert result.code == 12, (args, result.err)
        assert "empty (0 bytes)" in result.err
    assert journal.read_bytes() == b""  # not silently replaced


def test_a_corrupt_journal_is_refused(commops_home: Path) -> None:
    journal = commops_home / "journal.sqlite3"
    journal.write_bytes(b"this is not a database at all" * 100)
    result = cli("history")
    assert result.code == 12, result.err
    assert "not a commops journal" in result.err
    journal.unlink()
    foreign = sqlite3.connect(journal)
    foreign.execute("CREATE TABLE x(y)")
    foreign.commit()
    foreign.close()
    result = cli("journal", "check")
    assert result.code == 12 and "tables missing" in result.err


def test_journal_check_reports_a_good_journal(commops_home: Path) -> None:
    seeded(commops_home, applications=5)
    assert cli("triage", "--offline").code == 0
    result = cli("journal", "check", "--format", "json")
    assert result.code == 0, result.err
    report = json.loads(result.out)
    assert report["runs"] == 1 and report["proposals"] >= 1 and report["pending_writes"] == 0
