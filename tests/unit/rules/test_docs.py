"""docs/rules.md stays true: its rule-file and case examples load and pass, and every operator is documented."""

from __future__ import annotations

import re
import shutil
import typing
from datetime import UTC, datetime
from pathlib import Path

from commops.config import load_settings
from commops.domain import Outcome
from commops.domain.calendar import BusinessCalendar
from commops.rules import load_ruleset, run_cases
from commops.rules._schema import Op
from commops.verify.datasets import OfflineDatasets
from tests.unit.rules.helpers import app

ROOT = Path(__file__).resolve().parents[3]
DOC = (ROOT / "docs" / "rules.md").read_text()
YAML_BLOCKS = re.findall(r"```yaml\n(.*?)```", DOC, re.S)


def test_the_rule_file_example_loads_and_decides(tmp_path: Path) -> None:
    settings = load_settings()
    (tmp_path / "example.yaml").write_text(YAML_BLOCKS[0])
    ruleset = load_ruleset([tmp_path], field_keys=set(settings.fields), programs=set(settings.programs))
    compiled = ruleset.compile(datasets=OfflineDatasets(), calendar=BusinessCalendar(""),
                               now=lambda: datetime(2026, 1, 6, tzinfo=UTC))
    decision = compiled.evaluate(app("education", use_case="use_administration", institution_nonprofit=True))
    assert decision.outcome is Outcome.REJECT
    assert decision.reasons[0].message == "use case use_administration is not eligible"


def test_the_cases_example_passes_against_the_shipped_rules(tmp_path: Path) -> None:
    settings = load_settings()
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules, ignore=shutil.ignore_patterns("cases"))
    ruleset = load_ruleset([rules], field_keys=set(settings.fields), programs=set(settings.programs))
    compiled = ruleset.compile(datasets=OfflineDatasets(), calendar=BusinessCalendar(""),
                               now=lambda: datetime(2026, 1, 6, tzinfo=UTC))
    case_block = next(block for block in YAML_BLOCKS if block.startswith("defaults:"))
    (tmp_path / "cases.yaml").write_text(case_block)
    results, problems = run_cases(compiled, [tmp_path / "cases.yaml"])
    assert problems == [] and len(results) == 2
    assert all(r.passed for r in results), [r.failures for r in results]


def test_every_operator_is_documented() -> None:
    for op in typing.get_args(Op):
        assert f"`{op}`" in DOC, op
