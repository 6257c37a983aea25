"""Safe YAML with positions: compose nodes (no object construction), build plain data ourselves.

Building the data from the node tree lets us report *every* duplicate key with its position (a
constructor stops at the first) and map any validation error location back to ``line:col``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

__all__ = ["Located", "YamlProblem", "locate", "parse"]


@dataclass(frozen=True)
class YamlProblem:
    line: int
    col: int
    message: str


@dataclass
class Located:
    """A parsed document: plain data plus the node tree it came from."""

    data: Any
    root: Node | None


def _pos(node: Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def parse(text: str) -> tuple[Located, list[YamlProblem]]:
    yaml = YAML(typ="safe", pure=True)
    try:
        root = yaml.compose(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        return Located(None, None), [YamlProblem(line, col, f"YAML syntax: {exc.problem or exc}")]
    except YAMLError as exc:
        return Located(None, None), [YamlProblem(1, 1, f"YAML syntax: {exc}")]
    problems: list[YamlProblem] = []
    if root is None:
        return Located(None, None), problems
    constructor = yaml.constructor

    def build(node: Node) -> Any:
        if isinstance(node, MappingNode):
            out: dict[Any, Any] = {}
            first: dict[Any, Node] = {}
            for key_node, value_node in node.value:
                key = build(key_node)
                if isinstance(key, list | dict):
                    line, col = _pos(key_node)
                    problems.append(YamlProblem(line, col, "a mapping key must be a plain value"))
                    continue
                if key in first:
                    line, col = _pos(key_node)
                    was, _ = _pos(first[key])
                    problems.append(YamlProblem(line, col, f"duplicate key {key!r} (first at line {was})"))
                    continue
                first[key] = key_node
                out[key] = build(value_node)
            return out
        if isinstance(node, SequenceNode):
            return [build(item) for item in node.value]
        try:
            return constructor.construct_object(node, deep=True)
        except YAMLError as exc:
            line, col = _pos(node)
            problems.append(YamlProblem(line, col, f"unsupported YAML value: {getattr(exc, 'problem', exc)}"))
            return None

    return Located(build(root), root), problems


def locate(root: Node | None, loc: Sequence[str | int], *, key: bool = False) -> tuple[int, int]:
    """``line, col`` of the deepest node along a pydantic error location (steps that name no node, such
    as union tags, are skipped). ``key=True`` points at the last mapping key rather than its value."""
    if root is None:
        return 1, 1
    node: Node = root
    last = len(loc) - 1
    for index, step in enumerate(loc):
        if isinstance(node, MappingNode):
            for key_node, value_node in node.value:
                if isinstance(key_node, ScalarNode) and str(key_node.value) == str(step):
                    node = key_node if (key and index == last) else value_node
                    break
        elif isinstance(node, SequenceNode) and isinstance(step, int) and 0 <= step < len(node.value):
            node = node.value[step]
    return _pos(node)
