"""Ports: the interfaces the core owns. Adapters (zendesk, verify, journal) implement them; tests use fakes."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import date, datetime
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field

from commops.domain import Application, Decision, Proposal, Verification
from commops.domain.benefit import PoolStatus, Provision
from commops.domain.member import Member
from commops.domain.operating import Comparison, PastDecision, ShadowProposal
from commops.domain.reading import Reading
from commops.domain.records import MarkedDecision, ProposalRecord
from commops.domain.renewal import Reminder
from commops.domain.retention import PruneReport
from commops.domain.satisfaction import Rating

__all__ = [
    "AccountDecisions",
    "AppliedDecision",
    "BenefitStore",
    "Clock",
    "Datasets",
    "DecisionHistory",
    "DecisionJournal",
    "Evaluator",
    "Heartbeat",
    "HistoryGateway",
    "Journal",
    "JournalRetention",
    "MacroInfo",
    "NamespaceVerifier",
    "ProvisioningService",
    "QueuePage",
    "ReminderGateway",
    "RuleSetLike",
    "RunLease",
    "RunLock",
    "RunLog",
    "SatisfactionSource",
    "ShadowLog",
    "SpdxVerdict",
    "StatsGateway",
    "TicketGateway",
    "Unmapped",
    "WriteLog",
    "WriteResult",
]


class Clock(Protocol):
    def __call__(self) -> datetime: ...


class SpdxVerdict(BaseModel):
    """What the SPDX data says of a licence expression."""

    model_config = ConfigDict(frozen=True)

    known: bool  # parses, and every id in it is on the SPDX list
    osi_approved: bool | None  # None when not known
    normalized: str | None = None
    unknown_ids: tuple[str, ...] = ()


class Datasets(Protocol):
    """Offline data sets the rules consult: academic, free-mail and disposable domains; SPDX with OSI flags
    (full names and deprecated ids read as current ids); ISO 3166 countries; registrable domains."""

    def country(self, text: str) -> str | None: ...
    def registrable_domain(self, host: str) -> str | None: ...
    def is_academic_domain(self, domain: str) -> bool: ...
    def is_free_mail_domain(self, domain: str) -> bool: ...
    def is_disposable_domain(self, domain: str) -> bool: ...
    def spdx(self, expression: str) -> SpdxVerdict: ...
    def versions(self) -> dict[str, str]: ...


class NamespaceVerifier(Protocol):
    """Looks an Open Source namespace up on its forge. Never raises for lookup failures: returns UNKNOWN."""

    def verify_namespace(self, url: str) -> Verification: ...


class Unmapped(BaseModel):
    """A ticket the gateway could not turn into an Application: reported and skipped, never fatal."""

    ticket_id: int
    reason: str


class QueuePage(BaseModel):
    """One page of the queue. ``cursor`` resumes the pull *after* this page."""

    applications: list[Application] = Field(default_factory=list)
    unmapped: list[Unmapped] = Field(default_factory=list)
    cursor: str | None = None
    has_more: bool = False


class MacroInfo(BaseModel):
    id: int
    title: str
    active: bool = True


class WriteResult(BaseModel):
    """What happened to one proposal's write. ``status`` is one of:

    applied          the update landed now
    already_applied  the markers show this decision is on the ticket already (nothing sent)
    conflict         the ticket changed since it was evaluated; nothing written, back to the queue
    failed           Zendesk refused or the write could not be confirmed; ``error`` says why; retry is safe
    skipped          the outcome writes nothing (manual, skip); the gateway sent nothing
    """

    ticket_id: int
    status: str
    error: str | None = None
    updated_stamp: str | None = None  # the ticket's updated_at after the write, when known


class TicketGateway(Protocol):
    """Everything commops does to Zendesk."""

    def pull_queue(self, query: str | None = None, *, cursor: str | None = None) -> Iterator[QueuePage]: ...

    def get_applications(self, ticket_ids: Sequence[int]) -> list[Application]: ...

    def current_stamps(self, ticket_ids: Sequence[int]) -> dict[int, str]: ...

    def macros(self) -> list[MacroInfo]: ...

    def check_write_access(self) -> None:
        """Raise (an AuthError) when the credentials may not write tickets; before anything is journaled."""
        ...

    def write_decisions(
        self,
        proposals: Sequence[Proposal],
        *,
        on_job: Callable[[str, list[int]], None] | None = None,
        between_batches: Callable[[], None] | None = None,
    ) -> list[WriteResult]: ...

    def settle_jobs(self, job_ids: Sequence[str]) -> dict[str, str]: ...

    def active_jobs(self) -> list[str]: ...

    def request_counts(self) -> dict[str, int]: ...


class RunLog(Protocol):
    """Runs and the proposals each one made (what ``commops history`` shows)."""

    def start_run(self, mode: str, ruleset_version: str | None) -> str: ...
    def finish_run(self, run_id: str, status: str, summary: dict[str, Any]) -> None: ...
    def record_proposals(
        self, run_id: str, proposals: Sequence[Proposal], state: str = "proposed", *, fresh: bool = False
    ) -> dict[int, int]:
        """Ticket id → journal row. A ``proposed`` one equal to the ticket's last row may reuse that row,
        unless ``fresh`` (a row this run may approve later must be its own)."""
        ...


class WriteLog(Protocol):
    """The write-ahead log of writes: intent before sending, job id when accepted, result after.

    A run killed anywhere leaves what the next run needs to finish exactly once.
    """

    def set_state(self, proposal_ids: Sequence[int], state: str) -> None: ...
    def begin_writes(self, proposal_ids: Sequence[int], *, batch: bool = False) -> dict[int, int]: ...
    def record_job(self, attempt_ids: Sequence[int], job_id: str) -> None: ...
    def finish_write(
        self, proposal_id: int, attempt_id: int, result: str, error: str | None, stamp_after: str | None
    ) -> None: ...
    def unfinished_writes(self) -> list[ProposalRecord]: ...
    def unsettled_jobs(self) -> list[str]: ...
    def lost_job_ids(self) -> bool: ...
    def supersede(self, ticket_ids: Sequence[int]) -> None: ...
    def pending_tickets(self, ticket_ids: Sequence[int]) -> set[int]: ...
    def failed_attempts(self, proposal_id: int) -> int: ...
    def abandoned(self, ticket_ids: Sequence[int]) -> dict[int, str]: ...
    def load_proposal(self, proposal_id: int) -> Proposal: ...


class DecisionHistory(Protocol):
    """What was decided before: the last applied decision per ticket (re-triage), and the record shown by
    ``commops history``."""

    def last_applied(self, ticket_ids: Sequence[int]) -> dict[int, ProposalRecord]: ...
    def history(self, ticket_id: int | None = None, limit: int = 200) -> list[ProposalRecord]: ...
    def attempts(self, proposal_id: int) -> list[dict[str, Any]]: ...


class Journal(RunLog, WriteLog, DecisionHistory, Protocol):
    """The whole journal (``commops.journal.SqliteJournal`` keeps it in SQLite): what a triage run uses."""


class JournalRetention(Protocol):
    """Pruning the journal (``commops journal prune``); what it must keep is in ``commops.domain.retention``.

    Implemented by every journal store (SQLite; PostgreSQL too). ``dry_run`` counts without removing.
    """

    def prune(self, before: datetime, *, decisions: bool = False, dry_run: bool = False) -> PruneReport: ...


class Heartbeat(Protocol):
    """A held lock or lease: ``beat()`` between batches says the holder is alive (renewing when due);
    it raises LockedError when another run took it over, and the run stops before more work."""

    def beat(self) -> None: ...


class RunLock(Protocol):
    """One writing run at a time per state directory: cron and a specialist's apply never resume the same
    writes at once. A holder whose process is gone or whose heartbeat is too old is taken over."""

    def hold(self, timeout: float, who: str) -> AbstractContextManager[Heartbeat | None]:
        """Held for the ``with`` block (None: a lock without a heartbeat, e.g. an advisory lock that ends
        with its connection); raises LockedError after ``timeout`` seconds of waiting."""
        ...


class RunLease(Protocol):
    """One writing run at a time per account, on any machine (``commops.zendesk.lease`` keeps it in the
    account). ``run_id`` names the holder; LockedError names whoever holds it after ``wait_s`` seconds."""

    def hold(self, run_id: str, wait_s: float) -> AbstractContextManager[Heartbeat]: ...


class Evaluator(Protocol):
    """A compiled rule set (commops.rules)."""

    version: str

    def evaluate(self, application: Application) -> Decision: ...

    def read_input(self, path: str, raw: Any) -> Reading | None:
        """How the rules read ``raw`` at ``path`` (the reading layer), or None when they take it as given."""
        ...


class RuleSetLike(Protocol):
    """What triage asks of a rule set beyond evaluating: which verifications an application needs."""

    def verifications_needed(self, application: Application) -> set[str]: ...


class AccountDecisions(Protocol):
    """The decisions the account itself records (commops' markers, specialists' changes): what a machine
    whose journal does not have them reads instead (``commops.zendesk.ZendeskGateway``)."""

    def ticket_decisions(self, ticket_id: int) -> list[MarkedDecision]:
        """One ticket's decisions, oldest first (its audits: one request)."""
        ...

    def decisions_since(self, start: datetime) -> dict[int, list[MarkedDecision]]:
        """Every ticket's decisions since ``start``, in bulk (the event export: 1,000 audits a request)."""
        ...


