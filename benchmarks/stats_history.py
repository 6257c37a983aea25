"""Benchmark: a 100,000-ticket history through the statistics aggregator and the CSV and HTML renderers.

Run: ``python benchmarks/stats_history.py [--tickets N] [--max-memory-mb M]``. Prints one JSON object.
Records are generated lazily (as the Zendesk pages would stream them), so peak memory is the
aggregator's and the renderers', not the history's. Exits 1 when the traced peak exceeds the target.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from commops.domain.calendar import BusinessCalendar
from commops.reports import (
    DecisionEvent,
    SlaPolicy,
    StatsAggregator,
    TicketRecord,
    render_html,
    render_json,
    write_ticket_csv,
)

AS_OF = date(2026, 11, 20)
PROGRAMS = ("education", "open_source", "startups")
RULES = {
    "reject": ("edu_reject_students", "edu_reject_use_case", "oss_reject_license", "startups_reject_funding"),
    "ask": ("edu_ask_email", "edu_ask_nonprofit", "oss_ask_links", "startups_ask_funding", "common_ask_renewal"),
    "escalate": ("common_trade_compliance", "common_public_sector", "startups_early_stage"),
}


def history(tickets: int, *, weeks: int = 52, seed: int = 1) -> Iterator[TicketRecord]:
    """A year of applications: most decided by unattended runs, some by specialists, some still open."""
    rng = random.Random(seed)
    start = datetime.combine(AS_OF - timedelta(weeks=weeks), datetime.min.time(), tzinfo=UTC)
    span = weeks * 7 * 24 * 3600
    for i in range(tickets):
        created = start + timedelta(seconds=rng.randrange(span))
        events: list[DecisionEvent] = []
        at = created
        for _ in range(rng.choice((0, 1, 1, 1, 2))):
            at += timedelta(hours=rng.randrange(1, 24 * 12))
            outcome = rng.choices(("qualify", "reject", "ask", "escalate"), weights=(5, 2, 3, 1))[0]
            actor = rng.choices(("unattended", "commops_specialist", "zendesk_specialist"), weights=(6, 3, 1))[0]
            rules = tuple(rng.sample(RULES[outcome], 1)) if outcome in RULES else ()
            events.append(DecisionEvent(outcome, at, actor, rules))  # type: ignore[arg-type]
        final = any(e.outcome in ("qualify", "reject") for e in events)
        status = "solved" if final else rng.choice(("new", "open", "pending", "hold", "solved"))
        yield TicketRecord(
            ticket_id=100_000 + i,
            program=rng.choice(PROGRAMS),
            status=status,
            created_at=created,
            requester_name=f"Applicant {i}",
            requester_email=f"applicant{i}@example.edu",
            decisions=tuple(events),
        )


def run(tickets: int) -> dict[str, Any]:
    policy = SlaPolicy(BusinessCalendar("US"), holiday_country="US")
    tracemalloc.start()
    began = time.perf_counter()

    aggregator = StatsAggregator(policy, AS_OF)
    for record in history(tickets):
        aggregator.add(record)
    report = aggregator.report(generated_at=datetime.now(UTC), until=AS_OF)
    aggregate_s = time.perf_counter() - began

    with tempfile.TemporaryDirectory() as tmp:
        csv_path, html_path = Path(tmp) / "tickets.csv", Path(tmp) / "stats.html"
        mark = time.perf_counter()
        with csv_path.open("w", encoding="utf-8", newline="") as out:
            rows = write_ticket_csv(history(tickets), policy, AS_OF, out, redact=True)
        csv_s = time.perf_counter() - mark
        mark = time.perf_counter()
        html_path.write_text(render_html(report), encoding="utf-8")
        json_bytes = len(render_json(report).encode())
        html_s = time.perf_counter() - mark
        sizes = {"csv_bytes": csv_path.stat().st_size, "html_bytes": html_path.stat().st_size, "json_bytes": json_bytes}

    wall = time.perf_counter() - began
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "benchmark": "stats_history",
        "tickets": tickets,
        "csv_rows": rows,
        "weeks": len(report.overall.weeks),
        "queue": report.overall.queue.size,
        "decisions": report.overall.decisions.total,
        "wall_s": round(wall, 3),
        "aggregate_s": round(aggregate_s, 3),
        "csv_s": round(csv_s, 3),
        "html_json_s": round(html_s, 3),
        "peak_memory_mb": round(peak / 2**20, 2),
        "max_rss_mb": round(rss_kb / 1024, 1),
        **sizes,
        "python": sys.version.split()[0],
        "cpus": os.cpu_count(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--max-memory-mb", type=float, default=50.0, help="fail above this traced peak")
    args = parser.parse_args()
    result = run(args.tickets)
    result["max_memory_mb"] = args.max_memory_mb
    result["within_memory_target"] = result["peak_memory_mb"] <= args.max_memory_mb
    print(json.dumps(result, indent=2))
    return 0 if result["within_memory_target"] else 1


if __name__ == "__main__":
    sys.exit(main())
