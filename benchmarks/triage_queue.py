"""Benchmark: Zendesk requests per 1,000 applications, commops versus a naive per-ticket zenpy loop.

Run: ``python benchmarks/triage_queue.py --applications 10000 --naive-sample 200 --token-ttl 60``.

Both run against the embedded sandbox over real HTTP, with the plan's rate limits on (Enterprise by
default: 700 requests/minute, 100 ticket updates/minute). commops runs an unattended apply of the whole
queue (``--offline``: forge lookups are not Zendesk requests). The naive loop is what a script written
straight on zenpy does, one ticket at a time: fetch the ticket, preview the macro, PUT the update. It runs
on ``--naive-sample`` fresh applications and is scaled to 1,000. Requests are counted by the sandbox
(server side), so both are measured the same way — OAuth token requests (``POST /oauth/tokens``)
included: commops authenticates with the sandbox's OAuth client, whose tokens live ``--token-ttl``
seconds, and renews them as they expire. The budget is 25 requests per 1,000 applications, tokens
included (``within_budget``). Prints one JSON document.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from commops.bootstrap import open_triage, sandbox_settings
from commops.config import load_settings
from commops.sandbox import SandboxServer
from commops.sandbox.limits import PLANS, SEARCH_EXPORT, TICKET_UPDATE
from commops.services.runs import run_unattended
from commops.services.triage import TriageOptions

# A naive script picks the welcome macro of the ticket's program; the choice does not change the count.
NAIVE_MACROS = {
    "education": "EDU::Qualified - welcome",
    "open_source": "OSS::Qualified - welcome",
    "startups": "Startups::Qualified - seed stage",
}


def endpoint(method: str, path: str) -> str:
    path = path.split("?", 1)[0].removeprefix("/api/v2/").removesuffix(".json").lstrip("/")
    path = re.sub(r"/\d+", "/{id}", path)
    return f"{method} /{path}"


def floor_seconds(log: list[tuple[str, str, int]], plan: str) -> float:
    """The least time the plan's limits allow for these requests (account-wide and endpoint windows)."""
    total = len(log)
    single = re.compile(r"/api/v2/tickets/\d+(\.json)?$")
    ticket_puts = sum(1 for m, p, _ in log if m == "PUT" and single.match(p.split("?")[0]))
    exports = sum(1 for m, p, _ in log if m == "GET" and "/search/export" in p)
    minutes = max(total / PLANS[plan], ticket_puts / TICKET_UPDATE[1], exports / SEARCH_EXPORT[1])
    return round(minutes * 60, 3)


def run_commops(server: SandboxServer, home: Path, applications: int) -> dict[str, Any]:
    os.environ["COMMOPS_HOME"] = str(home)
    settings = sandbox_settings(load_settings(), server.url)
    before = len(server.request_log())
    started = time.perf_counter()
    with open_triage(settings, notice=lambda _m: None, offline=True) as ports:
        summary = run_unattended(ports, TriageOptions(), max_writes=10**9, max_reject_share=1.0)
    wall = time.perf_counter() - started
    log = server.request_log()[before:]
    counts = Counter(endpoint(m, p) for m, p, _ in log)
    return {
        "wall_s": round(wall, 3),
        "requests": len(log),
        "requests_by_endpoint": dict(sorted(counts.items())),
        "status_429": sum(1 for _m, _p, s in log if s == 429),
        "applied": sum(1 for r in summary.results if r.status == "applied"),
        "outcomes": summary.batch.counts(),
        "log": log,
    }


def run_naive(server: SandboxServer, ticket_ids: list[int]) -> dict[str, Any]:
    from zenpy import Zenpy  # a naive script, written straight on zenpy

    host = server.url.split("://", 1)[1]
    os.environ["ZENPY_FORCE_SCHEME"], os.environ["ZENPY_FORCE_NETLOC"] = "http", host
    client = Zenpy(subdomain="sandbox", email="agent@example.com", token="sandbox")
    settings = load_settings()
    form_program = {p.form_id: name for name, p in settings.programs.items()}
    macros = {m.title: m for m in client.macros()}
    me = client.users.me()
    before = len(server.request_log())
    started = time.perf_counter()
    for ticket_id in ticket_ids:
        ticket = client.tickets(id=ticket_id)
        program = form_program.get(ticket.ticket_form_id)
        if program is None:
            continue
        effect = client.tickets.show_macro_effect(ticket, macros[NAIVE_MACROS[program]])
        if effect.ticket.comment is not None and effect.ticket.comment.author_id is None:
            effect.ticket.comment.author_id = me.id
        client.tickets.update(effect.ticket)
    wall = time.perf_counter() - started
    log = server.request_log()[before:]
    return {"wall_s": wall, "requests": len(log), "status_429": sum(1 for *_x, s in log if s == 429)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--applications", type=int, default=10_000)
    parser.add_argument("--naive-sample", type=int, default=200)
    parser.add_argument("--plan", default="enterprise", choices=sorted(PLANS))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--token-ttl", type=float, default=60.0, help="OAuth access-token lifetime (s)")
    parser.add_argument("--budget-per-1000", type=float, default=25.0)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        with SandboxServer(home / "sandbox.sqlite3", plan=args.plan, limits=True, job_delay_s=0.5,
                           token_ttl_s=args.token_ttl) as server:
            server.store.reset()
            server.store.seed(args.applications, args.seed)
            commops = run_commops(server, home, args.applications)
            naive_ids = server.store.seed(args.naive_sample, args.seed + 1) if args.naive_sample else []
            naive = run_naive(server, naive_ids) if naive_ids else None
    log = commops.pop("log")
    per_1000 = 1000 / max(args.applications, 1)
    result: dict[str, Any] = {
        "applications": args.applications,
        "plan": args.plan,
        "wall_s": commops["wall_s"],
        "floor_s": floor_seconds(log, args.plan),
        "requests": commops["requests"],
        "requests_by_endpoint": commops["requests_by_endpoint"],
        "requests_per_1000": round(commops["requests"] * per_1000, 2),
        "token_ttl_s": args.token_ttl,
        "token_requests": commops["requests_by_endpoint"].get("POST /oauth/tokens", 0),
        "budget_per_1000": args.budget_per_1000,
        "within_budget": commops["requests"] * per_1000 <= args.budget_per_1000,
        "status_429": commops["status_429"],
        "applied": commops["applied"],
        "outcomes": commops["outcomes"],
        "naive_sample": args.naive_sample,
        "naive_requests_per_1000": round(naive["requests"] * 1000 / len(naive_ids), 2) if naive else None,
        "naive_wall_s_per_1000": round(naive["wall_s"] * 1000 / len(naive_ids), 3) if naive else None,
        "naive_status_429": naive["status_429"] if naive else None,
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    json.dump(result, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
