"""The commops error tree. Every error a user can see is one of these, with a sentence and an exit code.

    CommopsError                       exit 16  an error with no more specific code (e.g. a file it cannot write)
    ├── ProblemsFound                  exit 1   the checks ran and found problems (rules lint/test, doctor)
    ├── UsageError                     exit 2   the command line is wrong (the code of click's usage errors too)
    ├── ConfigError                    exit 78  config file or environment is wrong (sysexits EX_CONFIG)
    ├── RuleError                      exit 3   rule files do not load (carries every problem found)
    ├── ZendeskError                   exit 4   anything Zendesk answered or failed to answer
    │   ├── AuthError                  exit 5   credentials refused (401/403)
    │   │   ├── TokenExpiredError      exit 5   an OAuth/bearer token expired or was revoked, renewal impossible
    │   │   ├── LoginRequiredError     exit 5   no stored login, or Zendesk no longer takes it (invalid_grant)
    │   │   ├── ScopeError             exit 5   the token lacks a scope the command needs (checked before writing)
    │   │   └── ClockSkewError         exit 5   this machine's clock disagrees with Zendesk's
    │   ├── NotFoundError              exit 6   ticket, macro, form or field does not exist
    │   ├── ConflictError              exit 7   ticket changed since it was evaluated (409 / stale stamp)
    │   ├── ValidationError            exit 8   Zendesk refused the change (422), with its details
    │   ├── RateBudgetError            exit 9   rate limit wait budget exhausted
    │   └── UnreachableError           exit 10  connection refused, DNS, timeouts after retries
    ├── VerificationError              exit 11  a forge lookup failed in a way that is not "unknown"
    ├── JournalError                   exit 12  the SQLite journal cannot be opened or written
    ├── LockedError                    exit 13  another writing run holds the lock or the account's lease
    ├── GuardRailError                 exit 14  an unattended run stopped before writing (a guard-rail)
    └── TimeLimitError                 exit 17  the run reached its time limit (--max-run-time) and stopped early

Codes that are not errors of this tree (success, failed writes, internal error, interrupt, broken pipe)
are in ``OTHER_EXIT_CODES``; :func:`exit_codes` joins both into the table that ``commops help
exit-codes`` prints and docs/cli.md shows. Each code has one meaning: a new kind of error either
inherits its parent's code or takes a number of its own (``tests/unit/test_exit_codes.py`` checks).

Errors of the layer below (zenpy, requests, httpx, sqlite3) are translated at the adapter edge with
``raise ... from exc``; nothing else reaches the CLI, which prints ``str(error)`` and exits with
``error.exit_code`` (tracebacks only with ``--debug``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

__all__ = [
    "EXIT_BROKEN_PIPE",
    "EXIT_INTERNAL",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_USAGE",
    "EXIT_WRITE_ERRORS",
    "OTHER_EXIT_CODES",
    "AuthError",
    "ClockSkewError",
    "CommopsError",
    "ConfigError",
    "ConflictError",
    "ExitCode",
    "GuardRailError",
    "JournalError",
    "LockedError",
    "LoginRequiredError",
    "NotFoundError",
    "ProblemsFound",
    "RateBudgetError",
    "RuleError",
    "ScopeError",
    "TimeLimitError",
    "TokenExpiredError",
    "UnreachableError",
    "UsageError",
    "ValidationError",
    "VerificationError",
    "ZendeskError",
    "exit_codes",
]

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_WRITE_ERRORS = 15
EXIT_INTERNAL = 70
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141


class CommopsError(Exception):
    """Base of every error commops reports to a user."""

    exit_code: ClassVar[int] = 16
    meaning: ClassVar[str] = "an error with no more specific code (e.g. a file commops cannot write)"

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n  hint: {self.hint}"


class ProblemsFound(CommopsError):
    """The check itself worked and found problems (printed on stdout before this is raised)."""

    exit_code = 1
    meaning = "the checks ran and found problems (rules lint, rules test, doctor)"


class UsageError(CommopsError):
    """The command line asks for something impossible: the same code as click's own usage errors."""

    exit_code = EXIT_USAGE
    meaning = "usage: an unknown command or option, a missing or wrong argument, options that do not combine"


class ConfigError(CommopsError):
    """A config value or environment variable is wrong: the message names it and says what is allowed."""

    exit_code = 78
    meaning = "configuration: the config file or a COMMOPS_* variable is missing, malformed or out of range"


