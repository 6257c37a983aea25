"""The endpoints: each takes the request context and returns ``(status, body)`` or raises ApiError."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request

from commops.sandbox import limits
from commops.sandbox.apierror import ApiError, bad_request, invalid, not_found
from commops.sandbox.jobs import JobRunner, public_job
from commops.sandbox.paging import cursor_page, decode_cursor, encode_cursor, int_param, link, page_size
from commops.sandbox.placeholders import render_placeholders
from commops.sandbox.search import STATUS_ORDER, SearchSyntaxError, compile_query, sort_directives
from commops.sandbox.store import SandboxStore, parse_iso
from commops.sandbox.tickets import apply_changes, macro_changes
from commops.sandbox.views import view_matches

__all__ = ["HANDLERS", "URL_MAP", "Ctx", "buckets_for"]

SEARCH_CAP = 1000
OFFSET_CAP = 10000
Answer = tuple[int, dict[str, Any]]


@dataclass
class Ctx:
    request: Request
    store: SandboxStore
    jobs: JobRunner
    user: dict[str, Any]
    base: str
    incremental_lag_s: float
    job_fails: Callable[[], bool]

    @property
    def args(self) -> Any:
        return self.request.args

    def body(self, key: str) -> Any:
        """The JSON body's ``key`` object; malformed JSON or a missing key is a 400."""
        try:
            data = json.loads(self.request.get_data(as_text=True) or "null")
        except ValueError:
            raise ApiError(400, {"error": "InvalidJSON", "description": "The request body is not valid JSON"}) from None
        if not isinstance(data, dict) or key not in data:
            raise bad_request(f"the request body must be a JSON object with {key!r}")
        return data[key]


def _ids(ctx: Ctx, high: int = 100) -> list[int]:
    raw = ctx.args.get("ids", "")
    try:
        ids = [int(part) for part in raw.split(",") if part.strip()]
    except ValueError:
        raise bad_request("ids must be a comma-separated list of integers") from None
    if len(ids) > high:
        raise ApiError(400, {"error": "TooManyValues", "description": f"Too many values: at most {high} ids"})
    return ids


def _side_users(ctx: Ctx, tickets: list[dict[str, Any]]) -> dict[str, Any]:
    if "users" not in ctx.args.get("include", "").split(","):
        return {}
    ids: list[int] = []
    for ticket in tickets:
        for key in ("requester_id", "submitter_id", "assignee_id"):
            if ticket.get(key) is not None and ticket[key] not in ids:
                ids.append(ticket[key])
    return {"users": ctx.store.users(ids)}


def _same(item: dict[str, Any]) -> dict[str, Any]:
    return item


Render = Callable[[dict[str, Any]], dict[str, Any]]


def _offset(ctx: Ctx, items: list[Any], path: str, name: str, cap: int | None = None,
            render: Render = _same) -> Answer:
    per_page = int_param(ctx.args, "per_page", 100, high=100)
    page = int_param(ctx.args, "page", 1)
    if cap is not None and (page - 1) * per_page >= cap:
        raise bad_request(f"offset pagination is limited to {cap} records; use cursor pagination",
                          "InvalidPaginationParameter")
    chunk = [render(i) for i in items[(page - 1) * per_page:page * per_page]]
    more = page * per_page < len(items)
    params = {k: v for k, v in ctx.args.items() if k not in ("page", "per_page")}
    next_page = link(ctx.base, path, {**params, "page": page + 1, "per_page": per_page}) if more else None
    return 200, {name: chunk, "count": len(items), "next_page": next_page,
                 "previous_page": link(ctx.base, path, {**params, "page": page - 1, "per_page": per_page})
                 if page > 1 else None}


