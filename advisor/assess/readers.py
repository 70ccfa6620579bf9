"""READERS: one entry per kind of input, and the one place that tells a file's kind.

A reader is a function (path, name to show, size limit) -> Inventory. Adding a kind of input is one module
and one entry here; the CLI, the API and the form list this table, never their own copies.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from advisor.assess.compose import COMPOSE_NAMES, read_compose
from advisor.assess.domain import read_domain
from advisor.assess.facts import Inventory, Observed, Where
from advisor.assess.kubernetes import read_manifests
from advisor.assess.limits import check_size, read_head, refuse
from advisor.assess.rvtools import read_csv, read_xlsx
from advisor.errors import FieldError, InvalidInput


def read_profile_file(path: Path, shown: str, limit: int) -> Inventory:
    """Profiles a person wrote or corrected (`--write-profiles` output): taken as they are, every field given."""
    from advisor.profiles import parse_profiles
    from advisor.yamlio import Unreadable, read_text

    try:
        text = read_text(path)
    except Unreadable as exc:
        raise refuse(shown, str(exc)) from None
    items = [
        Observed(kind="profile", name=profile.name, where=Where(shown), source="profile", profile=profile)
        for profile in parse_profiles(text, shown)
    ]
    return Inventory(file=shown, kind="profile", items=items)


Accepts = Callable[[Path, bytes], bool]


@dataclass(frozen=True)
class Reader:
    """One kind of input: what it is called, the file names it comes in, how to know it, how to read it."""

    label: str
    suffixes: tuple[str, ...]
    accepts: Accepts
    read: Callable[[Path, str, int], Inventory]


def _line_starts(pattern: bytes) -> Accepts:
    compiled = re.compile(pattern, re.MULTILINE)
    return lambda path, head: bool(compiled.search(head))


def _compose(path: Path, head: bytes) -> bool:
    return path.name in COMPOSE_NAMES or bool(re.search(rb"^services:", head, re.MULTILINE))


YAML = (".yaml", ".yml")
READERS: dict[str, Reader] = {
    "rvtools-xlsx": Reader("RVTools export (XLSX)", (".xlsx",), lambda path, head: True, read_xlsx),
    "rvtools-csv": Reader("RVTools export (CSV, one file per sheet)", (".csv",), lambda path, head: True, read_csv),
    "compose": Reader("Compose file", YAML, _compose, read_compose),
    "kubernetes": Reader(
        "Kubernetes manifests", (*YAML, ".json"), _line_starts(rb'^\s*"?apiVersion"?\s*:'), read_manifests
    ),
    "libvirt": Reader("libvirt domain XML", (".xml",), _line_starts(rb"<domain[\s>]"), read_domain),
    "profile": Reader("advisor profile", (*YAML, ".json"), _line_starts(rb"^(name:|\s*\{)"), read_profile_file),
}
SUFFIXES = tuple(sorted({suffix for reader in READERS.values() for suffix in reader.suffixes}))


def kind_of(path: Path, shown: str) -> str:
    """The READERS key for a file: the first reader whose suffix and content fit."""
    head = read_head(path)
    suffix = path.suffix.lower()
    for kind, reader in READERS.items():
        if suffix in reader.suffixes and reader.accepts(path, head):
            return kind
    kinds = "; ".join(f"{r.label} ({', '.join(r.suffixes)})" for r in READERS.values())
    raise refuse(shown, f"is not a kind of input advisor reads: {kinds}")


def input_paths(arguments: list[str]) -> list[tuple[Path, str]]:
    """(path, name to show) for each argument; a folder gives its readable files in name order."""
    found: list[tuple[Path, str]] = []
    for argument in arguments:
        path = Path(argument)
        if path.is_dir():
            inside = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in SUFFIXES)
            if not inside:
                raise refuse(argument, f"no inputs here (looked for {', '.join('*' + s for s in SUFFIXES)})")
            found += [(p, str(p)) for p in inside]
        else:
            found.append((path, argument))
    return found


def read_inputs(inputs: list[tuple[Path, str]], limit: int) -> list[Inventory]:
    """Read every input; every file that cannot be read is reported at once, each naming itself."""
    inventories, problems = [], []
    for path, shown in inputs:
        try:
            check_size(path, shown, limit)
            inventories.append(READERS[kind_of(path, shown)].read(path, shown, limit))
        except InvalidInput as exc:
            problems.extend(exc.errors)
    if problems:
        raise InvalidInput(problems)
    return inventories


__all__ = ["READERS", "FieldError", "Reader", "input_paths", "kind_of", "read_inputs"]
