"""The journal stores the trace in its compact form and reads back exactly what the full form said."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from commops.config import load_settings
from commops.domain import Decision, Proposal
from commops.domain.calendar import BusinessCalendar
from commops.domain.trace import CompactTrace, TraceError, from_journal, journal_trace, shape_from_json
from commops.journal import SqliteJournal
from commops.rules import CompiledRuleSet, load_ruleset, run_cases
from commops.verify.datasets import OfflineDatasets

RULES = Path(__file__).resolve().parents[3] / "rules"


@pytest.fixture(scope="module")
def decisions() -> list[Decision]:
    """The decision of every fixture case of the shipped rules (every outcome, reading and contradiction)."""
    settings = load_settings()
    ruleset = load_ruleset([RULES], field_keys=set(settings.fields), programs=set(settings.programs))
    compiled: CompiledRuleSet = ruleset.compile(datasets=OfflineDatasets(), calendar=BusinessCalendar("US"),
                                                now=lambda: datetime(2026, 1, 6, tzinfo=UTC))
    results, problems = run_cases(compiled, [RULES / "cases"])
    assert problems == []
    found = [r.decision for r in results if r.decision is not None]
    assert len(found) >= 120
    return found


def full_form(decision: Decision) -> dict[str, Any]:
    """What a journal row said before the compact form: the whole decision as JSON, read back."""
    found: dict[str, Any] = json.loads(Decision.model_validate_json(decision.model_dump_json()).model_dump_json())
    return found


def test_every_case_reads_back_from_the_compact_form_as_the_full_form_said(decisions: list[Decision]) -> None:
    for decision in decisions:
        if not isinstance(decision.trace, CompactTrace):
            assert decision.trace == []  # not an application: no rules ran
            continue
        compact = journal_trace(decision.trace)
        assert compact is not None
        shape, text = compact
        again = from_journal(text, lambda _key, shape=shape: shape_from_json(shape.json))  # type: ignore[misc]
        copy = decision.model_copy(update={"trace": again})
        assert full_form(copy) == full_form(decision), decision.ticket_id


def test_the_journal_stores_the_compact_trace_and_loads_the_same_proposal(tmp_path: Path,
                                                                          decisions: list[Decision]) -> None:
    journal = SqliteJournal.open(tmp_path / "j.sqlite3")
    run = journal.start_run("dry-run", "v1")
    proposals = [Proposal(decision=d.model_copy(update={"ticket_id": n + 1}), updated_stamp=f"s{n}")
                 for n, d in enumerate(decisions)]
    ids = journal.record_proposals(run, proposals)
    for p in proposals:
        loaded = journal.load_proposal(ids[p.ticket_id])
        assert json.loads(loaded.model_dump_json()) == json.loads(
            Proposal.model_validate_json(p.model_dump_json()).model_dump_json())
        assert [r.model_dump(mode="json") for r in loaded.decision.readings] == full_form(p.decision)["readings"]
    db = sqlite3.connect(tmp_path / "j.sqlite3")
    shapes = db.execute("SELECT count(*) FROM trace_shapes").fetchone()[0]
    assert shapes == 3  # one per program, stored once
    compact = db.execute("SELECT sum(length(proposal) + length(trace)) FROM proposals").fetchone()[0]
    full = sum(len(p.model_dump_json()) for p in proposals if p.decision.trace)
    assert compact * 4 < full  # a fraction of the full form on disk


def test_rows_written_before_the_compact_trace_still_read(tmp_path: Path, decisions: list[Decision]) -> None:
    """A journal of the earlier layout (no trace column, the trace inside the proposal) opens, migrates,
    and its rows read back with their traces; new rows beside them are compact."""
    path = tmp_path / "old.sqlite3"
    decision = next(d for d in decisions if d.trace)
    old = Proposal(decision=decision, updated_stamp="s1")
    db = sqlite3.connect(path)
    db.executescript(
        "CREATE TABLE runs (run_id TEXT PRIMARY KEY, mode TEXT NOT NULL, started_at TEXT NOT NULL,"
        " finished_at TEXT, ruleset_version TEXT, status TEXT NOT NULL DEFAULT 'running', summary TEXT);"
        "CREATE TABLE proposals (id INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT NULL, ticket_id INTEGER"
        " NOT NULL, program TEXT, outcome TEXT NOT NULL, rules TEXT NOT NULL, macros TEXT NOT NULL,"
        " ruleset_version TEXT NOT NULL, updated_stamp TEXT NOT NULL, fields_digest TEXT, proposal TEXT NOT NULL,"
        " state TEXT NOT NULL DEFAULT 'proposed', stamp_after TEXT, created_at TEXT NOT NULL, decided_at TEXT);"
        "CREATE TABLE attempts (id INTEGER PRIMARY KEY AUTOINCREMENT, proposal_id INTEGER NOT NULL,"
        " ticket_id INTEGER NOT NULL, started_at TEXT NOT NULL, finished_at TEXT, result TEXT, error TEXT);"
        "INSERT INTO runs VALUES ('r0', 'dry-run', '2026-01-01T00:00:00+00:00', NULL, 'v1', 'ok', NULL);"
    )
    db.execute("INSERT INTO proposals(run_id, ticket_id, outcome, rules, macros, ruleset_version, updated_stamp,"
               " proposal, created_at) VALUES ('r0', 1, ?, '[]', '[]', 'v1', 's1', ?, '2026-01-01')",
               (decision.outcome.value, old.model_dump_json()))
    db.commit()
    db.close()
    journal = SqliteJournal.open(path)
    loaded = journal.load_proposal(1)
    assert [t.model_dump(mode="json") for t in loaded.decision.trace] == full_form(decision)["trace"]
    run = journal.start_run("dry-run", "v1")
    new_id = journal.record_proposals(run, [Proposal(decision=decision.model_copy(update={"ticket_id": 2}),
                                                     updated_stamp="s2")])[2]
    assert json.loads(journal.load_proposal(new_id).decision.model_dump_json())["trace"] == full_form(decision)["trace"]


def test_a_rule_that_raised_and_an_unreadable_value_keep_their_meaning() -> None:
    """A rule's error message and an unreadable value survive the journal form as the trace showed them."""
    from commops.domain.decision import Outcome
    from commops.domain.reading import Unreadable
    from commops.domain.trace import ShapeRule, TraceNode, TraceShape

    shape = TraceShape([ShapeRule("r", Outcome.REJECT, "rules/x.yaml:3", 0, False),
                        ShapeRule("u", Outcome.ASK, None, 1, True)],
                       [TraceNode("gt", "fields.seats", 5, None, input=0), TraceNode("eq", "fields.country", "CU",
                                                                                     input=1)],
                       base=4, raw_base=6, describers=[lambda raw: f"read {raw}", lambda raw: "unknown (no such)"])
    try:
        raise ValueError("boom")
    except ValueError as exc:
        error = TraceError(exc)
    live = CompactTrace(shape, (None, error, None, Unreadable("Atlantis", "no such"), None, None, "7", "Atlantis"))
    compact = journal_trace(live)
    assert compact is not None
    back = from_journal(compact[1], lambda _key: shape_from_json(shape.json))
    assert [t.model_dump(mode="json") for t in back] == [t.model_dump(mode="json") for t in live]
    assert back[0].condition is not None and back[0].condition.note == "error: ValueError: boom"
    assert back[1].fired and back[1].condition is not None and back[1].condition.observed is None
    assert back[1].condition.reading == "unknown (no such)"