def _cursor(ctx: Ctx, items: list[dict[str, Any]], path: str, name: str, high: int = 100,
            render: Render = _same) -> Answer:
    raw, more, after, before = cursor_page(items, lambda i: int(i["id"]), ctx.args, high=high)
    page = [render(i) for i in raw]
    params = {k: v for k, v in ctx.args.items() if not k.startswith("page[")}
    size = page_size(ctx.args, high)
    return 200, {name: page, "meta": {"has_more": more, "after_cursor": after, "before_cursor": before},
                 "links": {"next": link(ctx.base, path, {**params, "page[after]": after, "page[size]": size})
                           if more else None,
                           "prev": link(ctx.base, path, {**params, "page[before]": before, "page[size]": size})
                           if before and ctx.args.get("page[after]") else None}}


def _list(ctx: Ctx, items: list[dict[str, Any]], path: str, name: str, cap: int | None = None,
          render: Render = _same) -> Answer:
    if "page[size]" in ctx.args or "page[after]" in ctx.args:
        return _cursor(ctx, items, path, name, render=render)
    return _offset(ctx, items, path, name, cap, render)


# ----- users -------------------------------------------------------------------------------------------

def me(ctx: Ctx) -> Answer:
    return 200, {"user": ctx.user}


def show_user(ctx: Ctx, user_id: int) -> Answer:
    user = ctx.store.user(user_id)
    if user is None:
        raise not_found()
    return 200, {"user": user}


def show_many_users(ctx: Ctx) -> Answer:
    users = ctx.store.users(_ids(ctx))
    return 200, {"users": users, "next_page": None, "previous_page": None, "count": len(users)}


# ----- tickets -----------------------------------------------------------------------------------------

def list_tickets(ctx: Ctx) -> Answer:
    docs = [doc for _seq, doc in ctx.store.ticket_docs()]
    return _list(ctx, docs, "tickets.json", "tickets", OFFSET_CAP, ctx.store.render)


def show_ticket(ctx: Ctx, ticket_id: int) -> Answer:
    ticket = ctx.store.ticket(ticket_id)
    return 200, {"ticket": ticket, **_side_users(ctx, [ticket])}


def show_many_tickets(ctx: Ctx) -> Answer:
    tickets = ctx.store.tickets_by_ids(_ids(ctx))
    return 200, {"tickets": tickets, "next_page": None, "previous_page": None, "count": len(tickets),
                 **_side_users(ctx, tickets)}


def create_ticket(ctx: Ctx) -> Answer:
    data = ctx.body("ticket")
    if not isinstance(data, dict):
        raise bad_request("ticket must be an object")
    ticket = ctx.store.create_ticket(data, int(ctx.user["id"]))
    audit = ctx.store.audits(int(ticket["id"]))[-1]
    return 201, {"ticket": ticket, "audit": audit}


def update_ticket(ctx: Ctx, ticket_id: int) -> Answer:
    data = ctx.body("ticket")
    if not isinstance(data, dict):
        raise bad_request("ticket must be an object")
    ticket, audit = ctx.store.update_ticket(ticket_id, data, int(ctx.user["id"]),
                                            client=ctx.request.user_agent.string or "api")
    return 200, {"ticket": ticket, "audit": audit}


def delete_ticket(ctx: Ctx, ticket_id: int) -> Answer:
    ctx.store.delete_ticket(ticket_id)
    return 204, {}


def update_many(ctx: Ctx) -> Answer:
    if "ids" in ctx.args:
        changes = ctx.body("ticket")
        if not isinstance(changes, dict):
            raise bad_request("ticket must be an object")
        updates = [{**changes, "id": i} for i in _ids(ctx)]
    else:
        updates = ctx.body("tickets")
        if not isinstance(updates, list) or not all(isinstance(u, dict) for u in updates):
            raise bad_request("tickets must be a list of ticket objects")
        if len(updates) > 100:
            raise ApiError(400, {"error": "TooManyValues", "description": "Too many values: at most 100 tickets"})
        for entry in updates:
            if isinstance(entry.get("id"), bool) or not isinstance(entry.get("id"), int):
                raise invalid("id", "every ticket in update_many needs an integer id")
    if not updates:
        raise bad_request("no tickets to update")
    if ctx.jobs.active() >= limits.MAX_ACTIVE_JOBS:
        raise ApiError(429, {"error": "TooManyJobs", "description": "Too many background jobs queued"},
                       {"Retry-After": "10"})
    job = ctx.jobs.submit(updates, int(ctx.user["id"]), fail=ctx.job_fails())
    return 200, {"job_status": public_job(job, ctx.base)}


