"""Safe YAML with positions: compose nodes (no object construction), build plain data ourselves.

Building the data from the node tree lets us report *every* duplicate key with its position (a
constructor stops at the first) and map any validation error location back to ``line:col``.

Rule files are input like any other, so building is bounded: aliases (``*name``, the way to a "billion
laughs" file) are refused, and so are files, nesting, values and node counts beyond the limits below,
each as a problem at the line where it happens.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

__all__ = ["MAX_BYTES", "MAX_DEPTH", "MAX_NODES", "MAX_SCALAR", "Located", "YamlProblem", "locate", "parse"]

MAX_BYTES = 2_000_000  # a rule file of 2 MB is not written by hand
MAX_DEPTH = 64  # mappings and lists inside each other (conditions nest a few levels)
MAX_NODES = 200_000  # values in one file
MAX_SCALAR = 20_000  # characters in one value (and digits in one number)


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


def _deepest_line(text: str) -> int:
    """Where nesting is deepest (by indentation and open brackets): the line to blame when YAML's own
    composer runs out of stack on a file nested too deeply."""
    best, best_line, brackets = -1, 1, 0
    for number, line in enumerate(text.splitlines(), 1):
        opened = brackets + line.count("[") + line.count("{")  # deepest point reached on this line
        brackets = opened - line.count("]") - line.count("}")
        depth = len(line) - len(line.lstrip(" -")) + max(opened, 0)
        if depth > best:
            best, best_line = depth, number
    return best_line


def parse(text: str) -> tuple[Located, list[YamlProblem]]:
    yaml = YAML(typ="safe", pure=True)
    if len(text) > MAX_BYTES:
        message = f"the file has {len(text)} characters; the limit is {MAX_BYTES}"
        return Located(None, None), [YamlProblem(1, 1, message)]
    try:
        root = yaml.compose(text)
    except RecursionError:
        line = _deepest_line(text)
        return Located(None, None), [YamlProblem(line, 1, f"nested too deeply (more than {MAX_DEPTH} levels)")]
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
    seen: set[int] = set()
    reused: set[int] = set()
    count = 0
    refused: list[YamlProblem] = []

    def refuse(node: Node, message: str) -> None:
        line, col = _pos(node)
        refused.append(YamlProblem(line, col, message))
        if len(refused) <= 10:  # the first ten say enough; a generated file would print thousands
            problems.append(refused[-1])

    def build(node: Node, depth: int = 0) -> Any:
        nonlocal count
        count += 1
        if id(node) in seen:
            if id(node) not in reused:
                reused.add(id(node))
                anchor = getattr(node, "anchor", None)
                name = f"&{anchor}" if isinstance(anchor, str) else "an anchor"
                refuse(node, f"YAML aliases are not allowed in rule files: the value anchored here ({name}) is "
                             "used again through an alias; write it out")
            return None
        if isinstance(node, MappingNode | SequenceNode):
            seen.add(id(node))
        if depth > MAX_DEPTH:
            refuse(node, f"nested too deeply (more than {MAX_DEPTH} levels)")
            return None
        if count > MAX_NODES:
            if count == MAX_NODES + 1:
                refuse(node, f"more than {MAX_NODES} values in one file")
            return None
        if isinstance(node, MappingNode):
            out: dict[Any, Any] = {}
            first: dict[Any, Node] = {}
            for key_node, value_node in node.value:
                key = build(key_node, depth + 1)
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
                out[key] = build(value_node, depth + 1)
            return out
        if isinstance(node, SequenceNode):
            return [build(item, depth + 1) for item in node.value]
        if isinstance(node, ScalarNode) and len(str(node.value)) > MAX_SCALAR:
            refuse(node, f"a value of {len(str(node.value))} characters; the limit is {MAX_SCALAR}")
            return None
        try:
            return constructor.construct_object(node, deep=True)
        except (ValueError, OverflowError) as exc:  # e.g. an integer beyond Python's digit limit
            refuse(node, f"unsupported YAML value: {exc}")
            return None
        except YAMLError as exc:
            line, col = _pos(node)
            problems.append(YamlProblem(line, col, f"unsupported YAML value: {getattr(exc, 'problem', exc)}"))
            return None

    data = build(root)
    if refused:  # an alias, a limit: what was built is partial, and checking it would only add noise
        return Located(None, None), problems
    return Located(data, root), problems


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
