"""The ``commops`` command: global options, command groups, and the one place errors become exit codes."""

from __future__ import annotations

import sys
import traceback
from pathlib import Path
from typing import Annotated

import typer

from commops.cli.context import AppState
from commops.errors import CommopsError
from commops.redact import redact
from commops.safe_text import clean

__all__ = ["app", "main"]

app = typer.Typer(
    name="commops",
    help="Triage community-program applications on Zendesk with YAML eligibility rules.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def _root(
    ctx: typer.Context,
    config: Annotated[
        Path | None,
        typer.Option("--config", "-c", help="Config file (default: $COMMOPS_HOME/config.toml).",
                     envvar="COMMOPS_CONFIG"),
    ] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only results and errors.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="More detail on stderr.")] = False,
) -> None:
    ctx.obj = AppState(config=config, debug=debug, quiet=quiet, verbose=verbose)


def _register() -> None:
    from commops.cli import (
        apply,
        benefits,
        doctor,
        history,
        init,
        journal,
        members,
        queue,
        renewals,
        rules,
        sandbox,
        shadow,
        stats,
        triage,
    )

    for module in (sandbox, rules, doctor, init, queue, triage, apply, history, stats, shadow, journal, benefits,
                   members, renewals):
        module.register(app)


_register()


def _say(message: str) -> None:
    """One line on stderr, red, with control characters replaced and secrets masked."""
    typer.secho(redact(clean(message)), err=True, fg=typer.colors.RED)


def _traceback(exc: BaseException) -> None:
    """``--debug``: the traceback, with secrets masked (a token in a chained pydantic error included)."""
    text = "".join(traceback.format_exception(exc))
    sys.stderr.write(redact(clean(text)))


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the app; a CommopsError becomes its message and exit code (with ``--debug`` the
    traceback comes first, and the exit code is the same)."""
    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args
    try:
        app(args=args, prog_name="commops")
    except CommopsError as exc:
        if debug:
            _traceback(exc)
        _say(f"error: {exc}")
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        typer.secho("interrupted", err=True)
        sys.exit(130)
    except Exception as exc:  # the last line of defence: a sentence, not a traceback
        if debug:
            _traceback(exc)
            _say(f"internal error: {type(exc).__name__}: {exc}")
        else:
            _say(f"internal error: {type(exc).__name__}: {exc} (run with --debug for the traceback)")
        sys.exit(70)
