"""Whatever a client sends, the sandbox answers 4xx JSON in Zendesk's shapes, never a 500."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commops.sandbox import SandboxServer

HUGE = "99999999999999999999999"
REQUESTS: list[tuple[str, str, Any]] = [
    ("GET", f"/tickets/{HUGE}.json", None),
    ("GET", f"/users/{HUGE}.json", None),
    ("GET", f"/tickets/{HUGE}/comments.json", None),
    ("GET", "/tickets/1/macros/1/apply.json", None),
    ("GET", "/tickets.json?per_page=0", None),
    ("GET", "/tickets.json?page=-3", None),
    ("GET", "/tickets.json?page[size]=1000", None),
    ("GET", "/incremental/tickets/cursor.json", None),
    ("GET", "/incremental/tickets/cursor.json?start_time=-5", None),
    ("GET", "/incremental/tickets/cursor.json?start_time=99999999999", None),
    ("GET", "/incremental/tickets/cursor.json?cursor=bm9wZQ", None),
    ("GET", "/search.json", None),
    ("GET", "/search.json?query=type:ticket&sort_by=colour", None),
    ("GET", "/search/export.json?query=type:ticket&filter[type]=ticket&page[size]=1001", None),
    ("GET", "/search/export.json?query=type:ticket&filter[type]=ticket&page[after]=e30", None),
    ("PUT", "/tickets/1.json", [1, 2]),
    ("PUT", "/tickets/1.json", {"ticket": "closed"}),
    ("PUT", "/tickets/1.json", {"ticket": {"status": ["open"]}}),
    ("PUT", "/tickets/1.json", {"ticket": {"subject": 5}}),
    ("PUT", "/tickets/1.json", {"ticket": {"requester_id": "abc"}}),
    ("PUT", "/tickets/1.json", {"ticket": {"requester_id": None}}),
    ("PUT", "/tickets/1.json", {"ticket": {"ticket_form_id": 1}}),
    ("PUT", "/tickets/1.json", {"ticket": {"custom_fields": "x"}}),
    ("PUT", "/tickets/1.json", {"ticket": {"custom_fields": [{"id": "abc", "value": 1}]}}),
    ("PUT", "/tickets/1.json", {"ticket": {"custom_fields": [{"id": 3600205, "value": [1]}]}}),
    ("PUT", "/tickets/1.json", {"ticket": {"comment": 5}}),
    ("PUT", "/tickets/1.json", {"ticket": {"comment": {"public": True}}}),
    ("PUT", "/tickets/1.json", {"ticket": {"comment": {"body": ["x"]}}}),
    ("PUT", "/tickets/1.json", {"ticket": {"safe_update": True, "updated_stamp": "yesterday"}}),
    ("PUT", "/tickets/1/tags.json", {"tags": {"a": 1}}),
    ("PUT", "/tickets/update_many.json", {"tickets": "all"}),
    ("PUT", "/tickets/update_many.json", {"tickets": [{"status": "open"}]}),
    ("PUT", "/tickets/update_many.json", {"tickets": []}),
    ("PUT", "/tickets/update_many.json?ids=1,2", {"ticket": 3}),
    ("POST", "/tickets.json", {"ticket": {"subject": "no body"}}),
    ("POST", "/tickets.json", {"ticket": {"comment": {"body": "x"}, "requester": "ada"}}),
    ("POST", "/tickets.json", {"ticket": {"comment": {"body": "x"}, "status": "bogus"}}),
    ("DELETE", "/tickets/9999.json", None),
    ("PATCH", "/tickets/1.json", {"ticket": {}}),
]


@pytest.mark.parametrize(("method", "path", "body"), REQUESTS)
def test_bad_requests_are_4xx_json(http: requests.Session, sandbox: SandboxServer, method: str, path: str,
                                   body: Any) -> None:
    answer = http.request(method, sandbox.url + "/api/v2" + path, json=body)
    assert 400 <= answer.status_code < 500, (answer.status_code, answer.text)
    assert isinstance(answer.json(), dict)


def test_status_rules_and_unknown_ids(http: requests.Session, sandbox: SandboxServer) -> None:
    url = sandbox.url + "/api/v2/tickets/6.json"
    assert http.put(url, json={"ticket": {"status": "hold"}}).status_code == 200
    assert http.put(url, json={"ticket": {"status": "new"}}).status_code == 422
    assert http.put(url, json={"ticket": {"status": "closed"}}).status_code == 200
    assert http.put(url, json={"ticket": {"status": "open"}}).status_code == 422
    shown = http.get(sandbox.url + "/api/v2/tickets/show_many.json", params={"ids": HUGE})
    assert shown.status_code == 200 and shown.json()["tickets"] == []


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=st.text(min_size=1, max_size=40))
def test_any_search_query_is_answered_without_500(http: requests.Session, sandbox: SandboxServer,
                                                  query: str) -> None:
    answer = http.get(sandbox.url + "/api/v2/search.json", params={"query": query})
    assert answer.status_code in (200, 400), (query, answer.status_code, answer.text)
