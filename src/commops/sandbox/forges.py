"""GitHub's and GitLab's REST APIs, as far as namespace verification reads them, served from the store.

Under the sandbox's own address, without Zendesk authentication, rate limits or faults::

    /_forges/github/...          api.github.com: users/{name}, users/{user}/repos, orgs/{org}/repos,
                                 repos/{owner}/{repo}
    /_forges/gitlab/api/v4/...   gitlab.com/api/v4: groups/:id, groups/:id/projects, projects/:id,
                                 users?username=, users/:id/projects

Answers have the forges' shapes (the fields commops and common clients read), ``Link`` pagination on
both (GitLab also ``x-page``/``x-next-page``/``x-total``...), and the forges' 404 bodies. The sandbox answers
as the forge answers a token with read access to the namespace: organization and group listings show
private projects and GitHub's ``/users/{org}`` carries ``total_private_repos``; a GitHub user's listing
shows public repositories only, as GitHub's does. Paths are matched case-insensitively; ids are the
store's.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, unquote, urlencode

from werkzeug.wrappers import Request, Response

from commops.sandbox.forgedata import ForgeIndex, GitLabGroup, NamespaceDoc, ProjectDoc

__all__ = ["PREFIX", "answer"]

PREFIX = "/_forges/"
GITHUB_WEB = "https://github.com"
GITLAB_WEB = "https://gitlab.com"
_STAMP = "2024-01-15T09:30:00Z"


class _Missing(Exception):
    def __init__(self, body: dict[str, Any]) -> None:
        super().__init__(str(body))
        self.body = body


def answer(request: Request, index: ForgeIndex) -> Response:
    """The forge answer to ``request`` (its path starts with :data:`PREFIX`)."""
    raw = str(request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI") or quote(request.path))
    segments = [unquote(s) for s in raw.split("?", 1)[0].split("/") if s][1:]  # after "_forges"
    forge, rest = (segments[0], segments[1:]) if segments else ("", [])
    if request.method != "GET":
        return _json(405, {"message": "Method Not Allowed"})
    try:
        if forge == "github":
            return _github(request, index, rest)
        if forge == "gitlab" and rest[:2] == ["api", "v4"]:
            return _gitlab(request, index, rest[2:])
    except _Missing as exc:
        return _json(404, exc.body, _headers(forge))
    return _json(404, {"message": "Not Found"})


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(body), status=status, headers=headers or {},
                    content_type="application/json; charset=utf-8")


def _headers(forge: str) -> dict[str, str]:
    reset = str(int(time.time()) + 3600)
    if forge == "github":
        return {"x-ratelimit-limit": "5000", "x-ratelimit-remaining": "4999", "x-ratelimit-used": "1",
                "x-ratelimit-reset": reset, "x-ratelimit-resource": "core",
                "x-github-api-version-selected": "2022-11-28"}
    return {"ratelimit-limit": "2000", "ratelimit-remaining": "1999", "ratelimit-reset": reset}


def _int(value: str | None, default: int, high: int | None = None) -> int:
    try:
        number = int(value) if value else default
    except ValueError:
        number = default
    number = max(1, number)
    return min(number, high) if high is not None else number


def _page(request: Request, items: list[Any], per_page_default: int, forge: str,
          render: Callable[[Any], dict[str, Any]]) -> Response:
    """One page of ``items`` with the forge's pagination headers; links point back at this sandbox."""
    per_page = _int(request.args.get("per_page"), per_page_default, 100)
    page = _int(request.args.get("page"), 1)
    pages = max(1, -(-len(items) // per_page))
    chunk = [render(item) for item in items[(page - 1) * per_page:page * per_page]]

    def url(number: int) -> str:
        params = {**request.args.to_dict(), "page": str(number), "per_page": str(per_page)}
        return f"{request.base_url}?{urlencode(params)}"

    rels: list[tuple[str, int]] = []
    if page > 1:
        rels += [("prev", page - 1)]
    if page < pages:
        rels += [("next", page + 1)]
    if forge == "gitlab" or page > 1:
        rels += [("first", 1)]
    if forge == "gitlab" or page < pages:
        rels += [("last", pages)]
    headers = _headers(forge)
    if rels:
        headers["Link"] = ", ".join(f'<{url(n)}>; rel="{rel}"' for rel, n in rels)
    if forge == "gitlab":
        headers.update({"x-page": str(page), "x-per-page": str(per_page), "x-total": str(len(items)),
                        "x-total-pages": str(pages), "x-next-page": str(page + 1) if page < pages else "",
                        "x-prev-page": str(page - 1) if page > 1 else ""})
    return _json(200, chunk, headers)


# -- GitHub ---------------------------------------------------------------------------------------

_GH_MISSING = {"message": "Not Found", "documentation_url": "https://docs.github.com/rest", "status": "404"}


def _gh_licence(spdx: str | None) -> dict[str, Any] | None:
    if spdx is None:
        return None
    if spdx == "NOASSERTION":
        return {"key": "other", "name": "Other", "spdx_id": "NOASSERTION", "url": None, "node_id": "MDc6TGljZW5zZTA="}
    key = spdx.lower()
    return {"key": key, "name": spdx, "spdx_id": spdx, "url": f"https://api.github.com/licenses/{key}",
            "node_id": "MDc6TGljZW5zZTE="}


def _gh_owner_ref(ns: NamespaceDoc) -> dict[str, Any]:
    return {"login": ns["path"], "id": ns["id"], "type": "Organization" if ns["kind"] == "organization" else "User",
            "html_url": f"{GITHUB_WEB}/{ns['path']}", "site_admin": False}


def _gh_repo(ns: NamespaceDoc, project: ProjectDoc) -> dict[str, Any]:
    full = f"{ns['path']}/{project['name']}"
    private = project["visibility"] != "public"
    return {
        "id": project["id"], "node_id": f"R_sandbox{project['id']}", "name": project["name"], "full_name": full,
        "private": private, "owner": _gh_owner_ref(ns), "html_url": f"{GITHUB_WEB}/{full}", "description": None,
        "fork": project["fork"], "url": f"https://api.github.com/repos/{full}", "created_at": _STAMP,
        "updated_at": _STAMP, "pushed_at": _STAMP, "homepage": None, "size": 100, "stargazers_count": 0,
        "watchers_count": 0, "language": None, "has_issues": True, "forks_count": 0, "archived": project["archived"],
        "disabled": False, "open_issues_count": 0, "license": _gh_licence(project["license"]),
        "allow_forking": True, "is_template": False, "topics": [], "visibility": project["visibility"],
        "default_branch": "main",
    }


def _gh_owner(index: ForgeIndex, name: str) -> NamespaceDoc:
    ns = index.github_owners.get(name.lower())
    if ns is None:
        raise _Missing(_GH_MISSING)
    return ns


def _github(request: Request, index: ForgeIndex, rest: list[str]) -> Response:
    if len(rest) == 2 and rest[0] == "users":
        ns = _gh_owner(index, rest[1])
        public = [p for p in ns["projects"] if p["visibility"] == "public"]
        body = {**_gh_owner_ref(ns), "name": ns["path"], "public_repos": len(public), "public_gists": 0,
                "followers": 0, "following": 0, "created_at": _STAMP, "updated_at": _STAMP,
                "url": f"https://api.github.com/users/{ns['path']}"}
        if ns["kind"] == "organization":  # what an organization member's token sees
            private = len(ns["projects"]) - len(public)
            body.update(total_private_repos=private, owned_private_repos=private)
        return _json(200, body, _headers("github"))
    if len(rest) == 3 and rest[0] in ("users", "orgs") and rest[2] == "repos":
        ns = _gh_owner(index, rest[1])
        if rest[0] == "orgs" and ns["kind"] != "organization":
            raise _Missing(_GH_MISSING)
        kind = request.args.get("type", "all")
        repos = [p for p in ns["projects"] if rest[0] == "orgs" or p["visibility"] == "public"]
        if kind == "public":
            repos = [p for p in repos if p["visibility"] == "public"]
        elif kind == "private":
            repos = [p for p in repos if p["visibility"] != "public"]
        elif kind == "forks":
            repos = [p for p in repos if p["fork"]]
        elif kind == "sources":
            repos = [p for p in repos if not p["fork"]]
        repos.sort(key=lambda p: str(p["name"]).lower())  # GitHub's default sort for these is full_name
        return _page(request, repos, 30, "github", lambda p: _gh_repo(ns, p))
    if len(rest) == 3 and rest[0] == "repos":
        found = index.github_repos.get(f"{rest[1]}/{rest[2]}".lower())
        if found is None:
            raise _Missing(_GH_MISSING)
        return _json(200, _gh_repo(*found), _headers("github"))
    raise _Missing(_GH_MISSING)


# -- GitLab ---------------------------------------------------------------------------------------


def _gl_group_body(group: GitLabGroup) -> dict[str, Any]:
    name = group.full_path.rsplit("/", 1)[-1]
    return {"id": group.id, "web_url": f"{GITLAB_WEB}/groups/{group.full_path}", "name": name, "path": name,
            "description": "", "visibility": "public", "full_name": group.full_path.replace("/", " / "),
            "full_path": group.full_path, "created_at": "2024-01-15T09:30:00.000Z", "parent_id": group.parent_id,
            "avatar_url": None}


def _gl_project(index: ForgeIndex, key: str, *, licence: bool) -> dict[str, Any]:
    ns, project = index.gitlab_projects[key]
    full = f"{ns['path']}/{project['name']}"
    namespace, _, path = full.rpartition("/")
    group = index.gitlab_groups.get(namespace.lower())
    body: dict[str, Any] = {
        "id": project["id"], "description": None, "name": path, "name_with_namespace": full.replace("/", " / "),
        "path": path, "path_with_namespace": full, "created_at": "2024-01-15T09:30:00.000Z",
        "default_branch": "main", "tag_list": [], "topics": [],
        "http_url_to_repo": f"{GITLAB_WEB}/{full}.git", "web_url": f"{GITLAB_WEB}/{full}",
        "last_activity_at": "2026-01-15T09:30:00.000Z", "visibility": project["visibility"],
        "archived": project["archived"], "empty_repo": False,
        "namespace": {"id": group.id if group else ns["id"], "name": namespace.rsplit("/", 1)[-1],
                      "path": namespace.rsplit("/", 1)[-1], "kind": "group" if group else "user",
                      "full_path": namespace, "parent_id": group.parent_id if group else None,
                      "web_url": f"{GITLAB_WEB}/{'groups/' if group else ''}{namespace}"},
    }
    if project["fork"]:
        body["forked_from_project"] = {"id": 1, "path_with_namespace": f"upstream/{path}"}
    if licence:
        spdx = project["license"]
        key_name = "other" if spdx == "NOASSERTION" else (spdx or "").lower()
        body["license_url"] = f"{GITLAB_WEB}/{full}/-/blob/main/LICENSE" if spdx else None
        body["license"] = ({"key": key_name, "name": spdx, "nickname": None,
                            "html_url": f"https://opensource.org/licenses/{spdx}", "source_url": None}
                           if spdx else None)
    return body


def _gl_group(index: ForgeIndex, ident: str) -> GitLabGroup:
    group = index.gitlab_group_ids.get(int(ident)) if ident.isdigit() else index.gitlab_groups.get(ident.lower())
    if group is None:
        raise _Missing({"message": "404 Group Not Found"})
    return group


def _gl_user(index: ForgeIndex, ident: str) -> NamespaceDoc:
    user = index.gitlab_user_ids.get(int(ident)) if ident.isdigit() else index.gitlab_users.get(ident.lower())
    if user is None:
        raise _Missing({"message": "404 User Not Found"})
    return user


def _gl_listing(request: Request, index: ForgeIndex, keys: list[str]) -> Response:
    if request.args.get("order_by", "created_at") in ("id", "created_at"):
        keys = sorted(keys, key=lambda k: int(index.gitlab_projects[k][1]["id"]))
    else:  # name, path, ...
        keys = sorted(keys)
    if request.args.get("sort", "desc" if request.args.get("order_by") is None else "asc") == "desc":
        keys.reverse()
    return _page(request, keys, 20, "gitlab", lambda k: _gl_project(index, k, licence=False))


def _gitlab(request: Request, index: ForgeIndex, rest: list[str]) -> Response:
    if rest[:1] == ["groups"] and len(rest) in (2, 3):
        group = _gl_group(index, rest[1])
        if len(rest) == 2:
            return _json(200, _gl_group_body(group), _headers("gitlab"))
        if rest[2] != "projects":
            raise _Missing({"message": "404 Not found"})
        prefix = group.full_path.lower() + "/"
        subgroups = request.args.get("include_subgroups", "false") == "true"
        keys = [k for k in index.gitlab_projects
                if k.startswith(prefix) and (subgroups or "/" not in k[len(prefix):])]
        return _gl_listing(request, index, keys)
    if rest[:1] == ["projects"] and len(rest) == 2:
        key = index.gitlab_project_ids.get(int(rest[1])) if rest[1].isdigit() else rest[1].lower()
        if key is None or key not in index.gitlab_projects:
            raise _Missing({"message": "404 Project Not Found"})
        return _json(200, _gl_project(index, key, licence=request.args.get("license") == "true"),
                     _headers("gitlab"))
    if rest == ["users"]:
        user = index.gitlab_users.get(request.args.get("username", "").lower())
        found = [] if user is None else [{"id": user["id"], "username": user["path"], "name": user["path"].title(),
                                         "state": "active", "locked": False, "avatar_url": None,
                                         "web_url": f"{GITLAB_WEB}/{user['path']}"}]
        return _json(200, found, _headers("gitlab"))
    if rest[:1] == ["users"] and len(rest) == 3 and rest[2] == "projects":
        user = _gl_user(index, rest[1])
        prefix = user["path"].lower() + "/"
        return _gl_listing(request, index, [k for k in index.gitlab_projects if k.startswith(prefix)])
    raise _Missing({"message": "404 Not found"})
