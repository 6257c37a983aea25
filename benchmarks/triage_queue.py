"""Benchmark: an unattended run over a whole queue, commops alone, against the rate-limit floor.

Run (the figures docs/zendesk.md quotes):

    python benchmarks/triage_queue.py --applications 10000
    python benchmarks/triage_queue.py --applications 10000 --pessimistic
    python benchmarks/triage_queue.py --applications 100000 --naive-sample 0

Three kinds of process, each measured on its own: the sandbox (``commops sandbox serve``, the plan's
rate limits on: Enterprise by default, 700 requests/minute, 100 ticket updates/minute), commops
(``commops triage --apply --unattended --offline``, exactly as cron runs it, pointed at the sandbox by
``COMMOPS_ZENDESK_URL`` and its OAuth client) and the naive anchor (a script written straight on zenpy:
fetch the ticket, preview the macro, PUT the update, one ticket at a time, run on ``--naive-sample``
fresh applications of a second sandbox and scaled to 1,000). commops' wall time, CPU time (user + system)
and peak RSS come from ``os.wait4`` on its process (its RSS also sampled from ``/proc`` every 0.2 s);
the sandbox's are reported apart. Requests are counted by the sandbox (server side, ``--request-log``),
OAuth token requests included; ``floor_s`` is the least time the plan's limits allow for those requests,
``wall_over_floor`` the ratio (target 1.5), ``requests_per_1000`` the budget (target 25).

The seeded sandbox is cached (``--cache-dir``, default ``~/.cache/commops-benchmarks``): a queue of a
given size and seed is generated once and copied for each run. Prints one JSON document.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from commops.sandbox.limits import PLANS, SEARCH_EXPORT, TICKET_UPDATE

# A naive script picks the welcome macro of the ticket's program; the choice does not change the count.
NAIVE_MACROS = {
    "education": "EDU::Qualified - welcome",
    "open_source": "OSS::Qualified - welcome",
    "startups": "Startups::Qualified - seed stage",
}
SANDBOX_CLIENT = ("commops-sandbox", "sandbox-client-secret")  # the sandbox's seeded OAuth client (public)
MB = 1024 * 1024


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


def seeded_db(cache: Path, applications: int, seed: int) -> tuple[Path, bool, float]:
    """A sandbox database holding the reference account and ``applications`` seeded tickets: generated
    once per size and seed, then reused. Returns (path, reused, seconds spent seeding)."""
    from commops.sandbox import SandboxStore

    target = cache / f"sandbox-{applications}-seed{seed}.sqlite3"
    if target.exists():
        return target, True, 0.0
    cache.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    partial = target.with_suffix(f".{os.getpid()}.partial")
    store = SandboxStore(partial)
    store.reset()
    store.seed(applications, seed)
    store.close()
    for suffix in ("-wal", "-shm"):  # a checkpointed, closed database is one file
        Path(str(partial) + suffix).unlink(missing_ok=True)
    partial.replace(target)
    return target, False, round(time.perf_counter() - started, 3)


class Measured:
    """A child process with its wall time, rusage (``os.wait4``) and RSS samples from ``/proc``."""

    def __init__(self, argv: list[str], env: dict[str, str], *, stdout: Any = subprocess.PIPE,
                 sample: bool = False) -> None:
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(argv, env=env, stdout=stdout, stderr=subprocess.PIPE, text=True)
        self.samples: list[tuple[float, int]] = []
        self._stop = threading.Event()
        self._sampler = threading.Thread(target=self._sample, daemon=True) if sample else None
        if self._sampler is not None:
            self._sampler.start()

    def _sample(self) -> None:
        status = Path(f"/proc/{self.proc.pid}/status")
        while not self._stop.wait(0.2):
            try:
                text = status.read_text()
            except OSError:
                return
            found = re.search(r"^VmRSS:\s+(\d+) kB", text, re.M)
            if found:
                self.samples.append((time.perf_counter() - self.started, int(found.group(1)) * 1024))

    def wait(self, timeout: float | None = None) -> dict[str, Any]:
        """Reap the process: its exit code, wall time, CPU times and peak RSS."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            pid, status, usage = os.wait4(self.proc.pid, os.WNOHANG)
            if pid:
                break
            if deadline is not None and time.monotonic() > deadline:
                self.proc.kill()
            time.sleep(0.05)
        wall = time.perf_counter() - self.started
        self._stop.set()
        self.proc.returncode = os.waitstatus_to_exitcode(status)
        out = self.proc.stdout.read() if self.proc.stdout else ""
        err = self.proc.stderr.read() if self.proc.stderr else ""
        return {
            "exit_code": self.proc.returncode,
            "wall_s": round(wall, 3),
            "cpu_s": round(usage.ru_utime + usage.ru_stime, 3),
            "user_s": round(usage.ru_utime, 3),
            "system_s": round(usage.ru_stime, 3),
            "peak_rss_mb": round(usage.ru_maxrss * 1024 / MB, 1),  # Linux: ru_maxrss is in KiB
            "stdout": out,
            "stderr": err,
        }


