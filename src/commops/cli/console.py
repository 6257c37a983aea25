"""The consoles commands print through: text is text (no markup, no emoji codes), and nothing from the
data reaches the terminal as a control character.

Every string a renderer hands to rich, whether a table cell, a tree label or a ``Text``, ends up as a
segment in :meth:`Console._render_buffer`; the segments rich itself marks as control (cursor moves of
the progress bar) and the styles it renders are left alone, every other segment's text goes through
:func:`commops.safe_text.clean`, and what is printed goes through :func:`commops.redact.redact` (no
secret in any message). Styling is done with ``Text`` objects, never with markup in strings.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

from rich.console import Console
from rich.segment import Segment

from commops.redact import redact
from commops.safe_text import clean

__all__ = ["SafeConsole"]


class SafeConsole(Console):
    """A rich console that never interprets markup or emoji codes and never emits a control character
    that it did not generate itself."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("markup", False)
        kwargs.setdefault("emoji", False)
        kwargs.setdefault("highlight", False)
        kwargs.setdefault("no_color", "NO_COLOR" in os.environ)
        super().__init__(**kwargs)

    def _render_buffer(self, buffer: Iterable[Segment]) -> str:
        safe = (
            segment if segment.control else Segment(clean(segment.text), segment.style, segment.control)
            for segment in buffer
        )
        return redact(super()._render_buffer(safe))
