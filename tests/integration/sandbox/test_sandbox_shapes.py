"""Every key real Zendesk sends (the recorded samples), the sandbox sends too, recursively."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import requests

from commops.sandbox import SandboxServer

SAMPLES = Path(__file__).parent / "samples"  # copied from the recorded responses in zendesk-samples/
API = "/api/v2"
# Account-specific keys of the recorded account that are data, not shape.
IGNORED = {"_note", "user_fields.dasds", "result_type"}


def sample(name: str) -> Any:
    path = SAMPLES / name
    data = json.loads(path.read_text(encoding="utf-8"))
    return data.get("body", data) if isinstance(data, dict) else data


def missing(real: Any, ours: Any, path: str = "") -> list[str]:
    """Keys present in ``real`` and absent from ``ours``, as dotted paths."""
    out: list[str] = []
    if isinstance(real, dict):
        if not isinstance(ours, dict):
            return [f"{path} (not an object)"]
        for key, value in real.items():
            where = f"{path}.{key}" if path else key
            if key in IGNORED or where in IGNORED or where.split(".", 1)[-1] in IGNORED:
                continue
            if key not in ours:
                out.append(where)
            elif value is not None and ours[key] is not None:
                out += missing(value, ours[key], where)
    elif isinstance(real, list) and real and isinstance(real[0], dict):
        if not isinstance(ours, list) or not ours:
            return [f"{path}[] (empty)"]
        for item in real:
            kind = item.get("type")
            twins = [o for o in ours if isinstance(o, dict) and o.get("type") == kind] or ours
            out += missing(item, twins[0], f"{path}[{kind or ''}]")
    return sorted(set(out))


@pytest.fixture
def busy(sandbox: SandboxServer, http: requests.Session) -> SandboxServer:
    """Ticket 1 with a change and a comment, so audits carry every event kind."""
    http.put(sandbox.url + API + "/tickets/1.json",
             json={"ticket": {"subject": "changed", "comment": {"body": "note", "public": False}}})
    return sandbox


def get(http: requests.Session, sandbox: SandboxServer, path: str, **params: str) -> Any:
    answer = http.get(sandbox.url + API + path, params=params)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_ticket_and_show_many_page(http: requests.Session, busy: SandboxServer) -> None:
    ours = get(http, busy, "/tickets/show_many.json", ids="1,2,3")
    assert missing(sample("tickets-show-many.json"), ours) == []


def test_ticket_update_answer(http: requests.Session, busy: SandboxServer) -> None:
    ours = http.put(busy.url + API + "/tickets/2.json", json={"ticket": {"subject": "new subject"}}).json()
    assert missing(sample("ticket-update-single.json"), ours) == []
    not_found = http.put(busy.url + API + "/tickets/9223372036854775807.json", json={"ticket": {"subject": "x"}})
    assert missing(sample("ticket-update-not-found.json"), not_found.json()) == []


def test_user(http: requests.Session, busy: SandboxServer) -> None:
    real_user = sample("search-export-users.json")["results"][0]
    requester = busy.store.ticket(1)["requester_id"]
    assert missing(real_user, get(http, busy, f"/users/{requester}.json")["user"]) == []
    assert missing(real_user, get(http, busy, "/users/me.json")["user"]) == []


def test_macros_cursor_page(http: requests.Session, busy: SandboxServer) -> None:
    first = get(http, busy, "/macros.json", **{"page[size]": "5"})
    second = http.get(first["links"]["next"]).json()
    assert missing(sample("macros-cursor-page.json"), second) == []


def test_job_statuses(http: requests.Session, busy: SandboxServer) -> None:
    queued = http.put(busy.url + API + "/tickets/update_many.json",
                      json={"tickets": [{"id": 1, "priority": "low"}, {"id": 2, "priority": "low"}]}).json()
    assert missing(sample("update-many-1-queued.json"), queued) == []
    url = queued["job_status"]["url"]
    working = http.get(url).json()
    assert missing(sample("update-many-2-working.json"), working) == []
    completed = http.get(url).json()
    assert completed["job_status"]["status"] == "completed"
    assert missing(sample("update-many-3-completed.json"), completed) == []


def test_incremental_page(http: requests.Session, busy: SandboxServer) -> None:
    ours = get(http, busy, "/incremental/tickets/cursor.json", start_time="0", per_page="5")
    assert missing(sample("incremental-tickets-cursor.json"), ours) == []


def test_audits_page(http: requests.Session, busy: SandboxServer) -> None:
    ours = get(http, busy, "/tickets/1/audits.json", **{"page[size]": "1"})
    audits = busy.store.audits(1)
    # One audit carrying every event kind the ticket's audits hold: Create, Comment and Change.
    ours["audits"] = [{**audits[0], "events": [e for a in audits for e in a["events"]]}]
    assert {e["type"] for e in ours["audits"][0]["events"]} == {"Create", "Comment", "Change"}
    assert missing(sample("ticket-audits-page.json"), ours) == []


def test_search_export_page(http: requests.Session, busy: SandboxServer) -> None:
    ours = get(http, busy, "/search/export.json", query="type:ticket", **{"filter[type]": "ticket",
                                                                         "page[size]": "2"})
    real = sample("search-export-users.json")
    assert missing({k: v for k, v in real.items() if k != "results"}, ours) == []
    assert missing(sample("tickets-show-many.json")["tickets"][0], ours["results"][0]) == []


def test_view_tickets_page(http: requests.Session, busy: SandboxServer) -> None:
    views = get(http, busy, "/views.json")["views"]
    queue = next(v for v in views if v["title"] == "Unsolved program applications")
    first = get(http, busy, f"/views/{queue['id']}/tickets.json", **{"page[size]": "3"})
    second = http.get(first["links"]["next"]).json()
    assert missing(sample("views-tickets.json"), second) == []
