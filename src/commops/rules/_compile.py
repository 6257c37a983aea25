"""Conditions → one generated Python function per program.

Each condition node gets two slots in a flat list: its result (True/False/None) at ``2*id`` and the
value it observed at ``2*id + 1``; the trace is built from them later. ``all``/``any``/``not`` and the
common leaf tests are emitted inline (no call per node); other leaves call a closure. The generated
source names only generated identifiers: every value from the rule files reaches it through the
namespace (``K3``, ``E3``, ...), never as source text. Each rule runs in its own ``try``, so a datum no
operator expected makes that rule *unknown* instead of failing the evaluation.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from commops.domain import Application
from commops.domain.calendar import BusinessCalendar
from commops.domain.reading import Reader, Unreadable, fold
from commops.domain.trace import TraceError, TraceNode
from commops.rules import _ops
from commops.rules._checks import Lookups, build_check, build_transform
from commops.rules._paths import getter_for
from commops.rules._schema import AllOf, AnyOf, Condition, NotOf, Test

__all__ = ["CONTRADICTION", "NEVER", "CompiledRule", "ProgramFn", "RuleCompiler"]

ProgramFn = Callable[[Application, list[Any]], tuple[int, list[Any], list[Any]]]
ReaderFor = Callable[[str], Reader | None]
_EMPTYABLE = frozenset({list, dict, tuple, set})
NEVER = 99  # the rank of "did not fire"
CONTRADICTION = -1  # the rank of a contradiction rule that fired: a person decides, whatever else fired
_VALIDITY_OPS = frozenset({"is_http_url", "spdx_known"})  # an unreadable value is not a link, not a licence
_MISS = object()
_ATTRIBUTES = frozenset({"application_type", "form_program", "field_program", "program", "subject", "description",
                         "status", "url"})
_COMPARE = {"eq": "==", "ne": "!=", "gt": ">", "ge": ">=", "lt": "<", "le": "<="}


@dataclass
class CompiledRule:
    """What the code generator needs of one rule: its code, ranks and explanations."""

    root: int
    lines: list[str]
    rank: int
    unknown_rank: int
    fired: Any
    unknown: Any
    blocking: Any


class RuleCompiler:
    def __init__(self, lists: Mapping[str, list[Any]], lookups: Lookups, calendar: BusinessCalendar,
                 now: Callable[[], datetime], reader_for: ReaderFor = lambda path: None) -> None:
        self.lists = lists
        self.lookups = lookups
        self.calendar, self.now = calendar, now
        self.reader_for = reader_for
        self.nodes: list[TraceNode] = []
        self.ns: dict[str, Any] = {"EMPTYABLE": _EMPTYABLE, "ERR": TraceError, "U": Unreadable, "MISS": _MISS}
        self.inputs: list[str] = []  # paths read, in order of first use; their raw values go to raw slots
        self.getters: dict[str, str] = {}  # path -> name of its getter in the namespace (P0, P1, ...)
        self.fields: dict[str, str] = {}  # fields.<key> -> local variable holding its value (f0, f1, ...)

    def rule(self, cond: Condition) -> tuple[int, list[str]]:
        """(root node id, the source lines that compute ``r<root>``)."""
        lines: list[str] = []
        return self._condition(cond, lines), lines

    @property
    def slots(self) -> int:
        """Slots per evaluation: two per node, then one per rule result."""
        return 2 * len(self.nodes)

    def input_slots(self, rules: int) -> int:
        """Where the raw values start: after the node slots and the ``rules`` rule results."""
        return self.slots + rules

    def _input(self, path: str) -> int:
        if path not in self.inputs:
            self.inputs.append(path)
        return self.inputs.index(path)

    def _read_lines(self, var: str, raw: str, path: str) -> list[str]:
        """Lines turning the raw value in ``raw`` into the read value in ``var`` (memo first, then the reader)."""
        reader = self.reader_for(path)
        if reader is None:
            return [f"    {var} = {raw}"]
        self.ns[f"D{var}"], self.ns[f"RD{var}"] = reader.values, reader.value
        self.ns[f"PT{var}"] = reader.passthrough
        return [f"    if {raw} is None: {var} = None",
                f"    elif {raw}.__class__ is str:",
                f"        {var} = D{var}.get({raw}, MISS)",
                f"        if {var} is MISS: {var} = RD{var}({raw})",
                f"    elif {raw}.__class__ in PT{var}: {var} = {raw}",
                f"    else: {var} = RD{var}({raw})"]

    def program(self, program: str, rules: Sequence[CompiledRule]) -> ProgramFn:
        """One function for a program's rules, returning ``(best rank, fired, blocking)``: the rank of the
        winning outcome, the explanation of every rule that fired (each knows its ``rank``), and the
        explanations of rules whose unknown was ignored. Rule ``n``'s result also goes to ``s[slots + n]``
        for the trace, and the raw value of input ``k`` to ``s[slots + len(rules) + k]``."""
        body = ["def run(app, s):", "    F = app.fields", f"    best = {NEVER}", "    fired = []", "    blocking = []"]
        code = "\n".join(line for rule in rules for line in rule.lines) + "\n"
        raw_base = self.input_slots(len(rules))
        for path, var in sorted(self.fields.items(), key=lambda item: item[1]):  # read each field once
            if f"v = {var}\n" not in code:
                continue
            body += [f"    w = F.get(K{var})", f"    s[{raw_base + self._input(path)}] = w"]
            if self.reader_for(path) is None:
                body += ["    if w is not None and ((w.__class__ is str and not w.strip()) "
                         "or (w.__class__ in EMPTYABLE and not w)): w = None"]
            body += self._read_lines(var, "w", path)
        for path, getter in sorted(self.getters.items(), key=lambda item: item[1]):  # read each path once
            if f"{getter}(app)" not in code:
                continue
            head, _, rest = path.partition(".")
            if self.reader_for(path) is not None and ((head in _ATTRIBUTES and not rest) or head == "requester"):
                # a plain attribute, read inline (the reader deals with blank values)
                body += [f"    w = app.{path}"]
            else:
                body += [f"    try:\n        w = {getter}(app)", "    except Exception:\n        w = None"]
            body += [f"    s[{raw_base + self._input(path)}] = w", *self._read_lines(f"{getter}_v", "w", path)]
        namespace = dict(self.ns)
        base = self.slots
        for n, rule in enumerate(rules):
            namespace[f"V{n}"], namespace[f"U{n}"], namespace[f"B{n}"] = rule.fired, rule.unknown, rule.blocking
            lines = [line.replace("(app)", "_v") if line.startswith("v = P") else line for line in rule.lines]
            body += ["    try:", *(f"        {line}" for line in lines), f"        x = r{rule.root}",
                     "    except Exception as e:", "        x = None", f"        s[{2 * rule.root + 1}] = ERR(e)",
                     f"    s[{base + n}] = x",
                     "    if x is True:", f"        fired.append(V{n})",
                     f"        if best > {rule.rank}: best = {rule.rank}",
                     "    elif x is None:"]
            if rule.unknown_rank == NEVER:
                body.append(f"        blocking.append(B{n})")
            else:
                body += [f"        fired.append(U{n})",
                         f"        if best > {rule.unknown_rank}: best = {rule.unknown_rank}"]
        body.append("    return best, fired, blocking")
        # Only generated identifiers in the source; rule-file values come through the namespace (module doc).
        exec(compile("\n".join(body), f"<commops rules: {program}>", "exec"), namespace)
        run: ProgramFn = namespace["run"]
        return run

    def _add(self, node: TraceNode) -> int:
        self.nodes.append(node)
        return len(self.nodes) - 1

    def _condition(self, cond: Condition, out: list[str]) -> int:
        if isinstance(cond, AllOf | AnyOf):
            kids = [self._condition(c, out) for c in (cond.all_ if isinstance(cond, AllOf) else cond.any_)]
            op = "all" if isinstance(cond, AllOf) else "any"
            i = self._add(TraceNode(op, children=tuple(kids)))
            win, lose = ("False", "True") if op == "all" else ("True", "False")
            decided = " or ".join(f"r{k} is {win}" for k in kids)
            unknown = " or ".join(f"r{k} is None" for k in kids)
            out.append(f"r{i} = {win} if ({decided}) else (None if ({unknown}) else {lose})")
        elif isinstance(cond, NotOf):
            k = self._condition(cond.not_, out)
            i = self._add(TraceNode("not", children=(k,)))
            out.append(f"r{i} = None if r{k} is None else not r{k}")
        else:
            i = self._test(cond, out)
        out.append(f"s[{2 * i}] = r{i}")
        return i

    def _expected(self, path: str, expected: Any) -> Any:
        """Values a rule compares with are read the way the field is: ``Cuba`` is CU, ``Role_Student`` folded."""
        reader = self.reader_for(path)
        if reader is None or reader.kind == "raw":
            return expected

        def one(x: Any) -> Any:
            if not isinstance(x, str):
                return x
            reading = reader.read(x)
            if reading.status == "read" and not isinstance(reading.value, tuple):
                return reading.value
            return fold(x)

        return [one(x) for x in expected] if isinstance(expected, list) else one(expected)

    def _test(self, t: Test, out: list[str]) -> int:
        expected: Any = t.value
        note = None
        if t.list_ref is not None:
            expected, note = list(self.lists.get(t.list_ref, [])), f"list {t.list_ref}"
        if t.transform:
            note = f"{t.transform}({t.field})" + (f"; {note}" if note else "")
        if_missing = None if t.if_missing == "unknown" else bool(t.if_missing)
        if t.op == "domain_is_or_under":
            return self._domain(t, if_missing, out)
        if t.other is not None:
            return self._pair(t, if_missing, out)
        read = self.reader_for(t.field) is not None
        if t.op in ("eq", "ne", "in", "not_in"):
            expected = self._expected(t.field, expected)
        i = self._add(TraceNode(t.op, t.field, expected, note, input=self._input(t.field)))
        ns = self.ns
        transform = build_transform(t.transform, self.calendar, self.now)
        if t.field.startswith("fields.") and transform is None:
            name = self.fields.get(t.field)
            if name is None:
                name = self.fields[t.field] = f"f{len(self.fields)}"
                ns[f"K{name}"] = t.field.removeprefix("fields.")
            out.append(f"v = {name}")
        else:
            name = self.getters.get(t.field)
            if name is None:
                name = self.getters[t.field] = f"P{len(self.getters)}"
                ns[name] = getter_for(t.field)
            out.append(f"v = {name}(app)")
            if transform is not None:
                ns[f"T{i}"] = transform
                out.append(f"if v is not None and v.__class__ is not U: v = T{i}(v)")
        out.append(f"s[{2 * i + 1}] = v")
        if t.op in ("missing", "present"):  # an unreadable value is there: not missing
            out.append(f"r{i} = v is {'' if t.op == 'missing' else 'not '}None")
            return i
        ns[f"M{i}"] = if_missing
        ns[f"C{i}"] = build_check(t, expected, self.lookups)
        plain = not t.ignore_case or read  # read text is case-folded already, and so is what it is compared with
        number = "(v.__class__ is int or (v.__class__ is float and v - v == 0))"  # finite: NaN/inf go to C
        unreadable = "False" if t.op in _VALIDITY_OPS else "None"
        if t.op in ("eq", "ne") and plain and isinstance(expected, str):
            ns[f"E{i}"] = expected
            expr = f"(v {'==' if t.op == 'eq' else '!='} E{i})"
        elif t.op in ("eq", "ne") and isinstance(expected, bool):
            ns[f"E{i}"] = expected
            expr = f"(v {'is' if t.op == 'eq' else 'is not'} E{i})"
        elif t.op in _COMPARE and isinstance(expected, int | float):
            ns[f"E{i}"] = expected
            expr = f"((v {_COMPARE[t.op]} E{i}) if {number} else C{i}(v))"
        elif t.op == "matches":
            pattern = _ops.rule_regex(str(expected), ignore_case=t.ignore_case)  # RE2: linear in the text
            ns[f"R{i}"] = pattern.search
            expr = f"((R{i}(v) is not None) if v.__class__ is str else C{i}(v))"
        elif t.op in ("contains", "contains_any"):
            ns[f"W{i}"] = _ops.word_matcher([expected] if t.op == "contains" else [str(w) for w in expected])
            expr = f"(W{i}(v) if v.__class__ is str else C{i}(v))"
        elif t.op in ("in", "not_in") and plain and all(isinstance(x, str) for x in expected):
            ns[f"S{i}"] = frozenset(expected)
            test = "in" if t.op == "in" else "not in"
            expr = f"((v {test} S{i}) if v.__class__ is str else C{i}(v))"
        else:
            expr = f"C{i}(v)"
        out.append(f"r{i} = M{i} if v is None else ({unreadable} if v.__class__ is U else {expr})")
        return i

    def _value_of(self, path: str) -> Callable[[Application], Any]:
        """A getter returning the read value of ``path`` (None when missing, an Unreadable when unreadable)."""
        get = getter_for(path)
        reader = self.reader_for(path)
        if reader is None:
            return get
        value = reader.value

        def read(app: Application) -> Any:
            raw = get(app)
            return None if raw is None else value(raw)

        return read

    def _pair(self, t: Test, if_missing: bool | None, out: list[str]) -> int:
        """``eq``/``ne`` between two fields (``other:``): unknown when either is unreadable."""
        assert t.other is not None
        get, other = self._value_of(t.field), self._value_of(t.other)
        i = self._add(TraceNode(t.op, t.field, None, f"compared with {t.other}", pair=True, input=self._input(t.field)))
        slot, equal = 2 * i + 1, t.op == "eq"

        def pair(app: Application, s: list[Any]) -> bool | None:
            a, b = get(app), other(app)
            s[slot] = (a if a.__class__ is not Unreadable else None, b if b.__class__ is not Unreadable else None)
            if a is None or b is None:
                return if_missing
            if a.__class__ is Unreadable or b.__class__ is Unreadable:
                return None
            return (a == b) is equal

        self.ns[f"L{i}"] = pair
        out.append(f"r{i} = L{i}(app, s)")
        return i

    def _domain(self, t: Test, if_missing: bool | None, out: list[str]) -> int:
        """The email's domain is the other URL's (or ``value``'s) domain or under it, or both have the same
        registrable domain (``cs.ox.ac.uk`` and ``www.ox.ac.uk``: programs.md, "Reading the inputs")."""
        get = self._value_of(t.field)
        other = self._value_of(t.other) if t.other else None
        fixed = _ops.host_of(t.value) if t.value is not None else None
        registrable = self.lookups.registrable
        note = f"host of {t.other}" if t.other else None
        i = self._add(TraceNode(t.op, t.field, fixed, note, pair=True, input=self._input(t.field)))
        slot = 2 * i + 1

        def domain(app: Application, s: list[Any]) -> bool | None:
            raw = get(app)
            o = other(app) if other is not None else None
            if raw.__class__ is Unreadable or o.__class__ is Unreadable:
                s[slot] = (None, None)
                return None
            d = _ops.email_or_domain(raw) if raw is not None else None
            h = fixed if other is None else (_ops.host_of(o) if o is not None else None)
            s[slot] = (d, h)
            if d is None:
                return if_missing
            if h is None:
                return None
            if d == h or d.endswith("." + h):
                return True
            mine = registrable(d)
            return mine is not None and mine == registrable(h)

        self.ns[f"L{i}"] = domain
        out.append(f"r{i} = L{i}(app, s)")
        return i
