"""Matched rules -> the recommendation: platform, confidence, rationale, why-not, technologies and notes.

The arithmetic of choosing is in scoring.py, capacity in capacity.py and the what-if search in whatif.py;
this module puts a result together, for one profile or for a system of components.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel

from advisor.engine.capacity import capacity
from advisor.engine.catalogue import defaulted_paths, facts_of
from advisor.engine.evaluate import CompiledRule, Facts, deciding_fields, explain
from advisor.engine.index import network_of
from advisor.engine.loader import RuleSet
from advisor.engine.plan import plan
from advisor.engine.scoring import Outcome, outcome_of
from advisor.engine.whatif import FlipStage, flip_stage, flips
from advisor.errors import NoPlatformFits
from advisor.models import (
    PLATFORMS,
    Against,
    Alternative,
    Assumption,
    ComponentResult,
    Confidence,
    Considered,
    Effect,
    Note,
    Platform,
    Reason,
    Recommendation,
    RulesetInfo,
    Technology,
    WhyNot,
    WorkloadProfile,
)

_INDEX: dict[str, int] = {platform: i for i, platform in enumerate(PLATFORMS)}


def _score(compiled: CompiledRule, platform: str) -> int:
    return compiled.points[_INDEX[platform]]


def _effect(compiled: CompiledRule) -> Effect:
    points = {p: points for p, points in zip(PLATFORMS, compiled.points, strict=True) if points}
    return Effect(score=points, forbid=list(compiled.rule.forbid))


def _rationale(matched: Sequence[CompiledRule], winner: str) -> list[Reason]:
    def supports(c: CompiledRule) -> bool:
        return winner not in c.rule.forbid and (_score(c, winner) > 0 or bool(c.rule.forbid))

    strongest = sorted(
        (c for c in matched if supports(c)),
        key=lambda c: (-len(c.rule.forbid), -_score(c, winner), c.rule.id),
    )
    return [_once(c, "reason", _reason) for c in strongest]


def _once(compiled: CompiledRule, part: str, build: Any) -> Any:
    """A rule's part of a result (its reason, say), built on first use: it is the same in every result."""
    found = compiled.memo.get(part)
    if found is None:
        found = compiled.memo[part] = build(compiled)
    return found


def _reason(c: CompiledRule) -> Reason:
    return Reason(
        rule=c.rule.id,
        title=c.rule.title,
        because=c.rule.because,
        effect=_effect(c),
        links=[str(link) for link in c.rule.links],
    )


def _why_not(c: CompiledRule) -> WhyNot:
    return WhyNot(rule=c.rule.id, because=c.rule.because)


def _note(c: CompiledRule) -> Note:
    return Note(rule=c.rule.id, note=c.rule.note)


def _suggested(c: CompiledRule) -> list[Technology]:
    return [Technology(name=s.name, role=s.role, because=c.rule.because, rule=c.rule.id) for s in c.rule.suggest]


def _against(matched: Sequence[CompiledRule], outcome: Outcome) -> list[Against]:
    """The doubts: rules that took points from the winner, or gave the runner-up more than the winner.

    The runner-up is the best-scoring platform no rule forbids; when every other platform is forbidden, only
    points taken from the winner count.
    """
    winner = outcome.platform
    runner_up: Platform | None = None
    for platform in PLATFORMS:  # the best allowed score; a tie goes to the earlier platform
        allowed = platform != winner and not outcome.forbidden[platform]
        if allowed and (runner_up is None or outcome.scores[platform] > outcome.scores[runner_up]):
            runner_up = platform

    def weight(c: CompiledRule) -> int:
        """How much the rule narrows the winner's lead (positive) over the runner-up, or its own loss."""
        lead = _score(c, runner_up) - _score(c, winner) if runner_up else 0
        return max(lead, -_score(c, winner))

    doubting = sorted((c for c in matched if weight(c) > 0), key=lambda c: (-weight(c), c.rule.id))
    found = []
    for c in doubting:
        favours = runner_up if runner_up and _score(c, runner_up) > _score(c, winner) else None
        # A rule's doubt is the same in every result that names the same runner-up: built once for each.
        found.append(_once(c, f"against {favours}", lambda c, favours=favours: _doubt(c, favours)))
    return found


def _doubt(c: CompiledRule, favours: Platform | None) -> Against:
    return Against(rule=c.rule.id, title=c.rule.title, because=c.rule.because, effect=_effect(c), favours=favours)


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
                why_not=[_once(c, "why_not", _why_not) for c in [*forbidding, *weaker]],
            )
        )
    return alternatives


