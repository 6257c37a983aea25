"""The composition root: the one place that builds adapters from settings and hands them out as ports.

Nothing here runs at import. A command opens one context (``open_runtime`` or a narrower helper) and
uses what it needs; every port is built on first use and closed with the context, so ``commops history``
opens the journal and never a gateway, and ``commops rules explain`` never opens the journal.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import SecretStr

from commops.config import Settings
from commops.domain.calendar import BusinessCalendar
from commops.errors import ConfigError
from commops.paths import StateDir
from commops.ports import MacroInfo

if TYPE_CHECKING:
    from commops.benefits import SqliteBenefits
    from commops.journal import SqliteShadowLog, SqlJournal
    from commops.ports import ProvisioningService, RunLock
    from commops.rules import CompiledRuleSet, DropDown, RuleSet
    from commops.sandbox.history import Policy
    from commops.services.benefits import BenefitPorts
    from commops.services.impact import ImpactPorts
    from commops.services.onboarding import Wanted
    from commops.services.shadow import ShadowPorts
    from commops.services.triage import TriagePorts
    from commops.verify import NamespaceVerifier
    from commops.zendesk import ZendeskGateway

__all__ = [
    "EMBEDDED_ACCOUNT",
    "SANDBOX_AGENT_EMAIL",
    "AccountUse",
    "Runtime",
    "account_snapshot_path",
    "compile_rules",
    "dropdowns",
    "history_policy",
    "load_rules",
    "open_benefits",
    "open_gateway",
    "open_journal",
    "open_onboarding",
    "open_runtime",
    "open_shadow_log",
    "open_stats",
    "open_triage",
    "sandbox_settings",
]

SANDBOX_AGENT_EMAIL = "commops-bot@sandbox.invalid"
EMBEDDED_ACCOUNT = "embedded-sandbox"


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _warning(text: str) -> None:
    """Shown even with --quiet: a lock or lease taken over from a run that never let go belongs in cron's log."""
    import sys

    sys.stderr.write(f"warning: {text}\n")


_CREDENTIALS = (
    ("email", "zendesk.email", "COMMOPS_ZENDESK_EMAIL"),
    ("token", "zendesk.token", "COMMOPS_ZENDESK_TOKEN"),
    ("oauth_token", "zendesk.oauth_token", "COMMOPS_ZENDESK_OAUTH_TOKEN"),
    ("client_id", "zendesk.client_id", "COMMOPS_ZENDESK_CLIENT_ID"),
    ("client_secret", "zendesk.client_secret", "COMMOPS_ZENDESK_CLIENT_SECRET"),
)


@dataclass(frozen=True)
class AccountUse:
    """How a command may reach an account: ``sandbox`` = the embedded one, asked for (``--sandbox``);
    ``on_behalf`` = the command writes for someone who is not watching (``--unattended``, ``apply``).

    The embedded sandbox is used silently only when no account is configured at all and the command is
    not writing on someone's behalf; a partial account configuration (credentials but no URL) is always
    a configuration error, so a cron job missing a variable never writes to a throw-away sandbox."""

    sandbox: bool = False
    on_behalf: bool = False

    def embedded(self, settings: Settings) -> bool:
        """True for the embedded sandbox, False for the configured account; ConfigError when neither is
        allowed (the message names what is missing)."""
        if self.sandbox:
            return True
        zendesk = settings.zendesk
        if zendesk.configured:
            return False
        given = [f"{key} (${env})" if env in os.environ else key
                 for attr, key, env in _CREDENTIALS if getattr(zendesk, attr)]
        if given:
            raise ConfigError(
                f"{' and '.join(given)} {'is' if len(given) == 1 else 'are'} set but no account URL: "
                "zendesk.url ($COMMOPS_ZENDESK_URL) or zendesk.subdomain ($COMMOPS_ZENDESK_SUBDOMAIN) is missing",
                hint="set the account's URL, or pass --sandbox to use the embedded sandbox",
            )
        if self.on_behalf:
            raise ConfigError(
                "no Zendesk account is configured (zendesk.url / $COMMOPS_ZENDESK_URL and zendesk.subdomain "
                "are empty), and this command writes on someone's behalf: it never falls back to the "
                "embedded sandbox",
                hint="set the account (`commops init`), or pass --sandbox to write to the embedded sandbox",
            )
        return True


