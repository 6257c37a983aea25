"""A fresh sandbox per test (in-memory limits off unless a test asks), loaded with exact tickets."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from commops.sandbox import SandboxServer


@pytest.fixture
def sandbox_mode(request: pytest.FixtureRequest) -> str:
    """``optimistic`` (update_many honours safe_update) unless a module parametrizes it with ``both_modes``."""
    return str(getattr(request, "param", "optimistic"))


@pytest.fixture
def sandbox(tmp_path: Path, sandbox_mode: str) -> Iterator[SandboxServer]:
    with SandboxServer(tmp_path / "sandbox.sqlite3", limits=False, slow_s=1.5, job_delay_s=0.2,
                       pessimistic=sandbox_mode == "pessimistic") as server:
        server.store.reset()
        yield server
