"""What every command shares: global options, settings (loaded once), consoles."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

import typer

from commops.cli.console import SafeConsole
from commops.config import Settings, load_settings

__all__ = ["AppState", "state"]


@dataclass
class AppState:
    config: Path | None = None
    debug: bool = False
    quiet: bool = False
    verbose: bool = False
    _settings: Settings | None = field(default=None, repr=False)
    out: SafeConsole = field(default_factory=SafeConsole)
    err: SafeConsole = field(default_factory=lambda: SafeConsole(stderr=True))

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings(self.config)
        return self._settings

    @property
    def interactive_terminal(self) -> bool:
        return sys.stdout.isatty()

    def info(self, message: str) -> None:
        """A line on stderr unless --quiet."""
        if not self.quiet:
            self.err.print(message, highlight=False, soft_wrap=True, markup=False)


def state(ctx: typer.Context) -> AppState:
    root = ctx.find_root()
    if not isinstance(root.obj, AppState):
        root.obj = AppState()
    return root.obj
