"""`commops benefits`: the programs' code pools (import, status)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from commops.cli.context import state
from commops.cli.options import Format, FormatOpt
from commops.cli.render import Column, render

if TYPE_CHECKING:
    from commops.cli.context import AppState
    from commops.domain.benefit import Provision
    from commops.services.benefits import BenefitPorts

__all__ = ["register", "warn_failed"]

benefits_app = typer.Typer(help="Benefit code pools: import codes, see what is left; list and retry what the "
                           "provisioning service refused.", no_args_is_help=True)

_FAILED_COLUMNS = [Column("ticket_id", "ticket", justify="right"), Column("program"), Column("provisioner"),
                   Column("attempts", justify="right"), Column("error", wrap=True)]


def register(app: typer.Typer) -> None:
    app.add_typer(benefits_app, name="benefits")


@benefits_app.command("import-codes")
def import_codes(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(metavar="FILE", help="CSV with a 'code' column (or one column).")],
    program: Annotated[str, typer.Option("--program", "-p", metavar="PROGRAM", help="The pool to add them to.")],
) -> None:
    """Add a program's codes from a CSV; blank and repeated lines are reported by line number.

    Example: commops benefits import-codes codes.csv --program education
    """
    from commops.benefits.csvfiles import read_codes
    from commops.bootstrap import open_benefits
    from commops.services.benefits import import_codes as add

    app = state(ctx)
    codes, bad = read_codes(file)
    with open_benefits(app.settings, notice=app.info) as ports:
        added, dupes = add(ports, program, codes)
    for row in bad:
        app.err.print(f"{file}:{row.line}: {row.reason}", highlight=False, markup=False, soft_wrap=True)
    app.out.print(f"{program}: {added} code(s) added, {dupes} already in the pool, {len(bad)} bad line(s)",
                  highlight=False, markup=False)


@benefits_app.command("configure")
def configure(
    ctx: typer.Context,
    program: Annotated[str, typer.Argument(metavar="PROGRAM", help="A configured program.")],
    provisioner: Annotated[str, typer.Option("--provisioner", metavar="KIND",
                                             help="coupon-pool, webhook or none.")],
    url: Annotated[str, typer.Option("--url", help="webhook: the provisioning endpoint.")] = "",
    placeholder: Annotated[str, typer.Option("--placeholder", metavar="NAME",
                                             help="The macro placeholder {{commops.NAME}} for the code.")] = "",
) -> None:
    """Set a program's [programs.PROGRAM.benefit] section in the config file (other settings kept).

    Example: commops benefits configure education --provisioner coupon-pool
    """
    from commops.config import load_settings
    from commops.errors import UsageError
    from commops.services.benefits import benefit_section
    from commops.text_config import replace_section

    app = state(ctx)
    if program not in app.settings.programs:
        raise UsageError(f"unknown program {program!r}; one of: {', '.join(app.settings.programs)}")
    path = app.config or app.settings.state.config
    section = benefit_section(program, provisioner, url=url, placeholder=placeholder)
    replace_section(path, f"programs.{program}.benefit", section)
    load_settings(path)  # a value the settings refuse is reported now, as a sentence
    app.out.print(f"{path}: [programs.{program}.benefit] provisioner = {provisioner!r}", highlight=False,
                  markup=False)


@benefits_app.command("status")
def status(ctx: typer.Context, fmt: FormatOpt = Format.table) -> None:
    """Codes left per coupon-pool program, with days of cover at the last 30 days' rate.

    Example: commops benefits status --format json
    """
    from commops.bootstrap import open_benefits
    from commops.services.benefits import pool_reports

    app = state(ctx)
    with open_benefits(app.settings, notice=app.info) as ports:
        rows = [r.as_dict() for r in pool_reports(ports)]
        warn_failed(app, ports)
    if not rows:
        app.info('no program hands out codes (provisioner = "coupon-pool")')
    render(fmt, rows, console=app.out, title="benefit code pools", columns=[
        Column("program"), Column("codes_left", "left", justify="right"),
        Column("reserved", justify="right"), Column("assigned", justify="right"),
        Column("days_of_cover", "days of cover", justify="right"),
        Column("low", style=lambda r: "red" if r["low"] else "")])


def warn_failed(app: AppState, ports: BenefitPorts) -> None:
    """One line on stderr (even with --quiet) when a qualified member holds no benefit: provisioning refused."""
    from commops.services.benefits import failed_provisions

    failed = failed_provisions(ports)
    if failed:
        tickets = " ".join(str(row.ticket_id) for row in failed[:5]) + (" …" if len(failed) > 5 else "")
        app.err.print(f"{len(failed)} qualified member(s) hold no benefit, provisioning failed for good "
                      f"(tickets {tickets}): see commops benefits failed; fix the cause, then "
                      "commops benefits retry TICKET", highlight=False, markup=False, soft_wrap=True)


@benefits_app.command("failed")
def failed(ctx: typer.Context, fmt: FormatOpt = Format.table) -> None:
    """Provisionings refused for good (a 4xx from the service, a program no longer configured).

    Example: commops benefits failed --format json
    """
    from commops.bootstrap import open_benefits
    from commops.services.benefits import failed_provisions

    app = state(ctx)
    with open_benefits(app.settings, notice=app.info) as ports:
        rows = [_row(p) for p in failed_provisions(ports)]
    if not rows:
        app.info("no failed provisioning")
    render(fmt, rows, console=app.out, title="failed provisioning", columns=_FAILED_COLUMNS)


@benefits_app.command("retry")
def retry(
    ctx: typer.Context,
    tickets: Annotated[list[int] | None, typer.Argument(metavar="[TICKET]...",
                                                        help="Tickets to retry (default: every failed one).")] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Provision the failed ones again, with the same Idempotency-Key (after fixing the cause).

    Exits 1 when some still fail. Example: commops benefits retry 4512
    """
    from commops.bootstrap import open_benefits
    from commops.services.benefits import retry_provisions

    app = state(ctx)
    with open_benefits(app.settings, notice=app.info) as ports:
        rows = [_row(p) for p in retry_provisions(ports, tickets or ())]
    if not rows:
        app.info("no failed provisioning" + (" for those tickets" if tickets else ""))
    render(fmt, rows, console=app.out, title="provisioning retried", columns=[Column("state"), *_FAILED_COLUMNS])
    if any(r["state"] != "done" for r in rows):
        raise typer.Exit(1)


def _row(provision: Provision) -> dict[str, object]:
    return {"ticket_id": provision.ticket_id, "program": provision.program, "provisioner": provision.provisioner,
            "state": provision.state, "attempts": provision.attempts, "subscription_id": provision.subscription_id,
            "error": provision.error}
