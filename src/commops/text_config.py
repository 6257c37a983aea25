"""Editing one TOML table of a config file in place, keeping every other line (and comment) as written."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from commops.errors import ConfigError

__all__ = ["replace_section"]

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
