"""The engine: rules compiled once into closures; evaluation is pure, three-valued, and never raises.

Truth values inside the engine are ``True`` / ``False`` / ``None`` (unknown). Each condition node has
a slot in two flat lists (result, observed value) filled during evaluation; the trace is built from
them only when read (see :mod:`commops.rules._trace`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from commops.domain import (
    OUTCOME_PRECEDENCE,
    Application,
    ConditionTrace,
    Decision,
    MacroRef,
    Outcome,
    Reason,
    RuleTrace,
    Truth,
)
from commops.domain.calendar import BusinessCalendar
from commops.ports import Datasets
from commops.rules import _ops
from commops.rules._paths import getter_for
from commops.rules._schema import AllOf, AnyOf, Condition, NotOf, Rule, Test, placeholders
from commops.rules._trace import LazyTrace, construct

__all__ = ["CompiledRuleSet", "LoadedRule"]

Eval = Callable[[Application, list[Any], list[Any]], bool | None]
_TRUTH = {True: Truth.TRUE, False: Truth.FALSE, None: Truth.UNKNOWN}
_RANK = {outcome: rank for rank, outcome in enumerate(OUTCOME_PRECEDENCE)}
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][\w.]*)\}")


@dataclass(frozen=True)
class LoadedRule:
    """A validated rule with where it came from and the macros it resolved to."""

    rule: Rule
    source: str  # "rules/education.yaml:12"
    programs: tuple[str, ...]
    macro: MacroRef | None
    unknown_macro: MacroRef | None


@dataclass(frozen=True)
class _Node:
    op: str
    field: str | None = None
    expected: Any = None
    note: str | None = None
    children: tuple[int, ...] = ()
    pair: bool = False  # observed slot holds (observed, expected)


def _negate(test: Callable[[Any], bool | None]) -> Callable[[Any], bool | None]:
    def negated(value: Any) -> bool | None:
        result = test(value)
        return None if result is None else not result

    return negated


class _Compiler:
    def __init__(self, lists: Mapping[str, list[Any]], datasets: Datasets, calendar: BusinessCalendar,
                 now: Callable[[], datetime]) -> None:
        self.lists = lists
        self.nodes: list[_Node] = []
        self.calendar = calendar
        self.now = now
        self.spdx = _ops.cached(datasets.spdx)
        self.academic = _ops.cached(datasets.is_academic_domain)
        self.free_mail = _ops.cached(datasets.is_free_mail_domain)
        self.disposable = _ops.cached(datasets.is_disposable_domain)

    def _add(self, node: _Node) -> int:
        self.nodes.append(node)
        return len(self.nodes) - 1

    def condition(self, cond: Condition) -> tuple[Eval, int]:
        if isinstance(cond, AllOf | AnyOf):
            kids = [self.condition(c) for c in (cond.all_ if isinstance(cond, AllOf) else cond.any_)]
            op = "all" if isinstance(cond, AllOf) else "any"
            i = self._add(_Node(op, children=tuple(k for _, k in kids)))
            return (_all if op == "all" else _any)(i, tuple(f for f, _ in kids)), i
        if isinstance(cond, NotOf):
            inner, k = self.condition(cond.not_)
            i = self._add(_Node("not", children=(k,)))

            def not_(app: Application, res: list[Any], obs: list[Any]) -> bool | None:
                r = inner(app, res, obs)
                r = None if r is None else not r
                res[i] = r
                return r

            return not_, i
        return self.test(cond)

    def test(self, t: Test) -> tuple[Eval, int]:
        expected: Any = t.value
        note = None
        if t.list_ref is not None:
            expected, note = list(self.lists.get(t.list_ref, [])), f"list {t.list_ref}"
        if t.transform:
            note = f"{t.transform}({t.field})" + (f"; {note}" if note else "")
        get = getter_for(t.field)
        transform = self._transform(t.transform)
        if_missing = None if t.if_missing == "unknown" else bool(t.if_missing)
        if t.op == "domain_is_or_under":
            return self._domain(t, get, if_missing)
        i = self._add(_Node(t.op, t.field, expected, note))
        if t.op in ("present", "missing"):
            want_missing = t.op == "missing"

            def presence(app: Application, res: list[Any], obs: list[Any]) -> bool | None:
                v = get(app)
                if v is not None and transform is not None:
                    v = transform(v)
                obs[i] = v
                r = (v is None) is want_missing
                res[i] = r
                return r

            return presence, i
        check = self._check(t, expected)

        def leaf(app: Application, res: list[Any], obs: list[Any]) -> bool | None:
            v = get(app)
            if v is not None and transform is not None:
                v = transform(v)
            obs[i] = v
            r = if_missing if v is None else check(v)
            res[i] = r
            return r

        return leaf, i

    def _domain(self, t: Test, get: Callable[[Application], Any], if_missing: bool | None) -> tuple[Eval, int]:
        other = getter_for(t.other) if t.other else None
        fixed = _ops.host_of(t.value) if t.value is not None else None
        note = f"host of {t.other}" if t.other else None
        i = self._add(_Node(t.op, t.field, fixed, note, pair=True))

        def domain(app: Application, res: list[Any], obs: list[Any]) -> bool | None:
            raw = get(app)
            d = _ops.email_or_domain(raw) if raw is not None else None
            h = fixed
            if other is not None:
                o = other(app)
                h = _ops.host_of(o) if o is not None else None
            obs[i] = (d, h)
            r: bool | None
            if d is None:
                r = if_missing
            elif h is None:
                r = None
            else:
                r = d == h or d.endswith("." + h)
            res[i] = r
            return r

        return domain, i

    def _transform(self, name: str | None) -> Callable[[Any], Any] | None:
        if name == "business_days_since":
            calendar, now = self.calendar, self.now

            def days(value: Any) -> int | None:
                start = _ops.as_datetime(value)
                return None if start is None else calendar.business_days_between(start, now())

            return days
        if name == "length":
            return _ops.length
        if name == "lower":
            return lambda v: v.lower() if isinstance(v, str) else None
        if name == "url_host":
            return _ops.host_of
        return None

    def _check(self, t: Test, expected: Any) -> Callable[[Any], bool | None]:
        op, ic = t.op, t.ignore_case
        if op in ("eq", "ne"):
            test = _equals(expected, ic)
            return test if op == "eq" else _negate(test)
        if op in ("in", "not_in"):
            test = _member(expected, ic)
            return test if op == "in" else _negate(test)
        if op in ("gt", "ge", "lt", "le"):
            return _compare(op, float(expected))
        if op in ("contains", "contains_any"):
            words = [expected] if op == "contains" else [str(w) for w in expected]
            return _search(_ops.word_pattern(words))
        if op == "matches":
            return _search(re.compile(str(expected), re.IGNORECASE if ic else 0))
        if op == "is_http_url":
            return _ops.is_http_url
        if op == "spdx_known":
            spdx = self.spdx
            return lambda v: bool(spdx(v).known) if isinstance(v, str) else False
        if op == "spdx_osi_approved":
            spdx = self.spdx

            def osi(v: Any) -> bool | None:
                if not isinstance(v, str):
                    return None
                verdict = spdx(v)
                return None if not verdict.known or verdict.osi_approved is None else bool(verdict.osi_approved)

            return osi
        lookup = {"academic_domain": self.academic, "free_mail_domain": self.free_mail,
                  "disposable_domain": self.disposable}[op]

        def in_dataset(v: Any) -> bool | None:
            d = _ops.email_or_domain(v)
            return None if d is None else bool(lookup(d))

        return in_dataset


def _all(i: int, kids: tuple[Eval, ...]) -> Eval:
    def all_(app: Application, res: list[Any], obs: list[Any]) -> bool | None:
        r: bool | None = True
        for kid in kids:  # no short-circuit: the trace shows every child
            x = kid(app, res, obs)
            if x is False:
                r = False
            elif x is None and r is True:
                r = None
        res[i] = r
        return r

    return all_


def _any(i: int, kids: tuple[Eval, ...]) -> Eval:
    def any_(app: Application, res: list[Any], obs: list[Any]) -> bool | None:
        r: bool | None = False
        for kid in kids:
            x = kid(app, res, obs)
            if x is True:
                r = True
            elif x is None and r is False:
                r = None
        res[i] = r
        return r

    return any_


def _equals(expected: Any, ignore_case: bool) -> Callable[[Any], bool | None]:
    if isinstance(expected, bool):
        return lambda v: isinstance(v, bool) and v is expected
    if isinstance(expected, int | float):
        target = float(expected)
        return lambda v: _ops.number(v) == target
    if ignore_case:
        folded = str(expected).casefold()
        return lambda v: isinstance(v, str) and v.casefold() == folded
    return lambda v: v == expected


def _member(values: list[Any], ignore_case: bool) -> Callable[[Any], bool | None]:
    folded = {v.casefold() if ignore_case and isinstance(v, str) else v for v in values if not isinstance(v, bool)}
    flags = {v for v in values if isinstance(v, bool)}

    def one(v: Any) -> bool:
        if isinstance(v, bool):
            return v in flags
        if isinstance(v, str):
            return (v.casefold() if ignore_case else v) in folded
        try:
            return v in folded
        except TypeError:
            return False

    def member(v: Any) -> bool | None:
        if isinstance(v, list | tuple | set):
            return any(one(x) for x in v)
        return one(v)

    return member


def _compare(op: str, target: float) -> Callable[[Any], bool | None]:
    def compare(v: Any) -> bool | None:
        n = _ops.number(v)
        if n is None:
            return None
        if op == "gt":
            return n > target
        if op == "ge":
            return n >= target
        if op == "lt":
            return n < target
        return n <= target

    return compare


def _search(pattern: re.Pattern[str]) -> Callable[[Any], bool | None]:
    def search(v: Any) -> bool | None:
        if isinstance(v, list | tuple | set):
            return any(pattern.search(str(x)) is not None for x in v)
        if isinstance(v, str | int | float):
            return pattern.search(str(v)) is not None
        return None

    return search


@dataclass
class _Compiled:
    loaded: LoadedRule
    root: Eval
    root_id: int
    outcome: Outcome
    rank: int
    unknown_outcome: Outcome | None
    unknown_rank: int
    reason: Reason | None  # prebuilt when the message has no placeholders
    unknown_reason: Reason | None


class CompiledRuleSet:
    """Rules ready to evaluate. Build with :meth:`commops.rules.RuleSet.compile`."""

    def __init__(self, version: str, rules: Sequence[LoadedRule], lists: Mapping[str, list[Any]],
                 *, datasets: Datasets, calendar: BusinessCalendar, now: Callable[[], datetime]) -> None:
        self.version = version
        compiler = _Compiler(lists, datasets, calendar, now)
        compiled: list[_Compiled] = []
        self._getters: dict[str, Callable[[Application], Any]] = {}
        for loaded in rules:
            root, root_id = compiler.condition(loaded.rule.when)
            compiled.append(self._compile_rule(loaded, root, root_id))
        self._nodes = compiler.nodes
        self._size = len(compiler.nodes)
        by_program: dict[str, list[_Compiled]] = {}
        for rule in compiled:
            for program in rule.loaded.programs:
                by_program.setdefault(program, []).append(rule)
        self._by_program = {name: tuple(rules) for name, rules in by_program.items()}

    def _compile_rule(self, loaded: LoadedRule, root: Eval, root_id: int) -> _Compiled:
        rule = loaded.rule
        outcome = Outcome(rule.outcome)
        unknown = None if rule.on_unknown == "ignore" else Outcome(rule.on_unknown)
        for template in (rule.reason, rule.unknown_reason or ""):
            for path in placeholders(template):
                self._getters.setdefault(path, getter_for(path))
        return _Compiled(
            loaded, root, root_id, outcome, _RANK[outcome], unknown, _RANK[unknown] if unknown else 99,
            None if placeholders(rule.reason) else self._reason(loaded, outcome, rule.reason, unknown=False),
            None if placeholders(self._unknown_text(rule)) else
            self._reason(loaded, unknown or outcome, self._unknown_text(rule), unknown=True),
        )

    @staticmethod
    def _unknown_text(rule: Rule) -> str:
        if rule.unknown_reason:
            return rule.unknown_reason
        if rule.on_unknown == rule.outcome:
            return rule.reason
        return f"could not be decided: {rule.description or rule.id} needs data that is missing"

    @staticmethod
    def _reason(loaded: LoadedRule, outcome: Outcome, message: str, *, unknown: bool) -> Reason:
        if unknown:
            macro = loaded.unknown_macro or (loaded.macro if outcome.value == loaded.rule.outcome else None)
        else:
            macro = loaded.macro
        if outcome is Outcome.MANUAL:
            macro = None
        return construct(Reason, {"rule": loaded.rule.id, "message": message, "outcome": outcome,
                                  "macro": macro, "auto": loaded.rule.auto, "source": loaded.source})

    def _render(self, rule: _Compiled, app: Application, unknown: bool) -> Reason:
        prebuilt = rule.unknown_reason if unknown else rule.reason
        if prebuilt is not None:
            return prebuilt
        text = self._unknown_text(rule.loaded.rule) if unknown else rule.loaded.rule.reason

        def fill(match: re.Match[str]) -> str:
            value = self._getters[match.group(1)](app)
            return "(missing)" if value is None else str(value)

        outcome = (rule.unknown_outcome or rule.outcome) if unknown else rule.outcome
        return self._reason(rule.loaded, outcome, _PLACEHOLDER.sub(fill, text), unknown=unknown)

    def programs(self) -> set[str]:
        return set(self._by_program)

    def evaluate(self, application: Application) -> Decision:
        """The decision for one application. Pure; data problems become *unknown*, never exceptions."""
        program = application.program
        if program is None:
            return construct(Decision, {
                "ticket_id": application.ticket_id, "program": None, "outcome": Outcome.SKIP, "reasons": [],
                "other_reasons": [], "ruleset_version": self.version, "trace": [],
            })
        rules = self._by_program.get(program, ())
        res: list[Any] = [None] * self._size
        obs: list[Any] = [None] * self._size
        results: list[bool | None] = []
        fired: list[tuple[_Compiled, int, bool]] = []
        ignored: list[_Compiled] = []
        errors: dict[int, str] = {}
        best = 99
        for rule in rules:
            try:
                r = rule.root(application, res, obs)
            except Exception as exc:  # last line of defence: a broken datum is unknown, not a crash
                r = None
                errors[rule.root_id] = f"error: {type(exc).__name__}: {exc}"
            results.append(r)
            if r is True:
                fired.append((rule, rule.rank, False))
                best = min(best, rule.rank)
            elif r is None:
                if rule.unknown_outcome is None:
                    ignored.append(rule)
                else:
                    fired.append((rule, rule.unknown_rank, True))
                    best = min(best, rule.unknown_rank)
        reasons: list[Reason] = []
        others: list[Reason] = []
        for rule, rank, unknown in fired:
            (reasons if rank == best else others).append(self._render(rule, application, unknown))
        if not fired:
            outcome = Outcome.MANUAL
            reasons = [construct(Reason, {"rule": "(none)", "message": "no rule decided", "outcome": outcome,
                                          "macro": None, "auto": False, "source": None})]
        else:
            outcome = OUTCOME_PRECEDENCE[best]
        if outcome is Outcome.QUALIFY and ignored:  # unknown never leads to qualify
            outcome = Outcome.MANUAL
            others = reasons + others
            reasons = [self._render(rule, application, True) for rule in ignored]
            reasons = [construct(Reason, {**r.__dict__, "outcome": Outcome.MANUAL, "macro": None})
                       for r in reasons]
        trace = LazyTrace(lambda: self._trace(rules, results, res, obs, errors))
        return construct(Decision, {
            "ticket_id": application.ticket_id, "program": program, "outcome": outcome, "reasons": reasons,
            "other_reasons": others, "ruleset_version": self.version, "trace": trace,
        })

    def _trace(self, rules: Sequence[_Compiled], results: list[bool | None], res: list[Any], obs: list[Any],
               errors: dict[int, str]) -> list[RuleTrace]:
        out = []
        for rule, r in zip(rules, results, strict=True):
            out.append(construct(RuleTrace, {
                "rule": rule.loaded.rule.id, "outcome": rule.outcome, "result": _TRUTH[r],
                "fired": r is True or (r is None and rule.unknown_outcome is not None),
                "source": rule.loaded.source, "condition": self._condition(rule.root_id, res, obs, errors),
            }))
        return out

    def _condition(self, i: int, res: list[Any], obs: list[Any], errors: dict[int, str]) -> ConditionTrace:
        node = self._nodes[i]
        observed, expected = obs[i], node.expected
        if node.pair:
            observed, expected = obs[i] if obs[i] is not None else (None, None)
        return construct(ConditionTrace, {
            "op": node.op, "result": _TRUTH[res[i]], "field": node.field, "observed": observed,
            "expected": expected, "note": errors.get(i, node.note),
            "children": [self._condition(c, res, obs, errors) for c in node.children],
        })
