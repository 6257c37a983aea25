"""The one way commands print data: :func:`render` for ``--format table|json|csv``.

- ``json``: JSON Lines, one object per row, every field (or one ``document`` object when given);
- ``csv``: a header and every field of every row; lists joined with ``; ``;
- ``table``: on a terminal, a rich table of the chosen columns that wraps text and never truncates an
  identifier; when stdout is not a terminal (a pipe, a file, cron), plain TSV with a header line of column
  keys — no box drawing, no colour, no truncation, one line per row (as ``gh`` does).

Values from users and config (reasons, macro titles, "[verify]") are never read as rich markup, and go
through :mod:`commops.safe_text` on the way out (control characters replaced; CSV cells neutralised
against spreadsheet formulas).
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Literal

from commops.safe_text import clean, csv_row

if TYPE_CHECKING:
    from rich.console import Console

    from commops.domain import Proposal, Reason
    from commops.ports import WriteResult

__all__ = [
    "OUTCOME_STYLE",
    "PROPOSAL_COLUMNS",
    "Column",
    "Format",
    "cell_text",
    "proposal_record",
    "reason_lines",
    "render",
]

Row = Mapping[str, Any]


class Format(StrEnum):
    """What ``--format`` takes on every command that prints data."""

    table = "table"
    json = "json"
    csv = "csv"


@dataclass(frozen=True)
class Column:
    """A column of the table (and of the TSV when piped): ``key`` names it in the TSV header and is the
    field shown unless ``value`` derives the text; ``style`` colours a cell on a terminal; ``wrap`` lets a
    free-text column wrap (identifiers never do)."""

    key: str
    header: str | None = None
    value: Callable[[Row], Any] | None = None
    style: str | Callable[[Row], str] | None = None
    wrap: bool = False
    justify: Literal["left", "right"] = "left"

    def text(self, row: Row, joiner: str = ", ") -> str:
        """The cell; list items joined by ``joiner`` (one per line in a terminal table)."""
        return cell_text(self.value(row) if self.value is not None else row.get(self.key), joiner)

    def style_for(self, row: Row) -> str:
        if callable(self.style):
            return self.style(row)
        return self.style or ""


def cell_text(value: Any, joiner: str = ", ") -> str:
    """A value as one cell: None is empty, lists are joined, booleans are true/false."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return joiner.join(cell_text(v, joiner) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, default=str, sort_keys=True)
    return str(value)


def render(
    fmt: Format | str,
    rows: Sequence[Row],
    *,
    columns: Sequence[Column | str] | None = None,
    title: str | None = None,
    console: Console | None = None,
    document: Any = None,
) -> None:
    """Print ``rows`` as ``fmt`` on stdout (or ``console``'s file). ``columns`` choose and order what the
    table shows (default: every key of the first row); JSON and CSV always carry every field. With
    ``document``, JSON prints that one object instead of the rows."""
    fmt = Format(fmt)
    stream = console.file if console is not None else sys.stdout
    if fmt is Format.json:
        if document is not None:
            stream.write(json.dumps(document, default=str) + "\n")
        else:
            for row in rows:
                stream.write(json.dumps(dict(row), default=str) + "\n")
        return
    if fmt is Format.csv:
        _csv(rows, stream)
        return
    cols = _columns(columns, rows)
    terminal = console.is_terminal if console is not None else stream.isatty()
    if not terminal:
        _tsv(cols, rows, stream)
        return
    _table(cols, rows, title, console)


def _columns(columns: Sequence[Column | str] | None, rows: Sequence[Row]) -> list[Column]:
    if columns is None:
        columns = list(rows[0]) if rows else []
    return [c if isinstance(c, Column) else Column(c) for c in columns]


