"""``rules promote``: the automation ladder. Which rules have earned ``auto`` in shadow mode, and which
have lost it; the change is printed as YAML, or written into the rule files keeping their comments."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from pydantic import BaseModel, Field

from commops.domain.operating import Promotion, PromotionPolicy, agreement_by_rule, promotions
from commops.ports import ShadowLog

__all__ = ["PromoteResult", "RuleEditor", "promote", "yaml_change"]


class RuleEditor(Protocol):
    """Writes ``auto`` values into rule files in place (``commops.rulefiles`` keeps comments and layout)."""

    def set_auto(self, changes: dict[str, bool]) -> list[str]: ...


class PromoteResult(BaseModel):
    policy: PromotionPolicy
    promotions: list[Promotion] = Field(default_factory=list)
    written: list[str] = Field(default_factory=list)  # files changed (with --write)
    decisions: int = 0


def yaml_change(items: Sequence[Promotion]) -> str:
    """The change as YAML a reviewer reads: one ``- id: ... / auto: ...`` per rule, the reason as a comment."""
    lines: list[str] = []
    for p in items:
        lines += [f"# {p.reason}", f"- id: {p.rule}", f"  auto: {'true' if p.auto else 'false'}"]
    return "\n".join(lines) + ("\n" if lines else "")


def promote(log: ShadowLog, current: dict[str, bool], *, policy: PromotionPolicy, since: datetime | None = None,
            editor: RuleEditor | None = None) -> PromoteResult:
    """Proposals from the shadow comparisons of the window; written through ``editor`` when given."""
    comparisons = log.comparisons(since=since)
    found = promotions(current, agreement_by_rule(comparisons), policy)
    written = editor.set_auto({p.rule: p.auto for p in found}) if editor is not None and found else []
    return PromoteResult(policy=policy, promotions=found, written=written, decisions=len(comparisons))
