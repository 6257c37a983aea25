"""`commops apply PLAN`: write a reviewed plan."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from commops.cli.context import AppState, state
from commops.cli.options import EXIT_WRITE_ERRORS, ConfirmOverridesOpt, Format, FormatOpt, SandboxOpt
from commops.cli.writes import confirm_and_write, report_writes, write_question

if TYPE_CHECKING:
    from commops.domain import Plan

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    app.command("apply")(apply)


def apply(
    ctx: typer.Context,
    plan: Annotated[Path, typer.Argument(help="A plan written by `commops triage --plan`.")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    confirm_overrides: ConfirmOverridesOpt = False,
    sandbox: SandboxOpt = False,
    fmt: FormatOpt = Format.table,
) -> None:
    """Apply a reviewed plan; tickets changed since the plan was made are refused (conflict).

    An entry that overrules an escalate or reject rule (a specialist's override) is named and needs a
    second confirmation: a question on a terminal, or --confirm-overrides (--yes does not cover it).

    Example: commops apply plan.json --yes
    """
    from commops.bootstrap import AccountUse, open_triage
    from commops.services.runs import apply_plan, load_plan
    from commops.services.triage import pending_writes

    app = state(ctx)
    loaded = load_plan(plan)
    writable = [p for p in loaded.proposals if p.decision.outcome.writes]
    if writable and not _overrides_confirmed(app, loaded, confirm_overrides):
        app.info("nothing written")
        return
    with open_triage(app.settings, notice=app.info, offline=True,
                     account=AccountUse(sandbox=sandbox, on_behalf=True)) as ports:
        _note_rules(app, loaded.ruleset_version, ports.evaluator.version)
        pending = pending_writes(ports.journal)  # an interrupted run's writes go first
        if not writable and not pending.count:
            app.info("the plan has nothing to write")
            return
        summary = confirm_and_write(
            app,
            yes,
            write_question(len(writable), pending.count, ports.account, source=str(plan)),
            len(writable),
            lambda advance: apply_plan(ports, loaded, progress=advance),
        )
        if summary is None:
            return
    report_writes(app, fmt, loaded.proposals, summary.results, summary.resumed)
    if summary.status == "errors":
        raise typer.Exit(EXIT_WRITE_ERRORS)


def _overrides_confirmed(app: AppState, plan: Plan, confirm_overrides: bool) -> bool:
    """The plan's overrides of escalate and reject rules, named; True when they may be written."""
    from commops.cli.review import show_reasons
    from commops.domain.overrides import describe_rules, overruled
    from commops.errors import UsageError

    overriding = [(p.ticket_id, rules) for p in plan.proposals if (rules := overruled(p.decision))]
    if not overriding:
        return True
    for ticket_id, rules in overriding:
        app.info(f"ticket {ticket_id}: the plan overrides rules that fired:")
        show_reasons(app, rules, outcome=True)
    if confirm_overrides:
        app.info(f"{len(overriding)} overrides confirmed by --confirm-overrides")
        return True
    if not app.stdin_terminal:
        named = "; ".join(f"ticket {t}: {describe_rules(r)}" for t, r in overriding)
        raise UsageError(
            f"the plan overrules escalate or reject rules ({named}); that needs a second confirmation. "
            "Nothing was written",
            hint="apply it on a terminal, or pass --confirm-overrides when a script means it",
        )
    return typer.confirm(f"Overrule those rules on {len(overriding)} tickets?", default=False, err=True)


def _note_rules(app: AppState, planned: str, now: str) -> None:
    if planned != now:
        app.info(f"note: the plan was made with rules {planned}; the rules are now {now} (the plan is applied "
                 "as reviewed)")
