"""Fast YAML reading, and line numbers for error messages only when an error needs them.

`load_all` turns libyaml's parse events straight into dicts, lists and scalars. PyYAML's own constructor
(generators, a Python resolver call per node) costs several times more than parsing, and rule sets of
10,000 rules must load in well under a second. Scalars resolve exactly as PyYAML's safe loader resolves
them (YAML 1.1: yes/no are booleans, 010 is octal), through PyYAML's resolver table and constructors.
A key given twice in one mapping is refused, since it is always a mistake; anything unusual (merge
keys, complex keys) is handed to PyYAML's safe loader whole. Text is first read the quickest way, which
keeps no positions (`_quick`); only text that it does not take, or that is wrong, is read again event by
event with positions (`_fast`), so that an error names its line.

`Lines` answers "which line is `rules[3].when` on?" by path. It parses the text a second time, with
positions, the first time it is asked, so files that load cleanly never pay for it.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
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

from advisor.validation import shown

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_RESOLVERS = yaml.resolver.Resolver.yaml_implicit_resolvers
_CONSTRUCTOR = yaml.constructor.SafeConstructor()
_TEXT_TAGS = frozenset({None, "!", "tag:yaml.org,2002:str"})
_MAP_TAGS = frozenset({None, "!", "tag:yaml.org,2002:map"})
_SEQ_TAGS = frozenset({None, "!", "tag:yaml.org,2002:seq"})
_UNUSUAL_TAGS = ("tag:yaml.org,2002:merge", "tag:yaml.org,2002:value")


class YAMLSyntaxError(ValueError):
    """YAML that does not parse; carries the 1-based line of the problem."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.line = line


class Unreadable(ValueError):
    """Input that cannot be read as UTF-8 text; the message says why, in a few words."""


def decode_text(raw: bytes) -> str:
    """UTF-8 bytes as text, or Unreadable naming where the first bad byte is."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Unreadable(f"not UTF-8 text (at byte offset {exc.start})") from None


# Nothing the advisor reads from disk (a rule file, a profile, a decision record) is anywhere near this; a
# file over it is refused before it is read, so a mistaken 50 MB file cannot take hundreds of MB of memory.
MAX_FILE_BYTES = 4 * 1024 * 1024

_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


def path_problem(exc: OSError) -> str:
    """Why a path cannot be read, in words: a symlink loop as such, else the OS's reason."""
    if exc.errno == errno.ELOOP:
        return "a symbolic link loop (the link leads back to itself)"
    return exc.strerror or str(exc)


def _refuse_unless_regular(mode: int, size: int, limit: int) -> None:
    for test, kind in _KINDS:
        if test(mode):
            raise Unreadable(f"not a regular file: {kind}")
    if not stat.S_ISREG(mode):  # pragma: no cover - every other kind is listed above
        raise Unreadable("not a regular file")
    if size > limit:
        raise Unreadable(f"larger than the limit of {limit // (1024 * 1024)} MiB ({size:,} bytes)")


