"""`commops doctor`: does the account answer, do the credentials work, does everything the config names exist."""

from __future__ import annotations

import json
from collections.abc import Iterable
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer
from rich.text import Text

from commops.cli.context import AppState, state

if TYPE_CHECKING:
    from commops.cli.console import SafeConsole
    from commops.config import Settings
    from commops.zendesk import Check, ZendeskGateway

__all__ = ["dataset_check", "register", "rule_macro_titles"]


class DoctorFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


def auth_summary(gateway: ZendeskGateway) -> dict[str, object]:
    """``{"mode", "scopes", "expires_in_s"}``; scopes and expiry None when unknown (or refused)."""
    from commops.errors import ZendeskError

    try:
        return gateway.auth_status()
    except ZendeskError:
        return {"mode": gateway.auth.mode, "scopes": None, "expires_in_s": None}


def register(app: typer.Typer) -> None:
    app.command("doctor")(doctor)


def rule_macro_titles(settings: Settings) -> list[str]:
    """Macro titles the rule files name (they must exist in the account). Raises RuleError if they do not load."""
    from commops.bootstrap import load_rules

    return sorted(load_rules(settings).macro_titles())


def dataset_check() -> Check:
    """The offline data sets the rules consult load, and which versions they are."""
    from commops.verify.datasets import OfflineDatasets
    from commops.zendesk import Check

    datasets = OfflineDatasets()
    try:
        working = datasets.is_academic_domain("mit.edu") and datasets.spdx("MIT").osi_approved is True
        versions = ", ".join(f"{name} {version}" for name, version in sorted(datasets.versions().items()))
    except Exception as exc:  # a broken install: say so instead of failing the whole report
        return Check("data sets", False, f"{type(exc).__name__}: {exc}", "reinstall commops")
    if not working:
        return Check("data sets", False, versions, "reinstall commops: the data sets answer wrongly")
    return Check("data sets", True, versions)


def doctor(
    ctx: typer.Context,
    macro: Annotated[
        list[str] | None, typer.Option("--macro", "-m", help="Also check that this macro title exists (repeatable).")
    ] = None,
    fmt: Annotated[
        DoctorFormat, typer.Option("--format", "-f", help="table (terminal), json (account, auth, checks, "
                                                          "problems) or csv (one row per check).")
    ] = DoctorFormat.table,
) -> None:
    """Check the Zendesk account against the config: answers, who am I, how we authenticate, forms,
    fields, macros.

    Prints one ✓/✗ line per check with how to fix it (``--format json``: one object with ``checks``
    and ``auth`` — mode, scopes, expires_in_s; ``--format csv``: name, ok, detail, fix per check,
    docs/json.md); exits 1 if anything is missing.

    Example: commops doctor --macro "EDU::Qualified - welcome"
    """
    from commops.bootstrap import open_gateway
    from commops.zendesk import check_account

    app = state(ctx)
    settings = app.settings
    from_rules, rules_check = _rules_check(settings)
    provisioned = any(p.benefit.provisioner != "none" for p in settings.programs.values())
    reminders = [settings.renewals.macro] if provisioned else []
    titles: Iterable[str] = [*from_rules, *(macro or []), *reminders]
    with open_gateway(settings, notice=app.info) as gateway:
        checks = [*check_account(gateway, settings, titles), rules_check, dataset_check()]
        account = gateway.base_url
        auth = auth_summary(gateway)
    warnings = _benefit_warnings(settings) if provisioned else []
    _print_checks(app, fmt, account, auth, checks, warnings)
    _found(sum(1 for c in checks if not c.ok))
    if fmt is DoctorFormat.table:
        app.out.print("everything commops needs is there", highlight=False)


def _rules_check(settings: Settings) -> tuple[list[str], Check]:
    """The macro titles the rules name, and whether the rule files load."""
    from commops.errors import RuleError
    from commops.zendesk import Check

    try:
        from_rules = rule_macro_titles(settings)
    except RuleError as exc:
        return [], Check("rules", False, str(exc), "run `commops rules lint` and fix the files")
    return from_rules, Check("rules", True, f"{settings.rules_path} loads, naming {len(from_rules)} macros")


def _benefit_warnings(settings: Settings) -> list[str]:
    from commops.bootstrap import open_benefits
    from commops.services.benefits import pool_warnings

    with open_benefits(settings, notice=lambda _m: None) as ports:
        return pool_warnings(ports)


def _print_checks(app: AppState, fmt: DoctorFormat, account: str, auth: dict[str, object], checks: list[Check],
                  warnings: list[str]) -> None:
    """The checks as asked: csv (a row per check), json (one object), or a ✓/✗ line each for a person."""
    rows = [{"name": c.name, "ok": c.ok, "detail": c.detail, "fix": c.fix} for c in checks]
    if fmt is DoctorFormat.csv:
        from commops.cli.render import render

        render("csv", rows, console=app.out)
    elif fmt is DoctorFormat.json:
        print(json.dumps({"account": account, "auth": auth, "checks": rows,
                          "problems": [r for r in rows if not r["ok"]], "warnings": warnings}, sort_keys=True))
    else:
        _print_table(app.out, account, checks, warnings)


def _print_table(out: SafeConsole, account: str, checks: list[Check], warnings: list[str]) -> None:
    out.print(f"account: {account}", highlight=False, markup=False)
    for warning in warnings:
        out.print(f"! benefits: {warning}", highlight=False, markup=False, soft_wrap=True)
    for check in checks:
        mark = ("✓", "green") if check.ok else ("✗", "red")
        line = Text.assemble(mark, f" {check.name}: {check.detail}" if check.detail else f" {check.name}")
        out.print(line, highlight=False, soft_wrap=True)
        if not check.ok and check.fix:
            out.print(f"    fix: {check.fix}", highlight=False, soft_wrap=True)


def _found(failed: int) -> None:
    """Missing pieces exit 1 through the shared error path, as `rules lint` and `rules test` do."""
    from commops.errors import ProblemsFound

    if failed:
        raise ProblemsFound(f"{failed} problem{'s' if failed != 1 else ''} found",
                            hint="each ✗ line says how to fix it")
