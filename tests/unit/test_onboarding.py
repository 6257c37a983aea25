"""Onboarding's matching (pure): what `init --from-account` proposes for an account it has never seen."""

from __future__ import annotations

from typing import Any

import pytest

from commops.errors import ConfigError
from commops.services.onboarding import AccountSnapshot, Question, Wanted, marker_field_specs, onboard, propose


def _field(fid: int, kind: str, title: str, key: str | None = None, options: list[str] | None = None
           ) -> dict[str, Any]:
    doc: dict[str, Any] = {"id": fid, "type": kind, "title": title, "key": key, "active": True}
    if options is not None:
        doc["custom_field_options"] = [{"name": o.replace("_", " ").title(), "value": o} for o in options]
    return doc


def _account(**extra: Any) -> AccountSnapshot:
    fields = [
        {**_field(1, "tagger", "Track", "x_track"), "custom_field_options": [
            {"name": "Education", "value": "t_edu"}, {"name": "Open source", "value": "t_oss"}]},
        _field(2, "tagger", "Your role", "x_role", ["role_faculty", "role_student"]),
        _field(3, "integer", "Seats requested", "x_seats"),
        _field(4, "checkbox", "Institution is non-profit", "x_np"),
        _field(5, "text", "Institution name", "institution_name"),
        _field(6, "text", "Institution website", "x_site"),
    ]
    forms = [{"id": 10, "name": "Teaching licences", "active": True, "ticket_field_ids": [1, 2, 3, 4, 5, 6]},
             {"id": 11, "name": "Open source projects", "active": True, "ticket_field_ids": [1, 3]}]
    macros = [{"id": 20, "title": "Teaching::Decline - student applicant", "active": True, "actions": []},
              {"id": 21, "title": "Teaching::Decline - not eligible", "active": True, "actions": []}]
    return AccountSnapshot(url="https://x.example", fields=fields, forms=forms, macros=macros, **extra)


def _wanted(**extra: Any) -> Wanted:
    options: dict[str, Any] = {
        "field_keys": ["program", "applicant_role", "seats", "institution_nonprofit", "institution_name",
                       "institution_website", "commops_decision", "commops_ruleset"],
        "programs": ["education", "open_source"],
        "compared": {"applicant_role": {"role_student"}},
        "reads": {"institution_nonprofit": "flag", "seats": "count"},
        "fields_by_program": {"education": {"applicant_role", "institution_name"}, "open_source": set()},
        "macro_uses": {"EDU::Reject - students": ({"education"}, {"reject"})},
    }
    options.update(extra)
    return Wanted(**options)


def test_fields_are_found_by_key_values_and_titles() -> None:
    mapping = propose(_account(), _wanted())
    assert mapping.fields["institution_name"] == 5  # its own key
    assert mapping.fields["applicant_role"] == 2  # offers the value the rules compare
    assert mapping.fields["seats"] == 3 and mapping.fields["institution_nonprofit"] == 4  # title, fitting type
    assert mapping.fields["institution_website"] == 6
    assert mapping.missing_markers == ["commops_decision", "commops_ruleset"]


def test_a_program_field_and_forms_are_found_through_what_the_rules_read() -> None:
    mapping = propose(_account(), _wanted())
    assert mapping.fields["program"] == 1
    assert mapping.programs["education"] == (10, "t_edu")  # the form carrying the education-only fields
    assert mapping.programs["open_source"] == (11, "t_oss")  # by its name
    assert mapping.macros == {"EDU::Reject - students": "Teaching::Decline - student applicant"}


def test_a_close_call_is_a_question_and_the_answer_is_taken() -> None:
    account = _account()
    account.fields.append(_field(7, "text", "Website of the institution", "x_site2"))
    asked: list[Question] = []

    class Source:
        def account_snapshot(self) -> dict[str, Any]:
            return account.model_dump()

        def create_ticket_field(self, field: dict[str, Any]) -> dict[str, Any]:
            return {**field, "id": 90 + len(asked)}

    def ask(question: Question) -> Any:
        asked.append(question)
        return question.choices[-1][1]

    done = onboard(Source(), _wanted(), base_text="[zendesk]\nurl = ''\n[queue]\n[programs]\n[renewals]\n",
                   taken_at="now", config_url="https://x.example", create_fields=True, ask=ask)
    topics = [q.topic for q in asked]
    assert topics == ["field institution_website"]  # "non-profit" is "nonprofit": no doubt there
    assert done.mapping.fields["institution_website"] == asked[0].choices[-1][1]
    assert [f["key"] for f in done.created] == ["commops_decision", "commops_ruleset"]
    assert f"commops_decision = {done.created[0]['id']}" in done.text


def test_a_field_the_rules_read_that_the_account_lacks_stops_before_writing() -> None:
    wanted = _wanted(field_keys=["program", "funding_total_usd", "commops_decision", "commops_ruleset"])

    class Source:
        def account_snapshot(self) -> dict[str, Any]:
            return _account().model_dump()

        def create_ticket_field(self, field: dict[str, Any]) -> dict[str, Any]:
            raise AssertionError("nothing is created when the mapping is incomplete")

    with pytest.raises(ConfigError, match="no field for 'funding_total_usd'"):
        onboard(Source(), wanted, base_text="", taken_at="now", config_url="", create_fields=True)


def test_marker_fields_are_agent_only() -> None:
    decision, ruleset = marker_field_specs("commops_decision", "commops_ruleset")
    for spec in (decision, ruleset):
        assert spec["visible_in_portal"] is False and spec["editable_in_portal"] is False
        assert spec["required"] is False
    assert [o["value"] for o in decision["custom_field_options"]] == [
        "commops_qualify", "commops_reject", "commops_ask", "commops_escalate"]
