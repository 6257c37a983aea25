"""The endpoints for single records and writes, the URL map, and which rate limits each route counts against.

Each endpoint takes the request context and returns ``(status, body)`` or raises ApiError; the read
endpoints over many tickets (search, exports, views) live in :mod:`commops.sandbox.exports`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from werkzeug.routing import Map, Rule

from commops.sandbox import exports, limits, satisfaction
from commops.sandbox.apierror import ApiError, bad_request, invalid, not_found
from commops.sandbox.endpoint import (
    OFFSET_CAP,
    Answer,
    Ctx,
    ids_param,
    list_page,
    offset_page,
    resource_item,
    side_users,
)
from commops.sandbox.jobs import public_job
from commops.sandbox.paging import decode_cursor, encode_cursor, link, page_size
from commops.sandbox.placeholders import render_placeholders
from commops.sandbox.tickets import apply_changes, comment_html, macro_changes

__all__ = ["HANDLERS", "URL_MAP", "Ctx", "buckets_for"]

# ----- users -------------------------------------------------------------------------------------------

def me(ctx: Ctx) -> Answer:
    return 200, {"user": ctx.user}


def show_user(ctx: Ctx, user_id: int) -> Answer:
    user = ctx.store.user(user_id)
    if user is None:
        raise not_found()
    return 200, {"user": user}


def show_many_users(ctx: Ctx) -> Answer:
    users = ctx.store.users(ids_param(ctx))
    return 200, {"users": users, "next_page": None, "previous_page": None, "count": len(users)}


# ----- tickets -----------------------------------------------------------------------------------------

def list_tickets(ctx: Ctx) -> Answer:
    """``GET /tickets.json``, also ``?external_id=`` (external ids need not be unique: every match, by id).
    Read from the store, not the search index: a ticket just created is listed at once, as on Zendesk."""
    docs = [doc for _seq, doc in ctx.store.ticket_docs()]
    if "external_id" in ctx.args:
        wanted = set(ctx.args["external_id"].split(","))
        docs = [doc for doc in docs if doc.get("external_id") in wanted]
    return list_page(ctx, docs, "tickets.json", "tickets", OFFSET_CAP, ctx.store.render)


def show_ticket(ctx: Ctx, ticket_id: int) -> Answer:
    ticket = ctx.store.ticket(ticket_id)
    return 200, {"ticket": ticket, **side_users(ctx, [ticket])}


def show_many_tickets(ctx: Ctx) -> Answer:
    tickets = ctx.store.tickets_by_ids(ids_param(ctx))
    return 200, {"tickets": tickets, "next_page": None, "previous_page": None, "count": len(tickets),
                 **side_users(ctx, tickets)}


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
        updates = [{**changes, "id": i} for i in ids_param(ctx)]
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


def create_many(ctx: Ctx) -> Answer:
    """``POST /tickets/create_many.json``: at most 100 tickets, created by a background job (as Zendesk)."""
    tickets = ctx.body("tickets")
    if not isinstance(tickets, list) or not all(isinstance(t, dict) for t in tickets):
        raise bad_request("tickets must be a list of ticket objects")
    if not tickets:
        raise bad_request("no tickets to create")
    if len(tickets) > 100:
        raise ApiError(400, {"error": "TooManyValues", "description": "Too many values: at most 100 tickets"})
    for entry in tickets:
        if "id" in entry:
            raise invalid("id", "a ticket to create cannot carry an id")
        if entry.get("comment") is None and entry.get("description") is None:
            raise invalid("comment", "Description: cannot be blank")
    if ctx.jobs.active() >= limits.MAX_ACTIVE_JOBS:
        raise ApiError(429, {"error": "TooManyJobs", "description": "Too many background jobs queued"},
                       {"Retry-After": "10"})
    job = ctx.jobs.submit(tickets, int(ctx.user["id"]), fail=ctx.job_fails(), action="create")
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


def job_status_list(ctx: Ctx) -> Answer:
    """``GET /job_statuses.json``: the account's recent jobs, newest first (Zendesk's "List Job Statuses")."""
    ctx.jobs.run_due()
    everything = ctx.store.jobs(("queued", "working", "completed", "failed", "killed"))
    items = [public_job(j, ctx.base) for j in reversed(everything)]
    return offset_page(ctx, items, "job_statuses.json", "job_statuses", None, lambda item: item)


def comments(ctx: Ctx, ticket_id: int) -> Answer:
    items = ctx.store.comments(ticket_id)
    return list_page(ctx, items, f"tickets/{ticket_id}/comments.json", "comments")


def audits(ctx: Ctx, ticket_id: int) -> Answer:
    items = ctx.store.audits(ticket_id)
    return list_page(ctx, items, f"tickets/{ticket_id}/audits.json", "audits")


def all_audits(ctx: Ctx) -> Answer:
    """``GET /ticket_audits.json``: every ticket's audits, newest first, cursor-paginated (at most 100 a
    page). Zendesk asks for the global ``read`` scope here (``tickets:read`` is not enough)."""
    size = page_size(ctx.args, 100)
    after = ctx.args.get("page[after]")
    before_id = None
    if after:
        before_id = decode_cursor(after).get("k")
        if not isinstance(before_id, int):
            raise ApiError(400, {"errors": [{"code": "InvalidPaginationParameter",
                                             "title": "page[after] is not valid"}]})
    page = ctx.store.recent_audits(before_id, size + 1)
    has_more = len(page) > size
    page = page[:size]
    cursor = encode_cursor({"k": int(page[-1]["id"])}) if page else None
    nxt = link(ctx.base, "ticket_audits.json", {"page[size]": size, "page[after]": cursor}) if has_more else None
    return 200, {"audits": page, "meta": {"has_more": has_more, "after_cursor": cursor, "before_cursor": None},
                 "links": {"next": nxt, "prev": None}}


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
    return list_page(ctx, _macros(ctx, False), "macros.json", "macros")


def active_macros(ctx: Ctx) -> Answer:
    return list_page(ctx, _macros(ctx, True), "macros/active.json", "macros")




def show_macro(ctx: Ctx, macro_id: int) -> Answer:
    return 200, {"macro": resource_item(ctx, "macros", macro_id)}


def apply_macro(ctx: Ctx, ticket_id: int, macro_id: int) -> Answer:
    """The ticket as it would be after the macro, its comment rendered as Liquid; nothing is saved."""
    macro = resource_item(ctx, "macros", macro_id)
    store = ctx.store
    before = store.ticket(ticket_id)
    changes, comment = macro_changes(macro, int(ctx.user["id"]))
    doc = store.ticket_doc(ticket_id)
    change = apply_changes(doc, changes, store.account(), int(ctx.user["id"]))
    ticket = store.render(change.ticket)
    ticket["updated_at"] = before["updated_at"]
    result: dict[str, Any] = {"ticket": ticket}
    if comment is not None:
        context = placeholder_context(ctx, before)
        body = render_placeholders(comment.get("body", ""), context)
        html_body = render_placeholders(comment["html_body"], context) if "html_body" in comment else None
        rendered = {"body": body, "html_body": html_body or comment_html(body), "public": comment.get("public", True),
                    "author_id": ctx.user["id"], "scoped_body": [["channel:all", body]]}
        ticket["comment"] = rendered
        result["comment"] = dict(rendered)
    return 200, {"result": result}


def placeholder_context(ctx: Ctx, ticket: dict[str, Any]) -> dict[str, Any]:
    """What Zendesk's placeholders can refer to for ``ticket`` (see :mod:`commops.sandbox.placeholders`)."""
    store = ctx.store
    assignee = store.user(int(ticket["assignee_id"])) if ticket.get("assignee_id") else None
    return {
        "ticket": ticket,
        "requester": store.user(int(ticket["requester_id"])) or {},
        "assignee": assignee,
        "current_user": ctx.user,
        "ticket_fields": store.account().fields,
        "brands": store.account().brands,
        "groups": store.account().groups,
        "locales": {item["id"]: item for item in store.resource("locales")},
        "dynamic_content": {item["name"]: item for item in store.resource("dynamic_content")},
        "base_url": ctx.base,
    }


