"""Rule-engine fixtures."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest

from commops.domain.calendar import BusinessCalendar
from commops.rules import CompiledRuleSet, load_ruleset
from tests.unit.rules.helpers import FIELD_KEYS, NOW, PROGRAMS, FakeDatasets, write_rules


@pytest.fixture
def compile_rules(tmp_path: Path) -> Callable[..., CompiledRuleSet]:
    """``compile_rules(yaml_text, more={"other.yaml": text})`` → a CompiledRuleSet over fake data."""

    def build(text: str, more: dict[str, str] | None = None, now: datetime = NOW) -> CompiledRuleSet:
        directory = write_rules(tmp_path / "rules", {"main.yaml": text, **(more or {})})
        ruleset = load_ruleset([directory], field_keys=FIELD_KEYS, programs=PROGRAMS)
        return ruleset.compile(datasets=FakeDatasets(), calendar=BusinessCalendar(""), now=lambda: now)

    return build
