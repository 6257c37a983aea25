"""Benchmark: a 1,000-application Open Source queue's namespace lookups with a warm cache cost no request.

Run: ``python benchmarks/verify_cache.py [--applications N]``. Prints one JSON object and exits 1 if the
warm pass sent any request. The forges are a counting in-process transport (no network): the cold pass
fills the cache through the real verifier, the warm pass runs ``verify_applications`` as triage does,
with a transport that counts (and refuses) every request.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import zlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from commops.config import VerifySettings
from commops.domain import Application
from commops.verify import NamespaceVerifier, open_cache, verify_applications

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


class CountingForge(httpx.BaseTransport):
    """GitHub and GitLab in the shapes their APIs answer, just enough of them; counts every request."""

    def __init__(self, *, refuse: bool = False) -> None:
        self.requests = 0
        self.refuse = refuse

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        if self.refuse:
            raise httpx.ConnectError("the warm pass must not reach the network", request=request)
        path = request.url.path
        parts = path.strip("/").split("/")
        if request.url.host == "api.github.com":
            if parts[0] == "users" and len(parts) == 2:
                return httpx.Response(200, json={"login": parts[1], "type": "Organization", "public_repos": 2})
            if parts[0] == "orgs":
                org = parts[1]
                docs = "BUSL-1.1" if org.endswith("5") else "BSD-3-Clause"  # some namespaces fail the check
                return httpx.Response(200, json=[_gh_repo(f"{org}/core", "MIT"), _gh_repo(f"{org}/docs", docs)])
        if request.url.host == "gitlab.com":
            if parts[2] == "groups" and len(parts) == 4:
                return httpx.Response(200, json={"id": zlib.crc32(parts[3].encode()) % 10**6, "full_path": parts[3]})
            if parts[2] == "groups" and parts[-1] == "projects":
                pid = int(parts[3])
                return httpx.Response(
                    200,
                    json=[{"id": pid, "path_with_namespace": f"g{pid}/app", "visibility": "public", "archived": False}],
                    headers={"x-next-page": ""},
                )
            if parts[2] == "projects":
                return httpx.Response(200, json={"id": int(parts[3]), "license": {"key": "apache-2.0"}})
        return httpx.Response(404, json={"message": "Not Found"})


def _gh_repo(full_name: str, spdx: str) -> dict[str, Any]:
    return {
        "full_name": full_name,
        "private": False,
        "visibility": "public",
        "fork": False,
        "archived": False,
        "license": {"key": spdx.lower(), "spdx_id": spdx},
    }


def _applications(n: int) -> list[Application]:
    apps = []
    for i in range(n):
        url = f"https://github.com/oss-{i}" if i % 2 else f"https://gitlab.com/oss-group-{i}"
        apps.append(
            Application(
                ticket_id=10_000 + i,
                program="open_source",
                fields={"namespace_url": url, "license": "MIT"},
                created_at=NOW,
                updated_at=NOW,
            )
        )
    return apps


def run(n: int, home: Path) -> dict[str, Any]:
    settings = VerifySettings()
    apps = _applications(n)

    def needed(app: Application) -> set[str]:
        return {"namespace"}

    with open_cache(home / "verify-cache.sqlite3") as cache:
        cold_forge = CountingForge()
        cold = NamespaceVerifier(settings, cache=cache, transport=cold_forge, clock=lambda: NOW)
        started = time.perf_counter()
        cold_apps = verify_applications(apps, cold, needed)
        cold_s = time.perf_counter() - started

        warm_forge = CountingForge(refuse=True)
        warm = NamespaceVerifier(settings, cache=cache, transport=warm_forge, clock=lambda: NOW)
        started = time.perf_counter()
        warm_apps = verify_applications(apps, warm, needed)
        warm_s = time.perf_counter() - started

    statuses: dict[str, int] = {}
    for app in warm_apps:
        status = app.verifications["namespace"].status.value
        statuses[status] = statuses.get(status, 0) + 1
    same = all(
        a.verifications["namespace"].status == b.verifications["namespace"].status
        for a, b in zip(cold_apps, warm_apps, strict=True)
    )
    return {
        "applications": n,
        "network_requests": warm_forge.requests,
        "warm_from_cache": sum(a.verifications["namespace"].from_cache for a in warm_apps),
        "warm_same_statuses_as_cold": same,
        "warm_seconds": round(warm_s, 4),
        "warm_ms_per_application": round(1000 * warm_s / max(n, 1), 4),
        "cold_requests": cold_forge.requests,
        "cold_seconds": round(cold_s, 4),
        "statuses": statuses,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--applications", type=int, default=1000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="commops-bench-") as tmp:
        os.environ["COMMOPS_HOME"] = tmp
        result = run(args.applications, Path(tmp))
    print(json.dumps(result))
    return 0 if result["network_requests"] == 0 and result["warm_from_cache"] == args.applications else 1


if __name__ == "__main__":
    sys.exit(main())
