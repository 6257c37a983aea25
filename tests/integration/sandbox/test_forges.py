"""The sandbox's GitHub and GitLab emulation, asked by the real NamespaceVerifier over loopback HTTP."""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from pydantic import SecretStr

from commops.config import VerifySettings
from commops.domain import VerificationStatus
from commops.sandbox import SandboxServer, SandboxStore
from commops.verify import NamespaceVerifier

LICENSED = [{"name": f"lib-{n:03d}", "license": "MIT"} for n in range(125)]
FORGES: dict[str, Any] = {
    "github": {
        "acme": {"kind": "organization", "projects": [
            *LICENSED,
            {"name": "secret", "license": None, "visibility": "private"},
            {"name": "old", "license": None, "archived": True},
            {"name": "linux", "license": "GPL-2.0-only", "fork": True},
        ]},
        "closedco": {"kind": "organization", "projects": [
            {"name": "sdk", "license": "Apache-2.0"},
            {"name": "infra", "license": None, "visibility": "private"},
            {"name": "billing", "license": None, "visibility": "private"},
        ]},
        "jane": {"kind": "user", "projects": [
            {"name": "tool", "license": "BSD-3-Clause"},
            {"name": "diary", "license": None, "visibility": "private"},
            {"name": "notes", "license": None, "visibility": "private"},
        ]},
        "bsl": {"projects": [{"name": "db", "license": "BUSL-1.1"}, {"name": "ok", "license": "MIT"}]},
        "custom": {"projects": [{"name": "thing", "license": "NOASSERTION"}]},
    },
    "gitlab": {
        "gnomish": {"kind": "group", "projects": [
            {"name": "app", "license": "GPL-3.0-or-later"},
            *({"name": f"libs/core/mod-{n:03d}", "license": "LGPL-2.1-only"} for n in range(104)),
        ]},
        "opsy": {"kind": "group", "projects": [
            {"name": "site", "license": "MIT"},
            {"name": "deploy", "license": None, "visibility": "private"},
            {"name": "vault", "license": None, "visibility": "internal"},
        ]},
        "sam": {"kind": "user", "projects": [{"name": "dots", "license": "SSPL-1.0"}]},
    },
}


@pytest.fixture
def server(tmp_path: Path) -> Iterator[SandboxServer]:
    sandbox = SandboxServer(tmp_path / "sandbox.sqlite3", limits=False)
    sandbox.store.reset()
    sandbox.store.load({"forges": FORGES})
    with sandbox:
        yield sandbox


def verifier(url: str, **settings: Any) -> NamespaceVerifier:
    return NamespaceVerifier(VerifySettings(forge_url=url, **settings), cache=None, sleep=lambda s: None)


def forge_paths(server: SandboxServer) -> list[str]:
    return [path for _method, path, _status in server.request_log() if path.startswith("/_forges/")]


def test_github_org_paginates_counts_the_forge_total_and_ignores_forks_and_archived(server: SandboxServer) -> None:
    result = verifier(server.url).verify_namespace("https://github.com/ACME")
    assert result.status is VerificationStatus.VERIFIED, result.reason
    facts = result.facts
    assert facts["kind"] == "organization" and facts["public_projects"] == 125 and facts["projects"] == 126
    assert facts["private_projects"] == 1 and facts["private_count_source"] == "forge_total"
    assert facts["ignored_projects"] == ["acme/linux", "acme/old"]
    assert result.source_url == "https://api.github.com/users/ACME"  # the trace names the real API
    assert forge_paths(server) == ["/_forges/github/users/ACME", "/_forges/github/orgs/acme/repos",
                                   "/_forges/github/orgs/acme/repos"]


def test_github_failures(server: SandboxServer) -> None:
    check = verifier(server.url)
    private = check.verify_namespace("https://github.com/closedco")
    assert private.status is VerificationStatus.FAILED and "2 private projects" in (private.reason or "")
    assert private.facts["private_count_source"] == "forge_total"
    assert check.verify_namespace("https://github.com/bsl").facts["non_osi_projects"] == ["bsl/db"]
    assert check.verify_namespace("https://github.com/custom").facts["non_osi_projects"] == ["custom/thing"]
    missing = check.verify_namespace("https://github.com/nobody")
    assert missing.status is VerificationStatus.FAILED and missing.facts["exists"] is False
    assert "(404)" in (missing.reason or "")
    assert check.verify_namespace("https://github.com/acme/nothing-here").facts["exists"] is False


