"""Satisfaction ratings as Zendesk's (legacy CSAT) ``GET /api/v2/satisfaction_ratings`` serves them.

A survey is offered when a ticket is solved (Zendesk's default automation waits 24 hours; the sandbox
offers it the first time the ratings are read after the ticket was solved, dated when it was solved).
The member's answer is seeded, deterministic per ticket: most answer good, some bad, some with a
comment, and about a third never answer (the rating stays ``offered``). A rating, once made, is kept in
the account's SQLite file (a ticket reopened later keeps it, as in Zendesk).

The list takes the documented filters — ``score`` (offered, unoffered, received, received_with_comment,
received_without_comment, good, good_with_comment, good_without_comment, bad, bad_with_comment,
bad_without_comment; an unknown value is a 400), ``start_time`` and ``end_time`` (Unix seconds, on
``created_at``) — and both cursor (``page[size]``, ``page[after]``) and offset pagination. Without
``score`` it lists every rating: a client that wants answers only must say ``score=received``.
"""

from __future__ import annotations

import hashlib
from typing import Any

from commops.sandbox.apierror import bad_request, not_found
from commops.sandbox.endpoint import Answer, Ctx, list_page
from commops.sandbox.store import SandboxStore, iso, parse_iso

__all__ = ["SCORES", "filter_ratings", "list_ratings", "offer_surveys", "ratings", "show_rating"]

SCORES = frozenset({
    "offered", "unoffered", "received", "received_with_comment", "received_without_comment",
    "good", "good_with_comment", "good_without_comment", "bad", "bad_with_comment", "bad_without_comment",
})
_SOLVED = ("solved", "closed")
_GOOD_COMMENTS = ("Thanks, that was quick!", "The licence works for our whole lab.", "Great support, thank you.",
                  "Smooth process.")
_BAD_COMMENTS = ("It took two weeks to hear back.", "I had to send the same documents twice.",
                 "The reply did not answer my question.")

def _roll(ticket_id: int, what: str) -> float:
    """A number in [0, 1) fixed for this ticket and purpose: the seeded part of the member's answer."""
    digest = hashlib.sha256(f"csat:{what}:{ticket_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def _answer(ticket_id: int) -> tuple[str, str | None]:
    """(score, comment) of the member who got the survey for ``ticket_id``."""
    roll = _roll(ticket_id, "score")
    if roll < 0.33:
        return "offered", None
    score = "good" if roll < 0.85 else "bad"
    if _roll(ticket_id, "comment") >= 0.45:
        return score, None
    options = _GOOD_COMMENTS if score == "good" else _BAD_COMMENTS
    return score, options[int(_roll(ticket_id, "text") * len(options))]


def _rating(ticket: dict[str, Any], rating_id: int) -> dict[str, Any]:
    score, comment = _answer(int(ticket["id"]))
    solved = str(ticket.get("updated_at") or iso(0))
    doc: dict[str, Any] = {
        "id": rating_id,
        "url": f"/api/v2/satisfaction_ratings/{rating_id}.json",
        "assignee_id": ticket.get("assignee_id"),
        "group_id": ticket.get("group_id"),
        "requester_id": ticket.get("requester_id"),
        "ticket_id": int(ticket["id"]),
        "score": score,
        "created_at": solved,
        "updated_at": iso(parse_iso(solved) + 3600) if score != "offered" else solved,
        "comment": comment,
    }
    if score == "bad":
        doc.update(reason="No reason provided", reason_code=0, reason_id=None)
    return doc


def offer_surveys(store: SandboxStore) -> int:
    """Offer the survey on every solved (or closed) ticket that has none yet; how many were offered."""
    rated = store.rated_ticket_ids()
    due = [doc for _seq, doc in store.ticket_docs() if doc.get("status") in _SOLVED and int(doc["id"]) not in rated]
    return store.add_ratings(due, _rating) if due else 0


def ratings(store: SandboxStore) -> list[dict[str, Any]]:
    """Every rating, by id, with its URL on this server (the survey offered first where it is due)."""
    offer_surveys(store)
    return [{**doc, "url": f"{store.base_url}/api/v2/satisfaction_ratings/{doc['id']}.json"}
            for doc in store.rating_docs()]


def _matches(rating: dict[str, Any], score: str) -> bool:
    """Whether ``rating`` is one ``score`` selects: ``good`` takes good ones with and without a comment."""
    kind, _, comment = score.partition("_")  # good_with_comment -> ("good", "with_comment")
    if kind in ("offered", "unoffered"):
        return bool(rating["score"] == kind)
    hit = rating["score"] in ("good", "bad") if kind == "received" else rating["score"] == kind
    has_comment = bool((rating.get("comment") or "").strip())
    return hit and {"with_comment": has_comment, "without_comment": not has_comment}.get(comment, True)


def _time(args: Any, name: str) -> int | None:
    raw = args.get(name)
    if raw in (None, ""):
        return None
    try:
        return int(raw)
    except ValueError:
        raise bad_request(f"{name} must be a Unix epoch time (integer seconds)") from None


def filter_ratings(items: list[dict[str, Any]], args: Any) -> list[dict[str, Any]]:
    """The ratings the request's ``score``, ``start_time`` and ``end_time`` select (400 on a bad value)."""
    score = args.get("score")
    if score is not None and score not in SCORES:
        raise bad_request(f"score must be one of: {', '.join(sorted(SCORES))}")
    start, end = _time(args, "start_time"), _time(args, "end_time")
    out = []
    for rating in items:
        created = parse_iso(str(rating["created_at"]))
        if (start is not None and created < start) or (end is not None and created > end):
            continue
        if score is None or _matches(rating, score):
            out.append(rating)
    return out


def list_ratings(ctx: Ctx) -> Answer:
    """``GET /api/v2/satisfaction_ratings``: filtered, oldest id first, cursor or offset pages."""
    sort = ctx.args.get("sort_order")
    if sort not in (None, "asc", "desc"):
        raise bad_request("sort_order must be asc or desc")
    items = filter_ratings(ratings(ctx.store), ctx.args)
    return list_page(ctx, items[::-1] if sort == "desc" else items, "satisfaction_ratings.json",
                     "satisfaction_ratings")


def show_rating(ctx: Ctx, rating_id: int) -> Answer:
    found = next((r for r in ratings(ctx.store) if r["id"] == rating_id), None)
    if found is None:
        raise not_found()
    return 200, {"satisfaction_rating": found}
