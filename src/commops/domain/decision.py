"""Outcomes, the precedence between them, and a decision with the trace that explains it."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SerializerFunctionWrapHandler, computed_field, field_serializer

__all__ = [
    "OUTCOME_PRECEDENCE",
    "OVERRIDE_RULE",
    "ConditionTrace",
    "Decision",
    "InputReading",
    "MacroRef",
    "Outcome",
    "Reason",
    "RuleTrace",
    "Truth",
]


OVERRIDE_RULE = "override"  # the rule id a specialist's override carries


class Outcome(StrEnum):
    ESCALATE = "escalate"
    REJECT = "reject"
    ASK = "ask"
    MANUAL = "manual"
    QUALIFY = "qualify"
    SKIP = "skip"  # not an application: never counted, never touched

    @property
    def rank(self) -> int:
        """Lower wins: escalate > reject > ask > manual > qualify (programs.md)."""
        return OUTCOME_PRECEDENCE.index(self)

    @property
    def writes(self) -> bool:
        """Whether applying this outcome changes the ticket (manual and skip do not)."""
        return self not in (Outcome.MANUAL, Outcome.SKIP)


OUTCOME_PRECEDENCE: tuple[Outcome, ...] = (
    Outcome.ESCALATE,
    Outcome.REJECT,
    Outcome.ASK,
    Outcome.MANUAL,
    Outcome.QUALIFY,
    Outcome.SKIP,
)


class Truth(StrEnum):
    """Kleene three-valued truth: a condition on missing data is unknown, not false."""

    TRUE = "true"
    FALSE = "false"
    UNKNOWN = "unknown"


class MacroRef(BaseModel):
    """A macro as named by a rule (title or id); ``id`` is filled when resolved against the account."""

    model_config = ConfigDict(frozen=True)

    title: str
    id: int | None = None


class Reason(BaseModel):
    """One fired rule, as shown to specialists and written into the internal note."""

    model_config = ConfigDict(frozen=True)

    rule: str
    message: str
    outcome: Outcome
    macro: MacroRef | None = None
    auto: bool = False
    source: str | None = None  # "rules/education.yaml:12"


class ConditionTrace(BaseModel):
    """How one condition evaluated: operator, field, observed and expected values, result."""

    op: str
    result: Truth
    field: str | None = None
    observed: Any = None
    expected: Any = None
    note: str | None = None
    raw: Any = None  # the field's value as the ticket holds it, when it was read before the test
    reading: str | None = None  # what the raw value was read as: "read as 'BY' (country)", "missing (...)"
    children: list[ConditionTrace] = Field(default_factory=list)


class InputReading(BaseModel):
    """One input of an application as the rules saw it: the raw value and what it was read as."""

    field: str
    raw: Any = None
    value: Any = None  # what the rules compared (None when missing or unreadable)
    reading: str  # "read as 'BY' (country)", "missing (placeholder 'N/A')", "unknown (no such country)"


class RuleTrace(BaseModel):
    rule: str
    outcome: Outcome
    result: Truth
    fired: bool
    source: str | None = None
    condition: ConditionTrace | None = None


class Decision(BaseModel):
    """The outcome for one application, the rules that chose it, and how every rule evaluated."""

    ticket_id: int
    program: str | None
    outcome: Outcome
    reasons: list[Reason] = Field(default_factory=list)  # fired rules with the winning outcome
    other_reasons: list[Reason] = Field(default_factory=list)  # fired rules outranked by the winner
    ruleset_version: str
    trace: list[RuleTrace] = Field(default_factory=list)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def readings(self) -> list[InputReading]:
        """Each input the rules read, raw and as read, from the trace (first test of each field)."""
        seen: dict[str, InputReading] = {}
        stack = [rule.condition for rule in self.trace if rule.condition is not None]
        stack.reverse()
        while stack:
            cond = stack.pop()
            if cond.field is not None and cond.reading is not None and cond.field not in seen:
                seen[cond.field] = InputReading(field=cond.field, raw=cond.raw, value=cond.observed,
                                                reading=cond.reading)
            stack.extend(reversed(cond.children))
        return list(seen.values())

    @field_serializer("trace", "other_reasons", mode="wrap")
    def _serialize_trace(self, value: list[RuleTrace], handler: SerializerFunctionWrapHandler) -> Any:
        # The rule engine hands over a lazily built trace (a list subclass); serialise its items.
        return handler(list(value))

    @property
    def macros(self) -> list[MacroRef]:
        """The macros to apply, in rule order, without repeats."""
        seen: dict[str, MacroRef] = {}
        for reason in self.reasons:
            if reason.macro is not None and reason.macro.title not in seen:
                seen[reason.macro.title] = reason.macro
        return list(seen.values())

    @property
    def auto(self) -> bool:
        """Unattended runs may apply this decision only if every rule behind it says so."""
        return bool(self.reasons) and all(r.auto for r in self.reasons)

    @property
    def overridden_by_person(self) -> bool:
        return any(r.rule == OVERRIDE_RULE for r in self.reasons)

    def overridden(self, outcome: Outcome, macros: Sequence[MacroRef], note: str) -> Decision:
        """A specialist's decision in place of this one: their outcome and macros, carrying ``note``
        under the ``override`` rule, with every rule that fired (the winners and the outranked ones) kept
        as the other reasons, so the plan, the journal and ``--format json`` still show what was set aside.

        Re-triage reads the ``override`` rule as "a person decided" and never overrules it.
        """
        reasons = [Reason(rule=OVERRIDE_RULE, message=note, outcome=outcome, macro=m) for m in macros] or [
            Reason(rule=OVERRIDE_RULE, message=note, outcome=outcome)
        ]
        fired = [r for r in (*self.reasons, *self.other_reasons) if r.rule != OVERRIDE_RULE]
        return self.model_copy(update={"outcome": outcome, "reasons": reasons, "other_reasons": fired})