def _technologies(matched: Sequence[CompiledRule], winner: str) -> list[Technology]:
    ordered = sorted(matched, key=lambda c: (-_score(c, winner), c.rule.id))
    seen: set[str] = set()
    found = []
    for compiled in ordered:
        if not compiled.rule.suggest:
            continue
        technologies = _once(compiled, "suggested", _suggested)
        for suggestion, technology in zip(compiled.rule.suggest, technologies, strict=True):
            if winner in suggestion.platforms and suggestion.name not in seen:
                seen.add(suggestion.name)
                found.append(technology)
    return found


def _assumptions(matched: Sequence[CompiledRule], facts: Facts, defaulted: frozenset[str]) -> list[Assumption]:
    relied: dict[str, list[str]] = {}
    for compiled in matched:
        if compiled.fields.isdisjoint(defaulted):  # it relied on no default, whatever decided it
            continue
        for path in sorted(deciding_fields(compiled, facts, holds=True) & defaulted):
            relied.setdefault(path, []).append(compiled.rule.id)
    return [Assumption(field=p, value=facts[p], rules=sorted(set(ids))) for p, ids in sorted(relied.items())]


def _considered(rules: Sequence[CompiledRule], facts: Facts) -> list[Considered]:
    """Every rule, matched ones first, each with the parts of its condition that decided it."""
    found = [Considered(rule=c.rule.id, matched=ok, why=why) for c in rules for ok, why in [explain(c, facts)]]
    return sorted(found, key=lambda c: (not c.matched, c.rule))


def _capped(outcome: Outcome, matched: Sequence[CompiledRule]) -> Confidence:
    """The margin's confidence, lowered by a matched warning that counts against the chosen platform."""
    caps = [c.rule.confidence_at_most for c in matched if c.rule.confidence_at_most and _score(c, outcome.platform) < 0]
    return min([outcome.confidence, *caps], key=CONFIDENCE_ORDER.index)


@dataclass(frozen=True)
class _Decided:
    """Everything a set of matched rules decides whatever facts matched them: the outcome and its explanation
    (rationale, doubts, why-not, technologies, notes) and the what-if search's first stage. Profiles that match
    the same rules share it, so it is worked out once for them and kept with the rule set (DECIDED_ENTRIES at most)."""

    outcome: Outcome
    confidence: Confidence
    rationale: tuple[Reason, ...]
    against: tuple[Against, ...]
    alternatives: tuple[Alternative, ...]
    technologies: tuple[Technology, ...]
    notes: tuple[Note, ...]
    forbidden: frozenset[str]
    stage: FlipStage


# What _decided may keep per rule set: matched sets, and bytes by an estimate of each entry's own objects (a few
# kilobytes with the shipped rules; more with thousands of rules, whose matched sets are larger). Past either,
# it starts afresh.
DECIDED_ENTRIES = 1024
DECIDED_BYTES = 8 * 1024 * 1024


def _decided(ruleset: RuleSet, matched: Sequence[CompiledRule]) -> _Decided:
    memo = ruleset.memo.get("decided")
    if memo is None or len(memo) >= DECIDED_ENTRIES or ruleset.memo["decided bytes"] >= DECIDED_BYTES:
        memo = ruleset.memo["decided"] = {}
        ruleset.memo["decided bytes"] = 0
    # The matched rules' ids, 8 bytes each (the rules live as long as the rule set, and the memo with them).
    key = array("Q", map(id, matched)).tobytes()
    found = memo.get(key)
    if found is None:
        outcome = outcome_of(matched)  # NoPlatformFits is not kept: it is raised again, at once, each time
        winner = outcome.platform
        found = memo[key] = _Decided(
            outcome=outcome,
            confidence=_capped(outcome, matched),
            rationale=tuple(_rationale(matched, winner)),
            against=tuple(_against(matched, outcome)),
            alternatives=tuple(_alternatives(matched, outcome)),
            technologies=tuple(_technologies(matched, winner)),
            notes=tuple(_once(c, "note", _note) for c in matched if c.rule.note and winner in c.rule.note_for),
            forbidden=frozenset(p for p in PLATFORMS if outcome.forbidden[p]),
            stage=flip_stage(ruleset, matched, winner),
        )
        ruleset.memo["decided bytes"] += _estimated_bytes(key, found)
    return found


def _estimated_bytes(key: bytes, decided: _Decided) -> int:
    """Roughly what one entry of _decided holds of its own (its parts are shared with the rules): measured with
    tracemalloc over generated profiles, within a factor of two."""
    parts = len(decided.rationale) + len(decided.against) + len(decided.technologies) + len(decided.notes)
    why_nots = sum(len(alternative.why_not) for alternative in decided.alternatives)
    return 2048 + len(key) + 16 * (parts + why_nots) + 400 * len(decided.alternatives) + 240 * len(decided.stage.paths)


