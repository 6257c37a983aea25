"""`commops rules explain` against the embedded sandbox: nothing leaves 127.0.0.1 (namespace lookups go to
the sandbox's forge emulation, or are off with --offline)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from commops.cli.app import app
from commops.config import load_settings
from commops.domain import Decision, Outcome, Truth
from commops.errors import NotFoundError
from commops.rules._ops import host_of
from commops.sandbox import SandboxStore

runner = CliRunner()


def _forge_tickets(home: Path) -> list[int]:
    """Seed the sandbox; the Open Source tickets whose namespace is on GitHub.com or GitLab.com."""
    assert runner.invoke(app, ["sandbox", "reset"]).exit_code == 0
    seeded = runner.invoke(app, ["sandbox", "seed", "--applications", "40", "--seed", "11"])
    assert seeded.exit_code == 0, seeded.output
    field = load_settings().fields["namespace_url"]
    found = []
    for _seq, doc in SandboxStore(home / "sandbox.sqlite3").ticket_docs():
        url = next((f["value"] for f in doc["custom_fields"] if f["id"] == field), None)
        if host_of(url) in ("github.com", "gitlab.com"):
            found.append(int(doc["id"]))
    assert found, "the seeded sandbox has namespaces on the forges it emulates"
    return found


def _unverified(decision: Decision) -> Truth:
    return next(t.result for t in decision.trace if t.rule == "oss.namespace_unverified")


def test_explain_prints_the_decision_and_its_trace() -> None:
    result = runner.invoke(app, ["rules", "explain", "1", "--offline", "--format", "json"])
    assert result.exit_code == 0, result.output
    decision = Decision.model_validate(json.loads(result.stdout))
    assert decision.ticket_id == 1
    assert decision.outcome in set(Outcome) - {Outcome.SKIP}
    assert decision.trace and decision.trace[0].rule == "common.trade_compliance"
    assert (decision.trace[0].source or "").startswith("rules/common.yaml:")
    assert len(decision.ruleset_version) == 12

    tree = runner.invoke(app, ["rules", "explain", "1", "--offline"], env={"COLUMNS": "200"})
    assert tree.exit_code == 0
    assert f"ticket #1 · {decision.program} · {decision.outcome.value.upper()}" in tree.stdout
    assert "common.trade_compliance → escalate" in tree.stdout


def test_explain_unknown_ticket_is_not_found() -> None:
    result = runner.invoke(app, ["rules", "explain", "987654", "--offline"])
    assert isinstance(result.exception, NotFoundError)
    assert result.exception.exit_code == 6


def test_explain_verifies_against_the_sandbox_forges(commops_home: Path, no_network: list[str]) -> None:
    """No account configured: the namespace lookup goes to the embedded sandbox's forges, never the real ones,
    and its verdicts are not cached."""
    for ticket in _forge_tickets(commops_home)[:3]:
        result = runner.invoke(app, ["rules", "explain", str(ticket), "--format", "json"])
        assert result.exit_code == 0, result.output
        decision = Decision.model_validate(json.loads(result.stdout))
        assert decision.program == "open_source"
        assert _unverified(decision) is Truth.FALSE, decision.reasons  # a verdict came back from the forge
        assert "oss.namespace_unverified" not in {r.rule for r in decision.reasons}

        offline = runner.invoke(app, ["rules", "explain", str(ticket), "--offline", "--format", "json"])
        assert offline.exit_code == 0, offline.output
        assert _unverified(Decision.model_validate(json.loads(offline.stdout))) is Truth.TRUE
    assert no_network == []
    assert not (commops_home / "verify-cache.sqlite3").exists()
