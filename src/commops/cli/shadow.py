"""`commops shadow`: propose without writing, compare with what specialists did, report the agreement."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from commops.cli.context import state
from commops.cli.operating import ImpactFormat
from commops.errors import UsageError
from commops.services.shadow import ShadowReport

__all__ = ["register"]

group = typer.Typer(help="Shadow mode: propose without writing, compare with what specialists did.",
                    invoke_without_command=True)

SinceOpt = Annotated[int | None, typer.Option("--since", metavar="WEEKS", min=1, max=104,
                                              help="The last WEEKS weeks (default: [shadow] window_weeks).")]


@group.callback()
def shadow(
    ctx: typer.Context,
    since: SinceOpt = None,
    replay: Annotated[bool, typer.Option(
        "--replay", help="Also compare the window's specialist decisions with the rules on the values they saw.")]
    = False,
    online: Annotated[bool, typer.Option("--online", help="Look namespaces up (default: the cache only).")] = False,
) -> None:
    """Record a proposal for every open application (nothing is written to Zendesk), and compare each
    decision a specialist made since with the proposal made before it. A JSON summary on stdout.

    Example: commops shadow --replay
    """
    if ctx.invoked_subcommand is not None:
        return
    from commops.bootstrap import open_runtime
    from commops.services.shadow import shadow_run

    app = state(ctx)
    options = app.settings.shadow
    weeks = since or options.window_weeks
    with open_runtime(app.settings, notice=app.info, offline=not online) as runtime:
        result = shadow_run(runtime.shadow_ports(), since=datetime.now(UTC) - timedelta(weeks=weeks),
                            replay=replay or options.replay)
    typer.echo(result.model_dump_json())


def _pct(x: float) -> str:
    return f"{x:.1%}"


def _print(out: Console, report: ShadowReport, limit: int) -> None:
    """The shadow report for a terminal: the overall rate, then one table per view."""
    out.print(f"{report.decisions} shadow decisions, {report.agreed} agreed "
              f"({_pct(report.agreed / report.decisions) if report.decisions else '-'}, 95% interval "
              f"{_pct(report.lower)}–{_pct(report.upper)})", markup=False, highlight=False)
    out.print(_rules_table(report))
    out.print(_outcomes_table(report))
    for program, rows in sorted(report.confusion.items()):
        out.print(_confusion_table(program, rows))
    if report.disagreements:
        out.print(_disagreements_table(report, limit))


def _rules_table(report: ShadowReport) -> Table:
    rules = Table(title="agreement per rule (Wilson 95%)")
    for column in ("rule", "decisions", "agreed", "rate", "lower", "upper", "qualify vs reject/escalate"):
        rules.add_column(column, justify="left" if column == "rule" else "right")
    for r in report.rules:
        rules.add_row(escape(r.rule), str(r.decisions), str(r.agreed), _pct(r.rate), _pct(r.lower), _pct(r.upper),
                      str(r.severe))
    return rules


def _outcomes_table(report: ShadowReport) -> Table:
    outcomes = Table(title="agreement per proposed outcome")
    for column in ("outcome", "decisions", "agreed", "lower", "upper"):
        outcomes.add_column(column)
    for o in report.outcomes:
        outcomes.add_row(o.outcome, str(o.decisions), str(o.agreed), _pct(o.lower), _pct(o.upper))
    return outcomes


def _confusion_table(program: str, rows: dict[str, dict[str, int]]) -> Table:
    people = sorted({p for cols in rows.values() for p in cols})
    matrix = Table(title=f"{escape(program)}: commops (rows) vs person (columns)")
    matrix.add_column("commops \\ person")
    for p in people:
        matrix.add_column(p, justify="right")
    for proposed, cols in sorted(rows.items()):
        matrix.add_row(proposed, *[str(cols.get(p, 0)) for p in people])
    return matrix


def _disagreements_table(report: ShadowReport, limit: int) -> Table:
    worst = Table(title=f"disagreements, worst first ({len(report.disagreements)})")
    for column in ("ticket", "program", "commops", "person", "rules", "decided"):
        worst.add_column(column, overflow="fold")
    for c in report.disagreements[:limit]:
        worst.add_row(str(c.ticket_id), escape(c.program or ""),
                      escape(c.proposed.outcome.value + "\n" + ", ".join(c.proposed.macros)),
                      escape(c.person.outcome.value + "\n" + ", ".join(c.person.macros)),
                      escape(", ".join(c.proposed.rules)), f"{c.decided_at:%Y-%m-%d}" if c.decided_at else "")
    return worst


@group.command("report")
def report_command(
    ctx: typer.Context,
    since: SinceOpt = None,
    program: Annotated[str | None, typer.Option(help="One program only.")] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="Disagreements shown (JSON: all).")] = 20,
    fmt: Annotated[ImpactFormat, typer.Option("--format", help="table | json")] = ImpactFormat.table,
) -> None:
    """Agreement per rule and per outcome with Wilson 95% bounds, the confusion matrix per program, and
    the disagreements worst first (commops qualify where a person rejected or escalated, first).

    Example: commops shadow report --since 8
    """
    from commops.bootstrap import open_runtime
    from commops.services.shadow import shadow_report

    app = state(ctx)
    if program is not None and program not in app.settings.programs:
        raise UsageError(f"unknown program {program!r}", hint=f"one of: {', '.join(sorted(app.settings.programs))}")
    weeks = since or app.settings.shadow.window_weeks
    with open_runtime(app.settings, notice=app.info) as runtime:
        report = shadow_report(runtime.shadow_log, since=datetime.now(UTC) - timedelta(weeks=weeks),
                               program=program)
    if fmt is ImpactFormat.json:
        typer.echo(json.dumps(report.model_dump(mode="json"), indent=2))
        return
    _print(app.out, report, limit)


def register(app: typer.Typer) -> None:
    app.add_typer(group, name="shadow")
