"""`rules impact` of the shipped rules against themselves changes nothing, over generated histories.

Both sides are loaded and compiled separately and every application is evaluated by both (no sharing),
so the property exercises the replay itself: the same inputs through equal rules give the same replies.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commops.config import load_settings
from commops.domain import Application, Outcome, Requester, Verification, VerificationStatus
from commops.domain.calendar import BusinessCalendar
from commops.domain.operating import PastDecision
from commops.ports import QueuePage
from commops.rules import load_ruleset
from commops.services.impact import ImpactPorts, rule_impact
from commops.verify.datasets import OfflineDatasets

RULES = Path(__file__).resolve().parents[3] / "rules"
WHEN = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SETTINGS = load_settings()


def _compiled() -> Any:
    ruleset = load_ruleset([RULES], field_keys=set(SETTINGS.fields), programs=set(SETTINGS.programs))
    return ruleset, ruleset.compile(datasets=OfflineDatasets(), calendar=BusinessCalendar("US"), now=lambda: WHEN)


OLD_RULES, OLD = _compiled()
NEW_RULES, NEW = _compiled()



def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), strategy)


FIELDS = st.fixed_dictionaries({}, optional={
    "country": st.sampled_from(["US", "de", "IR", "cu", "GB", ""]),
    "application_type": st.sampled_from(["app_new", "app_renewal"]),
    "seats": maybe(st.integers(-1, 300)),
    "applicant_role": st.sampled_from(["role_faculty", "role_staff", "role_student", "role_other"]),
    "use_case": st.sampled_from(["use_teaching", "use_research", "use_it_operations"]),
    "institution_name": st.sampled_from(["Uni", "City Library", "Naval Academy"]),
    "institution_website": st.sampled_from(["https://uni.example.edu", "nonsense"]),
    "institution_nonprofit": st.booleans(),
    "namespace_url": st.sampled_from(["https://gitlab.com/p", "gitlab.com/p", "https://github.com/x/y"]),
    "license": st.sampled_from(["MIT", "SSPL-1.0", "MIT OR Apache-2.0", "GPLv3"]),
    "not_seeking_profit": st.booleans(),
    "business_model": st.sampled_from(["model_donations", "model_open_core"]),
    "funding_total_usd": maybe(st.one_of(st.integers(-5, 30_000_000), st.floats(allow_nan=True))),
    "funding_stage": st.sampled_from(["stage_seed", "stage_series_a", "stage_series_c_plus", "stage_bootstrapped"]),
    "backed_by": st.sampled_from(["backed_vc", "backed_angel", "backed_none"]),
    "funding_profile_url": st.sampled_from(["https://crunchbase.com/o/x", "deck"]),
    "paid_customer_last_year": st.booleans(),
    "deployment": st.sampled_from(["deploy_saas", "deploy_self_managed"]),
})


@st.composite
def applications(draw: st.DrawFn, ticket_id: int) -> Application:
    program = draw(st.sampled_from(["education", "open_source", "startups", None]))
    fields = {k: v for k, v in draw(FIELDS).items() if v is not None}
    verifications = {}
    if program == "open_source" and draw(st.booleans()):
        verifications["namespace"] = Verification(kind="namespace", status=draw(st.sampled_from(list(
            VerificationStatus))), facts={"public_projects": draw(st.integers(0, 3))})
    return Application(
        ticket_id=ticket_id, program=program, application_type=draw(st.sampled_from(["new", "renewal", None])),
        requester=Requester(id=ticket_id, name="A B", email=draw(st.sampled_from(
            [f"a{ticket_id}@uni.example.edu", "x@gmail.com", "y@mailinator.com", "z@nasa.gov", None]))),
        fields=fields, verifications=verifications, created_at=WHEN, updated_at=WHEN)


@st.composite
def histories(draw: st.DrawFn) -> tuple[list[PastDecision], list[Application]]:
    n = draw(st.integers(0, 25))
    apps = [draw(applications(1000 + i)) for i in range(n)]
    split = draw(st.integers(0, n))
    past = [PastDecision(application=a, actor=draw(st.sampled_from(["specialist", "commops"])),
                         decided_at=WHEN - timedelta(days=draw(st.integers(0, 50))),
                         outcome=draw(st.sampled_from([o for o in Outcome if o.writes])))
            for a in apps[:split]]
    return past, apps[split:]


class FakeGateway:
    def __init__(self, past: list[PastDecision], queue: list[Application]) -> None:
        self.past, self.queue = past, queue

    def pull_queue(self, query: str | None = None, *, cursor: str | None = None) -> Iterator[QueuePage]:
        yield QueuePage(applications=self.queue)

    def decided_history(self, since: datetime) -> list[PastDecision]:
        return [p for p in self.past if p.decided_at >= since]

    def request_counts(self) -> dict[str, int]:
        return {}


class OfflineVerifier:
    def verify_namespace(self, url: str) -> Verification:
        return Verification(kind="namespace", status=VerificationStatus.UNKNOWN)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories())
def test_current_rules_against_themselves_report_no_change(history: tuple[list[PastDecision], list[Application]]
                                                           ) -> None:
    past, queue = history
    ports = ImpactPorts(gateway=FakeGateway(past, queue), verifier=OfflineVerifier(), old=OLD, new=NEW,
                        old_rules=OLD_RULES, new_rules=NEW_RULES)
    report = rule_impact(ports, since=WHEN - timedelta(weeks=12), share=False)
    assert report.changes == [] and report.applicants == []
    assert report.evaluated == len(past) + sum(a.is_application for a in queue)
    for rows in report.matrix.values():
        for old, cols in rows.items():
            assert set(cols) == {old}
