"""A running sandbox per test (fresh SQLite file), plain HTTP and zenpy clients pointed at it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from zenpy import Zenpy

from commops.sandbox import SandboxServer

AGENT = "priya.raman@community-demo.example"
QUEUE = ('type:ticket status<solved form:"Education program application" '
         'form:"Open Source program application" form:"Startups program application"')


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[SandboxServer]:
    server = SandboxServer(tmp_path / "sandbox.sqlite3", limits=False)
    server.store.reset()
    server.store.seed(40, 3)
    with server:
        yield server


@pytest.fixture
def http(sandbox: SandboxServer) -> Iterator[requests.Session]:
    session = requests.Session()
    session.auth = (f"{AGENT}/token", "sandbox")
    yield session
    session.close()


@pytest.fixture
def zenpy(sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> Zenpy:
    monkeypatch.setenv("ZENPY_FORCE_SCHEME", "http")
    monkeypatch.setenv("ZENPY_FORCE_NETLOC", sandbox.url.removeprefix("http://"))
    return Zenpy(subdomain="anything", email=AGENT, token="sandbox", disable_cache=True)


@pytest.fixture
def queue_query() -> str:
    return QUEUE
