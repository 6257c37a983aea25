"""The statistics benchmark runs and reports what it promises (small size here; 100,000 by default)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[3] / "benchmarks" / "stats_history.py"


def test_benchmark_prints_one_json_document_with_its_measures() -> None:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--tickets", "1500"], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["tickets"] == result["csv_rows"] == 1500
    assert result["wall_s"] > 0
    assert 0 < result["peak_memory_mb"] <= result["max_memory_mb"]
    assert result["within_memory_target"] is True
    assert result["decisions"] > 0 and result["weeks"] >= 52
