"""Fixtures: the reference account's settings, macros and fields."""

from __future__ import annotations

from typing import Any

import pytest

from commops.config import Settings, load_settings
from tests.unit.zendesk.samples import shared_json


@pytest.fixture
def settings() -> Settings:
    return load_settings()


@pytest.fixture
def macros() -> dict[str, dict[str, Any]]:
    return {m["title"]: m for m in shared_json("macros.json")["macros"]}


@pytest.fixture
def ticket_fields() -> list[dict[str, Any]]:
    fields: list[dict[str, Any]] = shared_json("ticket_fields.json")["ticket_fields"]
    return fields