def job_status(ctx: Ctx, job_id: str) -> Answer:
    job = ctx.jobs.poll(job_id)
    if job is None:
        raise not_found()
    return 200, {"job_status": public_job(job, ctx.base)}


def job_statuses(ctx: Ctx) -> Answer:
    ids = [part for part in ctx.args.get("ids", "").split(",") if part.strip()]
    found = [ctx.jobs.poll(job_id) for job_id in ids[:100]]
    return 200, {"job_statuses": [public_job(j, ctx.base) for j in found if j is not None]}


def comments(ctx: Ctx, ticket_id: int) -> Answer:
    items = ctx.store.comments(ticket_id)
    return _list(ctx, items, f"tickets/{ticket_id}/comments.json", "comments")


def audits(ctx: Ctx, ticket_id: int) -> Answer:
    items = ctx.store.audits(ticket_id)
    return _list(ctx, items, f"tickets/{ticket_id}/audits.json", "audits")


def tags(ctx: Ctx, ticket_id: int) -> Answer:
    method = ctx.request.method
    if method == "GET":
        return 200, {"tags": ctx.store.ticket(ticket_id)["tags"]}
    values = ctx.body("tags")
    try:
        extra = json.loads(ctx.request.get_data(as_text=True))
    except ValueError:
        extra = {}
    key = {"PUT": "additional_tags", "POST": "tags", "DELETE": "remove_tags"}[method]
    changes: dict[str, Any] = {key: values}
    for name in ("safe_update", "updated_stamp"):
        if name in extra:
            changes[name] = extra[name]
    ticket, _audit = ctx.store.update_ticket(ticket_id, changes, int(ctx.user["id"]))
    return 200 if method != "POST" else 201, {"tags": ticket["tags"]}


# ----- macros and account resources --------------------------------------------------------------------

def _macros(ctx: Ctx, active_only: bool) -> list[dict[str, Any]]:
    items = ctx.store.resource("macros")
    flag = ctx.args.get("active")
    if active_only or flag == "true":
        items = [m for m in items if m.get("active")]
    elif flag == "false":
        items = [m for m in items if not m.get("active")]
    return items


def list_macros(ctx: Ctx) -> Answer:
    return _list(ctx, _macros(ctx, False), "macros.json", "macros")


def active_macros(ctx: Ctx) -> Answer:
    return _list(ctx, _macros(ctx, True), "macros/active.json", "macros")


def _resource_item(ctx: Ctx, kind: str, item_id: int) -> dict[str, Any]:
    found = next((i for i in ctx.store.resource(kind) if i["id"] == item_id), None)
    if found is None:
        raise not_found()
    return found


def show_macro(ctx: Ctx, macro_id: int) -> Answer:
    return 200, {"macro": _resource_item(ctx, "macros", macro_id)}


def apply_macro(ctx: Ctx, ticket_id: int, macro_id: int) -> Answer:
    """The ticket as it would be after the macro, comment placeholders rendered; nothing is saved."""
    macro = _resource_item(ctx, "macros", macro_id)
    store = ctx.store
    before = store.ticket(ticket_id)
    changes, comment = macro_changes(macro)
    doc = store.ticket_doc(ticket_id)
    change = apply_changes(doc, changes, store.account(), int(ctx.user["id"]))
    ticket = store.render(change.ticket)
    ticket["updated_at"] = before["updated_at"]
    result: dict[str, Any] = {"ticket": ticket}
    if comment is not None:
        context = {"ticket": before, "requester": store.user(int(before["requester_id"])) or {},
                   "current_user": ctx.user, "ticket_fields": store.account().fields}
        body = render_placeholders(comment.get("body", ""), context)
        html_body = render_placeholders(comment["html_body"], context) if "html_body" in comment else None
        rendered = {"body": body, "html_body": html_body or _html(body), "public": comment.get("public", True),
                    "scoped_body": [["channel:all", body]]}
        ticket["comment"] = rendered
        result["comment"] = dict(rendered)
    return 200, {"result": result}


