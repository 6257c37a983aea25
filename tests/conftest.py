"""Shared fixtures: every test gets its own COMMOPS_HOME and no real account settings."""

from __future__ import annotations

import socket
from collections.abc import Iterator
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
        "COMMOPS_SANDBOX_SEED",
        "ZENPY_FORCE_SCHEME",
        "ZENPY_FORCE_NETLOC",
    ):
        monkeypatch.delenv(name, raising=False)
    yield home