def _csv(rows: Sequence[Row], stream: Any) -> None:
    keys: dict[str, None] = {}
    for row in rows:
        keys.update(dict.fromkeys(row))
    if not keys:
        return
    writer = csv.DictWriter(stream, fieldnames=list(keys), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(csv_row({k: _csv_value(row.get(k)) for k in keys}))


def _csv_value(value: Any) -> Any:
    """Numbers stay numbers (so a negative count is not taken for a formula); booleans read true/false as
    in JSON and the TSV; the rest becomes one cell."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None or isinstance(value, int | float):
        return value
    return cell_text(value, "; ")


def _tsv_cell(text: str) -> str:
    if "\t" in text or "\n" in text or "\r" in text:
        text = " ".join(text.split())
    return clean(text)


def _tsv(columns: list[Column], rows: Sequence[Row], stream: Any) -> None:
    if not columns:
        return
    stream.write("\t".join(c.key for c in columns) + "\n")
    for row in rows:
        stream.write("\t".join(_tsv_cell(c.text(row, "; ")) for c in columns) + "\n")


def _table(columns: list[Column], rows: Sequence[Row], title: str | None, console: Console | None) -> None:
    from rich.table import Table
    from rich.text import Text

    from commops.cli.console import SafeConsole

    console = console or SafeConsole()
    table = Table(title=title, expand=False)
    for column in columns:
        texts = [column.text(row, "\n") for row in rows]
        header = column.header or column.key
        if column.wrap:
            table.add_column(header, overflow="fold", justify=column.justify, ratio=1)
        else:  # an identifier is never cut or folded: the column is as wide as its longest value
            widest = max([len(header), *(max((len(t) for t in text.splitlines()), default=0) for text in texts)])
            table.add_column(header, no_wrap=True, min_width=widest, justify=column.justify)
    for row in rows:
        table.add_row(*(Text(column.text(row, "\n") or "-", style=column.style_for(row)) for column in columns))
    console.print(table)


OUTCOME_STYLE = {  # by Outcome value
    "qualify": "green",
    "reject": "red",
    "ask": "yellow",
    "escalate": "magenta",
    "manual": "cyan",
    "skip": "dim",
}


def proposal_record(proposal: Proposal, result: WriteResult | None = None) -> dict[str, Any]:
    """One application as JSON: the fields scripts rely on, in a stable order.

    ``reasons`` are the rules behind the outcome; ``other_reasons`` every other rule that fired (outranked
    by the winner, or set aside by a specialist's override); ``overrules`` the escalate and reject rules
    an override sets aside (empty for the rules' own decisions).
    """
    from commops.domain.overrides import overruled

    decision = proposal.decision
    return {
        "ticket_id": decision.ticket_id,
        "program": decision.program,
        "outcome": decision.outcome.value,
        "macros": [m.title for m in decision.macros],
        "reasons": [_reason(r) for r in decision.reasons],
        "other_reasons": [_reason(r) for r in decision.other_reasons],
        "overrules": [r.rule for r in overruled(decision)],
        "applied": result is not None and result.status in ("applied", "already_applied"),
        "write": result.status if result else None,
        "error": result.error if result else None,
        "auto": decision.auto,
        "sla": proposal.sla.value if proposal.sla else None,
        "age_business_days": proposal.age_business_days,
        "updated_at": proposal.updated_stamp,
        "ruleset": decision.ruleset_version,
        "note": proposal.note,
    }


def _reason(reason: Reason) -> dict[str, Any]:
    return {"rule": reason.rule, "message": reason.message, "outcome": reason.outcome.value}


def reason_lines(reasons: Sequence[Mapping[str, Any]], *, outcome: bool = False) -> list[str]:
    """``rule: message`` per reason (``outcome rule: message`` for the outranked ones): one cell line each."""
    return [f"{x['outcome']} {x['rule']}: {x['message']}" if outcome else f"{x['rule']}: {x['message']}"
            for x in reasons]


def _write_state(row: Row) -> str:
    return str(row["write"] or ("proposal" if row["outcome"] != "skip" else ""))


PROPOSAL_COLUMNS = (
    Column("ticket_id", "ticket", justify="right"),
    Column("program"),
    Column("outcome", style=lambda r: OUTCOME_STYLE.get(r["outcome"], "")),
    Column("sla", "SLA"),
    Column("age_business_days", "age", justify="right"),
    Column("macros", wrap=True),
    Column("reasons", value=lambda r: reason_lines(r["reasons"]), wrap=True),
    Column("other_reasons", "also fired", value=lambda r: reason_lines(r["other_reasons"], outcome=True), wrap=True),
    Column("write", value=_write_state, style=lambda r: "" if r["write"] else "dim"),
)