def commops(*args: str) -> list[str]:
    return [sys.executable, "-m", "commops", *args]


def start_sandbox(home: Path, plan: str, token_ttl: float, pessimistic: bool, log: Path) -> tuple[Measured, str]:
    """``commops sandbox serve`` on a free port; returns it and its URL once it listens."""
    env = {**os.environ, "COMMOPS_HOME": str(home)}
    argv = commops("sandbox", "serve", "--port", "0", "--plan", plan, "--token-ttl", f"{token_ttl:g}",
                   "--request-log", str(log), "--pessimistic" if pessimistic else "--optimistic")
    server = Measured(argv, env)
    assert server.proc.stdout is not None
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        line = server.proc.stdout.readline()
        found = re.search(r"listening on (http://\S+)", line)
        if found:
            return server, found.group(1)
        if not line and server.proc.poll() is not None:
            break
    server.proc.kill()
    raise SystemExit(f"the sandbox did not start: {server.wait()['stderr'][-2000:]}")


def stop_sandbox(server: Measured, log: Path) -> tuple[dict[str, Any], list[tuple[str, str, int]]]:
    server.proc.send_signal(signal.SIGINT)
    figures = server.wait(timeout=60)
    rows = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines() if line.strip()]
    return figures, [(r["method"], r["path"], int(r["status"])) for r in rows]


def run_commops(url: str, home: Path) -> dict[str, Any]:
    """``commops triage --apply --unattended --offline`` against the sandbox, as cron runs it."""
    client_id, client_secret = SANDBOX_CLIENT
    env = {**os.environ, "COMMOPS_HOME": str(home), "COMMOPS_ZENDESK_URL": url,
           "COMMOPS_ZENDESK_CLIENT_ID": client_id, "COMMOPS_ZENDESK_CLIENT_SECRET": client_secret,
           "COMMOPS_UNATTENDED_MAX_REJECT_SHARE": "1.0"}
    env.pop("COMMOPS_CONFIG", None)
    child = Measured(commops("triage", "--apply", "--unattended", "--offline", "--max-writes", str(10**9)), env,
                     sample=True)
    figures = child.wait()
    figures["rss_samples"] = child.samples
    return figures


NAIVE_LOOP = '''
import json, sys, time
from zenpy import Zenpy
args = json.loads(sys.argv[1])
client = Zenpy(subdomain="sandbox", email="agent@example.com", token="sandbox")
macros = {m.title: m for m in client.macros()}
me = client.users.me()
started = time.perf_counter()
for ticket_id in args["ids"]:
    ticket = client.tickets(id=ticket_id)
    program = args["forms"].get(str(ticket.ticket_form_id))
    if program is None:
        continue
    effect = client.tickets.show_macro_effect(ticket, macros[args["macros"][program]])
    if effect.ticket.comment is not None and effect.ticket.comment.author_id is None:
        effect.ticket.comment.author_id = me.id
    client.tickets.update(effect.ticket)
print(json.dumps({"loop_s": time.perf_counter() - started}))
'''


def run_naive(home: Path, sample: int, seed: int, plan: str) -> dict[str, Any]:
    """The anchor: a naive per-ticket zenpy loop in a process (and a sandbox) of its own."""
    from commops.config import load_settings
    from commops.sandbox import SandboxStore

    store = SandboxStore(home / "sandbox.sqlite3")
    store.reset()
    ids = store.seed(sample, seed)
    store.close()
    log = home / "naive-requests.jsonl"
    server, url = start_sandbox(home, plan, 1800.0, False, log)
    try:
        host = url.split("://", 1)[1]
        settings = load_settings()
        forms = {str(p.form_id): name for name, p in settings.programs.items()}
        env = {**os.environ, "ZENPY_FORCE_SCHEME": "http", "ZENPY_FORCE_NETLOC": host}
        argument = json.dumps({"ids": ids, "forms": forms, "macros": NAIVE_MACROS})
        naive = Measured([sys.executable, "-c", NAIVE_LOOP, argument], env).wait()
    finally:
        _, requests = stop_sandbox(server, log)
    if naive["exit_code"] != 0:
        raise SystemExit(f"the naive loop failed: {naive['stderr'][-2000:]}")
    calls = [r for r in requests if r[1].split("?")[0] not in ("/api/v2/macros.json", "/api/v2/users/me.json")]
    loop_s = json.loads(naive["stdout"].strip().splitlines()[-1])["loop_s"]
    return {"requests": len(calls), "wall_s": loop_s, "status_429": sum(1 for *_x, s in calls if s == 429),
            "tickets": len(ids)}


