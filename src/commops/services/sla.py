"""The configured service level as the domain reads it: a business calendar and the SLA terms."""

from __future__ import annotations

from commops.config import SlaSettings
from commops.domain.calendar import BusinessCalendar
from commops.domain.sla import SlaTerms

__all__ = ["calendar_from", "sla_terms"]


def calendar_from(settings: SlaSettings) -> BusinessCalendar:
    return BusinessCalendar(settings.holiday_country, settings.holiday_subdivision, settings.extra_holidays)


def sla_terms(settings: SlaSettings) -> SlaTerms:
    return SlaTerms(at_risk_day=settings.at_risk_day, due_day=settings.due_day)
