"""What the daily commands share: options, formats, filter checks and the exit code of a run with failed writes."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated

import typer

from commops.cli.render import Format
from commops.errors import EXIT_WRITE_ERRORS, UsageError

__all__ = [
    "EXIT_WRITE_ERRORS",
    "STATUSES",
    "ConfirmOverridesOpt",
    "Format",
    "FormatOpt",
    "MaxRunTimeOpt",
    "ProgramOpt",
    "SandboxOpt",
    "TicketOpt",
    "WaitOpt",
    "check_choices",
]

ProgramOpt = Annotated[
    list[str] | None, typer.Option("--program", "-p", metavar="PROGRAM", help="Only this program (repeatable).")
]
TicketOpt = Annotated[
    list[int] | None, typer.Option("--ticket", "-t", metavar="ID", help="Only this ticket id (repeatable).")
]
SandboxOpt = Annotated[
    bool,
    typer.Option("--sandbox", help="Use the embedded Zendesk sandbox, even where an account is configured."),
]
ConfirmOverridesOpt = Annotated[
    bool,
    typer.Option(
        "--confirm-overrides",
        help="Confirm up front overrides that set aside an escalate or reject rule (scripts; --yes does not).",
    ),
]
FormatOpt = Annotated[
    Format,
    typer.Option("--format", "-f", help="table (a table on a terminal, TSV when piped), json (JSON Lines) or csv."),
]

WaitOpt = Annotated[
    float | None,
    typer.Option("--wait", min=0, metavar="SECONDS",
                 help="When another run holds the lock or the account's lease, wait up to SECONDS for it "
                      "(default: [unattended] lock_timeout_s for cron, 120 for a specialist; 0: exit 13 at once)."),
]
MaxRunTimeOpt = Annotated[
    float | None,
    typer.Option("--max-run-time", min=0, metavar="SECONDS",
                 help="After SECONDS the run takes no new work, finishes what is in flight and exits 17 "
                      "(default: [unattended] max_run_time_s for cron, none for a specialist; 0: no limit)."),
]


STATUSES = ("new", "open", "pending", "hold", "solved", "closed")


def check_choices(what: str, given: list[str] | None, known: Iterable[str]) -> None:
    """A filter value nothing can match is a mistake: say so instead of printing an empty queue."""
    allowed = list(known)
    wrong = [g for g in given or [] if g not in allowed]
    if wrong:
        raise UsageError(f"unknown {what} {', '.join(map(repr, wrong))}; one of: {', '.join(allowed)}")
