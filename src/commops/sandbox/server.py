"""Running the sandbox: in a background thread (embedded mode, tests) or in the foreground (``serve``)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from commops.config import Settings
from commops.errors import ConfigError
from commops.paths import sandbox_db_path
from commops.sandbox.app import SandboxApp
from commops.sandbox.faults import FaultInjector, parse_faults
from commops.sandbox.limits import RateLimiter
from commops.sandbox.oauth import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, OAuthRegistry
from commops.sandbox.store import DEFAULT_ACCOUNT, SandboxStore

__all__ = ["SandboxServer", "seeded_server", "start_embedded"]


class _QuietHandler(WSGIRequestHandler):
    """No access log on stderr: the CLI owns stderr (``serve`` logs through the ``commops.sandbox`` logger)."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        # The path without its query, as the gateway logs its own requests: a query can carry an OAuth
        # code, a token or an applicant's email (a search), none of which belongs in a log.
        method, _, rest = self.requestline.partition(" ")
        path = rest.split(" ", 1)[0].split("?", 1)[0]
        logging.getLogger("commops.sandbox").info('%s "%s %s" %s', self.address_string(), method, path, code)

    def log(self, type: str, message: str, *args: Any) -> None:
        logging.getLogger("commops.sandbox").debug(message, *args)

    def date_time_string(self, timestamp: float | None = None) -> str:
        """The ``Date`` header by the account's clock (a client compares it with its own)."""
        app = getattr(self.server, "app", None)
        clock = getattr(getattr(app, "store", None), "clock", None)
        if timestamp is None and callable(clock):
            timestamp = float(clock())
        return super().date_time_string(timestamp)


class SandboxServer:
    """The sandbox on ``127.0.0.1:port`` (0 = an ephemeral port), as a context manager.

    ``incremental_lag_s`` > 0 makes the incremental export leave out the last that many seconds, as real
    Zendesk does with the last minute; the sandbox defaults to 0 so fresh changes are visible at once.
    ``job_delay_s``: how long an update_many job waits for its first poll before running anyway.
    ``pessimistic``: update_many ignores ``safe_update`` (Zendesk does not promise it there).
    ``account``: the packaged account a new file is loaded with (``reference`` or ``northwind``); a file
    that holds one already keeps it.
    """

    def __init__(self, db_path: Path | None = None, *, port: int = 0, plan: str = "enterprise",
                 faults: str = "", seed: int = 0, token: str = "sandbox", limits: bool = True,
                 clock: Callable[[], float] | None = None, slow_s: float = 3.0,
                 incremental_lag_s: float = 0.0, job_delay_s: float = 1.0, pessimistic: bool = False,
                 provision_secret: str = "", token_ttl_s: float = 1800.0,
                 client_id: str = DEFAULT_CLIENT_ID, client_secret: str = DEFAULT_CLIENT_SECRET,
                 api_tokens: bool = True, consent: str = "approve", account: str = DEFAULT_ACCOUNT) -> None:
        self.port = port
        self.pessimistic = pessimistic
        self.url = ""
        try:
            limiter = RateLimiter(plan, enabled=limits, clock=clock)
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
        injector = FaultInjector(parse_faults(faults), seed)  # a bad spec fails before anything opens
        self.store = SandboxStore(db_path or sandbox_db_path(), clock=clock, account=account)
        self.oauth = OAuthRegistry(self.store.path, clock=self.store.clock, token_ttl_s=token_ttl_s,
                                   client_id=client_id, client_secret=client_secret, api_tokens=api_tokens,
                                   consent=consent)
        self.app = SandboxApp(self.store, token=token, limiter=limiter, faults=injector, slow_s=slow_s,
                              incremental_lag_s=incremental_lag_s, job_delay_s=job_delay_s,
                              pessimistic=pessimistic, provision_secret=provision_secret, oauth=self.oauth)
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self._ticker: threading.Thread | None = None
        self._stopping = threading.Event()

    def _bind(self) -> BaseWSGIServer:
        try:
            server = make_server("127.0.0.1", self.port, self.app, threaded=True, request_handler=_QuietHandler)
        except OSError as exc:
            raise ConfigError(f"cannot listen on 127.0.0.1:{self.port}: {exc.strerror or exc}") from None
        self.port = server.server_port
        self.url = f"http://127.0.0.1:{self.port}"
        self.store.base_url = self.url
        return server

    def _start_jobs(self) -> None:
        """Run what a previous process left queued (Zendesk would have), then tick the job clock."""
        self.app.jobs.run_due(everything=True)
        self._stopping.clear()

        def tick() -> None:
            while not self._stopping.wait(0.05):
                try:
                    self.app.jobs.run_due()
                except Exception:  # the store is closing under us; the next request runs the job instead
                    logging.getLogger("commops.sandbox").debug("job tick failed", exc_info=True)

        self._ticker = threading.Thread(target=tick, name="commops-sandbox-jobs", daemon=True)
        self._ticker.start()

    def _stop_jobs(self) -> None:
        self._stopping.set()
        if self._ticker is not None:
            self._ticker.join(timeout=5)
            self._ticker = None

    def start(self) -> str:
        """Listen and serve in a daemon thread; return the URL."""
        if self._server is None:
            self._server = self._bind()
            self._start_jobs()
            self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                            name="commops-sandbox", daemon=True)
            self._thread.start()
        return self.url

    def serve_forever(self, on_ready: Callable[[str], None] | None = None) -> None:
        """Serve in the calling thread until interrupted (``commops sandbox serve``)."""
        self._server = self._bind()
        self._start_jobs()
        if on_ready is not None:
            on_ready(self.url)
        try:
            self._server.serve_forever(poll_interval=0.2)
        finally:
            self._stop_jobs()
            self._server.server_close()
            self._server = None
            self.store.close()
            self.oauth.close()

    def stop(self) -> None:
        self._stop_jobs()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        self.store.close()
        self.oauth.close()

    def request_log(self) -> list[tuple[str, str, int]]:
        """``(method, path, status)`` of every request served; a dropped connection logs status 0."""
        return self.app.request_log()

    def __enter__(self) -> SandboxServer:
        self.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


