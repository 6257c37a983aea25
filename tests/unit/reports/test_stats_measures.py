"""Every measure against values worked out by hand on a small January 2026 history.

Calendar: weekends plus Monday 2026-01-19 as a holiday. Report date: Friday 2026-01-30.

    ticket  program      created        status   decisions (actor: U unattended, C commops specialist,
                                                 Z directly in Zendesk)
    1       education    Mon 01-05 W02  solved   qualify U Wed 01-07                 -> ttd 2
    2       education    Fri 01-09 W02  solved   ask U Mon 01-12, reject C Tue 01-20 -> ttd 6 (19th off)
    3       open_source  Sat 01-10 W02  solved   reject Z Fri 01-30                  -> ttd 14, late
    4       open_source  Tue 01-13 W03  open     -                                   -> age 12, breached
    5       startups     Thu 01-22 W04  pending  ask U Thu 01-22                     -> age 6, at risk
    6       startups     Wed 01-28 W05  new      -                                   -> age 2, ok
    7       education    Fri 01-16 W03  solved   escalate U Fri 01-16                -> closed
    8       education    Mon 01-05 W02  open     qualify C Mon 02-02 (after report)  -> age 18, breached
    9       education    Mon 01-12 W03  solved   qualify U Mon 01-12                 -> ttd 0
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime

import pytest

from commops.domain.calendar import BusinessCalendar
from commops.reports import (
    DecisionEvent,
    SlaPolicy,
    StatsAggregator,
    StatsReport,
    TicketRecord,
    aggregate,
    quantiles,
    ticket_facts,
)

AS_OF = date(2026, 1, 30)


def at(day: str, hour: int = 10) -> datetime:
    return datetime.fromisoformat(f"{day}T{hour:02d}:00:00+00:00")


def ev(outcome: str, day: str, actor: str, *rules: str) -> DecisionEvent:
    return DecisionEvent(outcome=outcome, at=at(day, 14), actor=actor, rules=tuple(rules))  # type: ignore[arg-type]


def history() -> list[TicketRecord]:
    return [
        TicketRecord(
            1, "education", "solved", at("2026-01-05"), decisions=(ev("qualify", "2026-01-07", "unattended"),)
        ),
        TicketRecord(
            2,
            "education",
            "solved",
            at("2026-01-09"),
            decisions=(
                ev("reject", "2026-01-20", "commops_specialist", "edu_reject_student"),
                ev("ask", "2026-01-12", "unattended", "edu_ask_email", "edu_ask_nonprofit"),
            ),
        ),
        TicketRecord(
            3, "open_source", "solved", at("2026-01-10"), decisions=(ev("reject", "2026-01-30", "zendesk_specialist"),)
        ),
        TicketRecord(4, "open_source", "open", at("2026-01-13"), "Grace Hopper", "grace@example.org"),
        TicketRecord(
            5,
            "startups",
            "pending",
            at("2026-01-22"),
            decisions=(ev("ask", "2026-01-22", "unattended", "startups_ask_funding"),),
        ),
        TicketRecord(6, "startups", "new", at("2026-01-28")),
        TicketRecord(
            7,
            "education",
            "solved",
            at("2026-01-16"),
            decisions=(ev("escalate", "2026-01-16", "unattended", "common_public_sector"),),
        ),
        TicketRecord(
            8,
            "education",
            "open",
            at("2026-01-05"),
            "Ada Lovelace",
            "ada@example.edu",
            decisions=(ev("qualify", "2026-02-02", "commops_specialist"),),
        ),
        TicketRecord(
            9, "education", "solved", at("2026-01-12"), decisions=(ev("qualify", "2026-01-12", "unattended"),)
        ),
    ]


@pytest.fixture
def policy() -> SlaPolicy:
    return SlaPolicy(
        BusinessCalendar("", extra=["2026-01-19"]), at_risk_day=5, due_day=10, extra_holidays=("2026-01-19",)
    )


@pytest.fixture
def report(policy: SlaPolicy) -> StatsReport:
    return aggregate(history(), policy, AS_OF, generated_at=at("2026-01-30", 18))


def test_ticket_facts_count_business_days_across_weekends_and_the_holiday(policy: SlaPolicy) -> None:
    facts = {r.ticket_id: ticket_facts(r, policy, AS_OF) for r in history()}
    assert {t: f.ttd_days for t, f in facts.items() if f.ttd_days is not None} == {1: 2, 2: 6, 3: 14, 9: 0}
    assert {t: f.sla for t, f in facts.items()} == {
        1: "met",
        2: "met",
        3: "missed",
        4: "breached",
        5: "at_risk",
        6: "ok",
        7: "closed",
        8: "breached",
        9: "met",
    }
    assert (facts[4].age_days, facts[5].age_days, facts[6].age_days, facts[8].age_days) == (12, 6, 2, 18)
    assert [e.outcome for e in facts[2].events] == ["ask", "reject"]  # sorted by time
    assert facts[8].events == ()  # decided after the report date


def test_without_the_holiday_the_same_tickets_are_a_day_older() -> None:
    plain = SlaPolicy(BusinessCalendar(""))
    record = history()[1]
    assert ticket_facts(record, plain, AS_OF).ttd_days == 7


def test_a_national_holiday_calendar_skips_martin_luther_king_day() -> None:
    us = SlaPolicy(BusinessCalendar("US"))
    assert ticket_facts(history()[1], us, AS_OF).ttd_days == 6


def test_queue_size_status_age_and_sla(report: StatsReport) -> None:
    overall = report.overall
    assert overall.tickets == 9
    assert overall.by_status == {"new": 1, "open": 2, "pending": 1, "solved": 5}
    queue = overall.queue
    assert queue.size == 4
    assert queue.by_status == {"new": 1, "open": 2, "pending": 1}
    assert queue.age_histogram == {2: 1, 6: 1, 12: 1, 18: 1}
    assert queue.age_bands == {"ok": 1, "at_risk": 1, "breached": 2}
    assert (queue.at_risk, queue.breached, queue.oldest_days) == (1, 2, 18)


def test_decisions_by_actor_outcomes_and_automated_share(report: StatsReport) -> None:
    decisions = report.overall.decisions
    assert decisions.total == 7
    assert decisions.by_actor == {"unattended": 5, "commops_specialist": 1, "zendesk_specialist": 1}
    assert decisions.automated_share == pytest.approx(5 / 7)
    assert decisions.outcomes == {"ask": 2, "qualify": 2, "reject": 2, "escalate": 1}


def test_time_to_decision_median_and_p90(report: StatsReport) -> None:
    decisions = report.overall.decisions
    assert (decisions.decided, decisions.decided_late) == (4, 1)
    ttd = decisions.time_to_decision
    assert ttd.histogram == {0: 1, 2: 1, 6: 1, 14: 1}
    assert (ttd.count, ttd.median, ttd.p90) == (4, 4.0, 14)  # (2 + 6) / 2; ceil(0.9 * 4) = 4th value


def test_top_reject_and_ask_reasons(report: StatsReport) -> None:
    decisions = report.overall.decisions
    assert [(r.rule, r.count) for r in decisions.reject_reasons] == [("edu_reject_student", 1)]
    assert [(r.rule, r.count) for r in decisions.ask_reasons] == [
        ("edu_ask_email", 1),
        ("edu_ask_nonprofit", 1),
        ("startups_ask_funding", 1),
    ]


def test_per_program_measures(report: StatsReport) -> None:
    assert list(report.programs) == ["education", "open_source", "startups"]
    edu = report.programs["education"]
    assert (edu.tickets, edu.queue.size, edu.queue.breached) == (5, 1, 1)
    assert edu.decisions.by_actor == {"unattended": 4, "commops_specialist": 1, "zendesk_specialist": 0}
    assert edu.decisions.automated_share == pytest.approx(0.8)
    assert (edu.decisions.time_to_decision.median, edu.decisions.time_to_decision.p90) == (2.0, 6)
    oss = report.programs["open_source"]
    assert oss.decisions.by_actor["zendesk_specialist"] == 1
    assert (oss.decisions.decided_late, oss.queue.breached) == (1, 1)
    startups = report.programs["startups"]
    assert (startups.queue.at_risk, startups.decisions.decided, startups.decisions.automated_share) == (1, 0, 1.0)


def test_weekly_trend(report: StatsReport) -> None:
    weeks = {w.week: w for w in report.overall.weeks}
    assert list(weeks) == ["2026-W02", "2026-W03", "2026-W04", "2026-W05"]
    assert {k: w.tickets for k, w in weeks.items()} == {"2026-W02": 4, "2026-W03": 3, "2026-W04": 1, "2026-W05": 1}
    assert {k: w.decisions.total for k, w in weeks.items()} == {
        "2026-W02": 1,
        "2026-W03": 3,
        "2026-W04": 2,
        "2026-W05": 1,
    }
    assert {k: w.queue.size for k, w in weeks.items()} == {"2026-W02": 1, "2026-W03": 1, "2026-W04": 1, "2026-W05": 1}
    assert weeks["2026-W04"].decisions.by_actor == {"unattended": 1, "commops_specialist": 1, "zendesk_specialist": 0}
    assert weeks["2026-W04"].decisions.time_to_decision.histogram == {6: 1}  # by the week the decision was made
    assert weeks["2026-W05"].decisions.decided_late == 1
    edu_weeks = {w.week: w.tickets for w in report.programs["education"].weeks}
    assert edu_weeks == {"2026-W02": 3, "2026-W03": 2, "2026-W04": 0}  # W04: only the reject of 2


def test_oldest_breached_tickets_are_listed_oldest_first(report: StatsReport) -> None:
    lines = [(t.ticket_id, t.age_days, t.requester_name) for t in report.breached_tickets]
    assert lines == [(8, 18, "Ada Lovelace"), (4, 12, "Grace Hopper")]


def test_the_breached_list_keeps_only_the_oldest(policy: SlaPolicy) -> None:
    aggregator = StatsAggregator(policy, AS_OF, listed=2)
    for day, ticket in ((5, 10), (6, 11), (7, 12), (8, 13)):
        aggregator.add(TicketRecord(ticket, "education", "open", at(f"2026-01-0{day}")))
    report = aggregator.report(generated_at=at("2026-01-30"))
    assert [t.ticket_id for t in report.breached_tickets] == [10, 11]


def test_redacted_records_carry_no_requester() -> None:
    record = history()[7].redacted()
    assert (record.requester_name, record.requester_email, record.ticket_id) == (None, None, 8)


@pytest.mark.parametrize(
    ("values", "median", "p90"),
    [
        ([3], 3.0, 3),
        ([1, 2, 3], 2.0, 3),
        ([0, 0, 1, 9], 0.5, 9),
        (list(range(1, 11)), 5.5, 9),
        ([4] * 19 + [30], 4.0, 4),
    ],
)
def test_quantiles_from_a_histogram(values: list[int], median: float, p90: int) -> None:
    result = quantiles(Counter(values))
    assert (result.count, result.median, result.p90) == (len(values), median, p90)


def test_empty_history_gives_empty_measures(policy: SlaPolicy) -> None:
    report = aggregate([], policy, AS_OF)
    assert report.overall.tickets == 0
    assert report.overall.decisions.automated_share is None
    assert report.overall.decisions.time_to_decision.median is None
    assert report.programs == {}
    assert StatsReport.model_validate_json(report.model_dump_json()) == report


def test_backlog_tickets_count_in_the_queue_only(policy: SlaPolicy) -> None:
    aggregator = StatsAggregator(policy, AS_OF)
    for record in history():
        aggregator.add(record)
    old = TicketRecord(
        90,
        "startups",
        "hold",
        at("2025-12-15"),
        decisions=(ev("ask", "2025-12-16", "unattended", "x"),),
        in_period=False,
    )
    aggregator.add(old)
    report = aggregator.report(generated_at=at("2026-01-30"))
    queue = report.overall.queue
    # 2025-12-15 -> 2026-01-30: 34 weekdays after the 15th, less the 19th of January
    assert (queue.size, queue.backlog, queue.breached, queue.oldest_days) == (5, 1, 3, 33)
    assert report.programs["startups"].queue.backlog == 1
    assert report.overall.tickets == 9 and report.overall.decisions.total == 7  # nothing else changes
    assert sum(w.tickets for w in report.overall.weeks) == 9
    assert report.breached_tickets[0].ticket_id == 90
