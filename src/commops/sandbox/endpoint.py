"""What every endpoint shares: the request context, id lists, side-loading, offset and cursor pages."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from werkzeug.wrappers import Request

from commops.sandbox.apierror import ApiError, bad_request, not_found
from commops.sandbox.jobs import JobRunner
from commops.sandbox.paging import cursor_page, int_param, link, page_size
from commops.sandbox.store import SandboxStore

__all__ = ["OFFSET_CAP", "SEARCH_CAP", "Answer", "Ctx", "Render", "ids_param", "list_page", "offset_page",
           "resource_item", "side_users"]

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


def ids_param(ctx: Ctx, high: int = 100) -> list[int]:
    raw = ctx.args.get("ids", "")
    try:
        ids = [int(part) for part in raw.split(",") if part.strip()]
    except ValueError:
        raise bad_request("ids must be a comma-separated list of integers") from None
    if len(ids) > high:
        raise ApiError(400, {"error": "TooManyValues", "description": f"Too many values: at most {high} ids"})
    return ids


def side_users(ctx: Ctx, tickets: list[dict[str, Any]]) -> dict[str, Any]:
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


def offset_page(ctx: Ctx, items: list[Any], path: str, name: str, cap: int | None = None,
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


def list_page(ctx: Ctx, items: list[dict[str, Any]], path: str, name: str, cap: int | None = None,
          render: Render = _same) -> Answer:
    if "page[size]" in ctx.args or "page[after]" in ctx.args:
        return _cursor(ctx, items, path, name, render=render)
    return offset_page(ctx, items, path, name, cap, render)



def resource_item(ctx: Ctx, kind: str, item_id: int) -> dict[str, Any]:
    found = next((i for i in ctx.store.resource(kind) if i["id"] == item_id), None)
    if found is None:
        raise not_found()
    return found
