"""Fixture cases: an application (as YAML) and the decision the rules must reach for it.

A case file has optional ``defaults`` (merged under every case: ``fields``, ``requester`` and
``verifications`` merge key by key, ``null`` removes a default) and a list of ``cases``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydanticValidationError

from commops.domain import Application, Decision, Outcome, Requester, Verification
from commops.rules._engine import CompiledRuleSet
from commops.rules._loader import Problem
from commops.rules._yaml import locate, parse

__all__ = ["CaseResult", "case_files", "load_cases", "run_cases"]

CASES_EPOCH = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
_MERGED = ("fields", "requester", "verifications")


class Expect(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outcome: Outcome
    macros: list[str] | None = None  # titles, any order; omitted: not checked
    rules: list[str] | None = None  # ids of the rules behind the outcome; omitted: not checked


class Case(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    program: str | None = None
    form_program: str | None = None  # the program of the ticket's form, when it differs from `program`'s source
    field_program: str | None = None  # the program the `program` field names
    application_type: str | None = None
    requester: dict[str, Any] = Field(default_factory=dict)
    fields: dict[str, Any] = Field(default_factory=dict)
    verifications: dict[str, dict[str, Any]] = Field(default_factory=dict)
    tags: list[str] = Field(default_factory=list)
    created_at: datetime = CASES_EPOCH
    expect: Expect

    def application(self, ticket_id: int) -> Application:
        return Application(
            ticket_id=ticket_id,
            program=self.program or self.form_program or self.field_program,
            form_program=self.form_program,
            field_program=self.field_program,
            application_type=self.application_type,
            requester=Requester(**self.requester),
            fields={k: v for k, v in self.fields.items() if v is not None},
            verifications={kind: Verification(kind=kind, **v) for kind, v in self.verifications.items()},
            tags=self.tags,
            created_at=self.created_at,
            updated_at=self.created_at,
        )


@dataclass
class CaseResult:
    file: str
    line: int
    name: str
    expect: Expect | None = None
    decision: Decision | None = None
    failures: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures


def _merge(defaults: dict[str, Any], case: dict[str, Any]) -> dict[str, Any]:
    merged = {**defaults, **case}
    for key in _MERGED:
        if isinstance(defaults.get(key), dict) and isinstance(case.get(key), dict):
            merged[key] = {**defaults[key], **case[key]}
            merged[key] = {k: v for k, v in merged[key].items() if not (key != "fields" and v is None)}
    return merged


def case_files(paths: Iterable[Path]) -> tuple[list[Path], list[Problem]]:
    found: list[Path] = []
    problems: list[Problem] = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())
        elif path.is_file():
            found.append(path)
        else:
            problems.append(Problem(str(path), 1, 1, "no such file or directory"))
    return found, problems


def load_cases(path: Path) -> tuple[list[tuple[int, Case]], list[Problem]]:
    """(line, case) pairs and the problems of one case file."""
    name = str(path)
    located, yaml_problems = parse(path.read_text(encoding="utf-8"))
    problems = [Problem(name, p.line, p.col, p.message) for p in yaml_problems]
    data = located.data
    if not isinstance(data, dict) or not isinstance(data.get("cases"), list):
        return [], [*problems, Problem(name, 1, 1, "a case file is a mapping with a `cases:` list")]
    defaults = data.get("defaults") or {}
    out: list[tuple[int, Case]] = []
    for index, raw in enumerate(data["cases"]):
        line, _ = locate(located.root, ["cases", index])
        try:
            out.append((line, Case.model_validate(_merge(defaults, raw if isinstance(raw, dict) else {}))))
        except PydanticValidationError as exc:
            for error in exc.errors():
                where = ".".join(str(p) for p in error["loc"])
                problems.append(Problem(name, line, 1, f"case {index + 1}: {where}: {error['msg']}"))
    return out, problems


def _check(case: Case, decision: Decision) -> list[str]:
    failures = []
    if decision.outcome != case.expect.outcome:
        failures.append(f"outcome {decision.outcome.value}, expected {case.expect.outcome.value}")
    if case.expect.macros is not None:
        got = sorted(m.title for m in decision.macros)
        if got != sorted(case.expect.macros):
            failures.append(f"macros {got}, expected {sorted(case.expect.macros)}")
    if case.expect.rules is not None:
        got = sorted(r.rule for r in decision.reasons)
        if got != sorted(case.expect.rules):
            failures.append(f"rules {got}, expected {sorted(case.expect.rules)}")
    return failures


def run_cases(compiled: CompiledRuleSet, paths: Iterable[Path]) -> tuple[list[CaseResult], list[Problem]]:
    """Evaluate every case; a result's ``failures`` say how the decision differs from the expectation."""
    files, problems = case_files(paths)
    results: list[CaseResult] = []
    for path in files:
        cases, file_problems = load_cases(path)
        problems += file_problems
        for line, case in cases:
            decision = compiled.evaluate(case.application(ticket_id=len(results) + 1))
            results.append(CaseResult(str(path), line, case.name, case.expect, decision, _check(case, decision)))
    return results, problems
