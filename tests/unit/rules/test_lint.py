"""Loading and lint: every problem reported at once, each at its file:line:col."""

from __future__ import annotations

import json
import shutil
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from commops.config import load_settings
from commops.errors import RuleError
from commops.ports import MacroInfo
from commops.rules import RuleFile, lint, load_ruleset
from tests.unit.rules.helpers import FIELD_KEYS, PROGRAMS, write_rules

ROOT = Path(__file__).resolve().parents[3]
RULES = ROOT / "rules"


def reference_macros() -> list[MacroInfo]:
    # The reference account's macros, as the sandbox ships them (the same JSON as shared/zendesk-instance).
    data = json.loads(resources.files("commops.sandbox").joinpath("reference", "macros.json").read_text())
    return [MacroInfo(id=m["id"], title=m["title"], active=m["active"]) for m in data["macros"]]


def account() -> dict[str, Any]:
    settings = load_settings()
    return {"field_keys": set(settings.fields), "programs": set(settings.programs)}


def position(path: Path, needle: str, occurrence: int = 1) -> tuple[int, int]:
    """1-based line and column of the n-th occurrence of ``needle`` in ``path``."""
    text = path.read_text()
    index = -1
    for _ in range(occurrence):
        index = text.index(needle, index + 1)
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def seed(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new))


def test_default_rules_are_clean_against_the_reference_account() -> None:
    assert lint([RULES], **account(), macros=reference_macros()) == []
    ruleset = load_ruleset([RULES], **account(), macros=reference_macros())
    assert all(r.macro is None or r.macro.id is not None for r in ruleset.rules)
    assert "EDU::Qualified - welcome" in ruleset.macro_titles()
    assert ruleset.programs() == {"education", "open_source", "startups"}


