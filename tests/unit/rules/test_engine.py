"""Evaluation: three-valued operators, on_unknown, precedence, reasons and the trace."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta

import pytest

from commops.domain import Decision, Outcome, Truth, Verification, VerificationStatus
from commops.rules import CompiledRuleSet
from tests.unit.rules.helpers import NOW, app

Compile = Callable[..., CompiledRuleSet]


def one_rule(when: str, *, outcome: str = "ask", on_unknown: str = "ignore", extra: str = "") -> str:
    macro = "" if outcome == "manual" else "    macro: M\n"
    return (
        "program: alpha\n"
        f"{extra}"
        "rules:\n"
        "  - id: r\n"
        f"    when: {when}\n"
        f"    outcome: {outcome}\n"
        f"{macro}"
        "    reason: because\n"
        f"    on_unknown: {on_unknown}\n"
    )


def truth(compiled: CompiledRuleSet, **kwargs: object) -> Truth:
    decision = compiled.evaluate(app(**kwargs))  # type: ignore[arg-type]
    return decision.trace[0].result


@pytest.mark.parametrize(
    ("when", "fields", "expected"),
    [
        ("{field: fields.country, op: eq, value: US}", {"country": "US"}, Truth.TRUE),
        ("{field: fields.country, op: eq, value: US}", {"country": "us"}, Truth.TRUE),  # text is compared folded
        ("{field: fields.country, op: eq, value: US}", {"country": "UK"}, Truth.FALSE),
        ("{field: fields.country, op: eq, value: US, ignore_case: true}", {"country": "us"}, Truth.TRUE),
        ("{field: fields.country, op: eq, value: US}", {}, Truth.UNKNOWN),
        ("{field: fields.country, op: eq, value: US}", {"country": "  "}, Truth.UNKNOWN),
        ("{field: fields.country, op: eq, value: US, if_missing: false}", {}, Truth.FALSE),
        ("{field: fields.country, op: ne, value: US, if_missing: true}", {}, Truth.TRUE),
        ("{field: fields.country, op: ne, value: US}", {"country": "DE"}, Truth.TRUE),
        ("{field: fields.nonprofit, op: eq, value: true}", {"nonprofit": 1}, Truth.FALSE),
        ("{field: fields.nonprofit, op: eq, value: true}", {"nonprofit": True}, Truth.TRUE),
        ("{field: fields.seats, op: eq, value: 3}", {"seats": 3.0}, Truth.TRUE),
        ("{field: fields.country, op: in, value: [CU, IR]}", {"country": "IR"}, Truth.TRUE),
        ("{field: fields.country, op: in, value: [CU, IR], ignore_case: true}", {"country": "ir"}, Truth.TRUE),
        ("{field: fields.country, op: not_in, value: [CU, IR]}", {"country": "DE"}, Truth.TRUE),
        ("{field: fields.country, op: not_in, value: [CU, IR]}", {}, Truth.UNKNOWN),
        ("{field: fields.seats, op: lt, value: 1}", {"seats": 0}, Truth.TRUE),
        ("{field: fields.seats, op: lt, value: 1}", {"seats": 1}, Truth.FALSE),
        ("{field: fields.seats, op: ge, value: 1}", {"seats": "12"}, Truth.TRUE),
        ("{field: fields.seats, op: gt, value: 1}", {"seats": "many"}, Truth.UNKNOWN),
        ("{field: fields.seats, op: le, value: 5}", {"seats": True}, Truth.UNKNOWN),
        ("{field: fields.name, op: contains, value: library}", {"name": "City Library"}, Truth.TRUE),
        ("{field: fields.name, op: contains, value: library}", {"name": "Librarianship"}, Truth.FALSE),
        ("{field: fields.name, op: contains_any, value: [U.S., Air Force]}", {"name": "u.s. Army"}, Truth.TRUE),
        ("{field: fields.name, op: contains_any, value: [U.S., Air Force]}", {"name": "the air   force"}, Truth.TRUE),
        ("{field: fields.name, op: contains_any, value: [U.S.]}", {"name": "US Robotics"}, Truth.FALSE),
        ("{field: fields.name, op: present}", {}, Truth.FALSE),
        ("{field: fields.name, op: missing}", {}, Truth.TRUE),
        ("{field: fields.name, op: missing}", {"name": ""}, Truth.TRUE),
        ("{field: fields.name, op: matches, value: '^a.c$'}", {"name": "abc"}, Truth.TRUE),
        ("{field: fields.name, op: matches, value: '^A', ignore_case: true}", {"name": "abc"}, Truth.TRUE),
        ("{field: fields.url, op: is_http_url}", {"url": "https://gitlab.com/x"}, Truth.TRUE),
        ("{field: fields.url, op: is_http_url}", {"url": "gitlab.com/x"}, Truth.FALSE),
        ("{field: fields.url, op: is_http_url}", {"url": "https://git lab.com"}, Truth.FALSE),
        ("{field: fields.license, op: spdx_known}", {"license": "MIT OR SSPL-1.0"}, Truth.TRUE),
        ("{field: fields.license, op: spdx_known}", {"license": "Nope"}, Truth.FALSE),
        ("{field: fields.license, op: spdx_osi_approved}", {"license": "MIT OR SSPL-1.0"}, Truth.TRUE),
        ("{field: fields.license, op: spdx_osi_approved}", {"license": "MIT AND SSPL-1.0"}, Truth.FALSE),
        ("{field: fields.license, op: spdx_osi_approved}", {"license": "Nope"}, Truth.UNKNOWN),
        ("{field: fields.name, op: present, transform: length}", {"name": "x"}, Truth.TRUE),
        ("{field: fields.url, op: eq, value: gitlab.com, transform: url_host}", {"url": "https://www.GitLab.com/a"},
         Truth.TRUE),
    ],
)
def test_operators(compile_rules: Compile, when: str, fields: dict[str, object], expected: Truth) -> None:
    assert truth(compile_rules(one_rule(when)), **fields) is expected


@pytest.mark.parametrize(
    ("email", "website", "expected"),
    [
        ("a@college.org", "https://www.college.org/", Truth.TRUE),
        ("a@cs.college.org", "college.org", Truth.TRUE),
        ("a@notcollege.org", "college.org", Truth.FALSE),
        ("a@college.org", None, Truth.UNKNOWN),
        (None, "college.org", Truth.UNKNOWN),
    ],
)
def test_domain_is_or_under(compile_rules: Compile, email: str | None, website: str | None, expected: Truth) -> None:
    compiled = compile_rules(one_rule("{field: requester.email_domain, op: domain_is_or_under, other: fields.website}"))
    assert truth(compiled, email=email, website=website) is expected


@pytest.mark.parametrize(
    ("op", "email", "expected"),
    [
        ("academic_domain", "a@cs.uni.edu", Truth.TRUE),
        ("academic_domain", "a@gmail.com", Truth.FALSE),
        ("free_mail_domain", "a@gmail.com", Truth.TRUE),
        ("disposable_domain", "a@trash.io", Truth.TRUE),
        ("disposable_domain", None, Truth.UNKNOWN),
    ],
)
def test_dataset_operators(compile_rules: Compile, op: str, email: str | None, expected: Truth) -> None:
    assert truth(compile_rules(one_rule(f"{{field: requester.email, op: {op}}}")), email=email) is expected


def test_business_days_since(compile_rules: Compile) -> None:
    compiled = compile_rules(one_rule("{field: created_at, op: ge, value: 5, transform: business_days_since}"))
    # NOW is Wednesday 2026-01-14: from Wednesday 2026-01-07 that is 5 business days, from the 8th only 4.
    assert truth(compiled, created_at=NOW - timedelta(days=7)) is Truth.TRUE
    assert truth(compiled, created_at=NOW - timedelta(days=6)) is Truth.FALSE


KLEENE = [(True, "US"), (False, "DE"), (None, None)]


@pytest.mark.parametrize("a", KLEENE)
@pytest.mark.parametrize("b", KLEENE)
def test_kleene_all_any_not(compile_rules: Compile, a: tuple[bool | None, str | None],
                            b: tuple[bool | None, str | None]) -> None:
    leaf_a = "{field: fields.country, op: eq, value: US}"
    leaf_b = "{field: fields.stage, op: eq, value: US}"
    values = {"country": a[1], "stage": b[1]}
    x, y = a[0], b[0]
    want_all = False if False in (x, y) else (None if None in (x, y) else True)
    want_any = True if True in (x, y) else (None if None in (x, y) else False)
    names = {True: Truth.TRUE, False: Truth.FALSE, None: Truth.UNKNOWN}
    assert truth(compile_rules(one_rule(f"{{all: [{leaf_a}, {leaf_b}]}}")), **values) is names[want_all]
    assert truth(compile_rules(one_rule(f"{{any: [{leaf_a}, {leaf_b}]}}")), **values) is names[want_any]
    want_not = None if x is None else not x
    assert truth(compile_rules(one_rule(f"{{not: {leaf_a}}}")), **values) is names[want_not]


PROGRAM = """\
program: alpha
rules:
  - id: a.missing_seats
    when: {field: fields.seats, op: missing}
    outcome: ask
    macro: Ask seats
    reason: seats missing
  - id: a.bad_country
    when: {field: fields.country, op: eq, value: XX}
    outcome: reject
    macro: Reject
    reason: "country {fields.country} is excluded"
    on_unknown: ask
    unknown_macro: Ask country
    unknown_reason: "tell us your country ({fields.country})"
  - id: a.big
    when: {field: fields.seats, op: gt, value: 100, if_missing: false}
    outcome: escalate
    macro: Sales
    reason: "{fields.seats} seats"
  - id: a.no_licence_check
    when: {field: fields.license, op: spdx_osi_approved}
    outcome: qualify
    macro: Welcome
    reason: fine
    on_unknown: ignore
  - id: a.hard
    when: {field: fields.role, op: eq, value: odd, if_missing: false}
    outcome: manual
    reason: odd role
