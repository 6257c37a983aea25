"""The main flows against both packaged sandbox accounts: `reference` with the packaged config, and
`northwind` (other ids, titles, field keys, custom statuses, Liquid and dynamic content, OAuth only) with
nothing but the config `commops init --from-account` writes for it.

Each account is set up once per module (reset, seed, init) and copied into each test's COMMOPS_HOME."""

from __future__ import annotations

import json
import shutil
import tomllib
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from commops.sandbox.store import account_document

from .cli import cli, store

ACCOUNTS = ["reference", "northwind"]
APPLICATIONS = 36


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    """One prepared COMMOPS_HOME per account: the account loaded and seeded, and for northwind the config
    `init --from-account` wrote (with commops' marker fields it created)."""
    made: dict[str, Path] = {}
    with pytest.MonkeyPatch.context() as patch:
        for name in ("COMMOPS_CONFIG", "COMMOPS_ZENDESK_URL", "COMMOPS_ZENDESK_TOKEN"):
            patch.delenv(name, raising=False)
        for account in ACCOUNTS:
            home = tmp_path_factory.mktemp(f"home-{account}")
            patch.setenv("COMMOPS_HOME", str(home))
            assert cli("sandbox", "reset", "--account", account).code == 0
            assert cli("sandbox", "seed", "--applications", str(APPLICATIONS), "--seed", "5").code == 0
            if account == "northwind":
                made_config = cli("init", "--from-account", "--yes", "--create-fields", "--sandbox")
                assert made_config.code == 0, made_config.err
            made[account] = home
    yield made


@pytest.fixture(params=ACCOUNTS)
def account(request: pytest.FixtureRequest, templates: dict[str, Path], commops_home: Path) -> str:
    name = str(request.param)
    shutil.rmtree(commops_home)
    shutil.copytree(templates[name], commops_home)
    return name


def _applications(home: Path) -> set[int]:
    sandbox = store(home)
    forms = set(sandbox.profile()["seeding"]["forms"].values())
    return {int(doc["id"]) for _seq, doc in sandbox.ticket_docs() if doc.get("ticket_form_id") in forms}


def test_init_from_account_maps_the_account_with_config_only(account: str, commops_home: Path) -> None:
    if account == "reference":
        made = cli("init", "--from-account", "--yes", "--sandbox", "--out", str(commops_home / "mapped.toml"))
        assert made.code == 0, made.err
        config = tomllib.loads((commops_home / "mapped.toml").read_text())
        default = tomllib.loads((Path(__file__).parents[2] / "src/commops/data/default-config.toml").read_text())
        assert config["fields"] == default["fields"]  # every key found by its own name
        assert config["programs"]["startups"]["form_id"] == default["programs"]["startups"]["form_id"]
        assert config["macros"] == {} and config["statuses"] == {}
        return
    config = tomllib.loads((commops_home / "config.toml").read_text())
    fields = {f["key"]: f["id"] for f in store(commops_home).resource("ticket_fields") if f.get("key")}
    assert config["fields"]["country"] == fields["nw_country"] and config["fields"]["program"] == fields["nw_track"]
    assert {config["fields"][k] for k in ("commops_decision", "commops_ruleset")} <= set(fields.values())
    forms = store(commops_home).profile()["seeding"]["forms"]
    assert {p: config["programs"][p]["form_id"] for p in forms} == forms  # the renamed form too
    assert config["macros"]["EDU::Reject - students"] == "Academic::Decline - student applicant"
    assert config["renewals"]["macro"] == "All tracks::Renewal reminder"
    assert config["application_types"] == {"kind_first_time": "new", "kind_renewal": "renewal"}
    snapshot = json.loads((commops_home / "account.json").read_text())
    assert snapshot["account_id"] == "brand:7710001"


def test_northwind_without_marker_fields_is_refused_with_the_way_out(commops_home: Path) -> None:
    assert cli("sandbox", "reset", "--account", "northwind").code == 0
    refused = cli("init", "--from-account", "--yes", "--sandbox", "--out", str(commops_home / "x.toml"))
    assert refused.code == 78 and "--create-fields" in refused.err and "commops_decision" in refused.err
    assert not (commops_home / "x.toml").exists()
    nobody = cli("init", "--from-account", "--yes", "--out", str(commops_home / "x.toml"))
    assert nobody.code == 78 and "--sandbox" in nobody.err  # no account named: no fields created anywhere


def test_doctor_and_queue(account: str, commops_home: Path) -> None:
    doctor = cli("doctor", "--format", "json")
    assert doctor.code == 0, doctor.out + doctor.err
    assert json.loads(doctor.out)["problems"] == []
    queue = cli("queue", "--format", "json")
    assert queue.code == 0, queue.err
    assert {row["ticket_id"] for row in queue.jsonl()} == _applications(commops_home)
    lint = cli("rules", "lint")  # the shipped rules' drop-down values are options of this account's fields
    assert lint.code == 0, lint.out + lint.err
    if account == "northwind":
        offline = cli("rules", "lint", "--no-account")
        assert offline.code == 0 and "checked against the account snapshot" in offline.err