def summarise_rss(samples: list[tuple[float, int]], points: int = 12) -> dict[str, float]:
    """The RSS curve as ``{"<seconds>s": MB}``, at most ``points`` samples evenly spread, the peak kept."""
    if not samples:
        return {}
    step = max(1, len(samples) // points)
    chosen = samples[::step]
    peak = max(samples, key=lambda s: s[1])
    if peak not in chosen:
        chosen.append(peak)
    return {f"{t:.1f}s": round(rss / MB, 1) for t, rss in sorted(chosen)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--applications", type=int, default=10_000)
    parser.add_argument("--naive-sample", type=int, default=200, help="tickets for the naive loop (0: skip it)")
    parser.add_argument("--plan", default="enterprise", choices=sorted(PLANS))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--token-ttl", type=float, default=60.0, help="OAuth access-token lifetime (s)")
    parser.add_argument("--pessimistic", action="store_true",
                        help="the sandbox ignores safe_update inside update_many, as Zendesk may")
    parser.add_argument("--budget-per-1000", type=float, default=25.0)
    parser.add_argument("--cache-dir", type=Path, default=Path.home() / ".cache" / "commops-benchmarks",
                        help="where seeded sandboxes are kept between runs")
    args = parser.parse_args(argv)
    n = args.applications
    load_before = [round(x, 2) for x in os.getloadavg()]

    cached, reused, seed_s = seeded_db(args.cache_dir, n, args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        sandbox_home, commops_home, naive_home = Path(tmp, "sandbox"), Path(tmp, "commops"), Path(tmp, "naive")
        for home in (sandbox_home, commops_home, naive_home):
            home.mkdir()
        shutil.copyfile(cached, sandbox_home / "sandbox.sqlite3")
        log = sandbox_home / "requests.jsonl"
        server, url = start_sandbox(sandbox_home, args.plan, args.token_ttl, args.pessimistic, log)
        try:
            run = run_commops(url, commops_home)
        finally:
            sandbox, requests = stop_sandbox(server, log)
        if run["exit_code"] != 0:
            raise SystemExit(f"commops failed (exit {run['exit_code']}): {run['stderr'][-3000:]}")
        summary = json.loads(run["stdout"].strip().splitlines()[-1])
        naive = run_naive(naive_home, args.naive_sample, args.seed + 1, args.plan) if args.naive_sample else None

    counts = Counter(endpoint(m, p) for m, p, _ in requests)
    per_1000 = 1000 / max(n, 1)
    floor = floor_seconds(requests, args.plan)
    result: dict[str, Any] = {
        "applications": n,
        "plan": args.plan,
        "pessimistic": args.pessimistic,
        "wall_s": run["wall_s"],
        "floor_s": floor,
        "wall_over_floor": round(run["wall_s"] / floor, 2) if floor else None,
        "requests": len(requests),
        "requests_by_endpoint": dict(sorted(counts.items())),
        "requests_per_1000": round(len(requests) * per_1000, 2),
        "token_ttl_s": args.token_ttl,
        "token_requests": counts.get("POST /oauth/tokens", 0),
        "budget_per_1000": args.budget_per_1000,
        "within_budget": len(requests) * per_1000 <= args.budget_per_1000,
        "status_429": sum(1 for _m, _p, s in requests if s == 429),
        "applied": summary.get("applied"),
        "outcomes": summary.get("outcomes"),
        "commops": {
            "command": "commops triage --apply --unattended --offline",
            "wall_s": run["wall_s"], "cpu_s": run["cpu_s"], "user_s": run["user_s"], "system_s": run["system_s"],
            "peak_rss_mb": run["peak_rss_mb"],
            "rss_per_1000_mb": round(run["peak_rss_mb"] * per_1000, 2),
            "rss_mb_over_time": summarise_rss(run["rss_samples"]),
        },
        "sandbox": {"command": "commops sandbox serve", "cpu_s": sandbox["cpu_s"],
                    "peak_rss_mb": sandbox["peak_rss_mb"]},
        "seed": {"cached": str(cached), "reused": reused, "seconds": seed_s},
        "naive_sample": args.naive_sample,
        "naive_requests_per_1000": round(naive["requests"] * 1000 / naive["tickets"], 2) if naive else None,
        "naive_wall_s_per_1000": round(naive["wall_s"] * 1000 / naive["tickets"], 3) if naive else None,
        "naive_status_429": naive["status_429"] if naive else None,
        "load_average_before": load_before,
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "cpus": os.cpu_count(),
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    json.dump(result, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
