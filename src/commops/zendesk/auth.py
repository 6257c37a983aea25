"""How commops proves who it is to Zendesk: OAuth clients, a person's OAuth login, legacy API tokens, bearer.

Zendesk retires API tokens on 2027-04-30; OAuth access tokens expire (30 minutes by default). Each mode
is a ``requests`` auth hook on the gateway's session (zenpy is handed that session and adds nothing):

- ``oauth-client``: the client credentials grant with a confidential client's id and secret; the token
  lives in memory (optionally cached 0600 under ``COMMOPS_HOME``) and is renewed before it expires.
- ``oauth-login``: the refresh token ``commops auth login`` stored (OS keyring, else a 0600 file);
  each refresh rotates it and the new one replaces the old one before anything else happens.
- ``api-token``: email/token basic auth, with one warning per run naming the end date.
- ``bearer``: a token from elsewhere, used as is.

A 401 that says the token *expired* renews it once and the request is sent again: Zendesk refused it
before doing anything, so even a write is known not to have landed. Secrets are ``SecretStr`` and
never leave this module in text (not in messages, logs, ``repr`` or exceptions).
"""

from __future__ import annotations

import abc
import contextlib
import hashlib
import json
import os
import tempfile
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, ClassVar, Literal, cast

import requests
from pydantic import SecretStr
from requests.auth import AuthBase, HTTPBasicAuth

from commops.config import ZendeskSettings
from commops.errors import (
    AuthError,
    ClockSkewError,
    ConfigError,
    LoginRequiredError,
    ScopeError,
    TokenExpiredError,
    UnreachableError,
)

__all__ = [
    "API_TOKEN_END",
    "ApiTokenAuth",
    "AuthMode",
    "BearerAuth",
    "ClientCredentialsAuth",
    "LoginAuth",
    "LoginStore",
    "TokenAnswer",
    "TokenCache",
    "TokenClient",
    "ZendeskAuth",
    "build_auth",
    "login_store",
    "resolve_mode",
    "token_client",
]

AuthMode = Literal["oauth-client", "oauth-login", "api-token", "bearer"]
MODES: tuple[AuthMode, ...] = ("oauth-client", "oauth-login", "api-token", "bearer")
API_TOKEN_END = "2027-04-30"
TOKEN_PATH = "/oauth/tokens"
KEYRING_SERVICE = "commops-zendesk"


def resolve_mode(settings: ZendeskSettings) -> AuthMode:
    """The configured mode: ``zendesk.auth`` if set, else the first whose credentials are present."""
    if settings.auth:
        if settings.auth not in MODES:
            raise ConfigError(f"zendesk.auth {settings.auth!r} is not one of {', '.join(MODES)}",
                              hint="set COMMOPS_ZENDESK_AUTH (or zendesk.auth) to oauth-client for cron jobs")
        return cast(AuthMode, str(settings.auth))
    if settings.client_id and settings.client_secret is not None:
        return "oauth-client"
    if settings.oauth_token is not None:
        return "bearer"
    if settings.token is not None and settings.email:
        return "api-token"
    if settings.client_id:
        return "oauth-login"
    raise ConfigError(
        "no Zendesk credentials: set COMMOPS_ZENDESK_CLIENT_ID and COMMOPS_ZENDESK_CLIENT_SECRET "
        "(an OAuth client), or run `commops auth login`",
        hint="docs/configuration.md explains how an admin creates the OAuth client in Admin Center",
    )


# ----- the token endpoint ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TokenAnswer:
    """One answer of ``POST /oauth/tokens``; ``expires_at`` on the monotonic clock."""

    access: SecretStr
    scopes: frozenset[str]
    expires_at: float | None
    lifetime_s: float | None
    refresh: SecretStr | None = None
    refresh_expires_in_s: float | None = None


