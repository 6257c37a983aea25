"""Renderings of the report: JSON, per-ticket and summary CSV, rich terminal view, self-contained HTML."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date

import pytest
from rich.console import Console
from tests.unit.reports.test_stats_measures import AS_OF, at, history

from commops.domain.calendar import BusinessCalendar
from commops.reports import (
    SlaPolicy,
    StatsAggregator,
    StatsReport,
    TicketRecord,
    render_html,
    render_json,
    render_table,
    write_summary_csv,
    write_ticket_csv,
)
from commops.reports.measures import day_bins

POLICY = SlaPolicy(BusinessCalendar("", extra=["2026-01-19"]), extra_holidays=("2026-01-19",))
NAMES = ("Ada Lovelace", "ada@example.edu", "Grace Hopper", "grace@example.org")


def build(records: list[TicketRecord], *, redacted: bool = False) -> StatsReport:
    aggregator = StatsAggregator(POLICY, AS_OF)
    for record in records:
        aggregator.add(record.redacted() if redacted else record)
    return aggregator.report(generated_at=at("2026-01-30", 18), since=date(2026, 1, 1), until=AS_OF, redacted=redacted)


@pytest.fixture
def report() -> StatsReport:
    return build(history())


def test_json_is_one_document_that_round_trips(report: StatsReport) -> None:
    text = render_json(report)
    data = json.loads(text)
    assert data["overall"]["queue"]["breached"] == 2
    assert data["programs"]["education"]["decisions"]["automated_share"] == pytest.approx(0.8)
    assert StatsReport.model_validate_json(text) == report


def test_ticket_csv_has_one_row_per_ticket_with_its_facts() -> None:
    out = io.StringIO()
    assert write_ticket_csv(history(), POLICY, AS_OF, out) == 9
    rows = {int(r["ticket_id"]): r for r in csv.DictReader(io.StringIO(out.getvalue()))}
    assert len(rows) == 9
    two = rows[2]
    assert (two["first_decision"], two["first_decision_by"], two["time_to_decision_days"]) == (
        "reject",
        "commops_specialist",
        "6",
    )
    assert (two["last_outcome"], two["decisions"], two["sla"]) == ("reject", "2", "met")
    assert two["rules"] == "edu_ask_email edu_ask_nonprofit edu_reject_student"
    assert (rows[4]["age_business_days"], rows[4]["sla"], rows[4]["requester_name"]) == (
        "12",
        "breached",
        "Grace Hopper",
    )
    assert (rows[1]["age_business_days"], rows[3]["sla"]) == ("", "missed")


def test_redacted_ticket_csv_has_no_requester_columns() -> None:
    out = io.StringIO()
    write_ticket_csv((r.redacted() for r in history()), POLICY, AS_OF, out, redact=True)
    text = out.getvalue()
    assert "requester" not in text.splitlines()[0]
    assert not any(name in text for name in NAMES)


def test_summary_csv_rows_for_everything_programs_and_weeks(report: StatsReport) -> None:
    out = io.StringIO()
    rows_written = write_summary_csv(report, out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert rows_written == len(rows) == 1 + 3 + 4 + (3 + 3 + 2)  # all, programs, weeks, programs' weeks
    everything = rows[0]
    assert everything["scope"] == "all"
    assert (everything["tickets"], everything["queue"], everything["at_risk"], everything["breached"]) == (
        "9",
        "4",
        "1",
        "2",
    )
    assert (everything["unattended"], everything["commops_specialist"], everything["zendesk_specialist"]) == (
        "5",
        "1",
        "1",
    )
    assert (everything["automated_share"], everything["ttd_median"], everything["ttd_p90"]) == ("0.7143", "4.0", "14")
    assert everything["top_reject_reason"] == "edu_reject_student"
    weeks = {r["week"]: r for r in rows if r["scope"] == "week"}
    assert weeks["2026-W04"]["decisions"] == "2"
    assert {(r["program"], r["week"]) for r in rows if r["scope"] == "program_week"} >= {("startups", "2026-W05")}


def test_terminal_view_shows_tables_and_bars(report: StatsReport) -> None:
    console = Console(record=True, width=130, color_system=None)
    render_table(report, console)
    text = console.export_text()
    for title in ("Queue health", "Queue age", "Decisions and time to decision", "Outcome mix", "Weekly trend"):
        assert title in text
    assert "█" in text
    assert re.search(r"\n\s*all\s+9\s+4\s+1\s+2\s+1\s+0\s+1\s+2\s+18\s*\n", text)  # queue health
    assert re.search(r"\n\s*all\s+7\s+5\s+1\s+1\s+71%\s+4\s+4\s+14\s+1\s*\n", text)  # decisions
    assert "Ada Lovelace" in text


def test_terminal_view_redacted_names_nobody() -> None:
    console = Console(record=True, width=130, color_system=None)
    render_table(build(history(), redacted=True), console)
    text = console.export_text()
    assert "Oldest tickets in breach" in text
    assert not any(name in text for name in NAMES)


def test_html_is_self_contained_with_svg_charts(report: StatsReport) -> None:
    html = render_html(report)
    assert html.startswith("<!DOCTYPE html>")
    assert html.count('<svg class="chart"') == 6  # age, time to decision, outcomes, 2 reasons, weekly
    assert not re.search(r"<script|<link|@import|url\(|\bsrc=|\bhref=", html, re.IGNORECASE)
    assert set(re.findall(r"https?://[^\s\"']+", html)) == {"http://www.w3.org/2000/svg"}
    assert "Ada Lovelace" in html


def test_html_escapes_and_redacts() -> None:
    records = [*history(), TicketRecord(20, "<b>x</b>", "open", at("2026-01-02"), "Eve <script>", "eve@example.org")]
    assert "<b>x</b>" not in render_html(build(records))
    redacted = render_html(build(records, redacted=True))
    assert not any(name in redacted for name in (*NAMES, "Eve", "eve@example.org"))
    assert "redacted" in redacted


def test_empty_report_renders_everywhere() -> None:
    report = build([])
    assert "<svg" not in render_html(report)
    console = Console(record=True, width=100, color_system=None)
    render_table(report, console)
    assert "Queue health" in console.export_text()
    assert write_summary_csv(report, io.StringIO()) == 1


def test_day_bins_group_the_long_tail() -> None:
    assert day_bins({}, 5) == []
    assert day_bins({0: 1, 2: 3}, 5) == [("0", 1, 0), ("1", 0, 1), ("2", 3, 2)]
    assert day_bins({1: 1, 4: 2, 9: 5}, 4) == [("0", 0, 0), ("1", 1, 1), ("2", 0, 2), ("3", 0, 3), ("4+", 7, 4)]
