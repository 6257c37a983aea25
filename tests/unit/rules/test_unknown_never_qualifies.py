"""Property (programs.md, "Unknown never qualifies, in every check"): no application with an unknown input
that any escalate or reject check reads is ever qualified.

Applications start from a qualifying baseline of each program and have some inputs replaced by blank
values, placeholders, values that cannot be read, or other readable values. Which inputs are unknown is
decided here, from the raw values and the rule files (a test of an escalate or reject rule whose input is
missing where the test does not say what missing means, or present but unreadable), not from the trace.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commops.config import load_settings
from commops.domain import Application, Outcome, Requester, Verification, VerificationStatus
from commops.domain.calendar import BusinessCalendar
from commops.domain.reading import Reader
from commops.rules import load_ruleset
from commops.rules._engine import default_kind
from commops.rules._schema import AllOf, AnyOf, Condition, NotOf
from commops.rules._schema import Test as RuleTest
from commops.verify.datasets import OfflineDatasets

RULES = Path(__file__).resolve().parents[3] / "rules"
WHEN = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
DATA = OfflineDatasets()
CONFIG = load_settings()
RULESET = load_ruleset([RULES], field_keys=set(CONFIG.fields), programs=set(CONFIG.programs))
COMPILED = RULESET.compile(datasets=DATA, calendar=BusinessCalendar(""), now=lambda: WHEN)
PLACEHOLDERS = [str(p) for p in RULESET.lists.get("placeholders", [])]
# An unreadable value is "there": these tests answer for it (not a link, not a licence, not missing).
ANSWERS_UNREADABLE = frozenset({"missing", "present", "is_http_url", "spdx_known"})


def _leaves(cond: Condition) -> Iterator[RuleTest]:
    if isinstance(cond, AllOf | AnyOf):
        for child in cond.all_ if isinstance(cond, AllOf) else cond.any_:
            yield from _leaves(child)
    elif isinstance(cond, NotOf):
        yield from _leaves(cond.not_)
    else:
        yield cond


def _blocking_tests(program: str) -> list[RuleTest]:
    """The tests of every escalate and reject rule of ``program``."""
    return [leaf for loaded in RULESET.rules if program in loaded.programs
            and loaded.rule.outcome in ("escalate", "reject") for leaf in _leaves(loaded.rule.when)]


BASELINES: dict[str, dict[str, Any]] = {
    "education": {"country": "US", "applicant_role": "role_faculty", "institution_name": "Example University",
                  "institution_website": "https://www.mit.edu", "institution_nonprofit": True,
                  "use_case": "use_teaching", "seats": 30},
    "open_source": {"country": "FI", "project_name": "libfoo", "namespace_url": "https://gitlab.com/libfoo",
                    "license": "MIT", "not_seeking_profit": True, "business_model": "model_donations"},
    "startups": {"country": "US", "company_name": "Acme Robotics", "funding_total_usd": 2000000.0,
                 "funding_stage": "stage_seed", "backed_by": "backed_vc", "deployment": "deploy_saas", "seats": 10,
                 "paid_customer_last_year": False,
                 "funding_profile_url": "https://www.crunchbase.com/organization/acme-robotics"},
}
EMAIL = {"education": "ada@cs.mit.edu", "open_source": "dev@example.org", "startups": "fay@acme-robotics.io"}
VERIFIED = {"namespace": Verification(kind="namespace", status=VerificationStatus.VERIFIED,
                                      facts={"public_projects": 3, "private_projects": 0, "non_osi_projects": []})}

blank = st.sampled_from(["", "   ", "N/A", "n/a", "none", "-", "tbd", "unknown", "?", *PLACEHOLDERS])
unreadable = st.sampled_from(["Atlantis", "lots", "not a link", "my own licence", "maybe", "€2M", "ten", "12abc"])
readable = st.sampled_from(["Belarus", "Viet Nam", "1.5 million", "$8M", "25", "MIT License", "GPL-2.0+",
                            "gitlab.com/x", "yes", "no", "role_student", "use_research", "stage_series_c_plus",
                            "City Library", "Naval Academy", "model_open_core", "backed_none"])
replacement = st.one_of(st.none(), blank, unreadable, readable, st.booleans(), st.integers(-5, 10**8))


@st.composite
def applications(draw: st.DrawFn) -> Application:
    program = draw(st.sampled_from(sorted(BASELINES)))
    fields = dict(BASELINES[program])
    keys = sorted({*fields, "current_subscription_id"})
    for key in draw(st.lists(st.sampled_from(keys), max_size=4, unique=True)):
        fields[key] = draw(replacement)
    email = draw(st.sampled_from([EMAIL[program], EMAIL[program], None, "", "N/A", "not an email"]))
    kind = draw(st.sampled_from(["new", "new", "renewal", None]))
    return Application(
        ticket_id=1, program=program, application_type=kind, requester=Requester(email=email or None, name="A"),
        fields={k: v for k, v in fields.items() if v is not None},
        verifications=VERIFIED if program == "open_source" else {}, created_at=WHEN, updated_at=WHEN,
    )


READERS: dict[str, Reader] = {}


def _reading_status(path: str, app: Application) -> str:
    """missing / unreadable / read, for the raw value of ``path`` on ``app``."""
    head, _, rest = path.partition(".")
    if head == "fields":
        raw = app.fields.get(rest)
    elif head == "requester":
        raw = getattr(app.requester, rest)
    elif head == "verifications":
        return "read"  # verifications are not inputs the applicant writes
    else:
        raw = getattr(app, head)
    kind = RULESET.reads.get(path) or default_kind(path)
    if kind is None or kind == "raw":
        return "missing" if raw is None or raw == "" else "read"
    reader = READERS.setdefault(kind, Reader(kind, DATA, PLACEHOLDERS))
    return reader.read(raw).status


# Where programs.md itself says what a missing input means, it is not unknown: an unticked checkbox is
# absent, and a startup gives "an amount or a stage" (one of the two may be missing, not both).
CHECKBOXES = frozenset({"fields.paid_customer_last_year", "fields.institution_nonprofit", "fields.not_seeking_profit"})
AMOUNT_OR_STAGE = ("fields.funding_total_usd", "fields.funding_stage")


def _unknown_inputs(app: Application) -> list[str]:
    """The inputs of the program's escalate and reject checks that are unknown, by the policy alone (the
    rules' own ``if_missing`` choices are not consulted: a rule reading a missing input as false fails)."""
    assert app.program is not None
    read = {test.field for test in _blocking_tests(app.program) if not test.field.startswith("verifications.")}
    status = {path: _reading_status(path, app) for path in read}
    unknown = [f"{path} unreadable" for path in sorted(read) if status[path] == "unreadable"]
    for path in sorted(read):
        if status[path] != "missing" or path in CHECKBOXES:
            continue
        if path in AMOUNT_OR_STAGE and any(status.get(other) == "read" for other in AMOUNT_OR_STAGE):
            continue
        unknown.append(f"{path} missing")
    return unknown


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(applications())
def test_no_application_with_an_unknown_input_of_an_escalate_or_reject_check_is_qualified(
        application: Application) -> None:
    unknown = _unknown_inputs(application)
    decision = COMPILED.evaluate(application)
    if unknown:
        assert decision.outcome is not Outcome.QUALIFY, (unknown, application.fields, decision.reasons)
        assert decision.outcome in (Outcome.ASK, Outcome.MANUAL, Outcome.ESCALATE, Outcome.REJECT)


def test_the_baselines_qualify_so_the_property_can_fail() -> None:
    for program, fields in BASELINES.items():
        application = Application(ticket_id=1, program=program, application_type="new",
                                  requester=Requester(email=EMAIL[program]), fields=fields,
                                  verifications=VERIFIED if program == "open_source" else {},
                                  created_at=WHEN, updated_at=WHEN)
        assert not _unknown_inputs(application)
        assert COMPILED.evaluate(application).outcome is Outcome.QUALIFY, program


def test_every_escalate_and_reject_input_can_be_made_unknown() -> None:
    """The generator reaches every input the escalate and reject checks read (a field it never
    replaces would never be tested)."""
    for program, fields in BASELINES.items():
        read = {t.field for t in _blocking_tests(program) if t.field.startswith("fields.")}
        assert read <= {f"fields.{k}" for k in {*fields, "current_subscription_id"}}, program
