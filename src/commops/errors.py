"""The commops error tree. Every error a user can see is one of these, with a sentence and an exit code.

    CommopsError                       exit 1   anything commops reports as a sentence
    ├── ConfigError                    exit 2   config file or environment is wrong
    ├── RuleError                      exit 3   rule files do not load (carries every problem found)
    ├── ZendeskError                   exit 4   anything Zendesk answered or failed to answer
    │   ├── AuthError                  exit 5   credentials refused (401/403)
    │   ├── NotFoundError              exit 6   ticket, macro, form or field does not exist
    │   ├── ConflictError              exit 7   ticket changed since it was evaluated (409 / stale stamp)
    │   ├── ValidationError            exit 8   Zendesk refused the change (422), with its details
    │   ├── RateBudgetError            exit 9   rate limit wait budget exhausted
    │   └── UnreachableError           exit 10  connection refused, DNS, timeouts after retries
    ├── VerificationError              exit 11  a forge lookup failed in a way that is not "unknown"
    ├── JournalError                   exit 12  the SQLite journal cannot be opened or written
    ├── LockedError                    exit 13  another writing run holds the lock
    └── GuardRailError                 exit 14  an unattended run stopped before writing (a guard-rail)

Errors of the layer below (zenpy, requests, httpx, sqlite3) are translated at the adapter edge with
``raise ... from exc``; nothing else reaches the CLI, which prints ``str(error)`` and exits with
``error.exit_code`` (tracebacks only with ``--debug``).
"""

from __future__ import annotations

__all__ = [
    "AuthError",
    "CommopsError",
    "ConfigError",
    "ConflictError",
    "GuardRailError",
    "JournalError",
    "LockedError",
    "NotFoundError",
    "RateBudgetError",
    "RuleError",
    "UnreachableError",
    "ValidationError",
    "VerificationError",
    "ZendeskError",
]


class CommopsError(Exception):
    """Base of every error commops reports to a user."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n  hint: {self.hint}"


class ConfigError(CommopsError):
    exit_code = 2


class RuleError(CommopsError):
    """Rule files failed to load; ``problems`` holds every ``file:line:col: message`` found."""

    exit_code = 3

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


class NotFoundError(ZendeskError):
    exit_code = 6


class ConflictError(ZendeskError):
    exit_code = 7


class ValidationError(ZendeskError):
    exit_code = 8


class RateBudgetError(ZendeskError):
    exit_code = 9


class UnreachableError(ZendeskError):
    exit_code = 10


class VerificationError(CommopsError):
    exit_code = 11


class JournalError(CommopsError):
    exit_code = 12


class LockedError(CommopsError):
    exit_code = 13


class GuardRailError(CommopsError):
    """``summary`` carries the run's summary (an unattended run still reports what it found)."""

    exit_code = 14
    summary: object = None
