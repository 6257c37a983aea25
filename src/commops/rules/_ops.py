"""Leaf operators: each turns an observed value into True / False / None (unknown) without raising.

Every function here receives a value that is *present* (the engine handles missing values), may be of
any type (rules read raw Zendesk data), and answers None when the value cannot be judged.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit

__all__ = ["as_datetime", "cached", "email_or_domain", "host_of", "is_http_url", "length", "number", "word_pattern"]

_SPACE = re.compile(r"\s")


def number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.replace(",", "").strip())
        except ValueError:
            return None
    return None


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


def word_pattern(words: list[str]) -> re.Pattern[str]:
    """Case-insensitive whole-word (or phrase) search for any of ``words``; "U.S." works too."""
    alternatives = sorted(
        (r"\s+".join(re.escape(part) for part in word.split()) for word in words if word.strip()),
        key=len,
        reverse=True,
    )
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)", re.IGNORECASE)


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
