"""Benchmark: what the account's run lease costs in Zendesk requests (and wall time), per run and per minute.

Run: ``python benchmarks/lease.py --runs 5 --renewals 3``.

Against the embedded sandbox over real HTTP (requests counted by the sandbox, server side): the first run
on an account creates the lease ticket; every later run reads it, swaps it (safe_update), reads it again
once Zendesk's one-second stamp moved on, and releases it; a long run renews it at most once per
``[lease] renew_every_s`` (a read and a swap); a run refused because another holds it costs one read per
``--wait`` poll. Prints one JSON document.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from contextlib import suppress
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from commops.bootstrap import sandbox_settings
from commops.config import load_settings
from commops.domain.lease import LeaseOwner
from commops.errors import LockedError
from commops.sandbox import SandboxServer
from commops.zendesk import ZendeskGateway
from commops.zendesk.lease import ZendeskLease


def _count(server: SandboxServer, since: int) -> dict[str, int]:
    def endpoint(path: str) -> str:
        path = path.split("?", 1)[0].removeprefix("/api/v2/").removesuffix(".json")
        return "/tickets/{id}" if path.startswith("tickets/") else f"/{path}"

    return dict(Counter(f"{m} {endpoint(p)}" for m, p, _s in server.request_log()[since:]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--renewals", type=int, default=3, help="renewals in one long run")
    args = parser.parse_args(argv)
    clock = [datetime(2026, 12, 2, 14, 0, tzinfo=UTC)]

    with tempfile.TemporaryDirectory() as tmp, \
            SandboxServer(Path(tmp) / "sandbox.sqlite3", limits=False) as server:
        server.store.reset()
        settings = sandbox_settings(load_settings(), server.url)
        with ZendeskGateway(settings) as gateway:
            gateway.me()  # the token and who-am-i are the run's anyway, not the lease's

            def lease(host: str) -> ZendeskLease:
                return ZendeskLease(gateway.http, settings, clock=lambda: clock[0],
                                    owner=lambda run: LeaseOwner(host=host, pid=1, run=run))

            mark = len(server.request_log())
            started = time.perf_counter()
            first = lease("cron-a")
            first.release(first.acquire("run-0", wait_s=0))
            create = {"requests": len(server.request_log()) - mark, "by_endpoint": _count(server, mark),
                      "wall_s": round(time.perf_counter() - started, 3)}

            mark = len(server.request_log())
            started = time.perf_counter()
            for n in range(args.runs):
                first.release(first.acquire(f"run-{n + 1}", wait_s=0))
            per_run = (len(server.request_log()) - mark) / max(args.runs, 1)
            run_wall = (time.perf_counter() - started) / max(args.runs, 1)

            hold = first.acquire("long", wait_s=0)
            mark = len(server.request_log())
            for _ in range(args.renewals):
                clock[0] += timedelta(seconds=settings.lease.renew_every_s)
                hold.beat()
            per_renewal = (len(server.request_log()) - mark) / max(args.renewals, 1)

            mark = len(server.request_log())
            with suppress(LockedError):
                lease("cron-b").acquire("refused", wait_s=0)
            refused = len(server.request_log()) - mark
            first.release(hold)

    result: dict[str, Any] = {
        "first_run_creates_ticket": create,
        "requests_per_run": per_run,
        "wall_s_per_run": round(run_wall, 3),
        "settle_s": settings.lease.settle_s,
        "requests_per_renewal": per_renewal,
        "renew_every_s": settings.lease.renew_every_s,
        "requests_per_hour_of_running": round(per_renewal * 3600 / settings.lease.renew_every_s, 1),
        "requests_when_refused": refused,
        "ticket_updates_per_10_min_at_most": round(600 / settings.lease.renew_every_s + 2, 1),
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    json.dump(result, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
