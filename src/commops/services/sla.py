"""Service levels: a decision is due within N business days of creation, at risk from day M."""

from __future__ import annotations

from datetime import datetime

from commops.config import SlaSettings
from commops.domain import SlaState
from commops.domain.calendar import BusinessCalendar

__all__ = ["calendar_from", "sla_state"]


def calendar_from(settings: SlaSettings) -> BusinessCalendar:
    return BusinessCalendar(settings.holiday_country, settings.holiday_subdivision, settings.extra_holidays)


def sla_state(
    created_at: datetime, now: datetime, calendar: BusinessCalendar, settings: SlaSettings
) -> tuple[int, SlaState]:
    """Age in business days and the SLA state it puts the application in."""
    age = calendar.business_days_between(created_at, now)
    if age > settings.due_day:
        return age, SlaState.BREACHED
    if age >= settings.at_risk_day:
        return age, SlaState.AT_RISK
    return age, SlaState.OK