class TokenClient:
    """Talks to ``POST {account}/oauth/tokens`` on its own session (never the gateway's auth hook)."""

    def __init__(self, settings: ZendeskSettings, *, count: Callable[[str], None] = lambda key: None,
                 clock: Callable[[], float] = time.monotonic, wall: Callable[[], float] = time.time) -> None:
        self.base_url = settings.base_url
        self.timeout_s = settings.timeout_s
        self.max_skew_s = settings.max_clock_skew_s
        self._count = count
        self._clock = clock
        self._wall = wall
        self._session = requests.Session()

    def close(self) -> None:
        self._session.close()

    def post(self, body: dict[str, Any], *, what: str) -> TokenAnswer:
        self._count("POST /oauth/tokens")
        sent = {k: v.get_secret_value() if isinstance(v, SecretStr) else v for k, v in body.items() if v is not None}
        try:
            response = self._session.post(self.base_url + TOKEN_PATH, json=sent, timeout=self.timeout_s)
        except requests.RequestException as exc:
            raise UnreachableError(f"cannot reach Zendesk's token endpoint at {self.base_url} while {what}: "
                                   f"{type(exc).__name__}", hint="check zendesk.url and your network") from None
        self._check_clock(response)
        try:
            data = response.json()
        except ValueError:
            data = {}
        if not isinstance(data, dict):
            data = {}
        if response.status_code != 200:
            raise _token_error(response.status_code, data, what, self.base_url)
        access = data.get("access_token")
        if not isinstance(access, str) or not access:
            raise AuthError(f"Zendesk's token endpoint answered without an access token while {what}")
        expires_in = data.get("expires_in")
        lifetime = float(expires_in) if isinstance(expires_in, (int, float)) else None
        refresh = data.get("refresh_token")
        refresh_in = data.get("refresh_token_expires_in")
        return TokenAnswer(
            access=SecretStr(access),
            scopes=frozenset(str(data.get("scope") or "").replace(",", " ").split()),
            expires_at=self._clock() + lifetime if lifetime is not None else None,
            lifetime_s=lifetime,
            refresh=SecretStr(refresh) if isinstance(refresh, str) and refresh else None,
            refresh_expires_in_s=float(refresh_in) if isinstance(refresh_in, (int, float)) else None,
        )

    def _check_clock(self, response: requests.Response) -> None:
        """Zendesk's ``Date`` against ours: expiry, SLA days and business hours all assume they agree."""
        raw = response.headers.get("Date")
        if not raw:
            return
        try:
            theirs = parsedate_to_datetime(raw).timestamp()
        except (TypeError, ValueError):
            return
        skew = self._wall() - theirs
        if abs(skew) > self.max_skew_s:
            direction = "ahead of" if skew > 0 else "behind"
            raise ClockSkewError(
                f"this machine's clock is {abs(skew):.0f}s {direction} Zendesk's (allowed: "
                f"{self.max_skew_s:g}s); token lifetimes and SLA days would be wrong, so nothing was sent",
                hint="synchronise the clock (NTP: `timedatectl set-ntp true`), or raise zendesk.max_clock_skew_s",
            )


def _token_error(status: int, data: dict[str, Any], what: str, base_url: str) -> AuthError:
    error = str(data.get("error") or status)
    description = str(data.get("error_description") or data.get("description") or "").strip()
    detail = f"{error}: {description}" if description else error
    if error == "invalid_client" or status == 401:
        return AuthError(f"Zendesk at {base_url} refused the OAuth client while {what} ({detail})", status=status,
                         hint="check COMMOPS_ZENDESK_CLIENT_ID and COMMOPS_ZENDESK_CLIENT_SECRET (Admin Center → "
                         "Apps and integrations → APIs → OAuth Clients); a regenerated secret replaces the old one")
    if error == "invalid_grant":
        return LoginRequiredError(f"Zendesk no longer accepts the stored login while {what} ({detail})",
                                  status=status, hint="run `commops auth login` again")
    if error == "invalid_scope":
        return ScopeError(f"Zendesk refused the requested scopes while {what} ({detail})", status=status,
                          hint="set zendesk.scope to scopes such as \"read write\" or \"read tickets:write\"")
    return AuthError(f"Zendesk's token endpoint answered {status} while {what} ({detail})", status=status)


def token_client(settings: ZendeskSettings, count: Callable[[str], None] = lambda key: None) -> TokenClient:
    return TokenClient(settings, count=count)


# ----- the hooks ---------------------------------------------------------------------------------------------


