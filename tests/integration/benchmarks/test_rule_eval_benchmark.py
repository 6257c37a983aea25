"""The rule-evaluation benchmark runs at a small size and reports its figures without gc.freeze()."""

from __future__ import annotations

import gc
import importlib.util
import json
import sys
from pathlib import Path

import pytest

BENCHMARK = Path(__file__).resolve().parents[3] / "benchmarks" / "rule_eval.py"


def test_rule_eval_benchmark_prints_its_figures(capsys: pytest.CaptureFixture[str],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    spec = importlib.util.spec_from_file_location("rule_eval_benchmark", BENCHMARK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "rule_eval_benchmark", module)
    spec.loader.exec_module(module)
    assert module.main(["--applications", "400", "--page", "50"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["outcomes_agree"] is True and result["applications"] == 400 and result["page"] == 50
    for key in ("evaluations_per_s", "evaluations_per_s_cpu", "evaluations_per_s_all_kept",
                "evaluations_with_journal_trace_per_s", "evaluations_with_journal_row_per_s",
                "evaluations_with_trace_models_per_s", "evaluations_per_s_with_gc_freeze", "ratio_vs_rule_engine"):
        assert result[key] > 0, key
    assert result["gc_freeze"] == "only in evaluations_per_s_with_gc_freeze"
    assert gc.get_freeze_count() == 0  # the benchmark unfreezes what it froze
