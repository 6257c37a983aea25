"""Benchmark: what a machine with no journal (a fresh CI runner) pays to report what a long-lived host does.

Run: ``python benchmarks/fresh_runner.py [--applications N]``. Prints one JSON object. A standalone sandbox
account gets N applications; one unattended run decides them from a home that keeps its journal; then
``stats --format json`` runs from that home and from a new empty one, and ``history`` from another empty
one. Reported: each one's Zendesk requests (and per 1,000 tickets), by endpoint, and whether the fresh
runner's figures equal the long-lived host's.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from commops.sandbox import SandboxServer


def _commops(home: Path, url: str, *args: str, lines: bool = False) -> dict[str, Any]:
    env = {**os.environ, "COMMOPS_HOME": str(home), "COMMOPS_ZENDESK_URL": url,
           "COMMOPS_ZENDESK_EMAIL": "commops-bot@community-demo.example", "COMMOPS_ZENDESK_TOKEN": "sandbox"}
    env.pop("COMMOPS_CONFIG", None)
    env.pop("COMMOPS_JOURNAL_URL", None)
    home.mkdir(parents=True, exist_ok=True)
    done = subprocess.run([sys.executable, "-c", "from commops.cli.app import main; main()", *args],
                          env=env, capture_output=True, text=True, check=False, timeout=1800)
    if done.returncode != 0:
        raise SystemExit(f"commops {' '.join(args)} failed ({done.returncode}): {done.stderr[-2000:]}")
    if lines:
        return {"rows": [json.loads(x) for x in done.stdout.splitlines() if x.strip()]}
    answer: dict[str, Any] = json.loads(done.stdout)
    return answer


def _figures(report: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in report.items() if k not in ("generated_at", "requests")}


def run(applications: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        server = SandboxServer(root / "account.sqlite3", limits=False)
        server.store.reset()
        server.store.seed(applications, 11)
        with server:
            kept = root / "long-lived"
            run_summary = _commops(kept, server.url, "--quiet", "triage", "--offline", "--apply", "--unattended",
                                   "--max-writes", str(applications))
            long_lived = _commops(kept, server.url, "stats", "--format", "json")
            fresh = _commops(root / "fresh-stats", server.url, "stats", "--format", "json")
            history = _commops(root / "fresh-history", server.url, "--verbose", "history", "--format", "json",
                               "--limit", str(applications * 3), lines=True)
    tickets = max(1, int(fresh["requests"]["tickets"]) + int(fresh["requests"]["backlog_tickets"]))

    def per_thousand(requests: int) -> float:
        return round(requests * 1000 / tickets, 1)

    return {
        "benchmark": "fresh_runner",
        "applications": applications,
        "tickets_in_report": tickets,
        "decisions_written": run_summary.get("applied"),
        "long_lived_stats": {**long_lived["requests"],
                             "per_1000_tickets": per_thousand(long_lived["requests"]["zendesk_requests"])},
        "fresh_runner_stats": {**fresh["requests"],
                               "per_1000_tickets": per_thousand(fresh["requests"]["zendesk_requests"])},
        "fresh_runner_history_rows": len(history.get("rows", [])),
        "same_figures": _figures(fresh) == _figures(long_lived),
        "automated_share": fresh["overall"]["decisions"]["automated_share"],
        "python": sys.version.split()[0],
        "cpus": os.cpu_count(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--applications", type=int, default=1000)
    args = parser.parse_args(argv)
    result = run(args.applications)
    print(json.dumps(result, indent=2))
    return 0 if result["same_figures"] else 1


if __name__ == "__main__":
    sys.exit(main())
