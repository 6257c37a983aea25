"""What every command shares: global options, settings (loaded once), consoles."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

import typer
from rich.console import Console

from commops.config import Settings, load_settings

__all__ = ["AppState", "state"]


@dataclass
class AppState:
    config: Path | None = None
    debug: bool = False
    quiet: bool = False
    verbose: bool = False
    _settings: Settings | None = field(default=None, repr=False)
    out: Console = field(default_factory=lambda: Console(no_color="NO_COLOR" in os.environ))
    err: Console = field(default_factory=lambda: Console(stderr=True, no_color="NO_COLOR" in os.environ))

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
