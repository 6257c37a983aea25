"""Errors the sandbox answers with, in Zendesk's body shapes. Raised anywhere, rendered once by the app."""

from __future__ import annotations

from typing import Any

__all__ = ["ApiError", "bad_request", "conflict", "invalid", "not_found"]


class ApiError(Exception):
    """An HTTP error answer: status, JSON body and extra headers."""

    def __init__(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        super().__init__(f"{status} {body}")
        self.status = status
        self.body = body
        self.headers = headers or {}


def not_found() -> ApiError:
    return ApiError(404, {"error": "RecordNotFound", "description": "Not found"})


def invalid(field: str, description: str, error: str = "InvalidValue") -> ApiError:
    return ApiError(
        422,
        {
            "error": "RecordInvalid",
            "description": "Record validation errors",
            "details": {field: [{"description": description, "error": error}]},
        },
    )


def bad_request(title: str, code: str = "InvalidParameter") -> ApiError:
    return ApiError(400, {"errors": [{"code": code, "title": title, "status": "400", "detail": title}]})


def conflict() -> ApiError:
    return ApiError(
        409,
        {
            "error": "UpdateConflict",
            "description": "Safe Update prevented the update due to outdated ticket data. "
            "Please fetch the latest ticket data and try again.",
        },
    )
