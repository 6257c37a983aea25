"""Leaf operators: each turns an observed value into True / False / None (unknown) without raising.

Every function here receives a value that is *present* (the engine handles missing values), may be of
any type (rules read raw Zendesk data), and answers None when the value cannot be judged.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable
from datetime import date, datetime
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from commops.domain.reading import MEMO_LIMIT

__all__ = [
    "as_datetime", "cached", "email_or_domain", "host_of", "is_http_url", "length", "number", "word_fold",
    "word_matcher", "word_pattern",
]

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
    return _host_of(value)


@lru_cache(maxsize=MEMO_LIMIT)  # websites repeat all through a queue
def _host_of(value: str) -> str | None:
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
    return isinstance(value, str) and _is_http_url(value)


@lru_cache(maxsize=MEMO_LIMIT)
def _is_http_url(value: str) -> bool:
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
_MARKS = re.compile("[\u0300-\u036f]")  # the accents NFKD splits off Latin, Greek and Cyrillic letters
_JOINERS = re.compile(r"[\s\-\u2010-\u2015_/·]+")
# Scripts written without spaces between words: a term in them matches anywhere (no word boundaries).
_UNSPACED = re.compile("[\u0e00-\u0e7f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")


def word_fold(text: str) -> str:
    """Text as word lists compare it: NFKC, case-folded, without accents, hyphens and punctuation as spaces."""
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).casefold())
    folded = unicodedata.normalize("NFC", _MARKS.sub("", folded))
    return " ".join(_JOINERS.sub(" ", folded).split())


def _plural(word: str) -> tuple[str, str]:
    """``word`` (folded, no spaces) as (stem, regular expression of the endings of its English plurals)."""
    if word.endswith(("s", "x", "z", "ch", "sh")):
        return word, "(?:es)?"  # church, churches
    if word.endswith("y") and len(word) > 1 and word[-2] not in _VOWELS:
        return word[:-1], "(?:y|ies)"  # library, libraries
    return word, "s?"  # bootcamp(s), centre(s)


def _term(entry: str) -> str | None:
    """One list entry as a regular expression over :func:`word_fold`-ed text (see :func:`word_matcher`)."""
    compound = entry.strip().startswith("*")
    compact = word_fold(entry.strip().lstrip("*")).replace(" ", "")
    if not compact:
        return None
    unspaced_start, unspaced_end = bool(_UNSPACED.match(compact[0])), bool(_UNSPACED.match(compact[-1]))
    stem, endings = (compact, "") if unspaced_end or not _WORD_CHAR.match(compact[-1]) else _plural(compact)
    body = " ?".join(re.escape(ch) for ch in stem) + endings  # spaces or hyphens inside a term do not matter
    head = "" if compound or unspaced_start or not _WORD_CHAR.match(compact[0]) else r"(?<!\w)"
    tail = "" if unspaced_end or not _WORD_CHAR.match(compact[-1]) else r"(?!\w)"
    return head + body + tail


def word_matcher(words: list[str]) -> Callable[[str], bool]:
    """Whether a text names any of ``words`` (terms of one or more words), memoised per text.

    Case, accents, width (NFKC) and hyphens or spaces inside a term do not matter ("boot-camp" and
    "Boot Camp" are "bootcamp", "Hopital" is "Hôpital"); the last word may take a regular English plural
    ("Libraries"). A term matches whole words only: "Church" is not in "Churchill College". An entry
    starting with ``*`` also matches at the end of a longer word (``*bibliothek`` finds "Stadtbibliothek",
    for languages that compound); a term in a script written without spaces (Chinese, Japanese, Korean,
    Thai) matches anywhere in the text.
    """
    terms = sorted((t for t in (_term(w) for w in words if w.strip()) if t), key=len, reverse=True)
    if not terms:
        return lambda text: False
    search = re.compile("|".join(terms)).search
    memo: dict[str, bool] = {}

    def matches(text: str) -> bool:
        found = memo.get(text)
        if found is None:
            if len(memo) >= MEMO_LIMIT:
                memo.clear()
            found = memo[text] = search(word_fold(text)) is not None
        return found

    return matches


def word_pattern(words: list[str]) -> re.Pattern[str]:
    """The regular expression :func:`word_matcher` uses, over :func:`word_fold`-ed text."""
    terms = sorted((t for t in (_term(w) for w in words if w.strip()) if t), key=len, reverse=True)
    return re.compile("|".join(terms) if terms else r"(?!)")


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


def cached(fn: Callable[[str], Any], limit: int = MEMO_LIMIT) -> Callable[[str], Any]:
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


def rule_regex(pattern: str, *, ignore_case: bool = False) -> Any:
    """A rule's ``matches`` pattern compiled with RE2: matching takes time linear in the text, whatever
    the pattern (``^(a+)+$`` cannot keep a run busy), and constructs that need backtracking (back-
    references, look-arounds) are refused. Raises ``ValueError`` with RE2's reason."""
    import re2

    options = re2.Options()
    options.log_errors = False
    options.case_sensitive = not ignore_case
    options.max_mem = 8 << 20  # a pattern needing more than 8 MB of automaton is refused
    try:
        return re2.compile(pattern, options=options)
    except re2.error as exc:
        reason = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        raise ValueError(reason) from None
