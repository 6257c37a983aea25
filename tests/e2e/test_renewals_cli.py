"""Renewal reminders: one outbound ticket per member whose term ends within the window, exactly once per
term (create_many jobs in the sandbox); a CRM import reports bad rows by line and imports the rest."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from commops.config import load_settings

from .cli import cli, field, seeded, store

SETTINGS = load_settings()
ENDS_FIELD = SETTINGS.fields["membership_ends_on"]


def crm_export(path: Path, members: int) -> Path:
    today = datetime.now(UTC).date()
    lines = ["Program,Organisation,Email,Seats,Contract,Start,End"]
    for i in range(members):
        end = today + timedelta(days=5 + i % 20)
        lines.append(f"education,Uni {i},member{i}@uni{i}.edu,10,SUB-R{i:04d},{end - timedelta(days=365)},{end}")
    lines.append(f"education,Later,later@uni.edu,10,SUB-LATER,{today},{today + timedelta(days=200)}")
    lines.append("education,Broken,broken@uni.edu,ten,SUB-BAD,2026-01-01,2027-01-01")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def reminders(home: Path) -> list[dict[str, object]]:
    sandbox = store(home)
    tickets = [sandbox.ticket(int(doc["id"])) for _seq, doc in sandbox.ticket_docs()]
    return [t for t in tickets if SETTINGS.renewals.tag in t["tags"]]


def test_renewals_notify_twice_creates_each_reminder_once(commops_home: Path, tmp_path: Path) -> None:
    seeded(commops_home, applications=10, seed=2)
    mapping = ["--map", "subscription_id=Contract", "--map", "requester=Email", "--map", "term_start=Start",
               "--map", "term_end=End", "--map", "program=Program", "--map", "organisation=Organisation",
               "--map", "seats=Seats"]
    imported = cli("members", "import", str(crm_export(tmp_path / "crm.csv", 130)), *mapping)
    assert imported.code == 1 and "131 member(s) imported, 1 bad row(s)" in imported.out
    assert "crm.csv:133: seats 'ten'" in imported.err

    listed = cli("renewals", "--within", "30", "--format", "json")
    assert listed.code == 0, listed.err
    assert len(listed.jsonl()) == 130 and not any(r["reminded"] for r in listed.jsonl())

    first = cli("renewals", "--within", "30", "--notify", "--sandbox")
    assert first.code == 0, first.err
    assert "130 sent" in first.err
    second = cli("renewals", "--within", "30", "--notify", "--sandbox")
    assert second.code == 0, second.err
    assert "0 sent, 130 already sent" in second.err

    sent = reminders(commops_home)
    assert len(sent) == 130 and len({t["external_id"] for t in sent}) == 130
    one = sent[0]
    assert one["status"] == "pending" and one["ticket_form_id"] == SETTINGS.programs["education"].form_id
    assert field(one, ENDS_FIELD)
    body = store(commops_home).comments(int(str(one["id"])))[0]["body"]
    assert str(field(one, ENDS_FIELD)) in body and "{{" not in body

    # a reminder waits for the member: triage leaves it alone until they reply
    triage = cli("triage", "--offline", "--format", "json")
    assert triage.code == 0, triage.err
    assert not {int(str(t["id"])) for t in sent} & {r["ticket_id"] for r in triage.jsonl()}


def test_a_reminder_lost_from_the_journal_is_found_by_search_not_sent_again(commops_home: Path,
                                                                             tmp_path: Path) -> None:
    seeded(commops_home, applications=5, seed=2)
    cli("members", "import", str(crm_export(tmp_path / "crm.csv", 3)), "--map", "subscription_id=Contract",
        "--map", "requester=Email", "--map", "term_start=Start", "--map", "term_end=End",
        "--map", "program=Program", "--map", "organisation=Organisation", "--map", "seats=Seats")
    assert cli("renewals", "--notify", "--sandbox").code == 0
    import sqlite3

    with sqlite3.connect(commops_home / "benefits.sqlite3") as db:  # as if killed before recording
        db.execute("DELETE FROM reminders")
        db.execute("UPDATE members SET reminded = '[]'")
    again = cli("renewals", "--notify", "--sandbox")
    assert again.code == 0 and "0 sent, 3 already sent" in again.err
    assert len(reminders(commops_home)) == 3
