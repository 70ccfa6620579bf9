"""Matched rules -> platform, confidence, rationale, why-not, technologies, capacity, assumptions, flips.

Forbidden platforms drop out; the others compete on summed scores. Ties go to the simpler estate
(container, then vm, then hybrid) and are reported as low confidence; hybrid never wins by a tie.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from advisor.engine.evaluate import CompiledRule, Facts, explain
from advisor.engine.fields import FIELDS, ORDERED, defaulted_paths, facts_of
from advisor.engine.loader import RuleSet
from advisor.errors import NoPlatformFits
from advisor.models import (
    PLATFORMS,
    Alternative,
    Assumption,
    Capacity,
    Change,
    ComponentResult,
    Considered,
    ContainerCapacity,
    Effect,
    Flip,
    HostSize,
    Need,
    Note,
    Reason,
    Recommendation,
    RulesetInfo,
    Technology,
    VMCapacity,
    WhyNot,
    WorkloadProfile,
)

TIE_ORDER = ("container", "vm", "hybrid")
HIGH_MARGIN = 6
MEDIUM_MARGIN = 3
# Memory a guest OS needs for itself in each VM, by OS family (idle footprints of a server install).
GUEST_OS_OVERHEAD_GIB = {"linux": 0.5, "windows": 2, "bsd": 0.5, "other": 1}
FAMILY_NAMES = {"linux": "Linux", "windows": "Windows", "bsd": "BSD", "other": "other"}
# What-if ties go to what a team can change most easily: its own workload before its host.
FLIP_SECTION_ORDER = ("workload", "security", "scale", "resources", "hardware", "delivery", "host")
FLIP_ORDER = {path: i for i, path in enumerate(sorted(FIELDS, key=lambda p: FLIP_SECTION_ORDER.index(p.split(".")[0])))}


@dataclass(frozen=True)
class Outcome:
    """Scores and forbids summed over the matched rules, and the platform they choose."""

    scores: dict[str, int]
    forbidden: dict[str, list[str]]
    platform: str
    confidence: str


def _score(rule: CompiledRule, platform: str) -> int:
    return getattr(rule.rule.score, platform) if rule.rule.score is not None else 0


def _tally(matched: Sequence[CompiledRule]) -> tuple[list[int], list[int]]:
    """Summed points and forbid counts per platform, in PLATFORMS order."""
    points, bans = [0, 0, 0], [0, 0, 0]
    for compiled in matched:
        for i in (0, 1, 2):
            points[i] += compiled.points[i]
            bans[i] += compiled.bans[i]
    return points, bans


_TIE_INDEXES = tuple(PLATFORMS.index(p) for p in TIE_ORDER)


def _winner(points: Sequence[int], bans: Sequence[int]) -> int | None:
    """Index of the winning platform: highest points among those not forbidden, ties in TIE_ORDER."""
    best = None
    for i in _TIE_INDEXES:
        if not bans[i] and (best is None or points[i] > points[best]):
            best = i
    return best


def outcome_of(matched: Sequence[CompiledRule]) -> Outcome:
    """Sum scores, drop forbidden platforms, pick the winner and the confidence from the margin."""
    points, bans = _tally(matched)
    scores = dict(zip(PLATFORMS, points, strict=True))
    forbidden = {p: [c.rule.id for c in matched if p in c.rule.forbid] for p in PLATFORMS}
    best = _winner(points, bans)
    if best is None:
        detail = "; ".join(f"{p} by {', '.join(forbidden[p])}" for p in PLATFORMS)
        raise NoPlatformFits(f"no platform fits this profile: every platform is forbidden ({detail})")
    winner = PLATFORMS[best]
    others = [points[i] for i in range(3) if i != best and not bans[i]]
    margin = points[best] - max(others) if others else math.inf
    confidence = "high" if margin >= HIGH_MARGIN else "medium" if margin >= MEDIUM_MARGIN else "low"
    return Outcome(scores, forbidden, winner, confidence)


def _effect(compiled: CompiledRule) -> Effect:
    score = compiled.rule.score
    points = {p: getattr(score, p) for p in PLATFORMS if score is not None and getattr(score, p)}
    return Effect(score=points, forbid=list(compiled.rule.forbid))


def _rationale(matched: Sequence[CompiledRule], winner: str) -> list[Reason]:
    def supports(c: CompiledRule) -> bool:
        return winner not in c.rule.forbid and (_score(c, winner) > 0 or bool(c.rule.forbid))

    strongest = sorted(
        (c for c in matched if supports(c)),
        key=lambda c: (-len(c.rule.forbid), -_score(c, winner), c.rule.id),
    )
    return [
        Reason(
            rule=c.rule.id,
            title=c.rule.title,
            because=c.rule.because,
            effect=_effect(c),
            links=[str(link) for link in c.rule.links],
        )
        for c in strongest
    ]


def _alternatives(matched: Sequence[CompiledRule], outcome: Outcome) -> list[Alternative]:
    winner = outcome.platform
    alternatives = []
    for platform in PLATFORMS:
        if platform == winner:
            continue
        forbidding = [c for c in matched if platform in c.rule.forbid]
        weaker = sorted(
            (c for c in matched if platform not in c.rule.forbid and _score(c, winner) > _score(c, platform)),
            key=lambda c: (_score(c, platform) - _score(c, winner), c.rule.id),
        )
        alternatives.append(
            Alternative(
                platform=platform,
                score=outcome.scores[platform],
                forbidden=bool(forbidding),
                why_not=[WhyNot(rule=c.rule.id, because=c.rule.because) for c in [*forbidding, *weaker]],
            )
        )
    return alternatives


def _technologies(matched: Sequence[CompiledRule], winner: str) -> list[Technology]:
    ordered = sorted(matched, key=lambda c: (-_score(c, winner), c.rule.id))
    seen: set[str] = set()
    found = []
    for compiled in ordered:
        for suggestion in compiled.rule.suggest:
            if winner in suggestion.platforms and suggestion.name not in seen:
                seen.add(suggestion.name)
                found.append(
                    Technology(
                        name=suggestion.name, role=suggestion.role, because=compiled.rule.because, rule=compiled.rule.id
                    )
                )
    return found


def _number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else round(value, 2)


def _capacity(profiles: Sequence[WorkloadProfile]) -> Capacity | None:
    """How many instances fit as VMs and as containers; several profiles are components sharing one host."""
    host = profiles[0].host
    if host.cpus is None or host.memory_gib is None:
        return None
    single = len(profiles) == 1
    vm_need = Need(cpus=0, memory_gib=0)
    ct_need = Need(cpus=0, memory_gib=0)
    overheads = []
    instances = 0
    for profile in profiles:
        families = profile.workload.os
        overhead = max(GUEST_OS_OVERHEAD_GIB[f] for f in families)
        overheads.append(overhead)
        n = profile.scale.instances
        instances += n
        res = profile.resources
        vm_need = Need(
            cpus=_number(vm_need.cpus + n * math.ceil(res.cpus)),
            memory_gib=_number(vm_need.memory_gib + n * (res.memory_gib + overhead)),
        )
        ct_need = Need(
            cpus=_number(ct_need.cpus + n * res.cpus), memory_gib=_number(ct_need.memory_gib + n * res.memory_gib)
        )
    res = profiles[0].resources
    overhead = max(overheads)

    def fit(cpus_each: float, memory_each: float) -> tuple[int, str]:
        by_cpu = math.floor(host.cpus / cpus_each + 1e-9)
        by_memory = math.floor(host.memory_gib / memory_each + 1e-9)
        return (by_cpu, "cpu") if by_cpu <= by_memory else (by_memory, "memory")

    if single:
        vcpus = math.ceil(res.cpus)
        vm_fits, vm_limit = fit(vcpus, res.memory_gib + overhead)
        ct_fits, ct_limit = fit(res.cpus, res.memory_gib)
        family = "/".join(FAMILY_NAMES[f] for f in profiles[0].workload.os)
        explanation = (
            f"On a host with {host.cpus} cores and {_number(host.memory_gib)} GiB, each VM holds "
            f"{vcpus} vCPU and {_number(res.memory_gib + overhead)} GiB ({_number(res.memory_gib)} GiB for the "
            f"application plus {_number(overhead)} GiB for its own {family} guest OS), so {vm_fits} VMs fit "
            f"(limited by {vm_limit}). Containers share the host kernel and take only what the application "
            f"uses: {ct_fits} fit at {_number(res.cpus)} core and {_number(res.memory_gib)} GiB each "
            f"(limited by {ct_limit}), and idle CPU and memory are shared between them. "
            f"{instances} instances are expected."
        )
        vm = VMCapacity(
            vcpus_each=vcpus,
            memory_gib_each=_number(res.memory_gib + overhead),
            guest_os_overhead_gib=_number(overhead),
            fits=vm_fits,
            limited_by=vm_limit,
            needed=vm_need,
            enough=vm_fits >= instances,
        )
        container = ContainerCapacity(
            cpus_each=_number(res.cpus),
            memory_gib_each=_number(res.memory_gib),
            fits=ct_fits,
            limited_by=ct_limit,
            needed=ct_need,
            enough=ct_fits >= instances,
        )
    else:
        vm_enough = vm_need.cpus <= host.cpus and vm_need.memory_gib <= host.memory_gib
        ct_enough = ct_need.cpus <= host.cpus and ct_need.memory_gib <= host.memory_gib
        explanation = (
            f"All {instances} instances of the {len(profiles)} components together need "
            f"{_number(vm_need.cpus)} vCPUs and {_number(vm_need.memory_gib)} GiB as VMs (each VM carries its own "
            f"guest OS) or {_number(ct_need.cpus)} cores and {_number(ct_need.memory_gib)} GiB as containers, on a "
            f"host with {host.cpus} cores and {_number(host.memory_gib)} GiB: "
            f"{'enough' if vm_enough else 'not enough'} for VMs, "
            f"{'enough' if ct_enough else 'not enough'} for containers."
        )
        vm = VMCapacity(
            vcpus_each=None,
            memory_gib_each=None,
            guest_os_overhead_gib=_number(overhead),
            fits=None,
            limited_by=None,
            needed=vm_need,
            enough=vm_enough,
        )
        container = ContainerCapacity(
            cpus_each=None, memory_gib_each=None, fits=None, limited_by=None, needed=ct_need, enough=ct_enough
        )
    return Capacity(
        host=HostSize(cpus=host.cpus, memory_gib=_number(host.memory_gib)),
        instances=instances,
        vm=vm,
        container=container,
        explanation=explanation,
    )


def _assumptions(matched: Sequence[CompiledRule], facts: Facts, defaulted: frozenset[str]) -> list[Assumption]:
    relied: dict[str, list[str]] = {}
    for compiled in matched:
        for path in sorted(compiled.fields & defaulted):
            relied.setdefault(path, []).append(compiled.rule.id)
    return [Assumption(field=p, value=facts[p], rules=sorted(set(ids))) for p, ids in sorted(relied.items())]


# --- What-if: the smallest change of one field that flips the recommendation. ---


def _candidates(path: str, current: Any, constants: list[Any]) -> list[tuple[float, Any]]:
    """(cost, new value) pairs for one field: the other choices, or the thresholds rules compare with."""
    spec = FIELDS[path]
    found: list[tuple[float, Any]] = []
    if spec.kind in ("enum", "bool") and not spec.many:
        for index, choice in enumerate(spec.choices):
            if choice != current:
                distance = abs(index - spec.choices.index(current)) if path in ORDERED else 1
                found.append((distance, choice))
    elif spec.many:
        pool = list(spec.choices) or [c for c in constants if not isinstance(c, int)] or list(spec.examples)
        for value in pool:
            if value not in current:
                found.append((1, [*current, value]))
        if spec.kind != "enum" and current:
            found.append((1, []))
        elif len(current) > 1:
            found.extend((1, [v for v in current if v != value]) for value in current)
    elif spec.kind == "number":
        for c in constants:
            for value in (c - 1, c, c + 1):
                if not _in_bounds(spec, value) or value == current:
                    continue
                cost = 1.0 if current is None else abs(value - current) / max(abs(current), 1)
                found.append((cost, _number(value)))
    else:  # free strings: the values rules compare with, or back to unset
        found.extend((1, c) for c in constants if c != current)
        if current is not None and spec.optional:
            found.append((1, None))
    return found


def _in_bounds(spec: Any, value: float) -> bool:
    if spec.minimum is not None and (value < spec.minimum or (spec.exclusive_minimum and value == spec.minimum)):
        return False
    if spec.maximum is not None and value > spec.maximum:
        return False
    return not spec.integer or float(value).is_integer()


def _flips(ruleset: RuleSet, facts: Facts, matched: Sequence[CompiledRule], winner: str) -> list[Flip]:
    """For each other platform, the smallest one-field change that makes it win, or None.

    Only the rules that read the changed field are evaluated again; the others keep their result.
    """
    points, bans = _tally(matched)
    was_matched = {id(c) for c in matched}
    trial = dict(facts)
    # Ranked by: host fields last (the host is usually a given), then the size of the step, then field order.
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
            index = _winner(trial_points, trial_bans)
            if index is None or PLATFORMS[index] == winner:  # no change, or nothing left at all
                continue
            platform = PLATFORMS[index]
            key = (path.startswith("host."), cost, FLIP_ORDER[path])
            if platform not in best or key < best[platform][0]:
                best[platform] = (key, Change(field=path, from_=current, to=value))
        trial[path] = current
    return [Flip(platform=p, change=best[p][1] if p in best else None) for p in PLATFORMS if p != winner]


def _considered(rules: Sequence[CompiledRule], facts: Facts) -> list[Considered]:
    """Every rule, matched ones first, each with the parts of its condition that decided it."""
    found = [Considered(rule=c.rule.id, matched=ok, why=why) for c in rules for ok, why in [explain(c, facts)]]
    return sorted(found, key=lambda c: (not c.matched, c.rule))


def _component(
    profile: WorkloadProfile, ruleset: RuleSet, explained: bool = False
) -> tuple[ComponentResult, list[CompiledRule]]:
    facts = facts_of(profile)
    matched = [c for c in ruleset.rules if c.check(facts)]
    outcome = outcome_of(matched)
    result = ComponentResult(
        name=profile.name,
        platform=outcome.platform,
        confidence=outcome.confidence,
        scores=outcome.scores,
        rationale=_rationale(matched, outcome.platform),
        alternatives=_alternatives(matched, outcome),
        technologies=_technologies(matched, outcome.platform),
        notes=[Note(rule=c.rule.id, note=c.rule.note) for c in matched if c.rule.note],
        capacity=_capacity([profile]),
        assumptions=_assumptions(matched, facts, defaulted_paths(profile)),
        flips=_flips(ruleset, facts, matched, outcome.platform),
        considered=_considered(ruleset.rules, facts) if explained else None,
    )
    return result, matched


def recommend(profile: WorkloadProfile, ruleset: RuleSet, *, explained: bool = False) -> Recommendation:
    """The recommendation for a profile: one platform, or one per component and hybrid where they differ.

    With `explained`, every result also lists each rule considered and why it did or did not match.
    """
    info = RulesetInfo(**ruleset.summary())
    if not profile.components:
        single, _ = _component(profile, ruleset, explained)
        return Recommendation(**single.__dict__, components=[], ruleset=info)
    parts = [profile.component_profile(c) for c in profile.components]
    results = [_component(part, ruleset, explained)[0] for part in parts]
    system = _system(profile, parts, results, info)
    # Rules are weighed per component; the system itself considers none of its own.
    return system.model_copy(update={"considered": []}) if explained else system


CONFIDENCE_ORDER = ("low", "medium", "high")
SYSTEM_RULE = "components"
SYSTEM_LINKS = ["https://kubevirt.io/user-guide/", "https://kubernetes.io/docs/concepts/overview/"]


def _system(
    profile: WorkloadProfile, parts: list[WorkloadProfile], results: list[ComponentResult], info: RulesetInfo
) -> Recommendation:
    platforms = sorted({r.platform for r in results}, key=PLATFORMS.index)
    platform = platforms[0] if len(platforms) == 1 else "hybrid"
    # One platform for the whole system scores the sum of its components' scores there; a hybrid lets each
    # component run on its own best platform, so it scores the sum of their best scores.
    scores = {p: sum(r.scores[p] for r in results) for p in PLATFORMS}
    scores["hybrid"] = sum(r.scores[r.platform] for r in results)
    confidence = min((r.confidence for r in results), key=CONFIDENCE_ORDER.index)
    by_platform = {p: [r.name for r in results if r.platform == p] for p in platforms}
    summary = "; ".join(f"{', '.join(names)} on {p}" for p, names in by_platform.items())
    if len(platforms) == 1:
        because = f"Every component runs best on {platform} ({summary}), so the whole system does too."
    else:
        because = (
            f"The components need different platforms ({summary}). One estate that runs VMs and containers "
            "side by side, or containers inside VMs, is a hybrid: each component gets its own best platform."
        )
    rationale = [
        Reason(rule=SYSTEM_RULE, title="What the components need", because=because, effect=Effect(), links=SYSTEM_LINKS)
    ]
    seen = {SYSTEM_RULE}
    for result in results:
        for reason in result.rationale:
            if reason.rule not in seen:
                seen.add(reason.rule)
                rationale.append(reason)
    alternatives = []
    for other in PLATFORMS:
        if other == platform:
            continue
        against = [r for r in results if r.platform != other]
        why_not = []
        for r in against:
            top = r.rationale[0] if r.rationale else None
            reason = top.because if top else f"{r.name} scores higher on {r.platform}"
            why_not.append(
                WhyNot(rule=top.rule if top else SYSTEM_RULE, because=f"{r.name} runs best on {r.platform}: {reason}")
            )
        forbidden = any(alt.platform == other and alt.forbidden for r in results for alt in r.alternatives)
        alternatives.append(Alternative(platform=other, score=scores[other], forbidden=forbidden, why_not=why_not))
    return Recommendation(
        name=profile.name,
        platform=platform,
        confidence=confidence,
        scores=scores,
        rationale=rationale,
        alternatives=alternatives,
        technologies=_dedupe([t for r in results for t in r.technologies], key=lambda t: t.name),
        notes=_dedupe([n for r in results for n in r.notes], key=lambda n: (n.rule, n.note)),
        capacity=_capacity(parts),
        components=results,
        assumptions=_merge_assumptions([a for r in results for a in r.assumptions]),
        flips=[],
        ruleset=info,
    )


def _dedupe(items: list[Any], key: Any) -> list[Any]:
    seen: set[Any] = set()
    kept = []
    for item in items:
        if key(item) not in seen:
            seen.add(key(item))
            kept.append(item)
    return kept


def _merge_assumptions(assumptions: list[Assumption]) -> list[Assumption]:
    merged: dict[tuple[str, str], Assumption] = {}
    for a in assumptions:
        key = (a.field, repr(a.value))
        if key in merged:
            merged[key] = Assumption(field=a.field, value=a.value, rules=sorted({*merged[key].rules, *a.rules}))
        else:
            merged[key] = a
    return [merged[k] for k in sorted(merged)]
