"""Settings: the packaged defaults, then the config file, then ``COMMOPS_*`` environment variables."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator
from pydantic import ValidationError as PydanticValidationError
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from commops.domain.retention import DEFAULT_RETENTION, parse_duration
from commops.errors import ConfigError
from commops.paths import StateDir, commops_home, config_path, ensure_writable_dir, legacy_config_path
from commops.redact import remember

__all__ = [
    "BenefitSettings",
    "JournalSettings",
    "LeaseSettings",
    "MarkerSettings",
    "ProgramSettings",
    "QueueSettings",
    "RenewalSettings",
    "SandboxSettings",
    "Settings",
    "ShadowSettings",
    "SlaSettings",
    "UnattendedSettings",
    "VerifySettings",
    "ZendeskSettings",
    "config_file",
    "default_config_text",
    "load_settings",
]


class _Section(BaseModel):
    model_config = {"extra": "forbid"}


# Ranges every number in the config must respect (a bad value is a sentence and exit 78, never a surprise).
Seconds = Annotated[float, Field(ge=0)]
PositiveSeconds = Annotated[float, Field(gt=0)]
Count = Annotated[int, Field(ge=0)]
Share = Annotated[float, Field(ge=0, le=1)]
FieldId = Annotated[int, Field(gt=0)]


def _http_url(value: str, name: str) -> str:
    if value and not value.startswith(("http://", "https://")):
        raise ValueError(f"{name} must be an http:// or https:// URL, not {value!r}")
    return value


class ZendeskSettings(_Section):
    url: str = ""
    subdomain: str = ""
    email: str = ""
    token: SecretStr | None = None  # legacy API token (stops working on 2027-04-30)
    oauth_token: SecretStr | None = None  # a bearer token from elsewhere
    auth: str = ""  # oauth-client | oauth-login | api-token | bearer; empty: chosen from the credentials present
    client_id: str = ""  # the OAuth client's unique identifier
    client_secret: SecretStr | None = None
    scope: str = "read write"
    token_expires_in_s: int | None = None  # ask Zendesk for this access-token lifetime (300 < s < 172800)
    token_cache: bool = False  # oauth-client: keep the access token in a 0600 file between runs
    max_clock_skew_s: Seconds = 300.0
    timeout_s: PositiveSeconds = 30.0
    rate_wait_budget_s: Seconds = 300.0
    job_wait_s: Seconds = 120.0
    jobs_in_flight: int = Field(default=20, ge=1, le=30)  # update_many jobs open at once (Zendesk allows 30 an account)

    @property
    def configured(self) -> bool:
        """False means: use the embedded sandbox."""
        return bool(self.url or self.subdomain)

    @property
    def base_url(self) -> str:
        if self.url:
            return self.url.rstrip("/")
        return f"https://{self.subdomain}.zendesk.com"


class QueueSettings(_Section):
    query: Annotated[str, Field(min_length=1)] = "type:ticket status<solved"
    brands: list[int] = Field(default_factory=list)  # only tickets of these brands (ids); empty: every brand
    # More queries whose tickets join the queue (each ticket once): programs.md counts a ticket on no
    # program form whose `program` field is set as an application, and one query cannot say "this form
    # or that field" (Zendesk ANDs different keywords).
    also: list[Annotated[str, Field(min_length=1)]] = Field(default_factory=list)


class MarkerSettings(_Section):
    decision_field: str = "commops_decision"
    ruleset_field: str = "commops_ruleset"
    tag: str = "commops_decided"
    author_note_prefix: str = "commops"


class BenefitSettings(_Section):
    """``[programs.<name>.benefit]``: how a qualified member of the program gets the benefit."""

    provisioner: Literal["coupon-pool", "webhook", "none"] = "none"
    term_months: int = Field(default=12, ge=1)
    max_seats: int | None = Field(default=None, ge=1)  # Open Source: 1,000
    placeholder: str = Field(default="benefit_code", pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")  # {{commops.<name>}}
    low_days: float = Field(default=14.0, ge=0)  # warn when the pool lasts fewer days at the recent rate
    url: str = ""  # webhook: the provisioning endpoint
    secret_env: str = "COMMOPS_BENEFIT_SECRET"  # webhook: the environment variable holding the HMAC secret
    timeout_s: float = Field(default=10.0, gt=0)
    retries: int = Field(default=4, ge=0)
    ledger: bool = True  # keep members in the ledger and match renewals against it

    @model_validator(mode="after")
    def _check_webhook(self) -> BenefitSettings:
        if self.provisioner == "webhook" and not self.url.startswith(("http://", "https://", "sandbox:/")):
            raise ValueError("a webhook provisioner needs url = an http(s) URL (or sandbox:/_provision)")
        return self


class ProgramSettings(_Section):
    form_id: FieldId | None = None
    program_value: str | None = None
    benefit: BenefitSettings = Field(default_factory=BenefitSettings)


class RenewalSettings(_Section):
    """``[renewals]``: the reminder a member gets before the term ends."""

    macro: str = "Common::Renewal reminder"
    within_days: int = Field(default=30, ge=0)
    tag: str = "commops_renewal_reminder"  # on every reminder; triage leaves a pending reminder alone


class SlaSettings(_Section):
    at_risk_day: Count = 5
    due_day: Annotated[int, Field(ge=1)] = 10
    holiday_country: str = "US"
    holiday_subdivision: str = ""
    extra_holidays: list[str] = Field(default_factory=list)

    @field_validator("extra_holidays")
    @classmethod
    def _iso_days(cls, days: list[str]) -> list[str]:
        for day in days:
            try:
                date.fromisoformat(day)
            except ValueError:
                raise ValueError(f"{day!r} is not a day written YYYY-MM-DD") from None
        return days

    @model_validator(mode="after")
    def _check_calendar(self) -> SlaSettings:
        if self.at_risk_day > self.due_day:
            raise ValueError(f"at_risk_day ({self.at_risk_day}) comes after due_day ({self.due_day})")
        _check_holiday_region(self.holiday_country, self.holiday_subdivision)
        return self


def _check_holiday_region(country: str, subdivision: str) -> None:
    """The country (and subdivision) must be known to the ``holidays`` package; "" means weekends only."""
    if not country:
        if subdivision:
            raise ValueError("holiday_subdivision needs a holiday_country")
        return
    import holidays  # only when settings are loaded: `commops --help` does not pay for it
    from holidays.registry import EntityLoader

    # The registry's codes, not list_supported_countries(): that imports all 250 country modules (8 MB
    # held for the run) to list their subdivisions; only the configured country's are needed.
    supported = list(EntityLoader.get_country_codes())
    if country not in supported:
        from difflib import get_close_matches

        close = get_close_matches(country.upper(), supported, n=3)
        suggestion = f" (did you mean {', '.join(close)}?)" if close else ""
        raise ValueError(
            f"holiday_country {country!r} is not a country code the holidays package knows{suggestion}; "
            'use an ISO 3166 code such as "US", "GB" or "DE", or "" for weekends only'
        )
    subdivisions: list[str] = list(getattr(holidays, country).subdivisions) if subdivision else []
    if subdivision and subdivision not in subdivisions:
        known = ", ".join(subdivisions[:12]) + (", ..." if len(subdivisions) > 12 else "")
        raise ValueError(
            f"holiday_subdivision {subdivision!r} is not a subdivision of {country}"
            + (f"; one of: {known}" if known else f"; {country} has none")
        )


class UnattendedSettings(_Section):
    max_writes: Count = 500
    max_reject_share: Share = 0.6
    reject_share_min_decisions: Count = 20
    lock_timeout_s: Seconds = 0.0
    max_run_time_s: Seconds = 3600.0  # 0: no limit; a run past it stops taking new work (exit 17)
    batch_size: Annotated[int, Field(ge=1)] = 1000  # writes per batch: the limit and the lease are checked between


class LeaseSettings(_Section):
    """``[lease]``: one writing run per account across machines, and when a silent holder is overruled."""

    name: Annotated[str, Field(min_length=1, max_length=60, pattern=r"^[A-Za-z0-9_.-]+$")] = "default"
    field: str = "commops_ruleset"  # a text field key from [fields]: the lease ticket's record
    tag: str = "commops_lease"
    ttl_s: Annotated[float, Field(ge=10)] = 300.0  # a lease not renewed this long is taken over
    renew_every_s: PositiveSeconds = 60.0  # at most one renewal this often (30 updates/ticket/10 min)
    grace_s: Seconds = 30.0  # clock difference allowed between machines
    poll_s: PositiveSeconds = 5.0  # --wait: read the lease again this often
    settle_s: Seconds = 1.2  # after taking it, read it again once Zendesk's one-second stamp has moved on
    stale_lock_s: Annotated[float, Field(ge=10)] = 600.0  # a local lock whose heartbeat is older is taken over

    @model_validator(mode="after")
    def _check_times(self) -> LeaseSettings:
        if self.renew_every_s >= self.ttl_s:
            raise ValueError(f"renew_every_s ({self.renew_every_s:g}) must be below ttl_s ({self.ttl_s:g}): "
                             "a lease must be renewed before it expires")
        return self


class JournalSettings(_Section):
    """``[journal]``: where runs, proposals and write attempts are kept, and how long `commops journal prune`
    keeps what no run needs. An empty ``url`` is the SQLite file in COMMOPS_HOME; ``postgresql://…`` is a
    journal several hosts or CI runners share (docs/configuration.md)."""

    url: str = ""
    retention: str = DEFAULT_RETENTION  # 36h, 90d, 12w, 1y

    @field_validator("retention")
    @classmethod
    def _retention(cls, value: str) -> str:
        parse_duration(value)  # a ValueError's sentence becomes the configuration error
        return value

    @field_validator("url")
    @classmethod
    def _postgres_url(cls, url: str) -> str:
        url = url.strip()
        if url and not url.startswith(("postgresql://", "postgres://")):
            raise ValueError("must be empty (the SQLite journal in COMMOPS_HOME) or a postgresql:// URL, "
                             "e.g. postgresql://commops@db.internal/commops")
        return url

    @property
    def password(self) -> str | None:
        """The password written in the URL, if any (masked wherever it could appear)."""
        from urllib.parse import urlsplit

        try:
            return urlsplit(self.url).password if self.url else None
        except ValueError:
            return None


class VerifySettings(_Section):
    gitlab_urls: list[str] = Field(default_factory=lambda: ["https://gitlab.com"])
    github_api_url: str = "https://api.github.com"
    cache_ttl_hours: Annotated[float, Field(ge=0)] = 24.0
    timeout_s: PositiveSeconds = 10.0
    gitlab_token: SecretStr | None = None
    github_token: SecretStr | None = None
    forge_url: str = ""  # send GitHub/GitLab API requests here instead (the sandbox's forge emulation)

    @field_validator("gitlab_urls")
    @classmethod
    def _gitlab_urls(cls, urls: list[str]) -> list[str]:
        for url in urls:
            _http_url(url, "each of gitlab_urls")
        return urls

    @field_validator("github_api_url", "forge_url")
    @classmethod
    def _urls(cls, url: str) -> str:
        return _http_url(url, "the URL")


class SandboxSettings(_Section):
    plan: str = "enterprise"
    faults: str = ""
    seed: int = 0
    token: str = "sandbox"
    seed_applications: Count = 60
    pessimistic: bool = False  # update_many ignores safe_update, as Zendesk may (docs/sandbox.md)
    provision_secret: str = ""  # the loopback receiver /_provision checks webhook signatures with it when set
    token_ttl_s: float = 1800.0  # OAuth access-token lifetime (Zendesk's default for new global clients)
    client_id: str = "commops-sandbox"  # the seeded confidential OAuth client
    client_secret: str = "sandbox-client-secret"
    api_tokens: bool = True  # False: the account is OAuth-only (API tokens refused, as from 2027-04-30)
    account: Literal["reference", "northwind"] = "reference"  # the packaged account a new sandbox loads


class ShadowSettings(_Section):
    """Shadow mode and the automation ladder (`commops shadow`, `commops rules promote`)."""

    window_weeks: int = Field(default=12, ge=1, le=104)  # decisions compared and reported
    replay: bool = False  # also compare the window's specialist decisions with the rules (unattended runs)
    min_decisions: int = Field(default=50, ge=1)  # shadow decisions a rule needs before it may be promoted
    min_lower_bound: float = Field(default=0.99, gt=0, le=1)  # Wilson 95% lower bound needed for auto


class Settings(BaseSettings):
    """All of commops' configuration. Build it with :func:`load_settings`."""

    model_config = SettingsConfigDict(
        env_prefix="COMMOPS_",
        env_nested_delimiter="_",
        env_nested_max_split=1,
        extra="forbid",
    )

    home: Path = Field(default_factory=commops_home)
    rules_dir: str = ""
    zendesk: ZendeskSettings = Field(default_factory=ZendeskSettings)
    queue: QueueSettings = Field(default_factory=QueueSettings)
    markers: MarkerSettings = Field(default_factory=MarkerSettings)
    fields: dict[str, FieldId] = Field(default_factory=dict)
    application_types: dict[str, str] = Field(default_factory=dict)
    programs: dict[str, ProgramSettings] = Field(default_factory=dict)
    statuses: dict[str, str | int] = Field(default_factory=dict)  # outcome → custom status (label or id)
    # A macro name the rules use → the account's macro title or id (an account whose macros are named
    # otherwise needs this, not other rules; `commops init --from-account` proposes it).
    macros: dict[str, str | int] = Field(default_factory=dict)
    sla: SlaSettings = Field(default_factory=SlaSettings)
    renewals: RenewalSettings = Field(default_factory=RenewalSettings)
    unattended: UnattendedSettings = Field(default_factory=UnattendedSettings)
    journal: JournalSettings = Field(default_factory=JournalSettings)
    lease: LeaseSettings = Field(default_factory=LeaseSettings)
    verify: VerifySettings = Field(default_factory=VerifySettings)
    sandbox: SandboxSettings = Field(default_factory=SandboxSettings)
    shadow: ShadowSettings = Field(default_factory=ShadowSettings)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Environment beats the file (which arrives as init kwargs).
        return (env_settings, init_settings)

    @model_validator(mode="after")
    def _check_statuses(self) -> Settings:
        wrong = sorted(set(self.statuses) - {"qualify", "reject", "ask", "escalate"})
        if wrong:
            raise ValueError(f"[statuses] maps {', '.join(map(repr, wrong))}; the outcomes that write are "
                             "qualify, reject, ask, escalate")
        return self

    @model_validator(mode="after")
    def _check_markers(self) -> Settings:
        for key in (self.markers.decision_field, self.markers.ruleset_field):
            if key not in self.fields:
                raise ValueError(f"markers name field {key!r}, which is not in [fields]")
        if self.lease.field not in self.fields:
            raise ValueError(f"[lease] field names {self.lease.field!r}, which is not in [fields]")
        return self

    @property
    def state(self) -> StateDir:
        """Every file commops keeps under ``home``."""
        return StateDir(self.home)

    @property
    def rules_path(self) -> Path:
        """The rules directory: config, else ``rules/`` beside the source tree or in the package."""
        if self.rules_dir:
            return Path(self.rules_dir).expanduser()
        return _default_rules_dir()

    def program_for_form(self, form_id: int | None) -> str | None:
        for name, program in self.programs.items():
            if form_id is not None and program.form_id == form_id:
                return name
        return None

    def program_for_value(self, value: str | None) -> str | None:
        for name, program in self.programs.items():
            if value is not None and program.program_value == value:
                return name
        return None


