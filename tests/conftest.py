"""Shared fixtures: every test gets its own COMMOPS_HOME and no real account settings."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def commops_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    home = tmp_path / "commops-home"
    home.mkdir()
    monkeypatch.setenv("COMMOPS_HOME", str(home))
    for name in (
        "COMMOPS_CONFIG",
        "COMMOPS_ZENDESK_URL",
        "COMMOPS_ZENDESK_SUBDOMAIN",
        "COMMOPS_ZENDESK_EMAIL",
        "COMMOPS_ZENDESK_TOKEN",
        "COMMOPS_ZENDESK_OAUTH_TOKEN",
        "COMMOPS_SANDBOX_FAULTS",
        "COMMOPS_SANDBOX_SEED",
        "ZENPY_FORCE_SCHEME",
        "ZENPY_FORCE_NETLOC",
    ):
        monkeypatch.delenv(name, raising=False)
    yield home
