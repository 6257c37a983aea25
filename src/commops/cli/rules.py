"""`commops rules`: lint, schema, test and explain the eligibility rules."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.text import Text
from rich.tree import Tree

from commops.cli.context import AppState, state
from commops.domain import ConditionTrace, Decision, Truth

__all__ = ["register", "render_trace"]

rules_app = typer.Typer(help="Check, test and explain the YAML eligibility rules.", no_args_is_help=True)

_STYLE = {Truth.TRUE: "green", Truth.FALSE: "red", Truth.UNKNOWN: "yellow"}
_MARK = {Truth.TRUE: "✓", Truth.FALSE: "✗", Truth.UNKNOWN: "?"}

PathsArg = Annotated[
    list[Path] | None, typer.Argument(help="Rule files or directories (default: the configured rules).")
]


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    from commops.cli import operating

    operating.register(rules_app)
    app.add_typer(rules_app, name="rules")


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _truth(result: Truth, label: str) -> Text:
    return Text.assemble((f"{_MARK[result]} {result.value}", _STYLE[result]), " ", label)


def _condition(parent: Tree, cond: ConditionTrace) -> None:
    if cond.children:
        label = cond.op
    else:
        label = f"{cond.field} {cond.op}"
        if cond.expected is not None:
            label += f" {_short(cond.expected)}"
        if cond.reading is not None and cond.raw != cond.observed:
            label += f"  ({_short(cond.raw)} {cond.reading})"
        else:
            label += f"  (observed {_short(cond.observed)})"
    if cond.note:
        label += f"  [{cond.note}]"
    branch = parent.add(_truth(cond.result, label))
    for child in cond.children:
        _condition(branch, child)


def render_trace(decision: Decision) -> Tree:
    """The decision as a tree: each rule, then each condition with field, observed and expected values.

    Results are coloured (true green, false red, unknown yellow) and marked ✓ ✗ ? so that they read
    the same without colour (NO_COLOR is honoured by the console that prints the tree).
    """
    head = Text.assemble(
        f"ticket #{decision.ticket_id} · {decision.program or 'no program'} · ",
        (decision.outcome.value.upper(), "bold"),
        f" · ruleset {decision.ruleset_version}",
    )
    tree = Tree(head)
    for reason in decision.reasons:
        macro = f" → {reason.macro.title}" if reason.macro else ""
        tree.add(Text(f"because {reason.rule}: {reason.message}{macro}", style="bold"))
    for rule in decision.trace:
        fired = "fired" if rule.fired else "did not fire"
        label = f"{rule.rule} → {rule.outcome.value}, {fired}" + (f"  ({rule.source})" if rule.source else "")
        branch = tree.add(_truth(rule.result, label))
        if rule.condition is not None:
            _condition(branch, rule.condition)
    changed = [r for r in decision.readings if r.raw is not None and r.raw != r.value]
    if changed:
        inputs = tree.add(Text("inputs as read", style="bold"))
        for reading in changed:
            inputs.add(f"{reading.field}: {_short(reading.raw)} {reading.reading}")
    return tree


def _paths(app: AppState, paths: list[Path] | None) -> list[Path]:
    return list(paths) if paths else [app.settings.rules_path]


@rules_app.command("lint")
def lint_command(
    ctx: typer.Context,
    paths: PathsArg = None,
    account: Annotated[
        bool,
        typer.Option(
            "--account/--no-account",
            help="Check macro titles against the account (the embedded sandbox when none is configured).",
        ),
    ] = True,
) -> None:
    """Check rule files and report every problem as file:line:col: message (exit 1 if any).

    Macros are checked against the account unless --no-account (e.g. with no access to it).

    Example: commops rules lint rules/
    """
    from commops.rules import lint

    app = state(ctx)
    settings = app.settings
    macros = None
    if account:
        from commops.bootstrap import open_gateway

        with open_gateway(settings, notice=app.info) as gateway:
            macros = gateway.macros()
    problems = lint(_paths(app, paths), field_keys=set(settings.fields), programs=set(settings.programs),
                    macros=macros)
    for problem in problems:
        app.out.print(str(problem), highlight=False, soft_wrap=True, markup=False)
    if problems:
        app.info(f"{len(problems)} problem{'s' if len(problems) != 1 else ''}")
        raise typer.Exit(1)
    app.info("rules ok")


@rules_app.command("schema")
def schema_command(ctx: typer.Context) -> None:
    """Print the JSON Schema of a rule file (for editors: see docs/rules.md).

    Example: commops rules schema > rules.schema.json
    """
    from commops.rules import RuleFile

    typer.echo(json.dumps(RuleFile.model_json_schema(), indent=2))


def _compile(app: AppState, paths: list[Path], macros: Any = None) -> Any:
    from commops.bootstrap import compile_rules, load_rules
    from commops.services.sla import calendar_from

    ruleset = load_rules(app.settings, paths, macros=macros)
    return ruleset, compile_rules(ruleset, calendar_from(app.settings.sla))


@rules_app.command("test")
def test_command(
    ctx: typer.Context,
    paths: Annotated[list[Path] | None, typer.Argument(help="Case files or directories (default: <rules>/cases).")]
    = None,
    rules: Annotated[list[Path] | None, typer.Option("--rules", "-r", help="Rule files or directories.")] = None,
) -> None:
    """Run the fixture cases against the rules; print each failure with its trace (exit 1 if any fails).

    Example: commops rules test rules/cases/startups.yaml
    """
    from commops.rules import run_cases

    app = state(ctx)
    rule_paths = _paths(app, rules)
    _, compiled = _compile(app, rule_paths)
    case_paths = list(paths) if paths else [p / "cases" for p in rule_paths if p.is_dir()]
    results, problems = run_cases(compiled, case_paths)
    for problem in problems:
        app.out.print(str(problem), highlight=False, soft_wrap=True, markup=False)
    failed = [r for r in results if not r.passed]
    for result in failed:
        app.out.print(Text(f"FAIL {result.file}:{result.line}: {result.name}", style="bold red"), soft_wrap=True)
        for failure in result.failures:
            app.out.print(f"  {failure}", highlight=False, markup=False)
        if result.decision is not None:
            app.out.print(render_trace(result.decision))
    app.info(f"{len(results)} cases, {len(results) - len(failed)} passed, {len(failed)} failed")
    if failed or problems or not results:
        raise typer.Exit(1)


@rules_app.command("explain")
def explain_command(
    ctx: typer.Context,
    ticket: Annotated[int, typer.Argument(help="Ticket id.")],
    offline: Annotated[bool, typer.Option("--offline", help="Skip namespace lookups (they count as unknown).")]
    = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the decision as JSON instead of a tree.")] = False,
) -> None:
    """The decision the rules reach for one ticket now, with how every rule and condition evaluated.

    Example: commops rules explain 1042
    """
    from commops.bootstrap import open_triage
    from commops.services.explain import explain_ticket

    app = state(ctx)
    # The same ports as triage: with no account configured, the embedded sandbox answers for Zendesk and
    # for the forges (its forge emulation, uncached); with an account, the configured forges.
    with open_triage(app.settings, notice=app.info, offline=offline) as ports:
        decision = explain_ticket(ports, ticket)
    if as_json:
        typer.echo(decision.model_dump_json(indent=2))
        return
    app.out.print(render_trace(decision))
