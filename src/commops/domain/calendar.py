"""Business days: weekends and a holiday calendar (the ``holidays`` package plus configured dates)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache

import holidays

__all__ = ["BusinessCalendar"]


class BusinessCalendar:
    """Counts business days between dates. Day 0 is the creation day itself."""

    def __init__(self, country: str = "", subdivision: str = "", extra: list[str] | None = None) -> None:
        self.country = country
        self.subdivision = subdivision
        self._extra = {date.fromisoformat(d) for d in (extra or [])}
        self._holidays: holidays.HolidayBase | None = (
            holidays.country_holidays(country, subdiv=subdivision or None) if country else None
        )

    def is_business_day(self, day: date) -> bool:
        if day.weekday() >= 5 or day in self._extra:
            return False
        return not (self._holidays is not None and day in self._holidays)

    def business_days_between(self, start: date | datetime, end: date | datetime) -> int:
        """Business days after ``start`` up to and including ``end`` (0 when end <= start)."""
        first = start.date() if isinstance(start, datetime) else start
        last = end.date() if isinstance(end, datetime) else end
        if last <= first:
            return 0
        return _count(self, first, last)

    def add_business_days(self, start: date | datetime, days: int) -> date:
        day = start.date() if isinstance(start, datetime) else start
        added = 0
        while added < days:
            day += timedelta(days=1)
            if self.is_business_day(day):
                added += 1
        return day


def _count(calendar: BusinessCalendar, first: date, last: date) -> int:
    return _count_cached(id(calendar), calendar, first, last)


@lru_cache(maxsize=65536)
def _count_cached(_key: int, calendar: BusinessCalendar, first: date, last: date) -> int:
    total = 0
    day = first + timedelta(days=1)
    while day <= last:
        if calendar.is_business_day(day):
            total += 1
        day += timedelta(days=1)
    return total
