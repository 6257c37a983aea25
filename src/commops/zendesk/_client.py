"""The one factory that builds a zenpy client, and the one place zenpy/requests errors become ours."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import requests
from zenpy import Zenpy
from zenpy.lib.exception import APIException, RatelimitBudgetExceeded, ZenpyException

from commops.config import ZendeskSettings
from commops.errors import (
    AuthError,
    ConfigError,
    ConflictError,
    NotFoundError,
    RateBudgetError,
    ScopeError,
    TokenExpiredError,
    UnreachableError,
    ValidationError,
    ZendeskError,
)
from commops.safe_text import clean_surrogates
from commops.zendesk._transport import ZendeskSession

__all__ = ["JobQueueFull", "ZendeskHttp", "build_zenpy", "translate_error"]


def build_zenpy(settings: ZendeskSettings, session: ZendeskSession) -> Zenpy:
    """A zenpy client on our session: cache off, explicit timeout, credentials from settings.

    zenpy can only be pointed at a plain-HTTP loopback server (the sandbox) through the
    ``ZENPY_FORCE_SCHEME``/``ZENPY_FORCE_NETLOC`` environment variables; this is the only place that
    sets (or, for an https account, clears) them.
    """
    parts = urlsplit(settings.base_url)
    if not parts.hostname:
        raise ConfigError(f"zendesk.url {settings.base_url!r} is not a URL", hint="e.g. https://acme.zendesk.com")
    if parts.scheme == "http":
        os.environ["ZENPY_FORCE_SCHEME"] = "http"
        os.environ["ZENPY_FORCE_NETLOC"] = parts.netloc
        subdomain, domain = "sandbox", parts.netloc
    else:
        os.environ.pop("ZENPY_FORCE_SCHEME", None)
        os.environ.pop("ZENPY_FORCE_NETLOC", None)
        subdomain, _, domain = parts.netloc.partition(".")
        if not domain:
            raise ConfigError(f"zendesk.url {settings.base_url!r} has no domain", hint="e.g. https://acme.zendesk.com")
    if session.auth is None:
        raise ConfigError("the Zendesk session has no credentials")  # the gateway always sets the auth hook
    try:
        return Zenpy(
            subdomain=subdomain,
            domain=domain,
            session=session,
            timeout=settings.timeout_s,
            disable_cache=True,
            ratelimit_budget=max(settings.rate_wait_budget_s, 1.0),
        )
    except ZenpyException as exc:  # pragma: no cover - zenpy validates arguments only
        raise ConfigError(f"cannot set up the Zendesk client: {exc}") from exc


class JobQueueFull(RateBudgetError):
    """Zendesk refused to queue a job: the account already has its limit of jobs queued or running.
    Nothing was queued, so sending it again later is safe."""


def translate_error(exc: BaseException, what: str, base_url: str) -> ZendeskError:
    """The most specific commops error for a zenpy/requests failure while doing ``what``."""
    if isinstance(exc, ZendeskError):
        return exc
    if isinstance(exc, RatelimitBudgetExceeded):
        return RateBudgetError(f"rate-limit budget exhausted while {what}", status=429)
    if isinstance(exc, requests.Timeout):
        return UnreachableError(f"Zendesk at {base_url} did not answer in time while {what}")
    if isinstance(exc, requests.ConnectionError):
        return UnreachableError(
            f"cannot reach Zendesk at {base_url} while {what}",
            hint="check zendesk.url / subdomain and your network",
        )
    response = getattr(exc, "response", None)
    if isinstance(exc, (APIException, requests.HTTPError)) and response is not None:
        return error_for_response(response, what, base_url)
    return ZendeskError(f"Zendesk request failed while {what}: {type(exc).__name__}")


def error_for_response(response: requests.Response, what: str, base_url: str) -> ZendeskError:
    status = response.status_code
    body = _json_or_text(response)
    detail = _describe(body)
    suffix = f": {detail}" if detail else ""
    if status == 403 and "required scopes" in detail:
        return ScopeError(
            f"Zendesk at {base_url} refused {what}: the OAuth token lacks a scope ({detail})",
            status=status,
            hint="set zendesk.scope to \"read write\" (or add tickets:write) and get a new token",
        )
    if status == 401 and ("invalid_token" in detail or "access token" in detail.lower()):
        return TokenExpiredError(
            f"Zendesk at {base_url} refused the OAuth token while {what}{suffix}",
            status=status,
            hint="renew the token (oauth-client renews itself; for oauth-login run `commops auth login`)",
        )
    if status in (401, 403):
        return AuthError(
            f"Zendesk at {base_url} refused the credentials ({status}) while {what}{suffix}",
            status=status,
            hint="check the credentials of the auth mode in use (`commops auth status`): "
            "COMMOPS_ZENDESK_CLIENT_ID/COMMOPS_ZENDESK_CLIENT_SECRET, a stored login, or the legacy "
            "zendesk.email and COMMOPS_ZENDESK_TOKEN; the agent needs API access",
        )
    if status == 404:
        return NotFoundError(f"Zendesk has no such record ({what}){suffix}", status=status)
    if status == 409:
        return ConflictError(f"the ticket changed since it was read ({what}){suffix}", status=status)
    if status in (400, 422):
        details = body.get("details") if isinstance(body, dict) else None
        return ValidationError(
            f"Zendesk refused the request while {what}{suffix}", status=status, details=details or body
        )
    if status == 429:
        return RateBudgetError(f"rate-limited by Zendesk while {what}{suffix}", status=status)
    return ZendeskError(f"Zendesk answered {status} while {what}{suffix}", status=status)


def without_lone_surrogates(value: Any) -> Any:
    """JSON may escape half of a UTF-16 pair (``"\\ud800"``); Python decodes it into a string nothing can
    encode (not the journal, not a terminal). Such halves become U+FFFD where the data enters commops, so
    one applicant's broken text is that ticket's oddity, not every run's crash."""
    if isinstance(value, str):
        return clean_surrogates(value)
    if isinstance(value, list):
        return [without_lone_surrogates(v) for v in value]
    if isinstance(value, dict):
        return {clean_surrogates(k) if isinstance(k, str) else k: without_lone_surrogates(v) for k, v in value.items()}
    return value