def custom_statuses(ctx: Ctx) -> Answer:
    """``GET /custom_statuses``: filters ``status_categories`` (comma-separated), ``active``, ``default``;
    no pagination, as Zendesk documents."""
    items = ctx.store.resource("custom_statuses")
    categories = {c.strip() for c in ctx.args.get("status_categories", "").split(",") if c.strip()}
    if categories:
        items = [s for s in items if s.get("status_category") in categories]
    for flag in ("active", "default"):
        if flag in ctx.args:
            wanted = ctx.args[flag].lower() == "true"
            items = [s for s in items if bool(s.get(flag)) == wanted]
    return 200, {"custom_statuses": items}


def dynamic_content(ctx: Ctx) -> Answer:
    return list_page(ctx, ctx.store.resource("dynamic_content"), "dynamic_content/items.json", "items")


def account_settings(ctx: Ctx) -> Answer:
    """The parts of ``GET /account/settings`` commops reads: features, locales, the default brand (whose
    id identifies the account: Zendesk has no account-id endpoint for API clients), API token access."""
    account = ctx.store.account()
    profile = ctx.store.profile()
    locales = ctx.store.resource("locales")
    default_locale = next((item["id"] for item in locales if item.get("default")), 1)
    return 200, {"settings": {
        "active_features": {"custom_ticket_statuses": len(account.statuses) > 5, "ticket_forms": True},
        "localization": {"locale_ids": [item["id"] for item in locales], "default_locale_id": default_locale},
        "brands": {"default_brand_id": account.default_brand(), "require_brand_on_new_tickets": False},
        "tickets": {"custom_statuses_enabled": True},
        "api": {"api_token_access": bool(profile.get("api_tokens", True)), "api_password_access": False},
    }}


