"""Operating the rules: what a rule change would change, how far the rules agree with people, and when
a rule has earned ``auto``. Pure: numbers in, verdicts out (the services gather the inputs).

Agreement is judged by what the applicant would see — the outcome and the macros — the same test
re-triage uses, so renaming a rule never counts as a disagreement.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from commops.domain.application import Application
from commops.domain.decision import Decision, Outcome

__all__ = [
    "Comparison",
    "PastDecision",
    "Promotion",
    "PromotionPolicy",
    "ReplayedDecision",
    "RuleAgreement",
    "Seen",
    "ShadowProposal",
    "TicketChange",
    "agreement_by_rule",
    "changes_between",
    "confusion_by_program",
    "promotions",
    "severity",
    "transition_matrix",
    "wilson_interval",
    "worst_first",
]

Z_95 = 1.959963984540054  # two-sided 95%


def wilson_interval(successes: int, total: int, z: float = Z_95) -> tuple[float, float]:
    """The Wilson score interval for ``successes`` out of ``total``: honest at small samples and at 0% or
    100%, where the normal approximation claims certainty it does not have. (0, 1) when there is no data."""
    if total <= 0:
        return 0.0, 1.0
    if not 0 <= successes <= total:
        raise ValueError(f"{successes} successes out of {total}")
    p = successes / total
    z2 = z * z
    centre = (p + z2 / (2 * total)) / (1 + z2 / total)
    half = z * math.sqrt(p * (1 - p) / total + z2 / (4 * total * total)) / (1 + z2 / total)
    # exact at the ends (and never past the rate itself) despite rounding
    return min(p, max(0.0, centre - half)), max(p, min(1.0, centre + half))


class Seen(BaseModel):
    """What an applicant is (or would be) told: the outcome and the macros, plus the rules behind it."""

    model_config = ConfigDict(frozen=True)

    outcome: Outcome
    macros: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()

    @classmethod
    def of(cls, decision: Decision) -> Seen:
        return cls(outcome=decision.outcome, macros=tuple(m.title for m in decision.macros),
                   rules=tuple(r.rule for r in decision.reasons))

    def same_reply(self, other: Seen) -> bool:
        """The applicant reads the same thing: same outcome, same macros (in any order)."""
        return self.outcome is other.outcome and set(self.macros) == set(other.macros)


class PastDecision(BaseModel):
    """A decision found in the account's audits, with the application as it was just before it.

    ``application`` holds the field values at the first decision (later edits undone); ``macros`` and
    ``outcome`` are the last decision's (a colleague's correction wins). ``actor`` is ``commops`` when the
    decision carried commops' write marker, else ``specialist`` (a macro applied in Zendesk).
    """

    application: Application
    actor: str
    decided_at: datetime
    outcome: Outcome | None
    macros: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()  # commops' decisions: the rules in its marker
    corrected: bool = False
    first_macros: tuple[str, ...] = ()

    @property
    def seen(self) -> Seen:
        return Seen(outcome=self.outcome or Outcome.MANUAL, macros=self.macros, rules=self.rules)


class ReplayedDecision(BaseModel):
    """One application evaluated by two rule sets on the same inputs."""

    ticket_id: int
    program: str | None
    source: str  # "queue" (still open) or who decided it: "specialist", "commops"
    decided_at: datetime | None = None
    old: Seen
    new: Seen
    old_trace: dict[str, str] = Field(default_factory=dict)  # rule -> "true" | "false" | "unknown"
    new_trace: dict[str, str] = Field(default_factory=dict)


class TicketChange(BaseModel):
    """A ticket whose reply would change, and the rules that made the difference."""

    ticket_id: int
    program: str | None
    source: str
    old: Seen
    new: Seen
    rules: tuple[str, ...]  # rules whose result differs between the two sets, or that exist in one only

    @property
    def transition(self) -> str:
        return f"{self.old.outcome.value} -> {self.new.outcome.value}"

    @property
    def applicant_sees_change(self) -> bool:
        return not self.old.same_reply(self.new)


def _differing_rules(item: ReplayedDecision) -> tuple[str, ...]:
    names = set(item.old_trace) | set(item.new_trace)
    changed = {n for n in names if item.old_trace.get(n) != item.new_trace.get(n)}
    changed |= set(item.old.rules) ^ set(item.new.rules)
    return tuple(sorted(changed))


def changes_between(replayed: Iterable[ReplayedDecision]) -> list[TicketChange]:
    """The tickets whose reply differs (outcome or macros), in ticket order."""
    out = [
        TicketChange(ticket_id=r.ticket_id, program=r.program, source=r.source, old=r.old, new=r.new,
                     rules=_differing_rules(r))
        for r in replayed if not r.old.same_reply(r.new)
    ]
    return sorted(out, key=lambda c: c.ticket_id)


def transition_matrix(replayed: Iterable[ReplayedDecision]) -> dict[str, dict[str, dict[str, int]]]:
    """``{program: {old outcome: {new outcome: count}}}`` over every replayed application."""
    matrix: dict[str, dict[str, dict[str, int]]] = {}
    for r in replayed:
        row = matrix.setdefault(r.program or "(none)", {}).setdefault(r.old.outcome.value, {})
        row[r.new.outcome.value] = row.get(r.new.outcome.value, 0) + 1
    return matrix


# ----- shadow mode ------------------------------------------------------------------------------------

_ADVERSE = (Outcome.REJECT, Outcome.ESCALATE)


def severity(proposed: Outcome, person: Outcome) -> int:
    """How bad a disagreement is, 0 worst: commops would qualify what a person rejected or escalated
    (a licence given away), then the reverse (an eligible applicant turned away), then anything else
    touching qualify, then the rest. 9 means they agree on the outcome."""
    if proposed is person:
        return 9
    if proposed is Outcome.QUALIFY and person in _ADVERSE:
        return 0
    if person is Outcome.QUALIFY and proposed in _ADVERSE:
        return 1
    if Outcome.QUALIFY in (proposed, person):
        return 2
    if Outcome.ESCALATE in (proposed, person):
        return 3
    return 4


class Comparison(BaseModel):
    """A shadow proposal next to what the specialist then did in Zendesk."""

    ticket_id: int
    program: str | None
    proposed: Seen
    person: Seen  # rules empty: people apply macros
    decided_at: datetime | None = None
    trace: list[dict[str, object]] = Field(default_factory=list)

    @property
    def agrees(self) -> bool:
        return self.proposed.same_reply(self.person)

    @property
    def severity(self) -> int:
        if self.agrees:
            return 9
        level = severity(self.proposed.outcome, self.person.outcome)
        return 5 if level == 9 else level  # same outcome, other macros: a different reply all the same

    @property
    def severe(self) -> bool:
        """The disagreement promotion never forgives: commops qualify where a person rejected/escalated."""
        return self.severity == 0


class ShadowProposal(BaseModel):
    """What commops would have done with an open application, kept until a person decides it."""

    ticket_id: int
    program: str | None
    proposed: Seen
    proposed_at: datetime
    ruleset_version: str
    trace: list[dict[str, object]] = Field(default_factory=list)

    def against(self, person: PastDecision) -> Comparison:
        return Comparison(ticket_id=self.ticket_id, program=self.program, proposed=self.proposed,
                          person=person.seen, decided_at=person.decided_at, trace=self.trace)


class RuleAgreement(BaseModel):
    """How often the decisions a rule stood behind matched the people's."""

    rule: str
    decisions: int
    agreed: int
    severe: int  # commops qualify / person reject or escalate
    lower: float
    upper: float

    @property
    def rate(self) -> float:
        return self.agreed / self.decisions if self.decisions else 0.0


