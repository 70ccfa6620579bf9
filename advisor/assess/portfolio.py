"""The portfolio: every item's recommendation, its verdict, blockers and wave, and the counts over them.

An answer that rests mostly on unknowns is not a verdict. For each result, the points that chose its
platform are summed over the reasons the engine gives (a rule that rules another platform out counts as
much as a high-confidence margin); the share of those points that come from rules reading a field no
input told (a default the answer assumed) is `resting_on_unknowns`. Over INSUFFICIENT_SHARE (half), the
verdict is "insufficient data" and the item waits in the last wave until someone fills in what is unknown
(`--write-profiles`, then assess the corrected profiles). An inventory says what a VM is, rarely how it is
run, so many VMs land there: that is the honest answer.

Waves: items that can move as they are and whose answer is firm go first; blockers (a rule that rules a
platform out, host access a container would need) and unknowns are worked on before the rest move.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from advisor import __version__
from advisor.assess.facts import Inventory, Observed
from advisor.assess.infer import INPUT_BLOCKERS, Source, build_profile, dns_label, unique
from advisor.engine.decide import recommend
from advisor.engine.loader import RuleSet
from advisor.engine.scoring import HIGH_MARGIN
from advisor.errors import NoPlatformFits
from advisor.models import ComponentResult, Recommendation, WorkloadProfile

INSUFFICIENT = "insufficient data"
NO_PLATFORM = "no platform fits"
INSUFFICIENT_SHARE = 0.5
FORBID_POINTS = HIGH_MARGIN
TOP_REASONS = 3
REPORT_FORMAT = 1
# Which starter files fit each platform, as `advisor emit all` writes them (generators/bundle.py).
STARTERS = {"vm": ["libvirt"], "container": ["dockerfile"], "hybrid": ["dockerfile", "libvirt"]}
WAVES = (
    (1, "Move first: a firm answer and nothing in the way"),
    (2, "Next: a medium-confidence answer, nothing in the way"),
    (3, "Then: a low-confidence answer; check the reasons before moving"),
    (4, "After the blockers are resolved"),
    (5, "Collect data first: the answer rests mostly on unknowns"),
)


@dataclass
class Assessed:
    """One item of the portfolio: what was observed, its profile and sources, and its recommendation."""

    id: str
    observed: Observed
    profile: WorkloadProfile
    sources: dict[str, list[Source]]
    result: Recommendation | None
    failure: str | None = None
    data: dict[str, Any] | None = None  # the report's entry, once made


def _support(result: Recommendation | ComponentResult) -> tuple[float, float]:
    """(points that chose the platform, the part of them from rules that read a defaulted field)."""
    resting_rules = {rule for assumption in result.assumptions for rule in assumption.rules}
    total = resting = 0.0
    for reason in result.rationale:
        points = reason.effect.score.get(result.platform, 0) + (FORBID_POINTS if reason.effect.forbid else 0)
        total += points
        if reason.rule in resting_rules:
            resting += points
    return total, resting


def resting_share(result: Recommendation) -> float:
    """The share of the deciding points that rest on unknowns (1 when nothing at all supports the answer)."""
    parts: list[Recommendation | ComponentResult] = [*result.components] or [result]
    total = resting = 0.0
    for part in parts:
        part_total, part_resting = _support(part)
        total, resting = total + part_total, resting + part_resting
    return round(resting / total, 2) if total else 1.0


def verdict_of(result: Recommendation | ComponentResult) -> str:
    """The platform, or "insufficient data" when the answer rests mostly on unknowns."""
    total, resting = _support(result)
    share = resting / total if total else 1.0
    return INSUFFICIENT if share > INSUFFICIENT_SHARE else result.platform


def _ruled_out(result: Recommendation | None, ruleset: RuleSet) -> list[dict[str, Any]]:
    """The platforms a rule forbids (for an estate, per component): why not, not what stops the move."""
    if result is None:
        return []
    found: dict[tuple[str, str, str], dict[str, Any]] = {}
    parts: list[tuple[str, Recommendation | ComponentResult]] = [(c.name, c) for c in result.components]
    for name, part in parts or [("", result)]:
        for alternative in part.alternatives:
            for why in alternative.why_not:
                compiled = ruleset.get(why.rule)
                if compiled is not None and alternative.platform in compiled.rule.forbid:
                    key = (name, alternative.platform, why.rule)
                    found[key] = {"component": name or None, "platform": alternative.platform, "rule": why.rule,
                                  "title": compiled.rule.title}  # fmt: skip
    return [found[key] for key in sorted(found)]


def _blockers(item: Assessed) -> list[str]:
    """What stops the item from moving as it is: no platform fits, host access, hardware to pass through."""
    if item.failure is not None:
        return [item.failure]
    found = []
    parts = [("", item.observed)] + [(dns_label(c.name), c) for c in item.observed.components]
    for name, part in parts:
        prefix = f"{name}: " if name else ""
        for fact, why in INPUT_BLOCKERS.items():
            if fact in part.facts:
                found.append(f"{prefix}{why} ({part.facts[fact].where})")
        if "devices" in part.facts:
            devices = ", ".join(map(str, part.facts["devices"].value))
            found.append(f"{prefix}passes devices through ({devices}): the target host needs them too")
    return sorted(set(found))


def _wave(verdict: str, confidence: str | None, blockers: list[str]) -> int:
    if verdict == INSUFFICIENT:
        return 5
    if blockers or verdict == NO_PLATFORM:
        return 4
    return {"high": 1, "medium": 2}.get(confidence or "", 3)


def _source_data(source: Source) -> dict[str, Any]:
    return {"field": source.field, "value": source.value, "how": source.how, "because": source.because,
            "where": list(source.where)}  # fmt: skip


def _reasons(result: Recommendation | ComponentResult) -> list[dict[str, Any]]:
    return [
        {"rule": r.rule, "title": r.title, "effect": r.effect.model_dump(mode="json")}
        for r in result.rationale[:TOP_REASONS]
    ]


def _unknowns(result: Recommendation | ComponentResult) -> list[dict[str, Any]]:
    return [{"field": a.field, "assumed": a.value, "rules": a.rules} for a in result.assumptions]


def _notes(observed: Observed) -> list[str]:
    notes = []
    state = observed.facts.get("power_state")
    if state is not None and state.value != "poweredOn":
        notes.append(f"power state {state.value}: confirm it is still needed before moving it")
    return notes


def item_data(item: Assessed, ruleset: RuleSet, given: dict[str, Any] | None = None) -> dict[str, Any]:
    """One item of the report, keys in a fixed order."""
    observed, result = item.observed, item.result
    blockers = _blockers(item)
    if result is None:
        verdict, platform, confidence, share = NO_PLATFORM, None, None, None
    else:
        share = resting_share(result)
        platform, confidence = result.platform, result.confidence
        verdict = INSUFFICIENT if share > INSUFFICIENT_SHARE else platform
    location = {k: str(observed.facts[k].value) for k in ("datacenter", "cluster", "host") if k in observed.facts}
    data: dict[str, Any] = {
        "id": item.id,
        "name": observed.name,
        "kind": observed.kind,
        "input": observed.where.file,
        "where": str(observed.where),
        "verdict": verdict,
        "platform": platform,
        "confidence": confidence,
        "resting_on_unknowns": share,
        "wave": _wave(verdict, confidence, blockers),
        "blockers": blockers,
        "ruled_out": _ruled_out(result, ruleset),
        "reasons": _reasons(result) if result else [],
        "unknowns": _unknowns(result) if result else [],
        "starters": STARTERS.get(verdict, []),
        "notes": _notes(observed),
        "location": location,
        "components": [
            {
                "name": part.name,
                "verdict": verdict_of(part),
                "platform": part.platform,
                "confidence": part.confidence,
                "reasons": [r.rule for r in part.rationale[:TOP_REASONS]],
                "unknowns": [a.field for a in part.assumptions],
            }
            for part in (result.components if result else [])
        ],
        "profile": given if given is not None else item.profile.given(),
        "provenance": {
            part: [_source_data(s) for s in sources if s.how != "unknown"] for part, sources in item.sources.items()
        },
    }
    return data


def _recommend(
    profile: WorkloadProfile, given: dict[str, Any], ruleset: RuleSet, answers: dict[str, Any]
) -> tuple[Any, str | None]:
    """The recommendation, or why no platform fits; profiles alike but for their name are answered once.

    Inventories hold many VMs of the same OS and size, and the answer depends only on the profile.
    """
    if profile.components:
        key = None
    else:
        key = repr({k: v for k, v in given.items() if k != "name"})  # fields in the model's order: a stable key
        if key in answers:
            result, failure = answers[key]
            return (result.model_copy(update={"name": profile.name}) if result else None), failure
    try:
        answer: tuple[Any, str | None] = (recommend(profile, ruleset, what_if=False), None)
    except NoPlatformFits as exc:
        answer = (None, str(exc))
    if key is not None:
        answers[key] = answer
    return answer


def assess_items(
    inventories: list[Inventory], ruleset: RuleSet, host_os: str = "linux", *, keep: bool = True
) -> list[Assessed]:
    """Infer a profile for every observed item, recommend a platform for it and make its report entry.

    Without `keep`, each item's recommendation and facts are let go once its entry is made (the entry and
    the profile with its sources stay), so memory holds one recommendation at a time, not one per VM.
    """
    taken: set[str] = set()
    answers: dict[str, Any] = {}
    assessed = []
    for inventory in inventories:
        for observed in inventory.items:
            item_id = unique(dns_label(observed.name), taken)
            if observed.profile is not None:
                profile = observed.profile.model_copy(update={"name": item_id}) if item_id != observed.name else None
                profile = profile or observed.profile
                given = profile.given()
                sources = {"": [_given_source(path, value, observed) for path, value in _flat(given)]}
            else:
                profile, sources, given = build_profile(observed, item_id, host_os)
            result, failure = _recommend(profile, given, ruleset, answers)
            item = Assessed(item_id, observed, profile, sources, result, failure)
            item.data = item_data(item, ruleset, given)
            if not keep:
                item.result = None
                for part in (observed, *observed.components):
                    part.facts = {}
            assessed.append(item)
    return assessed


def _flat(data: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    found = []
    for key, value in data.items():
        if isinstance(value, dict):
            found += _flat(value, f"{prefix}{key}.")
        elif key != "name" or prefix:
            found.append((f"{prefix}{key}", value))
    return found


def _given_source(path: str, value: Any, observed: Observed) -> Source:
    return Source(path, value, "read", "given in the profile", (str(observed.where),))


def _digest(path: Path | None) -> str | None:
    if path is None or not path.is_file():
        return None
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return "sha256:" + digest.hexdigest()


def report(
    inventories: list[Inventory],
    assessed: list[Assessed],
    ruleset: RuleSet,
    *,
    host_os: str = "linux",
    paths: dict[str, Path] | None = None,
) -> dict[str, Any]:
    """The portfolio report as plain data in canonical order: the same inputs and rules give the same data."""
    items = sorted((item.data or item_data(item, ruleset) for item in assessed), key=lambda i: i["id"])
    verdicts = Counter(i["verdict"] for i in items)
    confidences = Counter(i["confidence"] for i in items if i["confidence"])
    skipped = [
        {"name": s.name, "where": str(s.where), "why": s.why} for inventory in inventories for s in inventory.skipped
    ]
    return {
        "report": "advisor assessment",
        "format": REPORT_FORMAT,
        "advisor": __version__,
        "ruleset": ruleset.summary(),
        "host_os": host_os,
        "insufficient_share": INSUFFICIENT_SHARE,
        "inputs": [
            {
                "file": inventory.file,
                "kind": inventory.kind,
                "sha256": _digest((paths or {}).get(inventory.file)),
                "items": len(inventory.items),
                "skipped": len(inventory.skipped),
            }
            for inventory in inventories
        ],
        "summary": {
            "items": len(items),
            "skipped": len(skipped),
            "verdicts": {v: verdicts[v] for v in ("vm", "container", "hybrid", INSUFFICIENT, NO_PLATFORM)},
            "confidence": {c: confidences[c] for c in ("high", "medium", "low")},
            "with_blockers": sum(bool(i["blockers"]) for i in items),
        },
        "waves": [
            {"wave": number, "title": title, "items": [i["id"] for i in items if i["wave"] == number]}
            for number, title in WAVES
        ],
        "items": items,
        "skipped": skipped,
    }
