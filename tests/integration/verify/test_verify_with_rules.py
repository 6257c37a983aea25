"""The default Open Source rules decide on what the real verifier finds: a verified namespace qualifies, a
non-OSI project, too many private projects or a missing namespace rejects, an unknown lookup goes to manual.
The forges are respx; the rules, data sets, verifier and cache are the real ones."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
import respx
from pydantic import SecretStr
from tests.integration.verify.verify_forge_data import (
    GH,
    GL,
    NOW,
    gh_owner,
    gh_repo,
    gl_group,
    gl_project,
    router,
    transport,
)

from commops.config import Settings, VerifySettings, load_settings
from commops.domain import Application, Outcome, Requester
from commops.domain.calendar import BusinessCalendar
from commops.rules import CompiledRuleSet, RuleSet, load_ruleset
from commops.verify import NamespaceVerifier, OfflineDatasets, open_cache, verify_applications


@pytest.fixture
def loaded() -> tuple[Settings, RuleSet, CompiledRuleSet]:
    settings = load_settings()
    ruleset = load_ruleset([settings.rules_path], field_keys=set(settings.fields), programs=set(settings.programs))
    compiled = ruleset.compile(datasets=OfflineDatasets(), calendar=BusinessCalendar(), now=lambda: NOW)
    return settings, ruleset, compiled


def application(ticket_id: int, namespace_url: str) -> Application:
    return Application(
        ticket_id=ticket_id,
        program="open_source",
        application_type="new",
        requester=Requester(name="Linus Example", email="maintainer@example.org"),
        fields={
            "country": "FI",
            "project_name": "libfoo",
            "namespace_url": namespace_url,
            "license": "MIT",
            "not_seeking_profit": True,
            "business_model": "model_donations",
        },
        created_at=NOW,
        updated_at=NOW,
    )


@pytest.fixture
def forges() -> Iterator[respx.MockRouter]:
    mock = router()
    mock.get(f"{GH}/users/good").respond(200, json=gh_owner("good", org=True))
    mock.get(f"{GH}/orgs/good/repos").respond(200, json=[gh_repo("good/a", "MIT"), gh_repo("good/b", "Apache-2.0")])
    mock.get(f"{GH}/users/mixed").respond(200, json=gh_owner("mixed", org=True))
    mock.get(f"{GH}/orgs/mixed/repos").respond(200, json=[gh_repo("mixed/a", "MIT"), gh_repo("mixed/db", "BUSL-1.1")])
    mock.get(f"{GH}/users/secretive").respond(200, json=gh_owner("secretive", org=True, total_private_repos=4))
    mock.get(f"{GH}/orgs/secretive/repos").respond(200, json=[gh_repo("secretive/a", "MIT")])
    mock.get(f"{GH}/users/ghost").respond(404, json={"message": "Not Found"})
    mock.get(f"{GH}/users/limited").respond(
        403,
        json={"message": "API rate limit exceeded"},
        headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(NOW.timestamp()) + 7200)},
    )
    mock.get(f"{GL}/groups/libfoo").respond(200, json=gl_group("libfoo", 42))
    mock.get(f"{GL}/groups/42/projects").respond(200, json=[gl_project("libfoo/core", 1)])
    mock.get(f"{GL}/projects/1", params={"license": "true"}).respond(
        200, json=gl_project("libfoo/core", 1, licence_key="lgpl-2.1", with_licence=True)
    )
    yield mock


CASES = {
    "https://github.com/good": (Outcome.QUALIFY, "oss.qualified"),
    "https://gitlab.com/libfoo": (Outcome.QUALIFY, "oss.qualified"),
    "https://github.com/mixed": (Outcome.REJECT, "oss.namespace_ineligible"),
    "https://github.com/secretive": (Outcome.REJECT, "oss.namespace_ineligible"),
    "https://github.com/ghost": (Outcome.REJECT, "oss.namespace_ineligible"),
    "https://github.com/limited": (Outcome.MANUAL, "oss.namespace_unverified"),
    "https://git.example.org/libfoo": (Outcome.MANUAL, "oss.namespace_unverified"),
}


def triage(
    compiled: CompiledRuleSet,
    needed: Callable[[Application], set[str]],
    verifier: NamespaceVerifier,
) -> dict[str, tuple[Outcome, list[str]]]:
    apps = [application(i, url) for i, url in enumerate(CASES)]
    verified = verify_applications(apps, verifier, needed)
    out = {}
    for app in verified:
        decision = compiled.evaluate(app)
        out[app.fields["namespace_url"]] = (decision.outcome, [r.rule for r in decision.reasons])
    return out


def test_default_rules_decide_on_real_lookups(
    loaded: tuple[Settings, RuleSet, CompiledRuleSet], forges: respx.MockRouter
) -> None:
    _, ruleset, compiled = loaded
    conf = VerifySettings(github_token=SecretStr("ghp_member"))  # a member's token: the org's private total shows
    verifier = NamespaceVerifier(conf, cache=None, transport=transport(forges), clock=lambda: NOW, sleep=lambda s: None)
    decided = triage(compiled, ruleset.verifications_needed, verifier)
    for url, (outcome, rule) in CASES.items():
        assert decided[url][0] is outcome, (url, decided[url])
        assert rule in decided[url][1], (url, decided[url])


def test_offline_with_a_warm_cache_decides_the_same_and_without_it_goes_manual(
    loaded: tuple[Settings, RuleSet, CompiledRuleSet], forges: respx.MockRouter
) -> None:
    settings, ruleset, compiled = loaded
    with open_cache() as cache:
        online = NamespaceVerifier(
            settings.verify, cache=cache, transport=transport(forges), clock=lambda: NOW, sleep=lambda s: None
        )
        first = triage(compiled, ruleset.verifications_needed, online)
        offline = NamespaceVerifier(settings.verify, cache=cache, offline=True, clock=lambda: NOW)
        again = triage(compiled, ruleset.verifications_needed, offline)
    assert again == first
    assert offline.request_count() == 0
    cold = NamespaceVerifier(settings.verify, cache=None, offline=True, clock=lambda: NOW)
    assert {o for o, _ in triage(compiled, ruleset.verifications_needed, cold).values()} == {Outcome.MANUAL}


MESSY = {  # written the way applicants write them: the same namespaces as above, the same outcomes
    "HTTPS://WWW.GITHUB.COM/good/": (Outcome.QUALIFY, "oss.qualified"),
    "github.com/good": (Outcome.QUALIFY, "oss.qualified"),
    "  https://GitHub.com/mixed  ": (Outcome.REJECT, "oss.namespace_ineligible"),
    "www.gitlab.com/libfoo/": (Outcome.QUALIFY, "oss.qualified"),  # www. on GitLab too
    "https://gitlab.com/libfoo.git": (Outcome.QUALIFY, "oss.qualified"),
    "https://GitLab.com/libfoo/-/tree/main": (Outcome.QUALIFY, "oss.qualified"),
    "N/A": (Outcome.ASK, "oss.project_links"),  # a placeholder: missing, never looked up, never a qualify
    "tbd": (Outcome.ASK, "oss.project_links"),
    "see our website": (Outcome.ASK, "oss.project_links"),
}


def test_messy_urls_are_verified_as_the_reading_layer_reads_them(
    loaded: tuple[Settings, RuleSet, CompiledRuleSet], forges: respx.MockRouter
) -> None:
    _, ruleset, compiled = loaded
    verifier = NamespaceVerifier(VerifySettings(), cache=None, transport=transport(forges), clock=lambda: NOW,
                                 sleep=lambda s: None)
    apps = [application(i, url) for i, url in enumerate(MESSY)]
    verified = verify_applications(apps, verifier, ruleset.verifications_needed, compiled.read_input)
    for app in verified:
        url = app.fields["namespace_url"]
        decision = compiled.evaluate(app)
        outcome, rule = MESSY[url]
        assert decision.outcome is outcome, (url, decision.reasons)
        assert rule in [r.rule for r in decision.reasons], (url, decision.reasons)
        if outcome is Outcome.ASK:
            assert "namespace" not in app.verifications  # no lookup of a placeholder host ("n", "tbd")
    hosts = {str(call.request.url.host) for call in forges.calls}
    assert hosts <= {"api.github.com", "gitlab.com"}
