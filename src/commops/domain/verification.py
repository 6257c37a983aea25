"""Results of checks the tool performs on an applicant's claims (forge namespaces, email domains)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["Verification", "VerificationStatus"]


class VerificationStatus(StrEnum):
    VERIFIED = "verified"  # the claim holds
    FAILED = "failed"  # the claim was checked and does not hold (``facts`` says what was found)
    UNKNOWN = "unknown"  # the check could not be done (``reason`` says why): drives manual, never qualify


class Verification(BaseModel):
    """The outcome of one check. ``facts`` are plain values the rules may read (counts, lists, flags)."""

    model_config = ConfigDict(frozen=True)

    kind: str  # e.g. "namespace"
    status: VerificationStatus
    reason: str | None = None
    facts: dict[str, Any] = Field(default_factory=dict)
    source_url: str | None = None
    checked_at: datetime | None = None
    from_cache: bool = False
