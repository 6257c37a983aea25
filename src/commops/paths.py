"""Where commops keeps its state and finds its config.

State (journal, sandbox, cache, lock) lives under one directory, ``COMMOPS_HOME`` (default: the platform's
user data dir); :class:`StateDir` names every file in it, so no other module spells a file name under the
home. The config file is ``config.toml`` in the platform's user config dir (``$XDG_CONFIG_HOME/commops``
on Linux) — or in ``COMMOPS_HOME`` when that is set, so that one directory is a whole instance (cron, CI,
a scratch tour). Releases before 0.2 kept it in the data dir: :func:`legacy_config_path` is still read.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from commops.errors import ConfigError

__all__ = [
    "StateDir",
    "commops_home",
    "config_path",
    "ensure_writable_dir",
    "journal_path",
    "legacy_config_path",
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
    def account_snapshot(self) -> Path:
        """The account's fields, forms, macros and statuses as last read (``init --from-account``, ``rules
        lint --account``): what ``rules lint`` checks drop-down values against offline."""
        return self.root / "account.json"

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


def _data_dir() -> Path:
    return Path(platformdirs.user_data_dir("commops", appauthor=False))


def commops_home() -> Path:
    """``$COMMOPS_HOME`` if set, else the platform's user data dir; created on first use (a ConfigError
    naming the directory when it cannot be)."""
    raw = os.environ.get("COMMOPS_HOME")
    home = Path(raw).expanduser() if raw else _data_dir()
    ensure_writable_dir(home, "the state directory" + (" (COMMOPS_HOME)" if raw else ""))
    return home


def ensure_writable_dir(path: Path, what: str) -> None:
    """Create ``path`` if needed and check commops can write there; a sentence naming it otherwise."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"{what} {path} cannot be created: {exc.strerror or exc}",
                          hint="set COMMOPS_HOME to a directory you can write") from None
    if not path.is_dir():
        raise ConfigError(f"{what} {path} is not a directory", hint="set COMMOPS_HOME to a directory")
    if not os.access(path, os.W_OK | os.X_OK):
        raise ConfigError(f"{what} {path} is not writable", hint="set COMMOPS_HOME to a directory you can write")


def config_path() -> Path:
    """The config file read by default and written by ``commops init`` (it need not exist)."""
    raw = os.environ.get("COMMOPS_HOME")
    if raw:
        return Path(raw).expanduser() / "config.toml"
    return Path(platformdirs.user_config_dir("commops", appauthor=False)) / "config.toml"


def legacy_config_path() -> Path | None:
    """Where releases before 0.2 kept the config (beside the journal), when that is not :func:`config_path`."""
    if os.environ.get("COMMOPS_HOME"):
        return None
    old = _data_dir() / "config.toml"
    return None if old == config_path() else old


def sandbox_db_path() -> Path:
    return StateDir(commops_home()).sandbox_db


def journal_path() -> Path:
    return StateDir(commops_home()).journal


def verify_cache_path() -> Path:
    return StateDir(commops_home()).verify_cache