def seeded_server(settings: Settings, *, port: int = 0, plan: str | None = None, faults: str | None = None,
                  seed: int | None = None, token: str | None = None, limits: bool = True,
                  incremental_lag_s: float = 0.0, pessimistic: bool | None = None,
                  token_ttl_s: float | None = None, client_id: str | None = None,
                  client_secret: str | None = None, api_tokens: bool | None = None) -> SandboxServer:
    """The sandbox of ``settings.sandbox`` (arguments override it) in ``$COMMOPS_HOME``, seeded when empty
    (a new file holds ``[sandbox] account``; one reset to another account keeps that one); not started.
    The one way every caller (embedded mode, ``sandbox serve``) gets a sandbox."""
    options = settings.sandbox
    seed = options.seed if seed is None else seed
    server = SandboxServer(settings.state.sandbox_db, port=port, plan=plan or options.plan,
                           faults=options.faults if faults is None else faults, seed=seed,
                           token=token or options.token, limits=limits, incremental_lag_s=incremental_lag_s,
                           pessimistic=options.pessimistic if pessimistic is None else pessimistic,
                           provision_secret=options.provision_secret,
                           token_ttl_s=options.token_ttl_s if token_ttl_s is None else token_ttl_s,
                           client_id=client_id or options.client_id,
                           client_secret=client_secret or options.client_secret,
                           api_tokens=options.api_tokens if api_tokens is None else api_tokens,
                           account=options.account)
    if server.store.is_empty():
        server.store.reset(server.store.account_name)
        server.store.seed(options.seed_applications, seed)
    else:  # a sandbox saved before the forges were emulated: give its namespaces their seeded stories
        server.store.backfill_forges(seed)
    return server


def start_embedded(settings: Settings) -> SandboxServer:
    """Start the sandbox of ``settings.sandbox`` on an ephemeral port, seeded if empty; the caller stops it."""
    server = seeded_server(settings)
    server.start()
    return server
