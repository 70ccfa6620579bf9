"""What-if: for each other platform, the smallest change of one field that would make it the answer.

Candidates come from the rules themselves: the other choices of an enum, the other value of a flag, and the
thresholds numbers are compared with. Only the rules that read the changed field are evaluated again.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, ValidationError

from advisor.engine.catalogue import CATALOGUE, ORDERED
from advisor.engine.evaluate import CompiledRule, Facts
from advisor.engine.loader import RuleSet
from advisor.engine.scoring import tally, winning_index
from advisor.models import PLATFORMS, Change, Flip, WorkloadProfile
from advisor.numbers import rounded

# Ties go to what a team can change most easily: its own workload before its host.
FLIP_SECTION_ORDER = ("workload", "security", "scale", "resources", "hardware", "delivery", "host")
# Moving the host to another OS or cloud, or the software to another OS, is the biggest change of all and
# comes last; switching on WSL2 does not.
HARD_TO_CHANGE = frozenset({"host.os", "host.cloud", "workload.os"})
FLIP_ORDER = {
    path: i
    for i, path in enumerate(
        sorted(CATALOGUE, key=lambda p: (p == "host.os", FLIP_SECTION_ORDER.index(p.split(".")[0])))
    )
}


@lru_cache(maxsize=4096)
def _thresholds(path: str, constants: tuple[Any, ...]) -> tuple[Any, ...]:
    """The values just below, at and just above each number rules compare a field with, that it may hold.

    The same for every profile under one rule set, so worked out once (checking a value runs the model's
    validator).
    """
    spec = CATALOGUE[path]
    return tuple(v for c in constants for v in (c - 1, c, c + 1) if spec.check(v) is None)


def _candidates(path: str, current: Any, constants: list[Any]) -> list[tuple[float, Any]]:
    """(cost, new value) pairs for one field: the other choices, or the thresholds rules compare with."""
    spec = CATALOGUE[path]
    found: list[tuple[float, Any]] = []
    if spec.kind in ("enum", "bool") and not spec.many:
        for index, choice in enumerate(spec.choices):
            if choice != current:
                distance = abs(index - spec.choices.index(current)) if path in ORDERED else 1
                found.append((distance, choice))
    elif spec.many:  # one edit of the list: add a value, drop one, or put one in place of another
        pool = list(spec.choices) or list(constants) or list(spec.examples)
        absent = [value for value in pool if value not in current]
        found.extend((1, [*current, value]) for value in absent)
        if spec.kind != "enum" and current:
            found.append((1, []))
        elif len(current) > 1:
            found.extend((1, [v for v in current if v != value]) for value in current)
        found.extend((1, [new if v == old else v for v in current]) for old in current for new in absent)
    elif spec.kind == "number":
        for value in _thresholds(path, tuple(constants)):
            if value != current:
                cost = 1.0 if current is None else abs(value - current) / max(abs(current), 1)
                found.append((cost, rounded(value)))
    else:  # free strings: the values rules compare with, or back to unset
        found.extend((1, c) for c in constants if c != current)
        if current is not None and spec.optional:
            found.append((1, None))
    return found


# Sections whose fields constrain each other (a macOS host offers no Azure cloud): a changed value there is
# checked with the whole section, so no flip suggests a profile the model would refuse.
_CROSS_CHECKED = {
    name: info.annotation
    for name, info in WorkloadProfile.model_fields.items()
    if isinstance(info.annotation, type)
    and issubclass(info.annotation, BaseModel)
    and info.annotation.__pydantic_decorators__.model_validators
}


def _allowed(trial: Facts, path: str) -> bool:
    section = path.split(".")[0]
    model = _CROSS_CHECKED.get(section)
    if model is None:
        return True
    try:
        model.model_validate({name: trial[f"{section}.{name}"] for name in model.model_fields})
    except ValidationError:
        return False
    return True


def flips(ruleset: RuleSet, facts: Facts, matched: Sequence[CompiledRule], chosen: str) -> list[Flip]:
    """For each other platform, the smallest one-field change that makes it win, or None.

    Only the rules that read the changed field are evaluated again; the others keep their result.
    """
    points, bans = tally(matched)
    was_matched = {id(c) for c in matched}
    trial = dict(facts)
    # Ranked by: the hard changes last (usually givens), then the size of the step, then field order.
    best: dict[str, tuple[tuple[bool, float, int], Change]] = {}
    for path in sorted(ruleset.readers, key=FLIP_ORDER.__getitem__):
        reading = ruleset.readers[path]
        base_points, base_bans = list(points), list(bans)
        for compiled in reading:
            if id(compiled) in was_matched:
                for i in (0, 1, 2):
                    base_points[i] -= compiled.points[i]
                    base_bans[i] -= compiled.bans[i]
        current = facts[path]
        for cost, value in _candidates(path, current, ruleset.constants.get(path, [])):
            trial[path] = value
            trial_points, trial_bans = list(base_points), list(base_bans)
            for compiled in reading:
                if compiled.check(trial):
                    for i in (0, 1, 2):
                        trial_points[i] += compiled.points[i]
                        trial_bans[i] += compiled.bans[i]
            index = winning_index(trial_points, trial_bans)
            if index is None or PLATFORMS[index] == chosen:  # no change, or nothing left at all
                continue
            platform = PLATFORMS[index]
            key = (path in HARD_TO_CHANGE, cost, FLIP_ORDER[path])
            if (platform not in best or key < best[platform][0]) and _allowed(trial, path):
                shown = rounded(current) if isinstance(current, float) else current
                best[platform] = (key, Change(field=path, from_=shown, to=value))
        trial[path] = current
    return [Flip(platform=p, change=best[p][1] if p in best else None) for p in PLATFORMS if p != chosen]
