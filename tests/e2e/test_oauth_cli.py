"""OAuth end to end with real `commops` processes: sign in through the sandbox's consent page with a real
HTTP client, apply with the stored login, survive kill -9 during a refresh, and an unattended 2,000-
application apply whose tokens expire every few seconds."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import requests

from commops.config import load_settings
from commops.errors import ConfigError
from commops.sandbox import SandboxServer

from .cli import cli, commops_process, field, seeded, store

DECISION_FIELD = load_settings().fields["commops_decision"]


@pytest.fixture
def account(commops_home: Path) -> Iterator[SandboxServer]:
    """A sandbox account served on loopback (not the embedded one), with 30 seeded applications."""
    with SandboxServer(commops_home / "account.sqlite3", limits=False, job_delay_s=0.2, token_ttl_s=60) as server:
        server.store.reset()
        server.store.seed(30, 3)
        yield server


def login_env(server: SandboxServer) -> dict[str, str]:
    return {"COMMOPS_ZENDESK_URL": server.url, "COMMOPS_ZENDESK_CLIENT_ID": "commops-sandbox",
            "COMMOPS_ZENDESK_AUTH": "oauth-login", "BROWSER": "true", "NO_COLOR": "1"}


def sign_in(server: SandboxServer) -> str:
    """Run `commops auth login`, open the printed URL with httpx as a browser would; its stdout."""
    process = commops_process("auth", "login", "--port", "0", "--timeout", "60", env=login_env(server))
    assert process.stderr is not None
    url = ""
    deadline = time.monotonic() + 30
    while not url and time.monotonic() < deadline:
        line = process.stderr.readline()
        if line.startswith(server.url + "/oauth/authorizations/new?"):
            url = line.strip()
        elif not line and process.poll() is not None:
            break
    assert url, process.communicate()
    answer = httpx.get(url, follow_redirects=True, timeout=30)  # consent page → 302 → commops's listener
    assert answer.status_code == 200 and "Signed in" in answer.text
    out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    return out


def written_over_http(server: SandboxServer) -> dict[int, int]:
    session = requests.Session()
    session.auth = ("auditor@sandbox.invalid/token", "sandbox")
    counts: dict[int, int] = {}
    url: str | None = f"{server.url}/api/v2/tickets.json?per_page=100"
    while url:
        page = session.get(url, timeout=30).json()
        for ticket in page["tickets"]:
            comments = session.get(f"{server.url}/api/v2/tickets/{ticket['id']}/comments.json", timeout=30).json()
            counts[ticket["id"]] = sum(1 for c in comments["comments"] if c["author_id"] != ticket["requester_id"])
        url = page["next_page"]
    return counts


def test_login_through_the_consent_page_then_apply_with_the_stored_login(
    account: SandboxServer, commops_home: Path
) -> None:
    out = sign_in(account)
    assert "signed in as" in out and "scopes read write" in out
    stored = list((commops_home / "auth").glob("login-*.json"))
    assert len(stored) == 1 and stored[0].stat().st_mode & 0o777 == 0o600

    status = commops_process("auth", "status", "--format", "json", env=login_env(account))
    out, err = status.communicate(timeout=60)
    assert status.returncode == 0, err
    report = json.loads(out)
    assert report["mode"] == "oauth-login" and report["scopes"] == ["read", "write"]
    assert 0 < report["expires_in_s"] <= 60
    assert "refresh_token" not in out and "access_token" not in out

    run = commops_process("--quiet", "triage", "--offline", "--apply", "--unattended", env=login_env(account))
    out, err = run.communicate(timeout=180)
    assert run.returncode == 0, err
    summary = json.loads(out)
    assert summary["errors"] == 0
    counts = written_over_http(account)
    assert max(counts.values()) == 1 and sum(counts.values()) >= 1

    logout = commops_process("auth", "logout", env=login_env(account))
    _out, err = logout.communicate(timeout=60)
    assert logout.returncode == 0, err
    after = commops_process("auth", "status", env=login_env(account))
    _out, err = after.communicate(timeout=60)
    assert after.returncode == 5 and "commops auth login" in err


def test_denied_consent_is_a_clear_error_and_nothing_is_stored(account: SandboxServer, commops_home: Path) -> None:
    account.oauth.consent = "deny"
    process = commops_process("auth", "login", "--port", "0", "--timeout", "60", env=login_env(account))
    assert process.stderr is not None
    line = ""
    while not line.startswith(account.url):
        line = process.stderr.readline()
        assert line or process.poll() is None
    httpx.get(line.strip(), follow_redirects=True, timeout=30)
    _out, err = process.communicate(timeout=60)
    assert process.returncode == 5 and "access_denied" in err
    assert not list((commops_home / "auth").glob("login-*.json"))


def test_kill_9_during_a_refresh_leaves_a_login_that_still_works(account: SandboxServer) -> None:
    sign_in(account)
    released = threading.Event()
    account.oauth.hold = lambda: released.wait(30)
    before = account.oauth.token_requests
    process = commops_process("auth", "status", env=login_env(account))  # its first step: a refresh
    deadline = time.monotonic() + 30
    while account.oauth.token_requests == before and time.monotonic() < deadline:
        time.sleep(0.01)
    assert account.oauth.token_requests > before, "the refresh reached the sandbox"
    os.kill(process.pid, signal.SIGKILL)  # mid-rotation: the request sent, no answer yet
    process.communicate(timeout=30)
    assert process.returncode == -signal.SIGKILL
    account.oauth.hold = None
    released.set()

    again = commops_process("auth", "status", "--format", "json", env=login_env(account))
    out, err = again.communicate(timeout=60)
    assert again.returncode == 0, err
    assert json.loads(out)["mode"] == "oauth-login"
    third = commops_process("auth", "status", env=login_env(account))  # and the rotated token works too
    assert third.wait(timeout=60) == 0


def test_unattended_apply_of_2000_applications_with_tokens_expiring_every_few_seconds(commops_home: Path) -> None:
    seeded(commops_home, applications=2000, seed=21)
    env = {"COMMOPS_SANDBOX_TOKEN_TTL_S": "3", "COMMOPS_UNATTENDED_MAX_WRITES": "5000",
           "COMMOPS_UNATTENDED_MAX_REJECT_SHARE": "1.0"}
    started = time.monotonic()
    run = commops_process("--quiet", "triage", "--offline", "--apply", "--unattended", "--sandbox", env=env)
    out, err = run.communicate(timeout=600)
    elapsed = time.monotonic() - started
    assert run.returncode == 0, err
    summary = json.loads(out)
    assert summary["errors"] == 0

    with sqlite3.connect(commops_home / "sandbox.sqlite3") as db:
        tokens = int(db.execute("SELECT COUNT(*) FROM oauth_tokens").fetchone()[0])
    assert elapsed > 3 and tokens >= 2, (elapsed, tokens)  # the run outlived its first token

    sandbox = store(commops_home)
    decided = 0
    for _seq, doc in sandbox.ticket_docs():
        ticket = sandbox.ticket(int(doc["id"]))
        ours = [c for c in sandbox.comments(ticket["id"]) if c["author_id"] != ticket["requester_id"]]
        assert len(ours) <= 1, f"ticket {ticket['id']} got {len(ours)} decisions"
        if field(ticket, DECISION_FIELD) is not None:
            decided += 1
            assert len(ours) == 1, f"ticket {ticket['id']} has a decision marker but no comment"
    assert decided > 1000
    with sqlite3.connect(commops_home / "journal.sqlite3") as db:
        unfinished = db.execute(
            "SELECT COUNT(*) FROM proposals WHERE state IN ('approved', 'writing', 'failed')").fetchone()[0]
        applied = {row[0] for row in db.execute(
            "SELECT ticket_id FROM proposals WHERE state IN ('applied', 'already_applied')")}
    assert unfinished == 0 and len(applied) == decided  # every decision written, none lost, none twice
    with SandboxServer(commops_home / "sandbox.sqlite3", limits=False) as server:  # and over HTTP
        over_http = written_over_http(server)
    assert max(over_http.values()) == 1 and sum(over_http.values()) == decided


def test_no_browser_login_takes_the_pasted_address(account: SandboxServer, commops_home: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-c", "from commops.cli.app import main; main()", "auth", "login", "--no-browser"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, **login_env(account)})
    assert process.stderr is not None
    line = ""
    while not line.startswith(account.url):
        line = process.stderr.readline()
        assert line or process.poll() is None
    # The browser ends on the loopback address, which nothing serves: the person copies it from the bar.
    ended_on = httpx.get(line.strip(), follow_redirects=False, timeout=30).headers["Location"]
    assert ended_on.startswith("http://127.0.0.1:8400/callback?code=")
    out, err = process.communicate(ended_on + "\n", timeout=60)
    assert process.returncode == 0, err
    assert "signed in as" in out
    assert "no OS keyring" in err  # the file fallback says so
    status = commops_process("auth", "status", "--format", "json", env=login_env(account))
    assert status.wait(timeout=60) == 0


def test_doctor_json_reports_the_auth_mode_scopes_and_expiry(commops_home: Path) -> None:
    result = cli("doctor", "--format", "json")
    report = json.loads(result.out)
    assert report["auth"]["mode"] == "oauth-client"
    assert report["auth"]["scopes"] == ["read", "write"]
    assert 0 < report["auth"]["expires_in_s"] <= 1800
    assert any(c["name"] == "auth" and c["ok"] for c in report["checks"])
    assert result.code == (1 if report["problems"] else 0)


def test_an_oauth_client_without_an_account_url_is_a_configuration_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMMOPS_ZENDESK_CLIENT_ID", "commops")
    monkeypatch.setenv("COMMOPS_ZENDESK_CLIENT_SECRET", "hush-hush")
    result = cli("triage", "--offline")
    assert result.code == ConfigError.exit_code
    assert "zendesk.client_id ($COMMOPS_ZENDESK_CLIENT_ID)" in result.err and "no account URL" in result.err
    assert "hush-hush" not in result.err