def sandbox_settings(settings: Settings, url: str) -> Settings:
    """``settings`` pointed at a sandbox at ``url``, with the sandbox's agent token."""
    zendesk = settings.zendesk.model_copy(
        update={
            "url": url,
            "subdomain": "",
            "email": settings.zendesk.email or SANDBOX_AGENT_EMAIL,
            "token": SecretStr(settings.sandbox.token),
            "oauth_token": None,
            # OAuth, as on a real account: the sandbox's seeded confidential client.
            "auth": "oauth-client",
            "client_id": settings.sandbox.client_id,
            "client_secret": SecretStr(settings.sandbox.client_secret),
        }
    )
    return settings.model_copy(update={"zendesk": zendesk})


def load_rules(settings: Settings, paths: Sequence[Path] | None = None, *,
               macros: Sequence[MacroInfo] | None = None) -> RuleSet:
    """The rule files of ``paths`` (default: the configured rules) checked against the configured fields
    and programs, and against ``macros`` when given (the account's)."""
    from commops.rules import load_ruleset

    return load_ruleset(
        list(paths) if paths is not None else [settings.rules_path],
        field_keys=set(settings.fields),
        programs=set(settings.programs),
        macros=macros,
        macro_names=settings.macros,
    )


def compile_rules(ruleset: RuleSet, calendar: BusinessCalendar,
                  clock: Callable[[], datetime] = _utcnow) -> CompiledRuleSet:
    """``ruleset`` ready to evaluate, over the packaged offline data sets."""
    from commops.verify.datasets import OfflineDatasets

    return ruleset.compile(datasets=OfflineDatasets(), calendar=calendar, now=clock)


