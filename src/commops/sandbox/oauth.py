"""Zendesk's OAuth, as the sandbox serves it: clients, expiring tokens, rotating refresh tokens, scopes.

Endpoints (Zendesk's request and response shapes): ``POST /oauth/tokens`` (grants ``client_credentials``,
``authorization_code`` with PKCE S256 or the client secret, ``refresh_token``), ``GET
/oauth/authorizations/new`` (consent: approve at once, deny, or ask with a form posted to ``POST
/oauth/authorizations``), ``GET``/``DELETE /api/v2/oauth/tokens/current.json`` (or ``/{id}.json``) and
``GET /api/v2/oauth/clients.json``.

Stricter than kind: tokens expire for real (the lifetime is the smaller of the client's ``expires_in`` and
the sandbox's ``token_ttl_s``); a refresh deletes the previous access *and* refresh token, so a rotated
refresh token used again answers ``invalid_grant``; an authorization code is single-use, valid 120 s and
bound to its client, redirect URI and PKCE challenge; ``expires_in`` outside 300..172,800 s is refused.
Tokens are stored as SHA-256 digests, never in clear. A token request whose client hung up before the
sandbox acted on it is not acted on (as a proxy in front of Zendesk drops it), so a killed client never
loses a rotation it did not receive.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import html
import json
import secrets
import socket
import sqlite3
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from werkzeug.wrappers import Request, Response

__all__ = [
    "CODE_TTL_S",
    "DEFAULT_CLIENT_ID",
    "DEFAULT_CLIENT_SECRET",
    "OAuthRegistry",
    "TokenGrant",
    "required_scopes",
]

DEFAULT_CLIENT_ID = "commops-sandbox"
DEFAULT_CLIENT_SECRET = "sandbox-client-secret"  # public knowledge, like the sandbox's API token
CODE_TTL_S = 120.0
MIN_EXPIRES_IN, MAX_EXPIRES_IN = 300, 172_800
DEFAULT_REFRESH_TTL_S = 30 * 24 * 3600.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS oauth_clients (id INTEGER PRIMARY KEY, identifier TEXT UNIQUE NOT NULL,
                                          secret_sha TEXT NOT NULL, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS oauth_tokens (id INTEGER PRIMARY KEY, token_sha TEXT UNIQUE NOT NULL,
                                         refresh_sha TEXT UNIQUE, client TEXT NOT NULL, user_id INTEGER NOT NULL,
                                         scopes TEXT NOT NULL, created REAL NOT NULL, expires REAL,
                                         refresh_expires REAL, pkce INTEGER NOT NULL DEFAULT 0,
                                         revoked INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS oauth_codes (code_sha TEXT PRIMARY KEY, client TEXT NOT NULL, user_id INTEGER NOT NULL,
                                        redirect_uri TEXT NOT NULL, scopes TEXT NOT NULL, challenge TEXT,
                                        expires REAL NOT NULL, used INTEGER NOT NULL DEFAULT 0);
"""

# Resource scopes Zendesk documents; "read"/"write" cover every resource.
_RESOURCES = ("tickets", "users", "macros", "organizations", "hc", "apps", "triggers", "automations",
              "targets", "webhooks", "requests", "satisfaction_ratings", "dynamic_content", "auditlogs")
_KNOWN_SCOPES = frozenset({"read", "write", "impersonate",
                           *(f"{r}:{a}" for r in _RESOURCES for a in ("read", "write"))})
# Which resource an API path belongs to, for resource scopes (anything else needs plain read/write).
_PATH_RESOURCE = {"tickets": "tickets", "search": "tickets", "incremental": "tickets", "job_statuses": "tickets",
                  "ticket_fields": "tickets", "ticket_forms": "tickets", "views": "tickets",
                  "users": "users", "groups": "users", "macros": "macros",
                  "satisfaction_ratings": "satisfaction_ratings"}


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def required_scopes(path: str, method: str) -> frozenset[str]:
    """The scopes of which a token needs one to call ``method path`` (``/api/v2/...``)."""
    action = "read" if method.upper() in ("GET", "HEAD", "OPTIONS") else "write"
    parts = path.removeprefix("/api/v2/").split("/")
    head = parts[0].removesuffix(".json")
    resource = _PATH_RESOURCE.get(head)
    return frozenset({action, f"{resource}:{action}"} if resource else {action})


@dataclass(frozen=True)
class TokenGrant:
    """What a valid access token grants: whose it is and which scopes."""

    token_id: int
    user_id: int
    client: str
    scopes: frozenset[str]
    expires: float | None


