"""The domain policies, checked against programs.md: re-triage (people win), overrides, guard-rail, SLA."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from commops.domain import Application, Decision, DecisionMarker, MacroRef, Outcome, Reason, SlaState
from commops.domain.calendar import BusinessCalendar
from commops.domain.decision import OVERRIDE_RULE
from commops.domain.guardrail import reject_share
from commops.domain.overrides import override_problem, parse_macro_titles
from commops.domain.records import ProposalRecord
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
    ("prev", "status", "version", "expected"),
    [
        (None, "new", "v1", (Why.NEW, "")),
        (previous("escalate"), "open", "v2", (Why.SKIP, "escalated earlier; a specialist owns it")),
        (previous("ask"), "open", "v1", (Why.CAME_BACK, "")),  # the applicant answered (Zendesk reopened it)
        (previous("ask"), "solved", "v1", (Why.CAME_BACK, "")),  # an asked ticket is settled only while pending
        (previous("ask"), "pending", "v1", (Why.SKIP, "waiting for the applicant's answer")),
        # a custom "Waiting for documents" status in the on-hold category waits for the applicant too
        (previous("ask"), "hold", "v1", (Why.SKIP, "waiting for the applicant's answer")),
        (previous("ask"), "hold", "v2", (Why.RULES, "")),
        (previous("ask"), "pending", "v2", (Why.RULES, "")),
        (previous("qualify"), "solved", "v1", (Why.SKIP, "decided (qualify) and unchanged since")),
        (previous("reject"), "closed", "v1", (Why.SKIP, "decided (reject) and unchanged since")),
        (previous("qualify"), "open", "v1", (Why.CAME_BACK, "")),  # reopened after a decision
        (previous("qualify"), "pending", "v1", (Why.CAME_BACK, "")),
        (previous("qualify"), "solved", "v2", (Why.RULES, "")),
        (previous("reject", by_person=True), "solved", "v2", (Why.SKIP, "decided by a specialist (reject)")),
        (previous("ask", by_person=True), "pending", "v2", (Why.SKIP, "decided by a specialist (ask)")),
        (previous("reject", by_person=True), "open", "v2", (Why.CAME_BACK, "")),
    ],
)
def test_why_a_ticket_is_evaluated(prev: Previous | None, status: str, version: str,
                                   expected: tuple[Why, str]) -> None:
    assert why_evaluate(app(status), prev, version) == expected


def test_new_rules_agree_only_when_the_applicant_sees_the_same_outcome_and_macros() -> None:
    assert agrees(decision(Outcome.QUALIFY, "Welcome", rule="renamed"), previous())
    assert not agrees(decision(Outcome.QUALIFY, "Other macro"), previous())  # another macro: propose it
    assert not agrees(decision(Outcome.REJECT, "Welcome"), previous())
    # Decided in Zendesk (no macro titles known): compared by the rules the marker names.
    assert agrees(decision(Outcome.QUALIFY, "X"), previous(macros=None))
    assert not agrees(decision(Outcome.QUALIFY, "X", rule="r.y"), previous(macros=None))


def test_a_reply_that_changes_nothing_the_rules_read_goes_to_a_person() -> None:
    asked = previous("ask", macros=("Ask",), digest="same")
    rules_say = decision(Outcome.ASK, "Ask")
    unchanged = after_reply(rules_say, asked, "same")
    assert unchanged.outcome is Outcome.MANUAL
    assert [(r.rule, r.message, r.outcome) for r in unchanged.reasons] == [
        (REPLY_RULE, "the applicant replied, but nothing the rules read has changed: read the reply", Outcome.MANUAL)
    ]
    assert unchanged.other_reasons == rules_say.reasons
    # The digest decides when it is known, whatever the rules now say.
    assert after_reply(rules_say, asked, "new answers") == rules_say
    assert after_reply(decision(Outcome.QUALIFY, "Welcome"), asked, "new answers").outcome is Outcome.QUALIFY


def test_a_reopened_decision_without_a_known_digest_compares_what_the_applicant_sees() -> None:
    decided = previous("qualify", macros=("Welcome",), digest=None)
    same = after_reply(decision(Outcome.QUALIFY, "Welcome"), decided, "d")
    assert same.outcome is Outcome.MANUAL
    assert same.reasons[0].message == "the ticket was reopened after a qualify decision"
    other = decision(Outcome.ASK, "Ask")
    assert after_reply(other, decided, "d") == other


def test_a_reply_after_an_escalation_or_manual_is_left_to_the_rules() -> None:
    for outcome in ("escalate", "manual"):
        rules_say = decision(Outcome.QUALIFY, "Welcome")
        assert after_reply(rules_say, previous(outcome, digest="d"), "d") == rules_say


def test_a_reply_after_a_specialists_decision_always_goes_to_a_person() -> None:
    by_hand = previous("reject", digest="d", by_person=True)
    sent = after_reply(decision(Outcome.QUALIFY, "Welcome"), by_hand, "anything new")
    assert sent.outcome is Outcome.MANUAL
    assert sent.reasons[0].message == "the applicant came back after a specialist's reject decision: read the reply"


def _record(**changes: object) -> ProposalRecord:
    fields: dict[str, object] = dict(
        id=1, run_id="r", mode="apply", ticket_id=7, program="education", outcome="qualify", rules=["r.x"],
        macros=["Welcome"], ruleset_version="v1", updated_stamp="s", fields_digest="d", state="applied",
        stamp_after=None, created_at=NOW, decided_at=NOW,
    )
    return ProposalRecord.model_validate({**fields, **changes})


def test_previous_from_the_journal_when_the_ticket_shows_our_write() -> None:
    expected = Previous("qualify", ("r.x",), ("Welcome",), "v1", "d", by_person=False)
    assert Previous.of(app(marker=DecisionMarker(outcome="qualify", ruleset="v1")), _record()) == expected
    assert Previous.of(app(), _record()) == expected  # no marker read (another field mapping): the journal
    assert Previous.of(app(marker=DecisionMarker(outcome=None)), _record()) == expected  # an empty marker
    overridden = Previous.of(app(), _record(rules=[OVERRIDE_RULE]))
    assert overridden is not None and overridden.by_person


def test_previous_from_the_ticket_when_someone_decided_after_us() -> None:
    # Same outcome, another ruleset on the marker: not our last write, so the ticket's story is read.
    newer = Previous.of(app(marker=DecisionMarker(outcome="qualify", ruleset="v9", rules=("r.y",))), _record())
    assert newer == Previous("qualify", ("r.y",), None, "v9", None, by_person=False)
    # A macro applied by hand sets the decision field and no ruleset: a person decided.
    by_hand = Previous.of(app(marker=DecisionMarker(outcome="commops_reject")), _record())
    assert by_hand == Previous("reject", (), None, None, None, by_person=True)
    override = Previous.of(app(marker=DecisionMarker(outcome="ask", ruleset="v1", rules=(OVERRIDE_RULE,))), None)
    assert override is not None and override.by_person and override.rules == (OVERRIDE_RULE,)
    assert Previous.of(app(marker=DecisionMarker(outcome=None, ruleset="v1")), None) is None
    assert Previous.of(app(), None) is None


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