def agreement_by_rule(comparisons: Iterable[Comparison]) -> dict[str, RuleAgreement]:
    """Per rule behind a proposal (manual proposals are nobody's to automate and count for no rule)."""
    total: Counter[str] = Counter()
    agreed: Counter[str] = Counter()
    severe: Counter[str] = Counter()
    for c in comparisons:
        if c.proposed.outcome in (Outcome.MANUAL, Outcome.SKIP):
            continue
        for rule in set(c.proposed.rules):
            total[rule] += 1
            agreed[rule] += c.agrees
            severe[rule] += c.severe
    out: dict[str, RuleAgreement] = {}
    for rule in sorted(total):
        lower, upper = wilson_interval(agreed[rule], total[rule])
        out[rule] = RuleAgreement(rule=rule, decisions=total[rule], agreed=agreed[rule], severe=severe[rule],
                                  lower=lower, upper=upper)
    return out


def confusion_by_program(comparisons: Iterable[Comparison]) -> dict[str, dict[str, dict[str, int]]]:
    """``{program: {proposed outcome: {person's outcome: count}}}``."""
    matrix: dict[str, dict[str, dict[str, int]]] = {}
    for c in comparisons:
        row = matrix.setdefault(c.program or "(none)", {}).setdefault(c.proposed.outcome.value, {})
        row[c.person.outcome.value] = row.get(c.person.outcome.value, 0) + 1
    return matrix


