"""The member-satisfaction section of the stats report, for the terminal and for HTML (JSON has it as is)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.table import Table

from commops.domain.satisfaction import SatisfactionCounts, SatisfactionReport

__all__ = ["satisfaction_html", "satisfaction_rows", "satisfaction_table"]

HEAD = ("group", "offered", "rated", "response rate", "good", "bad", "good share", "comments")


def _pct(share: float | None) -> str:
    return "–" if share is None else f"{share:.0%}"


def _row(name: str, counts: SatisfactionCounts) -> list[object]:
    return [name, counts.offered, counts.rated, _pct(counts.response_rate), counts.good, counts.bad,
            _pct(counts.good_share), counts.comments]


def satisfaction_rows(section: SatisfactionReport) -> list[list[object]]:
    """All, then each program, then each outcome (the ticket's last decision), then program × outcome."""
    rows = [_row("all", section.overall)]
    rows += [_row(f"program {name}", counts) for name, counts in sorted(section.programs.items())]
    rows += [_row(f"outcome {name}", counts) for name, counts in sorted(section.outcomes.items())]
    rows += [_row(f"{program} · {outcome}", counts) for program, by in sorted(section.by_program_outcome.items())
             for outcome, counts in sorted(by.items())]
    return rows


def satisfaction_table(section: SatisfactionReport) -> Table:
    table = Table(title="member satisfaction (Zendesk satisfaction ratings of the period's tickets)")
    for column in HEAD:
        table.add_column(column, justify="left" if column == "group" else "right")
    for row in satisfaction_rows(section):
        table.add_row(*(str(cell) for cell in row))
    return table


def satisfaction_html(section: SatisfactionReport,
                      table: Callable[[Sequence[str], Sequence[Sequence[object]]], str]) -> str:
    note = ("<p class='meta'>Good share: good ratings among rated tickets; response rate: rated among surveys "
            "offered. Per outcome: the ticket's last decision.</p>")
    return "<h2>Member satisfaction</h2>" + note + table(HEAD, satisfaction_rows(section))
