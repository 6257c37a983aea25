"""The unattended guard-rail (programs.md): a run whose writes are mostly rejects stops before writing.

Judged over everything the run would write, before ``--max-writes`` slices it, so a small cap cannot let a
run of rejects through a few at a time; and only from a minimum sample, so two rejects out of three
applications do not stop a quiet night.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from commops.domain.decision import Outcome

__all__ = ["RejectShare", "reject_share"]


@dataclass(frozen=True)
class RejectShare:
    rejects: int
    decisions: int
    ceiling: float
    min_decisions: int

    @property
    def share(self) -> float:
        return self.rejects / self.decisions if self.decisions else 0.0

    @property
    def tripped(self) -> bool:
        """Above the ceiling (a share exactly at it passes), once the sample is big enough."""
        return self.decisions >= self.min_decisions and self.share > self.ceiling

    def message(self) -> str:
        return (
            f"{self.rejects} of {self.decisions} decisions to write are rejects ({self.share:.0%}), above the "
            f"ceiling of {self.ceiling:.0%}: nothing was written"
        )


def reject_share(outcomes: Iterable[Outcome], *, ceiling: float, min_decisions: int) -> RejectShare:
    """The guard-rail's verdict over the outcomes a run would write."""
    listed = list(outcomes)
    return RejectShare(
        rejects=sum(1 for o in listed if o is Outcome.REJECT),
        decisions=len(listed),
        ceiling=ceiling,
        min_decisions=min_decisions,
    )
