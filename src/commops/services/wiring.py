"""One place that builds the triage ports from settings: gateway, rules, data sets, verifier, journal."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from commops.config import Settings
from commops.journal import Journal
from commops.services.sla import calendar_from
from commops.services.triage import TriagePorts

__all__ = ["open_triage"]


def _utcnow() -> datetime:
    return datetime.now(UTC)


@contextmanager
def open_triage(
    settings: Settings,
    *,
    notice: Callable[[str], None],
    offline: bool = False,
    refresh: bool = False,
    clock: Callable[[], datetime] = _utcnow,
) -> Iterator[TriagePorts]:
    from commops.bootstrap import open_gateway
    from commops.rules import load_ruleset
    from commops.verify import NamespaceVerifier, open_cache
    from commops.verify.datasets import OfflineDatasets

    calendar = calendar_from(settings.sla)
    embedded: list[str] = []
    with open_gateway(settings, notice=notice, on_embedded=embedded.append) as gateway:
        ruleset = load_ruleset(
            [settings.rules_path],
            field_keys=set(settings.fields),
            programs=set(settings.programs),
            macros=gateway.macros(),
        )
        evaluator = ruleset.compile(datasets=OfflineDatasets(), calendar=calendar, now=clock)
        verify = settings.verify
        if embedded and not verify.forge_url:  # the embedded sandbox emulates the forges too
            verify = verify.model_copy(update={"forge_url": embedded[0]})
        # Against a sandbox's forges nothing is cached: its namespaces change with every reseed, and a
        # verdict about a made-up namespace must never answer for a real forge's.
        cache = None if verify.forge_url else open_cache(settings.home / "verify-cache.sqlite3")
        verifier = NamespaceVerifier(verify, cache=cache, offline=offline, refresh=refresh)
        journal = Journal.open(settings.home / "journal.sqlite3")
        try:
            yield TriagePorts(
                settings=settings,
                gateway=gateway,
                evaluator=evaluator,
                ruleset=ruleset,
                journal=journal,
                calendar=calendar,
                clock=clock,
                verifier=verifier,
            )
        finally:
            journal.close()
