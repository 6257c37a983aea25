"""Hostile ticket payloads through every reader: queue, triage, rules explain and stats in every format.

A seeded generator (deterministic, bounded) poisons the seeded sandbox's applications with lone
surrogates, control and escape sequences, rich markup, spreadsheet formulas, huge and nested values and
extreme dates and numbers. Whatever one ticket holds: no traceback, no crashed batch (every command
exits 0 and every poisoned ticket is either shown or reported with its id), no raw control character on
stdout, no live formula in any CSV.
"""

from __future__ import annotations

import csv
import io
import json
import random
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from commops.safe_text import has_unsafe

from .cli import Result, cli, seeded

SEED = 1414
POISON = [
    "\ud800x",
    "x\udfff",
    "\x1b]0;pwned\x07",
    "\x1b[2J\x1b[H",
    "\x1b]8;;http://evil.example\x1b\\link\x1b]8;;\x1b\\",
    "\x9b31m\x85",
    "[red]bob[/red]",
    "[link=http://evil.example]x[/link]",
    ":100: :smile:",
    "=HYPERLINK(\"http://evil.example\",\"x\")",
    "+1+1",
    "-2+3",
    "@SUM(A1:A9)",
    "\tstart",
    "\rstart",
    "\u202eevil",
    "\x00nul",
    "A" * 20_000,
]
HOSTILE_EMAILS = ["[red]bob[/red]@x.org", "=cmd|'/C calc'!A0@x.org", "\x1b[31mz@x.org", "\ud800@x.org"]
EXTREME_NUMBERS: list[Any] = [10**30, -(10**30), 1e308, -1e308, 0, -1, "1e999", "NaN", "12,345,678,901,234"]
EXTREME_DATES = ["9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z", "1970-01-01T00:00:00Z", "2100-02-28T12:00:00Z"]


def _poison(value: Any, rng: random.Random) -> Any:
    choice = rng.random()
    if choice < 0.15:
        return {"nested": [{"deeper": [rng.choice(POISON)] * 3}]}
    if choice < 0.25:
        return [rng.choice(POISON), rng.choice(POISON)]
    if choice < 0.4:
        return rng.choice(EXTREME_NUMBERS)
    text = rng.choice(POISON)
    return text + (value if isinstance(value, str) else "") if rng.random() < 0.5 else text


def _hostile_sandbox(home: Path, applications: int) -> list[int]:
    seeded(home, applications=applications, seed=SEED % 97)
    rng = random.Random(SEED)
    db = sqlite3.connect(home / "sandbox.sqlite3")
    poisoned = []
    for tid, doc in db.execute("SELECT id, doc FROM tickets ORDER BY id").fetchall():
        ticket = json.loads(doc)
        if not ticket.get("custom_fields") or rng.random() < 0.2:
            continue
        poisoned.append(int(tid))
        for entry in ticket["custom_fields"]:
            if rng.random() < 0.6:
                entry["value"] = _poison(entry.get("value"), rng)
        ticket["subject"] = rng.choice(POISON)
        if rng.random() < 0.3:
            ticket["created_at"] = ticket["updated_at"] = rng.choice(EXTREME_DATES)
        db.execute("UPDATE tickets SET doc = ? WHERE id = ?", (json.dumps(ticket), tid))
    for uid, doc in db.execute("SELECT id, doc FROM users").fetchall():
        user = json.loads(doc)
        if user.get("role") == "end-user" and rng.random() < 0.7:
            user["name"] = rng.choice(POISON)
            user["email"] = rng.choice(HOSTILE_EMAILS)
            db.execute("UPDATE users SET doc = ? WHERE id = ?", (json.dumps(user), uid))
    db.commit()
    db.close()
    return poisoned


def _clean_run(result: Result, what: str) -> None:
    assert result.code == 0, (what, result.err[-2000:])
    assert "Traceback" not in result.err and "internal error" not in result.err, (what, result.err[-2000:])
    assert not has_unsafe(result.out), (what, [c for c in result.out if has_unsafe(c)][:5])
    assert "\x1b" not in result.out and "\r" not in result.out, what


def _no_live_formula(text: str, what: str) -> None:
    for row in csv.reader(io.StringIO(text)):
        for cell in row:
            assert not cell.startswith(("=", "+", "@", "\t", "\r")), (what, cell[:60])
            if cell.startswith("-"):
                float(cell)  # a negative number is data; any other cell starting with "-" is a formula


@pytest.fixture()
def hostile(commops_home: Path) -> list[int]:
    return _hostile_sandbox(commops_home, applications=36)


def test_queue_in_every_format(hostile: list[int]) -> None:
    for fmt in ("table", "json", "csv"):
        result = cli("queue", "--format", fmt)
        _clean_run(result, f"queue {fmt}")
        if fmt == "csv":
            _no_live_formula(result.out, "queue csv")
        if fmt == "json":
            shown = {r["ticket_id"] for r in result.jsonl()}
            reported = {int(line.split()[1]) for line in result.err.splitlines() if line.startswith("ticket ")}
            assert shown | reported, "the queue is not empty"


def test_triage_in_every_format_and_every_ticket_accounted_for(hostile: list[int]) -> None:
    for fmt in ("table", "json", "csv"):
        result = cli("triage", "--offline", "--format", fmt)
        _clean_run(result, f"triage {fmt}")
        if fmt == "csv":
            _no_live_formula(result.out, "triage csv")
        if fmt == "json":
            shown = {r["ticket_id"] for r in result.jsonl()}
            reported = {int(line.split()[1]) for line in result.err.splitlines() if line.startswith("ticket ")}
            missing = [t for t in hostile if t not in shown | reported]
            assert not missing, f"poisoned tickets neither shown nor reported: {missing}"


def test_triage_apply_writes_the_others(hostile: list[int]) -> None:
    result = cli("triage", "--offline", "--sandbox", "--apply", "--yes", "--format", "json")
    _clean_run(result, "triage --apply")
    assert any(r["applied"] for r in result.jsonl()), "a poisoned ticket never stops the others' writes"


def test_rules_explain_each_poisoned_ticket(hostile: list[int]) -> None:
    for tid in hostile[:8]:
        result = cli("rules", "explain", str(tid), "--offline")
        assert result.code in (0, 6), result.err  # 6: not an application the rules read
        assert "Traceback" not in result.err and "internal error" not in result.err, result.err[-2000:]
        assert not has_unsafe(result.out) and "\x1b" not in result.out


def test_stats_in_every_format(hostile: list[int], tmp_path: Path) -> None:
    assert cli("triage", "--offline", "--sandbox", "--apply", "--yes").code == 0
    for args in (("--format", "table"), ("--format", "json"), ("--format", "csv"), ("--format", "csv", "--aggregate"),
                 ("--format", "html", "--out", str(tmp_path / "s.html"))):
        result = cli("stats", "--since", "2000-01-01", *args)
        _clean_run(result, f"stats {args}")
        if "csv" in args:
            _no_live_formula(result.out, f"stats {args}")
        if "json" in args:
            json.loads(result.out)
    html = (tmp_path / "s.html").read_text()
    assert "\x1b" not in html and "\x07" not in html
