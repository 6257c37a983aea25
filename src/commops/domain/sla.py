"""Service levels (programs.md): a decision is due within N business days of creation, at risk from day M."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from commops.domain.calendar import BusinessCalendar
from commops.domain.proposal import SlaState

__all__ = ["SlaTerms", "sla_state"]


@dataclass(frozen=True)
class SlaTerms:
    at_risk_day: int  # at risk from this business day
    due_day: int  # breached after this business day


def sla_state(created_at: datetime, now: datetime, calendar: BusinessCalendar, terms: SlaTerms) -> tuple[int, SlaState]:
    """Age in business days and the SLA state it puts the application in."""
    age = calendar.business_days_between(created_at, now)
    if age > terms.due_day:
        return age, SlaState.BREACHED
    if age >= terms.at_risk_day:
        return age, SlaState.AT_RISK
    return age, SlaState.OK
