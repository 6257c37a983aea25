"""Zendesk answers and transport failures become commops errors with sentences; endpoints are templated."""

from __future__ import annotations

import json

import pytest
import requests

from commops.errors import (
    AuthError,
    ConflictError,
    NotFoundError,
    RateBudgetError,
    UnreachableError,
    ValidationError,
    ZendeskError,
)
from commops.zendesk import endpoint_key
from commops.zendesk._client import error_for_response, translate_error
from tests.unit.zendesk.samples import shared_json

BASE = "https://acme.zendesk.com"


def response(status: int, body: object, content_type: str = "application/json") -> requests.Response:
    r = requests.Response()
    r.status_code = status
    r._content = (json.dumps(body) if not isinstance(body, str) else body).encode()
    r.headers["Content-Type"] = content_type
    return r


@pytest.mark.parametrize(
    ("status", "body", "kind", "text"),
    [
        (401, {"error": "Couldn't authenticate you"}, AuthError, "refused the credentials (401)"),
        (403, {"error": "Forbidden"}, AuthError, "refused the credentials (403)"),
        (404, shared_json("ticket-update-not-found.json"), NotFoundError, "RecordNotFound - Not found"),
        (409, {"error": "UpdateConflict", "description": "changed"}, ConflictError, "changed since it was read"),
        (400, {"errors": [{"code": "InvalidPaginationParameter", "title": "page[after] is not valid"}]},
         ValidationError, "page[after] is not valid"),
        (400, "Bad request: nonsense", ValidationError, "nonsense"),
        (503, {"error": "Unavailable"}, ZendeskError, "answered 503"),
    ],
)
def test_statuses_map_to_our_errors(status: int, body: object, kind: type[ZendeskError], text: str) -> None:
    error = error_for_response(response(status, body, "text/plain" if isinstance(body, str) else "application/json"),
                               "reading the queue", BASE)
    assert type(error) is kind
    assert text in str(error) and error.status == status


def test_validation_keeps_zendesk_details() -> None:
    body = {"error": "RecordInvalid", "description": "Record validation errors",
            "details": {"status": [{"description": "Status: closed is not valid", "error": "InvalidValue"}]}}
    error = error_for_response(response(422, body), "writing ticket 5", BASE)
    assert isinstance(error, ValidationError)
    assert error.details == body["details"]
    assert "closed is not valid" in str(error)


def test_auth_error_says_how_to_fix_and_shows_no_secret() -> None:
    error = error_for_response(response(401, {"error": "Couldn't authenticate you"}), "reading who I am", BASE)
    assert error.hint is not None and "COMMOPS_ZENDESK_TOKEN" in error.hint
    assert error.exit_code == 5


def test_transport_failures_are_unreachable() -> None:
    assert isinstance(translate_error(requests.ConnectTimeout("x"), "reading", BASE), UnreachableError)
    assert isinstance(translate_error(requests.ConnectionError("refused"), "reading", BASE), UnreachableError)
    budget = RateBudgetError("spent")
    assert translate_error(budget, "reading", BASE) is budget


@pytest.mark.parametrize(
    ("method", "url", "key"),
    [
        ("GET", "http://127.0.0.1:5/api/v2/search/export.json?query=x&page[size]=1000", "GET /search/export"),
        ("put", "https://a.zendesk.com/api/v2/tickets/4016.json", "PUT /tickets/{id}"),
        ("PUT", "https://a.zendesk.com/api/v2/tickets/update_many.json", "PUT /tickets/update_many"),
        ("GET", "https://a.zendesk.com/api/v2/tickets/12/macros/3600401/apply.json",
         "GET /tickets/{id}/macros/{id}/apply"),
        ("GET", "https://a.zendesk.com/api/v2/job_statuses/V3-47ed156789697d342091e8d273f50b5d.json",
         "GET /job_statuses/{id}"),
        ("GET", "https://a.zendesk.com/api/v2/job_statuses/show_many.json?ids=a,b", "GET /job_statuses/show_many"),
    ],
)
def test_endpoint_keys_are_templates(method: str, url: str, key: str) -> None:
    assert endpoint_key(method, url) == key