def test_broken_copy_reports_every_seeded_error_at_its_position(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    edu, oss, st, common = (rules / f"{n}.yaml" for n in ("education", "open_source", "startups", "common"))
    seed(edu, "    description: Students apply", "    descripton: Students apply")
    seed(st, "{field: fields.seats, op: lt, value: 1}", "{field: fields.seats, op: ltt, value: 1}")
    seed(st, "op: gt, value: 20_000_000", "op: gt, value: twenty million")
    seed(oss, "{field: fields.business_model, op: in, list", "{field: fields.busines_model, op: in, list")
    seed(edu, "macro: EDU::Ask - non-profit proof", "macro: EDU::Ask - nonprofit proof")
    seed(oss, "id: oss.qualified", "id: oss.project_links")
    seed(common, "    macro: Common::Ask - renewal information\n",
         "    macro: Common::Ask - renewal information\n    outcome: reject\n")
    seed(common, r"value: '(^|\.)(gov|mil)(\.[a-z]{2})?$'", r"value: '(^|\.)(gov|mil'")
    seed(edu, "list: edu_excluded_institutions}", "list: edu_excluded_institution}")

    problems = lint([rules], **account(), macros=reference_macros())
    found = {(Path(p.file).name, p.line, p.col): p.message for p in problems}
    expected = {
        ("education.yaml", *position(edu, "descripton")): "unknown key 'descripton' (did you mean 'description'?)",
        ("startups.yaml", *position(st, "ltt")): "unknown operator 'ltt' (did you mean 'lt'?)",
        ("startups.yaml", *position(st, "twenty million")): "`gt` needs a number, got 'twenty million'",
        ("open_source.yaml", *position(oss, "fields.busines_model")):
            "unknown field path 'fields.busines_model': no field 'busines_model' in the config's [fields]"
            " (did you mean 'fields.business_model'?)",
        ("education.yaml", *position(edu, "EDU::Ask - nonprofit proof")):
            "unknown macro 'EDU::Ask - nonprofit proof' (did you mean 'EDU::Ask - non-profit proof'?)",
        ("open_source.yaml", *position(oss, "oss.project_links", occurrence=2)):
            f"duplicate rule id 'oss.project_links' (first at {oss}:{position(oss, '- id: oss.project_links')[0]})",
        ("common.yaml", *position(common, "outcome: reject")):
            f"duplicate key 'outcome' (first at line {position(common, 'outcome: reject')[0] - 2})",
        ("common.yaml", *position(common, r"'(^|\.)(gov|mil'")):
            r"bad regular expression '(^|\\.)(gov|mil': missing ): (^|\.)(gov|mil (rules use RE2 syntax)",
        ("education.yaml", *position(edu, "edu_excluded_institution}")):
            "unknown list 'edu_excluded_institution' (did you mean 'edu_excluded_institutions'?)",
    }
    assert found == expected
    assert str(problems[0]).startswith(f"{common}:")  # sorted by file, line, column


def test_load_ruleset_raises_with_every_problem(tmp_path: Path) -> None:
    directory = write_rules(tmp_path / "r", {"a.yaml": """\
        program: gamma
        rules:
          - id: x
            when: {field: fields.nope, op: present}
            outcome: manual
            macro: Something
            reason: r
          - id: y
            when: {any: [{field: fields.seats, op: gt, value: [1, 2]}]}
            outcome: ask
            reason: r
        """})
    with pytest.raises(RuleError) as caught:
        load_ruleset([directory], field_keys=FIELD_KEYS, programs=PROGRAMS)
    problems = caught.value.problems
    assert caught.value.exit_code == 3
    assert [p.split(": ", 1)[0].rsplit(":", 2)[1:] for p in problems] == [
        ["1", "10"], ["4", "19"], ["6", "12"], ["8", "5"], ["9", "55"]]
    text = "\n".join(problems)
    for message in ("unknown program 'gamma'", "a manual rule has no macro", "unknown field path 'fields.nope'",
                    "an ask rule needs a `macro`", "`gt` needs a single value, got a list"):
        assert message in text


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("rules: [\n", "YAML syntax"),
        ("- just a list\n", "a rule file is a mapping"),
        ("program: alpha\nprograms: all\n", "give exactly one of `program: <name>` or `programs: [..] | all`"),
        ("program: alpha\nrules:\n  - id: Bad Id\n    when: {field: fields.seats, op: present}\n"
         "    outcome: manual\n    reason: r\n", "rule id 'Bad Id' must be lower-case"),
        ("program: alpha\nrules:\n  - id: a\n    when: {field: fields.seats, op: present, value: 1}\n"
         "    outcome: manual\n    reason: r\n", "`present` takes no value"),
        ("program: alpha\nrules:\n  - id: a\n    when: {field: fields.seats, op: eq}\n"
         "    outcome: manual\n    reason: r\n", "`eq` needs a `value`"),
        ("program: alpha\nrules:\n  - id: a\n    when: {field: fields.seats, op: eq, value: {a: 1}}\n"
         "    outcome: manual\n    reason: r\n", "wrong value type: expected text, true/false, an integer, a number"),
        ("program: alpha\nrules:\n  - id: a\n    when: {field: fields.seats, op: eq, value: 1}\n"
         "    outcome: qualify\n    macro: M\n    reason: r\n    on_unknown: qualify\n", "unknown value 'qualify'"),
        ("program: alpha\nrules:\n  - id: a\n    when: {field: fields.seats, op: eq, value: 1}\n"
         "    outcome: reject\n    macro: M\n    reason: r\n    on_unknown: ask\n", "needs `unknown_macro`"),
        ("program: alpha\nrules:\n  - id: a\n    when: {field: verifications.dns.status, op: present}\n"
         "    outcome: manual\n    reason: r\n", "unknown verification kind 'dns'"),
        ("program: alpha\nrules:\n  - id: a\n    when: {field: requester.emial, op: present}\n"
         "    outcome: manual\n    reason: r\n", "did you mean 'requester.email'?"),
        ("program: alpha\nrules:\n  - id: a\n    when: {alll: [{field: fields.seats, op: present}]}\n"
         "    outcome: manual\n    reason: r\n", "unknown key 'alll' (did you mean 'all'?)"),
        ("program: alpha\nrules:\n  - id: a\n    when: {field: fields.seats, op: eq, value: !!python/name:os.system }\n"
         "    outcome: manual\n    reason: r\n", "unsupported YAML value"),
    ],
)
def test_single_problems(tmp_path: Path, text: str, message: str) -> None:
    directory = write_rules(tmp_path / "r", {"a.yaml": text})
    problems = lint([directory], field_keys=FIELD_KEYS, programs=PROGRAMS)
    assert any(message in str(p) for p in problems), problems


