"""Pagination as Zendesk does it: opaque cursors (``page[size]``/``page[after]``) and capped offsets."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from typing import Any, TypeVar
from urllib.parse import urlencode

from commops.sandbox.apierror import ApiError, bad_request

__all__ = ["cursor_page", "decode_cursor", "encode_cursor", "int_param", "link", "page_size"]

T = TypeVar("T")


def encode_cursor(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).decode()


def decode_cursor(text: str, name: str = "page[after]") -> dict[str, Any]:
    """The cursor's content, or the 400 Zendesk answers for an invalid one."""
    try:
        data = json.loads(base64.urlsafe_b64decode(text.encode() + b"=" * (-len(text) % 4)))
    except (ValueError, UnicodeDecodeError):
        data = None
    if not isinstance(data, dict):
        raise ApiError(400, {"errors": [{"code": "InvalidPaginationParameter", "title": f"{name} is not valid"}]})
    return data


def int_param(args: Any, name: str, default: int | None = None, *, low: int = 1, high: int | None = None) -> int:
    raw = args.get(name)
    if raw is None or raw == "":
        if default is None:
            raise bad_request(f"{name} is required")
        return default
    try:
        value = int(raw)
    except ValueError:
        raise bad_request(f"{name} must be an integer", "InvalidPaginationParameter") from None
    if value < low or (high is not None and value > high):
        raise bad_request(f"{name} must be between {low} and {high}", "InvalidPaginationParameter")
    return value


def page_size(args: Any, high: int = 100, default: int = 100) -> int:
    return int_param(args, "page[size]", default, high=high)


def link(base: str, path: str, params: dict[str, Any]) -> str:
    clean = {k: v for k, v in params.items() if v is not None}
    return f"{base}/api/v2/{path}" + (f"?{urlencode(clean)}" if clean else "")


def cursor_page(items: Sequence[T], key: Callable[[T], int], args: Any, *, high: int = 100
                ) -> tuple[list[T], bool, str | None, str | None]:
    """Slice ``items`` (sorted by ``key``) after ``page[after]``: (page, has_more, after, before)."""
    size = page_size(args, high)
    after = args.get("page[after]")
    start = 0
    if after:
        last = decode_cursor(after).get("k")
        if not isinstance(last, int):
            raise ApiError(400, {"errors": [{"code": "InvalidPaginationParameter",
                                             "title": "page[after] is not valid"}]})
        start = next((i for i, item in enumerate(items) if key(item) > last), len(items))
    page = list(items[start:start + size])
    has_more = start + size < len(items)
    after_cursor = encode_cursor({"k": key(page[-1])}) if page else None
    before_cursor = encode_cursor({"k": key(page[0]), "b": True}) if page else None
    return page, has_more, after_cursor, before_cursor
