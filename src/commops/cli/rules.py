"""`commops rules`: lint, schema, test and explain the eligibility rules."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.text import Text
from rich.tree import Tree

from commops.cli.context import AppState, state
from commops.cli.render import Format, render
from commops.domain import ConditionTrace, Decision, Truth
from commops.errors import ProblemsFound

if TYPE_CHECKING:
    from commops.rules import CaseResult, Problem

__all__ = ["problem_record", "register", "render_trace", "trace_rows"]

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
    for reason in decision.other_reasons:  # every other rule that fired: outranked, or set aside by a person
        tree.add(Text(f"also fired: {reason.outcome.value} {reason.rule}: {reason.message}"))
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
            help="Check macro titles and drop-down values against the account (the embedded sandbox when "
                 "none is configured); --no-account checks drop-downs against the account snapshot, if any.",
        ),
    ] = True,
    fmt: Annotated[Format, typer.Option(
        "--format", "-f", help="table (file:line:col: message lines), json (JSON Lines) or csv.")] = Format.table,
) -> None:
    """Check rule files and report every problem as file:line:col: message (exit 1 if any).

    Macros, and the values rules compare drop-downs with, are checked against the account unless
    --no-account (e.g. with no access to it); offline, drop-down values are checked against the snapshot
    `commops init --from-account` keeps, when there is one.
    JSON: one object per problem, {"file", "line", "col", "message"} (nothing when the files are clean);
    CSV: the same columns (docs/json.md).

    Example: commops rules lint rules/
    """
    from commops.rules import lint

    app = state(ctx)
    settings = app.settings
    macros, options = _lint_account(app, account)
    problems = lint(_paths(app, paths), field_keys=set(settings.fields), programs=set(settings.programs),
                    macros=macros, macro_names=settings.macros, options=options)
    if fmt is Format.table:
        for problem in problems:
            app.out.print(str(problem), highlight=False, soft_wrap=True, markup=False)
    else:
        render(fmt, [problem_record(p) for p in problems], console=app.out)
    if problems:
        raise ProblemsFound(f"{len(problems)} problem{'s' if len(problems) != 1 else ''} found")
    app.info("rules ok")


def _lint_account(app: AppState, account: bool) -> tuple[list[Any] | None, dict[str, Any] | None]:
    """What lint checks macros and drop-down values against: the account, else its snapshot, else nothing."""
    from commops.bootstrap import account_snapshot_path, dropdowns

    settings = app.settings
    if account:
        from commops.bootstrap import open_gateway

        with open_gateway(settings, notice=app.info) as gateway:
            return gateway.macros(), dropdowns(settings, gateway.ticket_fields())
    snapshot = account_snapshot_path(settings)
    if not snapshot.is_file():
        return None, None
    try:
        saved = json.loads(snapshot.read_text(encoding="utf-8"))
        options = dropdowns(settings, saved.get("fields") or [])
    except (OSError, ValueError, AttributeError) as exc:
        app.info(f"note: the account snapshot {snapshot} cannot be read ({exc}); drop-downs not checked")
        return None, None
    app.info(f"drop-down values checked against the account snapshot of {saved.get('taken_at')} ({snapshot})")
    return None, options


def problem_record(problem: Problem) -> dict[str, Any]:
    """One rule-file problem as JSON: where it is and what is wrong."""
    return {"file": problem.file, "line": problem.line, "col": problem.col, "message": problem.message}


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
    fmt: Annotated[Format, typer.Option(
        "--format", "-f", help="table (each failure with its trace), json (one document) or csv (a row per case).")]
    = Format.table,
) -> None:
    """Run the fixture cases against the rules; print each failure with its trace (exit 1 if any fails).

    JSON: one object {"total", "passed", "failed", "cases": [...], "problems": [...]}, each case
    {"file", "line", "name", "passed", "outcome", "expected", "failures"}; CSV: one row per case
    (docs/json.md). Case files that do not load are problems (file:line:col) and fail the run.

    Example: commops rules test rules/cases/startups.yaml
    """
    from commops.rules import run_cases

    app = state(ctx)
    rule_paths = _paths(app, rules)
    _, compiled = _compile(app, rule_paths)
    case_paths = list(paths) if paths else [p / "cases" for p in rule_paths if p.is_dir()]
    results, problems = run_cases(compiled, case_paths)
    failed = [r for r in results if not r.passed]
    _print_cases(app, fmt, results, problems, failed)
    app.info(f"{len(results)} cases, {len(results) - len(failed)} passed, {len(failed)} failed")
    _cases_found(results, problems, failed)


def _print_cases(app: AppState, fmt: Format, results: Sequence[CaseResult], problems: Sequence[Problem],
                 failed: Sequence[CaseResult]) -> None:
    cases = [_case_record(r) for r in results]
    if fmt is Format.json:
        render(fmt, [], console=app.out, document={
            "total": len(results), "passed": len(results) - len(failed), "failed": len(failed),
            "cases": cases, "problems": [problem_record(p) for p in problems]})
    elif fmt is Format.csv:
        render(fmt, cases, console=app.out)
        for problem in problems:
            app.err.print(str(problem), highlight=False, soft_wrap=True, markup=False)
    else:
        _show_failures(app, problems, failed)


def _cases_found(results: Sequence[CaseResult], problems: Sequence[Problem], failed: Sequence[CaseResult]) -> None:
    """Exit 1 through ProblemsFound when a case failed, a case file did not load, or there were no cases."""
    if not results and not problems:
        raise ProblemsFound("no cases found", hint="name case files or directories, or add <rules>/cases/*.yaml")
    found = [f"{len(failed)} of {len(results)} cases failed"] if failed else []
    if problems:
        found.append(f"{len(problems)} problem{'s' if len(problems) != 1 else ''} in the case files")
    if found:
        raise ProblemsFound("; ".join(found))


def _case_record(result: CaseResult) -> dict[str, Any]:
    decision = result.decision
    return {
        "file": result.file,
        "line": result.line,
        "name": result.name,
        "passed": result.passed,
        "outcome": decision.outcome.value if decision is not None else None,
        "expected": result.expect.outcome.value if result.expect is not None else None,
        "failures": list(result.failures),
    }


def _show_failures(app: AppState, problems: Sequence[Problem], failed: Sequence[CaseResult]) -> None:
    for problem in problems:
        app.out.print(str(problem), highlight=False, soft_wrap=True, markup=False)
    for result in failed:
        app.out.print(Text(f"FAIL {result.file}:{result.line}: {result.name}", style="bold red"), soft_wrap=True)
        for failure in result.failures:
            app.out.print(f"  {failure}", highlight=False, markup=False)
        if result.decision is not None:
            app.out.print(render_trace(result.decision))


@rules_app.command("explain")
def explain_command(
    ctx: typer.Context,
    ticket: Annotated[int, typer.Argument(help="Ticket id.")],
    offline: Annotated[bool, typer.Option("--offline", help="Skip namespace lookups (they count as unknown).")]
    = False,
    fmt: Annotated[Format, typer.Option(
        "--format", "-f", help="table (the decision as a tree), json (one document) or csv (a row per condition).")]
    = Format.table,
    as_json: Annotated[bool, typer.Option("--json", hidden=True, help="Deprecated: --format json.")] = False,
) -> None:
    """The decision the rules reach for one ticket now, with how every rule and condition evaluated.

    JSON: the decision {"ticket_id", "program", "outcome", "reasons", "other_reasons", "ruleset_version",
    "trace", "readings"}; CSV: one row per rule and condition of the trace (docs/json.md).

    Example: commops rules explain 1042
    """
    from commops.bootstrap import open_triage
    from commops.services.explain import explain_ticket

    app = state(ctx)
    if as_json:
        app.info("--json is deprecated: use --format json")
        fmt = Format.json
    # The same ports as triage: with no account configured, the embedded sandbox answers for Zendesk and
    # for the forges (its forge emulation, uncached); with an account, the configured forges.
    with open_triage(app.settings, notice=app.info, offline=offline) as ports:
        decision = explain_ticket(ports, ticket)
    if fmt is Format.json:
        typer.echo(decision.model_dump_json(indent=2))
    elif fmt is Format.csv:
        render(fmt, trace_rows(decision), console=app.out)
    else:
        app.out.print(render_trace(decision))


def trace_rows(decision: Decision) -> list[dict[str, Any]]:
    """The trace flattened: one row per rule, then one per condition under it (``depth`` 1 and deeper)."""
    rows: list[dict[str, Any]] = []

    def add(rule: str, depth: int, cond: ConditionTrace) -> None:
        rows.append({"ticket_id": decision.ticket_id, "rule": rule, "depth": depth, "op": cond.op,
                     "field": cond.field, "expected": cond.expected, "observed": cond.observed, "raw": cond.raw,
                     "reading": cond.reading, "result": cond.result.value, "outcome": None, "fired": None,
                     "note": cond.note})
        for child in cond.children:
            add(rule, depth + 1, child)

    for rule in decision.trace:
        rows.append({"ticket_id": decision.ticket_id, "rule": rule.rule, "depth": 0, "op": None, "field": None,
                     "expected": None, "observed": None, "raw": None, "reading": None,
                     "result": rule.result.value, "outcome": rule.outcome.value, "fired": rule.fired,
                     "note": rule.source})
        if rule.condition is not None:
            add(rule.rule, 1, rule.condition)
    return rows
