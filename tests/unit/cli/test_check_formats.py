"""`--format` on `rules lint`, `rules test` and `rules explain`, and checks that find problems exiting 1 through
the shared error path (ProblemsFound): in-process and as real processes writing into a pipe."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from commops.domain import Decision
from tests.e2e.cli import cli, commops_process

RULES = Path(__file__).resolve().parents[3] / "rules"
BAD = ("program: education\nrules:\n  - id: a\n    when: {field: fields.seats, op: gtt, value: 1}\n"
       "    outcome: manual\n    reason: r\n    auto: sometimes\n")
FAILING_CASE = ("cases:\n  - name: a student cannot qualify\n    program: education\n"
                "    requester: {email: ann@cs.mit.edu}\n"
                "    fields: {country: US, applicant_role: role_student}\n"
                "    expect: {outcome: qualify}\n")


def test_lint_json_csv_and_table(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD)
    as_json = cli("rules", "lint", "--no-account", str(bad), "--format", "json")
    assert as_json.code == 1
    assert as_json.jsonl() == [
        {"file": str(bad), "line": 4, "col": 37, "message": "unknown operator 'gtt' (did you mean 'gt'?)"},
        {"file": str(bad), "line": 7, "col": 11, "message": "input should be a valid boolean (got 'sometimes')"},
    ]
    assert "error: 2 problems found" in as_json.err  # ProblemsFound, the one error path
    as_csv = cli("rules", "lint", "--no-account", str(bad), "-f", "csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.out)))
    assert as_csv.code == 1 and [r["line"] for r in rows] == ["4", "7"] and list(rows[0]) == ["file", "line", "col",
                                                                                          "message"]
    table = cli("rules", "lint", "--no-account", str(bad))
    assert table.code == 1 and table.out.splitlines()[0] == f"{bad}:4:37: unknown operator 'gtt' (did you mean 'gt'?)"
    clean = cli("rules", "lint", "--no-account", "--format", "json")
    assert clean.code == 0 and clean.out == ""


def test_rules_test_json_document_and_csv(tmp_path: Path) -> None:
    case = tmp_path / "case.yaml"
    case.write_text(FAILING_CASE)
    result = cli("rules", "test", str(case), "--rules", str(RULES), "--format", "json")
    assert result.code == 1 and "error: 1 of 1 cases failed" in result.err
    document = json.loads(result.out)
    assert (document["total"], document["passed"], document["failed"], document["problems"]) == (1, 0, 1, [])
    [only] = document["cases"]
    assert only == {"file": str(case), "line": 2, "name": "a student cannot qualify", "passed": False,
                    "outcome": "reject", "expected": "qualify", "failures": only["failures"]}
    assert any("expected qualify" in f for f in only["failures"])
    shipped = cli("rules", "test", "--format", "csv")
    assert shipped.code == 0, shipped.err
    rows = list(csv.DictReader(io.StringIO(shipped.out)))
    assert rows and all(r["passed"] == "true" for r in rows)
    broken = tmp_path / "broken.yaml"
    broken.write_text("cases: [\n")
    problems = cli("rules", "test", str(broken), "--rules", str(RULES), "--format", "json")
    assert problems.code == 1 and json.loads(problems.out)["problems"][0]["file"] == str(broken)
    assert "problems in the case files" in problems.err
    empty = tmp_path / "none"
    empty.mkdir()
    none = cli("rules", "test", str(empty), "--rules", str(RULES))
    assert none.code == 1 and "no cases found" in none.err


def test_explain_formats_and_the_deprecated_json_flag() -> None:
    as_json = cli("rules", "explain", "1", "--offline", "--format", "json")
    assert as_json.code == 0, as_json.err
    decision = Decision.model_validate(json.loads(as_json.out))
    assert {"ticket_id", "program", "outcome", "reasons", "other_reasons", "ruleset_version", "trace",
            "readings"} <= set(json.loads(as_json.out))
    old = cli("rules", "explain", "1", "--offline", "--json")
    assert old.code == 0 and json.loads(old.out) == json.loads(as_json.out)
    assert "--json is deprecated: use --format json" in old.err
    assert "--json" not in cli("rules", "explain", "--help").out  # hidden
    as_csv = cli("rules", "explain", "1", "--offline", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.out)))
    rules = [r for r in rows if r["depth"] == "0"]
    assert [r["rule"] for r in rules] == [t.rule for t in decision.trace]
    assert all(r["result"] in ("true", "false", "unknown") for r in rows)
    assert any(r["depth"] != "0" and r["field"] for r in rows)


def test_piped_json_from_real_processes(tmp_path: Path, commops_home: Path) -> None:
    """Not a terminal: stdout is the data alone (parseable), the summary and the error on stderr."""
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD)
    env = {"COMMOPS_HOME": str(commops_home)}
    lint = commops_process("rules", "lint", "--no-account", str(bad), "--format", "json", env=env)
    out, err = lint.communicate(timeout=60)
    assert lint.returncode == 1 and len([json.loads(line) for line in out.splitlines()]) == 2
    assert "error: 2 problems found" in err and "Traceback" not in err
    tested = commops_process("rules", "test", "--format", "json", env=env)
    out, err = tested.communicate(timeout=60)
    assert tested.returncode == 0, err
    assert json.loads(out)["failed"] == 0
    explained = commops_process("rules", "explain", "1", "--offline", "--format", "csv", env=env)
    out, err = explained.communicate(timeout=120)
    assert explained.returncode == 0, err
    assert out.splitlines()[0].startswith("ticket_id,rule,depth,")