class StatsGateway(AccountDecisions, Protocol):
    """What statistics need from Zendesk: a cursor-paginated search, and the account's own record of the
    decisions the journal does not explain."""

    def pull_queue(self, query: str | None = None, *, cursor: str | None = None) -> Iterator[QueuePage]: ...

    def request_counts(self) -> dict[str, int]: ...


class SatisfactionSource(Protocol):
    """Members' satisfaction ratings, read in bulk (``ZendeskGateway.satisfaction_ratings``)."""

    def satisfaction_ratings(self, since: datetime) -> Iterator[Rating]: ...


class AppliedDecision(Protocol):
    """An applied decision as statistics read it (``commops.domain.records.JournalEntry`` is one)."""

    @property
    def ticket_id(self) -> int: ...
    @property
    def outcome(self) -> str: ...
    @property
    def rules(self) -> list[str]: ...
    @property
    def mode(self) -> str: ...
    @property
    def applied_at(self) -> datetime: ...


class DecisionJournal(Protocol):
    """What statistics need from the journal: the decisions commops applied, oldest first."""

    def applied_decisions(
        self, *, since: datetime | None = None, until: datetime | None = None
    ) -> Iterator[AppliedDecision]: ...


class HistoryGateway(Protocol):
    """What operating the rules reads from Zendesk: the open queue and the decided history, in bulk."""

    def pull_queue(self, query: str | None = None, *, cursor: str | None = None) -> Iterator[QueuePage]: ...

    def decided_history(self, since: datetime) -> list[PastDecision]: ...

    def request_counts(self) -> dict[str, int]: ...


