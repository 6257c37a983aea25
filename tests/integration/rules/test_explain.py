"""`commops rules explain` against the embedded sandbox (127.0.0.1 only; namespace lookups off)."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from commops.cli.app import app
from commops.domain import Decision, Outcome
from commops.errors import NotFoundError

runner = CliRunner()


def test_explain_prints_the_decision_and_its_trace() -> None:
    result = runner.invoke(app, ["rules", "explain", "1", "--offline", "--json"])
    assert result.exit_code == 0, result.output
    decision = Decision.model_validate(json.loads(result.stdout))
    assert decision.ticket_id == 1
    assert decision.outcome in set(Outcome) - {Outcome.SKIP}
    assert decision.trace and decision.trace[0].rule == "common.trade_compliance"
    assert decision.trace[0].source == "rules/common.yaml:11"
    assert len(decision.ruleset_version) == 12

    tree = runner.invoke(app, ["rules", "explain", "1", "--offline"], env={"COLUMNS": "200"})
    assert tree.exit_code == 0
    assert f"ticket #1 · {decision.program} · {decision.outcome.value.upper()}" in tree.stdout
    assert "common.trade_compliance → escalate" in tree.stdout


def test_explain_unknown_ticket_is_not_found() -> None:
    result = runner.invoke(app, ["rules", "explain", "987654", "--offline"])
    assert isinstance(result.exception, NotFoundError)
    assert result.exception.exit_code == 6
