"""The triage benchmark runs end to end at a small size and reports what the issue asks for."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

BENCHMARK = Path(__file__).resolve().parents[3] / "benchmarks" / "triage_queue.py"


def test_triage_queue_benchmark_prints_its_figures(capsys: pytest.CaptureFixture[str],
                                                   monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The sandbox, commops and the naive loop each run as a process of their own; commops' figures are its
    own (wait4), the requests are the sandbox's count; the seeded sandbox is cached and reused."""
    spec = importlib.util.spec_from_file_location("triage_queue_benchmark", BENCHMARK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "triage_queue_benchmark", module)
    spec.loader.exec_module(module)
    cache = tmp_path / "cache"
    assert module.main(["--applications", "300", "--naive-sample", "6", "--cache-dir", str(cache)]) == 0
    result = json.loads(capsys.readouterr().out)
    for key in ("applications", "plan", "wall_s", "floor_s", "wall_over_floor", "requests_by_endpoint",
                "requests_per_1000", "naive_requests_per_1000", "naive_wall_s_per_1000", "commops", "sandbox",
                "load_average_before"):
        assert key in result
    assert result["applications"] == 300 and result["plan"] == "enterprise" and result["pessimistic"] is False
    assert result["applied"] > 100
    assert sum(result["requests_by_endpoint"].values()) == result["requests"]
    assert result["requests_per_1000"] < result["naive_requests_per_1000"] / 10
    # OAuth token requests are counted like any other: at least the first token
    assert result["token_requests"] == result["requests_by_endpoint"]["POST /oauth/tokens"] >= 1
    assert result["token_ttl_s"] == 60.0 and isinstance(result["within_budget"], bool)
    mine = result["commops"]
    assert mine["command"] == "commops triage --apply --unattended --offline"
    assert mine["cpu_s"] > 0 and 20 < mine["peak_rss_mb"] < 2000 and mine["rss_mb_over_time"]
    assert result["sandbox"]["peak_rss_mb"] > 0
    assert result["seed"]["reused"] is False and Path(result["seed"]["cached"]).parent == cache
    # a second run (pessimistic this time) reuses the seeded sandbox
    assert module.main(["--applications", "300", "--naive-sample", "0", "--cache-dir", str(cache),
                        "--pessimistic"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["seed"]["reused"] is True and again["pessimistic"] is True and again["naive_requests_per_1000"] is None
    assert again["applied"] > 100
