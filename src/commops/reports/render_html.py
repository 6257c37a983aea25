"""The mailed report: one self-contained HTML file with inline SVG charts (no scripts, fonts or links).

Charts are drawn here as plain SVG so that the file reads the same in a browser, a mail client and on
paper; every chart has a fixed viewBox and shrinks with the page (``max-width: 100%``).
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from commops.reports.measures import day_bins
from commops.reports.model import GroupStats, Measures, StatsReport
from commops.safe_text import clean

__all__ = ["render_html"]

_ACTORS = (
    ("unattended", "Unattended runs", "#2b8a3e"),
    ("commops_specialist", "Specialists via commops", "#1971c2"),
    ("zendesk_specialist", "Specialists in Zendesk", "#e8590c"),
)
_OUTCOME_COLORS = {"qualify": "#2b8a3e", "reject": "#c92a2a", "ask": "#f08c00", "escalate": "#7048e8"}
_OK, _RISK, _BREACH = "#2b8a3e", "#f08c00", "#c92a2a"
_W = 640  # chart width in user units; charts scale down with the page

_CSS = """
body{font-family:-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#212529;margin:0;background:#fff}
main{max-width:900px;margin:0 auto;padding:16px 20px}
h1{font-size:22px;margin:8px 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #dee2e6}
p.meta{color:#495057;font-size:13px;margin:0 0 12px}
.kpis{display:flex;flex-wrap:wrap;gap:10px;margin:12px 0}
.kpi{flex:1 1 150px;border:1px solid #dee2e6;border-radius:6px;padding:8px 10px;min-width:0}
.kpi b{display:block;font-size:22px}.kpi span{font-size:12px;color:#495057}
table{border-collapse:collapse;width:100%;font-size:13px;margin:6px 0 12px}
th,td{padding:4px 6px;border-bottom:1px solid #e9ecef;text-align:left;overflow-wrap:break-word}
.n{text-align:right;white-space:nowrap}th{background:#f1f3f5;font-weight:600}th.n{white-space:normal}
@media (max-width:640px){main{padding:10px 6px}table{font-size:10.5px}th,td{padding:3px 2px}}
svg.chart{display:block;max-width:100%;height:auto;margin:6px 0 14px}
.legend{font-size:12px;color:#495057}.sw{display:inline-block;width:10px;height:10px;margin:0 4px 0 10px}
@media print{main{max-width:none;padding:0}h2{break-after:avoid}svg.chart,table{break-inside:avoid}}
"""


def _e(value: object) -> str:
    """Text for HTML: escaped, and without control characters (the file may be read with ``cat`` too)."""
    return escape(clean(str(value)), quote=True)


def _pct(share: float | None) -> str:
    return "–" if share is None else f"{share:.0%}"


def _num(value: float | int | None) -> str:
    if value is None:
        return "–"
    return f"{value:g}" if isinstance(value, float) else str(value)


def _svg(height: int, label: str, body: list[str]) -> str:
    return (
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_W} {height}" width="{_W}" '
        f'height="{height}" role="img" aria-label="{_e(label)}" font-family="Helvetica,Arial,sans-serif" '
        f'font-size="11"><title>{_e(label)}</title>{"".join(body)}</svg>'
    )


def _column_chart(label: str, bars: Sequence[tuple[str, Sequence[tuple[int, str]]]], lines: Sequence[str] = ()) -> str:
    """Vertical (optionally stacked) columns: each bar is (x label, [(value, colour), ...])."""
    height, top_pad, bottom, left = 220, 14, 34, 36
    plot_h, plot_w = height - top_pad - bottom, _W - left - 8
    top = max((sum(v for v, _ in parts) for _, parts in bars), default=0) or 1
    step = plot_w / max(len(bars), 1)
    width = max(step * 0.7, 1.0)
    body = [
        f'<line x1="{left}" y1="{top_pad + plot_h}" x2="{_W - 8}" y2="{top_pad + plot_h}" stroke="#868e96"/>',
        f'<text x="{left - 4}" y="{top_pad + 4}" text-anchor="end">{top}</text>',
        f'<text x="{left - 4}" y="{top_pad + plot_h}" text-anchor="end">0</text>',
    ]
    every = max(1, round(len(bars) / 16))
    for i, (x_label, parts) in enumerate(bars):
        x = left + i * step + (step - width) / 2
        y: float = top_pad + plot_h
        for value, colour in parts:
            h = value / top * plot_h
            y -= h
            if value:
                body.append(
                    f'<rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{h:.1f}" fill="{colour}">'
                    f"<title>{_e(x_label)}: {value}</title></rect>"
                )
        if i % every == 0:
            body.append(
                f'<text x="{x + width / 2:.1f}" y="{top_pad + plot_h + 14}" text-anchor="middle">{_e(x_label)}</text>'
            )
    body.extend(lines)
    return _svg(height, label, body)


def _threshold(index: float, count: int, text: str, colour: str) -> str:
    """A dashed vertical line before column ``index`` of ``count`` in a column chart."""
    x = 36 + index * (_W - 44) / max(count, 1)
    return (
        f'<line x1="{x:.1f}" y1="10" x2="{x:.1f}" y2="186" stroke="{colour}" stroke-dasharray="4 3"/>'
        f'<text x="{x + 3:.1f}" y="24" fill="{colour}">{_e(text)}</text>'
    )


def _hbar_chart(label: str, items: Sequence[tuple[str, int, str]]) -> str:
    row, left = 22, 150
    height = max(row * len(items) + 8, 30)
    top = max((v for _, v, _ in items), default=0) or 1
    body: list[str] = []
    for i, (name, value, colour) in enumerate(items):
        y = 4 + i * row
        w = value / top * (_W - left - 60)
        body.append(f'<text x="{left - 6}" y="{y + 14}" text-anchor="end">{_e(name[:24])}</text>')
        body.append(f'<rect x="{left}" y="{y + 3}" width="{w:.1f}" height="{row - 8}" fill="{colour}"/>')
        body.append(f'<text x="{left + w + 4:.1f}" y="{y + 14}">{value}</text>')
    return _svg(height, label, body)


def _legend(items: Sequence[tuple[str, str]]) -> str:
    spans = "".join(f'<span class="sw" style="background:{c}"></span>{_e(t)}' for t, c in items)
    return f'<div class="legend">{spans}</div>'


def _cell(tag: str, value: object, numeric: bool) -> str:
    return f"<{tag} class='n'>{_e(value)}</{tag}>" if numeric else f"<{tag}>{_e(value)}</{tag}>"


def _table(head: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """Columns whose cells are all numbers (or dashes, or percentages) are right-aligned."""
    numeric = [
        all(
            isinstance(r[i], int | float) or str(r[i]).rstrip("%").replace(".", "").isdigit() or r[i] == "–"
            for r in rows
        )
        for i in range(len(head))
    ]
    th = "".join(_cell("th", h, numeric[i] and bool(rows)) for i, h in enumerate(head))
    trs = "".join("<tr>" + "".join(_cell("td", c, numeric[i]) for i, c in enumerate(row)) + "</tr>" for row in rows)
    return f"<table><thead><tr>{th}</tr></thead><tbody>{trs}</tbody></table>"


def _groups(report: StatsReport) -> list[tuple[str, Measures]]:
    rows: list[tuple[str, Measures]] = list(report.programs.items())
    return [*rows, ("all programs", report.overall)] if len(rows) != 1 else rows


def _kpis(report: StatsReport) -> str:
    o = report.overall
    cards = [
        (
            o.queue.size,
            f"in the queue, {o.queue.backlog} created before the period" if o.queue.backlog else "in the queue",
        ),
        (o.queue.at_risk, f"at risk (day {report.sla.at_risk_day}–{report.sla.due_day})"),
        (o.queue.breached, f"in breach (after day {report.sla.due_day})"),
        (_num(o.decisions.time_to_decision.median), "median business days to decision"),
        (_num(o.decisions.time_to_decision.p90), "90th percentile, business days"),
        (_pct(o.decisions.automated_share), "of decisions automated"),
    ]
    return (
        '<div class="kpis">'
        + "".join(f'<div class="kpi"><b>{_e(v)}</b><span>{_e(t)}</span></div>' for v, t in cards)
        + "</div>"
    )


def _queue_section(report: StatsReport) -> str:
    rows = [
        [
            name,
            m.tickets,
            m.queue.size,
            *(m.queue.by_status.get(s, 0) for s in ("new", "open", "pending", "hold")),
            m.queue.at_risk,
            m.queue.breached,
            _num(m.queue.oldest_days),
        ]
        for name, m in _groups(report)
    ]
    head = ["program", "tickets", "in queue", "new", "open", "pending", "hold", "at risk", "breached", "oldest (d)"]
    html = ["<h2>Queue health</h2>", _table(head, rows)]
    hist = report.overall.queue.age_histogram
    if hist:
        risk, due = report.sla.at_risk_day, report.sla.due_day
        bins = day_bins(hist, max(3 * due, 30))
        bars = [(label, [(n, _BREACH if d > due else _RISK if d >= risk else _OK)]) for label, n, d in bins]
        lines = [_threshold(risk, len(bars), "at risk", _RISK)] if risk < len(bars) else []
        lines += [_threshold(due + 1, len(bars), "breach", _BREACH)] if due + 1 < len(bars) else []
        html.append(
            "<p class='meta'>Age of open tickets in business days since creation (tickets created before the "
            "period that are still open included).</p>"
        )
        html.append(_column_chart("Queue age in business days", bars, lines))
    return "".join(html)


def _decision_section(report: StatsReport) -> str:
    head = [
        "program",
        "decisions",
        "unattended",
        "via commops",
        "in Zendesk",
        "automated",
        "decided",
        "median (d)",
        "p90 (d)",
        "late",
    ]
    rows = [
        [
            name,
            m.decisions.total,
            *(m.decisions.by_actor.get(a, 0) for a, _, _ in _ACTORS),
            _pct(m.decisions.automated_share),
            m.decisions.decided,
            _num(m.decisions.time_to_decision.median),
            _num(m.decisions.time_to_decision.p90),
            m.decisions.decided_late,
        ]
        for name, m in _groups(report)
    ]
    html = ["<h2>Decisions, automation and time to decision</h2>", _table(head, rows)]
    ttd = report.overall.decisions.time_to_decision
    if ttd.histogram:
        due = report.sla.due_day
        bars = [
            (str(d), [(ttd.histogram.get(d, 0), _BREACH if d > due else _OK)]) for d in range(max(ttd.histogram) + 1)
        ]
        html.append("<p class='meta'>Business days from creation to the first qualify or reject.</p>")
        html.append(_column_chart("Time to decision in business days", bars))
    outcomes = report.overall.decisions.outcomes
    if outcomes:
        items = [(o, n, _OUTCOME_COLORS.get(o, "#868e96")) for o, n in outcomes.items()]
        html += ["<h2>Outcome mix</h2>", _hbar_chart("Decisions by outcome", items)]
    return "".join(html)


def _reasons_section(group: GroupStats) -> str:
    d = group.decisions
    if not d.reject_reasons and not d.ask_reasons:
        return ""
    html = ["<h2>Most frequent reasons</h2>"]
    if d.reject_reasons:
        html.append(_hbar_chart("Top reject reasons", [(r.rule, r.count, _BREACH) for r in d.reject_reasons]))
    if d.ask_reasons:
        html.append(_hbar_chart("Top ask reasons", [(r.rule, r.count, _RISK) for r in d.ask_reasons]))
    return "".join(html)


def _weeks_section(group: GroupStats) -> str:
    if not group.weeks:
        return ""
    bars = [(w.week[-3:], [(w.decisions.by_actor.get(a, 0), c) for a, _, c in _ACTORS]) for w in group.weeks]
    rows = [
        [
            w.week,
            w.tickets,
            w.decisions.total,
            _pct(w.decisions.automated_share),
            _num(w.decisions.time_to_decision.median),
            _num(w.decisions.time_to_decision.p90),
            w.decisions.decided_late,
            w.queue.size,
        ]
        for w in group.weeks
    ]
    head = ["week", "created", "decisions", "automated", "median (d)", "p90 (d)", "late", "still open"]
    return "".join(
        [
            "<h2>Weekly trend</h2>",
            _legend([(label, colour) for _, label, colour in _ACTORS]),
            _column_chart("Decisions per week by who made them", bars),
            _table(head, rows),
        ]
    )


def _breached_section(report: StatsReport) -> str:
    if not report.breached_tickets:
        return ""
    head = ["ticket", "program", "status", "age (d)"] + ([] if report.redacted else ["requester"])
    rows = [
        [t.ticket_id, t.program or "", t.status, t.age_days]
        + ([] if report.redacted else [" ".join(filter(None, [t.requester_name, t.requester_email]))])
        for t in report.breached_tickets
    ]
    return "<h2>Oldest tickets in breach</h2>" + _table(head, rows)


def _satisfaction_section(report: StatsReport) -> str:
    if report.satisfaction is None or not report.satisfaction.overall.offered:
        return ""
    from commops.reports.render_satisfaction import satisfaction_html

    return satisfaction_html(report.satisfaction, _table)


def render_html(report: StatsReport) -> str:
    """The whole report as one HTML document."""
    period = f"{report.since or '…'} to {report.until or report.as_of}"
    scope = f" · program {report.program}" if report.program else ""
    meta = (
        f"Tickets created {period}{scope}; as of {report.as_of}. A decision is due within {report.sla.due_day} "
        f"business days, at risk from day {report.sla.at_risk_day}"
        f"{' (holidays: ' + report.sla.holiday_country + ')' if report.sla.holiday_country else ''}."
        f" Generated {report.generated_at:%Y-%m-%d %H:%M} UTC."
    ) + (" Requester details redacted." if report.redacted else "")
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>Community programs: statistics {_e(period)}</title><style>{_CSS}</style></head><body><main>",
        f"<h1>Community programs: queue, service level and automation</h1><p class='meta'>{_e(meta)}</p>",
        _kpis(report),
        _queue_section(report),
        _decision_section(report),
        _reasons_section(report.overall),
        _weeks_section(report.overall),
        _breached_section(report),
        _satisfaction_section(report),
        "</main></body></html>",
    ]
    return "\n".join(p for p in parts if p)
