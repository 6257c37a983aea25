"""docs/rules.md, "Changing the rules safely": every `commops` line of its examples runs as written."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

from tests.e2e.cli import cli

DOC = Path(__file__).resolve().parents[2] / "docs" / "rules.md"


def section_commands() -> list[str]:
    text = DOC.read_text(encoding="utf-8")
    section = text.split("## Changing the rules safely", 1)[1].split("\n## ", 1)[0]
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", section, flags=re.S):
        for line in block.splitlines():
            line = re.sub(r"\s+#\s.*$", "", line).strip()
            if line.startswith("commops "):
                commands.append(line)
    return commands


def test_changing_the_rules_safely_examples_run(commops_home: Path) -> None:
    commands = section_commands()
    assert [c.split()[1:3] for c in commands] == [
        ["sandbox", "reset"], ["sandbox", "seed"], ["rules", "impact"], ["rules", "impact"], ["shadow", "--replay"],
        ["shadow", "report"], ["rules", "promote"]]
    outputs = {}
    for command in commands:
        result = cli(*shlex.split(command)[1:])
        assert result.code == 0, (command, result.err[-2000:])
        assert result.out.strip() or result.err.strip(), command
        outputs[command] = result
    shadow = json.loads(outputs["commops shadow --replay --since 9"].out)
    assert shadow["writes"] == 0 and shadow["compared"] > 100
    assert "CI gate: passed." in outputs["commops rules impact --against HEAD --since 9 --format markdown "
                                         "--fail-on qualify"].out
