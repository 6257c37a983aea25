"""`commops stats` reports member satisfaction end to end: the sandbox offers a survey on every ticket
commops solved, the seeded members answer, and the JSON and table show good/bad, comments and the
response rate per program and per outcome, read in bulk (two cursor-paginated reads)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from commops.sandbox.satisfaction import ratings

from .cli import cli, seeded, store


def test_stats_adds_satisfaction_per_program_and_outcome(commops_home: Path) -> None:
    seeded(commops_home, applications=80, seed=5)
    assert cli("--quiet", "triage", "--sandbox", "--offline", "--apply", "--unattended").code == 0
    result = cli("stats", "--format", "json")
    assert result.code == 0, result.err
    report = json.loads(result.out)
    section = report["satisfaction"]
    sandbox = ratings(store(commops_home))
    assert sandbox, "commops solved some tickets: the sandbox offered surveys"
    scores = Counter(r["score"] for r in sandbox)
    overall = section["overall"]
    assert (overall["offered"], overall["good"], overall["bad"]) == (len(sandbox), scores["good"], scores["bad"])
    assert overall["comments"] == sum(1 for r in sandbox if r["comment"] and r["score"] != "offered")
    assert overall["response_rate"] == (scores["good"] + scores["bad"]) / len(sandbox)
    assert set(section["outcomes"]) <= {"qualify", "reject"}  # commops solves tickets by these two only
    assert sum(c["offered"] for c in section["programs"].values()) == len(sandbox)
    assert sum(c["offered"] for c in section["outcomes"].values()) == len(sandbox)
    for program, by_outcome in section["by_program_outcome"].items():
        assert sum(c["rated"] for c in by_outcome.values()) == section["programs"][program]["rated"]
    assert section["unmatched"] == 0
    pages = -(-(scores["good"] + scores["bad"]) // 100) + -(-scores["offered"] // 100)
    assert report["requests"]["satisfaction_requests"] == pages  # in bulk: 100 ratings a request

    table = cli("stats")
    assert table.code == 0, table.err
    assert "member satisfaction" in " ".join(table.out.split()), table.out
