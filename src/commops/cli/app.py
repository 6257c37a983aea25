"""The ``commops`` command: global options, command groups, and the one place errors become exit codes."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from commops.cli.context import AppState
from commops.errors import CommopsError
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
    from commops.cli import apply, doctor, history, init, queue, rules, sandbox, shadow, stats, triage

    for module in (sandbox, rules, doctor, init, queue, triage, apply, history, stats, shadow):
        module.register(app)


_register()


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the app; a CommopsError becomes its message and exit code."""
    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args
    try:
        app(args=args, prog_name="commops")
    except CommopsError as exc:
        if debug:
            raise
        typer.secho(clean(f"error: {exc}"), err=True, fg=typer.colors.RED)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        typer.secho("interrupted", err=True)
        sys.exit(130)
    except Exception as exc:  # the last line of defence: a sentence, not a traceback
        if debug:
            raise
        typer.secho(
            clean(f"internal error: {type(exc).__name__}: {exc} (run with --debug for the traceback)"),
            err=True,
            fg=typer.colors.RED,
        )
        sys.exit(70)
