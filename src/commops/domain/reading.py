"""Reading the inputs (programs.md, "Reading the inputs"): every raw value is understood before a rule
compares it.

A :class:`Reader` turns one raw value into a :class:`Reading`: a typed, normalised value (``"Belarus"`` →
``BY``), *missing* (blank, or a placeholder such as ``N/A``) or *unreadable* with the reason (``"Atlantis"``
→ no such country). The rule engine sees missing as ``None`` and unreadable as an :class:`Unreadable`, on
which every comparison is *unknown*. Readers are memoised per distinct raw text: a queue repeats the same
countries, licences and domains.

Pure: the data sets (ISO 3166 names, SPDX, the Public Suffix List) come in through :class:`Reference`,
which :class:`commops.ports.Datasets` satisfies.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal, Protocol
from urllib.parse import urlsplit

__all__ = [
    "KINDS",
    "MEMO_LIMIT",
    "PASSTHROUGH",
    "PLACEHOLDERS",
    "LicenceVerdict",
    "Reader",
    "Reading",
    "Reference",
    "Unreadable",
    "fold",
    "parse_amount",
]

# programs.md: "Empty strings, whitespace, and placeholders such as N/A, n/a, none, -, tbd, unknown, ?".
# Compared after folding; the word lists (rules/words/*.yaml, list `placeholders`) add other languages'.
PLACEHOLDERS = frozenset({
    "n/a", "n.a.", "n.a", "n/a.", "none", "-", "--", "---", "—", "–", "tbd", "tba", "tbc", "unknown", "?", "??",
    "???", "null", "nil", "not applicable", "not available", "...", "…", "nothing", "no answer",
})

# Entries per memo of raw text (readings, checks, hosts): the values a queue repeats (countries,
# licences, common domains) stay in; a run over a queue of any size holds a bounded amount.
MEMO_LIMIT = 4096

Kind = Literal["text", "country", "count", "amount", "licence", "url", "domain", "flag", "raw"]
KINDS: tuple[str, ...] = ("text", "country", "count", "amount", "licence", "url", "domain", "flag", "raw")


class LicenceVerdict(Protocol):
    @property
    def known(self) -> bool: ...
    @property
    def normalized(self) -> str | None: ...


class Reference(Protocol):
    """The data sets readers consult (implemented by :class:`commops.verify.datasets.OfflineDatasets`)."""

    def country(self, text: str) -> str | None: ...
    def registrable_domain(self, host: str) -> str | None: ...
    def spdx(self, expression: str) -> LicenceVerdict: ...


class Unreadable:
    """A value that is there but could not be understood: every comparison on it is *unknown*."""

    __slots__ = ("raw", "why")

    def __init__(self, raw: Any, why: str) -> None:
        self.raw, self.why = raw, why

    def __repr__(self) -> str:
        return f"Unreadable({self.raw!r}: {self.why})"


@dataclass(frozen=True, slots=True)
class Reading:
    """What one raw value was read as."""

    raw: Any
    status: Literal["read", "missing", "unreadable"]
    value: Any = None  # the normalised value when read
    note: str | None = None  # how it was read, or why it is missing or unreadable

    @property
    def engine_value(self) -> Any:
        """What rules compare: the value, ``None`` when missing, an :class:`Unreadable` when unreadable."""
        if self.status == "read":
            return self.value
        return None if self.status == "missing" else Unreadable(self.raw, self.note or "unreadable")

    def describe(self) -> str:
        """``read as 'BY' (country name)``, ``missing (placeholder 'N/A')``, ``unknown (no such country)``."""
        if self.status == "missing":
            return f"missing ({self.note})" if self.note else "missing"
        if self.status == "unreadable":
            return f"unknown ({self.note})"
        text = "as given" if self.value == self.raw else f"read as {self.value!r}"
        return f"{text} ({self.note})" if self.note else text


_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """Trim, Unicode-normalise (NFKC), case-fold, one space between words."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", text).casefold()).strip()


# --- amounts ---------------------------------------------------------------------------------------

_MULTIPLIERS = {
    "k": 1e3, "thousand": 1e3, "m": 1e6, "mm": 1e6, "mn": 1e6, "mio": 1e6, "million": 1e6, "millions": 1e6,
    "b": 1e9, "bn": 1e9, "billion": 1e9, "billions": 1e9,
}
_USD = re.compile(r"^(?:us\$|usd|\$|us dollars?)\s*|\s*(?:us\$|usd|\$|us dollars?|dollars?)$")
_OTHER_CURRENCY = re.compile(r"[€£¥₹₽₩₺₫₪]|\b(?:eur|euros?|gbp|jpy|inr|rs|cny|rmb|chf|cad|aud|rub|brl)\b")
_AMOUNT = re.compile(r"^([-+]?)\s*(\d[\d,.' \u00a0\u202f]*?)\s*([a-z]+)?$")


