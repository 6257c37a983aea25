"""verify_applications asks the verifier only for what the rules need, and returns copies."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from commops.domain import Application, Outcome, Verification, VerificationStatus
from commops.rules import CompiledRuleSet
from commops.services.verification import namespace_url
from commops.verify import verify_applications

T = datetime(2026, 11, 2, tzinfo=UTC)


class FakeVerifier:
    def __init__(self) -> None:
        self.asked: list[str] = []

    def verify_namespace(self, url: str) -> Verification:
        self.asked.append(url)
        return Verification(kind="namespace", status=VerificationStatus.VERIFIED, source_url=url)


def app(ticket_id: int, program: str, **fields: object) -> Application:
    return Application(ticket_id=ticket_id, program=program, fields=fields, created_at=T, updated_at=T)


def needs(application: Application) -> set[str]:
    return {"namespace"} if application.program == "open_source" else set()


def test_only_applications_that_need_it_are_verified() -> None:
    apps = [
        app(1, "open_source", namespace_url="https://github.com/acme"),
        app(2, "education", namespace_url="https://github.com/x"),
        app(3, "open_source"),
        app(4, "open_source", namespace_url="  "),
    ]
    verifier = FakeVerifier()
    out = verify_applications(apps, verifier, needs)
    assert verifier.asked == ["https://github.com/acme"]
    assert out[0].verifications["namespace"].source_url == "https://github.com/acme"
    assert [a.verifications for a in out[1:]] == [{}, {}, {}]
    assert apps[0].verifications == {}  # the input is not changed
    assert [a.ticket_id for a in out] == [1, 2, 3, 4]


def test_other_verifications_are_kept() -> None:
    email = Verification(kind="email", status=VerificationStatus.FAILED)
    original = app(1, "open_source", namespace_url="https://gitlab.com/acme").model_copy(
        update={"verifications": {"email": email}}
    )
    (out,) = verify_applications([original], FakeVerifier(), needs)
    assert set(out.verifications) == {"email", "namespace"}


# --- the verifier reads what the reading layer made of the field, never the raw text -------------------

def _shipped_rules() -> CompiledRuleSet:
    from commops.config import load_settings
    from commops.domain.calendar import BusinessCalendar
    from commops.rules import load_ruleset
    from commops.verify import OfflineDatasets

    settings = load_settings()
    ruleset = load_ruleset([settings.rules_path], field_keys=set(settings.fields), programs=set(settings.programs))
    return ruleset.compile(datasets=OfflineDatasets(), calendar=BusinessCalendar(), now=lambda: T)


@pytest.mark.parametrize(
    ("raw", "asked"),
    [
        ("https://github.com/acme", "https://github.com/acme"),
        ("  HTTPS://WWW.GitHub.COM/Acme/  ", "https://github.com/Acme/"),  # case, www, spaces, trailing slash
        ("github.com/acme/tool.git", "https://github.com/acme/tool.git"),  # no scheme: read as https
        ("http://www2.gitlab.com:443/libfoo/-/tree/main", "http://gitlab.com:443/libfoo/-/tree/main"),
        ("https://gitlab.com./libfoo", "https://gitlab.com/libfoo"),  # a fully qualified host's dot
    ],
)
def test_the_verifier_gets_the_normalised_url(raw: str, asked: str) -> None:
    rules = _shipped_rules()
    verifier = FakeVerifier()
    (out,) = verify_applications([app(1, "open_source", namespace_url=raw)], verifier, needs, rules.read_input)
    assert verifier.asked == [asked]
    assert out.verifications["namespace"].status is VerificationStatus.VERIFIED


@pytest.mark.parametrize(
    "raw",
    ["N/A", "n/a", " none ", "-", "TBD", "?", "unknown", "", "   ", "ftp://github.com/acme", "not a link at all",
     "mailto:dev@acme.org", "https://", 42, ["https://github.com/acme"], None],
)
def test_a_missing_or_unreadable_url_is_never_looked_up_and_never_qualifies(raw: object) -> None:
    rules = _shipped_rules()
    verifier = FakeVerifier()  # would verify anything it is asked
    fields = {"namespace_url": raw, "country": "FI", "license": "MIT", "not_seeking_profit": True,
              "business_model": "model_donations", "project_name": "libfoo"}
    application = Application(ticket_id=1, program="open_source", application_type="new", fields=fields,
                              created_at=T, updated_at=T)
    (out,) = verify_applications([application], verifier, needs, rules.read_input)
    assert verifier.asked == [] and out.verifications == {}
    decision = rules.evaluate(out)
    assert decision.outcome is not Outcome.QUALIFY
    assert decision.outcome is Outcome.ASK and "oss.project_links" in [r.rule for r in decision.reasons]


def test_namespace_url_without_a_reading_layer_takes_the_text_as_given() -> None:
    assert namespace_url(app(1, "open_source", namespace_url=" https://github.com/acme ")) == "https://github.com/acme"
    assert namespace_url(app(1, "open_source", namespace_url=" ")) is None
    assert namespace_url(app(1, "open_source")) is None
