"""Verification of applicants' claims: forge namespace lookups over httpx, cached; offline data sets."""

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
