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


def test_serve_and_load_never_print_a_secret(commops_home: Path, tmp_path: Path) -> None:
    """A token and client secret the user chose are not echoed; with --debug the request log names paths
    without their query (an access token, an applicant's email in a search); `sandbox load` output is masked."""
    secret, token = "chosen-client-secret-93", "chosen-api-token-41"
    env = {**os.environ, "COMMOPS_HOME": str(commops_home), "NO_COLOR": "1", "COMMOPS_ZENDESK_TOKEN": token}
    process = subprocess.Popen(
        [sys.executable, "-m", "commops", "sandbox", "serve", "--port", "0", "--seed", "2", "--debug",
         "--client-secret", secret, "--token", token],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert "listening on http://127.0.0.1:" in first, first
        url = first.split("listening on ")[1].split()[0]
        first += "".join(process.stdout.readline() for _ in range(8))  # the exports (read here: communicate()
        # below reads the pipe itself, past what readline() buffered)
        answer = requests.get(f"{url}/api/v2/search.json?query=requester:bob@example.com&access_token={token}",
                              auth=("x@example.com/token", token), timeout=5)
        assert answer.status_code == 200
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=10)
    printed = first + out + err
    assert "COMMOPS_ZENDESK_CLIENT_SECRET=***   # the one you chose, not shown" in printed
    assert "COMMOPS_ZENDESK_TOKEN=***   # the one you chose, not shown" in printed
    assert '"GET /api/v2/search.json" 200' in err  # the request is logged, its query is not
    for leak in (secret, token, "bob@example.com"):
        assert leak not in printed, leak
    folder = tmp_path / token
    folder.mkdir()
    (folder / "queue.json").write_text('{"tickets": []}')
    load = subprocess.run([sys.executable, "-m", "commops", "sandbox", "load", str(folder / "queue.json")],
                          capture_output=True, text=True, env=env, timeout=60)
    assert load.returncode == 0, load.stderr
    assert "loaded 0 tickets from" in load.stdout and token not in load.stdout + load.stderr