def _bearer_problem(response: requests.Response) -> str | None:
    """``expired``, ``revoked``, ``invalid`` from a 401's ``WWW-Authenticate`` or body; None if not a token 401."""
    header = response.headers.get("WWW-Authenticate", "")
    text = header.lower()
    with contextlib.suppress(ValueError):
        body = response.json()
        if isinstance(body, dict):
            text += " " + str(body.get("error", "")).lower() + " " + str(body.get("error_description", "")).lower()
    if "invalid_token" not in text and "expired" not in text:
        return None
    for word in ("expired", "revoked"):
        if word in text:
            return word
    return "invalid"


class ZendeskAuth(AuthBase):
    """The auth hook the gateway's session carries; subclasses say how a token is got and kept."""

    mode: AuthMode

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = self.header()
        return request

    def header(self) -> str:
        return f"Bearer {self.token().get_secret_value()}"

    def token(self) -> SecretStr:
        raise AuthError(f"{self.mode} has no bearer token")

    def renew_after(self, response: requests.Response, sent: str | None) -> bool:
        """After a 401: True if the request may be sent once more (the token was renewed); else raise."""
        return False

    def scopes(self) -> frozenset[str] | None:
        """The granted scopes, None when the mode has no scopes (an API token can do what its agent can)."""
        return None

    def expires_in_s(self) -> float | None:
        return None

    def require(self, action: Literal["read", "write"], resource: str = "tickets") -> None:
        """Raise :class:`ScopeError` unless the credentials may ``action`` the ``resource``."""
        granted = self.scopes()
        if granted is None:
            return
        if action in granted or f"{resource}:{action}" in granted:
            return
        raise ScopeError(
            f"the OAuth token lacks the scope {action!r} (or {resource}:{action}) that writing decisions needs; "
            f"it has: {', '.join(sorted(granted)) or 'none'} — nothing was written",
            hint="set zendesk.scope to \"read write\" (or add tickets:write) and sign in again",
        )

    def require_audits(self) -> None:
        """Raise :class:`ScopeError` unless the token has the global ``read`` scope.

        After its ``update_many`` jobs commops reads ``/ticket_audits`` to catch an edit that landed in the
        job's window; Zendesk serves that endpoint to ``read`` only (``tickets:read`` is not enough), and a
        write whose window cannot be checked must not start.
        """
        granted = self.scopes()
        if granted is None or "read" in granted:
            return
        raise ScopeError(
            "the OAuth token lacks the global scope 'read' that checking ticket audits after a write needs "
            f"(tickets:read does not reach them); it has: {', '.join(sorted(granted)) or 'none'} — nothing "
            "was written",
            hint="set zendesk.scope to \"read write\" (or add read) and sign in again",
        )

    def describe(self) -> dict[str, Any]:
        """What ``commops doctor`` shows: mode, scopes, seconds until expiry — never a token."""
        scopes = self.scopes()
        expires = self.expires_in_s()
        return {"mode": self.mode, "scopes": sorted(scopes) if scopes is not None else None,
                "expires_in_s": None if expires is None else max(int(expires), 0)}

    def revoke(self, session: requests.Session, base_url: str) -> None:
        """Revoke the current token at Zendesk (``commops auth logout``)."""

    def close(self) -> None:
        """Release what the hook holds."""

    def __repr__(self) -> str:  # never the secret
        return f"<{type(self).__name__} mode={self.mode}>"


class ApiTokenAuth(ZendeskAuth):
    mode: AuthMode = "api-token"
    _warned: ClassVar[set[str]] = set()

    def __init__(self, email: str, token: SecretStr, warn: Callable[[str], None]) -> None:
        self._basic = HTTPBasicAuth(f"{email}/token", token.get_secret_value())
        key = hashlib.sha256(email.encode()).hexdigest()
        if key not in ApiTokenAuth._warned:  # one warning per run (per process)
            ApiTokenAuth._warned.add(key)
            warn(f"authenticating with a legacy Zendesk API token: API tokens stop working on {API_TOKEN_END}; "
                 "switch to an OAuth client (docs/configuration.md)")

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        result: requests.PreparedRequest = self._basic(request)
        return result

    def header(self) -> str:
        return ""


