"""The ``commops`` command: global options, lazily loaded command groups, and the one place errors become
exit codes.

Start-up matters (cron, completion, ``--help``): a command's module is imported only when that command
runs or its own help is asked for. ``COMMANDS`` names each command's module and the one-line summary
``commops --help`` lists, so listing them imports nothing (a test checks the summaries match the commands).
"""

from __future__ import annotations

import contextlib
import copy
import errno
import importlib
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
from typer import _click as click  # typer >= 0.29 vendors click; commands never import it
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

from commops.cli.context import AppState, disable_debug_logging, state
from commops.errors import EXIT_BROKEN_PIPE, EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_USAGE, CommopsError

__all__ = ["COMMANDS", "GLOBAL_OPTIONS", "CommandEntry", "LazyGroup", "app", "main"]


@dataclass(frozen=True)
class CommandEntry:
    """A top-level command: its name, the module whose ``register(app)`` adds it, its one-line summary."""

    name: str
    module: str
    summary: str


COMMANDS: tuple[CommandEntry, ...] = (
    CommandEntry("init", "commops.cli.init", "Write a commented starter config: the reference account's, or with "
                 "--from-account one mapped from the configured account."),
    CommandEntry("doctor", "commops.cli.doctor",
                 "Check the Zendesk account against the config: answers, who am I, how we authenticate, forms, "
                 "fields, macros."),
    CommandEntry("queue", "commops.cli.queue",
                 "The inbound applications, soonest deadline first: program, status, age, SLA, last decision."),
    CommandEntry("triage", "commops.cli.triage", "Pull, verify, evaluate and propose."),
    CommandEntry("apply", "commops.cli.apply",
                 "Apply a reviewed plan; tickets changed since the plan was made are refused (conflict)."),
    CommandEntry("history", "commops.cli.history",
                 "What commops proposed and applied: when, by which run and mode, with which rules."),
    CommandEntry("stats", "commops.cli.stats",
                 "Manager statistics: queue size and age, at risk and breached, time to decision, who decides."),
    CommandEntry("rules", "commops.cli.rules", "Check, test and explain the YAML eligibility rules."),
    CommandEntry("shadow", "commops.cli.shadow",
                 "Shadow mode: propose without writing, compare with what specialists did."),
    CommandEntry("benefits", "commops.cli.benefits", "Benefit code pools: import codes, see what is left."),
    CommandEntry("members", "commops.cli.members", "The membership ledger: who holds which benefit until when."),
    CommandEntry("renewals", "commops.cli.renewals",
                 "Members whose term ends within the renewal window; with --notify, send each one reminder."),
    CommandEntry("auth", "commops.cli.auth", "OAuth sign-in for this machine: login, status, logout."),
    CommandEntry("journal", "commops.cli.journal", "Look after the journal: check it, prune old proposals."),
    CommandEntry("sandbox", "commops.cli.sandbox",
                 "The embedded Zendesk sandbox: serve it, reset, seed, load, reply, status."),
    CommandEntry("version", "commops.cli.version",
                 "Versions of commops, Python, zenpy, the rules and the offline data sets."),
    CommandEntry("help", "commops.cli.help", "Help on a command or a topic (exit-codes)."),
)

# Options of the root that every command also accepts after its name (``commops triage --debug``).
GLOBAL_OPTIONS = ("config", "debug", "quiet", "verbose")

_DATE_METAVARS = {"%Y-%m-%d": "YYYY-MM-DD"}
_COUNT_METAVARS = {"limit": "N", "max_writes": "N", "applications": "N"}


class _PlainArgument(TyperArgument):
    """An argument listed by its name alone (``PATHS...``), not with a Python type (``<list[Path]>``)."""

    def display_type_rich(self, ctx: click.Context) -> str | None:
        return None


