"""The YAML rule format as pydantic models: the single source of the JSON Schema and of load-time checks.

Checks that need the account (field keys, programs, macros, named lists) run as validators reading a
:class:`CheckContext` passed as pydantic validation context; without one (schema generation, tests of
the shape alone) they are skipped.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationInfo,
    field_validator,
    model_validator,
)

from commops.domain.reading import KINDS
from commops.ports import MacroInfo
from commops.rules._ops import rule_regex
from commops.rules._paths import check_path, known_paths

__all__ = [
    "LIST_OPS",
    "NO_VALUE_OPS",
    "NUMBER_OPS",
    "AllOf",
    "AnyOf",
    "CheckContext",
    "Condition",
    "NotOf",
    "Op",
    "Rule",
    "RuleFile",
    "Test",
    "did_you_mean",
    "placeholders",
]

Op = Literal[
    "eq", "ne", "in", "not_in", "gt", "ge", "lt", "le", "contains", "contains_any", "present", "missing",
    "matches", "domain_is_or_under", "is_http_url", "spdx_known", "spdx_osi_approved", "academic_domain",
    "free_mail_domain", "disposable_domain",
]
Transform = Literal["business_days_since", "length", "lower", "url_host"]
Scalar = str | bool | int | float

NO_VALUE_OPS = frozenset({
    "present", "missing", "is_http_url", "spdx_known", "spdx_osi_approved", "academic_domain",
    "free_mail_domain", "disposable_domain",
})
NUMBER_OPS = frozenset({"gt", "ge", "lt", "le"})
LIST_OPS = frozenset({"in", "not_in", "contains_any"})
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][\w.]*)\}")


def did_you_mean(word: str, choices: Collection[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def placeholders(template: str) -> list[str]:
    return _PLACEHOLDER.findall(template)


@dataclass
class CheckContext:
    """What load-time checks compare rules against (from config and, when online, the account)."""

    field_keys: Collection[str]
    programs: Collection[str]
    macros: Sequence[MacroInfo] | None = None
    lists: Collection[str] = ()
    kinds: Collection[str] = ("namespace",)
    macro_names: Mapping[str, str | int] = field(default_factory=dict)  # config [macros]: rule name → account's
    _paths: list[str] = field(default_factory=list)

    def path_problem(self, path: str) -> str | None:
        why = check_path(path, self.field_keys, self.kinds)
        if why is None:
            return None
        if not self._paths:
            self._paths = known_paths(self.field_keys, self.kinds)
        return f"unknown field path {path!r}: {why}{did_you_mean(path, self._paths)}"

    def macro_problem(self, macro: str | int) -> str | None:
        if self.macros is None:
            return None
        named = self.macro_names.get(macro) if isinstance(macro, str) else None
        target = macro if named is None else named
        via = "" if named is None else f" ([macros] maps {macro!r} to {named!r})"
        for known in self.macros:
            if target in (known.id, known.title):
                return None if known.active else f"macro {target!r} is inactive in the account{via}"
        titles = [m.title for m in self.macros]
        return f"unknown macro {target!r}{via}{did_you_mean(str(target), titles)}"


def _ctx(info: ValidationInfo) -> CheckContext | None:
    return info.context if isinstance(info.context, CheckContext) else None


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, populate_by_name=True)


class Test(_Model):
    """One test on one field: ``{field: fields.seats, op: lt, value: 1}``."""

    field: str = Field(description="Field path, e.g. fields.country, requester.email_domain")
    op: Op
    transform: Transform | None = Field(None, description="Applied to the field's value before the test")
    ignore_case: bool = False
    if_missing: bool | Literal["unknown"] = Field(
        "unknown", description="Result when the field is missing: unknown (default), true or false"
    )
    value: Scalar | list[Scalar] | None = None
    list_ref: str | None = Field(None, alias="list", description="Name of a list from any file's `lists:`")
    other: str | None = Field(
        None, description="Another field path: domain_is_or_under compares with its URL's domain; eq/ne with its value"
    )

    @field_validator("field", "other")
    @classmethod
    def _known_path(cls, path: str | None, info: ValidationInfo) -> str | None:
        ctx = _ctx(info)
        if ctx is not None and path is not None and (problem := ctx.path_problem(path)):
            raise ValueError(problem)
        return path

    @field_validator("value")
    @classmethod
    def _value_fits_op(cls, value: Any, info: ValidationInfo) -> Any:
        op = info.data.get("op")
        if value is None or op is None:
            return value
        if op in NO_VALUE_OPS:
            raise ValueError(f"`{op}` takes no value")
        if op in LIST_OPS:
            if not isinstance(value, list):
                raise ValueError(f"`{op}` needs a list of values (or `list:` naming one), got {value!r}")
            if op == "contains_any" and not all(isinstance(v, str) for v in value):
                raise ValueError("`contains_any` needs a list of words")
            return value
        if isinstance(value, list):
            raise ValueError(f"`{op}` needs a single value, got a list")
        if op in NUMBER_OPS and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise ValueError(f"`{op}` needs a number, got {value!r}")
        if op in ("contains", "matches", "domain_is_or_under") and not isinstance(value, str):
            raise ValueError(f"`{op}` needs text, got {value!r}")
        if op == "matches":
            try:
                rule_regex(value, ignore_case=bool(info.data.get("ignore_case")))
            except ValueError as exc:
                raise ValueError(f"bad regular expression {value!r}: {exc} (rules use RE2 syntax)") from None
        return value

    @field_validator("list_ref")
    @classmethod
    def _known_list(cls, name: str | None, info: ValidationInfo) -> str | None:
        ctx = _ctx(info)
        if ctx is not None and name is not None and name not in ctx.lists:
            raise ValueError(f"unknown list {name!r}{did_you_mean(name, ctx.lists)}")
        return name

    @model_validator(mode="after")
    def _operands(self) -> Test:
        has_value = self.value is not None
        if self.list_ref is not None and self.op not in LIST_OPS:
            raise ValueError(f"`list:` only goes with in, not_in, contains_any, not `{self.op}`")
        if self.other is not None and self.op not in ("domain_is_or_under", "eq", "ne"):
            raise ValueError(f"`other:` only goes with domain_is_or_under, eq and ne, not `{self.op}`")
        given = has_value + (self.list_ref is not None) + (self.other is not None)
        if self.op in NO_VALUE_OPS:
            return self
        if given == 0:
            raise ValueError(f"`{self.op}` needs a `value`")
        if given > 1:
            raise ValueError("give only one of `value`, `list`, `other`")
        return self


class AllOf(_Model):
    all_: list[Condition] = Field(alias="all", min_length=1)


class AnyOf(_Model):
    any_: list[Condition] = Field(alias="any", min_length=1)


class NotOf(_Model):
    not_: Condition = Field(alias="not")


def _condition_kind(raw: Any) -> str:
    if isinstance(raw, dict):
        for key in ("all", "any", "not"):
            if key in raw:
                return key
        return "test"
    if isinstance(raw, AllOf):
        return "all"
    if isinstance(raw, AnyOf):
        return "any"
    return "not" if isinstance(raw, NotOf) else "test"


Condition = Annotated[
    Annotated[AllOf, Tag("all")] | Annotated[AnyOf, Tag("any")] | Annotated[NotOf, Tag("not")]
    | Annotated[Test, Tag("test")],
    Discriminator(_condition_kind),
]

Outcome = Literal["escalate", "reject", "ask", "manual", "qualify"]
ReadKind = Literal["text", "country", "count", "amount", "licence", "url", "domain", "flag", "raw"]
assert set(KINDS) == set(ReadKind.__args__)  # type: ignore[attr-defined]


class Rule(_Model):
    """A rule fires when its condition is TRUE; ``on_unknown`` says what an UNKNOWN condition means."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    description: str = ""
    when: Condition
    outcome: Outcome
    reason: str = Field(description="Shown to specialists; {field.path} placeholders show observed values")
    auto: bool = Field(False, description="Whether unattended runs may apply this rule's decision")
    on_unknown: Literal["ignore", "ask", "manual"] = Field(
        "manual", description="What an unknown condition means: ask, manual, or ignore (another rule covers it)"
    )
    macro: str | int | None = Field(None, description="Macro title or id", validate_default=True)
    unknown_macro: str | int | None = Field(None, description="Macro for on_unknown: ask", validate_default=True)
    unknown_reason: str | None = None
    contradiction: bool = Field(
        False, description="The rule finds a contradiction: when it fires, a person decides (manual) "
                           "whatever else fired",
    )

    @model_validator(mode="after")
    def _contradiction_is_manual(self) -> Rule:
        if self.contradiction and self.outcome != "manual":
            raise ValueError("a contradiction rule's outcome is manual: a person looks at the ticket")
        return self

    @field_validator("macro", "unknown_macro")
    @classmethod
    def _known_macro(cls, macro: str | int | None, info: ValidationInfo) -> str | int | None:
        outcome, on_unknown = info.data.get("outcome"), info.data.get("on_unknown")
        if info.field_name == "macro":
            if outcome == "manual" and macro is not None:
                raise ValueError("a manual rule has no macro: the ticket stays for a specialist")
            if outcome not in (None, "manual") and macro is None:
                raise ValueError(f"{'an' if outcome in ('ask', 'escalate') else 'a'} {outcome} rule needs a `macro`")
        elif on_unknown == "ask" and outcome not in (None, "ask") and macro is None:
            raise ValueError("on_unknown: ask needs `unknown_macro` (the macro that asks)")
        ctx = _ctx(info)
        if ctx is not None and macro is not None and (problem := ctx.macro_problem(macro)):
            raise ValueError(problem)
        return macro

    @field_validator("reason", "unknown_reason")
    @classmethod
    def _known_placeholders(cls, template: str | None, info: ValidationInfo) -> str | None:
        ctx = _ctx(info)
        if ctx is not None and template is not None:
            for path in placeholders(template):
                if problem := ctx.path_problem(path):
                    raise ValueError(f"in placeholder: {problem}")
        return template


