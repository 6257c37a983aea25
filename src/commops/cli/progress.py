"""Progress bars on a terminal (stderr), nothing otherwise."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from commops.cli.context import AppState

__all__ = ["progress_bar"]


@contextmanager
def progress_bar(app: AppState, description: str, total: int | None = None) -> Iterator[Callable[[int], None]]:
    if app.quiet or not app.err.is_terminal:
        yield lambda _n: None
        return
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=app.err, transient=True) as progress:
        task = progress.add_task(description, total=total)
        yield lambda n: progress.advance(task, n)
