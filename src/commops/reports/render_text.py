"""The terminal view: rich tables and bar charts answering the three weekly questions at a glance."""

from __future__ import annotations

from rich import box
from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from commops.reports.measures import day_bins
from commops.reports.model import GroupStats, Measures, StatsReport

__all__ = ["render_table"]

_ACTOR_LABELS = {"unattended": "unattended", "commops_specialist": "commops", "zendesk_specialist": "Zendesk"}
_BLOCKS = " ▏▎▍▌▋▊▉█"


def bar(value: float, top: float, width: int = 24, style: str = "cyan") -> Text:
    """A horizontal bar of ``width`` cells for ``top``, with eighth-cell precision."""
    if top <= 0 or value <= 0:
        return Text("")
    eighths = round(value / top * width * 8)
    full, part = divmod(eighths, 8)
    return Text("█" * full + (_BLOCKS[part] if part else ""), style=style)


def _pct(share: float | None) -> str:
    return "–" if share is None else f"{share:.0%}"


def _num(value: float | int | None) -> str:
    if value is None:
        return "–"
    return f"{value:g}" if isinstance(value, float) else str(value)


def _groups(report: StatsReport) -> list[tuple[str, Measures]]:
    rows: list[tuple[str, Measures]] = [(name, group) for name, group in report.programs.items()]
    return [*rows, ("all", report.overall)] if len(rows) != 1 else rows


def _queue_table(report: StatsReport) -> Table:
    table = Table(title="Queue health", title_justify="left", box=box.SIMPLE_HEAD)
    table.add_column("program", no_wrap=True)
    for column in ("tickets", "queue", "new", "open", "pending", "hold", "at risk", "breach", "oldest d"):
        table.add_column(column, justify="right")
    for name, m in _groups(report):
        q = m.queue
        table.add_row(
            name,
            str(m.tickets),
            str(q.size),
            *(str(q.by_status.get(s, 0)) for s in ("new", "open", "pending", "hold")),
            Text(str(q.at_risk), style="yellow" if q.at_risk else ""),
            Text(str(q.breached), style="bold red" if q.breached else ""),
            _num(q.oldest_days),
        )
    return table


def _age_chart(report: StatsReport) -> Table:
    hist = report.overall.queue.age_histogram
    table = Table(title="Queue age (business days)", title_justify="left", show_header=False, box=None)
    table.add_column("days", justify="right")
    table.add_column("bar")
    table.add_column("n", justify="right")
    bins = day_bins(hist, report.sla.due_day + 6)
    top = max((n for _, n, _ in bins), default=0)
    for label, count, day in bins:
        style = "red" if day > report.sla.due_day else "yellow" if day >= report.sla.at_risk_day else "green"
        table.add_row(label, bar(count, top, style=style), str(count))
    return table


def _decisions_table(report: StatsReport) -> Table:
    table = Table(title="Decisions and time to decision", title_justify="left", box=box.SIMPLE_HEAD)
    table.add_column("program", no_wrap=True)
    for column in ("total", *_ACTOR_LABELS.values(), "auto", "decided", "median d", "p90 d", "late"):
        table.add_column(column, justify="right")
    for name, m in _groups(report):
        d = m.decisions
        table.add_row(
            name,
            str(d.total),
            *(str(d.by_actor.get(actor, 0)) for actor in _ACTOR_LABELS),
            _pct(d.automated_share),
            str(d.decided),
            _num(d.time_to_decision.median),
            _num(d.time_to_decision.p90),
            Text(str(d.decided_late), style="red" if d.decided_late else ""),
        )
    return table


def _outcome_chart(group: GroupStats) -> Table:
    table = Table(title="Outcome mix", title_justify="left", show_header=False, box=None)
    for justify in ("left", "left", "right"):
        table.add_column(justify=justify)  # type: ignore[arg-type]
    outcomes = group.decisions.outcomes
    top = max(outcomes.values(), default=0)
    for outcome, count in outcomes.items():
        table.add_row(outcome, bar(count, top, style="magenta"), str(count))
    return table


