"""Evaluation: compiled rules in, a Decision with reasons and a (lazy) trace out. Pure, never raises.

Truth values inside the engine are ``True`` / ``False`` / ``None`` (unknown). See :mod:`._compile` for
how conditions become code and :mod:`commops.domain.trace` for the compact trace every evaluation records.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from operator import attrgetter
from typing import Any

from commops.domain import (
    OUTCOME_PRECEDENCE,
    Application,
    Decision,
    MacroRef,
    Outcome,
    Reason,
    RuleTrace,
)
from commops.domain.calendar import BusinessCalendar
from commops.domain.reading import Reader, Reading
from commops.domain.trace import NO_REASONS, CompactTrace, LazyTrace, ShapeRule, SharedList, TraceShape, construct
from commops.ports import Datasets
from commops.rules._checks import Lookups
from commops.rules._compile import CONTRADICTION, NEVER, CompiledRule, ProgramFn, RuleCompiler
from commops.rules._paths import Getter, getter_for
from commops.rules._schema import Rule

__all__ = ["CompiledRuleSet", "LoadedRule", "default_kind"]

_RANK = {outcome: rank for rank, outcome in enumerate(OUTCOME_PRECEDENCE)}
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][\w.]*)\}")
_NEVER = NEVER


@dataclass(frozen=True)
class LoadedRule:
    """A validated rule with where it came from and the macros it resolved to."""

    rule: Rule
    source: str  # "rules/education.yaml:12"
    programs: tuple[str, ...]
    macro: MacroRef | None
    unknown_macro: MacroRef | None


def default_kind(path: str) -> str | None:
    """How an input is read when no rule file's ``read:`` names it: a field as text (trimmed, NFKC,
    case-folded, placeholders missing), the requester's email domain as a domain, verifications raw."""
    if path.startswith("fields.") or path in ("application_type", "form_program", "field_program"):
        return "text"
    if path == "requester.email_domain":
        return "domain"
    return None


def _placeholder_getter(path: str) -> Getter:
    """The raw value a reason shows (blank shows as "(missing)" anyway: no blank check needed)."""
    if path.startswith("fields."):
        key = path.removeprefix("fields.")
        return lambda app: app.fields.get(key)
    if path.startswith("requester.") or "." not in path:
        return attrgetter(path)
    return getter_for(path)


class _Variant:
    """How one rule explains itself in one situation (fired, unknown, or blocking a qualify).

    Reasons are frozen, so equal ones are shared: keyed by their message, most come from a small cache
    instead of being built again (and the garbage collector has fewer objects to walk).
    """

    __slots__ = ("base", "by_values", "cache", "fixed", "fmt", "getters", "rank")

    def __init__(self, loaded: LoadedRule, outcome: Outcome, macro: MacroRef | None, template: str,
                 rank: int = NEVER) -> None:
        self.rank = rank  # of the outcome it gives when it fires (the program's code reads it)
        parts = _PLACEHOLDER.split(template)
        literal = [p.replace("{", "{{").replace("}", "}}") for p in parts[0::2]]
        self.getters: tuple[Getter, ...] = tuple(_placeholder_getter(path) for path in parts[1::2])
        self.fmt = "".join(lit + ("{}" if n < len(self.getters) else "") for n, lit in enumerate(literal))
        self.base = {"rule": loaded.rule.id, "outcome": outcome, "macro": None if outcome is Outcome.MANUAL else macro,
                     "auto": loaded.rule.auto, "source": loaded.source}
        self.fixed = None if self.getters else construct(Reason, {**self.base, "message": template})
        self.cache: dict[str, Reason] = {}
        self.by_values: dict[tuple[Any, ...], Reason] = {}

    def reason(self, app: Application) -> Reason:
        if self.fixed is not None:
            return self.fixed
        getters = self.getters
        shown = (getters[0](app),) if len(getters) == 1 else tuple([get(app) for get in getters])
        values: tuple[Any, ...] | None = shown
        try:
            made = self.by_values.get(shown)  # the same values give the same reason: no formatting
        except TypeError:  # an unhashable value (a list): format it
            made, values = None, None
        if made is not None:
            return made
        text = self.fmt.format(*["(missing)" if v is None or v == "" else v for v in shown])
        made = self.cache.get(text)
        if made is None:
            if len(self.cache) >= 512:
                self.cache.clear()
                self.by_values.clear()
            made = self.cache[text] = construct(Reason, {**self.base, "message": text})
        if values is not None:
            self.by_values[values] = made
        return made


