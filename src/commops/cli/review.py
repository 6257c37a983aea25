"""The interactive review of ``commops triage --interactive``: accept, override, skip, trace, URL, quit."""

from __future__ import annotations

import sys
import webbrowser

import typer
from rich.text import Text

from commops.cli.context import AppState
from commops.domain import Application, Decision, MacroRef, Outcome, Proposal
from commops.domain.overrides import OVERRIDE_OUTCOMES, override_problem, parse_macro_titles

__all__ = ["review"]


_CHOICES = "[a]ccept [o]verride [s]kip [t]race [u]rl [q]uit"


def review(
    app: AppState,
    proposals: list[Proposal],
    applications: dict[int, Application],
    macro_titles: set[str],
) -> list[Proposal]:
    """One by one: accept, override the outcome/macro, skip, show the trace, open the URL, quit."""
    accepted: list[Proposal] = []
    reviewable = [p for p in proposals if p.decision.outcome is not Outcome.SKIP]
    for index, proposal in enumerate(reviewable, 1):
        _show(app, proposal, f"{index}/{len(reviewable)}")
        chosen = _choose(app, proposal, applications.get(proposal.ticket_id), macro_titles)
        if chosen is _QUIT:
            break
        if isinstance(chosen, Proposal):
            accepted.append(chosen)
    return accepted


_QUIT = object()


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
    for reason in decision.reasons:
        app.err.print(f"  - {reason.rule}: {reason.message}", highlight=False, markup=False)
    if decision.macros:
        app.err.print("  macros: " + ", ".join(m.title for m in decision.macros), highlight=False, markup=False)


def _choose(app: AppState, proposal: Proposal, application: Application | None, macro_titles: set[str]) -> object:
    """The specialist's answer for one proposal: it (accepted or overridden), None (skipped) or _QUIT."""
    while True:
        choice = typer.prompt(_CHOICES, default="a", err=True).strip().lower()[:1]
        if choice == "a":
            return proposal
        if choice == "s":
            return None
        if choice == "q":
            return _QUIT
        if choice == "o":
            return _override(app, proposal, macro_titles)
        if choice == "t":
            _show_trace(app, proposal.decision)
        elif choice == "u":
            _open_url(app, application.url if application is not None else None)
        else:
            app.err.print(f"  choose one of {_CHOICES}")


def _open_url(app: AppState, url: str | None) -> None:
    app.err.print(f"  {url or 'no URL known for this ticket'}", highlight=False)
    if url and sys.stdin.isatty():
        webbrowser.open(url)


def _override(app: AppState, proposal: Proposal, macro_titles: set[str]) -> Proposal:
    outcomes = [o.value for o in OVERRIDE_OUTCOMES]
    while True:
        value = typer.prompt(f"  outcome ({'/'.join(outcomes)})", err=True).strip().lower()
        if value in outcomes:
            break
        app.err.print(f"  not an outcome: {value}")
    outcome = Outcome(value)
    macros: list[MacroRef] = []
    while outcome.writes:
        macros = parse_macro_titles(typer.prompt("  macro titles (separate with ';')", err=True))
        problem = override_problem(outcome, macros, macro_titles)
        if problem is None:
            break
        app.err.print(f"  {problem}", highlight=False, markup=False)
    note = typer.prompt("  reason for the override", default="specialist override", err=True)
    return proposal.model_copy(update={"decision": proposal.decision.overridden(outcome, macros, note)})


def _show_trace(app: AppState, decision: Decision) -> None:
    from commops.cli.rules import render_trace

    app.err.print(render_trace(decision))
