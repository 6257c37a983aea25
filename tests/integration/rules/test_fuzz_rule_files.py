"""Hostile rule files: ~2,000 seeded mutations of the shipped rules, plus the known bombs.

Every mutation lints without an exception, every problem names file:line:col, and a catastrophic
regular expression cannot keep an evaluation busy (RE2: linear time).
"""

from __future__ import annotations

import random
import time
from pathlib import Path

import pytest

from commops.config import load_settings
from commops.errors import RuleError
from commops.rules import lint, load_ruleset

RULES = Path(__file__).resolve().parents[3] / "rules"
SEED = 1414
MUTATIONS = 2000

HOSTILE_SNIPPETS = [
    "&a [x, x, x]", "*a", "*undefined", "!!python/object:os.system ls", "!!binary AAAA", "9" * 4400, "1e999",
    ".nan", "-.inf", "'^(a+)+$'", "'a{99999999999}'", "'(a)\\1'", "'(?=x)'", "[", "]", "{", "}", ": :", "- -",
    "\t", "\x1b[2J", "[red]x[/red]", ":100:", "'\ud800'", "{all: [{all: [{all: [{all: []}]}]}]}", "3", "null",
    "~", "''", "' '", "[[[[[[[[", "<<: *a", "? complex key", "%YAML 1.1", "---", "...", "#", "&b", "|", ">",
]


def _mutate(text: str, rng: random.Random) -> str:
    lines = text.splitlines()
    for _ in range(rng.randint(1, 4)):
        i = rng.randrange(len(lines))
        kind = rng.random()
        if kind < 0.3:
            cut = rng.randrange(len(lines[i]) + 1)
            lines[i] = lines[i][:cut] + rng.choice(HOSTILE_SNIPPETS) + lines[i][cut:]
        elif kind < 0.45:
            del lines[i]
            if not lines:
                lines = [""]
        elif kind < 0.6:
            lines.insert(i, lines[rng.randrange(len(lines))])
        elif kind < 0.7:
            lines[i] = " " * rng.randint(0, 9) + lines[i].lstrip()
        elif kind < 0.8 and ":" in lines[i]:
            key, _, _value = lines[i].partition(":")
            lines[i] = f"{key}: {rng.choice(HOSTILE_SNIPPETS)}"
        else:
            j = rng.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
    return "\n".join(lines) + "\n"


def _context() -> dict[str, object]:
    settings = load_settings()
    return {"field_keys": set(settings.fields), "programs": set(settings.programs)}


def test_mutated_rule_files_never_crash_and_every_problem_has_a_position(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    sources = sorted(RULES.glob("*.yaml"))
    texts = {path.name: path.read_text(encoding="utf-8") for path in sources}
    context = _context()
    started = time.monotonic()
    failures = 0
    for n in range(MUTATIONS):
        name = rng.choice(sorted(texts))
        target = tmp_path / f"m{n % 7}" / name
        target.parent.mkdir(exist_ok=True)
        target.write_text(_mutate(texts[name], rng), encoding="utf-8", errors="surrogatepass")
        problems = lint([target], **context)  # type: ignore[arg-type]
        failures += bool(problems)
        for problem in problems:
            assert problem.file == str(target) and problem.line >= 1 and problem.col >= 1, problem
            assert f"{target}:{problem.line}:" in str(problem)
    assert failures > MUTATIONS // 4, "the mutations do break files"
    assert time.monotonic() - started < 240


def _rule(when: str) -> str:
    return f"rules:\n  - id: hostile.x\n    outcome: manual\n    reason: r\n    when: {when}\n"


_BOMB = "lists:\n  a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"  b{i}: &b{i} [{', '.join([f'*{p}'] * 9)}]\n" for i, p in enumerate(["a", *[f"b{k}" for k in range(11)]])
) + "rules: []\n"
_DEEP = "{all: [" * 900 + "{field: fields.country, op: eq, value: x}" + "]}" * 900


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (_BOMB, "YAML aliases are not allowed"),
        (_rule(_DEEP), "nested too deeply"),
        (_rule("{field: fields.seats, op: gt, value: " + "9" * 4400 + "}"), "4300 digits"),
        (_rule("{field: fields.country, op: matches, value: 'a{2000}'}"), "repetition"),
        (_rule("{field: fields.country, op: matches, value: '(a)\\1'}"), "RE2"),
        ("rules: 3\n", "valid list"),
    ],
)
def test_bombs_are_problems_at_a_line_with_the_rules_exit_code(tmp_path: Path, body: str, expected: str) -> None:
    target = tmp_path / "hostile.yaml"
    target.write_text("program: education\n" + body, encoding="utf-8")
    started = time.monotonic()
    with pytest.raises(RuleError) as raised:
        load_ruleset([target], **_context())  # type: ignore[arg-type]
    assert time.monotonic() - started < 10
    assert raised.value.exit_code == 3
    assert any(expected in p and p.startswith(f"{target}:") for p in raised.value.problems), raised.value.problems


def test_a_catastrophic_pattern_runs_in_linear_time(tmp_path: Path) -> None:
    from commops.rules._ops import rule_regex

    pattern = rule_regex("^(a+)+$")
    started = time.monotonic()
    assert pattern.search("a" * 33 + "!") is None
    assert pattern.search("a" * 100_000 + "!") is None
    assert time.monotonic() - started < 2
