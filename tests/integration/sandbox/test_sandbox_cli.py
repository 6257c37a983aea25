"""`commops sandbox ...` through the CLI runner, on the SQLite file under the test's COMMOPS_HOME."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests
from typer.testing import CliRunner

from commops.cli.app import app
from commops.config import load_settings
from commops.errors import ConfigError, NotFoundError, UsageError
from commops.sandbox import SandboxStore, start_embedded

runner = CliRunner()


def store(home: Path) -> SandboxStore:
    return SandboxStore(home / "sandbox.sqlite3")


def test_reset_seed_status_reply(commops_home: Path) -> None:
    assert runner.invoke(app, ["sandbox", "reset"]).exit_code == 0
    assert store(commops_home).is_empty()
    seeded = runner.invoke(app, ["sandbox", "seed", "--applications", "30", "--seed", "4"])
    assert seeded.exit_code == 0 and "created 30 tickets" in seeded.output
    status = runner.invoke(app, ["sandbox", "status"])
    assert status.exit_code == 0 and "Education program" in status.output and "total" in status.output
    db = store(commops_home)
    db.update_ticket(3, {"status": "pending"}, db.agent_ids()[0])
    replied = runner.invoke(app, ["sandbox", "reply", "3", "Here is the proof"])
    assert replied.exit_code == 0 and "status open" in replied.output
    assert store(commops_home).comments(3)[-1]["body"] == "Here is the proof"
    fresh = next(d["id"] for _s, d in store(commops_home).ticket_docs() if d["status"] == "new")
    assert "status open" in runner.invoke(app, ["sandbox", "reply", str(fresh), "More details"]).output
    missing = runner.invoke(app, ["sandbox", "reply", "999", "hi"])
    assert isinstance(missing.exception, NotFoundError)


def test_load_keeps_ids(commops_home: Path, tmp_path: Path) -> None:
    document = {
        "users": [{"id": 777, "name": "Grace Hopper", "email": "grace@navy.example"}],
        "tickets": [{"id": 4242, "subject": "Application", "description": "Please",
                     "requester_id": 777, "status": "open", "ticket_form_id": 3600301,
                     "created_at": "2026-11-01T10:00:00Z",
                     "custom_fields": [{"id": 3600201, "value": "program_education"},
                                       {"id": 3600211, "value": "U.S. Naval Academy"}]}],
    }
    path = tmp_path / "queue.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    result = runner.invoke(app, ["sandbox", "load", str(path)])
    assert result.exit_code == 0, result.output
    ticket = store(commops_home).ticket(4242)
    assert ticket["requester_id"] == 777 and ticket["status"] == "open"
    assert ticket["created_at"] == "2026-11-01T10:00:00Z"
    assert "program_education" in ticket["tags"]
    path.write_text("{broken", encoding="utf-8")
    assert isinstance(runner.invoke(app, ["sandbox", "load", str(path)]).exception, UsageError)


def test_start_embedded_seeds_an_empty_sandbox(commops_home: Path) -> None:
    settings = load_settings()
    server = start_embedded(settings)
    try:
        assert server.url.startswith("http://127.0.0.1:")
        me = requests.get(server.url + "/api/v2/users/me.json", auth=("bot@example.com/token", "sandbox"))
        assert me.status_code == 200
        assert len(server.store.ticket_docs()) == settings.sandbox.seed_applications
    finally:
        server.stop()
    again = start_embedded(settings)  # not empty any more: nothing is added
    try:
        assert len(again.store.ticket_docs()) == settings.sandbox.seed_applications
    finally:
        again.stop()


def test_embedded_faults_come_from_the_environment(commops_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMMOPS_SANDBOX_FAULTS", "429=1")
    monkeypatch.setenv("COMMOPS_SANDBOX_SEED", "9")
    settings = load_settings()
    assert settings.sandbox.seed == 9
    server = start_embedded(settings)
    try:
        answer = requests.get(server.url + "/api/v2/users/me.json", auth=("bot@example.com/token", "sandbox"))
        assert answer.status_code == 429 and answer.headers["Retry-After"] == "1"
    finally:
        server.stop()
    monkeypatch.setenv("COMMOPS_SANDBOX_FAULTS", "oops=1")
    with pytest.raises(ConfigError):
        start_embedded(load_settings())


def test_every_sandbox_command_is_documented() -> None:
    from commops.cli.sandbox import group

    docs = (Path(__file__).parents[3] / "docs" / "sandbox.md").read_text(encoding="utf-8")
    names = [command.name or (command.callback.__name__ if command.callback else "") for command in
             group.registered_commands]
    assert set(names) == {"serve", "reset", "seed", "load", "reply", "status", "codes"}
    for name in names:
        assert f"`commops sandbox {name}" in docs, name
