"""The interactive review of ``commops triage --interactive``: accept, override, skip, trace, URL, quit.

Each proposal shows every rule that fired: the ones behind the outcome and the outranked ones. An override
that sets aside an escalate or reject rule (:func:`commops.domain.overrides.overruled`) names those rules
and needs a second, explicit confirmation: a yes/no question on a terminal, or ``--confirm-overrides``
given up front by a script; without either the review stops and nothing is written.
"""

from __future__ import annotations

import sys
import webbrowser

import typer
from rich.text import Text

from commops.cli.context import AppState
from commops.domain import Application, Decision, MacroRef, Outcome, Proposal, Reason
from commops.domain.overrides import (
    OVERRIDE_OUTCOMES,
    describe_rules,
    override_problem,
    overruled,
    parse_macro_titles,
)
from commops.errors import UsageError

__all__ = ["CHOICES", "review", "show_reasons"]


CHOICES = "[a]ccept [o]verride [s]kip [t]race [u]rl [q]uit"  # plain text: never read as rich markup


def review(
    app: AppState,
    proposals: list[Proposal],
    applications: dict[int, Application],
    macro_titles: set[str],
    *,
    confirm_overrides: bool = False,
) -> list[Proposal]:
    """One by one: accept, override the outcome/macro, skip, show the trace, open the URL, quit.

    ``confirm_overrides`` (``--confirm-overrides``) is the script's explicit yes to overrides that set aside
    an escalate or reject rule; without it such an override asks on a terminal and is refused elsewhere.
    """
    accepted: list[Proposal] = []
    reviewable = [p for p in proposals if p.decision.outcome is not Outcome.SKIP]
    for index, proposal in enumerate(reviewable, 1):
        _show(app, proposal, f"{index}/{len(reviewable)}")
        chosen = _choose(app, proposal, applications.get(proposal.ticket_id), macro_titles, confirm_overrides)
        if chosen is _QUIT:
            break
        if isinstance(chosen, Proposal):
            accepted.append(chosen)
    return accepted


_QUIT = object()
_AGAIN = object()  # an override that was not confirmed: the specialist chooses again


def _show(app: AppState, proposal: Proposal, position: str) -> None:
    decision = proposal.decision
    app.err.print(
        Text.assemble(
            "\n",
            (f"{position}  ticket {decision.ticket_id}", "bold"),
            f" · {decision.program} · SLA {proposal.sla.value if proposal.sla else '-'} · proposed ",
            (decision.outcome.value, "bold"),
        )
    )
    show_reasons(app, decision.reasons)
    if decision.other_reasons:
        app.err.print("  also fired (outranked):", highlight=False, markup=False)
        show_reasons(app, decision.other_reasons, outcome=True)
    if decision.macros:
        app.err.print("  macros: " + ", ".join(m.title for m in decision.macros), highlight=False, markup=False)


def show_reasons(app: AppState, reasons: list[Reason], *, outcome: bool = False) -> None:
    """One line per fired rule on stderr; ``outcome`` puts the rule's outcome in front (outranked rules)."""
    for reason in reasons:
        head = f"{reason.outcome.value} {reason.rule}" if outcome else reason.rule
        app.err.print(Text(f"  - {head}: {reason.message}"), highlight=False)


def _choose(app: AppState, proposal: Proposal, application: Application | None, macro_titles: set[str],
            confirm_overrides: bool) -> object:
    """The specialist's answer for one proposal: it (accepted or overridden), None (skipped) or _QUIT."""
    while True:
        choice = typer.prompt(CHOICES, default="a", err=True).strip().lower()[:1]
        if choice == "a":
            return proposal
        if choice == "s":
            return None
        if choice == "q":
            return _QUIT
        if choice == "o":
            chosen = _override(app, proposal, macro_titles, confirm_overrides)
            if chosen is not _AGAIN:
                return chosen
        elif choice == "t":
            _show_trace(app, proposal.decision)
        elif choice == "u":
            _open_url(app, application.url if application is not None else None)
        else:
            app.err.print(Text(f"  choose one of {CHOICES}"), highlight=False)


def _open_url(app: AppState, url: str | None) -> None:
    app.err.print(f"  {url or 'no URL known for this ticket'}", highlight=False, markup=False)
    if url and sys.stdin.isatty():
        webbrowser.open(url)


def _override(app: AppState, proposal: Proposal, macro_titles: set[str], confirm_overrides: bool) -> object:
    outcomes = [o.value for o in OVERRIDE_OUTCOMES]
    while True:
        value = typer.prompt(f"  outcome ({'/'.join(outcomes)})", err=True).strip().lower()
        if value in outcomes:
            break
        app.err.print(f"  not an outcome: {value}", highlight=False, markup=False)
    outcome = Outcome(value)
    macros: list[MacroRef] = []
    while outcome.writes:
        macros = parse_macro_titles(typer.prompt("  macro titles (separate with ';')", err=True))
        problem = override_problem(outcome, macros, macro_titles)
        if problem is None:
            break
        app.err.print(f"  {problem}", highlight=False, markup=False)
    set_aside = overruled(proposal.decision.overridden(outcome, macros, ""))
    if set_aside and not _confirmed(app, proposal.decision, outcome, set_aside, confirm_overrides):
        return _AGAIN
    note = typer.prompt("  reason for the override", default="specialist override", err=True)
    if set_aside:
        note = f"{note} (overrules {describe_rules(set_aside)}; confirmed)"
    return proposal.model_copy(update={"decision": proposal.decision.overridden(outcome, macros, note)})


def _confirmed(app: AppState, decision: Decision, outcome: Outcome, set_aside: list[Reason],
               confirm_overrides: bool) -> bool:
    """The second confirmation of an override that sets aside escalate or reject rules."""
    app.err.print(f"  this {outcome.value} overrules rules that fired on ticket {decision.ticket_id}:",
                  highlight=False, markup=False)
    show_reasons(app, set_aside, outcome=True)
    if confirm_overrides:
        app.info("  confirmed by --confirm-overrides")
        return True
    if not app.stdin_terminal:
        raise UsageError(
            f"ticket {decision.ticket_id}: overruling {describe_rules(set_aside)} needs a second confirmation; "
            "nothing was written",
            hint="review on a terminal, or pass --confirm-overrides when a script means it",
        )
    if typer.confirm(f"  overrule {describe_rules(set_aside)}?", default=False, err=True):
        return True
    app.info("  override dropped: the rules' proposal stands (choose again)")
    return False


def _show_trace(app: AppState, decision: Decision) -> None:
    from commops.cli.rules import render_trace

    app.err.print(render_trace(decision))
