"""CSV imports: a program's codes, and a CRM export of members with a column mapping."""

from __future__ import annotations

import csv
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from commops.domain.member import Member, email_domain
from commops.errors import ConfigError

__all__ = ["MEMBER_COLUMNS", "BadRow", "MemberImport", "read_codes", "read_members"]

# ledger field -> the CSV column it is read from by default
MEMBER_COLUMNS: dict[str, str] = {
    "program": "program",
    "organisation": "organisation",
    "requester": "email",
    "seats": "seats",
    "subscription_id": "subscription_id",
    "term_start": "term_start",
    "term_end": "term_end",
    "ticket_id": "ticket_id",
}
_REQUIRED = ("program", "term_start", "term_end")


@dataclass(frozen=True)
class BadRow:
    line: int
    reason: str


@dataclass
class MemberImport:
    members: list[Member] = field(default_factory=list)
    bad: list[BadRow] = field(default_factory=list)


def _open(path: Path) -> list[tuple[int, dict[str, str]]]:
    """The rows with their line number (the line a row ends on; blank lines are skipped)."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            return [(reader.line_num, row) for row in reader]
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from exc
    except (csv.Error, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path} is not a readable CSV file: {exc}") from exc


def read_codes(path: Path) -> tuple[list[str], list[BadRow]]:
    """The codes of a CSV with a ``code`` column (or a single column); blank or repeated codes reported by line."""
    rows = _open(path)
    if not rows:
        return [], []
    column = "code" if "code" in rows[0][1] else next(iter(rows[0][1]))
    codes: list[str] = []
    bad: list[BadRow] = []
    seen: set[str] = set()
    for line, row in rows:
        code = (row.get(column) or "").strip()
        if not code:
            bad.append(BadRow(line, "empty code"))
        elif code in seen:
            bad.append(BadRow(line, f"code {code!r} repeats an earlier line"))
        else:
            seen.add(code)
            codes.append(code)
    return codes, bad


def read_members(path: Path, mapping: Mapping[str, str], programs: set[str]) -> MemberImport:
    """Ledger entries from a CRM export; each bad row is reported by its line and the rest imported."""
    columns = {**MEMBER_COLUMNS, **mapping}
    unknown = set(mapping) - set(MEMBER_COLUMNS)
    if unknown:
        raise ConfigError(f"unknown ledger field(s) in the mapping: {', '.join(sorted(unknown))}",
                          hint=f"ledger fields: {', '.join(MEMBER_COLUMNS)}")
    rows = _open(path)
    result = MemberImport()
    if rows:
        missing = [columns[k] for k in _REQUIRED if columns[k] not in rows[0][1]]
        if missing:
            raise ConfigError(f"{path} has no column {', '.join(repr(m) for m in missing)}",
                              hint="map your columns with --map field=column")
    for line, row in rows:
        def cell(key: str, row: dict[str, str] = row) -> str | None:
            value = (row.get(columns[key]) or "").strip()
            return value or None
        try:
            result.members.append(_member(cell, programs))
        except ValueError as exc:
            result.bad.append(BadRow(line, str(exc)))
    return result


def _member(get: Callable[[str], str | None], programs: set[str]) -> Member:
    program = get("program")
    if program is None or program not in programs:
        raise ValueError(f"program {program!r} is not configured" if program else "no program")
    start, end = _day(get("term_start"), "term_start"), _day(get("term_end"), "term_end")
    if end < start:
        raise ValueError(f"term_end {end} is before term_start {start}")
    seats_raw = get("seats")
    seats = None
    if seats_raw is not None:
        if not seats_raw.replace(",", "").isdigit() or int(seats_raw.replace(",", "")) < 1:
            raise ValueError(f"seats {seats_raw!r} is not a whole number of at least 1")
        seats = int(seats_raw.replace(",", ""))
    ticket_raw = get("ticket_id")
    if ticket_raw is not None and not ticket_raw.isdigit():
        raise ValueError(f"ticket_id {ticket_raw!r} is not a number")
    requester = get("requester")
    return Member(
        program=program, organisation=get("organisation"), requester=requester, email_domain=email_domain(requester),
        seats=seats, subscription_id=get("subscription_id"), term_start=start, term_end=end,
        ticket_id=int(ticket_raw) if ticket_raw else None, source="import",
    )


def _day(raw: str | None, name: str) -> date:
    if raw is None:
        raise ValueError(f"no {name}")
    try:
        return date.fromisoformat(raw[:10])
    except ValueError:
        raise ValueError(f"{name} {raw!r} is not a date (YYYY-MM-DD)") from None
