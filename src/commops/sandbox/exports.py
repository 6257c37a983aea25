"""Read endpoints over many tickets: search, search export, incremental export, views."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from commops.sandbox.apierror import ApiError, bad_request
from commops.sandbox.endpoint import (
    OFFSET_CAP,
    SEARCH_CAP,
    Answer,
    Ctx,
    list_page,
    offset_page,
    resource_item,
    side_users,
)
from commops.sandbox.paging import cursor_page, decode_cursor, encode_cursor, int_param, link, page_size
from commops.sandbox.search import STATUS_ORDER, SearchSyntaxError, compile_query, sort_directives
from commops.sandbox.store import parse_iso
from commops.sandbox.views import view_matches

__all__ = ["active_views", "incremental_ticket_events", "incremental_tickets", "list_views", "search",
           "search_export", "view_execute", "view_tickets"]


def list_views(ctx: Ctx) -> Answer:
    return list_page(ctx, ctx.store.resource("views"), "views.json", "views")


def active_views(ctx: Ctx) -> Answer:
    return list_page(ctx, [v for v in ctx.store.resource("views") if v.get("active")], "views/active.json", "views")


def _view_docs(ctx: Ctx, view_id: int) -> list[dict[str, Any]]:
    view = resource_item(ctx, "views", view_id)
    return [doc for _seq, doc in ctx.store.ticket_docs() if view_matches(view, doc)]


def view_tickets(ctx: Ctx, view_id: int) -> Answer:
    docs = _view_docs(ctx, view_id)
    return list_page(ctx, docs, f"views/{view_id}/tickets.json", "tickets", OFFSET_CAP, ctx.store.render)


def view_execute(ctx: Ctx, view_id: int) -> Answer:
    view = resource_item(ctx, "views", view_id)
    rows = [{"ticket": ctx.store.render(doc), "subject": doc.get("subject"), "requester_id": doc.get("requester_id"),
             "created": doc.get("created_at")} for doc in _view_docs(ctx, view_id)]
    status, body = offset_page(ctx, rows, f"views/{view_id}/execute.json", "rows")
    body.update(columns=view.get("execution", {}).get("columns", []), view={"id": view_id, "url": view["url"]})
    return status, body



# ----- search and exports ------------------------------------------------------------------------------

def _matching(ctx: Ctx) -> list[dict[str, Any]]:
    query = ctx.args.get("query", "").strip()
    if not query:
        raise bad_request("query is required")
    try:
        predicate = compile_query(query, ctx.store.catalog(), datetime.fromtimestamp(ctx.store.clock(), UTC))
    except SearchSyntaxError as exc:
        raise ApiError(400, {"error": "InvalidQuery", "description": f"Invalid search: {exc}"}) from None
    return [doc for _seq, doc in ctx.store.ticket_docs() if predicate(doc)]


def search(ctx: Ctx) -> Answer:
    per_page = int_param(ctx.args, "per_page", 100, high=100)
    page = int_param(ctx.args, "page", 1)
    if (page - 1) * per_page >= SEARCH_CAP:
        raise ApiError(422, {"error": "invalid", "description": "Invalid search: Requested response size was "
                                                                "greater than Search Response Limits"})
    results = _matching(ctx)
    key, descending = sort_directives(ctx.args.get("query", ""))
    sort_by = ctx.args.get("sort_by")
    if sort_by:
        key = {"created_at": "created_at", "updated_at": "updated_at", "status": "status",
               "priority": "priority", "ticket_type": "type"}.get(sort_by)
        if key is None:
            raise bad_request(f"cannot sort by {sort_by!r}")
        descending = ctx.args.get("sort_order") != "asc"
    if key is not None:
        order = key
        if order == "status":
            results.sort(key=lambda t: (STATUS_ORDER.index(str(t.get("status"))), t["id"]), reverse=descending)
        else:
            results.sort(key=lambda t: (str(t.get(order) or ""), t["id"]), reverse=descending)
    chunk = [{**ctx.store.render(t), "result_type": "ticket"} for t in results[(page - 1) * per_page:page * per_page]]
    params = {k: v for k, v in ctx.args.items() if k not in ("page", "per_page")}
    more = page * per_page < len(results)
    return 200, {"results": chunk, "facets": None, "count": len(results),
                 "next_page": link(ctx.base, "search.json", {**params, "page": page + 1, "per_page": per_page})
                 if more else None,
                 "previous_page": link(ctx.base, "search.json", {**params, "page": page - 1, "per_page": per_page})
                 if page > 1 else None}


def search_export(ctx: Ctx) -> Answer:
    if ctx.args.get("filter[type]") != "ticket":
        raise bad_request("filter[type] is required and the sandbox exports tickets only", "InvalidParameter")
    after = ctx.args.get("page[after]")
    if after:
        issued = decode_cursor(after).get("t")
        if not isinstance(issued, (int, float)) or ctx.store.clock() - issued > 3600:
            raise ApiError(400, {"errors": [{"code": "InvalidPaginationParameter",
                                             "title": "page[after] is not valid (expired cursor)"}]})
    results = _matching(ctx)
    docs, more, last, _before = cursor_page(results, lambda t: int(t["id"]), ctx.args, high=1000)
    page = [ctx.store.render(doc) for doc in docs]
    size = page_size(ctx.args, 1000)
    after_cursor = None
    if page and last:
        after_cursor = encode_cursor({"k": decode_cursor(last)["k"], "t": ctx.store.clock()})
    params = {k: v for k, v in ctx.args.items() if not k.startswith("page[")}
    return 200, {"results": [{**t, "result_type": "ticket"} for t in page], "facets": None,
                 "meta": {"has_more": more, "after_cursor": after_cursor, "before_cursor": None},
                 "links": {"next": link(ctx.base, "search/export.json",
                                        {**params, "page[after]": after_cursor, "page[size]": size})
                           if more else None, "prev": None},
                 **side_users(ctx, page)}


def incremental_tickets(ctx: Ctx) -> Answer:
    per_page = int_param(ctx.args, "per_page", 1000, high=1000)
    cursor = ctx.args.get("cursor")
    horizon = ctx.store.clock() - ctx.incremental_lag_s
    rows = ctx.store.ticket_docs(include_deleted=True)
    if cursor:
        after = decode_cursor(cursor, "cursor").get("k")
        if not isinstance(after, int):
            raise ApiError(400, {"errors": [{"code": "InvalidPaginationParameter", "title": "cursor is not valid"}]})
        start_time = None
    elif "start_time" in ctx.args:
        start_time = int_param(ctx.args, "start_time", low=0)
        if start_time > ctx.store.clock():
            raise bad_request("start_time is in the future", "InvalidValue")
        after = 0
    else:
        raise bad_request("start_time or cursor is required")
    deleted = {doc["id"] for _seq, doc in ctx.store.ticket_docs(include_deleted=True)} - {
        doc["id"] for _seq, doc in ctx.store.ticket_docs()}
    selected = []
    for seq, doc in sorted(rows, key=lambda r: r[0]):
        stamp = parse_iso(doc["updated_at"])
        if seq <= after or stamp > horizon or (start_time is not None and stamp < start_time):
            continue
        selected.append((seq, doc))
    page = selected[:per_page]
    tickets = []
    for _seq, doc in page:
        ticket = ctx.store.render(doc)
        ticket["generated_timestamp"] = int(parse_iso(doc["updated_at"]))
        if doc["id"] in deleted:
            ticket["status"] = "deleted"
        tickets.append(ticket)
    last = page[-1][0] if page else after
    after_cursor = encode_cursor({"k": last})
    before_cursor = encode_cursor({"k": page[0][0] - 1}) if page else None
    return 200, {"tickets": tickets, "count": len(tickets), "end_of_stream": len(selected) <= per_page,
                 "after_cursor": after_cursor,
                 "after_url": link(ctx.base, "incremental/tickets/cursor.json", {"cursor": after_cursor,
                                                                                 "per_page": per_page}),
                 "before_cursor": before_cursor,
                 "before_url": link(ctx.base, "incremental/tickets/cursor.json", {"cursor": before_cursor})
                 if before_cursor else None,
                 **side_users(ctx, tickets)}


EVENTS_PAGE = 1000


def _child(event: dict[str, Any], audit: dict[str, Any]) -> dict[str, Any]:
    child = {k: v for k, v in event.items() if k != "type"}
    child.update(event_type=event.get("type"), via=event.get("via") or audit.get("via"),
                 via_reference_id=None)
    return child


def incremental_ticket_events(ctx: Ctx) -> Answer:
    """Time-based export of ticket events (one per audit, its changes as ``child_events``).

    Like Zendesk: ``start_time`` is required, the last minute (the configured lag) is left out, a page
    holds 1,000 events but never splits one second across pages (``next_page`` starts again at
    ``end_time``, so the next page repeats that second's events: callers drop ids they have seen), and
    comments are only described (``comment_present``/``comment_public``) unless ``include=comment_events``.
    """
    if "start_time" not in ctx.args:
        raise bad_request("start_time is required")
    start = int_param(ctx.args, "start_time", low=0)
    now = ctx.store.clock()
    if start > now:
        raise bad_request("start_time is in the future", "InvalidValue")
    with_comments = "comment_events" in str(ctx.args.get("include", "")).split(",")
    horizon = now - ctx.incremental_lag_s
    audits = [a for a in ctx.store.audits_since(start) if parse_iso(a["created_at"]) <= horizon]
    page = audits[:EVENTS_PAGE]
    if len(audits) > EVENTS_PAGE:  # finish the last second, so a page never ends inside it
        last = parse_iso(page[-1]["created_at"])
        page += [a for a in audits[EVENTS_PAGE:] if parse_iso(a["created_at"]) == last]
    events = []
    for audit in page:
        children = []
        for event in audit.get("events") or []:
            if event.get("type") == "Comment" and not with_comments:
                children.append({"id": event.get("id"), "event_type": "Comment", "comment_present": True,
                                 "comment_public": bool(event.get("public"))})
            else:
                children.append(_child(event, audit))
        stamp = int(parse_iso(audit["created_at"]))
        events.append({"id": audit["id"], "ticket_id": audit["ticket_id"], "timestamp": stamp,
                       "created_at": audit["created_at"], "updater_id": audit.get("author_id"),
                       "via": (audit.get("via") or {}).get("channel"), "system": audit.get("metadata", {}).get(
                           "system", {}), "event_type": "Audit", "child_events": children,
                       "merged_ticket_ids": []})
    end_of_stream = len(audits) <= len(page)
    end_time = events[-1]["timestamp"] if events else start
    params = {k: v for k, v in ctx.args.items() if k != "start_time"}
    return 200, {"ticket_events": events, "count": len(events), "end_of_stream": end_of_stream,
                 "end_time": end_time,
                 "next_page": None if end_of_stream else link(ctx.base, "incremental/ticket_events.json",
                                                              {**params, "start_time": end_time})}