def test_github_user_listing_shows_public_repos_only_and_single_repos_resolve(server: SandboxServer) -> None:
    check = verifier(server.url)
    user = check.verify_namespace("https://github.com/jane")
    assert user.status is VerificationStatus.VERIFIED and user.facts["kind"] == "user"
    assert user.facts["private_projects"] == 0 and user.facts["private_count_source"] == "listing"
    single = check.verify_namespace("https://github.com/acme/lib-007.git")
    assert single.status is VerificationStatus.VERIFIED and single.facts["private_count_source"] == "project"
    private_single = check.verify_namespace("https://github.com/jane/diary")
    assert private_single.status is VerificationStatus.FAILED and private_single.facts["public_projects"] == 0


def test_gitlab_group_with_subgroups_over_two_pages(server: SandboxServer) -> None:
    result = verifier(server.url).verify_namespace("https://gitlab.com/gnomish")
    assert result.status is VerificationStatus.VERIFIED, result.reason
    assert result.facts["kind"] == "group" and result.facts["public_projects"] == 105
    listings = [p for p in forge_paths(server) if p.endswith("/projects")]
    assert len(listings) == 2  # 105 projects at 100 a page
    details = [p for p in forge_paths(server) if "/api/v4/projects/" in p]
    assert len(details) == 105


def test_gitlab_private_internal_user_project_and_missing(server: SandboxServer) -> None:
    check = verifier(server.url)
    opsy = check.verify_namespace("https://gitlab.com/groups/opsy")
    assert opsy.status is VerificationStatus.FAILED and opsy.facts["private_projects"] == 2
    assert opsy.facts["private_count_source"] == "listing"
    sam = check.verify_namespace("https://gitlab.com/sam")
    assert sam.facts["kind"] == "user" and sam.facts["non_osi_projects"] == ["sam/dots"]
    sub = check.verify_namespace("https://gitlab.com/gnomish/libs/core")
    assert sub.status is VerificationStatus.VERIFIED and sub.facts["public_projects"] == 104
    project = check.verify_namespace("https://gitlab.com/gnomish/libs/core/mod-003/-/tree/main")
    assert project.status is VerificationStatus.VERIFIED and project.facts["kind"] == "project"
    for url in ("https://gitlab.com/ghost", "https://gitlab.com/gnomish/ghost"):
        missing = check.verify_namespace(url)
        assert missing.status is VerificationStatus.FAILED and missing.facts["exists"] is False, url


def test_unsupported_hosts_stay_unknown_without_a_request(server: SandboxServer) -> None:
    result = verifier(server.url).verify_namespace("https://codeberg.org/acme")
    assert result.status is VerificationStatus.UNKNOWN and "not a supported forge" in (result.reason or "")
    assert forge_paths(server) == []


def test_self_managed_gitlab_and_tokens_go_to_the_sandbox(server: SandboxServer) -> None:
    check = verifier(server.url, gitlab_urls=["https://git.example.org/gitlab"],
                     github_token=SecretStr("ghp_real"), gitlab_token=SecretStr("glpat_real"))
    assert check.verify_namespace("https://git.example.org/gitlab/opsy").facts["kind"] == "group"
    assert check.verify_namespace("https://github.com/jane").status is VerificationStatus.VERIFIED


def test_raw_shapes_links_and_404_bodies(server: SandboxServer) -> None:
    base = server.url + "/_forges"
    page = requests.get(f"{base}/github/orgs/acme/repos", params={"per_page": 50, "page": 2}, timeout=5)
    assert page.status_code == 200 and len(page.json()) == 50
    assert set(page.links) == {"next", "prev", "first", "last"}
    assert page.links["next"]["url"].startswith(f"{base}/github/orgs/acme/repos?")
    repo = requests.get(f"{base}/github/repos/closedco/infra", timeout=5).json()
    assert repo["private"] is True and repo["visibility"] == "private" and repo["license"] is None
    assert requests.get(f"{base}/github/repos/bsl/db", timeout=5).json()["license"]["spdx_id"] == "BUSL-1.1"
    gone = requests.get(f"{base}/github/users/ghost", timeout=5)
    assert gone.status_code == 404 and gone.json()["message"] == "Not Found"
    group = requests.get(f"{base}/gitlab/api/v4/groups/gnomish%2Flibs", timeout=5).json()
    assert group["full_path"] == "gnomish/libs" and group["parent_id"] is not None
    listing = requests.get(f"{base}/gitlab/api/v4/groups/{group['id']}/projects",
                           params={"include_subgroups": "true", "per_page": "100"}, timeout=5)
    assert listing.headers["x-next-page"] == "2" and listing.headers["x-total"] == "104"
    assert "license" not in listing.json()[0]
    project = requests.get(f"{base}/gitlab/api/v4/projects/opsy%2Fsite", params={"license": "true"}, timeout=5)
    assert project.json()["license"]["key"] == "mit"
    missing = requests.get(f"{base}/gitlab/api/v4/groups/ghost", timeout=5)
    assert missing.status_code == 404 and missing.json() == {"message": "404 Group Not Found"}
    assert requests.get(f"{base}/gitlab/api/v4/users", params={"username": "ghost"}, timeout=5).json() == []


