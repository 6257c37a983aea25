"""The lease benchmark runs and reports the lease's cost in requests."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

BENCHMARK = Path(__file__).resolve().parents[3] / "benchmarks" / "lease.py"


def test_lease_benchmark_reports_requests_per_run_and_per_renewal(capsys: pytest.CaptureFixture[str],
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    spec = importlib.util.spec_from_file_location("lease_benchmark", BENCHMARK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "lease_benchmark", module)
    for name in ("ZENPY_FORCE_SCHEME", "ZENPY_FORCE_NETLOC"):
        monkeypatch.setenv(name, "restored-after-the-test")
    spec.loader.exec_module(module)
    assert module.main(["--runs", "1", "--renewals", "1"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["requests_per_run"] == 4  # read, swap, read again, release
    assert result["first_run_creates_ticket"]["by_endpoint"]["POST /tickets"] == 1
    assert result["requests_per_renewal"] == 2 and result["requests_when_refused"] == 1
    assert result["ticket_updates_per_10_min_at_most"] < 30  # Zendesk's per-ticket update limit
