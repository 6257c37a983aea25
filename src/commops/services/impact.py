"""``rules impact``: what a rule change would change, before it reaches an applicant.

The open queue and the decisions of the last weeks are evaluated by the old and the new rules on the
same inputs — for a decided application, the field values it was decided on (from the audits, read in
bulk), for an open one what it holds now; verification facts from the same verifier for both (the cache,
offline by default). Only what differs is reported: per ticket, per program and outcome, and the
applicants whose reply would change.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, cast

from pydantic import BaseModel, Field

from commops.domain import Application, Decision, Outcome
from commops.domain.operating import ReplayedDecision, Seen, TicketChange, changes_between
from commops.ports import DecisionJournal, Evaluator, HistoryGateway, NamespaceVerifier, RuleSetLike
from commops.services.verification import verify_applications

__all__ = ["ImpactInput", "ImpactPorts", "ImpactReport", "Replay", "fired_rules", "replay", "rule_impact",
           "transition_fails", "unchanged_programs"]


_SAME_WRITE = timedelta(minutes=15)  # a journal entry this close to an audit's decision is that write


@dataclass(frozen=True)
class ImpactInput:
    """One application to replay and where it comes from."""

    application: Application
    source: str  # "queue", "specialist", "commops"
    decided_at: datetime | None = None


@dataclass
class ImpactPorts:
    gateway: HistoryGateway
    verifier: NamespaceVerifier
    old: Evaluator
    new: Evaluator
    old_rules: RuleSetLike
    new_rules: RuleSetLike
    journal: DecisionJournal | None = None  # commops' own applied decisions, to tell them from people's


class ImpactReport(BaseModel):
    """The difference two rule sets make on the same applications."""

    old_version: str
    new_version: str
    since: datetime
    evaluated: int
    by_source: dict[str, int] = Field(default_factory=dict)
    changes: list[TicketChange] = Field(default_factory=list)
    matrix: dict[str, dict[str, dict[str, int]]] = Field(default_factory=dict)
    applicants: list[dict[str, Any]] = Field(default_factory=list)  # who would read another reply
    traces: dict[int, list[dict[str, Any]]] = Field(default_factory=dict)  # new trace of changed tickets
    zendesk_requests: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.changes)


def fired_rules(decision: Decision) -> dict[str, str]:
    """The rules that fired and what for: ``{rule: outcome}`` (cheap: no trace is built)."""
    return {r.rule: r.outcome.value for r in (*decision.reasons, *decision.other_reasons)}


class _Rules(Protocol):
    rules: Sequence[Any]
    lists: dict[str, list[Any]]


def unchanged_programs(old: object, new: object) -> frozenset[str]:
    """Programs whose rules are the same in both sets (same definitions, macros and lists, in the same
    order; where they sit in the files aside): their applications get the same decision from both, so the
    new set need not evaluate them again."""
    if not (hasattr(old, "rules") and hasattr(new, "rules") and hasattr(old, "lists") and hasattr(new, "lists")):
        return frozenset()
    a, b = cast(_Rules, old), cast(_Rules, new)
    if a.lists != b.lists:
        return frozenset()

    def by_program(ruleset: _Rules) -> dict[str, list[tuple[Any, ...]]]:
        out: dict[str, list[tuple[Any, ...]]] = {}
        for loaded in ruleset.rules:
            key = (loaded.rule.model_dump_json(), loaded.macro, loaded.unknown_macro)
            for program in loaded.programs:
                out.setdefault(program, []).append(key)
        return out

    old_rules, new_rules = by_program(a), by_program(b)
    return frozenset(p for p in old_rules.keys() & new_rules.keys() if old_rules[p] == new_rules[p])


@dataclass
class Replay:
    """What replaying gave: the counts of every (program, old, new) and the decisions that differ."""

    evaluated: int = 0
    by_source: Counter[str] = field(default_factory=Counter)
    transitions: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    differing: list[ReplayedDecision] = field(default_factory=list)

    @property
    def matrix(self) -> dict[str, dict[str, dict[str, int]]]:
        out: dict[str, dict[str, dict[str, int]]] = {}
        for (program, old, new), count in sorted(self.transitions.items()):
            out.setdefault(program, {}).setdefault(old, {})[new] = count
        return out


def _reply(decision: Decision) -> tuple[Outcome, frozenset[str]]:
    return decision.outcome, frozenset(r.macro.title for r in decision.reasons if r.macro is not None)


def replay(inputs: Iterable[ImpactInput], old: Evaluator, new: Evaluator,
           on_change: Callable[[ImpactInput, Decision], None] | None = None,
           shared: frozenset[str] = frozenset()) -> Replay:
    """Each input through both rule sets (programs in ``shared`` once: their rules are the same).
    ``on_change`` sees the new decision of each ticket whose reply changes (to keep its trace)."""
    result = Replay()
    evaluate_old, evaluate_new = old.evaluate, new.evaluate
    for item in inputs:
        app = item.application
        a = evaluate_old(app)
        b = a if app.program in shared else evaluate_new(app)
        result.evaluated += 1
        result.by_source[item.source] += 1
        result.transitions[(app.program or "(none)", a.outcome.value, b.outcome.value)] += 1
        if b is a or _reply(a) == _reply(b):
            continue
        result.differing.append(ReplayedDecision(
            ticket_id=app.ticket_id, program=app.program, source=item.source, decided_at=item.decided_at,
            old=Seen.of(a), new=Seen.of(b), old_trace=fired_rules(a), new_trace=fired_rules(b)))
        if on_change is not None:
            on_change(item, b)
    return result


def _inputs(ports: ImpactPorts, since: datetime, queue: bool, history: bool, program: str | None
            ) -> list[ImpactInput]:
    items: list[ImpactInput] = []
    if history:
        ours: dict[int, list[datetime]] = {}
        for entry in ports.journal.applied_decisions(since=since - _SAME_WRITE) if ports.journal else ():
            at = entry.applied_at if entry.applied_at.tzinfo else entry.applied_at.replace(tzinfo=UTC)
            ours.setdefault(entry.ticket_id, []).append(at)
        for past in ports.gateway.decided_history(since):
            # the ticket's markers say who decided; the journal too, for a write whose marker was lost
            journaled = any(abs(at - past.decided_at) <= _SAME_WRITE for at in ours.get(past.application.ticket_id, ()))
            source = "commops" if past.actor == "commops" or journaled else past.actor
            items.append(ImpactInput(past.application, source, past.decided_at))
    decided = {i.application.ticket_id for i in items}
    if queue:
        for page in ports.gateway.pull_queue():
            for app in page.applications:
                # an open ticket decided in the window (an ask, an escalation) is replayed as decided
                if app.is_application and app.ticket_id not in decided:
                    items.append(ImpactInput(app, "queue"))
    if program is not None:
        items = [i for i in items if i.application.program == program]
    # The same verification facts for both rule sets: what either set reads, looked up once.
    needed = lambda app: ports.old_rules.verifications_needed(app) | ports.new_rules.verifications_needed(app)  # noqa: E731
    # the URL as the new rules read it (the rules being proposed)
    verified = verify_applications([i.application for i in items], ports.verifier, needed, ports.new.read_input)
    return [ImpactInput(app, i.source, i.decided_at) for app, i in zip(verified, items, strict=True)]


def rule_impact(ports: ImpactPorts, *, since: datetime, queue: bool = True, history: bool = True,
                program: str | None = None, share: bool = True) -> ImpactReport:
    """Replay the window and the queue through both rule sets; report what changes. ``share=False``
    evaluates every application with both sets, even where a program's rules did not change."""
    before = sum(ports.gateway.request_counts().values())
    items = _inputs(ports, since, queue, history, program)
    traces: dict[int, list[dict[str, Any]]] = {}
    people: dict[int, Application] = {}

    def keep(item: ImpactInput, decision: Decision) -> None:
        traces[item.application.ticket_id] = [t.model_dump(mode="json") for t in decision.trace]
        people[item.application.ticket_id] = item.application

    shared = unchanged_programs(ports.old_rules, ports.new_rules) if share else frozenset()
    replayed = replay(items, ports.old, ports.new, keep, shared)
    changes = changes_between(replayed.differing)
    applicants = [
        {"ticket_id": c.ticket_id, "program": c.program, "name": people[c.ticket_id].requester.name,
         "email": people[c.ticket_id].requester.email, "old": c.old.outcome.value, "new": c.new.outcome.value,
         "old_macros": list(c.old.macros), "new_macros": list(c.new.macros)}
        for c in changes if c.applicant_sees_change and c.new.outcome is not Outcome.MANUAL
    ]
    return ImpactReport(
        old_version=ports.old.version, new_version=ports.new.version, since=since, evaluated=replayed.evaluated,
        by_source=dict(replayed.by_source), changes=changes,
        matrix=replayed.matrix, applicants=applicants, traces=traces,
        zendesk_requests=sum(ports.gateway.request_counts().values()) - before,
    )


def transition_fails(report: ImpactReport, gates: Sequence[str]) -> list[TicketChange]:
    """The changes a CI gate refuses. A gate is an outcome (``qualify``: any ticket that would newly
    qualify), a transition (``reject->qualify``, ``*->qualify``, ``ask->*``) or ``any``."""
    failing: list[TicketChange] = []
    for change in report.changes:
        old, new = change.old.outcome.value, change.new.outcome.value
        for gate in gates:
            text = gate.replace(" ", "").lower()
            if text == "any":
                hit = True
            elif "->" in text:
                want_old, _, want_new = text.partition("->")
                hit = want_old in ("*", old) and want_new in ("*", new) and old != new
            else:
                hit = new == text and old != text
            if hit:
                failing.append(change)
                break
    return failing
