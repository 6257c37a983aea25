"""The WSGI application: authentication, rate limits, faults, dispatch, Zendesk-shaped errors.

Requests under ``/_forges/`` go to the emulated GitHub and GitLab (:mod:`commops.sandbox.forges`), with
no Zendesk authentication, limits or faults. Order per other request: authenticate (401), count against
the limits (429), draw a fault, run jobs that are due, dispatch. Faults: ``429`` and ``5xx`` answer
*instead of* performing the request; ``slow`` performs it (writes included) and then sleeps ``slow_s``
before answering; ``drop`` performs it (writes included) and then closes the connection without an
answer — the nasty cases for exactly-once writes.
"""

from __future__ import annotations

import contextlib
import hmac
import json
import socket
import threading
import time
from collections.abc import Iterable
from typing import Any

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.wrappers import Request, Response

from commops.sandbox import forges, provision
from commops.sandbox.apierror import ApiError
from commops.sandbox.faults import FaultInjector
from commops.sandbox.jobs import JobRunner
from commops.sandbox.limits import RateLimiter
from commops.sandbox.oauth import OAuthRegistry, TokenGrant, required_scopes
from commops.sandbox.routes import HANDLERS, URL_MAP, Ctx, buckets_for
from commops.sandbox.store import SandboxStore

__all__ = ["SandboxApp"]

_UNAUTHORIZED = {"error": "Couldn't authenticate you"}
_NO_API_TOKENS = {"error": "Couldn't authenticate you",
                  "description": "API token access is turned off for this account; authenticate with OAuth"}
_TOKEN_PROBLEMS = {"expired": "The access token expired", "revoked": "The access token was revoked",
                   "invalid": "The access token is invalid"}