def _default_rules_dir() -> Path:
    here = Path(__file__).resolve()
    for candidate in (here.parents[2] / "rules", here.parent / "data" / "rules"):
        if candidate.is_dir():
            return candidate
    return here.parents[2] / "rules"


def default_config_text() -> str:
    """The commented starter config that ``commops init`` writes."""
    return resources.files("commops.data").joinpath("default-config.toml").read_text(encoding="utf-8")


def _deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _benefits_only(programs: Any) -> bool:
    """A user file that only sets ``[programs.<name>.benefit]`` for configured programs adds to the
    defaults; one that maps programs (form ids, values) replaces them."""
    return isinstance(programs, dict) and all(
        isinstance(v, dict) and set(v) <= {"benefit"} for v in programs.values())


def config_file(path: Path | None = None, *, notice: Callable[[str], None] | None = None) -> Path | None:
    """The config file to read: ``path`` (``--config`` / ``$COMMOPS_CONFIG``, which must exist), else
    :func:`commops.paths.config_path` if it exists, else the old location (with a note), else none."""
    if path is not None:
        if not path.is_file():
            what = "is not a file" if path.exists() else "does not exist"
            raise ConfigError(f"config file {path} {what}", hint="create one with `commops init --config FILE`")
        return path
    current = config_path()
    if current.is_file():
        return current
    old = legacy_config_path()
    if old is not None and old.is_file():
        if notice is not None:
            notice(f"note: reading the config from its old location {old}; move it to {current} "
                   f"(mkdir -p '{current.parent}' && mv '{old}' '{current}')")
        return old
    return None


