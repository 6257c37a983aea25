"""The rule engine: YAML eligibility rules, checked at load, compiled into fast three-valued predicates.

Imports no I/O libraries beyond reading the rule files (see tests/test_layering.py).
"""

from commops.rules._cases import CaseResult, run_cases
from commops.rules._engine import CompiledRuleSet, LoadedRule
from commops.rules._loader import DropDown, Problem, RuleSet, lint, load_ruleset, rule_files
from commops.rules._schema import RuleFile

__all__ = [
    "CaseResult",
    "CompiledRuleSet",
    "DropDown",
    "LoadedRule",
    "Problem",
    "RuleFile",
    "RuleSet",
    "lint",
    "load_ruleset",
    "rule_files",
    "run_cases",
]
