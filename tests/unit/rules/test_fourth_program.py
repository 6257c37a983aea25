"""Adding a program is a YAML file and a config entry: no code changes."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

from typer.testing import CliRunner

from commops.cli.app import app
from commops.config import load_settings
from commops.domain import Application, Outcome, Requester
from commops.domain.calendar import BusinessCalendar
from commops.rules import load_ruleset
from tests.unit.rules.helpers import FakeDatasets

RULES = Path(__file__).resolve().parents[3] / "rules"

NONPROFITS = """\
program: nonprofits
rules:
  - id: npo.registration
    description: A charity registration number is required
    when: {field: fields.charity_number, op: missing}
    outcome: ask
    macro: NPO::Ask - registration
    reason: no charity registration number
    auto: true
  - id: npo.qualified
    when: {field: fields.charity_number, op: matches, value: '^[0-9]{6,8}$'}
    outcome: qualify
    macro: NPO::Qualified - welcome
    reason: "registered charity {fields.charity_number}"
    auto: true
    on_unknown: ignore
"""

CASES = """\
defaults:
  program: nonprofits
  application_type: new
  requester: {email: info@helping-hands.org}
  fields: {country: GB, charity_number: "1234567"}
cases:
  - {name: registered, expect: {outcome: qualify, macros: ["NPO::Qualified - welcome"]}}
  - {name: no number, fields: {charity_number: null}, expect: {outcome: ask, macros: ["NPO::Ask - registration"]}}
  - {name: common rules apply too, fields: {country: ir}, expect: {outcome: escalate}}
"""


def make_account(tmp_path: Path) -> Path:
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    (rules / "nonprofits.yaml").write_text(NONPROFITS)
    (rules / "cases" / "nonprofits.yaml").write_text(CASES)
    defaults = load_settings()
    fields = {**defaults.fields, "charity_number": 3600250}
    lines = [f'rules_dir = "{rules}"', "[fields]", *(f"{k} = {v}" for k, v in fields.items())]
    programs = {**{n: (p.form_id, p.program_value) for n, p in defaults.programs.items()},
                "nonprofits": (3600304, "program_nonprofits")}
    for name, (form_id, value) in programs.items():
        lines += [f"[programs.{name}]", f"form_id = {form_id}", f'program_value = "{value}"']
    config = tmp_path / "config.toml"
    config.write_text("\n".join(lines) + "\n")
    return config


def test_a_fourth_program_needs_only_yaml_and_config(tmp_path: Path) -> None:
    config = make_account(tmp_path)
    settings = load_settings(config)
    assert settings.program_for_value("program_nonprofits") == "nonprofits"
    ruleset = load_ruleset([settings.rules_path], field_keys=set(settings.fields), programs=set(settings.programs))
    compiled = ruleset.compile(datasets=FakeDatasets(), calendar=BusinessCalendar(""),
                               now=lambda: datetime(2026, 1, 6, tzinfo=UTC))
    when = datetime(2026, 1, 5, tzinfo=UTC)
    application = Application(ticket_id=9, program="nonprofits", application_type="new",
                              requester=Requester(email="a@helping-hands.org"),
                              fields={"country": "GB", "charity_number": "7654321"}, created_at=when, updated_at=when)
    decision = compiled.evaluate(application)
    assert decision.outcome is Outcome.QUALIFY
    assert [t.rule for t in decision.trace][:5] == [
        "common.trade_compliance", "common.public_sector_email", "common.renewal_information",
        "common.form_program_contradiction", "common.new_with_subscription"]

    runner = CliRunner()
    # Its macros are not in the reference account yet: lint the files, not the account.
    linted = runner.invoke(app, ["--config", str(config), "rules", "lint", "--no-account"])
    assert linted.exit_code == 0, linted.output
    tested = runner.invoke(app, ["--config", str(config), "rules", "test"])
    assert tested.exit_code == 0, tested.output


def test_the_new_program_is_unknown_without_its_config_entry(tmp_path: Path) -> None:
    make_account(tmp_path)
    defaults = load_settings()
    problems = CliRunner().invoke(app, ["rules", "lint", str(tmp_path / "rules")])
    assert problems.exit_code == 1
    assert "unknown program 'nonprofits'" in problems.stdout
    assert "no field 'charity_number'" in problems.stdout
    assert "nonprofits" not in defaults.programs