@dataclass
class _Compiled:
    loaded: LoadedRule
    root: int
    outcome: Outcome
    rank: int
    unknown_outcome: Outcome | None
    unknown_rank: int
    fired: _Variant  # condition true
    unknown: _Variant  # condition unknown, on_unknown ask/manual
    blocking: _Variant  # condition unknown and ignored, while the rest would qualify


def _compiled(loaded: LoadedRule, root: int) -> _Compiled:
    rule = loaded.rule
    outcome = Outcome(rule.outcome)
    unknown = None if rule.on_unknown == "ignore" else Outcome(rule.on_unknown)
    unknown_macro = loaded.unknown_macro or (loaded.macro if unknown is outcome else None)
    text = _unknown_text(rule)
    rank = CONTRADICTION if rule.contradiction else _RANK[outcome]  # a contradiction outranks everything
    return _Compiled(
        loaded, root, outcome, rank, unknown, _RANK[unknown] if unknown else _NEVER,
        _Variant(loaded, outcome, loaded.macro, rule.reason, rank),
        _Variant(loaded, unknown or Outcome.MANUAL, unknown_macro, text, _RANK[unknown] if unknown else _NEVER),
        _Variant(loaded, Outcome.MANUAL, None, text),
    )


def _unknown_text(rule: Rule) -> str:
    if rule.unknown_reason:
        return rule.unknown_reason
    if rule.on_unknown == rule.outcome:
        return rule.reason
    return f"could not be decided: {rule.description or rule.id} needs data that is missing"


@dataclass
class _Plan:
    rules: tuple[_Compiled, ...]
    run: ProgramFn
    slots: int
    shape: TraceShape  # what the trace of every evaluation shares

    def __post_init__(self) -> None:
        # bound once: a lazy list of reasons then holds no method object of its own
        self.outranked_of: Callable[[Sequence[Any], Application], list[Reason]] = self.outranked
        self.all_fired_of: Callable[[Sequence[Any], Application], list[Reason]] = self.all_fired

    def fired(self, values: Sequence[Any]) -> list[_Variant]:
        """The explanations of the rules that fired, in rule order, from the recorded results (as ``run``
        listed them)."""
        base, out = self.shape.base, []
        for n, rule in enumerate(self.rules):
            r = values[base + n]
            if r is True:
                out.append(rule.fired)
            elif r is None and rule.unknown_outcome is not None:
                out.append(rule.unknown)
        return out

    def outranked(self, values: Sequence[Any], app: Application) -> list[Reason]:
        """The reasons of the rules that fired but lost to the winning outcome."""
        fired = self.fired(values)
        best = min(v.rank for v in fired)
        return [v.reason(app) for v in fired if v.rank != best]

    def all_fired(self, values: Sequence[Any], app: Application) -> list[Reason]:
        """Every rule that fired, the winners first (a qualify blocked by an unknown shows them all)."""
        fired = self.fired(values)
        best = min(v.rank for v in fired)
        return [v.reason(app) for v in fired if v.rank == best] + [v.reason(app) for v in fired if v.rank != best]