class ShadowLog(Protocol):
    """Shadow proposals and their comparisons with what people then did (``commops.journal.shadow``)."""

    def record_shadow(self, run_id: str, proposals: Sequence[Decision], *, proposed_at: datetime) -> int: ...
    def open_shadow(self) -> dict[int, ShadowProposal]: ...
    def record_comparisons(self, comparisons: Sequence[Comparison], *, kind: str) -> int: ...
    def comparisons(self, *, since: datetime | None = None) -> list[Comparison]: ...


class BenefitStore(Protocol):
    """Code pools, provisioning intents and the membership ledger (``commops.benefits.SqliteBenefits``)."""

    def add_codes(self, program: str, codes: Iterable[str]) -> tuple[int, int]: ...
    def reserve_code(self, program: str, key: str, ticket_id: int) -> str | None: ...
    def assign_code(self, key: str) -> None: ...
    def release_code(self, key: str) -> None: ...
    def pool_status(self, now: datetime, window_days: int = 30) -> list[PoolStatus]: ...
    def begin_provision(self, key: str, *, program: str, provisioner: str, ticket_id: int, proposal_id: int | None,
                        write_id: str | None, payload: dict[str, Any], code: str | None) -> Provision: ...
    def provision(self, key: str) -> Provision | None: ...
    def mark_provision(self, key: str, state: str, *, subscription_id: str | None = None, error: str | None = None,
                       attempt: bool = False) -> None: ...
    def unfinished_provisions(self) -> list[Provision]: ...
    def failed_provisions(self) -> list[Provision]: ...
    def add_member(self, member: Member) -> Member: ...
    def count_members(self, program: str) -> int: ...
    def member_by_subscription(self, subscription_id: str) -> Member | None: ...
    def members(self, *, program: str | None = None, ending_before: date | None = None,
                ending_after: date | None = None) -> list[Member]: ...
    def mark_reminded(self, member_id: int, term_end: date) -> None: ...
    def begin_reminders(self, reminders: Sequence[tuple[str, int, date]]) -> None: ...
    def record_reminder_job(self, job_id: str, keys: Sequence[str]) -> None: ...
    def finish_reminder(self, key: str, *, ticket_id: int | None, error: str | None = None) -> None: ...
    def reminder_jobs(self) -> list[str]: ...
    def sent_reminders(self) -> set[str]: ...


class ReminderGateway(Protocol):
    """What renewal reminders need from Zendesk: a search for earlier ones, create_many jobs, job settling."""

    def reminder_keys(self, tag: str) -> set[str]: ...
    def create_reminders(
        self, reminders: Sequence[Reminder], *, on_job: Callable[[str, list[str]], None] | None = None
    ) -> dict[str, int | str]: ...
    def settle_jobs(self, job_ids: Sequence[str]) -> dict[str, str]: ...


class ProvisioningService(Protocol):
    """The team's provisioning service (``commops.benefits.WebhookProvisioner``): one call per key takes effect
    once; the answer is the subscription id."""

    def provision(self, payload: dict[str, Any], idempotency_key: str) -> str | None: ...
