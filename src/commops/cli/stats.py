"""`commops stats`: queue health, service level, time to decision and automated share for a period."""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated

import typer

from commops.cli.console import SafeConsole
from commops.cli.context import AppState, state
from commops.errors import CommopsError, UsageError

if TYPE_CHECKING:
    from commops.config import Settings
    from commops.reports.model import AutomationPotential, StatsReport

__all__ = ["register"]


class Format(StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"
    HTML = "html"


def _day(value: datetime | None) -> date | None:
    return value.date() if value is not None else None


def stats(
    ctx: typer.Context,
    since: Annotated[
        datetime | None,
        typer.Option(formats=["%Y-%m-%d"], help="First creation day counted (default: 12 weeks before --until)."),
    ] = None,
    until: Annotated[
        datetime | None, typer.Option(formats=["%Y-%m-%d"], help="Last creation day counted, and the report date.")
    ] = None,
    program: Annotated[str | None, typer.Option(help="Only this program (a name from [programs]).")] = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="table, json, csv or html.")] = Format.TABLE,
    aggregate: Annotated[
        bool, typer.Option("--aggregate", help="CSV: the summary table, not one row per ticket.")
    ] = False,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write to this file (required for html).")] = None,
    redact: Annotated[bool, typer.Option("--redact", help="Leave requester names and emails out.")] = False,
) -> None:
    """Manager statistics: queue size and age, at risk and breached, time to decision, who decides.

    Example: commops stats --since 2026-01-05 --format html --out stats.html --redact
    """
    app = state(ctx)
    first, last = _period(app.settings, program, since, until)
    if fmt is Format.HTML and out is None:
        raise UsageError("--format html needs --out FILE", hint="e.g. --out stats.html")
    if fmt is Format.CSV and not aggregate:
        _ticket_csv(app, first, last, program, out, redact)
        return
    report = _report(app, first, last, program, redact)
    _warn_pools(app)
    audits = report.requests.get("audit_requests", 0)
    app.info(
        f"{report.overall.tickets} tickets, {report.requests.get('zendesk_requests', 0)} Zendesk requests "
        f"({audits} audit reads for decisions made in Zendesk)"
    )
    _write(app, report, fmt, out)
    if out is not None:
        app.info(f"report written to {out}")


def _period(settings: Settings, program: str | None, since: datetime | None, until: datetime | None
            ) -> tuple[date, date]:
    """The creation days counted, checked: a known program, since before until."""
    from commops.services.stats import default_period

    if program is not None and program not in settings.programs:
        known = ", ".join(sorted(settings.programs)) or "none configured"
        raise UsageError(f"unknown program {program!r}", hint=f"programs: {known}")
    first, last = default_period(_day(since), _day(until), datetime.now(UTC).date())
    if first > last:
        raise UsageError(f"--since {first} is after --until {last}")
    return first, last


def _ticket_csv(app: AppState, first: date, last: date, program: str | None, out: Path | None, redact: bool) -> None:
    """``--format csv`` without ``--aggregate``: one row per ticket, streamed."""
    from commops.bootstrap import open_stats
    from commops.reports import write_ticket_csv
    from commops.services.stats import collect, sla_policy

    with open_stats(app.settings, notice=app.info) as (gateway, journal):
        records = collect(gateway, journal, app.settings, since=first, until=last, program=program)
        if redact:
            records = (r.redacted() for r in records)
        with _output(out) as stream:
            rows = write_ticket_csv(records, sla_policy(app.settings), last, stream, redact=redact)
    app.info(f"{rows} tickets written" + (f" to {out}" if out else ""))


def _report(app: AppState, first: date, last: date, program: str | None, redact: bool) -> StatsReport:
    """The period's report, with members' satisfaction and shadow mode's automation potential."""
    from commops.bootstrap import open_stats
    from commops.services.satisfaction import start_satisfaction
    from commops.services.stats import build_report

    with open_stats(app.settings, notice=app.info) as (gateway, journal):
        satisfaction = start_satisfaction(gateway, first, notice=app.info)
        spent = sum(n for key, n in gateway.request_counts().items() if "satisfaction_ratings" in key)
        report = build_report(gateway, journal, app.settings, since=first, until=last, program=program,
                              redact=redact, observe=satisfaction.observe)
    requests = {**report.requests, "satisfaction_requests": spent,
                "zendesk_requests": report.requests.get("zendesk_requests", 0) + spent}
    return report.model_copy(update={"automation_potential": _potential(app.settings, first, last),
                                     "satisfaction": satisfaction.finish(), "requests": requests})


def _write(app: AppState, report: StatsReport, fmt: Format, out: Path | None) -> None:
    from commops.reports import render_html, render_json, render_table, write_summary_csv

    with _output(out) as stream:
        if fmt is Format.TABLE:
            # A pipe or a file has no width of its own: wide enough that no header or identifier is cut.
            console = app.out if out is None and app.out.is_terminal else SafeConsole(
                file=stream, width=_REPORT_WIDTH, color_system=None)
            render_table(report, console)
        elif fmt is Format.JSON:
            stream.write(render_json(report) + "\n")
        elif fmt is Format.CSV:
            write_summary_csv(report, stream)
        else:
            stream.write(render_html(report))


def _warn_pools(app: AppState) -> None:
    """Benefit code pools that run low, as warnings on stderr (docs/benefits.md)."""
    if not any(p.benefit.provisioner == "coupon-pool" for p in app.settings.programs.values()):
        return
    from commops.bootstrap import open_benefits
    from commops.services.benefits import pool_warnings

    with open_benefits(app.settings, notice=lambda _m: None) as ports:
        for warning in pool_warnings(ports):
            app.err.print(f"warning: {warning}", highlight=False, markup=False, soft_wrap=True)


def _potential(settings: Settings, first: date, last: date) -> AutomationPotential | None:
    """What shadow mode says the ``auto`` rules could have decided in the period (None without shadow data)."""
    from commops.bootstrap import load_rules, open_shadow_log
    from commops.services.shadow import automation_potential

    auto = {r.rule.id for r in load_rules(settings).rules if r.rule.auto}
    start = datetime.combine(first, time.min, tzinfo=UTC)
    end = datetime.combine(last + timedelta(days=1), time.min, tzinfo=UTC)
    with open_shadow_log(settings) as log:
        return automation_potential(log, auto, since=start, until=end)


_REPORT_WIDTH = 160  # columns of the text report when it is not on a terminal (--out, or piped)


class _output:
    """The file named by --out (written whole, UTF-8), else stdout."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._file: IO[str] | None = None

    def __enter__(self) -> IO[str]:
        if self.path is None:
            return sys.stdout
        try:
            self._file = self.path.open("w", encoding="utf-8", newline="")
        except OSError as exc:
            raise CommopsError(f"cannot write {self.path}: {exc.strerror or exc}") from exc
        return self._file

    def __exit__(self, *exc: object) -> None:
        if self._file is not None:
            self._file.close()


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.command("stats")(stats)