class BearerAuth(ZendeskAuth):
    mode: AuthMode = "bearer"

    def __init__(self, token: SecretStr, base_url: str) -> None:
        self._token = token
        self._base_url = base_url
        self._scopes: frozenset[str] | None = None
        self._expires_at: float | None = None
        self._looked_up = False

    def token(self) -> SecretStr:
        return self._token

    def renew_after(self, response: requests.Response, sent: str | None) -> bool:
        problem = _bearer_problem(response)
        if problem is None:
            return False
        raise TokenExpiredError(
            f"Zendesk refused the bearer token: it {'was revoked' if problem == 'revoked' else problem}",
            status=401, hint="fetch a fresh token into COMMOPS_ZENDESK_OAUTH_TOKEN, or use an OAuth client "
            "(COMMOPS_ZENDESK_CLIENT_ID and COMMOPS_ZENDESK_CLIENT_SECRET) that commops renews itself")

    def learn(self, session: requests.Session) -> None:
        """Ask Zendesk which scopes and expiry the token has (``GET /api/v2/oauth/tokens/current.json``)."""
        if self._looked_up:
            return
        self._looked_up = True
        response = session.get(self._base_url + "/api/v2/oauth/tokens/current.json", timeout=30)
        if response.status_code != 200:
            return  # not an OAuth token Zendesk describes (a JWT, say): scopes stay unknown
        token = (response.json() or {}).get("token") or {}
        self._scopes = frozenset(str(s) for s in token.get("scopes") or [])
        expires = token.get("expires_at")
        if isinstance(expires, str):
            with contextlib.suppress(ValueError):
                from datetime import datetime

                left = datetime.fromisoformat(expires.replace("Z", "+00:00")).timestamp() - time.time()
                self._expires_at = time.monotonic() + left

    def scopes(self) -> frozenset[str] | None:
        return self._scopes

    def expires_in_s(self) -> float | None:
        return None if self._expires_at is None else self._expires_at - time.monotonic()

    def revoke(self, session: requests.Session, base_url: str) -> None:
        session.delete(base_url + "/api/v2/oauth/tokens/current.json", timeout=30)


class _RenewingAuth(ZendeskAuth, abc.ABC):
    """A token kept in memory and renewed before it expires (a fifth of its life, at most a minute, early)."""

    def __init__(self, client: TokenClient, clock: Callable[[], float] = time.monotonic) -> None:
        self._client = client
        self._clock = clock
        self._lock = threading.RLock()
        self._answer: TokenAnswer | None = None

    @abc.abstractmethod
    def _fetch(self, why: str) -> TokenAnswer:
        """A new token from Zendesk (the grant differs by mode)."""

    def _renew(self, why: str) -> TokenAnswer:
        self._answer = self._fetch(why)
        return self._answer

    def current(self) -> TokenAnswer:
        with self._lock:
            answer = self._answer
            if answer is None:
                return self._renew("getting a token")
            if answer.expires_at is not None and answer.lifetime_s is not None:
                margin = min(60.0, answer.lifetime_s / 5)
                if self._clock() >= answer.expires_at - margin:
                    return self._renew("renewing the token before it expires")
            return answer

    def token(self) -> SecretStr:
        return self.current().access

    def renew_after(self, response: requests.Response, sent: str | None) -> bool:
        problem = _bearer_problem(response)
        if problem is None:
            return False
        if problem != "expired":
            raise TokenExpiredError(
                f"Zendesk refused the OAuth token: it {'was revoked' if problem == 'revoked' else 'is not valid'}; "
                "commops stopped rather than ask for another", status=401,
                hint="an admin revoked it or deleted the OAuth client: check Admin Center → Apps and "
                "integrations → APIs → OAuth Clients, then run again")
        with self._lock:
            answer = self._answer
            if answer is not None and sent is not None and sent != f"Bearer {answer.access.get_secret_value()}":
                return True  # another thread renewed it already
            self._renew("renewing the expired token")
            return True

    def scopes(self) -> frozenset[str] | None:
        return self.current().scopes

    def expires_in_s(self) -> float | None:
        answer = self.current()
        return None if answer.expires_at is None else answer.expires_at - self._clock()

    def revoke(self, session: requests.Session, base_url: str) -> None:
        with self._lock:
            self.current()  # the session's hook sends this token; revoking it ends its refresh token too
            session.delete(base_url + "/api/v2/oauth/tokens/current.json", timeout=30)
            self._answer = None

    def close(self) -> None:
        self._client.close()


