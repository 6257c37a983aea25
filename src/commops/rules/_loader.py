"""From YAML files to a :class:`RuleSet`, reporting every problem with ``file:line:col``."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydanticValidationError

from commops.domain import Application, MacroRef
from commops.domain.calendar import BusinessCalendar
from commops.errors import RuleError
from commops.ports import Datasets, MacroInfo
from commops.rules._engine import CompiledRuleSet, LoadedRule
from commops.rules._schema import (
    AllOf,
    AnyOf,
    CheckContext,
    Condition,
    NotOf,
    Rule,
    RuleFile,
    Test,
    did_you_mean,
    placeholders,
)
from commops.rules._yaml import Located, locate, parse

__all__ = ["DropDown", "Problem", "RuleSet", "lint", "load_ruleset", "rule_files"]

_KINDS = ("namespace",)
_TYPE_NAMES = {"str": "text", "bool": "true/false", "int": "an integer", "float": "a number"}


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    col: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}: {self.message}"


def rule_files(paths: Iterable[Path]) -> tuple[list[Path], list[Problem]]:
    """Files named, plus ``*.yaml``/``*.yml`` under directories named (``cases/`` and ``words/`` excluded), sorted."""
    found, problems = _rule_files(list(paths))
    return [path for path, _ in found], problems


def _rule_files(paths: Iterable[Path]) -> tuple[list[tuple[Path, str]], list[Problem]]:
    """(file, short name for traces: ``rules/education.yaml`` whatever the working directory)."""
    found: list[tuple[Path, str]] = []
    problems: list[Problem] = []
    for path in paths:
        if path.is_dir():
            found += sorted(
                (p, f"{path.resolve().name}/{p.relative_to(path).as_posix()}") for p in path.rglob("*")
                if p.suffix in (".yaml", ".yml") and p.is_file()
                and not {"cases", "words"} & set(p.relative_to(path).parts)
            )
        elif path.is_file():
            found.append((path, str(path)))
        else:
            problems.append(Problem(str(path), 1, 1, "no such file or directory"))
    return found, problems


def _word_files(paths: Iterable[Path]) -> list[Path]:
    """The word lists (``words/*.yaml``) under the directories named, sorted."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file()
                            and "words" in p.relative_to(path).parts[:-1])
    return found


class WordFile(BaseModel):
    """One language's words for the rules' lists: ``language: de`` and ``lists: {name: [words]}``."""

    model_config = ConfigDict(extra="forbid", strict=True)

    language: str = Field(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]+)*$", description="An ISO 639 code: en, de, pt-BR")
    description: str = ""
    lists: dict[str, list[str]] = Field(default_factory=dict)


def _model_keys(model: type[BaseModel]) -> list[str]:
    return [info.alias or name for name, info in model.model_fields.items()]


def _model_at(loc: Sequence[str | int]) -> list[str]:
    """The keys allowed where an unknown key was found, for did-you-mean."""
    tags: dict[str, type[BaseModel]] = {"test": Test, "all": AllOf, "any": AnyOf, "not": NotOf}
    model: type[BaseModel] = Rule if "rules" in loc[:-1] else RuleFile
    for step in loc[:-1]:
        if isinstance(step, str) and step in tags:
            model = tags[step]
    keys = _model_keys(model)
    return [*keys, "all", "any", "not"] if model is Test else keys


def _messages(error: Any) -> tuple[tuple[str | int, ...], str, bool]:
    """(location, message, points-at-key) for one pydantic error."""
    loc = tuple(error["loc"])
    kind = error["type"]
    if kind == "extra_forbidden":
        key = str(loc[-1])
        return loc, f"unknown key {key!r}{did_you_mean(key, _model_at(loc))}", True
    if kind == "missing":
        return loc, f"missing required key {loc[-1]!r}", False
    if kind == "literal_error":
        choices = re.findall(r"'([^']*)'", str(error.get("ctx", {}).get("expected", "")))
        what = "operator" if loc and loc[-1] == "op" else "value"
        hint = did_you_mean(str(error["input"]), choices) or f" (one of: {', '.join(choices)})"
        return loc, f"unknown {what} {error['input']!r}{hint}", False
    if kind in ("value_error", "assertion_error"):
        return loc, str(error["msg"]).removeprefix("Value error, "), False
    if kind == "string_pattern_mismatch" and loc and loc[-1] == "id":
        return loc, f"rule id {error['input']!r} must be lower-case letters, digits, '_', '.', '-'", False
    return loc, f"{error['msg'].lower()} (got {error['input']!r})" if "input" in error else error["msg"], False


def _union_member(step: str | int) -> str | None:
    if not isinstance(step, str):
        return None
    if step in _TYPE_NAMES:
        return _TYPE_NAMES[step]
    if step.startswith("list["):
        return "a list"
    if step.startswith("literal["):
        return "one of " + ", ".join(re.findall(r"'([^']*)'", step))
    return None


def _validation_problems(file: str, located: Located, exc: PydanticValidationError) -> list[Problem]:
    problems: list[Problem] = []
    unions: dict[tuple[str | int, ...], tuple[list[str], Any]] = {}
    for error in exc.errors():
        loc = tuple(error["loc"])
        member = _union_member(loc[-1]) if loc and error["type"].endswith("_type") else None
        if member is not None or (loc and _union_member(loc[-1]) and error["type"] == "literal_error"):
            names, _ = unions.setdefault(loc[:-1], ([], error.get("input")))
            names.append(member or _union_member(loc[-1]) or "?")
            continue
        where, message, key = _messages(error)
        line, col = locate(located.root, where, key=key)
        problems.append(Problem(file, line, col, message))
    for loc, (names, value) in unions.items():
        line, col = locate(located.root, loc)
        expected = ", ".join(dict.fromkeys(names))
        problems.append(Problem(file, line, col, f"wrong value type: expected {expected} (got {value!r})"))
    return problems


@dataclass
class _File:
    path: Path
    name: str
    text: str
    located: Located
    short: str
    model: RuleFile | None = None


def _referenced_kinds(cond: Condition) -> set[str]:
    if isinstance(cond, AllOf | AnyOf):
        return set().union(*(_referenced_kinds(c) for c in (cond.all_ if isinstance(cond, AllOf) else cond.any_)))
    if isinstance(cond, NotOf):
        return _referenced_kinds(cond.not_)
    return {p.split(".")[1] for p in (cond.field, cond.other) if p and p.startswith("verifications.")}


class RuleSet:
    """Validated rules, not yet bound to data sets and a clock (see :meth:`compile`)."""

    def __init__(self, files: list[_File], rules: list[LoadedRule], lists: dict[str, list[Any]],
                 reads: dict[str, str] | None = None, languages: dict[str, list[str]] | None = None) -> None:
        digest = hashlib.sha256()
        for file in sorted(files, key=lambda f: f.path.name):
            digest.update(file.path.name.encode() + b"\0" + file.text.encode() + b"\0")
        self.version = digest.hexdigest()[:12]
        self.rules = rules
        self.lists = lists
        self.reads = dict(reads or {})  # field path → kind of input (others: the defaults of commops.rules._read)
        self.languages = dict(languages or {})  # list name → the languages its words come in
        self.files = [f.name for f in files]
        self._kinds: dict[str, set[str]] = {}
        for loaded in rules:
            kinds = _referenced_kinds(loaded.rule.when)
            for template in (loaded.rule.reason, loaded.rule.unknown_reason or ""):
                kinds |= {p.split(".")[1] for p in placeholders(template) if p.startswith("verifications.")}
            for program in loaded.programs:
                self._kinds.setdefault(program, set()).update(kinds)

    def compared_values(self) -> dict[str, set[Any]]:
        """Field path → the literal values the rules compare it with for equality (``eq``/``ne``/``in``/
        ``not_in``, named lists resolved): what a drop-down must offer as options."""
        found: dict[str, set[Any]] = {}

        def walk(cond: Condition) -> None:
            if isinstance(cond, AllOf | AnyOf):
                for child in cond.all_ if isinstance(cond, AllOf) else cond.any_:
                    walk(child)
            elif isinstance(cond, NotOf):
                walk(cond.not_)
            elif cond.op in _EQUALITY and cond.transform is None:
                values = self.lists.get(cond.list_ref, []) if cond.list_ref else cond.value
                items = values if isinstance(values, list) else [values]
                found.setdefault(cond.field, set()).update(v for v in items if isinstance(v, str | int | float))

        for loaded in self.rules:
            walk(loaded.rule.when)
        return found

    def fields_by_program(self) -> dict[str, set[str]]:
        """Program → the field paths (``fields.<key>``) its rules read."""
        found: dict[str, set[str]] = {}

        def paths(cond: Condition) -> set[str]:
            if isinstance(cond, AllOf | AnyOf):
                return set().union(*(paths(c) for c in (cond.all_ if isinstance(cond, AllOf) else cond.any_)))
            if isinstance(cond, NotOf):
                return paths(cond.not_)
            return {p for p in (cond.field, cond.other) if p and p.startswith("fields.")}

        for loaded in self.rules:
            for program in loaded.programs:
                found.setdefault(program, set()).update(paths(loaded.rule.when))
        return found

    def macro_uses(self) -> dict[str, tuple[set[str], set[str]]]:
        """Macro title → (the programs whose rules use it, the outcomes it is used for)."""
        uses: dict[str, tuple[set[str], set[str]]] = {}
        for loaded in self.rules:
            for ref, outcome in ((loaded.rule.macro, loaded.rule.outcome), (loaded.rule.unknown_macro, "ask")):
                if ref is None:
                    continue
                programs, outcomes = uses.setdefault(str(ref), (set(), set()))
                programs.update(loaded.programs)
                outcomes.add(str(outcome))
        return uses

    def macro_titles(self) -> set[str]:
        return {ref.title for r in self.rules for ref in (r.macro, r.unknown_macro) if ref is not None}

    def programs(self) -> set[str]:
        return set(self._kinds)

    def verifications_needed(self, application: Application) -> set[str]:
        """The checks (e.g. ``{"namespace"}``) the rules of this application's program read."""
        if application.program is None:
            return set()
        return set(self._kinds.get(application.program, set()))

    def compile(self, *, datasets: Datasets, calendar: BusinessCalendar,
                now: Callable[[], datetime]) -> CompiledRuleSet:
        return CompiledRuleSet(self.version, self.rules, self.lists, datasets=datasets, calendar=calendar, now=now,
                               reads=self.reads)


_EQUALITY = ("eq", "ne", "in", "not_in")


@dataclass(frozen=True)
class DropDown:
    """A drop-down field of the account as lint checks values against it."""

    title: str
    values: tuple[str, ...]


def _macro_ref(spec: str | int | None, macros: Sequence[MacroInfo] | None,
               names: Mapping[str, str | int] | None = None) -> MacroRef | None:
    """The account macro a rule names: through the config's ``[macros]`` mapping, then by id or title."""
    if spec is None:
        return None
    if isinstance(spec, str) and names and spec in names:
        spec = names[spec]
    for known in macros or ():
        if spec in (known.id, known.title):
            return MacroRef(title=known.title, id=known.id)
    return MacroRef(title=str(spec), id=spec if isinstance(spec, int) else None)


def _option_problems(files: Sequence[_File], lists: Mapping[str, list[Any]], reads: Mapping[str, str],
                     options: Mapping[str, DropDown]) -> list[Problem]:
    """A drop-down compared with a value it does not offer: the rule can never fire (a typo)."""
    found: list[Problem] = []

    def check(node: Any, where: list[str | int], file: _File) -> None:
        if not isinstance(node, dict):
            return
        for key in ("all", "any"):
            if isinstance(node.get(key), list):
                for n, child in enumerate(node[key]):
                    check(child, [*where, key, n], file)
        if "not" in node:
            check(node["not"], [*where, "not"], file)
        path, op = node.get("field"), node.get("op")
        if not isinstance(path, str) or op not in _EQUALITY or node.get("transform") is not None:
            return
        key = path.removeprefix("fields.")
        dropdown = options.get(key) if path.startswith("fields.") else None
        if dropdown is None or reads.get(path, "text") not in ("text", "country"):
            return
        offered = {str(v).casefold(): str(v) for v in dropdown.values}
        if isinstance(node.get("list"), str):
            values, at = lists.get(node["list"], []), [*where, "list"]
        else:
            raw = node.get("value")
            values, at = (raw if isinstance(raw, list) else [raw]), [*where, "value"]
        for value in values:
            if isinstance(value, str) and value.casefold() not in offered:
                line, col = locate(file.located.root, at)
                found.append(Problem(file.name, line, col, (
                    f"{path} is compared with {value!r}, which the drop-down {dropdown.title!r} does not offer"
                    f"{did_you_mean(value, list(offered.values()))}; the condition can never be true")))

    for file in files:
        raw_rules = file.located.data.get("rules") if isinstance(file.located.data, dict) else None
        for index, raw in enumerate(raw_rules if isinstance(raw_rules, list) else []):
            if isinstance(raw, dict):
                check(raw.get("when"), ["rules", index, "when"], file)
    return found


def _load(paths: Sequence[Path], field_keys: Collection[str], programs: Collection[str],
          macros: Sequence[MacroInfo] | None, macro_names: Mapping[str, str | int] | None = None,
          options: Mapping[str, DropDown] | None = None) -> tuple[RuleSet | None, list[Problem]]:
    found, problems = _rule_files([Path(p) for p in paths])
    files: list[_File] = []
    for path, short in found:
        name = str(path)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(Problem(name, 1, 1, f"cannot read: {exc}"))
            continue
        located, yaml_problems = parse(text)
        problems += [Problem(name, p.line, p.col, p.message) for p in yaml_problems]
        if located.root is not None and not isinstance(located.data, dict):
            problems.append(Problem(name, 1, 1, "a rule file is a mapping with `program:` and `rules:`"))
            continue
        if located.root is not None:
            files.append(_File(path, name, text, located, short))
    if not found and not problems:
        problems.append(Problem(", ".join(str(p) for p in paths) or ".", 1, 1, "no rule files found"))

    lists: dict[str, list[Any]] = {}
    list_at: dict[str, str] = {}
    languages: dict[str, list[str]] = {}
    word_files: list[_File] = []
    for path in _word_files([Path(p) for p in paths]):
        name = str(path)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(Problem(name, 1, 1, f"cannot read: {exc}"))
            continue
        located, yaml_problems = parse(text)
        problems += [Problem(name, p.line, p.col, p.message) for p in yaml_problems]
        if located.root is None:
            continue
        try:
            words = WordFile.model_validate(located.data)
        except PydanticValidationError as exc:
            problems += _validation_problems(name, located, exc)
            continue
        word_files.append(_File(path, name, text, located, name))
        for list_name, entries in words.lists.items():
            lists.setdefault(list_name, []).extend(e for e in entries if e not in lists[list_name])
            languages.setdefault(list_name, []).append(words.language)
    word_lists = set(lists)
    for file in files:
        raw = file.located.data.get("lists")
        for name, values in (raw.items() if isinstance(raw, dict) else ()):
            line, col = locate(file.located.root, ["lists", name], key=True)
            if name in list_at:
                problems.append(Problem(file.name, line, col, f"list {name!r} is already defined in {list_at[name]}"))
                continue
            list_at[name] = f"{file.name}:{line}"
            if name in word_lists:  # the rule file's own words come on top of the word lists'
                lists[str(name)] += [v for v in (values if isinstance(values, list) else []) if v not in lists[name]]
            else:
                lists[str(name)] = values if isinstance(values, list) else []

    names = dict(macro_names or {})
    context = CheckContext(field_keys=field_keys, programs=programs, macros=macros, lists=lists, kinds=_KINDS,
                           macro_names=names)
    rule_at: dict[str, str] = {}
    loaded: list[LoadedRule] = []
    reads: dict[str, str] = {}
    read_at: dict[str, str] = {}
    for file in files:
        raw_rules = file.located.data.get("rules")
        for index, raw_rule in enumerate(raw_rules if isinstance(raw_rules, list) else []):
            rule_id = raw_rule.get("id") if isinstance(raw_rule, dict) else None
            if not isinstance(rule_id, str):
                continue
            line, col = locate(file.located.root, ["rules", index, "id"])
            if rule_id in rule_at:
                message = f"duplicate rule id {rule_id!r} (first at {rule_at[rule_id]})"
                problems.append(Problem(file.name, line, col, message))
            else:
                rule_at[rule_id] = f"{file.name}:{line}"
        try:
            file.model = RuleFile.model_validate(file.located.data, context=context)
        except PydanticValidationError as exc:
            problems += _validation_problems(file.name, file.located, exc)
            continue
        for input_path, kind in file.model.read.items():
            line, col = locate(file.located.root, ["read", input_path], key=True)
            if input_path in reads and reads[input_path] != kind:
                message = f"{input_path} is already read as {reads[input_path]} in {read_at[input_path]}"
                problems.append(Problem(file.name, line, col, message))
                continue
            reads[input_path], read_at[input_path] = kind, f"{file.name}:{line}"
        targets = tuple(file.model.targets(programs))
        for index, rule in enumerate(file.model.rules):
            line, _ = locate(file.located.root, ["rules", index])
            loaded.append(LoadedRule(rule, f"{file.short}:{line}", targets,
                                     _macro_ref(rule.macro, macros, names),
                                     _macro_ref(rule.unknown_macro, macros, names)))
    if options:
        problems += _option_problems(files, lists, reads, options)
    if problems:
        return None, sorted(problems, key=lambda p: (p.file, p.line, p.col))
    # the word lists change decisions as much as the rules: they are part of the rule set's version
    return RuleSet([*files, *word_files], loaded, lists, reads, languages), []


def lint(paths: Sequence[Path], *, field_keys: Collection[str], programs: Collection[str],
         macros: Sequence[MacroInfo] | None = None, macro_names: Mapping[str, str | int] | None = None,
         options: Mapping[str, DropDown] | None = None) -> list[Problem]:
    """Every problem in the rule files (empty when they load). ``options``: field key → the account's
    drop-down (its title and option values), so a comparison with a value it lacks is reported."""
    return _load(paths, field_keys, programs, macros, macro_names, options)[1]


def load_ruleset(paths: Sequence[Path], *, field_keys: Collection[str], programs: Collection[str],
                 macros: Sequence[MacroInfo] | None = None, macro_names: Mapping[str, str | int] | None = None,
                 ) -> RuleSet:
    """Load and check rule files; raises :class:`RuleError` carrying every problem found. ``macro_names``
    (config ``[macros]``) maps a macro name the rules use to the account's macro title or id."""
    ruleset, problems = _load(paths, field_keys, programs, macros, macro_names)
    if ruleset is None:
        count = len(problems)
        raise RuleError(f"rule files have {count} problem{'s' if count != 1 else ''}",
                        [str(p) for p in problems], hint="run `commops rules lint` after fixing them")
    return ruleset