class RuleError(CommopsError):
    """Rule files failed to load; ``problems`` holds every ``file:line:col: message`` found."""

    exit_code = 3
    meaning = "the rule files do not load (every problem is printed as file:line:col)"

    def __init__(self, message: str, problems: list[str] | None = None, *, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.problems = list(problems or [])

    def __str__(self) -> str:
        lines = [self.message, *self.problems]
        if self.hint:
            lines.append(f"  hint: {self.hint}")
        return "\n".join(lines)


class ZendeskError(CommopsError):
    """Zendesk answered with an error, or did not answer. ``status`` is the HTTP status when known."""

    exit_code = 4
    meaning = "Zendesk answered with an error not covered below"

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        details: object = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.status = status
        self.details = details


class AuthError(ZendeskError):
    exit_code = 5
    meaning = "Zendesk refused the credentials (401/403)"


class TokenExpiredError(AuthError):
    """The token expired or was revoked and cannot be renewed here."""


class LoginRequiredError(AuthError):
    """``commops auth login`` is needed: no stored login, or its refresh token was refused."""


class ScopeError(AuthError):
    """The token's scopes do not cover what the command does."""


class ClockSkewError(AuthError):
    """The local clock is too far from Zendesk's (``Date`` header) for expiry and SLA arithmetic."""


class NotFoundError(ZendeskError):
    exit_code = 6
    meaning = "a ticket, macro, form or field asked for does not exist"


class ConflictError(ZendeskError):
    exit_code = 7
    meaning = "a ticket changed since it was evaluated"


class ValidationError(ZendeskError):
    exit_code = 8
    meaning = "Zendesk refused the change (422), with its details"


class RateBudgetError(ZendeskError):
    exit_code = 9
    meaning = "the rate-limit wait budget ran out"


class UnreachableError(ZendeskError):
    exit_code = 10
    meaning = "Zendesk did not answer (connection refused, DNS, timeouts after retries)"


class VerificationError(CommopsError):
    exit_code = 11
    meaning = "a forge lookup failed in a way that is not 'unknown'"


class JournalError(CommopsError):
    exit_code = 12
    meaning = "the journal cannot be opened or written"


class LockedError(CommopsError):
    exit_code = 13
    meaning = "another commops run is writing (holds the lock or the account's lease); this one did nothing"


class GuardRailError(CommopsError):
    """``summary`` carries the run's summary (an unattended run still reports what it found)."""

    exit_code = 14
    meaning = "a guard-rail stopped an unattended run before writing (its summary is still printed)"
    summary: object = None


class TimeLimitError(CommopsError):
    """``summary`` carries the run's summary: what was written before the limit stands."""

    exit_code = 17
    meaning = ("the run reached its time limit (--max-run-time): it took no new work, finished what was in "
               "flight and stopped; the next run continues (its summary is still printed)")
    summary: object = None


@dataclass(frozen=True)
class ExitCode:
    """One row of the exit-code table: the code, what it means, and the errors that exit with it."""

    code: int
    meaning: str
    errors: tuple[str, ...] = ()


OTHER_EXIT_CODES = (
    ExitCode(EXIT_OK, "success (a dry run, or every write landed; conflicts are normal and wait for the next run)"),
    ExitCode(EXIT_WRITE_ERRORS, "some writes failed; they are recorded and a later run retries them safely"),
    ExitCode(EXIT_INTERNAL, "internal error: a bug (rerun with --debug and report the traceback)"),
    ExitCode(EXIT_INTERRUPTED, "interrupted (Ctrl-C)"),
    ExitCode(EXIT_BROKEN_PIPE, "stdout was closed early (e.g. piped into head): output stopped quietly"),
)


def _tree(cls: type[CommopsError]) -> list[type[CommopsError]]:
    """``cls`` and the subclasses declared here, depth first (helpers elsewhere only narrow a kind)."""
    found = [cls]
    for sub in sorted(cls.__subclasses__(), key=lambda c: c.__name__):
        if sub.__module__ == __name__:
            found += _tree(sub)
    return found


def exit_codes() -> list[ExitCode]:
    """Every exit code commops uses, from the error tree and ``OTHER_EXIT_CODES``, sorted by code."""
    rows: dict[int, ExitCode] = {row.code: row for row in OTHER_EXIT_CODES}
    for cls in _tree(CommopsError):
        row = rows.get(cls.exit_code)
        if row is None:
            rows[cls.exit_code] = ExitCode(cls.exit_code, cls.meaning, (cls.__name__,))
        else:
            rows[cls.exit_code] = ExitCode(row.code, row.meaning, (*row.errors, cls.__name__))
    return [rows[code] for code in sorted(rows)]
