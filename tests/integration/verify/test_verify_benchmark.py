"""The warm-cache benchmark runs and proves its claim (on a smaller queue, to stay fast)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[3] / "benchmarks" / "verify_cache.py"


def test_warm_cache_benchmark_sends_no_request() -> None:
    out = subprocess.run(
        [sys.executable, str(SCRIPT), "--applications", "60"], capture_output=True, text=True, check=True, timeout=60
    )
    result = json.loads(out.stdout)
    assert result["applications"] == 60
    assert result["network_requests"] == 0
    assert result["warm_from_cache"] == 60
    assert result["warm_same_statuses_as_cold"] is True
    assert result["cold_requests"] > 60  # the cold pass really went through the forge transport
    assert set(result["statuses"]) == {"verified", "failed"}
