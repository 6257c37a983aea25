"""What every command shares: global options, settings (loaded once), consoles.

Everything here is built on first use: ``commops --help`` must not pay for rich or the settings model.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from commops.cli.console import SafeConsole
    from commops.config import Settings

__all__ = ["AppState", "disable_debug_logging", "enable_debug_logging", "state"]

_LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class _SafeFormatter(logging.Formatter):
    """Log lines pass the same nets as every other message: no secret, no control character."""

    def format(self, record: logging.LogRecord) -> str:
        from commops.redact import redact
        from commops.safe_text import clean

        return redact(clean(super().format(record)))


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is when a record arrives (a test runner swaps it per command)."""

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(_SafeFormatter(_LOG_FORMAT))

    @property  # type: ignore[override]
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


def enable_debug_logging() -> None:
    """commops' own loggers (``commops.*``) at DEBUG on stderr; libraries stay quiet (their debug output
    can carry request bodies, which hold applicants' personal data)."""
    logger = logging.getLogger("commops")
    if not any(isinstance(h, _StderrHandler) for h in logger.handlers):
        logger.addHandler(_StderrHandler())
    logger.setLevel(logging.DEBUG)


def disable_debug_logging() -> None:
    """Back to quiet when a command ends (commands run in-process one after another in tests)."""
    logger = logging.getLogger("commops")
    for handler in [h for h in logger.handlers if isinstance(h, _StderrHandler)]:
        logger.removeHandler(handler)
    logger.setLevel(logging.NOTSET)


@dataclass
class AppState:
    config: Path | None = None
    debug: bool = False
    quiet: bool = False
    verbose: bool = False
    _settings: Settings | None = field(default=None, repr=False)

    def set_option(self, name: str, value: Any) -> None:
        """A global option given before or after the command's name."""
        if name == "debug":
            self.debug = bool(value)
            if self.debug:
                enable_debug_logging()
        elif name == "config":
            self.config = Path(value)
            self._settings = None
        elif name in ("quiet", "verbose"):
            setattr(self, name, bool(value))
        else:
            raise KeyError(name)

    @cached_property
    def out(self) -> SafeConsole:
        from commops.cli.console import SafeConsole

        return SafeConsole()

    @cached_property
    def err(self) -> SafeConsole:
        from commops.cli.console import SafeConsole

        return SafeConsole(stderr=True)

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            from commops.config import load_settings

            self._settings = load_settings(self.config, notice=self.info)
        return self._settings

    @property
    def interactive_terminal(self) -> bool:
        return sys.stdout.isatty()

    @property
    def stdin_terminal(self) -> bool:
        """Whether answers come from a person at a terminal (not a pipe or a script)."""
        return sys.stdin.isatty()

    def info(self, message: str) -> None:
        """A line on stderr unless --quiet."""
        if not self.quiet:
            self.err.print(message, highlight=False, soft_wrap=True, markup=False)


def state(ctx: typer.Context) -> AppState:
    root = ctx.find_root()
    if not isinstance(root.obj, AppState):
        root.obj = AppState()
    return root.obj
