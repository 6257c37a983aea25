"""A specialist's override keeps every rule that fired, and names the escalate and reject rules it sets aside."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from commops.domain import Decision, MacroRef, Outcome, Plan, Proposal, Reason
from commops.domain.overrides import OVERRIDE_RULE, describe_rules, fired_rules, overruled

TRADE = Reason(rule="common.trade_compliance", message="country BY", outcome=Outcome.ESCALATE,
               macro=MacroRef(title="Common::Escalate - trade compliance review"))
SALES = Reason(rule="startups.early_stage", message="early stage", outcome=Outcome.ESCALATE,
               macro=MacroRef(title="Startups::Escalate - early stage to sales"))
MODEL = Reason(rule="oss.business_model", message="open core", outcome=Outcome.REJECT,
               macro=MacroRef(title="OSS::Reject - not eligible"))
LINKS = Reason(rule="oss.project_links", message="no link", outcome=Outcome.ASK, macro=MacroRef(title="OSS::Ask"))
UNVERIFIED = Reason(rule="oss.namespace_unverified", message="offline", outcome=Outcome.MANUAL)
WELCOME = MacroRef(title="OSS::Qualified - welcome")


def rules_say(outcome: Outcome, winners: list[Reason], outranked: list[Reason]) -> Decision:
    return Decision(ticket_id=7, program="open_source", outcome=outcome, reasons=winners, other_reasons=outranked,
                    ruleset_version="v1")


ESCALATED = rules_say(Outcome.ESCALATE, [TRADE], [MODEL, LINKS, UNVERIFIED])


def test_an_override_keeps_the_winners_and_the_outranked_rules() -> None:
    overridden = ESCALATED.overridden(Outcome.QUALIFY, [WELCOME], "known project")
    assert [r.rule for r in overridden.reasons] == [OVERRIDE_RULE]
    assert overridden.other_reasons == [TRADE, MODEL, LINKS, UNVERIFIED]  # the reject that also fired is shown
    assert fired_rules(overridden) == [TRADE, MODEL, LINKS, UNVERIFIED]
    again = overridden.overridden(Outcome.ASK, [MacroRef(title="OSS::Ask")], "second thoughts")
    assert again.other_reasons == [TRADE, MODEL, LINKS, UNVERIFIED]  # the first override is not a rule


def test_the_rules_own_decisions_overrule_nothing() -> None:
    assert overruled(ESCALATED) == []
    assert overruled(rules_say(Outcome.REJECT, [MODEL], [LINKS, UNVERIFIED])) == []
    contradiction = rules_say(Outcome.MANUAL, [UNVERIFIED], [TRADE, MODEL])  # writes nothing
    assert overruled(contradiction) == []


@pytest.mark.parametrize(
    ("outcome", "macros", "expected"),
    [
        (Outcome.QUALIFY, [WELCOME], ["common.trade_compliance", "oss.business_model"]),
        (Outcome.ASK, [MacroRef(title="OSS::Ask")], ["common.trade_compliance", "oss.business_model"]),
        (Outcome.REJECT, [MODEL.macro], ["common.trade_compliance"]),  # a reject over an escalate
        (Outcome.ESCALATE, [TRADE.macro], []),  # what the rules said, in other words
        (Outcome.ESCALATE, [SALES.macro], ["common.trade_compliance"]),  # to sales: compliance never sees it
        (Outcome.ESCALATE, [SALES.macro, TRADE.macro], []),
        (Outcome.MANUAL, [], []),  # writes nothing: the ticket stays with a person
    ],
)
def test_which_rules_an_override_overrules(outcome: Outcome, macros: list[MacroRef], expected: list[str]) -> None:
    overridden = ESCALATED.overridden(outcome, macros, "note")
    assert [r.rule for r in overruled(overridden)] == expected


def test_a_reject_with_another_reject_macro_still_rejects() -> None:
    rejected = rules_say(Outcome.REJECT, [MODEL], [])
    other = rejected.overridden(Outcome.REJECT, [MacroRef(title="OSS::Reject - other")], "clearer text")
    assert overruled(other) == []
    assert [r.rule for r in overruled(rejected.overridden(Outcome.QUALIFY, [WELCOME], "n"))] == ["oss.business_model"]


def test_describe_rules_names_outcome_and_rule() -> None:
    assert describe_rules([TRADE, MODEL]) == "escalate common.trade_compliance, reject oss.business_model"


def _plan(decision: Decision) -> dict[str, object]:
    proposal = Proposal(decision=decision, updated_stamp="2026-11-02T00:00:00Z")
    return {"created_at": datetime(2026, 11, 2, tzinfo=UTC).isoformat(), "ruleset_version": "v1",
            "proposals": [proposal.model_dump(mode="json")]}


def test_a_plan_whose_outcome_was_edited_without_an_override_is_refused() -> None:
    edited = ESCALATED.model_copy(update={"outcome": Outcome.QUALIFY})  # the escalate macro would go out
    with pytest.raises(ValidationError, match="the outcome is qualify but the rules behind it say escalate"):
        Plan.model_validate(_plan(edited))
    overridden = ESCALATED.overridden(Outcome.QUALIFY, [WELCOME], "known project")
    plan = Plan.model_validate(_plan(overridden))  # an override carries its own reasons
    assert [r.rule for r in overruled(plan.proposals[0].decision)] == ["common.trade_compliance",
                                                                       "oss.business_model"]
