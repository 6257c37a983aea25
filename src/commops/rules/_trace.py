"""A trace that costs nothing until someone reads it.

Evaluation records results and observed values in flat lists; the pydantic trace objects are built
on first access (iteration, len, indexing, comparison, serialisation through ``Decision``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, SupportsIndex, TypeVar

from pydantic import BaseModel

__all__ = ["LazyTrace", "construct"]

_set = object.__setattr__
M = TypeVar("M", bound=BaseModel)


_ALL_FIELDS: dict[type[BaseModel], set[str]] = {}


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
