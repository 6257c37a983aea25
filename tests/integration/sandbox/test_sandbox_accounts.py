"""The two packaged sandbox accounts: `reference` (the default) and `northwind`, shaped like a real account
and different from the first in every id, title and field key; OAuth only; seeded through its own fields."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from commops.sandbox import SandboxServer
from commops.sandbox.apierror import ApiError
from commops.sandbox.store import ACCOUNTS, account_document


def _ids(account: str) -> set[int]:
    found: set[int] = set()
    for name, key in (("ticket_fields.json", "ticket_fields"), ("ticket_forms.json", "ticket_forms"),
                      ("macros.json", "macros"), ("groups.json", "groups"), ("brands.json", "brands"),
                      ("custom_statuses.json", "custom_statuses"), ("agents.json", "users")):
        found |= {int(item["id"]) for item in account_document(account, name)[key]}
    return found


def test_the_accounts_share_no_id_and_no_field_key() -> None:
    assert ACCOUNTS == ("reference", "northwind")
    assert not _ids("reference") & _ids("northwind")
    keys = {a: {f["key"] for f in account_document(a, "ticket_fields.json")["ticket_fields"] if f.get("key")}
            for a in ACCOUNTS}
    assert not keys["reference"] & keys["northwind"]
    titles = {a: {m["title"] for m in account_document(a, "macros.json")["macros"]} for a in ACCOUNTS}
    assert not titles["reference"] & titles["northwind"]


@pytest.fixture(scope="module")
def northwind(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxServer]:
    server = SandboxServer(tmp_path_factory.mktemp("nw") / "sandbox.sqlite3", limits=False, account="northwind")
    server.store.reset("northwind")
    server.store.seed(120, 3)
    server.start()
    yield server
    server.stop()


def test_northwind_is_seeded_through_its_own_fields_forms_brands_and_locales(northwind: SandboxServer) -> None:
    store = northwind.store
    assert store.account_name == "northwind"
    account = store.account()
    keys = {f["key"]: fid for fid, f in account.fields.items()}
    tickets = [doc for _id, doc in store.ticket_docs()]
    on_forms = [t for t in tickets if t.get("ticket_form_id") in account.forms]
    assert len(on_forms) > 100
    seeding = store.profile()["seeding"]
    assert {t["ticket_form_id"] for t in on_forms} == set(seeding["forms"].values())
    tracks = {e["value"] for t in on_forms for e in t["custom_fields"] if e["id"] == keys["nw_track"]}
    assert tracks == {"track_academic", "track_oss", "track_startup"}
    countries = {e["value"] for t in on_forms for e in t["custom_fields"] if e["id"] == keys["nw_country"]}
    options = {o["value"] for o in account.fields[keys["nw_country"]]["custom_field_options"]}
    assert countries and countries <= options  # a drop-down: lower-case ISO tags only
    academic = [t for t in on_forms if t["ticket_form_id"] == seeding["forms"]["education"]]
    assert {t.get("brand_id") for t in academic} == {seeding["brands"]["education"]}
    requesters = store.users(sorted({int(t["requester_id"]) for t in tickets}))
    assert {u["locale"] for u in requesters} == {"en-US", "de"}


def test_northwind_takes_oauth_only_and_says_so(northwind: SandboxServer) -> None:
    api = f"{northwind.url}/api/v2"
    token = httpx.get(f"{api}/users/me.json", auth=("licensing-bot@northwind-traders.example/token", "sandbox"))
    assert token.status_code == 401 and "OAuth" in token.json()["description"]
    grant = httpx.post(f"{northwind.url}/oauth/tokens", json={
        "grant_type": "client_credentials", "client_id": "commops-sandbox",
        "client_secret": "sandbox-client-secret", "scope": "read"}).json()
    headers = {"Authorization": f"Bearer {grant['access_token']}"}
    settings = httpx.get(f"{api}/account/settings.json", headers=headers).json()["settings"]
    assert settings["api"]["api_token_access"] is False
    assert settings["brands"]["default_brand_id"] == 7710001
    assert {loc["locale"] for loc in httpx.get(f"{api}/locales.json", headers=headers).json()["locales"]} == {
        "en-US", "de"}
    statuses = httpx.get(f"{api}/custom_statuses.json", headers=headers).json()["custom_statuses"]
    assert {"Awaiting applicant", "Approved", "Declined", "Compliance hold"} <= {s["agent_label"] for s in statuses}


def test_reset_switches_accounts_and_refuses_an_unknown_one(tmp_path: Path) -> None:
    with SandboxServer(tmp_path / "s.sqlite3", limits=False) as server:
        store = server.store
        assert store.account_name == "reference"
        store.reset("northwind")
        assert store.account_name == "northwind"
        assert {f["name"] for f in store.resource("ticket_forms")} >= {"Academic licence request"}
        with pytest.raises(ApiError):
            store.reset("acme")
        assert store.account_name == "northwind"  # nothing forgotten
        store.reset()
        assert store.account_name == "reference"
        assert httpx.get(f"{server.url}/api/v2/users/me.json",
                         auth=("commops-bot@community-demo.example/token", "sandbox")).status_code == 200


def test_a_sandbox_file_reset_to_northwind_keeps_it_across_restarts(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    with SandboxServer(path, limits=False) as server:
        server.store.reset("northwind")
    with SandboxServer(path, limits=False) as again:  # the default account applies to a new file only
        assert again.store.account_name == "northwind"
