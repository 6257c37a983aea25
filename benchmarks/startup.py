"""Benchmark: `commops --help` starts within 1.5x of a minimal ten-command Typer app.

Run: ``python benchmarks/startup.py [--runs N]``. Both programs are started as fresh interpreters, side by
side (interleaved, so machine load hits both alike); prints one JSON object with both medians, the ratio
and the import budget, and exits 1 when the ratio is above 1.5 or ``--help`` imports a module it must not.

The import budget: ``commops --help`` lists commands from ``commops.cli.app.COMMANDS`` and imports no
command module, no settings model and no adapter. ``IMPORT_BUDGET_MS`` is the cumulative import time
(``python -X importtime``) each commops module may take on that path; ``FORBIDDEN`` may not load at all.
A command's own help (``COMMAND_HELP``: ``commops sandbox --help`` …) loads that command's module but
none of ``COMMAND_HELP_FORBIDDEN`` (the sandbox and werkzeug, the settings model, the adapters).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BUDGET_RATIO = 1.5

# Cumulative import time (ms) allowed per commops module on the `commops --help` path; typer itself is
# the baseline both programs pay.
IMPORT_BUDGET_MS = {
    "commops": 2.0,
    "commops.errors": 5.0,
    "commops.cli": 2.0,
    "commops.cli.context": 10.0,
    "commops.cli.app": 200.0,  # includes typer, as the minimal app's import does
}

FORBIDDEN = (
    "rich.console", "pydantic", "pydantic_settings", "werkzeug", "holidays", "zenpy", "httpx", "requests",
    "sqlite3", "commops.config", "commops.sandbox", "commops.bootstrap", "commops.services", "commops.zendesk",
    "commops.rules", "commops.journal", "commops.verify", "commops.cli.triage", "commops.cli.render",
)

# A command's own --help loads that command's module and nothing it runs with: the sandbox (werkzeug),
# the settings model, the adapters. Checked for the commands that once imported them eagerly.
COMMAND_HELP = (("sandbox", "--help"), ("sandbox", "serve", "--help"), ("doctor", "--help"),
                ("rules", "lint", "--help"), ("journal", "prune", "--help"))
COMMAND_HELP_FORBIDDEN = ("werkzeug", "commops.sandbox", "commops.config", "pydantic_settings", "holidays", "zenpy",
                          "httpx", "sqlite3", "commops.journal", "commops.bootstrap")

MINIMAL_APP = '''
import typer

app = typer.Typer(rich_markup_mode=None)


@app.callback()
def main(debug: bool = typer.Option(False, "--debug", help="Debug.")) -> None:
    """A minimal ten-command Typer app."""

''' + "".join(
    f'''
@app.command()
def command{i}(name: str = typer.Option("x", help="A name.")) -> None:
    """Command {i}."""
    print(name)

''' for i in range(10)
) + '''
app()
'''

COMMOPS = [sys.executable, "-c", "from commops.cli.app import main; main()", "--help"]


def _time(argv: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
    return time.perf_counter() - started


def import_times(argv: list[str]) -> dict[str, float]:
    """Cumulative import time (ms) of every module the program imports, from ``-X importtime``."""
    done = subprocess.run([argv[0], "-X", "importtime", *argv[1:]], capture_output=True, text=True, timeout=60,
                          check=True)
    times: dict[str, float] = {}
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        _self, cumulative, name = (part.strip() for part in line.removeprefix("import time:").split("|"))
        if cumulative.isdigit():
            times[name] = int(cumulative) / 1000
    return times


def run(runs: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as scratch:
        minimal = Path(scratch) / "minimal_app.py"
        minimal.write_text(MINIMAL_APP, encoding="utf-8")
        baseline = [sys.executable, str(minimal), "--help"]
        _time(COMMOPS), _time(baseline)  # warm the file cache and the bytecode
        ours: list[float] = []
        theirs: list[float] = []
        for _ in range(runs):
            ours.append(_time(COMMOPS))
            theirs.append(_time(baseline))
    imported = import_times(COMMOPS)
    commops_modules = {name: ms for name, ms in sorted(imported.items()) if name.split(".")[0] == "commops"}
    over_budget = {name: ms for name, ms in commops_modules.items()
                   if ms > IMPORT_BUDGET_MS.get(name, 0.0)}
    forbidden = _forbidden(imported, FORBIDDEN)
    ratio = statistics.median(ours) / statistics.median(theirs)
    command_help = {" ".join(args): _forbidden(import_times([*COMMOPS[:-1], *args]), COMMAND_HELP_FORBIDDEN)
                    for args in COMMAND_HELP}
    command_help = {name: found for name, found in command_help.items() if found}
    return {
        "runs": runs,
        "commops_help_median_s": round(statistics.median(ours), 4),
        "minimal_typer_median_s": round(statistics.median(theirs), 4),
        "ratio": round(ratio, 3),
        "budget_ratio": BUDGET_RATIO,
        "import_ms": {name: round(ms, 2) for name, ms in commops_modules.items()},
        "import_budget_ms": IMPORT_BUDGET_MS,
        "over_budget": over_budget,
        "forbidden_imported": forbidden,
        "command_help_forbidden_imported": command_help,
        "ok": ratio <= BUDGET_RATIO and not forbidden and not over_budget and not command_help,
    }


def _forbidden(imported: dict[str, float], forbidden: tuple[str, ...]) -> list[str]:
    return sorted(name for name in imported if any(name == f or name.startswith(f + ".") for f in forbidden))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args()
    result = run(args.runs)
    print(json.dumps(result, sort_keys=True))
    sys.exit(0 if result["ok"] else 1)


if __name__ == "__main__":
    main()