def parse_amount(text: str) -> tuple[float | None, str]:
    """``1,500,000``, ``$1.5M``, ``1.5 million``, ``USD 2m``, ``1 500 000`` → a number; else ``(None, why)``."""
    t = fold(text)
    if _OTHER_CURRENCY.search(t):
        return None, "not in US dollars"
    previous = None
    while previous != t:  # "$ 1.5M USD": strip every USD marker
        previous, t = t, _USD.sub("", t).strip()
    match = _AMOUNT.match(t)
    if not match:
        return None, "not an amount"
    sign, digits, word = match.groups()
    factor = 1.0
    if word is not None:
        if word not in _MULTIPLIERS:
            return None, "not an amount"
        factor = _MULTIPLIERS[word]
    number = _number(re.sub(r"[' \u00a0\u202f]", "", digits))
    if number is None:
        return None, "not an amount"
    value = number * factor * (-1 if sign == "-" else 1)
    return (value, "amount") if math.isfinite(value) else (None, "not an amount")


def _number(digits: str) -> float | None:
    """One number with thousands separators or a decimal comma: ``1,500,000``, ``1.500.000``, ``1,5``."""
    if "," in digits and "." in digits:
        decimal = "," if digits.rfind(",") > digits.rfind(".") else "."
        thousands = "." if decimal == "," else ","
        digits = digits.replace(thousands, "").replace(decimal, ".")
    elif "," in digits:
        if re.fullmatch(r"\d{1,3}(,\d{3})+", digits):
            digits = digits.replace(",", "")
        elif digits.count(",") == 1:
            digits = digits.replace(",", ".")
        else:
            return None
    elif digits.count(".") > 1:
        if not re.fullmatch(r"\d{1,3}(\.\d{3})+", digits):
            return None
        digits = digits.replace(".", "")
    try:
        return float(digits)
    except ValueError:
        return None


# --- the readers -----------------------------------------------------------------------------------

# Raw values of these classes read as themselves, per kind (the compiled rules skip the reader for them).
PASSTHROUGH: dict[str, frozenset[type]] = {
    "text": frozenset({bool, int}), "count": frozenset({int}), "amount": frozenset({int}), "flag": frozenset({bool}),
    "raw": frozenset({bool, int, float}), "country": frozenset(), "licence": frozenset(), "url": frozenset(),
    "domain": frozenset(),
}

_TRUE = frozenset({"yes", "y", "true", "checked", "on", "1", "x", "✓", "✔", "ja", "oui", "si", "sí", "sim",
                   "да", "tak", "是"})
_FALSE = frozenset({"no", "n", "false", "unchecked", "off", "0", "nein", "non", "não", "nao", "нет", "nie", "否"})
_WWW = re.compile(r"^www\d*\.")
_HOST = re.compile(r"^[\w-]+(\.[\w-]+)+$")
_SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*):")


