"""What GitHub's and GitLab's REST APIs say about a namespace: its projects' visibility, licence and flags.

Only documented public endpoints are used:
GitHub  ``/users/{name}`` (type User|Organization), ``/orgs/{org}/repos``, ``/users/{user}/repos``,
        ``/repos/{owner}/{repo}`` (``license.spdx_id``, ``NOASSERTION`` when GitHub cannot tell).
GitLab  ``/groups/:id``, ``/groups/:id/projects?include_subgroups=true``, ``/users?username=``,
        ``/users/:id/projects``, ``/projects/:id?license=true`` (the only place the licence is given).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from commops.domain.opensource import ForgeProject
from commops.verify._http import ForgeHttp, LookupUnknown, NamespaceMissing

__all__ = ["Found", "github_lookup", "gitlab_lookup"]

PER_PAGE = 100


@dataclass
class Found:
    """A namespace as the forge showed it. ``private_total`` is the forge's own count, when it gives one."""

    kind: str  # organization | user | group | project
    name: str
    projects: list[ForgeProject] = field(default_factory=list)
    private_total: int | None = None
    single: bool = False
    renamed_to: str | None = None
    owner: str | None = None  # a single project's owning user, organisation or group


# -- GitHub ---------------------------------------------------------------------------------------


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _text(value: Any) -> str | None:
    return str(value) if value else None


def _github_project(repo: dict[str, Any]) -> ForgeProject:
    licence = repo.get("license") or None
    spdx = (licence.get("spdx_id") or licence.get("key")) if isinstance(licence, dict) else None
    private = bool(repo.get("private"))
    return ForgeProject(
        path=str(repo.get("full_name") or repo.get("name") or "?"),
        visibility=str(repo.get("visibility") or ("private" if private else "public")),
        license=str(spdx) if spdx else None,
        archived=bool(repo.get("archived")),
        fork=bool(repo.get("fork")),
        stars=_int(repo.get("stargazers_count")),
        pushed_at=_text(repo.get("pushed_at")),
    )


def github_lookup(http: ForgeHttp, api: str, parts: list[str]) -> Found:
    if len(parts) >= 2:
        owner, repo = parts[0], parts[1]
        response = http.get(f"{api}/repos/{quote(owner)}/{quote(repo)}")
        if response.status_code == 404:
            raise NamespaceMissing(f"GitHub has no public repository {owner}/{repo}")
        data = response.json()
        project = _github_project(data)
        renamed = project.path if project.path.lower() != f"{owner}/{repo}".lower() else None
        login = (data.get("owner") or {}).get("login") if isinstance(data.get("owner"), dict) else None
        return Found("project", project.path, [project], single=True, renamed_to=renamed,
                     owner=str(login or project.path.split("/")[0]))
    name = parts[0]
    response = http.get(f"{api}/users/{quote(name)}")
    if response.status_code == 404:
        raise NamespaceMissing(f"GitHub has no user or organization {name}")
    owner = response.json()
    login = str(owner.get("login") or name)
    is_org = owner.get("type") == "Organization"
    listing = (
        http.paginate(f"{api}/orgs/{quote(login)}/repos", {"type": "all", "per_page": PER_PAGE})
        if is_org
        else http.paginate(f"{api}/users/{quote(login)}/repos", {"type": "owner", "per_page": PER_PAGE})
    )
    projects = [_github_project(repo) for repo in listing]
    private = owner.get("total_private_repos")  # only there when the token may see it
    return Found(
        "organization" if is_org else "user",
        login,
        projects,
        private_total=private if isinstance(private, int) else None,
        renamed_to=login if login.lower() != name.lower() else None,
    )


# -- GitLab ---------------------------------------------------------------------------------------


def _gitlab_project(data: dict[str, Any], licence: str | None) -> ForgeProject:
    return ForgeProject(
        path=str(data.get("path_with_namespace") or data.get("path") or "?"),
        # Anonymous listings show only public projects; older servers omit the field then.
        visibility=str(data.get("visibility") or "public"),
        license=licence,
        archived=bool(data.get("archived")),
        fork="forked_from_project" in data,
        stars=_int(data.get("star_count")),
        pushed_at=_text(data.get("last_activity_at")),
    )


def _gitlab_licence(data: dict[str, Any]) -> str | None:
    licence = data.get("license")
    key = licence.get("key") if isinstance(licence, dict) else None
    return str(key) if key else None


def _with_licences(http: ForgeHttp, api: str, listing: list[dict[str, Any]]) -> list[ForgeProject]:
    """Group and user listings carry no licence: ask each project that counts (not forks or archived)."""
    projects = []
    for data in listing:
        licence = None
        if "forked_from_project" not in data and not data.get("archived"):
            detail = http.get(f"{api}/projects/{data.get('id')}", {"license": "true"})
            if detail.status_code == 404:  # listed a moment ago: the namespace changed under us
                raise LookupUnknown(f"project {data.get('path_with_namespace')} vanished during the lookup")
            licence = _gitlab_licence(detail.json())
        projects.append(_gitlab_project(data, licence))
    return projects


def gitlab_lookup(http: ForgeHttp, api: str, parts: list[str]) -> Found:
    full = "/".join(parts)
    encoded = quote(full, safe="")
    group = http.get(f"{api}/groups/{encoded}", {"with_projects": "false"})
    if group.status_code != 404:
        data = group.json()
        listing = list(
            http.paginate(
                f"{api}/groups/{data['id']}/projects",
                {
                    "include_subgroups": "true",
                    "with_shared": "false",
                    "per_page": PER_PAGE,
                    "order_by": "id",
                    "sort": "asc",
                },
            )
        )
        path = str(data.get("full_path") or full)
        renamed = path if path.lower() != full.lower() else None
        return Found("group", path, _with_licences(http, api, listing), renamed_to=renamed)
    if len(parts) >= 2:
        project = http.get(f"{api}/projects/{encoded}", {"license": "true"})
        if project.status_code == 404:
            raise NamespaceMissing(f"no public GitLab group or project {full}")
        data = project.json()
        found = _gitlab_project(data, _gitlab_licence(data))
        renamed = found.path if found.path.lower() != full.lower() else None
        space = data.get("namespace")
        owner = space.get("full_path") if isinstance(space, dict) else None
        return Found("project", found.path, [found], single=True, renamed_to=renamed,
                     owner=str(owner or found.path.rsplit("/", 1)[0]))
    users = http.json(f"{api}/users", {"username": full})
    if not isinstance(users, list) or not users:
        raise NamespaceMissing(f"no public GitLab group or user {full}")
    user = users[0]
    listing = list(
        http.paginate(f"{api}/users/{user['id']}/projects", {"per_page": PER_PAGE, "order_by": "id", "sort": "asc"})
    )
    return Found("user", str(user.get("username") or full), _with_licences(http, api, listing))
