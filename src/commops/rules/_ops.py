"""Leaf operators: each turns an observed value into True / False / None (unknown) without raising.

Every function here receives a value that is *present* (the engine handles missing values), may be of
any type (rules read raw Zendesk data), and answers None when the value cannot be judged.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit

__all__ = ["as_datetime", "cached", "email_or_domain", "host_of", "is_http_url", "length", "number", "word_pattern"]

_SPACE = re.compile(r"\s")


def number(value: Any) -> float | None:
    """A finite number from a number or numeric text; None otherwise (NaN and infinities are not amounts)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        n = float(value)
    elif isinstance(value, str):
        try:
            n = float(value.replace(",", "").strip())
        except ValueError:
            return None
    else:
        return None
    return n if math.isfinite(n) else None


def host_of(value: Any) -> str | None:
    """The host of a URL (scheme optional), lower-cased, without ``www.``, port or trailing dot."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if "://" not in text:
        text = "http://" + text
    try:
        host = urlsplit(text).hostname
    except ValueError:
        return None
    if not host:
        return None
    host = host.rstrip(".").lower()
    if host.startswith("www."):
        host = host[4:]
    return host or None


def email_or_domain(value: Any) -> str | None:
    """A domain from an email address or a bare domain, lower-cased."""
    if not isinstance(value, str):
        return None
    domain = value.rsplit("@", 1)[-1].strip().lower().rstrip(".")
    return domain or None


def is_http_url(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    text = value.strip()
    if _SPACE.search(text):
        return False
    try:
        parts = urlsplit(text)
        host = parts.hostname
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(host) and "." in (host or "")


_VOWELS = frozenset("aeiou")
_WORD_CHAR = re.compile(r"\w")


def _plural(word: str) -> str:
    """A regular expression for ``word`` (already one word, not escaped) and its English plural forms."""
    lower = word.lower()
    if lower.endswith(("s", "x", "z", "ch", "sh")):
        return re.escape(word) + "(?:es)?"  # church, churches
    if lower.endswith("y") and len(lower) > 1 and lower[-2] not in _VOWELS:
        return re.escape(word[:-1]) + "(?:y|ies)"  # library, libraries
    return re.escape(word) + "s?"  # bootcamp(s), centre(s)


def _word(phrase: str) -> str:
    """One list entry as a regular expression: words separated by spaces or hyphens, the last one in any of
    its plural forms, anchored at the start of a word and, unless it ends in punctuation, at the end of one."""
    parts = phrase.split()
    last = parts[-1]
    # "U.S." ends in its own boundary: it matches "U.S.A." and "U.S. Navy"
    tail = _plural(last) + r"(?!\w)" if _WORD_CHAR.match(last[-1]) else re.escape(last)
    body = r"[\s-]+".join([*(re.escape(part) for part in parts[:-1]), tail])
    head = r"(?<!\w)" if _WORD_CHAR.match(parts[0][0]) else ""
    return head + body


def word_pattern(words: list[str]) -> re.Pattern[str]:
    """Case-insensitive search for any of ``words`` (words or phrases) as words of the text.

    A match starts at the start of a word and ends at the end of one, allowing the regular English plural of
    the last word ("Library" finds "Community Libraries", "Church" finds "Churches", "Bootcamp" finds
    "Coding Bootcamps"); a prefix of a longer word is not a match ("Church" is not in "Churchill",
    "Library" not in "Librarianship", "Bootcamp" not in "Bootcampus"). An entry that ends in punctuation
    ends there ("U.S." finds "U.S.A." and "U.S. Naval"). Words of a phrase may be separated by any spaces
    or a hyphen ("Air Force" finds "air-force").
    """
    alternatives = sorted((_word(word) for word in words if word.strip()), key=len, reverse=True)
    if not alternatives:
        return re.compile(r"(?!)")
    return re.compile("|".join(alternatives), re.IGNORECASE)


def as_datetime(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    return None


def length(value: Any) -> int | None:
    try:
        return len(value)
    except TypeError:
        return None


def cached(fn: Callable[[str], Any], limit: int = 20000) -> Callable[[str], Any]:
    """A bounded memo for data-set lookups (domains and licences repeat a lot across a queue)."""
    memo: dict[str, Any] = {}

    def lookup(key: str) -> Any:
        try:
            return memo[key]
        except KeyError:
            pass
        result = fn(key)
        if len(memo) >= limit:
            memo.clear()
        memo[key] = result
        return result

    return lookup
