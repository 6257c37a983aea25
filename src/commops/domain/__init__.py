"""The domain core: applications, decisions and proposals. Pure: pydantic and the standard library only."""

from commops.domain.application import Application, DecisionMarker, Requester
from commops.domain.decision import (
    OUTCOME_PRECEDENCE,
    ConditionTrace,
    Decision,
    InputReading,
    MacroRef,
    Outcome,
    Reason,
    RuleTrace,
    Truth,
)
from commops.domain.proposal import Plan, Proposal, SlaState
from commops.domain.verification import Verification, VerificationStatus

__all__ = [
    "OUTCOME_PRECEDENCE",
    "Application",
    "ConditionTrace",
    "Decision",
    "DecisionMarker",
    "InputReading",
    "MacroRef",
    "Outcome",
    "Plan",
    "Proposal",
    "Reason",
    "Requester",
    "RuleTrace",
    "SlaState",
    "Truth",
    "Verification",
    "VerificationStatus",
]