class ClientCredentialsAuth(_RenewingAuth):
    mode: AuthMode = "oauth-client"

    def __init__(self, settings: ZendeskSettings, client: TokenClient, cache: TokenCache | None = None) -> None:
        super().__init__(client)
        if settings.client_secret is None:
            raise ConfigError("oauth-client needs COMMOPS_ZENDESK_CLIENT_SECRET (the OAuth client's secret)")
        self._settings = settings
        self._secret = settings.client_secret
        self._cache = cache
        if cache is not None:
            self._answer = cache.load(clock=self._clock)

    def revoke(self, session: requests.Session, base_url: str) -> None:
        super().revoke(session, base_url)
        if self._cache is not None:
            with contextlib.suppress(FileNotFoundError):
                self._cache.path.unlink()

    def _fetch(self, why: str) -> TokenAnswer:
        answer = self._client.post({"grant_type": "client_credentials", "client_id": self._settings.client_id,
                                    "client_secret": self._secret, "scope": self._settings.scope,
                                    "expires_in": self._settings.token_expires_in_s}, what=why)
        if self._cache is not None:
            self._cache.save(answer, clock=self._clock)
        return answer


class LoginAuth(_RenewingAuth):
    """A person's login: refresh tokens from the store, rotated under a lock shared by every process."""

    mode: AuthMode = "oauth-login"

    def __init__(self, settings: ZendeskSettings, client: TokenClient, store: LoginStore) -> None:
        super().__init__(client)
        self._settings = settings
        self._store = store

    def _fetch(self, why: str) -> TokenAnswer:
        with self._store.locked():
            refresh = self._store.get()
            if refresh is None:
                raise LoginRequiredError(f"no stored Zendesk login for {self._settings.base_url}",
                                         hint="run `commops auth login`")
            answer = self._client.post({"grant_type": "refresh_token", "refresh_token": refresh,
                                        "client_id": self._settings.client_id,
                                        "client_secret": self._settings.client_secret,
                                        "expires_in": self._settings.token_expires_in_s}, what=why)
            if answer.refresh is not None:
                self._store.put(answer.refresh)  # first: the old one is already dead at Zendesk
            return answer

    def revoke(self, session: requests.Session, base_url: str) -> None:
        with contextlib.suppress(AuthError):
            super().revoke(session, base_url)
        self._store.delete()


# ----- where tokens are kept -----------------------------------------------------------------------------------


def _account_key(settings: ZendeskSettings) -> str:
    return hashlib.sha256(f"{settings.base_url}\n{settings.client_id}".encode()).hexdigest()[:24]


def _write_private(path: Path, text: str) -> None:
    """Atomically replace ``path`` with ``text``, readable by the owner only: a crash leaves old or new."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    with contextlib.suppress(OSError):  # the rename itself survives a power cut only once the dir is synced
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


class TokenCache:
    """An ``oauth-client`` access token cached on disk (0600), so runs minutes apart share one token."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self, *, clock: Callable[[], float]) -> TokenAnswer | None:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            left = float(data["expires_at"]) - time.time()
            if left <= 0:
                return None
            return TokenAnswer(access=SecretStr(str(data["access_token"])),
                               scopes=frozenset(data.get("scopes") or []), expires_at=clock() + left,
                               lifetime_s=float(data["lifetime_s"]))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def save(self, answer: TokenAnswer, *, clock: Callable[[], float]) -> None:
        if answer.expires_at is None or answer.lifetime_s is None:
            return
        _write_private(self.path, json.dumps({
            "access_token": answer.access.get_secret_value(), "scopes": sorted(answer.scopes),
            "expires_at": time.time() + (answer.expires_at - clock()), "lifetime_s": answer.lifetime_s}))