def read_bytes(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """A regular file's bytes, or Unreadable saying why not; the one way the advisor reads a file.

    FIFOs, sockets and devices are refused by what they are, without opening them (opening a FIFO blocks
    until a writer comes): the file is looked at with stat first, then opened without blocking and looked
    at again, in case it was swapped in between. A file over `limit` bytes is refused unread.
    """
    try:
        _refuse_unless_regular(*_mode_and_size(os.stat(path)), limit)
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise Unreadable(f"cannot read: {path_problem(exc)}") from None
    try:
        _refuse_unless_regular(*_mode_and_size(os.fstat(descriptor)), limit)
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(descriptor, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise Unreadable(f"cannot read: {path_problem(exc)}") from None
    finally:
        os.close(descriptor)
    if size > limit:  # it grew while being read
        raise Unreadable(f"larger than the limit of {limit // (1024 * 1024)} MiB")
    return b"".join(chunks)


def _mode_and_size(status: os.stat_result) -> tuple[int, int]:
    return status.st_mode, status.st_size


def read_text(path: Path, limit: int = MAX_FILE_BYTES) -> str:
    """A regular file's UTF-8 text, or Unreadable saying why it cannot be had (see `read_bytes`)."""
    return decode_text(read_bytes(path, limit))


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
            try:
                return _CONSTRUCTOR.yaml_constructors[tag](_CONSTRUCTOR, ScalarNode(tag, value))
            except ValueError as exc:  # 2025-13-01 looks like a date but is none
                assert event.start_mark is not None  # the parser marks every event it makes
                raise _not_a_value(value, exc, event.start_mark.line + 1) from None
    return value


# Aliases let a few lines stand for millions of values ("billion laughs"); everything downstream would
# walk the expanded data, so a document may reuse at most this many values through aliases.
MAX_ALIASED_VALUES = 100_000
# Nothing we read nests deeply; a limit keeps hostile input away from recursion anywhere downstream.
MAX_DEPTH = 100
_LIST = object()  # marks a list on the stack, where a mapping holds its pending key


def _not_a_value(value: str, exc: ValueError, line: int | None) -> YAMLSyntaxError:
    reason = str(exc).split("; use sys.set_int_max_str_digits")[0]
    shown_value = value if len(value) <= 40 else value[:37] + "..."
    message = f"invalid YAML: {shown_value!r} looks like a date or number but is not one ({reason}); quote it"
    return YAMLSyntaxError(message, line)


def _key_error(key: Any, line: int | None) -> YAMLSyntaxError:
    return YAMLSyntaxError(f"invalid YAML: mapping keys must be text, got {shown(key)}", line)


def _depth_error(line: int | None) -> YAMLSyntaxError:
    return YAMLSyntaxError(f"invalid YAML: nested more than {MAX_DEPTH} levels deep", line)


def _alias_error(line: int | None) -> YAMLSyntaxError:
    return YAMLSyntaxError(f"invalid YAML: aliases expand to more than {MAX_ALIASED_VALUES:,} values", line)


def _fast(text: str) -> list[Any]:
    documents: list[Any] = []
    anchors: dict[str, Any] = {}
    sizes: dict[str, int] = {}  # anchor -> how many values it stands for, aliases inside expanded
    # One entry per open container: [container, pending key, values seen when it opened, its anchor]. The
    # pending key is `stack` while none waits, and _LIST for a list. This loop runs once per YAML event:
    # locals only, no calls per event.
    stack: list[list[Any]] = []
    root: Any = None
    seen = aliased = 0
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
                    plain_decimal = (
                        value.isascii() and value.isdigit() and (value[0] != "0" or value == "0") and len(value) < 4300
                    )  # longer numbers go the careful way, which refuses them with their line
                    value = int(value) if plain_decimal else _scalar(event)
                seen += 1
            elif kind is MappingEndEvent or kind is SequenceEndEvent:
                closed = stack.pop()
                if closed[3]:
                    sizes[closed[3]] = seen - closed[2]
                continue
            elif kind is MappingStartEvent:
                if event.tag not in _MAP_TAGS:  # a tag on a mapping is refused like a tag on a value
                    raise _Unusual
                value = {}
            elif kind is SequenceStartEvent:
                if event.tag not in _SEQ_TAGS:
                    raise _Unusual
                value = []
            elif kind is AliasEvent:
                value = anchors[event.anchor]
                size = sizes.get(event.anchor, 1)
                seen += size
                aliased += size
                if aliased > MAX_ALIASED_VALUES:
                    raise _alias_error(event.start_mark.line + 1)
            elif kind is DocumentEndEvent:
                documents.append(root)
                root, anchors, aliased = None, {}, 0
                continue
            else:  # stream and document start
                continue
            if event.anchor and kind is not AliasEvent:
                anchors[event.anchor] = value
            if stack:
                top = stack[-1]
                if top[1] is _LIST:
                    top[0].append(value)
                elif top[1] is stack:
                    if type(value) is not str:
                        if kind is ScalarEvent:
                            raise _key_error(value, event.start_mark.line + 1)
                        raise _Unusual  # a complex key: PyYAML's loader says what is wrong with it
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
                stack.append([value, stack, seen, event.anchor])
            elif kind is SequenceStartEvent:
                stack.append([value, _LIST, seen, event.anchor])
            else:
                continue
            if len(stack) > MAX_DEPTH:
                raise _depth_error(event.start_mark.line + 1)
        return documents
    finally:
        parser.dispose()


# Plain scalars that go through PyYAML's resolver table (keys such as `title`, `name` and `os` among them,
# by their first letter), with their values: every decision record says `title:` and `true` again, and
# a rule file `-2` and `0.5`. Each value is immutable, so it can be handed out again; the table stops
# growing at its limit.
_RESOLVED: dict[str, Any] = {}
_RESOLVED_LIMIT = 20_000
_MISSING = object()
_NO_KEY = object()  # a mapping's state while it waits for a key


def _quick(text: str) -> list[Any]:
    """The common case at the cost of libyaml's events and little more; _Unusual for anything else.

    Values go straight into the open container, as in `_fast`, without positions, anchors or counts kept.
    Aliases, tags on containers, deep nesting and every problem (a key given twice, a key that is not
    text, a syntax error) are left to `_fast`, which knows the line of each event: the caller parses such
    text again that way, so the error is the one `_fast` raises.
    """
    documents: list[Any] = []
    stack: list[tuple[Any, Any]] = []  # the containers enclosing the open one, each with its state
    current: Any = documents  # the open container: the next value goes in here
    key: Any = _LIST  # the key waiting for its value; _NO_KEY while a mapping waits for a key; _LIST in a list
    resolvers = _RESOLVERS
    resolved = _RESOLVED
    parser = _Loader(text)
    try:
        for event in iter(parser.get_event, None):
            kind = type(event)
            if kind is ScalarEvent:
                value = event.value
                if event.style or not event.implicit[0]:  # quoted or block text, or an explicit tag
                    if event.tag not in _TEXT_TAGS:
                        raise _Unusual
                elif value[:1] in resolvers:  # a plain scalar that may be a number, a boolean or null
                    typed = resolved.get(value, _MISSING)
                    if typed is _MISSING:
                        typed = _scalar(event)
                        if len(resolved) < _RESOLVED_LIMIT:
                            resolved[value] = typed
                    value = typed
                if key is _LIST:
                    current.append(value)
                elif key is _NO_KEY:
                    if type(value) is not str or value in current:
                        raise _Unusual  # a key that is not text, or one given twice
                    key = value
                else:
                    current[key] = value
                    key = _NO_KEY
            elif kind is MappingEndEvent or kind is SequenceEndEvent:
                current, key = stack.pop()
            elif kind is MappingStartEvent or kind is SequenceStartEvent:
                if event.tag is not None or len(stack) >= MAX_DEPTH:
                    raise _Unusual
                value = {} if kind is MappingStartEvent else []
                if key is _LIST:
                    current.append(value)
                elif key is _NO_KEY:
                    raise _Unusual  # a list or a mapping as a key
                else:
                    current[key] = value
                    key = _NO_KEY
                stack.append((current, key))
                current = value
                key = _NO_KEY if kind is MappingStartEvent else _LIST
            elif kind is AliasEvent:
                raise _Unusual
        return documents
    finally:
        parser.dispose()


def _checked_nodes(text: str) -> list[yaml.Node]:
    """Compose the documents as nodes, refusing what the fast path refuses: text keys only, no key twice
    (merged keys may repeat: overriding them is what merging is for), and no alias explosion."""
    depth = 0
    loader = _Loader(text)
    try:  # composing recurses once per level, so measure the depth from the events first
        while loader.check_event():
            event = loader.get_event()
            if isinstance(event, (MappingStartEvent, SequenceStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    assert event.start_mark is not None  # the parser marks every event it makes
                    raise _depth_error(event.start_mark.line + 1)
            elif isinstance(event, (MappingEndEvent, SequenceEndEvent)):
                depth -= 1
    finally:
        loader.dispose()
    loader = _Loader(text)
    try:
        nodes: list[yaml.Node] = []
        while loader.check_node():
            node = loader.get_node()
            assert node is not None  # check_node said there is one
            nodes.append(node)
    finally:
        loader.dispose()
    sizes: dict[int, int] = {}  # distinct node -> how many nodes it stands for, aliases expanded

    def size(node: yaml.Node) -> int:
        if id(node) not in sizes:
            sizes[id(node)] = 1  # a node that contains itself counts once
            if isinstance(node, MappingNode):
                sizes[id(node)] = 1 + sum(size(k) + size(v) for k, v in node.value)
            elif isinstance(node, SequenceNode):
                sizes[id(node)] = 1 + sum(size(item) for item in node.value)
        return sizes[id(node)]

    def check(node: yaml.Node, visited: set[int]) -> None:
        if id(node) in visited:
            return
        visited.add(id(node))
        if isinstance(node, MappingNode):
            keys: set[Any] = set()
            for key_node, value_node in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    check(value_node, visited)
                    continue
                if not isinstance(key_node, ScalarNode):
                    kind = "a list" if isinstance(key_node, SequenceNode) else "a mapping"
                    raise YAMLSyntaxError(
                        f"invalid YAML: mapping keys must be text, got {kind}", key_node.start_mark.line + 1
                    )
                key = _CONSTRUCTOR.construct_object(key_node)
                if not isinstance(key, str):
                    raise _key_error(key, key_node.start_mark.line + 1)
                if key in keys:
                    message = f"invalid YAML: the key '{key}' is given twice in one mapping"
                    raise YAMLSyntaxError(message, key_node.start_mark.line + 1)
                keys.add(key)
                check(value_node, visited)
        elif isinstance(node, SequenceNode):
            for item in node.value:
                check(item, visited)

    for node in nodes:
        check(node, set())
        sizes.clear()
        if size(node) - len(sizes) > MAX_ALIASED_VALUES:  # expanded nodes beyond the distinct ones
            raise _alias_error(node.start_mark.line + 1)
    return nodes


def _careful(text: str) -> list[Any]:
    """PyYAML's safe constructor over checked nodes: merge keys, explicit tags and the rest."""
    documents = []
    for node in _checked_nodes(text):
        constructor = yaml.constructor.SafeConstructor()
        try:
            documents.append(constructor.construct_document(node))
        except YAMLSyntaxError:
            raise
        except ValueError as exc:  # an impossible date, explicitly tagged (!!timestamp 2025-13-01)
            raise YAMLSyntaxError(f"invalid YAML: {exc}", node.start_mark.line + 1) from None
    return documents


def _syntax_error(exc: yaml.YAMLError, text: str) -> YAMLSyntaxError:
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        if mark is not None and _tab_at(text, mark.line, exc.problem or ""):
            message = "invalid YAML: a tab character here; YAML indents with spaces only: replace the tab with spaces"
            return YAMLSyntaxError(message, mark.line + 1)
        return YAMLSyntaxError(f"invalid YAML: {exc.problem or 'invalid YAML'}", mark.line + 1 if mark else None)
    if isinstance(exc, yaml.reader.ReaderError):  # a character YAML does not allow, such as NUL
        line = text.count("\n", 0, exc.position) + 1
        code = exc.character if isinstance(exc.character, int) else ord(exc.character)
        return YAMLSyntaxError(f"invalid YAML: the character U+{code:04X} is not allowed", line)
    return YAMLSyntaxError(f"invalid YAML: {exc}", None)


def _tab_at(text: str, line: int, problem: str) -> bool:
    """Whether a syntax error is a tab's doing: the parser met one, or one indents the line it stopped on."""
    if "'\\t'" in problem:
        return True
    lines = text.splitlines()
    here = lines[line] if 0 <= line < len(lines) else ""
    return "\t" in here[: len(here) - len(here.lstrip(" \t"))]


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
    visited: set[int] = set()

    def walk(node: yaml.Node, path: tuple[Any, ...]) -> None:
        table.setdefault(path, node.start_mark.line + 1)
        if id(node) in visited:  # an aliased node: its inside was mapped where it was defined
            return
        visited.add(id(node))
        if isinstance(node, MappingNode):
            loader.flatten_mapping(node)  # merge keys (<<) become the keys they stand for
            for key_node, value_node in node.value:
                if isinstance(key_node, ScalarNode):
                    key = loader.construct_object(key_node)
                    if isinstance(key, str):
                        table.setdefault((*path, key), key_node.start_mark.line + 1)
                        walk(value_node, (*path, key))
        elif isinstance(node, SequenceNode):
            for index, item in enumerate(node.value):
                walk(item, (*path, index))

    try:
        document = 0
        while loader.check_node():
            node = loader.get_node()
            assert node is not None  # check_node said there is one
            walk(node, (document,))
            visited.clear()
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
            documents = _quick(text)
        except (_Unusual, ValueError, TypeError, yaml.YAMLError):  # see _quick: _fast says what is wrong
            try:
                documents = _fast(text)
            except (_Unusual, KeyError):  # merge keys, complex keys, explicit tags, unknown aliases
                documents = _careful(text)
    except yaml.YAMLError as exc:
        raise _syntax_error(exc, text) from None
    return documents, Lines(text)
