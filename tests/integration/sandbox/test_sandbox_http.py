"""Plain HTTP against the sandbox: errors in Zendesk's shapes, safe update, caps, side-loading, replies."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import requests

from commops.sandbox import SandboxServer

API = "/api/v2"


def put(http: requests.Session, sandbox: SandboxServer, path: str, body: Any) -> requests.Response:
    return http.put(sandbox.url + API + path, json=body)


def test_auth_variants(sandbox: SandboxServer) -> None:
    url = sandbox.url + API + "/users/me.json"
    refused = requests.get(url, auth=("priya.raman@community-demo.example/token", "nope"))
    assert refused.status_code == 401 and refused.json() == {"error": "Couldn't authenticate you"}
    assert requests.get(url).status_code == 401
    assert requests.get(url, auth=("priya.raman@community-demo.example", "sandbox")).status_code == 401
    bearer = requests.get(url, headers={"Authorization": "Bearer sandbox"})
    assert bearer.status_code == 200 and bearer.json()["user"]["role"] == "agent"
    first = requests.get(url, auth=("new.agent@example.com/token", "sandbox")).json()["user"]
    again = requests.get(url, auth=("new.agent@example.com/token", "sandbox")).json()["user"]
    assert first["id"] == again["id"] and first["email"] == "new.agent@example.com"


def test_not_found_and_bad_input_are_zendesk_errors(http: requests.Session, sandbox: SandboxServer) -> None:
    missing = put(http, sandbox, "/tickets/9223372036854775807.json", {"ticket": {"subject": "x"}})
    assert missing.status_code == 404 and missing.json() == {"error": "RecordNotFound", "description": "Not found"}
    assert http.get(sandbox.url + API + "/tickets/abc.json").status_code == 404
    assert http.get(sandbox.url + API + "/nothing/here.json").status_code == 404
    malformed = http.put(sandbox.url + API + "/tickets/1.json", data="{not json",
                         headers={"Content-Type": "application/json"})
    assert malformed.status_code == 400
    no_ticket = put(http, sandbox, "/tickets/1.json", {"subject": "x"})
    assert no_ticket.status_code == 400
    unknown = put(http, sandbox, "/tickets/1.json", {"ticket": {"colour": "red"}})
    assert unknown.status_code == 422 and unknown.json()["error"] == "RecordInvalid"
    assert "colour" in unknown.json()["details"]
    bad_field = put(http, sandbox, "/tickets/1.json", {"ticket": {"custom_fields": [{"id": 1, "value": 2}]}})
    assert bad_field.status_code == 422
    bad_ids = http.get(sandbox.url + API + "/tickets/show_many.json", params={"ids": "1,x"})
    assert bad_ids.status_code == 400
    too_many = http.get(sandbox.url + API + "/tickets/show_many.json",
                        params={"ids": ",".join(str(i) for i in range(1, 102))})
    assert too_many.status_code == 400 and too_many.json()["error"] == "TooManyValues"
    bad_cursor = http.get(sandbox.url + API + "/tickets.json", params={"page[size]": "5", "page[after]": "zzz"})
    assert bad_cursor.status_code == 400
    assert bad_cursor.json()["errors"][0]["code"] == "InvalidPaginationParameter"
    bad_query = http.get(sandbox.url + API + "/search.json", params={"query": "statsu:open"})
    assert bad_query.status_code == 400
    no_filter = http.get(sandbox.url + API + "/search/export.json", params={"query": "type:ticket"})
    assert no_filter.status_code == 400
    assert all(status < 500 for _m, _p, status in sandbox.request_log())


def test_safe_update_conflicts_on_a_stale_stamp(http: requests.Session, sandbox: SandboxServer) -> None:
    stamp = http.get(sandbox.url + API + "/tickets/5.json").json()["ticket"]["updated_at"]
    first = put(http, sandbox, "/tickets/5.json",
                {"ticket": {"status": "pending", "safe_update": True, "updated_stamp": stamp}})
    assert first.status_code == 200
    new_stamp = first.json()["ticket"]["updated_at"]
    assert new_stamp > stamp
    stale = put(http, sandbox, "/tickets/5.json",
                {"ticket": {"comment": {"body": "dup"}, "safe_update": True, "updated_stamp": stamp}})
    assert stale.status_code == 409 and stale.json()["error"] == "UpdateConflict"
    assert [c["body"] for c in sandbox.store.comments(5)].count("dup") == 0
    # two changes within one second still get distinct stamps
    second = put(http, sandbox, "/tickets/5.json",
                 {"ticket": {"status": "open", "safe_update": True, "updated_stamp": new_stamp}})
    assert second.status_code == 200 and second.json()["ticket"]["updated_at"] > new_stamp
    missing_stamp = put(http, sandbox, "/tickets/5.json", {"ticket": {"status": "open", "safe_update": True}})
    assert missing_stamp.status_code == 422


def test_search_cap_and_offset_cap(tmp_path: Path) -> None:
    server = SandboxServer(tmp_path / "big.sqlite3", limits=False)
    server.store.reset()
    server.store.seed(1050, 1)
    with server:
        session = requests.Session()
        session.auth = ("a@example.com/token", "sandbox")
        url = server.url + API + "/search.json"
        page10 = session.get(url, params={"query": "type:ticket", "page": "10", "per_page": "100"}).json()
        assert page10["count"] == 1050 and len(page10["results"]) == 100 and page10["next_page"]
        page11 = session.get(url, params={"query": "type:ticket", "page": "11", "per_page": "100"})
        assert page11.status_code == 422 and page11.json()["error"] == "invalid"
        capped = session.get(server.url + API + "/tickets.json", params={"page": 101, "per_page": 100})
        assert capped.status_code == 400
        export = session.get(server.url + API + "/search/export.json",
                             params={"query": "type:ticket", "filter[type]": "ticket", "page[size]": "1000"}).json()
        assert len(export["results"]) == 1000 and export["meta"]["has_more"] is True
        rest = session.get(export["links"]["next"]).json()
        assert len(rest["results"]) == 50 and rest["meta"]["has_more"] is False and rest["links"]["next"] is None


def test_side_loading_users(http: requests.Session, sandbox: SandboxServer) -> None:
    shown = http.get(sandbox.url + API + "/tickets/show_many.json", params={"ids": "1,2,3", "include": "users"})
    body = shown.json()
    requesters = {t["requester_id"] for t in body["tickets"]}
    assert requesters <= {u["id"] for u in body["users"]}
    export = http.get(sandbox.url + API + "/search/export.json",
                      params={"query": "type:ticket", "filter[type]": "ticket", "include": "users"}).json()
    assert {t["requester_id"] for t in export["results"]} <= {u["id"] for u in export["users"]}
    incremental = http.get(sandbox.url + API + "/incremental/tickets/cursor.json",
                           params={"start_time": "0", "include": "users"}).json()
    assert {t["requester_id"] for t in incremental["tickets"]} <= {u["id"] for u in incremental["users"]}
    plain = http.get(sandbox.url + API + "/tickets/show_many.json", params={"ids": "1"}).json()
    assert "users" not in plain


def test_incremental_sees_fresh_changes_and_resumes(http: requests.Session, sandbox: SandboxServer) -> None:
    url = sandbox.url + API + "/incremental/tickets/cursor.json"
    first = http.get(url, params={"start_time": 0}).json()
    assert first["end_of_stream"] is True and first["count"] == 40
    put(http, sandbox, "/tickets/7.json", {"ticket": {"additional_tags": ["touched"]}})
    later = http.get(first["after_url"]).json()
    assert [t["id"] for t in later["tickets"]] == [7]
    assert later["tickets"][0]["generated_timestamp"] > 0
    assert http.get(later["after_url"]).json()["tickets"] == []


def test_create_ticket_reply_reopens(http: requests.Session, sandbox: SandboxServer) -> None:
    created = http.post(sandbox.url + API + "/tickets.json", json={"ticket": {
        "subject": "Question", "comment": {"body": "Hello"},
        "requester": {"name": "Ada Lovelace", "email": "ada@example.org"}}})
    assert created.status_code == 201
    ticket = created.json()["ticket"]
    assert ticket["status"] == "new" and ticket["description"] == "Hello"
    assert ticket["url"] == f"{sandbox.url}/api/v2/tickets/{ticket['id']}.json"
    put(http, sandbox, f"/tickets/{ticket['id']}.json",
        {"ticket": {"status": "pending", "comment": {"body": "Which program?", "public": True}}})
    sandbox.store.reply(ticket["id"], "Education, please")
    after = http.get(sandbox.url + API + f"/tickets/{ticket['id']}.json").json()["ticket"]
    assert after["status"] == "open"
    comments = http.get(sandbox.url + API + f"/tickets/{ticket['id']}/comments.json").json()["comments"]
    assert [c["body"] for c in comments] == ["Hello", "Which program?", "Education, please"]
    assert comments[-1]["author_id"] == ticket["requester_id"] and comments[-1]["public"] is True
    audits = http.get(sandbox.url + API + f"/tickets/{ticket['id']}/audits.json").json()["audits"]
    assert audits[0]["events"][0]["type"] == "Comment"
    assert any(e["type"] == "Create" and e["field_name"] == "subject" for e in audits[0]["events"])
    assert any(e.get("field_name") == "status" and e["value"] == "open" and e["previous_value"] == "pending"
               for e in audits[-1]["events"])


def test_tag_endpoints_and_tagger_sync(http: requests.Session, sandbox: SandboxServer) -> None:
    url = sandbox.url + API + "/tickets/3/tags.json"
    added = http.put(url, json={"tags": ["alpha", "commops_reject"]}).json()["tags"]
    assert "alpha" in added
    ticket = sandbox.store.ticket(3)
    assert {"id": 3600290, "value": "commops_reject"} in ticket["custom_fields"]
    removed = http.delete(url, json={"tags": ["commops_reject"]}).json()["tags"]
    assert "commops_reject" not in removed
    assert {"id": 3600290, "value": None} in sandbox.store.ticket(3)["custom_fields"]
    replaced = http.post(url, json={"tags": ["only"]})
    assert replaced.status_code == 201 and replaced.json()["tags"] == ["only"]
    assert http.get(url).json() == {"tags": ["only"]}


def test_job_statuses_show_many_and_too_many(http: requests.Session, sandbox: SandboxServer) -> None:
    job = put(http, sandbox, "/tickets/update_many.json", {"tickets": [{"id": 1, "priority": "high"}]})
    job_id = job.json()["job_status"]["id"]
    shown = http.get(sandbox.url + API + "/job_statuses/show_many.json", params={"ids": job_id}).json()
    assert shown["job_statuses"][0]["status"] == "working"
    too_many = put(http, sandbox, "/tickets/update_many.json", {"tickets": [{"id": i} for i in range(1, 102)]})
    assert too_many.status_code == 400
    assert http.get(sandbox.url + API + "/job_statuses/nope.json").status_code == 404


def test_views_list_their_tickets(http: requests.Session, sandbox: SandboxServer) -> None:
    views = http.get(sandbox.url + API + "/views/active.json").json()["views"]
    queue = next(v for v in views if v["title"] == "Unsolved program applications")
    forms = {f["id"] for f in sandbox.store.resource("ticket_forms")}
    expected = sorted(d["id"] for _s, d in sandbox.store.ticket_docs()
                      if d.get("ticket_form_id") in forms and d["status"] not in ("solved", "closed"))
    found: list[int] = []
    url: str | None = sandbox.url + API + f"/views/{queue['id']}/tickets.json?page[size]=4"
    while url:
        page = http.get(url).json()
        found += [t["id"] for t in page["tickets"]]
        url = page["links"]["next"]
    assert found == expected
    put(http, sandbox, f"/tickets/{expected[0]}.json", {"ticket": {"status": "solved"}})
    offset = http.get(sandbox.url + API + f"/views/{queue['id']}/tickets.json").json()
    assert offset["count"] == len(expected) - 1
    executed = http.get(sandbox.url + API + f"/views/{queue['id']}/execute.json").json()
    assert executed["count"] == len(expected) - 1 and executed["columns"]
    assert http.get(sandbox.url + API + "/views/1.json").status_code == 404


def test_search_sorting(http: requests.Session, sandbox: SandboxServer) -> None:
    url = sandbox.url + API + "/search.json"
    by_query = http.get(url, params={"query": "type:ticket order_by:created_at sort:asc"}).json()["results"]
    stamps = [t["created_at"] for t in by_query]
    assert stamps == sorted(stamps) and len(stamps) == 40
    by_param = http.get(url, params={"query": "type:ticket", "sort_by": "created_at", "sort_order": "desc"}).json()
    assert [t["created_at"] for t in by_param["results"]] == sorted(stamps, reverse=True)


def test_concurrent_writers_lose_nothing(http: requests.Session, sandbox: SandboxServer) -> None:
    from concurrent.futures import ThreadPoolExecutor

    def write(n: int) -> int:
        with requests.Session() as session:
            session.auth = ("agent@example.com/token", "sandbox")
            answer = session.put(sandbox.url + API + "/tickets/8.json", json={"ticket": {"additional_tags": [f"w{n}"]}})
            return answer.status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        codes = list(pool.map(write, range(24)))
    assert codes == [200] * 24
    tags = set(sandbox.store.ticket(8)["tags"])
    assert {f"w{n}" for n in range(24)} <= tags
    stamps = [a["created_at"] for a in sandbox.store.audits(8)[1:]]
    assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps) == 24
