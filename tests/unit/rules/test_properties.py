"""Property tests: evaluation never raises on arbitrary data, and precedence always holds."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commops.config import load_settings
from commops.domain import OUTCOME_PRECEDENCE, Application, Outcome, Requester, Truth, Verification
from commops.domain.calendar import BusinessCalendar
from commops.rules import load_ruleset
from tests.unit.rules.helpers import FakeDatasets

RULES = Path(__file__).resolve().parents[3] / "rules"


def _compiled() -> Any:
    config = load_settings()
    ruleset = load_ruleset([RULES], field_keys=set(config.fields), programs=set(config.programs))
    contradictions = {loaded.rule.id for loaded in ruleset.rules if loaded.rule.contradiction}
    return ruleset.compile(datasets=FakeDatasets(), calendar=BusinessCalendar(""),
                           now=lambda: datetime(2026, 1, 6, tzinfo=UTC)), sorted(config.fields), contradictions


COMPILED, KEYS, CONTRADICTIONS = _compiled()

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-10**9, 10**12), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30), st.sampled_from(["", " ", "MIT OR SSPL-1.0", "role_student", "https://gitlab.com/x",
                                           "stage_seed", "backed_vc", "CU", "model_open_core", "5000000"]),
)
values = st.one_of(scalars, st.lists(scalars, max_size=3), st.dictionaries(st.text(max_size=5), scalars, max_size=2))
verifications: st.SearchStrategy[dict[str, Verification]] = st.one_of(
    st.just({}),
    st.builds(
        lambda status, facts: {"namespace": Verification(kind="namespace", status=status, facts=facts)},
        st.sampled_from(["verified", "failed", "unknown"]),
        st.dictionaries(st.sampled_from(["public_projects", "private_projects", "non_osi_projects", "projects"]),
                        values, max_size=4),
    ),
)
applications = st.builds(
    lambda program, kind, email, fields, found: Application(
        ticket_id=1, program=program, application_type=kind, requester=Requester(email=email, name="x"),
        fields=fields, verifications=found, created_at=datetime(2026, 1, 5, tzinfo=UTC),
        updated_at=datetime(2026, 1, 5, tzinfo=UTC),
    ),
    st.sampled_from([None, "education", "open_source", "startups", "unknown_program"]),
    st.sampled_from([None, "new", "renewal", "weird"]),
    st.one_of(st.none(), st.emails(), st.text(max_size=20)),
    st.dictionaries(st.sampled_from(KEYS), values, max_size=12),
    verifications,
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(applications)
def test_evaluation_never_raises_and_precedence_holds(application: Application) -> None:
    decision = COMPILED.evaluate(application)
    trace = list(decision.trace)  # building the trace must not raise either
    decision.model_dump_json()
    if application.program is None:
        assert decision.outcome is Outcome.SKIP
        return
    assert decision.reasons, "every decision says why"
    assert all(r.outcome is decision.outcome for r in decision.reasons)
    if any(t.rule in CONTRADICTIONS and t.result is Truth.TRUE for t in trace):
        # a contradiction goes to a person whatever else fired
        assert decision.outcome is Outcome.MANUAL
        assert {r.rule for r in decision.reasons} <= CONTRADICTIONS
        return
    rank = OUTCOME_PRECEDENCE.index(decision.outcome)
    # Nothing that fired outranks the outcome (a qualify demoted to manual keeps the qualify below it).
    assert all(OUTCOME_PRECEDENCE.index(r.outcome) > rank for r in decision.other_reasons)
    # No rule whose condition held is outranked by the outcome.
    assert all(rank <= OUTCOME_PRECEDENCE.index(t.outcome) for t in trace if t.result is Truth.TRUE)
    if decision.outcome is Outcome.QUALIFY:
        assert all(t.result is not Truth.UNKNOWN for t in trace), "unknown never leads to qualify"


OUTCOMES = ["escalate", "reject", "ask", "manual", "qualify"]
rule_specs = st.lists(
    st.tuples(
        st.sampled_from(OUTCOMES), st.sampled_from(["ignore", "ask", "manual"]), st.sampled_from([True, False, None])
    ),
    min_size=1, max_size=6,
)


def _reference(specs: list[tuple[str, str, bool | None]]) -> Outcome:
    """The policy, written the slow obvious way."""
    fired = [outcome for outcome, _, value in specs if value is True]
    fired += [on_unknown for _, on_unknown, value in specs if value is None and on_unknown != "ignore"]
    if not fired:
        return Outcome.MANUAL
    best = min(fired, key=OUTCOMES.index)
    if best == "qualify" and any(value is None and on_unknown == "ignore" for _, on_unknown, value in specs):
        return Outcome.MANUAL
    return Outcome(best)


@settings(max_examples=60, deadline=None)
@given(rule_specs)
def test_precedence_matches_the_reference(specs: list[tuple[str, str, bool | None]]) -> None:
    lines = ["program: alpha", "rules:"]
    for n, (outcome, on_unknown, _) in enumerate(specs):
        macro = "" if outcome == "manual" else ", macro: M"
        unknown_macro = ", unknown_macro: A" if on_unknown == "ask" and outcome not in ("ask",) else ""
        lines.append(f"  - {{id: r{n}, when: {{field: fields.f{n}, op: eq, value: true}}, outcome: {outcome}{macro},"
                     f" reason: r, on_unknown: {on_unknown}{unknown_macro}}}")
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "r.yaml").write_text("\n".join(lines) + "\n")
        ruleset = load_ruleset([Path(tmp)], field_keys={f"f{n}" for n in range(6)}, programs={"alpha"})
    compiled = ruleset.compile(datasets=FakeDatasets(), calendar=BusinessCalendar(""),
                               now=lambda: datetime(2026, 1, 6, tzinfo=UTC))
    fields = {f"f{n}": value for n, (_, _, value) in enumerate(specs) if value is not None}
    application = Application(ticket_id=1, program="alpha", fields=fields, created_at=datetime(2026, 1, 5, tzinfo=UTC),
                              updated_at=datetime(2026, 1, 5, tzinfo=UTC))
    decision = compiled.evaluate(application)
    assert decision.outcome is _reference(specs)
    asks = [n for n, (o, u, v) in enumerate(specs) if (v is True and o == "ask") or (v is None and u == "ask")]
    if decision.outcome is Outcome.ASK:
        assert [r.rule for r in decision.reasons] == [f"r{n}" for n in asks]  # every ask is carried
