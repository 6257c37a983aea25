"""A specialist's override (programs.md: people win): which outcomes and macros an override may name, and
which rules that fired it sets aside.

Building the overridden decision is :meth:`commops.domain.Decision.overridden`; this module says whether
what a specialist typed can be written, and which escalate or reject rules it overrules (those need a
second, explicit confirmation: an escalate routes to trade compliance or sales, a reject is the policy
saying no, and a person setting either aside must have seen which rule it was).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from commops.domain.decision import OVERRIDE_RULE, Decision, MacroRef, Outcome, Reason

__all__ = [
    "GUARDED_OUTCOMES",
    "OVERRIDE_OUTCOMES",
    "OVERRIDE_RULE",
    "describe_rules",
    "fired_rules",
    "override_problem",
    "overruled",
    "parse_macro_titles",
]

OVERRIDE_OUTCOMES = tuple(o for o in Outcome if o is not Outcome.SKIP)  # skip means "not an application"
GUARDED_OUTCOMES = (Outcome.ESCALATE, Outcome.REJECT)  # rules a person may only overrule after confirming


def parse_macro_titles(text: str) -> list[MacroRef]:
    """Macro titles typed as ``a; b``: trimmed, empty entries dropped."""
    return [MacroRef(title=t.strip()) for t in text.split(";") if t.strip()]


def override_problem(outcome: Outcome, macros: Sequence[MacroRef], known_titles: Collection[str]) -> str | None:
    """Why this override cannot be written, or None. An outcome that writes needs a macro the account has
    (the applicant must be told something); an outcome that writes nothing needs none."""
    if not outcome.writes:
        return None
    unknown = [m.title for m in macros if m.title not in known_titles]
    if unknown:
        return "no such macro: " + ", ".join(unknown)
    if not macros:
        return "an override that writes needs a macro"
    return None


def fired_rules(decision: Decision) -> list[Reason]:
    """Every rule that fired for ``decision``: the winners first, then the outranked ones (no override)."""
    return [r for r in (*decision.reasons, *decision.other_reasons) if r.rule != OVERRIDE_RULE]


def overruled(decision: Decision) -> list[Reason]:
    """The escalate and reject rules that fired and that ``decision`` does not carry out.

    A rule is overruled when the decision writes an outcome below the rule's in precedence (a qualify, an
    ask, or a reject over an escalate), or escalates without the rule's macro (to sales instead of trade
    compliance: the group the rule names never sees the ticket). A reject with another reject macro
    still rejects. A decision that writes nothing (manual) overrules nothing: the ticket stays with a
    person and the next triage proposes again. The rules' own decisions never overrule (the winner
    outranks every other fired rule), so this is only ever non-empty for a person's override.
    """
    if not decision.outcome.writes:
        return []
    titles = {m.title for m in decision.macros}
    return [
        r for r in fired_rules(decision)
        if r.outcome in GUARDED_OUTCOMES
        and (r.outcome.rank < decision.outcome.rank
             or (r.outcome is decision.outcome is Outcome.ESCALATE and r.macro is not None
                 and r.macro.title not in titles))
    ]


def describe_rules(reasons: Sequence[Reason]) -> str:
    """``escalate common.trade_compliance, reject oss.license_not_osi``: what a confirmation names."""
    return ", ".join(f"{r.outcome.value} {r.rule}" for r in reasons)
