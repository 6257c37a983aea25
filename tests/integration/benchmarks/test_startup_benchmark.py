"""The start-up benchmark runs and `commops --help` imports nothing but the command line itself (timing is
the benchmark's job, not a test's: only the import budget is asserted here)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

BENCHMARK = Path(__file__).resolve().parents[3] / "benchmarks" / "startup.py"


def _module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("startup_benchmark", BENCHMARK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_startup_benchmark_reports_both_medians_and_the_ratio() -> None:
    result = _module().run(1)
    assert {"commops_help_median_s", "minimal_typer_median_s", "ratio", "import_ms", "import_budget_ms"} <= set(result)
    assert result["forbidden_imported"] == []
    assert result["command_help_forbidden_imported"] == {}, result["command_help_forbidden_imported"]
    assert result["commops_help_median_s"] > 0 and result["minimal_typer_median_s"] > 0


def test_help_imports_no_command_settings_or_adapter() -> None:
    module = _module()
    imported = module.import_times(module.COMMOPS)
    assert "commops.cli.app" in imported
    loaded = {name for name in imported if name.startswith("commops")}
    assert loaded <= set(module.IMPORT_BUDGET_MS), loaded - set(module.IMPORT_BUDGET_MS)
    for heavy in ("pydantic", "werkzeug", "holidays", "zenpy", "pydantic_settings", "rich.console", "requests"):
        assert heavy not in imported, heavy


def test_running_a_command_imports_only_that_command() -> None:
    module = _module()
    argv = [sys.executable, "-c", "from commops.cli.app import main; main()", "help", "exit-codes"]
    imported = module.import_times(argv)
    commands = {name for name in imported if name.startswith("commops.cli.") and name not in module.IMPORT_BUDGET_MS}
    assert commands <= {"commops.cli.help", "commops.cli.render", "commops.cli.console"}, commands
    assert "commops.sandbox" not in imported and "zenpy" not in imported

