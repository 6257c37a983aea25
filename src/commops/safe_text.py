"""Text from Zendesk made safe to show: one sanitizer for every terminal renderer and every export.

Applicant data reaches terminals (tables, traces, errors) and spreadsheets (CSV exports). A terminal
obeys escape sequences (window titles, screen clears, hyperlinks) and a spreadsheet evaluates a cell
that starts like a formula, so each value passes through here on its way out:

- :func:`clean` replaces C0 and C1 control characters (all but newline and tab), DEL, lone surrogates
  and the bidirectional overrides that reorder what a reader sees with U+FFFD;
- :func:`csv_cell` also neutralises a cell that a spreadsheet would read as a formula (OWASP's CSV
  injection advice: a leading ``=``, ``+``, ``-``, ``@``, tab or carriage return gets a ``'`` prefix).

Pure (no I/O): the reports and the CLI both use it.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["REPLACEMENT", "clean", "clean_surrogates", "csv_cell", "csv_row", "has_unsafe", "json_safe"]

REPLACEMENT = "\ufffd"

# C0 without \t (09) and \n (0a); DEL and C1; lone surrogates; bidi embeddings, overrides and isolates.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def clean(text: str) -> str:
    """``text`` with every character a terminal could act on replaced by U+FFFD."""
    return _UNSAFE.sub(REPLACEMENT, text) if _UNSAFE.search(text) else text


def json_safe(text: str) -> str:
    """JSON text with every unsafe character written as its ``\\uXXXX`` escape: the data is kept exactly
    (JSON's structure is ASCII, so such characters can only be inside strings) and a terminal showing the
    document acts on none of them."""
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


_SURROGATE = re.compile("[\ud800-\udfff]")


def clean_surrogates(text: str) -> str:
    """``text`` with lone surrogates (unencodable halves of UTF-16 pairs) replaced by U+FFFD, nothing else."""
    return _SURROGATE.sub(REPLACEMENT, text) if _SURROGATE.search(text) else text


def has_unsafe(text: str) -> bool:
    """Whether :func:`clean` would change ``text`` (tests assert output never does)."""
    return _UNSAFE.search(text) is not None


def csv_cell(value: Any) -> Any:
    """One spreadsheet cell: text cleaned and, if it would start a formula, prefixed with ``'``.

    Numbers stay numbers (a negative count is data, not a formula); everything else is text.
    """
    if value is None or isinstance(value, bool | int | float):
        return value
    text = str(value)
    if text.startswith(_FORMULA_START):
        text = "'" + text
    return clean(text)


def csv_row(row: dict[str, Any]) -> dict[str, Any]:
    """Every cell of a CSV row through :func:`csv_cell`."""
    return {key: csv_cell(value) for key, value in row.items()}
