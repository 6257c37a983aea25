"""The pure pieces of operating the rules: Wilson bounds, agreement, severity, promotion at its boundaries."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from commops.domain import Outcome
from commops.domain.operating import (
    Comparison,
    PromotionPolicy,
    ReplayedDecision,
    Seen,
    agreement_by_rule,
    changes_between,
    confusion_by_program,
    promotions,
    severity,
    transition_matrix,
    wilson_interval,
    worst_first,
)


def test_wilson_interval_against_hand_computed_values() -> None:
    # p = 7/8, z = 1.96: centre (p + z²/2n)/(1 + z²/n) = 0.75334, half-width 0.22423
    assert wilson_interval(7, 8) == pytest.approx((0.52911, 0.97758), abs=1e-5)
    # all agree: the lower bound is n / (n + z²)
    assert wilson_interval(50, 50)[0] == pytest.approx(50 / (50 + 1.959963984540054**2))
    assert wilson_interval(50, 50)[1] == pytest.approx(1.0)
    assert wilson_interval(0, 10) == pytest.approx((0.0, 0.27753), abs=1e-5)
    assert wilson_interval(0, 0) == (0.0, 1.0)
    with pytest.raises(ValueError):
        wilson_interval(3, 2)


@given(st.integers(min_value=1, max_value=5000), st.data())
def test_wilson_interval_brackets_the_rate(total: int, data: st.DataObject) -> None:
    successes = data.draw(st.integers(min_value=0, max_value=total))
    low, high = wilson_interval(successes, total)
    assert 0.0 <= low <= successes / total <= high <= 1.0


def _seen(outcome: Outcome, macro: str | None = None, *rules: str) -> Seen:
    return Seen(outcome=outcome, macros=(macro,) if macro else (), rules=rules)


def _comparisons(rule: str, agreed: int, total: int, severe: int = 0) -> list[Comparison]:
    out = []
    for n in range(total):
        person = Outcome.QUALIFY if n < agreed else (Outcome.REJECT if n < agreed + severe else Outcome.ASK)
        out.append(Comparison(ticket_id=n, program="education", proposed=_seen(Outcome.QUALIFY, "Q", rule),
                              person=_seen(person, "Q" if person is Outcome.QUALIFY else "X")))
    return out


def test_severity_orders_a_licence_given_away_first() -> None:
    assert severity(Outcome.QUALIFY, Outcome.REJECT) == severity(Outcome.QUALIFY, Outcome.ESCALATE) == 0
    assert severity(Outcome.REJECT, Outcome.QUALIFY) == 1
    assert severity(Outcome.QUALIFY, Outcome.ASK) == 2
    assert severity(Outcome.ASK, Outcome.ESCALATE) == 3
    assert severity(Outcome.ASK, Outcome.REJECT) == 4
    assert severity(Outcome.ASK, Outcome.ASK) == 9


def test_agreement_is_what_the_applicant_reads_and_disagreements_come_worst_first() -> None:
    same_outcome_other_macro = Comparison(ticket_id=1, program="p", proposed=_seen(Outcome.ASK, "A1", "r"),
                                          person=_seen(Outcome.ASK, "A2"))
    given_away = Comparison(ticket_id=2, program="p", proposed=_seen(Outcome.QUALIFY, "Q", "r"),
                            person=_seen(Outcome.ESCALATE, "E"), decided_at=datetime(2026, 1, 1, tzinfo=UTC))
    turned_away = Comparison(ticket_id=3, program="p", proposed=_seen(Outcome.REJECT, "R", "r"),
                             person=_seen(Outcome.QUALIFY, "Q"))
    agree = Comparison(ticket_id=4, program="p", proposed=_seen(Outcome.ASK, "A1", "r"),
                       person=_seen(Outcome.ASK, "A1"))
    manual = Comparison(ticket_id=5, program="p", proposed=_seen(Outcome.MANUAL), person=_seen(Outcome.ASK, "A1"))
    items = [same_outcome_other_macro, agree, turned_away, given_away, manual]
    assert not same_outcome_other_macro.agrees and agree.agrees
    assert [c.ticket_id for c in worst_first(items)] == [2, 3, 5, 1]
    stats = agreement_by_rule(items)["r"]
    assert (stats.decisions, stats.agreed, stats.severe) == (4, 1, 1)  # manual counts for no rule
    assert confusion_by_program(items)["p"] == {"ask": {"ask": 2}, "qualify": {"escalate": 1},
                                                "reject": {"qualify": 1}, "manual": {"ask": 1}}


def test_promotion_needs_the_lower_bound_at_the_bar() -> None:
    policy = PromotionPolicy()  # 50 decisions, 99%: 380 of 380 is 98.999%, 381 of 381 is 99.002%
    at = agreement_by_rule(_comparisons("r", 381, 381))
    below = agreement_by_rule(_comparisons("r", 380, 380))
    assert [(p.rule, p.auto) for p in promotions({"r": False}, at, policy)] == [("r", True)]
    assert promotions({"r": False}, below, policy) == []


def test_promotion_needs_min_decisions() -> None:
    policy = PromotionPolicy(min_decisions=50, min_lower_bound=0.9)  # 35/35 would clear 90%
    assert promotions({"r": False}, agreement_by_rule(_comparisons("r", 49, 49)), policy) == []
    assert [p.auto for p in promotions({"r": False}, agreement_by_rule(_comparisons("r", 50, 50)), policy)] == [True]


def test_no_promotion_after_a_severe_disagreement_and_demotion_for_one() -> None:
    policy = PromotionPolicy(min_decisions=10, min_lower_bound=0.5)
    stats = agreement_by_rule(_comparisons("r", 99, 100, severe=1))
    assert promotions({"r": False}, stats, policy) == []
    demoted = promotions({"r": True}, stats, policy)
    assert [(p.rule, p.auto) for p in demoted] == [("r", False)] and "rejected or escalated" in demoted[0].reason


def test_demotion_when_the_upper_bound_falls_below_the_bar() -> None:
    policy = PromotionPolicy()  # 48 of 50: upper 98.9% (< 99%); 49 of 50: upper 99.6%
    assert [p.auto for p in promotions({"r": True}, agreement_by_rule(_comparisons("r", 48, 50)), policy)] == [False]
    assert promotions({"r": True}, agreement_by_rule(_comparisons("r", 49, 50)), policy) == []
    assert promotions({"r": True}, agreement_by_rule(_comparisons("r", 48, 49)), policy) == []  # too few


def test_transitions_and_changes() -> None:
    a = ReplayedDecision(ticket_id=1, program="s", source="queue", old=_seen(Outcome.ESCALATE, "E", "early"),
                         new=_seen(Outcome.QUALIFY, "Q", "seed"), old_trace={"early": "escalate"},
                         new_trace={"seed": "qualify"})
    b = ReplayedDecision(ticket_id=2, program="s", source="specialist", old=_seen(Outcome.ASK, "A", "x"),
                         new=_seen(Outcome.ASK, "A", "y"))
    assert transition_matrix([a, b]) == {"s": {"escalate": {"qualify": 1}, "ask": {"ask": 1}}}
    changes = changes_between([a, b])  # b: another rule, same reply: not a change
    assert [(c.ticket_id, c.transition, c.rules) for c in changes] == [(1, "escalate -> qualify", ("early", "seed"))]