class LoginStore:
    """The refresh token of one account and client: in the OS keyring when one works, else a 0600 file.

    Rotation holds an inter-process lock, so two commops processes never spend the same refresh token
    (the second would get ``invalid_grant``); the new token replaces the old one in one step.
    """

    def __init__(self, home: Path, key: str, *, use_keyring: bool = True,
                 warn: Callable[[str], None] = lambda text: None) -> None:
        self.file = home / "auth" / f"login-{key}.json"
        self.lock_path = home / "auth" / f"login-{key}.lock"
        self.key = key
        self._warn = warn
        self._keyring = _keyring() if use_keyring else None
        self._thread_lock = threading.RLock()

    @property
    def where(self) -> str:
        return "the OS keyring" if self._keyring is not None else str(self.file)

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        from filelock import FileLock

        with self._thread_lock:
            self.lock_path.parent.mkdir(parents=True, exist_ok=True)
            with FileLock(str(self.lock_path), timeout=60):
                yield

    def get(self) -> SecretStr | None:
        if self._keyring is not None:
            value = self._keyring.get_password(KEYRING_SERVICE, self.key)
            return SecretStr(value) if value else None
        try:
            data = json.loads(self.file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        value = data.get("refresh_token") if isinstance(data, dict) else None
        return SecretStr(value) if isinstance(value, str) and value else None

    def put(self, token: SecretStr) -> None:
        if self._keyring is not None:
            self._keyring.set_password(KEYRING_SERVICE, self.key, token.get_secret_value())
            return
        _write_private(self.file, json.dumps({"refresh_token": token.get_secret_value()}))

    def delete(self) -> None:
        if self._keyring is not None:
            with contextlib.suppress(Exception):
                self._keyring.delete_password(KEYRING_SERVICE, self.key)
        with contextlib.suppress(FileNotFoundError):
            self.file.unlink()

    def warn_if_file(self) -> None:
        if self._keyring is None:
            self._warn(f"no OS keyring is available: the refresh token is kept in {self.file} (readable by you "
                       "only); a keyring backend (gnome-keyring, KWallet, macOS Keychain) would keep it there")


def _keyring() -> Any:
    """The ``keyring`` module when a real backend is configured (not the fail or plaintext ones)."""
    if os.environ.get("COMMOPS_NO_KEYRING"):
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import keyring
            from keyring.backends import fail

            backend = keyring.get_keyring()
    except Exception:
        return None
    name = f"{type(backend).__module__}.{type(backend).__name__}".lower()
    try:
        priority = float(getattr(backend, "priority", 0))
    except (TypeError, ValueError):
        priority = 0.0
    if isinstance(backend, fail.Keyring) or "plaintext" in name or priority <= 0:
        return None  # no real keyring: a file readable by the owner only is the honest fallback
    return keyring


def login_store(settings: ZendeskSettings, home: Path, warn: Callable[[str], None] = lambda text: None) -> LoginStore:
    return LoginStore(home, _account_key(settings), warn=warn)


def build_auth(settings: ZendeskSettings, home: Path, *, count: Callable[[str], None],
               warn: Callable[[str], None]) -> ZendeskAuth:
    """The auth hook for the configured mode."""
    mode = resolve_mode(settings)
    if mode == "api-token":
        if settings.token is None or not settings.email:
            raise ConfigError("api-token needs zendesk.email and COMMOPS_ZENDESK_TOKEN")
        return ApiTokenAuth(settings.email, settings.token, warn)
    if mode == "bearer":
        if settings.oauth_token is None:
            raise ConfigError("bearer needs COMMOPS_ZENDESK_OAUTH_TOKEN (a token from your secrets manager)")
        return BearerAuth(settings.oauth_token, settings.base_url)
    if not settings.client_id:
        raise ConfigError(f"{mode} needs COMMOPS_ZENDESK_CLIENT_ID (the OAuth client's unique identifier)")
    client = TokenClient(settings, count=count)
    if mode == "oauth-client":
        cache = TokenCache(home / "auth" / f"token-{_account_key(settings)}.json") if settings.token_cache else None
        return ClientCredentialsAuth(settings, client, cache)
    store = login_store(settings, home, warn)
    store.warn_if_file()
    return LoginAuth(settings, client, store)