def test_renaming_a_form_keeps_the_queue_whole(account: str, commops_home: Path) -> None:
    sandbox = store(commops_home)
    before = {row["ticket_id"] for row in cli("queue", "--format", "json").jsonl()}
    forms = sandbox.resource("ticket_forms")
    for form in forms:
        form["name"] = form["raw_name"] = f"{form['name']} (2027)"
    sandbox.put_resource("ticket_forms", forms)
    after = cli("queue", "--format", "json")
    assert after.code == 0 and {row["ticket_id"] for row in after.jsonl()} == before
    assert before == _applications(commops_home)


def test_dry_run_plan_apply_and_stats(account: str, commops_home: Path) -> None:
    sandbox = store(commops_home)
    untouched = {int(doc["id"]): doc["updated_at"] for _s, doc in sandbox.ticket_docs()}
    dry = cli("triage", "--offline", "--format", "json")
    assert dry.code == 0, dry.err
    outcomes = {row["outcome"] for row in dry.jsonl()}
    assert {"qualify", "reject", "ask", "escalate"} <= outcomes
    assert {int(doc["id"]): doc["updated_at"] for _s, doc in sandbox.ticket_docs()} == untouched
    plan = commops_home / "plan.json"
    assert cli("triage", "--offline", "--plan", str(plan), "--program", "education").code == 0
    applied = cli("apply", str(plan), "--yes", "--sandbox", "--format", "json")
    assert applied.code == 0, applied.err
    unattended = cli("--quiet", "triage", "--offline", "--apply", "--unattended", "--sandbox")
    assert unattended.code == 0, unattended.err
    summary = json.loads(unattended.out)
    assert summary["status"] == "ok" and summary["applied"] > 0 and summary["errors"] == 0
    public = [c for _s, doc in sandbox.ticket_docs() for c in sandbox.comments(int(doc["id"]))[1:] if c["public"]]
    assert len(public) > 5
    assert all(not any(mark in c["body"] for mark in ("{{", "}}", "{%", "%}")) for c in public)
    if account == "northwind":  # the requester's language, through dynamic content and Liquid
        assert any(c["body"].startswith("Hallo ") for c in public) and any(
            c["body"].startswith("Hello ") for c in public)
        statuses = {s["id"]: s["agent_label"] for s in account_document("northwind", "custom_statuses.json")[
            "custom_statuses"]}
        landed = {statuses.get(doc.get("custom_status_id")) for _s, doc in sandbox.ticket_docs()}
        assert {"Approved", "Declined", "Awaiting applicant"} <= landed
    stats = cli("stats", "--format", "json")
    assert stats.code == 0, stats.err
    again = cli("--quiet", "triage", "--offline", "--apply", "--unattended", "--sandbox")
    assert json.loads(again.out)["applied"] == 0  # never the same decision twice


def test_custom_statuses_in_queue_stats_and_re_triage(account: str, commops_home: Path) -> None:
    sandbox = store(commops_home)
    ran = cli("--quiet", "triage", "--offline", "--apply", "--unattended", "--sandbox")
    assert ran.code == 0, ran.err
    statuses = {s["id"]: s for s in sandbox.resource("custom_statuses")}
    docs = {int(doc["id"]): doc for _s, doc in sandbox.ticket_docs()}
    asked = [tid for tid, doc in docs.items() if doc["status"] == "pending"]
    assert asked
    label = statuses[docs[asked[0]]["custom_status_id"]]["agent_label"]  # "Awaiting applicant" on northwind
    by_label = cli("queue", "--status", label, "--format", "json").jsonl()
    assert by_label and {row["custom_status"] for row in by_label} == {label}
    assert {row["status"] for row in by_label} == {"pending"}
    assert {row["ticket_id"] for row in by_label} <= {
        row["ticket_id"] for row in cli("queue", "--status", "pending", "--format", "json").jsonl()}
    wrong = cli("queue", "--status", "Awaiting aplicant")
    assert wrong.code == 2 and "one of:" in wrong.err
    # A specialist parks an asked ticket in an on-hold custom status: still waiting for the applicant.
    hold = next(s for s in statuses.values() if s["status_category"] == "hold" and not s["default"]) \
        if account == "northwind" else next(s for s in statuses.values() if s["status_category"] == "hold")
    before = _queue_by_status()
    agent = sandbox.agent_ids()[0]
    sandbox.update_ticket(asked[0], {"custom_status_id": hold["id"]}, agent)
    assert sandbox.ticket(asked[0])["status"] == "hold"
    after = _queue_by_status()
    assert after["hold"] == before["hold"] + 1 and after["pending"] == before["pending"] - 1  # by category
    again = cli("--verbose", "triage", "--offline", "--format", "json", "--ticket", str(asked[0]))
    assert again.code == 0 and again.jsonl() == [] and "waiting for the applicant" in again.err
    assert cli("sandbox", "reply", str(asked[0]), "Here is what you asked for.").code == 0
    came_back = cli("triage", "--offline", "--format", "json", "--ticket", str(asked[0])).jsonl()
    assert [row["ticket_id"] for row in came_back] == [asked[0]]