"""


def test_outcome_precedence_and_all_asks_carried(compile_rules: Compile) -> None:
    compiled = compile_rules(PROGRAM)
    decision = compiled.evaluate(app(license="MIT"))
    assert decision.outcome is Outcome.ASK
    assert [r.rule for r in decision.reasons] == ["a.missing_seats", "a.bad_country"]
    assert [m.title for m in decision.macros] == ["Ask seats", "Ask country"]
    assert decision.reasons[1].message == "tell us your country ((missing))"
    assert [r.rule for r in decision.other_reasons] == ["a.no_licence_check"]

    decision = compiled.evaluate(app(country="XX", seats=500, license="MIT", role="odd"))
    assert decision.outcome is Outcome.ESCALATE
    assert decision.reasons[0].message == "500 seats"
    assert {r.outcome for r in decision.other_reasons} == {Outcome.REJECT, Outcome.MANUAL, Outcome.QUALIFY}

    decision = compiled.evaluate(app(country="XX", seats=5, license="MIT"))
    assert decision.outcome is Outcome.REJECT
    assert decision.reasons[0].message == "country XX is excluded"


def test_unknown_never_qualifies(compile_rules: Compile) -> None:
    compiled = compile_rules(PROGRAM)
    assert compiled.evaluate(app(country="DE", seats=5, license="MIT")).outcome is Outcome.QUALIFY
    # An ignored unknown elsewhere turns a would-be qualify into manual, with that rule as the reason.
    text = PROGRAM + """\
  - id: a.website
    when: {field: fields.website, op: eq, value: evil.example}
    outcome: reject
    macro: Reject
    reason: evil
    on_unknown: ignore
