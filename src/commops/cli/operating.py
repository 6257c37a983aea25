"""`commops rules impact` and `commops rules promote`: what a rule change does, and which rules earned auto."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from commops.cli.context import AppState, state
from commops.domain import Outcome
from commops.domain.operating import TicketChange
from commops.errors import GuardRailError, UsageError
from commops.services.impact import ImpactReport

__all__ = ["impact_markdown", "register"]


class ImpactFormat(StrEnum):
    table = "table"
    json = "json"
    markdown = "markdown"


_OUTCOMES = {o.value for o in Outcome}


def _gate(value: str) -> str:
    text = value.replace(" ", "").lower()
    parts = text.split("->") if "->" in text else [text]
    if text != "any" and (len(parts) > 2 or any(p not in _OUTCOMES | {"*"} for p in parts) or parts == ["*"]):
        raise typer.BadParameter(f"{value!r}: an outcome (qualify), a transition (reject->qualify, *->qualify) "
                                 "or any")
    return text


def _since(weeks: int, now: datetime | None = None) -> datetime:
    return (now or datetime.now(UTC)) - timedelta(weeks=weeks)


def _cell(text: object) -> str:
    """Account data in a Markdown table cell: one line, no cell breaks, no HTML, no links that ping."""
    value = " ".join(str(text).split())
    for char, escaped in (("\\", "\\\\"), ("|", "\\|"), ("<", "&lt;"), (">", "&gt;"), ("@", "&#64;")):
        value = value.replace(char, escaped)
    return value


def impact_markdown(report: ImpactReport, failing: int | None = None) -> str:
    """The summary a merge request shows: counts, the transition matrix, the changed tickets (no names)."""
    lines = [f"### commops rules impact: `{report.old_version}` → `{report.new_version}`", ""]
    sources = ", ".join(f"{n} {s}" for s, n in sorted(report.by_source.items())) or "none"
    lines.append(f"Replayed **{report.evaluated}** applications since {report.since:%Y-%m-%d} ({sources}): "
                 f"**{len(report.changes)}** would change, **{len(report.applicants)}** applicants would read "
                 "another reply.")
    if failing is not None:
        lines.append("")
        lines.append(f"**CI gate: {failing} change(s) refused.**" if failing else "CI gate: passed.")
    moved = {(p, o, n): c for p, rows in report.matrix.items() for o, cols in rows.items()
             for n, c in cols.items() if o != n}
    if moved:
        lines += ["", "| program | from | to | tickets |", "|---|---|---|---:|"]
        lines += [f"| {_cell(p)} | {o} | {n} | {c} |" for (p, o, n), c in sorted(moved.items())]
    if report.changes:
        lines += ["", "<details><summary>Tickets</summary>", "", "| ticket | program | source | old → new | "
                  "rules |", "|---:|---|---|---|---|"]
        for c in report.changes[:200]:
            old = c.old.outcome.value + (f" ({', '.join(c.old.macros)})" if c.old.macros else "")
            new = c.new.outcome.value + (f" ({', '.join(c.new.macros)})" if c.new.macros else "")
            lines.append(f"| #{c.ticket_id} | {_cell(c.program)} | {c.source} | {_cell(old)} → {_cell(new)} | "
                         f"{_cell(', '.join(c.rules))} |")
        if len(report.changes) > 200:
            lines.append(f"| … | {len(report.changes) - 200} more | | | |")
        lines += ["", "</details>"]
    return "\n".join(lines) + "\n"


def _impact_table(app: AppState, report: ImpactReport) -> None:
    app.out.print(f"ruleset {report.old_version} → {report.new_version}: {report.evaluated} applications "
                  f"replayed since {report.since:%Y-%m-%d}, {len(report.changes)} would change, "
                  f"{len(report.applicants)} applicants would read another reply "
                  f"({report.zendesk_requests} Zendesk requests)", markup=False, highlight=False)
    if not report.changes:
        app.out.print("no change", markup=False)
        return
    table = Table(title="tickets that would change")
    for column in ("ticket", "program", "source", "old", "new", "rules that made the difference"):
        table.add_column(column, overflow="fold")
    for c in report.changes:
        old = c.old.outcome.value + (f"\n{', '.join(c.old.macros)}" if c.old.macros else "")
        new = c.new.outcome.value + (f"\n{', '.join(c.new.macros)}" if c.new.macros else "")
        table.add_row(str(c.ticket_id), escape(c.program or ""), c.source, escape(old), escape(new),
                      escape(", ".join(c.rules)))
    app.out.print(table)
    matrix = Table(title="transitions (program: old → new)")
    for column in ("program", "old", "new", "tickets"):
        matrix.add_column(column)
    for program, rows in sorted(report.matrix.items()):
        for old_outcome, cols in sorted(rows.items()):
            for new_outcome, count in sorted(cols.items()):
                if old_outcome != new_outcome:
                    matrix.add_row(escape(program), old_outcome, new_outcome, str(count))
    app.out.print(matrix)


def _print_impact(app: AppState, fmt: ImpactFormat, report: ImpactReport, failing: list[TicketChange] | None) -> None:
    """The report as asked; ``failing``: the changes the --fail-on gates refuse (None without gates)."""
    if fmt is ImpactFormat.json:
        data = report.model_dump(mode="json")
        data["failing"] = [c.ticket_id for c in failing or []]
        typer.echo(json.dumps(data, indent=2, sort_keys=True))
    elif fmt is ImpactFormat.markdown:
        typer.echo(impact_markdown(report, None if failing is None else len(failing)), nl=False)
    else:
        _impact_table(app, report)


def impact(
    ctx: typer.Context,
    against: Annotated[str, typer.Option("--against", metavar="REF",
                                         help="The old rules: a git ref (main, HEAD~1), a directory or a "
                                              ".tar.gz/.zip of rule files.")],
    since: Annotated[int, typer.Option("--since", metavar="WEEKS", min=1, max=104,
                                       help="Replay the decisions of the last WEEKS weeks.")] = 8,
    program: Annotated[str | None, typer.Option(help="One program only.")] = None,
    no_queue: Annotated[bool, typer.Option("--no-queue", help="Decided applications only.")] = False,
    online: Annotated[bool, typer.Option("--online", help="Look namespaces up (default: the cache only).")] = False,
    fail_on: Annotated[list[str] | None, typer.Option(
        "--fail-on", metavar="GATE",
        help="Exit 14 when a change matches: an outcome (qualify), a transition (reject->qualify, *->qualify) "
             "or any. Repeatable.")] = None,
    fmt: Annotated[ImpactFormat, typer.Option("--format", help="table | json | markdown")] = ImpactFormat.table,
) -> None:
    """What the configured rules would change against older ones, on the same inputs: the open queue and
    the decisions of the last weeks (field values at decision time, from the audits in bulk).

    Example: commops rules impact --against main --since 8 --format markdown --fail-on qualify
    """
    from commops.bootstrap import open_runtime
    from commops.services.impact import rule_impact, transition_fails

    gates = [_gate(g) for g in fail_on or []]
    app = state(ctx)
    if program is not None and program not in app.settings.programs:
        raise UsageError(f"unknown program {program!r}", hint=f"one of: {', '.join(sorted(app.settings.programs))}")
    with open_runtime(app.settings, notice=app.info, offline=not online) as runtime:
        report = rule_impact(runtime.impact_ports(against), since=_since(since), queue=not no_queue,
                             program=program)
    failing = transition_fails(report, gates) if gates else []
    _print_impact(app, fmt, report, failing if gates else None)
    if failing:
        raise GuardRailError(f"{len(failing)} change(s) match --fail-on {', '.join(gates)}",
                             hint="review them, then merge on purpose")


def promote(
    ctx: typer.Context,
    write: Annotated[bool, typer.Option("--write", help="Change the rule files in place (comments kept).")] = False,
    since: Annotated[int | None, typer.Option("--since", metavar="WEEKS", min=1, max=104,
                                              help="Shadow decisions of the last WEEKS weeks "
                                                   "(default: [shadow] window_weeks).")] = None,
    min_decisions: Annotated[int | None, typer.Option(min=1, help="Default: [shadow] min_decisions.")] = None,
    fmt: Annotated[ImpactFormat, typer.Option("--format", help="table (YAML) | json")] = ImpactFormat.table,
) -> None:
    """Propose auto on for rules whose shadow agreement has earned it (enough decisions, Wilson lower
    bound at or above the bar, never qualify where a person rejected or escalated) and auto off where
    agreement fell; print the YAML change, or write it with --write.

    Example: commops rules promote --write
    """
    from commops.bootstrap import load_rules, open_runtime
    from commops.domain.operating import PromotionPolicy
    from commops.rulefiles import RuleFileEditor
    from commops.services.promote import promote as run_promote
    from commops.services.promote import yaml_change

    app = state(ctx)
    options = app.settings.shadow
    policy = PromotionPolicy(min_decisions=min_decisions or options.min_decisions,
                             min_lower_bound=options.min_lower_bound)
    ruleset = load_rules(app.settings)
    current = {r.rule.id: r.rule.auto for r in ruleset.rules}
    with open_runtime(app.settings, notice=app.info) as runtime:
        result = run_promote(runtime.shadow_log, current, policy=policy,
                             since=_since(since or options.window_weeks),
                             editor=RuleFileEditor(ruleset.files) if write else None)
    if fmt is ImpactFormat.json:
        typer.echo(result.model_dump_json(indent=2))
        return
    if not result.promotions:
        app.info(f"no change proposed ({result.decisions} shadow decisions; a rule needs "
                 f"{policy.min_decisions} and a lower bound of {policy.min_lower_bound:.0%})")
        return
    typer.echo(yaml_change(result.promotions), nl=False)
    for file in result.written:
        app.info(f"wrote {file}")
    if not write:
        app.info("nothing written: run again with --write to change the rule files")


def register(rules_app: typer.Typer) -> None:
    """Add `impact` and `promote` to the `rules` group."""
    rules_app.command("impact")(impact)
    rules_app.command("promote")(promote)