def _queue_by_status() -> Counter[str]:
    """The stats report's queue by status, over every program."""
    stats = json.loads(cli("stats", "--format", "json").out)
    return sum((Counter(p["queue"]["by_status"]) for p in stats["programs"].values()), Counter())


def test_a_journal_from_account_a_is_refused_on_account_b_behind_the_same_url(commops_home: Path) -> None:
    assert cli("sandbox", "reset", "--account", "reference").code == 0
    assert cli("sandbox", "seed", "--applications", "8").code == 0
    assert cli("--quiet", "triage", "--offline", "--apply", "--unattended", "--sandbox").code == 0
    journal = (commops_home / "journal.sqlite3").read_bytes()
    # Another account behind the same (embedded) URL, with the same ticket ids.
    assert cli("sandbox", "reset", "--account", "northwind").code == 0
    assert cli("sandbox", "seed", "--applications", "8").code == 0
    assert cli("init", "--from-account", "--yes", "--create-fields", "--sandbox").code == 0  # its config
    for args in (("triage", "--offline"), ("--quiet", "triage", "--offline", "--apply", "--unattended", "--sandbox"),
                 ("queue",)):
        refused = cli(*args)
        assert refused.code == 78, (args, refused.err)
        assert "brand:1000001" in refused.err and "brand:7710001" in refused.err and "Traceback" not in refused.err
    assert (commops_home / "journal.sqlite3").read_bytes() == journal  # nothing recorded for the wrong account
    assert all(len(store(commops_home).comments(t)) == 1 for t in _applications(commops_home))  # nothing written


@pytest.mark.parametrize("variable", ["COMMOPS_ZENDESK_CLIENT_ID", "COMMOPS_ZENDESK_CLIENT_SECRET",
                                      "COMMOPS_ZENDESK_EMAIL", "COMMOPS_ZENDESK_OAUTH_TOKEN"])
def test_a_cron_line_with_a_partial_configuration_names_what_is_missing(
    monkeypatch: pytest.MonkeyPatch, commops_home: Path, variable: str
) -> None:
    monkeypatch.setenv(variable, "set-but-alone")
    for args in (("--quiet", "triage", "--apply", "--unattended"), ("init", "--from-account", "--yes"),
                 ("renewals", "--notify")):
        ran = cli(*args)
        assert ran.code == 78 and ran.out == "", (args, ran.err)
        assert f"${variable}) is set but no account URL" in ran.err and "COMMOPS_ZENDESK_URL" in ran.err
        assert "set-but-alone" not in ran.err
    assert not (commops_home / "sandbox.sqlite3").exists()  # no sandbox was started to write to


def test_a_plan_from_account_a_is_refused_on_account_b_behind_the_same_url(
    templates: dict[str, Path], commops_home: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    shutil.rmtree(commops_home)
    shutil.copytree(templates["reference"], commops_home)
    plan = tmp_path / "plan.json"
    assert cli("triage", "--offline", "--plan", str(plan)).code == 0
    assert json.loads(plan.read_text())["account_id"] == "brand:1000001"
    other = tmp_path / "northwind-home"  # its own state, the same embedded URL, the same ticket ids
    shutil.copytree(templates["northwind"], other)
    monkeypatch.setenv("COMMOPS_HOME", str(other))
    before = {int(doc["id"]): doc["updated_at"] for _s, doc in store(other).ticket_docs()}
    refused = cli("apply", str(plan), "--yes", "--sandbox")
    assert refused.code == 2 and "brand:1000001" in refused.err and "brand:7710001" in refused.err
    assert "Nothing was written" in refused.err
    assert {int(doc["id"]): doc["updated_at"] for _s, doc in store(other).ticket_docs()} == before


def test_a_decided_history_is_seeded_with_each_accounts_own_macros(account: str, commops_home: Path) -> None:
    seeded = cli("sandbox", "seed", "--history", "1", "--per-week", "12", "--seed", "3")
    assert seeded.code == 0, seeded.err
    decided = int(seeded.out.split(": ", 1)[1].split(" decided", 1)[0])
    assert decided > 6
    titles = {m["title"] for m in store(commops_home).resource("macros")}
    applied = {e.get("macro_title") for a in store(commops_home).audits_since(0) for e in a.get("events") or []
               if e.get("type") == "AgentMacroReference"}
    assert applied and applied <= titles