def test_seeded_namespaces_tell_every_story(tmp_path: Path) -> None:
    sandbox = SandboxServer(tmp_path / "sandbox.sqlite3", limits=False)
    sandbox.store.reset()
    sandbox.store.seed(300, 4)
    keys = {str(f.get("key")): fid for fid, f in sandbox.store.account().fields.items()}
    urls = [value for _seq, doc in sandbox.store.ticket_docs() for entry in doc["custom_fields"]
            if entry["id"] == keys["namespace_url"] and isinstance(value := entry["value"], str)]
    with sandbox:
        check = verifier(sandbox.url)
        results = {url: check.verify_namespace(url) for url in urls}
    statuses = Counter(r.status for r in results.values())
    assert statuses[VerificationStatus.VERIFIED] > statuses[VerificationStatus.FAILED] > 0
    reasons = " | ".join(r.reason or "" for r in results.values())
    for story in ("(404)", "private projects (at most 1 allowed)", "without an OSI-approved licence",
                  "no public project", "is not a supported forge"):
        assert story in reasons, story
    for url, result in results.items():
        supported = "github.com/" in url or "gitlab.com/" in url
        assert (result.status is VerificationStatus.UNKNOWN) is not supported, (url, result.reason)


def test_same_seed_same_forges_and_an_old_sandbox_is_backfilled(tmp_path: Path) -> None:
    def index_of(path: Path) -> Any:
        store = SandboxStore(path)
        store.reset()
        store.seed(80, 9)
        return store

    first, second = index_of(tmp_path / "a.sqlite3"), index_of(tmp_path / "b.sqlite3")
    assert first.forge_index() == second.forge_index() and first.forge_index().github_owners
    before = first.forge_index()
    with sqlite3.connect(tmp_path / "a.sqlite3") as db:  # as a sandbox saved before forge emulation
        db.execute("DELETE FROM forge_namespaces")
        db.execute("DELETE FROM meta WHERE key = 'forges'")
    assert first.forge_index().github_owners == {}
    assert first.backfill_forges(9) is True
    assert first.forge_index().github_owners.keys() == before.github_owners.keys()
    assert first.backfill_forges(9) is False


def test_bad_forge_documents_are_refused(tmp_path: Path) -> None:
    from commops.sandbox.apierror import ApiError

    store = SandboxStore(tmp_path / "s.sqlite3")
    bad: dict[str, Any]
    for bad in ({"bitbucket": {}}, {"github": {"a/b": {}}}, {"github": {"a": {"kind": "group"}}},
                {"gitlab": {"g": {"projects": [{"name": "x", "visibility": "secret"}]}}},
                {"github": {"a": {"projects": [{"name": "x"}, {"name": "X"}]}}}):
        with pytest.raises(ApiError) as info:
            store.load({"forges": bad})
        assert info.value.status == 422


def test_serve_prints_the_forge_url_and_serves_the_forges(commops_home: Path) -> None:
    import os
    import signal
    import subprocess
    import sys

    env = {**os.environ, "COMMOPS_HOME": str(commops_home), "NO_COLOR": "1"}
    process = subprocess.Popen(
        [sys.executable, "-c", "from commops.cli.app import main; main()", "sandbox", "serve", "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(6)]
        url = lines[0].split("listening on ")[1].split()[0]
        assert any(line.strip().startswith(f"export COMMOPS_VERIFY_FORGE_URL={url}") for line in lines), lines
        store = SandboxStore(commops_home / "sandbox.sqlite3")
        owner = next(iter(store.forge_index().github_owners.values()))
        answer = requests.get(f"{url}/_forges/github/users/{owner['path']}", timeout=5)
        assert answer.status_code == 200 and answer.json()["login"] == owner["path"]
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=10)
        finally:
            if process.poll() is None:
                process.kill()
