"""Starter artifacts built from a profile and its recommendation: Dockerfile, VM definitions, LXC, bundles, ADRs.

Generators never re-evaluate rules: they take the recommendation they are given.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml

from advisor.errors import FieldError, InvalidInput
from advisor.models import DNS_LABEL, WorkloadProfile


@dataclass(frozen=True)
class Artifact:
    """One generated file: its name, media type and text, and what the user must know about it."""

    filename: str
    media_type: str
    content: str
    notes: tuple[str, ...] = ()


def checked_name(profile: WorkloadProfile) -> str:
    """Return the profile's name, checked again: model_construct (components) skips validation, and it names files."""
    # fullmatch: a "$" alone would let a trailing newline through.
    if not isinstance(profile.name, str) or not re.fullmatch(DNS_LABEL, profile.name):
        raise InvalidInput([FieldError("name", "must be a DNS label: lowercase letters, digits and '-'")])
    return profile.name


@dataclass(frozen=True)
class Verdict:
    """What a starter kind is chosen by, for one part of a profile (the profile itself, or one component).

    `platform` is the part's own result, `technologies` the names its result suggests, and `estate` the
    platforms of every part of the profile (the profile's own alone when it has no components).
    """

    platform: str
    technologies: tuple[str, ...] = ()
    estate: tuple[str, ...] = ()


class _PlainDumper(yaml.SafeDumper):
    """safe_dump's dumper (PyYAML's own emitter, not libyaml's, whose line folding differs: the same bytes on
    every machine), writing a value used twice in full rather than as an anchor and an alias."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _text(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    # Several lines (cloud-init's user data) as a literal block, as a person writes them; the emitter still
    # quotes any text a block cannot hold.
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style="|" if "\n" in text else None)


_PlainDumper.add_representer(str, _text)


def yaml_documents(documents: list[Any]) -> str:
    """Plain data as YAML documents, keys in the order given: what a person reads and kubectl applies.

    Everything is written by the YAML emitter, so a string from a profile can only ever be a quoted or plain
    scalar: never a key, a new document or a comment.
    """
    return yaml.dump_all(
        documents, Dumper=_PlainDumper, sort_keys=False, default_flow_style=False, allow_unicode=True, width=120
    )