"""
    decision = compile_rules(text).evaluate(app(country="DE", seats=5, license="MIT"))
    assert decision.outcome is Outcome.MANUAL
    assert [r.rule for r in decision.reasons] == ["a.website"]
    assert decision.reasons[0].macro is None
    assert [r.rule for r in decision.other_reasons] == ["a.no_licence_check"]


def test_skip_no_rule_and_unknown_program(compile_rules: Compile) -> None:
    compiled = compile_rules(PROGRAM)
    skipped = compiled.evaluate(app(program=None))
    assert skipped.outcome is Outcome.SKIP and skipped.trace == [] and skipped.reasons == []
    nothing = compiled.evaluate(app(program="beta"))
    assert nothing.outcome is Outcome.MANUAL
    assert nothing.reasons[0].message == "no rule decided"


def test_trace_records_fields_values_and_sources(compile_rules: Compile) -> None:
    compiled = compile_rules(PROGRAM)
    decision = compiled.evaluate(app(country="XX", seats=5, license="MIT"))
    assert decision.ruleset_version == compiled.version and len(compiled.version) == 12
    rule = next(t for t in decision.trace if t.rule == "a.bad_country")
    assert rule.fired and rule.result is Truth.TRUE and rule.outcome is Outcome.REJECT
    assert rule.source is not None and rule.source.endswith("main.yaml:8")
    assert rule.condition is not None
    assert (rule.condition.field, rule.condition.op, rule.condition.observed, rule.condition.expected) == (
        "fields.country", "eq", "xx", "xx")  # read as text: trimmed, NFKC, case-folded, on both sides
    assert (rule.condition.raw, rule.condition.reading) == ("XX", "read as 'xx'")
    assert {r.field: r.value for r in decision.readings}["fields.country"] == "xx"
    assert [t.rule for t in decision.trace] == ["a.missing_seats", "a.bad_country", "a.big", "a.no_licence_check",
                                                "a.hard"]


def test_lazy_trace_serialises_and_round_trips(compile_rules: Compile) -> None:
    decision = compile_rules(PROGRAM).evaluate(app(country="XX", seats=5, license="MIT"))
    dumped = json.loads(decision.model_dump_json())
    assert len(dumped["trace"]) == 5
    assert dumped["trace"][1]["condition"]["observed"] == "xx"
    assert dumped["trace"][1]["condition"]["raw"] == "XX"
    assert {r["field"]: r["raw"] for r in dumped["readings"]}["fields.country"] == "XX"
    again = Decision.model_validate_json(decision.model_dump_json())
    assert again == decision
    assert again.trace[1].condition == decision.trace[1].condition


def test_verification_paths(compile_rules: Compile) -> None:
    text = one_rule("{field: verifications.namespace.facts.private_projects, op: gt, value: 1}", outcome="reject")
    compiled = compile_rules(text)
    found = Verification(kind="namespace", status=VerificationStatus.VERIFIED, facts={"private_projects": 2})
    assert compiled.evaluate(app(verifications={"namespace": found})).outcome is Outcome.REJECT
    assert compiled.evaluate(app()).trace[0].result is Truth.UNKNOWN


def test_broken_data_is_unknown_not_an_exception(compile_rules: Compile) -> None:
    compiled = compile_rules(PROGRAM)
    weird = app(country={"nested": ["x"]}, seats=[1, 2], license=12345, role=object())
    decision = compiled.evaluate(weird)
    assert decision.outcome in set(Outcome)
    assert len(decision.trace) == 5


def test_rules_read_the_requesters_locale_and_the_brand(compile_rules: Compile) -> None:
    """A reply macro per locale: one rule for Spanish-speaking applicants, one for the rest, by brand too."""
    from commops.domain import Application, Requester

    text = (
        "program: alpha\n"
        "rules:\n"
        "  - id: ask_es\n"
        "    when: {all: [{field: requester.locale, op: in, value: [es, es-419]}, "
        "{field: brand_id, op: eq, value: 7}]}\n"
        "    outcome: ask\n"
        "    macro: Ask (es)\n"
        "    reason: Spanish\n"
        "  - id: ask_other\n"
        "    when: {not: {field: requester.locale, op: in, value: [es, es-419]}}\n"
        "    outcome: ask\n"
        "    macro: Ask (en)\n"
        "    reason: other\n"
    )
    compiled = compile_rules(text)

    def macros(locale: str | None, brand: int | None) -> list[str]:
        application = Application(ticket_id=1, program="alpha", requester=Requester(email="a@uni.edu", locale=locale),
                                  brand_id=brand, created_at=NOW, updated_at=NOW)
        return [m.title for m in compiled.evaluate(application).macros]

    assert macros("es", 7) == ["Ask (es)"]
    assert macros("en-US", 7) == ["Ask (en)"]
    assert macros("es", 8) == []  # Spanish, another brand: neither rule holds


def test_a_catastrophic_pattern_is_linear_in_the_compiled_evaluator(compile_rules: Compile) -> None:
    """The inlined fast path must use RE2 too: with a backtracking engine this search would take hours."""
    import threading

    compiled = compile_rules(one_rule("{field: fields.name, op: matches, value: '^(a+)+$'}"))
    result: list[Truth] = []
    worker = threading.Thread(target=lambda: result.append(truth(compiled, name="a" * 40 + "!")), daemon=True)
    worker.start()
    worker.join(timeout=20)
    assert result == [Truth.FALSE]
