"""Verification of applicants' claims: offline data sets now; forge namespace lookups over httpx."""

from commops.verify.datasets import DATASET_PACKAGES, OfflineDatasets

__all__ = ["DATASET_PACKAGES", "OfflineDatasets"]
