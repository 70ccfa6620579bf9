"""What-if: for each other platform, the smallest change of one field that would make it the answer.

Candidates come from the rules themselves: the other choices of an enum, the other value of a flag, and the
thresholds numbers are compared with. Only the rules that read the changed field are evaluated again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, ValidationError

from advisor.engine.catalogue import CATALOGUE, ORDERED, practical
from advisor.engine.evaluate import CompiledRule, Facts
from advisor.engine.index import SEARCH_RULES, Search, compile_search
from advisor.engine.loader import RuleSet
from advisor.engine.scoring import TIE_ORDER, tally, winning_index
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


# How many verdicts _allowed, and candidate lists _candidates_under, remember; past that they start afresh.
MEMO_ENTRIES = 4096
_allowed_memo: dict[tuple[Any, ...], bool] = {}


def _frozen(value: Any) -> Any:
    """A value as a key that tells 1, 1.0 and True apart (the model may take one and refuse another)."""
    if type(value) is list:
        return (list, *((type(item), item) for item in value))
    return (type(value), value)


def _candidates_under(ruleset: RuleSet, path: str, current: Any) -> list[tuple[float, Any]]:
    """The candidates for one field under a rule set, remembered (a bounded number per rule set): they depend
    on the field's value and the rules' constants only, and the same values come back in profile after profile.
    """
    memo = ruleset.memo.get("candidates")
    if memo is None or len(memo) >= MEMO_ENTRIES:
        memo = ruleset.memo["candidates"] = {}
    key = (path, _frozen(current))
    found = memo.get(key)
    if found is None:
        found = memo[key] = _candidates(path, current, ruleset.constants.get(path, []))
    return found


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
        items = current or []  # an unset list holds nothing (see operators.py)
        pool = list(spec.choices) or list(constants) or list(spec.examples)
        absent = [value for value in pool if value not in items]
        found.extend((1, [*items, value]) for value in absent)
        if spec.kind != "enum" and items:
            found.append((1, []))
        elif len(items) > 1:
            found.extend((1, [v for v in items if v != value]) for value in items)
        found.extend((1, [new if v == old else v for v in items]) for old in items for new in absent)
    elif spec.kind == "number":
        for value in _thresholds(path, tuple(constants)):
            if value != current:
                cost = 1.0 if current is None else abs(value - current) / max(abs(current), 1)
                found.append((cost, rounded(value)))
    else:  # free strings: the values rules compare with, or back to unset
        found.extend((1, c) for c in constants if c != current)
        if current is not None and spec.optional:
            found.append((1, None))
    # Only changes a person could make: no fact of the world, no stated need taken away.
    return [(cost, value) for cost, value in found if practical(path, current, value)]


# Sections whose fields constrain each other (a macOS host offers no Azure cloud; an os_id of the families in
# workload.os): a changed value there is checked with the whole section, so no flip suggests a profile the
# model would refuse.
_CROSS_CHECKED = {
    name: info.annotation
    for name, info in WorkloadProfile.model_fields.items()
    if isinstance(info.annotation, type)
    and issubclass(info.annotation, BaseModel)
    and (
        info.annotation.__pydantic_decorators__.model_validators
        or info.annotation.__pydantic_decorators__.field_validators
    )
}
_SECTION_PATHS = {
    section: tuple(f"{section}.{name}" for name in model.model_fields) for section, model in _CROSS_CHECKED.items()
}


def _allowed(facts: Facts, path: str, value: Any, sections: dict[str, tuple[Any, ...]]) -> bool:
    """Whether the section of `path`, with `value` there and the facts' other values, is one the model accepts.

    The verdict depends on nothing but those values, and the search tries the same few again and again (the
    same candidate for every profile that differs elsewhere), so it is remembered, a bounded number of them.
    `sections` keeps each section's values, as a key, for one search.
    """
    section = path.split(".")[0]
    model = _CROSS_CHECKED.get(section)
    if model is None:
        return True
    paths = _SECTION_PATHS[section]
    given = sections.get(section)
    if given is None:
        given = sections[section] = tuple(_frozen(facts[p]) for p in paths)
    key = (given, path, _frozen(value))
    verdict = _allowed_memo.get(key)
    if verdict is None:
        values = {name: value if p == path else facts[p] for name, p in zip(model.model_fields, paths, strict=True)}
        try:
            model.model_validate(values)
            verdict = True
        except ValidationError:
            verdict = False
        if len(_allowed_memo) >= MEMO_ENTRIES:
            _allowed_memo.clear()
        _allowed_memo[key] = verdict
    return verdict


@dataclass(frozen=True)
class FlipStage:
    """What the what-if search knows from the matched rules alone, before it looks at a fact: the tally, and
    the fields whose readers could change the answer at all, each with the tally less what its matched readers
    added. The same for every profile that matches the same rules, so worked out once for them (decide.py
    keeps it with the rest of what a matched set decides)."""

    chosen: int
    points: tuple[int, int, int]
    bans: tuple[int, int, int]
    # Per field worth trying: (field, the rules that read only it, those that read others too, the tally less
    # what its matched readers added, and its readers' compiled search or None when they are too many).
    paths: tuple[tuple[str, list[CompiledRule], list[CompiledRule], tuple[int, ...], Search | None], ...]


def flip_stage(ruleset: RuleSet, matched: Sequence[CompiledRule], chosen: str) -> FlipStage:
    """The fields worth trying for `matched`: a bound with every rule that reads the field counted as open (it
    could go either way) leaves out a field no outcome of its readers could turn to another platform."""
    points, bans = tally(matched)
    chosen_index = PLATFORMS.index(chosen)
    taken: dict[str, list[int]] = {}  # per field: the points and bans (vm, container, hybrid) of the matched readers
    for compiled in matched:
        p0, p1, p2 = compiled.points
        b0, b1, b2 = compiled.bans
        for path in compiled.fields:
            found = taken.get(path)
            if found is None:
                taken[path] = [p0, p1, p2, b0, b1, b2]
            else:
                found[0] += p0
                found[1] += p1
                found[2] += p2
                found[3] += b0
                found[4] += b1
                found[5] += b2
    paths = []
    for path, alone, shared, reach, search in flip_paths(ruleset):
        added = taken.get(path)
        if added is None:
            rest = points, bans
        else:
            rest = (
                [points[0] - added[0], points[1] - added[1], points[2] - added[2]],
                [bans[0] - added[3], bans[1] - added[4], bans[2] - added[5]],
            )
        if _could_change(*rest, *reach, chosen_index):
            paths.append((path, alone, shared, (*rest[0], *rest[1]), search))
    return FlipStage(chosen_index, tuple(points), tuple(bans), tuple(paths))  # type: ignore[arg-type]


def flips(
    ruleset: RuleSet, facts: Facts, matched: Sequence[CompiledRule], chosen: str, stage: FlipStage | None = None
) -> list[Flip]:
    """For each other platform, the smallest one-field change that makes it win, or None.

    Incremental: only the fields whose readers could change the answer are tried (flip_stage), and for each
    value tried only that field's readers are evaluated again, every other rule keeping its result. `stage` is
    flip_stage(ruleset, matched, chosen), when the caller has it already.
    """
    if stage is None:
        stage = flip_stage(ruleset, matched, chosen)
    trial = dict(facts)
    sections: dict[str, tuple[Any, ...]] = {}
    failing: dict[int, frozenset[str] | None] = {}  # per rule read by several fields: its failing fields
    # Ranked by: the hard changes last (usually givens), then the size of the step, then field order.
    best: dict[str, tuple[tuple[bool, float, int], tuple[str, Any, Any]]] = {}
    was_matched: frozenset[int] | None = None  # the ids of the matched rules, once a field needs them
    for path, alone, shared, rest, search in stage.paths:
        current = facts[path]
        if search is not None:
            # Its few readers evaluated again for each value in one compiled search (index.compile_search);
            # `rest` is the tally without what they added.
            winners = search(facts, _candidates_under(ruleset, path, current), rest, stage.chosen)
        else:
            if was_matched is None:
                was_matched = frozenset(map(id, matched))
            winners = _narrowed(ruleset, trial, path, current, alone, shared, stage, was_matched, failing)
        for cost, value, index in winners:
            platform = PLATFORMS[index]
            key = (path in HARD_TO_CHANGE, cost, FLIP_ORDER[path])
            if (platform not in best or key < best[platform][0]) and _allowed(facts, path, value, sections):
                best[platform] = (key, (path, current, value))  # the Change is made once, for the best
        trial[path] = current
    return [Flip(platform=p, change=_change(*best[p][1]) if p in best else None) for p in PLATFORMS if p != chosen]


Winners = list[tuple[float, Any, int]]  # (cost, value, the index of the platform that value makes win)


def _narrowed(
    ruleset: RuleSet,
    trial: Facts,
    path: str,
    current: Any,
    alone: list[CompiledRule],
    shared: list[CompiledRule],
    stage: FlipStage,
    was_matched: frozenset[int],
    failing: dict[int, frozenset[str] | None],
) -> Winners:
    """The values of `path` that make another platform win, for a field with too many readers to search at
    once: only those whose outcome its value really decides, the other facts as given, are evaluated again (a
    rule that reads only this field always is). `trial` holds the facts as given when it is called."""
    open_rules = alone + [c for c in shared if _open(c, trial, path, failing)] if shared else alone
    if not open_rules:
        return []
    base_points, base_bans = _without(stage.points, stage.bans, open_rules, was_matched)
    if not _could_change(base_points, base_bans, *_reach(open_rules), stage.chosen):
        return []
    found = []
    for cost, value in _candidates_under(ruleset, path, current):
        trial[path] = value
        p0, p1, p2 = base_points
        b0, b1, b2 = base_bans
        for compiled in open_rules:
            if compiled.check(trial):
                q0, q1, q2 = compiled.points
                f0, f1, f2 = compiled.bans
                p0 += q0
                p1 += q1
                p2 += q2
                b0 += f0
                b1 += f1
                b2 += f2
        index = winning_index((p0, p1, p2), (b0, b1, b2))
        if index is not None and index != stage.chosen:
            found.append((cost, value, index))
    return found


def _open(compiled: CompiledRule, facts: Facts, path: str, failing: dict[int, frozenset[str] | None]) -> bool:
    """Whether the value of `path` decides the rule, the other facts as given. A plain conjunction is judged
    from the fields it fails on, found once per search however many of its fields are tried."""
    if id(compiled) in failing:
        fails = failing[id(compiled)]
    else:
        fails = failing[id(compiled)] = compiled.failing_fields(facts)
    if fails is None:
        return compiled.holds_whatever(facts, path) is None
    return not fails or (len(fails) == 1 and path in fails)


def _change(path: str, current: Any, value: Any) -> Change:
    shown = rounded(current) if isinstance(current, float) else current
    return Change(field=path, from_=shown, to=value)


Reach = tuple[list[int], list[int], list[int]]  # per platform: points rules could add, take, and bans


def flip_paths(
    ruleset: RuleSet,
) -> list[tuple[str, list[CompiledRule], list[CompiledRule], Reach, Search | None]]:
    """The fields some rule that scores or forbids reads, in the order flips tries them, each with those
    rules (the ones that read only that field, and the ones that read others too), their reach, and, for a
    field read by at most SEARCH_RULES of them, their compiled search: the same for every profile. Rules that
    only suggest or note change no platform."""
    paths = ruleset.memo.get("flip_paths")
    if paths is None:
        paths = []
        for path in sorted(ruleset.readers, key=FLIP_ORDER.__getitem__):
            deciders = [c for c in ruleset.readers[path] if any(c.points) or any(c.bans)]
            if deciders:
                alone = [c for c in deciders if c.fields == {path}]
                shared = [c for c in deciders if c.fields != {path}]
                search = compile_search(deciders, path) if len(deciders) <= SEARCH_RULES else None
                paths.append((path, alone, shared, _reach(deciders), search))
        ruleset.memo["flip_paths"] = paths
    return paths


def _reach(rules: Sequence[CompiledRule]) -> Reach:
    gains, losses, may_ban = [0, 0, 0], [0, 0, 0], [0, 0, 0]
    for compiled in rules:
        for i in (0, 1, 2):
            value = compiled.points[i]
            if value > 0:
                gains[i] += value
            elif value < 0:
                losses[i] += value
            may_ban[i] |= compiled.bans[i]
    return gains, losses, may_ban


def _without(
    points: Sequence[int], bans: Sequence[int], rules: Sequence[CompiledRule], was_matched: frozenset[int]
) -> tuple[list[int], list[int]]:
    """The tally without what those of `rules` that matched added."""
    points, bans = list(points), list(bans)
    for compiled in rules:
        if id(compiled) in was_matched:
            for i in (0, 1, 2):
                points[i] -= compiled.points[i]
                bans[i] -= compiled.bans[i]
    return points, bans


_TIE_RANK = {PLATFORMS.index(p): rank for rank, p in enumerate(TIE_ORDER)}
# For each platform (by index): the other platforms it could beat, each with whether it wins a tie with it.
_RIVALS = tuple(
    tuple((rival, _TIE_RANK[target] < _TIE_RANK[rival]) for rival in (0, 1, 2) if rival != target)
    for target in (0, 1, 2)
)


def _could_change(
    points: Sequence[int], bans: Sequence[int], gains: list[int], losses: list[int], may_ban: list[int], chosen: int
) -> bool:
    """Whether some outcome of the open rules could make another platform win: each other platform at its
    best (every open rule that adds to it matching, none that bans it) against each rival at its worst
    (every open rule that takes from it matching; a rival an open rule could ban may drop out)."""
    for target in (0, 1, 2):
        if target == chosen or bans[target]:
            continue
        top = points[target] + gains[target]
        for rival, wins_tie in _RIVALS[target]:
            if bans[rival] or may_ban[rival]:
                continue
            low = points[rival] + losses[rival]
            if top < low or (top == low and not wins_tie):
                break
        else:
            return True
    return False
