"""Benefits end to end: the real CLI against the embedded sandbox — codes in welcomes exactly once, an empty
pool never welcomes, the ledger, renewal reminders once per term."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

from commops.config import load_settings

from .cli import cli, field, seeded, store

SETTINGS = load_settings()
DECISION_FIELD = SETTINGS.fields["commops_decision"]
EDU_FORM = SETTINGS.programs["education"].form_id
CODE = re.compile(r"EDU-\d{4}")


def coupon_config(home: Path, extra: str = "") -> None:
    (home / "config.toml").write_text(
        '[programs.education.benefit]\nprovisioner = "coupon-pool"\nterm_months = 12\n' + extra, encoding="utf-8"
    )


def codes_file(path: Path, count: int, start: int = 1) -> Path:
    path.write_text("code\n" + "".join(f"EDU-{i:04d}\n" for i in range(start, start + count)), encoding="utf-8")
    return path


def welcomes(home: Path) -> dict[int, list[str]]:
    """ticket id -> the codes in commops' public replies, for every qualified Education ticket."""
    sandbox = store(home)
    found: dict[int, list[str]] = {}
    for _seq, doc in sandbox.ticket_docs():
        ticket = sandbox.ticket(int(doc["id"]))
        if field(ticket, DECISION_FIELD) != "commops_qualify" or ticket.get("ticket_form_id") != EDU_FORM:
            continue
        replies = [c for c in sandbox.comments(ticket["id"])
                   if c["author_id"] != ticket["requester_id"] and c["public"]]
        found[ticket["id"]] = [code for c in replies for code in CODE.findall(c["body"])]
    return found


def test_each_qualified_member_gets_one_distinct_code_and_the_ledger_records_it(commops_home: Path,
                                                                               tmp_path: Path) -> None:
    coupon_config(commops_home)
    seeded(commops_home, applications=60, seed=3)
    imported = cli("benefits", "import-codes", str(codes_file(tmp_path / "codes.csv", 200)), "--program", "education")
    assert imported.code == 0, imported.err
    assert "200 code(s) added" in imported.out

    result = cli("--quiet", "triage", "--sandbox", "--offline", "--apply", "--unattended")
    assert result.code == 0, result.err
    again = cli("--quiet", "triage", "--sandbox", "--offline", "--apply", "--unattended")
    assert again.code == 0, again.err

    found = welcomes(commops_home)
    assert found, "the seed has qualified Education applications"
    assert all(len(codes) == 1 for codes in found.values()), found
    handed = [codes[0] for codes in found.values()]
    assert len(set(handed)) == len(handed), "no code twice"

    members = cli("members", "--format", "json").jsonl()
    by_ticket = {m["ticket_id"]: m for m in members if m["program"] == "education"}
    assert {t: [m["subscription_id"]] for t, m in by_ticket.items()} == found
    status = cli("benefits", "status", "--format", "json").jsonl()
    assert status[0]["codes_left"] == 200 - len(handed) and status[0]["assigned"] == len(handed)


def test_an_empty_pool_never_produces_a_welcome(commops_home: Path, tmp_path: Path) -> None:
    coupon_config(commops_home)
    seeded(commops_home, applications=60, seed=3)
    cli("benefits", "import-codes", str(codes_file(tmp_path / "codes.csv", 2)), "--program", "education")
    result = cli("triage", "--sandbox", "--offline", "--apply", "--unattended")
    assert result.code == 0, result.err
    found = welcomes(commops_home)
    assert len(found) == 2 and all(len(c) == 1 for c in found.values())
    with sqlite3.connect(commops_home / "journal.sqlite3") as db:
        skipped = db.execute("SELECT COUNT(*) FROM proposals WHERE program='education' AND outcome='qualify' "
                             "AND state='skipped'").fetchone()[0]
    assert skipped >= 1, "the qualifies beyond the pool were held back"
    status = cli("benefits", "status", "--format", "json").jsonl()
    assert status[0]["codes_left"] == 0 and status[0]["low"] is True
    assert "education code pool is empty" in cli("doctor").out
    assert "education code pool is empty" in cli("stats").err

    # more codes: the held-back members are welcomed on the next run, each with their own code
    cli("benefits", "import-codes", str(codes_file(tmp_path / "more.csv", 100, start=500)), "--program", "education")
    assert cli("--quiet", "triage", "--sandbox", "--offline", "--apply", "--unattended").code == 0
    found = welcomes(commops_home)
    assert len(found) > 2 and all(len(c) == 1 for c in found.values())
    assert len({c[0] for c in found.values()}) == len(found)


def test_a_refused_webhook_is_failed_for_good_shown_and_retried_on_request(commops_home: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMMOPS_BENEFIT_SECRET", "tour-secret")
    webhook = '[programs.education.benefit]\nprovisioner = "webhook"\nurl = "sandbox:/_provision{}"\n'
    (commops_home / "config.toml").write_text(webhook.format("/reject"), encoding="utf-8")
    seeded(commops_home, applications=60, seed=3)
    assert cli("--quiet", "triage", "--sandbox", "--offline", "--apply", "--unattended").code == 0
    failed = cli("benefits", "failed", "--format", "json").jsonl()
    assert failed and all(f["state"] == "failed" and "422" in f["error"] for f in failed)
    assert all(f["attempts"] == 1 for f in failed), "a 4xx is never retried"
    listed = cli("--quiet", "members", "--program", "education", "--format", "json")
    assert listed.jsonl() == [] and f"{len(failed)} qualified member(s) hold no benefit" in listed.err
    assert "commops benefits retry TICKET" in listed.err

    assert cli("--quiet", "triage", "--sandbox", "--offline", "--apply", "--unattended").code == 0
    again = cli("benefits", "failed", "--format", "json").jsonl()
    assert [f["attempts"] for f in again] == [1] * len(failed), "the next run leaves them to a person"

    (commops_home / "config.toml").write_text(webhook.format(""), encoding="utf-8")  # the cause fixed
    first = failed[0]["ticket_id"]
    one = cli("benefits", "retry", str(first), "--format", "json")
    assert one.code == 0, one.err
    assert [(r["ticket_id"], r["state"]) for r in one.jsonl()] == [(first, "done")]
    rest = cli("benefits", "retry", "--format", "json")
    assert rest.code == 0 and len(rest.jsonl()) == len(failed) - 1
    assert cli("benefits", "failed", "--format", "json").jsonl() == []
    members = cli("members", "--program", "education", "--format", "json")
    assert sorted(m["ticket_id"] for m in members.jsonl()) == sorted(f["ticket_id"] for f in failed)
    assert "hold no benefit" not in members.err