def test_lists_are_shared_across_files_and_defined_once(tmp_path: Path) -> None:
    rule = (
        "program: alpha\nrules:\n"
        "  - {id: a, when: {field: fields.country, op: in, list: bad}, outcome: manual, reason: r}\n"
    )
    directory = write_rules(tmp_path / "r", {"a.yaml": rule, "b.yaml": "programs: all\nlists:\n  bad: [X]\n"})
    assert lint([directory], field_keys=FIELD_KEYS, programs=PROGRAMS) == []
    (directory / "c.yaml").write_text("programs: [beta]\nlists:\n  bad: [Y]\n")
    problems = lint([directory], field_keys=FIELD_KEYS, programs=PROGRAMS)
    where = f"{directory / 'c.yaml'}:3:3"
    assert [str(p) for p in problems] == [f"{where}: list 'bad' is already defined in {directory / 'b.yaml'}:3"]


def test_missing_paths_and_empty_directories(tmp_path: Path) -> None:
    assert "no such file or directory" in str(lint([tmp_path / "nope"], field_keys=FIELD_KEYS, programs=PROGRAMS)[0])
    assert "no rule files found" in str(lint([tmp_path], field_keys=FIELD_KEYS, programs=PROGRAMS)[0])


def test_cases_directory_is_not_rules_and_version_follows_content(tmp_path: Path) -> None:
    directory = tmp_path / "rules"
    shutil.copytree(RULES, directory)
    first = load_ruleset([directory], **account())
    assert first.version == load_ruleset([RULES], **account()).version
    (directory / "startups.yaml").write_text((directory / "startups.yaml").read_text() + "\n# changed\n")
    assert load_ruleset([directory], **account()).version != first.version


def test_verifications_needed() -> None:
    from tests.unit.rules.helpers import app

    ruleset = load_ruleset([RULES], **account())
    assert ruleset.verifications_needed(app("open_source")) == {"namespace"}
    assert ruleset.verifications_needed(app("education")) == set()
    assert ruleset.verifications_needed(app(None)) == set()


def test_checked_in_schema_matches_the_models() -> None:
    checked_in = json.loads((ROOT / "docs" / "rules.schema.json").read_text())
    assert checked_in == RuleFile.model_json_schema()


def test_public_surface_is_sorted_and_importable() -> None:
    import commops.rules

    assert commops.rules.__all__ == sorted(commops.rules.__all__)
    assert all(hasattr(commops.rules, name) for name in commops.rules.__all__)


def test_read_and_word_list_problems_name_file_line_col(tmp_path: Path) -> None:
    rules = write_rules(tmp_path / "rules", {
        "a.yaml": "program: alpha\nread:\n  fields.country: colour\nrules: []\n",
        "d.yaml": "program: alpha\nread:\n  fields.nope: text\nrules: []\n",
        "b.yaml": "program: beta\nread:\n  fields.seats: count\nrules: []\n",
        "c.yaml": "program: beta\nread:\n  fields.seats: amount\nrules: []\n",
        "words/de.yaml": "language: de\nlists:\n  words: [Kirche]\n  spelling: oops\n",
    })
    problems = [str(p) for p in lint([rules], field_keys=FIELD_KEYS, programs=PROGRAMS)]
    text = "\n".join(problems)
    assert "a.yaml:3:" in text and "colour" in text
    assert "d.yaml:" in text and "no field 'nope'" in text
    assert "c.yaml:3:3: fields.seats is already read as count" in text
    assert "words/de.yaml:4:" in text


def test_word_lists_add_to_a_rule_files_list(tmp_path: Path) -> None:
    rules = write_rules(tmp_path / "rules", {
        "a.yaml": "program: alpha\nlists:\n  kinds: [church]\nrules: []\n",
        "words/de.yaml": "language: de\nlists:\n  kinds: [Kirche]\n",
        "words/fr.yaml": "language: fr\nlists:\n  kinds: [église, Kirche]\n",
    })
    ruleset = load_ruleset([rules], field_keys=FIELD_KEYS, programs=PROGRAMS)
    assert sorted(ruleset.lists["kinds"]) == sorted(["Kirche", "église", "church"])
    assert ruleset.languages["kinds"] == ["de", "fr"]
