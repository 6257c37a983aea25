"""Pure aggregation: a stream of ticket records in, a :class:`StatsReport` out, in flat memory.

Every measure is a counter. Quantiles come from histograms of business-day counts (small integers), so
they are exact and 100,000 tickets cost no more memory than 100. No I/O here.
"""

from __future__ import annotations

import heapq
import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Literal

from commops.domain.calendar import BusinessCalendar
from commops.reports.model import (
    DecisionStats,
    GroupStats,
    Measures,
    QueueStats,
    ReasonCount,
    SlaInfo,
    StatsReport,
    TicketLine,
    TimeToDecision,
    WeekStats,
)
from commops.reports.records import ACTORS, FINAL_OUTCOMES, OPEN_STATUSES, DecisionEvent, TicketRecord

__all__ = [
    "SlaPolicy",
    "StatsAggregator",
    "TicketFacts",
    "aggregate",
    "day_bins",
    "iso_week",
    "quantiles",
    "ticket_facts",
]

SlaStatus = Literal["ok", "at_risk", "breached", "met", "missed", "closed"]


@dataclass(frozen=True)
class SlaPolicy:
    """The promise measured against: due by ``due_day``, at risk from ``at_risk_day`` (business days)."""

    calendar: BusinessCalendar
    at_risk_day: int = 5
    due_day: int = 10
    holiday_country: str = ""
    extra_holidays: tuple[str, ...] = ()

    def info(self) -> SlaInfo:
        return SlaInfo(
            at_risk_day=self.at_risk_day,
            due_day=self.due_day,
            holiday_country=self.holiday_country,
            extra_holidays=list(self.extra_holidays),
        )


@dataclass(frozen=True, slots=True)
class TicketFacts:
    """What one ticket contributes: its decisions up to the report date, age, time to decision, SLA.

    ``sla`` is ok / at_risk / breached for open tickets without a yes/no yet, met / missed for tickets
    with one, closed for tickets solved without one (e.g. escalated and handled elsewhere).
    """

    record: TicketRecord
    events: tuple[DecisionEvent, ...]
    is_open: bool
    age_days: int
    first_decision: DecisionEvent | None
    ttd_days: int | None
    sla: SlaStatus


def _day(moment: datetime) -> date:
    return moment.astimezone(UTC).date() if moment.tzinfo is not None else moment.date()


def _end_of(day: date) -> datetime:
    return datetime.combine(day, time.max, tzinfo=UTC)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def iso_week(moment: date | datetime) -> str:
    day = _day(moment) if isinstance(moment, datetime) else moment
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def ticket_facts(record: TicketRecord, policy: SlaPolicy, as_of: date) -> TicketFacts:
    """Derive one ticket's facts as of the end of ``as_of`` (later decisions are ignored)."""
    cutoff = _end_of(as_of)
    events = tuple(sorted((e for e in record.decisions if _aware(e.at) <= cutoff), key=lambda e: _aware(e.at)))
    first = next((e for e in events if e.outcome in FINAL_OUTCOMES), None)
    cal = policy.calendar
    age = cal.business_days_between(_day(record.created_at), as_of)
    ttd = cal.business_days_between(_day(record.created_at), _day(first.at)) if first is not None else None
    is_open = record.status in OPEN_STATUSES
    sla: SlaStatus
    if ttd is not None:
        sla = "missed" if ttd > policy.due_day else "met"
    elif not is_open:
        sla = "closed"
    elif age > policy.due_day:
        sla = "breached"
    elif age >= policy.at_risk_day:
        sla = "at_risk"
    else:
        sla = "ok"
    return TicketFacts(record, events, is_open, age, first, ttd, sla)


