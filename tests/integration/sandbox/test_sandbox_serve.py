"""`commops sandbox serve` as a real process: prints where it listens, answers, stops on Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import requests


def test_serve_runs_until_interrupted(commops_home: Path) -> None:
    env = {**os.environ, "COMMOPS_HOME": str(commops_home), "NO_COLOR": "1"}
    process = subprocess.Popen(
        [sys.executable, "-c", "from commops.cli.app import main; main()", "sandbox", "serve", "--port", "0",
         "--plan", "team", "--seed", "2"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )
    try:
        assert process.stdout is not None and process.stderr is not None
        first = process.stdout.readline()
        assert "listening on http://127.0.0.1:" in first, first + (process.stderr.read() if process.poll() else "")
        url = first.split("listening on ")[1].split()[0]
        lines = [process.stdout.readline() for _ in range(8)]
        assert f"COMMOPS_ZENDESK_URL={url}\n" in "".join(lines)
        assert "COMMOPS_ZENDESK_CLIENT_ID=commops-sandbox\n" in "".join(lines)
        assert "COMMOPS_ZENDESK_CLIENT_SECRET=sandbox-client-secret\n" in "".join(lines)
        assert "COMMOPS_ZENDESK_TOKEN=sandbox" in "".join(lines)  # legacy API tokens still work there
        answer = requests.get(url + "/api/v2/tickets.json", auth=("x@example.com/token", "sandbox"), timeout=5)
        assert answer.status_code == 200 and answer.headers["X-Rate-Limit"] == "200"
        assert answer.json()["count"] == 60
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=10)
        finally:
            if process.poll() is None:
                process.kill()
    assert process.returncode == 0
