"""``GET /ticket_audits``: the account's audits newest first, 100 a page at most, cursor-paginated."""

from __future__ import annotations

from pathlib import Path

import httpx

from commops.sandbox import SandboxServer

HEADERS = {"Authorization": "Bearer sandbox"}


def test_audits_newest_first_in_pages_of_at_most_100(tmp_path: Path) -> None:
    with SandboxServer(tmp_path / "sb.sqlite3", limits=False) as sb:
        sb.store.reset()
        sb.store.load({"users": [{"id": 1, "name": "A", "email": "a@example.com"}],
                       "tickets": [{"id": 10 + i, "subject": "s", "description": "d", "requester_id": 1}
                                   for i in range(150)]})
        sb.store.reply(10, "later")
        url = f"{sb.url}/api/v2/ticket_audits.json"
        assert httpx.get(url, params={"page[size]": 101}, headers=HEADERS).status_code == 400
        first = httpx.get(url, params={"page[size]": 100}, headers=HEADERS).json()
        ids = [a["id"] for a in first["audits"]]
        assert len(ids) == 100 and ids == sorted(ids, reverse=True)
        assert first["audits"][0]["ticket_id"] == 10  # the reply: the newest
        assert first["meta"]["has_more"] is True and first["links"]["next"]
        rest = httpx.get(first["links"]["next"], headers=HEADERS).json()
        assert len(rest["audits"]) == 51 and rest["meta"]["has_more"] is False
        assert max(a["id"] for a in rest["audits"]) < min(ids)
        bad = httpx.get(url, params={"page[after]": "nope"}, headers=HEADERS)
        assert bad.status_code == 400