class Reader:
    """Reads one kind of input, remembering the answer per distinct raw text."""

    def __init__(self, kind: str, reference: Reference, placeholders: Iterable[str] = ()) -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown kind of input {kind!r} (one of: {', '.join(KINDS)})")
        self.kind = kind
        self.reference = reference
        self.placeholders = PLACEHOLDERS | {fold(p) for p in placeholders}
        self._read: Callable[[Any], Reading] = getattr(self, f"_{kind}")
        self._memo: dict[str, Reading] = {}
        self._described: dict[str, str] = {}  # raw text → what it was read as (the trace's words)
        self.passthrough = PASSTHROUGH[kind]
        self.values: dict[str, Any] = {}  # raw text → engine value: the compiled rules look here first

    def read(self, raw: Any) -> Reading:
        if raw.__class__ is not str:
            return self._blank(raw) or self._read(raw)
        found = self._memo.get(raw)
        if found is None:
            if len(self._memo) >= MEMO_LIMIT:
                self._memo.clear()
                self.values.clear()
                self._described.clear()
            found = self._memo[raw] = self._blank(raw) or self._read(raw)
        return found

    def describe(self, raw: Any) -> str:
        """What ``raw`` was read as, in the trace's words (memoised per distinct text, like the reading)."""
        if raw.__class__ is not str:
            return self.read(raw).describe()
        found = self._described.get(raw)
        if found is None:
            found = self.read(raw).describe()
            if len(self._described) < MEMO_LIMIT:
                self._described[raw] = found
        return found

    def value(self, raw: Any) -> Any:
        """The engine value of ``raw`` (memoised in :attr:`values` for text)."""
        reading = self.read(raw)
        value = reading.engine_value
        if raw.__class__ is str:
            self.values[raw] = value
        return value

    def _blank(self, raw: Any) -> Reading | None:
        if raw is None:
            return Reading(raw, "missing")
        if isinstance(raw, str):
            if not raw.strip():
                return Reading(raw, "missing", note="blank")
            if fold(raw) in self.placeholders:
                return Reading(raw, "missing", note=f"placeholder {raw.strip()!r}")
        if isinstance(raw, list | tuple | set | dict) and not raw:
            return Reading(raw, "missing", note="empty")
        return None

    def _raw(self, raw: Any) -> Reading:
        return Reading(raw, "read", raw)

    def _text(self, raw: Any) -> Reading:
        if isinstance(raw, str):
            return Reading(raw, "read", fold(raw))
        if isinstance(raw, bool | int | float):
            return Reading(raw, "read", raw)
        if isinstance(raw, list | tuple):
            items = tuple(fold(x) for x in raw if isinstance(x, str) and fold(x) not in self.placeholders)
            return Reading(raw, "read", items) if items else Reading(raw, "missing", note="only placeholders")
        return Reading(raw, "unreadable", note=f"not text ({type(raw).__name__})")

    def _country(self, raw: Any) -> Reading:
        if not isinstance(raw, str):
            return Reading(raw, "unreadable", note="not a country name or code")
        code = self.reference.country(raw)
        if code is None:
            return Reading(raw, "unreadable", note="no such country")
        return Reading(raw, "read", code, note="ISO 3166-1 code" if code == raw.strip() else "country")

    def _amount(self, raw: Any) -> Reading:
        if isinstance(raw, bool) or not isinstance(raw, int | float | str):
            return Reading(raw, "unreadable", note="not an amount")
        if not isinstance(raw, str):
            return (Reading(raw, "read", raw) if math.isfinite(raw)
                    else Reading(raw, "unreadable", note="not a finite amount"))
        value, why = parse_amount(raw)
        if value is None:
            return Reading(raw, "unreadable", note=why)
        return Reading(raw, "read", value, note="amount written as text")

    def _count(self, raw: Any) -> Reading:
        if isinstance(raw, bool) or not isinstance(raw, int | float | str):
            return Reading(raw, "unreadable", note="not a number")
        if isinstance(raw, int):
            return Reading(raw, "read", raw)
        if isinstance(raw, float):
            value: float | None = raw
        else:
            value, _ = parse_amount(raw)
            if value is not None and re.search(r"\$|usd", fold(raw)):
                value = None
        if value is None or not math.isfinite(value) or value != int(value):
            return Reading(raw, "unreadable", note="not a whole number")
        return Reading(raw, "read", int(value), note=None if isinstance(raw, float) else "number written as text")

    def _flag(self, raw: Any) -> Reading:
        if isinstance(raw, bool):
            return Reading(raw, "read", raw)
        if isinstance(raw, int) and raw in (0, 1):
            return Reading(raw, "read", bool(raw), note="checkbox")
        if isinstance(raw, str):
            word = fold(raw)
            if word in _TRUE or word in _FALSE:
                return Reading(raw, "read", word in _TRUE, note="yes/no written as text")
        return Reading(raw, "unreadable", note="not yes or no")

    def _licence(self, raw: Any) -> Reading:
        if not isinstance(raw, str):
            return Reading(raw, "unreadable", note="not a licence")
        text = unicodedata.normalize("NFKC", raw).strip()
        verdict = self.reference.spdx(text)
        if not verdict.known or not verdict.normalized:
            return Reading(raw, "unreadable", note="not an SPDX id, expression or licence name")
        return Reading(raw, "read", verdict.normalized,
                       note=None if verdict.normalized == text else "SPDX id")

    def _url(self, raw: Any) -> Reading:
        if not isinstance(raw, str):
            return Reading(raw, "unreadable", note="not a link")
        text = unicodedata.normalize("NFKC", raw).strip()
        if _SPACES.search(text):
            return Reading(raw, "unreadable", note="not a link (has spaces)")
        note = None
        scheme_match = _SCHEME.match(text.lower())
        if "://" in text:
            scheme = text.split("://", 1)[0].lower()
            if scheme not in ("http", "https"):
                return Reading(raw, "unreadable", note=f"not an http(s) link ({scheme}://)")
        elif scheme_match and not re.match(r"^[^/]*\.[^/]*:\d", text):
            return Reading(raw, "unreadable", note=f"not an http(s) link ({scheme_match.group(1)}:)")
        else:
            text, note = "https://" + text.lstrip("/"), "no scheme: read as https"
        try:
            parts = urlsplit(text)
            host = parts.hostname
            port = parts.port
        except ValueError:
            return Reading(raw, "unreadable", note="not a link")
        if not host or parts.username is not None:
            return Reading(raw, "unreadable", note="not a link")
        host = _WWW.sub("", host.rstrip(".").lower())
        if not _HOST.match(host):
            return Reading(raw, "unreadable", note="not a link (no domain)")
        value = f"{parts.scheme.lower()}://{host}{f':{port}' if port else ''}{parts.path}"
        value += f"?{parts.query}" if parts.query else ""
        return Reading(raw, "read", value, note=note)

    def _domain(self, raw: Any) -> Reading:
        if not isinstance(raw, str):
            return Reading(raw, "unreadable", note="not a domain")
        domain = fold(raw).rsplit("@", 1)[-1].strip().strip("<>").rstrip(".")
        if not _HOST.match(domain):
            return Reading(raw, "unreadable", note="not a domain")
        return Reading(raw, "read", domain)
