"""YAML reading that remembers where each mapping key and list item came from, so errors can name a line.

libyaml's C parser is used when PyYAML was built with it (it makes loading 10,000 rules fast); the
constructor stays in Python so it can record line numbers beside the data without changing the data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass
class Lines:
    """Line numbers (1-based) of mapping keys and list items, looked up by the container's identity."""

    keys: dict[int, dict[Any, int]] = field(default_factory=dict)
    items: dict[int, list[int]] = field(default_factory=dict)
    starts: dict[int, int] = field(default_factory=dict)

    def line_of(self, container: Any, step: Any) -> int | None:
        """The line of one key of a mapping, or of one item of a list, if it was read from YAML."""
        if isinstance(container, dict):
            return self.keys.get(id(container), {}).get(step)
        items = self.items.get(id(container), [])
        return items[step] if isinstance(step, int) and 0 <= step < len(items) else None


class _LineLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    lines: Lines


# The safe constructor builds each mapping and list in two steps (yield the empty container, then fill
# it) so that recursive structures work; we record lines on the container that ends up in the data.
def _construct_map(loader: _LineLoader, node: yaml.MappingNode):  # type: ignore[no-untyped-def]
    data: dict[Any, Any] = {}
    yield data
    data.update(loader.construct_mapping(node))
    loader.lines.starts[id(data)] = node.start_mark.line + 1
    loader.lines.keys[id(data)] = {
        loader.construct_object(key): key.start_mark.line + 1
        for key, _ in node.value
        if isinstance(key, yaml.ScalarNode)
    }


def _construct_seq(loader: _LineLoader, node: yaml.SequenceNode):  # type: ignore[no-untyped-def]
    data: list[Any] = []
    yield data
    data.extend(loader.construct_sequence(node))
    loader.lines.starts[id(data)] = node.start_mark.line + 1
    loader.lines.items[id(data)] = [item.start_mark.line + 1 for item in node.value]


_LineLoader.add_constructor("tag:yaml.org,2002:map", _construct_map)
_LineLoader.add_constructor("tag:yaml.org,2002:seq", _construct_seq)


class YAMLSyntaxError(ValueError):
    """YAML that does not parse; carries the 1-based line of the problem."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.line = line


def load_all_with_lines(text: str) -> tuple[list[Any], Lines]:
    """Parse every document in `text`; return the documents and where each of their parts came from."""
    lines = Lines()
    loader = _LineLoader(text)
    loader.lines = lines
    try:
        documents = []
        while loader.check_data():
            documents.append(loader.get_data())
        return documents, lines
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or "invalid YAML"
        raise YAMLSyntaxError(f"invalid YAML: {problem}", mark.line + 1 if mark else None) from None
    except yaml.YAMLError as exc:
        raise YAMLSyntaxError(f"invalid YAML: {exc}", None) from None
    finally:
        loader.dispose()
