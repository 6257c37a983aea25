"""Pessimistic mode: update_many ignores safe_update (Zendesk does not promise it); a single PUT never does."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.integration.gateway.helpers import FIRST_ID, applicants

from commops.sandbox.jobs import JobRunner
from commops.sandbox.store import SandboxStore


@pytest.mark.parametrize(("pessimistic", "landed"), [(False, False), (True, True)])
def test_a_stale_stamp_inside_update_many(tmp_path: Path, pessimistic: bool, landed: bool) -> None:
    store = SandboxStore(tmp_path / "sb.sqlite3")
    store.reset()
    store.load(applicants(1))
    stale = store.ticket(FIRST_ID)["updated_at"]
    store.reply(FIRST_ID, "An answer the job must not overwrite.")  # the ticket moves on
    agent = store.agent_ids()[0]
    jobs = JobRunner(store, pessimistic=pessimistic)
    job = jobs.submit([{"id": FIRST_ID, "status": "solved", "safe_update": True, "updated_stamp": stale}],
                      agent, fail=False)
    jobs.poll(job["id"])
    done = jobs.poll(job["id"])
    assert done is not None and done["status"] == "completed"
    [result] = done["results"]
    assert result["success"] is landed
    assert (store.ticket(FIRST_ID)["status"] == "solved") is landed
    if not landed:
        assert result["error"] == "UpdateConflict"
    store.close()
