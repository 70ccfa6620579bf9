"""Fast YAML reading, and line numbers for error messages only when an error needs them.

`load_all` turns libyaml's parse events straight into dicts, lists and scalars. PyYAML's own constructor
(generators, a Python resolver call per node) costs several times more than parsing, and rule sets of
10,000 rules must load in well under a second. Scalars resolve exactly as PyYAML's safe loader resolves
them (YAML 1.1: yes/no are booleans, 010 is octal), through PyYAML's resolver table and constructors.
A key given twice in one mapping is refused, since it is always a mistake; anything unusual (merge
keys, complex keys) is handed to PyYAML's safe loader whole.

`Lines` answers "which line is `rules[3].when` on?" by path. It parses the text a second time, with
positions, the first time it is asked, so files that load cleanly never pay for it.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.events import (
    AliasEvent,
    DocumentEndEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
)
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_RESOLVERS = yaml.resolver.Resolver.yaml_implicit_resolvers
_CONSTRUCTOR = yaml.constructor.SafeConstructor()
_TEXT_TAGS = frozenset({None, "!", "tag:yaml.org,2002:str"})
_UNUSUAL_TAGS = ("tag:yaml.org,2002:merge", "tag:yaml.org,2002:value")


class YAMLSyntaxError(ValueError):
    """YAML that does not parse; carries the 1-based line of the problem."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.line = line


class _Unusual(Exception):
    """A construct the fast path leaves to PyYAML's safe loader."""


def _scalar(event: ScalarEvent) -> Any:
    """The value of a scalar that may not be plain text, typed the way PyYAML's safe loader types it."""
    value = event.value
    if event.style or not event.implicit[0]:  # quoted or block text, or an explicit tag
        if event.tag in _TEXT_TAGS:
            return value
        raise _Unusual
    for tag, pattern in _RESOLVERS.get(value[:1], ()):
        if pattern.match(value):
            if tag in _UNUSUAL_TAGS:
                raise _Unusual
            return _CONSTRUCTOR.yaml_constructors[tag](_CONSTRUCTOR, ScalarNode(tag, value))
    return value


def _fast(text: str) -> list[Any]:
    documents: list[Any] = []
    anchors: dict[str, Any] = {}
    # One entry per open container: [container, key waiting for its value] (the key is `stack` while none
    # waits, and None for a list). This loop runs once per YAML event: locals only, no calls per event.
    stack: list[list[Any]] = []
    root: Any = None
    resolvers = _RESOLVERS
    parser = _Loader(text)
    try:
        while parser.check_event():
            event = parser.get_event()
            kind = type(event)
            if kind is ScalarEvent:
                value = event.value
                if event.style or not event.implicit[0]:
                    value = _scalar(event)
                elif value[:1] in resolvers:  # a plain scalar that may be a number, a boolean or null
                    plain_decimal = value.isascii() and value.isdigit() and (value[0] != "0" or value == "0")
                    value = int(value) if plain_decimal else _scalar(event)
            elif kind is MappingEndEvent or kind is SequenceEndEvent:
                stack.pop()
                continue
            elif kind is MappingStartEvent:
                value = {}
            elif kind is SequenceStartEvent:
                value = []
            elif kind is AliasEvent:
                value = anchors[event.anchor]
            elif kind is DocumentEndEvent:
                documents.append(root)
                root, anchors = None, {}
                continue
            else:  # stream and document start
                continue
            if event.anchor and kind is not AliasEvent:
                anchors[event.anchor] = value
            if stack:
                top = stack[-1]
                if top[1] is None:
                    top[0].append(value)
                elif top[1] is stack:
                    if kind is not ScalarEvent:
                        raise _Unusual
                    if value in top[0]:
                        line = event.start_mark.line + 1
                        raise YAMLSyntaxError(f"invalid YAML: the key '{value}' is given twice in one mapping", line)
                    top[1] = value
                else:
                    top[0][top[1]] = value
                    top[1] = stack
            else:
                root = value
            if kind is MappingStartEvent:
                stack.append([value, stack])
            elif kind is SequenceStartEvent:
                stack.append([value, None])
        return documents
    finally:
        parser.dispose()


def _syntax_error(exc: yaml.YAMLError) -> YAMLSyntaxError:
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        return YAMLSyntaxError(f"invalid YAML: {exc.problem or 'invalid YAML'}", mark.line + 1 if mark else None)
    return YAMLSyntaxError(f"invalid YAML: {exc}", None)


class Lines:
    """Line numbers (1-based) of a YAML text's parts, by path: (document, key or index, ...)."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._table: dict[tuple[Any, ...], int] | None = None

    def at(self, document: int, path: tuple[Any, ...]) -> int | None:
        """The line of the deepest part along `path` in that document whose position is known."""
        if self._table is None:
            self._table = _line_table(self._text)
        line = None
        for depth in range(len(path) + 1):
            line = self._table.get((document, *path[:depth]), line)
        return line


def _line_table(text: str) -> dict[tuple[Any, ...], int]:
    table: dict[tuple[Any, ...], int] = {}
    loader = _Loader(text)

    def walk(node: yaml.Node, path: tuple[Any, ...]) -> None:
        table.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, MappingNode):
            for key_node, value_node in node.value:
                if isinstance(key_node, ScalarNode):
                    key = loader.construct_object(key_node)
                    table.setdefault((*path, key), key_node.start_mark.line + 1)
                    walk(value_node, (*path, key))
        elif isinstance(node, SequenceNode):
            for index, item in enumerate(node.value):
                walk(item, (*path, index))

    try:
        document = 0
        while loader.check_node():
            walk(loader.get_node(), (document,))
            document += 1
    except yaml.YAMLError:
        pass  # the text did not parse; the lines found so far are all there are
    finally:
        loader.dispose()
    return table


def load_all(text: str) -> tuple[list[Any], Lines]:
    """Parse every document in `text`; return them and a Lines that finds positions when asked."""
    try:
        try:
            documents = _fast(text)
        except (_Unusual, KeyError):  # merge keys, complex keys, explicit tags, unknown aliases
            documents = list(yaml.load_all(text, Loader=_Loader))
    except yaml.YAMLError as exc:
        raise _syntax_error(exc) from None
    return documents, Lines(text)