def _component(
    profile: WorkloadProfile, ruleset: RuleSet, explained: bool = False, what_if: bool = True
) -> ComponentResult:
    facts = facts_of(profile)
    matched = network_of(ruleset)(facts)
    try:
        decided = _decided(ruleset, matched)
    except NoPlatformFits as exc:
        raise NoPlatformFits(f"{profile.name}: {exc}") from None
    outcome = decided.outcome
    # Built from parts already validated or made here: checking them all again would only cost time. The
    # lists are the result's own; the parts in them are shared, as every model part of a result already is.
    return _built(
        ComponentResult,
        name=profile.name,
        platform=outcome.platform,
        confidence=decided.confidence,
        scores=dict(outcome.scores),
        rationale=list(decided.rationale),
        against=list(decided.against),
        alternatives=list(decided.alternatives),
        technologies=list(decided.technologies),
        notes=list(decided.notes),
        capacity=capacity([profile], decided.forbidden),
        assumptions=_assumptions(matched, facts, defaulted_paths(profile)),
        flips=flips(ruleset, facts, matched, outcome.platform, decided.stage) if what_if else [],
        considered=_considered(ruleset.rules, facts) if explained else None,
    )


Built = TypeVar("Built", bound=BaseModel)


def _built(model: type[Built], **values: Any) -> Built:
    """A result model from values already checked, given for every field: what model_construct makes, without
    its per-field loop over aliases and defaults, which costs more than validating the values would."""
    fields = model.__pydantic_fields__
    if values.keys() != fields.keys() or model.__pydantic_post_init__:  # defaults to fill, or a hook to run
        return model.model_construct(**values)
    built = model.__new__(model)
    object.__setattr__(built, "__dict__", {name: values[name] for name in fields})
    object.__setattr__(built, "__pydantic_fields_set__", set(fields))
    object.__setattr__(built, "__pydantic_extra__", None)
    object.__setattr__(built, "__pydantic_private__", None)
    return built


def recommend(
    profile: WorkloadProfile, ruleset: RuleSet, *, explained: bool = False, what_if: bool = True
) -> Recommendation:
    """The recommendation for a profile: one platform, or one per component and hybrid where they differ.

    With `explained`, every result also lists each rule considered and why it did or did not match.
    Without `what_if`, the search for flips (half the work) is skipped and `flips` is empty: for callers that
    only compare platforms, such as `advisor check`.
    """
    info = ruleset.memo.get("info")  # the same for every result under this rule set
    if info is None:
        info = ruleset.memo["info"] = RulesetInfo(**ruleset.summary())
    if not profile.components:
        single = _component(profile, ruleset, explained, what_if)
        return _built(
            Recommendation,
            **single.__dict__,
            confidence_set_by=None,
            components=[],
            ruleset=info,
            plan=plan(profile, [profile], [single]),
        )
    parts = [profile.component_profile(c) for c in profile.components]
    results = [_component(part, ruleset, explained, what_if) for part in parts]
    system = _system(profile, parts, results, info).model_copy(update={"plan": plan(profile, parts, results)})
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
    # The whole is as sure as its least sure part; the first such component is named as the one that set it.
    least_sure = min(results, key=lambda r: CONFIDENCE_ORDER.index(r.confidence))
    confidence = least_sure.confidence
    by_platform = {p: [r.name for r in results if r.platform == p] for p in platforms}
    summary = "; ".join(f"{', '.join(names)} on {p}" for p, names in by_platform.items())
    if len(platforms) == 1:
        because = f"Every component runs best on {platform} ({summary}), so the whole system does too."
    else:
        because = (
            f"The components need different platforms ({summary}). One estate that runs VMs and containers "
            "side by side, or containers inside VMs, is a hybrid: each component gets its own best platform."
        )
    # The system's one reason is what its components need; each component carries its own rationale.
    rationale = [
        Reason(rule=SYSTEM_RULE, title="What the components need", because=because, effect=Effect(), links=SYSTEM_LINKS)
    ]
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
        confidence_set_by=least_sure.name,
        scores=scores,
        rationale=rationale,
        against=_dedupe([a for r in results for a in r.against], key=lambda a: a.rule),
        alternatives=alternatives,
        technologies=_dedupe([t for r in results for t in r.technologies], key=lambda t: t.name),
        notes=_dedupe([n for r in results for n in r.notes], key=lambda n: (n.rule, n.note)),
        # Components on hosts of their own (a Windows node pool) share no one host whose capacity could be summed.
        capacity=capacity(parts) if len({part.host for part in parts}) == 1 else None,
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
