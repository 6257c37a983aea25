"""The sandbox's satisfaction ratings in Zendesk's shape: offered when a ticket is solved, seeded answers
(good, bad, comments, unanswered), the documented filters, cursor pagination — and the gateway's bulk read."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any

import pytest
import requests
from tests.integration.gateway.helpers import gateway_for

from commops.sandbox import SandboxServer
from commops.sandbox.satisfaction import SCORES, offer_surveys, ratings


def solve(sandbox: SandboxServer, count: int) -> list[int]:
    """A specialist solves the first ``count`` tickets."""
    agent = sandbox.store.agent_ids()[0]
    ids = [int(doc["id"]) for _seq, doc in sandbox.store.ticket_docs()][:count]
    for ticket_id in ids:
        sandbox.store.update_ticket(ticket_id, {"status": "solved"}, agent)
    return ids


def everything(http: requests.Session, url: str) -> tuple[list[dict[str, Any]], int]:
    items, pages = [], 0
    next_url: str | None = url
    while next_url:
        answer = http.get(next_url)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        pages += 1
        items += body["satisfaction_ratings"]
        assert set(body) == {"satisfaction_ratings", "meta", "links"}
        next_url = body["links"]["next"] if body["meta"]["has_more"] else None
    return items, pages


def test_a_survey_is_offered_on_every_solved_ticket_and_answered_as_seeded(sandbox: SandboxServer,
                                                                           http: requests.Session) -> None:
    assert http.get(f"{sandbox.url}/api/v2/satisfaction_ratings.json").json()["satisfaction_ratings"] == []
    solved = solve(sandbox, 30)
    items, _ = everything(http, f"{sandbox.url}/api/v2/satisfaction_ratings.json?page[size]=100")
    assert sorted(r["ticket_id"] for r in items) == sorted(solved)
    scores = Counter(r["score"] for r in items)
    assert scores["good"] and scores["bad"] and scores["offered"], scores
    assert any(r["comment"] for r in items) and any(r["score"] != "offered" and not r["comment"] for r in items)
    first = items[0]
    assert set(first) >= {"id", "url", "assignee_id", "group_id", "requester_id", "ticket_id", "score",
                          "created_at", "updated_at", "comment"}
    assert first["url"] == f"{sandbox.url}/api/v2/satisfaction_ratings/{first['id']}.json"
    assert all(r["reason"] == "No reason provided" for r in items if r["score"] == "bad")
    again, _ = everything(http, f"{sandbox.url}/api/v2/satisfaction_ratings.json?page[size]=100")
    assert again == items  # kept: the same ids, answers and times
    assert offer_surveys(sandbox.store) == 0
    one = http.get(first["url"]).json()
    assert one == {"satisfaction_rating": first}
    assert http.get(f"{sandbox.url}/api/v2/satisfaction_ratings/999999.json").status_code == 404


def test_the_documented_score_and_time_filters(sandbox: SandboxServer, http: requests.Session) -> None:
    solve(sandbox, 30)
    base = f"{sandbox.url}/api/v2/satisfaction_ratings.json"
    every = http.get(base).json()["satisfaction_ratings"]

    def listed(**params: str | int) -> list[dict[str, Any]]:
        answer = http.get(base, params=params)
        assert answer.status_code == 200, answer.text
        return list(answer.json()["satisfaction_ratings"])

    received = listed(score="received")
    assert {r["score"] for r in received} == {"good", "bad"}
    assert [r["id"] for r in listed(score="offered")] == [r["id"] for r in every if r["score"] == "offered"]
    assert {r["id"] for r in listed(score="good")} == {r["id"] for r in every if r["score"] == "good"}
    with_comment = listed(score="bad_with_comment")
    assert all(r["score"] == "bad" and r["comment"] for r in with_comment)
    assert len(listed(score="received_with_comment")) + len(listed(score="received_without_comment")) == len(received)
    assert listed(score="unoffered") == []
    assert http.get(base, params={"score": "great"}).status_code == 400
    assert all(s in SCORES for s in ("good_without_comment", "received"))
    stamp = int(datetime.fromisoformat(every[0]["created_at"].replace("Z", "+00:00")).timestamp())
    assert listed(start_time=stamp + 10**6) == [] and len(listed(start_time=stamp - 1)) == len(every)
    assert listed(end_time=stamp - 1) == []
    assert http.get(base, params={"start_time": "yesterday"}).status_code == 400
    assert [r["id"] for r in listed(sort_order="desc")] == [r["id"] for r in every][::-1]


def test_cursor_pages_of_the_requested_size_to_the_end(sandbox: SandboxServer, http: requests.Session) -> None:
    solve(sandbox, 25)
    items, pages = everything(http, f"{sandbox.url}/api/v2/satisfaction_ratings.json?page[size]=10")
    assert pages == 3 and len(items) == 25 and len({r["id"] for r in items}) == 25
    assert http.get(f"{sandbox.url}/api/v2/satisfaction_ratings.json?page[size]=101").status_code == 400


def test_the_gateway_reads_answered_and_unanswered_ratings_in_bulk(sandbox: SandboxServer,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    sandbox.store.seed(230, 5)
    solve(sandbox, 250)
    expected = Counter(r["score"] for r in ratings(sandbox.store))
    with gateway_for(sandbox.url, monkeypatch) as gateway:
        before = sum(gateway.request_counts().values())
        read = list(gateway.satisfaction_ratings(datetime(2020, 1, 1, tzinfo=UTC)))
        spent = sum(gateway.request_counts().values()) - before
    assert Counter(r.score for r in read) == expected
    assert len({r.ticket_id for r in read}) == len(read) == 250
    received = expected["good"] + expected["bad"]
    pages = -(-received // 100) + -(-expected["offered"] // 100)  # 100 a page, two filtered reads
    assert spent - pages in (0, 1)  # (1: the OAuth token, asked for on the first request)
    assert all(r.created_at is not None and r.created_at.tzinfo is not None for r in read)
    assert {r.comment for r in read if r.score == "offered"} == {None}
