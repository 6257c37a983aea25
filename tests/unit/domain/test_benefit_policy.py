"""Benefits and renewals policy (programs.md "Benefits and renewals"), pure."""

from __future__ import annotations

from datetime import date, timedelta

from commops.domain import Decision, Outcome, Reason
from commops.domain.benefit import NO_CODES_RULE, Term, add_months, days_of_cover, no_codes_left, seats_granted
from commops.domain.member import Member
from commops.domain.renewal import RenewalKind, apply_verdict, judge_renewal, reminder_due

END = date(2026, 6, 30)


def member(program: str = "education", end: date = END, **kw: object) -> Member:
    return Member(program=program, subscription_id="SUB-1", term_start=add_months(end, -12), term_end=end,
                  **kw)  # type: ignore[arg-type]


def qualify() -> Decision:
    reason = Reason(rule="edu.welcome", message="all checks pass", outcome=Outcome.QUALIFY)
    return Decision(ticket_id=1, program="education", outcome=Outcome.QUALIFY, reasons=[reason], ruleset_version="v")


def test_a_term_is_twelve_calendar_months_and_month_ends_clamp() -> None:
    assert Term.of(date(2026, 3, 15), 12).end == date(2027, 3, 15)
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)


def test_open_source_seats_are_capped_and_no_seats_is_unknown() -> None:
    assert seats_granted(5000, 1000) == 1000
    assert seats_granted(40, None) == 40
    assert seats_granted(None, 1000) is None and seats_granted(0, None) is None


def test_renewal_window_from_30_days_before_to_60_days_after() -> None:
    entry = member()
    assert judge_renewal("education", "SUB-1", entry, END - timedelta(days=30)).kind is RenewalKind.RENEW
    assert judge_renewal("education", "SUB-1", entry, END + timedelta(days=60)).kind is RenewalKind.RENEW
    early = judge_renewal("education", "SUB-1", entry, END - timedelta(days=31))
    assert early.kind is RenewalKind.MANUAL and "renewals open" in early.reason
    late = judge_renewal("education", "SUB-1", entry, END + timedelta(days=61))
    assert late.kind is RenewalKind.AS_NEW and "SUB-1" in late.reason
    renew = judge_renewal("education", "SUB-1", entry, END)
    assert renew.term_start == END  # the new term runs from the end of the previous one


def test_unknown_or_other_programs_subscription_goes_to_a_person() -> None:
    assert judge_renewal("education", "SUB-9", None, END).kind is RenewalKind.MANUAL
    other = judge_renewal("education", "SUB-1", member("open_source"), END)
    assert other.kind is RenewalKind.MANUAL and "open_source" in other.reason
    assert judge_renewal("education", None, None, END).kind is RenewalKind.NOT_MATCHED


def test_a_manual_verdict_turns_a_qualify_manual_but_never_overrules_graver_outcomes() -> None:
    verdict = judge_renewal("education", "SUB-9", None, END)
    turned = apply_verdict(qualify(), verdict)
    assert turned.outcome is Outcome.MANUAL and turned.reasons[0].message == verdict.reason
    reject = qualify().model_copy(update={"outcome": Outcome.REJECT})
    assert apply_verdict(reject, verdict).outcome is Outcome.REJECT


def test_no_codes_left_is_manual_with_the_qualify_kept_as_context() -> None:
    held = no_codes_left(qualify(), "education")
    assert held.outcome is Outcome.MANUAL and held.reasons[0].rule == NO_CODES_RULE
    assert held.other_reasons[0].rule == "edu.welcome" and not held.outcome.writes


def test_days_of_cover_at_the_recent_rate() -> None:
    assert days_of_cover(30, 30, 30) == 30.0
    assert days_of_cover(10, 0, 30) is None


def test_one_reminder_per_term() -> None:
    entry = member(end=END)
    assert reminder_due(entry, END - timedelta(days=30), 30)
    assert not reminder_due(entry, END - timedelta(days=31), 30)
    assert not reminder_due(entry.model_copy(update={"reminded": [END]}), END - timedelta(days=10), 30)
