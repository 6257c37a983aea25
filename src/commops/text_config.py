"""Editing one TOML table of a config file in place, keeping every other line (and comment) as written."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from commops.errors import ConfigError, UsageError

__all__ = ["replace_section", "with_token", "write_config"]

_HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")


def replace_section(path: Path, table: str, lines: Sequence[str]) -> None:
    """Give ``[table]`` exactly ``lines`` (the table is added at the end when the file has none)."""
    try:
        text = path.read_text(encoding="utf-8") if path.exists() else ""
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from exc
    out: list[str] = []
    skipping = found = False
    for line in text.splitlines():
        header = _HEADER.match(line)
        if header:
            skipping = header.group(1) == table
            if skipping:
                found = True
                out += [f"[{table}]", *lines]
                continue
        if not skipping:
            out.append(line)
    if not found:
        out += ([""] if out and out[-1].strip() else []) + [f"[{table}]", *lines]
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(out) + "\n", encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot write {path}: {exc.strerror}") from exc


def with_token(text: str, token: str | None) -> str:
    """A config's text with ``[zendesk] token`` set (``init --store-token``); unchanged without a token."""
    if token is None:
        return text
    import tomlkit

    document = tomlkit.parse(text)
    zendesk = document["zendesk"]
    assert isinstance(zendesk, tomlkit.items.Table)
    zendesk["token"] = token
    return tomlkit.dumps(document)


def write_config(target: Path, text: str, *, private: bool, force: bool) -> None:
    """Write a config file; ``private`` (a secret inside): mode 0600 from the moment it exists."""
    import os

    if target.exists() and not force:
        raise UsageError(f"{target} already exists", hint="use --force to overwrite it")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        # With the token inside, the file is private from the moment it exists (not chmod-ed afterwards).
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if private else 0o644)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        if private:
            target.chmod(0o600)  # an existing file keeps its mode through O_CREAT
    except OSError as exc:
        raise UsageError(
            f"cannot write {target}: {exc.strerror or exc}",
            hint="choose a writable place with --config FILE or COMMOPS_HOME",
        ) from None
