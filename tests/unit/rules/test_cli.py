"""`commops rules lint | schema | test` through the Typer app, and the trace tree."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from typer.testing import CliRunner

from commops.cli.app import app
from commops.cli.rules import render_trace
from commops.config import load_settings
from commops.domain.calendar import BusinessCalendar
from commops.rules import RuleFile, load_ruleset
from tests.unit.rules.helpers import FakeDatasets
from tests.unit.rules.helpers import app as application

RULES = Path(__file__).resolve().parents[3] / "rules"
runner = CliRunner()


def test_lint_default_rules_is_clean() -> None:
    result = runner.invoke(app, ["rules", "lint"])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""


def test_lint_reports_problems_one_per_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("program: education\nrules:\n  - id: a\n    when: {field: fields.seats, op: gtt, value: 1}\n"
                   "    outcome: manual\n    reason: r\n    auto: sometimes\n")
    result = runner.invoke(app, ["rules", "lint", str(bad)])
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"{bad}:4:37: unknown operator 'gtt' (did you mean 'gt'?)",
        f"{bad}:7:11: input should be a valid boolean (got 'sometimes')",
    ]


def test_schema_prints_the_json_schema() -> None:
    result = runner.invoke(app, ["rules", "schema"])
    assert result.exit_code == 0
    assert json.loads(result.stdout) == RuleFile.model_json_schema()


def test_rules_test_passes_on_shipped_cases_and_fails_with_a_trace(tmp_path: Path) -> None:
    ok = runner.invoke(app, ["rules", "test"])
    assert ok.exit_code == 0, ok.output
    case = tmp_path / "case.yaml"
    case.write_text("cases:\n  - name: a student cannot qualify\n    program: education\n"
                    "    requester: {email: ann@cs.mit.edu}\n"
                    "    fields: {country: US, applicant_role: role_student}\n"
                    "    expect: {outcome: qualify}\n")
    failed = runner.invoke(app, ["rules", "test", str(case), "--rules", str(RULES)], env={"COLUMNS": "200"})
    assert failed.exit_code == 1
    assert f"FAIL {case}:2: a student cannot qualify" in failed.stdout
    assert "outcome reject, expected qualify" in failed.stdout
    assert "✓ true fields.applicant_role eq 'role_student'  (observed 'role_student')" in failed.stdout


def _decision() -> object:
    settings = load_settings()
    ruleset = load_ruleset([RULES], field_keys=set(settings.fields), programs=set(settings.programs))
    compiled = ruleset.compile(datasets=FakeDatasets(), calendar=BusinessCalendar(""),
                               now=lambda: datetime(2026, 1, 6, tzinfo=UTC))
    return compiled.evaluate(application("education", country="CU", seats=0))


def test_render_trace_colours_results_and_honours_no_color() -> None:
    tree = render_trace(_decision())  # type: ignore[arg-type]
    coloured = Console(force_terminal=True, color_system="standard", width=200)
    with coloured.capture() as captured:
        coloured.print(tree)
    text = captured.get()
    assert "\x1b[32m✓ true" in text and "\x1b[31m✗ false" in text and "\x1b[33m? unknown" in text
    plain = Console(force_terminal=True, no_color=True, width=200)
    with plain.capture() as captured:
        plain.print(tree)
    text = captured.get()
    assert "\x1b[3" not in text
    assert "ESCALATE" in text and "because common.trade_compliance" in text
    assert "also fired: ask edu.role_use_case_seats: " in text  # the outranked rules, not only the winner
    assert "fields.country in ['CU', 'IR', 'SY', 'KP', 'RU', 'BY', 'UA']  (observed 'CU')" in text