class RuleFile(_Model):
    """One YAML file: the program(s) it applies to, named lists, rules."""

    program: str | None = Field(None, description="The program these rules apply to")
    programs: list[str] | Literal["all"] | None = Field(None, description="Several programs, or all")
    description: str = ""
    lists: dict[str, list[Scalar]] = Field(default_factory=dict)
    read: dict[str, ReadKind] = Field(
        default_factory=dict,
        description="How inputs are read before the rules compare them: field path → kind "
                    "(fields not named are read as text)",
    )
    rules: list[Rule] = Field(default_factory=list)

    @field_validator("read")
    @classmethod
    def _known_read_paths(cls, read: dict[str, str], info: ValidationInfo) -> dict[str, str]:
        ctx = _ctx(info)
        if ctx is not None:
            for path in read:
                if problem := ctx.path_problem(path):
                    raise ValueError(f"in read: {problem}")
        return read

    @field_validator("program")
    @classmethod
    def _known_program(cls, name: str | None, info: ValidationInfo) -> str | None:
        ctx = _ctx(info)
        if ctx is not None and name is not None and name not in ctx.programs:
            raise ValueError(f"unknown program {name!r}{did_you_mean(name, ctx.programs)}")
        return name

    @field_validator("programs")
    @classmethod
    def _known_programs(cls, names: list[str] | str | None, info: ValidationInfo) -> list[str] | str | None:
        ctx = _ctx(info)
        if ctx is not None and isinstance(names, list):
            for name in names:
                if name not in ctx.programs:
                    raise ValueError(f"unknown program {name!r}{did_you_mean(name, ctx.programs)}")
        return names

    @model_validator(mode="after")
    def _one_target(self) -> RuleFile:
        if (self.program is None) == (self.programs is None):
            raise ValueError("give exactly one of `program: <name>` or `programs: [..] | all`")
        return self

    def targets(self, all_programs: Collection[str]) -> list[str]:
        if self.program is not None:
            return [self.program]
        if self.programs == "all" or self.programs is None:
            return list(all_programs)
        return list(self.programs)


for _model in (AllOf, AnyOf, NotOf, Rule, RuleFile):
    _model.model_rebuild()
