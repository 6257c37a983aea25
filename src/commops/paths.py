"""Where commops keeps its state: everything lives under one directory, ``COMMOPS_HOME``.

:class:`StateDir` names every file in it, so no other module spells a file name under the home.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import platformdirs

__all__ = [
    "StateDir",
    "commops_home",
    "config_path",
    "journal_path",
    "sandbox_db_path",
    "verify_cache_path",
]


@dataclass(frozen=True)
class StateDir:
    """The files of one ``COMMOPS_HOME``: config, journal, embedded sandbox, verification cache, run lock."""

    root: Path

    @property
    def config(self) -> Path:
        return self.root / "config.toml"

    @property
    def journal(self) -> Path:
        return self.root / "journal.sqlite3"

    @property
    def sandbox_db(self) -> Path:
        return self.root / "sandbox.sqlite3"

    @property
    def benefits(self) -> Path:
        """Code pools, provisioning intents and the membership ledger."""
        return self.root / "benefits.sqlite3"

    @property
    def verify_cache(self) -> Path:
        return self.root / "verify-cache.sqlite3"

    @property
    def run_lock(self) -> Path:
        """Held by every writing run, so two runs never write the same decisions at once."""
        return self.root / "unattended.lock"

    def for_account(self, account: str) -> StateDir:
        """The state of one real account (journal, lock, cache) under ``accounts/<host>``: a ticket id
        is unique only within one account, so two accounts never share a journal. The files at the
        root are the embedded sandbox's."""
        slug = re.sub(r"[^A-Za-z0-9.-]+", "_", account.split("://", 1)[-1]).strip("_.") or "account"
        return StateDir(self.root / "accounts" / slug)


def commops_home() -> Path:
    """``$COMMOPS_HOME`` if set, else the platform's user data dir; created on first use."""
    raw = os.environ.get("COMMOPS_HOME")
    home = Path(raw).expanduser() if raw else Path(platformdirs.user_data_dir("commops", appauthor=False))
    home.mkdir(parents=True, exist_ok=True)
    return home


def config_path() -> Path:
    return StateDir(commops_home()).config


def sandbox_db_path() -> Path:
    return StateDir(commops_home()).sandbox_db


def journal_path() -> Path:
    return StateDir(commops_home()).journal


def verify_cache_path() -> Path:
    return StateDir(commops_home()).verify_cache
