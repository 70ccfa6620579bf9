"""Starter artifacts built from a profile and its recommendation: Dockerfile, domain XML, bundles, ADRs.

Generators never re-evaluate rules: they take the recommendation they are given.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Artifact:
    """One generated file: its name, media type and text, and what the user must know about it."""

    filename: str
    media_type: str
    content: str
    notes: tuple[str, ...] = ()
