"""`commops stats` end to end on the sandbox: a seeded history checked measure by measure against hand counts.

The history spans five ISO weeks (2026-W02..W06). Decisions were made by unattended runs and by
specialists through commops (both in the journal, and written to the tickets at the same moment), and by
specialists directly in Zendesk (only in the tickets' audits). The calendar skips weekends, Martin Luther
King Day (Mon 2026-01-19, US holidays) and an extra configured holiday (Fri 2026-01-30). Report date:
Fri 2026-02-06. Ticket 512, created before the period and still open, counts in the queue measures only.

    id   program      created          decisions (U unattended, C specialist via commops, Z in Zendesk)
    501  education    Mon 01-05 W02    qualify U Tue 01-06                   ttd 1
    502  education    Thu 01-08 W02    ask U Thu 01-08, reject C Wed 01-21   ttd 8 (19th off)
    503  open_source  Fri 01-09 W02    reject Z Mon 02-02                    ttd 14 (19th, 30th off): late
    504  open_source  Tue 01-13 W03    -  (open)                             age 16: breached
    505  startups     Tue 01-27 W05    ask U Tue 01-27  (pending)            age 7: at risk
    506  startups     Wed 02-04 W06    -  (new)                              age 2
    507  education    Fri 01-16 W03    escalate U Fri 01-16  (open)          age 13: breached
    508  startups     Mon 01-12 W03    qualify C Thu 01-15                   ttd 3
    509  education    Wed 01-21 W04    qualify Z Thu 01-29                   ttd 6
    510  open_source  Mon 01-05 W02    reject U Wed 01-07                    ttd 2
    511  (no program: not an application)
    512  education    Tue 2025-12-30   ask U Fri 01-02 (pending)             backlog: age 25 (1st off), breached
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from commops.cli.app import app
from commops.config import Settings, load_settings
from commops.domain import Decision, Outcome, Proposal, Reason
from commops.journal import SqliteJournal
from commops.sandbox import SandboxStore

STATUS_AFTER = {"qualify": "solved", "reject": "solved", "ask": "pending", "escalate": "open"}
NAMES = ("Ada Lovelace", "ada@uni.example.edu")


def ts(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


TICKETS: list[tuple[int, str | None, str]] = [
    (501, "education", "2026-01-05T09:00"),
    (502, "education", "2026-01-08T09:00"),
    (503, "open_source", "2026-01-09T09:00"),
    (504, "open_source", "2026-01-13T09:00"),
    (505, "startups", "2026-01-27T09:00"),
    (506, "startups", "2026-02-04T09:00"),
    (507, "education", "2026-01-16T09:00"),
    (508, "startups", "2026-01-12T09:00"),
    (509, "education", "2026-01-21T09:00"),
    (510, "open_source", "2026-01-05T09:00"),
    (511, None, "2026-01-14T09:00"),
    (512, "education", "2025-12-30T09:00"),
]
# (ticket, outcome, when, who: a journal run mode, or "zendesk", rules)
DECISIONS: list[tuple[int, str, str, str, list[str]]] = [
    (512, "ask", "2026-01-02T10:00", "unattended", ["edu_ask_nonprofit"]),
    (501, "qualify", "2026-01-06T10:00", "unattended", ["edu_qualify"]),
    (510, "reject", "2026-01-07T10:00", "unattended", ["oss_reject_license"]),
    (502, "ask", "2026-01-08T11:00", "unattended", ["edu_ask_email"]),
    (508, "qualify", "2026-01-15T14:00", "apply", ["startups_qualify_seed"]),
    (507, "escalate", "2026-01-16T10:00", "unattended", ["common_public_sector"]),
    (502, "reject", "2026-01-21T15:00", "interactive", ["edu_reject_student"]),
    (505, "ask", "2026-01-27T12:00", "unattended", ["startups_ask_funding"]),
    (509, "qualify", "2026-01-29T16:00", "zendesk", []),
    (503, "reject", "2026-02-02T11:30", "zendesk", []),
]


def _journal_decision(
    journal: SqliteJournal, ticket: int, program: str, outcome: str, mode: str, rules: list[str], when: datetime
) -> None:
    decision = Decision(
        ticket_id=ticket,
        program=program,
        outcome=Outcome(outcome),
        reasons=[Reason(rule=r, message=r, outcome=Outcome(outcome)) for r in rules],
        ruleset_version="test",
    )
    run = journal.start_run(mode, "test")
    ids = journal.record_proposals(run, [Proposal(decision=decision, updated_stamp="stamp")], state="approved")
    attempts = journal.begin_writes([ids[ticket]])
    journal.finish_write(ids[ticket], attempts[ids[ticket]], "applied", None, None)
    with sqlite3.connect(journal.path) as db:  # the history happened in the past: back-date the write
        db.execute(
            "UPDATE proposals SET decided_at=? WHERE id=?", (when.isoformat(timespec="microseconds"), ids[ticket])
        )


def _seed(home: Path, settings: Settings) -> None:
    clock = [ts("2026-01-01T00:00").timestamp()]
    store = SandboxStore(home / "sandbox.sqlite3", clock=lambda: clock[0])
    decision_field = settings.fields[settings.markers.decision_field]
    tickets: list[dict[str, Any]] = []
    users: list[dict[str, Any]] = []
    for ticket_id, program, created in TICKETS:
        name, email = NAMES if ticket_id == 504 else (f"Applicant {ticket_id}", f"a{ticket_id}@uni.example.edu")
        users.append({"id": 9000 + ticket_id, "name": name, "email": email})
        ticket: dict[str, Any] = {
            "id": ticket_id,
            "subject": f"Application {ticket_id}",
            "comment": {"body": "Please consider our application."},
            "requester_id": 9000 + ticket_id,
            "created_at": created + ":00Z",
            "status": {504: "open", 506: "new"}.get(ticket_id, "new"),
        }
        if program is not None:
            ticket["ticket_form_id"] = settings.programs[program].form_id
        tickets.append(ticket)
    store.load({"users": users, "tickets": tickets})
    agent = store.agent_ids()[0]
    with SqliteJournal.open(home / "journal.sqlite3") as journal:
        for ticket_id, outcome, when, who, rules in DECISIONS:
            clock[0] = ts(when).timestamp()
            changes = {
                "status": STATUS_AFTER[outcome],
                "custom_fields": [{"id": decision_field, "value": f"commops_{outcome}"}],
            }
            store.update_ticket(ticket_id, changes, agent)
            if who != "zendesk":
                program = next(p for t, p, _ in TICKETS if t == ticket_id)
                assert program is not None
                _journal_decision(journal, ticket_id, program, outcome, who, rules, ts(when))
        # A later touch on 509: its last update is no longer when it was decided (the audits say when).
        clock[0] = ts("2026-02-03T09:00").timestamp()
        store.update_ticket(509, {"comment": {"body": "Your licences are on their way.", "public": True}}, agent)
    store.close()


@pytest.fixture
def seeded(commops_home: Path) -> Path:
    (commops_home / "config.toml").write_text('[sla]\nextra_holidays = ["2026-01-30"]\n', encoding="utf-8")
    _seed(commops_home, load_settings())
    return commops_home


def _stats(*args: str) -> str:
    result = CliRunner().invoke(app, ["stats", "--since", "2026-01-05", "--until", "2026-02-06", *args])
    assert result.exit_code == 0, (result.output, result.exception)
    return result.stdout


def test_every_measure_matches_the_hand_counts(seeded: Path, tmp_path: Path) -> None:
    out = tmp_path / "stats.json"
    _stats("--format", "json", "--out", str(out))
    report = json.loads(out.read_text(encoding="utf-8"))
    overall = report["overall"]

    assert overall["tickets"] == 10  # 511 is no application, 512 is older than the period
    assert overall["by_status"] == {"new": 1, "open": 2, "pending": 1, "solved": 6}
    queue = overall["queue"]  # the period's 504-507 and the backlog's 512
    assert (queue["size"], queue["backlog"], queue["at_risk"], queue["breached"], queue["oldest_days"]) == (
        5,
        1,
        1,
        3,
        25,
    )
    assert queue["by_status"] == {"new": 1, "open": 2, "pending": 2}
    assert queue["age_histogram"] == {"2": 1, "7": 1, "13": 1, "16": 1, "25": 1}

    decisions = overall["decisions"]
    assert decisions["total"] == 9
    assert decisions["by_actor"] == {"unattended": 5, "commops_specialist": 2, "zendesk_specialist": 2}
    assert decisions["automated_share"] == pytest.approx(5 / 9)
    assert decisions["outcomes"] == {"qualify": 3, "reject": 3, "ask": 2, "escalate": 1}
    ttd = decisions["time_to_decision"]
    assert ttd["histogram"] == {"1": 1, "2": 1, "3": 1, "6": 1, "8": 1, "14": 1}
    assert (ttd["median"], ttd["p90"], decisions["decided"], decisions["decided_late"]) == (4.5, 14, 6, 1)
    assert [(r["rule"], r["count"]) for r in decisions["reject_reasons"]] == [
        ("edu_reject_student", 1),
        ("oss_reject_license", 1),
    ]
    assert [(r["rule"], r["count"]) for r in decisions["ask_reasons"]] == [
        ("edu_ask_email", 1),
        ("startups_ask_funding", 1),
    ]

    edu, oss, startups = (report["programs"][p] for p in ("education", "open_source", "startups"))
    assert (edu["tickets"], edu["queue"]["breached"], edu["decisions"]["total"]) == (4, 2, 5)
    assert edu["decisions"]["by_actor"] == {"unattended": 3, "commops_specialist": 1, "zendesk_specialist": 1}
    assert (edu["decisions"]["time_to_decision"]["median"], edu["decisions"]["time_to_decision"]["p90"]) == (6.0, 8)
    assert (oss["decisions"]["time_to_decision"]["median"], oss["decisions"]["decided_late"]) == (8.0, 1)
    assert (startups["queue"]["at_risk"], startups["decisions"]["by_actor"]["commops_specialist"]) == (1, 1)

    weeks = {w["week"]: w for w in overall["weeks"]}
    assert {k: w["tickets"] for k, w in weeks.items()} == {
        "2026-W02": 4,
        "2026-W03": 3,
        "2026-W04": 1,
        "2026-W05": 1,
        "2026-W06": 1,
    }
    assert {k: w["decisions"]["total"] for k, w in weeks.items()} == {
        "2026-W02": 3,
        "2026-W03": 2,
        "2026-W04": 1,
        "2026-W05": 2,
        "2026-W06": 1,
    }
    assert weeks["2026-W05"]["decisions"]["by_actor"] == {
        "unattended": 1,
        "commops_specialist": 0,
        "zendesk_specialist": 1,
    }
    assert weeks["2026-W06"]["decisions"]["decided_late"] == 1

    assert [(t["ticket_id"], t["age_days"]) for t in report["breached_tickets"]] == [(512, 25), (504, 16), (507, 13)]
    assert report["breached_tickets"][1]["requester_name"] == "Ada Lovelace"
    assert report["requests"]["audit_requests"] == 2  # 503 and 509 only: decided in Zendesk
    assert report["requests"]["decision_time_from_updated_at"] == 0
    assert (report["requests"]["backlog_tickets"], report["requests"]["tickets"]) == (1, 10)
    assert report["sla"]["extra_holidays"] == ["2026-01-30"]


def test_program_filter_and_redacted_ticket_csv(seeded: Path) -> None:
    text = _stats("--format", "csv", "--program", "open_source", "--redact")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert sorted(int(r["ticket_id"]) for r in rows) == [503, 504, 510]
    by_id = {int(r["ticket_id"]): r for r in rows}
    assert (by_id[503]["first_decision_by"], by_id[503]["time_to_decision_days"], by_id[503]["sla"]) == (
        "zendesk_specialist",
        "14",
        "missed",
    )
    assert (by_id[504]["age_business_days"], by_id[504]["sla"]) == ("16", "breached")
    assert not any(name in text for name in NAMES) and "requester" not in text


def test_aggregate_csv_and_redacted_html(seeded: Path, tmp_path: Path) -> None:
    rows = list(csv.DictReader(io.StringIO(_stats("--format", "csv", "--aggregate"))))
    everything = rows[0]
    assert (everything["scope"], everything["tickets"], everything["zendesk_specialist"]) == ("all", "10", "2")
    assert (everything["queue"], everything["backlog"], everything["breached"]) == ("5", "1", "3")
    tickets = {r["ticket_id"]: r for r in csv.DictReader(io.StringIO(_stats("--format", "csv")))}
    assert (tickets["512"]["backlog"], tickets["512"]["sla"], tickets["512"]["age_business_days"]) == (
        "yes",
        "breached",
        "25",
    )
    assert tickets["504"]["requester_name"] == "Ada Lovelace"
    html_path = tmp_path / "stats.html"
    _stats("--format", "html", "--out", str(html_path), "--redact")
    html = html_path.read_text(encoding="utf-8")
    assert html.count('<svg class="chart"') >= 5
    assert not any(name in html for name in NAMES)


def test_table_view_and_usage_errors(seeded: Path, tmp_path: Path) -> None:
    text = _stats("--program", "startups")
    assert "Queue health" in text and "startups" in text and "education" not in text
    _stats("--out", str(tmp_path / "stats.txt"))
    saved = (tmp_path / "stats.txt").read_text(encoding="utf-8")
    assert "Oldest tickets in breach" in saved and "Ada Lovelace" in saved and "\x1b[" not in saved
    runner = CliRunner()
    for args, message in (
        (["stats", "--program", "nope"], "unknown program"),
        (["stats", "--format", "html"], "--out"),
        (["stats", "--since", "2026-02-01", "--until", "2026-01-01"], "after"),
        (["stats", "--format", "json", "--out", str(tmp_path / "missing" / "x.json")], "cannot write"),
    ):
        result = runner.invoke(app, args)
        assert result.exit_code != 0
        assert message in str(result.exception)