def create_ticket_field(ctx: Ctx) -> Answer:
    """``POST /ticket_fields``: admins only (Zendesk's "Allowed for: Admins"), with the write scope."""
    if ctx.user.get("role") != "admin":
        return 403, {"error": "Forbidden", "description": "You do not have access to this page. Please contact the "
                                                         "account owner of this help desk for further help."}
    return 201, {"ticket_field": ctx.store.create_ticket_field(ctx.body("ticket_field"))}


def resource_list(kind: str) -> Callable[[Ctx], Answer]:
    def handler(ctx: Ctx) -> Answer:
        items = ctx.store.resource(kind)
        return 200, {kind: items, "next_page": None, "previous_page": None, "count": len(items)}

    return handler


def resource_show(kind: str, singular: str) -> Callable[[Ctx, int], Answer]:
    def handler(ctx: Ctx, item_id: int) -> Answer:
        return 200, {singular: resource_item(ctx, kind, item_id)}

    return handler


HANDLERS: dict[str, Callable[..., Answer]] = {
    "me": me, "show_user": show_user, "show_many_users": show_many_users,
    "list_tickets": list_tickets, "show_ticket": show_ticket, "show_many_tickets": show_many_tickets,
    "create_ticket": create_ticket, "update_ticket": update_ticket, "delete_ticket": delete_ticket,
    "update_many": update_many, "create_many": create_many, "job_status": job_status, "job_statuses": job_statuses,
    "job_status_list": job_status_list,
    "comments": comments, "audits": audits, "all_audits": all_audits, "tags": tags,
    "list_macros": list_macros, "active_macros": active_macros, "show_macro": show_macro,
    "apply_macro": apply_macro,
    "ticket_fields": resource_list("ticket_fields"), "create_ticket_field": create_ticket_field,
    "ticket_field": resource_show("ticket_fields", "ticket_field"),
    "ticket_forms": resource_list("ticket_forms"), "ticket_form": resource_show("ticket_forms", "ticket_form"),
    "groups": resource_list("groups"), "group": resource_show("groups", "group"),
    "brands": resource_list("brands"), "brand": resource_show("brands", "brand"),
    "locales": resource_list("locales"), "custom_statuses": custom_statuses,
    "custom_status": resource_show("custom_statuses", "custom_status"),
    "dynamic_content": dynamic_content, "dynamic_content_item": resource_show("dynamic_content", "item"),
    "account_settings": account_settings,
    "views": exports.list_views, "active_views": exports.active_views, "view": resource_show("views", "view"),
    "view_tickets": exports.view_tickets, "view_execute": exports.view_execute,
    "search": exports.search, "search_export": exports.search_export,
    "incremental_tickets": exports.incremental_tickets,
    "incremental_ticket_events": exports.incremental_ticket_events,
    "satisfaction_ratings": satisfaction.list_ratings, "satisfaction_rating": satisfaction.show_rating,
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
    Rule(f"{_R}tickets/create_many.json", endpoint="create_many", methods=["POST"]),
    Rule(f"{_R}tickets/<int:ticket_id>.json", endpoint="show_ticket", methods=["GET"]),
    Rule(f"{_R}tickets/<int:ticket_id>.json", endpoint="update_ticket", methods=["PUT"]),
    Rule(f"{_R}tickets/<int:ticket_id>.json", endpoint="delete_ticket", methods=["DELETE"]),
    Rule(f"{_R}tickets/<int:ticket_id>/comments.json", endpoint="comments", methods=["GET"]),
    Rule(f"{_R}tickets/<int:ticket_id>/audits.json", endpoint="audits", methods=["GET"]),
    Rule(f"{_R}ticket_audits.json", endpoint="all_audits", methods=["GET"]),
    Rule(f"{_R}tickets/<int:ticket_id>/tags.json", endpoint="tags", methods=["GET", "PUT", "POST", "DELETE"]),
    Rule(f"{_R}tickets/<int:ticket_id>/macros/<int:macro_id>/apply.json", endpoint="apply_macro",
         methods=["GET"]),
    Rule(f"{_R}job_statuses.json", endpoint="job_status_list", methods=["GET"]),
    Rule(f"{_R}job_statuses/show_many.json", endpoint="job_statuses", methods=["GET"]),
    Rule(f"{_R}job_statuses/<job_id>.json", endpoint="job_status", methods=["GET"]),
    Rule(f"{_R}macros.json", endpoint="list_macros", methods=["GET"]),
    Rule(f"{_R}macros/active.json", endpoint="active_macros", methods=["GET"]),
    Rule(f"{_R}macros/<int:macro_id>.json", endpoint="show_macro", methods=["GET"]),
    Rule(f"{_R}ticket_fields.json", endpoint="ticket_fields", methods=["GET"]),
    Rule(f"{_R}ticket_fields.json", endpoint="create_ticket_field", methods=["POST"]),
    Rule(f"{_R}ticket_fields/<int:item_id>.json", endpoint="ticket_field", methods=["GET"]),
    Rule(f"{_R}ticket_forms.json", endpoint="ticket_forms", methods=["GET"]),
    Rule(f"{_R}ticket_forms/<int:item_id>.json", endpoint="ticket_form", methods=["GET"]),
    Rule(f"{_R}groups.json", endpoint="groups", methods=["GET"]),
    Rule(f"{_R}groups/<int:item_id>.json", endpoint="group", methods=["GET"]),
    Rule(f"{_R}brands.json", endpoint="brands", methods=["GET"]),
    Rule(f"{_R}brands/<int:item_id>.json", endpoint="brand", methods=["GET"]),
    Rule(f"{_R}locales.json", endpoint="locales", methods=["GET"]),
    Rule(f"{_R}custom_statuses.json", endpoint="custom_statuses", methods=["GET"]),
    Rule(f"{_R}custom_statuses/<int:item_id>.json", endpoint="custom_status", methods=["GET"]),
    Rule(f"{_R}dynamic_content/items.json", endpoint="dynamic_content", methods=["GET"]),
    Rule(f"{_R}dynamic_content/items/<int:item_id>.json", endpoint="dynamic_content_item", methods=["GET"]),
    Rule(f"{_R}account/settings.json", endpoint="account_settings", methods=["GET"]),
    Rule(f"{_R}views.json", endpoint="views", methods=["GET"]),
    Rule(f"{_R}views/active.json", endpoint="active_views", methods=["GET"]),
    Rule(f"{_R}views/<int:item_id>.json", endpoint="view", methods=["GET"]),
    Rule(f"{_R}views/<int:view_id>/tickets.json", endpoint="view_tickets", methods=["GET"]),
    Rule(f"{_R}views/<int:view_id>/execute.json", endpoint="view_execute", methods=["GET"]),
    Rule(f"{_R}search.json", endpoint="search", methods=["GET"]),
    Rule(f"{_R}satisfaction_ratings.json", endpoint="satisfaction_ratings", methods=["GET"]),
    Rule(f"{_R}satisfaction_ratings/<int:rating_id>.json", endpoint="satisfaction_rating", methods=["GET"]),
    Rule(f"{_R}search/export.json", endpoint="search_export", methods=["GET"]),
    Rule(f"{_R}incremental/tickets/cursor.json", endpoint="incremental_tickets", methods=["GET"]),
    Rule(f"{_R}incremental/ticket_events.json", endpoint="incremental_ticket_events", methods=["GET"]),
], strict_slashes=False)


def buckets_for(endpoint: str, method: str, values: Mapping[str, Any]) -> list[tuple[str, int, int]]:
    """The endpoint rate-limit buckets a request counts against, besides the account's."""
    if endpoint in ("update_ticket", "tags") and method != "GET":
        name, limit, seconds = limits.TICKET_UPDATE
        per_name, per_limit, per_seconds = limits.TICKET_UPDATE_PER_TICKET
        return [(name, limit, seconds), (f"{per_name}:{values.get('ticket_id')}", per_limit, per_seconds)]
    if endpoint in ("incremental_tickets", "incremental_ticket_events"):
        return [limits.INCREMENTAL]
    if endpoint == "search_export":
        return [limits.SEARCH_EXPORT]
    if endpoint == "view_execute":
        name, limit, seconds = limits.VIEW_EXECUTE
        return [(f"{name}:{values.get('view_id')}", limit, seconds)]
    return []
