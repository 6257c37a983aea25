"""Secrets never reach a message: every line commops prints (errors, notices, ``--debug`` tracebacks)
passes through :func:`redact`.

Three nets, because a secret can arrive in any of three shapes:

- a URL's user-info (``https://bob:hunter2@acme.zendesk.com``) keeps its scheme and host only;
- a value under a key that looks like a secret (``token``, ``TOKN``, ``password``, ``api_key``,
  ``Authorization`` …) in ``key=value``, ``key: value`` or ``'key': 'value'`` form, and pydantic's
  ``input_value=…`` (what a user typed under a key pydantic refused, perhaps a misspelled token key);
- the exact value of every environment variable whose name looks like a secret, and of every secret
  the configuration loaded (:func:`remember`), wherever it appears.

Pure text functions; the only state is the set of remembered secret values.
"""

from __future__ import annotations

import os
import re

__all__ = ["MASK", "SECRET_NAME", "redact", "remember"]

MASK = "***"

# Names that look like they hold a secret, misspellings included (TOKN, PASSWD, PWD, APIKEY).
SECRET_NAME = re.compile(
    r"(?i)(tok[e]?n|secret|passw(?:or)?d|pwd|api[_-]?key|private[_-]?key|oauth|authorization|credential|cookie)"
)
# The embedded sandbox's default API token and OAuth client secret are documented and printed by `sandbox
# serve` (to paste as exports): not secrets, and masking "sandbox" would mask the word in every notice.
_PUBLIC = frozenset({"sandbox", "sandbox-client-secret"})
_NOT_SECRET_NAMES = frozenset({"PWD", "OLDPWD"})  # the shell's working directories
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s@'\"<>]+@")
_KEYED = re.compile(
    r"(?i)(?P<key>[\w.-]*(?:tok[e]?n|secret|passw(?:or)?d|pwd|api[_-]?key|private[_-]?key|authorization)"
    r"[\w.-]*)(?P<sep>['\"]?\s*[:=]\s*)(?P<quote>['\"]?)"
    r"(?P<scheme>(?:bearer|basic|token)\s+)?(?P<value>[^\s'\",;&}\]]+)"
)
_INPUT_VALUE = re.compile(r"(input_value=)('(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|[^,\]\s]+)")
_MIN_SECRET = 6  # shorter values ("1", "yes") would mask ordinary words

_remembered: set[str] = set()


def remember(value: str | None) -> None:
    """A secret the configuration loaded (e.g. a token from the config file): masked wherever it appears."""
    if value and len(value) >= _MIN_SECRET and value not in _PUBLIC:
        _remembered.add(value)


def _secret_values() -> list[str]:
    values = set(_remembered)
    for name, value in os.environ.items():
        if (len(value) >= _MIN_SECRET and value not in _PUBLIC and name.upper() not in _NOT_SECRET_NAMES
                and SECRET_NAME.search(name)):
            values.add(value)
    return sorted(values, key=len, reverse=True)  # a longer secret first: it may contain a shorter one


def _keyed(match: re.Match[str]) -> str:
    if match["value"] == MASK or match["value"] in _PUBLIC:
        return match[0]
    return f"{match['key']}{match['sep']}{match['quote']}{match['scheme'] or ''}{MASK}"


def redact(text: str) -> str:
    """``text`` with URL user-info, secret-keyed values and known secret values replaced by ``***``."""
    for value in _secret_values():
        if value in text:
            text = text.replace(value, MASK)
    text = _USERINFO.sub(lambda m: f"{m[1]}{MASK}@", text)
    text = _INPUT_VALUE.sub(lambda m: f"{m[1]}{MASK}", text)
    return _KEYED.sub(_keyed, text)