def _html(body: str) -> str:
    from commops.sandbox.tickets import comment_html

    return comment_html(body)


def resource_list(kind: str) -> Callable[[Ctx], Answer]:
    def handler(ctx: Ctx) -> Answer:
        items = ctx.store.resource(kind)
        return 200, {kind: items, "next_page": None, "previous_page": None, "count": len(items)}

    return handler


def resource_show(kind: str, singular: str) -> Callable[[Ctx, int], Answer]:
    def handler(ctx: Ctx, item_id: int) -> Answer:
        return 200, {singular: _resource_item(ctx, kind, item_id)}

    return handler


def list_views(ctx: Ctx) -> Answer:
    return _list(ctx, ctx.store.resource("views"), "views.json", "views")


def active_views(ctx: Ctx) -> Answer:
    return _list(ctx, [v for v in ctx.store.resource("views") if v.get("active")], "views/active.json", "views")


def _view_docs(ctx: Ctx, view_id: int) -> list[dict[str, Any]]:
    view = _resource_item(ctx, "views", view_id)
    return [doc for _seq, doc in ctx.store.ticket_docs() if view_matches(view, doc)]


def view_tickets(ctx: Ctx, view_id: int) -> Answer:
    docs = _view_docs(ctx, view_id)
    return _list(ctx, docs, f"views/{view_id}/tickets.json", "tickets", OFFSET_CAP, ctx.store.render)


def view_execute(ctx: Ctx, view_id: int) -> Answer:
    view = _resource_item(ctx, "views", view_id)
    rows = [{"ticket": ctx.store.render(doc), "subject": doc.get("subject"), "requester_id": doc.get("requester_id"),
             "created": doc.get("created_at")} for doc in _view_docs(ctx, view_id)]
    status, body = _offset(ctx, rows, f"views/{view_id}/execute.json", "rows")
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
                 **_side_users(ctx, page)}


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
                 **_side_users(ctx, tickets)}


HANDLERS: dict[str, Callable[..., Answer]] = {
    "me": me, "show_user": show_user, "show_many_users": show_many_users,
    "list_tickets": list_tickets, "show_ticket": show_ticket, "show_many_tickets": show_many_tickets,
    "create_ticket": create_ticket, "update_ticket": update_ticket, "delete_ticket": delete_ticket,
    "update_many": update_many, "job_status": job_status, "job_statuses": job_statuses,
    "comments": comments, "audits": audits, "tags": tags,
    "list_macros": list_macros, "active_macros": active_macros, "show_macro": show_macro,
    "apply_macro": apply_macro,
    "ticket_fields": resource_list("ticket_fields"), "ticket_field": resource_show("ticket_fields", "ticket_field"),
    "ticket_forms": resource_list("ticket_forms"), "ticket_form": resource_show("ticket_forms", "ticket_form"),
    "groups": resource_list("groups"), "group": resource_show("groups", "group"),
    "views": list_views, "active_views": active_views, "view": resource_show("views", "view"),
    "view_tickets": view_tickets, "view_execute": view_execute,
    "search": search, "search_export": search_export, "incremental_tickets": incremental_tickets,
}

