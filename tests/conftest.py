"""Shared fixtures: every test gets its own COMMOPS_HOME and no real account settings."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """No test touches the network: name resolution and connections to anything but loopback fail, and
    are recorded (a test that wants to prove it made no attempt asks for this fixture's list)."""
    attempts: list[str] = []
    real_getaddrinfo, real_connect = socket.getaddrinfo, socket.create_connection

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if str(host) not in LOOPBACK:
            attempts.append(str(host))
            raise socket.gaierror(f"test: no network for {host}")
        return real_getaddrinfo(host, *args, **kwargs)

    def create_connection(address: Any, *args: Any, **kwargs: Any) -> Any:
        if str(address[0]) not in LOOPBACK:
            attempts.append(str(address[0]))
            raise OSError(f"test: no network for {address[0]}")
        return real_connect(address, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket, "create_connection", create_connection)
    yield attempts


@pytest.fixture(autouse=True)
def commops_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    home = tmp_path / "commops-home"
    home.mkdir()
    monkeypatch.setenv("COMMOPS_HOME", str(home))
    monkeypatch.setenv("COMMOPS_NO_KEYRING", "1")  # never the developer's real keyring
    for name in (
        "COMMOPS_CONFIG",
        "COMMOPS_ZENDESK_URL",
        "COMMOPS_ZENDESK_SUBDOMAIN",
        "COMMOPS_ZENDESK_EMAIL",
        "COMMOPS_ZENDESK_TOKEN",
        "COMMOPS_ZENDESK_OAUTH_TOKEN",
        "COMMOPS_ZENDESK_AUTH",
        "COMMOPS_ZENDESK_CLIENT_ID",
        "COMMOPS_ZENDESK_CLIENT_SECRET",
        "COMMOPS_SANDBOX_FAULTS",
        "COMMOPS_JOURNAL_URL",
        "COMMOPS_SANDBOX_SEED",
        "ZENPY_FORCE_SCHEME",
        "ZENPY_FORCE_NETLOC",
    ):
        monkeypatch.delenv(name, raising=False)
    yield home


# PostgreSQL --------------------------------------------------------------------------------------------
# The shared journal's tests need a server: COMMOPS_TEST_POSTGRES_URL names one (`.ci/postgres start DIR`
# starts a throw-away one and prints its URL). Without it they skip locally; with COMMOPS_REQUIRE_POSTGRES=1
# (set by .ci/run) a missing or unreachable server fails them instead, so CI never skips them.


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """The test server's URL (its database is shared; each test gets a schema of its own)."""
    url = os.environ.get("COMMOPS_TEST_POSTGRES_URL", "")
    required = os.environ.get("COMMOPS_REQUIRE_POSTGRES") == "1"
    if not url:
        if required:
            pytest.fail("COMMOPS_REQUIRE_POSTGRES=1 but COMMOPS_TEST_POSTGRES_URL is not set")
        pytest.skip("no PostgreSQL server (set COMMOPS_TEST_POSTGRES_URL; `.ci/postgres start DIR` prints one)")
    try:
        import psycopg
    except ImportError:
        if required:
            raise
        pytest.skip("psycopg is not installed (pip install -e '.[dev]' again)")

    try:
        psycopg.connect(url, connect_timeout=5).close()
    except psycopg.Error as exc:
        if required:
            pytest.fail(f"COMMOPS_REQUIRE_POSTGRES=1 but the PostgreSQL server does not answer: {exc}")
        pytest.skip(f"the PostgreSQL server at COMMOPS_TEST_POSTGRES_URL does not answer: {exc}")
    return url


@pytest.fixture
def postgres_schemas(postgres_server: str) -> Iterator[Callable[[], str]]:
    """Makes URLs whose ``search_path`` is a new, empty schema each (all dropped after the test): a journal
    of its own per account, per host group, per test."""
    import uuid

    import psycopg

    made: list[str] = []

    def new_schema() -> str:
        schema = f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(postgres_server, autocommit=True) as db:
            db.execute(f"CREATE SCHEMA {schema}".encode())
        made.append(schema)
        joiner = "&" if "?" in postgres_server else "?"
        return f"{postgres_server}{joiner}options=-csearch_path%3D{schema}"

    yield new_schema
    with psycopg.connect(postgres_server, autocommit=True) as db:
        for schema in made:
            db.execute(f"DROP SCHEMA {schema} CASCADE".encode())


@pytest.fixture
def postgres_url(postgres_schemas: Callable[[], str]) -> str:
    """A URL whose ``search_path`` is a new, empty schema (dropped after the test): nothing migrated yet."""
    return postgres_schemas()


@pytest.fixture
def journal_url(postgres_url: str) -> str:
    """A migrated PostgreSQL journal of its own (a new schema), for one test."""
    from commops.journal.postgres import migrate

    migrate(postgres_url)
    return postgres_url