class LazyGroup(TyperGroup):
    """The root group: commands come from ``COMMANDS`` and are imported on first use."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self._entries = {entry.name: entry for entry in COMMANDS}
        self._loaded: dict[str, typer.core.TyperCommand | TyperGroup] = {}

    def list_commands(self, ctx: typer.Context) -> list[str]:  # type: ignore[override]
        return list(self._entries)

    def get_command(self, ctx: typer.Context, cmd_name: str) -> Any:  # type: ignore[override]
        if cmd_name not in self._entries:
            return None
        if cmd_name not in self._loaded:
            self._loaded[cmd_name] = _load(self._entries[cmd_name], self)
        return self._loaded[cmd_name]

    def format_commands(self, ctx: typer.Context, formatter: Any) -> None:  # type: ignore[override]
        """The command list from the summaries alone: ``commops --help`` imports no command."""
        limit = formatter.width - 6 - max(len(name) for name in self._entries)
        rows = [(entry.name, _short(entry.summary, limit)) for entry in COMMANDS]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def resolve_command(self, ctx: typer.Context, args: list[str]) -> Any:  # type: ignore[override]
        try:
            return super().resolve_command(ctx, args)
        except click.exceptions.UsageError as error:
            from difflib import get_close_matches

            matches = get_close_matches(args[0], list(self._entries)) if args else []
            if matches and "Did you mean" not in error.message:
                error.message = f"{error.message.rstrip('.')}. Did you mean {', '.join(map(repr, matches))}?"
            raise


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(limit - 3, 1)].rsplit(" ", 1)[0] + "..."


def _load(entry: CommandEntry, root: LazyGroup) -> Any:
    """Import ``entry``'s module, let it register on a scratch Typer, and tidy the click command it made."""
    module = importlib.import_module(entry.module)
    scratch = typer.Typer(rich_markup_mode=None)
    scratch.callback()(lambda: None)  # a callback keeps the scratch app a group, even with one command
    module.register(scratch)
    group = typer.main.get_command(scratch)
    command = group.get_command(typer.Context(group), entry.name)  # type: ignore[attr-defined]
    if command is None:
        raise LookupError(f"{entry.module}.register() added no command {entry.name!r}")
    _tidy(command, [p for p in root.params if p.name in GLOBAL_OPTIONS])
    return command


def _tidy(command: Any, global_params: list[Any]) -> None:
    """Plain help (no rich markup to eat ``[programs]``), metavars only where a value is taken, and the
    global options accepted after every command's name."""
    command.rich_markup_mode = None
    if command.help:
        command.help = _keep_examples(command.help)
    for param in command.params:
        if isinstance(param, TyperOption) and not param.is_flag and param.metavar is None:
            param.metavar = _metavar(param)
        elif isinstance(param, TyperArgument):
            if param.metavar is None:
                param.metavar = (param.name or "value").upper()
            param.__class__ = _PlainArgument
    for sub in (getattr(command, "commands", None) or {}).values():
        _tidy(sub, global_params)
    if isinstance(command, TyperCommand | TyperGroup):
        taken = {opt for p in command.params for opt in (*p.opts, *p.secondary_opts)}
        for param in global_params:
            command.params.append(_inherited(param, taken))


def _keep_examples(text: str) -> str:
    """Mark example paragraphs (and indented ones) so the help formatter keeps their lines as written."""
    paragraphs = text.split("\n\n")
    for i, paragraph in enumerate(paragraphs):
        lines = paragraph.splitlines()
        if not paragraph.startswith("\b") and lines and (
            lines[0].startswith("Example") or any(line.startswith(" ") for line in lines[1:])
        ):
            paragraphs[i] = "\b\n" + paragraph
    return "\n\n".join(paragraphs)


def _metavar(param: TyperOption) -> str:
    descriptor = param.type_descriptor
    if descriptor.is_choice and descriptor.choices:
        return "|".join(str(getattr(c, "value", c)) for c in descriptor.choices)
    if descriptor.is_datetime:
        formats = descriptor.parameter_info.formats or []
        return "|".join(_DATE_METAVARS.get(f, f) for f in formats) or "DATETIME"
    if descriptor.is_path:
        return "PATH"
    return _COUNT_METAVARS.get(param.name or "", (param.name or "value").upper())


def _inherited(param: TyperOption, taken: set[str]) -> TyperOption:
    """A hidden copy of a root option for a command; its value goes to the shared AppState."""
    twin = copy.copy(param)
    twin.opts = [o for o in param.opts if o not in taken]
    twin.secondary_opts = [o for o in param.secondary_opts if o not in taken]
    twin.hidden = True
    twin.expose_value = False
    twin.envvar = None  # the root already read it
    twin.callback = _set_global(param.name or "")
    return twin


def _set_global(name: str) -> Callable[[click.Context, Any, Any], Any]:
    def callback(ctx: click.Context, _param: Any, value: Any) -> Any:
        if value not in (None, False):
            state(ctx).set_option(name, value)  # type: ignore[arg-type]  # typer.Context is click's
        return value

    return callback


