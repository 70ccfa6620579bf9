"""Summing scores and forbids, and choosing: the one place the deciding arithmetic lives.

Forbidden platforms drop out; the others compete on summed scores. Ties go to the simpler estate
(container, then vm, then hybrid) and are reported as low confidence; hybrid never wins by a tie.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from advisor.engine.evaluate import CompiledRule
from advisor.errors import NoPlatformFits
from advisor.models import PLATFORMS, Confidence, Platform

TIE_ORDER = ("container", "vm", "hybrid")
HIGH_MARGIN = 6
MEDIUM_MARGIN = 3


@dataclass(frozen=True)
class Outcome:
    """Scores and forbids summed over the matched rules, and the platform they choose."""

    scores: dict[Platform, int]
    forbidden: dict[Platform, list[str]]
    platform: Platform
    confidence: Confidence


def tally(matched: Sequence[CompiledRule]) -> tuple[list[int], list[int]]:
    """Summed points and forbid counts per platform, in PLATFORMS order."""
    points, bans = [0, 0, 0], [0, 0, 0]
    for compiled in matched:
        for i in (0, 1, 2):
            points[i] += compiled.points[i]
            bans[i] += compiled.bans[i]
    return points, bans


TIE_INDEXES = tuple(PLATFORMS.index(p) for p in TIE_ORDER)


def winning_index(points: Sequence[int], bans: Sequence[int]) -> int | None:
    """Index of the winning platform: highest points among those not forbidden, ties in TIE_ORDER."""
    best = None
    for i in TIE_INDEXES:
        if not bans[i] and (best is None or points[i] > points[best]):
            best = i
    return best


def outcome_of(matched: Sequence[CompiledRule]) -> Outcome:
    """Sum scores, drop forbidden platforms, pick the winner and the confidence from the margin."""
    points, bans = tally(matched)
    scores = dict(zip(PLATFORMS, points, strict=True))
    forbidden = {p: [c.rule.id for c in matched if p in c.rule.forbid] for p in PLATFORMS}
    best = winning_index(points, bans)
    if best is None:
        detail = "; ".join(f"{p} by {', '.join(forbidden[p])}" for p in PLATFORMS)
        raise NoPlatformFits(f"no platform fits this profile: every platform is forbidden ({detail})")
    winner = PLATFORMS[best]
    others = [points[i] for i in range(3) if i != best and not bans[i]]
    margin = points[best] - max(others) if others else math.inf
    confidence: Confidence = "high" if margin >= HIGH_MARGIN else "medium" if margin >= MEDIUM_MARGIN else "low"
    return Outcome(scores, forbidden, winner, confidence)
