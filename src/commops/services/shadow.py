"""Shadow mode: propose without writing, then compare with what the specialists did in Zendesk.

A run (``commops shadow``, or cron with ``[shadow]``) does two things. It records a proposal for every
open application nobody has decided yet — nothing is written to Zendesk — and it reads the decisions
people made since (in bulk, from the audits) and compares each with the proposal made before it: agreement
means the applicant got the reply commops would have sent (same outcome, same macros). ``--replay``
also compares the specialists' decisions of the window with what the rules say on the field values
they saw, so a team can judge its rules on the weeks before shadow mode started.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, Field

from commops.domain import Decision, Outcome
from commops.domain.operating import (
    Comparison,
    RuleAgreement,
    Seen,
    agreement_by_rule,
    confusion_by_program,
    wilson_interval,
    worst_first,
)
from commops.ports import Evaluator, HistoryGateway, NamespaceVerifier, RuleSetLike, ShadowLog
from commops.reports.model import AutomationPotential
from commops.services.verification import verify_applications

__all__ = ["OutcomeAgreement", "ShadowPorts", "ShadowReport", "ShadowRun", "automation_potential", "shadow_report",
           "shadow_run"]


@dataclass
class ShadowPorts:
    gateway: HistoryGateway
    verifier: NamespaceVerifier
    evaluator: Evaluator
    ruleset: RuleSetLike
    log: ShadowLog
    clock: Callable[[], datetime]


class ShadowRun(BaseModel):
    proposed: int = 0  # open applications with a shadow proposal now
    compared: int = 0  # new comparisons recorded
    agreed: int = 0
    replayed: int = 0  # of which from --replay
    zendesk_requests: int = 0
    writes: int = 0  # always 0: shadow mode never writes


def _trace(decision: Decision) -> list[dict[str, object]]:
    return [t.model_dump(mode="json") for t in decision.trace]


def shadow_run(ports: ShadowPorts, *, since: datetime, replay: bool = False, run_id: str = "shadow") -> ShadowRun:
    """One shadow pass: compare people's decisions since ``since`` with earlier proposals (and, with
    ``replay``, with the rules on the values the people saw), then propose for the open queue."""
    before = sum(ports.gateway.request_counts().values())
    result = ShadowRun()
    history = [d for d in ports.gateway.decided_history(since) if d.actor == "specialist"]
    pending = ports.log.open_shadow()
    live: list[Comparison] = []
    replayed: list[Comparison] = []
    apps = verify_applications([d.application for d in history], ports.verifier, ports.ruleset.verifications_needed,
                               ports.evaluator.read_input)
    for past, app in zip(history, apps, strict=True):
        proposal = pending.get(past.application.ticket_id)
        if proposal is not None and past.decided_at >= proposal.proposed_at.replace(microsecond=0):
            live.append(proposal.against(past))
        elif replay:
            decision = ports.evaluator.evaluate(app)
            replayed.append(Comparison(ticket_id=app.ticket_id, program=app.program, proposed=Seen.of(decision),
                                       person=past.seen, decided_at=past.decided_at, trace=_trace(decision)))
    result.compared = ports.log.record_comparisons(live, kind="live")
    result.replayed = ports.log.record_comparisons(replayed, kind="replay")
    result.compared += result.replayed
    result.agreed = sum(c.agrees for c in (*live, *replayed))

    decided = {d.application.ticket_id for d in history}
    open_apps = [a for page in ports.gateway.pull_queue() for a in page.applications
                 if a.is_application and a.marker is None and a.ticket_id not in decided]
    open_apps = verify_applications(open_apps, ports.verifier, ports.ruleset.verifications_needed,
                                    ports.evaluator.read_input)
    decisions = [ports.evaluator.evaluate(a) for a in open_apps]
    result.proposed = ports.log.record_shadow(run_id, decisions, proposed_at=ports.clock())
    result.zendesk_requests = sum(ports.gateway.request_counts().values()) - before
    return result


class OutcomeAgreement(BaseModel):
    outcome: str
    decisions: int
    agreed: int
    lower: float
    upper: float


class ShadowReport(BaseModel):
    since: datetime | None
    decisions: int
    agreed: int
    lower: float
    upper: float
    rules: list[RuleAgreement] = Field(default_factory=list)
    outcomes: list[OutcomeAgreement] = Field(default_factory=list)
    confusion: dict[str, dict[str, dict[str, int]]] = Field(default_factory=dict)
    disagreements: list[Comparison] = Field(default_factory=list)


def shadow_report(log: ShadowLog, *, since: datetime | None = None, program: str | None = None) -> ShadowReport:
    """Agreement per rule and per proposed outcome with Wilson 95% bounds, the confusion matrix per
    program, and every disagreement, worst first."""
    comparisons = [c for c in log.comparisons(since=since) if program is None or c.program == program]
    agreed = sum(c.agrees for c in comparisons)
    lower, upper = wilson_interval(agreed, len(comparisons))
    totals: Counter[str] = Counter()
    hits: Counter[str] = Counter()
    for c in comparisons:
        totals[c.proposed.outcome.value] += 1
        hits[c.proposed.outcome.value] += c.agrees
    outcomes = []
    for outcome in (o.value for o in Outcome if totals[o.value]):
        lo, hi = wilson_interval(hits[outcome], totals[outcome])
        outcomes.append(OutcomeAgreement(outcome=outcome, decisions=totals[outcome], agreed=hits[outcome],
                                         lower=lo, upper=hi))
    return ShadowReport(
        since=since, decisions=len(comparisons), agreed=agreed, lower=lower, upper=upper,
        rules=list(agreement_by_rule(comparisons).values()), outcomes=outcomes,
        confusion=confusion_by_program(comparisons), disagreements=worst_first(comparisons),
    )


def automation_potential(log: ShadowLog, auto_rules: set[str], *, since: datetime, until: datetime
                         ) -> AutomationPotential | None:
    """Of the applications compared in shadow mode from ``since`` to ``until``, those the ``auto`` rules
    alone would have decided with the reply the specialist sent. None when nothing was compared."""
    compared = [c for c in log.comparisons(since=since) if c.decided_at is None or c.decided_at < until]
    if not compared:
        return None
    could = sum(1 for c in compared
                if c.agrees and c.proposed.outcome.writes and c.proposed.rules
                and set(c.proposed.rules) <= auto_rules)
    return AutomationPotential(compared=len(compared), could=could, share=could / len(compared),
                               promoted_rules=sorted(auto_rules))
