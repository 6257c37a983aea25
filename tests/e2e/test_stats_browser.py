"""The mailed HTML report, laid out by headless Chromium: charts present and sized, nothing overflows.

The measurements come from the browser's layout (a probe script appended to a copy of the report writes
them into the DOM, read back with ``--dump-dom``), not from the HTML text.
"""

from __future__ import annotations

import html
import json
import os
import random
import re
import shutil
import subprocess
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from commops.domain.calendar import BusinessCalendar
from commops.reports import DecisionEvent, SlaPolicy, StatsAggregator, StatsReport, TicketRecord, render_html

pytestmark = pytest.mark.browser

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--hide-scrollbars",
    "--run-all-compositor-stages-before-draw",
)

PROBE = """
<script>
(function () {
  var main = document.querySelector('main').getBoundingClientRect();
  var out = {viewport: window.innerWidth, scrollWidth: document.documentElement.scrollWidth,
             main: {left: main.left, right: main.right}, charts: [], overflowing: []};
  document.querySelectorAll('svg.chart').forEach(function (svg) {
    var r = svg.getBoundingClientRect(), clipped = 0, drawn = 0;
    svg.querySelectorAll('rect').forEach(function (b) { var q = b.getBoundingClientRect();
      if (q.width > 0 && q.height > 0) { drawn++; } });
    svg.querySelectorAll('text').forEach(function (t) { var q = t.getBoundingClientRect();
      if (q.left < r.left - 1 || q.right > r.right + 1 || q.top < r.top - 1 || q.bottom > r.bottom + 1) {
        clipped++; } });
    out.charts.push({label: svg.getAttribute('aria-label'), width: r.width, height: r.height,
                     left: r.left, right: r.right, bars: drawn, clippedText: clipped});
  });
  document.querySelectorAll('main *').forEach(function (el) {
    if (el.closest('svg') && el.tagName.toLowerCase() !== 'svg') { return; }
    var q = el.getBoundingClientRect();
    if (q.width > 0 && (q.right > main.right + 1 || q.left < main.left - 1 || el.scrollWidth > el.clientWidth + 1)) {
      out.overflowing.push(el.tagName + '.' + el.className + ' ' + (el.textContent || '').slice(0, 40));
    }
  });
  var pre = document.createElement('pre'); pre.id = 'probe'; pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
</script>
"""


def _browser() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    if os.environ.get("CI") == "true":
        pytest.fail("no Chromium on PATH: CI must run the browser test (.ci/run installs it)")
    pytest.skip("no headless Chromium here (set CI=true to make this a failure)")


def _history(n: int = 600, weeks: int = 10, seed: int = 7) -> list[TicketRecord]:
    rng = random.Random(seed)
    start = datetime(2026, 1, 5, 9, tzinfo=UTC)
    rules = {
        "reject": [
            "edu_reject_students",
            "oss_reject_license_not_osi_approved_for_all_projects",
            "startups_reject_funding",
        ],
        "ask": ["edu_ask_institutional_email_domain", "oss_ask_project_links", "common_ask_renewal_information"],
    }
    records = []
    for i in range(n):
        created = start + timedelta(hours=rng.randrange(weeks * 7 * 24))
        decisions: list[DecisionEvent] = []
        if rng.random() < 0.75:
            outcome = rng.choice(["qualify", "qualify", "reject", "ask", "escalate"])
            actor = rng.choice(["unattended", "unattended", "commops_specialist", "zendesk_specialist"])
            picked = tuple(rng.sample(rules[outcome], 1)) if outcome in rules else ()
            decided = created + timedelta(days=rng.randrange(0, 30))
            decisions.append(DecisionEvent(outcome, decided, actor, picked))  # type: ignore[arg-type]
        status = (
            "solved"
            if decisions and decisions[0].outcome in ("qualify", "reject")
            else rng.choice(["new", "open", "pending", "hold"])
        )
        records.append(
            TicketRecord(
                1000 + i,
                rng.choice(["education", "open_source", "startups"]),
                status,
                created,
                f"Applicant Number {i} With A Rather Long Name",
                f"applicant.{i}@some-university.example.edu",
                tuple(decisions),
            )
        )
    return records


def _report() -> StatsReport:
    aggregator = StatsAggregator(SlaPolicy(BusinessCalendar("US")), date(2026, 3, 20))
    for record in _history():
        aggregator.add(record)
    return aggregator.report(
        generated_at=datetime(2026, 3, 20, 8, tzinfo=UTC), since=date(2026, 1, 5), until=date(2026, 3, 20)
    )


def _measure(page: Path, tmp_path: Path, width: int) -> dict[str, Any]:
    probe = tmp_path / f"probe-{width}.html"
    probe.write_text(page.read_text(encoding="utf-8").replace("</body>", PROBE + "</body>"), encoding="utf-8")
    command = [
        _browser(),
        *FLAGS,
        f"--user-data-dir={tmp_path / 'profile'}",
        f"--window-size={width},900",
        "--dump-dom",
        probe.as_uri(),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=90, check=False)
    match = re.search(r'<pre id="probe">(.*?)</pre>', done.stdout, re.DOTALL)
    assert match, f"no measurements from Chromium (exit {done.returncode}): {done.stderr[-2000:]}"
    result: dict[str, Any] = json.loads(html.unescape(match.group(1)))
    return result


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("report") / "stats.html"
    path.write_text(render_html(_report()), encoding="utf-8")
    return path


@pytest.mark.parametrize("width", [1280, 700, 500])  # 500: headless Chromium's narrowest window
def test_charts_are_drawn_sized_and_nothing_overflows(page: Path, tmp_path: Path, width: int) -> None:
    m = _measure(page, tmp_path, width)
    assert m["viewport"] == width
    labels = [c["label"] for c in m["charts"]]
    assert labels == [
        "Queue age in business days",
        "Time to decision in business days",
        "Decisions by outcome",
        "Top reject reasons",
        "Top ask reasons",
        "Decisions per week by who made them",
    ]
    content = m["main"]["right"] - m["main"]["left"]
    for chart in m["charts"]:
        assert chart["height"] >= 40, chart
        assert 0.5 * min(content, 640) <= chart["width"] <= content + 1, chart  # sized, shrinks with the page
        assert chart["bars"] >= 1, chart
        assert chart["clippedText"] == 0, chart
    assert m["scrollWidth"] <= width, "the page scrolls sideways"
    assert m["overflowing"] == []