class SandboxApp:
    def __init__(self, store: SandboxStore, *, token: str, limiter: RateLimiter, faults: FaultInjector,
                 slow_s: float = 3.0, incremental_lag_s: float = 0.0, job_delay_s: float = 1.0,
                 pessimistic: bool = False, provision_secret: str = "",
                 oauth: OAuthRegistry | None = None) -> None:
        self.store = store
        self.provision_secret = provision_secret
        self.token = token
        self.oauth = oauth or OAuthRegistry(store.path, clock=store.clock)
        self.limiter = limiter
        self.faults = faults
        self.slow_s = slow_s
        self.incremental_lag_s = incremental_lag_s
        self.jobs = JobRunner(store, delay_s=job_delay_s, pessimistic=pessimistic)
        self.log: list[tuple[str, str, int]] = []
        self._log_lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        request = Request(environ)
        fault: str | None = None
        try:
            response, fault = self._handle(request)
        except Exception as exc:  # the last line: a JSON 500, never a traceback page
            response = _json(500, {"error": "InternalError", "description": f"{type(exc).__name__}: {exc}"})
        with self._log_lock:
            self.log.append((request.method, request.path, 0 if fault == "drop" else response.status_code))
        if fault == "slow":
            time.sleep(self.slow_s)
        if fault == "drop":
            connection = environ.get("werkzeug.socket")
            if isinstance(connection, socket.socket):
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)
            raise ConnectionResetError("sandbox fault: connection dropped")
        return response(environ, start_response)

    def _api_tokens(self) -> bool:
        """API tokens work unless the server was started without them or the account is OAuth-only."""
        return self.oauth.api_tokens and bool(self.store.profile().get("api_tokens", True))

    def _agent(self) -> dict[str, Any] | None:
        agents = self.store.users(self.store.agent_ids()[:1])
        return agents[0] if agents else None

    def _client_user_id(self) -> int:
        """Client-credentials tokens act as the client's owner: the admin who made the client in Admin Center."""
        email = "commops-bot@sandbox.invalid"
        user = self.store.user_by_email(email) or self.store.ensure_user("Commops-Bot", email, role="admin")
        return int(user["id"])

    def _agent_id(self) -> int:
        agent = self._agent()
        return int(agent["id"]) if agent else 0

    def _user(self, request: Request) -> tuple[dict[str, Any] | None, TokenGrant | None, Response | None]:
        """Who is calling, the OAuth grant if by token, or the 401 to answer."""
        auth = request.authorization
        refused = _json(401, _UNAUTHORIZED, {"WWW-Authenticate": 'Basic realm="Web Password"'})
        if auth is None:
            return None, None, refused
        if auth.type == "bearer":
            token = auth.token or ""
            if hmac.compare_digest(token, self.token):  # the sandbox's fixed bearer: a stand-in for an API token
                if not self._api_tokens():
                    return None, None, _json(401, _NO_API_TOKENS)
                return self._agent(), None, None
            grant = self.oauth.authenticate(token)
            if isinstance(grant, str):
                text = _TOKEN_PROBLEMS[grant]
                return None, None, _json(401, {"error": "invalid_token", "error_description": text}, {
                    "WWW-Authenticate": f'Bearer realm="Zendesk", error="invalid_token", error_description="{text}"'})
            user = self.store.user(grant.user_id) or self._agent()
            return user, grant, None if user is not None else refused
        username = auth.username or ""
        if not username.endswith("/token") or not hmac.compare_digest(auth.password or "", self.token):
            return None, None, refused
        if not self._api_tokens():
            return None, None, _json(401, _NO_API_TOKENS)
        email = username.removesuffix("/token").strip()
        if "@" not in email:
            return None, None, refused
        user = self.store.user_by_email(email)
        if user is None:
            user = self.store.ensure_user(email.split("@")[0].replace(".", " ").title(), email, role="agent")
        return user, None, None

    def _oauth_api(self, request: Request, grant: TokenGrant | None) -> Response:
        """``/api/v2/oauth/tokens/current.json`` (show, revoke), ``/tokens/{id}.json``, ``/clients.json``."""
        base = self.store.base_url
        path = request.path.removeprefix("/api/v2/oauth/")
        if path == "clients.json" and request.method == "GET":
            clients = self.oauth.clients(base)
            return _json(200, {"clients": clients, "next_page": None, "previous_page": None, "count": len(clients)})
        if path.startswith("tokens/") and path.endswith(".json"):
            which = path.removeprefix("tokens/").removesuffix(".json")
            if which == "current":
                if grant is None:  # an API token is not an OAuth token
                    return _json(404, {"error": "RecordNotFound", "description": "Not found"})
                token_id = grant.token_id
            elif which.isdigit():
                token_id = int(which)
            else:
                return _json(404, {"error": "InvalidEndpoint", "description": "Not found"})
            if request.method == "GET" and grant is not None and token_id == grant.token_id:
                return _json(200, {"token": self.oauth.show(grant, base)})
            if request.method == "DELETE":
                if self.oauth.revoke(token_id):
                    return Response(status=204)
                return _json(404, {"error": "RecordNotFound", "description": "Not found"})
            if request.method not in ("GET", "DELETE"):
                return _json(405, {"error": "MethodNotAllowed", "description": request.method})
            return _json(404, {"error": "RecordNotFound", "description": "Not found"})
        return _json(404, {"error": "InvalidEndpoint", "description": "Not found"})

    def _handle(self, request: Request) -> tuple[Response, str | None]:
        if request.path.startswith(forges.PREFIX):  # the emulated GitHub and GitLab: no Zendesk auth or limits
            return forges.answer(request, self.store.forge_index()), None
        if request.path.startswith(provision.PREFIX):  # the loopback provisioning receiver: no Zendesk auth
            status, body, fault = provision.receive(request, self.store, self.provision_secret)
            return _json(status, body), fault
        if request.path == "/oauth/tokens" and request.method == "POST":
            return self.oauth.token_endpoint(request, self._client_user_id), None
        if (request.path, request.method) in (("/oauth/authorizations/new", "GET"),
                                              ("/oauth/authorizations", "POST")):
            # The consent page runs in the agent's signed-in browser: the sandbox's agent is signed in.
            return self.oauth.authorize(request, self._agent_id()), None
        if request.path.startswith("/api/v2/oauth/"):
            user, grant, refusal = self._user(request)
            if refusal is not None:
                return refusal, None
            return self._oauth_api(request, grant), None
        adapter = URL_MAP.bind_to_environ(request.environ)
        try:
            endpoint, values = adapter.match()
        except NotFound:
            return _json(404, {"error": "InvalidEndpoint", "description": "Not found"}), None
        except MethodNotAllowed:
            return _json(405, {"error": "MethodNotAllowed", "description": request.method}), None
        except HTTPException as exc:
            return _json(exc.code or 400, {"error": "BadRequest", "description": str(exc)}), None
        user, grant, refusal = self._user(request)
        if refusal is not None or user is None:
            return refusal or _json(401, _UNAUTHORIZED), None
        if grant is not None:
            needed = required_scopes(request.path, request.method)
            if not needed & grant.scopes:
                plain = "write" if "write" in needed else "read"
                return _json(403, {"error": "Forbidden",
                                   "description": f"You are missing the following required scopes: {plain}"}), None
        decision = self.limiter.hit(buckets_for(str(endpoint), request.method, values))
        headers = dict(decision.headers)
        if not decision.allowed:
            headers["Retry-After"] = str(decision.retry_after)
            return _json(429, {"error": "TooManyRequests", "description": "Rate limit exceeded"}, headers), None
        fault = self.faults.draw()
        if fault == "429":
            headers["Retry-After"] = "1"
            return _json(429, {"error": "TooManyRequests", "description": "Rate limit exceeded"}, headers), fault
        if fault in ("500", "502", "503"):
            if fault == "503":
                headers["Retry-After"] = "1"
            return _json(int(fault), {"error": "ServiceUnavailable" if fault == "503" else "InternalError",
                                      "description": "sandbox fault injection"}, headers), fault
        self.jobs.run_due()
        ctx = Ctx(request=request, store=self.store, jobs=self.jobs, user=user, base=self.store.base_url,
                  incremental_lag_s=self.incremental_lag_s, job_fails=self.faults.job_fails)
        try:
            status, body = HANDLERS[str(endpoint)](ctx, **values)
        except ApiError as exc:
            headers.update(exc.headers)
            return _json(exc.status, exc.body, headers), fault
        if status == 204:
            return Response(status=204, headers=headers), fault
        return _json(status, body, headers), fault

    def request_log(self) -> list[tuple[str, str, int]]:
        with self._log_lock:
            return list(self.log)


def _json(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(body), status=status, headers=headers or {},
                    content_type="application/json; charset=utf-8")
