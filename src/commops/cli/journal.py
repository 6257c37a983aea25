"""`commops journal`: look after the journal (check it; prune what no run needs any more)."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

from commops.cli.context import AppState, state

if TYPE_CHECKING:
    from commops.domain.retention import PruneReport

__all__ = ["register"]

class PruneFormat(StrEnum):
    """What ``--format`` takes on the journal's commands (they print one object, so no CSV)."""

    table = "table"
    json = "json"


group = typer.Typer(help="Look after the journal: check it, prune old proposals.", no_args_is_help=True)


@group.command("check")
def check(
    ctx: typer.Context,
    fmt: Annotated[PruneFormat, typer.Option(
        "--format", "-f", help="table (one sentence) or json (one object).")] = PruneFormat.table,
    as_json: Annotated[bool, typer.Option("--json", hidden=True, help="Deprecated: --format json.")] = False,
) -> None:
    """Check the journal without changing it: SQLite's integrity check (or the PostgreSQL journal's schema
    version), its tables, what it holds.

    A damaged or empty journal is an error (exit 12) and is never replaced; writes still pending are
    counted (the next writing run settles them first). JSON: {"path", "bytes", "runs", "proposals",
    "attempts", "pending_writes", "oldest_run"} (docs/json.md).

    Example: commops journal check
    """
    app = state(ctx)
    if app.settings.journal.url:
        from commops.journal.postgres import check_postgres

        report = check_postgres(app.settings.journal.url)
    else:
        from commops.journal import check_journal

        report = check_journal(app.settings.state.journal)
    if as_json:
        app.info("--json is deprecated: use --format json")
    if as_json or fmt is PruneFormat.json:
        typer.echo(json.dumps(report, sort_keys=True))
        return
    app.out.print(
        f"journal {report['path']} is intact: {report['bytes']} bytes, {report['runs']} runs, "
        f"{report['proposals']} proposals, {report['attempts']} write attempts, "
        f"{report['pending_writes']} writes pending",
        soft_wrap=True,
    )


@group.command("prune")
def prune(
    ctx: typer.Context,
    older_than: Annotated[str | None, typer.Option(
        "--older-than", metavar="DURATION",
        help="Remove what is older than this: 36h, 90d, 12w, 1y [default: [journal] retention, 180d].")] = None,
    decisions: Annotated[bool, typer.Option(
        "--decisions", help="Also older applied decisions (each ticket's last one is always kept).")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only say what would be removed.")] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    fmt: Annotated[PruneFormat, typer.Option(
        "--format", "-f", help="table (sentences on stderr) or json (one object on stdout).")] = PruneFormat.table,
) -> None:
    """Remove proposals no run needs any more, older than the retention; shrink the file.

    Removed: proposals only shown (dry runs, cron re-finding manual tickets), superseded, conflicts and
    skipped ones, their write attempts, and runs left with nothing. Never removed: writes still pending,
    writes given up, and each ticket's last applied decision (what exactly-once and re-triage read).
    With --decisions, older applied decisions go too (statistics then start at the cut). Asks before
    removing anything (--yes does not ask; --dry-run only counts); holds the run lock while it prunes.
    JSON: {"before", "dry_run", "decisions", "proposals", "by_state", "attempts", "runs", "kept_pending",
    "kept_abandoned", "kept_decisions", "bytes_before", "bytes_after"} (docs/json.md).

    Example: commops journal prune --older-than 90d --dry-run
    """
    from datetime import UTC, datetime

    from commops.bootstrap import open_runtime
    from commops.domain.retention import parse_duration
    from commops.errors import UsageError

    app = state(ctx)
    text = older_than or app.settings.journal.retention
    try:
        before = datetime.now(UTC) - parse_duration(text)
    except ValueError as exc:
        raise UsageError(f"--older-than: {exc}") from None
    from commops.services.retention import prune_journal

    with open_runtime(app.settings, notice=app.info) as runtime:
        journal = runtime.journal
        lock = runtime.run_lock
        counted = prune_journal(journal, lock, before=before, decisions=decisions, dry_run=True)
        if dry_run or (not counted.proposals and not counted.runs):  # nothing to ask about
            _show(app, counted.model_copy(update={"dry_run": dry_run}), fmt)
            return
        _show(app, counted, PruneFormat.table)
        if not yes and not typer.confirm("Remove them?", default=False, err=True):
            app.info("nothing removed")
            return
        done = prune_journal(journal, lock, before=before, decisions=decisions, dry_run=False)
    _show(app, done, fmt)


def _show(app: AppState, report: PruneReport, fmt: PruneFormat) -> None:
    if fmt is PruneFormat.json:
        typer.echo(report.model_dump_json())
        return
    when = report.before.strftime("%Y-%m-%d %H:%M UTC")
    verb = "would remove" if report.dry_run else "removed"
    detail = ", ".join(f"{state} {n}" for state, n in report.by_state.items())
    app.info(f"{verb} {report.proposals} proposals" + (f" ({detail})" if detail else "")
             + f", {report.attempts} write attempts and {report.runs} runs from before {when}")
    app.info(f"kept although older: {report.kept_pending} pending writes, {report.kept_abandoned} given up, "
             f"{report.kept_decisions} applied decisions")
    if not report.dry_run and report.bytes_before is not None and report.bytes_after is not None:
        app.info(f"journal {report.bytes_before} -> {report.bytes_after} bytes")


@group.command("migrate")
def migrate(
    ctx: typer.Context,
    fmt: Annotated[PruneFormat, typer.Option(
        "--format", "-f", help="table (one sentence) or json (one object).")] = PruneFormat.table,
) -> None:
    """Create or upgrade the shared PostgreSQL journal's tables ([journal] url / $COMMOPS_JOURNAL_URL).

    Applies the schema migrations this commops ships that the database lacks, in one transaction (a failure
    changes nothing); running it again applies nothing. Run it once for a new database and after upgrading
    commops; runs refuse a journal whose schema is behind. The SQLite journal needs none: commops creates
    and upgrades it when it opens it.

    JSON: {"journal", "backend", "applied", "from_version", "version"} (the versions for PostgreSQL only).

    Example: COMMOPS_JOURNAL_URL=postgresql://commops@db.internal/commops commops journal migrate
    """
    app = state(ctx)
    url = app.settings.journal.url
    if not url:
        from commops.journal import SqliteJournal

        path = app.settings.state.journal
        with SqliteJournal.open(path):
            pass
        report: dict[str, object] = {"journal": str(path), "backend": "sqlite", "applied": []}
        message = f"the SQLite journal at {path} is up to date (commops keeps its tables current itself)"
    else:
        from commops.journal.postgres import display_url, migrations
        from commops.journal.postgres import migrate as apply_migrations

        before, applied = apply_migrations(url)
        latest = migrations()[-1].version
        names = [f"{m.version:04d}_{m.name}" for m in applied]
        report = {"journal": display_url(url), "backend": "postgresql", "from_version": before,
                  "version": latest, "applied": names}
        done = f"applied {', '.join(names)}" if names else "nothing to apply"
        message = f"the journal at {display_url(url)} is at schema version {latest} ({done})"
    if fmt is PruneFormat.json:
        typer.echo(json.dumps(report, sort_keys=True))
        return
    app.out.print(message, soft_wrap=True, markup=False, highlight=False)


def register(app: typer.Typer) -> None:
    """Add the ``journal`` group to the root app."""
    app.add_typer(group, name="journal")
