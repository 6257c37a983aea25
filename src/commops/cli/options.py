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
    "ProgramOpt",
    "SandboxOpt",
    "TicketOpt",
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


STATUSES = ("new", "open", "pending", "hold", "solved", "closed")


def check_choices(what: str, given: list[str] | None, known: Iterable[str]) -> None:
    """A filter value nothing can match is a mistake: say so instead of printing an empty queue."""
    allowed = list(known)
    wrong = [g for g in given or [] if g not in allowed]
    if wrong:
        raise UsageError(f"unknown {what} {', '.join(map(repr, wrong))}; one of: {', '.join(allowed)}")