@dataclass
class _Problem(Exception):
    status: int
    error: str
    description: str
    headers: dict[str, str] = field(default_factory=dict)


class OAuthRegistry:
    """Clients, codes and tokens of one sandbox account, in tables of the account's SQLite file.

    ``consent``: ``approve`` (the consent page approves a loopback redirect at once), ``deny`` (it
    answers ``access_denied``) or ``ask`` (it shows a form to approve or deny). ``api_tokens`` False
    makes the account OAuth-only: API tokens and the sandbox's fixed bearer token are refused (as
    Zendesk will refuse every API token from 2027-04-30).
    """

    def __init__(self, path: Path, *, clock: Callable[[], float], token_ttl_s: float = 1800.0,
                 client_id: str = DEFAULT_CLIENT_ID, client_secret: str = DEFAULT_CLIENT_SECRET,
                 refresh_ttl_s: float = DEFAULT_REFRESH_TTL_S, consent: str = "approve",
                 api_tokens: bool = True) -> None:
        self.clock = clock
        self.token_ttl_s = token_ttl_s
        self.refresh_ttl_s = refresh_ttl_s
        self.consent = consent
        self.api_tokens = api_tokens
        self.client_id = client_id
        self.token_requests = 0
        # Called before a token request is acted on: a test stalls the endpoint here (a slow Zendesk).
        self.hold: Callable[[], object] | None = None
        self._lock = threading.RLock()
        self._path = path
        self._connection: sqlite3.Connection | None = None
        self.ensure_client(client_id, client_secret, name="commops (sandbox)")

    @property
    def _db(self) -> sqlite3.Connection:
        """The connection, opened on first use (and again after :meth:`close`)."""
        with self._lock:
            if self._connection is None:
                connection = sqlite3.connect(str(self._path), check_same_thread=False, timeout=10.0,
                                             isolation_level=None)
                connection.execute("PRAGMA journal_mode=WAL")
                connection.executescript(_SCHEMA)
                self._connection = connection
            return self._connection

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None

    @contextlib.contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    # ----- clients -------------------------------------------------------------------------------------

    def ensure_client(self, identifier: str, secret: str, *, name: str, user_id: int = 0) -> None:
        """A confidential client with this identifier and secret (the secret is replaced if it differs)."""
        now = self.clock()
        with self._tx() as db:
            row = db.execute("SELECT id, doc FROM oauth_clients WHERE identifier = ?", (identifier,)).fetchone()
            if row is None:
                doc = {"name": name, "identifier": identifier, "kind": "confidential", "user_id": user_id,
                       "company": "commops", "description": "seeded by the commops sandbox",
                       "redirect_uri": ["http://127.0.0.1/callback"], "created_at": _iso(now),
                       "updated_at": _iso(now)}
                db.execute("INSERT INTO oauth_clients (identifier, secret_sha, doc) VALUES (?, ?, ?)",
                           (identifier, _sha(secret), json.dumps(doc)))
            else:
                db.execute("UPDATE oauth_clients SET secret_sha = ? WHERE id = ?", (_sha(secret), row[0]))

    def clients(self, base: str) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._db.execute("SELECT id, doc FROM oauth_clients ORDER BY id").fetchall()
        out = []
        for client_id, doc in rows:
            item = {"id": client_id, **json.loads(doc), "secret": "********",
                    "url": f"{base}/api/v2/oauth/clients/{client_id}.json"}
            out.append(item)
        return out

    def _client_secret_ok(self, identifier: str, secret: str | None) -> bool:
        with self._lock:
            row = self._db.execute("SELECT secret_sha FROM oauth_clients WHERE identifier = ?",
                                   (identifier,)).fetchone()
        return row is not None and secret is not None and hmac.compare_digest(row[0], _sha(secret))

    def _client_known(self, identifier: str) -> bool:
        with self._lock:
            return self._db.execute("SELECT 1 FROM oauth_clients WHERE identifier = ?",
                                    (identifier,)).fetchone() is not None

    # ----- bearer tokens on API requests ----------------------------------------------------------------

    def authenticate(self, token: str) -> TokenGrant | str:
        """The grant of a live token, else why not: ``expired``, ``revoked`` or ``invalid``."""
        with self._lock:
            row = self._db.execute(
                "SELECT id, user_id, client, scopes, expires, revoked FROM oauth_tokens WHERE token_sha = ?",
                (_sha(token),)).fetchone()
        if row is None:
            return "invalid"
        token_id, user_id, client, scopes, expires, revoked = row
        if revoked:
            return "revoked"
        if expires is not None and self.clock() >= expires:
            return "expired"
        return TokenGrant(int(token_id), int(user_id), str(client), frozenset(str(scopes).split()), expires)

    def show(self, grant: TokenGrant, base: str) -> dict[str, Any]:
        with self._lock:
            row = self._db.execute("SELECT created, refresh_expires FROM oauth_tokens WHERE id = ?",
                                   (grant.token_id,)).fetchone()
        created, refresh_expires = row
        return {"id": grant.token_id, "url": f"{base}/api/v2/oauth/tokens/{grant.token_id}.json",
                "user_id": grant.user_id, "client_id": self._client_row_id(grant.client), "token": "****",
                "refresh_token": None, "scopes": sorted(grant.scopes), "created_at": _iso(created),
                "expires_at": _iso(grant.expires) if grant.expires is not None else None,
                "refresh_token_expires_at": _iso(refresh_expires) if refresh_expires else None,
                "used_at": _iso(self.clock())}

    def _client_row_id(self, identifier: str) -> int | None:
        with self._lock:
            row = self._db.execute("SELECT id FROM oauth_clients WHERE identifier = ?", (identifier,)).fetchone()
        return int(row[0]) if row else None

    def revoke(self, token_id: int) -> bool:
        with self._tx() as db:
            cursor = db.execute("UPDATE oauth_tokens SET revoked = 1, refresh_sha = NULL WHERE id = ?", (token_id,))
            return cursor.rowcount > 0

    def revoke_all(self) -> int:
        """Revoke every token (a test's "an admin revoked the client's tokens")."""
        with self._tx() as db:
            return db.execute("UPDATE oauth_tokens SET revoked = 1, refresh_sha = NULL WHERE revoked = 0").rowcount

    # ----- the token endpoint ---------------------------------------------------------------------------

    def token_endpoint(self, request: Request, agent_id: Callable[[], int]) -> Response:
        """``POST /oauth/tokens``."""
        self.token_requests += 1
        if self.hold is not None:
            self.hold()
        try:
            params = _params(request)
            grant = str(params.get("grant_type") or "")
            if grant == "client_credentials":
                body = self._client_credentials(params, agent_id(), request)
            elif grant == "authorization_code":
                body = self._authorization_code(params, request)
            elif grant == "refresh_token":
                body = self._refresh(params, request)
            else:
                raise _Problem(400, "unsupported_grant_type",
                               "The authorization grant type is not supported by the authorization server.")
        except _Problem as problem:
            return self._json(problem.status, {"error": problem.error, "error_description": problem.description},
                              problem.headers)
        return self._json(200, body, {"Cache-Control": "no-store", "Pragma": "no-cache"})

    def _json(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
        return Response(json.dumps(body), status=status, headers=headers or {},
                        content_type="application/json; charset=utf-8")

    def _lifetime(self, params: dict[str, Any], key: str, cap: float) -> float:
        raw = params.get(key)
        if raw in (None, ""):
            return cap
        try:
            value = int(str(raw))
        except ValueError:
            raise _Problem(400, "invalid_request", f"{key} must be a whole number of seconds") from None
        if not MIN_EXPIRES_IN < value < MAX_EXPIRES_IN:
            raise _Problem(400, "invalid_request",
                           f"{key} must be more than {MIN_EXPIRES_IN} and less than {MAX_EXPIRES_IN} seconds")
        return min(float(value), cap)

    def _scopes(self, raw: object, default: str = "read write") -> str:
        text = str(raw or default).replace(",", " ")
        scopes = [s for s in text.split() if s]
        unknown = [s for s in scopes if s not in _KNOWN_SCOPES]
        if unknown or not scopes:
            raise _Problem(400, "invalid_scope",
                           "The requested scope is invalid, unknown, or malformed.")
        return " ".join(dict.fromkeys(scopes))

    def _check_client(self, params: dict[str, Any], *, secret_required: bool) -> str:
        client = str(params.get("client_id") or "")
        secret = params.get("client_secret")
        ok = self._client_secret_ok(client, None if secret is None else str(secret)) if (
            secret is not None or secret_required) else self._client_known(client)
        if not ok:
            raise _Problem(401, "invalid_client", "Client authentication failed due to unknown client, no client "
                           "authentication included, or unsupported authentication method.",
                           {"WWW-Authenticate": 'Bearer realm="Zendesk", error="invalid_client"'})
        return client

    def _issue(self, db: sqlite3.Connection, client: str, user_id: int, scopes: str, ttl: float,
               refresh_ttl: float | None, pkce: bool) -> dict[str, Any]:
        now = self.clock()
        access = secrets.token_hex(32)
        refresh = secrets.token_hex(32) if refresh_ttl is not None else None
        db.execute(
            "INSERT INTO oauth_tokens (token_sha, refresh_sha, client, user_id, scopes, created, expires, "
            "refresh_expires, pkce) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (_sha(access), _sha(refresh) if refresh else None, client, user_id, scopes, now, now + ttl,
             now + refresh_ttl if refresh_ttl is not None else None, int(pkce)))
        body: dict[str, Any] = {"access_token": access, "token_type": "bearer", "scope": scopes,
                                "expires_in": int(ttl)}
        if refresh is not None and refresh_ttl is not None:
            body["refresh_token"] = refresh
            body["refresh_token_expires_in"] = int(refresh_ttl)
        return body

    def _client_credentials(self, params: dict[str, Any], user_id: int, request: Request) -> dict[str, Any]:
        client = self._check_client(params, secret_required=True)
        scopes = self._scopes(params.get("scope"))
        ttl = self._lifetime(params, "expires_in", self.token_ttl_s)
        _give_up_if_gone(request)
        with self._tx() as db:
            return self._issue(db, client, user_id, scopes, ttl, None, pkce=False)

    def _authorization_code(self, params: dict[str, Any], request: Request) -> dict[str, Any]:
        verifier = params.get("code_verifier")
        client = self._check_client(params, secret_required=verifier is None)
        code = str(params.get("code") or "")
        redirect_uri = str(params.get("redirect_uri") or "")
        invalid = _Problem(400, "invalid_grant", "The provided authorization grant is invalid, expired, revoked, "
                           "does not match the redirection URI used in the authorization request, or was issued "
                           "to another client.")
        ttl = self._lifetime(params, "expires_in", self.token_ttl_s)
        refresh_ttl = self._lifetime(params, "refresh_token_expires_in", self.refresh_ttl_s)
        _give_up_if_gone(request)
        with self._tx() as db:
            row = db.execute("SELECT client, user_id, redirect_uri, scopes, challenge, expires, used FROM oauth_codes "
                             "WHERE code_sha = ?", (_sha(code),)).fetchone()
            if row is None:
                raise invalid
            db.execute("UPDATE oauth_codes SET used = 1 WHERE code_sha = ?", (_sha(code),))
            owner, user_id, bound_uri, scopes, challenge, expires, used = row
            if used or owner != client or bound_uri != redirect_uri or self.clock() >= expires:
                raise invalid
            if challenge is not None:
                if verifier is None or not hmac.compare_digest(_s256(str(verifier)), str(challenge)):
                    raise invalid
            elif verifier is not None:
                raise invalid
            return self._issue(db, client, int(user_id), str(scopes), ttl, refresh_ttl, pkce=challenge is not None)

    def _refresh(self, params: dict[str, Any], request: Request) -> dict[str, Any]:
        token = str(params.get("refresh_token") or "")
        invalid = _Problem(400, "invalid_grant", "The provided authorization grant is invalid, expired, revoked, "
                           "does not match the redirection URI used in the authorization request, or was issued "
                           "to another client.")
        with self._lock:
            row = self._db.execute("SELECT id, client, user_id, scopes, refresh_expires, pkce FROM oauth_tokens "
                                   "WHERE refresh_sha = ? AND revoked = 0", (_sha(token),)).fetchone()
        if row is None:
            raise invalid
        token_id, owner, user_id, scopes, refresh_expires, pkce = row
        # A refresh token from a PKCE login needs no secret (the laptop has none); any other needs it.
        client = self._check_client(params, secret_required=not pkce)
        if client != owner or (refresh_expires is not None and self.clock() >= refresh_expires):
            raise invalid
        ttl = self._lifetime(params, "expires_in", self.token_ttl_s)
        refresh_ttl = self._lifetime(params, "refresh_token_expires_in", self.refresh_ttl_s)
        _give_up_if_gone(request)
        with self._tx() as db:
            # The previous access and refresh token are deleted (Zendesk: "delete the previous access and
            # refresh tokens"); a second use of the same refresh token finds nothing: invalid_grant.
            gone = db.execute("UPDATE oauth_tokens SET revoked = 1, refresh_sha = NULL WHERE id = ? AND revoked = 0 "
                              "AND refresh_sha = ?", (token_id, _sha(token))).rowcount
            if not gone:
                raise invalid
            return self._issue(db, str(owner), int(user_id), str(scopes), ttl, refresh_ttl, pkce=bool(pkce))

    # ----- the consent page ----------------------------------------------------------------------------

    def authorize(self, request: Request, agent_id: int) -> Response:
        """``GET /oauth/authorizations/new`` and the consent form's ``POST /oauth/authorizations``."""
        params = dict(request.args.items()) if request.method == "GET" else dict(request.form.items())
        client = str(params.get("client_id") or "")
        redirect_uri = str(params.get("redirect_uri") or "")
        if not self._client_known(client):
            return _page(400, "Unknown OAuth client", f"No OAuth client {client!r} exists in this account.")
        if not _loopback(redirect_uri):
            return _page(400, "Invalid redirect URI", "The sandbox redirects only to http://127.0.0.1 or localhost.")
        if params.get("response_type") != "code":
            return _redirect(redirect_uri, {"error": "unsupported_response_type", "state": params.get("state")})
        method = params.get("code_challenge_method")
        challenge = params.get("code_challenge")
        if challenge is not None and method != "S256":
            return _redirect(redirect_uri, {"error": "invalid_request", "error_description":
                                            "code_challenge_method must be S256", "state": params.get("state")})
        try:
            scopes = self._scopes(params.get("scope"), default="read")
        except _Problem as problem:
            return _redirect(redirect_uri, {"error": problem.error, "state": params.get("state")})
        decision = self.consent if request.method == "GET" else str(params.get("decision") or "deny")
        if decision == "ask":
            return _consent_form(params, scopes)
        if decision != "approve":
            return _redirect(redirect_uri, {"error": "access_denied", "error_description":
                                            "The resource owner or authorization server denied the request.",
                                            "state": params.get("state")})
        code = secrets.token_urlsafe(32)
        with self._tx() as db:
            db.execute("INSERT INTO oauth_codes VALUES (?, ?, ?, ?, ?, ?, ?, 0)",
                       (_sha(code), client, agent_id, redirect_uri, scopes, challenge, self.clock() + CODE_TTL_S))
        return _redirect(redirect_uri, {"code": code, "state": params.get("state")})


