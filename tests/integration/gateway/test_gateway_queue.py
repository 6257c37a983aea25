"""The queue is read with cursor pagination, page by page, requesters side-loaded, resumable."""

from __future__ import annotations

import math

import pytest
from tests.integration.gateway.helpers import FIRST_ID, applicants, gateway_for

from commops.errors import ValidationError
from commops.sandbox import SandboxServer


@pytest.mark.parametrize("size", [0, 1, 99, 100, 101, 2500])
def test_queue_of_any_size_is_read_completely(
    sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch, size: int
) -> None:
    if size:
        sandbox.store.load(applicants(size))
    with gateway_for(sandbox.url, monkeypatch) as gw:
        pages = list(gw.pull_queue())
        counts = gw.request_counts()
        also = len(gw.settings.queue.also)  # tickets on no program form with a program field: one more query
    ids = [a.ticket_id for p in pages for a in p.applications]
    assert ids == list(range(FIRST_ID, FIRST_ID + size))
    assert all(not p.unmapped for p in pages)
    assert len(pages) == max(1, math.ceil(size / 1000)) + also
    assert [p.has_more for p in pages] == [True] * (len(pages) - 1) + [False]
    assert counts["GET /search/export"] == len(pages)
    assert "GET /users/show_many" not in counts  # requesters came side-loaded
    assert all(a.requester.name == "Grace Hopper" for p in pages for a in p.applications)


def test_pull_resumes_from_a_saved_cursor(sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> None:
    sandbox.store.load(applicants(2500))
    with gateway_for(sandbox.url, monkeypatch) as gw:
        first = next(iter(gw.pull_queue()))
    assert first.cursor and first.has_more and len(first.applications) == 1000
    with gateway_for(sandbox.url, monkeypatch) as fresh:  # a new process resuming
        rest = list(fresh.pull_queue(cursor=first.cursor))
    ids = [a.ticket_id for p in rest for a in p.applications]
    assert ids == list(range(FIRST_ID + 1000, FIRST_ID + 2500))


def test_invalid_cursor_is_a_clear_error(sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> None:
    with gateway_for(sandbox.url, monkeypatch) as gw, pytest.raises(ValidationError, match="page\\[after\\]"):
        list(gw.pull_queue(cursor="not-a-cursor"))


def test_get_applications_and_stamps_in_bulk(sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> None:
    sandbox.store.load(applicants(150))
    ids = list(range(FIRST_ID, FIRST_ID + 150))
    with gateway_for(sandbox.url, monkeypatch) as gw:
        apps = gw.get_applications(ids)
        stamps = gw.current_stamps(ids)
        counts = gw.request_counts()
    assert sorted(a.ticket_id for a in apps) == ids
    assert stamps == {i: sandbox.store.ticket(i)["updated_at"] for i in ids}
    assert counts["GET /tickets/show_many"] == 4  # 2 calls of ≤100 each, twice


def test_tickets_on_no_program_form_with_a_program_field_join_the_queue_once(
    sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """programs.md: an application is a ticket with a program form or a `program` value."""
    data = applicants(3)
    emailed, plain, both = data["tickets"]
    emailed.update(ticket_form_id=None, subject="Licences for our lab? (by email)")
    emailed["custom_fields"].append({"id": 3600201, "value": "program_education"})
    plain.update(ticket_form_id=None, subject="Where is my invoice?")  # not an application
    both["custom_fields"].append({"id": 3600201, "value": "program_startups"})  # form and field disagree
    sandbox.store.load(data)
    with gateway_for(sandbox.url, monkeypatch) as gw:
        pages = list(gw.pull_queue())
    apps = {a.ticket_id: a for p in pages for a in p.applications}
    assert sorted(apps) == sorted([emailed["id"], both["id"]])
    assert (apps[emailed["id"]].program, apps[emailed["id"]].form_program) == ("education", None)
    assert (apps[both["id"]].form_program, apps[both["id"]].field_program) == ("education", "startups")
