"""``commops auth login``: the OAuth authorization code grant with PKCE, for a specialist's machine.

The browser is sent to the account's consent page; Zendesk redirects to a one-shot listener on
``127.0.0.1`` (RFC 8252's loopback redirect) carrying the code, which is exchanged — with the PKCE
verifier, never a secret in the URL — for an access and a refresh token. Without a browser on this
machine (``--no-browser``) the person pastes the address the browser ended on (or just the code).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import requests

from commops.config import ZendeskSettings
from commops.errors import AuthError, ConfigError, LoginRequiredError, UnreachableError
from commops.zendesk.auth import LoginStore, TokenClient, login_store

__all__ = ["LoginResult", "login"]

CALLBACK_PATH = "/callback"


@dataclass(frozen=True)
class LoginResult:
    """What ``auth login`` reports: who signed in, with which scopes, where the login is kept."""

    email: str
    name: str
    scopes: list[str]
    expires_in_s: int | None
    where: str


def _pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(64)[:96]
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


class _Callback:
    """A one-shot HTTP listener on 127.0.0.1 that catches the redirect with the code."""

    def __init__(self, port: int) -> None:
        self.query: dict[str, str] = {}
        self.done = threading.Event()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                if parts.path != CALLBACK_PATH:
                    self.send_error(404)
                    return
                outer.query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                ok = "code" in outer.query
                body = ("<!doctype html><title>commops</title><p>"
                        + ("Signed in. You can close this window and return to the terminal."
                           if ok else "Sign-in was not completed; see the terminal.") + "</p>").encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                outer.done.set()

            def log_message(self, format: str, *args: Any) -> None:  # quiet: the URL carries the code
                return

        try:
            self.server = HTTPServer(("127.0.0.1", port), Handler)
        except OSError as exc:
            raise ConfigError(f"cannot listen on 127.0.0.1:{port} for the sign-in redirect: "
                              f"{exc.strerror or exc}", hint="pick another --port, or use --no-browser") from None
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name="commops-login", daemon=True)
        self._thread.start()

    def wait(self, timeout_s: float) -> dict[str, str]:
        got = self.done.wait(timeout_s)
        self.close()
        if not got:
            raise LoginRequiredError(f"no answer from the browser within {timeout_s:g}s; nothing was stored",
                                     hint="run `commops auth login` again, or `--no-browser` to paste the code")
        return self.query

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _from_paste(text: str) -> dict[str, str]:
    text = text.strip()
    if "code=" in text or "error=" in text:
        return {k: v[0] for k, v in parse_qs(urlsplit(text).query or text.lstrip("?")).items()}
    return {"code": text} if text else {}


def login(settings: ZendeskSettings, home: Path, *, show_url: Callable[[str], None],
          paste: Callable[[], str] | None = None, port: int = 8400, timeout_s: float = 300.0,
          warn: Callable[[str], None] = lambda text: None, count: Callable[[str], None] = lambda key: None,
          ) -> LoginResult:
    """Run the grant and store the refresh token; ``paste`` set means no listener (``--no-browser``)."""
    if not settings.configured:
        raise ConfigError("commops auth login needs an account: set COMMOPS_ZENDESK_URL (or zendesk.subdomain)")
    if not settings.client_id:
        raise ConfigError("commops auth login needs the OAuth client's identifier: set COMMOPS_ZENDESK_CLIENT_ID",
                          hint="docs/configuration.md: how an admin creates the OAuth client")
    verifier, challenge = _pkce()
    state = secrets.token_urlsafe(24)
    listener = None if paste is not None else _Callback(port)
    redirect_uri = f"http://127.0.0.1:{listener.port if listener else port or 8400}{CALLBACK_PATH}"
    url = settings.base_url + "/oauth/authorizations/new?" + urlencode({
        "response_type": "code", "client_id": settings.client_id, "redirect_uri": redirect_uri,
        "scope": settings.scope, "state": state, "code_challenge": challenge, "code_challenge_method": "S256"})
    try:
        show_url(url)
        answer = listener.wait(timeout_s) if listener is not None else _from_paste(paste() if paste else "")
    finally:
        if listener is not None and not listener.done.is_set():
            listener.close()
    if "error" in answer:
        raise LoginRequiredError(f"Zendesk did not grant access: {answer.get('error')}"
                                 + (f" ({answer['error_description']})" if answer.get("error_description") else "")
                                 + "; nothing was stored", hint="run `commops auth login` again and allow access")
    if "state" in answer and answer["state"] != state:
        raise AuthError("the sign-in answer does not belong to this login (state mismatch); nothing was stored",
                        hint="run `commops auth login` again")
    code = answer.get("code")
    if not code:
        raise LoginRequiredError("no authorization code arrived; nothing was stored",
                                 hint="paste the whole address the browser ended on, or the code= value")
    client = TokenClient(settings, count=count)
    try:
        tokens = client.post({"grant_type": "authorization_code", "code": code, "client_id": settings.client_id,
                              "client_secret": settings.client_secret, "redirect_uri": redirect_uri,
                              "code_verifier": verifier, "scope": settings.scope,
                              "expires_in": settings.token_expires_in_s}, what="exchanging the sign-in code")
    finally:
        client.close()
    if tokens.refresh is None:
        raise AuthError("Zendesk answered without a refresh token, so the login could not be kept",
                        hint="the OAuth client must issue expiring tokens with refresh tokens (the default for new "
                        "clients)")
    store: LoginStore = login_store(settings, home, warn)
    store.warn_if_file()
    with store.locked():
        store.put(tokens.refresh)
    me = _me(settings, tokens.access.get_secret_value())
    return LoginResult(email=str(me.get("email") or ""), name=str(me.get("name") or ""),
                       scopes=sorted(tokens.scopes), expires_in_s=int(tokens.lifetime_s) if tokens.lifetime_s else None,
                       where=store.where)


def _me(settings: ZendeskSettings, access: str) -> dict[str, Any]:
    try:
        response = requests.get(settings.base_url + "/api/v2/users/me.json",
                                headers={"Authorization": f"Bearer {access}"}, timeout=settings.timeout_s)
    except requests.RequestException as exc:
        raise UnreachableError(f"cannot reach Zendesk at {settings.base_url}: {type(exc).__name__}") from None
    if response.status_code != 200:
        return {}
    user = (response.json() or {}).get("user") or {}
    return user if isinstance(user, dict) else {}
