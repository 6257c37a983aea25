"""Where commops keeps its state: everything lives under one directory, ``COMMOPS_HOME``."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

__all__ = ["commops_home", "config_path", "journal_path", "sandbox_db_path", "verify_cache_path"]


def commops_home() -> Path:
    """``$COMMOPS_HOME`` if set, else the platform's user data dir; created on first use."""
    raw = os.environ.get("COMMOPS_HOME")
    home = Path(raw).expanduser() if raw else Path(platformdirs.user_data_dir("commops", appauthor=False))
    home.mkdir(parents=True, exist_ok=True)
    return home


def config_path() -> Path:
    return commops_home() / "config.toml"


def sandbox_db_path() -> Path:
    return commops_home() / "sandbox.sqlite3"


def journal_path() -> Path:
    return commops_home() / "journal.sqlite3"


def verify_cache_path() -> Path:
    return commops_home() / "verify-cache.sqlite3"
