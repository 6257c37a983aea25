"""The trace in its compact form: recorded on every evaluation, turned into models only at the edge.

An evaluation fills one flat tuple of plain values (each condition's result and observed value, each
rule's result, each input's raw value) and shares one :class:`TraceShape` per program (rule ids, sources,
the condition trees). :class:`CompactTrace` is the ``list[RuleTrace]`` a :class:`Decision` carries: it
builds the pydantic models the first time someone reads it (``rules explain``, ``--format json``, plans)
and keeps the compact form, which is what the journal stores (:func:`journal_trace`, :func:`from_journal`):
the shape once, and per decision the values and what each input was read as.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn, SupportsIndex, TypeVar

from pydantic import BaseModel
from pydantic_core import to_json

from commops.domain.decision import ConditionTrace, Outcome, RuleTrace, Truth
from commops.domain.reading import Unreadable

__all__ = [
    "NO_REASONS",
    "CompactTrace",
    "LazyTrace",
    "ShapeRule",
    "SharedList",
    "TraceError",
    "TraceNode",
    "TraceShape",
    "construct",
    "from_journal",
    "journal_trace",
    "shape_from_json",
]

M = TypeVar("M", bound=BaseModel)
_set = object.__setattr__
_ALL_FIELDS: dict[type[BaseModel], set[str]] = {}
_TRUTH = {True: Truth.TRUE, False: Truth.FALSE, None: Truth.UNKNOWN}
_FORMAT = 1  # of the journal form: a reader refuses a shape of another format instead of misreading it


def construct(cls: type[M], values: dict[str, Any]) -> M:
    """``model_construct`` without its per-call overhead: ``values`` must name every field.

    Every instance of a class shares one fields-set (all fields are set, so pydantic's only mutation of
    it, adding an assigned field's name, changes nothing): one object fewer for the garbage collector.
    """
    obj = cls.__new__(cls)
    fields = _ALL_FIELDS.get(cls)
    if fields is None:
        fields = _ALL_FIELDS[cls] = set(cls.model_fields)
    _set(obj, "__dict__", values)
    _set(obj, "__pydantic_fields_set__", fields)
    _set(obj, "__pydantic_extra__", None)
    _set(obj, "__pydantic_private__", None)
    return obj


_SHARED = "this list is shared by many decisions; copy it before changing it"


class SharedList(list):  # type: ignore[type-arg]
    """A list many decisions hold (the same reasons are interned): it refuses to change in place."""

    __slots__ = ()

    def _refuse(self, *_args: object, **_kwargs: object) -> NoReturn:
        raise TypeError(_SHARED)

    append = extend = insert = pop = remove = clear = sort = reverse = _refuse  # type: ignore[assignment]
    __setitem__ = __delitem__ = _refuse  # type: ignore[assignment]

    def __iadd__(self, _other: object) -> NoReturn:  # type: ignore[misc]
        raise TypeError(_SHARED)

    def __imul__(self, _other: object) -> NoReturn:  # type: ignore[misc]
        raise TypeError(_SHARED)

    __hash__ = None  # type: ignore[assignment]

    def __copy__(self) -> list[Any]:
        return list(self)

    def __deepcopy__(self, memo: dict[int, Any]) -> list[Any]:
        import copy

        return copy.deepcopy(list(self), memo)

    def __reduce__(self) -> tuple[Any, ...]:
        return (list, (list(self),))


NO_REASONS: list[Any] = SharedList()  # the other reasons of every decision without outranked ones


class TraceError:
    """In a rule's observed slot when evaluating the rule raised: the trace shows the message."""

    __slots__ = ("message",)

    def __init__(self, exc: BaseException) -> None:
        self.message = f"error: {type(exc).__name__}: {exc}"


@dataclass(frozen=True, slots=True)
class TraceNode:
    """One condition of a rule: its slots are ``2*id`` (result) and ``2*id + 1`` (observed value)."""

    op: str
    field: str | None = None
    expected: Any = None
    note: str | None = None
    children: tuple[int, ...] = ()
    pair: bool = False  # the observed slot holds (observed, expected)
    input: int | None = None  # which input the test read (its raw value is in the raw slots)


@dataclass(frozen=True, slots=True)
class ShapeRule:
    rule: str
    outcome: Outcome
    source: str | None
    root: int  # the node of its condition
    fires_on_unknown: bool  # on_unknown ask/manual: an unknown condition fires the rule


Describe = Callable[[Any], str]  # raw value -> what it was read as ("read as 'BY' (country)")


class TraceShape:
    """What every evaluation of one program's rules shares: the rules, the condition nodes and where the
    slots are. ``describers`` (one per input, None for an input read raw) say what a raw value was read
    as; a shape read back from the journal has none: the readings were stored with the values."""

    __slots__ = ("_json", "_key", "base", "describers", "nodes", "raw_base", "rules")

    def __init__(self, rules: Sequence[ShapeRule], nodes: Sequence[TraceNode], base: int, raw_base: int,
                 describers: Sequence[Describe | None] = ()) -> None:
        self.rules, self.nodes = tuple(rules), tuple(nodes)
        self.base, self.raw_base = base, raw_base
        self.describers = tuple(describers)
        self._json: str | None = None
        self._key: str | None = None

    @property
    def json(self) -> str:
        """The shape as the journal stores it (once, under :attr:`key`)."""
        if self._json is None:
            self._json = to_json({
                "format": _FORMAT, "base": self.base, "raw_base": self.raw_base,
                "rules": [[r.rule, r.outcome.value, r.source, r.root, r.fires_on_unknown] for r in self.rules],
                "nodes": [[n.op, n.field, n.expected, n.note, list(n.children), n.pair, n.input] for n in self.nodes],
            }).decode()
        return self._json

    @property
    def key(self) -> str:
        """A digest of :attr:`json`: equal rules give the same key, whichever run compiled them."""
        if self._key is None:
            self._key = hashlib.sha256(self.json.encode()).hexdigest()[:24]
        return self._key


def shape_from_json(text: str) -> TraceShape:
    """A shape the journal stored (see :attr:`TraceShape.json`)."""
    data = json.loads(text)
    if data.get("format") != _FORMAT:
        raise ValueError(f"trace shape of format {data.get('format')!r}, this commops reads format {_FORMAT}")
    rules = [ShapeRule(r[0], Outcome(r[1]), r[2], int(r[3]), bool(r[4])) for r in data["rules"]]
    nodes = [TraceNode(n[0], n[1], n[2], n[3], tuple(n[4]), bool(n[5]), n[6]) for n in data["nodes"]]
    shape = TraceShape(rules, nodes, int(data["base"]), int(data["raw_base"]))
    shape._json = text
    return shape


class LazyTrace(list):  # type: ignore[type-arg]
    """A list filled by ``factory(a, b)`` the first time it is read."""

    __slots__ = ("_a", "_b", "_factory")

    def __init__(self, factory: Callable[[Any, Any], list[Any]], a: Any = None, b: Any = None) -> None:
        self._factory: Callable[[Any, Any], list[Any]] | None = factory
        self._a, self._b = a, b

    def _fill(self) -> None:
        factory = self._factory
        if factory is not None:
            self._factory = None
            list.extend(self, factory(self._a, self._b))
            self._a = self._b = None

    def __iter__(self) -> Iterator[Any]:
        self._fill()
        return list.__iter__(self)

    def __len__(self) -> int:
        self._fill()
        return list.__len__(self)

    def __bool__(self) -> bool:
        self._fill()
        return list.__len__(self) > 0

    def __getitem__(self, index: SupportsIndex | slice) -> Any:  # type: ignore[override]
        self._fill()
        return list.__getitem__(self, index)

    def __contains__(self, item: object) -> bool:
        self._fill()
        return list.__contains__(self, item)

    def __eq__(self, other: object) -> bool:
        self._fill()
        if isinstance(other, LazyTrace):
            other._fill()
        return list.__eq__(self, other)

    def __add__(self, other: Any) -> list[Any]:  # type: ignore[override]
        self._fill()
        return list(list.__iter__(self)) + list(other)

    def __radd__(self, other: Any) -> list[Any]:
        self._fill()
        return list(other) + list(list.__iter__(self))

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        self._fill()
        return list.__repr__(self)

    def __reduce__(self) -> tuple[Any, ...]:
        self._fill()
        return (list, (list(list.__iter__(self)),))

    def __copy__(self) -> list[Any]:
        self._fill()
        return list(list.__iter__(self))

    def __deepcopy__(self, memo: dict[int, Any]) -> list[Any]:
        import copy

        self._fill()
        return copy.deepcopy(list(list.__iter__(self)), memo)


class CompactTrace(LazyTrace):
    """A decision's trace as recorded: the program's shape and one tuple of values (plus, when read back
    from the journal, what each input was read as). Read as a list, it is ``list[RuleTrace]``; the compact
    form stays for the journal (:func:`journal_trace`)."""

    __slots__ = ("readings", "shape", "values")

    def __init__(self, shape: TraceShape, values: tuple[Any, ...],
                 readings: Sequence[str | None] | None = None) -> None:
        self._factory = _pending
        self.shape, self.values, self.readings = shape, values, readings

    def _fill(self) -> None:
        if self._factory is not None:
            self._factory = None
            list.extend(self, _materialise(self))

    def input_readings(self) -> list[str | None]:
        """What each input's raw value was read as (None: missing from the ticket, or read raw)."""
        if self.readings is not None:
            return list(self.readings)
        shape, values, base = self.shape, self.values, self.shape.raw_base
        return [None if d is None or values[base + k] is None else d(values[base + k])
                for k, d in enumerate(shape.describers)]


def _materialise(trace: CompactTrace) -> list[RuleTrace]:
    shape, s = trace.shape, trace.values
    readings = trace.input_readings()
    results = s[shape.base:shape.base + len(shape.rules)]
    return [construct(RuleTrace, {
        "rule": rule.rule, "outcome": rule.outcome, "result": _TRUTH[r],
        "fired": r is True or (r is None and rule.fires_on_unknown),
        "source": rule.source, "condition": _condition(shape, rule.root, s, readings),
    }) for rule, r in zip(shape.rules, results, strict=True)]


def _pending(_a: object, _b: object) -> list[Any]:
    """Marks a compact trace not read yet (its own ``_fill`` builds the models)."""
    return []


def _condition(shape: TraceShape, i: int, s: Sequence[Any], readings: Sequence[str | None]) -> ConditionTrace:
    node = shape.nodes[i]
    observed, expected, note = s[2 * i + 1], node.expected, node.note
    raw, reading = None, None
    if observed.__class__ is TraceError:
        note = observed.message
        observed = None
    elif node.pair:
        observed, expected = observed if observed is not None else (None, None)
    elif node.input is not None:
        raw = s[shape.raw_base + node.input]
        if node.input < len(readings):  # None when the raw value was missing (or the input is read raw)
            reading = readings[node.input]
    if observed.__class__ is Unreadable:
        observed = None
    return construct(ConditionTrace, {
        "op": node.op, "result": _TRUTH.get(s[2 * i], Truth.UNKNOWN), "field": node.field,
        "observed": observed, "expected": expected, "note": note, "raw": raw, "reading": reading,
        "children": [_condition(shape, c, s, readings) for c in node.children],
    })


def _plain(value: Any) -> Any:
    """What JSON keeps of a value it has no type for: an unreadable value shows as nothing (the trace
    shows it as None too), a rule's error is stored beside the values."""
    if value.__class__ is Unreadable or value.__class__ is TraceError:
        return None
    raise TypeError(f"{type(value).__name__} is not part of a trace")


def journal_trace(trace: Sequence[RuleTrace]) -> tuple[TraceShape, str] | None:
    """``(shape, text)``: the compact journal form of a trace the rule engine recorded; None for a trace
    that is a plain list (read from a plan or an old journal row), which is stored as it is."""
    if not isinstance(trace, CompactTrace):
        return None
    shape, values = trace.shape, trace.values
    errors = [[2 * r.root + 1, values[2 * r.root + 1].message] for r in shape.rules
              if values[2 * r.root + 1].__class__ is TraceError]
    text = to_json({"shape": shape.key, "values": values, "readings": trace.input_readings(), "errors": errors},
                   fallback=_plain, inf_nan_mode="null").decode()
    return shape, text


def from_journal(text: str, shape_of: Callable[[str], TraceShape]) -> CompactTrace:
    """A trace the journal stored with :func:`journal_trace`; ``shape_of`` finds a shape by its key."""
    data = json.loads(text)
    values: list[Any] = data["values"]
    for slot, message in data.get("errors", []):
        error = TraceError.__new__(TraceError)
        error.message = message
        values[slot] = error
    return CompactTrace(shape_of(data["shape"]), tuple(values), data["readings"])