class CompiledRuleSet:
    """Rules ready to evaluate. Build with :meth:`commops.rules.RuleSet.compile`."""

    def __init__(self, version: str, rules: Sequence[LoadedRule], lists: Mapping[str, list[Any]],
                 *, datasets: Datasets, calendar: BusinessCalendar, now: Callable[[], datetime],
                 reads: Mapping[str, str] | None = None) -> None:
        self.version = version
        lookups = Lookups(datasets)
        placeholders = [str(p) for p in lists.get("placeholders", [])]
        readers: dict[str, Reader] = {}  # one per kind, shared by every program: one memo per kind
        kinds = dict(reads or {})

        def kind_of(path: str) -> str | None:
            return kinds.get(path) or default_kind(path)

        def reader_for(path: str) -> Reader | None:
            kind = kind_of(path)
            if kind is None or kind == "raw":
                return None
            if kind not in readers:
                readers[kind] = Reader(kind, datasets, placeholders)
            return readers[kind]

        self._shared = _SharedReasons()
        self._reader_for = reader_for
        self._plans: dict[str, _Plan] = {}
        for program in sorted({p for loaded in rules for p in loaded.programs}):
            # Each program gets its own node table: small slot lists, shared rules compiled per program.
            compiler = RuleCompiler(lists, lookups, calendar, now, reader_for)
            mine: list[_Compiled] = []
            code: list[CompiledRule] = []
            for loaded in rules:
                if program not in loaded.programs:
                    continue
                root, lines = compiler.rule(loaded.rule.when)
                rule = _compiled(loaded, root)
                mine.append(rule)
                code.append(CompiledRule(root, lines, rule.rank, rule.unknown_rank, rule.fired, rule.unknown,
                                         rule.blocking))
            run = compiler.program(program, code)
            raw_base = compiler.input_slots(len(mine))
            describers = [reader.describe if (reader := reader_for(path)) is not None else None
                          for path in compiler.inputs]
            shape = TraceShape([ShapeRule(r.loaded.rule.id, r.outcome, r.loaded.source, r.root,
                                          r.unknown_outcome is not None) for r in mine],
                               compiler.nodes, compiler.slots, raw_base, describers)
            self._plans[program] = _Plan(tuple(mine), run, raw_base + len(describers), shape)

    def programs(self) -> set[str]:
        return set(self._plans)

    def read_input(self, path: str, raw: Any) -> Reading | None:
        """How the rules read ``raw`` at ``path`` (``fields.namespace_url``): the reading layer's answer,
        so a step before the rules (verification) sees the value the rules compare. None: read as given."""
        reader = self._reader_for(path)
        return None if reader is None else reader.read(raw)

    def evaluate(self, application: Application) -> Decision:
        """The decision for one application. Pure; data problems become *unknown*, never exceptions."""
        program = application.program
        plan = self._plans.get(program) if program is not None else None
        if plan is None:
            outcome = Outcome.SKIP if program is None else Outcome.MANUAL
            return self._decision(application, outcome, [] if program is None else [_no_rule()], [], [])
        s: list[Any] = [None] * plan.slots
        best, fired, blocking = plan.run(application, s)
        shared = self._shared
        if best == _NEVER:
            outcome = Outcome.MANUAL
            reasons, others = shared([_no_rule()]), NO_REASONS
        elif best == CONTRADICTION:  # a person decides: everything else that fired is shown as outranked
            outcome = Outcome.MANUAL
            reasons = shared([v.reason(application) for v in fired if v.rank == best])
            others = shared([v.reason(application) for v in fired if v.rank != best])
        else:
            outcome = OUTCOME_PRECEDENCE[best]
            reasons = [v.reason(application) for v in fired if v.rank == best]
            values = tuple(s)
            # the outranked reasons are formatted when someone reads them (review, plans, --format json)
            if outcome is Outcome.QUALIFY and blocking:  # unknown never leads to qualify
                outcome = Outcome.MANUAL
                others = LazyTrace(plan.all_fired_of, values, application)
                reasons = [v.reason(application) for v in blocking]
            else:
                others = LazyTrace(plan.outranked_of, values, application) if len(fired) > len(reasons) else NO_REASONS
            trace = CompactTrace(plan.shape, values)  # models are built when someone reads it
            return self._decision(application, outcome, shared(reasons), others, trace)
        return self._decision(application, outcome, reasons, others, CompactTrace(plan.shape, tuple(s)))

    def _decision(self, app: Application, outcome: Outcome, reasons: list[Reason], others: list[Reason],
                  trace: list[RuleTrace]) -> Decision:
        return construct(Decision, {
            "ticket_id": app.ticket_id, "program": app.program, "outcome": outcome, "reasons": reasons,
            "other_reasons": others, "ruleset_version": self.version, "trace": trace,
        })


class _SharedReasons:
    """Equal lists of reasons are one list: a queue repeats the same few reasons, and a decision then holds
    no list of its own for the garbage collector to walk. Keyed by the reasons' identities, which stay
    unique while the entry holds the reasons (reasons are frozen and come from the explanations' caches)."""

    def __init__(self, limit: int = 4096) -> None:
        self.lists: dict[tuple[int, ...], SharedList] = {(): NO_REASONS}  # type: ignore[dict-item]
        self.limit = limit

    def __call__(self, reasons: list[Reason]) -> list[Reason]:
        key = tuple(map(id, reasons))
        found = self.lists.get(key)
        if found is None:
            if len(self.lists) >= self.limit:
                self.lists = {(): NO_REASONS}  # type: ignore[dict-item]
            found = self.lists[key] = SharedList(reasons)
        return found


_NO_RULE = construct(Reason, {"rule": "(none)", "message": "no rule decided", "outcome": Outcome.MANUAL,
                              "macro": None, "auto": False, "source": None})


def _no_rule() -> Reason:
    return _NO_RULE
