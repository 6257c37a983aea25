"""The triage benchmark runs end to end at a small size and reports what the issue asks for."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

BENCHMARK = Path(__file__).resolve().parents[3] / "benchmarks" / "triage_queue.py"


def test_triage_queue_benchmark_prints_its_figures(capsys: pytest.CaptureFixture[str],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    spec = importlib.util.spec_from_file_location("triage_queue_benchmark", BENCHMARK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "triage_queue_benchmark", module)
    spec.loader.exec_module(module)
    # The naive loop sets these (and the run COMMOPS_HOME): registered here so teardown restores them.
    for name in ("ZENPY_FORCE_SCHEME", "ZENPY_FORCE_NETLOC", "COMMOPS_HOME"):
        monkeypatch.setenv(name, "restored-after-the-test")
    assert module.main(["--applications", "300", "--naive-sample", "6"]) == 0
    result = json.loads(capsys.readouterr().out)
    for key in ("applications", "plan", "wall_s", "floor_s", "requests_by_endpoint", "requests_per_1000",
                "naive_requests_per_1000", "naive_wall_s_per_1000"):
        assert key in result
    assert result["applications"] == 300 and result["plan"] == "enterprise"
    assert result["applied"] > 100
    assert sum(result["requests_by_endpoint"].values()) == result["requests"]
    assert result["requests_per_1000"] < result["naive_requests_per_1000"] / 10
    # OAuth token requests are counted like any other: at least the first token
    assert result["token_requests"] == result["requests_by_endpoint"]["POST /oauth/tokens"] >= 1
    assert result["token_ttl_s"] == 60.0 and isinstance(result["within_budget"], bool)
