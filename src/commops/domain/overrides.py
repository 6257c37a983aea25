"""A specialist's override (programs.md: people win): which outcomes and macros an override may name.

Building the overridden decision is :meth:`commops.domain.Decision.overridden`; this module says whether
what a specialist typed can be written.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from commops.domain.decision import OVERRIDE_RULE, MacroRef, Outcome

__all__ = ["OVERRIDE_OUTCOMES", "OVERRIDE_RULE", "override_problem", "parse_macro_titles"]

OVERRIDE_OUTCOMES = tuple(o for o in Outcome if o is not Outcome.SKIP)  # skip means "not an application"


def parse_macro_titles(text: str) -> list[MacroRef]:
    """Macro titles typed as ``a; b``: trimmed, empty entries dropped."""
    return [MacroRef(title=t.strip()) for t in text.split(";") if t.strip()]


def override_problem(outcome: Outcome, macros: Sequence[MacroRef], known_titles: Collection[str]) -> str | None:
    """Why this override cannot be written, or None. An outcome that writes needs a macro the account has
    (the applicant must be told something); an outcome that writes nothing needs none."""
    if not outcome.writes:
        return None
    unknown = [m.title for m in macros if m.title not in known_titles]
    if unknown:
        return "no such macro: " + ", ".join(unknown)
    if not macros:
        return "an override that writes needs a macro"
    return None
