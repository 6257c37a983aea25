"""Re-triage (programs.md): when a decided ticket is looked at again, and what may change — people win.

Pure policy over what the journal remembers (:class:`ProposalRecord`) and what the ticket shows (its
status and markers). ``commops.services.triage`` applies it to every ticket it pulls.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from commops.domain.application import Application
from commops.domain.decision import OVERRIDE_RULE, Decision, Outcome, Reason
from commops.domain.records import ProposalRecord

__all__ = ["REPLY_RULE", "Previous", "Why", "after_reply", "agrees", "why_evaluate"]

REPLY_RULE = "commops.reply-needs-reading"  # the rule id of "a person must read the applicant's reply"


class Why(StrEnum):
    """Why a ticket is evaluated (or not)."""

    NEW = "new"  # never decided
    CAME_BACK = "came_back"  # the applicant answered or the ticket was reopened
    RULES = "rules"  # the rules changed, the ticket did not
    SKIP = "skip"  # decided and settled: not evaluated


@dataclass(frozen=True)
class Previous:
    """The last decision on a ticket: what commops wrote (journal), or what the ticket says (markers).

    ``by_person`` is a decision a specialist made — an override in commops, or a macro applied in Zendesk
    after (or instead of) commops' own write. The rules never overrule a person: such a ticket is left
    alone while it stays settled, and goes to manual when the applicant comes back.
    """

    outcome: str
    rules: tuple[str, ...]
    macros: tuple[str, ...] | None  # None: not known (the markers do not carry macro titles)
    ruleset: str | None
    digest: str | None  # None: not known (decided in Zendesk, from another machine, or by an older commops)
    by_person: bool

    @classmethod
    def of(cls, app: Application, record: ProposalRecord | None) -> Previous | None:
        marker = app.marker if app.marker is not None and app.marker.outcome else None
        if record is not None:
            ours = marker is None or (
                marker.outcome == record.outcome and marker.ruleset == record.ruleset_version
            )
            if ours:
                return cls(
                    record.outcome,
                    tuple(record.rules),
                    tuple(record.macros),
                    record.ruleset_version,
                    record.fields_digest,
                    by_person=OVERRIDE_RULE in record.rules,
                )
        if marker is not None and marker.outcome:
            # No ruleset on the marker: a person applied a macro that sets the decision field.
            return cls(
                marker.outcome.removeprefix("commops_"), marker.rules, None, marker.ruleset, None,
                by_person=marker.ruleset is None or OVERRIDE_RULE in marker.rules,
            )
        return None


_WAITING = ("pending", "hold")  # the categories of a ticket waiting for someone outside the team


def why_evaluate(app: Application, previous: Previous | None, version: str) -> tuple[Why, str]:
    """Why a ticket is evaluated — or ``SKIP`` with the reason (empty when it is evaluated).

    The ticket's status says whether the applicant came back (Zendesk reopens a pending or solved ticket
    on a reply); its ``updated_at`` does not, since triggers and internal notes move it too. The status is
    the category: a ticket in a custom status ("Awaiting applicant", "Waiting for documents") is handled
    like its category, and after an ask both waiting categories, pending and on-hold, mean "not yet".
    """
    if previous is None:
        return Why.NEW, ""
    if previous.outcome == Outcome.ESCALATE.value:
        return Why.SKIP, "escalated earlier; a specialist owns it"
    settled = {Outcome.ASK.value: _WAITING}.get(previous.outcome, ("solved", "closed"))
    if app.status not in settled:
        return Why.CAME_BACK, ""
    if previous.by_person:
        return Why.SKIP, f"decided by a specialist ({previous.outcome})"
    if previous.ruleset != version:
        return Why.RULES, ""
    if app.status in _WAITING:
        return Why.SKIP, "waiting for the applicant's answer"
    return Why.SKIP, f"decided ({previous.outcome}) and unchanged since"


def agrees(decision: Decision, previous: Previous) -> bool:
    """New rules that say what the applicant was already told: nothing to write again.

    Compared by what the applicant sees (outcome and macros), so renaming a rule re-asks nobody.
    """
    if decision.outcome.value != previous.outcome:
        return False
    if previous.macros is not None:
        return {m.title for m in decision.macros} <= set(previous.macros)
    return {r.rule for r in decision.reasons} == set(previous.rules)


def after_reply(decision: Decision, previous: Previous, digest: str) -> Decision:
    """The applicant came back. If nothing the rules read has changed — or a person made the last
    decision — a person has to read the answer: manual, with a note."""
    if previous.outcome not in (Outcome.ASK.value, Outcome.QUALIFY.value, Outcome.REJECT.value):
        return decision
    if previous.by_person:
        unchanged = True
    elif previous.digest is not None:
        unchanged = previous.digest == digest
    else:
        unchanged = agrees(decision, previous)
    if not unchanged:
        return decision
    if previous.by_person:
        message = f"the applicant came back after a specialist's {previous.outcome} decision: read the reply"
    elif previous.outcome == Outcome.ASK.value:
        message = "the applicant replied, but nothing the rules read has changed: read the reply"
    else:
        message = f"the ticket was reopened after a {previous.outcome} decision"
    reason = Reason(rule=REPLY_RULE, message=message, outcome=Outcome.MANUAL)
    return decision.model_copy(
        update={
            "outcome": Outcome.MANUAL,
            "reasons": [reason],
            "other_reasons": [*decision.reasons, *decision.other_reasons],
        }
    )
