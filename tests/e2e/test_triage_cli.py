"""The daily commands, end to end on the embedded sandbox: nothing here is a fake."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from filelock import FileLock

from commops.config import load_settings

from .cli import cli, field, seeded, snapshot, store

DECISION_FIELD = load_settings().fields["commops_decision"]
RULESET_FIELD = load_settings().fields["commops_ruleset"]


def test_dry_run_proposes_for_three_programs_and_changes_nothing(commops_home: Path) -> None:
    sandbox = seeded(commops_home)
    before = snapshot(sandbox)
    result = cli("triage", "--offline", "--format", "json")
    assert result.code == 0, result.err
    records = result.jsonl()
    assert {r["program"] for r in records if r["outcome"] != "skip"} == {"education", "open_source", "startups"}
    assert {r["outcome"] for r in records} >= {"qualify", "reject", "ask", "escalate"}
    assert all(r["applied"] is False for r in records)
    assert all(isinstance(r["ticket_id"], int) and isinstance(r["macros"], list) for r in records)
    assert "embedded Zendesk sandbox" in result.err
    assert snapshot(store(commops_home)) == before


def test_apply_writes_macro_effects_notes_and_markers(commops_home: Path) -> None:
    seeded(commops_home)
    result = cli("triage", "--offline", "--apply", "--yes", "--format", "json")
    assert result.code == 0, result.err
    records = {r["ticket_id"]: r for r in result.jsonl()}
    sandbox = store(commops_home)
    written = [r for r in records.values() if r["applied"]]
    assert written, "some decisions were applied"
    for record in written:
        ticket = sandbox.ticket(record["ticket_id"])
        outcome = record["outcome"]
        assert field(ticket, DECISION_FIELD) == f"commops_{outcome}"
        assert "ruleset=" in (field(ticket, RULESET_FIELD) or "")
        assert "commops_decided" in ticket["tags"]
        comments = sandbox.comments(record["ticket_id"])
        last = comments[-1]
        if outcome == "escalate":
            assert last["public"] is False
            assert any(r["message"] in last["body"] for r in record["reasons"])
            assert ticket["status"] == "open"
        else:
            assert last["public"] is True
            assert ticket["status"] == {"ask": "pending"}.get(outcome, "solved")
            assert "{{" not in last["body"]
    # manual and skip write nothing
    for record in records.values():
        if record["outcome"] in ("manual", "skip"):
            assert not record["applied"]
            assert field(sandbox.ticket(record["ticket_id"]), DECISION_FIELD) is None


def test_second_run_skips_what_was_decided_and_history_shows_it(commops_home: Path) -> None:
    seeded(commops_home, applications=20)
    first = cli("triage", "--offline", "--apply", "--yes", "--format", "json")
    applied = [r["ticket_id"] for r in first.jsonl() if r["applied"]]
    again = cli("triage", "--offline", "--apply", "--yes", "--format", "json")
    assert again.code == 0
    assert not set(applied) & {r["ticket_id"] for r in again.jsonl() if r["applied"]}
    history = cli("history", str(applied[0]), "--format", "json").jsonl()
    assert history[0]["state"] == "applied" and history[0]["mode"] == "apply"


def test_plan_then_apply_refuses_tickets_changed_since(commops_home: Path, tmp_path: Path) -> None:
    seeded(commops_home, applications=20)
    plan = tmp_path / "plan.json"
    made = cli("triage", "--offline", "--plan", str(plan))
    assert made.code == 0, made.err
    proposals = json.loads(plan.read_text())["proposals"]
    writable = [p for p in proposals if p["decision"]["outcome"] not in ("manual", "skip")]
    changed = writable[0]["decision"]["ticket_id"]
    assert cli("sandbox", "reply", str(changed), "one more thing").code == 0
    result = cli("apply", str(plan), "--yes", "--sandbox", "--format", "json")
    assert result.code == 0, result.err
    by_id = {r["ticket_id"]: r for r in result.jsonl()}
    assert by_id[changed]["write"] == "conflict" and not by_id[changed]["applied"]
    others = [p["decision"]["ticket_id"] for p in writable[1:]]
    assert all(by_id[t]["applied"] for t in others)
    assert field(store(commops_home).ticket(changed), DECISION_FIELD) is None


def test_interactive_review_accepts_overrides_and_skips(commops_home: Path) -> None:
    seeded(commops_home, applications=30)
    dry = cli("triage", "--offline", "--format", "json", "--program", "education").jsonl()
    proposals = [r for r in dry if r["outcome"] in ("qualify", "ask", "reject")]
    first, second, third = (r["ticket_id"] for r in proposals[:3])
    script = "\n".join([
        "t",  # show the trace first
        "a",  # accept the first
        "o", "reject", "EDU::Reject - not eligible", "checked by hand",  # override the second
        "s",  # skip the third
        "q",  # stop reviewing
        "y",  # confirm the writes
    ]) + "\n"
    result = cli("triage", "--offline", "--interactive", "--format", "json", "--ticket", str(first),
                 "--ticket", str(second), "--ticket", str(third), input=script)
    assert result.code == 0, result.err
    sandbox = store(commops_home)
    assert field(sandbox.ticket(first), DECISION_FIELD) == f"commops_{proposals[0]['outcome']}"
    assert field(sandbox.ticket(second), DECISION_FIELD) == "commops_reject"
    assert "edu_rejected" in sandbox.ticket(second)["tags"]
    assert field(sandbox.ticket(third), DECISION_FIELD) is None
    history = cli("history", str(second), "--format", "json").jsonl()
    assert history[0]["rules"] == ["override"] and history[0]["mode"] == "interactive"


def test_unattended_summary_lock_and_guard_rails(commops_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seeded(commops_home, applications=40)
    with FileLock(str(commops_home / "unattended.lock")):
        locked = cli("triage", "--offline", "--apply", "--unattended", "--sandbox")
    assert locked.code == 13 and "another commops run is writing" in locked.err
    monkeypatch.setenv("COMMOPS_UNATTENDED_MAX_REJECT_SHARE", "0.0")
    monkeypatch.setenv("COMMOPS_UNATTENDED_REJECT_SHARE_MIN_DECISIONS", "1")
    guarded = cli("triage", "--offline", "--apply", "--unattended", "--sandbox")
    assert guarded.code == 14 and "nothing was written" in guarded.err
    assert json.loads(guarded.out)["status"] == "guard-rail"  # cron still gets its summary
    monkeypatch.delenv("COMMOPS_UNATTENDED_MAX_REJECT_SHARE")
    ran = cli("triage", "--offline", "--apply", "--unattended", "--sandbox", "--max-writes", "5")
    assert ran.code == 0, ran.err
    summary = json.loads(ran.out)
    assert summary["applied"] == 5 and summary["status"] == "capped"
    assert summary["requests"] > 0 and summary["errors"] == 0
    assert set(summary["outcomes"]) <= {"qualify", "reject", "ask", "escalate", "manual", "skip"}
    rest = json.loads(cli("triage", "--offline", "--apply", "--unattended", "--sandbox").out)
    assert rest["status"] == "ok" and rest["applied"] > 0


def test_no_silent_sandbox_for_writes_on_someones_behalf(commops_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seeded(commops_home, applications=10)
    nothing = cli("--quiet", "triage", "--offline", "--apply", "--unattended")
    assert nothing.code == 78 and nothing.out == ""
    assert "no Zendesk account is configured" in nothing.err and "--sandbox" in nothing.err
    plan = commops_home / "plan.json"
    assert cli("triage", "--offline", "--plan", str(plan)).code == 0
    refused = cli("apply", str(plan), "--yes")
    assert refused.code == 78 and "COMMOPS_ZENDESK_URL" in refused.err
    monkeypatch.setenv("COMMOPS_ZENDESK_TOKEN", "a-token-but-no-url")
    partial = cli("--quiet", "triage", "--offline", "--apply", "--unattended")
    assert partial.code == 78 and partial.out == ""
    assert "zendesk.token ($COMMOPS_ZENDESK_TOKEN) is set but no account URL" in partial.err
    assert "COMMOPS_ZENDESK_URL" in partial.err and "a-token-but-no-url" not in partial.err
    dry = cli("triage", "--offline")  # a partial configuration is refused for reading too
    assert dry.code == 78 and "no account URL" in dry.err
    monkeypatch.delenv("COMMOPS_ZENDESK_TOKEN")
    asked = cli("--quiet", "triage", "--offline", "--apply", "--unattended", "--sandbox", "--max-writes", "2")
    assert asked.code == 0, asked.err
    assert json.loads(asked.out)["account"].startswith("the embedded sandbox (http://127.0.0.1:")
    footer = cli("triage", "--offline")
    assert footer.code == 0 and "dry run, nothing written on the embedded sandbox" in footer.err
    assert sandbox_notes(cli("history", "--format", "json").jsonl()) >= 2


def sandbox_notes(history: list[dict[str, object]]) -> int:
    return sum(1 for h in history if h.get("state") == "applied")


def test_unattended_needs_apply(commops_home: Path) -> None:
    result = cli("triage", "--unattended")
    assert result.code == 2 and "--apply" in result.err


def test_retriage_after_the_applicant_replies(commops_home: Path) -> None:
    seeded(commops_home, applications=40)
    first = cli("triage", "--offline", "--apply", "--yes", "--format", "json").jsonl()
    asked = next(r["ticket_id"] for r in first if r["outcome"] == "ask" and r["applied"])
    skipped = cli("triage", "--offline", "--format", "json", "--ticket", str(asked)).jsonl()
    assert skipped == []  # pending: waiting for the applicant
    assert cli("sandbox", "reply", str(asked), "Here is the information you asked for.").code == 0
    again = cli("triage", "--offline", "--format", "json", "--ticket", str(asked)).jsonl()
    assert len(again) == 1
    assert again[0]["outcome"] == "manual"
    assert "replied" in again[0]["note"]


def test_bad_config_is_a_sentence_not_a_traceback(commops_home: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[zendesk]\nurll = 1\n")
    result = cli("--config", str(bad), "triage")
    assert result.code == 78  # the configuration code
    assert "zendesk.urll" in result.err and "Traceback" not in result.err


def test_filters_that_match_nothing_are_errors_and_missing_tickets_are_reported(commops_home: Path) -> None:
    seeded(commops_home, applications=5)
    bad = cli("triage", "--offline", "--program", "educaton")
    assert bad.code == 2 and "unknown program 'educaton'; one of: education" in bad.err
    assert cli("queue", "--sla", "late").code == 2
    missing = cli("triage", "--offline", "--ticket", "9999")
    assert missing.code == 6 and "ticket 9999 skipped: no such ticket in Zendesk" in missing.err  # not found
    mixed = cli("triage", "--offline", "--ticket", "1", "--ticket", "9999", "--format", "json")
    assert mixed.code == 6 and [r["ticket_id"] for r in mixed.jsonl()] == [1]  # the found one still shown


def test_a_file_that_is_not_a_plan_is_a_sentence(commops_home: Path, tmp_path: Path) -> None:
    not_a_plan = tmp_path / "notes.md"
    not_a_plan.write_text("# notes\n")
    result = cli("apply", str(not_a_plan), "--yes")
    assert result.code == 2 and "is not a commops plan" in result.err
    assert "pydantic" not in result.err and "Traceback" not in result.err


def test_init_writes_a_starter_config_and_stores_the_token_only_when_asked(
    commops_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = cli("init")
    assert first.code == 0
    written = (commops_home / "config.toml").read_text()
    assert "[programs.education]" in written
    assert load_settings(commops_home / "config.toml").zendesk.token is None
    assert cli("init").code == 2  # never overwrites silently
    monkeypatch.setenv("COMMOPS_ZENDESK_TOKEN", "s3cret-token")
    stored = cli("init", "--force", "--store-token")
    assert stored.code == 0 and "s3cret-token" not in stored.out + stored.err
    path = commops_home / "config.toml"
    assert 'token = "s3cret-token"' in path.read_text() and oct(path.stat().st_mode & 0o777) == "0o600"
    assert load_settings(path).zendesk.token is not None


def test_plan_never_writes(commops_home: Path, tmp_path: Path) -> None:
    result = cli("triage", "--offline", "--plan", str(tmp_path / "p.json"), "--apply", "--yes")
    assert result.code == 2 and "--plan" in result.err
    assert not (tmp_path / "p.json").exists()
