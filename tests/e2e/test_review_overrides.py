"""What a specialist sees of the rules that fired, and the second confirmation an override needs when it
sets aside an escalate or reject rule: review, plans, --format json and the table, on the embedded sandbox."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from commops.cli.context import AppState
from commops.config import load_settings
from commops.domain import MacroRef, Outcome, Plan

from .cli import cli, field, store

SETTINGS = load_settings()
F = SETTINGS.fields
DECISION_FIELD = F["commops_decision"]
OSS_FORM = SETTINGS.programs["open_source"].form_id
WELCOME = "OSS::Qualified - welcome"
ESCALATED, UNVERIFIED = 900, 901
OVERRULED = "escalate common.trade_compliance, reject oss.business_model"


def _oss_ticket(ticket_id: int, **fields: Any) -> dict[str, Any]:
    values = {"program": "program_open_source", "application_type": "app_new", "country": "FI",
              "project_name": "libacme", "namespace_url": "https://github.com/acme", "license": "MIT",
              "not_seeking_profit": True, "business_model": "model_donations", **fields}
    return {"id": ticket_id, "requester_id": 9000, "subject": f"OSS application {ticket_id}",
            "description": "Submitted through the program application form.", "ticket_form_id": OSS_FORM,
            "custom_fields": [{"id": F[k], "value": v} for k, v in values.items()]}


@pytest.fixture
def queue(commops_home: Path, tmp_path: Path) -> Path:
    """Two Open Source applications: one where trade compliance escalates while a reject also fires, one
    the rules leave to a person (offline: the namespace cannot be verified)."""
    assert cli("sandbox", "reset").code == 0
    doc = {"users": [{"id": 9000, "email": "maintainer@acme.example", "name": "Ada Acme"}],
           "tickets": [_oss_ticket(ESCALATED, country="Belarus", business_model="model_open_core"),
                       _oss_ticket(UNVERIFIED)]}
    path = tmp_path / "queue.json"
    path.write_text(json.dumps(doc))
    loaded = cli("sandbox", "load", str(path))
    assert loaded.code == 0, loaded.err
    return commops_home


def _records(out: str) -> list[dict[str, Any]]:
    return [json.loads(line[line.index("{"):]) for line in out.splitlines() if "{" in line]


def _decided(home: Path, ticket_id: int) -> Any:
    return field(store(home).ticket(ticket_id), DECISION_FIELD)


OVERRIDE_TO_QUALIFY = ["o", "qualify", WELCOME]


def test_the_review_shows_every_rule_that_fired_and_the_choices_verbatim(queue: Path) -> None:
    result = cli("triage", "--offline", "--interactive", "--ticket", str(ESCALATED), input="z\nq\n")
    assert result.code == 0, result.err
    err = result.err
    assert "proposed escalate" in err
    assert "  - common.trade_compliance: country Belarus needs a trade compliance review" in err
    assert "also fired (outranked):" in err
    assert "  - reject oss.business_model: business model model_open_core seeks profit" in err
    assert "  - manual oss.namespace_unverified:" in err
    # the prompt and the reminder keep their brackets: "[a]ccept", never "ccept" (no markup reading)
    assert err.count("[a]ccept [o]verride [s]kip [t]race [u]rl [q]uit") == 3
    assert "choose one of [a]ccept [o]verride [s]kip [t]race [u]rl [q]uit" in err
    assert "ccept verride" not in err


def test_an_override_of_an_escalate_is_refused_without_a_second_confirmation(queue: Path) -> None:
    script = "\n".join([*OVERRIDE_TO_QUALIFY, "known project", "y"]) + "\n"
    result = cli("triage", "--offline", "--interactive", "--ticket", str(ESCALATED), input=script)
    assert result.code == 2, result.err
    assert f"this qualify overrules rules that fired on ticket {ESCALATED}:" in result.err
    assert f"ticket {ESCALATED}: overruling {OVERRULED} needs a second confirmation" in result.err
    assert "--confirm-overrides" in result.err and "Traceback" not in result.err
    assert _decided(queue, ESCALATED) is None  # nothing written


def test_confirm_overrides_writes_and_every_fired_rule_stays_visible(queue: Path) -> None:
    script = "\n".join([*OVERRIDE_TO_QUALIFY, "known project", "y"]) + "\n"
    result = cli("triage", "--offline", "--interactive", "--confirm-overrides", "--format", "json",
                 "--ticket", str(ESCALATED), input=script)
    assert result.code == 0, result.err
    assert "confirmed by --confirm-overrides" in result.err
    assert _decided(queue, ESCALATED) == "commops_qualify"
    (record,) = _records(result.out)  # the runner echoes typed answers on stdout, next to the JSON
    assert record["outcome"] == "qualify" and record["applied"] is True
    assert record["reasons"] == [{"rule": "override", "outcome": "qualify",
                                  "message": f"known project (overrules {OVERRULED}; confirmed)"}]
    assert record["overrules"] == ["common.trade_compliance", "oss.business_model"]
    assert {(r["outcome"], r["rule"]) for r in record["other_reasons"]} == {
        ("escalate", "common.trade_compliance"), ("reject", "oss.business_model"),
        ("manual", "oss.namespace_unverified")}
    history = cli("history", str(ESCALATED), "--format", "json").jsonl()
    assert history[0]["rules"] == ["override"] and history[0]["state"] == "applied"


def test_on_a_terminal_the_second_confirmation_is_a_question(queue: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(AppState, "stdin_terminal", property(lambda self: True))
    declined = "\n".join([*OVERRIDE_TO_QUALIFY, "n", "s"]) + "\n"  # no: the rules' proposal stands; skip
    result = cli("triage", "--offline", "--interactive", "--ticket", str(ESCALATED), input=declined)
    assert result.code == 0, result.err
    assert f"overrule {OVERRULED}? [y/N]" in result.err
    assert "override dropped" in result.err and "nothing to write" in result.err
    assert _decided(queue, ESCALATED) is None
    confirmed = "\n".join([*OVERRIDE_TO_QUALIFY, "y", "known project", "y"]) + "\n"
    result = cli("triage", "--offline", "--interactive", "--ticket", str(ESCALATED), input=confirmed)
    assert result.code == 0, result.err
    assert _decided(queue, ESCALATED) == "commops_qualify"


def test_an_override_that_sets_no_escalate_or_reject_aside_needs_no_second_confirmation(queue: Path) -> None:
    script = "\n".join([*OVERRIDE_TO_QUALIFY, "namespace checked by hand", "y"]) + "\n"
    result = cli("triage", "--offline", "--interactive", "--ticket", str(UNVERIFIED), input=script)
    assert result.code == 0, result.err
    assert "overrules" not in result.err
    assert _decided(queue, UNVERIFIED) == "commops_qualify"


def test_confirm_overrides_belongs_to_the_review(queue: Path) -> None:
    result = cli("triage", "--offline", "--confirm-overrides")
    assert result.code == 2 and "use it with --interactive" in result.err


def test_json_csv_and_the_table_list_the_outranked_rules(queue: Path) -> None:
    (record,) = cli("triage", "--offline", "--format", "json", "--ticket", str(ESCALATED)).jsonl()
    assert record["outcome"] == "escalate" and record["overrules"] == []
    assert [r["rule"] for r in record["reasons"]] == ["common.trade_compliance"]
    assert {"rule": "oss.business_model", "outcome": "reject",
            "message": "business model model_open_core seeks profit"} in record["other_reasons"]
    table = cli("triage", "--offline", "--ticket", str(ESCALATED))  # piped: TSV with the column keys
    header, row = table.out.splitlines()
    cells = dict(zip(header.split("\t"), row.split("\t"), strict=True))
    assert cells["reasons"].startswith("common.trade_compliance: ")
    assert "reject oss.business_model: business model model_open_core seeks profit" in cells["other_reasons"]
    rows = list(csv.DictReader(io.StringIO(cli("triage", "--offline", "--format", "csv",
                                                "--ticket", str(ESCALATED)).out)))
    assert "reject oss.business_model: " in rows[0]["other_reasons"]


def _plan_with(home: Path, tmp_path: Path, edit: str) -> Path:
    path = tmp_path / "plan.json"
    made = cli("triage", "--offline", "--plan", str(path), "--ticket", str(ESCALATED))
    assert made.code == 0, made.err
    plan = Plan.model_validate_json(path.read_text())
    (proposal,) = plan.proposals
    assert [r.rule for r in proposal.decision.other_reasons][:1] == ["oss.business_model"]  # in the plan file
    if edit == "override":
        decision = proposal.decision.overridden(Outcome.QUALIFY, [MacroRef(title=WELCOME)], "hand-edited")
        path.write_text(plan.model_copy(update={"proposals": [proposal.model_copy(update={"decision": decision})]})
                        .model_dump_json())
    else:  # only the outcome changed: the escalate's reasons and macro would go out with a qualify
        doc = json.loads(path.read_text())
        doc["proposals"][0]["decision"]["outcome"] = "qualify"
        path.write_text(json.dumps(doc))
    return path


def test_a_plan_that_overrules_an_escalate_needs_the_second_confirmation(queue: Path, tmp_path: Path) -> None:
    plan = _plan_with(queue, tmp_path, "override")
    refused = cli("apply", str(plan), "--yes", "--sandbox")
    assert refused.code == 2, refused.err
    assert f"ticket {ESCALATED}: the plan overrides rules that fired:" in refused.err
    assert f"ticket {ESCALATED}: {OVERRULED}" in refused.err and "Nothing was written" in refused.err
    assert _decided(queue, ESCALATED) is None
    applied = cli("apply", str(plan), "--yes", "--sandbox", "--confirm-overrides", "--format", "json")
    assert applied.code == 0, applied.err
    (record,) = applied.jsonl()
    assert record["applied"] and record["overrules"] == ["common.trade_compliance", "oss.business_model"]
    assert _decided(queue, ESCALATED) == "commops_qualify"


def test_a_plan_declined_at_the_terminal_writes_nothing(queue: Path, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    plan = _plan_with(queue, tmp_path, "override")
    monkeypatch.setattr(AppState, "stdin_terminal", property(lambda self: True))
    declined = cli("apply", str(plan), "--yes", "--sandbox", input="n\n")
    assert declined.code == 0, declined.err
    assert "Overrule those rules on 1 tickets? [y/N]" in declined.err and "nothing written" in declined.err
    assert _decided(queue, ESCALATED) is None


def test_a_plan_whose_outcome_was_edited_by_hand_is_not_a_plan(queue: Path, tmp_path: Path) -> None:
    plan = _plan_with(queue, tmp_path, "outcome")
    result = cli("apply", str(plan), "--yes", "--sandbox", "--confirm-overrides")
    assert result.code == 2, result.err
    assert "the outcome is qualify but the rules behind it say escalate" in result.err
    assert _decided(queue, ESCALATED) is None
