"""Starter artifacts built from a profile and its recommendation: Dockerfile, VM definitions, LXC, bundles, ADRs.

Generators never re-evaluate rules: they take the recommendation they are given.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

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
