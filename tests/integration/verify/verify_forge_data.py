"""Forge API answers in the shapes GitHub's and GitLab's REST docs show (trimmed of fields commops never reads
only where they are long lists of URLs), and a respx router wired as an httpx transport."""

from __future__ import annotations

import zlib
from datetime import UTC, datetime
from typing import Any

import httpx
import respx

from commops.config import VerifySettings

GH = "https://api.github.com"
GL = "https://gitlab.com/api/v4"
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)

_LICENCES = {
    "MIT": ("mit", "MIT License"),
    "Apache-2.0": ("apache-2.0", "Apache License 2.0"),
    "GPL-3.0": ("gpl-3.0", "GNU General Public License v3.0"),
    "BSD-3-Clause": ("bsd-3-clause", 'BSD 3-Clause "New" or "Revised" License'),
    "NOASSERTION": ("other", "Other"),
    "BUSL-1.1": ("busl-1.1", "Business Source License 1.1"),
}


def settings(**overrides: Any) -> VerifySettings:
    return VerifySettings(**overrides)


def router() -> respx.MockRouter:
    return respx.MockRouter(assert_all_called=False, assert_all_mocked=True)


def transport(mock: respx.MockRouter) -> httpx.MockTransport:
    return httpx.MockTransport(mock.handler)


# -- GitHub ----------------------------------------------------------------------------------------


def gh_owner(login: str, *, org: bool, **extra: Any) -> dict[str, Any]:
    """GET /users/{username}: the public profile (``total_private_repos`` only for an authorised token)."""
    return {
        "login": login,
        "id": 1000 + len(login),
        "node_id": "MDEyOk9yZ2FuaXphdGlvbjE=",
        "avatar_url": f"https://avatars.githubusercontent.com/u/{1000 + len(login)}?v=4",
        "gravatar_id": "",
        "url": f"{GH}/users/{login}",
        "html_url": f"https://github.com/{login}",
        "repos_url": f"{GH}/users/{login}/repos",
        "type": "Organization" if org else "User",
        "user_view_type": "public",
        "site_admin": False,
        "name": login.title(),
        "company": None,
        "blog": "",
        "location": None,
        "email": None,
        "hireable": None,
        "bio": None,
        "twitter_username": None,
        "public_repos": 2,
        "public_gists": 0,
        "followers": 10,
        "following": 0,
        "created_at": "2015-01-01T00:00:00Z",
        "updated_at": "2026-01-01T00:00:00Z",
        **extra,
    }


def gh_repo(
    full_name: str,
    spdx: str | None = "MIT",
    *,
    private: bool = False,
    archived: bool = False,
    fork: bool = False,
    visibility: str | None = None,
) -> dict[str, Any]:
    """One item of GET /orgs/{org}/repos, /users/{user}/repos, or GET /repos/{owner}/{repo}."""
    owner, name = full_name.split("/")
    licence = None
    if spdx is not None:
        key, title = _LICENCES.get(spdx, (spdx.lower(), spdx))
        licence = {
            "key": key,
            "name": title,
            "spdx_id": spdx,
            "url": None if spdx == "NOASSERTION" else f"{GH}/licenses/{key}",
            "node_id": "MDc6TGljZW5zZTEz",
        }
    return {
        "id": zlib.crc32(full_name.encode()) % 10_000_000,
        "node_id": "MDEwOlJlcG9zaXRvcnkxMjk2MjY5",
        "name": name,
        "full_name": full_name,
        "private": private,
        "owner": {"login": owner, "id": 1, "type": "Organization", "site_admin": False},
        "html_url": f"https://github.com/{full_name}",
        "description": None,
        "fork": fork,
        "url": f"{GH}/repos/{full_name}",
        "created_at": "2020-01-26T19:01:12Z",
        "updated_at": "2026-01-26T19:14:43Z",
        "pushed_at": "2026-01-26T19:06:43Z",
        "homepage": None,
        "size": 108,
        "stargazers_count": 80,
        "watchers_count": 80,
        "language": "Python",
        "has_issues": True,
        "has_projects": True,
        "has_downloads": True,
        "has_wiki": True,
        "has_pages": False,
        "has_discussions": False,
        "forks_count": 9,
        "mirror_url": None,
        "archived": archived,
        "disabled": False,
        "open_issues_count": 0,
        "license": licence,
        "allow_forking": True,
        "is_template": False,
        "web_commit_signoff_required": False,
        "topics": [],
        "visibility": visibility or ("private" if private else "public"),
        "forks": 9,
        "open_issues": 0,
        "watchers": 80,
        "default_branch": "main",
    }


