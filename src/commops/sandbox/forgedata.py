"""The sandbox's forge namespaces: the ``"forges"`` document, its checks, the lookup index, seeded stories.

Shape (``SandboxStore.load({"forges": ...})``; docs/sandbox.md)::

    {"github": {"<login>": {"kind": "organization" | "user", "projects": [PROJECT, ...]}},
     "gitlab": {"<group/path>" | "<username>": {"kind": "group" | "user", "projects": [PROJECT, ...]}}}
    PROJECT = {"name": "tool" (GitLab: may hold subgroups, "libs/core"), "license": "MIT" | "NOASSERTION" | null,
               "visibility": "public" | "private" | "internal", "archived": false, "fork": false}

The store gives every namespace, GitLab subgroup and project a numeric id when it saves them. Seeded
stories (:func:`seeded_forges`) come from their own random stream per namespace URL, so adding them left
the tickets a seed generates unchanged.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from commops.sandbox.apierror import invalid

__all__ = ["FORGES", "ForgeIndex", "GitLabGroup", "NamespaceDoc", "ProjectDoc", "normalise_forges", "seeded_forges"]

FORGES = ("github", "gitlab")
_KINDS = {"github": ("organization", "user"), "gitlab": ("group", "user")}
_VISIBILITY = ("public", "private", "internal")

NamespaceDoc = dict[str, Any]
ProjectDoc = dict[str, Any]


def _project(raw: Any, forge: str, where: str) -> ProjectDoc:
    if not isinstance(raw, dict) or not isinstance(raw.get("name"), str) or not raw["name"].strip("/"):
        raise invalid("forges", f"{where}: a project needs a name: {raw!r}")
    name = raw["name"].strip("/")
    if forge == "github" and "/" in name:
        raise invalid("forges", f"{where}: a GitHub repository name has no '/': {name!r}")
    licence = raw.get("license")
    visibility = raw.get("visibility", "public")
    if licence is not None and (not isinstance(licence, str) or not licence.strip()):
        raise invalid("forges", f"{where}/{name}: license must be an SPDX id or null")
    if visibility not in _VISIBILITY:
        raise invalid("forges", f"{where}/{name}: visibility must be one of {', '.join(_VISIBILITY)}")
    for flag in ("archived", "fork"):
        if not isinstance(raw.get(flag, False), bool):
            raise invalid("forges", f"{where}/{name}: {flag} must be true or false")
    return {"name": name, "license": licence, "visibility": visibility,
            "archived": bool(raw.get("archived", False)), "fork": bool(raw.get("fork", False))}


def normalise_forges(document: Any) -> list[tuple[str, str, NamespaceDoc]]:
    """``(forge, path, namespace)`` for each namespace of a ``"forges"`` document; 422 ApiError when bad."""
    if not isinstance(document, dict) or set(document) - set(FORGES):
        raise invalid("forges", 'forges must be an object with "github" and/or "gitlab"')
    out: list[tuple[str, str, NamespaceDoc]] = []
    for forge in FORGES:
        namespaces = document.get(forge) or {}
        if not isinstance(namespaces, dict):
            raise invalid("forges", f"forges.{forge} must map namespace paths to namespaces")
        for path, raw in namespaces.items():
            clean = str(path).strip("/")
            if not clean or (forge == "github" and "/" in clean) or not isinstance(raw, dict):
                raise invalid("forges", f"forges.{forge}: {path!r} is not a namespace path with an object")
            kind = raw.get("kind", _KINDS[forge][0])
            if kind not in _KINDS[forge]:
                raise invalid("forges", f"forges.{forge}.{clean}: kind must be one of {', '.join(_KINDS[forge])}")
            projects = raw.get("projects") or []
            if not isinstance(projects, list):
                raise invalid("forges", f"forges.{forge}.{clean}: projects must be a list")
            docs = [_project(p, forge, f"{forge}:{clean}") for p in projects]
            names = [p["name"].lower() for p in docs]
            if len(set(names)) != len(names):
                raise invalid("forges", f"forges.{forge}.{clean}: two projects share a name")
            out.append((forge, clean, {"path": clean, "kind": kind, "projects": docs}))
    return out


# -- the lookup index -----------------------------------------------------------------------------


@dataclass(frozen=True)
class GitLabGroup:
    id: int
    full_path: str
    parent_id: int | None


@dataclass
class ForgeIndex:
    """Every namespace by forge, with the maps the emulated endpoints look things up in (lower-cased)."""

    github_owners: dict[str, NamespaceDoc] = field(default_factory=dict)
    github_repos: dict[str, tuple[NamespaceDoc, ProjectDoc]] = field(default_factory=dict)
    gitlab_groups: dict[str, GitLabGroup] = field(default_factory=dict)
    gitlab_group_ids: dict[int, GitLabGroup] = field(default_factory=dict)
    gitlab_users: dict[str, NamespaceDoc] = field(default_factory=dict)
    gitlab_user_ids: dict[int, NamespaceDoc] = field(default_factory=dict)
    # full path -> (owning namespace, project): ordered by project id
    gitlab_projects: dict[str, tuple[NamespaceDoc, ProjectDoc]] = field(default_factory=dict)
    gitlab_project_ids: dict[int, str] = field(default_factory=dict)

    @classmethod
    def build(cls, rows: Iterable[tuple[str, NamespaceDoc]]) -> ForgeIndex:
        index = cls()
        gitlab: list[NamespaceDoc] = []
        for forge, doc in rows:
            if forge == "github":
                index.github_owners[doc["path"].lower()] = doc
                for project in doc["projects"]:
                    index.github_repos[f"{doc['path']}/{project['name']}".lower()] = (doc, project)
            else:
                gitlab.append(doc)
        for doc in gitlab:
            if doc["kind"] == "user":
                index.gitlab_users[doc["path"].lower()] = doc
                index.gitlab_user_ids[int(doc["id"])] = doc
            else:
                group = GitLabGroup(int(doc["id"]), doc["path"], None)
                index.gitlab_groups[doc["path"].lower()] = group
                index.gitlab_group_ids[group.id] = group
        for doc in gitlab:
            if doc["kind"] == "group":
                parent = index.gitlab_groups[doc["path"].lower()]
                for sub in doc.get("subgroups", []):
                    full = f"{doc['path']}/{sub['path']}"
                    above = full.rsplit("/", 1)[0].lower()
                    group = GitLabGroup(int(sub["id"]), full, index.gitlab_groups.get(above, parent).id)
                    index.gitlab_groups.setdefault(full.lower(), group)
                    index.gitlab_group_ids[group.id] = group
            for project in doc["projects"]:
                index.gitlab_projects[f"{doc['path']}/{project['name']}".lower()] = (doc, project)
        ordered = sorted(index.gitlab_projects.items(), key=lambda item: int(item[1][1]["id"]))
        index.gitlab_projects = dict(ordered)
        index.gitlab_project_ids = {int(p["id"]): key for key, (_ns, p) in ordered}
        return index


def subgroup_paths(doc: NamespaceDoc) -> list[str]:
    """A GitLab group's subgroups (relative paths, parents first), from its projects' paths."""
    found: list[str] = []
    for project in doc["projects"]:
        parts = project["name"].split("/")[:-1]
        for depth in range(1, len(parts) + 1):
            path = "/".join(parts[:depth])
            if path.lower() not in (f.lower() for f in found):
                found.append(path)
    return found


# -- seeded stories -------------------------------------------------------------------------------

OSI_IDS = ["MIT", "Apache-2.0", "GPL-3.0-or-later", "BSD-3-Clause", "MPL-2.0", "LGPL-2.1-only",
           "AGPL-3.0-only", "ISC", "BSD-2-Clause"]
NON_OSI_IDS = ["BUSL-1.1", "SSPL-1.0", "Elastic-2.0", "CC-BY-NC-4.0", "NOASSERTION", None]
SUFFIXES = ["cli", "docs", "core", "web", "sdk", "site", "bench", "plugins"]
# story: share of the supported namespaces (what triage then decides)
STORIES = [("eligible", 0.70), ("non_osi", 0.10), ("private", 0.08), ("missing", 0.08), ("no_public", 0.04)]
_HOSTS = {"github.com": "github", "www.github.com": "github", "gitlab.com": "gitlab"}


def _target(url: str) -> tuple[str, list[str]] | None:
    text = url.strip()
    parts = urlsplit(text if "://" in text else f"https://{text}")
    forge = _HOSTS.get((parts.hostname or "").lower())
    segments = [s for s in parts.path.split("/") if s]
    if forge is None or not segments:
        return None
    return forge, segments[:2]


def _story(rng: random.Random) -> str:
    roll, total = rng.random(), 0.0
    for name, share in STORIES:
        total += share
        if roll < total:
            return name
    return STORIES[0][0]


def _story_namespace(rng: random.Random, forge: str, segments: list[str], licence: str) -> NamespaceDoc | None:
    story = _story(rng)
    single = len(segments) > 1
    if story == "missing" or (story == "no_public" and single):
        return None
    ns = segments[0]
    base = segments[1] if single else ns.removesuffix("-dev")
    kind = _KINDS[forge][0] if story == "private" or rng.random() < 0.6 else _KINDS[forge][1]
    subgroup = "libs/" if forge == "gitlab" and kind == "group" and rng.random() < 0.3 else ""

    def osi() -> str:
        return licence if rng.random() < 0.6 else rng.choice(OSI_IDS)

    projects: list[ProjectDoc] = [{"name": base, "license": osi()}]
    big = story == "eligible" and not single and rng.random() < 0.04
    for suffix in rng.sample(SUFFIXES, rng.randrange(0, 4)):
        projects.append({"name": f"{subgroup if suffix != 'docs' else ''}{base}-{suffix}", "license": osi()})
    if big:  # more than one page of 100
        projects += [{"name": f"{base}-plugin-{n:03d}", "license": osi()} for n in range(rng.randrange(101, 131))]
    if rng.random() < 0.3:
        projects.append({"name": f"{rng.choice(['linux', 'curl', 'redis', 'mongo'])}-fork",
                         "license": rng.choice(NON_OSI_IDS), "fork": True})
    if rng.random() < 0.2:
        projects.append({"name": f"{base}-legacy", "license": None, "archived": True})
    if story == "eligible" and rng.random() < 0.25 and kind != "user":
        projects.append({"name": f"{base}-infra", "license": None, "visibility": "private"})
    if story == "non_osi":
        counted = [p for p in projects if not (p.get("fork") or p.get("archived") or p.get("visibility"))]
        target = projects[0] if single else counted[rng.randrange(len(counted))]
        target["license"] = rng.choice(NON_OSI_IDS)
    elif story == "private":
        if single:
            projects[0]["visibility"] = "private"
        else:
            projects += [{"name": f"{base}-{word}", "license": None, "visibility": "private"}
                         for word in rng.sample(["internal", "ops", "secrets", "billing"], rng.randrange(2, 4))]
    elif story == "no_public":
        projects = [{"name": f"{base}-old", "license": osi(), "archived": True},
                    {"name": f"{base}-fork", "license": osi(), "fork": True}]
    return {"kind": kind, "projects": projects}


def seeded_forges(applications: Iterable[tuple[str, str | None]], seed: int) -> dict[str, Any]:
    """A ``"forges"`` document for ``(namespace_url, claimed licence)`` pairs: the story of each URL is
    drawn from ``random.Random`` seeded with the seed and the URL (first URL wins a namespace).

    Stories: eligible (public OSI projects, maybe one private, forks and archived ones ignored), a
    public project without an OSI licence, more than one private project (organizations and groups,
    whose listings show them), no public project, or no namespace at all (404). Hosts other than
    github.com and gitlab.com get nothing: the verifier never asks them.
    """
    out: dict[str, dict[str, Any]] = {"github": {}, "gitlab": {}}
    seen: set[tuple[str, str]] = set()
    for url, claimed in applications:
        target = _target(url)
        if target is None:
            continue
        forge, segments = target
        key = (forge, segments[0].lower())
        if key in seen:
            continue
        seen.add(key)
        rng = random.Random(f"commops-sandbox-forges:{seed}:{url.strip().lower()}")
        licence = claimed if claimed in OSI_IDS else rng.choice(OSI_IDS)
        namespace = _story_namespace(rng, forge, segments, licence)
        if namespace is not None:
            out[forge][segments[0]] = namespace
    return out