def _json_or_text(response: requests.Response) -> object:
    try:
        return response.json()
    except ValueError:
        return response.text[:300]


def _describe(body: object) -> str:
    if isinstance(body, str):
        return body.strip()
    if not isinstance(body, dict):
        return ""
    if isinstance(body.get("errors"), list):
        return "; ".join(
            str(e.get("detail") or e.get("title") or e.get("code")) for e in body["errors"] if isinstance(e, dict)
        )
    text = " - ".join(str(body[k]) for k in ("error", "description") if isinstance(body.get(k), str))
    details = body.get("details")
    if isinstance(details, dict) and details:
        text += " " + json.dumps(details, sort_keys=True)[:300]
    return text


class ZendeskHttp:
    """JSON in, JSON out, through zenpy: it builds the URLs (honouring the forced scheme/host), sends
    with our session and checks the status; every failure leaves as a commops error."""

    def __init__(self, client: Zenpy, session: ZendeskSession, base_url: str) -> None:
        self.client = client
        self.session = session
        self.base_url = base_url
        self._api = client.tickets

    def url(self, path: str, params: dict[str, Any] | None = None) -> str:
        from zenpy.lib.endpoint import Url

        built: str = self._api._build_url(Url(path=path, params=params or {}))
        expected = urlsplit(self.base_url).netloc
        if urlsplit(built).netloc != expected and urlsplit(self.base_url).scheme == "http":
            # ZENPY_FORCE_* are process-wide: a second http:// account would silently redirect this one.
            raise ConfigError(
                f"another Zendesk connection in this process points zenpy at {urlsplit(built).netloc}, "
                f"not {expected}; use one plain-HTTP account per process"
            )
        return built

    def get(self, path_or_url: str, params: dict[str, Any] | None = None, *, what: str) -> dict[str, Any]:
        url = path_or_url if "://" in path_or_url else self.url(path_or_url, params)
        return self._call(self.session.get, url, what=what)

    def post(self, path: str, body: dict[str, Any], *, what: str) -> dict[str, Any]:
        return self._call(self.session.post, self.url(path), what=what, json=body)

    def put(self, path: str, body: dict[str, Any], *, what: str) -> dict[str, Any]:
        return self._call(self.session.put, self.url(path), what=what, json=body)

    def submit_job(self, path: str, body: dict[str, Any], *, what: str) -> dict[str, Any]:
        """A PUT that queues a background job (update_many). Zendesk's ``TooManyJobs`` 429 is not waited
        out by the session: it raises :class:`JobQueueFull`, so the writer can poll its own open jobs
        (which frees slots) instead of sleeping. Any other 429 is waited out as usual."""
        try:
            return self._call(self.session.put, self.url(path), what=what, json=body, commops_job_queue=True)
        except RateBudgetError as exc:
            if exc.status == 429 and "TooManyJobs" in str(exc):
                raise JobQueueFull(str(exc), status=429) from exc
            raise

    def _call(self, method: Callable[..., requests.Response], url: str, *, what: str, **kw: Any) -> dict[str, Any]:
        try:
            response = self._api._call_api(method, url, timeout=self._api.timeout, **kw)
            data = response.json()
            if b"\\ud" in response.content or b"\\uD" in response.content:
                data = without_lone_surrogates(data)
        except ValueError as exc:
            raise ZendeskError(f"Zendesk sent an answer that is not JSON while {what}") from exc
        except (ZenpyException, APIException, requests.RequestException) as exc:
            raise translate_error(exc, what, self.base_url) from exc
        if not isinstance(data, dict):
            raise ZendeskError(f"Zendesk sent an unexpected answer while {what}")
        return data
