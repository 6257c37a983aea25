"""The interactive review of ``commops triage --interactive``: accept, override, skip, trace, URL, quit."""

from __future__ import annotations

import sys
import webbrowser

import typer

from commops.cli.context import AppState
from commops.domain import Application, Decision, MacroRef, Outcome, Proposal, Reason
from commops.services.triage import OVERRIDE_RULE

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
        decision = proposal.decision
        application = applications.get(proposal.ticket_id)
        app.err.print(
            f"\n[bold]{index}/{len(reviewable)}  ticket {decision.ticket_id}[/] · {decision.program} · "
            f"SLA {proposal.sla.value if proposal.sla else '-'} · proposed [bold]{decision.outcome.value}[/]"
        )
        for reason in decision.reasons:
            app.err.print(f"  - {reason.rule}: {reason.message}", highlight=False, markup=False)
        if decision.macros:
            app.err.print("  macros: " + ", ".join(m.title for m in decision.macros), highlight=False, markup=False)
        while True:
            choice = typer.prompt(_CHOICES, default="a", err=True).strip().lower()[:1]
            if choice == "a":
                accepted.append(proposal)
                break
            if choice == "s":
                break
            if choice == "q":
                return accepted
            if choice == "t":
                _show_trace(app, decision)
            elif choice == "u":
                url = application.url if application is not None else None
                app.err.print(f"  {url or 'no URL known for this ticket'}", highlight=False)
                if url and sys.stdin.isatty():
                    webbrowser.open(url)
            elif choice == "o":
                accepted.append(_override(app, proposal, macro_titles))
                break
            else:
                app.err.print(f"  choose one of {_CHOICES}")
    return accepted


def _override(app: AppState, proposal: Proposal, macro_titles: set[str]) -> Proposal:
    outcomes = [o.value for o in Outcome if o is not Outcome.SKIP]
    while True:
        value = typer.prompt(f"  outcome ({'/'.join(outcomes)})", err=True).strip().lower()
        if value in outcomes:
            break
        app.err.print(f"  not an outcome: {value}")
    outcome = Outcome(value)
    macros: list[MacroRef] = []
    while outcome.writes:
        titles = typer.prompt("  macro titles (separate with ';')", err=True)
        macros = [MacroRef(title=t.strip()) for t in titles.split(";") if t.strip()]
        unknown = [m.title for m in macros if m.title not in macro_titles]
        if macros and not unknown:
            break
        app.err.print(
            f"  {'no such macro: ' + ', '.join(unknown) if unknown else 'an override that writes needs a macro'}",
            highlight=False,
            markup=False,
        )
    note = typer.prompt("  reason for the override", default="specialist override", err=True)
    reasons = [Reason(rule=OVERRIDE_RULE, message=note, outcome=outcome, macro=m) for m in macros] or [
        Reason(rule=OVERRIDE_RULE, message=note, outcome=outcome)
    ]
    decision: Decision = proposal.decision.model_copy(
        update={"outcome": outcome, "reasons": reasons, "other_reasons": proposal.decision.reasons}
    )
    return proposal.model_copy(update={"decision": decision})


def _show_trace(app: AppState, decision: Decision) -> None:
    from commops.cli.rules import render_trace

    app.err.print(render_trace(decision))
