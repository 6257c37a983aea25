"""The triage flag matrix: every combination means one run mode or is a sentence (exit 2)."""

from __future__ import annotations

import itertools

import pytest

from commops.domain.states import RunMode
from commops.errors import UsageError
from commops.services.runs import TriageFlags, resolve_mode

# apply, interactive, plan, unattended -> mode (None: refused)
TABLE: dict[tuple[bool, bool, bool, bool], RunMode | None] = {
    (False, False, False, False): RunMode.DRY_RUN,
    (False, False, True, False): RunMode.PLAN,
    (False, True, False, False): RunMode.INTERACTIVE,
    (True, True, False, False): RunMode.INTERACTIVE,
    (True, False, False, False): RunMode.APPLY,
    (True, False, False, True): RunMode.UNATTENDED,
}


@pytest.mark.parametrize("flags", list(itertools.product([False, True], repeat=4)))
def test_every_flag_combination(flags: tuple[bool, bool, bool, bool]) -> None:
    apply, interactive, plan, unattended = flags
    given = TriageFlags(apply=apply, interactive=interactive, plan=plan, unattended=unattended)
    expected = TABLE.get(flags)
    if expected is None:
        with pytest.raises(UsageError):
            resolve_mode(given)
    else:
        assert resolve_mode(given) is expected
