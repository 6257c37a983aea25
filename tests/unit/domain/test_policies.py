"""The domain policies, checked against programs.md: re-triage (people win), overrides, guard-rail, SLA."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from commops.domain import Application, Decision, DecisionMarker, MacroRef, Outcome, Reason, SlaState
from commops.domain.calendar import BusinessCalendar
from commops.domain.decision import OVERRIDE_RULE
from commops.domain.guardrail import reject_share
from commops.domain.overrides import override_problem, parse_macro_titles
from commops.domain.retriage import REPLY_RULE, Previous, Why, after_reply, agrees, why_evaluate
from commops.domain.sla import SlaTerms, sla_state

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


def app(status: str = "new", marker: DecisionMarker | None = None) -> Application:
    return Application(ticket_id=7, program="education", status=status, created_at=NOW, updated_at=NOW,
                       updated_stamp="s7", marker=marker)


def decision(outcome: Outcome, *macros: str, rule: str = "r.x") -> Decision:
    reasons = [Reason(rule=rule, message="m", outcome=outcome, macro=MacroRef(title=t)) for t in macros] or [
        Reason(rule=rule, message="m", outcome=outcome)
    ]
    return Decision(ticket_id=7, program="education", outcome=outcome, reasons=reasons, ruleset_version="v2")


def previous(outcome: str = "qualify", *, macros: tuple[str, ...] | None = ("Welcome",), ruleset: str | None = "v1",
             digest: str | None = "d1", by_person: bool = False, rules: tuple[str, ...] = ("r.x",)) -> Previous:
    return Previous(outcome, rules, macros, ruleset, digest, by_person)


@pytest.mark.parametrize(
    ("prev", "status", "version", "why"),
    [
        (None, "new", "v1", Why.NEW),
        (previous("escalate"), "open", "v2", Why.SKIP),  # escalated: a specialist owns it
        (previous("ask"), "open", "v1", Why.CAME_BACK),  # the applicant answered (Zendesk reopened it)
        (previous("ask"), "pending", "v1", Why.SKIP),  # still waiting for the answer
        (previous("ask"), "pending", "v2", Why.RULES),
        (previous("qualify"), "solved", "v1", Why.SKIP),
        (previous("qualify"), "open", "v1", Why.CAME_BACK),  # reopened after a decision
        (previous("qualify"), "solved", "v2", Why.RULES),
        (previous("reject", by_person=True), "solved", "v2", Why.SKIP),  # new rules never overrule a person
        (previous("reject", by_person=True), "open", "v2", Why.CAME_BACK),
    ],
)
def test_why_a_ticket_is_evaluated(prev: Previous | None, status: str, version: str, why: Why) -> None:
    assert why_evaluate(app(status), prev, version)[0] is why


def test_new_rules_agree_only_when_the_applicant_sees_the_same_outcome_and_macros() -> None:
    assert agrees(decision(Outcome.QUALIFY, "Welcome", rule="renamed"), previous())
    assert not agrees(decision(Outcome.QUALIFY, "Other macro"), previous())  # another macro: propose it
    assert not agrees(decision(Outcome.REJECT, "Welcome"), previous())
    # Decided in Zendesk (no macro titles known): compared by the rules the marker names.
    assert agrees(decision(Outcome.QUALIFY, "X"), previous(macros=None))
    assert not agrees(decision(Outcome.QUALIFY, "X", rule="r.y"), previous(macros=None))


def test_a_reply_that_changes_nothing_the_rules_read_goes_to_a_person() -> None:
    asked = previous("ask", macros=("Ask",), digest="same")
    unchanged = after_reply(decision(Outcome.ASK, "Ask"), asked, "same")
    assert unchanged.outcome is Outcome.MANUAL and unchanged.reasons[0].rule == REPLY_RULE
    assert after_reply(decision(Outcome.QUALIFY, "Welcome"), asked, "new answers").outcome is Outcome.QUALIFY


def test_a_reply_after_a_specialists_decision_always_goes_to_a_person() -> None:
    by_hand = previous("reject", digest=None, by_person=True)
    assert after_reply(decision(Outcome.QUALIFY, "Welcome"), by_hand, "anything").outcome is Outcome.MANUAL


def test_previous_prefers_the_ticket_when_a_person_decided_in_zendesk_after_us() -> None:
    from commops.domain.records import ProposalRecord

    record = ProposalRecord(id=1, run_id="r", mode="apply", ticket_id=7, program="education", outcome="qualify",
                            rules=["r.x"], macros=["Welcome"], ruleset_version="v1", updated_stamp="s",
                            fields_digest="d", state="applied", stamp_after=None, created_at=NOW, decided_at=NOW)
    ours = Previous.of(app(marker=DecisionMarker(outcome="qualify", ruleset="v1")), record)
    assert ours is not None and not ours.by_person and ours.macros == ("Welcome",)
    theirs = Previous.of(app(marker=DecisionMarker(outcome="reject")), record)
    assert theirs is not None and theirs.by_person and theirs.outcome == "reject"


def test_an_override_keeps_what_the_rules_said_and_marks_the_person() -> None:
    rules_said = decision(Outcome.REJECT, "No")
    overridden = rules_said.overridden(Outcome.QUALIFY, [MacroRef(title="Welcome")], "known lab")
    assert overridden.outcome is Outcome.QUALIFY and overridden.overridden_by_person
    assert [r.rule for r in overridden.reasons] == [OVERRIDE_RULE]
    assert overridden.other_reasons == rules_said.reasons
    assert overridden.overridden(Outcome.MANUAL, [], "look").reasons[0].macro is None


@pytest.mark.parametrize(
    ("outcome", "typed", "problem"),
    [
        (Outcome.QUALIFY, "Welcome", None),
        (Outcome.QUALIFY, "", "an override that writes needs a macro"),
        (Outcome.QUALIFY, "Welcome; Nope", "no such macro: Nope"),
        (Outcome.MANUAL, "", None),
    ],
)
def test_what_an_override_may_name(outcome: Outcome, typed: str, problem: str | None) -> None:
    assert override_problem(outcome, parse_macro_titles(typed), {"Welcome"}) == problem


@pytest.mark.parametrize(
    ("outcomes", "tripped"),
    [
        ([Outcome.REJECT] * 3 + [Outcome.QUALIFY] * 7, False),  # exactly at the 30% ceiling: passes
        ([Outcome.REJECT] * 4 + [Outcome.QUALIFY] * 6, True),  # above it: stops
        ([Outcome.REJECT] * 4, False),  # below the minimum sample of 10: not judged
        ([], False),
    ],
)
def test_guard_rail_trips_only_above_the_ceiling_from_the_minimum_sample(outcomes: list[Outcome],
                                                                         tripped: bool) -> None:
    verdict = reject_share(outcomes, ceiling=0.3, min_decisions=10)
    assert verdict.tripped is tripped
    assert verdict.rejects == outcomes.count(Outcome.REJECT)


@pytest.mark.parametrize(
    ("created", "state"),
    [
        (datetime(2026, 11, 20, tzinfo=UTC), SlaState.OK),  # Fri -> Wed 25: 3 business days
        (datetime(2026, 11, 18, tzinfo=UTC), SlaState.AT_RISK),  # 5 business days: at risk from day 5
        (datetime(2026, 11, 11, tzinfo=UTC), SlaState.AT_RISK),  # 10: due on day 10, not yet breached
        (datetime(2026, 11, 10, tzinfo=UTC), SlaState.BREACHED),  # 11
    ],
)
def test_sla_state_boundaries(created: datetime, state: SlaState) -> None:
    now = datetime(2026, 11, 25, 12, tzinfo=UTC)
    assert sla_state(created, now, BusinessCalendar(), SlaTerms(at_risk_day=5, due_day=10))[1] is state
