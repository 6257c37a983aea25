"""Leaf checks and transforms, built once per test: each maps a present value to True/False/None."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from commops.domain.calendar import BusinessCalendar
from commops.domain.reading import MEMO_LIMIT
from commops.ports import Datasets
from commops.rules import _ops
from commops.rules._schema import Test

__all__ = ["Check", "Lookups", "build_check", "build_transform"]

Check = Callable[[Any], bool | None]


class Lookups:
    """The data sets, memoised (domains and licences repeat across a queue)."""

    def __init__(self, datasets: Datasets) -> None:
        self.spdx = _ops.cached(datasets.spdx)
        self.academic = _ops.cached(datasets.is_academic_domain)
        self.free_mail = _ops.cached(datasets.is_free_mail_domain)
        self.disposable = _ops.cached(datasets.is_disposable_domain)
        self.registrable = _ops.cached(datasets.registrable_domain)


def build_transform(name: str | None, calendar: BusinessCalendar,
                    now: Callable[[], datetime]) -> Callable[[Any], Any] | None:
    if name == "business_days_since":

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


def build_check(t: Test, expected: Any, lookups: Lookups) -> Check:
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
        return _words(_ops.word_matcher(words))
    if op == "matches":
        return _search(_ops.rule_regex(str(expected), ignore_case=ic))
    if op == "is_http_url":
        return _ops.is_http_url
    if op == "spdx_known":
        spdx = lookups.spdx
        return _memo_text(lambda v: bool(spdx(v).known) if isinstance(v, str) else False)
    if op == "spdx_osi_approved":
        return _memo_text(_osi(lookups.spdx))
    lookup = {"academic_domain": lookups.academic, "free_mail_domain": lookups.free_mail,
              "disposable_domain": lookups.disposable}[op]

    def in_dataset(v: Any) -> bool | None:
        d = _ops.email_or_domain(v)
        return None if d is None else bool(lookup(d))

    return _memo_text(in_dataset)


def _memo_text(check: Check) -> Check:
    """Remember a data-set answer per raw text (the same domains come back all through a queue)."""
    memo: dict[str, bool | None] = {}

    def remembered(v: Any) -> bool | None:
        if v.__class__ is not str:
            return check(v)
        try:
            return memo[v]
        except KeyError:
            pass
        if len(memo) >= MEMO_LIMIT:
            memo.clear()
        result = memo[v] = check(v)
        return result

    return remembered


def _osi(spdx: Callable[[str], Any]) -> Check:
    def osi(v: Any) -> bool | None:
        if not isinstance(v, str):
            return None
        verdict = spdx(v)
        return None if not verdict.known or verdict.osi_approved is None else bool(verdict.osi_approved)

    return osi


def _negate(test: Check) -> Check:
    def negated(value: Any) -> bool | None:
        result = test(value)
        return None if result is None else not result

    return negated


def _equals(expected: Any, ignore_case: bool) -> Check:
    if isinstance(expected, bool):
        return lambda v: isinstance(v, bool) and v is expected
    if isinstance(expected, int | float):
        target = float(expected)
        return lambda v: _ops.number(v) == target
    if ignore_case:
        folded = str(expected).casefold()
        return lambda v: isinstance(v, str) and v.casefold() == folded
    return lambda v: isinstance(v, str) and v == expected


def _member(values: list[Any], ignore_case: bool) -> Check:
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


def _compare(op: str, target: float) -> Check:
    def compare(v: Any) -> bool | None:
        # plain ints and finite floats directly (v - v is 0 only for a finite float); the rest via number()
        n = v if v.__class__ is int or (v.__class__ is float and v - v == 0) else _ops.number(v)
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


def _words(match: Callable[[str], bool]) -> Check:
    def words(v: Any) -> bool | None:
        if isinstance(v, str):
            return match(v)
        if isinstance(v, list | tuple | set):
            return any(match(str(x)) for x in v)
        if isinstance(v, int | float):
            return match(str(v))
        return None

    return words


def _search(pattern: Any) -> Check:
    find = pattern.search

    def search(v: Any) -> bool | None:
        if v.__class__ is str:
            return find(v) is not None
        if isinstance(v, list | tuple | set):
            return any(pattern.search(str(x)) is not None for x in v)
        if isinstance(v, str | int | float):
            return pattern.search(str(v)) is not None
        return None

    return search
