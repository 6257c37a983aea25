"""The shipped rules implement programs.md: every fixture case passes, and a case that lies fails."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from commops.config import load_settings
from commops.domain import Outcome
from commops.domain.calendar import BusinessCalendar
from commops.rules import CompiledRuleSet, load_ruleset, run_cases
from commops.verify.datasets import OfflineDatasets

RULES = Path(__file__).resolve().parents[3] / "rules"


@pytest.fixture(scope="module")
def compiled() -> CompiledRuleSet:
    settings = load_settings()
    ruleset = load_ruleset([RULES], field_keys=set(settings.fields), programs=set(settings.programs))
    return ruleset.compile(datasets=OfflineDatasets(), calendar=BusinessCalendar("US"),
                           now=lambda: datetime(2026, 1, 6, tzinfo=UTC))


def test_every_fixture_case_passes(compiled: CompiledRuleSet) -> None:
    results, problems = run_cases(compiled, [RULES / "cases"])
    assert problems == []
    failures = [f"{r.file}:{r.line} {r.name}: {r.failures}" for r in results if not r.passed]
    assert failures == []
    assert len(results) >= 120
    outcomes = {r.decision.outcome for r in results if r.decision is not None}
    assert outcomes == set(Outcome)  # every outcome is exercised, skip included


def test_a_wrong_expectation_is_reported(compiled: CompiledRuleSet, tmp_path: Path) -> None:
    case = tmp_path / "wrong.yaml"
    case.write_text(
        "cases:\n"
        "  - name: seats 0 cannot qualify\n"
        "    program: startups\n"
        "    requester: {email: a@acme.io}\n"
        "    fields: {country: US, seats: 0, funding_total_usd: 1000000.0, backed_by: backed_vc,\n"
        "             funding_profile_url: 'https://x.example/a', deployment: deploy_saas}\n"
        "    expect: {outcome: qualify, macros: [\"Startups::Qualified - seed stage\"], rules: [startups.seed_stage]}\n"
    )
    (result,), problems = run_cases(compiled, [case])
    assert problems == []
    assert result.line == 2
    assert result.failures == [
        "outcome ask, expected qualify",
        "macros ['Startups::Ask - product and seats'], expected ['Startups::Qualified - seed stage']",
        "rules ['startups.product_and_seats'], expected ['startups.seed_stage']",
    ]


def test_malformed_case_is_a_problem(compiled: CompiledRuleSet, tmp_path: Path) -> None:
    case = tmp_path / "bad.yaml"
    case.write_text("cases:\n  - name: x\n    expect: {outcome: maybe}\n")
    results, problems = run_cases(compiled, [case])
    assert results == []
    assert len(problems) == 1 and str(problems[0]).startswith(f"{case}:2:1: case 1: expect.outcome")