def gh_rate_headers(remaining: int = 59, reset: int | None = None) -> dict[str, str]:
    reset_at = reset if reset is not None else int(NOW.timestamp()) + 3600
    return {
        "x-ratelimit-limit": "60",
        "x-ratelimit-remaining": str(remaining),
        "x-ratelimit-reset": str(reset_at),
        "x-ratelimit-used": str(60 - remaining),
        "x-ratelimit-resource": "core",
    }


# -- GitLab ----------------------------------------------------------------------------------------


def gl_group(full_path: str, group_id: int = 42) -> dict[str, Any]:
    """GET /groups/:id?with_projects=false."""
    return {
        "id": group_id,
        "web_url": f"https://gitlab.com/groups/{full_path}",
        "name": full_path.rsplit("/", 1)[-1],
        "path": full_path.rsplit("/", 1)[-1],
        "description": "",
        "visibility": "public",
        "share_with_group_lock": False,
        "require_two_factor_authentication": False,
        "two_factor_grace_period": 48,
        "project_creation_level": "developer",
        "auto_devops_enabled": None,
        "subgroup_creation_level": "maintainer",
        "emails_disabled": False,
        "emails_enabled": True,
        "mentions_disabled": None,
        "lfs_enabled": True,
        "default_branch_protection": 2,
        "avatar_url": None,
        "request_access_enabled": True,
        "full_name": full_path.replace("/", " / "),
        "full_path": full_path,
        "created_at": "2019-05-14T12:00:00.000Z",
        "parent_id": None,
        "organization_id": 1,
        "ldap_cn": None,
        "ldap_access": None,
        "marked_for_deletion_on": None,
        "shared_with_groups": [],
        "prevent_sharing_groups_outside_hierarchy": False,
    }


def gl_project(
    path_with_namespace: str,
    project_id: int,
    *,
    licence_key: str | None = None,
    with_licence: bool = False,
    visibility: str = "public",
    archived: bool = False,
    fork: bool = False,
) -> dict[str, Any]:
    """An item of GET /groups/:id/projects or /users/:id/projects; with ``with_licence``, GET
    /projects/:id?license=true (the only endpoint that shows the detected licence)."""
    namespace, _, path = path_with_namespace.rpartition("/")
    data: dict[str, Any] = {
        "id": project_id,
        "description": None,
        "name": path,
        "name_with_namespace": path_with_namespace.replace("/", " / "),
        "path": path,
        "path_with_namespace": path_with_namespace,
        "created_at": "2021-03-01T10:00:00.000Z",
        "default_branch": "main",
        "tag_list": [],
        "topics": [],
        "ssh_url_to_repo": f"git@gitlab.com:{path_with_namespace}.git",
        "http_url_to_repo": f"https://gitlab.com/{path_with_namespace}.git",
        "web_url": f"https://gitlab.com/{path_with_namespace}",
        "readme_url": f"https://gitlab.com/{path_with_namespace}/-/blob/main/README.md",
        "forks_count": 0,
        "avatar_url": None,
        "star_count": 3,
        "last_activity_at": "2026-10-01T10:00:00.000Z",
        "namespace": {
            "id": 42,
            "name": namespace.rsplit("/", 1)[-1],
            "path": namespace.rsplit("/", 1)[-1],
            "kind": "group",
            "full_path": namespace,
            "parent_id": None,
            "avatar_url": None,
            "web_url": f"https://gitlab.com/groups/{namespace}",
        },
        "visibility": visibility,
        "archived": archived,
        "empty_repo": False,
        "issues_enabled": True,
        "open_issues_count": 0,
    }
    if fork:
        data["forked_from_project"] = {"id": 1, "path_with_namespace": "upstream/project"}
    if with_licence:
        data["license_url"] = f"https://gitlab.com/{path_with_namespace}/-/blob/main/LICENSE" if licence_key else None
        data["license"] = (
            {
                "key": licence_key,
                "name": licence_key.upper(),
                "nickname": None,
                "html_url": f"https://choosealicense.com/licenses/{licence_key}/",
                "source_url": None,
            }
            if licence_key
            else None
        )
    return data


def gl_user(username: str, user_id: int = 77) -> dict[str, Any]:
    """An item of GET /users?username=."""
    return {
        "id": user_id,
        "username": username,
        "name": username.title(),
        "state": "active",
        "locked": False,
        "avatar_url": "https://secure.gravatar.com/avatar/x?s=80&d=identicon",
        "web_url": f"https://gitlab.com/{username}",
    }


def gl_page_headers(page: int, total_pages: int, per_page: int = 100) -> dict[str, str]:
    nxt = str(page + 1) if page < total_pages else ""
    return {
        "x-page": str(page),
        "x-per-page": str(per_page),
        "x-next-page": nxt,
        "x-prev-page": str(page - 1) if page > 1 else "",
        "x-total-pages": str(total_pages),
    }
