"""Member satisfaction read in bulk: ``GET /api/v2/satisfaction_ratings`` (Zendesk's legacy CSAT), 100 a
page with cursor pagination, as domain :class:`~commops.domain.satisfaction.Rating` records.

Two reads cover every survey: ``score=received`` (answered good or bad, with or without a comment) and
``score=offered`` (offered, not answered). The filter is always named: what the endpoint lists without
one is not documented. zenpy's ``satisfaction_ratings(score=, start_time=, cursor_pagination=)`` builds the
same URL; the pages are read through the gateway's session instead, so each one is counted in the request
budget, rate limits are waited out like every other read, errors become sentences, and no zenpy object
lazily fetches a ticket or a user behind our back.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from commops.domain.satisfaction import Rating, Score
from commops.zendesk._client import ZendeskHttp

__all__ = ["PAGE_SIZE", "read_ratings"]

PAGE_SIZE = 100
_SCORES: dict[str, Score] = {"good": "good", "bad": "bad", "offered": "offered"}


def _rating(item: dict[str, Any]) -> Rating | None:
    score = _SCORES.get(str(item.get("score") or ""))
    ticket = item.get("ticket_id")
    if score is None or not isinstance(ticket, int):  # unoffered, or a rating of a deleted ticket
        return None
    created = item.get("updated_at") or item.get("created_at")
    when = datetime.fromisoformat(str(created).replace("Z", "+00:00")) if created else None
    comment = item.get("comment")
    return Rating(ticket_id=ticket, score=score, comment=str(comment) if comment else None, created_at=when)


def read_ratings(http: ZendeskHttp, *, since: datetime) -> Iterator[Rating]:
    """Every rating made since ``since``: the answered ones, then the surveys nobody answered."""
    for score in ("received", "offered"):
        params = {"score": score, "start_time": int(since.timestamp()), "page[size]": PAGE_SIZE}
        url: str | None = f"satisfaction_ratings.json?{urlencode(params)}"
        while url:
            data = http.get(url, what=f"reading satisfaction ratings ({score})")
            for item in data.get("satisfaction_ratings") or []:
                rating = _rating(item) if isinstance(item, dict) else None
                if rating is not None:
                    yield rating
            more = (data.get("meta") or {}).get("has_more")
            nxt = (data.get("links") or {}).get("next")
            url = str(nxt) if more and nxt else None