_R = "/api/v2/"
URL_MAP = Map([
    Rule(f"{_R}users/me.json", endpoint="me", methods=["GET"]),
    Rule(f"{_R}users/show_many.json", endpoint="show_many_users", methods=["GET"]),
    Rule(f"{_R}users/<int:user_id>.json", endpoint="show_user", methods=["GET"]),
    Rule(f"{_R}tickets.json", endpoint="list_tickets", methods=["GET"]),
    Rule(f"{_R}tickets.json", endpoint="create_ticket", methods=["POST"]),
    Rule(f"{_R}tickets/show_many.json", endpoint="show_many_tickets", methods=["GET"]),
    Rule(f"{_R}tickets/update_many.json", endpoint="update_many", methods=["PUT"]),
    Rule(f"{_R}tickets/<int:ticket_id>.json", endpoint="show_ticket", methods=["GET"]),
    Rule(f"{_R}tickets/<int:ticket_id>.json", endpoint="update_ticket", methods=["PUT"]),
    Rule(f"{_R}tickets/<int:ticket_id>.json", endpoint="delete_ticket", methods=["DELETE"]),
    Rule(f"{_R}tickets/<int:ticket_id>/comments.json", endpoint="comments", methods=["GET"]),
    Rule(f"{_R}tickets/<int:ticket_id>/audits.json", endpoint="audits", methods=["GET"]),
    Rule(f"{_R}tickets/<int:ticket_id>/tags.json", endpoint="tags", methods=["GET", "PUT", "POST", "DELETE"]),
    Rule(f"{_R}tickets/<int:ticket_id>/macros/<int:macro_id>/apply.json", endpoint="apply_macro",
         methods=["GET"]),
    Rule(f"{_R}job_statuses/show_many.json", endpoint="job_statuses", methods=["GET"]),
    Rule(f"{_R}job_statuses/<job_id>.json", endpoint="job_status", methods=["GET"]),
    Rule(f"{_R}macros.json", endpoint="list_macros", methods=["GET"]),
    Rule(f"{_R}macros/active.json", endpoint="active_macros", methods=["GET"]),
    Rule(f"{_R}macros/<int:macro_id>.json", endpoint="show_macro", methods=["GET"]),
    Rule(f"{_R}ticket_fields.json", endpoint="ticket_fields", methods=["GET"]),
    Rule(f"{_R}ticket_fields/<int:item_id>.json", endpoint="ticket_field", methods=["GET"]),
    Rule(f"{_R}ticket_forms.json", endpoint="ticket_forms", methods=["GET"]),
    Rule(f"{_R}ticket_forms/<int:item_id>.json", endpoint="ticket_form", methods=["GET"]),
    Rule(f"{_R}groups.json", endpoint="groups", methods=["GET"]),
    Rule(f"{_R}groups/<int:item_id>.json", endpoint="group", methods=["GET"]),
    Rule(f"{_R}views.json", endpoint="views", methods=["GET"]),
    Rule(f"{_R}views/active.json", endpoint="active_views", methods=["GET"]),
    Rule(f"{_R}views/<int:item_id>.json", endpoint="view", methods=["GET"]),
    Rule(f"{_R}views/<int:view_id>/tickets.json", endpoint="view_tickets", methods=["GET"]),
    Rule(f"{_R}views/<int:view_id>/execute.json", endpoint="view_execute", methods=["GET"]),
    Rule(f"{_R}search.json", endpoint="search", methods=["GET"]),
    Rule(f"{_R}search/export.json", endpoint="search_export", methods=["GET"]),
    Rule(f"{_R}incremental/tickets/cursor.json", endpoint="incremental_tickets", methods=["GET"]),
], strict_slashes=False)


def buckets_for(endpoint: str, method: str, values: Mapping[str, Any]) -> list[tuple[str, int, int]]:
    """The endpoint rate-limit buckets a request counts against, besides the account's."""
    if endpoint in ("update_ticket", "tags") and method != "GET":
        name, limit, seconds = limits.TICKET_UPDATE
        per_name, per_limit, per_seconds = limits.TICKET_UPDATE_PER_TICKET
        return [(name, limit, seconds), (f"{per_name}:{values.get('ticket_id')}", per_limit, per_seconds)]
    if endpoint == "incremental_tickets":
        return [limits.INCREMENTAL]
    if endpoint == "search_export":
        return [limits.SEARCH_EXPORT]
    if endpoint == "view_execute":
        name, limit, seconds = limits.VIEW_EXECUTE
        return [(f"{name}:{values.get('view_id')}", limit, seconds)]
    return []