# ----- the automation ladder --------------------------------------------------------------------------

class PromotionPolicy(BaseModel):
    """When a rule may decide unattended. Defaults from the issue: 50 shadow decisions, 99% lower bound."""

    model_config = ConfigDict(frozen=True)

    min_decisions: int = Field(default=50, ge=1)
    min_lower_bound: float = Field(default=0.99, gt=0, le=1)


class Promotion(BaseModel):
    """A proposed change to one rule's ``auto``, with why."""

    rule: str
    auto: bool  # the value proposed
    reason: str
    agreement: RuleAgreement | None = None


def promotions(current: dict[str, bool], agreement: dict[str, RuleAgreement],
               policy: PromotionPolicy | None = None) -> list[Promotion]:
    """Turn ``auto`` on for rules with enough shadow decisions, a lower bound at or above the bar and no
    severe disagreement; off for automated rules whose agreement has fallen: a severe disagreement, or
    at least ``min_decisions`` decisions whose *upper* bound is below the bar (agreement is then below it
    with 95% confidence — one unlucky week does not demote a rule). Rules in ``current`` only."""
    policy = policy or PromotionPolicy()
    out: list[Promotion] = []
    for rule in sorted(current):
        stats = agreement.get(rule)
        auto = current[rule]
        if stats is None:
            continue
        shown = f"{stats.agreed}/{stats.decisions} agreed, 95% interval {stats.lower:.1%}–{stats.upper:.1%}"
        if not auto:
            if stats.severe:
                continue
            if stats.decisions >= policy.min_decisions and stats.lower >= policy.min_lower_bound:
                out.append(Promotion(rule=rule, auto=True, agreement=stats,
                                     reason=f"{shown}; lower bound at or above {policy.min_lower_bound:.0%}"))
        elif stats.severe:
            out.append(Promotion(rule=rule, auto=False, agreement=stats,
                                 reason=f"{shown}; {stats.severe} qualify where a person rejected or escalated"))
        elif stats.decisions >= policy.min_decisions and stats.upper < policy.min_lower_bound:
            out.append(Promotion(rule=rule, auto=False, agreement=stats,
                                 reason=f"{shown}; upper bound below {policy.min_lower_bound:.0%}"))
    return out


def worst_first(comparisons: Sequence[Comparison]) -> list[Comparison]:
    """Disagreements only, worst kind first, then newest."""
    def key(c: Comparison) -> tuple[int, float, int]:
        return c.severity, -(c.decided_at.timestamp() if c.decided_at else 0.0), c.ticket_id

    return sorted((c for c in comparisons if not c.agrees), key=key)

