"""The Open Source namespace verdict over forge facts (programs.md, Open Source), pure: no forge, no cache."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from commops.domain import VerificationStatus
from commops.domain.opensource import (
    MAX_PROJECT_DETAILS,
    ForgeProject,
    NamespaceFacts,
    counted_projects,
    namespace_verdict,
)

OSI = {"MIT", "Apache-2.0", "GPL-3.0", "mit"}
AT = datetime(2026, 11, 20, tzinfo=UTC)


def project(path: str, licence: str | None = "MIT", *, visibility: str = "public", archived: bool = False,
            fork: bool = False) -> ForgeProject:
    return ForgeProject(path=path, visibility=visibility, license=licence, archived=archived, fork=fork)


def facts(*projects: ForgeProject, **kw: object) -> NamespaceFacts:
    base: dict[str, object] = {"host": "github.com", "namespace": "acme", "kind": "organization", "name": "acme"}
    return NamespaceFacts.model_validate({**base, "projects": list(projects), **kw})


def judge(given: NamespaceFacts) -> tuple[VerificationStatus, str, dict[str, object]]:
    verdict = namespace_verdict(given, osi_approved=OSI.__contains__, source_url="https://api/x", checked_at=AT)
    assert verdict.kind == "namespace" and verdict.source_url == "https://api/x" and verdict.checked_at == AT
    return verdict.status, verdict.reason or "", verdict.facts


def test_public_osi_projects_and_at_most_one_private_are_verified() -> None:
    status, reason, seen = judge(facts(project("acme/one"), project("acme/two", "Apache-2.0"),
                                       project("acme/secret", None, visibility="private")))
    assert status is VerificationStatus.VERIFIED
    assert reason == "organization acme on github.com: 2 public project(s), all OSI-licensed"
    assert (seen["projects"], seen["public_projects"], seen["private_projects"]) == (3, 2, 1)
    assert seen["private_count_source"] == "listing" and seen["non_osi_projects"] == []


@pytest.mark.parametrize(("projects", "problem"), [
    ((project("acme/db", "BUSL-1.1"), project("acme/ok")),
     "1 public project(s) without an OSI-approved licence: acme/db"),
    ((project("acme/none", None),), "1 public project(s) without an OSI-approved licence: acme/none"),
    ((project("acme/a", visibility="private"), project("acme/b", visibility="private"), project("acme/c")),
     "2 private projects (at most 1 allowed)"),
    ((project("acme/a", visibility="private"),), "no public project"),
    ((project("acme/i", visibility="internal"),), "no public project"),
    ((), "no public project"),
])
def test_each_rule_of_programs_md_fails_the_namespace(projects: tuple[ForgeProject, ...], problem: str) -> None:
    status, reason, _ = judge(facts(*projects))
    assert status is VerificationStatus.FAILED and reason.endswith(problem), reason


def test_every_problem_is_named_and_a_long_list_is_shortened() -> None:
    bad = [project(f"acme/p{i}", "SSPL-1.0") for i in range(7)]
    status, reason, seen = judge(facts(*bad, project("acme/x", visibility="private"), private_total=4))
    assert status is VerificationStatus.FAILED
    assert reason == ("organization acme on github.com: 7 public project(s) without an OSI-approved licence: "
                      "acme/p0, acme/p1, acme/p2, acme/p3, acme/p4 …; 4 private projects (at most 1 allowed)")
    assert seen["non_osi_projects"] == [p.path for p in bad]


def test_forks_and_archived_projects_of_a_namespace_do_not_count_but_a_single_project_counts_whatever_its_flags(
) -> None:
    namespace = facts(project("acme/own"), project("acme/linux", "GPL-2.0-only", fork=True),
                      project("acme/old", None, archived=True))
    assert [p.path for p in counted_projects(namespace)] == ["acme/own"]
    status, _, seen = judge(namespace)
    assert status is VerificationStatus.VERIFIED and seen["ignored_projects"] == ["acme/linux", "acme/old"]
    assert seen["projects"] == 1

    single = facts(project("acme/old", "BUSL-1.1", archived=True), kind="project", name="acme/old", single=True)
    status, reason, seen = judge(single)
    assert status is VerificationStatus.FAILED and "acme/old" in reason and seen["ignored_projects"] == []
    assert seen["private_count_source"] == "project"


def test_the_forges_own_private_total_wins_over_what_the_listing_showed() -> None:
    listed = facts(project("acme/a"), project("acme/b", visibility="private"))
    assert judge(listed)[2]["private_projects"] == 1
    counted = facts(project("acme/a"), project("acme/b", visibility="private"), private_total=2)
    status, _, seen = judge(counted)
    assert status is VerificationStatus.FAILED and seen["private_projects"] == 2
    assert seen["private_count_source"] == "forge_total"
    under = facts(project("acme/a"), project("acme/b", visibility="private"), project("acme/c", visibility="private"),
                  private_total=0)  # a stale total never hides what the listing showed
    assert judge(under)[2]["private_projects"] == 2


def test_a_missing_namespace_fails_with_zero_counts_so_the_rules_reject_it() -> None:
    status, reason, seen = judge(NamespaceFacts(host="github.com", namespace="ghost", exists=False,
                                                missing="GitHub has no user or organization ghost"))
    assert status is VerificationStatus.FAILED and reason == "GitHub has no user or organization ghost (404)"
    assert seen == {"host": "github.com", "namespace": "ghost", "exists": False, "projects": 0,
                    "public_projects": 0, "private_projects": 0, "private_count_source": "listing",
                    "non_osi_projects": [], "ignored_projects": []}


def test_the_trace_carries_project_details_up_to_the_limit_and_the_rename() -> None:
    few = judge(facts(project("acme/a"), renamed_to="acme-new"))[2]
    assert few["renamed_to"] == "acme-new"
    assert few["project_details"] == [{"path": "acme/a", "visibility": "public", "license": "MIT",
                                       "archived": False, "fork": False, "stars": None, "pushed_at": None}]
    many = judge(facts(*[project(f"acme/p{i}") for i in range(MAX_PROJECT_DETAILS + 1)]))[2]
    assert "project_details" not in many and "renamed_to" not in many
    exactly = judge(facts(*[project(f"acme/p{i}") for i in range(MAX_PROJECT_DETAILS)]))[2]
    assert len(exactly["project_details"]) == MAX_PROJECT_DETAILS  # type: ignore[arg-type]


def test_the_licence_question_is_asked_of_the_given_osi_list_only() -> None:
    asked: list[str] = []

    def osi(licence: str) -> bool:
        asked.append(licence)
        return licence == "MIT"

    namespace = facts(project("acme/a"), project("acme/b", None), project("acme/c", "EUPL-1.2", visibility="private"))
    verdict = namespace_verdict(namespace, osi_approved=osi)
    assert verdict.status is VerificationStatus.FAILED and verdict.facts["non_osi_projects"] == ["acme/b"]
    assert asked == ["MIT"]  # no licence is None-checked, a private project's licence is not weighed
