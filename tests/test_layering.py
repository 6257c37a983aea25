"""The domain core and the rule engine import no I/O: checked in a fresh interpreter."""

from __future__ import annotations

import json
import subprocess
import sys

FORBIDDEN = ("zenpy", "httpx", "requests", "sqlite3", "typer", "rich", "werkzeug")


def test_domain_and_rules_import_no_io_libraries() -> None:
    code = (
        "import sys, json\n"
        "import commops.domain, commops.rules, commops.ports\n"
        f"print(json.dumps([m for m in {FORBIDDEN!r} if m in sys.modules]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []


def test_use_cases_depend_on_ports_not_on_adapters() -> None:
    """Triage, runs and the queue talk to Zendesk, the journal and the forges only through ports."""
    code = (
        "import sys, json\n"
        "import commops.services.triage, commops.services.runs, commops.services.queue\n"
        f"print(json.dumps([m for m in {FORBIDDEN!r} if m in sys.modules]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []
