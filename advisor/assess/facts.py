"""What a reader hands on: items observed in an input, each fact with the place it was read from."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Where:
    """A place in an input: the file, and the sheet and row, or the document and path, or the element."""

    file: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    document: int | None = None
    path: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        parts = [self.file]
        if self.sheet is not None:
            parts.append(f"sheet {self.sheet}")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column is not None:
            parts.append(f"column '{self.column}'")
        if self.document is not None:
            parts.append(f"document {self.document + 1}")
        if self.line is not None:
            parts.append(f"line {self.line}")
        if self.path:
            parts.append(self.path)
        return ", ".join(parts)


@dataclass(frozen=True, slots=True)
class Fact:
    """One value read from an input, and where."""

    value: Any
    where: Where


@dataclass
class Observed:
    """One item found in an input: a VM, or an estate whose components are the services or workloads.

    `facts` are keyed by the names infer.py knows (guest_os_tools, cpus, image...); readers add only what
    they read, so a fact that is missing is unknown.
    """

    kind: str  # "vm", "estate", "component" or "profile"
    name: str
    where: Where
    source: str  # the reader that found it (READERS key)
    facts: dict[str, Fact] = field(default_factory=dict)
    components: list[Observed] = field(default_factory=list)
    profile: Any = None  # a profile a person wrote (the "profile" reader): taken as it is

    def add(self, name: str, value: Any, where: Where) -> None:
        """Record a fact, unless the input left it empty."""
        if value is not None and value != "" and value != []:
            self.facts[name] = Fact(value, where)


@dataclass(frozen=True)
class Skipped:
    """Something an input holds that is not assessed, and why (a template, a Service, a powered-off VM...)."""

    name: str
    where: Where
    why: str


@dataclass
class Inventory:
    """What one input file gave: the items to assess and what was left out."""

    file: str
    kind: str
    items: list[Observed] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