def _reasons_table(group: GroupStats) -> Table:
    table = Table(title="Top reject and ask reasons", title_justify="left", box=box.SIMPLE_HEAD)
    table.add_column("reject rule")
    table.add_column("n", justify="right")
    table.add_column("ask rule")
    table.add_column("n", justify="right")
    rejects, asks = group.decisions.reject_reasons, group.decisions.ask_reasons
    for i in range(max(len(rejects), len(asks))):
        r = rejects[i] if i < len(rejects) else None
        a = asks[i] if i < len(asks) else None
        table.add_row(r.rule if r else "", str(r.count) if r else "", a.rule if a else "", str(a.count) if a else "")
    return table


def _weeks_table(group: GroupStats) -> Table:
    table = Table(title="Weekly trend", title_justify="left", box=box.SIMPLE_HEAD)
    table.add_column("week", no_wrap=True)
    for column in ("created", "decisions", "", "auto", "median d", "p90 d", "late", "open"):
        table.add_column(column, justify="left" if column == "" else "right", no_wrap=column == "")
    top = max((w.decisions.total for w in group.weeks), default=0)
    for w in group.weeks:
        d = w.decisions
        table.add_row(
            w.week,
            str(w.tickets),
            str(d.total),
            bar(d.total, top, width=12),
            _pct(d.automated_share),
            _num(d.time_to_decision.median),
            _num(d.time_to_decision.p90),
            str(d.decided_late),
            str(w.queue.size),
        )
    return table


def _breached_table(report: StatsReport) -> Table:
    table = Table(title="Oldest tickets in breach", title_justify="left", box=box.SIMPLE_HEAD)
    columns = ["ticket", "program", "status", "age d"] + ([] if report.redacted else ["requester"])
    for column in columns:
        table.add_column(column, justify="right" if column in ("ticket", "age d") else "left")
    for line in report.breached_tickets:
        who = [] if report.redacted else [" ".join(filter(None, [line.requester_name, line.requester_email]))]
        table.add_row(str(line.ticket_id), line.program or "", line.status, str(line.age_days), *who)
    return table


def render_table(report: StatsReport, console: Console) -> None:
    """Print the report: queue health, SLA, decisions and automation, reasons, weekly trend."""
    period = f"{report.since or '…'} to {report.until or report.as_of}"
    scope = f" · program {report.program}" if report.program else ""
    header = Text.assemble(
        ("commops stats", "bold"),
        f"  tickets created {period}{scope} · as of {report.as_of} · due by business day {report.sla.due_day}, "
        f"at risk from day {report.sla.at_risk_day}",
    )
    parts: list[RenderableType] = [header, _queue_table(report)]
    if report.overall.queue.backlog:
        n = report.overall.queue.backlog
        parts.append(Text(f"The queue includes {n} open ticket{'s' if n != 1 else ''} created before the period."))
    if report.overall.queue.age_histogram:
        parts.append(_age_chart(report))
    parts.append(_decisions_table(report))
    potential = report.automation_potential
    if potential is not None:
        parts.append(Text(
            f"Decided unattended: {_pct(report.overall.decisions.automated_share)} of decisions. Could have been "
            f"under the rules promoted so far: {_pct(potential.share)} ({potential.could} of {potential.compared} "
            "applications compared in shadow mode got the reply those rules give)."))
    if report.overall.decisions.outcomes:
        parts.append(_outcome_chart(report.overall))
    if report.overall.decisions.reject_reasons or report.overall.decisions.ask_reasons:
        parts.append(_reasons_table(report.overall))
    if report.overall.weeks:
        parts.append(_weeks_table(report.overall))
    if report.breached_tickets:
        parts.append(_breached_table(report))
    if report.satisfaction is not None and report.satisfaction.overall.offered:
        from commops.reports.render_satisfaction import satisfaction_table

        parts.append(satisfaction_table(report.satisfaction))
    console.print(Group(*parts))
