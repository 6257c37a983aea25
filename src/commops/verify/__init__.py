"""Verification of applicants' claims: forge namespace lookups over httpx, cached; offline data sets.

Names load on first use: the rules need only the data sets, and importing httpx and sqlite3 for them
would slow every command down.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from commops.verify.cache import VerificationCache, open_cache
    from commops.verify.datasets import DATASET_PACKAGES, OfflineDatasets
    from commops.verify.forge import ForgeTarget, NamespaceVerifier, parse_namespace_url
    from commops.verify.service import verify_applications

__all__ = [
    "DATASET_PACKAGES",
    "ForgeTarget",
    "NamespaceVerifier",
    "OfflineDatasets",
    "VerificationCache",
    "open_cache",
    "parse_namespace_url",
    "verify_applications",
]

_HOMES = {
    "DATASET_PACKAGES": "datasets",
    "ForgeTarget": "forge",
    "NamespaceVerifier": "forge",
    "OfflineDatasets": "datasets",
    "VerificationCache": "cache",
    "open_cache": "cache",
    "parse_namespace_url": "forge",
    "verify_applications": "service",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'commops.verify' has no attribute {name!r}")
    value = getattr(import_module(f"commops.verify.{home}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
