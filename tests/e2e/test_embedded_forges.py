"""`commops triage` without --offline on the embedded sandbox: the namespaces are verified against the
sandbox's forge emulation, and nothing leaves 127.0.0.1."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from commops.sandbox import SandboxServer

from .cli import cli, seeded


def open_source(records: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        if record["program"] == "open_source":
            out.setdefault(record["outcome"], []).append(record)
    return out


def rules(records: list[dict[str, Any]]) -> set[str]:
    return {reason["rule"] for record in records for reason in record["reasons"]}


def test_embedded_triage_verifies_against_the_sandbox_forges(commops_home: Path, no_network: list[str]) -> None:
    seeded(commops_home, applications=60, seed=11)
    started = time.monotonic()
    result = cli("triage", "--format", "json")
    elapsed = time.monotonic() - started
    assert result.code == 0, result.err
    outcomes = open_source(result.jsonl())
    assert "oss.qualified" in rules(outcomes.get("qualify", []))  # needs a verified namespace
    assert "oss.namespace_ineligible" in rules(outcomes.get("reject", []))  # a failed one
    manual = outcomes.get("manual", [])
    messages = [r["message"] for record in manual for r in record["reasons"]]
    assert messages and all("is not a supported forge" in m for m in messages), messages  # only unsupported hosts
    assert no_network == []
    assert elapsed < 10, f"triage took {elapsed:.1f}s"
    assert not (commops_home / "verify-cache.sqlite3").exists()  # sandbox verdicts are never cached


def test_offline_still_sends_nothing(commops_home: Path, no_network: list[str]) -> None:
    seeded(commops_home, applications=30, seed=11)
    result = cli("triage", "--offline", "--format", "json")
    assert result.code == 0, result.err
    assert "qualify" not in open_source(result.jsonl())
    assert no_network == []


def test_a_standalone_sandbox_through_the_environment(commops_home: Path, no_network: list[str],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """What `commops sandbox serve` prints: the account and COMMOPS_VERIFY_FORGE_URL point at it."""
    server = SandboxServer(commops_home / "standalone.sqlite3", limits=False)
    server.store.reset()
    server.store.seed(60, 11)
    with server:
        monkeypatch.setenv("COMMOPS_ZENDESK_URL", server.url)
        monkeypatch.setenv("COMMOPS_ZENDESK_EMAIL", "commops-bot@community-demo.example")
        monkeypatch.setenv("COMMOPS_ZENDESK_TOKEN", "sandbox")
        monkeypatch.setenv("COMMOPS_VERIFY_FORGE_URL", server.url)
        result = cli("triage", "--format", "json")
        forge_requests = [p for _m, p, _s in server.request_log() if p.startswith("/_forges/")]
    assert result.code == 0, result.err
    assert "embedded" not in result.err
    outcomes = open_source(result.jsonl())
    assert {"qualify", "reject", "manual"} <= set(outcomes)
    assert forge_requests and no_network == []
