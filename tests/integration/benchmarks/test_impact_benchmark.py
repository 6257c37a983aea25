"""The impact benchmark runs end to end at a small size and reports what the issue asks for."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

BENCHMARK = Path(__file__).resolve().parents[3] / "benchmarks" / "impact.py"


def test_impact_benchmark_prints_its_figures(capsys: pytest.CaptureFixture[str],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(BENCHMARK.parent))
    spec = importlib.util.spec_from_file_location("impact_benchmark", BENCHMARK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "impact_benchmark", module)
    spec.loader.exec_module(module)
    monkeypatch.setenv("COMMOPS_HOME", "restored-after-the-test")  # the benchmark sets its own
    assert module.main(["--decisions", "3000", "--tickets", "120"]) == 0
    result = json.loads(capsys.readouterr().out)
    replay, requests = result["replay"], result["requests"]
    assert replay["decisions"] == 3000 and replay["changed"] > 0 and replay["traces_kept"] == replay["changed"]
    assert replay["unchanged_programs_evaluated_once"] == ["education", "open_source"]
    assert requests["replayed"] > 100
    # bulk reads only: the event export and show_many, far fewer than one request per ticket
    assert set(requests["requests_by_endpoint"]) <= {"GET /incremental/ticket_events", "GET /tickets/show_many",
                                                     "GET /macros", "GET /users/me"}
    assert requests["zendesk_requests"] < requests["naive_requests"] / 10