def quantiles(histogram: Counter[int] | dict[int, int]) -> TimeToDecision:
    """Median (mean of the middle pair for even counts) and nearest-rank p90 of a histogram."""
    n = sum(histogram.values())
    if n == 0:
        return TimeToDecision()
    items = sorted((k, v) for k, v in histogram.items() if v)

    def nth(index: int) -> int:  # 0-based position in the sorted values
        seen = 0
        for value, count in items:
            seen += count
            if index < seen:
                return value
        return items[-1][0]

    median = float(nth(n // 2)) if n % 2 else (nth(n // 2 - 1) + nth(n // 2)) / 2
    p90 = nth(math.ceil(0.9 * n) - 1)
    return TimeToDecision(count=n, median=median, p90=p90, histogram=dict(items))


def day_bins(histogram: dict[int, int], cap: int) -> list[tuple[str, int, int]]:
    """Chart rows ``(label, count, first day)``: one per day up to ``cap``, then one ``cap+`` row."""
    if not histogram:
        return []
    last = max(histogram)
    rows = [(str(d), histogram.get(d, 0), d) for d in range(min(last, cap - 1) + 1)]
    if last >= cap:
        rows.append((f"{cap}+", sum(n for d, n in histogram.items() if d >= cap), cap))
    return rows


@dataclass
class _Acc:
    """Counters for one group (everything, a program, a week, a program's week)."""

    tickets: int = 0
    by_status: Counter[str] = field(default_factory=Counter)
    queue_by_status: Counter[str] = field(default_factory=Counter)
    age_hist: Counter[int] = field(default_factory=Counter)
    bands: Counter[str] = field(default_factory=Counter)
    by_actor: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)
    ttd_hist: Counter[int] = field(default_factory=Counter)
    decided_late: int = 0
    reject_reasons: Counter[str] = field(default_factory=Counter)
    ask_reasons: Counter[str] = field(default_factory=Counter)

    backlog: int = 0

    def add_ticket(self, facts: TicketFacts) -> None:
        self.tickets += 1
        self.by_status[facts.record.status] += 1
        self.add_queue(facts)

    def add_queue(self, facts: TicketFacts) -> None:
        if facts.is_open:
            if not facts.record.in_period:
                self.backlog += 1
            self.queue_by_status[facts.record.status] += 1
            self.age_hist[facts.age_days] += 1
            if facts.sla in ("ok", "at_risk", "breached"):
                self.bands[facts.sla] += 1

    def add_event(self, event: DecisionEvent) -> None:
        self.by_actor[event.actor] += 1
        self.outcomes[event.outcome] += 1
        if event.outcome == "reject":
            self.reject_reasons.update(event.rules)
        elif event.outcome == "ask":
            self.ask_reasons.update(event.rules)

    def add_first_decision(self, facts: TicketFacts) -> None:
        assert facts.ttd_days is not None
        self.ttd_hist[facts.ttd_days] += 1
        if facts.sla == "missed":
            self.decided_late += 1

    def measures(self, top: int) -> Measures:
        total = sum(self.by_actor.values())
        queue = QueueStats(
            size=sum(self.queue_by_status.values()),
            by_status=dict(sorted(self.queue_by_status.items())),
            age_histogram=dict(sorted(self.age_hist.items())),
            age_bands={band: self.bands[band] for band in ("ok", "at_risk", "breached")},
            at_risk=self.bands["at_risk"],
            breached=self.bands["breached"],
            oldest_days=max(self.age_hist) if self.age_hist else None,
            backlog=self.backlog,
        )
        decisions = DecisionStats(
            total=total,
            by_actor={actor: self.by_actor[actor] for actor in ACTORS},
            automated_share=(self.by_actor["unattended"] / total) if total else None,
            outcomes=dict(sorted(self.outcomes.items(), key=lambda kv: (-kv[1], kv[0]))),
            decided=sum(self.ttd_hist.values()),
            decided_late=self.decided_late,
            time_to_decision=quantiles(self.ttd_hist),
            reject_reasons=_top(self.reject_reasons, top),
            ask_reasons=_top(self.ask_reasons, top),
        )
        return Measures(
            tickets=self.tickets, by_status=dict(sorted(self.by_status.items())), queue=queue, decisions=decisions
        )


def _top(counter: Counter[str], n: int) -> list[ReasonCount]:
    ranked = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[:n]
    return [ReasonCount(rule=rule, count=count) for rule, count in ranked]


class StatsAggregator:
    """Feed records with :meth:`add`; read the report with :meth:`report`. Memory does not grow with tickets."""

    def __init__(self, policy: SlaPolicy, as_of: date, *, top: int = 10, listed: int = 20) -> None:
        self.policy = policy
        self.as_of = as_of
        self.top = top
        self.listed = listed
        self._overall = _Acc()
        self._programs: dict[str, _Acc] = {}
        self._weeks: dict[tuple[str | None, str], _Acc] = {}  # (program or None for all, week)
        self._breached: list[tuple[int, int, TicketLine]] = []  # min-heap of the oldest breached

    def _groups(self, program: str | None, week: str) -> tuple[_Acc, ...]:
        name = program or "unknown"
        prog = self._programs.get(name) or self._programs.setdefault(name, _Acc())
        return (
            self._overall,
            prog,
            self._weeks.get((None, week)) or self._weeks.setdefault((None, week), _Acc()),
            self._weeks.get((name, week)) or self._weeks.setdefault((name, week), _Acc()),
        )

    def add(self, record: TicketRecord) -> TicketFacts:
        """Count one ticket. A backlog record (``in_period`` False) counts in the queue measures only."""
        facts = ticket_facts(record, self.policy, self.as_of)
        program = record.program or "unknown"
        if not record.in_period:
            for acc in (self._overall, self._programs.get(program) or self._programs.setdefault(program, _Acc())):
                acc.add_queue(facts)
            if facts.sla == "breached":
                self._list_breached(facts)
            return facts
        for acc in self._groups(program, iso_week(record.created_at)):
            acc.add_ticket(facts)
        for event in facts.events:
            overall, prog, week_all, week_prog = self._groups(program, iso_week(event.at))
            for acc in (overall, prog, week_all, week_prog):
                acc.add_event(event)
        if facts.first_decision is not None:
            for acc in self._groups(program, iso_week(facts.first_decision.at)):
                acc.add_first_decision(facts)
        if facts.sla == "breached":
            self._list_breached(facts)
        return facts

    def _list_breached(self, facts: TicketFacts) -> None:
        record = facts.record
        line = TicketLine(
            ticket_id=record.ticket_id,
            program=record.program,
            status=record.status,
            created_at=record.created_at,
            age_days=facts.age_days,
            requester_name=record.requester_name,
            requester_email=record.requester_email,
        )
        item = (facts.age_days, -record.ticket_id, line)
        if len(self._breached) < self.listed:
            heapq.heappush(self._breached, item)
        elif item[:2] > self._breached[0][:2]:
            heapq.heapreplace(self._breached, item)

    def report(
        self,
        *,
        generated_at: datetime,
        since: date | None = None,
        until: date | None = None,
        program: str | None = None,
        redacted: bool = False,
        requests: dict[str, int] | None = None,
    ) -> StatsReport:
        def group(acc: _Acc, key: str | None) -> GroupStats:
            weeks = [
                WeekStats(week=week, **acc_week.measures(self.top).model_dump())
                for (prog, week), acc_week in sorted(self._weeks.items(), key=lambda kv: kv[0][1])
                if prog == key
            ]
            return GroupStats(weeks=weeks, **acc.measures(self.top).model_dump())

        breached = sorted(self._breached, key=lambda item: (-item[0], -item[1]))
        return StatsReport(
            generated_at=generated_at,
            as_of=self.as_of,
            since=since,
            until=until,
            program=program,
            redacted=redacted,
            sla=self.policy.info(),
            overall=group(self._overall, None),
            programs={name: group(acc, name) for name, acc in sorted(self._programs.items())},
            breached_tickets=[line for _, _, line in breached],
            requests=dict(requests or {}),
        )


def aggregate(
    records: Iterable[TicketRecord], policy: SlaPolicy, as_of: date, *, generated_at: datetime | None = None
) -> StatsReport:
    """Everything in one call, for tests and small histories."""
    aggregator = StatsAggregator(policy, as_of)
    for record in records:
        aggregator.add(record)
    return aggregator.report(generated_at=generated_at or datetime.now(UTC))