def _problem(err: Any) -> str:
    """One pydantic error as ``section.key (from $ENV) = value: what is wrong``; secrets never echoed."""
    loc = [str(p) for p in err["loc"] if not str(p).startswith(("function-", "constrained-"))]
    dotted = ".".join(loc) or "the configuration"
    env = "COMMOPS_" + "_".join(loc).upper()
    where = f" (from ${env})" if env in os.environ else ""
    secret = any(word in dotted for word in ("token", "secret", "password"))
    value = err.get("input")
    shown = f" = {value!r}" if loc and not secret and isinstance(value, str | int | float | bool) else ""
    message = str(err["msg"]).removeprefix("Value error, ")
    return f"{dotted}{where}{shown}: {message}"


def load_settings(path: Path | None = None, *, notice: Callable[[str], None] | None = None) -> Settings:
    """Defaults, then the config file (see :func:`config_file`), then the environment. Every problem is a
    ConfigError naming the key, where it came from and what is allowed; the state directory must be
    writable."""
    data = tomllib.loads(default_config_text())
    found = config_file(path, notice=notice)
    file = found or config_path()
    if found is not None:
        try:
            user = tomllib.loads(found.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{found} is not valid TOML: {exc}") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read the config file {found}: {getattr(exc, 'strerror', None) or exc}") from None
        data = _deep_merge(data, user)
        # A mapping section in the user file replaces the default one wholesale: another account's
        # programs and fields are not a superset of the reference account's.
        for section in ("fields", "programs", "application_types", "statuses", "macros"):
            if section in user and not (section == "programs" and _benefits_only(user[section])):
                data[section] = user[section]
    try:
        settings = Settings(**data)
    except PydanticValidationError as exc:
        problems = [_problem(err) for err in exc.errors()]
        source = str(file) if found is not None else "the defaults and the environment"
        raise ConfigError(f"configuration is not valid ({source}): {'; '.join(problems)}") from None
    for secret in (settings.zendesk.token, settings.zendesk.oauth_token, settings.verify.gitlab_token,
                   settings.verify.github_token):
        remember(secret.get_secret_value() if secret is not None else None)
    remember(settings.journal.password)
    ensure_writable_dir(settings.home, "the state directory (home)")
    return settings