def _iso(ts: float) -> str:
    from commops.sandbox.store import iso

    return iso(ts)


def _s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def _params(request: Request) -> dict[str, Any]:
    """Zendesk takes the token request as JSON or as a form."""
    if request.mimetype == "application/json":
        try:
            data = json.loads(request.get_data(as_text=True) or "{}")
        except ValueError:
            raise _Problem(400, "invalid_request", "The request body is not valid JSON") from None
        if not isinstance(data, dict):
            raise _Problem(400, "invalid_request", "The request body must be a JSON object")
        return data
    return dict(parse_qsl(request.get_data(as_text=True))) or dict(request.form.items())


def _give_up_if_gone(request: Request) -> None:
    """Act on a token request only while its client is still there to receive the answer."""
    connection = request.environ.get("werkzeug.socket")
    if not isinstance(connection, socket.socket):
        return
    try:
        peeked = connection.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT)
    except (BlockingIOError, InterruptedError):
        return
    except OSError:
        peeked = b""
    if peeked == b"":
        raise _Problem(499, "client_closed_request", "the client hung up before the answer")


def _loopback(uri: str) -> bool:
    parts = urlsplit(uri)
    return parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost", "::1")


def _redirect(uri: str, query: dict[str, Any]) -> Response:
    clean = {k: v for k, v in query.items() if v is not None}
    glue = "&" if urlsplit(uri).query else "?"
    return Response("", status=302, headers={"Location": f"{uri}{glue}{urlencode(clean)}"})


def _page(status: int, title: str, text: str) -> Response:
    body = f"<!doctype html><title>{html.escape(title)}</title><h1>{html.escape(title)}</h1><p>{html.escape(text)}</p>"
    return Response(body, status=status, content_type="text/html; charset=utf-8")


def _consent_form(params: dict[str, Any], scopes: str) -> Response:
    hidden = "".join(f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(str(v))}">'
                     for k, v in params.items() if k != "decision")
    body = ("<!doctype html><title>Allow access?</title><h1>Allow access to your Zendesk account?</h1>"
            f"<p>{html.escape(str(params.get('client_id')))} asks for: {html.escape(scopes)}</p>"
            f'<form method="post" action="/oauth/authorizations">{hidden}'
            '<button name="decision" value="approve">Allow</button>'
            '<button name="decision" value="deny">Deny</button></form>')
    return Response(body, status=200, content_type="text/html; charset=utf-8")
