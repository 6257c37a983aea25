"""The fresh-runner benchmark runs end to end at a small size: the same figures, a bounded request count."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

BENCHMARK = Path(__file__).resolve().parents[3] / "benchmarks" / "fresh_runner.py"


def test_fresh_runner_benchmark_reports_requests_per_thousand(capsys: pytest.CaptureFixture[str],
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    spec = importlib.util.spec_from_file_location("fresh_runner_benchmark", BENCHMARK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "fresh_runner_benchmark", module)
    spec.loader.exec_module(module)
    assert module.main(["--applications", "30"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["same_figures"] is True and result["decisions_written"] > 0
    fresh, kept = result["fresh_runner_stats"], result["long_lived_stats"]
    assert kept["audit_requests"] == 0 and kept["event_export_reads"] == 0
    assert fresh["audit_requests"] <= 10 and fresh["event_export_reads"] == 1
    assert result["fresh_runner_history_rows"] == result["decisions_written"]