def _show_version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        typer.echo(f"commops {version('commops')}")
        raise typer.Exit()


app = typer.Typer(
    name="commops",
    cls=LazyGroup,
    help="Triage community-program applications on Zendesk with YAML eligibility rules.\n\n"
    "Global options (--config, --debug, --quiet, --verbose) go before or after the command.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=True,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback()
def _root(
    ctx: typer.Context,
    config: Annotated[
        Path | None,
        typer.Option("--config", "-c", metavar="FILE", envvar="COMMOPS_CONFIG", help=(
                     "Config file (default: config.toml in the user config directory, see docs/configuration.md).")),
    ] = None,
    debug: Annotated[
        bool, typer.Option("--debug", help="Log every HTTP request and long wait to stderr; tracebacks on errors.")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only results and errors.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="More detail on stderr.")] = False,
    _version: Annotated[
        bool, typer.Option("--version", callback=_show_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    ctx.obj = AppState(config=config, quiet=quiet, verbose=verbose)
    if debug:
        ctx.obj.set_option("debug", True)


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the app; every way it can end becomes one documented exit code."""
    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args
    command = typer.main.get_command(app)
    try:
        code = _run(command, args, debug)
        sys.stdout.flush()
    except BrokenPipeError:
        _quiet_pipe()
        code = EXIT_BROKEN_PIPE
    except SystemExit as exc:  # click turns EPIPE into exit 1 even outside standalone mode
        if not isinstance(sys.stdout, click.utils.PacifyFlushWrapper):
            raise
        sys.stdout = sys.__stdout__ if sys.__stdout__ is not None else sys.stdout
        _quiet_pipe()
        code = EXIT_BROKEN_PIPE if exc.code == 1 else int(exc.code or 0)
    finally:
        disable_debug_logging()
    sys.exit(code)


def _run(command: Any, args: list[str], debug: bool) -> int:
    try:
        result = command.main(args=args, prog_name="commops", standalone_mode=False)
        return result if isinstance(result, int) else 0
    except CommopsError as exc:
        if debug:
            _traceback(exc)
        _error(f"error: {exc}")
        return exc.exit_code
    except typer.Abort as exc:
        return _aborted(exc)
    except click.exceptions.ClickException as exc:
        exc.show()
        return int(exc.exit_code)
    except typer.Exit as exc:
        return int(exc.exit_code)
    except KeyboardInterrupt:
        _error("interrupted")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        raise
    except Exception as exc:  # the last line of defence: a sentence, not a traceback
        if isinstance(exc, OSError) and exc.errno == errno.EPIPE:
            raise BrokenPipeError(*exc.args) from exc
        return _internal(exc, debug)


def _aborted(exc: typer.Abort) -> int:
    cause = exc.__cause__ or exc.__context__  # click raises Abort "from None" inside its prompts
    if isinstance(cause, EOFError):  # a prompt met a closed stdin
        _error("error: an answer was needed but stdin is closed; pass --yes to confirm without asking")
        return EXIT_USAGE
    _error("interrupted" if isinstance(cause, KeyboardInterrupt) else "aborted")
    return EXIT_INTERRUPTED


def _internal(exc: BaseException, debug: bool) -> int:
    if debug:
        _traceback(exc)
        _error(f"internal error: {type(exc).__name__}: {exc}")
    else:
        _error(f"internal error: {type(exc).__name__}: {exc} (run with --debug for the traceback)")
    return EXIT_INTERNAL


def _traceback(exc: BaseException) -> None:
    """``--debug``: the traceback, with secrets masked (a token in a chained pydantic error included)."""
    import traceback

    from commops.redact import redact
    from commops.safe_text import clean

    with contextlib.suppress(BrokenPipeError):
        sys.stderr.write(redact(clean("".join(traceback.format_exception(exc)))))


def _error(message: str) -> None:
    """One line on stderr, red, with control characters replaced and secrets masked (an error quotes data)."""
    from commops.redact import redact
    from commops.safe_text import clean

    with contextlib.suppress(BrokenPipeError):  # stderr closed as well: nothing left to tell
        typer.secho(redact(clean(message)), err=True, fg=typer.colors.RED)


def _quiet_pipe() -> None:
    """The reader went away (``| head``): stop without a traceback, and keep Python's exit-time flush of
    stdout from failing again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout is not a real file (a test runner's buffer)
        pass