class Runtime:
    """The ports of one command, each built on first use and closed when the context closes.

    With no account configured the gateway is the embedded sandbox's (started here, once), and the
    verifier asks the sandbox's forge emulation, uncached.
    """

    def __init__(
        self,
        settings: Settings,
        stack: ExitStack,
        *,
        notice: Callable[[str], None],
        offline: bool = False,
        refresh: bool = False,
        clock: Callable[[], datetime] = _utcnow,
        account: AccountUse | None = None,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self._stack = stack
        self._notice = notice
        self._offline = offline
        self._refresh = refresh
        self._account = account or AccountUse()
        self.embedded_url: str | None = None
        self.account_id = ""  # the account's id, once a command has used both the account and the journal

    @cached_property
    def account_key(self) -> str:
        """What this runtime's state is tied to: the account's URL, or ``embedded-sandbox``."""
        if self._account.embedded(self.settings):
            return EMBEDDED_ACCOUNT
        return self.settings.zendesk.base_url.lower()

    @cached_property
    def state(self) -> StateDir:
        """The embedded sandbox's state is the files at COMMOPS_HOME's root; each real account has its own
        directory under ``accounts/``."""
        if self.account_key == EMBEDDED_ACCOUNT:
            return self.settings.state
        return self.settings.state.for_account(self.account_key)

    @property
    def account_label(self) -> str:
        """The account this runtime talks to, for run summaries and footers."""
        if self.embedded_url or self._account.embedded(self.settings):
            return f"the embedded sandbox{f' ({self.embedded_url})' if self.embedded_url else ''}"
        return self.settings.zendesk.base_url

    @cached_property
    def gateway(self) -> ZendeskGateway:
        """The configured account's gateway; with none configured, the embedded sandbox's (same zenpy path)."""
        from commops.zendesk import ZendeskGateway

        settings = self.settings
        if self._account.embedded(settings):
            from commops.sandbox import start_embedded

            server = start_embedded(settings)
            self._stack.callback(server.stop)
            why = "asked for with --sandbox" if self._account.sandbox else "no account configured"
            self._notice(f"using the embedded Zendesk sandbox at {server.url} ({why})")
            settings = sandbox_settings(settings, server.url)
            self.embedded_url = server.url
        gateway = self._stack.enter_context(ZendeskGateway(settings, warn=self._notice))
        if "journal" in self.__dict__:
            self._bind_account_id(self.__dict__["journal"], gateway)
        return gateway

    @cached_property
    def journal_url(self) -> str | None:
        """The shared PostgreSQL journal's URL, None for the SQLite file in the state directory. The embedded
        sandbox's journal is always the local file: its tickets are made up on this machine."""
        url = self.settings.journal.url
        if url and self.account_key == EMBEDDED_ACCOUNT:
            self._notice("the embedded sandbox keeps its journal in COMMOPS_HOME ([journal] url is for the "
                         "configured account)")
            return None
        return url or None

    @cached_property
    def journal(self) -> SqlJournal:
        """The account's journal (SQLite or PostgreSQL), bound to the account on first use."""
        journal: SqlJournal
        if self.journal_url:
            from commops.journal.postgres import PostgresJournal

            journal = self._stack.enter_context(PostgresJournal.open(self.journal_url))
        else:
            from commops.journal import SqliteJournal

            journal = self._stack.enter_context(SqliteJournal.open(self.state.journal))
        journal.bind_account(self.account_key)
        if "gateway" in self.__dict__:
            self._bind_account_id(journal, self.__dict__["gateway"])
        return journal

    def _bind_account_id(self, journal: SqlJournal, gateway: ZendeskGateway) -> None:
        """Once a command uses both the account and the journal, the journal must be this account's by id
        too (``GET /account/settings``, once per command), not only by URL."""
        self.account_id = gateway.account_id()
        journal.bind_account(self.account_key, account_id=self.account_id)

    @cached_property
    def run_lock(self) -> RunLock:
        """One writing run at a time (and `journal prune` between runs): the file lock for this machine, and
        with a shared journal also its advisory lock for the account (every host that shares the journal)."""
        from commops.journal import AllLocks, FileRunLock

        local = FileRunLock(self.state.run_lock, stale_after_s=self.settings.lease.stale_lock_s, notice=_warning)
        if not self.journal_url:
            return local
        from commops.journal.postgres import PostgresRunLock

        return AllLocks(local, PostgresRunLock(self.journal_url, self.account_key))

    @cached_property
    def benefit_store(self) -> SqliteBenefits:
        from commops.benefits import SqliteBenefits

        return self._stack.enter_context(SqliteBenefits.open(self.state.benefits))

    def _webhook(self, program: str) -> ProvisioningService:
        import os

        from commops.benefits.webhook import WebhookProvisioner
        from commops.errors import ConfigError

        benefit = self.settings.programs[program].benefit
        url = benefit.url
        if url.startswith("sandbox:"):  # the embedded sandbox's loopback receiver, e.g. "sandbox:/_provision"
            self.gateway  # noqa: B018 - starts the embedded sandbox
            url = f"{self.embedded_url or self.settings.zendesk.base_url}{url.removeprefix('sandbox:')}"
        secret = os.environ.get(benefit.secret_env)
        if not secret:
            raise ConfigError(f"programs.{program}.benefit: the webhook secret is not set",
                              hint=f"export {benefit.secret_env}=<the secret your provisioning service shares>")
        return WebhookProvisioner(url=url, secret=secret, timeout_s=benefit.timeout_s, retries=benefit.retries)

    @cached_property
    def benefits(self) -> BenefitPorts:
        """Code pools, the ledger and the provisioners of the configured programs."""
        from commops.services.benefits import BenefitPorts

        return BenefitPorts(settings=self.settings, store=self.benefit_store, clock=self.clock,
                            webhook=self._webhook, set_fields=lambda tid, values: self.gateway.set_fields(tid, values))

    @cached_property
    def calendar(self) -> BusinessCalendar:
        from commops.services.sla import calendar_from

        return calendar_from(self.settings.sla)

    @cached_property
    def ruleset(self) -> RuleSet:
        """The configured rules, their macros checked against the account's."""
        return load_rules(self.settings, macros=self.gateway.macros())

    @cached_property
    def evaluator(self) -> CompiledRuleSet:
        return compile_rules(self.ruleset, self.calendar, self.clock)

    @cached_property
    def verifier(self) -> NamespaceVerifier:
        from commops.verify import NamespaceVerifier, open_cache

        verify = self.settings.verify
        self.gateway  # noqa: B018 - opening the gateway tells whether the embedded sandbox answers
        if self.embedded_url and not verify.forge_url:  # the embedded sandbox emulates the forges too
            verify = verify.model_copy(update={"forge_url": self.embedded_url})
        # Against a sandbox's forges nothing is cached: its namespaces change with every reseed, and a
        # verdict about a made-up namespace must never answer for a real forge's.
        cache = None if verify.forge_url else open_cache(self.state.verify_cache)
        return NamespaceVerifier(verify, cache=cache, offline=self._offline, refresh=self._refresh)

    @cached_property
    def shadow_log(self) -> SqliteShadowLog:
        """Shadow mode's tables, in the journal's file."""
        from commops.journal import SqliteShadowLog

        return self._stack.enter_context(SqliteShadowLog.open(self.settings.state.journal))

    def impact_ports(self, against: str) -> ImpactPorts:
        """The configured rules (new) against the rules of ``against`` (old: a git ref, directory or archive),
        both checked against the account's macros."""
        from commops.rulefiles import rules_at
        from commops.services.impact import ImpactPorts

        macros = self.gateway.macros()
        old_dir = self._stack.enter_context(rules_at(against, self.settings.rules_path))
        old_rules = load_rules(self.settings, [old_dir], macros=macros)
        return ImpactPorts(gateway=self.gateway, verifier=self.verifier,
                           old=compile_rules(old_rules, self.calendar, self.clock), new=self.evaluator,
                           old_rules=old_rules, new_rules=self.ruleset, journal=self.journal)

    def shadow_ports(self) -> ShadowPorts:
        from commops.services.shadow import ShadowPorts

        return ShadowPorts(gateway=self.gateway, verifier=self.verifier, evaluator=self.evaluator,
                           ruleset=self.ruleset, log=self.shadow_log, clock=self.clock)

    def triage_ports(self) -> TriagePorts:
        """What a triage run talks to."""
        from commops.services.triage import TriagePorts
        from commops.zendesk.lease import ZendeskLease

        return TriagePorts(
            settings=self.settings,
            gateway=self.gateway,
            evaluator=self.evaluator,
            ruleset=self.ruleset,
            journal=self.journal,
            calendar=self.calendar,
            clock=self.clock,
            lock=self.run_lock,
            lease=ZendeskLease(self.gateway.http, self.settings, notice=_warning),
            verifier=self.verifier,
            account=self.account_label,
            account_key=self.account_key,
            account_id=self.account_id,
            benefits=self.benefits,
        )


@contextmanager
def open_runtime(
    settings: Settings,
    *,
    notice: Callable[[str], None],
    offline: bool = False,
    refresh: bool = False,
    clock: Callable[[], datetime] = _utcnow,
    account: AccountUse | None = None,
) -> Iterator[Runtime]:
    """A lazily built runtime for one command; everything it opened is closed on exit."""
    with ExitStack() as stack:
        yield Runtime(settings, stack, notice=notice, offline=offline, refresh=refresh, clock=clock, account=account)


@contextmanager
def open_gateway(settings: Settings, *, notice: Callable[[str], None],
                 account: AccountUse | None = None) -> Iterator[ZendeskGateway]:
    """The configured account's gateway, or the embedded sandbox's, for the life of the context."""
    with open_runtime(settings, notice=notice, account=account) as runtime:
        yield runtime.gateway


@contextmanager
def open_benefits(settings: Settings, *, notice: Callable[[str], None]) -> Iterator[BenefitPorts]:
    """Code pools, the ledger and the provisioners (the account is opened only if a command needs it)."""
    with open_runtime(settings, notice=notice) as runtime:
        yield runtime.benefits


@contextmanager
def open_journal(settings: Settings) -> Iterator[SqlJournal]:
    """The journal of ``settings.home`` alone: no gateway, no rules."""
    with open_runtime(settings, notice=lambda _m: None) as runtime:
        yield runtime.journal


@contextmanager
def open_shadow_log(settings: Settings) -> Iterator[SqliteShadowLog]:
    """Shadow mode's record alone: no gateway, no rules."""
    with open_runtime(settings, notice=lambda _m: None) as runtime:
        yield runtime.shadow_log


@contextmanager
def open_triage(
    settings: Settings,
    *,
    notice: Callable[[str], None],
    offline: bool = False,
    refresh: bool = False,
    clock: Callable[[], datetime] = _utcnow,
    account: AccountUse | None = None,
) -> Iterator[TriagePorts]:
    """Every port a triage run (or a plan's apply, or ``rules explain``) talks to."""
    with open_runtime(settings, notice=notice, offline=offline, refresh=refresh, clock=clock,
                      account=account) as runtime:
        yield runtime.triage_ports()


@contextmanager
def open_stats(settings: Settings, *, notice: Callable[[str], None]) -> Iterator[tuple[ZendeskGateway, SqlJournal]]:
    """What statistics read: the account (or the embedded sandbox) and the journal."""
    with open_runtime(settings, notice=notice) as runtime:
        yield runtime.gateway, runtime.journal


@contextmanager
def open_onboarding(settings: Settings, *, notice: Callable[[str], None], sandbox: bool = False,
                    ) -> Iterator[tuple[ZendeskGateway, Wanted, StateDir, str]]:
    """What `init --from-account` needs: the account (named: a URL, or --sandbox; it may create fields),
    what the rules need mapped, the account's state directory (the snapshot goes there) and the URL the
    config names (empty for the embedded sandbox)."""
    from commops.services.onboarding import wanted_from

    with open_runtime(settings, notice=notice, account=AccountUse(sandbox=sandbox, on_behalf=True)) as runtime:
        ruleset = load_rules(settings)
        wanted = wanted_from(ruleset, field_keys=list(settings.fields), programs=list(settings.programs),
                             renewal_macro=settings.renewals.macro,
                             marker_keys=(settings.markers.decision_field, settings.markers.ruleset_field))
        url = "" if runtime.account_key == EMBEDDED_ACCOUNT else settings.zendesk.base_url
        yield runtime.gateway, wanted, runtime.state, url


def account_snapshot_path(settings: Settings) -> Path:
    """Where the configured account's snapshot is kept (the embedded sandbox's at COMMOPS_HOME's root)."""
    if settings.zendesk.configured:
        return settings.state.for_account(settings.zendesk.base_url.lower()).account_snapshot
    return settings.state.account_snapshot


def dropdowns(settings: Settings, fields: Sequence[dict[str, Any]]) -> dict[str, DropDown]:
    """The configured field keys that are drop-downs in the account: their titles and option values."""
    from commops.rules import DropDown

    by_id = {f.get("id"): f for f in fields}
    found: dict[str, DropDown] = {}
    for key, field_id in settings.fields.items():
        definition = by_id.get(field_id) or {}
        if definition.get("type") in ("tagger", "multiselect"):
            values = tuple(str(o.get("value")) for o in definition.get("custom_field_options") or [])
            found[key] = DropDown(title=f"{definition.get('title')} ({field_id})", values=values)
    return found


def history_policy(settings: Settings) -> Policy:
    """What the configured rules give a sandbox ticket (its JSON and requester): the macro titles, none when
    a person must judge. Seeding a decided history uses it for specialists who mostly follow the policy."""
    from commops.domain import Application
    from commops.services.sla import calendar_from
    from commops.zendesk._mapping import map_ticket

    evaluator = compile_rules(load_rules(settings), calendar_from(settings.sla))

    def policy(ticket: dict[str, object], requester: dict[str, object]) -> list[str]:
        users = {int(str(requester["id"])): dict(requester)} if requester.get("id") is not None else {}
        mapped = map_ticket(dict(ticket), users, settings, settings.zendesk.base_url)
        if not isinstance(mapped, Application) or not mapped.is_application:
            return []
        decision = evaluator.evaluate(mapped)
        return [m.title for m in decision.macros] if decision.outcome.writes else []

    return policy
