"""Rendering proposals and rows for people (rich table, plain text) and machines (JSON Lines, CSV)."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterable, Sequence
from typing import Any, TextIO

from rich.console import Console
from rich.table import Table
from rich.text import Text

from commops.domain import Outcome, Proposal
from commops.ports import WriteResult
from commops.safe_text import csv_row

__all__ = ["OUTCOME_STYLE", "proposal_record", "write_csv", "write_jsonl",
    "write_machine", "write_rows", "write_table"]

OUTCOME_STYLE = {
    Outcome.QUALIFY: "green",
    Outcome.REJECT: "red",
    Outcome.ASK: "yellow",
    Outcome.ESCALATE: "magenta",
    Outcome.MANUAL: "cyan",
    Outcome.SKIP: "dim",
}


def proposal_record(proposal: Proposal, result: WriteResult | None = None) -> dict[str, Any]:
    """One application as JSON: the fields scripts rely on, in a stable order."""
    decision = proposal.decision
    return {
        "ticket_id": decision.ticket_id,
        "program": decision.program,
        "outcome": decision.outcome.value,
        "macros": [m.title for m in decision.macros],
        "reasons": [{"rule": r.rule, "message": r.message} for r in decision.reasons],
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


def write_jsonl(records: Iterable[dict[str, Any]], out: TextIO | None = None) -> None:
    out = out or sys.stdout
    for record in records:
        out.write(json.dumps(record, default=str) + "\n")


def write_rows(rows: Sequence[dict[str, Any]], out: TextIO | None = None) -> None:
    """Plain rows as CSV with a header; lists become ``; ``-joined text; every cell is cleaned of control
    characters and neutralised if a spreadsheet would read it as a formula."""
    out = out or sys.stdout
    if not rows:
        return
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(csv_row({k: "; ".join(map(str, v)) if isinstance(v, list) else v for k, v in row.items()}))


def write_machine(fmt: str, rows: Sequence[dict[str, Any]]) -> bool:
    """``rows`` as JSON Lines or CSV when ``fmt`` asks for one (True); False leaves the table to the caller."""
    if fmt == "json":
        write_jsonl(rows)
        return True
    if fmt == "csv":
        write_rows(rows)
        return True
    return False


def write_csv(records: Sequence[dict[str, Any]], out: TextIO | None = None) -> None:
    """Proposal records as CSV: reasons flattened to ``rule: message``."""
    flat = [
        {**r, "reasons": [f"{x['rule']}: {x['message']}" for x in r["reasons"]]} for r in records
    ]
    write_rows(flat, out)


def write_table(console: Console, records: Sequence[dict[str, Any]], *, title: str | None = None) -> None:
    """A rich table on a terminal; the same rows as tab-separated plain text otherwise."""
    if not console.is_terminal:
        for r in records:
            reasons = " | ".join(x["message"] for x in r["reasons"])
            macros = ", ".join(r["macros"]) or "-"
            state = r["write"] or ("proposal" if r["outcome"] != "skip" else "-")
            console.print(
                "\t".join(
                    [str(r["ticket_id"]), r["program"] or "-", r["outcome"], r["sla"] or "-", macros, state, reasons]
                ),
                highlight=False,
                soft_wrap=True,
                markup=False,  # reasons quote user data and config names such as "[verify]"
            )
        return
    table = Table(title=title, show_lines=False, expand=False)
    for column in ("ticket", "program", "outcome", "SLA", "age", "macros", "reasons", "write"):
        table.add_column(column, overflow="fold")
    for r in records:
        style = OUTCOME_STYLE.get(Outcome(r["outcome"]), "")
        table.add_row(
            str(r["ticket_id"]),
            r["program"] or "-",
            Text(r["outcome"], style=style),
            r["sla"] or "-",
            "-" if r["age_business_days"] is None else str(r["age_business_days"]),
            "\n".join(r["macros"]) or "-",
            "\n".join(f"{x['rule']}: {x['message']}" for x in r["reasons"]) or "-",
            r["write"] or (Text("proposal", style="dim") if r["outcome"] != "skip" else "-"),
        )
    console.print(table)
