"""The re-check before a write: already applied, gone, changed since evaluated (conflict), or ready."""

from __future__ import annotations

import pytest

from commops.domain import Decision, MacroRef, Outcome, Proposal, Reason
from commops.zendesk._compose import write_id
from commops.zendesk._writer import recheck, same_stamp

STAMP = "2026-11-20T10:00:00Z"


def proposal(stamp: str = STAMP) -> Proposal:
    reason = Reason(rule="r", message="m", outcome=Outcome.QUALIFY, macro=MacroRef(title="Welcome"))
    decision = Decision(ticket_id=9, program="education", outcome=Outcome.QUALIFY, reasons=[reason],
                        ruleset_version="v1")
    return Proposal(decision=decision, updated_stamp=stamp)


def test_an_unchanged_ticket_may_be_written() -> None:
    assert recheck(proposal(), {"id": 9, "updated_at": STAMP}, None) is None
    assert recheck(proposal(), {"id": 9, "updated_at": "2026-11-20T10:00:00+00:00"}, "other-write") is None


def test_a_ticket_changed_since_it_was_evaluated_is_a_conflict_and_nothing_is_sent() -> None:
    result = recheck(proposal(), {"id": 9, "updated_at": "2026-11-20T10:00:01Z"}, None)
    assert result is not None and result.status == "conflict" and result.ticket_id == 9
    assert result.updated_stamp == "2026-11-20T10:00:01Z"
    assert "changed since it was evaluated" in (result.error or "")


def test_the_decisions_own_marker_means_already_applied_even_though_the_stamp_moved() -> None:
    mine = write_id(9, STAMP, proposal().decision)
    result = recheck(proposal(), {"id": 9, "updated_at": "2026-11-20T10:05:00Z"}, mine)
    assert result is not None and result.status == "already_applied"
    assert result.updated_stamp == "2026-11-20T10:05:00Z"


def test_a_ticket_that_is_gone_fails_without_a_write() -> None:
    result = recheck(proposal(), None, None)
    assert result is not None and result.status == "failed" and "not found" in (result.error or "")


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        (STAMP, "2026-11-20T10:00:00+00:00", True),
        (STAMP, "2026-11-20T10:00:01Z", False),
        (None, None, True),
        (None, STAMP, False),
        ("not a time", "not a time", True),
        ("not a time", "other", False),
    ],
)
def test_stamps_compare_as_instants(a: str | None, b: str | None, same: bool) -> None:
    assert same_stamp(a, b) is same
