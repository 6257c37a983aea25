"""The forge adapter returns facts (what the forge showed), read from GitHub's and GitLab's real shapes
through respx; the verdict over them is the domain's (tests/unit/domain/test_opensource.py)."""

from __future__ import annotations

from pathlib import Path

from tests.integration.verify.verify_forge_data import (
    GH,
    GL,
    NOW,
    gh_owner,
    gh_repo,
    gl_project,
    router,
    settings,
    transport,
)

from commops.domain.opensource import ForgeProject
from commops.verify import NamespaceVerifier, open_cache


def make(mock: object, **kw: object) -> NamespaceVerifier:
    return NamespaceVerifier(settings(), cache=kw.pop("cache", None), transport=transport(mock),  # type: ignore[arg-type]
                             clock=lambda: NOW, sleep=lambda s: None, **kw)  # type: ignore[arg-type]


def test_a_github_repository_is_read_as_facts_with_owner_stars_licence_and_last_push() -> None:
    mock = router()
    repo = gh_repo("acme/tool", "Apache-2.0", archived=True)
    mock.get(f"{GH}/repos/acme/tool").respond(200, json=repo)
    looked = make(mock).namespace_facts("https://github.com/acme/tool")
    assert looked.facts is not None and looked.reason is None and not looked.from_cache
    assert looked.source_url == f"{GH}/repos/acme/tool" and looked.checked_at == NOW
    facts = looked.facts
    assert (facts.exists, facts.kind, facts.name, facts.owner, facts.single) == (True, "project", "acme/tool",
                                                                                  "acme", True)
    assert facts.projects == [ForgeProject(path="acme/tool", visibility="public", license="Apache-2.0", archived=True,
                                           stars=repo["stargazers_count"], pushed_at=repo["pushed_at"])]


def test_a_github_organisation_lists_every_project_with_its_flags_and_the_forges_private_total() -> None:
    mock = router()
    mock.get(f"{GH}/users/acme").respond(200, json={**gh_owner("acme", org=True), "total_private_repos": 3})
    mock.get(f"{GH}/orgs/acme/repos").respond(200, json=[
        gh_repo("acme/one", "MIT"), gh_repo("acme/fork", "GPL-3.0", fork=True),
        gh_repo("acme/secret", None, private=True)])
    facts = make(mock).namespace_facts("https://github.com/acme").facts
    assert facts is not None and facts.kind == "organization" and facts.owner == "acme" and not facts.single
    assert facts.private_total == 3
    assert [(p.path, p.visibility, p.license, p.fork) for p in facts.projects] == [
        ("acme/one", "public", "MIT", False), ("acme/fork", "public", "GPL-3.0", True),
        ("acme/secret", "private", None, False)]


def test_a_gitlab_project_is_read_with_its_namespace_as_owner_stars_and_last_activity() -> None:
    mock = router()
    mock.get(f"{GL}/groups/acme%2Fplatform%2Fapi").respond(404, json={"message": "404 Group Not Found"})
    data = gl_project("acme/platform/api", 9, licence_key="mit", with_licence=True)
    mock.get(f"{GL}/projects/acme%2Fplatform%2Fapi").respond(200, json=data)
    facts = make(mock).namespace_facts("https://gitlab.com/acme/platform/api").facts
    assert facts is not None and facts.kind == "project" and facts.owner == "acme/platform"
    [project] = facts.projects
    assert (project.license, project.stars, project.pushed_at) == ("mit", data["star_count"],
                                                                   data["last_activity_at"])


def test_a_missing_namespace_is_a_fact_and_a_failed_lookup_is_no_fact() -> None:
    mock = router()
    mock.get(f"{GH}/users/ghost").respond(404, json={"message": "Not Found"})
    mock.get(f"{GH}/users/flaky").respond(503)
    verifier = make(mock)
    ghost = verifier.namespace_facts("https://github.com/ghost")
    assert ghost.facts is not None and ghost.facts.exists is False
    assert ghost.facts.missing == "GitHub has no user or organization ghost"
    flaky = verifier.namespace_facts("https://github.com/flaky")
    assert flaky.facts is None and flaky.reason and "503" in flaky.reason
    unsupported = verifier.namespace_facts("https://example.com/acme")
    assert unsupported.facts is None and unsupported.target is None
    assert (unsupported.reason or "").startswith("example.com is not a supported forge")


def test_cached_facts_come_back_as_they_were_stored(tmp_path: Path) -> None:
    mock = router()
    mock.get(f"{GH}/repos/acme/tool").respond(200, json=gh_repo("acme/tool", "MIT"))
    with open_cache(tmp_path / "c.sqlite3") as cache:
        fresh = make(mock, cache=cache).namespace_facts("https://github.com/acme/tool")
        again = make(mock, cache=cache).namespace_facts("https://github.com/Acme/Tool")
    assert again.from_cache and again.facts == fresh.facts and again.source_url == fresh.source_url
    assert mock.calls.call_count == 1
